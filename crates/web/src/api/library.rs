//! The experience library over the API: adapters over [`crate::app::library`].

use crate::app::library::{self as app, EntryInput, ListQuery, ReviewInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::format_datetime_ms;
use pacesetter_store::library::EntryRow;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct LibraryEntryDto {
    pub id: i64,
    /// system (制度), experience (经验) or case (案例).
    pub kind: String,
    /// The plan's work item it serves.
    pub item: Option<i64>,
    pub title: String,
    pub body: String,
    /// Who it comes from: an organization's or unit's name, or 创先办.
    pub source: String,
    pub source_org_id: Option<i64>,
    pub source_unit_id: Option<i64>,
    /// The experience-exchange meeting it was made from.
    pub meeting_id: Option<i64>,
    /// submitted, published or returned.
    pub state: String,
    /// The office's reason when it was returned (or its note when published).
    pub review_comment: Option<String>,
    pub submitted: String,
    pub reviewed: Option<String>,
}

pub(crate) fn dto(e: &EntryRow, lang: Lang) -> LibraryEntryDto {
    LibraryEntryDto {
        id: e.id,
        kind: e.kind.clone(),
        item: e.item,
        title: e.title.clone(),
        body: e.body.clone(),
        source: e.source_name.clone().unwrap_or_else(|| lang.t("创先办", "Campaign office").to_string()),
        source_org_id: e.source_org_id,
        source_unit_id: e.source_unit_id,
        meeting_id: e.meeting_id,
        state: e.state.clone(),
        review_comment: e.review_comment.clone(),
        submitted: format_datetime_ms(e.submitted_ms, lang),
        reviewed: e.reviewed_ms.map(|m| format_datetime_ms(m, lang)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct LibraryEntryDetailDto {
    #[serde(flatten)]
    pub entry: LibraryEntryDto,
    pub files: Vec<super::dto::KeptFileDto>,
}

/// The fields of an entry to hand in (multipart), with its files.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LibraryUpload {
    /// Files (PDF, Word .docx, Excel .xlsx, images; repeat the part, at most 10).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
    pub title: String,
    pub body: String,
    /// system, experience or case.
    pub kind: String,
    /// The plan's work item (1 to 20).
    pub item: Option<i64>,
    /// `org:ID`, `unit:ID` (an organization or unit the caller keeps) or `office`.
    pub source: String,
}

#[derive(Serialize, ToSchema)]
pub struct LibrarySubmittedDto {
    pub id: i64,
}

/// The entries the caller may read: the published ones, and those waiting from the sources they
/// keep (all for the office); filters `kind`, `item`, `state`.
pub async fn list(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Json<Vec<LibraryEntryDto>>> {
    let rows = app::list(&s, &ctx.me()?.scope, &q.filter()?).await?;
    Ok(Json(rows.iter().map(|e| dto(e, ctx.lang)).collect()))
}

/// Hands in an entry (multipart: the fields and `files`; X-CSRF-Token header).
pub async fn submit(State(s): State<AppState>, ctx: Ctx, mp: axum::extract::Multipart) -> AppResult<(StatusCode, Json<LibrarySubmittedDto>)> {
    let scope = &ctx.me()?.scope;
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let id = app::submit(&s, scope, &EntryInput::from_values(&form.values), form.files, form.errors).await?;
    Ok((StatusCode::CREATED, Json(LibrarySubmittedDto { id })))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<LibraryEntryDetailDto>> {
    let v = app::view(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(LibraryEntryDetailDto { entry: dto(&v.e, ctx.lang), files: v.files.iter().map(|f| super::dto::kept_file_dto(f, "/library/files")).collect() }))
}

/// The office publishes an entry, or returns it with a reason.
pub async fn review(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ReviewInput>) -> AppResult<Json<LibraryEntryDto>> {
    let e = app::review(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(Json(dto(&e, ctx.lang)))
}
