//! A branch's systems as pages: thin adapters over [`crate::app::systems`]. The coverage of the
//! branches in reach (with its export), one branch's register with the forms to add, change and
//! retire a system.

use super::{FormState, Layout, render_status, see_other};
use crate::app::systems::{self as app, Register, SystemInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{Fields, Params};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::branch_system::Kind;
use pacesetter_store::branch_system::{BranchSystems, SystemRow};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "systems.html")]
struct CoveragePage {
    l: Layout,
    rows: Vec<BranchSystems>,
    only_gaps: bool,
}

impl CoveragePage {
    fn shown(&self) -> Vec<&BranchSystems> {
        self.rows.iter().filter(|b| !self.only_gaps || !b.complete()).collect()
    }

    fn none(&self) -> usize {
        self.rows.iter().filter(|b| b.work + b.organizational == 0).count()
    }

    fn no_org(&self) -> usize {
        self.rows.iter().filter(|b| b.organizational == 0).count()
    }
}

#[derive(Deserialize, Default)]
pub struct CoverageQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    org_id: Option<i64>,
    #[serde(default)]
    gaps: Option<String>,
}

pub async fn coverage(State(s): State<AppState>, ctx: Ctx, Params(q): Params<CoverageQuery>) -> AppResult<Response> {
    let rows = app::coverage(&s, &ctx.me()?.scope, q.org_id).await?;
    Ok(render_status(StatusCode::OK, &CoveragePage { l: Layout::new(&ctx, ctx.t("支部制度建设", "Branch systems")), rows, only_gaps: q.gaps.as_deref() == Some("1") }))
}

pub async fn coverage_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Params(q): Params<CoverageQuery>) -> AppResult<Response> {
    let rows = app::coverage(&s, &ctx.me()?.scope, q.org_id).await?;
    let sheet = app::coverage_sheet(&rows, ctx.lang);
    super::download(&ctx, &sheet, ctx.t("支部制度", "branch-systems"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

#[derive(Template)]
#[template(path = "branch_systems.html")]
struct RegisterPage {
    l: Layout,
    r: Register,
    f: FormState,
    /// The system whose form the values belong to (0: the new one).
    editing: i64,
    standards: Vec<(&'static str, &'static str, String)>,
    today: String,
}

impl RegisterPage {
    fn kind_word(&self, s: &SystemRow) -> &'static str {
        s.kind().label(self.l.lang)
    }

    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        Kind::ALL.into_iter().map(|k| (k.code(), k.label(self.l.lang))).collect()
    }

    /// A field's value on a system's form: what was typed there, else what is stored.
    fn val(&self, s: &SystemRow, field: &str) -> String {
        if self.editing == s.id && self.f.has_errors() {
            return self.f.v(field).to_string();
        }
        match field {
            "name" => s.name.clone(),
            "body" => s.body.clone(),
            "practice" => s.practice.clone(),
            "adopted_on" => pacesetter_domain::dates::iso(s.adopted_on),
            "kind" => s.kind.clone(),
            _ => String::new(),
        }
    }

    fn err_of(&self, id: impl std::borrow::Borrow<i64>, field: &str) -> Option<&str> {
        if self.editing == *id.borrow() { self.f.err(field) } else { None }
    }
}

async fn register_page(s: &AppState, ctx: &Ctx, org: i64, f: FormState, editing: i64, status: StatusCode) -> AppResult<Response> {
    let r = app::register(s, &ctx.me()?.scope, org).await?;
    let title = format!("{} · {}", r.node.name, ctx.t("支部制度", "Systems"));
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    Ok(render_status(status, &RegisterPage { l: Layout::new(ctx, &title), r, f, editing, standards: app::standards(), today }))
}

pub async fn register(State(s): State<AppState>, ctx: Ctx, Path(org): Path<i64>) -> AppResult<Response> {
    register_page(&s, &ctx, org, FormState::new(ctx.lang), -1, StatusCode::OK).await
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Path(org): Path<i64>, Fields(form): Fields<SystemInput>) -> AppResult<Response> {
    match app::create(&s, &ctx.me()?.scope, org, &form).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{org}/systems?done=saved"))),
        Err(e) if e.fields.is_some() => {
            register_page(&s, &ctx, org, FormState::with(ctx.lang, crate::input::values_of(&form), e.fields.unwrap_or_default()), 0, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

pub async fn update(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<SystemInput>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    match app::update(&s, scope, id, &form).await {
        Ok(row) => Ok(see_other(&format!("/orgs/{}/systems?done=saved", row.org_id))),
        Err(e) if e.fields.is_some() => {
            let org = app::get(&s, scope, id).await?.org_id;
            register_page(&s, &ctx, org, FormState::with(ctx.lang, crate::input::values_of(&form), e.fields.unwrap_or_default()), id, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct RetireForm {
    #[serde(default)]
    retired_on: Option<String>,
}

pub async fn retire(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<RetireForm>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    match app::retire(&s, scope, id, crate::input::text(&form.retired_on)).await {
        Ok(row) => Ok(see_other(&format!("/orgs/{}/systems?done=saved", row.org_id))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let org = app::get(&s, scope, id).await?.org_id;
            register_page(&s, &ctx, org, FormState::refused(ctx.lang, crate::input::values_of(&form), &e), id, e.status).await
        }
        Err(e) => Err(e),
    }
}
