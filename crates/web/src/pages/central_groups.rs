//! The central groups as pages: thin adapters over [`crate::app::central_groups`]. The groups in
//! reach (with the office's weights), a group's page (members, the year's plan, sessions and
//! their forms), a session's speeches and reflections, and the year's assessment (.xlsx too).

use super::{FormState, Layout, render_status, see_other};
use crate::api::development::year_of;
use crate::app::central_groups::{
    self as app, ContributionInput, EndInput, GroupInput, GroupView, Groups, MemberInput, PlanInput, Scores, SessionInput, SessionView, WeightsInput,
};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::{Fields, Params};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::central_group::{Contribution, GroupRole, role_label};
use pacesetter_domain::meeting::State as MeetingState;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<String>,
}

fn refused(e: &AppError) -> bool {
    e.fields.is_some() || matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN)
}

#[derive(Template)]
#[template(path = "central_groups.html")]
struct IndexPage {
    l: Layout,
    g: Groups,
    f: FormState,
}

async fn index_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let g = app::list(s, &ctx.me()?.scope).await?;
    Ok(render_status(status, &IndexPage { l: Layout::new(ctx, ctx.t("中心组学习", "Central groups")), g, f }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    index_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<GroupInput>) -> AppResult<Response> {
    match app::create(&s, &ctx.me()?.scope, &form).await {
        Ok(id) => Ok(see_other(&format!("/central-groups/{id}?done=saved"))),
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

pub async fn set_weights(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<WeightsInput>) -> AppResult<Response> {
    match app::set_weights(&s, &ctx.me()?.scope, &form).await {
        Ok(_) => Ok(see_other("/central-groups?done=saved")),
        Err(e) if refused(&e) => index_page(&s, &ctx, FormState::refused(ctx.lang, crate::input::values_of(&form), &e), e.status).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "central_group.html")]
struct GroupPage {
    l: Layout,
    v: GroupView,
    f: FormState,
    /// The form the values and errors belong to.
    which: &'static str,
    today: String,
}

impl GroupPage {
    fn roles(&self) -> Vec<(&'static str, &'static str)> {
        GroupRole::ALL.into_iter().map(|r| (r.code(), r.label(self.l.lang))).collect()
    }

    fn role(&self, code: &str) -> &'static str {
        role_label(code, self.l.lang)
    }

    fn state(&self, code: &str) -> &'static str {
        MeetingState::parse(code).map(|s| s.label(self.l.lang)).unwrap_or("")
    }

    fn err(&self, which: &str, field: &str) -> Option<&str> {
        if self.which == which { self.f.err(field) } else { None }
    }

    fn val(&self, which: &str, field: &str) -> &str {
        if self.which == which { self.f.v(field) } else { "" }
    }

    /// A month of the plan: "3月", "Mar".
    fn month(&self, m: &i64) -> String {
        pacesetter_domain::dates::format_month(*m, self.l.lang)
    }

    /// The members table's width: the keepers see a column of actions.
    fn member_cols(&self) -> usize {
        if self.v.standing.runs { 5 } else { 4 }
    }
}

async fn group_page(s: &AppState, ctx: &Ctx, id: i64, year: Option<i32>, f: FormState, which: &'static str, status: StatusCode) -> AppResult<Response> {
    let v = app::view(s, &ctx.me()?.scope, id, year).await?;
    let title = v.group.name.clone();
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    Ok(render_status(status, &GroupPage { l: Layout::new(ctx, &title), v, f, which, today }))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<YearQuery>) -> AppResult<Response> {
    group_page(&s, &ctx, id, q.year.as_deref().map(|y| year_of(Some(y))), FormState::new(ctx.lang), "", StatusCode::OK).await
}

async fn after(s: &AppState, ctx: &Ctx, id: i64, r: AppResult<String>, values: std::collections::HashMap<String, String>, which: &'static str) -> AppResult<Response> {
    match r {
        Ok(to) => Ok(see_other(&to)),
        Err(e) if refused(&e) => group_page(s, ctx, id, None, FormState::refused(ctx.lang, values, &e), which, e.status).await,
        Err(e) => Err(e),
    }
}

pub async fn add_member(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<MemberInput>) -> AppResult<Response> {
    let r = app::add_member(&s, &ctx.me()?.scope, id, &form).await.map(|_| format!("/central-groups/{id}?done=saved"));
    after(&s, &ctx, id, r, crate::input::values_of(&form), "member").await
}

pub async fn end_member(State(s): State<AppState>, ctx: Ctx, Path((id, mid)): Path<(i64, i64)>, Fields(form): Fields<EndInput>) -> AppResult<Response> {
    let r = app::end_member(&s, &ctx.me()?.scope, id, mid, &form).await.map(|_| format!("/central-groups/{id}?done=saved"));
    after(&s, &ctx, id, r, crate::input::values_of(&form), "end").await
}

pub async fn set_plan(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<PlanInput>) -> AppResult<Response> {
    let r = app::set_plan(&s, &ctx.me()?.scope, id, &form).await.map(|_| format!("/central-groups/{id}?year={}&done=saved", form.year.trim()));
    after(&s, &ctx, id, r, crate::input::values_of(&form), "plan").await
}

pub async fn schedule(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<SessionInput>) -> AppResult<Response> {
    let r = app::schedule(&s, &ctx.me()?.scope, id, &form).await.map(|mid| format!("/meetings/{mid}?done=saved"));
    after(&s, &ctx, id, r, crate::input::values_of(&form), "session").await
}

#[derive(Template)]
#[template(path = "central_session.html")]
struct SessionPage {
    l: Layout,
    v: SessionView,
    f: FormState,
}

impl SessionPage {
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        Contribution::ALL.into_iter().map(|k| (k.code(), k.label(self.l.lang))).collect()
    }

    fn kind(&self, code: &str) -> &'static str {
        Contribution::parse(code).map(|k| k.label(self.l.lang)).unwrap_or("")
    }

    fn expected(&self) -> bool {
        self.v.session.meeting.state() != MeetingState::Cancelled
    }
}

async fn session_page(s: &AppState, ctx: &Ctx, mid: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::session(s, &ctx.me()?.scope, mid).await?;
    let title = format!("{} · {}", v.group.name, v.session.meeting.topic);
    Ok(render_status(status, &SessionPage { l: Layout::new(ctx, &title), v, f }))
}

pub async fn session(State(s): State<AppState>, ctx: Ctx, Path(mid): Path<i64>) -> AppResult<Response> {
    session_page(&s, &ctx, mid, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn contribute(State(s): State<AppState>, ctx: Ctx, Path(mid): Path<i64>, Fields(form): Fields<ContributionInput>) -> AppResult<Response> {
    match app::contribute(&s, &ctx.me()?.scope, mid, &form).await {
        Ok(()) => Ok(see_other(&format!("/central-groups/sessions/{mid}?done=saved"))),
        Err(e) if refused(&e) => session_page(&s, &ctx, mid, FormState::refused(ctx.lang, crate::input::values_of(&form), &e), e.status).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "central_scores.html")]
struct ScoresPage {
    l: Layout,
    sc: Scores,
}

impl ScoresPage {
    fn role(&self, code: &str) -> &'static str {
        role_label(code, self.l.lang)
    }

    fn num(&self, x: &Option<f64>) -> String {
        x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
    }
}

pub async fn scores(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<YearQuery>) -> AppResult<Response> {
    let sc = app::scores(&s, &ctx.me()?.scope, id, q.year.as_deref().map(|y| year_of(Some(y)))).await?;
    let title = format!("{} · {}{}", sc.group, sc.year, ctx.t("年学习考核", " assessment"));
    Ok(render_status(StatusCode::OK, &ScoresPage { l: Layout::new(&ctx, &title), sc }))
}

pub async fn scores_export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(i64, String)>, Params(q): Params<YearQuery>) -> AppResult<Response> {
    let sc = app::scores(&s, &ctx.me()?.scope, id, q.year.as_deref().map(|y| year_of(Some(y)))).await?;
    super::download(&ctx, &app::scores_sheet(&sc, ctx.lang), ctx.t("中心组学习考核", "central-group-scores"), if file.ends_with(".csv") { "csv" } else { "xlsx" })
}
