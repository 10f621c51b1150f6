//! What crosses between the server and the plan pages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    activity::ProjectSpan,
    staffing::{CallInState, Conflict, Point, SlotCount},
    zone::ZoneWindow,
};

/// One project in the account's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    pub goal: String,
    pub time_zone: String,
    pub span: ProjectSpan,
    pub archived: bool,
    /// Whether the signed-in user is a member (or may see it as a builder).
    pub member: bool,
    pub activities: i64,
}

/// A project as its plan pages show it: everything needed to draw the list, the
/// timeline, the calendar, the map and the staffing board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub project: ProjectInfo,
    pub zone: ZoneWindow,
    pub roles: Vec<RoleView>,
    pub locations: Vec<LocationView>,
    pub members: Vec<MemberView>,
    pub activities: Vec<ActivityView>,
    /// Per role, the order in which members are offered open slots.
    pub rosters: Vec<Roster>,
    pub conflicts: Vec<PersonConflict>,
    /// The database position this view was read at (an LSN, as text).
    pub position: String,
    /// The map background the operator configured (not part of the cached plan).
    #[serde(default)]
    pub map: crate::maps::MapTiles,
    /// Who is looking (not part of the cached plan).
    #[serde(default)]
    pub viewer: Viewer,
    /// When the server answered: what an offline copy shows its age by.
    #[serde(default)]
    pub read_at: Option<DateTime<Utc>>,
}

/// The person a plan was read for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: String,
    pub name: String,
    /// May change the plan (an organiser, or an owner or admin of the account).
    pub organiser: bool,
}

impl PlanView {
    pub fn activity(&self, id: &str) -> Option<&ActivityView> {
        self.activities.iter().find(|a| a.id == id)
    }

    pub fn location(&self, id: &str) -> Option<&LocationView> {
        self.locations.iter().find(|l| l.id == id)
    }

    pub fn role(&self, id: &str) -> Option<&RoleView> {
        self.roles.iter().find(|r| r.id == id)
    }

    pub fn member(&self, user_id: &str) -> Option<&MemberView> {
        self.members.iter().find(|m| m.user_id == user_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectInfo {
    pub id: String,
    pub name: String,
    pub goal: String,
    pub time_zone: String,
    pub span: ProjectSpan,
    pub archived: bool,
    /// Once published, people already called in are told what changed for them.
    pub published_at: Option<DateTime<Utc>>,
    /// The speed assumed between locations when looking for conflicts.
    pub travel_kmh: f64,
    /// How long a called person has to answer before the slot is offered on.
    pub answer_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationView {
    pub id: String,
    pub name: String,
    pub address: String,
    pub point: Option<Point>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub name: String,
    /// Organisers change the plan; other members see it and answer their call-ins.
    pub organiser: bool,
    /// The roles (ids) they hold in this project.
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub role_id: String,
    pub user_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub id: String,
    pub name: String,
    pub location_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i64,
    /// Bumped by every change: a save based on an older version is a conflict.
    pub version: i32,
    pub tasks: Vec<TaskView>,
    pub needs: Vec<NeedView>,
    pub call_ins: Vec<CallInView>,
    /// Apps to be filled in at this activity.
    pub apps: Vec<LinkedApp>,
}

impl ActivityView {
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + chrono::Duration::minutes(self.duration_minutes)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: String,
    pub title: String,
    pub done: bool,
}

/// A line of the summoning plan and how far it is staffed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedView {
    pub id: String,
    pub role_id: String,
    pub count: i32,
    pub call_in_minutes: i64,
    pub slots: SlotCount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallInView {
    pub id: String,
    pub need_id: String,
    pub user_id: String,
    pub state: CallInState,
    pub summon_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedApp {
    pub app_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonConflict {
    pub user_id: String,
    pub conflict: Conflict,
}

/// The signed-in person's call-ins, as of `read_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyCallIns {
    pub read_at: DateTime<Utc>,
    pub call_ins: Vec<MyCallIn>,
}

/// A call-in as the called person sees it ("my call-ins").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyCallIn {
    pub id: String,
    pub project_id: String,
    pub project_name: String,
    pub activity_id: String,
    pub activity_name: String,
    pub role_name: String,
    pub location_name: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i64,
    /// The start in the project's zone, as the project shows it.
    pub starts_local: String,
    pub summon_at: DateTime<Utc>,
    pub state: CallInState,
}

/// A save of an activity refused because someone saved it first: their values, for the
/// person to merge or overwrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditConflict {
    pub current: ActivityView,
    pub saved_by: Option<String>,
}

/// What members' screens hear on `plan:{project}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PlanEvent {
    /// The plan changed (`activity`: the one that changed, if one did): refetch it at
    /// the event's position.
    Changed {
        activity: Option<String>,
        by: String,
        by_user: String,
    },
    /// `client` (one browser tab of `by`) is looking at the plan, editing an activity, or
    /// leaving. Sent again every half minute while they stay.
    Presence {
        client: String,
        by: String,
        by_user: String,
        editing: Option<String>,
        leaving: bool,
    },
}

/// Something Muster told a person (a call-in, a change, an alert).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// Apps a person is due to fill in at an activity they are called to now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueApps {
    pub activity_id: String,
    pub activity_name: String,
    pub project_name: String,
    pub starts_local: String,
    pub apps: Vec<LinkedApp>,
}

/// A submission made at an activity, as the activity page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivitySubmission {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub submitted_by: Option<String>,
    pub received_at: DateTime<Utc>,
    pub status: String,
}
