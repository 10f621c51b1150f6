//! The four roles a member can hold in an account, and what each may do.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// A member's role in one account, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Builder,
    Member,
}

/// Something a role may or may not do. Every route and server function asks for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Run apps and take part in projects.
    Participate,
    /// Build apps and plans.
    Build,
    /// Invite people, change roles, remove members.
    ManageMembers,
    /// Read the account's audit log.
    ViewAuditLog,
}

/// Why a role change or removal is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RoleChangeRefusal {
    #[error("Only owners and admins can manage members.")]
    NotAManager,
    #[error("Only an owner can make someone an owner or change an owner's role.")]
    OwnersOnly,
    #[error("The account must keep at least one owner: make someone else an owner first.")]
    LastOwner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Builder, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Builder => "builder",
            Role::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Builder => "Builder",
            Role::Member => "Member",
        }
    }

    /// One line for people choosing a role.
    pub fn description(self) -> &'static str {
        match self {
            Role::Owner => "Everything, including managing owners.",
            Role::Admin => "Manages members and reads the audit log; builds apps and plans.",
            Role::Builder => "Builds apps and plans.",
            Role::Member => "Runs apps and takes part in projects.",
        }
    }

    pub fn can(self, capability: Capability) -> bool {
        match capability {
            Capability::Participate => true,
            Capability::Build => matches!(self, Role::Owner | Role::Admin | Role::Builder),
            Capability::ManageMembers | Capability::ViewAuditLog => {
                matches!(self, Role::Owner | Role::Admin)
            }
        }
    }

    /// Whether `self` may give someone who now holds `from` the role `to` (`to: None`
    /// removes them). `owners` is how many owners the account has now.
    pub fn may_change(
        self,
        from: Role,
        to: Option<Role>,
        owners: usize,
    ) -> Result<(), RoleChangeRefusal> {
        if !self.can(Capability::ManageMembers) {
            return Err(RoleChangeRefusal::NotAManager);
        }
        let touches_owner = from == Role::Owner || to == Some(Role::Owner);
        if touches_owner && self != Role::Owner {
            return Err(RoleChangeRefusal::OwnersOnly);
        }
        if from == Role::Owner && to != Some(Role::Owner) && owners <= 1 {
            return Err(RoleChangeRefusal::LastOwner);
        }
        Ok(())
    }

    /// Whether `self` may invite someone with `role`.
    pub fn may_invite(self, role: Role) -> Result<(), RoleChangeRefusal> {
        if !self.can(Capability::ManageMembers) {
            return Err(RoleChangeRefusal::NotAManager);
        }
        if role == Role::Owner && self != Role::Owner {
            return Err(RoleChangeRefusal::OwnersOnly);
        }
        Ok(())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a role: choose owner, admin, builder or member")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_follow_the_role_ladder() {
        let table = [
            (Role::Owner, [true, true, true, true]),
            (Role::Admin, [true, true, true, true]),
            (Role::Builder, [true, true, false, false]),
            (Role::Member, [true, false, false, false]),
        ];
        let caps = [
            Capability::Participate,
            Capability::Build,
            Capability::ManageMembers,
            Capability::ViewAuditLog,
        ];
        for (role, expected) in table {
            for (cap, allowed) in caps.iter().zip(expected) {
                assert_eq!(role.can(*cap), allowed, "{role} {cap:?}");
            }
        }
    }

    #[test]
    fn the_last_owner_cannot_be_demoted_or_removed() {
        assert_eq!(
            Role::Owner.may_change(Role::Owner, Some(Role::Admin), 1),
            Err(RoleChangeRefusal::LastOwner)
        );
        assert_eq!(
            Role::Owner.may_change(Role::Owner, None, 1),
            Err(RoleChangeRefusal::LastOwner)
        );
        assert_eq!(Role::Owner.may_change(Role::Owner, None, 2), Ok(()));
    }

    #[test]
    fn admins_cannot_touch_owners_and_members_cannot_manage() {
        assert_eq!(
            Role::Admin.may_change(Role::Member, Some(Role::Owner), 1),
            Err(RoleChangeRefusal::OwnersOnly)
        );
        assert_eq!(
            Role::Admin.may_change(Role::Owner, Some(Role::Member), 2),
            Err(RoleChangeRefusal::OwnersOnly)
        );
        assert_eq!(
            Role::Admin.may_change(Role::Member, Some(Role::Builder), 1),
            Ok(())
        );
        assert_eq!(
            Role::Builder.may_change(Role::Member, None, 1),
            Err(RoleChangeRefusal::NotAManager)
        );
        assert_eq!(
            Role::Admin.may_invite(Role::Owner),
            Err(RoleChangeRefusal::OwnersOnly)
        );
        assert_eq!(Role::Owner.may_invite(Role::Owner), Ok(()));
        assert_eq!(
            Role::Member.may_invite(Role::Member),
            Err(RoleChangeRefusal::NotAManager)
        );
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("superuser".parse::<Role>().is_err());
    }
}
