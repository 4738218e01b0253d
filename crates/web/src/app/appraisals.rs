//! Appraisal rounds (评议): the use cases behind the pages and the API. The office starts a round
//! (its subjects, criteria and the weight of each rater group); each person appraises the
//! subjects they have a part in, in the group that follows from who they are; the results show
//! each group's mean, the combined score, the advice and the standing against the quota line,
//! to whoever the domain's rules let see them; the branch records grades in 民主评议党员, the
//! lowest opening a follow-up case that the secondary organization closes; the office orders a
//! tie at the quota line; the auditor takes the round's bundle and recounts.
//!
//! Every function opens its own connection or transaction and loads the caller once
//! ([`Caller`]); each page and answer is a fixed number of queries whatever the round's size.

use crate::error::{AppError, AppResult};
use crate::export::Sheet;
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::appraisal::{self as rule, Group, GroupFigure, RoundSpec, Scale, Standing, SubjectKind};
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::ids::{CaseId, RoundId, SubjectId};
use pacesetter_domain::scope::Scope;
pub use pacesetter_store::appraisal::Lines;
use pacesetter_store::appraisal::{self as ap, BranchGrades, Caller, CaseRow, Criterion, GradeRecorded, RoundRow, SubjectResult, SubjectRow};
use pacesetter_store::{Conn, StoreError, campaign};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

async fn caller(c: &mut Conn, scope: &Scope) -> AppResult<Caller> {
    Ok(Caller::load(c, scope).await?)
}

fn no_campaign() -> AppError {
    AppError::new(axum::http::StatusCode::NOT_FOUND, "no_campaign", "目前没有进行中的活动", "No campaign is running")
}

// ---- the list and a new round ----------------------------------------------------------------------

/// A round as the list shows it.
pub struct RoundLine {
    pub r: RoundRow,
    pub open: bool,
}

impl RoundLine {
    pub fn kind(&self, lang: &Lang) -> &'static str {
        self.r.kind().label(*lang)
    }
}

/// The rounds of the current campaign the caller sees, and, for the office, where a round may
/// be started.
pub struct RoundList {
    pub rounds: Vec<RoundLine>,
    pub office: bool,
    pub orgs: Vec<(i64, String)>,
    pub units: Vec<(i64, String)>,
}

pub async fn list(s: &AppState, scope: &Scope) -> AppResult<RoundList> {
    let mut c = s.store.read().await?;
    let camp = campaign::current(&mut c).await?.ok_or_else(no_campaign)?;
    let me = caller(&mut c, scope).await?;
    let day = today();
    let rounds = ap::rounds(&mut c, &me, camp.id).await?.into_iter().map(|r| RoundLine { open: r.is_open(day), r }).collect();
    let office = scope.is_office_or_admin();
    let (orgs, units) = if office { ap::scope_choices(&mut c).await? } else { (Vec::new(), Vec::new()) };
    let orgs = crate::app::tree::with_full_paths(&mut c, pacesetter_store::tree::Tree::Org, orgs).await?;
    let units = crate::app::tree::with_full_paths(&mut c, pacesetter_store::tree::Tree::Unit, units).await?;
    Ok(RoundList { rounds, office, orgs, units })
}

/// Starts a round in the current campaign (the office): lists its subjects with their criteria.
pub async fn create(s: &AppState, scope: &Scope, spec: &RoundSpec) -> AppResult<RoundId> {
    let mut w = s.store.write().await?;
    let camp = campaign::current(&mut w).await?.ok_or_else(no_campaign)?;
    let id = ap::create(&mut w, scope, camp.id, spec).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// A round the caller sees.
pub async fn round(s: &AppState, scope: &Scope, id: RoundId) -> AppResult<RoundRow> {
    let mut c = s.store.read().await?;
    let me = caller(&mut c, scope).await?;
    Ok(ap::round(&mut c, &me, id).await?)
}

/// The weights as a line: "群众评议 50% · 党员互评 30% · 领导点评 20%".
pub fn weights_text(r: &RoundRow, lang: Lang) -> String {
    r.weights().iter().filter(|(_, w)| *w > 0).map(|(g, w)| format!("{} {w}%", g.label(lang))).collect::<Vec<_>>().join(" · ")
}

// ---- the rater's part --------------------------------------------------------------------------------

/// A subject the caller appraises: in which group, and whether it is done.
#[derive(Clone, Debug)]
pub struct MySubject {
    pub s: SubjectRow,
    pub group: Group,
    pub done: bool,
}

/// The caller's subjects in a round, in groups the round weighs, those still to do first.
async fn my_subjects_in(c: &mut Conn, me: &Caller, r: &RoundRow) -> AppResult<Vec<MySubject>> {
    let done: std::collections::HashSet<i64> = ap::rated_by_me(c, me, r).await?.into_iter().collect();
    let mut out: Vec<MySubject> = ap::to_rate(c, me, r, None)
        .await?
        .into_iter()
        .filter(|t| r.weight(t.group) > 0)
        .map(|t| MySubject { done: done.contains(&t.subject.id), group: t.group, s: t.subject })
        .collect();
    // A long list of windows or members: those still to do first, then by place and name.
    out.sort_by(|a, b| (a.done, &a.s.path, &a.s.name, a.s.id).cmp(&(b.done, &b.s.path, &b.s.name, b.s.id)));
    Ok(out)
}

/// The rater's list: the subjects the caller appraises in a round, and in which group.
pub async fn my_subjects(s: &AppState, scope: &Scope, id: RoundId) -> AppResult<(RoundRow, Vec<MySubject>)> {
    let mut c = s.store.read().await?;
    let me = caller(&mut c, scope).await?;
    let r = ap::round(&mut c, &me, id).await?;
    let list = my_subjects_in(&mut c, &me, &r).await?;
    Ok((r, list))
}

/// How many subjects of each open round of the campaign the caller still owes (the desk).
pub async fn owed(s: &AppState, scope: &Scope) -> AppResult<Vec<(RoundRow, usize)>> {
    let mut c = s.store.read().await?;
    let Some(camp) = campaign::current(&mut c).await? else { return Ok(Vec::new()) };
    let me = caller(&mut c, scope).await?;
    let day = today();
    let mut out = Vec::new();
    for r in ap::rounds(&mut c, &me, camp.id).await?.into_iter().filter(|r| r.is_open(day)) {
        let n = my_subjects_in(&mut c, &me, &r).await?.iter().filter(|t| !t.done).count();
        out.push((r, n));
    }
    Ok(out)
}

/// The appraisal form of one subject, in the caller's group.
pub struct RatingForm {
    pub r: RoundRow,
    pub s: SubjectRow,
    pub criteria: Vec<Criterion>,
    pub group: Group,
    /// The scale's points (index, label); empty for a score out of 100.
    pub points: Vec<(u32, String)>,
    pub hundred: bool,
    pub done: bool,
}

fn not_a_rater() -> AppError {
    AppError::from(StoreError::Forbidden(pacesetter_domain::Text::new("您不在这一评议对象的评议人范围内", "You are not among those who appraise this subject")))
}

pub async fn rating_form(s: &AppState, scope: &Scope, id: RoundId, sid: SubjectId) -> AppResult<RatingForm> {
    let mut c = s.store.read().await?;
    let me = caller(&mut c, scope).await?;
    let r = ap::round(&mut c, &me, id).await?;
    // Refused alike whether the subject is not the caller's, of another round, or none at all.
    let t = ap::to_rate(&mut c, &me, &r, Some(sid)).await?.into_iter().next().ok_or_else(not_a_rater)?;
    let done = ap::rated_by_me(&mut c, &me, &r).await?.contains(&sid.0);
    let points = match r.scale() {
        Scale::Points(p) => p.into_iter().enumerate().map(|(i, (label, _))| (i as u32, label)).collect(),
        Scale::Hundred => Vec::new(),
    };
    Ok(RatingForm { hundred: r.scale_kind() == rule::ScaleKind::Hundred, criteria: t.subject.criteria(), s: t.subject, group: t.group, points, done, r })
}

/// One appraisal: a value per criterion (the index of a point, or a score out of 100) and a
/// comment (required of a leader).
#[derive(Clone, Debug, Default)]
pub struct RatingInput {
    pub values: Vec<Option<u32>>,
    pub comment: String,
}

/// Appraises a subject once; answers with the caller's group.
pub async fn rate(s: &AppState, scope: &Scope, id: RoundId, sid: SubjectId, input: &RatingInput) -> AppResult<Group> {
    let mut w = s.store.write().await?;
    let me = caller(&mut w, scope).await?;
    let rated = ap::rate(&mut w, &me, id, sid, &input.values, &input.comment).await?;
    w.commit().await.map_err(StoreError::from)?;
    rated.settle();
    Ok(rated.group)
}

// ---- results -----------------------------------------------------------------------------------------

/// A result line: the subject's figures, where it stands, and whether the caller records its grade.
pub struct Line {
    pub x: SubjectResult,
    pub rank: Option<usize>,
    pub tied: bool,
    pub in_quota: bool,
    pub grade_form: bool,
}

impl Line {
    pub fn score(&self) -> String {
        self.x.combined.as_ref().map(|c| c.score.published()).unwrap_or_else(|| "—".into())
    }

    pub fn group_text(&self, lang: &Lang) -> String {
        self.x
            .groups
            .iter()
            .map(|f| match f.raters {
                Some(n) => format!("{} {}（{}{}）", f.group.label(*lang), f.mean.map(|m| m.published()).unwrap_or_else(|| "—".into()), n, lang.t("人", " raters")),
                None => format!("{} —（{}）", f.group.label(*lang), lang.t("不足5人，不公布、不计入", "under 5 raters: not shown, not counted")),
            })
            .collect::<Vec<_>>()
            .join("；")
    }

    pub fn shared_out(&self, lang: &Lang) -> String {
        match &self.x.combined {
            Some(c) if !c.shared_out.is_empty() => {
                let names: Vec<&str> = c.shared_out.iter().map(|g| g.label(*lang)).collect();
                let small: Vec<&str> = c.under_minimum.iter().map(|g| g.label(*lang)).collect();
                match (lang, small.is_empty()) {
                    (Lang::Zh, true) => format!("{}无人评议，其权重按比例分给其他评议主体", names.join("、")),
                    (Lang::Zh, false) => format!("{}无人评议或匿名评议不足5人（{}），按无人评议处理，其权重按比例分给其他评议主体", names.join("、"), small.join("、")),
                    (Lang::En, true) => format!("{}: nobody rated; its weight was shared out in proportion", names.join(", ")),
                    (Lang::En, false) => format!(
                        "{}: nobody rated, or an anonymous group under 5 raters ({}), counted as empty; its weight was shared out in proportion",
                        names.join(", "),
                        small.join(", ")
                    ),
                }
            }
            _ => String::new(),
        }
    }
}

fn lines_of(scope: &Scope, r: &RoundRow, results: Vec<SubjectResult>, standing: &Standing) -> Vec<Line> {
    let rank: HashMap<i64, usize> = standing.order.iter().copied().collect();
    let grading = r.kind() == SubjectKind::Member && !r.grades().is_empty();
    let grades_within = rule::grades_within(scope);
    results
        .into_iter()
        .map(|x| {
            let id = x.subject.id;
            Line {
                rank: rank.get(&id).copied(),
                tied: standing.tie_at_line.contains(&id),
                in_quota: standing.within.contains(&id),
                grade_form: grading && grades_within.covers(&x.subject.path),
                x,
            }
        })
        .collect()
}

/// The results the caller may see, best first: all of them (`Lines::All`, the exports) or a page.
pub struct ResultLines {
    pub lines: Vec<Line>,
    /// How many lines the caller sees in all, and the page shown of them.
    pub total: usize,
    pub page: usize,
    /// The subjects tied at the quota line that the caller sees (id, name).
    pub tied: Vec<(i64, String)>,
}

async fn results_in(c: &mut Conn, me: &Caller, r: &RoundRow, which: Lines) -> AppResult<ResultLines> {
    let x = ap::results(c, me, r, which).await?;
    let lines = lines_of(&me.scope, r, x.lines, &x.standing);
    Ok(ResultLines { lines, total: x.total, page: x.page, tied: x.tied })
}

/// The results the caller may see, best first.
pub async fn results(s: &AppState, scope: &Scope, id: RoundId, which: Lines) -> AppResult<(RoundRow, ResultLines)> {
    let mut c = s.store.read().await?;
    let me = caller(&mut c, scope).await?;
    let r = ap::round(&mut c, &me, id).await?;
    let x = results_in(&mut c, &me, &r, which).await?;
    Ok((r, x))
}

/// 民主评议党员 by branch, as far as the caller sees results.
pub async fn grades_by_branch(s: &AppState, scope: &Scope, id: RoundId) -> AppResult<(RoundRow, Vec<BranchGrades>)> {
    let mut c = s.store.read().await?;
    let me = caller(&mut c, scope).await?;
    let r = ap::round(&mut c, &me, id).await?;
    let rows = ap::grades_by_branch(&mut c, &me, &r).await?;
    Ok((r, rows))
}

/// A round's page: the caller's subjects, a page of the results they see, grades by branch, the
/// tie the office orders and the follow-up cases. A fixed number of queries whatever the round's
/// size.
pub struct RoundPage {
    pub r: RoundRow,
    pub open: bool,
    pub office: bool,
    pub to_rate: Vec<MySubject>,
    pub results: ResultLines,
    pub rollup: Vec<BranchGrades>,
    pub cases: Vec<CaseRow>,
    /// Subjects tied at the quota line, for the office's order.
    pub tied: Vec<(i64, String)>,
}

/// `results` is the page of the results to show (`Lines::Page`).
pub async fn round_page(s: &AppState, scope: &Scope, id: RoundId, results: Lines) -> AppResult<RoundPage> {
    let mut c = s.store.read().await?;
    let me = caller(&mut c, scope).await?;
    let r = ap::round(&mut c, &me, id).await?;
    let to_rate = my_subjects_in(&mut c, &me, &r).await?;
    let results = results_in(&mut c, &me, &r, results).await?;
    let rollup = ap::grades_by_branch(&mut c, &me, &r).await?;
    let cases = ap::cases(&mut c, &me, &r).await?;
    let office = scope.is_office_or_admin();
    let tied = if office { results.tied.clone() } else { Vec::new() };
    Ok(RoundPage { open: r.is_open(today()), office, to_rate, results, rollup, cases, tied, r })
}

// ---- the office's and the branches' decisions --------------------------------------------------------

/// A grade the branch records: one of the round's grades, and the reason where it differs from
/// the advice.
#[derive(Clone, Debug, Default)]
pub struct GradeInput {
    pub grade: String,
    pub reason: String,
}

pub async fn grade(s: &AppState, scope: &Scope, id: RoundId, sid: SubjectId, input: &GradeInput) -> AppResult<GradeRecorded> {
    let mut w = s.store.write().await?;
    let me = caller(&mut w, scope).await?;
    let g = ap::record_grade(&mut w, &me, id, sid, input.grade.trim(), &input.reason).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(g)
}

/// The office's order of the subjects tied at the quota line (best first), and why.
#[derive(Clone, Debug, Default)]
pub struct TieInput {
    pub order: Vec<SubjectId>,
    pub reason: String,
}

/// Records the order; answers with the round and its standing after.
pub async fn tie(s: &AppState, scope: &Scope, id: RoundId, input: &TieInput) -> AppResult<(RoundRow, Standing)> {
    let mut w = s.store.write().await?;
    let me = caller(&mut w, scope).await?;
    let order: Vec<i64> = input.order.iter().map(|s| s.0).collect();
    let r = ap::decide_tie(&mut w, &me, id, &order, &input.reason).await?;
    let standing = ap::standing(&mut w, &r).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok((r, standing))
}

/// The follow-up cases of a round the caller sees.
pub async fn cases(s: &AppState, scope: &Scope, id: RoundId) -> AppResult<Vec<CaseRow>> {
    let mut c = s.store.read().await?;
    let me = caller(&mut c, scope).await?;
    let r = ap::round(&mut c, &me, id).await?;
    Ok(ap::cases(&mut c, &me, &r).await?)
}

/// Closes a follow-up case with what was done.
pub async fn close_case(s: &AppState, scope: &Scope, id: RoundId, case: CaseId, note: &str) -> AppResult<CaseRow> {
    let mut w = s.store.write().await?;
    let me = caller(&mut w, scope).await?;
    let k = ap::close_case(&mut w, &me, id, case.0, note).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(k)
}

// ---- the auditor's bundle ----------------------------------------------------------------------------

/// The round as the bundle names it.
#[derive(Serialize, ToSchema)]
pub struct BundleRound {
    pub id: i64,
    pub title: String,
    pub subject_kind: String,
    pub quota: Option<i64>,
    pub opens: String,
    pub closes: String,
    pub closed_on: Option<String>,
}

/// The rules a recount follows, in words.
#[derive(Serialize, ToSchema)]
pub struct BundleRules {
    pub rater: &'static str,
    pub group: &'static str,
    pub combined: &'static str,
    pub ranking: &'static str,
    pub publishing: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct BundleWeight {
    /// masses, peers, leaders or own
    pub group: String,
    pub weight: u32,
}

/// One group of a subject: every rating's values (one per criterion, in the criteria's order),
/// sorted, without the raters; null with a note where the group's ratings are not published.
#[derive(Serialize, ToSchema)]
pub struct BundleGroup {
    pub group: String,
    pub weight: u32,
    pub anonymous: bool,
    pub ratings: Option<Vec<Vec<u32>>>,
    pub omitted: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct BundleCriterion {
    pub item: String,
    pub weight: u32,
}

#[derive(Serialize, ToSchema)]
pub struct BundleSubject {
    pub subject_id: i64,
    pub name: String,
    pub criteria: Vec<BundleCriterion>,
    pub groups: Vec<BundleGroup>,
    /// The combined score as an exact fraction "numerator/denominator".
    pub combined_exact: Option<String>,
    /// The combined score as published (two decimals).
    pub combined: Option<String>,
    pub shared_out: Vec<String>,
    pub advised: Option<String>,
    pub grade: Option<String>,
}

/// The auditor's bundle of a round: what an outsider needs to recount every combined score and
/// the order (the office may read it too).
#[derive(Serialize, ToSchema)]
pub struct AppraisalBundle {
    pub round: BundleRound,
    pub rules: BundleRules,
    /// [point, value on 0-100] for each point of the scale.
    #[schema(value_type = Vec<Vec<u32>>)]
    pub scale: Vec<(u32, u32)>,
    pub weights: Vec<BundleWeight>,
    /// [grade, whole points it needs], best first.
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub grades: Vec<(String, u32)>,
    pub subjects: Vec<BundleSubject>,
    /// [subject id, rank], best first.
    #[schema(value_type = Vec<Vec<i64>>)]
    pub order: Vec<(i64, usize)>,
    pub within_quota: Vec<i64>,
    pub tie_at_line: Vec<i64>,
    pub tie_order: Vec<i64>,
    pub tie_reason: Option<String>,
}

pub async fn bundle(s: &AppState, scope: &Scope, id: RoundId) -> AppResult<AppraisalBundle> {
    let mut c = s.store.read().await?;
    let me = caller(&mut c, scope).await?;
    let b = ap::bundle(&mut c, &me, id).await?;
    let r = &b.round;
    let scale = r.scale();
    let weights = r.weights();
    let subjects = b
        .results
        .iter()
        .map(|x| BundleSubject {
            subject_id: x.subject.id,
            name: x.subject.name.clone(),
            criteria: x.subject.criteria().into_iter().map(|c| BundleCriterion { item: c.item, weight: c.weight }).collect(),
            groups: weights
                .iter()
                .filter(|(_, w)| *w > 0)
                .map(|(g, w)| {
                    let sheets = b.sheets.get(&(x.subject.id, *g)).cloned().unwrap_or(Some(Vec::new()));
                    BundleGroup {
                        group: g.code().into(),
                        weight: *w,
                        anonymous: g.is_anonymous(),
                        omitted: sheets.is_none().then_some("fewer than 5 raters in an anonymous group: counted as empty, ratings not published"),
                        ratings: sheets,
                    }
                })
                .collect(),
            combined_exact: x.combined.as_ref().map(|c| format!("{}/{}", c.score.num, c.score.den)),
            combined: x.combined.as_ref().map(|c| c.score.published()),
            shared_out: x.combined.as_ref().map(|c| c.shared_out.iter().map(|g| g.code().to_string()).collect()).unwrap_or_default(),
            advised: x.advised.clone(),
            grade: x.grade.as_ref().map(|g| g.grade.clone()),
        })
        .collect();
    Ok(AppraisalBundle {
        round: BundleRound {
            id: r.id,
            title: r.title.clone(),
            subject_kind: r.subject_kind.clone(),
            quota: r.quota,
            opens: iso(r.opens),
            closes: iso(r.closes),
            closed_on: r.closed_on.map(iso),
        },
        rules: BundleRules {
            rater: "a rater's score is the weighted mean of their values on the criteria (by the criteria's weights), each value mapped to 0-100 by `scale`",
            group: "a group's mean is the plain mean of its raters' scores; an anonymous group (masses, peers) with fewer than 5 raters counts as empty",
            combined: "the groups' means weighted by the round's weights; an empty group's weight is shared out among the others in proportion",
            ranking: "best first by the exact combined score; equal scores in the office's recorded order (tie_order), then by subject id",
            publishing: "rounded half up to two decimals only when shown",
        },
        scale: (0..=100).filter_map(|i| scale.value(i).map(|v| (i, v))).collect(),
        weights: weights.iter().map(|(g, w)| BundleWeight { group: g.code().into(), weight: *w }).collect(),
        grades: r.grades(),
        subjects,
        order: b.standing.order.clone(),
        within_quota: b.standing.within.clone(),
        tie_at_line: b.standing.tie_at_line.clone(),
        tie_order: r.tie_preference(),
        tie_reason: r.tie_reason.clone(),
    })
}

// ---- the results as a table (the exports) -------------------------------------------------------------

/// The results the caller may see as a table, with the office's decision on a tie and why, so
/// that the order can be recounted from the file.
pub async fn results_table(s: &AppState, scope: &Scope, id: RoundId, lang: Lang) -> AppResult<Sheet> {
    let (r, ResultLines { lines, .. }) = results(s, scope, id, Lines::All).await?;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let mut headers = vec![t("名次", "Rank"), t("评议对象", "Subject")];
    let groups: Vec<Group> = r.weights().iter().filter(|(_, w)| *w > 0).map(|(g, _)| *g).collect();
    for g in &groups {
        headers.push(format!("{}（{}）", g.label(lang), t("均分/人数", "mean/raters")));
    }
    headers.extend([t("综合得分", "Combined score"), t("说明", "Note"), t("建议等次", "Advised grade"), t("评定等次", "Grade"), t("理由", "Reason")]);
    let cell = |f: &GroupFigure| match f.raters {
        Some(n) => format!("{}/{}", f.mean.map(|m| m.published()).unwrap_or_else(|| "—".into()), n),
        None => "—/<5".into(),
    };
    let mut rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let mut row = vec![l.rank.map(|k| k.to_string()).unwrap_or_default(), l.x.subject.name.clone()];
            row.extend(l.x.groups.iter().map(cell));
            row.extend([
                l.score(),
                [l.shared_out(&lang), if l.tied { t("名额线并列，待创先办决定", "tied at the line: the office decides") } else { String::new() }].join(" ").trim().to_string(),
                l.x.advised.clone().unwrap_or_default(),
                l.x.grade.as_ref().map(|g| g.grade.clone()).unwrap_or_default(),
                l.x.grade.as_ref().and_then(|g| g.reason.clone()).unwrap_or_default(),
            ]);
            row
        })
        .collect();
    if let Some(reason) = &r.tie_reason {
        let names: HashMap<i64, String> = lines.iter().map(|l| (l.x.subject.id, l.x.subject.name.clone())).collect();
        let order: Vec<String> = r.tie_preference().iter().map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string())).collect();
        let mut row = vec![String::new(), t("名额线并列的处理", "The tie at the quota line")];
        row.extend(groups.iter().map(|_| String::new()));
        row.extend([
            String::new(),
            format!("{}{}", t("创先办确定的顺序：", "The office's order: "), order.join(" > ")),
            String::new(),
            String::new(),
            format!("{}{reason}", t("理由：", "Reason: ")),
        ]);
        rows.push(row);
    }
    Ok(Sheet { name: t("评议结果", "Results"), headers, rows })
}
