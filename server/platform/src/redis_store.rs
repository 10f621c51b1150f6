//! The process's Redis connection. Later the cache, rate limits and realtime fan-out
//! build on it; for now it carries the readiness ping.
//!
//! The connection is lazy and reconnects by itself, and every call is bounded by
//! `REDIS_TIMEOUT_MS`: Redis being down or slow must degrade Muster, never stall it.

use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret;

use crate::config::RedisConfig;

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("invalid REDIS_URL: {0}")]
    Settings(#[source] redis::RedisError),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("redis command failed: {0}")]
    Command(#[from] redis::RedisError),
}

#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    connection: ConnectionManager,
    timeout: Duration,
}

impl RedisStore {
    pub fn connect(config: &RedisConfig) -> Result<Self, RedisError> {
        let client =
            redis::Client::open(config.url.expose_secret()).map_err(RedisError::Settings)?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.command_timeout))
            .set_response_timeout(Some(config.command_timeout))
            // A failed reconnect is retried on the next command; do not queue callers
            // behind a long retry loop.
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), manager_config)
            .map_err(RedisError::Settings)?;
        Ok(Self {
            client,
            connection,
            timeout: config.command_timeout,
        })
    }

    /// The client, for dedicated connections (pub/sub) that cannot be multiplexed.
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// A clone of the multiplexed connection for issuing commands. Callers must bound
    /// their own calls with [`RedisStore::timeout`].
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Round-trip time of `PING`.
    pub async fn ping(&self) -> Result<Duration, RedisError> {
        let started = Instant::now();
        let mut conn = self.connection();
        let ping = redis::cmd("PING");
        tokio::time::timeout(self.timeout, ping.query_async::<String>(&mut conn))
            .await
            .map_err(|_| RedisError::Timeout(self.timeout))??;
        Ok(started.elapsed())
    }
}
