//! Who takes part in a project, as what: members come from the account's people, are
//! given roles per project, and each role's members are kept in the order the organiser
//! offers open slots in.

use muster_accounts::Actor;
use muster_platform::Work;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{access::access, error::invalid, events, PlansError};

const NOT_IN_ACCOUNT: &str = "This person is not a member of the organisation: invite them first.";

fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("23503"))
}

/// Adds `user` (a member of the account) to the project, or changes whether they
/// organise it.
pub async fn add_member(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    user: Uuid,
    organiser: bool,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    let added = sqlx::query(
        "INSERT INTO project_members (project_id, account_id, user_id, organiser) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, user_id) DO UPDATE SET organiser = EXCLUDED.organiser",
    )
    .bind(project)
    .bind(actor.account_id)
    .bind(user)
    .bind(organiser)
    .execute(&mut *tx)
    .await;
    match added {
        Err(error) if is_foreign_key_violation(&error) => {
            return Err(invalid("user_id", NOT_IN_ACCOUNT))
        }
        other => other?,
    };
    keeps_an_organiser(&mut tx, project, "organiser").await?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, None).await;
    Ok(())
}

/// A project keeps at least one organiser: a change that leaves none is refused (as a
/// problem with `field`) before it commits.
async fn keeps_an_organiser(
    tx: &mut PgConnection,
    project: Uuid,
    field: &str,
) -> Result<(), PlansError> {
    let organisers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM project_members WHERE project_id = $1 AND organiser",
    )
    .bind(project)
    .fetch_one(&mut *tx)
    .await?;
    if organisers == 0 {
        return Err(invalid(
            field,
            "A project needs at least one organiser: make someone else one first.",
        ));
    }
    Ok(())
}

/// Removes `user` from the project; their call-ins in it go with them.
pub async fn remove_member(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    user: Uuid,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    let removed = sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND user_id = $2")
        .bind(project)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(PlansError::NotFound);
    }
    keeps_an_organiser(&mut tx, project, "user_id").await?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, None).await;
    Ok(())
}

/// Gives `user` exactly `roles` in the project. A role they newly hold puts them last
/// in that role's order.
pub async fn set_roles(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    user: Uuid,
    roles: &[Uuid],
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    let member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM project_members WHERE project_id = $1 AND user_id = $2)",
    )
    .bind(project)
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    if !member {
        return Err(invalid("user_id", "Add this person to the project first."));
    }
    sqlx::query("DELETE FROM project_member_roles WHERE project_id = $1 AND user_id = $2 AND NOT (role_id = ANY($3))")
        .bind(project)
        .bind(user)
        .bind(roles)
        .execute(&mut *tx)
        .await?;
    for role in roles {
        let added = sqlx::query(
            "INSERT INTO project_member_roles (project_id, account_id, user_id, role_id, position)
             SELECT $1, $2, $3, $4, coalesce(max(position), 0) + 1
               FROM project_member_roles WHERE project_id = $1 AND role_id = $4
             ON CONFLICT (project_id, role_id, user_id) DO NOTHING",
        )
        .bind(project)
        .bind(actor.account_id)
        .bind(user)
        .bind(role)
        .execute(&mut *tx)
        .await;
        match added {
            Err(error) if is_foreign_key_violation(&error) => {
                return Err(invalid(
                    "roles",
                    "One of these roles does not exist (any more): reload the page.",
                ))
            }
            other => other?,
        };
    }
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, None).await;
    Ok(())
}

/// Sets the order in which `role`'s members are offered open slots: `users` first to
/// last. Every holder of the role must be listed, and no one else.
pub async fn order_role(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    role: Uuid,
    users: &[Uuid],
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    let mut holders: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM project_member_roles WHERE project_id = $1 AND role_id = $2 FOR UPDATE",
    )
    .bind(project)
    .bind(role)
    .fetch_all(&mut *tx)
    .await?;
    let mut listed = users.to_vec();
    holders.sort();
    listed.sort();
    listed.dedup();
    if holders != listed || listed.len() != users.len() {
        return Err(invalid(
            "order",
            "The order must list everyone who holds this role, once each: reload the page and try again.",
        ));
    }
    for (index, user) in users.iter().enumerate() {
        sqlx::query("UPDATE project_member_roles SET position = $4 WHERE project_id = $1 AND role_id = $2 AND user_id = $3")
            .bind(project)
            .bind(role)
            .bind(user)
            .bind(index as i32 + 1)
            .execute(&mut *tx)
            .await?;
    }
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, None).await;
    Ok(())
}
