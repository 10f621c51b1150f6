//! The accounts server functions. Each one establishes who is calling (session →
//! user → actor with role) before anything else, and leaves every rule to
//! `muster_accounts`. All of them are POST (Leptos' default): none changes data on GET.

use leptos::prelude::*;
use muster_domain::accounts::views::{
    AuditEventView, InvitationPreview, InvitationView, MemberView, SessionView,
};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::session;

/// The members page: everyone in the account, and (for managers) open invitations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersView {
    pub you: String,
    pub your_role: muster_domain::accounts::Role,
    pub members: Vec<MemberView>,
    pub invitations: Vec<InvitationView>,
}

#[cfg(feature = "ssr")]
fn uuid_or_not_found(raw: &str) -> Result<uuid::Uuid, AppError> {
    raw.trim().parse().map_err(|_| AppError::not_found())
}

#[cfg(feature = "ssr")]
fn role_field(raw: &str) -> Result<muster_domain::accounts::Role, AppError> {
    raw.parse()
        .map_err(|e: muster_domain::accounts::role::UnknownRole| {
            AppError::Invalid(muster_domain::accounts::FieldErrors::single(
                "role",
                e.to_string(),
            ))
        })
}

#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    account_name: String,
) -> Result<(), AppError> {
    let platform = session::platform();
    let ip = session::client_ip().await?;
    let signed_in = muster_accounts::users::sign_up(
        &platform,
        muster_accounts::SignUp {
            name,
            email,
            password,
            account_name,
        },
        ip,
    )
    .await?;
    session::begin(&session::current().await?, signed_in).await
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let platform = session::platform();
    let ip = session::client_ip().await?;
    let signed_in = muster_accounts::users::sign_in(&platform, &email, password, ip).await?;
    session::begin(&session::current().await?, signed_in).await
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    session::end(&session::current().await?).await
}

/// Ends every session of the signed-in user, on every device.
#[server(prefix = "/api", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let current = session::current().await?;
    let user = session::require_user(&current).await?;
    session::platform()
        .sessions
        .delete_user_sessions(user)
        .await
        .map_err(muster_platform::db::DbError::from)?;
    session::end(&current).await
}

#[server(prefix = "/api", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    muster_accounts::users::verify_email(&session::platform(), &token).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    let user = session::require_user(&session::current().await?).await?;
    let ip = session::client_ip().await?;
    Ok(muster_accounts::users::resend_verification(&session::platform(), user, ip).await?)
}

#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let ip = session::client_ip().await?;
    Ok(muster_accounts::users::request_password_reset(&session::platform(), &email, ip).await?)
}

#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let ip = session::client_ip().await?;
    muster_accounts::users::reset_password(&session::platform(), &token, password, ip).await?;
    // This browser's session was ended with all the others; start clean.
    session::end(&session::current().await?).await
}

/// The signed-in user and their accounts; `None` when signed out.
#[server(prefix = "/api", endpoint = "load_session")]
pub async fn load_session() -> Result<Option<SessionView>, AppError> {
    if session::user_id(&session::current().await?)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let actor = match session::actor().await {
        Ok(actor) => actor,
        // Signed in but in no account: the frame still shows who they are.
        Err(AppError::Forbidden(_)) => return Ok(None),
        Err(error) => return Err(error),
    };
    Ok(Some(
        muster_accounts::members::session_view(&session::platform(), &actor).await?,
    ))
}

#[server(prefix = "/api", endpoint = "switch_account")]
pub async fn switch_account(account_id: String) -> Result<(), AppError> {
    let current = session::current().await?;
    let user = session::require_user(&current).await?;
    let account = uuid_or_not_found(&account_id)?;
    // Only an account the user belongs to.
    muster_accounts::members::actor(&session::platform(), user, account).await?;
    session::switch_to(&current, account).await
}

#[server(prefix = "/api", endpoint = "create_account")]
pub async fn create_account(name: String) -> Result<(), AppError> {
    let current = session::current().await?;
    let user = session::require_user(&current).await?;
    let ip = session::client_ip().await?;
    let account =
        muster_accounts::members::create_account(&session::platform(), user, &name, ip).await?;
    session::switch_to(&current, account).await
}

#[server(prefix = "/api", endpoint = "load_members")]
pub async fn load_members() -> Result<MembersView, AppError> {
    let actor = session::actor().await?;
    let platform = session::platform();
    let members = muster_accounts::members::members(&platform, &actor).await?;
    let invitations = if actor
        .role
        .can(muster_domain::accounts::Capability::ManageMembers)
    {
        muster_accounts::invitations::open_invitations(&platform, &actor).await?
    } else {
        Vec::new()
    };
    Ok(MembersView {
        you: actor.user_id.to_string(),
        your_role: actor.role,
        members,
        invitations,
    })
}

#[server(prefix = "/api", endpoint = "invite_member")]
pub async fn invite_member(email: String, role: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    let ip = session::client_ip().await?;
    let role = role_field(&role)?;
    Ok(
        muster_accounts::invitations::invite(&session::platform(), &actor, &email, role, ip)
            .await?,
    )
}

#[server(prefix = "/api", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(invitation_id: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    let ip = session::client_ip().await?;
    let id = uuid_or_not_found(&invitation_id)?;
    Ok(muster_accounts::invitations::revoke(&session::platform(), &actor, id, ip).await?)
}

#[server(prefix = "/api", endpoint = "change_role")]
pub async fn change_role(user_id: String, role: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    let ip = session::client_ip().await?;
    let member = uuid_or_not_found(&user_id)?;
    let role = role_field(&role)?;
    Ok(
        muster_accounts::members::change_role(&session::platform(), &actor, member, role, ip)
            .await?,
    )
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    let ip = session::client_ip().await?;
    let member = uuid_or_not_found(&user_id)?;
    Ok(muster_accounts::members::remove_member(&session::platform(), &actor, member, ip).await?)
}

#[server(prefix = "/api", endpoint = "load_invitation")]
pub async fn load_invitation(token: String) -> Result<InvitationPreview, AppError> {
    Ok(muster_accounts::invitations::preview(&session::platform(), &token).await?)
}

#[server(prefix = "/api", endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    let current = session::current().await?;
    let user = session::require_user(&current).await?;
    let ip = session::client_ip().await?;
    let account =
        muster_accounts::invitations::accept(&session::platform(), user, &token, ip).await?;
    session::switch_to(&current, account).await
}

#[server(prefix = "/api", endpoint = "load_audit_log")]
pub async fn load_audit_log() -> Result<Vec<AuditEventView>, AppError> {
    let actor = session::actor().await?;
    Ok(muster_accounts::audit::recent(&session::platform(), &actor).await?)
}
