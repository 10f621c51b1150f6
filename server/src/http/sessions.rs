//! The session cookie: HttpOnly, SameSite=Lax, `Secure` and `__Host-` prefixed when
//! Muster is served over https (MUSTER_PUBLIC_URL), expiring after the idle timeout.
//! A session is saved only when changed: the app slides the idle timeout when it checks
//! who is signed in (`muster_context::policy`), so static files cost no session write. The
//! absolute lifetime is checked by the app on every use.

use muster_platform::{config::SessionConfig, sessions::PgSessionStore, Platform};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

pub fn layer(platform: &Platform) -> SessionManagerLayer<PgSessionStore> {
    let accounts = &platform.config.accounts;
    let secure = accounts.served_over_https();
    let idle = time::Duration::seconds(accounts.session.idle_timeout.as_secs() as i64);
    SessionManagerLayer::new(platform.sessions.clone())
        .with_name(SessionConfig::cookie_name(secure))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}

/// Deletes expired sessions every ten minutes until the process ends.
pub fn spawn_cleanup(platform: Platform) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(600));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match platform.sessions.delete_expired().await {
                Ok(0) => {}
                Ok(removed) => tracing::debug!(removed, "expired sessions deleted"),
                Err(error) => tracing::warn!(%error, "could not delete expired sessions"),
            }
        }
    })
}
