//! Care visits over the API: adapters over [`crate::app::care`].

use crate::app::care::{self as app, RoundInput, TargetsInput, VisitInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use pacesetter_domain::dates::iso;
use serde::Serialize;
use utoipa::ToSchema;

/// A round.
#[derive(Serialize, ToSchema)]
pub struct CareRoundDto {
    pub id: i64,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// A visit recorded.
#[derive(Serialize, ToSchema)]
pub struct CareVisitDto {
    pub on_day: String,
    pub visitors: String,
    pub gifts: String,
    /// In yuan, two decimals.
    pub amount: String,
    pub note: Option<String>,
    /// At /care/photos/{id}.
    pub photos: Vec<i64>,
}

/// A person to visit, as the caller may see them.
#[derive(Serialize, ToSchema)]
pub struct CareTargetDto {
    pub id: i64,
    pub person_id: i64,
    pub person: String,
    /// retired_cadre, old_member, hardship or named; null where the caller may not know why.
    pub reason: Option<String>,
    /// Who is to visit.
    pub keeper: String,
    pub college: String,
    pub visit: Option<CareVisitDto>,
}

/// A round with the people the caller is to visit.
#[derive(Serialize, ToSchema)]
pub struct CareRoundDetailDto {
    pub round: CareRoundDto,
    pub targets: Vec<CareTargetDto>,
}

fn round_dto(r: &pacesetter_store::care::RoundRow) -> CareRoundDto {
    CareRoundDto { id: r.id, name: r.name.clone(), starts_on: iso(r.starts_on), ends_on: iso(r.ends_on) }
}

pub async fn rounds(State(s): State<AppState>) -> AppResult<Json<Vec<CareRoundDto>>> {
    Ok(Json(app::rounds(&s).await?.iter().map(round_dto).collect()))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<RoundInput>) -> AppResult<(StatusCode, Json<CareRoundDetailDto>)> {
    let id = app::create_round(&s, &ctx.me()?.scope, &b).await?;
    Ok((StatusCode::CREATED, Json(detail(&s, &ctx, id).await?)))
}

async fn detail(s: &AppState, ctx: &Ctx, id: i64) -> AppResult<CareRoundDetailDto> {
    let v = app::round(s, &ctx.me()?.scope, id).await?;
    Ok(CareRoundDetailDto {
        round: round_dto(&v.r),
        targets: v
            .targets
            .into_iter()
            .map(|t| CareTargetDto {
                id: t.id,
                person_id: t.person_id,
                person: t.person_name,
                reason: t.reason.map(|r| r.code().to_string()),
                keeper: t.keeper,
                college: t.college,
                visit: t.visit.map(|v| CareVisitDto {
                    on_day: iso(v.on_day),
                    visitors: v.visitors,
                    gifts: v.gifts,
                    amount: pacesetter_domain::care::yuan(v.amount_fen),
                    note: v.note,
                    photos: v.photos,
                }),
            })
            .collect(),
    })
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<CareRoundDetailDto>> {
    Ok(Json(detail(&s, &ctx, id).await?))
}

/// How many were added.
#[derive(Serialize, ToSchema)]
pub struct AddedDto {
    pub added: usize,
}

pub async fn add_targets(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<TargetsInput>) -> AppResult<Json<AddedDto>> {
    Ok(Json(AddedDto { added: app::add_targets(&s, &ctx.me()?.scope, id, &b).await? }))
}

/// The multipart/form-data body of a care visit.
#[derive(ToSchema)]
pub struct CareVisitUpload {
    pub on_day: String,
    pub visitors: String,
    pub gifts: String,
    /// In yuan.
    pub amount: Option<String>,
    pub note: Option<String>,
    /// Up to 3 photos (JPEG or PNG; their metadata is removed).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub photos: (),
}

pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(target): Path<i64>, mp: Multipart) -> AppResult<(StatusCode, Json<CareRoundDetailDto>)> {
    let form = upload::read_form(mp, "photos", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let input = VisitInput::from_form(&form);
    app::record(&s, &ctx.me()?.scope, target, &input, form.files, form.errors).await?;
    let round = app::round_of_target(&s, target).await?;
    Ok((StatusCode::CREATED, Json(detail(&s, &ctx, round).await?)))
}
