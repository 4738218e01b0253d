//! The experience library as pages: thin adapters over [`crate::app::library`]. The list with
//! its filters and the form to hand an entry in, an entry's page with the office's review, and
//! the list as Excel.

use super::{FormState, Layout, render_status, see_other};
use crate::app::library::{self as app, EntryInput, ListQuery, ReviewInput, View};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{Fields, Params};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::dates::format_datetime_ms;
use pacesetter_domain::library::{Kind, State as EntryState};
use pacesetter_store::library::EntryRow;

#[derive(Template)]
#[template(path = "library.html")]
struct IndexPage {
    l: Layout,
    rows: Vec<EntryRow>,
    sources: Vec<(String, String)>,
    office: bool,
    kind: String,
    item: String,
    state: String,
    query: String,
    f: FormState,
}

impl IndexPage {
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        Kind::ALL.iter().map(|k| (k.code(), k.label(self.l.lang))).collect()
    }
    fn kind_label(&self, e: &EntryRow) -> &'static str {
        e.kind().label(self.l.lang)
    }
    fn state_label(&self, e: &EntryRow) -> &'static str {
        e.state().label(self.l.lang)
    }
    fn source(&self, e: &EntryRow) -> String {
        e.source_name.clone().unwrap_or_else(|| self.l.t("创先办", "Campaign office").to_string())
    }
    fn items(&self) -> Vec<i64> {
        (1..=20).collect()
    }
}

async fn index_page(s: &AppState, ctx: &Ctx, q: &ListQuery, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let rows = app::list(s, scope, &q.filter()?).await?;
    let sources = app::sources(s, scope).await?;
    let office = pacesetter_store::scope::office_only(scope).is_ok();
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let query = format!("kind={}&item={}&state={}", opt(&q.kind), opt(&q.item), opt(&q.state));
    Ok(render_status(
        status,
        &IndexPage { l: Layout::new(ctx, ctx.t("经验库", "Experience library")), rows, sources, office, kind: opt(&q.kind), item: opt(&q.item), state: opt(&q.state), query, f },
    ))
}

pub async fn index(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Response> {
    index_page(&s, &ctx, &q, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn submit(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?;
    let input = EntryInput::from_values(&form.values);
    match app::submit(&s, &ctx.me()?.scope, &input, form.files, form.errors).await {
        Ok(id) => Ok(see_other(&format!("/library/{id}?done=saved"))),
        Err(e) if e.fields.is_some() => {
            let status = e.status;
            index_page(&s, &ctx, &ListQuery::default(), FormState::refused(ctx.lang, form.values, &e), status).await
        }
        Err(e) => Err(e),
    }
}

/// The list as Excel, with the same filters.
pub async fn export(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Response> {
    let rows = app::list(&s, &ctx.me()?.scope, &q.filter()?).await?;
    let lang = ctx.lang;
    let sheet = crate::export::Sheet {
        name: lang.t("经验库", "Experience library").to_string(),
        headers: ["标题|Title", "类别|Kind", "工作事项|Work item", "来源|From", "状态|State", "提交时间|Handed in", "内容|Text"]
            .iter()
            .map(|h| {
                let (zh, en) = h.split_once('|').unwrap_or((h, h));
                lang.t(zh, en).to_string()
            })
            .collect(),
        rows: rows
            .iter()
            .map(|e| {
                vec![
                    e.title.clone(),
                    e.kind().label(lang).to_string(),
                    e.item.map(|i| i.to_string()).unwrap_or_default(),
                    e.source_name.clone().unwrap_or_else(|| lang.t("创先办", "Campaign office").to_string()),
                    e.state().label(lang).to_string(),
                    format_datetime_ms(e.submitted_ms, lang),
                    e.body.clone(),
                ]
            })
            .collect(),
    };
    crate::export::xlsx_response(&sheet, lang.t("经验库", "experience-library"))
}

#[derive(Template)]
#[template(path = "library_entry.html")]
struct EntryPage {
    l: Layout,
    v: View,
    source: String,
    kind: String,
    state: String,
    submitted: String,
    f: FormState,
}

impl EntryPage {
    fn kb(&self, size: &i64) -> String {
        super::size_kb(*size)
    }
    fn published(&self) -> bool {
        self.v.e.state() == EntryState::Published
    }
}

async fn entry_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let v = app::view(s, &ctx.me()?.scope, id).await?;
    let lang = ctx.lang;
    let source = v.e.source_name.clone().unwrap_or_else(|| lang.t("创先办", "Campaign office").to_string());
    let (kind, state) = (v.e.kind().label(lang).to_string(), v.e.state().label(lang).to_string());
    let submitted = format_datetime_ms(v.e.submitted_ms, lang);
    let title = v.e.title.clone();
    Ok(render_status(status, &EntryPage { l: Layout::new(ctx, &title), v, source, kind, state, submitted, f }))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    entry_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn review(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<std::collections::HashMap<String, String>>) -> AppResult<Response> {
    let input = ReviewInput { action: form.get("action").cloned().unwrap_or_default(), comment: form.get("comment").cloned().unwrap_or_default() };
    match app::review(&s, &ctx.me()?.scope, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/library/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let status = e.status;
            entry_page(&s, &ctx, id, FormState::refused(ctx.lang, form, &e), status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn file(State(s): State<AppState>, ctx: Ctx, Path(fid): Path<i64>) -> AppResult<Response> {
    let (name, content_type, data) = app::file(&s, &ctx.me()?.scope, fid).await?;
    Ok(super::stored_file(&name, content_type, data))
}
