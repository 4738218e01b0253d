//! Member development as pages: thin adapters over [`crate::app::development`]. The list of
//! pipelines in reach with the per-college overview (and the office's quotas), the form that
//! opens a file, a person's file with its timeline and the forms of the steps that may come
//! next, its PDF timeline, and the 公示 board.

use super::{FormState, Layout, render, render_status, see_other};
use crate::app::development::{self as app, FileView, Notice, Overview, QuotaInput, ReportInput, StartInput, StepInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{Fields, Params};
use crate::pdf::{self, Item};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::dates::iso;
use pacesetter_domain::development::{Recorded, Recorder, Step};
use pacesetter_store::development::Line;
use serde::Deserialize;

/// The files a page lists at most; the export holds them all.
const SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "development.html")]
struct ListPage {
    l: Layout,
    lines: Vec<(Line, &'static str, bool)>,
    total: usize,
    overview: Vec<Overview>,
    year: i32,
    branches: Vec<(i64, String)>,
    colleges: Vec<(i64, String)>,
    office: bool,
    f: FormState,
    today: String,
}

impl ListPage {
    fn stage(&self, code: &str) -> &'static str {
        app::stage_label(code, self.l.lang)
    }

    fn stages(&self) -> Vec<&'static str> {
        app::STAGES.to_vec()
    }

    fn last(&self, line: &Line) -> String {
        line.pipeline.iter().max_by_key(|r| r.step).map(|r| format!("{} {}", r.step.label(self.l.lang), self.l.date(&r.on))).unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    org_id: Option<i64>,
    #[serde(default)]
    year: Option<String>,
}

async fn list_page(s: &AppState, ctx: &Ctx, q: &ListQuery, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let year = crate::api::development::year_of(q.year.as_deref());
    let (lines, rules) = app::list(s, scope, q.org_id).await?;
    let overview = {
        let mut c = s.store.read().await?;
        app::overview_of(&mut c, &lines, &rules, year).await?
    };
    let day = pacesetter_domain::dates::today();
    let total = lines.len();
    // The overdue first, then by number; a page of them (the export has them all).
    let mut lines: Vec<(Line, &'static str, bool)> = lines
        .into_iter()
        .map(|l| {
            let p = l.p();
            let (stage, overdue) = (app::stage_of(&p), !p.overdue(&rules, day).is_empty());
            (l, stage, overdue)
        })
        .collect();
    lines.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.number.cmp(&b.0.number)));
    lines.truncate(SHOWN);
    let (orgs, _) = crate::app::tree::all(s, pacesetter_store::tree::Tree::Org).await?;
    let branches = crate::app::tree::choices(&orgs, |n| {
        n.closed_on.is_none() && matches!(n.kind.as_str(), "branch" | "direct_branch") && scope.party_access(&n.path) == Some(pacesetter_domain::scope::Access::Write)
    });
    let colleges = crate::app::tree::choices(&orgs, |n| n.closed_on.is_none() && matches!(n.kind.as_str(), "committee" | "general_branch" | "direct_branch"));
    let page = ListPage {
        l: Layout::new(ctx, ctx.t("发展党员", "Member development")),
        lines,
        total,
        overview,
        year,
        branches,
        colleges: if scope.is_office() { colleges } else { Vec::new() },
        office: scope.is_office(),
        f,
        today: iso(day),
    };
    Ok(render_status(status, &page))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Response> {
    list_page(&s, &ctx, &q, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn overview_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Params(q): Params<ListQuery>) -> AppResult<Response> {
    let year = crate::api::development::year_of(q.year.as_deref());
    let rows = app::overview(&s, &ctx.me()?.scope, year, q.org_id).await?;
    super::download(&ctx, &app::overview_sheet(&rows, year, ctx.lang), ctx.t("发展党员", "development"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

pub async fn files_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Params(q): Params<ListQuery>) -> AppResult<Response> {
    let (lines, rules) = app::list(&s, &ctx.me()?.scope, q.org_id).await?;
    super::download(&ctx, &app::files_sheet(&lines, &rules, ctx.lang), ctx.t("发展档案", "development-files"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

fn shown(status: StatusCode) -> bool {
    matches!(status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT | StatusCode::FORBIDDEN)
}

pub async fn start(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<StartInput>) -> AppResult<Response> {
    match app::start(&s, &ctx.me()?.scope, &form).await {
        Ok(id) => Ok(see_other(&format!("/development/{id}?done=saved"))),
        Err(e) if shown(e.status) || e.status == StatusCode::NOT_FOUND => {
            let f = FormState::refused(ctx.lang, crate::input::values_of(&form), &e);
            list_page(&s, &ctx, &ListQuery::default(), f, if e.status == StatusCode::NOT_FOUND { StatusCode::UNPROCESSABLE_ENTITY } else { e.status }).await
        }
        Err(e) => Err(e),
    }
}

pub async fn set_quota(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<QuotaInput>) -> AppResult<Response> {
    match app::set_quota(&s, &ctx.me()?.scope, &form).await {
        Ok(()) => Ok(see_other(&format!("/development?year={}&done=saved", form.year.trim()))),
        Err(e) if e.fields.is_some() => list_page(&s, &ctx, &ListQuery::default(), FormState::refused(ctx.lang, crate::input::values_of(&form), &e), e.status).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "dev_file.html")]
struct FilePage {
    l: Layout,
    v: FileView,
    f: FormState,
    today: String,
}

impl FilePage {
    fn step_label(&self, s: &Step) -> &'static str {
        s.label(self.l.lang)
    }

    fn stage(&self) -> &'static str {
        app::stage_label(app::stage_of(&self.v.pipeline), self.l.lang)
    }

    /// A recorded step's details in one line.
    fn details(&self, r: &Recorded) -> String {
        detail_line(r, &self.v, self.l.lang)
    }

    fn recorded_at(&self, r: &Recorded) -> String {
        self.v
            .file
            .steps
            .iter()
            .find(|s| s.step == r.step.code())
            .map(|s| format!("{} {}", self.l.moment(&s.recorded_ms), s.recorded_by_name.clone().unwrap_or_default()))
            .unwrap_or_default()
    }

    fn earliest(&self, n: &app::NextStep) -> String {
        n.earliest.as_ref().map(|(d, t)| format!("{} · {}", self.l.date(d), self.l.text(t))).unwrap_or_default()
    }

    fn needs_people(&self, s: &Step) -> bool {
        matches!(s, Step::Activist | Step::Candidate)
    }

    fn docs(&self, s: &Step) -> Vec<&pacesetter_store::development::DocRow> {
        self.v.documents.iter().filter(|d| d.step == s.code()).collect()
    }

    fn attachable(&self, s: &Step) -> bool {
        self.v.attachable.contains(s)
    }

    fn doc_error(&self, s: &Step) -> Option<&str> {
        if self.f.v("step") == format!("doc:{}", s.code()) { self.f.err("files").or_else(|| self.f.err("step")) } else { None }
    }

    fn editing(&self, s: &Step) -> bool {
        self.f.has_errors() && self.f.v("step") == s.code()
    }
}

fn detail_line(r: &Recorded, v: &FileView, lang: pacesetter_domain::Lang) -> String {
    let d = &r.details;
    let mut parts = Vec::new();
    if !d.by.is_empty() {
        parts.push(format!("{}{}", lang.t("经办：", "By: "), d.by));
    }
    if !d.people.is_empty() {
        let who = if r.step == Step::Candidate { lang.t("入党介绍人：", "Introducers: ") } else { lang.t("培养联系人：", "Contacts: ") };
        parts.push(format!("{who}{}", d.people.iter().filter_map(|id| v.names.get(id).cloned()).collect::<Vec<_>>().join("、")));
    }
    if let Some(x) = d.vote {
        parts.push(format!("{} {}/{}/{}", lang.t("表决（应到/实到/赞成）", "Vote (with a vote/present/yes)"), x.with_vote, x.present, x.yes));
    }
    if !d.certificate.is_empty() {
        parts.push(format!("{}{}", lang.t("结业证书：", "Certificate: "), d.certificate));
    }
    if !d.place.is_empty() {
        parts.push(format!("{}{}", lang.t("公示范围：", "Posted at: "), d.place));
    }
    if r.step == Step::Publicity
        && let Some(u) = v.publicity_until
    {
        parts.push(format!("{}{}", lang.t("公示至", "Until "), iso(u)));
    }
    if let Some(m) = d.months {
        parts.push(format!("{m}{}", lang.t("个月", " months")));
    }
    if !d.note.is_empty() {
        parts.push(d.note.clone());
    }
    parts.join("；")
}

async fn file_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::file(s, &ctx.me()?.scope, id).await?;
    let title = format!("{} · {}", v.file.name, ctx.t("发展档案", "Development file"));
    Ok(render_status(status, &FilePage { l: Layout::new(ctx, &title), v, f, today: iso(pacesetter_domain::dates::today()) }))
}

pub async fn file(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    file_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<StepInput>) -> AppResult<Response> {
    match app::record(&s, &ctx.me()?.scope, id, &form).await {
        Ok(()) => Ok(see_other(&format!("/development/{id}?done=saved"))),
        Err(e) if shown(e.status) => file_page(&s, &ctx, id, FormState::refused(ctx.lang, crate::input::values_of(&form), &e), e.status).await,
        Err(e) => Err(e),
    }
}

pub async fn report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<ReportInput>) -> AppResult<Response> {
    match app::report(&s, &ctx.me()?.scope, id, &form).await {
        Ok(()) => Ok(see_other(&format!("/development/{id}?done=saved#reports"))),
        Err(e) if shown(e.status) => {
            let mut values = crate::input::values_of(&form);
            values.insert("step".into(), "report".into());
            file_page(&s, &ctx, id, FormState::refused(ctx.lang, values, &e), e.status).await
        }
        Err(e) => Err(e),
    }
}

/// The file as a printable A4 timeline: each step with its day, the day it was recorded, and
/// what it records.
pub async fn file_pdf(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let v = app::file(&s, &ctx.me()?.scope, id).await?;
    let lang = ctx.lang;
    let (left, width) = (56.0, 483.0);
    let mut pages: Vec<Vec<Item>> = vec![Vec::new()];
    let mut y = 70.0;
    let put = |pages: &mut Vec<Vec<Item>>, y: &mut f32, size: f32, text: String, dx: f32| {
        for line in pdf::wrap(&text, size, width - dx) {
            if *y > 780.0 {
                pages.push(Vec::new());
                *y = 60.0;
            }
            if let Some(p) = pages.last_mut() {
                p.push(Item::Text { x: left + dx, y: *y, size, text: line });
            }
            *y += size * 1.6;
        }
    };
    put(&mut pages, &mut y, 18.0, format!("{}：{}", lang.t("发展党员档案", "Development file"), v.file.name), 0.0);
    put(&mut pages, &mut y, 10.0, format!("{} {} · {} · {}", lang.t("编号", "No."), v.file.number, v.file.org.name, app::stage_label(app::stage_of(&v.pipeline), lang)), 0.0);
    y += 8.0;
    for r in &v.pipeline.steps {
        if let Some(p) = pages.last_mut() {
            p.push(Item::Rect { x: left, y: y - 7.0, w: 5.0, h: 5.0 });
        }
        let recorded = v.file.steps.iter().find(|s| s.step == r.step.code()).map(|s| pacesetter_domain::dates::format_datetime_ms(s.recorded_ms, lang)).unwrap_or_default();
        put(&mut pages, &mut y, 12.0, format!("{}  {}", iso(r.on), r.step.label(lang)), 12.0);
        put(&mut pages, &mut y, 9.0, format!("{}{}", lang.t("登记于 ", "Recorded "), recorded), 12.0);
        let d = detail_line(r, &v, lang);
        if !d.is_empty() {
            put(&mut pages, &mut y, 9.0, d, 12.0);
        }
        y += 6.0;
    }
    if !v.file.reports.is_empty() {
        put(&mut pages, &mut y, 12.0, lang.t("思想汇报", "Thought reports").to_string(), 0.0);
        for r in &v.file.reports {
            put(&mut pages, &mut y, 9.0, format!("{}  {}", iso(r.on_day), r.summary), 12.0);
        }
    }
    let bytes = pdf::render(&pages, pdf::A4)?;
    Ok(pdf::response(bytes, &format!("{}-{}.pdf", lang.t("发展档案", "development"), v.file.number)))
}

/// A step's documents (multipart: files).
pub async fn attach(State(s): State<AppState>, ctx: Ctx, Path((id, step)): Path<(i64, String)>, mp: axum::extract::Multipart) -> AppResult<Response> {
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?;
    match app::attach(&s, &ctx.me()?.scope, id, &step, form.files, form.errors).await {
        Ok(()) => Ok(see_other(&format!("/development/{id}?done=saved"))),
        Err(e) if shown(e.status) => {
            let mut values = std::collections::HashMap::new();
            values.insert("step".to_string(), format!("doc:{step}"));
            file_page(&s, &ctx, id, FormState::refused(ctx.lang, values, &e), e.status).await
        }
        Err(e) => Err(e),
    }
}

/// One document of a step.
pub async fn document(State(s): State<AppState>, ctx: Ctx, Path(fid): Path<i64>) -> AppResult<Response> {
    let (name, content_type, data) = app::document(&s, &ctx.me()?.scope, fid).await?;
    Ok(super::stored_file(&name, content_type, data))
}

#[derive(Template)]
#[template(path = "dev_notices.html")]
struct NoticesPage {
    l: Layout,
    notices: Vec<Notice>,
}

pub async fn notices(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let notices = app::notices(&s, &ctx.me()?.scope).await?;
    Ok(render(&NoticesPage { l: Layout::new(&ctx, ctx.t("发展对象公示", "Candidates on public notice")), notices }))
}

#[derive(Template)]
#[template(path = "dev_ledger.html")]
struct LedgerPage {
    l: Layout,
    f: FormState,
    outcome: Option<crate::app::dev_ledger::LedgerOutcome>,
    max_mb: usize,
}

impl LedgerPage {
    fn step_label(&self, code: &str) -> &'static str {
        Step::parse(code).map(|s| s.label(self.l.lang)).unwrap_or("")
    }
}

fn ledger_page(ctx: &Ctx, f: FormState, outcome: Option<crate::app::dev_ledger::LedgerOutcome>, status: StatusCode) -> Response {
    let l = Layout::new(ctx, ctx.t("发展党员台账导入", "Load a development ledger"));
    render_status(status, &LedgerPage { l, f, outcome, max_mb: crate::sheets::MAX_UPLOAD / 1024 / 1024 })
}

pub async fn ledger_form(ctx: Ctx) -> AppResult<Response> {
    ctx.me()?;
    Ok(ledger_page(&ctx, FormState::new(ctx.lang), None, StatusCode::OK))
}

pub async fn ledger_load(State(s): State<AppState>, ctx: Ctx, mp: axum::extract::Multipart) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let loaded = match crate::app::imports::read_upload(mp).await {
        Ok(form) => crate::app::dev_ledger::load(&s, &scope, &form.bytes, form.trial).await,
        Err(e) => Err(e),
    };
    match loaded {
        Ok(outcome) => Ok(ledger_page(&ctx, FormState::new(ctx.lang), Some(outcome), StatusCode::OK)),
        Err(e) if e.fields.is_some() || e.status == StatusCode::PAYLOAD_TOO_LARGE => {
            let f = FormState::refused(ctx.lang, std::collections::HashMap::new(), &e);
            Ok(ledger_page(&ctx, f, None, e.status))
        }
        Err(e) => Err(e),
    }
}

pub async fn ledger_template(ctx: Ctx) -> AppResult<Response> {
    ctx.me()?;
    super::workbook(crate::sheets::ledger_template(), "development-ledger.xlsx", "发展党员台账模板.xlsx")
}
