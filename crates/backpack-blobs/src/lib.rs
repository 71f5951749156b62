//! File bytes behind the domain's [`BlobStore`] port, through the
//! `object_store` crate: a local directory by default, any S3-compatible
//! service by configuration.
//!
//! Atomicity: `object_store`'s local backend writes to a temporary file and
//! renames it into place; an S3 PUT is atomic. After a crash an object is
//! complete or absent.

use std::sync::Arc;

use async_trait::async_trait;
use backpack_domain::ports::BlobStore;
use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

/// Where the S3 backend is and how to sign in. `Debug` hides the secret.
#[derive(Clone)]
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    /// Custom endpoint for S3-compatible services (MinIO, Garage, moto …).
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Allow `http://` endpoints (local test services only).
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

pub struct Blobs {
    inner: Arc<dyn ObjectStore>,
    description: String,
}

impl Blobs {
    /// A local directory (created if missing).
    pub fn local(dir: &std::path::Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let fs = LocalFileSystem::new_with_prefix(dir).map_err(|e| e.to_string())?;
        Ok(Blobs {
            inner: Arc::new(fs),
            description: format!("local directory {}", dir.display()),
        })
    }

    pub fn s3(s: &S3Settings) -> Result<Self, String> {
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_access_key_id(&s.access_key_id)
            .with_secret_access_key(&s.secret_access_key)
            .with_allow_http(s.allow_http);
        if let Some(endpoint) = &s.endpoint {
            b = b
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        let store = b.build().map_err(|e| e.to_string())?;
        Ok(Blobs {
            inner: Arc::new(store),
            description: format!(
                "s3 bucket {} at {}",
                s.bucket,
                s.endpoint.as_deref().unwrap_or("AWS")
            ),
        })
    }
}

fn path(key: &str) -> Result<Path, String> {
    Path::parse(key).map_err(|e| format!("bad blob key {key:?}: {e}"))
}

#[async_trait]
impl BlobStore for Blobs {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), String> {
        self.inner
            .put(&path(key)?, PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, String> {
        match self.inner.get(&path(key)?).await {
            Ok(r) => r.bytes().await.map(Some).map_err(|e| e.to_string()),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), String> {
        match self.inner.delete(&path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn ping(&self) -> Result<(), String> {
        // List a prefix that need not exist: an empty answer when the store
        // (and, on S3, the bucket) is there; an error otherwise.
        self.inner
            .list_with_delimiter(Some(&Path::from("healthz-probe")))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}
