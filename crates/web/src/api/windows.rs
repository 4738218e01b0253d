//! Service windows over the API: adapters over [`crate::app::windows`]. A window's public facts,
//! each unit's standards, and on-site inspections with photos (multipart).

use super::dto::NamedId;
use crate::app::windows::{self as app, InspectionInput, InspectionView, NewStandard};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::{InspectionId, StandardId, SurveyId, UnitId};
use pacesetter_domain::survey::Answers;
use pacesetter_store::window::StandardRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An evaluation standard (评价项) a unit sets for its windows.
#[derive(Serialize, ToSchema)]
pub struct StandardDto {
    pub id: i64,
    pub unit_id: i64,
    pub item: String,
    pub weight: i64,
}

/// A unit's standards.
#[derive(Serialize, ToSchema)]
pub struct StandardsDto {
    pub unit: NamedId,
    pub total_weight: i64,
    pub items: Vec<StandardDto>,
}

/// A standard to add to a unit (not a window or a class: the unit above the windows).
#[derive(Deserialize, ToSchema)]
pub struct NewStandardRequest {
    /// At most 200 characters.
    pub item: String,
    /// A whole number from 1 to 100.
    pub weight: i64,
}

/// A survey open to rate a window.
#[derive(Serialize, ToSchema)]
pub struct OpenRatingDto {
    pub survey_id: i64,
    pub title: String,
    /// The rating page the window's QR code opens.
    pub rate_url: String,
}

/// A standard's score in an inspection.
#[derive(Serialize, ToSchema)]
pub struct InspectionItemDto {
    pub item: String,
    pub weight: i64,
    pub score: i64,
}

/// A photo of an inspection (download it at `url`).
#[derive(Serialize, ToSchema)]
pub struct PhotoDto {
    pub id: i64,
    pub filename: String,
    pub url: String,
}

/// An on-site inspection: the weighted score of its standards' scores.
#[derive(Serialize, ToSchema)]
pub struct InspectionDto {
    pub id: i64,
    pub window_id: i64,
    pub inspector: String,
    pub day: String,
    /// Σ weight × score ÷ Σ weight, to two decimals, such as 82.00.
    pub score: String,
    pub items: Vec<InspectionItemDto>,
    pub notes: Option<String>,
    pub photos: Vec<PhotoDto>,
}

/// A service window's public facts; its inspections only for those who manage it.
#[derive(Serialize, ToSchema)]
pub struct WindowDto {
    pub id: i64,
    pub name: String,
    /// The unit whose standards apply (the nearest above the window that set any).
    pub standards_unit: Option<NamedId>,
    pub standards: Vec<StandardDto>,
    pub open_ratings: Vec<OpenRatingDto>,
    pub qr_url: String,
    pub poster_url: String,
    /// The caller manages the window (its unit's head, the office).
    pub manager: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspections: Option<Vec<InspectionDto>>,
    /// 亮身份: the staff shown on the page.
    pub staff: Vec<StaffDto>,
    /// 亮承诺: the window's approved commitments (when the board is open, or to anyone logged in).
    pub commitments: Vec<WindowCommitmentDto>,
    /// The satisfaction rate of the office's window surveys, once at least 5 valid answers: "85.5%".
    pub satisfaction_rate: Option<String>,
    /// The raisers' satisfaction with the problems the window's unit answered (5 or more).
    pub problems_satisfaction: Option<String>,
}

/// A person on a window's page: public fields only.
#[derive(Serialize, ToSchema)]
pub struct StaffDto {
    pub id: i64,
    pub name: String,
    pub post: String,
    /// The window's own number for them (never their staff number).
    pub service_no: String,
    /// A Party-member badge, shown when they chose to.
    pub party_badge: bool,
    /// At /w/staff-photos/{id}.
    pub photo_url: Option<String>,
}

/// A commitment of the window.
#[derive(Serialize, ToSchema)]
pub struct WindowCommitmentDto {
    pub id: i64,
    pub content: String,
    pub due: String,
    pub percent: i64,
}

/// The multipart/form-data body of a person put on a window's page.
#[derive(ToSchema)]
pub struct StaffUpload {
    pub person: i64,
    pub post: String,
    /// 1 to 20 letters, digits or hyphens; not the staff number.
    pub service_no: String,
    /// One photo (JPEG or PNG; its metadata is removed).
    #[schema(value_type = Option<super::dto::FilePart>)]
    pub photo: (),
}

/// Show or hide the caller's own Party badge on the window pages they are on.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct BadgeIn {
    pub show: bool,
}

/// How many window pages it changed.
#[derive(Serialize, ToSchema)]
pub struct BadgeDto {
    pub show: bool,
    pub windows: u64,
}

/// An advisory rating of a window without login (kept apart: it never enters a rate; at most ten
/// an hour from one address).
#[derive(Deserialize, ToSchema)]
pub struct AdvisoryRating {
    /// The survey that rates the window (the one open, when left out).
    pub survey_id: Option<i64>,
    /// The answers by question, as for a survey's responses: {"q1": 4, ...}.
    #[schema(value_type = Object)]
    pub answers: Answers,
}

/// An advisory rating recorded.
#[derive(Serialize, ToSchema)]
pub struct AdvisoryRecorded {
    pub survey_id: i64,
    pub advisory: bool,
}

/// The multipart/form-data body of an inspection.
#[derive(ToSchema)]
pub struct InspectionUpload {
    /// YYYY-MM-DD (today when left out).
    pub day: Option<String>,
    /// A score from 0 to 100 for every standard of the window's unit, as a JSON object by the
    /// standard's id, such as {"12": 90, "13": 70}; or one part score_<id> per standard.
    pub scores: Option<String>,
    pub notes: Option<String>,
    /// Photos, JPEG or PNG (repeat the part for several).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub photos: (),
}

fn standard_dto(r: &StandardRow) -> StandardDto {
    StandardDto { id: r.id, unit_id: r.unit_id, item: r.item.clone(), weight: r.weight }
}

fn inspection_dto(v: &InspectionView) -> InspectionDto {
    InspectionDto {
        id: v.i.id,
        window_id: v.i.window_id,
        inspector: v.i.inspector.clone(),
        day: iso(v.i.day),
        score: v.i.score(),
        items: v.i.items().into_iter().map(|(item, weight, score)| InspectionItemDto { item, weight, score }).collect(),
        notes: v.i.notes.clone(),
        photos: v.photos.iter().map(|(id, name)| PhotoDto { id: *id, filename: name.clone(), url: format!("/inspection-photos/{id}") }).collect(),
    }
}

/// A window's public facts (and its inspections for its managers).
pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<WindowDto>> {
    let f = app::facts(&s, ctx.caller.as_ref().map(|c| &c.scope), UnitId(id)).await?;
    let (standards_unit, standards) = match &f.standards {
        Some((unit, name, rows)) => (Some(NamedId { id: *unit, name: name.clone() }), rows.iter().map(standard_dto).collect()),
        None => (None, Vec::new()),
    };
    Ok(Json(WindowDto {
        id,
        name: f.name.clone(),
        standards_unit,
        standards,
        open_ratings: f.surveys.iter().map(|r| OpenRatingDto { survey_id: r.id, title: r.title.clone(), rate_url: format!("/w/{id}/rate?survey={}", r.id) }).collect(),
        qr_url: format!("/w/{id}/qr.png"),
        poster_url: format!("/w/{id}/poster.pdf"),
        manager: f.manager,
        inspections: f.manager.then(|| f.inspections.iter().map(inspection_dto).collect()),
        staff: f
            .staff
            .iter()
            .map(|p| StaffDto {
                id: p.id,
                name: p.name.clone(),
                post: p.post.clone(),
                service_no: p.service_no.clone(),
                party_badge: p.badge,
                photo_url: p.has_photo.then(|| format!("/w/staff-photos/{}", p.id)),
            })
            .collect(),
        commitments: f.commitments.iter().map(|c| WindowCommitmentDto { id: c.id, content: c.content.clone(), due: iso(c.due), percent: c.percent }).collect(),
        satisfaction_rate: f.rate.as_ref().map(|r| r.0.clone()),
        problems_satisfaction: f.problems.as_ref().and_then(|p| p.rate.clone()),
    }))
}

/// Puts a person on the window's page (its manager); answers with the window.
pub async fn set_staff(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Json<WindowDto>> {
    let scope = &ctx.me()?.scope;
    app::may_inspect(&s, scope, UnitId(id)).await?;
    let form = upload::read_form(mp, "photo", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let (input, photos, errors) = app::StaffInput::from_form(form);
    app::set_staff(&s, scope, UnitId(id), &input, photos, errors).await?;
    get(State(s), ctx, Path(id)).await
}

/// Takes a person off the window's page; answers with the window.
pub async fn remove_staff(State(s): State<AppState>, ctx: Ctx, Path((id, staff)): Path<(i64, i64)>) -> AppResult<Json<WindowDto>> {
    app::remove_staff(&s, &ctx.me()?.scope, UnitId(id), staff).await?;
    get(State(s), ctx, Path(id)).await
}

pub async fn set_badge(State(s): State<AppState>, ctx: Ctx, Json(b): Json<BadgeIn>) -> AppResult<Json<BadgeDto>> {
    let n = app::set_badge(&s, &ctx.me()?.scope, b.show).await?;
    Ok(Json(BadgeDto { show: b.show, windows: n }))
}

async fn standards_dto(s: &AppState, ctx: &Ctx, unit: i64) -> AppResult<Json<StandardsDto>> {
    let (name, rows) = app::standards(s, &ctx.me()?.scope, UnitId(unit)).await?;
    Ok(Json(StandardsDto { unit: NamedId { id: unit, name }, total_weight: rows.iter().map(|r| r.weight).sum(), items: rows.iter().map(standard_dto).collect() }))
}

/// A unit's standards (its head, the office).
pub async fn standards(State(s): State<AppState>, ctx: Ctx, Path(unit): Path<i64>) -> AppResult<Json<StandardsDto>> {
    standards_dto(&s, &ctx, unit).await
}

/// Adds a standard; answers with the unit's standards.
pub async fn add_standard(State(s): State<AppState>, ctx: Ctx, Path(unit): Path<i64>, Json(b): Json<NewStandardRequest>) -> AppResult<Json<StandardsDto>> {
    app::add_standard(&s, &ctx.me()?.scope, UnitId(unit), &NewStandard { item: b.item, weight: b.weight.to_string() }).await?;
    standards_dto(&s, &ctx, unit).await
}

/// Retires a standard; answers with its unit's standards.
pub async fn retire_standard(State(s): State<AppState>, ctx: Ctx, Path(id): Path<StandardId>) -> AppResult<Json<StandardsDto>> {
    let unit = app::retire_standard_by_id(&s, &ctx.me()?.scope, id).await?;
    standards_dto(&s, &ctx, unit.0).await
}

/// A window's inspections (those who manage it).
pub async fn inspections(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<InspectionDto>>> {
    let rows = app::inspections(&s, &ctx.me()?.scope, UnitId(id)).await?;
    Ok(Json(rows.iter().map(inspection_dto).collect()))
}

/// One inspection (those who manage its window).
pub async fn inspection(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<InspectionDto>> {
    let v = app::inspection(&s, &ctx.me()?.scope, InspectionId(id)).await?;
    Ok(Json(inspection_dto(&v)))
}

/// Records an inspection (multipart: day, scores or score_<id>, notes, photos; the
/// X-CSRF-Token header).
pub async fn inspect(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: Multipart) -> AppResult<Json<InspectionDto>> {
    let scope = &ctx.me()?.scope;
    app::may_inspect(&s, scope, UnitId(id)).await?;
    let input = InspectionInput::from_form(upload::read_form(mp, "photos", s.site.max_upload).await?.or_too_large(s.site.max_upload)?);
    let iid = app::inspect(&s, scope, UnitId(id), input).await?;
    let v = app::inspection(&s, scope, iid).await?;
    Ok(Json(inspection_dto(&v)))
}

/// Rates a window without login, through the survey open to rate it (advisory only).
pub async fn rate(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<AdvisoryRating>) -> AppResult<Json<AdvisoryRecorded>> {
    let id = UnitId(id);
    let row = app::rating_survey(&s, id, b.survey_id.map(SurveyId)).await?.ok_or_else(app::closed)?;
    app::check_answers(&row, &b.answers)?;
    app::advisory(&s, ctx.ip, &row, id, &b.answers).await?;
    Ok(Json(AdvisoryRecorded { survey_id: row.id, advisory: true }))
}
