//! Activities over the API: adapters over [`crate::app::activities`].

use crate::app::activities::{self as app, ActivityCode, ActivityInput, BookInput, View};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use pacesetter_store::activity::ActivityRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i64,
    /// volunteer, reading, ethics or study.
    pub kind: String,
    /// The organization's or unit's name ("" for the office's).
    pub host: String,
    pub title: String,
    pub body: String,
    pub place: String,
    pub on_day: String,
    pub end_day: String,
    pub starts: String,
    pub ends: String,
    pub signup_until: String,
    /// 0: no limit.
    pub quota: i64,
    /// open, held or cancelled.
    pub state: String,
    pub confirmed: i64,
    pub waiting: i64,
    pub checked_in: i64,
    pub record: Option<String>,
}

fn dto(a: &ActivityRow) -> ActivityDto {
    ActivityDto {
        id: a.id,
        kind: a.kind.clone(),
        host: a.host_name.clone(),
        title: a.title.clone(),
        body: a.body.clone(),
        place: a.place.clone(),
        on_day: iso(a.on_day),
        end_day: iso(a.end_day),
        starts: a.starts.clone(),
        ends: a.ends.clone(),
        signup_until: iso(a.signup_until),
        quota: a.quota,
        state: a.state.clone(),
        confirmed: a.confirmed,
        waiting: a.waiting,
        checked_in: a.checked_in,
        record: a.record.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct SignupDto {
    pub person_id: i64,
    pub name: String,
    /// confirmed, waiting or cancelled.
    pub state: String,
    /// The order of signing up.
    pub seq: i64,
    pub checked_in: bool,
    /// Volunteer hours once recorded.
    pub hours: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct BookDto {
    pub name: String,
    pub title: String,
    pub author: String,
    pub review: String,
}

/// An activity with the caller's place and the sign-ups they may read.
#[derive(Serialize, ToSchema)]
pub struct ActivityDetailDto {
    pub activity: ActivityDto,
    /// The caller runs it.
    pub runs: bool,
    /// The caller's own sign-up: confirmed, waiting, cancelled, or null.
    pub mine: Option<String>,
    /// Everyone's for those who run it; the caller's own otherwise.
    pub signups: Vec<SignupDto>,
    pub books: Vec<BookDto>,
    /// The record's photos and files (GET /activities/files/{id}).
    pub files: Vec<ActivityFileDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityFileDto {
    pub id: i64,
    pub name: String,
    pub photo: bool,
}

fn detail(v: View) -> ActivityDetailDto {
    ActivityDetailDto {
        activity: dto(&v.a),
        runs: v.st.runs,
        mine: v.st.mine.as_ref().map(|m| m.state.clone()),
        signups: v
            .signups
            .iter()
            .map(|x| SignupDto {
                person_id: x.person_id,
                name: x.name.clone(),
                state: x.state.clone(),
                seq: x.seq,
                checked_in: x.checked_in_ms.is_some(),
                hours: x.half_hours.map(|h| h as f64 / 2.0),
            })
            .collect(),
        books: v.books.iter().map(|b| BookDto { name: b.name.clone(), title: b.title.clone(), author: b.author.clone(), review: b.review.clone() }).collect(),
        files: v.files.iter().map(|(id, name, _, photo)| ActivityFileDto { id: *id, name: name.clone(), photo: *photo }).collect(),
    }
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<ActivityDto>>> {
    Ok(Json(app::list(&s, &ctx.me()?.scope).await?.iter().map(|(a, _)| dto(a)).collect()))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<ActivityInput>) -> AppResult<(StatusCode, Json<ActivityDetailDto>)> {
    let scope = &ctx.me()?.scope;
    let id = app::create(&s, scope, &b).await?;
    Ok((StatusCode::CREATED, Json(detail(app::view(&s, scope, id).await?))))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ActivityDetailDto>> {
    Ok(Json(detail(app::view(&s, &ctx.me()?.scope, id).await?)))
}

pub async fn sign_up(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ActivityDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::sign_up(&s, scope, id).await?;
    Ok(Json(detail(app::view(&s, scope, id).await?)))
}

pub async fn cancel(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ActivityDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::cancel(&s, scope, id).await?;
    Ok(Json(detail(app::view(&s, scope, id).await?)))
}

pub async fn call_off(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<crate::app::activities::CallOffInput>) -> AppResult<Json<ActivityDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::call_off(&s, scope, id, &b).await?;
    Ok(Json(detail(app::view(&s, scope, id).await?)))
}

pub async fn open_checkin(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ActivityDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::open_checkin(&s, scope, id).await?;
    Ok(Json(detail(app::view(&s, scope, id).await?)))
}

pub async fn code(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ActivityCode>> {
    Ok(Json(app::code(&s, &ctx.me()?.scope, id).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ActivityCheckIn {
    /// The code scanned or typed.
    #[serde(default)]
    pub code: String,
}

pub async fn check_in(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ActivityCheckIn>) -> AppResult<Json<ActivityDetailDto>> {
    let scope = &ctx.me()?.scope;
    app::check_in(&s, scope, id, &b.code).await?;
    Ok(Json(detail(app::view(&s, scope, id).await?)))
}

/// The multipart/form-data body of an activity's record.
#[derive(ToSchema)]
pub struct ActivityRecordUpload {
    /// What was done (10 to 5000 characters).
    pub record: String,
    /// Volunteer hours of each one checked in (volunteer service), in half hours.
    pub hours: Option<String>,
    /// Up to 6 photos (JPEG or PNG, metadata removed) and 6 documents.
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub files: (),
}

pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mp: axum::extract::Multipart) -> AppResult<Json<ActivityDetailDto>> {
    let scope = &ctx.me()?.scope;
    let form = crate::upload::read_form(mp, "files", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let text = form.values.get("record").cloned().unwrap_or_default();
    let hours = form.values.get("hours").cloned().unwrap_or_default();
    app::record(&s, scope, id, &text, &hours, form.files, form.errors).await?;
    Ok(Json(detail(app::view(&s, scope, id).await?)))
}

pub async fn add_book(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<BookInput>) -> AppResult<(StatusCode, Json<ActivityDetailDto>)> {
    let scope = &ctx.me()?.scope;
    app::add_book(&s, scope, id, &b).await?;
    Ok((StatusCode::CREATED, Json(detail(app::view(&s, scope, id).await?))))
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BranchActivityDto {
    pub branch_id: i64,
    pub branch: String,
    pub college: String,
    /// Activities the branch held that month.
    pub held: i64,
    pub members: i64,
    /// Its members who took part (checked in) in any activity that month.
    pub took_part: i64,
    pub books: i64,
    /// Nothing held and nobody took part.
    pub none: bool,
}

pub async fn participation(State(s): State<AppState>, ctx: Ctx, Params(q): Params<MonthQuery>) -> AppResult<Json<Vec<BranchActivityDto>>> {
    let (_, rows) = app::participation(&s, &ctx.me()?.scope, q.month.as_deref()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| BranchActivityDto {
                none: r.held == 0 && r.took_part == 0,
                branch_id: r.branch_id,
                branch: r.branch,
                college: r.college,
                held: r.held,
                members: r.members,
                took_part: r.took_part,
                books: r.books,
            })
            .collect(),
    ))
}

/// The caller's own participation and their volunteer hours in all.
#[derive(Serialize, ToSchema)]
pub struct MyActivitiesDto {
    pub items: Vec<crate::app::activities::Participation>,
    pub hours: f64,
}

pub async fn mine(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<MyActivitiesDto>> {
    let (items, hours) = app::mine(&s, &ctx.me()?.scope).await?;
    Ok(Json(MyActivitiesDto { items, hours }))
}
