use std::sync::Arc;

use muster_accounts::{members, AccountsError, Actor, SignedIn};
use muster_platform::{client_ip::ClientIp, db::Lsn, Platform, Work};
use tokio::sync::OnceCell;
use tower_sessions::Session;
use uuid::Uuid;

use crate::{policy, ContextError};

/// Who is asking, and the unit of work they read and write through. One per request
/// (cheap to clone; clones are the same context). Nothing is read until asked for: a
/// request for a static file costs no session load.
#[derive(Clone)]
pub struct RequestContext {
    inner: Arc<Inner>,
}

struct Inner {
    platform: Platform,
    session: Session,
    client_ip: ClientIp,
    request_id: String,
    /// A position the browser asked its reads to include (a co-editor's write).
    requested: Option<Lsn>,
    work: OnceCell<Work>,
}

impl RequestContext {
    pub fn new(
        platform: Platform,
        session: Session,
        client_ip: ClientIp,
        request_id: String,
        requested: Option<Lsn>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                platform,
                session,
                client_ip,
                request_id,
                requested,
                work: OnceCell::new(),
            }),
        }
    }

    pub fn platform(&self) -> &Platform {
        &self.inner.platform
    }

    pub fn client_ip(&self) -> ClientIp {
        self.inner.client_ip
    }

    pub fn request_id(&self) -> &str {
        &self.inner.request_id
    }

    /// The caller's unit of work: its reads include the caller's last write (kept in
    /// their session) and any position their browser asked for.
    pub async fn work(&self) -> Result<&Work, ContextError> {
        self.inner
            .work
            .get_or_try_init(|| async {
                let kept = policy::position(&self.inner.session)
                    .await?
                    .unwrap_or_default();
                let work = Work::new(self.inner.platform.clone(), kept);
                if let Some(requested) = self.inner.requested {
                    work.see(requested);
                }
                Ok(work)
            })
            .await
    }

    /// The signed-in user, if any (within the session's lifetimes).
    pub async fn user_id(&self) -> Result<Option<Uuid>, ContextError> {
        Ok(policy::user_id(
            &self.inner.session,
            &self.inner.platform.config.accounts.session,
        )
        .await?)
    }

    pub async fn require_user(&self) -> Result<Uuid, ContextError> {
        let user = self.user_id().await?.ok_or(ContextError::SignInRequired)?;
        tracing::Span::current().record("user", tracing::field::display(user));
        Ok(user)
    }

    /// The signed-in user acting in their current account, with their role as of now.
    /// If they lost that membership they continue in another of their accounts.
    pub async fn actor(&self) -> Result<Actor, ContextError> {
        let actor = self.resolve_actor().await?;
        // The request's span (and so its slow-request warning) names the account.
        tracing::Span::current().record("account", tracing::field::display(actor.account_id));
        muster_platform::jobs::origin::RequestOrigin::set_account(actor.account_id);
        Ok(actor)
    }

    async fn resolve_actor(&self) -> Result<Actor, ContextError> {
        let user = self.require_user().await?;
        let work = self.work().await?;
        if let Some(account) = policy::account(&self.inner.session).await? {
            match members::actor(work, user, account).await {
                Err(AccountsError::NotAMember) => {}
                result => return Ok(result?),
            }
        }
        let accounts = members::current_accounts(work, user).await?;
        let first = accounts
            .first()
            .and_then(|a| a.id.parse::<Uuid>().ok())
            .ok_or(ContextError::NoAccount)?;
        policy::switch_to(&self.inner.session, first).await?;
        Ok(members::actor(work, user, first).await?)
    }

    /// The signed-in user, or `None` when signed out or in no account at all.
    pub async fn actor_if_any(&self) -> Result<Option<Actor>, ContextError> {
        match self.actor().await {
            Ok(actor) => Ok(Some(actor)),
            Err(ContextError::SignInRequired | ContextError::NoAccount) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Starts the session of someone who just signed in (or up).
    pub async fn begin_session(&self, signed_in: SignedIn) -> Result<(), ContextError> {
        policy::begin(&self.inner.session, signed_in).await?;
        Ok(())
    }

    /// Ends this browser's session.
    pub async fn end_session(&self) -> Result<(), ContextError> {
        policy::end(&self.inner.session).await?;
        Ok(())
    }

    /// Makes `account` the one the user works in; they must be a member.
    pub async fn switch_account(&self, account: Uuid) -> Result<(), ContextError> {
        let user = self.require_user().await?;
        members::actor(self.work().await?, user, account).await?;
        self.work_in(account).await
    }

    /// Makes `account` the one the user works in, without checking membership: for an
    /// account they just created or joined.
    pub async fn work_in(&self, account: Uuid) -> Result<(), ContextError> {
        policy::switch_to(&self.inner.session, account).await?;
        Ok(())
    }

    /// Keeps the position of this request's writes (and of what it read from the
    /// primary) in the session, so the user's next request, on any instance, reads at
    /// least that far. Called once the response is ready.
    pub(crate) async fn keep_position(&self) -> Result<(), ContextError> {
        match self.inner.work.get() {
            Some(work) if work.has_advanced() => {
                policy::keep_position(&self.inner.session, work.seen()).await?;
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
