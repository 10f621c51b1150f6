//! The text of the e-mails accounts send. Plain text: every client shows it, and the
//! link is the whole point.

use muster_domain::accounts::Role;
use muster_platform::{
    config::AccountsConfig,
    mail::{MailError, OutgoingMail},
};

pub fn verification(
    config: &AccountsConfig,
    to: &str,
    name: &str,
    token: &str,
) -> Result<OutgoingMail, MailError> {
    let link = config.link(&format!("/verify-email?token={token}"));
    OutgoingMail::new(
        to,
        Some(name),
        "Confirm your e-mail address for Muster",
        format!(
            "Hello {name},\n\nplease confirm that this is your e-mail address by opening this link:\n\n{link}\n\nThe link works once and expires in 48 hours. If you did not sign up for Muster, ignore this mail.\n"
        ),
    )
}

pub fn password_reset(
    config: &AccountsConfig,
    to: &str,
    name: &str,
    token: &str,
) -> Result<OutgoingMail, MailError> {
    let link = config.link(&format!("/reset-password?token={token}"));
    OutgoingMail::new(
        to,
        Some(name),
        "Reset your Muster password",
        format!(
            "Hello {name},\n\nsomeone (hopefully you) asked to reset your Muster password. Choose a new one here:\n\n{link}\n\nThe link works once and expires in one hour. If you did not ask for this, ignore this mail: your password stays as it is.\n"
        ),
    )
}

pub fn invitation(
    config: &AccountsConfig,
    to: &str,
    inviter: &str,
    account: &str,
    role: Role,
    token: &str,
) -> Result<OutgoingMail, MailError> {
    let link = config.link(&format!("/invitations/accept?token={token}"));
    OutgoingMail::new(
        to,
        None,
        format!("{inviter} invited you to {account} on Muster"),
        format!(
            "Hello,\n\n{inviter} invited you to join {account} on Muster as {role}.\n\nAccept the invitation here (sign up first if you have no Muster account yet):\n\n{link}\n\nThe invitation expires in 7 days.\n",
            role = role.label().to_lowercase()
        ),
    )
}
