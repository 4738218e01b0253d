//! A branch's contact person over the API: adapters over [`crate::app::contacts`].

use crate::app::contacts::{self as app, GuidanceInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use serde::Serialize;
use utoipa::ToSchema;

/// A guidance visit.
#[derive(Serialize, ToSchema)]
pub struct GuidanceDto {
    pub on_day: String,
    pub contact: String,
    pub topics: String,
    pub advice: String,
}

/// One of the caller's branches and its progress.
#[derive(Serialize, ToSchema)]
pub struct BranchProgressDto {
    pub org_id: i64,
    pub name: String,
    pub tasks: i64,
    pub tasks_open: i64,
    /// [state's label, count].
    pub commitments: Vec<(String, i64)>,
    pub meetings_held: i64,
    pub meeting_periods_missed: i64,
    pub attendance_rate: Option<f64>,
    pub systems: Vec<String>,
    pub visits: Vec<GuidanceDto>,
}

pub async fn mine(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<BranchProgressDto>>> {
    let rows = app::mine(&s, &ctx.me()?.scope, ctx.lang).await?;
    Ok(Json(
        rows.into_iter()
            .map(|b| BranchProgressDto {
                org_id: b.node.id,
                name: b.node.name.clone(),
                tasks: b.tasks.len() as i64,
                tasks_open: b.tasks.iter().filter(|t| t.state() != pacesetter_domain::task::TaskState::Accepted).count() as i64,
                commitments: b.commitments.iter().map(|(l, n)| (l.to_string(), *n)).collect(),
                meetings_held: b.meetings.as_ref().map(|m| m.kinds.iter().map(|k| k.held).sum()).unwrap_or(0),
                meeting_periods_missed: b.meetings.as_ref().map(|m| m.missed() as i64).unwrap_or(0),
                attendance_rate: b.meetings.as_ref().and_then(|m| m.rate()),
                systems: b.systems.iter().map(|x| x.name.clone()).collect(),
                visits: b.visits.into_iter().map(|(d, contact, topics, advice)| GuidanceDto { on_day: iso(d), contact, topics, advice }).collect(),
            })
            .collect(),
    ))
}

/// The visit's id.
#[derive(Serialize, ToSchema)]
pub struct GuidanceCreated {
    pub id: i64,
}

pub async fn record(State(s): State<AppState>, ctx: Ctx, Json(b): Json<GuidanceInput>) -> AppResult<(StatusCode, Json<GuidanceCreated>)> {
    let id = app::record(&s, &ctx.me()?.scope, &b).await?;
    Ok((StatusCode::CREATED, Json(GuidanceCreated { id })))
}
