//! Member development over the API: adapters over [`crate::app::development`].

use crate::app::development::{self as app, FileView, Notice, Overview, QuotaInput, ReportInput, StartInput, StepInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A step of a file.
#[derive(Serialize, ToSchema)]
pub struct DevStepDto {
    pub step: String,
    /// The day it happened.
    pub on: String,
    /// When it was recorded (ms since the epoch) and by whom.
    pub recorded_ms: i64,
    pub recorded_by: Option<String>,
    pub by: String,
    pub note: String,
    /// Contacts or introducers, by name.
    pub people: Vec<String>,
    /// with_vote, present, yes.
    pub vote: Option<Vec<i64>>,
    pub certificate: String,
    pub place: String,
    pub until: Option<String>,
    pub months: Option<i32>,
}

/// What may come next.
#[derive(Serialize, ToSchema)]
pub struct DevNextDto {
    pub step: String,
    /// The caller records it.
    pub mine: bool,
    pub earliest: Option<String>,
    /// The rule that sets the earliest day.
    pub rule: Option<String>,
}

/// A person's development file.
#[derive(Serialize, ToSchema)]
pub struct DevFileDto {
    pub person_id: i64,
    pub name: String,
    pub number: String,
    pub branch_id: i64,
    pub branch: String,
    pub political_status: String,
    /// applicant, activist, candidate, probationary, full or cancelled.
    pub stage: String,
    pub steps: Vec<DevStepDto>,
    pub next: Vec<DevNextDto>,
    pub overdue: Vec<String>,
    pub reports: Vec<String>,
    pub documents: Vec<DevDocDto>,
}

/// A document of a step.
#[derive(Serialize, ToSchema)]
pub struct DevDocDto {
    pub id: i64,
    pub step: String,
    pub filename: String,
    pub content_type: String,
}

fn dto(v: FileView) -> DevFileDto {
    let names = &v.names;
    let steps = v
        .file
        .steps
        .iter()
        .filter_map(|row| {
            let r = row.recorded()?;
            Some(DevStepDto {
                step: r.step.code().into(),
                on: iso(r.on),
                recorded_ms: row.recorded_ms,
                recorded_by: row.recorded_by_name.clone(),
                by: r.details.by.clone(),
                note: r.details.note.clone(),
                people: r.details.people.iter().filter_map(|id| names.get(id).cloned()).collect(),
                vote: r.details.vote.map(|x| vec![x.with_vote, x.present, x.yes]),
                certificate: r.details.certificate.clone(),
                place: r.details.place.clone(),
                until: r.details.until.map(iso),
                months: r.details.months,
            })
        })
        .collect();
    DevFileDto {
        person_id: v.file.person_id,
        name: v.file.name.clone(),
        number: v.file.number.clone(),
        branch_id: v.file.org.id,
        branch: v.file.org.name.clone(),
        political_status: v.file.political_status.clone(),
        stage: app::stage_of(&v.pipeline).into(),
        steps,
        next: v
            .next
            .iter()
            .map(|n| DevNextDto { step: n.step.code().into(), mine: n.mine, earliest: n.earliest.as_ref().map(|e| iso(e.0)), rule: n.earliest.as_ref().map(|e| e.1.zh.clone()) })
            .collect(),
        overdue: v.overdue.iter().map(|(d, t)| format!("{} {}", iso(*d), t.zh)).collect(),
        reports: v.file.reports.iter().map(|r| format!("{} {}", iso(r.on_day), r.summary)).collect(),
        documents: v.documents.iter().map(|d| DevDocDto { id: d.id, step: d.step.clone(), filename: d.filename.clone(), content_type: d.content_type.clone() }).collect(),
    }
}

/// A line of the list of pipelines.
#[derive(Serialize, ToSchema)]
pub struct DevLineDto {
    pub person_id: i64,
    pub name: String,
    pub number: String,
    pub branch: String,
    pub college: String,
    pub stage: String,
    pub last_step: Option<String>,
    pub last_on: Option<String>,
    pub overdue: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    org_id: Option<i64>,
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Json<Vec<DevLineDto>>> {
    let (lines, rules) = app::list(&s, &ctx.me()?.scope, q.org_id).await?;
    let day = pacesetter_domain::dates::today();
    Ok(Json(
        lines
            .into_iter()
            .map(|l| {
                let p = l.p();
                let last = p.steps.iter().max_by_key(|r| r.step);
                DevLineDto {
                    stage: app::stage_of(&p).into(),
                    last_step: last.map(|r| r.step.code().into()),
                    last_on: last.map(|r| iso(r.on)),
                    overdue: !p.overdue(&rules, day).is_empty(),
                    person_id: l.person_id,
                    name: l.name,
                    number: l.number,
                    branch: l.branch,
                    college: l.college,
                }
            })
            .collect(),
    ))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<DevFileDto>> {
    Ok(Json(dto(app::file(&s, &ctx.me()?.scope, id).await?)))
}

pub async fn start(State(s): State<AppState>, ctx: Ctx, Json(b): Json<StartInput>) -> AppResult<(StatusCode, Json<DevFileDto>)> {
    let scope = &ctx.me()?.scope;
    let id = app::start(&s, scope, &b).await?;
    Ok((StatusCode::CREATED, Json(dto(app::file(&s, scope, id).await?))))
}

pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<StepInput>) -> AppResult<Json<DevFileDto>> {
    let scope = &ctx.me()?.scope;
    app::record(&s, scope, id, &b).await?;
    Ok(Json(dto(app::file(&s, scope, id).await?)))
}

pub async fn report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ReportInput>) -> AppResult<Json<DevFileDto>> {
    let scope = &ctx.me()?.scope;
    app::report(&s, scope, id, &b).await?;
    Ok(Json(dto(app::file(&s, scope, id).await?)))
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    org_id: Option<i64>,
}

pub fn year_of(q: Option<&str>) -> i32 {
    q.and_then(|y| y.trim().parse().ok()).filter(|y| (2000..=2100).contains(y)).unwrap_or_else(|| pacesetter_domain::dates::today().year())
}

pub async fn overview(State(s): State<AppState>, ctx: Ctx, Params(q): Params<YearQuery>) -> AppResult<Json<Vec<Overview>>> {
    Ok(Json(app::overview(&s, &ctx.me()?.scope, year_of(q.year.as_deref()), q.org_id).await?))
}

pub async fn set_quota(State(s): State<AppState>, ctx: Ctx, Json(b): Json<QuotaInput>) -> AppResult<StatusCode> {
    app::set_quota(&s, &ctx.me()?.scope, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn notices(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<Notice>>> {
    Ok(Json(app::notices(&s, &ctx.me()?.scope).await?))
}

/// The multipart/form-data body of a step's documents.
#[derive(ToSchema)]
pub struct DocumentsUpload {
    /// Up to 6 per step: PDF, .docx, .xlsx, or photos (JPEG or PNG; their metadata is removed),
    /// each checked by its content.
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
}

pub async fn attach(State(s): State<AppState>, ctx: Ctx, Path((id, step)): Path<(i64, String)>, mp: axum::extract::Multipart) -> AppResult<Json<DevFileDto>> {
    let scope = &ctx.me()?.scope;
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    app::attach(&s, scope, id, &step, form.files, form.errors).await?;
    Ok(Json(dto(app::file(&s, scope, id).await?)))
}

/// The multipart/form-data body of a development ledger.
#[derive(ToSchema)]
pub struct LedgerUpload {
    /// The ledger (.xlsx, .xls or .csv): one row per step, with the columns of the template at
    /// /development/ledger/template.xlsx.
    #[schema(value_type = super::dto::FilePart)]
    pub file: (),
    /// "1" to check only: the whole load is run and undone.
    pub trial: Option<String>,
}

/// Loads a development ledger: every row recorded under the rules, all or nothing (422 lists
/// every problem by line).
pub async fn ledger(State(s): State<AppState>, ctx: Ctx, mp: axum::extract::Multipart) -> AppResult<Json<crate::app::dev_ledger::LedgerOutcome>> {
    let form = crate::app::imports::read_upload(mp).await?;
    Ok(Json(crate::app::dev_ledger::load(&s, &ctx.me()?.scope, &form.bytes, form.trial).await?))
}
