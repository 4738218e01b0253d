//! The disposal of unqualified members over the API: adapters over [`crate::app::disposals`].

use crate::app::disposals::{self as app, CloseInput, FollowUpInput, OpenInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use pacesetter_store::disposal::CaseRow;
use serde::Serialize;
use utoipa::ToSchema;

/// A follow-up of a case.
#[derive(Serialize, ToSchema)]
pub struct FollowUpDto {
    pub on_day: String,
    pub note: String,
}

/// A disposal case.
#[derive(Serialize, ToSchema)]
pub struct DisposalDto {
    pub id: i64,
    pub person_id: i64,
    pub person: String,
    pub org_id: i64,
    pub org: String,
    pub appraisal_case_id: Option<i64>,
    /// talk, correction, persuade or removal.
    pub measure: String,
    pub grounds: String,
    pub deadline: Option<String>,
    /// open or closed.
    pub state: String,
    pub overdue: bool,
    /// corrected, left, removed or other.
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
    pub opened_on: String,
    pub closed_on: Option<String>,
    /// In a single case's answer only.
    pub followups: Vec<FollowUpDto>,
}

fn dto(k: &CaseRow, followups: Vec<FollowUpDto>) -> DisposalDto {
    DisposalDto {
        id: k.id,
        person_id: k.person_id,
        person: k.person_name.clone(),
        org_id: k.org_id,
        org: k.org_name.clone(),
        appraisal_case_id: k.appraisal_case_id,
        measure: k.measure.clone(),
        grounds: k.grounds.clone(),
        deadline: k.deadline.map(iso),
        state: k.state.clone(),
        overdue: k.overdue(pacesetter_domain::dates::today()),
        outcome: k.outcome.clone(),
        outcome_note: k.outcome_note.clone(),
        opened_on: iso(k.opened_on),
        closed_on: k.closed_on.map(iso),
        followups,
    }
}

async fn one(s: &AppState, ctx: &Ctx, id: i64) -> AppResult<DisposalDto> {
    let v = app::case(s, &ctx.me()?.scope, id).await?;
    Ok(dto(&v.k, v.followups.into_iter().map(|(d, note)| FollowUpDto { on_day: iso(d), note }).collect()))
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<DisposalDto>>> {
    Ok(Json(app::overview(&s, &ctx.me()?.scope).await?.cases.iter().map(|k| dto(k, Vec::new())).collect()))
}

pub async fn open(State(s): State<AppState>, ctx: Ctx, Json(b): Json<OpenInput>) -> AppResult<(StatusCode, Json<DisposalDto>)> {
    let id = app::open(&s, &ctx.me()?.scope, &b).await?;
    Ok((StatusCode::CREATED, Json(one(&s, &ctx, id).await?)))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<DisposalDto>> {
    Ok(Json(one(&s, &ctx, id).await?))
}

pub async fn follow_up(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<FollowUpInput>) -> AppResult<Json<DisposalDto>> {
    app::follow_up(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(Json(one(&s, &ctx, id).await?))
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<CloseInput>) -> AppResult<Json<DisposalDto>> {
    app::close(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(Json(one(&s, &ctx, id).await?))
}
