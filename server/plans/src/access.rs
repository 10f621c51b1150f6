//! Who may see and change a project. Members see it; its organisers change it; the
//! account's owners and admins see and change every project of the account. To
//! anyone else a project does not exist (not found, never "forbidden", so its name and
//! existence do not leak).
//!
//! Decided on the primary ([`muster_platform::Work::read_latest`]): someone removed from
//! a project loses it at once, not when a replica catches up.

use muster_accounts::Actor;
use muster_domain::accounts::Capability;
use muster_platform::Work;
use uuid::Uuid;

use crate::PlansError;

pub(crate) const ORGANISERS_ONLY: &str =
    "Only the project's organisers (and the organisation's admins and owners) can change the plan.";
pub(crate) const BUILDERS_ONLY: &str =
    "Only builders, admins and owners can create projects, roles and locations.";

/// How the caller stands towards one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub project_id: Uuid,
    /// A member of the project (as opposed to an admin looking in).
    pub member: bool,
    pub organiser: bool,
    pub archived: bool,
}

impl Access {
    pub fn require_organiser(&self) -> Result<(), PlansError> {
        if self.organiser {
            Ok(())
        } else {
            Err(PlansError::Forbidden(ORGANISERS_ONLY.to_owned()))
        }
    }

    /// An organiser changing a plan that is not archived.
    pub fn require_editable(&self) -> Result<(), PlansError> {
        self.require_organiser()?;
        if self.archived {
            Err(PlansError::Forbidden(
                "This project is archived: bring it back from the archive to change its plan."
                    .to_owned(),
            ))
        } else {
            Ok(())
        }
    }
}

/// Owners and admins manage every project of their account.
pub(crate) fn manages_all(actor: &Actor) -> bool {
    actor.role.can(Capability::ManageMembers)
}

/// The caller's standing in `project`, or not found.
pub async fn access(work: &Work, actor: &Actor, project: Uuid) -> Result<Access, PlansError> {
    let user = actor.user_id;
    let row: Option<(Option<bool>, bool)> = work
        .read_latest(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT m.organiser, p.archived_at IS NOT NULL FROM projects p
                       LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $2
                      WHERE p.id = $1",
                )
                .bind(project)
                .bind(user)
                .fetch_optional(conn)
                .await
            })
        })
        .await?;
    let Some((organiser, archived)) = row else {
        return Err(PlansError::NotFound);
    };
    let all = manages_all(actor);
    match organiser {
        Some(organiser) => Ok(Access {
            project_id: project,
            member: true,
            organiser: organiser || all,
            archived,
        }),
        None if all => Ok(Access {
            project_id: project,
            member: false,
            organiser: true,
            archived,
        }),
        None => Err(PlansError::NotFound),
    }
}

/// Whether the caller may follow `plan:{project}` live (checked at every subscribe).
pub async fn may_follow(work: &Work, actor: &Actor, project: Uuid) -> Result<(), PlansError> {
    access(work, actor, project).await.map(|_| ())
}
