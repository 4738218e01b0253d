//! The search page: an adapter over [`crate::app::search`].

use super::{Layout, render, render_status};
use crate::app::search::{self as app, Found, SearchQuery};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use pacesetter_domain::search::Kind;

pub struct Group {
    pub kind: &'static str,
    pub label: &'static str,
    pub hits: Vec<Found>,
    pub more: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    groups: Vec<Group>,
    error: Option<String>,
    searched: bool,
}

pub async fn page(State(s): State<AppState>, ctx: Ctx, Params(q): Params<SearchQuery>) -> AppResult<Response> {
    let lang = ctx.lang;
    let text = q.q.clone().unwrap_or_default();
    let mut p = SearchPage {
        l: Layout::new(&ctx, ctx.t("搜索", "Search")),
        q: text.clone(),
        kind: q.kind.clone().unwrap_or_default(),
        kinds: Kind::ALL.iter().map(|k| (k.code(), k.label(lang))).collect(),
        groups: Vec::new(),
        error: None,
        searched: false,
    };
    if text.trim().is_empty() {
        return Ok(render(&p));
    }
    match app::search(&s, &ctx.me()?.scope, &q).await {
        Ok(r) => {
            p.searched = true;
            p.groups = r.groups.into_iter().filter(|g| !g.1.is_empty()).map(|(k, hits, more)| Group { kind: k.code(), label: k.label(lang), hits, more }).collect();
            Ok(render(&p))
        }
        Err(AppError { fields: Some(errs), .. }) => {
            p.error = Some(errs.summary(lang));
            Ok(render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(e),
    }
}
