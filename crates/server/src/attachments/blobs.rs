//! The blob store the settings choose, opened once at start-up and shared
//! by every handler: the S3-compatible object store
//! ([`super::s3`]) when an attachment store URL is set, else local disk
//! ([`super::storage::LocalDisk`]).

use super::storage::BlobStore;
use std::sync::Arc;

/// The attachment storage every handler shares.
#[derive(Clone)]
pub struct Attachments {
    /// Where the bytes live.
    pub blobs: Arc<dyn BlobStore>,
}

impl Attachments {
    /// The storage the settings name: the S3-compatible object store of
    /// `attachment_store_url` (credentials from `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`), else the attachments directory.
    pub fn open(settings: &crate::config::Settings) -> Result<Self, String> {
        let blobs: Arc<dyn BlobStore> = match &settings.attachment_store_url {
            Some(url) => {
                let env = |name: &str| std::env::var(name).unwrap_or_default();
                let region = Some(env("AWS_REGION")).filter(|r| !r.is_empty());
                Arc::new(super::s3::S3::new(
                    url,
                    super::sigv4::Credentials {
                        access_key: env("AWS_ACCESS_KEY_ID"),
                        secret_key: env("AWS_SECRET_ACCESS_KEY"),
                        region: region.unwrap_or_else(|| "us-east-1".into()),
                    },
                )?)
            }
            None => {
                let dir = settings.attachments_dir();
                Arc::new(super::storage::LocalDisk::open(dir.clone()).map_err(|e| {
                    format!(
                        "cannot use the attachments directory {}: {e}",
                        dir.display()
                    )
                })?)
            }
        };
        Ok(Self { blobs })
    }
}
