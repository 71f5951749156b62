//! CSV batch awards: file-level and row-level checks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = backpack_domain::batches::parse_csv(data) {
        let _ = backpack_domain::batches::invalid_rows(&rows);
        for row in &rows {
            if let Some(name) = &row.name {
                let _ = backpack_domain::batches::safe_cell(name);
            }
        }
    }
});
