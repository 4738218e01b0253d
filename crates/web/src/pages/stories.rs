//! Publicity as pages: thin adapters over [`crate::app::stories`]. The public list and a story's
//! public page (Open Graph title, summary and image, so a shared link shows them; printable),
//! the writing form, the writer's hand-in, and the office's publish / return.

use super::{FormState, Layout, render_status, see_other};
use crate::app::stories::{self as app, ListQuery, PER_PAGE, StoryInput, StoryReviewInput, View};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::{Fields, Params};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::format_datetime_ms;
use pacesetter_domain::story::{Kind, MAX_SUMMARY, MAX_TITLE, State as StoryState};
use pacesetter_store::story::StoryRow;
use std::collections::HashMap;

/// Who wrote a story, as its page and lists say it.
pub fn source(s: &StoryRow, lang: Lang) -> String {
    s.source_name.clone().unwrap_or_else(|| lang.t("创先办", "Campaign office").to_string())
}

/// When a story was published (or last changed, until it is).
pub fn when(s: &StoryRow, lang: Lang) -> String {
    format_datetime_ms(s.published_ms.unwrap_or(s.updated_ms), lang)
}

#[derive(Template)]
#[template(path = "stories.html")]
struct IndexPage {
    l: Layout,
    rows: Vec<StoryRow>,
    waiting: Vec<StoryRow>,
    may_write: bool,
    kind: String,
    prev: Option<String>,
    next: Option<String>,
}

impl IndexPage {
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        Kind::ALL.iter().map(|k| (k.code(), k.label(self.l.lang))).collect()
    }
    fn kind_label(&self, s: &StoryRow) -> &'static str {
        s.kind().label(self.l.lang)
    }
    fn state_label(&self, s: &StoryRow) -> &'static str {
        s.state().label(self.l.lang)
    }
    fn source(&self, s: &StoryRow) -> String {
        source(s, self.l.lang)
    }
    fn when(&self, s: &StoryRow) -> String {
        when(s, self.l.lang)
    }
}

/// The published stories, newest first (anyone); for those signed in who write or review,
/// the stories waiting on someone above them.
pub async fn index(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Response> {
    let scope = ctx.caller.as_ref().map(|c| &c.scope);
    let public = ListQuery { state: Some("published".into()), ..q.clone() };
    let mut rows = app::list(&s, scope, &public).await?;
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let (waiting, may_write) = match scope {
        Some(sc) => (app::unpublished(&s, sc).await?, !app::writing_orgs(&s, sc).await?.is_empty()),
        None => (Vec::new(), false),
    };
    let kind = q.kind.clone().unwrap_or_default();
    let link = |p: i64| format!("/stories?kind={}&page={p}", percent_encoding::utf8_percent_encode(&kind, percent_encoding::NON_ALPHANUMERIC));
    let page = q.page();
    let prev = (page > 1).then(|| link(page - 1));
    let next = more.then(|| link(page + 1));
    Ok(super::render(&IndexPage { l: Layout::new(&ctx, ctx.t("典型宣传", "Stories")), rows, waiting, may_write, kind, prev, next }))
}

#[derive(Template)]
#[template(path = "story_form.html")]
struct FormPage {
    l: Layout,
    /// The story being edited; None for a new one.
    id: Option<i64>,
    orgs: Vec<(String, String)>,
    images: Vec<pacesetter_store::story::FileMeta>,
    max_title: usize,
    max_summary: usize,
    f: FormState,
}

impl FormPage {
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        Kind::ALL.iter().map(|k| (k.code(), k.label(self.l.lang))).collect()
    }
}

async fn new_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let orgs = app::writing_orgs(s, &ctx.me()?.scope).await?;
    if orgs.is_empty() {
        return Err(crate::error::AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "稿件由二级党组织撰写，或由创先办撰写",
            "Stories are written by secondary organizations or the campaign office",
        ));
    }
    let l = Layout::new(ctx, ctx.t("撰写稿件", "Write a story"));
    Ok(render_status(status, &FormPage { l, id: None, orgs, images: Vec::new(), max_title: MAX_TITLE, max_summary: MAX_SUMMARY, f }))
}

pub async fn new_form(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut f = FormState::new(ctx.lang);
    f.set("kind", "neighbour");
    new_page(&s, &ctx, f, StatusCode::OK).await
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let form = crate::upload::read_form(mp, "images", s.site.max_upload).await?;
    let input = StoryInput::from_values(&form.values);
    match app::create(&s, &ctx.me()?.scope, &input, form.files, form.errors).await {
        Ok(id) => Ok(see_other(&format!("/stories/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            let status = e.status;
            new_page(&s, &ctx, FormState::refused(ctx.lang, form.values, &e), status).await
        }
        Err(e) => Err(e),
    }
}

fn values_of(st: &StoryRow) -> HashMap<String, String> {
    let subject = match (st.award_id, st.person_id, st.subject_org_id) {
        (Some(a), _, _) => format!("award:{a}"),
        (_, Some(p), _) => format!("person:{p}"),
        (_, _, Some(o)) => format!("org:{o}"),
        _ => String::new(),
    };
    HashMap::from([
        ("kind".to_string(), st.kind.clone()),
        ("title".to_string(), st.title.clone()),
        ("summary".to_string(), st.summary.clone()),
        ("body".to_string(), st.body.clone()),
        ("subject".to_string(), subject),
        ("version".to_string(), st.version.to_string()),
    ])
}

async fn edit_page(s: &AppState, ctx: &Ctx, id: i64, f: Option<FormState>, status: StatusCode) -> AppResult<Response> {
    let v = app::view(s, Some(&ctx.me()?.scope), id).await?;
    if !v.may_edit {
        return Err(crate::error::AppError::new(StatusCode::FORBIDDEN, "forbidden", "这篇稿件现在不能由您修改", "You cannot change this story now"));
    }
    let f = f.unwrap_or_else(|| FormState::with(ctx.lang, values_of(&v.story), Default::default()));
    let l = Layout::new(ctx, &format!("{} · {}", ctx.t("修改稿件", "Edit"), v.story.title));
    Ok(render_status(status, &FormPage { l, id: Some(id), orgs: Vec::new(), images: v.images, max_title: MAX_TITLE, max_summary: MAX_SUMMARY, f }))
}

pub async fn edit_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    edit_page(&s, &ctx, id, None, StatusCode::OK).await
}

pub async fn edit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Response> {
    let form = crate::upload::read_form(mp, "images", s.site.max_upload).await?;
    let mut values = form.values.clone();
    // The boxes ticked to remove images arrive as remove_<id>.
    let ticked: Vec<String> = values.keys().filter_map(|k| k.strip_prefix("remove_").map(str::to_string)).collect();
    if !ticked.is_empty() {
        values.insert("remove".into(), ticked.join(","));
    }
    let input = StoryInput::from_values(&values);
    match app::edit(&s, &ctx.me()?.scope, id, &input, form.files, form.errors).await {
        Ok(_) => Ok(see_other(&format!("/stories/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let status = e.status;
            edit_page(&s, &ctx, id, Some(FormState::refused(ctx.lang, form.values, &e)), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    l: Layout,
    v: View,
    kind: String,
    state: String,
    source: String,
    when: String,
    url: String,
    og_image: Option<String>,
    f: FormState,
}

impl StoryPage {
    fn published(&self) -> bool {
        self.v.story.state() == StoryState::Published
    }
}

async fn story_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = ctx.caller.as_ref().map(|c| &c.scope);
    let v = app::view(s, scope, id).await?;
    let lang = ctx.lang;
    let base = s.site.public_url.trim_end_matches('/');
    let og_image = v.images.first().map(|i| format!("{base}/stories/images/{}", i.id));
    let page = StoryPage {
        l: Layout::new(ctx, &v.story.title),
        kind: v.story.kind().label(lang).to_string(),
        state: v.story.state().label(lang).to_string(),
        source: source(&v.story, lang),
        when: when(&v.story, lang),
        url: format!("{base}/stories/{id}"),
        og_image,
        v,
        f,
    };
    Ok(render_status(status, &page))
}

/// A story's page: public once published; before, for its writer, those above and the office.
pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    story_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

pub async fn submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    match app::submit(&s, &ctx.me()?.scope, id).await {
        Ok(_) => Ok(see_other(&format!("/stories/{id}?done=saved"))),
        Err(e) if e.status == StatusCode::CONFLICT => {
            let status = e.status;
            story_page(&s, &ctx, id, FormState::refused(ctx.lang, HashMap::new(), &e), status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn review(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Fields(form): Fields<HashMap<String, String>>) -> AppResult<Response> {
    let input = StoryReviewInput { action: form.get("action").cloned().unwrap_or_default(), comment: form.get("comment").cloned().unwrap_or_default() };
    match app::review(&s, &ctx.me()?.scope, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/stories/{id}?done=saved"))),
        Err(e) if e.fields.is_some() || e.status == StatusCode::CONFLICT => {
            let status = e.status;
            story_page(&s, &ctx, id, FormState::refused(ctx.lang, form, &e), status).await
        }
        Err(e) => Err(e),
    }
}

/// An image of a story the reader may read (public once the story is published; EXIF removed).
pub async fn image(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (name, content_type, data) = app::image(&s, ctx.caller.as_ref().map(|c| &c.scope), id).await?;
    Ok(super::stored_file(&name, content_type, data))
}
