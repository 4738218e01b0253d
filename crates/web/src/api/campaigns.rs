//! Campaigns over the API: the list, a campaign's plan with its templates and their counts, the
//! dashboard, and the office's changes (plan upload, a template's due date, archiving, reminders
//! now). Adapters over [`crate::app::campaigns`].

use super::dto::{CampaignDto, DashRowDto, DashboardDto, FactsDto, FilePart, NamedId};
use crate::app::campaigns::{self as app, DashRow, DashboardQuery, TemplateLine};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::CampaignId;
use pacesetter_store::campaign::{CampaignRow, DueConflict, LoadReport, TemplateChange};
use pacesetter_store::dashboard::Facts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A phase of the year's plan.
#[derive(Serialize, ToSchema)]
pub struct PhaseDto {
    pub code: String,
    pub title: String,
    /// The plan's own words for the period, such as 3月中旬前.
    pub wording: Option<String>,
    /// 2012-01-01
    pub start: String,
    pub end: String,
}

/// A task template: what is owed, by whom, by when, and the counts of its tasks in the caller's scope.
#[derive(Serialize, ToSchema)]
pub struct TemplateDto {
    pub id: i64,
    pub code: String,
    /// The work item of the plan it serves.
    pub item: Option<i64>,
    pub title: String,
    pub description: Option<String>,
    /// Who owes it, in words.
    pub owners: String,
    /// What is handed in, in words.
    pub deliverable: String,
    /// 2012-03-15, or none.
    pub due: Option<String>,
    pub wording: Option<String>,
    /// office, parent, ...
    pub reviewer: String,
    /// Who last moved the due date in the UI (kept by later plan loads).
    pub due_edited_by: Option<String>,
    #[schema(value_type = FactsDto)]
    pub facts: Facts,
}

/// A campaign with its plan's phases and its current templates.
#[derive(Serialize, ToSchema)]
pub struct CampaignDetailDto {
    #[schema(value_type = CampaignDto)]
    pub campaign: CampaignRow,
    pub summary: Option<String>,
    pub phases: Vec<PhaseDto>,
    pub templates: Vec<TemplateDto>,
}

/// A template's new due date.
#[derive(Deserialize, ToSchema)]
pub struct DueRequest {
    /// 2012-06-30; empty or left out for none.
    pub due: Option<String>,
}

/// Archiving takes an explicit confirmation.
#[derive(Deserialize, ToSchema)]
pub struct CloseRequest {
    pub confirm: bool,
}

/// How many reminders went.
#[derive(Serialize, ToSchema)]
pub struct CampaignRemindedDto {
    pub notified: i64,
}

/// The multipart/form-data body of a plan upload.
#[derive(ToSchema)]
pub struct PlanUpload {
    /// The plan, a TOML file (docs/plan-format.md).
    #[schema(value_type = FilePart)]
    pub file: (),
    /// "yes" applies a changed plan; without it the differences are reported and nothing changes.
    pub confirm: Option<String>,
}

/// A template whose fields a plan changes.
#[derive(Serialize, ToSchema)]
pub struct TemplateChangeDto {
    pub code: String,
    pub fields: Vec<String>,
}

/// A due date edited in the UI that the plan would change (the edit is kept).
#[derive(Serialize, ToSchema)]
pub struct DueConflictDto {
    pub code: String,
    pub kept: Option<String>,
    pub file: Option<String>,
    pub edited_by: Option<String>,
}

/// What loading a plan did, or (needs_confirmation) would do.
#[derive(Serialize, ToSchema)]
pub struct LoadReportDto {
    pub campaign_id: Option<i64>,
    pub code: String,
    pub is_new: bool,
    pub unchanged: bool,
    pub added: Vec<String>,
    pub changed: Vec<TemplateChangeDto>,
    pub retired: Vec<String>,
    pub conflicts: Vec<DueConflictDto>,
    pub needs_confirmation: bool,
    /// Parts other than the templates that differ: campaign, phases, calendar, items.
    pub other_changes: Vec<String>,
    pub applied: bool,
    pub tasks_created: i64,
}

impl From<LoadReport> for LoadReportDto {
    fn from(r: LoadReport) -> LoadReportDto {
        LoadReportDto {
            campaign_id: r.campaign_id,
            code: r.code,
            is_new: r.is_new,
            unchanged: r.unchanged,
            added: r.added,
            changed: r.changed.into_iter().map(|TemplateChange { code, fields }| TemplateChangeDto { code, fields }).collect(),
            retired: r.retired,
            conflicts: r
                .conflicts
                .into_iter()
                .map(|DueConflict { code, kept, file, edited_by }| DueConflictDto { code, kept: kept.map(iso), file: file.map(iso), edited_by })
                .collect(),
            needs_confirmation: r.needs_confirmation,
            other_changes: r.other_changes,
            applied: r.applied,
            tasks_created: r.tasks_created,
        }
    }
}

fn template_dto(l: &TemplateLine, lang: pacesetter_domain::Lang) -> TemplateDto {
    let t = &l.t;
    TemplateDto {
        id: t.id,
        code: t.code.clone(),
        item: t.item,
        title: t.title.clone(),
        description: t.description.clone(),
        owners: t.owners().label(lang),
        deliverable: t.deliverable().label(lang).to_string(),
        due: t.due_date.map(iso),
        wording: t.wording.clone(),
        reviewer: t.reviewer.clone(),
        due_edited_by: t.due_edited_by.clone(),
        facts: l.facts,
    }
}

pub async fn list(State(s): State<AppState>) -> AppResult<Json<Vec<CampaignRow>>> {
    Ok(Json(app::list(&s).await?))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<CampaignDetailDto>> {
    let scope = ctx.me()?.scope.clone();
    let v = app::show(&s, &scope, CampaignId(id)).await?;
    let phases =
        v.plan.phases.iter().map(|p| PhaseDto { code: p.code.clone(), title: p.title.clone(), wording: p.wording.clone(), start: iso(p.start), end: iso(p.end) }).collect();
    let templates = v.templates.iter().map(|l| template_dto(l, ctx.lang)).collect();
    Ok(Json(CampaignDetailDto { summary: v.plan.campaign.summary.clone(), campaign: v.row, phases, templates }))
}

/// Uploads a plan: multipart `file` (and `confirm=yes` to apply a changed one).
pub async fn upload(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Json<LoadReportDto>> {
    let scope = ctx.me()?.scope.clone();
    let (source, confirm) = crate::upload::read_plan(mp).await?;
    let (report, _) = app::upload(&s, &scope, &source, confirm).await?;
    Ok(Json(report.into()))
}

pub async fn set_due(State(s): State<AppState>, ctx: Ctx, Path((id, tid)): Path<(i64, i64)>, Json(b): Json<DueRequest>) -> AppResult<Json<TemplateDto>> {
    let scope = ctx.me()?.scope.clone();
    app::set_due(&s, &scope, CampaignId(id), tid, b.due.as_deref()).await?;
    let v = app::show(&s, &scope, CampaignId(id)).await?;
    let line = v.templates.iter().find(|l| l.t.id == tid).ok_or_else(crate::error::AppError::not_found)?;
    Ok(Json(template_dto(line, ctx.lang)))
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<CloseRequest>) -> AppResult<Json<CampaignRow>> {
    let scope = ctx.me()?.scope.clone();
    Ok(Json(app::close(&s, &scope, CampaignId(id), b.confirm).await?))
}

pub async fn remind(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<CampaignRemindedDto>> {
    let scope = ctx.me()?.scope.clone();
    Ok(Json(CampaignRemindedDto { notified: app::remind(&s, &scope, CampaignId(id)).await? }))
}

pub(crate) fn row_dto(r: &DashRow) -> DashRowDto {
    DashRowDto { name: r.name.clone(), facts: r.facts, completion: (r.facts.completion() * 10.0).round() / 10.0, tasks: format!("/api/v1/tasks?{}", r.query) }
}

pub async fn dashboard(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<DashboardQuery>) -> AppResult<Json<DashboardDto>> {
    let scope = ctx.me()?.scope.clone();
    let d = app::build(&s, &scope, CampaignId(id), &q, ctx.lang).await?;
    Ok(Json(dashboard_dto(&d)))
}

pub(crate) fn dashboard_dto(d: &app::Dashboard) -> DashboardDto {
    DashboardDto {
        node: d.node.as_ref().map(|n| NamedId { id: n.id, name: n.name.clone() }),
        total: row_dto(&d.total),
        by_item: d.by_item.iter().map(row_dto).collect(),
        by_child: d.by_child.iter().map(row_dto).collect(),
    }
}
