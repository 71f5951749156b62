//! CSV batch awards: file-level and row-level checks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = backpack_domain::issuing::batches::parse_csv(data) {
        // Every row was checked: a recipient or the code of its problem.
        for row in &rows {
            assert!(row.row >= 1);
            if let Err(code) = &row.check {
                assert!(!code.is_empty());
            }
        }
        for row in &rows {
            if let Some(name) = &row.name {
                let _ = backpack_domain::issuing::batches::safe_cell(name);
            }
        }
    }
});
