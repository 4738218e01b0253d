//! Transfers over the API: adapters over [`crate::app::transfers`].

use crate::app::transfers::{self as app, TransferDecision, TransferRequest};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use pacesetter_domain::scope::Scope;
use pacesetter_store::transfer::{TransferRow, may_cancel, may_decide};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A transfer of a member's Party relation.
#[derive(Serialize, ToSchema)]
pub struct TransferDto {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub person_number: String,
    /// Null when the person belonged to no branch or group.
    pub from_org_id: Option<i64>,
    pub from_org: Option<String>,
    pub to_org_id: i64,
    pub to_org: String,
    pub note: String,
    /// requested, accepted, refused or cancelled.
    pub state: String,
    pub decided_on: Option<String>,
    pub decision_note: Option<String>,
    pub can_decide: bool,
    pub can_cancel: bool,
}

pub fn dto(scope: &Scope, t: TransferRow) -> TransferDto {
    TransferDto {
        can_decide: may_decide(scope, &t),
        can_cancel: may_cancel(scope, &t),
        id: t.id,
        person_id: t.person_id,
        person_name: t.person_name,
        person_number: t.person_number,
        from_org_id: t.from_org_id,
        from_org: t.from_org,
        to_org_id: t.to_org_id,
        to_org: t.to_org,
        note: t.note,
        state: t.state,
        decided_on: t.decided_on.map(iso),
        decision_note: t.decision_note,
    }
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<TransferDto>>> {
    let scope = &ctx.me()?.scope;
    Ok(Json(app::list(&s, scope).await?.into_iter().map(|t| dto(scope, t)).collect()))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<TransferDto>> {
    let scope = &ctx.me()?.scope;
    Ok(Json(dto(scope, app::get(&s, scope, id).await?)))
}

pub async fn request(State(s): State<AppState>, ctx: Ctx, Json(b): Json<TransferRequest>) -> AppResult<(StatusCode, Json<Vec<TransferDto>>)> {
    let scope = &ctx.me()?.scope;
    let ids = app::request(&s, scope, &b).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(dto(scope, app::get(&s, scope, id).await?));
    }
    Ok((StatusCode::CREATED, Json(out)))
}

pub async fn decide(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<TransferDecision>) -> AppResult<Json<TransferDto>> {
    let scope = &ctx.me()?.scope;
    let mut out = app::decide(&s, scope, &[id], &b).await?;
    Ok(Json(dto(scope, out.remove(0))))
}

/// Several transfers decided at once (all or nothing).
#[derive(Deserialize, Serialize, ToSchema)]
pub struct TransferBatchDecision {
    pub ids: Vec<i64>,
    #[serde(flatten)]
    pub decision: TransferDecision,
}

pub async fn decide_many(State(s): State<AppState>, ctx: Ctx, Json(b): Json<TransferBatchDecision>) -> AppResult<Json<Vec<TransferDto>>> {
    let scope = &ctx.me()?.scope;
    Ok(Json(app::decide(&s, scope, &b.ids, &b.decision).await?.into_iter().map(|t| dto(scope, t)).collect()))
}

pub async fn cancel(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<TransferDto>> {
    let scope = &ctx.me()?.scope;
    Ok(Json(dto(scope, app::cancel(&s, scope, id).await?)))
}
