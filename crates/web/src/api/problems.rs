//! The masses' problems over the API: adapters over [`crate::app::problems`]. Raising (multipart,
//! with photos), the steps, lists and the dashboard, the public list, the office's rules and its
//! groups of similar reports. A raiser who asked to stay unnamed is absent from every answer the
//! unit gets (`raised_by` is null).

use crate::app::problems::{self as app, AnswerInput, ConfirmInput, GroupChange, ListQuery, PublishInput, RulesInput, Satisfaction};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::input::Params;
use crate::state::AppState;
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::{PersonId, UnitId};
use pacesetter_domain::problem as pb;
use pacesetter_store::problem::{EventRow, GroupRow, ProblemRow, PublicRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The multipart/form-data body of a new problem.
#[derive(ToSchema)]
pub struct RaiseUpload {
    /// window, unit or campus.
    pub about: String,
    /// The window's or unit's id (for window and unit).
    pub target: Option<i64>,
    /// teaching, service, library, canteen, dormitory, network, safety, finance or other.
    pub category: String,
    /// The problem or opinion, 5 to 2,000 characters.
    pub body: String,
    /// "true": the unit does not see who raised it (the office always does).
    pub unnamed: Option<String>,
    /// Up to 4 photos (JPEG or PNG; their metadata is removed).
    #[schema(value_type = Vec<super::dto::FilePart>)]
    pub photos: (),
}

/// A step of a problem.
#[derive(Serialize, ToSchema)]
pub struct EventDto {
    pub kind: String,
    pub day: String,
    /// Who acted (null for the raiser's own steps and the deadline's).
    pub by: Option<String>,
    pub unit: Option<String>,
    pub note: Option<String>,
}

/// A problem as the caller may see it.
#[derive(Serialize, ToSchema)]
pub struct RaisedProblemDto {
    pub id: i64,
    pub about: String,
    pub about_id: Option<i64>,
    pub about_name: String,
    pub category: String,
    pub category_label: String,
    pub body: String,
    /// The unit it is routed to (null: the office's triage).
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub state: String,
    pub state_label: String,
    /// Who raised it; null when they asked the unit not to see their name and the caller is
    /// neither the office nor themselves.
    pub raised_by: Option<String>,
    pub unnamed: bool,
    pub assignee: Option<String>,
    pub reply: Option<String>,
    pub measures: Option<String>,
    pub raised_on: String,
    /// The last day of the current step (open problems).
    pub due: Option<String>,
    /// none, head or office: who has been told it is past its limit.
    pub escalation: String,
    /// Times an answer was turned down and the problem went one level up.
    pub reopened: i64,
    pub closed_on: Option<String>,
    pub group_id: Option<i64>,
    pub published: bool,
    /// The steps so far (in a single problem's answer only).
    pub events: Vec<EventDto>,
    /// The photos, at /problems/photos/{id}.
    pub photos: Vec<i64>,
}

fn dto(r: &ProblemRow, lang: Lang, events: &[EventRow], photos: Vec<i64>) -> RaisedProblemDto {
    RaisedProblemDto {
        id: r.id,
        about: r.about.clone(),
        about_id: r.about_unit_id,
        about_name: r.about_name.clone(),
        category: r.category.clone(),
        category_label: pb::category_label(&r.category).get(lang).to_string(),
        body: r.body.clone(),
        unit_id: r.unit_id,
        unit_name: r.unit_name.clone(),
        state: r.state.clone(),
        state_label: r.state().label().get(lang).to_string(),
        raised_by: (!r.raiser_name.is_empty()).then(|| r.raiser_name.clone()),
        unnamed: r.unnamed,
        assignee: r.assignee_name.clone(),
        reply: r.reply.clone(),
        measures: r.measures.clone(),
        raised_on: iso(r.raised_on),
        due: r.due_on.filter(|_| r.state().is_open()).map(iso),
        escalation: match r.escalation {
            0 => "none",
            1 => "head",
            _ => "office",
        }
        .into(),
        reopened: r.reopened,
        closed_on: r.closed_on.map(iso),
        group_id: r.group_id,
        published: r.published,
        events: events.iter().map(|e| EventDto { kind: e.kind.clone(), day: iso(e.on_day), by: e.actor_name.clone(), unit: e.unit_name.clone(), note: e.note.clone() }).collect(),
        photos,
    }
}

async fn one(s: &AppState, ctx: &Ctx, id: i64) -> AppResult<RaisedProblemDto> {
    let v = app::show(s, &ctx.me()?.scope, id).await?;
    Ok(dto(&v.row, ctx.lang, &v.events, v.photos))
}

/// A page of problems.
#[derive(Serialize, ToSchema)]
pub struct ProblemsPage {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<RaisedProblemDto>,
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Params(q): Params<ListQuery>) -> AppResult<Json<ProblemsPage>> {
    let (rows, total) = app::list(&s, &ctx.me()?.scope, &q).await?;
    let p = q.paging();
    Ok(Json(ProblemsPage { total, page: p.page, per_page: p.limit(), items: rows.iter().map(|r| dto(r, ctx.lang, &[], Vec::new())).collect() }))
}

pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<RaisedProblemDto>> {
    Ok(Json(one(&s, &ctx, id).await?))
}

pub async fn raise(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<(StatusCode, Json<RaisedProblemDto>)> {
    let scope = &ctx.me()?.scope;
    let form = upload::read_form(mp, "photos", s.site.max_upload).await?.or_too_large(s.site.max_upload)?;
    let (input, photos, errors) = app::RaiseInput::from_form(form);
    let id = app::raise(&s, scope, &input, photos, errors).await?;
    Ok((StatusCode::CREATED, Json(one(&s, &ctx, id).await?)))
}

/// The unit to route a problem to.
#[derive(Deserialize, ToSchema)]
pub struct RouteIn {
    pub unit_id: i64,
}

pub async fn route(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<RouteIn>) -> AppResult<Json<RaisedProblemDto>> {
    app::route(&s, &ctx.me()?.scope, id, Some(UnitId(b.unit_id))).await?;
    Ok(Json(one(&s, &ctx, id).await?))
}

/// Who in the unit handles it (the caller when left out).
#[derive(Deserialize, ToSchema)]
pub struct AcceptIn {
    pub assignee_id: Option<i64>,
}

pub async fn accept(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<AcceptIn>) -> AppResult<Json<RaisedProblemDto>> {
    app::accept(&s, &ctx.me()?.scope, id, b.assignee_id.map(PersonId)).await?;
    Ok(Json(one(&s, &ctx, id).await?))
}

pub async fn answer(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<AnswerInput>) -> AppResult<Json<RaisedProblemDto>> {
    app::answer(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(Json(one(&s, &ctx, id).await?))
}

pub async fn confirm(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<ConfirmInput>) -> AppResult<Json<RaisedProblemDto>> {
    app::confirm(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(Json(one(&s, &ctx, id).await?))
}

pub async fn publish(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<PublishInput>) -> AppResult<Json<RaisedProblemDto>> {
    app::publish(&s, &ctx.me()?.scope, id, &b).await?;
    Ok(Json(one(&s, &ctx, id).await?))
}

/// Problems per unit.
#[derive(Serialize, ToSchema)]
pub struct UnitCountsDto {
    /// null: the office's triage.
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub raised: i64,
    pub open: i64,
    pub overdue: i64,
    pub satisfied: i64,
    pub unsatisfied: i64,
    pub unconfirmed: i64,
}

pub async fn dashboard(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<UnitCountsDto>>> {
    let rows = app::dashboard(&s, &ctx.me()?.scope).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| UnitCountsDto {
                unit_id: r.unit_id,
                unit_name: r.unit_name,
                raised: r.raised,
                open: r.open,
                overdue: r.overdue,
                satisfied: r.satisfied,
                unsatisfied: r.unsatisfied,
                unconfirmed: r.unconfirmed,
            })
            .collect(),
    ))
}

/// A resolved problem on the public list: the office's summary, never the raiser's words or name.
#[derive(Serialize, ToSchema)]
pub struct PublicProblemDto {
    pub id: i64,
    pub category: String,
    pub unit_name: String,
    pub summary: String,
    pub done: String,
    pub closed_on: Option<String>,
}

/// The public list and each unit's satisfaction from the raisers' confirmations.
#[derive(Serialize, ToSchema)]
pub struct PublicListDto {
    pub total: i64,
    pub items: Vec<PublicProblemDto>,
    pub satisfaction: Vec<Satisfaction>,
}

pub async fn public_list(State(s): State<AppState>, Params(q): Params<crate::input::PagingQuery>) -> AppResult<Json<PublicListDto>> {
    let p = q.paging();
    let (rows, total, satisfaction) = app::public_list(&s, p.offset(), p.limit()).await?.ok_or_else(crate::error::AppError::not_found)?;
    Ok(Json(PublicListDto { total, items: rows.into_iter().map(public_dto).collect(), satisfaction }))
}

fn public_dto(r: PublicRow) -> PublicProblemDto {
    PublicProblemDto { id: r.id, category: r.category, unit_name: r.unit_name, summary: r.summary, done: r.done, closed_on: r.closed_on.map(iso) }
}

/// The office's numbers.
#[derive(Serialize, ToSchema)]
pub struct RulesDto {
    pub accept_days: u32,
    pub answer_days: u32,
    pub confirm_days: u32,
    pub public_list: bool,
}

fn rules_dto(r: pb::Rules) -> RulesDto {
    RulesDto { accept_days: r.accept_days, answer_days: r.answer_days, confirm_days: r.confirm_days, public_list: r.public_list }
}

pub async fn rules(State(s): State<AppState>) -> AppResult<Json<RulesDto>> {
    Ok(Json(rules_dto(app::rules(&s).await?)))
}

pub async fn set_rules(State(s): State<AppState>, ctx: Ctx, Json(b): Json<RulesInput>) -> AppResult<Json<RulesDto>> {
    Ok(Json(rules_dto(app::set_rules(&s, &ctx.me()?.scope, &b).await?)))
}

/// What the deadline check did.
#[derive(Serialize, ToSchema)]
pub struct TickDto {
    pub notifications: usize,
}

pub async fn tick(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<TickDto>> {
    Ok(Json(TickDto { notifications: app::tick_now(&s, &ctx.me()?.scope).await? }))
}

/// A group of similar reports.
#[derive(Serialize, ToSchema)]
pub struct GroupDto {
    pub id: i64,
    pub title: String,
    /// Kept by hand (merged, split, renamed or handed down): regrouping leaves it.
    pub pinned: bool,
    pub problems: i64,
    /// Distinct people who raised them (what the groups are ranked by).
    pub raisers: i64,
    pub open: i64,
    /// A few of its texts: [problem id, text].
    pub samples: Vec<(i64, String)>,
    pub handed_to: Option<String>,
    pub handed_note: Option<String>,
    pub handed_on: Option<String>,
    /// The problems of the group (in a single group's answer only).
    pub members: Vec<i64>,
}

fn group_dto(g: GroupRow, members: Vec<i64>) -> GroupDto {
    GroupDto {
        id: g.id,
        title: g.title,
        pinned: g.pinned,
        problems: g.problems,
        raisers: g.raisers,
        open: g.open,
        samples: g.samples,
        handed_to: g.handed_to,
        handed_note: g.handed_note,
        handed_on: g.handed_on.map(iso),
        members,
    }
}

pub async fn groups(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<GroupDto>>> {
    Ok(Json(app::groups(&s, &ctx.me()?.scope).await?.into_iter().map(|g| group_dto(g, Vec::new())).collect()))
}

pub async fn group(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<GroupDto>> {
    let (g, rows) = app::group(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(group_dto(g, rows.iter().map(|r| r.id).collect())))
}

/// How many groups the regrouping made.
#[derive(Serialize, ToSchema)]
pub struct RegroupDto {
    pub groups: usize,
}

pub async fn regroup(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<RegroupDto>> {
    Ok(Json(RegroupDto { groups: app::regroup(&s, &ctx.me()?.scope).await? }))
}

pub async fn change_group(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<GroupChange>) -> AppResult<Json<GroupDto>> {
    let scope = &ctx.me()?.scope;
    let next = app::change_group(&s, scope, id, &b).await?;
    let (g, rows) = app::group(&s, scope, next).await?;
    Ok(Json(group_dto(g, rows.iter().map(|r| r.id).collect())))
}
