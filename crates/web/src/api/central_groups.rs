//! The central groups over the API: adapters over [`crate::app::central_groups`].

use crate::api::development::year_of;
use crate::app::central_groups::{
    self as app, ContributionInput, EndInput, GroupInput, GroupView, MemberInput, PlanInput, PlanMonth, Scores, SessionInput, SessionLine, SessionView, WeightsInput,
};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::central_group::Weights;
use pacesetter_domain::dates::iso;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CentralGroupDto {
    pub id: i64,
    pub org_id: i64,
    pub org: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CentralMemberDto {
    /// The membership's id (to end it).
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    /// leader, deputy, secretary or member.
    pub role: String,
    pub post: String,
    pub start_date: String,
    pub end_date: Option<String>,
}

/// A group with its members, its plan for the year and its sessions.
#[derive(Serialize, ToSchema)]
pub struct CentralGroupDetailDto {
    #[serde(flatten)]
    pub group: CentralGroupDto,
    pub year: i32,
    /// The caller keeps the group.
    pub runs: bool,
    /// The caller's role, when a member.
    pub role: Option<String>,
    pub members: Vec<CentralMemberDto>,
    pub plan: Vec<PlanMonth>,
    pub sessions: Vec<SessionLine>,
}

fn detail(v: GroupView) -> CentralGroupDetailDto {
    CentralGroupDetailDto {
        group: CentralGroupDto { id: v.group.id, org_id: v.group.org_id, org: v.group.org_name, name: v.group.name },
        year: v.year,
        runs: v.standing.runs,
        role: v.standing.role.map(|r| r.code().to_string()),
        members: v
            .members
            .into_iter()
            .map(|m| CentralMemberDto { id: m.id, person_id: m.person_id, name: m.name, role: m.role, post: m.post, start_date: iso(m.start_date), end_date: m.end_date.map(iso) })
            .collect(),
        plan: v.plan,
        sessions: v.sessions.iter().map(app::session_line).collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CentralContributionDto {
    pub person_id: i64,
    pub name: String,
    /// speech or reflection.
    pub kind: String,
    pub body: String,
    pub recorded_ms: i64,
}

/// A session with the contributions the caller reads (all for the keepers, the leader and the
/// study secretary; one's own otherwise).
#[derive(Serialize, ToSchema)]
pub struct CentralSessionDto {
    pub group_id: i64,
    pub group: String,
    pub session: SessionLine,
    pub contributions: Vec<CentralContributionDto>,
}

fn session_dto(v: SessionView) -> CentralSessionDto {
    CentralSessionDto {
        group_id: v.group.id,
        group: v.group.name,
        session: app::session_line(&v.session),
        contributions: v
            .contributions
            .into_iter()
            .map(|c| CentralContributionDto { person_id: c.person_id, name: c.name, kind: c.kind, body: c.body, recorded_ms: c.recorded_ms })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CentralWeightsDto {
    pub attendance: i64,
    pub speeches: i64,
    pub reflections: i64,
    pub leave_credit: i64,
    pub speeches_expected: i64,
    pub reflections_expected: i64,
}

fn weights_dto(w: Weights) -> CentralWeightsDto {
    CentralWeightsDto {
        attendance: w.attendance,
        speeches: w.speeches,
        reflections: w.reflections,
        leave_credit: w.leave_credit,
        speeches_expected: w.speeches_expected,
        reflections_expected: w.reflections_expected,
    }
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    pub year: Option<String>,
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<CentralGroupDto>>> {
    let g = app::list(&s, &ctx.me()?.scope).await?;
    Ok(Json(g.groups.into_iter().map(|g| CentralGroupDto { id: g.id, org_id: g.org_id, org: g.org_name, name: g.name }).collect()))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<GroupInput>) -> AppResult<(StatusCode, Json<CentralGroupDetailDto>)> {
    let scope = &ctx.me()?.scope;
    let id = app::create(&s, scope, &b).await?;
    Ok((StatusCode::CREATED, Json(detail(app::view(&s, scope, id, None).await?))))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<YearQuery>) -> AppResult<Json<CentralGroupDetailDto>> {
    Ok(Json(detail(app::view(&s, &ctx.me()?.scope, id, q.year.as_deref().map(|y| year_of(Some(y)))).await?)))
}

pub async fn add_member(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<MemberInput>) -> AppResult<(StatusCode, Json<CentralGroupDetailDto>)> {
    let scope = &ctx.me()?.scope;
    app::add_member(&s, scope, id, &b).await?;
    Ok((StatusCode::CREATED, Json(detail(app::view(&s, scope, id, None).await?))))
}

pub async fn end_member(State(s): State<AppState>, ctx: Ctx, Path((id, mid)): Path<(i64, i64)>, Json(b): Json<EndInput>) -> AppResult<Json<CentralGroupDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::end_member(&s, scope, id, mid, &b).await?;
    Ok(Json(detail(app::view(&s, scope, id, None).await?)))
}

pub async fn set_plan(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<PlanInput>) -> AppResult<Json<CentralGroupDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::set_plan(&s, scope, id, &b).await?;
    Ok(Json(detail(app::view(&s, scope, id, Some(year_of(Some(&b.year)))).await?)))
}

pub async fn schedule(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<SessionInput>) -> AppResult<(StatusCode, Json<CentralSessionDto>)> {
    let scope = &ctx.me()?.scope;
    let mid = app::schedule(&s, scope, id, &b).await?;
    Ok((StatusCode::CREATED, Json(session_dto(app::session(&s, scope, mid).await?))))
}

pub async fn scores(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<YearQuery>) -> AppResult<Json<Scores>> {
    Ok(Json(app::scores(&s, &ctx.me()?.scope, id, q.year.as_deref().map(|y| year_of(Some(y)))).await?))
}

pub async fn session(State(s): State<AppState>, ctx: Ctx, Path(mid): Path<i64>) -> AppResult<Json<CentralSessionDto>> {
    Ok(Json(session_dto(app::session(&s, &ctx.me()?.scope, mid).await?)))
}

pub async fn contribute(State(s): State<AppState>, ctx: Ctx, Path(mid): Path<i64>, Json(b): Json<ContributionInput>) -> AppResult<Json<CentralSessionDto>> {
    let scope = &ctx.me()?.scope;
    app::contribute(&s, scope, mid, &b).await?;
    Ok(Json(session_dto(app::session(&s, scope, mid).await?)))
}

pub async fn set_weights(State(s): State<AppState>, ctx: Ctx, Json(b): Json<WeightsInput>) -> AppResult<Json<CentralWeightsDto>> {
    Ok(Json(weights_dto(app::set_weights(&s, &ctx.me()?.scope, &b).await?)))
}
