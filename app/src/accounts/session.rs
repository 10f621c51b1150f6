//! The signed-in state kept in the session (server only): who signed in, when, and the
//! account they are working in. The role is never stored: it is read from the database
//! on every request, so a changed role or a removal takes effect at once.

use chrono::Utc;
use muster_accounts::{members, AccountsError, Actor, SignedIn};
use muster_platform::{client_ip::ClientIp, sessions::USER_ID_KEY, Platform};
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::{internal, AppError};

const ACCOUNT_KEY: &str = "account_id";
/// Milliseconds since the epoch: whole seconds would let a short lifetime run a second long.
const SIGNED_IN_AT_KEY: &str = "signed_in_at_ms";
/// When the session was last saved because of activity: saving it moves the idle
/// deadline (and the cookie's max-age) on.
const SEEN_AT_KEY: &str = "seen_at";

pub fn platform() -> Platform {
    leptos::prelude::expect_context::<Platform>()
}

pub async fn current() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(internal)
}

pub async fn client_ip() -> Result<ClientIp, AppError> {
    leptos_axum::extract::<axum::Extension<ClientIp>>()
        .await
        .map(|axum::Extension(ip)| ip)
        .map_err(internal)
}

/// A fresh session id for a fresh sign-in: an id planted before sign-in (session
/// fixation) is worthless afterwards.
pub async fn begin(session: &Session, signed_in: SignedIn) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(USER_ID_KEY, signed_in.user_id.to_string())
        .await
        .map_err(internal)?;
    let now = Utc::now().timestamp();
    session
        .insert(SIGNED_IN_AT_KEY, Utc::now().timestamp_millis())
        .await
        .map_err(internal)?;
    session.insert(SEEN_AT_KEY, now).await.map_err(internal)?;
    match signed_in.account_id {
        Some(account) => session
            .insert(ACCOUNT_KEY, account.to_string())
            .await
            .map_err(internal)?,
        None => {
            session.remove_value(ACCOUNT_KEY).await.map_err(internal)?;
        }
    }
    Ok(())
}

pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(internal)
}

pub async fn switch_to(session: &Session, account: Uuid) -> Result<(), AppError> {
    session
        .insert(ACCOUNT_KEY, account.to_string())
        .await
        .map_err(internal)
}

/// The signed-in user, if any and within the absolute session lifetime. Marks the
/// session active: at most every quarter of the idle timeout (and every minute), so an
/// active user is never signed out and a busy page does not write on every request.
pub async fn user_id(session: &Session) -> Result<Option<Uuid>, AppError> {
    user_id_in(&platform(), session).await
}

/// [`user_id`] outside a Leptos request (the realtime socket).
pub async fn user_id_in(platform: &Platform, session: &Session) -> Result<Option<Uuid>, AppError> {
    let user: Option<String> = session.get(USER_ID_KEY).await.map_err(internal)?;
    let Some(user) = user.and_then(|text| text.parse::<Uuid>().ok()) else {
        return Ok(None);
    };
    let signed_in_at: i64 = session
        .get(SIGNED_IN_AT_KEY)
        .await
        .map_err(internal)?
        .unwrap_or(0);
    let limits = &platform.config.accounts.session;
    if Utc::now().timestamp_millis() - signed_in_at >= limits.absolute_timeout.as_millis() as i64 {
        end(session).await?;
        return Ok(None);
    }
    let seen_at: i64 = session
        .get(SEEN_AT_KEY)
        .await
        .map_err(internal)?
        .unwrap_or(0);
    let refresh_after = (limits.idle_timeout.as_secs() / 4).min(60) as i64;
    let now = Utc::now().timestamp();
    if now - seen_at >= refresh_after {
        session.insert(SEEN_AT_KEY, now).await.map_err(internal)?;
    }
    Ok(Some(user))
}

fn sign_in_required() -> AppError {
    let error = AppError::SignInRequired;
    error.set_response_status();
    error
}

pub async fn require_user(session: &Session) -> Result<Uuid, AppError> {
    user_id(session).await?.ok_or_else(sign_in_required)
}

/// The signed-in user acting in their current account. If they lost that membership
/// they continue in another of their accounts.
pub async fn actor() -> Result<Actor, AppError> {
    actor_in(&platform(), &current().await?).await
}

/// [`actor`] outside a Leptos request (the realtime socket).
pub async fn actor_in(platform: &Platform, session: &Session) -> Result<Actor, AppError> {
    let user = user_id_in(platform, session).await?.ok_or_else(sign_in_required)?;
    let account: Option<String> = session.get(ACCOUNT_KEY).await.map_err(internal)?;
    if let Some(account) = account.and_then(|text| text.parse::<Uuid>().ok()) {
        match members::actor(platform, user, account).await {
            Err(AccountsError::NotAMember) => {}
            result => return result.map_err(AppError::from),
        }
    }
    let accounts = members::accounts(platform, user).await?;
    let Some(first) = accounts.first().and_then(|a| a.id.parse::<Uuid>().ok()) else {
        let error = AppError::Forbidden(
            "You are not a member of any account. Create one on the Accounts page, or ask for an invitation.".to_owned(),
        );
        error.set_response_status();
        return Err(error);
    };
    switch_to(session, first).await?;
    Ok(members::actor(platform, user, first).await?)
}
