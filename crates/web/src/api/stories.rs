//! Publicity over the API: adapters over [`crate::app::stories`]. The list and a story are
//! public once published (no account needed); writing, handing in and the office's moves need
//! one.

use crate::app::stories::{self as app, ListQuery, PER_PAGE, StoryInput, StoryReviewInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_store::story::StoryRow;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct StoryDto {
    pub id: i64,
    /// model (先进典型), neighbour (我身边的优秀共产党员) or news (工作动态).
    pub kind: String,
    pub title: String,
    pub summary: String,
    /// Who wrote it: a secondary organization's name, or 创先办.
    pub source: String,
    pub source_org_id: Option<i64>,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub subject_org_id: Option<i64>,
    pub subject_org_name: Option<String>,
    /// The award of the register it is about.
    pub award_id: Option<i64>,
    pub award: Option<String>,
    /// draft, submitted, published or returned.
    pub state: String,
    /// The office's reason when it was returned or taken down (for its writers and the office).
    pub review_comment: Option<String>,
    /// What an edit must name (the version it started from); 0 for a reader who cannot edit.
    pub version: i64,
    /// When it was published (or last changed, until it is).
    pub when: String,
    /// Its public page.
    pub url: String,
}

/// A story as the API gives it; `inside` (its writers, those above them and the office) with
/// the office's note and the version to edit from.
pub(crate) fn dto(s: &StoryRow, lang: Lang, inside: bool) -> StoryDto {
    StoryDto {
        id: s.id,
        kind: s.kind.clone(),
        title: s.title.clone(),
        summary: s.summary.clone(),
        source: crate::pages::stories::source(s, lang),
        source_org_id: s.source_org_id,
        person_id: s.person_id,
        person_name: s.person_name.clone(),
        subject_org_id: s.subject_org_id,
        subject_org_name: s.subject_org_name.clone(),
        award_id: s.award_id,
        award: s.award_label.clone(),
        state: s.state.clone(),
        review_comment: s.review_comment.clone().filter(|_| inside),
        version: if inside { s.version } else { 0 },
        when: crate::pages::stories::when(s, lang),
        url: format!("/stories/{}", s.id),
    }
}

#[derive(Serialize, ToSchema)]
pub struct StoryDetailDto {
    #[serde(flatten)]
    pub story: StoryDto,
    /// The text as written (Markdown).
    pub body: String,
    /// The text as the page shows it (HTML without scripts, raw HTML or foreign images).
    pub html: String,
    /// Its pictures; the first is the cover (the page's Open Graph image).
    pub images: Vec<super::dto::KeptFileDto>,
}

/// The fields of a story (multipart), with its pictures.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StoryUpload {
    /// Pictures (JPEG or PNG; repeat the part, at most 6 in all). EXIF is removed.
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub images: (),
    /// model, neighbour or news.
    pub kind: String,
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// A new story: `org:ID` (a secondary organization the caller keeps) or `office`.
    pub org: Option<String>,
    /// `person:ID`, `org:ID`, `award:ID`, or empty.
    pub subject: Option<String>,
    /// An edit: the version it started from.
    pub version: Option<i64>,
    /// An edit: ids of pictures to remove, separated by commas.
    pub remove: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StoryCreatedDto {
    pub id: i64,
}

/// The stories the caller may read (published ones for everyone; drafts and those handed in for
/// their writers and the office), newest first, 20 a page; filters `kind`, `state`, `page`.
pub async fn list(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Json<Vec<StoryDto>>> {
    let scope = ctx.caller.as_ref().map(|c| &c.scope);
    let mut rows = app::list(&s, scope, &q).await?;
    rows.truncate(PER_PAGE as usize);
    Ok(Json(rows.iter().map(|r| dto(r, ctx.lang, app::inside(scope, r))).collect()))
}

/// Starts a story (multipart: the fields and `images`; X-CSRF-Token header).
pub async fn create(State(s): State<AppState>, ctx: Ctx, mp: axum::extract::Multipart) -> AppResult<(StatusCode, Json<StoryCreatedDto>)> {
    let scope = &ctx.me()?.scope;
    let form = crate::upload::read_form(mp, "images", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let id = app::create(&s, scope, &StoryInput::from_values(&form.values), form.files, form.errors).await?;
    Ok((StatusCode::CREATED, Json(StoryCreatedDto { id })))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<StoryDetailDto>> {
    let scope = ctx.caller.as_ref().map(|c| &c.scope);
    let v = app::view(&s, scope, id).await?;
    Ok(Json(StoryDetailDto {
        story: dto(&v.story, ctx.lang, app::inside(scope, &v.story)),
        body: v.story.body.clone(),
        html: v.html,
        images: v.images.iter().map(|f| super::dto::kept_file_dto(f, "/stories/images")).collect(),
    }))
}

/// Changes a story (multipart, as for a new one, with `version` and `remove`).
pub async fn edit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: axum::extract::Multipart) -> AppResult<Json<StoryDto>> {
    let scope = &ctx.me()?.scope;
    let form = crate::upload::read_form(mp, "images", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let row = app::edit(&s, scope, id, &StoryInput::from_values(&form.values), form.files, form.errors).await?;
    Ok(Json(dto(&row, ctx.lang, true)))
}

/// The writer hands the story in to the office.
pub async fn submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<StoryDto>> {
    let row = app::submit(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(dto(&row, ctx.lang, true)))
}

/// The office publishes a story, or returns it (takes it down) with a reason.
pub async fn review(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<StoryReviewInput>) -> AppResult<Json<StoryDto>> {
    let row = app::review(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(Json(dto(&row, ctx.lang, true)))
}
