use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One mail in the development outbox, as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevMail {
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub stored_at: DateTime<Utc>,
}

/// The newest 100 mails; `NotFound` unless the installation enabled the outbox.
#[server(prefix = "/api", endpoint = "load_dev_mail")]
pub async fn load_dev_mail() -> Result<Vec<DevMail>, AppError> {
    use muster_platform::{mail::outbox, tenancy::Scope};

    let context = crate::request::context().await?;
    let work = context.work().await?;
    if !work.config.mail.dev_outbox {
        return Err(AppError::not_found());
    }
    // From the primary: a mail just sent (by a job, so at no position this reader
    // knows) must show up on the next refresh.
    let mails = work
        .read_latest(&Scope::none(), |conn, _| {
            Box::pin(outbox::recent(conn, 100))
        })
        .await?;
    Ok(mails
        .into_iter()
        .map(|mail| DevMail {
            message_id: mail.message_id.to_string(),
            to: match mail.to_name {
                Some(name) => format!("{name} <{}>", mail.to_address),
                None => mail.to_address,
            },
            subject: mail.subject,
            body_text: mail.body_text,
            stored_at: mail.stored_at,
        })
        .collect())
}
