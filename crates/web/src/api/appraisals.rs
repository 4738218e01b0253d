//! Appraisal rounds over the API: adapters over [`crate::app::appraisals`], with their request
//! and response schemas. Everything the pages offer: the rounds, a round, the rater's list and
//! form, rating, the results, grades by branch, grades, the tie, the follow-up cases and the
//! auditor's bundle.

use crate::app::appraisals::{self as app, AppraisalBundle, GradeInput, Line, MySubject, RatingInput, TieInput};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::PagingQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_domain::appraisal::{Criterion, RoundDraft, RoundSpec, ScaleKind, SubjectKind, check_criteria};
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::{CaseId, OrgId, RoundId, SubjectId, UnitId};
use pacesetter_domain::validate::{self, FieldErrors};
use pacesetter_store::appraisal::{BranchGrades, CaseRow, GradeRecorded, RoundRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---- answers -------------------------------------------------------------------------------------

/// A group's weight in a round.
#[derive(Serialize, ToSchema)]
pub struct WeightDto {
    /// masses (群众评议), peers (党员互评), leaders (领导点评) or own (自评)
    pub group: String,
    /// A whole percentage; the four add up to 100.
    pub weight: u32,
}

/// A grade of 民主评议党员 and the whole points the computed score needs for it.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct GradeLevelDto {
    pub grade: String,
    pub min: u32,
}

/// An appraisal round.
#[derive(Serialize, ToSchema)]
pub struct RoundDto {
    pub id: i64,
    pub title: String,
    /// organization, member, window or cadre
    pub kind: String,
    pub kind_label: String,
    pub scope_org_id: Option<i64>,
    pub scope_unit_id: Option<i64>,
    /// satisfaction (满意 / 基本满意 / 不满意) or hundred (a score out of 100)
    pub scale: String,
    pub weights: Vec<WeightDto>,
    /// Best first; empty when the round records no grades.
    pub grades: Vec<GradeLevelDto>,
    pub quota: Option<i64>,
    pub opens: String,
    pub closes: String,
    /// Closed before its last day because a selection counted its scores.
    pub closed_on: Option<String>,
    /// Open for appraisals today.
    pub open: bool,
    /// The office's order of subjects tied at the quota line.
    pub tie_order: Vec<i64>,
    pub tie_reason: Option<String>,
}

fn round_dto(r: &RoundRow, lang: Lang) -> RoundDto {
    RoundDto {
        id: r.id,
        title: r.title.clone(),
        kind: r.subject_kind.clone(),
        kind_label: r.kind().label(lang).into(),
        scope_org_id: r.scope_org_id,
        scope_unit_id: r.scope_unit_id,
        scale: r.scale_kind().code().into(),
        weights: r.weights().into_iter().map(|(g, w)| WeightDto { group: g.code().into(), weight: w }).collect(),
        grades: r.grades().into_iter().map(|(grade, min)| GradeLevelDto { grade, min }).collect(),
        quota: r.quota,
        opens: iso(r.opens),
        closes: iso(r.closes),
        closed_on: r.closed_on.map(iso),
        open: r.is_open(pacesetter_domain::dates::today()),
        tie_order: r.tie_preference(),
        tie_reason: r.tie_reason.clone(),
    }
}

/// A subject the caller appraises.
#[derive(Serialize, ToSchema)]
pub struct MySubjectDto {
    pub subject_id: i64,
    pub name: String,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// The caller's group for it: masses, peers, leaders or own.
    pub group: String,
    pub group_label: String,
    /// Already appraised by the caller (once each).
    pub done: bool,
}

fn my_subject_dto(t: &MySubject, lang: Lang) -> MySubjectDto {
    MySubjectDto {
        subject_id: t.s.id,
        name: t.s.name.clone(),
        person_id: t.s.person_id,
        org_id: t.s.org_id,
        unit_id: t.s.unit_id,
        group: t.group.code().into(),
        group_label: t.group.label(lang).into(),
        done: t.done,
    }
}

#[derive(Serialize, ToSchema)]
pub struct CriterionDto {
    pub item: String,
    pub weight: u32,
}

/// A point of the round's scale: the value to send and its label.
#[derive(Serialize, ToSchema)]
pub struct PointDto {
    pub value: u32,
    pub label: String,
}

/// The appraisal form of one subject, in the caller's group.
#[derive(Serialize, ToSchema)]
pub struct RatingFormDto {
    pub round_id: i64,
    pub subject_id: i64,
    pub name: String,
    pub group: String,
    pub group_label: String,
    /// In order: `values` of the appraisal gives one per criterion.
    pub criteria: Vec<CriterionDto>,
    /// satisfaction or hundred
    pub scale: String,
    /// The points of a satisfaction scale; empty for a score out of 100 (send 0 to 100).
    pub points: Vec<PointDto>,
    /// A leader's appraisal carries a comment.
    pub comment_required: bool,
    pub open: bool,
    pub done: bool,
}

/// An appraisal recorded.
#[derive(Serialize, ToSchema)]
pub struct RatedDto {
    pub round_id: i64,
    pub subject_id: i64,
    /// The caller's group: masses, peers, leaders or own.
    pub group: String,
}

/// A rater group's mean for a subject.
#[derive(Serialize, ToSchema)]
pub struct GroupMeanDto {
    pub group: String,
    /// How many rated (none under the minimum).
    pub raters: Option<usize>,
    pub under_minimum: bool,
    pub mean: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AppraisalLineDto {
    pub subject_id: i64,
    pub person_id: Option<i64>,
    pub name: String,
    pub groups: Vec<GroupMeanDto>,
    /// The combined score as published, such as 91.25.
    pub score: Option<String>,
    /// The combined score exactly, as a fraction n/d.
    pub score_exact: Option<String>,
    /// The groups whose weight was shared out among the others.
    pub shared_out: Vec<String>,
    pub advised: Option<String>,
    pub grade: Option<String>,
    pub rank: Option<usize>,
    pub tied_at_line: bool,
    pub within_quota: bool,
    pub comments: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AppraisalResultsDto {
    pub id: i64,
    pub title: String,
    /// The kind of subject: window, organization, member or cadre.
    pub kind: String,
    pub quota: Option<i64>,
    /// This page of the lines the caller sees, best first.
    pub results: Vec<AppraisalLineDto>,
    /// How many lines the caller sees in all.
    pub total: usize,
    /// The page answered (past the last page, the last) and its length.
    pub page: i64,
    pub per_page: i64,
}

fn line_dto(l: &Line) -> AppraisalLineDto {
    AppraisalLineDto {
        subject_id: l.x.subject.id,
        person_id: l.x.subject.person_id,
        name: l.x.subject.name.clone(),
        groups: l
            .x
            .groups
            .iter()
            .map(|f| GroupMeanDto { group: f.group.code().to_string(), raters: f.raters, under_minimum: f.under_minimum(), mean: f.mean.map(|m| m.published()) })
            .collect(),
        score: l.x.combined.as_ref().map(|c| c.score.published()),
        score_exact: l.x.combined.as_ref().map(|c| format!("{}/{}", c.score.num, c.score.den)),
        shared_out: l.x.combined.as_ref().map(|c| c.shared_out.iter().map(|g| g.code().to_string()).collect()).unwrap_or_default(),
        advised: l.x.advised.clone(),
        grade: l.x.grade.as_ref().map(|g| g.grade.clone()),
        rank: l.rank,
        tied_at_line: l.tied,
        within_quota: l.in_quota,
        comments: l.x.comments.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct GradeCountDto {
    pub grade: String,
    pub count: usize,
}

/// 民主评议党员 by branch: how many got each grade, how many are not graded yet.
#[derive(Serialize, ToSchema)]
pub struct BranchGradesDto {
    pub org_id: Option<i64>,
    pub name: String,
    pub counts: Vec<GradeCountDto>,
    pub not_graded: usize,
}

/// A grade recorded by the branch.
#[derive(Serialize, ToSchema)]
pub struct GradeDto {
    pub subject_id: i64,
    pub grade: String,
    /// The advice of the computed score when it was recorded.
    pub advised: Option<String>,
    pub reason: Option<String>,
    /// The lowest grade: a follow-up case is open for the secondary organization.
    pub case_open: bool,
}

fn grade_dto(g: GradeRecorded) -> GradeDto {
    GradeDto { subject_id: g.subject_id, grade: g.grade, advised: g.advised, reason: g.reason, case_open: g.case_open }
}

/// The standing after the office ordered a tie.
#[derive(Serialize, ToSchema)]
pub struct TieDto {
    pub round_id: i64,
    pub tie_order: Vec<i64>,
    pub tie_reason: Option<String>,
    pub within_quota: Vec<i64>,
    /// Tied at the line and not yet ordered.
    pub tie_at_line: Vec<i64>,
}

/// A follow-up case of a member graded at the lowest grade.
#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    pub id: i64,
    pub round_id: i64,
    pub subject_id: i64,
    pub name: String,
    /// The secondary organization that follows it up.
    pub org_id: i64,
    pub org_name: String,
    /// open, closed or void (the grade changed)
    pub state: String,
    /// What was done.
    pub note: Option<String>,
    pub closed_by: Option<String>,
}

fn case_dto(k: CaseRow) -> CaseDto {
    CaseDto { id: k.id, round_id: k.round_id, subject_id: k.subject_id, name: k.name, org_id: k.org_id, org_name: k.org_name, state: k.state, note: k.note, closed_by: k.closed_by }
}

// ---- requests ------------------------------------------------------------------------------------

/// Each group's weight, whole percentages adding up to 100 (a group left out weighs 0 and is not offered).
#[derive(Deserialize, ToSchema, Default)]
pub struct WeightsIn {
    #[serde(default)]
    pub masses: u32,
    #[serde(default)]
    pub peers: u32,
    #[serde(default)]
    pub leaders: u32,
    #[serde(default)]
    pub own: u32,
}

#[derive(Deserialize, ToSchema)]
pub struct CriterionIn {
    pub item: String,
    /// 1 to 100
    pub weight: u32,
}

/// A new round.
#[derive(Deserialize, ToSchema)]
pub struct RoundIn {
    pub title: String,
    /// organization (the organizations below org_id), member (the Party members of org_id's
    /// branches), window (the windows below unit_id) or cadre (the cadres of unit_id, or of the
    /// university without one)
    pub kind: String,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// satisfaction (the default) or hundred
    pub scale: Option<String>,
    pub weights: WeightsIn,
    /// The criteria (windows use their unit's standards; these where it has none); none gives 总体评价.
    #[serde(default)]
    pub criteria: Vec<CriterionIn>,
    /// 民主评议党员's grades, best first, the last at 0.
    pub grades: Option<Vec<GradeLevelDto>>,
    pub quota: Option<i64>,
    /// YYYY-MM-DD
    pub opens: String,
    /// YYYY-MM-DD
    pub closes: String,
}

impl RoundIn {
    /// Into the domain's round, every problem named by its field.
    pub fn spec(self) -> Result<RoundSpec, FieldErrors> {
        let mut errs = FieldErrors::new();
        let kind = SubjectKind::parse(self.kind.trim());
        if kind.is_none() {
            errs.add("kind", "评议对象应为 organization、member、window 或 cadre", "kind is organization, member, window or cadre");
        }
        let scale = match self.scale.as_deref().map(str::trim) {
            None | Some("") | Some("satisfaction") => Some(ScaleKind::Satisfaction),
            Some("hundred") => Some(ScaleKind::Hundred),
            Some(_) => {
                errs.add("scale", "未知的评分方式", "Unknown scale");
                None
            }
        };
        let criteria = errs.take("criteria", check_criteria(self.criteria.into_iter().map(|c| Criterion { item: c.item, weight: c.weight }).collect()));
        let opens = errs.take("opens", validate::date(&self.opens));
        let closes = errs.take("closes", validate::date(&self.closes));
        let w = self.weights;
        RoundDraft {
            title: self.title,
            kind,
            org: self.org_id.map(OrgId),
            unit: self.unit_id.map(UnitId),
            scale,
            weights: [Some(w.masses), Some(w.peers), Some(w.leaders), Some(w.own)],
            criteria,
            grades: self.grades.map(|g| g.into_iter().map(|l| (l.grade.trim().to_string(), l.min)).collect()),
            quota: self.quota,
            opens,
            closes,
        }
        .check(errs)
    }
}

/// One appraisal.
#[derive(Deserialize, ToSchema)]
pub struct RatingIn {
    /// One value per criterion, in the form's order: a point's value (0 满意, 1 基本满意,
    /// 2 不满意) or a score from 0 to 100.
    pub values: Vec<Option<u32>>,
    /// Required of a leader (领导点评); up to 1,000 characters.
    pub comment: Option<String>,
}

/// A member's grade, decided by the branch meeting.
#[derive(Deserialize, ToSchema)]
pub struct GradeIn {
    pub grade: String,
    /// Required where the grade differs from the computed advice.
    pub reason: Option<String>,
}

/// The office's order of the subjects tied at the quota line.
#[derive(Deserialize, ToSchema)]
pub struct TieIn {
    /// Every tied subject once, best first.
    pub order: Vec<i64>,
    pub reason: String,
}

/// What was done about a follow-up case.
#[derive(Deserialize, ToSchema)]
pub struct CaseCloseIn {
    pub note: String,
}

// ---- handlers ------------------------------------------------------------------------------------

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<RoundDto>>> {
    let l = app::list(&s, &ctx.me()?.scope).await?;
    Ok(Json(l.rounds.iter().map(|x| round_dto(&x.r, ctx.lang)).collect()))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<RoundIn>) -> AppResult<(StatusCode, Json<RoundDto>)> {
    let scope = &ctx.me()?.scope;
    let spec = b.spec().map_err(AppError::invalid)?;
    let id = app::create(&s, scope, &spec).await?;
    let r = app::round(&s, scope, id).await?;
    Ok((StatusCode::CREATED, Json(round_dto(&r, ctx.lang))))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<RoundDto>> {
    let r = app::round(&s, &ctx.me()?.scope, RoundId(id)).await?;
    Ok(Json(round_dto(&r, ctx.lang)))
}

/// The rater's list: the subjects the caller appraises, those still to do first.
pub async fn subjects(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<MySubjectDto>>> {
    let (_, list) = app::my_subjects(&s, &ctx.me()?.scope, RoundId(id)).await?;
    Ok(Json(list.iter().map(|t| my_subject_dto(t, ctx.lang)).collect()))
}

pub async fn subject(State(s): State<AppState>, ctx: Ctx, Path((id, sid)): Path<(i64, i64)>) -> AppResult<Json<RatingFormDto>> {
    let f = app::rating_form(&s, &ctx.me()?.scope, RoundId(id), SubjectId(sid)).await?;
    Ok(Json(RatingFormDto {
        round_id: f.r.id,
        subject_id: f.s.id,
        name: f.s.name.clone(),
        group: f.group.code().into(),
        group_label: f.group.label(ctx.lang).into(),
        criteria: f.criteria.iter().map(|c| CriterionDto { item: c.item.clone(), weight: c.weight }).collect(),
        scale: f.r.scale_kind().code().into(),
        points: f.points.iter().map(|(value, label)| PointDto { value: *value, label: label.clone() }).collect(),
        comment_required: f.group == pacesetter_domain::appraisal::Group::Leaders,
        open: f.r.is_open(pacesetter_domain::dates::today()),
        done: f.done,
    }))
}

pub async fn rate(State(s): State<AppState>, ctx: Ctx, Path((id, sid)): Path<(i64, i64)>, Json(b): Json<RatingIn>) -> AppResult<(StatusCode, Json<RatedDto>)> {
    if b.values.len() > pacesetter_domain::appraisal::MAX_CRITERIA {
        return Err(AppError::bad_request("评分项过多", "Too many values"));
    }
    let input = RatingInput { values: b.values, comment: b.comment.unwrap_or_default() };
    let g = app::rate(&s, &ctx.me()?.scope, RoundId(id), SubjectId(sid), &input).await?;
    Ok((StatusCode::CREATED, Json(RatedDto { round_id: id, subject_id: sid, group: g.code().into() })))
}

/// ?page=&per_page= (50 lines a page by default, at most 200): a university's round has
/// thousands of lines.
pub async fn results(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<PagingQuery>) -> AppResult<Json<AppraisalResultsDto>> {
    let p = q.paging();
    let which = app::Lines::Page { page: p.page as usize, per_page: p.limit() as usize };
    let (r, x) = app::results(&s, &ctx.me()?.scope, RoundId(id), which).await?;
    Ok(Json(AppraisalResultsDto {
        id: r.id,
        title: r.title.clone(),
        kind: r.subject_kind.clone(),
        quota: r.quota,
        results: x.lines.iter().map(line_dto).collect(),
        total: x.total,
        page: x.page as i64,
        per_page: p.limit(),
    }))
}

pub async fn branches(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<BranchGradesDto>>> {
    let (r, rows) = app::grades_by_branch(&s, &ctx.me()?.scope, RoundId(id)).await?;
    let grades = r.grades();
    let dto = |b: &BranchGrades| BranchGradesDto {
        org_id: b.org_id,
        name: b.name.clone(),
        counts: grades.iter().zip(&b.counts).map(|((g, _), n)| GradeCountDto { grade: g.clone(), count: *n }).collect(),
        not_graded: b.not_graded,
    };
    Ok(Json(rows.iter().map(dto).collect()))
}

pub async fn grade(State(s): State<AppState>, ctx: Ctx, Path((id, sid)): Path<(i64, i64)>, Json(b): Json<GradeIn>) -> AppResult<Json<GradeDto>> {
    let input = GradeInput { grade: b.grade, reason: b.reason.unwrap_or_default() };
    Ok(Json(grade_dto(app::grade(&s, &ctx.me()?.scope, RoundId(id), SubjectId(sid), &input).await?)))
}

pub async fn tie(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<TieIn>) -> AppResult<Json<TieDto>> {
    if b.order.len() > 10_000 {
        return Err(AppError::bad_request("并列对象过多", "Too many subjects"));
    }
    let input = TieInput { order: b.order.into_iter().map(SubjectId).collect(), reason: b.reason };
    let (r, st) = app::tie(&s, &ctx.me()?.scope, RoundId(id), &input).await?;
    Ok(Json(TieDto { round_id: r.id, tie_order: r.tie_preference(), tie_reason: r.tie_reason.clone(), within_quota: st.within, tie_at_line: st.tie_at_line }))
}

pub async fn cases(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<CaseDto>>> {
    Ok(Json(app::cases(&s, &ctx.me()?.scope, RoundId(id)).await?.into_iter().map(case_dto).collect()))
}

pub async fn close_case(State(s): State<AppState>, ctx: Ctx, Path((id, cid)): Path<(RoundId, CaseId)>, Json(b): Json<CaseCloseIn>) -> AppResult<Json<CaseDto>> {
    Ok(Json(case_dto(app::close_case(&s, &ctx.me()?.scope, id, cid, &b.note).await?)))
}

/// The auditor's bundle, as JSON (the page route `/appraisals/{id}/audit.json` gives the same as a file).
pub async fn bundle(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<AppraisalBundle>> {
    Ok(Json(app::bundle(&s, &ctx.me()?.scope, RoundId(id)).await?))
}
