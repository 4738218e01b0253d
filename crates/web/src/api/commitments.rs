//! Public commitments over the API: adapters over [`crate::app::commitments`]. Everything the
//! pages offer: making, editing, handing in and amending commitments, review one by one or in a
//! batch, progress with evidence (multipart), coverage and reminders, requirements, the roll-up,
//! the evaluation, and the boards with their settings.

use super::dto::{CommitmentDto, CommitmentRateDto, NamedId, OwedCommitmentsDto};
use crate::app::commitments::{self as app, CommitmentInput, Content, Line, ListQuery, RateView, RollRow};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use pacesetter_domain::commitment::{PublicField, Summary};
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::{CommitmentId, OrgId, TaskId, UnitId};
use pacesetter_domain::survey as sv;
use pacesetter_store::commitment::{Board, CommitmentRow, RequirementRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---- DTOs -------------------------------------------------------------------------------------

/// A commitment to make on a commitment task the caller owes.
#[derive(Deserialize, ToSchema)]
pub struct NewCommitment {
    pub task_id: i64,
    /// The requirement (争创要求) it answers: addressed to the owner's organization or above.
    pub requirement_id: Option<i64>,
    /// One of the campaign's categories.
    pub category: String,
    pub content: String,
    pub measures: String,
    /// A measurable target.
    pub target: String,
    /// YYYY-MM-DD, within the campaign's year.
    pub due: String,
    /// Hand it in for review at once (a draft otherwise).
    #[serde(default)]
    pub submit: bool,
}

/// A commitment's new text: a draft or returned one changes in place (handed in with submit);
/// an approved one is an amendment that waits for review while the approved text stays.
#[derive(Deserialize, ToSchema)]
pub struct CommitmentChange {
    pub requirement_id: Option<i64>,
    pub category: String,
    pub content: String,
    pub measures: String,
    pub target: String,
    pub due: String,
    #[serde(default)]
    pub submit: bool,
}

/// Commitments named by their ids.
#[derive(Deserialize, ToSchema)]
pub struct CommitmentIds {
    pub ids: Vec<i64>,
}

/// A reviewer's decision on one or several commitments (or their amendments): all or nothing.
#[derive(Deserialize, ToSchema)]
pub struct CommitmentReview {
    pub ids: Vec<i64>,
    /// approve or return
    pub action: String,
    /// Required to return.
    pub comment: Option<String>,
}

/// A reviewer's decision on one commitment.
#[derive(Deserialize, ToSchema)]
pub struct CommitmentDecision {
    /// approve or return
    pub action: String,
    /// Required to return.
    pub comment: Option<String>,
}

/// How many were handed in or decided.
#[derive(Serialize, ToSchema)]
pub struct DoneDto {
    pub done: usize,
}

/// A commitment's text as its owner writes it.
#[derive(Serialize, ToSchema)]
pub struct ContentDto {
    pub category: String,
    pub content: String,
    pub measures: String,
    pub target: String,
    pub due: String,
}

/// A requirement (争创要求) handed down to an organization.
#[derive(Serialize, ToSchema)]
pub struct RequirementDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// The requirement above that it splits.
    pub parent_id: Option<i64>,
    pub title: String,
    pub text: String,
}

/// A version handed in, with its decision.
#[derive(Serialize, ToSchema)]
pub struct RevisionDto {
    pub version: i64,
    pub submitted_by: String,
    /// Milliseconds since the epoch.
    pub submitted_ms: i64,
    /// approved, returned, or none while it waits
    pub decision: Option<String>,
    pub comment: Option<String>,
    pub decided_by: Option<String>,
    pub content: Option<ContentDto>,
}

/// A file of evidence of a progress report (download it at `url`).
#[derive(Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub url: String,
}

/// A progress report (践诺). Who reported and the evidence only within the commitment's scope.
#[derive(Serialize, ToSchema)]
pub struct ProgressDto {
    pub id: i64,
    pub day: String,
    pub percent: i64,
    pub text: String,
    pub reported_by: Option<String>,
    pub evidence: Vec<EvidenceDto>,
}

/// One commitment with its requirement, amendment, history and progress, as far as the caller
/// may see them: outside its scope only the board's fields, no history, no evidence.
#[derive(Serialize, ToSchema)]
pub struct CommitmentDetailDto {
    #[serde(flatten)]
    pub commitment: CommitmentDto,
    pub requirement: Option<RequirementDto>,
    /// The amendment waiting for review.
    pub amendment: Option<ContentDto>,
    pub revisions: Vec<RevisionDto>,
    pub progress: Vec<ProgressDto>,
    /// The caller may change it and report progress (its owner).
    pub can_edit: bool,
    /// The caller reviews it.
    pub can_review: bool,
}

/// A commitment waiting for the caller's review.
#[derive(Serialize, ToSchema)]
pub struct ToReviewDto {
    pub commitment: CommitmentDto,
    /// The amendment it waits with, if any.
    pub amendment: Option<ContentDto>,
}

/// The multipart/form-data body of a progress report.
#[derive(ToSchema)]
pub struct ProgressUpload {
    /// YYYY-MM-DD, not after today (today when left out).
    pub day: Option<String>,
    /// 0 to 100, never below the last report; 100 fulfils the commitment.
    pub percent: String,
    /// What was done.
    pub text: String,
    /// Evidence: photos and documents (repeat the part for several).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
}

/// A commitment owed and not yet made.
#[derive(Serialize, ToSchema)]
pub struct OwedDto {
    pub task_id: i64,
    pub owner_name: String,
    pub title: String,
    pub due: Option<String>,
}

/// Who has committed, in the caller's scope or below an organization.
#[derive(Serialize, ToSchema)]
pub struct CommitmentCoverageDto {
    pub org: Option<NamedId>,
    /// Commitment tasks owed.
    pub total: usize,
    /// Of which a commitment was handed in.
    pub committed: usize,
    pub missing: Vec<OwedDto>,
}

/// Which organization to remind below (the caller's scope without one).
#[derive(Deserialize, ToSchema)]
pub struct RemindRequest {
    pub org_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentRemindedDto {
    /// Those not yet committed whom the caller reminded.
    pub tasks: usize,
    /// Notifications new today (one a day each).
    pub sent: usize,
}

/// A requirement to hand down.
#[derive(Deserialize, ToSchema)]
pub struct NewRequirementRequest {
    pub org_id: i64,
    /// A requirement addressed to that organization or above, that this one splits.
    pub parent_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub text: String,
}

/// The requirements the caller can read, and the organizations they may hand one down to.
#[derive(Serialize, ToSchema)]
pub struct RequirementsDto {
    pub items: Vec<RequirementDto>,
    pub addressable: Vec<NamedId>,
}

/// Commitments summed: how many, in which state, the mean progress, and the satisfaction (none
/// under the minimum of an anonymous evaluation).
#[derive(Serialize, ToSchema)]
pub struct SummaryDto {
    pub total: u64,
    pub made: u64,
    pub approved: u64,
    pub fulfilled: u64,
    pub overdue: u64,
    /// The mean progress of the public commitments, in whole percent.
    pub mean_progress: Option<u64>,
    pub rate: CommitmentRateDto,
}

#[derive(Serialize, ToSchema)]
pub struct RollRowDto {
    pub id: i64,
    pub name: String,
    /// Commitment tasks with a commitment handed in, and owed.
    pub committed: usize,
    pub owed: usize,
    pub summary: SummaryDto,
}

/// An organization's own figures (its own and its members' commitments), its subtree's, each
/// child's, and for the office at the root the window units'.
#[derive(Serialize, ToSchema)]
pub struct RollupDto {
    /// The organization, or the unit when `kind` is `unit`.
    pub org: NamedId,
    /// `org`, or `unit` for a unit's roll-up (its own and its windows' commitments).
    pub kind: &'static str,
    pub own: SummaryDto,
    pub subtree: SummaryDto,
    pub committed: usize,
    pub owed: usize,
    pub children: Vec<RollRowDto>,
    pub windows: Vec<RollRowDto>,
    pub rate_definition: String,
}

/// Which organization's commitments to evaluate (the caller's highest without one).
#[derive(Deserialize, ToSchema)]
pub struct EvaluateRequest {
    pub org_id: Option<i64>,
}

/// The evaluation survey started (a draft: open it on its page).
#[derive(Serialize, ToSchema)]
pub struct EvaluationDto {
    pub survey_id: i64,
    /// The commitments it names.
    pub targets: u64,
}

/// A commitment on a board: only the fields the office shows (the others are left out).
#[derive(Serialize, ToSchema)]
pub struct BoardItemDto {
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<CommitmentRateDto>,
}

/// An organization's public board.
#[derive(Serialize, ToSchema)]
pub struct BoardDto {
    pub org: NamedId,
    pub open_to_public: bool,
    /// The fields shown: name, org, category, content, measures, target, due, progress, rate
    pub fields: Vec<String>,
    pub items: Vec<BoardItemDto>,
    pub children: Vec<NamedId>,
    pub rate_definition: String,
}

/// The board's settings (the office): open to readers without an account, and the fields shown.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct BoardSettings {
    pub open_to_public: bool,
    /// name, org, category, content, measures, target, due, progress, rate (at least one)
    pub fields: Vec<String>,
}

// ---- conversions ------------------------------------------------------------------------------

pub fn rate_dto(r: &RateView) -> CommitmentRateDto {
    match r {
        RateView::Shown(r) => CommitmentRateDto {
            shown: true,
            under_minimum: None,
            satisfied: Some(r.satisfied),
            fairly: Some(r.fairly),
            dissatisfied: Some(r.dissatisfied),
            valid: Some(r.valid()),
            percent: Some(sv::fmt_percent(r.percent())),
        },
        other => {
            CommitmentRateDto { shown: false, under_minimum: Some(*other == RateView::UnderMinimum), satisfied: None, fairly: None, dissatisfied: None, valid: None, percent: None }
        }
    }
}

fn row_dto(l: &CommitmentRow, rate: &RateView, overdue: bool, late: bool) -> CommitmentDto {
    CommitmentDto {
        id: l.id,
        task_id: l.task_id,
        owner_kind: l.owner_kind().to_string(),
        owner_name: l.owner_name.clone(),
        org_id: l.board_org_id,
        org_name: l.org_name.clone(),
        requirement_id: l.requirement_id,
        category: l.category.clone(),
        content: l.content.clone(),
        measures: l.measures.clone(),
        target: l.target.clone(),
        due: iso(l.due),
        state: l.state.clone(),
        percent: l.percent,
        version: l.version,
        amendment_pending: l.pending_revision.is_some(),
        overdue,
        late,
        rate: rate_dto(rate),
    }
}

pub fn line_dto(l: &Line) -> CommitmentDto {
    row_dto(&l.c, &l.rate, l.overdue, l.late)
}

fn content_dto(c: &Content) -> ContentDto {
    ContentDto { category: c.category.clone(), content: c.content.clone(), measures: c.measures.clone(), target: c.target.clone(), due: iso(c.due) }
}

fn requirement_dto(r: &RequirementRow) -> RequirementDto {
    RequirementDto { id: r.id, org_id: r.org_id, org_name: r.org_name.clone(), parent_id: r.parent_id, title: r.title.clone(), text: r.text.clone() }
}

fn summary_dto(s: &Summary, rate: &RateView) -> SummaryDto {
    SummaryDto { total: s.total, made: s.made, approved: s.approved, fulfilled: s.fulfilled, overdue: s.overdue, mean_progress: s.mean_progress(), rate: rate_dto(rate) }
}

fn roll_dto(r: &RollRow, own: bool) -> RollRowDto {
    let (s, rate) = if own { (&r.s.own, &r.rate) } else { (&r.s.subtree, &r.rate) };
    RollRowDto { id: r.node.id, name: r.node.name.clone(), committed: r.committed, owed: r.owed, summary: summary_dto(s, rate) }
}

// ---- handlers ---------------------------------------------------------------------------------

/// The commitment tasks the caller owes, each with its commitments.
pub async fn mine(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<OwedCommitmentsDto>>> {
    let scope = &ctx.me()?.scope;
    let rows = app::mine(&s, scope).await?;
    Ok(Json(
        rows.into_iter()
            .map(|m| OwedCommitmentsDto {
                task_id: m.t.id,
                owner_kind: m.t.owner_kind().to_string(),
                owner_name: m.t.owner_name.clone(),
                task_state: m.t.state.clone(),
                commitments: m.items.iter().map(|i| i.c.id).collect(),
            })
            .collect(),
    ))
}

/// The commitments in the caller's scope, with the list's filters.
pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Json<Vec<CommitmentDto>>> {
    let scope = &ctx.me()?.scope;
    let rows = app::list(&s, scope, &q).await?;
    Ok(Json(rows.iter().map(line_dto).collect()))
}

/// One commitment with what the caller may see of its history and progress.
pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<CommitmentDetailDto>> {
    let scope = &ctx.me()?.scope;
    let d = app::detail(&s, scope, CommitmentId(id)).await?;
    let progress = d
        .progress
        .iter()
        .map(|p| ProgressDto {
            id: p.p.id,
            day: iso(p.p.day),
            percent: p.p.percent,
            text: p.p.text.clone(),
            reported_by: Some(p.p.reported_by.clone()).filter(|r| !r.is_empty()),
            evidence: p
                .files
                .iter()
                .map(|f| EvidenceDto { id: f.id, filename: f.filename.clone(), content_type: f.content_type.clone(), size: f.size, url: format!("/commitments/evidence/{}", f.id) })
                .collect(),
        })
        .collect();
    let revisions = d
        .revisions
        .iter()
        .map(|r| RevisionDto {
            version: r.r.version,
            submitted_by: r.r.submitted_by.clone(),
            submitted_ms: r.r.submitted_ms,
            decision: r.r.decision.clone(),
            comment: r.r.comment.clone(),
            decided_by: r.r.decided_by.clone(),
            content: r.content.as_ref().map(content_dto),
        })
        .collect();
    Ok(Json(CommitmentDetailDto {
        commitment: line_dto(&d.line),
        requirement: d.requirement.as_ref().map(requirement_dto),
        amendment: d.pending.as_ref().and_then(|p| p.content.as_ref()).map(content_dto),
        revisions,
        progress,
        can_edit: d.owner,
        can_review: d.reviewer,
    }))
}

async fn one(s: &AppState, ctx: &Ctx, id: CommitmentId) -> AppResult<Json<CommitmentDto>> {
    let l = app::get(s, &ctx.me()?.scope, id).await?;
    Ok(Json(line_dto(&l)))
}

/// Makes a commitment: a draft, or handed in with submit.
pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewCommitment>) -> AppResult<Json<CommitmentDto>> {
    let input = CommitmentInput { requirement: b.requirement_id, category: b.category, content: b.content, measures: b.measures, target: b.target, due: b.due, submit: b.submit };
    let id = app::create(&s, &ctx.me()?.scope, TaskId(b.task_id), &input).await?;
    one(&s, &ctx, id).await
}

/// Edits a draft or returned commitment, or asks to amend an approved one.
pub async fn edit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<CommitmentChange>) -> AppResult<Json<CommitmentDto>> {
    let input = CommitmentInput { requirement: b.requirement_id, category: b.category, content: b.content, measures: b.measures, target: b.target, due: b.due, submit: b.submit };
    app::edit(&s, &ctx.me()?.scope, CommitmentId(id), &input).await?;
    one(&s, &ctx, CommitmentId(id)).await
}

fn ids_of(ids: &[i64]) -> Vec<CommitmentId> {
    let mut v: Vec<CommitmentId> = ids.iter().copied().map(CommitmentId).collect();
    v.sort();
    v.dedup();
    v
}

/// Hands drafts in for review.
pub async fn submit(State(s): State<AppState>, ctx: Ctx, Json(b): Json<CommitmentIds>) -> AppResult<Json<DoneDto>> {
    let done = app::submit(&s, &ctx.me()?.scope, &ids_of(&b.ids)).await?;
    Ok(Json(DoneDto { done }))
}

/// The commitments and amendments waiting for the caller's review.
pub async fn review_queue(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<ToReviewDto>>> {
    let rows = app::review_queue(&s, &ctx.me()?.scope).await?;
    Ok(Json(rows.iter().map(|r| ToReviewDto { commitment: line_dto(&r.line), amendment: r.amendment.as_ref().and_then(|a| a.as_ref()).map(content_dto) }).collect()))
}

/// Approves or returns a batch: all or nothing.
pub async fn review(State(s): State<AppState>, ctx: Ctx, Json(b): Json<CommitmentReview>) -> AppResult<Json<DoneDto>> {
    let d = app::decision_of(Some(&b.action), b.comment.as_deref())?;
    let done = app::review(&s, &ctx.me()?.scope, &ids_of(&b.ids), &d).await?;
    Ok(Json(DoneDto { done }))
}

/// Approves or returns one commitment (or its amendment).
pub async fn review_one(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<CommitmentDecision>) -> AppResult<Json<CommitmentDto>> {
    let d = app::decision_of(Some(&b.action), b.comment.as_deref())?;
    app::review(&s, &ctx.me()?.scope, &[CommitmentId(id)], &d).await?;
    one(&s, &ctx, CommitmentId(id)).await
}

/// Reports progress (multipart: day, percent, text, files; the X-CSRF-Token header).
pub async fn report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Json<ProgressDto>> {
    let scope = &ctx.me()?.scope;
    let id = CommitmentId(id);
    app::may_report(&s, scope, id).await?;
    let input = app::ProgressInput::from_form(upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?);
    let pid = app::report(&s, scope, id, input).await?;
    let d = app::detail(&s, scope, id).await?;
    let p = d.progress.iter().find(|p| p.p.id == pid).ok_or_else(AppError::not_found)?;
    Ok(Json(ProgressDto {
        id: p.p.id,
        day: iso(p.p.day),
        percent: p.p.percent,
        text: p.p.text.clone(),
        reported_by: Some(p.p.reported_by.clone()).filter(|r| !r.is_empty()),
        evidence: p
            .files
            .iter()
            .map(|f| EvidenceDto { id: f.id, filename: f.filename.clone(), content_type: f.content_type.clone(), size: f.size, url: format!("/commitments/evidence/{}", f.id) })
            .collect(),
    }))
}

#[derive(Deserialize)]
pub struct OrgQuery {
    pub org: Option<OrgId>,
}

#[derive(Deserialize)]
pub struct RollupQuery {
    pub org: Option<OrgId>,
    pub unit: Option<UnitId>,
}

/// Who has not committed, in the caller's scope or below an organization.
pub async fn coverage(State(s): State<AppState>, ctx: Ctx, Query(q): Query<OrgQuery>) -> AppResult<Json<CommitmentCoverageDto>> {
    let cov = app::coverage(&s, &ctx.me()?.scope, q.org).await?;
    let missing: Vec<OwedDto> =
        cov.missing().iter().map(|t| OwedDto { task_id: t.id, owner_name: t.owner_name.clone(), title: t.title.clone(), due: t.due_date.map(iso) }).collect();
    Ok(Json(CommitmentCoverageDto { org: cov.node.as_ref().map(|n| NamedId { id: n.id, name: n.name.clone() }), total: cov.rows.len(), committed: cov.made(), missing }))
}

/// Reminds those who have not committed.
pub async fn remind(State(s): State<AppState>, ctx: Ctx, Json(b): Json<RemindRequest>) -> AppResult<Json<CommitmentRemindedDto>> {
    let (tasks, sent) = app::remind(&s, &ctx.me()?.scope, b.org_id.map(OrgId)).await?;
    Ok(Json(CommitmentRemindedDto { tasks, sent }))
}

/// The requirements the caller can read, and where they may hand one down.
pub async fn requirements(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<RequirementsDto>> {
    let (rows, orgs) = app::requirements(&s, &ctx.me()?.scope).await?;
    Ok(Json(RequirementsDto { items: rows.iter().map(requirement_dto).collect(), addressable: orgs.iter().map(|n| NamedId { id: n.id, name: n.name.clone() }).collect() }))
}

/// Hands a requirement down.
pub async fn add_requirement(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewRequirementRequest>) -> AppResult<Json<RequirementDto>> {
    let r = app::NewRequirement { org: Some(OrgId(b.org_id)), parent: b.parent_id, title: b.title, text: b.text };
    let row = app::add_requirement(&s, &ctx.me()?.scope, &r).await?;
    Ok(Json(requirement_dto(&row)))
}

/// The roll-up of an organization (the caller's highest without one), or of a unit (a unit
/// head's without one).
pub async fn rollup(State(s): State<AppState>, ctx: Ctx, Query(q): Query<RollupQuery>) -> AppResult<Json<RollupDto>> {
    let r = app::rollup(&s, &ctx.me()?.scope, q.org, q.unit).await?;
    Ok(Json(RollupDto {
        org: NamedId { id: r.node.id, name: r.node.name.clone() },
        kind: if r.unit { "unit" } else { "org" },
        own: summary_dto(&r.me.s.own, &r.me.own_rate),
        subtree: summary_dto(&r.me.s.subtree, &r.me.rate),
        committed: r.me.committed,
        owed: r.me.owed,
        children: r.children.iter().map(|c| roll_dto(c, false)).collect(),
        windows: r.windows.iter().map(|c| roll_dto(c, true)).collect(),
        rate_definition: app::rate_definition(ctx.lang).into(),
    }))
}

/// Starts an evaluation survey of the approved commitments below an organization.
pub async fn evaluate(State(s): State<AppState>, ctx: Ctx, Json(b): Json<EvaluateRequest>) -> AppResult<Json<EvaluationDto>> {
    let (survey, targets) = app::evaluate(&s, &ctx.me()?.scope, b.org_id.map(OrgId)).await?;
    Ok(Json(EvaluationDto { survey_id: survey.0, targets }))
}

/// An organization's public board: for anyone logged in, and for anyone once the office opens it.
pub async fn board(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<BoardDto>> {
    let b = app::board(&s, ctx.caller.as_ref().map(|c| &c.scope), OrgId(id)).await?;
    let shows = |f: PublicField| b.board.fields.contains(&f);
    let items = b
        .lines
        .iter()
        .map(|l| BoardItemDto {
            id: l.c.id,
            owner_name: shows(PublicField::Name).then(|| l.c.owner_name.clone()),
            org_name: if shows(PublicField::Org) { l.c.org_name.clone() } else { None },
            category: shows(PublicField::Category).then(|| l.c.category.clone()),
            content: shows(PublicField::Content).then(|| l.c.content.clone()),
            measures: shows(PublicField::Measures).then(|| l.c.measures.clone()),
            target: shows(PublicField::Target).then(|| l.c.target.clone()),
            due: shows(PublicField::Due).then(|| iso(l.c.due)),
            state: shows(PublicField::Progress).then(|| l.c.state.clone()),
            percent: shows(PublicField::Progress).then_some(l.c.percent),
            rate: shows(PublicField::Rate).then(|| rate_dto(&l.rate)),
        })
        .collect();
    Ok(Json(BoardDto {
        org: NamedId { id: b.node.id, name: b.node.name.clone() },
        open_to_public: b.board.open_to_public,
        fields: b.board.fields.iter().map(|f| f.code().to_string()).collect(),
        items,
        children: b.children.iter().map(|n| NamedId { id: n.id, name: n.name.clone() }).collect(),
        rate_definition: app::rate_definition(ctx.lang).into(),
    }))
}

/// The board's settings as they stand.
pub async fn board_settings(State(s): State<AppState>) -> AppResult<Json<BoardSettings>> {
    let b = app::board_settings(&s).await?;
    Ok(Json(BoardSettings { open_to_public: b.open_to_public, fields: b.fields.iter().map(|f| f.code().to_string()).collect() }))
}

/// The office opens the board and chooses its fields.
pub async fn set_board_settings(State(s): State<AppState>, ctx: Ctx, Json(b): Json<BoardSettings>) -> AppResult<Json<BoardSettings>> {
    let fields = app::public_fields(&b.fields)?;
    app::set_board(&s, &ctx.me()?.scope, &Board { open_to_public: b.open_to_public, fields }).await?;
    board_settings(State(s)).await
}
