//! A branch's contact person's page: thin adapter over [`crate::app::contacts`].

use super::{FormState, Layout, render_status, see_other};
use crate::app::contacts::{self as app, BranchProgress, GuidanceInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Fields;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_store::task::TaskRow;

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    l: Layout,
    branches: Vec<BranchProgress>,
    f: FormState,
    today: String,
}

impl ContactPage {
    fn task_state(&self, t: &TaskRow) -> &'static str {
        t.state().label(self.l.lang)
    }

    fn open_tasks(&self, b: &BranchProgress) -> usize {
        b.tasks.iter().filter(|t| t.state() != pacesetter_domain::task::TaskState::Accepted).count()
    }

    fn meeting_line(&self, b: &BranchProgress) -> String {
        let lang = self.l.lang;
        match &b.meetings {
            None => String::new(),
            Some(m) => {
                let held: i64 = m.kinds.iter().map(|k| k.held).sum();
                let rate = m.rate().map(|r| format!("{r:.1}%")).unwrap_or_else(|| "—".into());
                format!(
                    "{}{held} · {}{} · {}{rate}",
                    lang.t("今年已召开 ", "held this year "),
                    lang.t("缺开期次 ", "periods missed "),
                    m.missed(),
                    lang.t("出席率 ", "attendance ")
                )
            }
        }
    }

    fn due_kinds(&self, b: &BranchProgress) -> String {
        b.meetings.as_ref().map(|m| m.kinds.iter().filter(|k| k.current_held == Some(false)).map(|k| k.kind.label(self.l.lang)).collect::<Vec<_>>().join("、")).unwrap_or_default()
    }
}

async fn page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let branches = app::mine(s, &ctx.me()?.scope, ctx.lang).await?;
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    Ok(render_status(status, &ContactPage { l: Layout::new(ctx, ctx.t("联系支部", "My branches")), branches, f, today }))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn record(State(s): State<AppState>, ctx: Ctx, Fields(form): Fields<GuidanceInput>) -> AppResult<Response> {
    match app::record(&s, &ctx.me()?.scope, &form).await {
        Ok(_) => Ok(see_other("/contact?done=saved")),
        Err(e) if e.fields.is_some() => {
            page(&s, &ctx, FormState::with(ctx.lang, crate::input::values_of(&form), e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}
