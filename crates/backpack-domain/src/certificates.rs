//! External certificates: certificates earned elsewhere (Coursera, edX,
//! Canvas Network, Cognitive Class, …), uploaded as PDF, PNG or JPEG, with
//! their metadata.
//!
//! An upload is checked by content, read (a PDF's text layer, an image's
//! header: no decompression bomb gets decoded), pre-filled from what the text
//! says, given a PNG preview, and stored: file, preview and row together or
//! not at all. The learner then corrects the metadata.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use time::macros::format_description;
use time::Date;
use uuid::Uuid;

use crate::entities::{Certificate, User};
use crate::files::{check_upload, FileKind};
use crate::notes::parse_tags;
use crate::ports::{BlobStore, Clock, Store};
use crate::tokens::hex;
use crate::{DomainError, FieldError};

/// Platforms a certificate can come from: stable code and display name.
pub const PLATFORMS: &[(&str, &str)] = &[
    ("coursera", "Coursera"),
    ("edx", "edX"),
    ("canvas_network", "Canvas Network"),
    ("cognitive_class", "Cognitive Class"),
    ("other", "Other"),
];

/// The display name of a platform code.
pub fn platform_label(code: &str) -> &str {
    PLATFORMS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, l)| l)
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 200;
pub const MAX_URL_CHARS: usize = 2000;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
pub const MAX_CERTIFICATES: usize = 10_000;
/// Width of the stored preview, in pixels.
pub const PREVIEW_WIDTH: u32 = 640;

/// What the certificate form sends.
#[derive(Debug, Default, Clone)]
pub struct CertificateInput {
    pub title: String,
    pub platform: String,
    pub issuer_name: String,
    pub issued_on: String,
    pub credential_id: String,
    pub verification_url: String,
    pub description: String,
    /// Comma-separated skills and tags.
    pub tags: String,
}

/// Checked metadata.
#[derive(Debug)]
struct Checked {
    title: String,
    platform: String,
    issuer_name: Option<String>,
    issued_on: Option<String>,
    credential_id: Option<String>,
    verification_url: Option<String>,
    description: Option<String>,
    tags: Vec<String>,
}

fn short(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    raw: &str,
    max: usize,
) -> Option<String> {
    let v = raw.trim();
    if v.is_empty() {
        return None;
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        errors.push(FieldError::new(field, "too_long"));
        return None;
    }
    Some(v.to_owned())
}

/// A date as `YYYY-MM-DD`, checked.
pub fn parse_day(raw: &str) -> Option<String> {
    let f = format_description!("[year]-[month]-[day]");
    Date::parse(raw.trim(), &f)
        .ok()
        .map(|d| d.format(&f).unwrap_or_else(|_| raw.trim().to_owned()))
}

/// An http(s) URL without spaces or control characters.
pub fn is_web_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && s.len() > "https://".len()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
}

fn check(input: &CertificateInput) -> Result<Checked, DomainError> {
    let mut errors = Vec::new();
    let title = short(&mut errors, "title", &input.title, MAX_TITLE_CHARS);
    if title.is_none() && !errors.iter().any(|e| e.field == "title") {
        errors.push(FieldError::new("title", "required"));
    }
    let platform = input.platform.trim();
    let platform = if platform.is_empty() {
        "other"
    } else {
        platform
    };
    if !PLATFORMS.iter().any(|(c, _)| *c == platform) {
        errors.push(FieldError::new("platform", "choose_one"));
    }
    let issuer_name = short(
        &mut errors,
        "issuer_name",
        &input.issuer_name,
        MAX_TEXT_CHARS,
    );
    let issued_on = match input.issued_on.trim() {
        "" => None,
        raw => {
            let d = parse_day(raw);
            if d.is_none() {
                errors.push(FieldError::new("issued_on", "date_invalid"));
            }
            d
        }
    };
    let credential_id = short(
        &mut errors,
        "credential_id",
        &input.credential_id,
        MAX_TEXT_CHARS,
    );
    let verification_url = short(
        &mut errors,
        "verification_url",
        &input.verification_url,
        MAX_URL_CHARS,
    );
    if let Some(u) = &verification_url {
        if !is_web_url(u) {
            errors.push(FieldError::new("verification_url", "url_invalid"));
        }
    }
    let description = input.description.trim();
    let description = if description.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.push(FieldError::new("description", "too_long"));
        None
    } else {
        (!description.is_empty()).then(|| description.replace("\r\n", "\n"))
    };
    let tags = parse_tags(&input.tags)
        .map_err(|e| errors.push(FieldError::new("tags", e.code)))
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(Checked {
        title: title.unwrap_or_default(),
        platform: platform.to_owned(),
        issuer_name,
        issued_on,
        credential_id,
        verification_url,
        description,
        tags,
    })
}

/// What reading an uploaded file gave.
struct Read {
    kind: FileKind,
    prefill: backpack_documents::Prefill,
    preview: Option<Vec<u8>>,
}

/// The refusal of a document that asks for too much work (or more time than
/// [`DocumentLimits::deadline`]).
const TOO_COMPLEX: &str = "certificate_too_complex";

/// Read an upload: PDF text and first-page preview, or image header and
/// thumbnail. Refuses corrupt files, decompression bombs and PDFs asking for
/// too much drawing; gives up once `should_stop` says so.
fn read(bytes: &[u8], kind: FileKind, should_stop: &dyn Fn() -> bool) -> Result<Read, DomainError> {
    let refuse = |e: backpack_documents::DocError| {
        let code = match e.code() {
            "pdf_encrypted" => "certificate_encrypted",
            "image_too_large" => "image_too_large",
            "too_large" => "certificate_too_large",
            "pdf_too_complex" | "cancelled" => TOO_COMPLEX,
            _ => "certificate_corrupt",
        };
        DomainError::field("file", code)
    };
    match kind {
        FileKind::Pdf => {
            let info = backpack_documents::pdf_info_until(bytes, should_stop).map_err(refuse)?;
            let prefill = backpack_documents::recognise(&info.text);
            // No preview is no refusal, but a stop is.
            let preview =
                match backpack_documents::pdf_preview_until(bytes, PREVIEW_WIDTH, should_stop) {
                    Ok(png) => Some(png),
                    Err(backpack_documents::DocError::Cancelled) => {
                        return Err(refuse(backpack_documents::DocError::Cancelled))
                    }
                    Err(_) => None,
                };
            Ok(Read {
                kind,
                prefill,
                preview,
            })
        }
        _ => {
            backpack_documents::image_info(bytes).map_err(refuse)?;
            let preview =
                backpack_documents::image_preview(bytes, PREVIEW_WIDTH).map_err(refuse)?;
            Ok(Read {
                kind,
                prefill: backpack_documents::Prefill::default(),
                preview: Some(preview),
            })
        }
    }
}

/// The title a file name suggests: its stem, with separators as spaces.
fn title_from_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let t: String = stem
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .take(MAX_TITLE_CHARS)
        .collect();
    let t = t.trim();
    if t.is_empty() {
        "Certificate".to_owned()
    } else {
        t.to_owned()
    }
}

/// How uploaded documents may be read: how many at once (the work is
/// CPU-bound, on blocking threads) and for how long each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Documents read at the same time by this process; more wait their
    /// turn (their requests wait, and may give up).
    pub concurrency: usize,
    /// How long one document may take once its turn has come: past it, the
    /// work is told to stop and the upload is refused as too complex.
    pub deadline: Duration,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        DocumentLimits {
            concurrency: 2,
            deadline: Duration::from_secs(2),
        }
    }
}

/// Reads documents on blocking threads, a bounded number at once, each
/// with a deadline, and each told to stop (through the stop flag the
/// `backpack-documents` functions take) when its request goes away, its
/// deadline passes or [`DocumentWork::stop`] is called at shutdown. This
/// only limits this process's own CPU use: nothing shared is guarded.
pub struct DocumentWork {
    permits: Arc<tokio::sync::Semaphore>,
    deadline: Duration,
    stopping: Arc<AtomicBool>,
}

/// Sets the flag when dropped: when the request's future is dropped (the
/// client went away) or the deadline passed.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl DocumentWork {
    pub fn new(limits: DocumentLimits) -> Self {
        DocumentWork {
            permits: Arc::new(tokio::sync::Semaphore::new(limits.concurrency.max(1))),
            deadline: limits.deadline,
            stopping: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Tells every job to stop now and refuses new ones (server shutdown):
    /// a blocking thread then ends within about a thousand PDF operators.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.permits.close();
    }

    /// Runs `work` on a blocking thread once a permit is free, with a stop
    /// flag that turns true at the deadline, when this future is dropped, or
    /// at [`DocumentWork::stop`]. Past the deadline (or stopped), answers
    /// `on_timeout` at once without waiting for the thread, which holds its
    /// permit until it has noticed.
    async fn run<T: Send + 'static>(
        &self,
        on_timeout: DomainError,
        work: impl FnOnce(&dyn Fn() -> bool) -> Result<T, DomainError> + Send + 'static,
    ) -> Result<T, DomainError> {
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            return Err(on_timeout); // stopping
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let guard = CancelOnDrop(cancel.clone());
        let stopping = self.stopping.clone();
        let job = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let should_stop = || cancel.load(Ordering::Relaxed) || stopping.load(Ordering::Relaxed);
            work(&should_stop)
        });
        let result = match tokio::time::timeout(self.deadline, job).await {
            Ok(joined) => joined.map_err(DomainError::internal)?,
            Err(_) => Err(on_timeout),
        };
        drop(guard);
        result
    }
}

pub struct Certificates {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    max_bytes: u64,
    blob_grace_secs: i64,
    documents: Arc<DocumentWork>,
}

impl Certificates {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        max_bytes: u64,
        blob_grace_secs: i64,
    ) -> Self {
        Certificates {
            store,
            blobs,
            clock,
            max_bytes: max_bytes.min(backpack_documents::MAX_DOCUMENT_BYTES as u64),
            blob_grace_secs,
            documents: Arc::new(DocumentWork::new(DocumentLimits::default())),
        }
    }

    /// Reads documents under these limits rather than the default ones.
    pub fn with_document_limits(mut self, limits: DocumentLimits) -> Self {
        self.documents = Arc::new(DocumentWork::new(limits));
        self
    }

    /// Tells the documents being read to stop now, and refuses new uploads
    /// as too complex: for a server that is shutting down, so that it does
    /// not wait on them.
    pub fn stop_document_work(&self) {
        self.documents.stop();
    }

    /// Upload a certificate. Fields the learner filled in win over what was
    /// recognised in the file; the rest is pre-filled from the PDF's text.
    pub async fn upload(
        &self,
        user: &User,
        filename: &str,
        bytes: Bytes,
        given: CertificateInput,
    ) -> Result<Certificate, DomainError> {
        let kind = check_upload(
            &bytes,
            &[FileKind::Pdf, FileKind::Png, FileKind::Jpeg],
            self.max_bytes,
        )?;
        let held = self.store.count_items(user.id).await?;
        if held
            .iter()
            .any(|(a, n)| *a == crate::entities::Area::Certificate && *n >= MAX_CERTIFICATES as i64)
        {
            return Err(DomainError::field("file", "too_many"));
        }
        let work = bytes.clone();
        let read = self
            .documents
            .run(
                DomainError::field("file", TOO_COMPLEX),
                move |should_stop| read(&work, kind, should_stop),
            )
            .await?;
        let p = &read.prefill;
        let pick = |given: &str, found: &Option<String>| -> String {
            if given.trim().is_empty() {
                found.clone().unwrap_or_default()
            } else {
                given.to_owned()
            }
        };
        let platform = if given.platform.trim().is_empty() {
            p.platform.map(|x| x.code().to_owned()).unwrap_or_default()
        } else {
            given.platform.clone()
        };
        let mut input = CertificateInput {
            title: pick(&given.title, &p.title),
            platform,
            issuer_name: given.issuer_name.clone(),
            issued_on: pick(&given.issued_on, &p.date),
            credential_id: pick(&given.credential_id, &p.credential_id),
            verification_url: pick(&given.verification_url, &p.verification_url),
            description: given.description.clone(),
            tags: given.tags.clone(),
        };
        if input.title.trim().is_empty() {
            input.title = title_from_filename(filename);
        }
        // What was recognised must not make the upload fail: drop what does
        // not pass the checks, keep what the learner typed (checked below).
        if given.verification_url.trim().is_empty() && !is_web_url(input.verification_url.trim()) {
            input.verification_url.clear();
        }
        if given.title.trim().is_empty() && input.title.chars().count() > MAX_TITLE_CHARS {
            input.title = input.title.chars().take(MAX_TITLE_CHARS).collect();
        }
        if given.credential_id.trim().is_empty()
            && input.credential_id.chars().count() > MAX_TEXT_CHARS
        {
            input.credential_id.clear();
        }
        let c = check(&input)?;
        let id = Uuid::new_v4();
        let now = self.clock.unix();
        let sha = hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        let cert = Certificate {
            id,
            user_id: user.id,
            blob_key: format!("certificates/{}/{}", user.id, id),
            preview_key: read
                .preview
                .as_ref()
                .map(|_| format!("certificates/{}/{}.preview.png", user.id, id)),
            sha256: sha,
            media_type: read.kind.content_type().to_owned(),
            filename: crate::files::safe_filename(filename, read.kind),
            size: bytes.len() as i64,
            title: c.title,
            issuer_name: c.issuer_name,
            platform: c.platform,
            issued_on: c.issued_on,
            credential_id: c.credential_id,
            verification_url: c.verification_url,
            description: c.description,
            tags: c.tags,
            created_at: now,
            updated_at: now,
        };
        // Files first, row last: a crash in between leaves no row pointing
        // at a missing file; on failure the files are removed.
        self.blobs
            .put(&cert.blob_key, bytes)
            .await
            .map_err(DomainError::Internal)?;
        if let (Some(key), Some(png)) = (&cert.preview_key, read.preview) {
            if let Err(e) = self.blobs.put(key, Bytes::from(png)).await {
                let _ = self.blobs.delete(&cert.blob_key).await;
                return Err(DomainError::Internal(e));
            }
        }
        if let Err(e) = self.store.insert_certificate(&cert).await {
            let _ = self.blobs.delete(&cert.blob_key).await;
            if let Some(k) = &cert.preview_key {
                let _ = self.blobs.delete(k).await;
            }
            return Err(e.into());
        }
        Ok(cert)
    }

    pub async fn get(&self, user: &User, id: Uuid) -> Result<Certificate, DomainError> {
        self.store
            .find_certificate(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn list(&self, user: &User) -> Result<Vec<Certificate>, DomainError> {
        Ok(self.store.list_certificates(user.id).await?)
    }

    /// Change the metadata (the file stays as uploaded).
    pub async fn update(
        &self,
        user: &User,
        id: Uuid,
        input: &CertificateInput,
    ) -> Result<Certificate, DomainError> {
        let existing = self.get(user, id).await?;
        let c = check(input)?;
        let cert = Certificate {
            title: c.title,
            platform: c.platform,
            issuer_name: c.issuer_name,
            issued_on: c.issued_on,
            credential_id: c.credential_id,
            verification_url: c.verification_url,
            description: c.description,
            tags: c.tags,
            updated_at: self.clock.unix(),
            ..existing
        };
        if self.store.update_certificate(&cert).await? {
            Ok(cert)
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// The file exactly as uploaded.
    pub async fn file(&self, user: &User, id: Uuid) -> Result<(Certificate, Bytes), DomainError> {
        let cert = self.get(user, id).await?;
        let bytes = self
            .blobs
            .get(&cert.blob_key)
            .await
            .map_err(DomainError::Internal)?
            .ok_or(DomainError::NotFound)?;
        Ok((cert, bytes))
    }

    /// The PNG preview (first page, or the image).
    pub async fn preview(&self, user: &User, id: Uuid) -> Result<Bytes, DomainError> {
        let cert = self.get(user, id).await?;
        let key = cert.preview_key.ok_or(DomainError::NotFound)?;
        self.blobs
            .get(&key)
            .await
            .map_err(DomainError::Internal)?
            .ok_or(DomainError::NotFound)
    }

    pub async fn delete(&self, user: &User, id: Uuid) -> Result<(), DomainError> {
        let after = self.clock.unix() + self.blob_grace_secs;
        if self.store.delete_certificate(user.id, id, after).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn too_complex() -> DomainError {
        DomainError::field("file", TOO_COMPLEX)
    }

    /// A job that spins until told to stop, then reports.
    fn spinner(
        done: std::sync::mpsc::Sender<()>,
    ) -> impl FnOnce(&dyn Fn() -> bool) -> Result<(), DomainError> + Send + 'static {
        move |should_stop| {
            while !should_stop() {
                std::hint::spin_loop();
            }
            let _ = done.send(());
            Ok(())
        }
    }

    #[tokio::test]
    async fn document_work_is_told_to_stop_at_the_deadline_on_drop_and_at_shutdown() {
        let work = DocumentWork::new(DocumentLimits {
            concurrency: 1,
            deadline: Duration::from_millis(100),
        });
        // The deadline: refused as too complex, and the job stops.
        let (tx, rx) = std::sync::mpsc::channel();
        let r = work.run(too_complex(), spinner(tx)).await;
        assert!(matches!(r, Err(DomainError::Invalid(_))), "{r:?}");
        assert!(rx.recv_timeout(Duration::from_secs(5)).is_ok());
        // Its permit is back: the next job runs.
        assert_eq!(work.run(too_complex(), |_| Ok(5)).await.ok(), Some(5));
        // A dropped request (long deadline): the job stops too.
        let patient = DocumentWork::new(DocumentLimits {
            concurrency: 1,
            deadline: Duration::from_secs(600),
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let request = patient.run(too_complex(), spinner(tx));
        assert!(tokio::time::timeout(Duration::from_millis(50), request)
            .await
            .is_err());
        assert!(rx.recv_timeout(Duration::from_secs(5)).is_ok());
        // Shutdown: running jobs stop, new ones are refused.
        let (tx, rx) = std::sync::mpsc::channel();
        let patient = Arc::new(patient);
        let running = tokio::spawn({
            let patient = patient.clone();
            async move { patient.run(too_complex(), spinner(tx)).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        patient.stop();
        assert!(rx.recv_timeout(Duration::from_secs(5)).is_ok());
        assert!(running.await.is_ok());
        assert!(patient.run(too_complex(), |_| Ok(5)).await.is_err());
    }

    fn input(title: &str) -> CertificateInput {
        CertificateInput {
            title: title.into(),
            ..Default::default()
        }
    }

    #[test]
    fn metadata_is_checked_field_by_field() {
        let e = check(&CertificateInput {
            title: " ".into(),
            platform: "myspace".into(),
            issued_on: "31/02/2024".into(),
            verification_url: "javascript:alert(1)".into(),
            ..Default::default()
        })
        .unwrap_err();
        let DomainError::Invalid(errs) = e else {
            panic!("expected field errors")
        };
        let fields: Vec<_> = errs.iter().map(|e| (e.field, e.code)).collect();
        assert!(fields.contains(&("title", "required")), "{fields:?}");
        assert!(fields.contains(&("platform", "choose_one")));
        assert!(fields.contains(&("issued_on", "date_invalid")));
        assert!(fields.contains(&("verification_url", "url_invalid")));
    }

    #[test]
    fn good_metadata_is_normalised() {
        let c = check(&CertificateInput {
            title: " Machine Learning ".into(),
            platform: "coursera".into(),
            issued_on: "2024-03-05".into(),
            verification_url: "https://coursera.org/verify/ABC".into(),
            tags: "ML, Python".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.title, "Machine Learning");
        assert_eq!(c.issued_on.as_deref(), Some("2024-03-05"));
        assert_eq!(c.tags, ["ml", "python"]);
        // Platform defaults to "other".
        assert_eq!(check(&input("T")).unwrap().platform, "other");
    }

    #[test]
    fn impossible_dates_and_bad_urls_are_refused() {
        assert_eq!(parse_day("2024-02-30"), None);
        assert_eq!(parse_day("2024-02-29").as_deref(), Some("2024-02-29"));
        assert!(!is_web_url("https://exa mple.org"));
        assert!(!is_web_url("ftp://example.org"));
        assert!(is_web_url("https://www.edx.org/certificates/abc"));
    }

    #[test]
    fn titles_from_file_names() {
        assert_eq!(
            title_from_filename("C:\\x\\Machine_Learning-cert.pdf"),
            "Machine Learning cert"
        );
        assert_eq!(title_from_filename(".pdf"), "Certificate");
    }
}
