//! Care visits as pages: thin adapters over [`crate::app::care`].

use super::{FormState, Layout, render_status, see_other};
use crate::app::care::{self as app, RoundInput, RoundView, TargetsInput, VisitInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Fields;
use crate::state::AppState;
use crate::upload;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::care::Reason;
use pacesetter_store::care::{RoundRow, TargetRow};

#[derive(Template)]
#[template(path = "care.html")]
struct RoundsPage {
    l: Layout,
    rounds: Vec<RoundRow>,
    office: bool,
    f: FormState,
}

async fn rounds_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let rounds = app::rounds(s).await?;
    let office = ctx.me()?.scope.has(pacesetter_domain::role::Role::Office);
    Ok(render_status(status, &RoundsPage { l: Layout::new(ctx, ctx.t("走访慰问", "Care visits")), rounds, office, f }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    rounds_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<RoundInput>) -> AppResult<Response> {
    match app::create_round(&s, &ctx.me()?.scope, &form).await {
        Ok(id) => Ok(see_other(&format!("/care/{id}?done=created"))),
        Err(e) if e.fields.is_some() => {
            rounds_page(&s, &ctx, FormState::with(ctx.lang, crate::input::values_of(&form), e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "care_round.html")]
struct RoundPage {
    l: Layout,
    v: RoundView,
    office: bool,
    f: FormState,
    /// The target whose form the values belong to.
    editing: i64,
    reasons: Vec<(&'static str, &'static str)>,
}

impl RoundPage {
    fn reason_word(&self, t: &TargetRow) -> &'static str {
        t.reason.map(|r| r.label(self.l.lang)).unwrap_or("")
    }

    fn yuan(&self, fen: &i64) -> String {
        pacesetter_domain::care::yuan(*fen)
    }

    fn visited(&self) -> usize {
        self.v.targets.iter().filter(|t| t.visit.is_some()).count()
    }

    fn err_of(&self, id: &i64, field: &str) -> Option<&str> {
        if self.editing == *id { self.f.err(field) } else { None }
    }

    fn val(&self, id: &i64, field: &str) -> &str {
        if self.editing == *id { self.f.v(field) } else { "" }
    }
}

async fn round_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, editing: i64, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let v = app::round(s, scope, id).await?;
    let office = scope.has(pacesetter_domain::role::Role::Office);
    let reasons = Reason::ALL.into_iter().map(|r| (r.code(), r.label(ctx.lang))).collect();
    let title = v.r.name.clone();
    Ok(render_status(status, &RoundPage { l: Layout::new(ctx, &title), v, office, f, editing, reasons }))
}

pub async fn round(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    round_page(&s, &ctx, id, FormState::new(ctx.lang), 0, StatusCode::OK).await
}

pub async fn add_targets(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<TargetsInput>) -> AppResult<Response> {
    match app::add_targets(&s, &ctx.me()?.scope, id, &form).await {
        Ok(_) => Ok(see_other(&format!("/care/{id}?done=saved"))),
        Err(e) if e.fields.is_some() => {
            round_page(&s, &ctx, id, FormState::with(ctx.lang, crate::input::values_of(&form), e.fields.unwrap_or_default()), -1, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// Records a visit (multipart: on_day, visitors, gifts, amount, note, photos).
pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(target): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let form = upload::read_form(mp, "photos", s.site.max_upload).await?;
    let input = VisitInput::from_form(&form);
    let values = form.values.clone();
    let round_id = app::round_of_target(&s, target).await?;
    match app::record(&s, scope, target, &input, form.files, form.errors).await {
        Ok(_) => Ok(see_other(&format!("/care/{round_id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => round_page(&s, &ctx, round_id, FormState::refused(ctx.lang, values, &e), target, e.status).await,
        Err(e) => Err(e),
    }
}

pub async fn export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(i64, String)>) -> AppResult<Response> {
    let v = app::round(&s, &ctx.me()?.scope, id).await?;
    super::download(&ctx, &app::sheet(&v, ctx.lang), ctx.t("走访慰问", "care-visits"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}

pub async fn photo(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (ct, data) = app::photo(&s, &ctx.me()?.scope, id).await?;
    Ok(([(header::CONTENT_TYPE, ct), (header::CACHE_CONTROL, "private, max-age=3600".to_string())], data).into_response())
}
