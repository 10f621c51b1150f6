//! Invitations: an owner or admin invites an address with a role; whoever opens the
//! mailed link signs up or in and joins. The link is the credential: single use,
//! expiring, and renewed (the old one revoked) when the same address is invited again.

use muster_domain::accounts::{
    fields,
    views::{InvitationPreview, InvitationView},
    Capability, FieldErrors, Role,
};
use muster_platform::{client_ip::ClientIp, tenancy::Scope, work::Write, Work};
use uuid::Uuid;

use crate::{
    audit::{self, Action, Entry},
    link_mails::{self, LinkMail},
    members::Actor,
    tokens::{self, Secret},
    AccountsError,
};

pub async fn invite(
    work: &Work,
    actor: &Actor,
    email: &str,
    role: Role,
    ip: ClientIp,
) -> Result<(), AccountsError> {
    actor.require(
        Capability::ManageMembers,
        "Only owners and admins can invite people.",
    )?;
    actor.require_verified("invite anyone")?;
    actor.role.may_invite(role)?;
    if let Err(message) = fields::email(email) {
        return Err(AccountsError::Invalid(FieldErrors::single(
            "email", message,
        )));
    }
    let normalized = fields::normalized_email(email);
    let limits = &work.config.accounts.rate_limits;
    work.rate_limiter
        .hit(
            "invite",
            &format!("user:{}", actor.user_id),
            limits.invitations_per_inviter,
        )
        .await?;
    work.rate_limiter
        .hit(
            "invite",
            &format!("account:{}", actor.account_id),
            limits.invitations_per_account,
        )
        .await?;
    let mut tx = work.write(&actor.scope()).await?;
    let already_member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                         WHERE m.account_id = $1 AND u.email_normalized = $2)",
    )
    .bind(actor.account_id)
    .bind(&normalized)
    .fetch_one(&mut *tx)
    .await?;
    if already_member {
        return Err(AccountsError::Invalid(FieldErrors::single(
            "email",
            format!(
                "{normalized} is already a member of {}.",
                actor.account_name
            ),
        )));
    }
    sqlx::query(
        "UPDATE invitations SET revoked_at = now()
          WHERE account_id = $1 AND email_normalized = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(actor.account_id)
    .bind(&normalized)
    .execute(&mut *tx)
    .await?;
    // The link is made when the mail goes out (`link_mails`); until then the
    // invitation holds the hash of a secret nobody knows.
    let unusable = Secret::generate()?;
    let invitation_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO invitations (id, account_id, email, email_normalized, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(invitation_id)
    .bind(actor.account_id)
    .bind(email.trim())
    .bind(&normalized)
    .bind(role.as_str())
    .bind(&unusable.hash)
    .bind(actor.user_id)
    .bind(tokens::expiry(tokens::INVITATION_VALID_FOR))
    .execute(&mut *tx)
    .await?;
    link_mails::enqueue(
        work,
        &mut tx,
        LinkMail::Invitation {
            invitation_id,
            account_id: actor.account_id,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::by(
            actor,
            Action::InvitationSent,
            Some(&normalized),
            Some(format!("as {role}")),
            ip,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Invitations not yet accepted, revoked or expired.
pub async fn open_invitations(
    work: &Work,
    actor: &Actor,
) -> Result<Vec<InvitationView>, AccountsError> {
    actor.require(
        Capability::ManageMembers,
        "Only owners and admins can see invitations.",
    )?;
    type Row = (
        Uuid,
        String,
        String,
        Option<String>,
        chrono::DateTime<chrono::Utc>,
    );
    let rows: Vec<Row> = work
        .read(&actor.scope(), |conn, _| Box::pin(async move {
            sqlx::query_as(
                "SELECT i.id, i.email, i.role, u.name, i.expires_at FROM invitations i LEFT JOIN users u ON u.id = i.invited_by
                  WHERE i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
                  ORDER BY i.created_at DESC",
            )
            .fetch_all(conn)
            .await
        }))
        .await?;
    rows.into_iter()
        .map(|(id, email, role, invited_by, expires_at)| {
            Ok(InvitationView {
                id: id.to_string(),
                email,
                role: role
                    .parse()
                    .map_err(|e| AccountsError::Internal(format!("{e}")))?,
                invited_by,
                expires_at,
            })
        })
        .collect()
}

pub async fn revoke(
    work: &Work,
    actor: &Actor,
    invitation: Uuid,
    ip: ClientIp,
) -> Result<(), AccountsError> {
    actor.require(
        Capability::ManageMembers,
        "Only owners and admins can revoke invitations.",
    )?;
    let mut tx = work.write(&actor.scope()).await?;
    let email: Option<String> = sqlx::query_scalar(
        "UPDATE invitations SET revoked_at = now()
          WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING email_normalized",
    )
    .bind(invitation)
    .fetch_optional(&mut *tx)
    .await?;
    let email = email.ok_or(AccountsError::NotFound)?;
    audit::record(
        &mut tx,
        Entry::by(actor, Action::InvitationRevoked, Some(&email), None, ip),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

struct OpenInvitation {
    id: Uuid,
    account_id: Uuid,
    account_name: String,
    email: String,
    role: Role,
    invited_by: Option<String>,
}

/// Finds the invitation a secret opens, in a transaction that presented it, and says why
/// it cannot be used if so. Leaves `tx` scoped to the invitation's account, with the
/// invitation's row locked (two accepts of one link cannot both succeed).
async fn find_open(
    tx: &mut Write,
    token: &str,
    user_id: Option<Uuid>,
) -> Result<OpenInvitation, AccountsError> {
    let hash = tokens::hash(token);
    let mut scope = Scope::none().with_invitation(hash.clone());
    scope.user_id = user_id;
    tx.enter(&scope).await?;
    let request_again = "Ask the person who invited you to send a new invitation.";
    let invalid = |message: String| AccountsError::Invalid(FieldErrors::single("token", message));
    let found: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT id, account_id FROM invitations WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(&mut **tx)
            .await?;
    let Some((id, account_id)) = found else {
        return Err(invalid(format!(
            "This invitation link is not valid. {request_again}"
        )));
    };
    // The secret proved the right to this one account.
    scope.account_id = Some(account_id);
    tx.enter(&scope).await?;
    let (account_name, email, role, invited_by, accepted, revoked, expired): (String, String, String, Option<String>, bool, bool, bool) =
        sqlx::query_as(
            "SELECT a.name, i.email, i.role, u.name, i.accepted_at IS NOT NULL, i.revoked_at IS NOT NULL, i.expires_at <= now()
               FROM invitations i JOIN accounts a ON a.id = i.account_id LEFT JOIN users u ON u.id = i.invited_by
              WHERE i.id = $1 FOR UPDATE OF i",
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    if revoked {
        return Err(invalid(format!(
            "This invitation was withdrawn. {request_again}"
        )));
    }
    if let Some(message) = tokens::unusable_link(accepted, expired, request_again) {
        return Err(invalid(message));
    }
    Ok(OpenInvitation {
        id,
        account_id,
        account_name,
        email,
        role: role
            .parse()
            .map_err(|e| AccountsError::Internal(format!("{e}")))?,
        invited_by,
    })
}

/// What the invitation link offers. Checked on the primary, like accepting it: a link
/// mailed a moment ago may not have reached a replica yet.
pub async fn preview(work: &Work, token: &str) -> Result<InvitationPreview, AccountsError> {
    let mut tx = work.write(&Scope::none()).await?;
    let open = find_open(&mut tx, token, None).await?;
    // Changes nothing: dropping the transaction rolls it back.
    drop(tx);
    Ok(InvitationPreview {
        account_name: open.account_name,
        email: open.email,
        role: open.role,
        invited_by: open.invited_by,
    })
}

/// Joins the invitation's account with its role; returns the account.
pub async fn accept(
    work: &Work,
    user_id: Uuid,
    token: &str,
    ip: ClientIp,
) -> Result<Uuid, AccountsError> {
    let mut tx = work.write(&Scope::none()).await?;
    let open = find_open(&mut tx, token, Some(user_id)).await?;
    let email: String = sqlx::query_scalar("SELECT email_normalized FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AccountsError::NotSignedIn)?;
    // Someone who is a member already keeps their role.
    sqlx::query("INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(open.account_id)
        .bind(user_id)
        .bind(open.role.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1")
        .bind(open.id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Entry {
            account_id: open.account_id,
            actor: Some((user_id, &email)),
            action: Action::InvitationAccepted,
            subject: Some(&open.email),
            detail: Some(format!("as {}", open.role)),
            client_ip: Some(ip),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(open.account_id)
}
