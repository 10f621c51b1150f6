//! Organisations and their members: who the caller is in an account, the accounts they
//! can switch to, and changing or removing members under the role rules.

use muster_domain::accounts::{
    fields,
    views::{AccountView, MemberView, SessionView, UserView},
    Capability, FieldErrors, Role,
};
use muster_platform::{client_ip::ClientIp, tenancy::Scope, Work};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    audit::{self, Action, Entry},
    users, AccountsError,
};

/// A signed-in user acting in one account, as established for this request. Every
/// operation on an account takes one, so it can neither forget the role check nor the
/// tenant scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub account_id: Uuid,
    pub account_name: String,
    pub role: Role,
}

impl Actor {
    pub fn scope(&self) -> Scope {
        Scope::account(self.account_id).with_user(self.user_id)
    }

    pub fn require(&self, capability: Capability, refusal: &str) -> Result<(), AccountsError> {
        if self.role.can(capability) {
            Ok(())
        } else {
            Err(AccountsError::Forbidden(refusal.to_owned()))
        }
    }

    /// Things that reach other people (invitations, later publishing) wait until the
    /// address is confirmed.
    pub fn require_verified(&self, what: &str) -> Result<(), AccountsError> {
        if self.email_verified {
            Ok(())
        } else {
            Err(AccountsError::Forbidden(format!(
                "Confirm your e-mail address before you {what}: open the link we sent to {}.",
                self.email
            )))
        }
    }
}

fn parse_role(raw: &str) -> Result<Role, sqlx::Error> {
    raw.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The user as a member of `account_id`, or `NotAMember` (also when the account does
/// not exist: ids of other tenants reveal nothing). Read from the primary: a role
/// changed or a member removed a moment ago takes effect on the very next request.
pub async fn actor(work: &Work, user_id: Uuid, account_id: Uuid) -> Result<Actor, AccountsError> {
    work.read_latest(&Scope::account(account_id).with_user(user_id), |conn, _| {
        Box::pin(actor_in(conn, user_id, account_id))
    })
    .await?
    .ok_or(AccountsError::NotAMember)
}

async fn actor_in(
    conn: &mut PgConnection,
    user_id: Uuid,
    account_id: Uuid,
) -> Result<Option<Actor>, sqlx::Error> {
    let row: Option<(String, String, bool, String, String)> = sqlx::query_as(
        "SELECT u.name, u.email, u.email_verified_at IS NOT NULL, a.name, m.role
           FROM memberships m
           JOIN accounts a ON a.id = m.account_id
           JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND m.user_id = $2",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    row.map(|(name, email, email_verified, account_name, role)| {
        Ok(Actor {
            user_id,
            name,
            email,
            email_verified,
            account_id,
            account_name,
            role: parse_role(&role)?,
        })
    })
    .transpose()
}

/// Every account the user belongs to, by name.
pub async fn accounts(work: &Work, user_id: Uuid) -> Result<Vec<AccountView>, AccountsError> {
    let rows = work
        .read(&Scope::user(user_id), |conn, _| {
            Box::pin(account_rows(conn, user_id))
        })
        .await?;
    account_views(rows)
}

/// [`accounts`] as the primary has them now: for deciding where the user may act (a
/// membership removed a moment ago must not be offered).
pub async fn current_accounts(
    work: &Work,
    user_id: Uuid,
) -> Result<Vec<AccountView>, AccountsError> {
    let rows = work
        .read_latest(&Scope::user(user_id), |conn, _| {
            Box::pin(account_rows(conn, user_id))
        })
        .await?;
    account_views(rows)
}

async fn account_rows(
    conn: &mut PgConnection,
    user_id: Uuid,
) -> Result<Vec<(Uuid, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.name, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id
          WHERE m.user_id = $1 ORDER BY lower(a.name), a.id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
}

fn account_views(rows: Vec<(Uuid, String, String)>) -> Result<Vec<AccountView>, AccountsError> {
    rows.into_iter()
        .map(|(id, name, role)| {
            Ok(AccountView {
                id: id.to_string(),
                name,
                role: parse_role(&role)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AccountsError::from)
}

/// What the page frame shows: the person, the current account, the others.
pub async fn session_view(work: &Work, actor: &Actor) -> Result<SessionView, AccountsError> {
    Ok(SessionView {
        user: UserView {
            id: actor.user_id.to_string(),
            name: actor.name.clone(),
            email: actor.email.clone(),
            email_verified: actor.email_verified,
        },
        account: AccountView {
            id: actor.account_id.to_string(),
            name: actor.account_name.clone(),
            role: actor.role,
        },
        accounts: accounts(work, actor.user_id).await?,
    })
}

/// A further account owned by the user.
pub async fn create_account(
    work: &Work,
    user_id: Uuid,
    name: &str,
    ip: ClientIp,
) -> Result<Uuid, AccountsError> {
    if let Err(message) = fields::account_name(name) {
        return Err(AccountsError::Invalid(FieldErrors::single("name", message)));
    }
    let account_id = Uuid::new_v4();
    let mut tx = work
        .write(&Scope::account(account_id).with_user(user_id))
        .await?;
    let email: String = sqlx::query_scalar("SELECT email_normalized FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AccountsError::NotSignedIn)?;
    users::create_account_in(&mut tx, account_id, name.trim(), (user_id, &email), ip).await?;
    tx.commit().await?;
    Ok(account_id)
}

pub async fn members(work: &Work, actor: &Actor) -> Result<Vec<MemberView>, AccountsError> {
    actor.require(
        Capability::Participate,
        "Only members can see who else is in this account.",
    )?;
    let rows: Vec<(Uuid, String, String, String, chrono::DateTime<chrono::Utc>)> = work
        .read(&actor.scope(), |conn, _| Box::pin(async move {
            sqlx::query_as(
                "SELECT u.id, u.name, u.email, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
                  WHERE m.account_id = $1 ORDER BY lower(u.name), u.id",
            )
            .bind(actor.account_id)
            .fetch_all(conn)
            .await
        }))
        .await?;
    rows.into_iter()
        .map(|(user_id, name, email, role, joined_at)| {
            Ok(MemberView {
                user_id: user_id.to_string(),
                name,
                email,
                role: parse_role(&role)?,
                joined_at,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AccountsError::from)
}

/// The member's current role and the account's owner count, with the owners' rows
/// locked so two owners cannot demote each other at the same moment.
async fn locked_membership(
    conn: &mut PgConnection,
    account_id: Uuid,
    user_id: Uuid,
) -> Result<(Role, String, usize), AccountsError> {
    let owners: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE account_id = $1 AND role = 'owner' ORDER BY user_id FOR UPDATE",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT m.role, u.email FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND m.user_id = $2 FOR UPDATE OF m",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (role, email) = row.ok_or(AccountsError::NotFound)?;
    Ok((parse_role(&role)?, email, owners.len()))
}

pub async fn change_role(
    work: &Work,
    actor: &Actor,
    member: Uuid,
    role: Role,
    ip: ClientIp,
) -> Result<(), AccountsError> {
    actor.require(
        Capability::ManageMembers,
        "Only owners and admins can change roles.",
    )?;
    let mut tx = work.write(&actor.scope()).await?;
    let (from, email, owners) = locked_membership(&mut tx, actor.account_id, member).await?;
    if from == role {
        return Ok(());
    }
    actor.role.may_change(from, Some(role), owners)?;
    sqlx::query("UPDATE memberships SET role = $3 WHERE account_id = $1 AND user_id = $2")
        .bind(actor.account_id)
        .bind(member)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Entry::by(
            actor,
            Action::RoleChanged,
            Some(&email),
            Some(format!("{from} → {role}")),
            ip,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member; a member may also remove themselves (leave), except the last owner.
pub async fn remove_member(
    work: &Work,
    actor: &Actor,
    member: Uuid,
    ip: ClientIp,
) -> Result<(), AccountsError> {
    let leaving = member == actor.user_id;
    if !leaving {
        actor.require(
            Capability::ManageMembers,
            "Only owners and admins can remove members.",
        )?;
    }
    let mut tx = work.write(&actor.scope()).await?;
    let (from, email, owners) = locked_membership(&mut tx, actor.account_id, member).await?;
    if leaving {
        if from == Role::Owner && owners <= 1 {
            return Err(muster_domain::accounts::RoleChangeRefusal::LastOwner.into());
        }
    } else {
        actor.role.may_change(from, None, owners)?;
    }
    sqlx::query("DELETE FROM memberships WHERE account_id = $1 AND user_id = $2")
        .bind(actor.account_id)
        .bind(member)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Entry::by(
            actor,
            if leaving {
                Action::MemberLeft
            } else {
                Action::MemberRemoved
            },
            Some(&email),
            Some(format!("was {from}")),
            ip,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
