//! Research projects as pages: thin adapters over [`crate::app::research`]. The calls and the
//! office's form to open one; a call's page for each reader (the applicant's form and their
//! applications, the organization's list to forward, the office's experts, steps and ranking,
//! the approval list on notice); the expert's blind review; an application with its names; the
//! exports (applications, ranking, and the score sheets the auditor recomputes from).

use super::{FormState, Layout, render_status, see_other};
use crate::app::research::{self as app, AppView, ApplyInput, CallInput, CallView, ExpertInput, ForwardInput, ReviewView, ScoreInput, Step, TieInput};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::Fields;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_domain::research::Stage;
use pacesetter_store::research::{ApplicationRow, CallRow};
use std::collections::HashMap;

fn t(lang: Lang, zh_en: &str) -> String {
    let (zh, en) = zh_en.split_once('|').unwrap_or((zh_en, zh_en));
    lang.t(zh, en).to_string()
}

#[derive(Template)]
#[template(path = "research.html")]
struct IndexPage {
    l: Layout,
    calls: Vec<CallRow>,
    office: bool,
    f: FormState,
}

impl IndexPage {
    fn stage(&self, c: &CallRow) -> &'static str {
        c.stage().label(self.l.lang)
    }
}

async fn index_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let calls = app::calls(s).await?;
    Ok(render_status(status, &IndexPage { l: Layout::new(ctx, ctx.t("课题研究", "Research projects")), calls, office: scope.is_office(), f }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut f = FormState::new(ctx.lang);
    f.set("categories", "重点课题 20000\n一般课题 8000");
    f.set("criteria", "选题意义 30\n研究基础 20\n研究方案 30\n预期成果 20");
    f.set("funded", "10");
    f.set("quota", "3");
    f.set("notice_days", "5");
    index_page(&s, &ctx, f, StatusCode::OK).await
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let input = CallInput {
        title: get("title"),
        deadline: get("deadline"),
        categories: get("categories"),
        criteria: get("criteria"),
        trim: get("trim"),
        funded: get("funded"),
        quota: get("quota"),
        notice_days: get("notice_days"),
    };
    match app::create_call(&s, &ctx.me()?.scope, &input).await {
        Ok(id) => Ok(see_other(&format!("/research/{id}?done=saved"))),
        Err(e) if e.fields.is_some() => {
            let status = e.status;
            index_page(&s, &ctx, FormState::refused(ctx.lang, form, &e), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "research_call.html")]
struct CallPage {
    l: Layout,
    v: CallView,
    stage: String,
    deadline: String,
    f: FormState,
}

impl CallPage {
    fn state(&self, a: &ApplicationRow) -> &'static str {
        a.state().label(self.l.lang)
    }
    fn category(&self, code: &str) -> String {
        self.v.call.category_name(code)
    }
    fn open(&self) -> bool {
        self.v.call.stage() == Stage::Open
    }
    fn review(&self) -> bool {
        self.v.call.stage() == Stage::Review
    }
    fn notice(&self) -> bool {
        self.v.call.stage() == Stage::Notice
    }
    fn notice_text(&self) -> String {
        match (self.v.call.notice_from, self.v.call.notice_until) {
            (Some(a), Some(b)) => format!("{} — {}", iso(a), iso(b)),
            _ => String::new(),
        }
    }
    fn tied(&self) -> Vec<(i64, String)> {
        self.v.ranking.iter().flatten().filter(|l| l.tied).map(|l| (l.a.id, format!("{} {}", l.a.code, l.a.title))).collect()
    }
    fn score(&self, s: &Option<pacesetter_domain::appraisal::Frac>) -> String {
        s.map(|s| s.published()).unwrap_or_else(|| "—".into())
    }
}

async fn call_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::view(s, &ctx.me()?.scope, id).await?;
    let stage = v.call.stage().label(ctx.lang).to_string();
    let deadline = iso(v.call.deadline);
    let title = v.call.title.clone();
    Ok(render_status(status, &CallPage { l: Layout::new(ctx, &title), v, stage, deadline, f }))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    call_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

/// A refusal shown on the call's page with what was typed; other errors as they are.
async fn refused_on_call(s: &AppState, ctx: &Ctx, id: i64, form: HashMap<String, String>, e: AppError) -> AppResult<Response> {
    if e.fields.is_some() || e.status == StatusCode::CONFLICT {
        let status = e.status;
        call_page(s, ctx, id, FormState::refused(ctx.lang, form, &e), status).await
    } else {
        Err(e)
    }
}

pub async fn apply(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?;
    match app::apply(&s, &ctx.me()?.scope, id, &ApplyInput::from_values(&form.values), form.files, form.errors).await {
        Ok(a) => Ok(see_other(&format!("/research/applications/{a}?done=saved"))),
        Err(e) => refused_on_call(&s, &ctx, id, form.values, e).await,
    }
}

pub async fn name_expert(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    let input = ExpertInput { username: form.get("username").cloned().unwrap_or_default() };
    match app::name_expert(&s, &ctx.me()?.scope, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/research/{id}?done=saved"))),
        Err(e) => refused_on_call(&s, &ctx, id, form, e).await,
    }
}

async fn step(s: AppState, ctx: Ctx, id: i64, step: Step, form: HashMap<String, String>) -> AppResult<Response> {
    let decision = form.get("decision").cloned().unwrap_or_default();
    match app::step(&s, &ctx.me()?.scope, id, step, &decision).await {
        Ok(_) => Ok(see_other(&format!("/research/{id}?done=saved"))),
        Err(e) => refused_on_call(&s, &ctx, id, form, e).await,
    }
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    step(s, ctx, id, Step::Close, form).await
}

pub async fn publish(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    step(s, ctx, id, Step::Publish, form).await
}

pub async fn approve(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    step(s, ctx, id, Step::Approve, form).await
}

pub async fn tie(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = form.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let order = super::tie_order(&pairs);
    let reason = form.get("reason").cloned().unwrap_or_default();
    match app::decide_tie(&s, &ctx.me()?.scope, id, &TieInput { order, reason }).await {
        Ok(()) => Ok(see_other(&format!("/research/{id}?done=saved"))),
        Err(e) => refused_on_call(&s, &ctx, id, form, e).await,
    }
}

#[derive(Template)]
#[template(path = "research_review.html")]
struct ReviewPage {
    l: Layout,
    v: ReviewView,
    f: FormState,
}

impl ReviewPage {
    fn kb(&self, size: &i64) -> String {
        super::size_kb(*size)
    }
    fn open(&self) -> bool {
        self.v.call.stage() == Stage::Review
    }
    fn criteria(&self) -> Vec<(usize, String, u32)> {
        self.v.call.criteria().into_iter().enumerate().map(|(i, c)| (i, c.name, c.weight)).collect()
    }
    fn given(&self, mine: &[u32]) -> String {
        self.v.call.criteria().iter().zip(mine).map(|(c, s)| format!("{} {s}", c.name)).collect::<Vec<_>>().join(" · ")
    }
}

async fn review_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::review(s, &ctx.me()?.scope, id).await?;
    let title = format!("{} · {}", ctx.t("专家评审", "Expert review"), v.call.title);
    Ok(render_status(status, &ReviewPage { l: Layout::new(ctx, &title), v, f }))
}

/// The expert's blind review: the applications without names, a sheet for each.
pub async fn review(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    review_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn score(State(s): State<AppState>, ctx: Ctx, Path(app_id): Path<i64>, Fields(p): Fields<HashMap<String, String>>) -> AppResult<Response> {
    let mut scores: Vec<(usize, String)> = p.iter().filter_map(|(k, v)| Some((k.strip_prefix("score")?.parse().ok()?, v.clone()))).collect();
    scores.sort_by_key(|(i, _)| *i);
    let input = ScoreInput { scores: scores.into_iter().map(|(_, v)| v).collect() };
    let scope = &ctx.me()?.scope;
    let call_id = p.get("call").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    match app::score(&s, scope, app_id, &input).await {
        Ok(()) => Ok(see_other(&format!("/research/{call_id}/review?done=saved#a{app_id}"))),
        Err(e) if (e.fields.is_some() || e.status == StatusCode::CONFLICT) && call_id > 0 => {
            let status = e.status;
            review_page(&s, &ctx, call_id, FormState::refused(ctx.lang, p, &e), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "research_application.html")]
struct ApplicationPage {
    l: Layout,
    v: AppView,
    state: String,
    category: String,
    f: FormState,
}

impl ApplicationPage {
    fn kb(&self, size: &i64) -> String {
        super::size_kb(*size)
    }
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        self.v.may_report.iter().map(|k| (k.code(), k.label(self.l.lang))).collect()
    }
    fn report_label(&self, r: &pacesetter_store::research::ReportRow) -> String {
        format!("{} · {}", r.kind().label(self.l.lang), r.state().label(self.l.lang))
    }
}

async fn application_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::application(s, &ctx.me()?.scope, id).await?;
    let state = v.a.state().label(ctx.lang).to_string();
    let category = v.call.category_name(&v.a.category);
    let title = format!("{} {}", v.a.code, v.a.title);
    Ok(render_status(status, &ApplicationPage { l: Layout::new(ctx, &title), v, state, category, f }))
}

pub async fn application(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    application_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn forward(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    let input = ForwardInput { action: form.get("action").cloned().unwrap_or_default(), comment: form.get("comment").cloned().unwrap_or_default() };
    match app::forward(&s, &ctx.me()?.scope, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/research/applications/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let status = e.status;
            application_page(&s, &ctx, id, FormState::refused(ctx.lang, form, &e), status).await
        }
        Err(e) => Err(e),
    }
}

/// The exports of a call: `applications.xlsx` (what the caller reads with names),
/// `ranking.xlsx` (the office, the leaders, the auditor), `sheets.csv` / `sheets.xlsx` (every
/// score sheet, experts by code: the office and the auditor).
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(i64, String)>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let lang = ctx.lang;
    let headers = |hs: &[&str]| hs.iter().map(|h| t(lang, h)).collect::<Vec<String>>();
    match file.as_str() {
        "applications.xlsx" => {
            let v = app::view(&s, scope, id).await?;
            let sheet = crate::export::Sheet {
                name: t(lang, "申报汇总|Applications"),
                headers: headers(&[
                    "编号|Code",
                    "课题名称|Title",
                    "类别|Category",
                    "申请经费（元）|Budget (yuan)",
                    "申报人|Applicant",
                    "二级党组织|Organization",
                    "状态|State",
                    "立项经费（元）|Funding (yuan)",
                ]),
                rows: v
                    .applications
                    .iter()
                    .map(|a| {
                        vec![
                            a.code.clone(),
                            a.title.clone(),
                            v.call.category_name(&a.category),
                            a.budget.to_string(),
                            a.applicant_name.clone(),
                            a.org_name.clone(),
                            a.state().label(lang).to_string(),
                            a.funding.map(|f| f.to_string()).unwrap_or_default(),
                        ]
                    })
                    .collect(),
            };
            super::download(&ctx, &sheet, "research-applications", "xlsx")
        }
        "ranking.xlsx" => {
            let (call, lines) = app::ranking(&s, scope, id).await?;
            let sheet = crate::export::Sheet {
                name: t(lang, "评审排名|Ranking"),
                headers: headers(&[
                    "名次|Rank",
                    "编号|Code",
                    "课题名称|Title",
                    "类别|Category",
                    "申报人|Applicant",
                    "二级党组织|Organization",
                    "评分表数|Sheets",
                    "得分|Score",
                    "立项|Funded",
                ]),
                rows: lines
                    .iter()
                    .map(|l| {
                        vec![
                            l.rank.to_string(),
                            l.a.code.clone(),
                            l.a.title.clone(),
                            call.category_name(&l.a.category),
                            l.a.applicant_name.clone(),
                            l.a.org_name.clone(),
                            l.sheets.to_string(),
                            l.score.map(|s| s.published()).unwrap_or_default(),
                            if l.funded {
                                t(lang, "是|yes")
                            } else if l.tied {
                                t(lang, "并列待定|tied")
                            } else {
                                String::new()
                            },
                        ]
                    })
                    .collect(),
            };
            super::download(&ctx, &sheet, "research-ranking", "xlsx")
        }
        "sheets.csv" | "sheets.xlsx" => {
            let (call, sheets) = app::sheets(&s, scope, id).await?;
            let mut hs = headers(&["申请编号|Application", "专家|Expert"]);
            hs.extend(call.criteria().iter().map(|c| format!("{} ({})", c.name, c.weight)));
            let sheet = crate::export::Sheet {
                name: t(lang, "评分表|Score sheets"),
                headers: hs,
                rows: sheets
                    .iter()
                    .map(|s| {
                        let mut r = vec![s.application_code.clone(), s.expert_code.clone()];
                        r.extend(s.scores.iter().map(|v| v.to_string()));
                        r
                    })
                    .collect(),
            };
            super::download(&ctx, &sheet, "research-sheets", if file.ends_with(".csv") { "csv" } else { "xlsx" })
        }
        "audit.json" => {
            let b = app::audit_bundle(&s, scope, id).await?;
            let body = serde_json::to_string_pretty(&b).map_err(|_| AppError::internal())?;
            Ok(axum::response::IntoResponse::into_response((
                [
                    (axum::http::header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
                    (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"research-{id}-audit.json\"")),
                ],
                body,
            )))
        }
        _ => Err(AppError::not_found()),
    }
}

pub async fn submit_report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?;
    let input = app::ReportInput { kind: form.values.get("kind").cloned().unwrap_or_default(), body: form.values.get("body").cloned().unwrap_or_default() };
    match app::submit_report(&s, &ctx.me()?.scope, id, &input, form.files, form.errors).await {
        Ok(_) => Ok(see_other(&format!("/research/applications/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let status = e.status;
            application_page(&s, &ctx, id, FormState::refused(ctx.lang, form.values, &e), status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn review_report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    let input = app::ReportReviewInput { action: form.get("action").cloned().unwrap_or_default(), comment: form.get("comment").cloned().unwrap_or_default() };
    let r = app::review_report(&s, &ctx.me()?.scope, id, &input).await?;
    Ok(see_other(&format!("/research/applications/{}?done=saved", r.application_id)))
}

pub async fn report_file(State(s): State<AppState>, ctx: Ctx, Path(fid): Path<i64>) -> AppResult<Response> {
    let (name, content_type, data) = app::report_file(&s, &ctx.me()?.scope, fid).await?;
    Ok(super::stored_file(&name, content_type, data))
}

pub async fn file(State(s): State<AppState>, ctx: Ctx, Path(fid): Path<i64>) -> AppResult<Response> {
    let (name, content_type, data) = app::file(&s, &ctx.me()?.scope, fid).await?;
    Ok(super::stored_file(&name, content_type, data))
}
