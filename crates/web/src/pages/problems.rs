//! The masses' problems (item 10), as pages: thin adapters over [`crate::app::problems`]. The
//! list (mine, my unit's, the office's triage, overdue), raising one (with photos, reached from a
//! window's page too), a problem with its steps and the forms of the next one, the dashboard with
//! the office's rules, the public list of resolved problems, and the office's groups of similar
//! reports.

use super::{FormState, Layout, Pager, render, render_status, see_other};
use crate::app::problems::{self as app, AnswerInput, ConfirmInput, GroupChange, ListQuery, ProblemView, PublishInput, RaiseInput, RulesInput, Satisfaction};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{Fields, Params, values_of};
use crate::state::AppState;
use crate::upload;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::ids::{PersonId, UnitId};
use pacesetter_domain::problem::{self as pb, About, CATEGORIES, Rules};
use pacesetter_domain::role::Role;
use pacesetter_store::problem::{GroupRow, ProblemRow, PublicRow, UnitCounts};
use serde::Deserialize;
use std::collections::HashMap;

/// Helpers the templates share: a state's word and colour, a category's label.
pub trait ProblemLabels {
    fn lang(&self) -> pacesetter_domain::Lang;
    fn state_word(&self, r: &ProblemRow) -> String {
        r.state().label().get(self.lang()).to_string()
    }
    fn tone(&self, r: &ProblemRow) -> &'static str {
        r.state().tone()
    }
    fn category(&self, code: &str) -> String {
        pb::category_label(code).get(self.lang()).to_string()
    }
    fn overdue(&self, r: &ProblemRow) -> String {
        r.escalation().label().get(self.lang()).to_string()
    }
}

#[derive(Template)]
#[template(path = "problems.html")]
struct ListPage {
    l: Layout,
    rows: Vec<ProblemRow>,
    pager: Pager,
    show: String,
    query: String,
    office: bool,
    unit: bool,
}

impl ProblemLabels for ListPage {
    fn lang(&self) -> pacesetter_domain::Lang {
        self.l.lang
    }
}

/// Whether the caller acts for a unit (a head, or a secretary of a linked college).
fn acts_for_unit(ctx: &Ctx) -> bool {
    ctx.caller.as_ref().is_some_and(|c| {
        c.scope.has(Role::UnitHead) || c.scope.reaches.iter().any(|(r, a)| matches!(r, pacesetter_domain::scope::Reach::Unit(_)) && *a == pacesetter_domain::scope::Access::Write)
    })
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Params(mut q): Params<ListQuery>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let office = scope.has(Role::Office);
    let unit = acts_for_unit(&ctx);
    if q.show.is_none() && !office && !unit && scope.global().is_none() {
        q.show = Some("mine".into());
    }
    let (rows, total) = app::list(&s, scope, &q).await?;
    let p = q.paging();
    let pager = Pager::new(&q.pairs(), "/problems", p.page, p.limit(), total);
    let show = q.show.clone().unwrap_or_default();
    let query = serde_urlencoded::to_string(q.pairs().into_iter().filter(|(k, _)| k != "page").collect::<Vec<_>>()).unwrap_or_default();
    Ok(render(&ListPage { l: Layout::new(&ctx, ctx.t("问题反映", "Problems raised")), rows, pager, show, query, office, unit }))
}

/// The list as a sheet to hand upward: each row as the caller may see it.
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Params(q): Params<ListQuery>) -> AppResult<Response> {
    let rows = app::list_all(&s, &ctx.me()?.scope, &q).await?;
    let sheet = app::sheet(&rows, ctx.lang);
    super::download(&ctx, &sheet, ctx.t("群众问题", "problems"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

// ---- raising ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "problem_new.html")]
struct NewPage {
    l: Layout,
    f: FormState,
    abouts: Vec<(&'static str, String)>,
    categories: Vec<(&'static str, String)>,
    windows: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    /// With a visit: the students of the visited class.
    students: Vec<(i64, String, String)>,
}

/// The form's starting values: `about` and `window` or `unit` (a window's page links here).
#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    about: Option<String>,
    #[serde(default)]
    window: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    /// The caller's visit the problem was found in.
    #[serde(default)]
    visit: Option<String>,
}

async fn new_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let (windows, units) = app::targets(s).await?;
    let abouts = About::ALL.iter().map(|a| (a.code(), a.label().get(ctx.lang).to_string())).collect();
    let categories = CATEGORIES.iter().map(|c| (c.0, ctx.lang.t(c.1, c.2).to_string())).collect();
    let students = match f.v("visit").trim().parse::<i64>() {
        Ok(v) => app::visit_students(s, &ctx.me()?.scope, v).await?,
        Err(_) => Vec::new(),
    };
    Ok(render_status(status, &NewPage { l: Layout::new(ctx, ctx.t("反映问题或意见", "Raise a problem or an opinion")), f, abouts, categories, windows, units, students }))
}

pub async fn new_form(State(s): State<AppState>, ctx: Ctx, Params(q): Params<NewQuery>) -> AppResult<Response> {
    let mut f = FormState::new(ctx.lang);
    f.set("about", q.about.unwrap_or_else(|| if q.window.is_some() { "window".into() } else { "campus".into() }));
    f.set("window", q.window.unwrap_or_default());
    f.set("unit", q.unit.unwrap_or_default());
    f.set("visit", q.visit.unwrap_or_default());
    new_page(&s, &ctx, f, StatusCode::OK).await
}

/// Raises a problem (multipart: about, window or unit, category, body, unnamed, photos).
pub async fn create(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let form = upload::read_form(mp, "photos", s.site.max_upload).await?;
    let values = form.values.clone();
    let (input, photos, errors) = RaiseInput::from_form(form);
    match app::raise(&s, scope, &input, photos, errors).await {
        Ok(id) => Ok(see_other(&format!("/problems/{id}?done=raised"))),
        Err(e) if e.fields.is_some() => new_page(&s, &ctx, FormState::with(ctx.lang, values, e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

// ---- one problem -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemPage {
    l: Layout,
    v: ProblemView,
    f: FormState,
    units: Vec<(i64, String)>,
}

impl ProblemLabels for ProblemPage {
    fn lang(&self) -> pacesetter_domain::Lang {
        self.l.lang
    }
}

impl ProblemPage {
    fn event_word(&self, kind: &str) -> &'static str {
        let l = self.l.lang;
        match kind {
            "raised" => l.t("提出", "Raised"),
            "routed" => l.t("分派到承办单位", "Routed to the unit"),
            "assigned" => l.t("受理并指定承办人", "Accepted and assigned"),
            "answered" => l.t("答复", "Answered"),
            "satisfied" => l.t("提出人确认满意", "The raiser is satisfied"),
            "unsatisfied" => l.t("提出人不满意", "The raiser is not satisfied"),
            "reopened" => l.t("重新办理（上一级）", "Reopened one level up"),
            "unconfirmed" => l.t("逾期未确认，关闭", "Closed: not confirmed in time"),
            "escalated_head" => l.t("超时，报单位负责人", "Overdue: referred to the unit's head"),
            "escalated_office" => l.t("严重超时，报创先办", "Long overdue: referred to the office"),
            _ => l.t("其他", "Other"),
        }
    }

    fn raiser(&self) -> String {
        if self.v.row.raiser_name.is_empty() {
            self.l.t("不具名（仅创先办可见）", "Unnamed (known to the office only)").to_string()
        } else {
            self.v.row.raiser_name.clone()
        }
    }
}

async fn problem_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::show(s, &ctx.me()?.scope, id).await?;
    let units = if v.may_route() { app::targets(s).await?.1 } else { Vec::new() };
    let title = format!("{} {}", ctx.t("问题", "Problem"), v.row.id);
    Ok(render_status(status, &ProblemPage { l: Layout::new(ctx, &title), v, f, units }))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    problem_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

/// Back to the problem, or the problem with the form's trouble.
async fn after(s: &AppState, ctx: &Ctx, id: i64, r: AppResult<()>, values: HashMap<String, String>, done: &str) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/problems/{id}?done={done}"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT || e.status == StatusCode::FORBIDDEN => {
            let mut errs = e.fields.clone().unwrap_or_default();
            if errs.is_empty() {
                errs.0.push(pacesetter_domain::validate::FieldError { field: "_".into(), message: e.message.clone() });
            }
            problem_page(s, ctx, id, FormState::with(ctx.lang, values, errs), e.status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct RouteForm {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    unit: Option<UnitId>,
}

pub async fn route(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<RouteForm>) -> AppResult<Response> {
    let r = app::route(&s, &ctx.me()?.scope, id, form.unit).await.map(|_| ());
    after(&s, &ctx, id, r, values_of(&form), "saved").await
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct AcceptForm {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    assignee: Option<PersonId>,
}

pub async fn accept(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<AcceptForm>) -> AppResult<Response> {
    let r = app::accept(&s, &ctx.me()?.scope, id, form.assignee).await.map(|_| ());
    after(&s, &ctx, id, r, values_of(&form), "saved").await
}

pub async fn answer(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<AnswerInput>) -> AppResult<Response> {
    let r = app::answer(&s, &ctx.me()?.scope, id, &form).await.map(|_| ());
    after(&s, &ctx, id, r, values_of(&form), "saved").await
}

pub async fn confirm(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<ConfirmInput>) -> AppResult<Response> {
    let r = app::confirm(&s, &ctx.me()?.scope, id, &form).await.map(|_| ());
    after(&s, &ctx, id, r, values_of(&form), "saved").await
}

pub async fn publish(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<PublishInput>) -> AppResult<Response> {
    let r = app::publish(&s, &ctx.me()?.scope, id, &form).await.map(|_| ());
    after(&s, &ctx, id, r, values_of(&form), "saved").await
}

/// A problem's photo, for those who may read the problem (its metadata was removed on upload).
pub async fn photo(State(s): State<AppState>, ctx: Ctx, Path(pid): Path<i64>) -> AppResult<Response> {
    let (content_type, data) = app::photo(&s, &ctx.me()?.scope, pid).await?;
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, max-age=3600".to_string())], data).into_response())
}

// ---- the dashboard and the rules -------------------------------------------------------------

#[derive(Template)]
#[template(path = "problems_dashboard.html")]
struct DashboardPage {
    l: Layout,
    rows: Vec<UnitCounts>,
    office: bool,
    rules: Rules,
    f: FormState,
}

async fn dashboard_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let rows = app::dashboard(s, scope).await?;
    let rules = app::rules(s).await?;
    Ok(render_status(status, &DashboardPage { l: Layout::new(ctx, ctx.t("问题办理统计", "Problems by unit")), rows, office: scope.has(Role::Office), rules, f }))
}

pub async fn dashboard(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    dashboard_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn dashboard_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> AppResult<Response> {
    let rows = app::dashboard(&s, &ctx.me()?.scope).await?;
    let sheet = app::dashboard_sheet(&rows, ctx.lang);
    super::download(&ctx, &sheet, ctx.t("问题办理统计", "problems-by-unit"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

pub async fn set_rules(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<RulesInput>) -> AppResult<Response> {
    match app::set_rules(&s, &ctx.me()?.scope, &form).await {
        Ok(_) => Ok(see_other("/problems/dashboard?done=saved")),
        Err(e) if e.fields.is_some() => dashboard_page(&s, &ctx, FormState::with(ctx.lang, values_of(&form), e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

/// The office checks the time limits now.
pub async fn tick(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    app::tick_now(&s, &ctx.me()?.scope).await?;
    Ok(see_other("/problems/dashboard?done=reminded"))
}

// ---- the public list -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "problems_public.html")]
struct PublicPage {
    l: Layout,
    rows: Vec<PublicRow>,
    pager: Pager,
    satisfaction: Vec<Satisfaction>,
    open: bool,
}

impl PublicPage {
    fn category(&self, code: &str) -> String {
        pb::category_label(code).get(self.l.lang).to_string()
    }
}

pub async fn public(State(s): State<AppState>, ctx: Ctx, Params(q): Params<crate::input::PagingQuery>) -> AppResult<Response> {
    let p = q.paging();
    let title = ctx.t("群众反映问题办理公开", "Problems raised and solved");
    let page = match app::public_list(&s, p.offset(), p.limit()).await? {
        Some((rows, total, satisfaction)) => {
            let pager = Pager::new(&[], "/problems/public", p.page, p.limit(), total);
            PublicPage { l: Layout::new(&ctx, title), rows, pager, satisfaction, open: true }
        }
        None => PublicPage { l: Layout::new(&ctx, title), rows: Vec::new(), pager: Pager::new(&[], "/problems/public", 1, p.limit(), 0), satisfaction: Vec::new(), open: false },
    };
    Ok(render(&page))
}

// ---- groups ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "problem_groups.html")]
struct GroupsPage {
    l: Layout,
    groups: Vec<GroupRow>,
}

pub async fn groups(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let groups = app::groups(&s, &ctx.me()?.scope).await?;
    Ok(render(&GroupsPage { l: Layout::new(&ctx, ctx.t("突出问题（同类归并）", "The sharpest problems (similar reports grouped)")), groups }))
}

pub async fn regroup(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    app::regroup(&s, &ctx.me()?.scope).await?;
    Ok(see_other("/problems/groups?done=saved"))
}

#[derive(Template)]
#[template(path = "problem_group.html")]
struct GroupPage {
    l: Layout,
    g: GroupRow,
    rows: Vec<ProblemRow>,
    others: Vec<GroupRow>,
    units: Vec<(i64, String)>,
    orgs: Vec<(i64, String)>,
    f: FormState,
}

impl ProblemLabels for GroupPage {
    fn lang(&self) -> pacesetter_domain::Lang {
        self.l.lang
    }
}

async fn group_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let (g, rows) = app::group(s, scope, id).await?;
    let others = app::groups(s, scope).await?.into_iter().filter(|x| x.id != id).collect();
    let units = app::targets(s).await?.1;
    let orgs = crate::app::tree::open_choices(s, pacesetter_store::tree::Tree::Org, |_| true).await?;
    let title = g.title.clone();
    Ok(render_status(status, &GroupPage { l: Layout::new(ctx, &title), g, rows, others, units, orgs, f }))
}

pub async fn group(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    group_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn change_group(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<GroupChange>) -> AppResult<Response> {
    match app::change_group(&s, &ctx.me()?.scope, id, &form).await {
        Ok(next) => Ok(see_other(&format!("/problems/groups/{next}?done=saved"))),
        Err(e) if e.fields.is_some() => {
            let mut values = HashMap::new();
            values.insert("title".to_string(), form.title.clone());
            values.insert("note".to_string(), form.note.clone());
            group_page(&s, &ctx, id, FormState::with(ctx.lang, values, e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}
