//! The disposal of unqualified members as pages: thin adapters over [`crate::app::disposals`].

use super::{FormState, Layout, render_status, see_other};
use crate::app::disposals::{self as app, CaseView, CloseInput, FollowUpInput, OpenInput, Overview};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Fields;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::disposal::{Measure, Outcome};
use pacesetter_store::disposal::CaseRow;
use std::collections::HashMap;

pub trait CaseWords {
    fn lang(&self) -> pacesetter_domain::Lang;

    fn measure_word(&self, k: &CaseRow) -> &'static str {
        k.measure().label(self.lang())
    }

    fn outcome_word(&self, k: &CaseRow) -> &'static str {
        k.outcome().map(|o| o.label(self.lang())).unwrap_or_else(|| self.lang().t("办理中", "open"))
    }

    fn overdue(&self, k: &CaseRow) -> bool {
        k.overdue(pacesetter_domain::dates::today())
    }
}

#[derive(Template)]
#[template(path = "disposals.html")]
struct ListPage {
    l: Layout,
    o: Overview,
    f: FormState,
    measures: Vec<(&'static str, &'static str)>,
}

impl CaseWords for ListPage {
    fn lang(&self) -> pacesetter_domain::Lang {
        self.l.lang
    }
}

async fn list_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let o = app::overview(s, &ctx.me()?.scope).await?;
    let measures = Measure::ALL.into_iter().map(|m| (m.code(), m.label(ctx.lang))).collect();
    Ok(render_status(status, &ListPage { l: Layout::new(ctx, ctx.t("不合格党员处置", "Disposal of unqualified members")), o, f, measures }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn open(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<OpenInput>) -> AppResult<Response> {
    match app::open(&s, &ctx.me()?.scope, &form).await {
        Ok(id) => Ok(see_other(&format!("/disposals/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => list_page(&s, &ctx, FormState::refused(ctx.lang, crate::input::values_of(&form), &e), e.status).await,
        Err(e) => Err(e),
    }
}

pub async fn export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> AppResult<Response> {
    let o = app::overview(&s, &ctx.me()?.scope).await?;
    super::download(&ctx, &app::sheet(&o.cases, ctx.lang), ctx.t("不合格党员处置", "disposal-cases"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

#[derive(Template)]
#[template(path = "disposal.html")]
struct CasePage {
    l: Layout,
    v: CaseView,
    f: FormState,
    outcomes: Vec<(&'static str, &'static str)>,
    today: String,
}

impl CaseWords for CasePage {
    fn lang(&self) -> pacesetter_domain::Lang {
        self.l.lang
    }
}

async fn case_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::case(s, &ctx.me()?.scope, id).await?;
    let outcomes = Outcome::ALL.into_iter().map(|o| (o.code(), o.label(ctx.lang))).collect();
    let title = format!("{} · {}", v.k.person_name, ctx.t("处置案件", "Disposal case"));
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    Ok(render_status(status, &CasePage { l: Layout::new(ctx, &title), v, f, outcomes, today }))
}

pub async fn case(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    case_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn after(s: &AppState, ctx: &Ctx, id: i64, r: AppResult<()>, values: HashMap<String, String>) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/disposals/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => case_page(s, ctx, id, FormState::refused(ctx.lang, values, &e), e.status).await,
        Err(e) => Err(e),
    }
}

pub async fn follow_up(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<FollowUpInput>) -> AppResult<Response> {
    let r = app::follow_up(&s, &ctx.me()?.scope, id, &form).await;
    after(&s, &ctx, id, r, crate::input::values_of(&form)).await
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<CloseInput>) -> AppResult<Response> {
    let r = app::close(&s, &ctx.me()?.scope, id, &form).await.map(|_| ());
    after(&s, &ctx, id, r, crate::input::values_of(&form)).await
}
