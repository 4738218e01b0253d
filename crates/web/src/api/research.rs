//! Research projects over the API: adapters over [`crate::app::research`]. What an expert gets
//! ([`BlindApplicationDto`]) has no field that could hold a name: no applicant, team,
//! organization or file name.

use crate::app::research::{self as app, ApplyInput, ApproveInput, CallInput, ExpertInput, ForwardInput, RankLine, ScoreInput, Step, TieInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_store::research::{ApplicationRow, CallRow, Sheet};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ResearchCategoryDto {
    pub code: String,
    pub name: String,
    /// The budget cap, yuan.
    pub cap: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ResearchCriterionDto {
    pub name: String,
    pub weight: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ResearchCallDto {
    pub id: i64,
    pub title: String,
    pub deadline: String,
    pub categories: Vec<ResearchCategoryDto>,
    /// Scored 0 to 100 each; a sheet's total is Σ score × weight / 100.
    pub criteria: Vec<ResearchCriterionDto>,
    /// Whether each application's highest and lowest totals are dropped (with 3 sheets or more).
    pub trim: bool,
    pub funded: i64,
    pub quota: i64,
    pub notice_days: i64,
    /// open, review, notice or final.
    pub stage: String,
    pub stage_label: String,
    /// The office's order of those tied at the funding line, and why (for the office, the
    /// leaders and the auditor only).
    pub tie_order: Vec<i64>,
    pub tie_reason: Option<String>,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    pub decision: Option<String>,
}

/// A call; `full` (the office, the leaders, the auditor) with the tie decision, which names
/// applications and may give reasons about them.
pub(crate) fn call_dto(c: &CallRow, lang: Lang, full: bool) -> ResearchCallDto {
    ResearchCallDto {
        id: c.id,
        title: c.title.clone(),
        deadline: iso(c.deadline),
        categories: c.categories().into_iter().map(|k| ResearchCategoryDto { code: k.code, name: k.name, cap: k.cap }).collect(),
        criteria: c.criteria().into_iter().map(|k| ResearchCriterionDto { name: k.name, weight: k.weight }).collect(),
        trim: c.trim_extremes,
        funded: c.funded,
        quota: c.quota,
        notice_days: c.notice_days,
        stage: c.stage.clone(),
        stage_label: c.stage().label(lang).to_string(),
        tie_order: if full { c.tie_order() } else { Vec::new() },
        tie_reason: c.tie_reason.clone().filter(|_| full),
        notice_from: c.notice_from.map(iso),
        notice_until: c.notice_until.map(iso),
        decision: c.decision.clone(),
    }
}

/// An application with its names (never given to an expert).
#[derive(Serialize, ToSchema)]
pub struct ResearchApplicationDto {
    pub id: i64,
    pub call_id: i64,
    pub code: String,
    pub applicant_person_id: i64,
    pub applicant: String,
    pub org_id: i64,
    pub org: String,
    pub category: String,
    pub title: String,
    pub budget: i64,
    /// The blind section (活页).
    pub blind: String,
    /// submitted, forwarded or returned.
    pub state: String,
    pub comment: Option<String>,
    /// The funding granted, once approved.
    pub funding: Option<i64>,
}

pub(crate) fn application_dto(a: &ApplicationRow) -> ResearchApplicationDto {
    ResearchApplicationDto {
        id: a.id,
        call_id: a.call_id,
        code: a.code.clone(),
        applicant_person_id: a.applicant_person_id,
        applicant: a.applicant_name.clone(),
        org_id: a.org_id,
        org: a.org_name.clone(),
        category: a.category.clone(),
        title: a.title.clone(),
        budget: a.budget,
        blind: a.blind.clone(),
        state: a.state.clone(),
        comment: a.state_comment.clone(),
        funding: a.funding,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResearchTeamMemberDto {
    pub person_id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResearchApplicationDetailDto {
    #[serde(flatten)]
    pub application: ResearchApplicationDto,
    pub team: Vec<ResearchTeamMemberDto>,
    pub files: Vec<super::dto::KeptFileDto>,
    /// A funded project's mid-term and completion reports.
    pub reports: Vec<ResearchReportDto>,
    /// The reports the caller may hand in now: midterm, final.
    pub may_report: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ResearchReportDto {
    pub id: i64,
    /// midterm or final.
    pub kind: String,
    pub body: String,
    /// submitted, passed or returned.
    pub state: String,
    pub comment: Option<String>,
    pub files: Vec<super::dto::KeptFileDto>,
}

fn report_dto(r: &pacesetter_store::research::ReportRow, files: &[pacesetter_store::research::FileMeta]) -> ResearchReportDto {
    ResearchReportDto {
        id: r.id,
        kind: r.kind.clone(),
        body: r.body.clone(),
        state: r.state.clone(),
        comment: r.comment.clone(),
        files: files.iter().map(|f| super::dto::kept_file_dto(f, "/research/report-files")).collect(),
    }
}

/// The fields of a report (multipart), with its files.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ResearchReportUpload {
    /// PDF, Word, Excel or images; at most 5.
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
    /// midterm or final.
    pub kind: String,
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResearchRankDto {
    pub rank: usize,
    pub application_id: i64,
    pub code: String,
    pub title: String,
    pub applicant: String,
    pub org: String,
    pub category: String,
    pub budget: i64,
    /// The score from the sheets, two decimals (none before a sheet).
    pub score: Option<String>,
    /// The exact score as a fraction `num/den`, to recompute by.
    pub score_exact: Option<String>,
    pub sheets: usize,
    pub funded: bool,
    /// Tied at the funding line, not yet decided.
    pub tied: bool,
}

fn rank_dto(l: &RankLine) -> ResearchRankDto {
    ResearchRankDto {
        rank: l.rank,
        application_id: l.a.id,
        code: l.a.code.clone(),
        title: l.a.title.clone(),
        applicant: l.a.applicant_name.clone(),
        org: l.a.org_name.clone(),
        category: l.a.category.clone(),
        budget: l.a.budget,
        score: l.score.map(|s| s.published()),
        score_exact: l.score.map(|s| format!("{}/{}", s.num, s.den)),
        sheets: l.sheets,
        funded: l.funded,
        tied: l.tied,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResearchExpertDto {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResearchCallDetailDto {
    #[serde(flatten)]
    pub call: ResearchCallDto,
    /// The applications the caller reads with their names.
    pub applications: Vec<ResearchApplicationDto>,
    /// The caller's code when they are an expert of the call.
    pub expert_code: Option<String>,
    /// The experts (the office only).
    pub experts: Vec<ResearchExpertDto>,
    /// The ranking recomputed from the sheets (the office, the leaders, the auditor).
    pub ranking: Option<Vec<ResearchRankDto>>,
    /// Those to be funded, once on notice (公示).
    pub approved: Vec<ResearchApplicationDto>,
}

/// An application as an expert sees it: nothing that names anyone.
#[derive(Serialize, ToSchema)]
pub struct BlindApplicationDto {
    pub id: i64,
    pub code: String,
    pub category: String,
    pub title: String,
    pub blind: String,
    /// Files under neutral names, their document metadata removed.
    pub files: Vec<BlindFileDto>,
    /// The expert's own sheet, once given.
    pub my_scores: Option<Vec<u32>>,
}

#[derive(Serialize, ToSchema)]
pub struct BlindFileDto {
    pub id: i64,
    pub name: String,
    pub href: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResearchReviewDto {
    pub call: ResearchCallDto,
    pub expert_code: String,
    pub applications: Vec<BlindApplicationDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ResearchSheetDto {
    pub application_id: i64,
    pub application_code: String,
    pub expert_code: String,
    /// One per criterion, in the call's order.
    pub scores: Vec<u32>,
}

fn sheet_dto(s: &Sheet) -> ResearchSheetDto {
    ResearchSheetDto { application_id: s.application_id, application_code: s.application_code.clone(), expert_code: s.expert_code.clone(), scores: s.scores.clone() }
}

#[derive(Serialize, ToSchema)]
pub struct ResearchCreatedDto {
    pub id: i64,
}

/// The fields of an application (multipart), with its files.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ResearchApplicationUpload {
    /// Files for the experts (PDF, Word, Excel, images; at most 5): their author and company
    /// are removed.
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
    /// A category code of the call.
    pub category: String,
    pub title: String,
    /// Yuan, within the category's cap.
    pub budget: i64,
    /// The team's person ids, separated by commas.
    pub team: Option<String>,
    /// The blind section (活页): must not name the team or their organizations.
    pub blind: String,
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<ResearchCallDto>>> {
    let full = app::sees_ranking(&ctx.me()?.scope);
    Ok(Json(app::calls(&s).await?.iter().map(|c| call_dto(c, ctx.lang, full)).collect()))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<CallInput>) -> AppResult<(StatusCode, Json<ResearchCreatedDto>)> {
    let id = app::create_call(&s, &ctx.me()?.scope, &b).await?;
    Ok((StatusCode::CREATED, Json(ResearchCreatedDto { id })))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ResearchCallDetailDto>> {
    let v = app::view(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(ResearchCallDetailDto {
        call: call_dto(&v.call, ctx.lang, app::sees_ranking(&ctx.me()?.scope)),
        applications: v.applications.iter().map(application_dto).collect(),
        expert_code: v.expert.map(|e| e.code),
        experts: v.experts.iter().map(|e| ResearchExpertDto { code: e.code.clone(), name: e.name.clone() }).collect(),
        ranking: v.ranking.map(|r| r.iter().map(rank_dto).collect()),
        approved: v.approved.iter().map(application_dto).collect(),
    }))
}

pub async fn apply(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: axum::extract::Multipart) -> AppResult<(StatusCode, Json<ResearchCreatedDto>)> {
    let scope = &ctx.me()?.scope;
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let app_id = app::apply(&s, scope, id, &ApplyInput::from_values(&form.values), form.files, form.errors).await?;
    Ok((StatusCode::CREATED, Json(ResearchCreatedDto { id: app_id })))
}

pub async fn application(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ResearchApplicationDetailDto>> {
    let v = app::application(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(ResearchApplicationDetailDto {
        application: application_dto(&v.a),
        team: v.team.into_iter().map(|(person_id, name)| ResearchTeamMemberDto { person_id, name }).collect(),
        files: v.files.iter().map(|f| super::dto::kept_file_dto(f, "/research/files")).collect(),
        reports: v.reports.iter().map(|(r, f)| report_dto(r, f)).collect(),
        may_report: v.may_report.iter().map(|k| k.code().to_string()).collect(),
    }))
}

/// The project's leader or team hands in a report (multipart: kind, body, files; X-CSRF-Token).
pub async fn submit_report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: axum::extract::Multipart) -> AppResult<(StatusCode, Json<ResearchCreatedDto>)> {
    let scope = &ctx.me()?.scope;
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let input = app::ReportInput { kind: form.values.get("kind").cloned().unwrap_or_default(), body: form.values.get("body").cloned().unwrap_or_default() };
    let r = app::submit_report(&s, scope, id, &input, form.files, form.errors).await?;
    Ok((StatusCode::CREATED, Json(ResearchCreatedDto { id: r })))
}

/// The office passes a report or returns it with a reason.
pub async fn review_report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<app::ReportReviewInput>) -> AppResult<Json<ResearchReportDto>> {
    let r = app::review_report(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(Json(report_dto(&r, &[])))
}

/// The auditor's bundle (JSON): rules, sheets, tie decision, result with exact scores.
pub async fn audit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(app::audit_bundle(&s, &ctx.me()?.scope, id).await?))
}

pub async fn forward(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ForwardInput>) -> AppResult<Json<ResearchApplicationDto>> {
    let a = app::forward(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(Json(application_dto(&a)))
}

pub async fn name_expert(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ExpertInput>) -> AppResult<(StatusCode, Json<ResearchCreatedDto>)> {
    let e = app::name_expert(&s, &ctx.me()?.scope, id, &b).await?;
    Ok((StatusCode::CREATED, Json(ResearchCreatedDto { id: e })))
}

pub async fn review(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ResearchReviewDto>> {
    let v = app::review(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(ResearchReviewDto {
        call: call_dto(&v.call, ctx.lang, app::sees_ranking(&ctx.me()?.scope)),
        expert_code: v.expert.code.clone(),
        applications: v
            .items
            .into_iter()
            .map(|i| BlindApplicationDto {
                id: i.row.id,
                code: i.row.code,
                category: i.category,
                title: i.row.title,
                blind: i.row.blind,
                files: i.files.into_iter().map(|f| BlindFileDto { href: format!("/research/files/{}", f.id), id: f.id, name: f.name }).collect(),
                my_scores: i.mine,
            })
            .collect(),
    }))
}

pub async fn score(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ScoreInput>) -> AppResult<StatusCode> {
    app::score(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn ranking(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<ResearchRankDto>>> {
    let (_, lines) = app::ranking(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(lines.iter().map(rank_dto).collect()))
}

pub async fn sheets(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<ResearchSheetDto>>> {
    let (_, sheets) = app::sheets(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(sheets.iter().map(sheet_dto).collect()))
}

pub async fn tie(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<TieInput>) -> AppResult<StatusCode> {
    app::decide_tie(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ResearchCallDto>> {
    let c = app::step(&s, &ctx.me()?.scope, id, Step::Close, "").await?;
    Ok(Json(call_dto(&c, ctx.lang, true)))
}

pub async fn publish(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ResearchCallDto>> {
    let c = app::step(&s, &ctx.me()?.scope, id, Step::Publish, "").await?;
    Ok(Json(call_dto(&c, ctx.lang, true)))
}

pub async fn approve(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ApproveInput>) -> AppResult<Json<ResearchCallDto>> {
    let c = app::step(&s, &ctx.me()?.scope, id, Step::Approve, &b.decision).await?;
    Ok(Json(call_dto(&c, ctx.lang, true)))
}
