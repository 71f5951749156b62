//! Upload sniffing (`files::check_upload`: kind by content, size cap) and
//! what follows for images: the header read (decompression-bomb checks)
//! and the thumbnail.
#![no_main]
use backpack_domain::files::{check_upload, FileKind};
use libfuzzer_sys::fuzz_target;

const ALL: &[FileKind] = &[
    FileKind::Png,
    FileKind::Jpeg,
    FileKind::Webp,
    FileKind::Gif,
    FileKind::Pdf,
];

fuzz_target!(|data: &[u8]| {
    let Ok(kind) = check_upload(data, ALL, 20 * 1024 * 1024) else {
        return;
    };
    let _ = backpack_domain::files::safe_filename("../x.png", kind);
    let _ = backpack_documents::sniff(data);
    if matches!(kind, FileKind::Png | FileKind::Jpeg) {
        if backpack_documents::image_info(data).is_ok() {
            let _ = backpack_documents::image_preview(data, 64);
        }
    }
});
