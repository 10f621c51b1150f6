//! The sign-in policy: what the session holds about a signed-in user and when it ends.
//!
//! The session keeps who signed in, when, when they were last active, the account they
//! work in and the position of their last write. The role is never stored: it is read
//! from the primary on every request, so a changed role or a removal takes effect at
//! once. The session ends [`SessionConfig::absolute_timeout`] after sign-in however
//! active the user is, and after [`SessionConfig::idle_timeout`] without a request (the
//! cookie's max-age, moved on when activity is recorded).

use std::time::Duration;

use chrono::Utc;
use muster_accounts::SignedIn;
use muster_platform::{config::SessionConfig, db::Lsn, sessions::USER_ID_KEY};
use tower_sessions::{session::Error, Session};
use uuid::Uuid;

const ACCOUNT_KEY: &str = "account_id";
/// Milliseconds since the epoch: whole seconds would let a short lifetime run a second long.
const SIGNED_IN_AT_KEY: &str = "signed_in_at_ms";
/// When activity was last recorded: saving it moves the idle deadline on.
const SEEN_AT_KEY: &str = "seen_at";
/// The WAL position of the user's last write: every read of theirs must include it.
const POSITION_KEY: &str = "written_at";

/// Whether a session signed in at `signed_in_at_ms` has outlived `absolute`.
pub fn outlived(now_ms: i64, signed_in_at_ms: i64, absolute: Duration) -> bool {
    now_ms.saturating_sub(signed_in_at_ms)
        >= i64::try_from(absolute.as_millis()).unwrap_or(i64::MAX)
}

/// Whether activity should be recorded now: at most every quarter of the idle timeout
/// (and at least every minute), so an active user is never signed out and a busy page
/// does not write the session on every request.
pub fn activity_due(now_secs: i64, seen_at_secs: i64, idle: Duration) -> bool {
    let every = i64::try_from((idle.as_secs() / 4).min(60)).unwrap_or(60);
    now_secs.saturating_sub(seen_at_secs) >= every
}

/// Starts a signed-in session under a fresh id: an id planted before sign-in (session
/// fixation) is worthless afterwards.
pub async fn begin(session: &Session, signed_in: SignedIn) -> Result<(), Error> {
    session.cycle_id().await?;
    session
        .insert(USER_ID_KEY, signed_in.user_id.to_string())
        .await?;
    let now = Utc::now();
    session
        .insert(SIGNED_IN_AT_KEY, now.timestamp_millis())
        .await?;
    session.insert(SEEN_AT_KEY, now.timestamp()).await?;
    match signed_in.account_id {
        Some(account) => session.insert(ACCOUNT_KEY, account.to_string()).await?,
        None => {
            session.remove_value(ACCOUNT_KEY).await?;
        }
    }
    Ok(())
}

pub async fn end(session: &Session) -> Result<(), Error> {
    session.flush().await
}

pub async fn switch_to(session: &Session, account: Uuid) -> Result<(), Error> {
    session.insert(ACCOUNT_KEY, account.to_string()).await
}

pub async fn account(session: &Session) -> Result<Option<Uuid>, Error> {
    let account: Option<String> = session.get(ACCOUNT_KEY).await?;
    Ok(account.and_then(|text| text.parse().ok()))
}

/// The signed-in user, if any and within the session's lifetimes; records activity
/// when due. An outlived session is ended.
pub async fn user_id(session: &Session, limits: &SessionConfig) -> Result<Option<Uuid>, Error> {
    let user: Option<String> = session.get(USER_ID_KEY).await?;
    let Some(user) = user.and_then(|text| text.parse::<Uuid>().ok()) else {
        return Ok(None);
    };
    let signed_in_at: i64 = session.get(SIGNED_IN_AT_KEY).await?.unwrap_or(0);
    let now = Utc::now();
    if outlived(
        now.timestamp_millis(),
        signed_in_at,
        limits.absolute_timeout,
    ) {
        end(session).await?;
        return Ok(None);
    }
    let seen_at: i64 = session.get(SEEN_AT_KEY).await?.unwrap_or(0);
    if activity_due(now.timestamp(), seen_at, limits.idle_timeout) {
        session.insert(SEEN_AT_KEY, now.timestamp()).await?;
    }
    Ok(Some(user))
}

/// The position of the user's last write, as kept in the session.
pub async fn position(session: &Session) -> Result<Option<Lsn>, Error> {
    session.get(POSITION_KEY).await
}

/// Keeps `position` as the user's last write, if they are signed in (a signed-out
/// visitor gets no session for it).
pub async fn keep_position(session: &Session, position: Lsn) -> Result<(), Error> {
    if session.get::<String>(USER_ID_KEY).await?.is_some() {
        session.insert(POSITION_KEY, position).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_at_its_absolute_lifetime_however_active() {
        let day = Duration::from_secs(86_400);
        assert!(!outlived(86_399_999, 0, day));
        assert!(outlived(86_400_000, 0, day));
        assert!(outlived(1, 0, Duration::ZERO));
    }

    #[test]
    fn activity_is_recorded_at_most_every_quarter_of_the_idle_timeout() {
        let idle = Duration::from_secs(120);
        assert!(!activity_due(1_029, 1_000, idle));
        assert!(activity_due(1_030, 1_000, idle));
        // Long idle timeouts still record activity every minute.
        let long = Duration::from_secs(8 * 3600);
        assert!(!activity_due(1_059, 1_000, long));
        assert!(activity_due(1_060, 1_000, long));
    }
}
