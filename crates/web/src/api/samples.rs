//! Samples over the API: adapters over [`crate::app::samples`]. A sample's record is public
//! (population hash, both commitments and seeds, the pseudonyms drawn): it names no person.

use crate::app::samples::{self as app, NewSampleInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Lang;
use pacesetter_domain::ids::{SampleId, SurveyId};
use pacesetter_domain::sample::drawn_list_public;
use pacesetter_domain::scope::Scope;
use pacesetter_store::sample::SampleRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A sample as lists show it.
#[derive(Serialize, ToSchema)]
pub struct SampleLineDto {
    pub id: i64,
    /// The survey whose audience it draws, if any.
    pub survey_id: Option<i64>,
    /// survey or spot_check
    pub purpose: String,
    pub title: String,
    /// The unit that commits the second seed.
    pub owner_unit_id: i64,
    pub owner_name: String,
    pub population_size: i64,
    /// committing, revealing or drawn
    pub state: String,
}

fn line(r: &SampleRow) -> SampleLineDto {
    SampleLineDto {
        id: r.id,
        survey_id: r.survey_id,
        purpose: r.purpose.clone(),
        title: r.title.clone(),
        owner_unit_id: r.owner_unit_id,
        owner_name: r.owner_name.clone(),
        population_size: r.population_size,
        state: r.state.clone(),
    }
}

/// A stratum of the population.
#[derive(Serialize, ToSchema)]
pub struct StratumDto {
    pub name: String,
    pub population: u64,
    pub drawn: u64,
}

/// One drawn: a pseudonym (a spot check's window by name: windows are public) and its stratum.
#[derive(Serialize, ToSchema)]
pub struct DrawnDto {
    pub member: String,
    pub stratum: String,
}

/// A sample's public record, from which anyone recomputes the draw.
#[derive(Serialize, ToSchema)]
pub struct SampleDto {
    #[serde(flatten)]
    pub line: SampleLineDto,
    /// The administrative unit whose people (or windows) make the population.
    pub population_node: i64,
    pub students_only: bool,
    /// none, college or class
    pub stratify: String,
    /// The size asked for: a number, or a percentage (rounded up).
    pub size: String,
    /// The size in the caller's language.
    pub size_label: String,
    /// SHA-256 of population.tsv.
    pub population_hash: String,
    pub office_commit: Option<String>,
    pub unit_commit: Option<String>,
    pub office_seed: Option<String>,
    pub unit_seed: Option<String>,
    /// SHA-256 of the office's seed followed by the unit's.
    pub draw_seed: Option<String>,
    pub strata: Vec<StratumDto>,
    pub drawn: Vec<DrawnDto>,
    /// The population file (pseudonym, stratum), whose SHA-256 is the hash.
    pub population_file: String,
    /// The drawn list (stratum, pseudonym), once drawn.
    pub drawn_file: Option<String>,
    /// The party the caller commits and reveals for: office or unit (none for anyone else).
    pub party: Option<String>,
}

fn record_dto(r: app::Record, scope: Option<&Scope>, lang: Lang) -> SampleDto {
    let row = r.row;
    let id = row.id;
    SampleDto {
        line: line(&row),
        population_node: row.population_node,
        students_only: row.students_only,
        stratify: row.stratify.clone(),
        size: row.size_spec.clone(),
        size_label: row.size().label(lang),
        population_hash: row.population_hash.clone(),
        office_commit: row.office_commit.clone(),
        unit_commit: row.unit_commit.clone(),
        office_seed: row.office_seed.clone(),
        unit_seed: row.unit_seed.clone(),
        draw_seed: row.draw_seed.clone(),
        strata: r.strata.into_iter().map(|(name, population, drawn)| StratumDto { name, population, drawn }).collect(),
        drawn: r.drawn.into_iter().map(|(member, stratum)| DrawnDto { member, stratum }).collect(),
        population_file: format!("/samples/{id}/population.tsv"),
        drawn_file: drawn_list_public(&row.state).then(|| format!("/samples/{id}/drawn.tsv")),
        party: scope.and_then(|s| row.party_of(s)).map(|p| p.code().to_string()),
    }
}

/// A new sample: `node` (the unit whose people, or windows, make the population), `size` (a
/// number such as "2000", or a percentage such as "10%"), `stratify` (none, college or class),
/// `owner_unit_id` (the unit that commits the second seed; a survey's owner when left out).
#[derive(Deserialize, ToSchema)]
pub struct NewSampleRequest {
    pub owner_unit_id: Option<i64>,
    pub node: i64,
    pub size: String,
    pub stratify: Option<String>,
    /// Students only (a survey's sample).
    #[serde(default)]
    pub students_only: bool,
    pub title: Option<String>,
}

impl NewSampleRequest {
    fn input(&self) -> Result<NewSampleInput, pacesetter_domain::validate::FieldErrors> {
        NewSampleInput::parse(self.owner_unit_id, Some(self.node), &self.size, self.stratify.as_deref(), self.students_only, self.title.as_deref())
    }
}

/// A party's seed: to commit, the seed's SHA-256 (64 hex digits, computed away from the system)
/// or the seed itself (only its hash is kept); to reveal, the seed.
#[derive(Deserialize, ToSchema)]
pub struct SeedRequest {
    pub seed: String,
}

/// A sample a person was drawn in.
#[derive(Serialize, ToSchema)]
pub struct DrawnInDto {
    pub sample: i64,
    pub title: String,
}

/// The caller's pseudonym in sample records, and the survey samples it was drawn in.
#[derive(Serialize, ToSchema)]
pub struct PseudonymDto {
    /// None for an account without a person.
    pub pseudonym: Option<String>,
    pub drawn_in: Vec<DrawnInDto>,
}

pub async fn list(State(s): State<AppState>) -> AppResult<Json<Vec<SampleLineDto>>> {
    Ok(Json(app::list(&s).await?.iter().map(line).collect()))
}

async fn record_json(s: &AppState, ctx: &Ctx, id: SampleId) -> AppResult<Json<SampleDto>> {
    let r = app::record(s, id).await?;
    Ok(Json(record_dto(r, ctx.caller.as_ref().map(|c| &c.scope), ctx.lang)))
}

/// A sample's public record.
pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SampleId>) -> AppResult<Json<SampleDto>> {
    record_json(&s, &ctx, id).await
}

/// A spot check of the windows below a unit.
pub async fn create_spot_check(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewSampleRequest>) -> AppResult<Response> {
    let id = app::create_spot_check(&s, &ctx.me()?.scope, b.input()?).await?;
    Ok((StatusCode::CREATED, record_json(&s, &ctx, id).await?).into_response())
}

/// A sample of a survey's audience, which becomes the audience once drawn.
pub async fn create_for_survey(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Json(b): Json<NewSampleRequest>) -> AppResult<Response> {
    let sid = app::create_for_survey(&s, &ctx.me()?.scope, id, b.input()?).await?;
    Ok((StatusCode::CREATED, record_json(&s, &ctx, sid).await?).into_response())
}

pub async fn commit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SampleId>, Json(b): Json<SeedRequest>) -> AppResult<Json<SampleDto>> {
    app::commit(&s, &ctx.me()?.scope, id, &b.seed).await?;
    record_json(&s, &ctx, id).await
}

/// Reveals a seed; the draw follows when both are in.
pub async fn reveal(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SampleId>, Json(b): Json<SeedRequest>) -> AppResult<Json<SampleDto>> {
    app::reveal(&s, &ctx.me()?.scope, id, &b.seed).await?;
    record_json(&s, &ctx, id).await
}

pub async fn my_pseudonym(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<PseudonymDto>> {
    let (pseudonym, drawn_in) = app::my_pseudonym(&s, &ctx.me()?.scope).await?;
    Ok(Json(PseudonymDto { pseudonym, drawn_in: drawn_in.into_iter().map(|(sample, title)| DrawnInDto { sample, title }).collect() }))
}
