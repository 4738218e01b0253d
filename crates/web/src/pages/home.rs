//! The first page after login: what I owe and what waits for me, for my roles.

use super::{Layout, render, see_other};
use crate::app::desk::{self, Desk, Duty, Waiting};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use pacesetter_domain::dates::days_left_text;

pub async fn root(ctx: Ctx) -> Response {
    see_other(if ctx.caller.is_some() { "/home" } else { "/login" })
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    roles: String,
    d: Desk,
    reset_notice: Option<String>,
}

impl HomePage {
    /// "还剩3天", "今天到期" or "逾期5天".
    fn left(&self, days: &Option<i64>) -> String {
        days.map(|n| days_left_text(n, self.l.lang)).unwrap_or_default()
    }

    fn kind(&self, w: &Waiting) -> &'static str {
        w.kind.label(self.l.lang)
    }

    /// A list of tasks behind a duty's count: `/tasks?org=12&flag=overdue`.
    fn tasks_href(&self, d: &Duty, flag: &str) -> String {
        if d.query.is_empty() { format!("/tasks?flag={flag}") } else { format!("/tasks?{}&flag={flag}", d.query) }
    }
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let me = ctx.me()?;
    let lang = ctx.lang;
    let d = desk::desk(&state, &me.scope, me.id(), me.account.person_id, lang).await?;
    let roles = d.roles.iter().map(|r| r.label(lang)).collect::<Vec<_>>().join("、");
    let reset_notice = super::login::reset_notice(me, lang);
    Ok(render(&HomePage { l: Layout::new(&ctx, lang.t("工作台", "My desk")), roles, d, reset_notice }))
}
