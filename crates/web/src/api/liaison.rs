//! Cadres and their classes over the API: adapters over [`crate::app::liaison`]. A cadre's
//! classes, visits (multipart, with photos), one visit, the coverage, the office's weeks and the
//! reminders.

use crate::app::liaison as app;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use pacesetter_store::liaison::VisitRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The multipart/form-data body of a visit.
#[derive(ToSchema)]
pub struct VisitUpload {
    /// One of the caller's classes.
    pub class: i64,
    /// YYYY-MM-DD, not after today.
    pub on_day: String,
    pub place: String,
    /// Whom the cadre met.
    pub met: String,
    pub topics: String,
    pub notes: Option<String>,
    /// Up to 6 photos (JPEG or PNG; their metadata is removed).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub photos: (),
}

/// A visit to a class.
#[derive(Serialize, ToSchema)]
pub struct VisitDto {
    pub id: i64,
    pub cadre_id: i64,
    pub cadre: String,
    pub class_id: i64,
    pub class: String,
    pub on_day: String,
    pub place: String,
    pub met: String,
    pub topics: String,
    pub notes: Option<String>,
    /// Problems raised in the visit, and those solved.
    pub problems: i64,
    pub solved: i64,
    /// The photos, at /liaison/photos/{id} (in a single visit's answer only).
    pub photos: Vec<i64>,
    /// The problems raised in it that the caller may read (in a single visit's answer only).
    pub problem_ids: Vec<i64>,
}

fn dto(v: &VisitRow, photos: Vec<i64>, problem_ids: Vec<i64>) -> VisitDto {
    VisitDto {
        id: v.id,
        cadre_id: v.cadre_id,
        cadre: v.cadre_name.clone(),
        class_id: v.class_id,
        class: v.class_name.clone(),
        on_day: iso(v.on_day),
        place: v.place.clone(),
        met: v.met.clone(),
        topics: v.topics.clone(),
        notes: v.notes.clone(),
        problems: v.problems,
        solved: v.solved,
        photos,
        problem_ids,
    }
}

/// One of the caller's classes.
#[derive(Serialize, ToSchema)]
pub struct ClassCardDto {
    pub class_id: i64,
    pub name: String,
    pub linked_on: String,
    pub students: i64,
    /// The class committee and head teacher: [name, position].
    pub committee: Vec<(String, String)>,
    pub last_visit: Option<String>,
    pub visits_this_term: i64,
    /// Not visited for the office's number of weeks.
    pub unvisited: bool,
}

/// A cadre's classes and visits.
#[derive(Serialize, ToSchema)]
pub struct MyLiaisonDto {
    pub unvisited_weeks: u32,
    pub classes: Vec<ClassCardDto>,
    pub visits: Vec<VisitDto>,
}

pub async fn mine(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<MyLiaisonDto>> {
    let m = app::mine(&s, &ctx.me()?.scope).await?;
    let today = pacesetter_domain::dates::today();
    Ok(Json(MyLiaisonDto {
        unvisited_weeks: m.weeks,
        classes: m
            .classes
            .iter()
            .map(|c| ClassCardDto {
                class_id: c.class_id,
                name: c.name.clone(),
                linked_on: iso(c.linked_on),
                students: c.students,
                committee: c.committee.clone(),
                last_visit: c.last_visit.map(iso),
                visits_this_term: c.visits_this_term,
                unvisited: pacesetter_domain::liaison::unvisited(c.last_visit, c.linked_on, today, m.weeks),
            })
            .collect(),
        visits: m.visits.iter().map(|v| dto(v, Vec::new(), Vec::new())).collect(),
    }))
}

pub async fn record(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<(StatusCode, Json<VisitDto>)> {
    let scope = &ctx.me()?.scope;
    let form = upload::read_form(mp, "photos", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let (input, photos, errors) = app::VisitInput::from_form(form);
    let id = app::record(&s, scope, &input, photos, errors).await?;
    let v = app::visit(&s, scope, id).await?;
    Ok((StatusCode::CREATED, Json(dto(&v.v, v.photos, Vec::new()))))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<VisitDto>> {
    let v = app::visit(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(dto(&v.v, v.photos, v.problems.iter().map(|p| p.id).collect())))
}

/// A class in the coverage.
#[derive(Serialize, ToSchema)]
pub struct ClassCoverageDto {
    pub class_id: i64,
    pub class: String,
    pub cadres: String,
    pub visits_this_term: i64,
    pub last_visit: Option<String>,
    pub unvisited: bool,
    /// Problems raised in its visits and solved: for the office and the leaders only (null to
    /// others, beside whose own problems a class's count could point at an unnamed raiser).
    pub problems: Option<i64>,
    pub solved: Option<i64>,
}

/// A cadre in the coverage.
#[derive(Serialize, ToSchema)]
pub struct CadreCoverageDto {
    pub cadre_id: i64,
    pub cadre: String,
    pub classes: i64,
    pub visits_this_term: i64,
    pub last_visit: Option<String>,
    pub unvisited_classes: i64,
}

/// The coverage in the caller's reach.
#[derive(Serialize, ToSchema)]
pub struct LiaisonCoverageDto {
    pub unvisited_weeks: u32,
    pub classes: Vec<ClassCoverageDto>,
    pub cadres: Vec<CadreCoverageDto>,
}

pub async fn coverage(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<LiaisonCoverageDto>> {
    let (classes, cadres, weeks) = app::coverage(&s, &ctx.me()?.scope).await?;
    Ok(Json(LiaisonCoverageDto {
        unvisited_weeks: weeks,
        classes: classes
            .into_iter()
            .map(|c| ClassCoverageDto {
                class_id: c.class_id,
                class: c.class_name,
                cadres: c.cadres,
                visits_this_term: c.visits,
                last_visit: c.last_visit.map(iso),
                unvisited: c.unvisited,
                problems: c.problems,
                solved: c.solved,
            })
            .collect(),
        cadres: cadres
            .into_iter()
            .map(|c| CadreCoverageDto {
                cadre_id: c.cadre_id,
                cadre: c.cadre_name,
                classes: c.classes,
                visits_this_term: c.visits,
                last_visit: c.last_visit.map(iso),
                unvisited_classes: c.unvisited,
            })
            .collect(),
    }))
}

/// The office's number of weeks after which a class counts as unvisited (1 to 26).
#[derive(Deserialize, Serialize, ToSchema)]
pub struct WeeksIn {
    pub unvisited_weeks: String,
}

pub async fn set_weeks(State(s): State<AppState>, ctx: Ctx, Json(b): Json<WeeksIn>) -> AppResult<Json<WeeksIn>> {
    let n = app::set_weeks(&s, &ctx.me()?.scope, &b.unvisited_weeks).await?;
    Ok(Json(WeeksIn { unvisited_weeks: n.to_string() }))
}

/// How many reminders were made.
#[derive(Serialize, ToSchema)]
pub struct RemindedDto {
    pub notifications: usize,
}

pub async fn remind(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<RemindedDto>> {
    Ok(Json(RemindedDto { notifications: app::remind_now(&s, &ctx.me()?.scope).await? }))
}

/// The unit whose staff link cadres to classes beside the office (in practice 学工部).
#[derive(Deserialize, Serialize, ToSchema)]
pub struct LinkerIn {
    /// The unit; null: the office alone.
    pub unit_id: Option<i64>,
    /// Its name (in the answer).
    #[serde(default)]
    pub unit: Option<String>,
}

pub async fn set_linker(State(s): State<AppState>, ctx: Ctx, Json(b): Json<LinkerIn>) -> AppResult<Json<LinkerIn>> {
    let now = app::set_linker(&s, &ctx.me()?.scope, b.unit_id).await?;
    Ok(Json(LinkerIn { unit_id: now.as_ref().map(|u| u.0), unit: now.map(|u| u.1) }))
}
