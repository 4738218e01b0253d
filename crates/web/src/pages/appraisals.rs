//! Appraisal rounds (评议) as pages: adapters over [`crate::app::appraisals`]. The office starts a
//! round; each person sees the subjects they appraise and in which group (群众评议, 党员互评,
//! 领导点评 with a comment, 自评); the results show each group's mean, the combined score with any
//! weight shared out, the advised grade and the rank, with a tie at the quota line flagged; in
//! 民主评议党员 the branch records each member's grade, and the lowest grade opens a follow-up case
//! for the secondary organization.

use super::{FormState, Layout, Pager, render_status, see_other};
use crate::app::appraisals::{self as app, GradeInput, Line, MySubject, RatingInput, RoundLine, TieInput};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::appraisal::{Group, MAX_CRITERIA, RoundDraft, RoundSpec, ScaleKind, SubjectKind, parse_criteria, parse_grades};
use pacesetter_domain::ids::{CaseId, OrgId, RoundId, SubjectId, UnitId};
use pacesetter_domain::validate::{self, FieldErrors};
use pacesetter_store::appraisal::{BranchGrades, CaseRow, Criterion, RoundRow, SubjectRow};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use std::collections::HashMap;

/// An error of a form: re-rendered with what was typed (422, or 409 with the message above the
/// form); anything else is the error page.
enum Redo {
    Form(StatusCode, FieldErrors),
    Fail(AppError),
}

fn redo(e: AppError) -> Redo {
    match (&e.fields, e.status) {
        (Some(f), _) => Redo::Form(StatusCode::UNPROCESSABLE_ENTITY, f.clone()),
        (None, StatusCode::CONFLICT) => {
            let mut f = FieldErrors::new();
            f.add("_", e.message.zh.clone(), e.message.en.clone());
            Redo::Form(StatusCode::CONFLICT, f)
        }
        _ => Redo::Fail(e),
    }
}

// ---- the list and a new round --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "appraisals.html")]
struct IndexPage {
    l: Layout,
    rounds: Vec<RoundLine>,
    office: bool,
    orgs: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    f: FormState,
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    index_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn index_page(s: &AppState, ctx: &Ctx, mut f: FormState, status: StatusCode) -> AppResult<Response> {
    let list = app::list(s, &ctx.me()?.scope).await?;
    if f.values.is_empty() {
        f.set("w_masses", "50");
        f.set("w_peers", "30");
        f.set("w_leaders", "20");
        f.set("w_own", "0");
    }
    Ok(render_status(status, &IndexPage { l: Layout::new(ctx, ctx.t("评议", "Appraisals")), rounds: list.rounds, office: list.office, orgs: list.orgs, units: list.units, f }))
}

/// The office's form for a new round, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoundForm {
    pub title: String,
    pub kind: String,
    pub org: String,
    pub unit: String,
    pub scale: String,
    pub w_masses: String,
    pub w_peers: String,
    pub w_leaders: String,
    pub w_own: String,
    /// Lines "item:weight".
    pub criteria: String,
    /// "优秀:90,合格:70,基本合格:60,不合格:0"
    pub grades: String,
    pub quota: String,
    pub opens: String,
    pub closes: String,
}

impl RoundForm {
    /// Into the domain's round, every problem named by its field.
    pub fn spec(&self) -> Result<RoundSpec, FieldErrors> {
        let mut errs = FieldErrors::new();
        let id = |v: &str| v.trim().parse::<i64>().ok();
        let scale = match self.scale.trim() {
            "" | "satisfaction" => Some(ScaleKind::Satisfaction),
            "hundred" => Some(ScaleKind::Hundred),
            _ => {
                errs.add("scale", "未知的评分方式", "Unknown scale");
                None
            }
        };
        let weight = |v: &str| match v.trim() {
            "" => Some(0),
            v => v.parse::<u32>().ok(),
        };
        let quota = match self.quota.trim() {
            "" => None,
            q => match q.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errs.add("quota", "名额应为 1 到 1000 的整数", "The quota is a whole number from 1 to 1000");
                    None
                }
            },
        };
        let criteria = errs.take("criteria", parse_criteria(&self.criteria));
        let grades = if self.grades.trim().is_empty() { None } else { errs.take("grades", parse_grades(&self.grades)) };
        let opens = errs.take("opens", validate::date(&self.opens));
        let closes = errs.take("closes", validate::date(&self.closes));
        RoundDraft {
            title: self.title.clone(),
            kind: SubjectKind::parse(self.kind.trim()),
            org: id(&self.org).map(OrgId),
            unit: id(&self.unit).map(UnitId),
            scale,
            weights: [weight(&self.w_masses), weight(&self.w_peers), weight(&self.w_leaders), weight(&self.w_own)],
            criteria,
            grades,
            quota,
            opens,
            closes,
        }
        .check(errs)
    }

    fn values(&self) -> HashMap<String, String> {
        [
            ("title", &self.title),
            ("kind", &self.kind),
            ("org", &self.org),
            ("unit", &self.unit),
            ("scale", &self.scale),
            ("w_masses", &self.w_masses),
            ("w_peers", &self.w_peers),
            ("w_leaders", &self.w_leaders),
            ("w_own", &self.w_own),
            ("criteria", &self.criteria),
            ("grades", &self.grades),
            ("quota", &self.quota),
            ("opens", &self.opens),
            ("closes", &self.closes),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
    }
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(form): Form<RoundForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = match form.spec() {
        Ok(spec) => app::create(&s, &scope, &spec).await,
        Err(e) => Err(AppError::invalid(e)),
    };
    match r.map_err(redo) {
        Ok(id) => Ok(see_other(&format!("/appraisals/{id}?done=created"))),
        Err(Redo::Form(status, e)) => index_page(&s, &ctx, FormState::with(ctx.lang, form.values(), e), status).await,
        Err(Redo::Fail(e)) => Err(e),
    }
}

// ---- a round -------------------------------------------------------------------------------------

/// The most lines each list of a round's page shows at once (a university's members are pages).
const PAGE_LINES: usize = 50;

/// Page `page` of a list of `total` lines (past the last, the last), with its links.
fn page_of(total: usize, page: usize, link: impl Fn(usize) -> String) -> Pager {
    let pages = total.div_ceil(PAGE_LINES).max(1);
    Pager::linked(page.clamp(1, pages) as i64, PAGE_LINES as i64, total as i64, |n| link(n as usize))
}

fn paged<T>(all: Vec<T>, page: usize, link: impl Fn(usize) -> String) -> (Vec<T>, Pager) {
    let p = page_of(all.len(), page, link);
    let shown = all.into_iter().skip((p.page as usize - 1) * PAGE_LINES).take(PAGE_LINES).collect();
    (shown, p)
}

#[derive(Template)]
#[template(path = "appraisal.html")]
struct ShowPage {
    l: Layout,
    r: RoundRow,
    kind: &'static str,
    weights: String,
    open: bool,
    to_rate: Vec<MySubject>,
    to_rate_page: Pager,
    /// Of the caller's subjects, how many are still to do.
    owed: usize,
    lines: Vec<Line>,
    lines_page: Pager,
    grades: Vec<(String, u32)>,
    cases: Vec<CaseRow>,
    office: bool,
    /// Subjects tied at the quota line, for the office's order.
    tied: Vec<(i64, String)>,
    /// 民主评议党员 by branch.
    rollup: Vec<BranchGrades>,
    f: FormState,
}

impl ShowPage {
    fn group_label(&self, g: &Group) -> &'static str {
        g.label(self.l.lang)
    }
}

/// Which page of each list: ?page= (results) and ?todo= (the caller's subjects).
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default, deserialize_with = "lenient")]
    pub page: Option<usize>,
    #[serde(default, deserialize_with = "lenient")]
    pub todo: Option<usize>,
}

/// A page number, or none when the text is not one (a typo shows the first page).
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.and_then(|s| s.trim().parse().ok()))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> AppResult<Response> {
    show_page(&s, &ctx, RoundId(id), q, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn show_page(s: &AppState, ctx: &Ctx, id: RoundId, q: ShowQuery, f: FormState, status: StatusCode) -> AppResult<Response> {
    let (page, todo) = (q.page.unwrap_or(1), q.todo.unwrap_or(1));
    let p = app::round_page(s, &ctx.me()?.scope, id, app::Lines::Page { page, per_page: PAGE_LINES }).await?;
    let owed = p.to_rate.iter().filter(|t| !t.done).count();
    let (to_rate, to_rate_page) = paged(p.to_rate, todo, |n| format!("/appraisals/{id}?todo={n}&page={page}"));
    let lines_page = page_of(p.results.total, p.results.page, |n| format!("/appraisals/{id}?page={n}&todo={todo}"));
    let lines = p.results.lines;
    let page = ShowPage {
        l: Layout::new(ctx, &p.r.title),
        kind: p.r.kind().label(ctx.lang),
        weights: app::weights_text(&p.r, ctx.lang),
        open: p.open,
        to_rate,
        to_rate_page,
        owed,
        lines,
        lines_page,
        grades: p.r.grades(),
        cases: p.cases,
        office: p.office,
        tied: p.tied,
        rollup: p.rollup,
        r: p.r,
        f,
    };
    Ok(render_status(status, &page))
}

// ---- appraising a subject -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "appraisal_rate.html")]
struct RatePage {
    l: Layout,
    r: RoundRow,
    s: SubjectRow,
    criteria: Vec<Criterion>,
    group: Group,
    points: Vec<(u32, String)>,
    hundred: bool,
    f: FormState,
}

impl RatePage {
    pub fn group_label(&self) -> &'static str {
        self.group.label(self.l.lang)
    }
    pub fn leaders(&self) -> bool {
        self.group == Group::Leaders
    }
    pub fn checked(&self, i: &usize, k: &u32) -> bool {
        self.f.v(&format!("c{i}")) == k.to_string()
    }
    pub fn value(&self, i: &usize) -> &str {
        self.f.v(&format!("c{i}"))
    }
    pub fn error(&self, i: &usize) -> Option<&str> {
        self.f.err(&format!("c{i}"))
    }
}

pub async fn rate_form(State(s): State<AppState>, ctx: Ctx, Path((id, sid)): Path<(i64, i64)>) -> AppResult<Response> {
    rate_page(&s, &ctx, RoundId(id), SubjectId(sid), FormState::new(ctx.lang), StatusCode::OK).await
}

async fn rate_page(s: &AppState, ctx: &Ctx, id: RoundId, sid: SubjectId, f: FormState, status: StatusCode) -> AppResult<Response> {
    let form = app::rating_form(s, &ctx.me()?.scope, id, sid).await?;
    let title = format!("{} · {}", ctx.t("评议", "Appraise"), form.s.name);
    Ok(render_status(
        status,
        &RatePage { l: Layout::new(ctx, &title), r: form.r, criteria: form.criteria, s: form.s, group: form.group, points: form.points, hundred: form.hundred, f },
    ))
}

/// The appraisal form as posted: `c<i>` = the value of criterion i, and the comment.
#[derive(Clone, Debug, Default)]
pub struct RatingForm {
    /// (criterion, what was typed)
    typed: Vec<(usize, String)>,
    comment: String,
}

impl<'de> Deserialize<'de> for RatingForm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RatingForm, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = RatingForm;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an appraisal form: c0, c1, ... and comment")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RatingForm, A::Error> {
                let mut out = RatingForm::default();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    if k == "comment" {
                        out.comment = v;
                    } else if let Some(i) = k.strip_prefix('c').and_then(|i| i.parse::<usize>().ok()).filter(|i| *i < MAX_CRITERIA) {
                        out.typed.push((i, v));
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Fields)
    }
}

impl RatingForm {
    fn input(&self) -> RatingInput {
        let mut values = vec![None; self.typed.iter().map(|(i, _)| i + 1).max().unwrap_or(0)];
        for (i, v) in &self.typed {
            values[*i] = v.trim().parse().ok();
        }
        RatingInput { values, comment: self.comment.clone() }
    }

    fn values(&self) -> HashMap<String, String> {
        let mut m: HashMap<String, String> = self.typed.iter().map(|(i, v)| (format!("c{i}"), v.clone())).collect();
        m.insert("comment".into(), self.comment.clone());
        m
    }
}

pub async fn rate(State(s): State<AppState>, ctx: Ctx, Path((id, sid)): Path<(i64, i64)>, Form(form): Form<RatingForm>) -> AppResult<Response> {
    let (id, sid) = (RoundId(id), SubjectId(sid));
    match app::rate(&s, &ctx.me()?.scope, id, sid, &form.input()).await.map_err(redo) {
        Ok(_) => Ok(see_other(&format!("/appraisals/{id}?done=rated"))),
        Err(Redo::Form(status, e)) => rate_page(&s, &ctx, id, sid, FormState::with(ctx.lang, form.values(), e), status).await,
        Err(Redo::Fail(e)) => Err(e),
    }
}

// ---- grades, the tie, cases ------------------------------------------------------------------------

/// A member's grade, as the branch posts it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct GradeForm {
    pub grade: String,
    pub reason: String,
}

pub async fn grade(State(s): State<AppState>, ctx: Ctx, Path((id, sid)): Path<(i64, i64)>, Form(form): Form<GradeForm>) -> AppResult<Response> {
    let input = GradeInput { grade: form.grade.clone(), reason: form.reason.clone() };
    let r = app::grade(&s, &ctx.me()?.scope, RoundId(id), SubjectId(sid), &input).await.map(|_| ());
    let values = HashMap::from([("grade".to_string(), form.grade), ("reason".to_string(), form.reason)]);
    after(&s, &ctx, RoundId(id), values, r).await
}

/// The office's order of a tie as posted: `pos<subject id>` = 1, 2, … and the reason.
#[derive(Clone, Debug, Default)]
pub struct TieForm {
    positions: Vec<(i64, i64)>,
    reason: String,
}

impl<'de> Deserialize<'de> for TieForm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TieForm, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = TieForm;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("the order of a tie: pos<subject id> = position, and reason")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<TieForm, A::Error> {
                let mut out = TieForm::default();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    if k == "reason" {
                        out.reason = v;
                    } else if let (Some(id), Ok(pos)) = (k.strip_prefix("pos").and_then(|i| i.parse::<i64>().ok()), v.trim().parse::<i64>()) {
                        if out.positions.len() < 10_000 {
                            out.positions.push((id, pos));
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Fields)
    }
}

pub async fn tie(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(form): Form<TieForm>) -> AppResult<Response> {
    // Two subjects at one position give no order: the use case refuses it and says so.
    let order = pacesetter_domain::selection::order_from_positions(&form.positions).into_iter().map(SubjectId).collect();
    let r = app::tie(&s, &ctx.me()?.scope, RoundId(id), &TieInput { order, reason: form.reason.clone() }).await.map(|_| ());
    after(&s, &ctx, RoundId(id), HashMap::from([("reason".to_string(), form.reason)]), r).await
}

/// What was done about a follow-up case.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    pub note: String,
}

pub async fn close_case(State(s): State<AppState>, ctx: Ctx, Path((id, cid)): Path<(RoundId, CaseId)>, Form(form): Form<CaseForm>) -> AppResult<Response> {
    let r = app::close_case(&s, &ctx.me()?.scope, id, cid, &form.note).await.map(|_| ());
    after(&s, &ctx, id, HashMap::from([("note".to_string(), form.note)]), r).await
}

async fn after(s: &AppState, ctx: &Ctx, id: RoundId, values: HashMap<String, String>, r: AppResult<()>) -> AppResult<Response> {
    match r.map_err(redo) {
        Ok(()) => Ok(see_other(&format!("/appraisals/{id}?done=saved"))),
        Err(Redo::Form(status, e)) => show_page(s, ctx, id, ShowQuery::default(), FormState::with(ctx.lang, values, e), status).await,
        Err(Redo::Fail(e)) => Err(e),
    }
}

// ---- files -----------------------------------------------------------------------------------------

/// The results the caller may see as results.xlsx or results.csv.
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(i64, String)>) -> AppResult<Response> {
    let format = match file.as_str() {
        "results.xlsx" => "xlsx",
        "results.csv" => "csv",
        _ => return Err(AppError::not_found()),
    };
    let sheet = app::results_table(&s, &ctx.me()?.scope, RoundId(id), ctx.lang).await?;
    super::download(&ctx, &sheet, "appraisal", format)
}

/// The auditor's bundle of a round as a file (the office may read it too): every rating without
/// its rater, the weights, the exact combined scores and the tie decision, to recount from.
pub async fn audit_bundle(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let b = app::bundle(&s, &ctx.me()?.scope, RoundId(id)).await?;
    let body = serde_json::to_string_pretty(&b).map_err(|_| AppError::internal())?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"appraisal-{id}-audit.json\"")),
        ],
        body,
    )
        .into_response())
}
