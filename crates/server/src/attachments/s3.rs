//! Attachments in an S3-compatible object store (AWS S3, MinIO, Garage,
//! Ceph, …), path-style: `PUT`, `GET` and `DELETE` of
//! `{endpoint}/{bucket}/{prefix}/{key}`, each signed with SigV4
//! ([`super::sigv4`]). Configured by `HELPLINE_ATTACHMENT_STORE_URL`
//! (`http://host:port/bucket[/prefix]`) and the usual `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY` and `AWS_REGION` (default `us-east-1`).
//! This build speaks plain HTTP only (no TLS client is linked in), so the
//! store is meant to sit on the private network or behind a local proxy.

use super::sigv4::{self, Credentials};
use super::storage::BlobStore;
use async_trait::async_trait;
use bytes::Bytes;
use reqwest::StatusCode;
use std::io;
use time::OffsetDateTime;
use time::macros::format_description;

/// Blobs as objects of one bucket.
pub struct S3 {
    http: reqwest::Client,
    /// `http://host:port`.
    origin: String,
    /// `host:port`, as signed.
    host: String,
    /// `/bucket/prefix`, URI-encoded, without a trailing `/`.
    base_path: String,
    credentials: Credentials,
}

impl S3 {
    /// Parses `http://host[:port]/bucket[/prefix]`.
    pub fn new(url: &str, credentials: Credentials) -> Result<Self, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or("the attachment store URL must be http://host[:port]/bucket[/prefix]")?;
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let path = path.trim_matches('/');
        if host.is_empty() || path.is_empty() {
            return Err("the attachment store URL needs a host and a bucket".into());
        }
        if credentials.access_key.is_empty() || credentials.secret_key.is_empty() {
            return Err(
                "an S3 attachment store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
            );
        }
        Ok(Self {
            http: reqwest::Client::new(),
            origin: format!("http://{host}"),
            host: host.to_owned(),
            base_path: sigv4::encode_path(&format!("/{path}")),
            credentials,
        })
    }

    /// Sends one signed request for `key`.
    async fn send(&self, method: &str, key: &str, body: Bytes) -> io::Result<reqwest::Response> {
        let path = format!("{}/{}", self.base_path, sigv4::encode_path(key));
        let payload_hash = sigv4::sha256_hex(&body);
        let amz_date = OffsetDateTime::now_utc()
            .format(format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .map_err(io::Error::other)?;
        let authorization = sigv4::authorization(
            &self.credentials,
            &sigv4::Request {
                method,
                path: &path,
                headers: &[
                    ("host", &self.host),
                    ("x-amz-content-sha256", &payload_hash),
                    ("x-amz-date", &amz_date),
                ],
                payload_hash: &payload_hash,
                amz_date: &amz_date,
            },
        );
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(io::Error::other)?;
        self.http
            .request(method, format!("{}{path}", self.origin))
            .header("x-amz-content-sha256", payload_hash)
            .header("x-amz-date", amz_date)
            .header("authorization", authorization)
            .body(body)
            .send()
            .await
            .map_err(io::Error::other)
    }
}

/// An error for an answer the store should not have given.
fn refused(what: &str, status: StatusCode) -> io::Error {
    io::Error::other(format!("object store refused {what}: {status}"))
}

#[async_trait]
impl BlobStore for S3 {
    async fn put(&self, key: &str, bytes: Bytes) -> io::Result<()> {
        let response = self.send("PUT", key, bytes).await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(refused("a put", response.status()))
        }
    }

    async fn get(&self, key: &str) -> io::Result<Option<Bytes>> {
        let response = self.send("GET", key, Bytes::new()).await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            status if status.is_success() => {
                Ok(Some(response.bytes().await.map_err(io::Error::other)?))
            }
            status => Err(refused("a get", status)),
        }
    }

    async fn delete(&self, key: &str) -> io::Result<()> {
        let response = self.send("DELETE", key, Bytes::new()).await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(()),
            status if status.is_success() => Ok(()),
            status => Err(refused("a delete", status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::State;
    use axum::http::{HeaderMap, Method, Uri};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    type Objects = Arc<Mutex<HashMap<String, Vec<u8>>>>;

    fn credentials(secret: &str) -> Credentials {
        Credentials {
            access_key: "AKIDEXAMPLE".into(),
            secret_key: secret.into(),
            region: "eu-central-1".into(),
        }
    }

    /// A tiny S3 stand-in that checks every signature as S3 would.
    async fn fake_s3(
        State(objects): State<Objects>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, Vec<u8>) {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (hash, date) = (header("x-amz-content-sha256"), header("x-amz-date"));
        let expected = sigv4::authorization(
            &credentials("secret"),
            &sigv4::Request {
                method: method.as_str(),
                path: uri.path(),
                headers: &[
                    ("host", &header("host")),
                    ("x-amz-content-sha256", &hash),
                    ("x-amz-date", &date),
                ],
                payload_hash: &hash,
                amz_date: &date,
            },
        );
        if header("authorization") != expected || sigv4::sha256_hex(&body) != hash {
            return (StatusCode::FORBIDDEN, Vec::new());
        }
        let mut objects = objects.lock().expect("lock");
        let key = uri.path().to_owned();
        match method {
            Method::PUT => {
                objects.insert(key, body.to_vec());
                (StatusCode::OK, Vec::new())
            }
            Method::GET => match objects.get(&key) {
                Some(found) => (StatusCode::OK, found.clone()),
                None => (StatusCode::NOT_FOUND, Vec::new()),
            },
            Method::DELETE => {
                objects.remove(&key);
                (StatusCode::NO_CONTENT, Vec::new())
            }
            _ => (StatusCode::METHOD_NOT_ALLOWED, Vec::new()),
        }
    }

    #[tokio::test]
    async fn signed_put_get_delete_against_a_fake_s3() {
        let objects = Objects::default();
        let app = axum::Router::new()
            .fallback(fake_s3)
            .with_state(objects.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let url = format!("http://{addr}/bucket/helpline files");
        let store = S3::new(&url, credentials("secret")).expect("valid");
        let key = super::super::storage::new_key();
        store
            .put(&key, Bytes::from_static(b"voice note"))
            .await
            .expect("put");
        assert!(
            objects
                .lock()
                .expect("lock")
                .contains_key(&format!("/bucket/helpline%20files/{key}")),
            "path-style, encoded"
        );
        assert_eq!(
            store.get(&key).await.expect("get").as_deref(),
            Some(&b"voice note"[..])
        );
        store.delete(&key).await.expect("delete");
        assert_eq!(store.get(&key).await.expect("get"), None);
        store.delete(&key).await.expect("deleting twice is fine");

        let forged = S3::new(&url, credentials("wrong")).expect("valid");
        assert!(forged.put(&key, Bytes::from_static(b"x")).await.is_err());
        assert!(forged.get(&key).await.is_err());
    }

    #[test]
    fn urls_and_credentials_are_checked() {
        let ok = credentials("s");
        assert!(S3::new("http://minio:9000/bucket", ok.clone()).is_ok());
        assert!(S3::new("https://s3.amazonaws.com/bucket", ok.clone()).is_err());
        assert!(S3::new("http://minio:9000/", ok.clone()).is_err());
        assert!(S3::new("http://minio:9000/bucket", credentials("")).is_err());
    }
}
