//! Outgoing e-mail. Features build an [`OutgoingMail`] and [`send`] it inside their
//! transaction; the `mail.send` job ([`SendMail`]) delivers it through the configured
//! [`Mailer`]: SMTP, or the development outbox shown at `/dev/mail`.

mod mailer;
pub mod outbox;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::jobs::{EnqueueError, Job, JobContext, JobError, JobQueue};

pub use mailer::{Mailer, MailerKind};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("`{0}` is not a valid e-mail address")]
    InvalidAddress(String),
    #[error("MUSTER_MAIL_FROM `{0}` is not a valid sender such as `Muster <muster@example.org>`")]
    InvalidSender(String),
    #[error("MUSTER_SMTP_URL is not a usable SMTP URL: {0}")]
    InvalidSmtpUrl(String),
}

/// One mail to one recipient, plain text. `message_id` identifies it from the moment
/// it is enqueued, so that a job delivered twice does not send it twice.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub message_id: Uuid,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body_text: String,
}

/// Never shows the text: mails carry sign-in, reset and invitation links, which must not
/// reach a log line through `{:?}`.
impl std::fmt::Debug for OutgoingMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMail")
            .field("message_id", &self.message_id)
            .field("to_address", &self.to_address)
            .field("to_name", &self.to_name)
            .field("subject", &self.subject)
            .field(
                "body_text",
                &format_args!("<{} characters, redacted>", self.body_text.chars().count()),
            )
            .finish()
    }
}

impl OutgoingMail {
    /// Checks the address now, so bad input is refused before anything is stored.
    pub fn new(
        to_address: &str,
        to_name: Option<&str>,
        subject: impl Into<String>,
        body_text: impl Into<String>,
    ) -> Result<Self, MailError> {
        let to_address = to_address.trim();
        to_address
            .parse::<lettre::Address>()
            .map_err(|_| MailError::InvalidAddress(to_address.to_owned()))?;
        Ok(Self {
            message_id: Uuid::new_v4(),
            to_address: to_address.to_owned(),
            to_name: to_name.map(str::to_owned),
            subject: subject.into(),
            body_text: body_text.into(),
        })
    }
}

impl OutgoingMail {
    /// The same mail under `message_id`: one fixed before the mail was composed, so
    /// composing it again (a retried job) still delivers it once.
    pub fn with_message_id(mut self, message_id: Uuid) -> Self {
        self.message_id = message_id;
        self
    }
}

/// Enqueues `mail` in the caller's transaction: it is sent if and only if that
/// transaction commits.
pub async fn send(
    queue: &JobQueue,
    conn: &mut PgConnection,
    mail: OutgoingMail,
) -> Result<i64, EnqueueError> {
    queue
        .enqueue(conn, &SendMail(mail), Default::default())
        .await
}

/// The job that delivers one [`OutgoingMail`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SendMail(pub OutgoingMail);

impl Job for SendMail {
    const KIND: &'static str = "mail.send";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let platform = &ctx.work;
        platform.mailer.deliver(&platform.db, &self.0).await
    }
}

#[cfg(test)]
mod tests {
    use super::{OutgoingMail, SendMail};

    #[test]
    fn debug_output_never_shows_the_text_with_its_link() {
        let mail = OutgoingMail::new(
            "ana@example.org",
            Some("Ana"),
            "Reset your Muster password",
            "Open https://muster.example/reset-password?token=5ecret5ecret5ecret",
        )
        .expect("mail");
        let shown = format!("{mail:?} {:#?}", SendMail(mail.clone()));
        assert!(!shown.contains("5ecret"), "{shown}");
        assert!(
            shown.contains("Reset your Muster password") && shown.contains("redacted"),
            "{shown}"
        );
    }
}
