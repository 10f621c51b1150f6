//! Which request a job came from. The request context runs each request inside
//! [`RequestOrigin::scope`]; a job enqueued meanwhile stores the request id and account
//! next to its payload (as `_origin`), and each attempt's `job` span names them, so a
//! job's log lines lead back to the request that asked for it.

use std::{
    future::Future,
    sync::{Arc, Mutex},
};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The key under which a job payload carries its origin.
pub(super) const KEY: &str = "_origin";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestOrigin {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Uuid>,
}

tokio::task_local! {
    static CURRENT: Arc<Mutex<RequestOrigin>>;
}

impl RequestOrigin {
    /// Runs `work` (a request) with `request_id` as the origin of the jobs it enqueues.
    pub async fn scope<F: Future>(request_id: String, work: F) -> F::Output {
        let origin = RequestOrigin {
            request_id,
            account: None,
        };
        CURRENT.scope(Arc::new(Mutex::new(origin)), work).await
    }

    /// Records the account the current request acts in (once it is known).
    pub fn set_account(account: Uuid) {
        let _ = CURRENT.try_with(|origin| {
            origin
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .account = Some(account);
        });
    }

    /// The origin of the request being handled, if any.
    pub(super) fn current() -> Option<RequestOrigin> {
        CURRENT
            .try_with(|origin| {
                origin
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .clone()
            })
            .ok()
    }
}
