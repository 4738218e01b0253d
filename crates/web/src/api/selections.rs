//! Selections and the award register over the API: adapters over [`crate::app::selections`].
//! Every answer is cut by the same [`Disclosure`](pacesetter_domain::selection::Disclosure) as
//! the pages; a ballot is never linked to its voter (a vote answers with the caller's own
//! standing only: in the electorate, voted).

use super::dto::{CandidateDto, SelectionDto, SelectionResultDto, TurnoutDto};
use crate::app::selections::{self as app, Review, SelectionView};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::{NominationId, ObjectionId, OrgId, SelectionId};
use pacesetter_domain::selection::Stage;
use pacesetter_store::commitment::NewEvidence;
use pacesetter_store::selection::{AwardRow, EvidenceRow, NewNomination, NewSelection, NominationRow, ObjectionRow, QuotaRow, SeenNomination};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

// ---- the shapes ------------------------------------------------------------------------------

/// A selection in the campaign's list.
#[derive(Serialize, ToSchema)]
pub struct SelectionLineDto {
    pub id: i64,
    pub title: String,
    /// The award category's code in the plan.
    pub category: String,
    pub quota: i64,
    /// nominating, voting, counted, notice or final.
    pub stage: String,
    pub nominate_until: String,
    pub vote_from: String,
    pub vote_until: String,
    /// A ballot or score sheet waits for the caller.
    pub my_ballot_waiting: bool,
}

/// The office starts a selection from an award category of the plan.
#[derive(Deserialize, ToSchema)]
pub struct NewSelectionIn {
    /// The award category's code in the plan.
    pub category: String,
    /// Defaults to the category's name and period.
    pub title: Option<String>,
    /// 1 to 1000; defaults to the category's quota.
    pub quota: Option<i64>,
    /// The organization whose members vote (the root or a secondary organization); defaults to the root.
    pub electorate_org_id: Option<i64>,
    /// YYYY-MM-DD
    pub nominate_until: String,
    /// YYYY-MM-DD
    pub vote_from: String,
    /// YYYY-MM-DD
    pub vote_until: String,
    /// The appraisal round whose combined scores count (methods appraisal and mix).
    pub appraisal_round_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    pub id: i64,
}

/// A file of evidence, downloaded from `href`.
#[derive(Serialize, ToSchema)]
pub struct NominationEvidenceDto {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub href: String,
}

/// A nomination as the caller sees it: in full (`full`), or, from the ballot on, an eligible
/// candidate's name and kind only (the other fields null).
#[derive(Serialize, ToSchema)]
pub struct NominationDto {
    pub id: i64,
    /// person, organization, window, unit or entry.
    pub kind: String,
    pub name: String,
    /// A person's Party organization.
    pub home: Option<String>,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// recommended, nominated, eligible or ineligible.
    pub state: String,
    pub full: bool,
    /// The reasons (in a mass nomination, the caller's own, unless the caller is the office).
    pub reasons: Option<String>,
    pub detail: Option<String>,
    pub nominated_by_org: Option<String>,
    pub quota_org_id: Option<i64>,
    pub quota_org: Option<String>,
    /// How many nominated or supported this candidate.
    pub supporters: Option<i64>,
    pub review_note: Option<String>,
    pub evidence: Vec<NominationEvidenceDto>,
}

/// A nominator puts a candidate forward: a person by number, an organization, a unit or
/// window, or an entry by title, as the category takes.
#[derive(Deserialize, ToSchema)]
pub struct NominateIn {
    /// The organization that nominates (organizations' nominations); leave out for the office or a mass nomination.
    pub by_org_id: Option<i64>,
    /// The candidate person, as found by name (`GET /api/v1/selections/{id}/candidates?q=`).
    pub person_id: Option<i64>,
    /// Or the candidate's staff or student number (a person).
    pub person_number: Option<String>,
    /// The candidate organization.
    pub org_id: Option<i64>,
    /// The candidate unit or window.
    pub unit_id: Option<i64>,
    /// An entry's title (an activity or carrier).
    pub title: Option<String>,
    pub detail: Option<String>,
    pub reasons: String,
    /// An activity or carrier's evidence: an activity the nominating organization held and
    /// recorded (`GET /api/v1/activities`).
    pub activity_id: Option<i64>,
}

/// The multipart/form-data body of a nomination with evidence files: the fields of
/// [`NominateIn`] as text parts, and the files.
#[derive(ToSchema)]
pub struct NominationUpload {
    /// Evidence (PDF, images, Office documents; repeat the part for several).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
    pub by_org_id: Option<i64>,
    pub person_id: Option<i64>,
    pub person_number: Option<String>,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub title: Option<String>,
    pub detail: Option<String>,
    pub reasons: String,
    /// An activity the nominating organization held and recorded (an activity or a carrier).
    pub activity_id: Option<i64>,
}

/// The auditor's bundle: the eligible list and the electorate with their fingerprints, the
/// ballots (or the panel's marks per candidate) without any voter, the number who took part,
/// the rules, the recorded decisions and the result, from which the ranking is recomputed.
#[derive(Serialize)]
#[serde(transparent)]
pub struct AuditBundleDto(pub serde_json::Value);

impl utoipa::PartialSchema for AuditBundleDto {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("The eligible list and electorate with their fingerprints, the ballots or marks without voters, the rules, the decisions and the result"))
            .into()
    }
}

impl ToSchema for AuditBundleDto {}

#[derive(Serialize, ToSchema)]
pub struct QuotaDto {
    pub org_id: i64,
    pub org_name: String,
    pub quota: i64,
    /// Nominations forwarded so far (waiting for review or eligible).
    pub used: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct QuotaIn {
    pub org_id: i64,
    /// 0 to 1000.
    pub quota: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct QuotasIn {
    pub quotas: Vec<QuotaIn>,
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewIn {
    /// eligible or ineligible.
    pub decision: String,
    /// Required for ineligible.
    pub note: Option<String>,
}

/// A secret ballot: the nominations approved, from 1 up to the quota.
#[derive(Deserialize, ToSchema)]
pub struct BallotIn {
    pub choices: Vec<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct MarkIn {
    pub nomination_id: i64,
    /// 0 to 100; null or left out for a candidate the caller recuses themself from.
    pub score: Option<u32>,
}

/// A panel member's score sheet.
#[derive(Deserialize, ToSchema)]
pub struct ScoresIn {
    pub scores: Vec<MarkIn>,
}

#[derive(Deserialize, ToSchema)]
pub struct PanelMinimumIn {
    /// 2 to 5.
    pub minimum: i64,
    pub reason: String,
}

/// The office's order of the candidates tied at the quota line, and why.
#[derive(Deserialize, ToSchema)]
pub struct SelectionTieIn {
    /// Every tied nomination, best first.
    pub order: Vec<i64>,
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ObjectionIn {
    /// A candidate on notice.
    pub nomination_id: i64,
    pub reasons: String,
}

/// An objection: the office sees every one with its objector; anyone else their own.
#[derive(Serialize, ToSchema)]
pub struct ObjectionDto {
    pub id: i64,
    pub nomination_id: i64,
    pub candidate: String,
    /// The objector's name (the office only).
    pub objector: Option<String>,
    pub reasons: String,
    /// open, upheld or rejected.
    pub state: String,
    pub resolution: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ResolveIn {
    /// upheld or rejected.
    pub decision: String,
    pub resolution: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ApproveIn {
    /// The decision (审定文件), such as its document number.
    pub decision: String,
}

/// An award of the register.
#[derive(Serialize, ToSchema)]
pub struct AwardDto {
    pub id: i64,
    pub selection_id: i64,
    pub nomination_id: i64,
    pub award: String,
    pub period: String,
    pub recipient: String,
    pub kind: String,
    /// The recipient's organization (a person's Party organization).
    pub home: Option<String>,
    pub rank: i64,
    pub decision: String,
    pub awarded_on: String,
    pub certificate_no: String,
    /// The certificate as PDF.
    pub certificate: String,
    /// The public page of the newest published story about this award (典型宣传).
    pub story: Option<String>,
}

// ---- conversions -----------------------------------------------------------------------------

fn evidence_dto(selection: i64, e: &EvidenceRow) -> NominationEvidenceDto {
    NominationEvidenceDto { id: e.id, filename: e.filename.clone(), content_type: e.content_type.clone(), size: e.size, href: format!("/selections/{selection}/evidence/{}", e.id) }
}

fn nomination_dto(selection: i64, n: &NominationRow, full: bool, evidence: &HashMap<i64, Vec<EvidenceRow>>) -> NominationDto {
    let f = |v: Option<String>| if full { v } else { None };
    NominationDto {
        id: n.id,
        kind: n.kind.clone(),
        name: n.name.clone(),
        home: n.home.clone(),
        person_id: n.person_id,
        org_id: n.org_id,
        unit_id: n.unit_id,
        state: n.state.clone(),
        full,
        reasons: f(Some(n.reasons.clone())),
        detail: f(n.detail.clone()),
        nominated_by_org: f(n.nominated_by_org.clone()),
        quota_org_id: if full { n.quota_org_id } else { None },
        quota_org: f(n.quota_org.clone()),
        supporters: full.then_some(n.supporters),
        review_note: f(n.review_note.clone()),
        evidence: evidence.get(&n.id).map(|v| v.iter().map(|e| evidence_dto(selection, e)).collect()).unwrap_or_default(),
    }
}

fn seen_dto(selection: i64, n: &SeenNomination, evidence: &HashMap<i64, Vec<EvidenceRow>>) -> NominationDto {
    nomination_dto(selection, &n.n, n.full, evidence)
}

fn quota_dto(q: &QuotaRow) -> QuotaDto {
    QuotaDto { org_id: q.org_id, org_name: q.org_name.clone(), quota: q.quota, used: q.used }
}

fn objection_dto(o: &ObjectionRow, office: bool) -> ObjectionDto {
    ObjectionDto {
        id: o.id,
        nomination_id: o.nomination_id,
        candidate: o.candidate.clone(),
        objector: office.then(|| o.objector.clone()),
        reasons: o.reasons.clone(),
        state: o.state.clone(),
        resolution: o.resolution.clone(),
    }
}

pub fn award_dto(a: &AwardRow) -> AwardDto {
    AwardDto {
        id: a.id,
        selection_id: a.selection_id,
        nomination_id: a.nomination_id,
        award: a.award.clone(),
        period: a.period.clone(),
        recipient: a.recipient.clone(),
        kind: a.kind.clone(),
        home: a.home.clone(),
        rank: a.rank,
        decision: a.decision.clone(),
        awarded_on: iso(a.awarded_on),
        certificate_no: a.certificate_no.clone(),
        certificate: format!("/selections/{}/awards/{}/certificate.pdf", a.selection_id, a.id),
        story: a.story_id.map(|s| format!("/stories/{s}")),
    }
}

/// A selection as the caller may see it: the same [`SelectionView`] the page renders.
fn selection_dto(v: &SelectionView, lang: Lang) -> SelectionDto {
    let row = &v.row;
    let result = v.outcome.as_ref().map(|o| SelectionResultDto {
        votes: (v.show.totals && row.is_ballot()).then(|| o.order.iter().map(|(id, f)| (*id, f.num as u64)).collect()),
        scores: (v.show.totals && !row.is_ballot()).then(|| o.order.iter().map(|(id, f)| (*id, f.published())).collect()),
        selected: v.show.selected.then(|| o.selected.clone()),
        moved_up: v.show.moved_up.then(|| o.moved_up.clone()),
        tie_at_line: v.show.tie_at_line.then(|| o.tie_at_line.clone()),
    });
    SelectionDto {
        id: row.id,
        title: row.title.clone(),
        category: row.category_code.clone(),
        quota: row.quota,
        stage: row.stage.clone(),
        nominate_until: iso(row.nominate_until),
        vote_from: iso(row.vote_from),
        vote_until: iso(row.vote_until),
        eligibility_hash: row.eligibility_hash.clone(),
        electorate_hash: row.electorate_hash.clone(),
        electorate_size: row.electorate_size,
        took_part: v.took_part.max(0) as usize,
        voters: v.show.voters.then(|| v.voters.iter().map(|p| p.name.clone()).collect()),
        notice_from: row.notice_from.map(iso),
        notice_until: row.notice_until.map(iso),
        me: v.my,
        candidates: v.candidates().map(|n| CandidateDto { id: n.id, name: n.name.clone(), kind: n.kind.clone() }).collect(),
        result,
        turnout: v.turnout.filter(|_| v.stage >= Stage::Voting).map(|t| TurnoutDto {
            kind: t.kind.code().into(),
            cast: t.cast,
            electorate: t.electorate,
            minimum: t.minimum,
            met: t.met(),
            percent: t.percent(),
            text: t.text(lang),
        }),
        turnout_reason: row.turnout_reason.clone(),
        study_points: v.points.values().map(super::study_points::dto).collect(),
        nominated_activities: v
            .activities
            .values()
            .map(|a| NominatedActivityDto {
                nomination_id: a.nomination_id,
                activity_id: a.activity_id,
                kind: a.kind.clone(),
                title: a.title.clone(),
                on_day: iso(a.on_day),
                host: a.host_name.clone(),
                checked_in: a.checked_in,
                hours: a.half_hours as f64 / 2.0,
                record: a.record.clone(),
            })
            .collect(),
        participation: v
            .participation
            .iter()
            .map(|(n, p)| NomineeParticipationDto { nomination_id: *n, activities: p.activities, hours: p.half_hours as f64 / 2.0, books: p.books })
            .collect(),
    }
}

async fn selection_answer(s: &AppState, ctx: &Ctx, id: SelectionId) -> AppResult<Json<SelectionDto>> {
    let v = app::view(s, &ctx.me()?.scope, id).await?;
    Ok(Json(selection_dto(&v, ctx.lang)))
}

fn nids(v: &[i64]) -> Vec<NominationId> {
    v.iter().map(|i| NominationId(*i)).collect()
}

// ---- the handlers ----------------------------------------------------------------------------

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<SelectionLineDto>>> {
    let ix = app::index(&s, &ctx.me()?.scope).await?;
    Ok(Json(
        ix.lines
            .iter()
            .map(|l| SelectionLineDto {
                id: l.s.id,
                title: l.s.title.clone(),
                category: l.s.category_code.clone(),
                quota: l.s.quota,
                stage: l.s.stage.clone(),
                nominate_until: iso(l.s.nominate_until),
                vote_from: iso(l.s.vote_from),
                vote_until: iso(l.s.vote_until),
                my_ballot_waiting: l.my_ballot,
            })
            .collect(),
    ))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewSelectionIn>) -> AppResult<Json<CreatedDto>> {
    let n = NewSelection {
        category: b.category,
        title: b.title.unwrap_or_default(),
        quota: b.quota.map(|q| q.to_string()).unwrap_or_default(),
        electorate_org: b.electorate_org_id,
        nominate_until: b.nominate_until,
        vote_from: b.vote_from,
        vote_until: b.vote_until,
        appraisal_round: b.appraisal_round_id,
    };
    let id = app::create(&s, &ctx.me()?.scope, &n).await?;
    Ok(Json(CreatedDto { id: id.0 }))
}

/// A selection's stage, candidates, the caller's ballot status and the result as far as the
/// caller may see it.
pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Json<SelectionDto>> {
    selection_answer(&s, &ctx, id).await
}

pub async fn nominations(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Json<Vec<NominationDto>>> {
    let (_, noms, evidence) = app::nominations(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(noms.iter().map(|n| seen_dto(id.0, n, &evidence)).collect()))
}

/// The picker's query: part of a name, and the organization that nominates (organizations'
/// nominations).
#[derive(Deserialize)]
pub struct CandidateQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub by_org: Option<OrgId>,
}

/// People the caller may nominate whose name contains `q`, with their organization and unit.
pub async fn candidates(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<SelectionId>,
    crate::input::Params(q): crate::input::Params<CandidateQuery>,
) -> AppResult<Json<Vec<super::dto::PublicPersonDto>>> {
    let rows = app::candidates(&s, &ctx.me()?.scope, id, &q.q, q.by_org).await?;
    Ok(Json(rows.into_iter().map(super::dto::PublicPersonDto::from).collect()))
}

pub async fn nominate(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Json(b): Json<NominateIn>) -> AppResult<Json<CreatedDto>> {
    let n = NewNomination {
        by_org: b.by_org_id,
        person: b.person_id,
        person_number: b.person_number.unwrap_or_default(),
        org: b.org_id,
        unit: b.unit_id,
        title: b.title.unwrap_or_default(),
        detail: b.detail.unwrap_or_default(),
        reasons: b.reasons,
        activity: b.activity_id,
    };
    let nid = app::nominate(&s, &ctx.me()?.scope, id, &n, Vec::new()).await?;
    Ok(Json(CreatedDto { id: nid.0 }))
}

/// A nomination with evidence files (multipart). Who may nominate at all is asked before the
/// upload is read.
pub async fn nominate_upload(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, mp: axum::extract::Multipart) -> AppResult<Json<CreatedDto>> {
    let scope = ctx.me()?.scope.clone();
    app::may_nominate(&s, &scope, id).await?;
    let crate::upload::MultipartForm { values: m, files, errors, .. } = crate::upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let text = |k: &str| m.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let id_of = |k: &str| -> AppResult<Option<i64>> {
        match m.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| AppError::bad_request(format!("{k} 应为整数"), format!("{k} is a whole number"))),
        }
    };
    let n = NewNomination {
        by_org: id_of("by_org_id")?,
        person: id_of("person_id")?,
        person_number: text("person_number"),
        org: id_of("org_id")?,
        unit: id_of("unit_id")?,
        title: text("title"),
        detail: text("detail"),
        reasons: m.get("reasons").cloned().unwrap_or_default(),
        activity: id_of("activity_id")?,
    };
    let evidence = files.into_iter().map(|f| NewEvidence { filename: f.filename, content_type: f.kind.content_type().into(), data: f.data }).collect();
    let nid = app::nominate(&s, &scope, id, &n, evidence).await?;
    Ok(Json(CreatedDto { id: nid.0 }))
}

/// The activity a nomination carries as its evidence.
#[derive(Serialize, ToSchema)]
pub struct NominatedActivityDto {
    pub nomination_id: i64,
    pub activity_id: i64,
    pub kind: String,
    pub title: String,
    pub on_day: String,
    pub host: String,
    /// People checked in.
    pub checked_in: i64,
    /// Volunteer hours given in all.
    pub hours: f64,
    pub record: Option<String>,
}

/// A person nominee's part in the activities of the last twelve months.
#[derive(Serialize, ToSchema)]
pub struct NomineeParticipationDto {
    pub nomination_id: i64,
    pub activities: i64,
    pub hours: f64,
    pub books: i64,
}

/// The auditor's bundle of a counted selection (the office and the auditor).
pub async fn audit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Json<AuditBundleDto>> {
    Ok(Json(AuditBundleDto(app::audit_bundle(&s, &ctx.me()?.scope, id).await?)))
}

pub async fn forward(State(s): State<AppState>, ctx: Ctx, Path((id, nid)): Path<(SelectionId, NominationId)>) -> AppResult<Json<NominationDto>> {
    let n = app::forward(&s, &ctx.me()?.scope, id, nid).await?;
    Ok(Json(nomination_dto(id.0, &n, true, &HashMap::new())))
}

pub async fn review(State(s): State<AppState>, ctx: Ctx, Path((id, nid)): Path<(SelectionId, NominationId)>, Json(b): Json<ReviewIn>) -> AppResult<Json<NominationDto>> {
    let eligible = match b.decision.trim() {
        "eligible" => true,
        "ineligible" => false,
        _ => return Err(AppError::bad_request("decision 应为 eligible 或 ineligible", "decision is eligible or ineligible")),
    };
    let n = app::review(&s, &ctx.me()?.scope, id, nid, &Review { eligible, note: b.note.unwrap_or_default() }).await?;
    Ok(Json(nomination_dto(id.0, &n, true, &HashMap::new())))
}

pub async fn quotas(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Json<Vec<QuotaDto>>> {
    let q = app::quotas(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(q.iter().map(quota_dto).collect()))
}

pub async fn set_quotas(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Json(b): Json<QuotasIn>) -> AppResult<Json<Vec<QuotaDto>>> {
    let scope = &ctx.me()?.scope;
    let values: Vec<(OrgId, String)> = b.quotas.iter().map(|q| (OrgId(q.org_id), q.quota.to_string())).collect();
    app::set_quotas(&s, scope, id, &values).await?;
    let q = app::quotas(&s, scope, id).await?;
    Ok(Json(q.iter().map(quota_dto).collect()))
}

pub async fn open(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Json<SelectionDto>> {
    app::open(&s, &ctx.me()?.scope, id).await?;
    selection_answer(&s, &ctx, id).await
}

/// Casts a secret ballot. The answer is the selection as the caller sees it: their own standing
/// (voted) and nothing of their choices.
pub async fn vote(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Json(b): Json<BallotIn>) -> AppResult<Json<SelectionDto>> {
    app::vote(&s, &ctx.me()?.scope, id, &nids(&b.choices)).await?;
    selection_answer(&s, &ctx, id).await
}

pub async fn score(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Json(b): Json<ScoresIn>) -> AppResult<Json<SelectionDto>> {
    let marks: HashMap<NominationId, Option<u32>> = b.scores.iter().map(|m| (NominationId(m.nomination_id), m.score)).collect();
    app::score(&s, &ctx.me()?.scope, id, &marks).await?;
    selection_answer(&s, &ctx, id).await
}

/// Closes the ballot and counts it. Below the category's minimum turnout: 409 with what to do,
/// unless `reason` is given; then it closes without a count and publishes nothing. The body may
/// be left out.
pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, body: Option<Json<app::Close>>) -> AppResult<Json<SelectionDto>> {
    let input = body.map(|Json(b)| b).unwrap_or_default();
    app::close(&s, &ctx.me()?.scope, id, &input).await?;
    selection_answer(&s, &ctx, id).await
}

/// Extends an open vote to a later last day.
pub async fn extend(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Json(b): Json<app::Extend>) -> AppResult<Json<SelectionDto>> {
    app::extend(&s, &ctx.me()?.scope, id, &b).await?;
    selection_answer(&s, &ctx, id).await
}

pub async fn panel_minimum(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Json(b): Json<PanelMinimumIn>) -> AppResult<Json<SelectionDto>> {
    app::panel_minimum(&s, &ctx.me()?.scope, id, b.minimum, &b.reason).await?;
    selection_answer(&s, &ctx, id).await
}

pub async fn tie(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Json(b): Json<SelectionTieIn>) -> AppResult<Json<SelectionDto>> {
    app::tie(&s, &ctx.me()?.scope, id, &nids(&b.order), &b.reason).await?;
    selection_answer(&s, &ctx, id).await
}

pub async fn publish(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Json<SelectionDto>> {
    app::publish(&s, &ctx.me()?.scope, id).await?;
    selection_answer(&s, &ctx, id).await
}

pub async fn objections(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Json<Vec<ObjectionDto>>> {
    let scope = &ctx.me()?.scope;
    let rows = app::objections(&s, scope, id).await?;
    Ok(Json(rows.iter().map(|o| objection_dto(o, scope.is_office_or_admin())).collect()))
}

pub async fn object(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Json(b): Json<ObjectionIn>) -> AppResult<Json<CreatedDto>> {
    let oid = app::object(&s, &ctx.me()?.scope, id, NominationId(b.nomination_id), &b.reasons).await?;
    Ok(Json(CreatedDto { id: oid.0 }))
}

pub async fn resolve(State(s): State<AppState>, ctx: Ctx, Path((id, oid)): Path<(SelectionId, ObjectionId)>, Json(b): Json<ResolveIn>) -> AppResult<Json<SelectionDto>> {
    let upheld = match b.decision.trim() {
        "upheld" => true,
        "rejected" => false,
        _ => return Err(AppError::bad_request("decision 应为 upheld 或 rejected", "decision is upheld or rejected")),
    };
    app::resolve(&s, &ctx.me()?.scope, id, oid, upheld, &b.resolution).await?;
    selection_answer(&s, &ctx, id).await
}

pub async fn approve(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Json(b): Json<ApproveIn>) -> AppResult<Json<SelectionDto>> {
    app::approve(&s, &ctx.me()?.scope, id, &b.decision).await?;
    selection_answer(&s, &ctx, id).await
}

/// The awards of one approved selection.
pub async fn awards(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Json<Vec<AwardDto>>> {
    let v = app::view(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(v.awards.iter().map(award_dto).collect()))
}

/// The award register of the current campaign.
pub async fn register(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<AwardDto>>> {
    ctx.me()?;
    let rows = app::register(&s).await?;
    Ok(Json(rows.iter().map(award_dto).collect()))
}

/// A selection's public notice (公示): names and where they belong, the period; no figures.
#[derive(Serialize, ToSchema)]
pub struct NoticeDto {
    pub selection_id: i64,
    pub title: String,
    pub award: String,
    pub from: Option<String>,
    pub until: Option<String>,
    pub working_days: u32,
    pub running: bool,
    pub approved: bool,
    pub named: Vec<NoticeEntryDto>,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeEntryDto {
    pub name: String,
    /// The Party organization (a person), or nothing.
    pub of: Option<String>,
    pub moved_up: bool,
}

fn notice_dto(n: app::PublicNotice) -> NoticeDto {
    NoticeDto {
        selection_id: n.id,
        title: n.title,
        award: n.category,
        from: n.from.map(iso),
        until: n.until.map(iso),
        working_days: n.notice_days,
        running: n.running,
        approved: n.approved,
        named: n.entries.into_iter().map(|(name, of, moved_up)| NoticeEntryDto { name, of, moved_up }).collect(),
    }
}

pub async fn notices(State(s): State<AppState>) -> AppResult<Json<Vec<NoticeDto>>> {
    Ok(Json(app::public_notices(&s).await?.into_iter().map(notice_dto).collect()))
}

pub async fn notice(State(s): State<AppState>, Path(id): Path<SelectionId>) -> AppResult<Json<NoticeDto>> {
    Ok(Json(notice_dto(app::public_notice(&s, id).await?)))
}
