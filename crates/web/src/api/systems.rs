//! A branch's systems over the API: adapters over [`crate::app::systems`].

use crate::app::systems::{self as app, SystemInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use pacesetter_store::branch_system::SystemRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A branch's system.
#[derive(Serialize, ToSchema)]
pub struct SystemDto {
    pub id: i64,
    pub org_id: i64,
    pub org: String,
    /// work or organizational.
    pub kind: String,
    /// yihui_siping, qunzhong_tuiyou, or null.
    pub standard: Option<String>,
    pub name: String,
    pub body: String,
    pub adopted_on: String,
    pub practice: String,
    pub retired_on: Option<String>,
}

fn dto(s: &SystemRow) -> SystemDto {
    SystemDto {
        id: s.id,
        org_id: s.org_id,
        org: s.org_name.clone(),
        kind: s.kind.clone(),
        standard: s.standard.clone(),
        name: s.name.clone(),
        body: s.body.clone(),
        adopted_on: iso(s.adopted_on),
        practice: s.practice.clone(),
        retired_on: s.retired_on.map(iso),
    }
}

pub async fn register(State(s): State<AppState>, ctx: Ctx, Path(org): Path<i64>) -> AppResult<Json<Vec<SystemDto>>> {
    Ok(Json(app::register(&s, &ctx.me()?.scope, org).await?.systems.iter().map(dto).collect()))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Path(org): Path<i64>, Json(b): Json<SystemInput>) -> AppResult<(StatusCode, Json<SystemDto>)> {
    let scope = &ctx.me()?.scope;
    let id = app::create(&s, scope, org, &b).await?;
    Ok((StatusCode::CREATED, Json(dto(&app::get(&s, scope, id).await?))))
}

pub async fn update(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<SystemInput>) -> AppResult<Json<SystemDto>> {
    Ok(Json(dto(&app::update(&s, &ctx.me()?.scope, id, &b).await?)))
}

/// The day a system is retired (today when left out).
#[derive(Deserialize, Serialize, ToSchema)]
pub struct RetireIn {
    #[serde(default)]
    pub retired_on: Option<String>,
}

pub async fn retire(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<RetireIn>) -> AppResult<Json<SystemDto>> {
    Ok(Json(dto(&app::retire(&s, &ctx.me()?.scope, id, b.retired_on.as_deref()).await?)))
}

/// A branch's systems in force, by kind.
#[derive(Serialize, ToSchema)]
pub struct BranchSystemsDto {
    pub branch_id: i64,
    pub branch: String,
    pub college_id: i64,
    pub college: String,
    pub work: i64,
    pub organizational: i64,
    /// A system at all (item 11) and an organizational one (item 16).
    pub complete: bool,
}

#[derive(Deserialize, Default)]
pub struct CoverageQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    org_id: Option<i64>,
}

pub async fn coverage(State(s): State<AppState>, ctx: Ctx, Params(q): Params<CoverageQuery>) -> AppResult<Json<Vec<BranchSystemsDto>>> {
    let rows = app::coverage(&s, &ctx.me()?.scope, q.org_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|b| BranchSystemsDto {
                complete: b.complete(),
                branch_id: b.branch_id,
                branch: b.branch,
                college_id: b.college_id,
                college: b.college,
                work: b.work,
                organizational: b.organizational,
            })
            .collect(),
    ))
}
