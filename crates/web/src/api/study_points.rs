//! 学习型党组织示范点 over the API: adapters over [`crate::app::study_points`].

use crate::app::study_points::{self as app, InspectInput, RegisterInput, ReportInput, StandardInput, View};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use pacesetter_store::study_point::{StandardRow, Summary};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct StudyPointDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub milestones_done: usize,
    pub milestones_overdue: usize,
    pub milestones: usize,
    pub reports: i64,
    pub inspections: i64,
    /// The mean of the inspections' scores, to two decimals (none before the first).
    pub mean_score: Option<f64>,
}

pub(crate) fn dto(s: &Summary) -> StudyPointDto {
    StudyPointDto {
        id: s.point.id,
        org_id: s.point.org_id,
        org_name: s.point.org_name.clone(),
        milestones_done: s.progress.done,
        milestones_overdue: s.progress.overdue,
        milestones: s.progress.total,
        reports: s.reports,
        inspections: s.inspections,
        mean_score: s.mean_x100.map(|x| x as f64 / 100.0),
    }
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneDto {
    pub id: i64,
    pub due_on: String,
    pub title: String,
    pub done_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PointReportDto {
    pub id: i64,
    pub milestone_id: Option<i64>,
    pub body: String,
    pub reported_by: String,
    pub reported_ms: i64,
    /// Its files: (id, name, photo); download from /study-points/files/{id}.
    pub files: Vec<PointFileDto>,
}

#[derive(Serialize, ToSchema)]
pub struct PointFileDto {
    pub id: i64,
    pub name: String,
    pub photo: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PointInspectionDto {
    pub id: i64,
    pub day: String,
    pub inspector: String,
    /// The score, Σ weight × score ÷ Σ weight, to two decimals.
    pub score: f64,
    pub items: Vec<PointScoreDto>,
    pub notes: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PointScoreDto {
    pub standard_id: i64,
    pub item: String,
    pub weight: i64,
    pub score: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StudyPointDetailDto {
    pub point: StudyPointDto,
    pub plan: String,
    /// keeps (reports progress) or reads.
    pub standing: String,
    pub milestones: Vec<MilestoneDto>,
    pub reports: Vec<PointReportDto>,
    pub inspections: Vec<PointInspectionDto>,
}

fn detail(v: View) -> StudyPointDetailDto {
    let point = v.summary.as_ref().map(dto).unwrap_or(StudyPointDto {
        id: v.point.id,
        org_id: v.point.org_id,
        org_name: v.point.org_name.clone(),
        milestones_done: 0,
        milestones_overdue: 0,
        milestones: v.milestones.len(),
        reports: 0,
        inspections: 0,
        mean_score: None,
    });
    StudyPointDetailDto {
        point,
        plan: v.point.plan.clone(),
        standing: if v.standing == pacesetter_store::study_point::Standing::Keeps { "keeps" } else { "reads" }.into(),
        milestones: v.milestones.iter().map(|m| MilestoneDto { id: m.id, due_on: iso(m.due_on), title: m.title.clone(), done_on: m.done_on.map(iso) }).collect(),
        reports: v
            .reports
            .iter()
            .map(|r| PointReportDto {
                id: r.id,
                milestone_id: r.milestone_id,
                body: r.body.clone(),
                reported_by: r.reported_by.clone(),
                reported_ms: r.reported_ms,
                files: v.files.iter().filter(|f| f.1 == r.id).map(|f| PointFileDto { id: f.0, name: f.2.clone(), photo: f.3 }).collect(),
            })
            .collect(),
        inspections: v
            .inspections
            .iter()
            .map(|i| PointInspectionDto {
                id: i.id,
                day: iso(i.day),
                inspector: i.inspector.clone(),
                score: i.score_x100 as f64 / 100.0,
                items: i.scores().into_iter().map(|(standard_id, item, weight, score)| PointScoreDto { standard_id, item, weight, score }).collect(),
                notes: i.notes.clone(),
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PointStandardDto {
    pub id: i64,
    pub item: String,
    pub weight: i64,
}

fn standard_dto(s: &StandardRow) -> PointStandardDto {
    PointStandardDto { id: s.id, item: s.item.clone(), weight: s.weight }
}

/// A progress report (multipart) with its evidence.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PointReportUpload {
    /// Evidence: photos, PDF, Word, Excel (repeat the part; up to 6 of each).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
    pub body: String,
    /// A milestone of this point.
    pub milestone: Option<i64>,
    /// "yes": the milestone is done.
    pub done: Option<String>,
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<StudyPointDto>>> {
    Ok(Json(app::overview(&s, &ctx.me()?.scope).await?.points.iter().map(dto).collect()))
}

pub async fn register(State(s): State<AppState>, ctx: Ctx, Json(b): Json<RegisterInput>) -> AppResult<(StatusCode, Json<StudyPointDetailDto>)> {
    let scope = &ctx.me()?.scope;
    let id = app::register(&s, scope, &b).await?;
    Ok((StatusCode::CREATED, Json(detail(app::view(&s, scope, id).await?))))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<StudyPointDetailDto>> {
    Ok(Json(detail(app::view(&s, &ctx.me()?.scope, id).await?)))
}

pub async fn report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: axum::extract::Multipart) -> AppResult<(StatusCode, Json<StudyPointDetailDto>)> {
    let scope = &ctx.me()?.scope;
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    app::report(&s, scope, id, &ReportInput::from_values(&form.values), form.files, form.errors).await?;
    Ok((StatusCode::CREATED, Json(detail(app::view(&s, scope, id).await?))))
}

pub async fn inspect(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<InspectInput>) -> AppResult<(StatusCode, Json<StudyPointDetailDto>)> {
    let scope = &ctx.me()?.scope;
    app::inspect(&s, scope, id, &b, Default::default()).await?;
    Ok((StatusCode::CREATED, Json(detail(app::view(&s, scope, id).await?))))
}

pub async fn standards(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<PointStandardDto>>> {
    Ok(Json(app::overview(&s, &ctx.me()?.scope).await?.standards.iter().map(standard_dto).collect()))
}

pub async fn add_standard(State(s): State<AppState>, ctx: Ctx, Json(b): Json<StandardInput>) -> AppResult<(StatusCode, Json<Vec<PointStandardDto>>)> {
    let scope = &ctx.me()?.scope;
    app::add_standard(&s, scope, &b).await?;
    Ok((StatusCode::CREATED, Json(app::overview(&s, scope).await?.standards.iter().map(standard_dto).collect())))
}

pub async fn retire_standard(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<PointStandardDto>>> {
    let scope = &ctx.me()?.scope;
    app::retire_standard(&s, scope, id).await?;
    Ok(Json(app::overview(&s, scope).await?.standards.iter().map(standard_dto).collect()))
}
