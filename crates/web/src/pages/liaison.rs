//! Cadres and their classes (item 8), as pages: thin adapters over [`crate::app::liaison`]. A
//! cadre's classes with the visit form and their log, one visit with its photos and the problems
//! raised in it, and the coverage per class and per cadre (the office's and a college's), with
//! its export, the office's number of weeks and the reminders.

use super::problems::ProblemLabels;
use super::{FormState, Layout, render_status, see_other};
use crate::app::liaison::{self as app, MyLiaison, VisitInput, VisitView};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Fields;
use crate::state::AppState;
use crate::upload;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::role::Role;
use pacesetter_store::liaison::{CadreCoverage, ClassCoverage};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "liaison.html")]
struct LiaisonPage {
    l: Layout,
    m: MyLiaison,
    f: FormState,
    today: String,
    overseer: bool,
}

impl LiaisonPage {
    fn stale(&self, c: &pacesetter_store::liaison::ClassCard) -> bool {
        pacesetter_domain::liaison::unvisited(c.last_visit, c.linked_on, pacesetter_domain::dates::today(), self.m.weeks)
    }
}

async fn page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let m = app::mine(s, scope).await?;
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    let overseer = scope.has(Role::Office) || scope.global().is_some() || scope.has(Role::OrgSecretary);
    Ok(render_status(status, &LiaisonPage { l: Layout::new(ctx, ctx.t("联系班级", "My classes")), m, f, today, overseer }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

/// Records a visit (multipart: class, on_day, place, met, topics, notes, photos).
pub async fn record(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let form = upload::read_form(mp, "photos", s.site.max_upload).await?;
    let values = form.values.clone();
    let (input, photos, errors) = VisitInput::from_form(form);
    match app::record(&s, scope, &input, photos, errors).await {
        Ok(id) => Ok(see_other(&format!("/liaison/visits/{id}?done=saved"))),
        Err(e) if e.fields.is_some() => page(&s, &ctx, FormState::with(ctx.lang, values, e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "visit.html")]
struct VisitPage {
    l: Layout,
    v: VisitView,
}

impl ProblemLabels for VisitPage {
    fn lang(&self) -> pacesetter_domain::Lang {
        self.l.lang
    }
}

pub async fn visit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let v = app::visit(&s, &ctx.me()?.scope, id).await?;
    let title = format!("{} · {}", v.v.class_name, ctx.t("走访记录", "Visit"));
    Ok(render_status(StatusCode::OK, &VisitPage { l: Layout::new(&ctx, &title), v }))
}

pub async fn photo(State(s): State<AppState>, ctx: Ctx, Path(pid): Path<i64>) -> AppResult<Response> {
    let (content_type, data) = app::photo(&s, &ctx.me()?.scope, pid).await?;
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, max-age=3600".to_string())], data).into_response())
}

#[derive(Template)]
#[template(path = "liaison_dashboard.html")]
struct DashboardPage {
    l: Layout,
    classes: Vec<ClassCoverage>,
    cadres: Vec<CadreCoverage>,
    weeks: u32,
    office: bool,
    f: FormState,
    /// The unit whose staff link cadres to classes, and the units the office may name.
    linker: Option<(i64, String)>,
    units: Vec<(i64, String)>,
}

impl DashboardPage {
    fn unvisited(&self) -> usize {
        self.classes.iter().filter(|c| c.unvisited).count()
    }
}

async fn dashboard_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let (classes, cadres, weeks) = app::coverage(s, scope).await?;
    let office = scope.has(Role::Office);
    let linker = app::linker(s).await?;
    let units = if office { crate::app::tree::open_choices(s, pacesetter_store::tree::Tree::Unit, |n| n.kind != "class" && n.kind != "window").await? } else { Vec::new() };
    Ok(render_status(status, &DashboardPage { l: Layout::new(ctx, ctx.t("联系班级走访统计", "Class visits")), classes, cadres, weeks, office, f, linker, units }))
}

pub async fn dashboard(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    dashboard_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn dashboard_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> AppResult<Response> {
    let (classes, cadres, _) = app::coverage(&s, &ctx.me()?.scope).await?;
    let sheet = app::coverage_sheet(&classes, &cadres, ctx.lang);
    super::download(&ctx, &sheet, ctx.t("联系班级走访", "class-visits"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct WeeksForm {
    #[serde(default)]
    unvisited_weeks: String,
}

pub async fn set_weeks(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<WeeksForm>) -> AppResult<Response> {
    match app::set_weeks(&s, &ctx.me()?.scope, &form.unvisited_weeks).await {
        Ok(_) => Ok(see_other("/liaison/dashboard?done=saved")),
        Err(e) if e.fields.is_some() => {
            dashboard_page(&s, &ctx, FormState::with(ctx.lang, crate::input::values_of(&form), e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

pub async fn remind(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    app::remind_now(&s, &ctx.me()?.scope).await?;
    Ok(see_other("/liaison/dashboard?done=reminded"))
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct LinkerForm {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    unit_id: Option<i64>,
}

pub async fn set_linker(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<LinkerForm>) -> AppResult<Response> {
    match app::set_linker(&s, &ctx.me()?.scope, form.unit_id).await {
        Ok(_) => Ok(see_other("/liaison/dashboard?done=saved")),
        Err(e) if e.fields.is_some() => {
            dashboard_page(&s, &ctx, FormState::with(ctx.lang, crate::input::values_of(&form), e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}
