//! 学习型党组织示范点 as pages: thin adapters over [`crate::app::study_points`]. The points in
//! reach with the forms to register one and (for the office) to set the inspection standards;
//! a point's page with its milestones, reports, files and inspections; the list as .xlsx.

use super::{FormState, Layout, render_status, see_other};
use crate::app::study_points::{self as app, InspectInput, RegisterInput, ReportInput, StandardInput, View, score_text};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::Fields;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_store::study_point::{InspectionRow, StandardRow, Standing, Summary};
use std::collections::HashMap;

fn refused(e: &AppError) -> bool {
    e.fields.is_some() || matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN)
}

#[derive(Template)]
#[template(path = "study_points.html")]
struct IndexPage {
    l: Layout,
    points: Vec<Summary>,
    registrable: Vec<(i64, String)>,
    standards: Vec<StandardRow>,
    office: bool,
    f: FormState,
}

impl IndexPage {
    fn mean(&self, p: &Summary) -> String {
        p.mean_x100.map(score_text).unwrap_or_else(|| "—".into())
    }
}

async fn index_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let o = app::overview(s, &ctx.me()?.scope).await?;
    Ok(render_status(
        status,
        &IndexPage {
            l: Layout::new(ctx, ctx.t("学习型党组织示范点", "Study model points")),
            points: o.points,
            registrable: o.registrable,
            standards: o.standards,
            office: o.office,
            f,
        },
    ))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    index_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn index_after(s: &AppState, ctx: &Ctx, r: AppResult<String>, values: HashMap<String, String>) -> AppResult<Response> {
    match r {
        Ok(to) => Ok(see_other(&to)),
        Err(e) if refused(&e) => index_page(s, ctx, FormState::refused(ctx.lang, values, &e), e.status).await,
        Err(e) => Err(e),
    }
}

pub async fn register(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<RegisterInput>) -> AppResult<Response> {
    let r = app::register(&s, &ctx.me()?.scope, &form).await.map(|id| format!("/study-points/{id}?done=saved"));
    index_after(&s, &ctx, r, crate::input::values_of(&form)).await
}

pub async fn add_standard(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<StandardInput>) -> AppResult<Response> {
    let r = app::add_standard(&s, &ctx.me()?.scope, &form).await.map(|_| "/study-points?done=saved#standards".to_string());
    index_after(&s, &ctx, r, crate::input::values_of(&form)).await
}

pub async fn retire_standard(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = app::retire_standard(&s, &ctx.me()?.scope, id).await.map(|_| "/study-points?done=saved#standards".to_string());
    index_after(&s, &ctx, r, HashMap::new()).await
}

pub async fn export(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let o = app::overview(&s, &ctx.me()?.scope).await?;
    super::download(&ctx, &app::sheet(&o.points, ctx.lang), ctx.t("学习型党组织示范点", "study-points"), "xlsx")
}

#[derive(Template)]
#[template(path = "study_point.html")]
struct PointPage {
    l: Layout,
    v: View,
    f: FormState,
    today: String,
}

impl PointPage {
    fn keeps(&self) -> bool {
        self.v.standing == Standing::Keeps
    }

    fn milestone_title(&self, id: &Option<i64>) -> String {
        id.and_then(|m| self.v.milestones.iter().find(|x| x.id == m)).map(|m| m.title.clone()).unwrap_or_default()
    }

    fn files_of(&self, report: &i64) -> Vec<&(i64, i64, String, bool)> {
        self.v.files.iter().filter(|f| f.1 == *report).collect()
    }

    fn score(&self, i: &InspectionRow) -> String {
        score_text(i.score_x100)
    }

    fn mean(&self) -> String {
        self.v.summary.as_ref().and_then(|s| s.mean_x100).map(score_text).unwrap_or_else(|| "—".into())
    }

    fn overdue(&self, m: &pacesetter_store::study_point::MilestoneRow) -> bool {
        m.done_on.is_none() && m.due_on < pacesetter_domain::dates::today()
    }
}

async fn point_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::view(s, &ctx.me()?.scope, id).await?;
    let title = v.point.org_name.clone();
    Ok(render_status(status, &PointPage { l: Layout::new(ctx, &title), v, f, today: pacesetter_domain::dates::iso(pacesetter_domain::dates::today()) }))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    point_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn point_after(s: &AppState, ctx: &Ctx, id: i64, r: AppResult<i64>, values: HashMap<String, String>) -> AppResult<Response> {
    match r {
        Ok(_) => Ok(see_other(&format!("/study-points/{id}?done=saved"))),
        Err(e) if refused(&e) => point_page(s, ctx, id, FormState::refused(ctx.lang, values, &e), e.status).await,
        Err(e) => Err(e),
    }
}

pub async fn report(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?;
    let r = app::report(&s, &ctx.me()?.scope, id, &ReportInput::from_values(&form.values), form.files, form.errors).await;
    point_after(&s, &ctx, id, r, form.values).await
}

pub async fn inspect(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    let (input, errors) = InspectInput::from_form(&form);
    let r = app::inspect(&s, &ctx.me()?.scope, id, &input, errors).await;
    point_after(&s, &ctx, id, r, form).await
}

pub async fn file(State(s): State<AppState>, ctx: Ctx, Path(fid): Path<i64>) -> AppResult<Response> {
    let (name, content_type, data) = app::file(&s, &ctx.me()?.scope, fid).await?;
    Ok(super::stored_file(&name, content_type, data))
}
