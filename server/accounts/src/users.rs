//! People: signing up (with their first account), confirming the e-mail address,
//! signing in, and resetting a forgotten password.

use muster_domain::accounts::{fields, FieldErrors, Role};
use muster_platform::{client_ip::ClientIp, config::RateLimit, tenancy::Scope, work::Write, Work};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    audit::{self, Action, Entry},
    link_mails::{self, LinkMail},
    passwords, tokens, AccountsError,
};

#[derive(Clone)]
pub struct SignUp {
    pub name: String,
    pub email: String,
    pub password: String,
    pub account_name: String,
}

/// Never shows the password: a `{:?}` in a log line or a panic message must not leak it.
impl std::fmt::Debug for SignUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUp")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("account_name", &self.account_name)
            .finish()
    }
}

/// Who signed in (or up), and the account to start in (none if they belong to none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedIn {
    pub user_id: Uuid,
    pub account_id: Option<Uuid>,
}

/// Counts an attempt against the per-address and per-IP limits.
async fn limit(
    work: &Work,
    action: &str,
    email: &str,
    ip: ClientIp,
    per_email: RateLimit,
    per_ip: RateLimit,
) -> Result<(), AccountsError> {
    work.rate_limiter
        .hit(action, &format!("ip:{ip}"), per_ip)
        .await?;
    work.rate_limiter
        .hit(action, &format!("email:{email}"), per_email)
        .await?;
    Ok(())
}

/// Creates the user, their account (they own it) and the verification mail, all in one
/// transaction: a failure anywhere leaves nothing behind.
pub async fn sign_up(work: &Work, input: SignUp, ip: ClientIp) -> Result<SignedIn, AccountsError> {
    let mut errors = FieldErrors::new();
    errors.check("name", fields::person_name(&input.name));
    errors.check("email", fields::email(&input.email));
    errors.check("account_name", fields::account_name(&input.account_name));
    errors.check(
        "password",
        passwords::check_new(&input.password, &input.name, &input.email),
    );
    errors.into_result()?;
    let email = fields::normalized_email(&input.email);
    let limits = &work.config.accounts.rate_limits;
    limit(
        work,
        "sign_up",
        &email,
        ip,
        limits.sign_up_per_email,
        limits.sign_up_per_ip,
    )
    .await?;
    if email_taken(work, &email).await? {
        return Err(email_taken_error());
    }
    let password_hash = work.passwords.hash(input.password).await?;

    let user_id = Uuid::new_v4();
    let account_id = Uuid::new_v4();
    let name = input.name.trim();
    let mut tx = work
        .write(&Scope::account(account_id).with_user(user_id))
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, name, email, email_normalized, password_hash) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email_normalized) DO NOTHING",
    )
    .bind(user_id)
    .bind(name)
    .bind(input.email.trim())
    .bind(&email)
    .bind(&password_hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        // Someone signed up with this address a moment ago.
        return Err(email_taken_error());
    }
    create_account_in(
        &mut tx,
        account_id,
        input.account_name.trim(),
        (user_id, &email),
        ip,
    )
    .await?;
    link_mails::enqueue(work, &mut tx, LinkMail::Verification { user_id }).await?;
    tx.commit().await?;
    Ok(SignedIn {
        user_id,
        account_id: Some(account_id),
    })
}

fn email_taken_error() -> AccountsError {
    AccountsError::Invalid(FieldErrors::single(
        "email",
        "An account with this e-mail address exists already. Sign in, or reset the password if you forgot it.",
    ))
}

/// A replica may miss a sign-up of the last seconds: the insert's `ON CONFLICT` then
/// catches it. This early check only spares the password hashing.
async fn email_taken(work: &Work, email: &str) -> Result<bool, AccountsError> {
    Ok(work
        .read(&Scope::none(), |conn, _| {
            Box::pin(async move {
                sqlx::query_scalar::<_, bool>(
                    "SELECT EXISTS (SELECT 1 FROM users WHERE email_normalized = $1)",
                )
                .bind(email)
                .fetch_one(conn)
                .await
            })
        })
        .await?)
}

/// An account, its first owner and the audit entry saying so, in a transaction scoped
/// to that account.
pub(crate) async fn create_account_in(
    conn: &mut PgConnection,
    account_id: Uuid,
    name: &str,
    (owner, owner_email): (Uuid, &str),
    ip: ClientIp,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO accounts (id, name, created_by) VALUES ($1, $2, $3)")
        .bind(account_id)
        .bind(name)
        .bind(owner)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(account_id)
        .bind(owner)
        .bind(Role::Owner.as_str())
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        Entry {
            account_id,
            actor: Some((owner, owner_email)),
            action: Action::AccountCreated,
            subject: Some(name),
            detail: None,
            client_ip: Some(ip),
        },
    )
    .await
}

/// A link row: its user, whether it was used, whether it expired. With `lock`, the row
/// stays locked until the transaction ends, so two uses of one link cannot both succeed.
async fn find_token(
    conn: &mut PgConnection,
    token: &str,
    purpose: &str,
    lock: bool,
) -> Result<Option<(Uuid, bool, bool)>, sqlx::Error> {
    let query = if lock {
        "SELECT user_id, used_at IS NOT NULL, expires_at <= now() FROM user_tokens
          WHERE token_hash = $1 AND purpose = $2 FOR UPDATE"
    } else {
        "SELECT user_id, used_at IS NOT NULL, expires_at <= now() FROM user_tokens
          WHERE token_hash = $1 AND purpose = $2"
    };
    sqlx::query_as(query)
        .bind(tokens::hash(token))
        .bind(purpose)
        .fetch_optional(conn)
        .await
}

/// The user of a link row found by [`find_token`], or why the link cannot be used.
fn usable_token(
    row: Option<(Uuid, bool, bool)>,
    request_again: &str,
) -> Result<Uuid, AccountsError> {
    let invalid = |message: String| AccountsError::Invalid(FieldErrors::single("token", message));
    let Some((user_id, used, expired)) = row else {
        return Err(invalid(format!(
            "This link is not valid: check that it was copied whole. {request_again}"
        )));
    };
    if let Some(message) = tokens::unusable_link(used, expired, request_again) {
        return Err(invalid(message));
    }
    Ok(user_id)
}

/// Marks the single-use link `token` as used and returns its user, or says why it
/// cannot be used.
async fn redeem_token(
    conn: &mut PgConnection,
    token: &str,
    purpose: &str,
    request_again: &str,
) -> Result<Uuid, AccountsError> {
    let user_id = usable_token(find_token(conn, token, purpose, true).await?, request_again)?;
    sqlx::query("UPDATE user_tokens SET used_at = now() WHERE token_hash = $1")
        .bind(tokens::hash(token))
        .execute(&mut *conn)
        .await?;
    Ok(user_id)
}

pub async fn verify_email(work: &Work, token: &str) -> Result<Uuid, AccountsError> {
    let mut tx = work.write(&Scope::none()).await?;
    let user_id = redeem_token(
        &mut tx,
        token,
        "verify_email",
        "Sign in and ask for a new confirmation mail.",
    )
    .await?;
    sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Sends a new confirmation link (the old ones keep working until they expire).
pub async fn resend_verification(
    work: &Work,
    user_id: Uuid,
    ip: ClientIp,
) -> Result<(), AccountsError> {
    let (email, verified): (String, bool) = work
        .read(&Scope::none(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                "SELECT email_normalized, email_verified_at IS NOT NULL FROM users WHERE id = $1",
            )
            .bind(user_id)
            .fetch_optional(conn)
            .await
            })
        })
        .await?
        .ok_or(AccountsError::NotSignedIn)?;
    if verified {
        return Ok(());
    }
    let limits = &work.config.accounts.rate_limits;
    limit(
        work,
        "verify_mail",
        &email,
        ip,
        limits.password_reset_per_email,
        limits.password_reset_per_ip,
    )
    .await?;
    let mut tx = work.write(&Scope::none()).await?;
    link_mails::enqueue(work, &mut tx, LinkMail::Verification { user_id }).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn sign_in(
    work: &Work,
    email: &str,
    password: String,
    ip: ClientIp,
) -> Result<SignedIn, AccountsError> {
    let mut errors = FieldErrors::new();
    errors.check("email", fields::email(email));
    if password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    errors.into_result()?;
    let email = fields::normalized_email(email);
    let limits = &work.config.accounts.rate_limits;
    limit(
        work,
        "sign_in",
        &email,
        ip,
        limits.sign_in_per_email,
        limits.sign_in_per_ip,
    )
    .await?;

    // From the primary: a password changed a moment ago must not let the old one in.
    let address = email.as_str();
    let user: Option<(Uuid, String)> = work
        .read_latest(&Scope::none(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as("SELECT id, password_hash FROM users WHERE email_normalized = $1")
                    .bind(address)
                    .fetch_optional(conn)
                    .await
            })
        })
        .await?;
    let (user_id, stored) = match user {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    let matches = work.passwords.verify(password, stored).await?;
    let mut accounts = Vec::new();
    if let Some(user_id) = user_id {
        let action = if matches {
            Action::SignedIn
        } else {
            Action::SignInFailed
        };
        let mut tx = work.write(&Scope::none()).await?;
        accounts = accounts_in(&mut tx, user_id).await?;
        record_in_each(&mut tx, &accounts, user_id, &email, action, ip).await?;
        tx.commit().await?;
    }
    match user_id {
        Some(user_id) if matches => Ok(SignedIn {
            user_id,
            account_id: accounts.first().copied(),
        }),
        _ => Err(AccountsError::Invalid(FieldErrors::single(
            "password",
            "The e-mail address or the password is not right.",
        ))),
    }
}

/// The user's accounts, oldest membership first (scopes `conn` to the user).
async fn accounts_in(tx: &mut Write, user_id: Uuid) -> Result<Vec<Uuid>, AccountsError> {
    tx.enter(&Scope::user(user_id)).await?;
    Ok(sqlx::query_scalar(
        "SELECT account_id FROM memberships WHERE user_id = $1 ORDER BY joined_at, account_id",
    )
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Sign-ins concern every organisation the person belongs to: each one's log shows them.
async fn record_in_each(
    tx: &mut Write,
    accounts: &[Uuid],
    user_id: Uuid,
    email: &str,
    action: Action,
    ip: ClientIp,
) -> Result<(), AccountsError> {
    for account_id in accounts {
        tx.enter(&Scope::account(*account_id)).await?;
        audit::record(
            tx,
            Entry {
                account_id: *account_id,
                actor: Some((user_id, email)),
                action,
                subject: None,
                detail: None,
                client_ip: Some(ip),
            },
        )
        .await?;
    }
    Ok(())
}

/// Mails a reset link if the address belongs to someone. The answer is the same either
/// way, so the form does not reveal who has an account.
pub async fn request_password_reset(
    work: &Work,
    email: &str,
    ip: ClientIp,
) -> Result<(), AccountsError> {
    if let Err(message) = fields::email(email) {
        return Err(AccountsError::Invalid(FieldErrors::single(
            "email", message,
        )));
    }
    let email = fields::normalized_email(email);
    let limits = &work.config.accounts.rate_limits;
    limit(
        work,
        "password_reset",
        &email,
        ip,
        limits.password_reset_per_email,
        limits.password_reset_per_ip,
    )
    .await?;
    // From the primary: someone who signed up a moment ago and forgot the password
    // at once must get the mail too.
    let address = email.as_str();
    let user: Option<Uuid> = work
        .read_latest(&Scope::none(), |conn, _| {
            Box::pin(async move {
                sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
                    .bind(address)
                    .fetch_optional(conn)
                    .await
            })
        })
        .await?;
    let Some(user_id) = user else {
        return Ok(());
    };
    let mut tx = work.write(&Scope::none()).await?;
    link_mails::enqueue(work, &mut tx, LinkMail::PasswordReset { user_id }).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password from a reset link, and ends every session of the user: whoever
/// knew the old password is signed out.
pub async fn reset_password(
    work: &Work,
    token: &str,
    password: String,
    ip: ClientIp,
) -> Result<Uuid, AccountsError> {
    const REQUEST_AGAIN: &str = "Ask for a new link on the “Forgot password” page.";
    // Hashing takes tens of milliseconds (and may wait for a hashing thread): it runs
    // before the transaction, so no row is locked meanwhile. The link is checked first,
    // then redeemed in the transaction, which fails if it was used in between.
    let (link, person) = work
        .read_latest(&Scope::none(), |conn, _| {
            Box::pin(async move {
                let link = find_token(&mut *conn, token, "reset_password", false).await?;
                let person: Option<(String, String)> = match link {
                    Some((user_id, ..)) => {
                        sqlx::query_as("SELECT name, email_normalized FROM users WHERE id = $1")
                            .bind(user_id)
                            .fetch_optional(&mut *conn)
                            .await?
                    }
                    None => None,
                };
                Ok((link, person))
            })
        })
        .await?;
    let user_id = usable_token(link, REQUEST_AGAIN)?;
    let (name, email) = person.ok_or(AccountsError::NotFound)?;
    if let Err(message) = passwords::check_new(&password, &name, &email) {
        return Err(AccountsError::Invalid(FieldErrors::single(
            "password", message,
        )));
    }
    let hash = work.passwords.hash(password).await?;

    let mut tx = work.write(&Scope::none()).await?;
    // The same link row as above, so the same user: this only makes sure it is still unused.
    redeem_token(&mut tx, token, "reset_password", REQUEST_AGAIN).await?;
    // Opening the mailed link proves the address too.
    sqlx::query("UPDATE users SET password_hash = $2, email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE user_tokens SET used_at = now() WHERE user_id = $1 AND purpose = 'reset_password' AND used_at IS NULL")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let accounts = accounts_in(&mut tx, user_id).await?;
    record_in_each(
        &mut tx,
        &accounts,
        user_id,
        &email,
        Action::PasswordReset,
        ip,
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

#[cfg(test)]
mod tests {
    use super::SignUp;

    #[test]
    fn debug_output_never_shows_the_password() {
        let sign_up = SignUp {
            name: "Ana".into(),
            email: "ana@example.org".into(),
            password: "copper lantern orbit mouse".into(),
            account_name: "Acme".into(),
        };
        let shown = format!("{sign_up:?} {sign_up:#?}");
        assert!(!shown.contains("copper lantern"), "{shown}");
        assert!(
            shown.contains("ana@example.org") && shown.contains("<redacted>"),
            "{shown}"
        );
    }
}
