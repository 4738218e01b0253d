//! Appraisal rounds (评议): the office starts a round (windows, organizations, or the members of
//! an organization's branches); each person sees the subjects they may appraise and in which
//! group (群众评议, 党员互评, 领导点评 with a comment, 自评); the results show each group's mean, the
//! combined score with any weight shared out, the advised grade and the rank, with a tie at the
//! quota line flagged; in 民主评议党员 the branch records each member's grade, and a 不合格 grade
//! opens a follow-up case for the secondary organization.

use super::{FormState, Layout, conflict_form, field, form_map, render_status, see_other};
use crate::api::dto::{AppraisalLineDto, AppraisalResultsDto, GroupMeanDto};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::Sheet;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use pacesetter_domain::Lang;
use pacesetter_domain::appraisal::{Group, SubjectKind};
use pacesetter_domain::dates::today;
use pacesetter_store::appraisal::{self as ap, CaseRow, NewRound, RoundRow, Standing, SubjectResult, SubjectRow};
use pacesetter_store::{StoreError, campaign};
use std::collections::HashMap;

// ---- the list ----------------------------------------------------------------------------------

pub struct RoundLine {
    pub r: RoundRow,
    pub kind: &'static str,
    pub open: bool,
}

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
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let camp = campaign::current(&mut c).await?.ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "no_campaign", "目前没有进行中的活动", "No campaign is running"))?;
    let day = today();
    let rounds = ap::rounds(&mut c, camp.id).await?.into_iter().map(|r| RoundLine { kind: r.kind().label(ctx.lang), open: r.is_open(day), r }).collect();
    let office = scope.is_office_or_admin();
    let (orgs, units) = if office { ap::scope_choices(&mut c).await? } else { (Vec::new(), Vec::new()) };
    if f.values.is_empty() {
        f.set("w_masses", "50");
        f.set("w_peers", "30");
        f.set("w_leaders", "20");
        f.set("w_own", "0");
    }
    Ok(render_status(status, &IndexPage { l: Layout::new(ctx, ctx.t("评议", "Appraisals")), rounds, office, orgs, units, f }))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let g = |k: &str| m.get(k).cloned().unwrap_or_default();
    let n = NewRound {
        title: g("title"),
        kind: g("kind"),
        org: field(&m, "org").and_then(|v| v.parse().ok()),
        unit: field(&m, "unit").and_then(|v| v.parse().ok()),
        scale: g("scale"),
        weights: [g("w_masses"), g("w_peers"), g("w_leaders"), g("w_own")],
        criteria: g("criteria"),
        grades: g("grades"),
        quota: g("quota"),
        opens: g("opens"),
        closes: g("closes"),
    };
    let r = async {
        let mut w = s.store.write().await?;
        let camp = campaign::current(&mut w).await?.ok_or(StoreError::NotFound)?;
        let id = ap::create(&mut w, &scope, camp.id, &n).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match r {
        Ok(id) => Ok(see_other(&format!("/appraisals/{id}?done=created"))),
        Err(StoreError::Invalid(e)) => index_page(&s, &ctx, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e.into()),
    }
}

// ---- a round -----------------------------------------------------------------------------------

pub struct ToRate {
    pub s: SubjectRow,
    pub group: &'static str,
    pub done: bool,
}

/// A result line as the page shows it.
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
            .map(|(g, n, mean)| match n {
                Some(n) => format!("{} {}（{}{}）", g.label(*lang), mean.map(|m| m.published()).unwrap_or_else(|| "—".into()), n, lang.t("人", " raters")),
                None => format!("{} —（{}）", g.label(*lang), lang.t("不足5人，不公布、不计入", "under 5 raters: not shown, not counted")),
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

#[derive(Template)]
#[template(path = "appraisal.html")]
struct ShowPage {
    l: Layout,
    r: RoundRow,
    kind: &'static str,
    weights: String,
    open: bool,
    to_rate: Vec<ToRate>,
    lines: Vec<Line>,
    grades: Vec<(String, u32)>,
    cases: Vec<CaseRow>,
    office: bool,
    /// Subjects tied at the quota line, for the office's order.
    tied: Vec<(i64, String)>,
    /// 民主评议党员 by branch: the branch, the count of each grade, and how many are not graded.
    rollup: Vec<(String, Vec<usize>, usize)>,
    f: FormState,
}

fn weights_text(r: &RoundRow, lang: Lang) -> String {
    r.weights().iter().filter(|(_, w)| *w > 0).map(|(g, w)| format!("{} {w}%", g.label(lang))).collect::<Vec<_>>().join(" · ")
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    show_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn show_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let r = ap::round(&mut c, id).await?;
    let subjects = ap::subjects(&mut c, id).await?;
    let done: Vec<i64> = match scope.person {
        Some(p) => ap::rated_by(&mut c, id, p.0).await?,
        None => Vec::new(),
    };
    let mut to_rate = Vec::new();
    for sj in &subjects {
        if let Some(g) = ap::group_of(&mut c, scope, &r, sj).await? {
            if r.weight(g) > 0 {
                to_rate.push(ToRate { group: g.label(ctx.lang), done: done.contains(&sj.id), s: sj.clone() });
            }
        }
    }
    // A long list of windows or members: those still to do first.
    to_rate.sort_by_key(|t| t.done);
    let (results, ranking) = ap::results(&mut c, &r).await?;
    let lines = lines_for(scope, &r, results, &ranking);
    let cases = ap::cases(&mut c, scope, id).await?;
    let office = scope.is_office_or_admin();
    let grades = r.grades();
    let mut rollup = Vec::new();
    if r.kind() == SubjectKind::Member && !grades.is_empty() {
        let mut by_branch: Vec<(String, Vec<usize>, usize)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for l in &lines {
            let k = *index.entry(l.x.subject.path.clone()).or_insert_with(|| {
                by_branch.push((l.x.subject.path.clone(), vec![0; grades.len()], 0));
                by_branch.len() - 1
            });
            match l.x.grade.as_ref().and_then(|g| grades.iter().position(|(label, _)| *label == g.grade)) {
                Some(i) => by_branch[k].1[i] += 1,
                None => by_branch[k].2 += 1,
            }
        }
        let names = ap::org_names(&mut c, by_branch.iter().map(|b| b.0.as_str())).await?;
        rollup = by_branch.into_iter().map(|(path, counts, open)| (names.get(&path).cloned().unwrap_or(path), counts, open)).collect();
    }
    let tied = if office { lines.iter().filter(|l| l.tied).map(|l| (l.x.subject.id, l.x.subject.name.clone())).collect() } else { Vec::new() };
    let page = ShowPage {
        office,
        tied,
        rollup,
        l: Layout::new(ctx, &r.title),
        kind: r.kind().label(ctx.lang),
        weights: weights_text(&r, ctx.lang),
        open: r.is_open(today()),
        to_rate,
        lines,
        grades: r.grades(),
        cases,
        r,
        f,
    };
    Ok(render_status(status, &page))
}

fn lines_for(scope: &pacesetter_domain::scope::Scope, r: &RoundRow, results: Vec<SubjectResult>, ranking: &Standing) -> Vec<Line> {
    let rank: HashMap<i64, usize> = ranking.order.iter().copied().collect();
    let mut lines: Vec<Line> = results
        .into_iter()
        .filter(|x| ap::may_see(scope, r, &x.subject))
        .map(|x| {
            let id = x.subject.id;
            Line {
                rank: rank.get(&id).copied(),
                tied: ranking.tie_at_line.contains(&id),
                in_quota: ranking.within.contains(&id),
                grade_form: r.kind() == SubjectKind::Member && !r.grades().is_empty() && scope.org_access(&x.subject.path) == Some(pacesetter_domain::scope::Access::Write),
                x,
            }
        })
        .collect();
    let pos: HashMap<i64, usize> = ranking.order.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
    lines.sort_by_key(|l| (pos.get(&l.x.subject.id).copied().unwrap_or(usize::MAX), l.x.subject.id));
    lines
}

#[derive(Template)]
#[template(path = "appraisal_rate.html")]
struct RatePage {
    l: Layout,
    r: RoundRow,
    s: SubjectRow,
    criteria: Vec<pacesetter_store::appraisal::Criterion>,
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
    rate_page(&s, &ctx, id, sid, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn rate_page(s: &AppState, ctx: &Ctx, id: i64, sid: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let r = ap::round(&mut c, id).await?;
    let sj = ap::subject(&mut c, id, sid).await?;
    let Some(group) = ap::group_of(&mut c, scope, &r, &sj).await? else {
        return Err(AppError::new(StatusCode::FORBIDDEN, "forbidden", "您不在这一评议对象的评议人范围内", "You are not among those who appraise this subject"));
    };
    let hundred = r.scale == "hundred";
    let points = match r.scale() {
        pacesetter_domain::appraisal::Scale::Points(p) => p.into_iter().enumerate().map(|(i, (label, _))| (i as u32, label)).collect(),
        pacesetter_domain::appraisal::Scale::Hundred => Vec::new(),
    };
    let title = format!("{} · {}", ctx.t("评议", "Appraise"), sj.name);
    Ok(render_status(status, &RatePage { l: Layout::new(ctx, &title), r, criteria: sj.criteria(), s: sj, group, points, hundred, f }))
}

pub async fn rate(State(s): State<AppState>, ctx: Ctx, Path((id, sid)): Path<(i64, i64)>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let values: Vec<Option<u32>> = (0..100).map(|i| field(&m, &format!("c{i}")).and_then(|v| v.parse().ok())).collect();
    let comment = m.get("comment").cloned().unwrap_or_default();
    let r = async {
        let mut w = s.store.write().await?;
        ap::rate(&mut w, &scope, id, sid, &values, &comment).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other(&format!("/appraisals/{id}?done=rated"))),
        Err(StoreError::Invalid(e)) => rate_page(&s, &ctx, id, sid, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(StoreError::Conflict(t)) => rate_page(&s, &ctx, id, sid, conflict_form(&ctx, m, t), StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn grade(State(s): State<AppState>, ctx: Ctx, Path((id, sid)): Path<(i64, i64)>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let (grade, reason) = (m.get("grade").cloned().unwrap_or_default(), m.get("reason").cloned().unwrap_or_default());
    let r = async {
        let mut w = s.store.write().await?;
        ap::record_grade(&mut w, &scope, id, sid, &grade, &reason).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    after(&s, &ctx, id, m, r).await
}

pub async fn tie(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let order = super::tie_order(&p);
    let m = form_map(p);
    let reason = m.get("reason").cloned().unwrap_or_default();
    let r = async {
        let mut w = s.store.write().await?;
        ap::decide_tie(&mut w, &scope, id, &order, &reason).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    after(&s, &ctx, id, m, r).await
}

pub async fn close_case(State(s): State<AppState>, ctx: Ctx, Path((id, cid)): Path<(i64, i64)>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let note = m.get("note").cloned().unwrap_or_default();
    let r = async {
        let mut w = s.store.write().await?;
        ap::close_case(&mut w, &scope, id, cid, &note).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    after(&s, &ctx, id, m, r).await
}

async fn after(s: &AppState, ctx: &Ctx, id: i64, m: HashMap<String, String>, r: Result<(), StoreError>) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/appraisals/{id}?done=saved"))),
        Err(StoreError::Invalid(e)) => show_page(s, ctx, id, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(StoreError::Conflict(t)) => show_page(s, ctx, id, conflict_form(ctx, m, t), StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}

/// The results the caller may see, as JSON: each group's mean, the combined score (exact and
/// published), what was shared out, the advice, the grade, the rank and a tie at the line.
pub async fn api_results(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let r = ap::round(&mut c, id).await?;
    let (results, ranking) = ap::results(&mut c, &r).await?;
    let lines = lines_for(scope, &r, results, &ranking);
    let out: Vec<AppraisalLineDto> = lines
        .iter()
        .map(|l| AppraisalLineDto {
            subject_id: l.x.subject.id,
            person_id: l.x.subject.person_id,
            name: l.x.subject.name.clone(),
            groups: l
                .x
                .groups
                .iter()
                .map(|(g, n, mean)| GroupMeanDto { group: g.code().to_string(), raters: *n, under_minimum: n.is_none(), mean: mean.map(|m| m.published()) })
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
        })
        .collect();
    Ok(Json(AppraisalResultsDto { id: r.id, title: r.title.clone(), kind: r.subject_kind.clone(), quota: r.quota, results: out }).into_response())
}

pub async fn export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(i64, String)>) -> AppResult<Response> {
    let format = match file.as_str() {
        "results.xlsx" => "xlsx",
        "results.csv" => "csv",
        _ => return Err(AppError::not_found()),
    };
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let r = ap::round(&mut c, id).await?;
    let (results, ranking) = ap::results(&mut c, &r).await?;
    let lines = lines_for(scope, &r, results, &ranking);
    let lang = ctx.lang;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let mut headers = vec![t("名次", "Rank"), t("评议对象", "Subject")];
    let groups: Vec<Group> = r.weights().iter().filter(|(_, w)| *w > 0).map(|(g, _)| *g).collect();
    for g in &groups {
        headers.push(format!("{}（{}）", g.label(lang), t("均分/人数", "mean/raters")));
    }
    headers.extend([t("综合得分", "Combined score"), t("说明", "Note"), t("建议等次", "Advised grade"), t("评定等次", "Grade"), t("理由", "Reason")]);
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let mut row = vec![l.rank.map(|k| k.to_string()).unwrap_or_default(), l.x.subject.name.clone()];
            for (_, n, mean) in &l.x.groups {
                row.push(match n {
                    Some(n) => format!("{}/{}", mean.map(|m| m.published()).unwrap_or_else(|| "—".into()), n),
                    None => "—/<5".into(),
                });
            }
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
    let mut rows = rows;
    // The office's decision on a tie at the quota line, and why, so that the order can be
    // recounted from the file.
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
    super::download(&ctx, &Sheet { name: t("评议结果", "Results"), headers, rows }, "appraisal", format)
}

/// The auditor's bundle of a round (the office may read it too): every rating without its
/// rater, the weights, the exact combined scores and the tie decision, to recount from.
pub async fn audit_bundle(State(s): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let b = ap::bundle(&mut c, id).await?;
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
