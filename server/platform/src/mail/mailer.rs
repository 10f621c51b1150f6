//! Where mail goes: an SMTP server, or the development outbox.

use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use secrecy::ExposeSecret;

use crate::{config::MailConfig, db::Database, jobs::JobError};

use super::{outbox, MailError, OutgoingMail};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailerKind {
    Smtp,
    DevOutbox,
    /// Neither SMTP nor the outbox is configured: mail jobs fail for good, visibly.
    Unconfigured,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    DevOutbox,
    Unconfigured,
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    /// SMTP when `MUSTER_SMTP_URL` is set, else the outbox when it is enabled.
    pub fn from_config(config: &MailConfig) -> Result<Self, MailError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| MailError::InvalidSender(config.from.clone()))?;
        let transport = match (&config.smtp_url, config.dev_outbox) {
            (Some(url), _) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    // lettre's message may quote the URL; never echo credentials.
                    .map_err(|e| {
                        MailError::InvalidSmtpUrl(without_secrets(
                            &e.to_string(),
                            url.expose_secret(),
                        ))
                    })?
                    .timeout(Some(config.smtp_timeout))
                    .build(),
            ),
            (None, true) => Transport::DevOutbox,
            (None, false) => Transport::Unconfigured,
        };
        Ok(Self { transport, from })
    }

    pub fn kind(&self) -> MailerKind {
        match self.transport {
            Transport::Smtp(_) => MailerKind::Smtp,
            Transport::DevOutbox => MailerKind::DevOutbox,
            Transport::Unconfigured => MailerKind::Unconfigured,
        }
    }

    /// Delivers `mail` once: a repeated call for a mail already delivered does nothing.
    /// SMTP offers no exactly-once: a crash between the server's acceptance and the
    /// delivery record sends the mail again, with the same `Message-ID`.
    pub async fn deliver(&self, db: &Database, mail: &OutgoingMail) -> Result<(), JobError> {
        match &self.transport {
            Transport::DevOutbox => outbox::store(db.primary(), mail)
                .await
                .map_err(|e| JobError::Retry(format!("storing the mail in the outbox: {e}"))),
            Transport::Unconfigured => Err(JobError::Fatal(
                "mail is not configured: set MUSTER_SMTP_URL (or MUSTER_DEV_OUTBOX=1 for development)".into(),
            )),
            Transport::Smtp(smtp) => {
                if already_delivered(db, mail).await? {
                    return Ok(());
                }
                let message = self.message(mail)?;
                smtp.send(message).await.map_err(|e| {
                    if e.is_permanent() {
                        JobError::Fatal(format!("the mail server refused the mail: {e}"))
                    } else {
                        JobError::Retry(format!("sending through SMTP: {e}"))
                    }
                })?;
                record_delivery(db, mail).await
            }
        }
    }

    fn message(&self, mail: &OutgoingMail) -> Result<Message, JobError> {
        let address = mail.to_address.parse().map_err(|_| {
            JobError::Fatal(format!(
                "`{}` is not a valid e-mail address",
                mail.to_address
            ))
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(mail.to_name.clone(), address))
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}@muster>", mail.message_id)))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body_text.clone())
            .map_err(|e| JobError::Fatal(format!("the mail cannot be built: {e}")))
    }
}

async fn already_delivered(db: &Database, mail: &OutgoingMail) -> Result<bool, JobError> {
    sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM mail_deliveries WHERE message_id = $1)",
    )
    .bind(mail.message_id)
    .fetch_one(db.primary())
    .await
    .map_err(|e| JobError::Retry(format!("checking earlier deliveries: {e}")))
}

async fn record_delivery(db: &Database, mail: &OutgoingMail) -> Result<(), JobError> {
    sqlx::query("INSERT INTO mail_deliveries (message_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(mail.message_id)
        .execute(db.primary())
        .await
        .map(|_| ())
        .map_err(|e| JobError::Retry(format!("recording the delivery: {e}")))
}

fn without_secrets(message: &str, url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => match parsed.password() {
            Some(password) if !password.is_empty() => message.replace(password, "***"),
            _ => message.to_owned(),
        },
        Err(_) => message.replace(url, "<the SMTP URL>"),
    }
}
