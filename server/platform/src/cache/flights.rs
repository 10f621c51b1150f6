//! In-process single flight: callers that miss the same key at the same time take
//! turns, so the first computes and the rest find its value in Redis.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, Weak},
};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

#[derive(Default)]
pub(super) struct Flights {
    by_key: Mutex<HashMap<String, Weak<AsyncMutex<()>>>>,
}

impl Flights {
    /// Waits for this caller's turn on `key`; the turn ends when the guard is dropped.
    pub(super) async fn turn(&self, key: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut map = self
                .by_key
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let lock = map.get(key).and_then(Weak::upgrade).unwrap_or_else(|| {
                let lock = Arc::new(AsyncMutex::new(()));
                map.insert(key.to_owned(), Arc::downgrade(&lock));
                lock
            });
            // Forget keys nobody is waiting on, so the map does not grow without bound.
            if map.len() > 1024 {
                map.retain(|_, weak| weak.strong_count() > 0);
            }
            lock
        };
        lock.lock_owned().await
    }
}
