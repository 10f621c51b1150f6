//! The account's roles (specialist functions) and locations, shared by all its projects.
//! Builders and up add and change them; every member sees them.

use muster_accounts::Actor;
use muster_domain::{
    accounts::{Capability, FieldErrors},
    plans::{
        activity::check_name,
        staffing::Point,
        views::{LocationView, RoleView},
    },
};
use muster_platform::Work;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{access::BUILDERS_ONLY, error::invalid, PlansError};

const DUPLICATE_ROLE: &str = "There is already a role with this name.";

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

pub async fn create_role(work: &Work, actor: &Actor, name: &str) -> Result<RoleView, PlansError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    check_name(name, "role").map_err(|message| invalid("name", message))?;
    let id = Uuid::new_v4();
    let mut tx = work.write(&actor.scope()).await?;
    let inserted = sqlx::query("INSERT INTO plan_roles (id, account_id, name) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(actor.account_id)
        .bind(name.trim())
        .execute(&mut *tx)
        .await;
    match inserted {
        Err(error) if is_unique_violation(&error) => return Err(invalid("name", DUPLICATE_ROLE)),
        other => other?,
    };
    tx.commit().await?;
    Ok(RoleView {
        id: id.to_string(),
        name: name.trim().to_owned(),
    })
}

pub async fn rename_role(
    work: &Work,
    actor: &Actor,
    role: Uuid,
    name: &str,
) -> Result<(), PlansError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    check_name(name, "role").map_err(|message| invalid("name", message))?;
    let mut tx = work.write(&actor.scope()).await?;
    let updated = sqlx::query("UPDATE plan_roles SET name = $2 WHERE id = $1")
        .bind(role)
        .bind(name.trim())
        .execute(&mut *tx)
        .await;
    let updated = match updated {
        Err(error) if is_unique_violation(&error) => return Err(invalid("name", DUPLICATE_ROLE)),
        other => other?,
    };
    if updated.rows_affected() == 0 {
        return Err(PlansError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

pub async fn roles(work: &Work, actor: &Actor) -> Result<Vec<RoleView>, PlansError> {
    actor.require(Capability::Participate, "Only members can see roles.")?;
    let rows: Vec<(Uuid, String)> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as("SELECT id, name FROM plan_roles ORDER BY lower(name), id")
                    .fetch_all(conn)
                    .await
            })
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| RoleView {
            id: id.to_string(),
            name,
        })
        .collect())
}

/// A location as its form sends it: coordinates typed or picked on the map, or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationInput {
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

fn check_location(input: &LocationInput) -> Result<Option<Point>, PlansError> {
    let mut errors = FieldErrors::new();
    errors.check("name", check_name(&input.name, "location"));
    if input.address.chars().count() > 500 {
        errors.add("address", "Keep the address to 500 characters.");
    }
    let point = match (input.latitude, input.longitude) {
        (None, None) => None,
        (Some(latitude), Some(longitude)) => {
            if !(-90.0..=90.0).contains(&latitude) || !latitude.is_finite() {
                errors.add("latitude", "Latitude is between -90 and 90 degrees.");
            }
            if !(-180.0..=180.0).contains(&longitude) || !longitude.is_finite() {
                errors.add("longitude", "Longitude is between -180 and 180 degrees.");
            }
            Some(Point {
                latitude,
                longitude,
            })
        }
        (None, Some(_)) => {
            errors.add("latitude", "Enter the latitude too, or neither.");
            None
        }
        (Some(_), None) => {
            errors.add("longitude", "Enter the longitude too, or neither.");
            None
        }
    };
    errors.into_result().map_err(PlansError::Invalid)?;
    Ok(point)
}

pub async fn create_location(
    work: &Work,
    actor: &Actor,
    input: &LocationInput,
) -> Result<LocationView, PlansError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let point = check_location(input)?;
    let id = Uuid::new_v4();
    let mut tx = work.write(&actor.scope()).await?;
    sqlx::query(
        "INSERT INTO locations (id, account_id, name, address, point)
         VALUES ($1, $2, $3, $4, CASE WHEN $5::float8 IS NULL THEN NULL
                                      ELSE ST_SetSRID(ST_MakePoint($6, $5), 4326)::geography END)",
    )
    .bind(id)
    .bind(actor.account_id)
    .bind(input.name.trim())
    .bind(input.address.trim())
    .bind(point.map(|p| p.latitude))
    .bind(point.map(|p| p.longitude))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(LocationView {
        id: id.to_string(),
        name: input.name.trim().to_owned(),
        address: input.address.trim().to_owned(),
        point,
    })
}

/// Changes a location; every plan with an activity there shows the change.
pub async fn update_location(
    work: &Work,
    actor: &Actor,
    location: Uuid,
    input: &LocationInput,
) -> Result<(), PlansError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let point = check_location(input)?;
    let mut tx = work.write(&actor.scope()).await?;
    let updated = sqlx::query(
        "UPDATE locations SET name = $2, address = $3,
                point = CASE WHEN $4::float8 IS NULL THEN NULL
                             ELSE ST_SetSRID(ST_MakePoint($5, $4), 4326)::geography END
          WHERE id = $1",
    )
    .bind(location)
    .bind(input.name.trim())
    .bind(input.address.trim())
    .bind(point.map(|p| p.latitude))
    .bind(point.map(|p| p.longitude))
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(PlansError::NotFound);
    }
    let projects: Vec<Uuid> =
        sqlx::query_scalar("SELECT DISTINCT project_id FROM activities WHERE location_id = $1")
            .bind(location)
            .fetch_all(&mut *tx)
            .await?;
    let position = tx.commit().await?;
    for project in projects {
        crate::events::changed(work, actor, project, position, None).await;
    }
    Ok(())
}

pub async fn locations(work: &Work, actor: &Actor) -> Result<Vec<LocationView>, PlansError> {
    actor.require(Capability::Participate, "Only members can see locations.")?;
    let rows: Vec<LocationRow> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT id, name, address, ST_Y(point::geometry), ST_X(point::geometry)
                       FROM locations ORDER BY lower(name), id",
                )
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    Ok(rows.into_iter().map(location_view).collect())
}

pub(crate) type LocationRow = (Uuid, String, String, Option<f64>, Option<f64>);

pub(crate) fn location_view((id, name, address, latitude, longitude): LocationRow) -> LocationView {
    LocationView {
        id: id.to_string(),
        name,
        address,
        point: latitude.zip(longitude).map(|(latitude, longitude)| Point {
            latitude,
            longitude,
        }),
    }
}
