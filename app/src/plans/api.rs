//! Server functions of projects and plans. Structured inputs travel as JSON.

use chrono::{DateTime, Utc};
use leptos::{prelude::*, server_fn::codec::Json};
use muster_domain::plans::{
    activity::ActivityInput,
    staffing::CallInState,
    views::{ActivityView, LocationView, MyCallIn, Notice, PlanView, ProjectSummary, RoleView},
};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::{self, record_id, Caller};

/// A number typed in a form: nothing is `None`, anything else must be a number.
#[cfg(feature = "ssr")]
fn optional_number(field: &str, text: &str, what: &str) -> Result<Option<f64>, AppError> {
    let text = text.trim().replace(',', ".");
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<f64>().map(Some).map_err(|_| {
        AppError::Invalid(muster_domain::accounts::FieldErrors::single(
            field,
            format!("Enter {what} as a number."),
        ))
    })
}

/// Someone of the account who could join a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub user_id: String,
    pub name: String,
}

#[server(prefix = "/api", endpoint = "load_projects")]
pub async fn load_projects() -> Result<Vec<ProjectSummary>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::projects::list(&work, &actor).await?)
}

#[server(prefix = "/api", endpoint = "create_project")]
pub async fn create_project(
    name: String,
    goal: String,
    time_zone: String,
    starts_on: String,
    ends_on: String,
) -> Result<String, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    let input = muster_plans::projects::ProjectInput {
        name,
        goal,
        time_zone,
        starts_on,
        ends_on,
        travel_kmh: None,
        answer_minutes: None,
    };
    Ok(muster_plans::projects::create(&work, &actor, &input)
        .await?
        .to_string())
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "update_project")]
pub async fn update_project(
    project_id: String,
    name: String,
    goal: String,
    time_zone: String,
    starts_on: String,
    ends_on: String,
    travel_kmh: String,
    answer_minutes: String,
) -> Result<(), AppError> {
    let project_id = record_id(&project_id)?;
    let travel_kmh = optional_number("travel_kmh", &travel_kmh, "the travel speed")?;
    let answer_minutes =
        optional_number("answer_minutes", &answer_minutes, "the minutes to answer")?
            .map(|m| m as i64);
    let Caller { work, actor, .. } = request::caller().await?;
    let input = muster_plans::projects::ProjectInput {
        name,
        goal,
        time_zone,
        starts_on,
        ends_on,
        travel_kmh,
        answer_minutes,
    };
    Ok(muster_plans::projects::update(&work, &actor, project_id, &input).await?)
}

#[server(prefix = "/api", endpoint = "archive_project")]
pub async fn archive_project(project_id: String, archived: bool) -> Result<(), AppError> {
    let project_id = record_id(&project_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::projects::set_archived(&work, &actor, project_id, archived).await?)
}

#[server(prefix = "/api", endpoint = "publish_plan")]
pub async fn publish_plan(project_id: String) -> Result<(), AppError> {
    let project_id = record_id(&project_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::projects::publish(&work, &actor, project_id).await?)
}

/// The whole plan of a project.
#[server(prefix = "/api", endpoint = "load_plan")]
pub async fn load_plan(project_id: String) -> Result<PlanView, AppError> {
    let project_id = record_id(&project_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::plan::plan(&work, &actor, project_id).await?)
}

#[server(prefix = "/api", endpoint = "load_time_zones")]
pub async fn load_time_zones() -> Result<Vec<String>, AppError> {
    Ok(muster_plans::zone::names()
        .into_iter()
        .map(str::to_owned)
        .collect())
}

#[server(prefix = "/api", endpoint = "load_roles")]
pub async fn load_roles() -> Result<Vec<RoleView>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::catalog::roles(&work, &actor).await?)
}

#[server(prefix = "/api", endpoint = "create_role")]
pub async fn create_role(name: String) -> Result<RoleView, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::catalog::create_role(&work, &actor, &name).await?)
}

#[server(prefix = "/api", endpoint = "rename_role")]
pub async fn rename_role(role_id: String, name: String) -> Result<(), AppError> {
    let role_id = record_id(&role_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::catalog::rename_role(&work, &actor, role_id, &name).await?)
}

#[server(prefix = "/api", endpoint = "load_locations")]
pub async fn load_locations() -> Result<Vec<LocationView>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::catalog::locations(&work, &actor).await?)
}

#[server(prefix = "/api", endpoint = "create_location")]
pub async fn create_location(
    name: String,
    address: String,
    latitude: String,
    longitude: String,
) -> Result<LocationView, AppError> {
    let input = muster_plans::catalog::LocationInput {
        name,
        address,
        latitude: optional_number("latitude", &latitude, "the latitude")?,
        longitude: optional_number("longitude", &longitude, "the longitude")?,
    };
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::catalog::create_location(&work, &actor, &input).await?)
}

#[server(prefix = "/api", endpoint = "update_location")]
pub async fn update_location(
    location_id: String,
    name: String,
    address: String,
    latitude: String,
    longitude: String,
) -> Result<(), AppError> {
    let location_id = record_id(&location_id)?;
    let input = muster_plans::catalog::LocationInput {
        name,
        address,
        latitude: optional_number("latitude", &latitude, "the latitude")?,
        longitude: optional_number("longitude", &longitude, "the longitude")?,
    };
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::catalog::update_location(&work, &actor, location_id, &input).await?)
}

/// The account's people, to add to a project.
#[server(prefix = "/api", endpoint = "load_people")]
pub async fn load_people() -> Result<Vec<Person>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    let members = muster_accounts::members::members(&work, &actor).await?;
    Ok(members
        .into_iter()
        .map(|m| Person {
            user_id: m.user_id,
            name: m.name,
        })
        .collect())
}

/// Adds someone to a project; `organiser` is a checkbox's value ("true", or absent).
#[server(prefix = "/api", endpoint = "add_project_member")]
pub async fn add_project_member(
    project_id: String,
    user_id: String,
    organiser: Option<String>,
) -> Result<(), AppError> {
    let (project_id, user_id) = (record_id(&project_id)?, record_id(&user_id)?);
    let organiser = organiser.is_some_and(|value| value == "true" || value == "on");
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::members::add_member(&work, &actor, project_id, user_id, organiser).await?)
}

#[server(prefix = "/api", endpoint = "remove_project_member")]
pub async fn remove_project_member(project_id: String, user_id: String) -> Result<(), AppError> {
    let (project_id, user_id) = (record_id(&project_id)?, record_id(&user_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::members::remove_member(&work, &actor, project_id, user_id).await?)
}

#[server(prefix = "/api", endpoint = "set_member_roles", input = Json)]
pub async fn set_member_roles(
    project_id: String,
    user_id: String,
    role_ids: Vec<String>,
) -> Result<(), AppError> {
    let (project_id, user_id) = (record_id(&project_id)?, record_id(&user_id)?);
    let roles = request::record_ids(&role_ids)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::members::set_roles(&work, &actor, project_id, user_id, &roles).await?)
}

#[server(prefix = "/api", endpoint = "order_role", input = Json)]
pub async fn order_role(
    project_id: String,
    role_id: String,
    user_ids: Vec<String>,
) -> Result<(), AppError> {
    let (project_id, role_id) = (record_id(&project_id)?, record_id(&role_id)?);
    let users = request::record_ids(&user_ids)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::members::order_role(&work, &actor, project_id, role_id, &users).await?)
}

#[server(prefix = "/api", endpoint = "create_activity", input = Json)]
pub async fn create_activity(
    project_id: String,
    activity: ActivityInput,
) -> Result<String, AppError> {
    let project_id = record_id(&project_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(
        muster_plans::activities::create(&work, &actor, project_id, &activity)
            .await?
            .to_string(),
    )
}

#[server(prefix = "/api", endpoint = "update_activity", input = Json)]
pub async fn update_activity(
    project_id: String,
    activity_id: String,
    activity: ActivityInput,
    base_version: i32,
) -> Result<ActivityView, AppError> {
    let (project_id, activity_id) = (record_id(&project_id)?, record_id(&activity_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::activities::update(
        &work,
        &actor,
        project_id,
        activity_id,
        &activity,
        base_version,
    )
    .await?)
}

/// Moves or resizes an activity (the timeline's drag), times in UTC.
#[server(prefix = "/api", endpoint = "reschedule_activity", input = Json)]
pub async fn reschedule_activity(
    project_id: String,
    activity_id: String,
    starts_at: DateTime<Utc>,
    duration_minutes: i64,
    base_version: i32,
) -> Result<ActivityView, AppError> {
    let (project_id, activity_id) = (record_id(&project_id)?, record_id(&activity_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::activities::reschedule(
        &work,
        &actor,
        project_id,
        activity_id,
        starts_at,
        duration_minutes,
        base_version,
    )
    .await?)
}

#[server(prefix = "/api", endpoint = "delete_activity")]
pub async fn delete_activity(
    project_id: String,
    activity_id: String,
    base_version: i32,
) -> Result<(), AppError> {
    let (project_id, activity_id) = (record_id(&project_id)?, record_id(&activity_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(
        muster_plans::activities::delete(&work, &actor, project_id, activity_id, base_version)
            .await?,
    )
}

/// Adds or changes the summoning plan's line for `role_id` (numbers as typed).
#[server(prefix = "/api", endpoint = "set_need")]
pub async fn set_need(
    project_id: String,
    activity_id: String,
    role_id: String,
    count: String,
    call_in_minutes: String,
    base_version: i32,
) -> Result<ActivityView, AppError> {
    let (project_id, activity_id) = (record_id(&project_id)?, record_id(&activity_id)?);
    let whole = |field: &str, text: &str| -> Result<i64, AppError> {
        text.trim().parse::<i64>().map_err(|_| {
            AppError::Invalid(muster_domain::accounts::FieldErrors::single(
                field,
                "Enter a whole number.",
            ))
        })
    };
    let need = muster_domain::plans::activity::NeedInput {
        role_id,
        count: whole("count", &count)?.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        call_in_minutes: whole("call_in_minutes", &call_in_minutes)?,
    };
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::activities::set_need(
        &work,
        &actor,
        project_id,
        activity_id,
        &need,
        base_version,
    )
    .await?)
}

#[server(prefix = "/api", endpoint = "remove_need")]
pub async fn remove_need(
    project_id: String,
    activity_id: String,
    need_id: String,
    base_version: i32,
) -> Result<ActivityView, AppError> {
    let (project_id, activity_id, need_id) = (
        record_id(&project_id)?,
        record_id(&activity_id)?,
        record_id(&need_id)?,
    );
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::activities::remove_need(
        &work,
        &actor,
        project_id,
        activity_id,
        need_id,
        base_version,
    )
    .await?)
}

#[server(prefix = "/api", endpoint = "add_task")]
pub async fn add_task(
    project_id: String,
    activity_id: String,
    title: String,
) -> Result<(), AppError> {
    let (project_id, activity_id) = (record_id(&project_id)?, record_id(&activity_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::activities::add_task(&work, &actor, project_id, activity_id, &title).await?)
}

#[server(prefix = "/api", endpoint = "set_task_done")]
pub async fn set_task_done(
    project_id: String,
    task_id: String,
    done: bool,
) -> Result<(), AppError> {
    let (project_id, task_id) = (record_id(&project_id)?, record_id(&task_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::activities::set_task_done(&work, &actor, project_id, task_id, done).await?)
}

#[server(prefix = "/api", endpoint = "remove_task")]
pub async fn remove_task(project_id: String, task_id: String) -> Result<(), AppError> {
    let (project_id, task_id) = (record_id(&project_id)?, record_id(&task_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::activities::remove_task(&work, &actor, project_id, task_id).await?)
}

#[server(prefix = "/api", endpoint = "call_person")]
pub async fn call_person(
    project_id: String,
    need_id: String,
    user_id: String,
) -> Result<(), AppError> {
    let (project_id, need_id, user_id) = (
        record_id(&project_id)?,
        record_id(&need_id)?,
        record_id(&user_id)?,
    );
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::callins::call(&work, &actor, project_id, need_id, user_id).await?)
}

#[server(prefix = "/api", endpoint = "fill_open_slots")]
pub async fn fill_open_slots(project_id: String, activity_id: String) -> Result<usize, AppError> {
    let (project_id, activity_id) = (record_id(&project_id)?, record_id(&activity_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::callins::fill_open(&work, &actor, project_id, activity_id).await?)
}

#[server(prefix = "/api", endpoint = "withdraw_call_in")]
pub async fn withdraw_call_in(project_id: String, call_in_id: String) -> Result<(), AppError> {
    let (project_id, call_in_id) = (record_id(&project_id)?, record_id(&call_in_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::callins::withdraw(&work, &actor, project_id, call_in_id).await?)
}

#[server(prefix = "/api", endpoint = "answer_call_in")]
pub async fn answer_call_in(call_in_id: String, accept: bool) -> Result<CallInState, AppError> {
    let call_in_id = record_id(&call_in_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::callins::answer(&work, &actor, call_in_id, accept).await?)
}

#[server(prefix = "/api", endpoint = "load_my_call_ins")]
pub async fn load_my_call_ins() -> Result<muster_domain::plans::views::MyCallIns, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_domain::plans::views::MyCallIns {
        read_at: chrono::Utc::now(),
        call_ins: muster_plans::mine::my_call_ins(&work, &actor).await?,
    })
}

#[server(prefix = "/api", endpoint = "load_call_in")]
pub async fn load_call_in(call_in_id: String) -> Result<MyCallIn, AppError> {
    let call_in_id = record_id(&call_in_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::mine::my_call_in(&work, &actor, call_in_id).await?)
}

#[server(prefix = "/api", endpoint = "load_notices")]
pub async fn load_notices() -> Result<Vec<Notice>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::notices(&work, &actor).await?)
}

#[server(prefix = "/api", endpoint = "link_app")]
pub async fn link_app(
    project_id: String,
    activity_id: String,
    app_id: String,
    linked: bool,
) -> Result<(), AppError> {
    let (project_id, activity_id, app_id) = (
        record_id(&project_id)?,
        record_id(&activity_id)?,
        record_id(&app_id)?,
    );
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(
        muster_plans::activities::link_app(&work, &actor, project_id, activity_id, app_id, linked)
            .await?,
    )
}

/// This tab is looking at the plan (editing `editing`), or leaving it.
#[server(prefix = "/api", endpoint = "plan_presence")]
pub async fn plan_presence(
    project_id: String,
    client: String,
    editing: Option<String>,
    leaving: bool,
) -> Result<(), AppError> {
    let project_id = record_id(&project_id)?;
    let editing = editing.as_deref().map(record_id).transpose()?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(
        muster_plans::events::presence(&work, &actor, project_id, &client, editing, leaving)
            .await?,
    )
}

/// The map background the operator configured.
#[server(prefix = "/api", endpoint = "load_map_tiles")]
pub async fn load_map_tiles() -> Result<muster_domain::maps::MapTiles, AppError> {
    let Caller { work, .. } = request::caller().await?;
    Ok(muster_domain::maps::MapTiles {
        url: work.config.map.tile_url.clone(),
        attribution: work.config.map.attribution.clone(),
        max_zoom: work.config.map.max_zoom,
    })
}

/// What the caller is due to fill in at the activities they are called to now.
#[server(prefix = "/api", endpoint = "load_due_apps")]
pub async fn load_due_apps() -> Result<Vec<muster_domain::plans::views::DueApps>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::mine::due_apps(&work, &actor, chrono::Utc::now()).await?)
}

#[server(prefix = "/api", endpoint = "load_activity_submissions")]
pub async fn load_activity_submissions(
    project_id: String,
    activity_id: String,
) -> Result<Vec<muster_domain::plans::views::ActivitySubmission>, AppError> {
    let (project_id, activity_id) = (record_id(&project_id)?, record_id(&activity_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_plans::activities::submissions(&work, &actor, project_id, activity_id).await?)
}
