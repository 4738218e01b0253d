//! Documents to study over the API: adapters over [`crate::app::study`].

use super::dto::DashboardDto;
use crate::app::study::{self as app, DocInput};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use pacesetter_store::study::DocRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct StudyDocDto {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// The day it was published (YYYY-MM-DD).
    pub published_on: String,
    /// The day to study it by.
    pub due: Option<String>,
    pub item: Option<i64>,
    /// party_orgs, secondary_orgs, branches, window_units or units.
    pub owners: String,
    /// With `units`: their names.
    pub units: Vec<String>,
    /// parent or office.
    pub reviewer: String,
    /// The template of its tasks: `/api/v1/tasks?template=ID` lists them.
    pub template_id: i64,
    pub campaign_id: i64,
}

fn dto(d: &DocRow) -> StudyDocDto {
    let owners = d.owners();
    StudyDocDto {
        id: d.id,
        title: d.title.clone(),
        body: d.body.clone(),
        published_on: iso(d.published_on()),
        due: d.due_date.map(iso),
        item: d.item,
        owners: owners.code().to_string(),
        units: match owners {
            pacesetter_domain::plan::Owners::Units(u) => u,
            _ => Vec::new(),
        },
        reviewer: d.reviewer().code().to_string(),
        template_id: d.template_id,
        campaign_id: d.campaign_id,
    }
}

/// A document with its files and its coverage: the dashboard of its tasks within the caller's
/// scope (`tasks` of each row lists the tasks behind it).
#[derive(Serialize, ToSchema)]
pub struct StudyDocDetailDto {
    #[serde(flatten)]
    pub doc: StudyDocDto,
    pub files: Vec<super::dto::KeptFileDto>,
    pub coverage: DashboardDto,
}

/// The fields of a document to publish (multipart), with its files.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StudyDocUpload {
    /// The document's files (PDF, Word .docx, Excel .xlsx, images; repeat the part, at most 10).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
    pub title: String,
    /// The text, or what to study and how.
    pub body: String,
    /// The plan's work item (1 or 4 for a document to study).
    pub item: Option<i64>,
    /// party_orgs, secondary_orgs, branches, window_units or units.
    pub owners: String,
    /// With `units`: the units' names, one a line or separated by commas or 、.
    pub units: Option<String>,
    /// YYYY-MM-DD: the day each must have studied it by.
    pub due: String,
    /// parent (the default) or office.
    pub reviewer: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StudyPublishedDto {
    pub id: i64,
    /// The tasks made: one for each organization or unit that studies it.
    pub tasks: i64,
}

pub async fn list(State(s): State<AppState>, _ctx: Ctx) -> AppResult<Json<Vec<StudyDocDto>>> {
    Ok(Json(app::list(&s).await?.iter().map(dto).collect()))
}

/// Publishes a document (multipart: the fields and `files`; X-CSRF-Token header).
pub async fn publish(State(s): State<AppState>, ctx: Ctx, mp: axum::extract::Multipart) -> AppResult<(StatusCode, Json<StudyPublishedDto>)> {
    let scope = &ctx.me()?.scope;
    pacesetter_store::scope::office_only(scope).map_err(AppError::from)?;
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let (id, tasks) = app::publish(&s, scope, &DocInput::from_values(&form.values), form.files, form.errors).await?;
    Ok((StatusCode::CREATED, Json(StudyPublishedDto { id, tasks })))
}

#[derive(Deserialize)]
pub struct NodeQuery {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub node: Option<i64>,
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Params(q): Params<NodeQuery>) -> AppResult<Json<StudyDocDetailDto>> {
    let v = app::view(&s, &ctx.me()?.scope, id, q.node, ctx.lang).await?;
    Ok(Json(StudyDocDetailDto {
        doc: dto(&v.doc),
        files: v.files.iter().map(|f| super::dto::kept_file_dto(f, "/study/files")).collect(),
        coverage: super::campaigns::dashboard_dto(&v.coverage),
    }))
}
