//! Where uploaded files live. Everything goes through [`object_store::ObjectStore`] (the
//! storage trait), so local disk and an S3-compatible bucket are one code path: local
//! disk by default (`MUSTER_MEDIA_STORE` unset or a path), a bucket with
//! `s3://bucket/prefix` (credentials and endpoint from the usual `AWS_*` variables).
//!
//! Several instances behind a load balancer must share the store: a bucket, or one
//! directory mounted on every host.

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::{
    aws::AmazonS3Builder, local::LocalFileSystem, path::Path, ObjectStore, ObjectStoreExt,
    PutPayload,
};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the stored file {0} does not exist")]
    NotFound(String),
    #[error("file storage: {0}")]
    Store(#[source] object_store::Error),
    #[error("file storage is misconfigured: {0}")]
    Config(String),
}

impl From<object_store::Error> for StorageError {
    fn from(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { path, .. } => StorageError::NotFound(path),
            other => StorageError::Store(other),
        }
    }
}

/// The configured file store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl Storage {
    /// Opens the store named by `location`: `s3://bucket[/prefix]`, or a directory
    /// (created if missing).
    pub fn open(location: &str) -> Result<Self, StorageError> {
        let store: Arc<dyn ObjectStore> = if location.starts_with("s3://") {
            // reqwest is built without a default TLS provider, so that the whole tree
            // uses ring; name it once for the process.
            let _ = rustls::crypto::ring::default_provider().install_default();
            Arc::new(
                AmazonS3Builder::from_env()
                    .with_url(location)
                    .build()
                    .map_err(|error| StorageError::Config(error.to_string()))?,
            )
        } else {
            let directory = location.strip_prefix("file://").unwrap_or(location);
            std::fs::create_dir_all(directory).map_err(|error| {
                StorageError::Config(format!("cannot create {directory}: {error}"))
            })?;
            Arc::new(
                LocalFileSystem::new_with_prefix(directory)
                    .map_err(|error| StorageError::Config(error.to_string()))?
                    .with_automatic_cleanup(true),
            )
        };
        Ok(Self { store })
    }

    /// A store on top of any [`ObjectStore`] (tests use an in-memory one).
    pub fn with_store(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        self.store
            .put(&Path::from(key), PutPayload::from_bytes(bytes))
            .await?;
        Ok(())
    }

    /// Starts writing `key` in parts: a large file never has to be in memory whole.
    pub async fn upload(&self, key: &str) -> Result<Upload, StorageError> {
        let upload = self.store.put_multipart(&Path::from(key)).await?;
        Ok(Upload {
            writer: object_store::WriteMultipart::new(upload),
        })
    }

    /// `key`'s bytes as they are read.
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<
        impl futures::Stream<Item = Result<Bytes, StorageError>> + Send + 'static,
        StorageError,
    > {
        let stream = self.store.get(&Path::from(key)).await?.into_stream();
        Ok(stream.map_err(StorageError::from))
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        Ok(self.store.get(&Path::from(key)).await?.bytes().await?)
    }

    /// The keys under `prefix`, in byte order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let mut keys: Vec<String> = self
            .store
            .list(Some(&Path::from(prefix)))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await?;
        keys.sort();
        Ok(keys)
    }

    /// Removes everything under `prefix`.
    pub async fn delete_all(&self, prefix: &str) -> Result<(), StorageError> {
        for key in self.list(prefix).await? {
            self.delete(&key).await?;
        }
        Ok(())
    }

    /// Removes `key`; a key already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

/// A file being written in parts ([`Storage::upload`]); dropped unfinished, it is
/// abandoned.
pub struct Upload {
    writer: object_store::WriteMultipart,
}

impl Upload {
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), StorageError> {
        // At most a few parts in flight: memory stays bounded however large the file.
        self.writer.wait_for_capacity(4).await?;
        self.writer.write(bytes);
        Ok(())
    }

    pub async fn finish(self) -> Result<(), StorageError> {
        self.writer.finish().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_directory_store_keeps_reads_and_forgets_files() {
        let directory =
            std::env::temp_dir().join(format!("muster-storage-{}", uuid::Uuid::new_v4()));
        let storage = Storage::open(directory.to_str().expect("utf-8 path")).expect("opens");
        storage
            .put("a/b/original", Bytes::from_static(b"hello"))
            .await
            .expect("put");
        assert_eq!(storage.get("a/b/original").await.expect("get"), "hello");
        storage
            .put("a/c/2", Bytes::from_static(b"2"))
            .await
            .expect("put");
        storage
            .put("a/c/1", Bytes::from_static(b"1"))
            .await
            .expect("put");
        assert_eq!(
            storage.list("a/c/").await.expect("list"),
            ["a/c/1", "a/c/2"]
        );
        storage.delete_all("a/c/").await.expect("delete all");
        assert!(storage.list("a/c/").await.expect("list").is_empty());
        storage.delete("a/b/original").await.expect("delete");
        storage
            .delete("a/b/original")
            .await
            .expect("deleting twice is fine");
        assert!(matches!(
            storage.get("a/b/original").await,
            Err(StorageError::NotFound(_))
        ));
        let _ = std::fs::remove_dir_all(directory);
    }
}
