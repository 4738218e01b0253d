//! Activities as pages: thin adapters over [`crate::app::activities`]. The activities in reach
//! with the form to announce one, an activity's page (sign-up, check-in, the record, the
//! books), the screen with the check-in code, and participation per branch (.xlsx too).

use super::{FormState, Layout, render_status, see_other};
use crate::app::activities::{self as app, ActivityInput, BookInput, View};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::{Fields, Params};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pacesetter_domain::activity::{Kind, Signup};
use pacesetter_store::activity::{ActivityRow, BranchLine};
use serde::Deserialize;
use std::collections::HashMap;

fn refused(e: &AppError) -> bool {
    e.fields.is_some() || matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN)
}

#[derive(Template)]
#[template(path = "activities.html")]
struct IndexPage {
    l: Layout,
    rows: Vec<(ActivityRow, bool)>,
    mine: Vec<crate::app::activities::Participation>,
    hours: f64,
    /// The caller reads some branch (the per-branch page has something for them).
    oversees: bool,
    hosts: Vec<(String, String)>,
    f: FormState,
    today: String,
}

impl IndexPage {
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        Kind::ALL.into_iter().map(|k| (k.code(), k.label(self.l.lang))).collect()
    }

    fn kind(&self, a: &ActivityRow) -> &'static str {
        a.kind().label(self.l.lang)
    }

    fn hours_text(&self) -> String {
        format!("{:.1}", self.hours)
    }
}

async fn index_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let rows = app::list(s, scope).await?;
    let hosts = app::hosts(s, scope, ctx.lang).await?;
    let (mine, hours) = app::mine(s, scope).await?;
    let oversees = scope.is_office() || scope.has(pacesetter_domain::role::Role::Leader) || scope.reaches.iter().any(|(r, _)| matches!(r, pacesetter_domain::scope::Reach::Org(_)));
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    Ok(render_status(status, &IndexPage { l: Layout::new(ctx, ctx.t("学习实践活动", "Activities")), rows, mine, hours, oversees, hosts, f, today }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    index_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<ActivityInput>) -> AppResult<Response> {
    match app::create(&s, &ctx.me()?.scope, &form).await {
        Ok(id) => Ok(see_other(&format!("/activities/{id}?done=saved"))),
        Err(e) if refused(&e) || e.status == StatusCode::NOT_FOUND => {
            index_page(
                &s,
                &ctx,
                FormState::refused(ctx.lang, crate::input::values_of(&form), &e),
                if e.status == StatusCode::NOT_FOUND { StatusCode::UNPROCESSABLE_ENTITY } else { e.status },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    l: Layout,
    v: View,
    f: FormState,
    /// The code a scan brought.
    code: String,
}

impl ActivityPage {
    fn kind(&self) -> &'static str {
        self.v.a.kind().label(self.l.lang)
    }

    fn signup_word(&self, state: &str) -> &'static str {
        Signup::parse(state).map(|s| s.label(self.l.lang)).unwrap_or("")
    }

    fn mine(&self) -> Option<&str> {
        self.v.st.mine.as_ref().map(|m| m.state.as_str()).filter(|s| *s != "cancelled")
    }

    fn confirmed(&self) -> bool {
        self.mine() == Some("confirmed")
    }

    fn checked_in(&self) -> bool {
        self.v.st.mine.as_ref().is_some_and(|m| m.checked_in_ms.is_some())
    }

    fn open(&self) -> bool {
        self.v.a.state == "open"
    }

    /// Sign-up is still open today.
    fn signing(&self) -> bool {
        self.open() && pacesetter_domain::dates::today() <= self.v.a.signup_until
    }

    fn cols(&self) -> usize {
        if self.volunteer() { 4 } else { 3 }
    }

    fn volunteer(&self) -> bool {
        self.v.a.kind() == Kind::Volunteer
    }

    fn reading(&self) -> bool {
        self.v.a.kind() == Kind::Reading
    }

    fn hours(&self, h: &Option<i64>) -> String {
        h.map(|h| format!("{:.1}", h as f64 / 2.0)).unwrap_or_default()
    }
}

async fn page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, code: String, status: StatusCode) -> AppResult<Response> {
    let v = app::view(s, &ctx.me()?.scope, id).await?;
    let title = v.a.title.clone();
    Ok(render_status(status, &ActivityPage { l: Layout::new(ctx, &title), v, f, code }))
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct CodeQuery {
    #[serde(default)]
    c: String,
}

/// An activity; a scan of its code opens it with the code filled in (a GET never writes).
pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<CodeQuery>) -> AppResult<Response> {
    page(&s, &ctx, id, FormState::new(ctx.lang), q.c, StatusCode::OK).await
}

async fn after(s: &AppState, ctx: &Ctx, id: i64, r: AppResult<()>, values: HashMap<String, String>, done: &str) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/activities/{id}?done={done}"))),
        Err(e) if refused(&e) => page(s, ctx, id, FormState::refused(ctx.lang, values, &e), String::new(), e.status).await,
        Err(e) => Err(e),
    }
}

pub async fn sign_up(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = app::sign_up(&s, &ctx.me()?.scope, id).await.map(|_| ());
    after(&s, &ctx, id, r, HashMap::new(), "saved").await
}

pub async fn cancel(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = app::cancel(&s, &ctx.me()?.scope, id).await;
    after(&s, &ctx, id, r, HashMap::new(), "saved").await
}

pub async fn call_off(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<crate::app::activities::CallOffInput>) -> AppResult<Response> {
    let r = app::call_off(&s, &ctx.me()?.scope, id, &form).await;
    after(&s, &ctx, id, r, crate::input::values_of(&form), "saved").await
}

pub async fn open_checkin(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = app::open_checkin(&s, &ctx.me()?.scope, id).await;
    after(&s, &ctx, id, r, HashMap::new(), "saved").await
}

pub async fn check_in(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<CodeQuery>) -> AppResult<Response> {
    let r = app::check_in(&s, &ctx.me()?.scope, id, &form.c).await;
    after(&s, &ctx, id, r, crate::input::values_of(&form), "checked_in").await
}

#[derive(Template)]
#[template(path = "activity_screen.html")]
struct ScreenPage {
    l: Layout,
    a: ActivityRow,
    code: String,
    refresh_s: i64,
}

/// The screen with the code of the moment, for whoever runs the activity.
pub async fn screen(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    match app::code(&s, scope, id).await {
        Ok(c) => {
            let v = app::view(&s, scope, id).await?;
            Ok(render_status(StatusCode::OK, &ScreenPage { l: Layout::new(&ctx, &v.a.title), a: v.a, code: c.code, refresh_s: (c.changes_in_ms + 999) / 1000 }))
        }
        Err(e) if e.status == StatusCode::CONFLICT => Ok(see_other(&format!("/activities/{id}"))),
        Err(e) => Err(e),
    }
}

pub async fn qr_png(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = app::code(&s, &ctx.me()?.scope, id).await?;
    let png = crate::qr::png(&c.url, 10)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], png).into_response())
}

pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?;
    let values = form.values.clone();
    let text = values.get("record").cloned().unwrap_or_default();
    let hours = values.get("hours").cloned().unwrap_or_default();
    let r = app::record(&s, &ctx.me()?.scope, id, &text, &hours, form.files, form.errors).await;
    after(&s, &ctx, id, r, values, "recorded").await
}

pub async fn add_book(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<BookInput>) -> AppResult<Response> {
    let r = app::add_book(&s, &ctx.me()?.scope, id, &form).await.map(|_| ());
    after(&s, &ctx, id, r, crate::input::values_of(&form), "saved").await
}

pub async fn file(State(s): State<AppState>, ctx: Ctx, Path(fid): Path<i64>) -> AppResult<Response> {
    let (name, content_type, data) = app::file(&s, &ctx.me()?.scope, fid).await?;
    Ok(super::stored_file(&name, content_type, data))
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
}

#[derive(Template)]
#[template(path = "activities_branches.html")]
struct BranchesPage {
    l: Layout,
    month: String,
    rows: Vec<BranchLine>,
}

impl BranchesPage {
    fn colleges(&self) -> Vec<(String, i64, i64, i64, i64, i64, i64)> {
        app::by_college(&self.rows)
    }

    fn none(&self) -> usize {
        self.rows.iter().filter(|r| r.held == 0 && r.took_part == 0).count()
    }
}

pub async fn participation(State(s): State<AppState>, ctx: Ctx, Params(q): Params<MonthQuery>) -> AppResult<Response> {
    let (from, rows) = app::participation(&s, &ctx.me()?.scope, q.month.as_deref()).await?;
    let month = format!("{}-{:02}", from.year(), from.month() as u8);
    Ok(render_status(StatusCode::OK, &BranchesPage { l: Layout::new(&ctx, ctx.t("各支部活动情况", "Activities by branch")), month, rows }))
}

pub async fn participation_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>, Params(q): Params<MonthQuery>) -> AppResult<Response> {
    let (from, rows) = app::participation(&s, &ctx.me()?.scope, q.month.as_deref()).await?;
    super::download(&ctx, &app::participation_sheet(from, &rows, ctx.lang), ctx.t("支部活动情况", "branch-activities"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}
