//! The accounts server functions. Each one takes who is calling from the request
//! context (`crate::request`) before anything else, and leaves every rule to
//! `muster_accounts`. All of them are POST (Leptos' default): none changes data on GET.

use leptos::prelude::*;
use muster_domain::accounts::views::{
    ApiTokenView, AuditEventView, InvitationPreview, InvitationView, MemberView, NewApiToken,
    SessionView,
};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::request::{self, record_id, Caller};

/// The members page: everyone in the account, and (for managers) open invitations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersView {
    pub you: String,
    pub your_role: muster_domain::accounts::Role,
    pub members: Vec<MemberView>,
    pub invitations: Vec<InvitationView>,
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
    let context = request::context().await?;
    let sign_up = muster_accounts::SignUp {
        name,
        email,
        password,
        account_name,
    };
    let signed_in =
        muster_accounts::users::sign_up(context.work().await?, sign_up, context.client_ip())
            .await?;
    Ok(context.begin_session(signed_in).await?)
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let context = request::context().await?;
    let signed_in = muster_accounts::users::sign_in(
        context.work().await?,
        &email,
        password,
        context.client_ip(),
    )
    .await?;
    Ok(context.begin_session(signed_in).await?)
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    Ok(request::context().await?.end_session().await?)
}

/// Ends every session of the signed-in user, on every device.
#[server(prefix = "/api", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let context = request::context().await?;
    let user = context.require_user().await?;
    context
        .platform()
        .sessions
        .delete_user_sessions(user)
        .await
        .map_err(muster_platform::db::DbError::from)?;
    Ok(context.end_session().await?)
}

#[server(prefix = "/api", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let context = request::context().await?;
    muster_accounts::users::verify_email(context.work().await?, &token).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    let context = request::context().await?;
    let user = context.require_user().await?;
    Ok(muster_accounts::users::resend_verification(
        context.work().await?,
        user,
        context.client_ip(),
    )
    .await?)
}

#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let context = request::context().await?;
    Ok(muster_accounts::users::request_password_reset(
        context.work().await?,
        &email,
        context.client_ip(),
    )
    .await?)
}

#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let context = request::context().await?;
    muster_accounts::users::reset_password(
        context.work().await?,
        &token,
        password,
        context.client_ip(),
    )
    .await?;
    // This browser's session was ended with all the others; start clean.
    Ok(context.end_session().await?)
}

/// The signed-in user and their accounts; `None` when signed out (or in no account:
/// the frame then offers to create one).
#[server(prefix = "/api", endpoint = "load_session")]
pub async fn load_session() -> Result<Option<SessionView>, AppError> {
    let context = request::context().await?;
    let Some(actor) = context.actor_if_any().await? else {
        return Ok(None);
    };
    Ok(Some(
        muster_accounts::members::session_view(context.work().await?, &actor).await?,
    ))
}

#[server(prefix = "/api", endpoint = "switch_account")]
pub async fn switch_account(account_id: String) -> Result<(), AppError> {
    let account = record_id(&account_id)?;
    Ok(request::context().await?.switch_account(account).await?)
}

#[server(prefix = "/api", endpoint = "create_account")]
pub async fn create_account(name: String) -> Result<(), AppError> {
    let context = request::context().await?;
    let user = context.require_user().await?;
    let account = muster_accounts::members::create_account(
        context.work().await?,
        user,
        &name,
        context.client_ip(),
    )
    .await?;
    Ok(context.work_in(account).await?)
}

#[server(prefix = "/api", endpoint = "load_members")]
pub async fn load_members() -> Result<MembersView, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    let members = muster_accounts::members::members(&work, &actor).await?;
    let invitations = if actor
        .role
        .can(muster_domain::accounts::Capability::ManageMembers)
    {
        muster_accounts::invitations::open_invitations(&work, &actor).await?
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
    let role = role_field(&role)?;
    let caller = request::caller().await?;
    let ip = caller.context.client_ip();
    Ok(muster_accounts::invitations::invite(&caller.work, &caller.actor, &email, role, ip).await?)
}

#[server(prefix = "/api", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(invitation_id: String) -> Result<(), AppError> {
    let id = record_id(&invitation_id)?;
    let caller = request::caller().await?;
    let ip = caller.context.client_ip();
    Ok(muster_accounts::invitations::revoke(&caller.work, &caller.actor, id, ip).await?)
}

#[server(prefix = "/api", endpoint = "change_role")]
pub async fn change_role(user_id: String, role: String) -> Result<(), AppError> {
    let member = record_id(&user_id)?;
    let role = role_field(&role)?;
    let caller = request::caller().await?;
    let ip = caller.context.client_ip();
    Ok(
        muster_accounts::members::change_role(&caller.work, &caller.actor, member, role, ip)
            .await?,
    )
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    let member = record_id(&user_id)?;
    let caller = request::caller().await?;
    let ip = caller.context.client_ip();
    Ok(muster_accounts::members::remove_member(&caller.work, &caller.actor, member, ip).await?)
}

#[server(prefix = "/api", endpoint = "load_invitation")]
pub async fn load_invitation(token: String) -> Result<InvitationPreview, AppError> {
    let context = request::context().await?;
    Ok(muster_accounts::invitations::preview(context.work().await?, &token).await?)
}

#[server(prefix = "/api", endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    let context = request::context().await?;
    let user = context.require_user().await?;
    let account = muster_accounts::invitations::accept(
        context.work().await?,
        user,
        &token,
        context.client_ip(),
    )
    .await?;
    Ok(context.work_in(account).await?)
}

#[server(prefix = "/api", endpoint = "load_audit_log")]
pub async fn load_audit_log() -> Result<Vec<AuditEventView>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_accounts::audit::recent(&work, &actor).await?)
}

/// The account's API tokens (owners and admins).
#[server(prefix = "/api", endpoint = "load_api_tokens")]
pub async fn load_api_tokens() -> Result<Vec<ApiTokenView>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_accounts::api_tokens::list(&work, &actor).await?)
}

/// Makes an API token; its secret is in the answer, and nowhere else ever again.
#[server(prefix = "/api", endpoint = "create_api_token")]
pub async fn create_api_token(name: String, scope: String) -> Result<NewApiToken, AppError> {
    let scope = muster_domain::accounts::views::ApiScope::parse(&scope).ok_or_else(|| {
        AppError::Invalid(muster_domain::accounts::FieldErrors::single(
            "scope",
            "Choose whether the token may only read, or also write.",
        ))
    })?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_accounts::api_tokens::create(&work, &actor, &name, scope).await?)
}

#[server(prefix = "/api", endpoint = "revoke_api_token")]
pub async fn revoke_api_token(token_id: String) -> Result<(), AppError> {
    let id = record_id(&token_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_accounts::api_tokens::revoke(&work, &actor, id).await?)
}
