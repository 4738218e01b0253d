//! Surveys over the API: adapters over [`crate::app::surveys`], with the shapes they take and
//! give. Every figure is the published one (`domain::survey::publish`): none of a group under 5
//! in an anonymous survey, none recoverable by subtraction; no answer comes back with a person.

use crate::app::surveys::{self as app, AudienceInput, NewSurveyInput, PaperInput, RawAnswers, ResponseInput};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Lang;
use pacesetter_domain::anonymity;
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::{SurveyId, TargetId};
use pacesetter_domain::survey::{Answers, Kind, Question, Tally};
use pacesetter_store::survey::{SurveyRow, TargetRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---- shapes ------------------------------------------------------------------------------------

/// A survey as lists show it.
#[derive(Serialize, ToSchema)]
pub struct SurveyLineDto {
    pub id: i64,
    pub title: String,
    /// draft, open or closed
    pub state: String,
    /// The state in the caller's language.
    pub state_label: String,
    /// None: the office's, for the whole university.
    pub owner_unit_id: Option<i64>,
    pub owner_name: Option<String>,
    /// none, window, unit, org, cadre or commitment
    pub target_kind: String,
    pub anonymous: bool,
    /// ISO dates, where the survey has them.
    pub opens_on: Option<String>,
    pub closes_on: Option<String>,
}

fn line(r: &SurveyRow, lang: Lang) -> SurveyLineDto {
    SurveyLineDto {
        id: r.id,
        title: r.title.clone(),
        state: r.state().code().into(),
        state_label: r.state().label(lang).into(),
        owner_unit_id: r.owner_unit_id,
        owner_name: r.owner_name.clone(),
        target_kind: r.target_kind().code().into(),
        anonymous: r.anonymous,
        opens_on: r.opens_on.map(iso),
        closes_on: r.closes_on.map(iso),
    }
}

/// An open survey the caller is invited to.
#[derive(Serialize, ToSchema)]
pub struct InvitationDto {
    pub survey: SurveyLineDto,
    /// Whether the caller has answered it.
    pub answered: bool,
}

/// A plan's survey template.
#[derive(Serialize, ToSchema)]
pub struct SurveyTemplateDto {
    pub code: String,
    pub title: String,
}

/// A unit whose surveys the caller may create.
#[derive(Serialize, ToSchema)]
pub struct OwnerUnitDto {
    pub id: i64,
    pub name: String,
}

/// What the caller answers, runs and may create.
#[derive(Serialize, ToSchema)]
pub struct SurveysDto {
    pub invitations: Vec<InvitationDto>,
    pub managed: Vec<SurveyLineDto>,
    pub templates: Vec<SurveyTemplateDto>,
    pub owners: Vec<OwnerUnitDto>,
    /// Whether the caller creates surveys for the whole university (owner left out).
    pub office: bool,
}

/// A question of a questionnaire.
#[derive(Serialize, ToSchema)]
pub struct QuestionDto {
    /// Stable within the questionnaire (q1, q2, ...): the key of its answer.
    pub code: String,
    pub section: Option<String>,
    pub text: String,
    /// single, multiple, rating, matrix or text
    pub kind: String,
    /// satisfaction, agreement or five (the points of a rating or a matrix)
    pub scale: String,
    /// A choice's options, or a matrix's items.
    pub options: Vec<String>,
    pub required: bool,
    /// What an answer's numbers stand for, in the caller's language: 0 is the first.
    pub columns: Vec<String>,
}

fn question(q: &Question, lang: Lang) -> QuestionDto {
    QuestionDto {
        code: q.code.clone(),
        section: q.section.clone(),
        text: q.text.clone(),
        kind: q.kind.code().into(),
        scale: q.scale.code().into(),
        options: q.options.clone(),
        required: q.required,
        columns: q.columns(lang),
    }
}

/// A target of a survey (what is rated).
#[derive(Serialize, ToSchema)]
pub struct SurveyTargetDto {
    pub id: i64,
    pub label: String,
}

fn targets(ts: &[TargetRow]) -> Vec<SurveyTargetDto> {
    ts.iter().map(|t| SurveyTargetDto { id: t.target_id, label: t.label.clone() }).collect()
}

/// A survey: its questionnaire and targets (an invitee's: those they may rate), and for its
/// manager the audience's size and the responses by channel as published.
#[derive(Serialize, ToSchema)]
pub struct SurveyDto {
    #[serde(flatten)]
    pub line: SurveyLineDto,
    pub description: Option<String>,
    pub results_public: bool,
    pub allow_replace: bool,
    /// How the satisfaction rate is counted, in the caller's language.
    pub rate_definition: String,
    pub questions: Vec<QuestionDto>,
    pub targets: Vec<SurveyTargetDto>,
    /// The caller manages the survey (its owner or the office).
    pub manages: bool,
    /// The caller is in its audience.
    pub invited: bool,
    /// An invitee who has answered (about the only target, where it has one) and may not again.
    pub answered: bool,
    /// The manager's: how many are invited.
    pub invitees: Option<i64>,
    /// The manager's: responses by channel (none under the minimum in an anonymous survey).
    pub channels: Option<Vec<ChannelCountDto>>,
}

fn survey_dto(row: &SurveyRow, ts: &[TargetRow], lang: Lang) -> SurveyDto {
    let qn = row.questionnaire();
    SurveyDto {
        line: line(row, lang),
        description: row.description.clone(),
        results_public: row.results_public,
        allow_replace: row.allow_replace,
        rate_definition: qn.rate_definition(lang),
        questions: qn.questions.iter().map(|q| question(q, lang)).collect(),
        targets: targets(ts),
        manages: false,
        invited: false,
        answered: false,
        invitees: None,
        channels: None,
    }
}

fn channels(cs: &[(String, Option<u64>)]) -> Vec<ChannelCountDto> {
    cs.iter().map(|(c, n)| ChannelCountDto { channel: c.clone(), responses: *n }).collect()
}

fn builder_dto(b: &app::Builder, lang: Lang) -> SurveyDto {
    let mut d = survey_dto(&b.view.row, &b.targets, lang);
    let st = b.view.standing();
    d.manages = st.manages;
    d.invited = st.invited;
    d.invitees = Some(b.invited);
    d.channels = Some(channels(&b.channels));
    d
}

/// A new survey: from a plan's template (`template`: its code), or blank (`template` left out
/// or "blank", with a title and the kind of target).
#[derive(Deserialize, ToSchema)]
pub struct NewSurveyRequest {
    pub template: Option<String>,
    /// The owning unit; left out: the office's survey for the whole university.
    pub owner_unit_id: Option<i64>,
    /// A template's own title when left out; required for a blank survey.
    pub title: Option<String>,
    pub description: Option<String>,
    /// A blank survey's targets: none, window, unit, org, cadre or commitment.
    pub target_kind: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
    /// Respondents may see the published results too.
    #[serde(default)]
    pub results_public: bool,
    /// A named survey's respondents may replace their answer.
    #[serde(default)]
    pub allow_replace: bool,
}

/// A change of a draft's questions: `action` add (with kind, text, options, scale, section,
/// required), delete, up or down (with the question's code).
#[derive(Deserialize, ToSchema)]
pub struct QuestionChangeRequest {
    pub action: String,
    pub code: Option<String>,
    /// single, multiple, rating, matrix or text
    pub kind: Option<String>,
    pub text: Option<String>,
    /// A choice's options, or a matrix's items.
    #[serde(default)]
    pub options: Vec<String>,
    /// satisfaction (the default), agreement or five
    pub scale: Option<String>,
    pub section: Option<String>,
    #[serde(default)]
    pub required: bool,
}

/// A draft's targets: the ids of windows, units or organizations (each in the survey's reach);
/// empty: every one in reach.
#[derive(Deserialize, ToSchema)]
pub struct TargetsRequest {
    #[serde(default)]
    pub targets: Vec<i64>,
}

/// People to add to the audience: `mode` org or unit with `node` (everyone currently in that
/// subtree), or numbers with `numbers` (staff or student numbers); all in the caller's reach.
#[derive(Deserialize, ToSchema)]
pub struct AudienceRequest {
    pub mode: String,
    pub node: Option<i64>,
    #[serde(default)]
    pub numbers: Vec<String>,
}

/// The audience after an addition.
#[derive(Serialize, ToSchema)]
pub struct AudienceDto {
    /// How many were added (those already in it are not counted twice).
    pub added: u64,
    /// How many are invited now.
    pub invitees: i64,
}

/// Single-use links: `kind` personal (mailed to each invitee without an account; account
/// holders answer by logging in) or slips (`count` printed links tied to nobody).
#[derive(Deserialize, ToSchema)]
pub struct LinksRequest {
    pub kind: String,
    pub count: Option<u64>,
}

/// What handing out links did. A personal link never comes back: it goes to its invitee only.
#[derive(Serialize, ToSchema)]
pub struct LinksDto {
    /// Personal links mailed.
    pub mailed: u64,
    /// Invitees who answer by logging in.
    pub with_account: u64,
    /// Invitees neither an account nor an e-mail address reaches.
    pub unreachable: u64,
    /// The slips' addresses, shown this once (only their hashes are kept).
    pub slips: Vec<String>,
}

/// Revokes one invitee's unused links, by their staff or student number. The answer is the same
/// whether they had one, had used it, or were not invited.
#[derive(Deserialize, ToSchema)]
pub struct RevokeRequest {
    pub number: String,
}

/// What a reminder round did.
#[derive(Serialize, ToSchema)]
pub struct SurveyRemindedDto {
    /// Notifications to invitees with an account (once a day each); null when the invitees who
    /// answered, or those who have not, are fewer than 5 (the number would give them away).
    pub notified: Option<u64>,
    /// E-mails, and new personal links to those without an account (null as for `notified`).
    pub mailed: Option<u64>,
}

/// The answers of a response by question code, as the OpenAPI document shows them. The body is
/// read straight into `domain::survey::Answers` (an answer is a number, a list of numbers or
/// nulls, or a text, and nothing else), then checked against the questionnaire.
pub struct AnswerMap;

impl utoipa::PartialSchema for AnswerMap {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, SchemaType, Type};
        let number = || ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(65535));
        let one = OneOfBuilder::new()
            .item(number().description(Some("A single choice or a rating: the option's or the point's number, 0 for the first")))
            .item(
                ArrayBuilder::new()
                    .items(ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Integer, Type::Null])).minimum(Some(0)).maximum(Some(65535)))
                    .description(Some("Several choices (their numbers), or a matrix's items in order (each a point's number, null for one left out)")),
            )
            .item(ObjectBuilder::new().schema_type(Type::String).description(Some("A free-text answer")));
        let one: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> = one.into();
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(one))
            .description(Some("Answers by question code (q1, q2, ...); a question left out is unanswered"))
            .into()
    }
}

impl ToSchema for AnswerMap {}

/// A response: the target (0 or left out when the survey has none) and the answers by question
/// code: an option's or a point's number (from 0) for a choice or a rating, a list of numbers for
/// several choices or a matrix's items (null for an item left out), a string for a text.
#[derive(Deserialize, ToSchema)]
pub struct ResponseIn {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub target: TargetId,
    #[schema(value_type = AnswerMap)]
    pub answers: Answers,
}

impl ResponseIn {
    fn input(self) -> ResponseInput {
        ResponseInput { target: self.target, answers: RawAnswers::Json(self.answers) }
    }
}

/// A survey answered through the API.
#[derive(Serialize, ToSchema)]
pub struct AnswerAccepted {
    /// The response's random id.
    pub id: String,
}

/// An answer that replaced the caller's earlier one (a survey that allows it).
#[derive(Serialize, ToSchema)]
pub struct AnswerReplaced {
    pub replaced: bool,
}

/// The form behind a single-use link.
#[derive(Serialize, ToSchema)]
pub struct LinkFormDto {
    pub survey: i64,
    pub title: String,
    pub description: Option<String>,
    pub anonymous: bool,
    /// draft, open or closed (only an open survey takes the answer)
    pub state: String,
    pub rate_definition: String,
    pub questions: Vec<QuestionDto>,
    /// The targets this link may rate.
    pub targets: Vec<SurveyTargetDto>,
}

/// One question's counts.
#[derive(Serialize, ToSchema)]
pub struct QuestionCountsDto {
    pub code: String,
    /// Responses that answered the question.
    pub answered: u64,
    /// Per option or scale point (for a matrix, over all items).
    pub counts: Vec<u64>,
    /// A matrix's counts per item.
    pub items: Vec<Vec<u64>>,
}

/// The figures of a set of responses.
#[derive(Serialize, ToSchema)]
pub struct TallyDto {
    pub responses: u64,
    pub satisfied: u64,
    pub fairly_satisfied: u64,
    pub dissatisfied: u64,
    /// The satisfaction rate in percent with two decimals (none without valid answers).
    pub rate: Option<String>,
    pub questions: Vec<QuestionCountsDto>,
}

/// A target: its figures, or none when it has too few responses to show.
#[derive(Serialize, ToSchema)]
pub struct TargetFiguresDto {
    pub id: i64,
    pub label: String,
    pub figures: Option<TallyDto>,
    /// A window's mean inspection score (two decimals), where it has been inspected.
    pub inspection_mean: Option<String>,
    /// How many inspections the mean is of.
    pub inspections: Option<i64>,
    /// Advisory ratings (no login, or not invited), counted apart from the figures.
    pub advisory: u64,
}

/// The free-text answers to a question that go with the figures of the view.
#[derive(Serialize, ToSchema)]
pub struct QuestionTextsDto {
    pub code: String,
    pub texts: Vec<String>,
}

/// One group of a roll-up: a node just below a tree's root, over its shown targets.
#[derive(Serialize, ToSchema)]
pub struct RollupGroupDto {
    pub id: i64,
    pub name: String,
    pub figures: TallyDto,
}

/// The figures rolled up to the top of one tree.
#[derive(Serialize, ToSchema)]
pub struct SurveyRollupDto {
    /// admin (by unit) or party (by Party organization)
    pub tree: String,
    pub groups: Vec<RollupGroupDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ChannelCountDto {
    /// login, link, paper and so on
    pub channel: String,
    /// None when the channel's count is under the minimum.
    pub responses: Option<u64>,
}

/// Who was invited and who answered, per top node of either tree.
#[derive(Serialize, ToSchema)]
pub struct ParticipationDto {
    /// party or admin
    pub tree: String,
    pub name: String,
    pub invited: u64,
    /// None when it would single out fewer than the minimum.
    pub answered: Option<u64>,
}

/// A survey's published results.
#[derive(Serialize, ToSchema)]
pub struct SurveyResultsDto {
    /// The survey's id.
    pub survey: i64,
    pub title: String,
    pub anonymous: bool,
    /// The fewest responses a figure of an anonymous survey shows.
    pub min_group: u64,
    /// How the satisfaction rate is counted, in the caller's language.
    pub rate_definition: String,
    /// Over the shown targets (and the others together); none under the minimum.
    pub total: Option<TallyDto>,
    pub targets: Vec<TargetFiguresDto>,
    /// How many targets show no figures of their own.
    pub hidden_targets: usize,
    /// The hidden targets together, when they reach the minimum.
    pub others: Option<TallyDto>,
    /// Whether responses about hidden targets are left out of every figure.
    pub left_out: bool,
    pub channels: Vec<ChannelCountDto>,
    pub participation: Vec<ParticipationDto>,
    /// The target the view is of (`?target=`; none: every target).
    pub target: Option<i64>,
    /// The figures of the view: one target's, or the total; none under the minimum.
    pub view: Option<TallyDto>,
    /// The free texts that go with the view's figures, per text question (up to 200 each).
    pub texts: Vec<QuestionTextsDto>,
    /// The figures rolled up by unit and by Party organization.
    pub rollups: Vec<SurveyRollupDto>,
    /// Advisory ratings in all, counted apart.
    pub advisory: u64,
}

/// An auditor's check of the stored tallies against a recount from the raw responses.
#[derive(Serialize, ToSchema)]
pub struct RecountDto {
    /// Every target's stored tally equals its recount.
    pub consistent: bool,
    /// How many targets were counted.
    pub targets: usize,
}

/// The paper forms of a survey.
#[derive(Serialize, ToSchema)]
pub struct PaperDeskDto {
    pub survey: i64,
    /// Serial numbers issued.
    pub issued: i64,
    /// Forms entered so far.
    pub entered: i64,
    pub targets: Vec<SurveyTargetDto>,
}

/// How many serial numbers to issue (1 to 5,000).
#[derive(Deserialize, ToSchema)]
pub struct IssueRequest {
    pub count: u64,
}

/// Serial numbers of printed forms.
#[derive(Serialize, ToSchema)]
pub struct SerialsDto {
    /// The first one's place in the survey's series (from 0).
    pub from: i64,
    pub serials: Vec<String>,
    /// Where the next page of serials starts, if any.
    pub next: Option<i64>,
    /// How many have been issued in all.
    pub total: i64,
}

/// One paper form typed in: its serial (issued, entered once), the target, and the answers as
/// in a response (numbers from 0).
#[derive(Deserialize, ToSchema)]
pub struct PaperRequest {
    pub serial: String,
    #[serde(default)]
    #[schema(value_type = i64)]
    pub target: TargetId,
    #[schema(value_type = AnswerMap)]
    pub answers: Answers,
}

/// A paper form entered. Nothing joins its serial to the response: no response id.
#[derive(Serialize, ToSchema)]
pub struct PaperEnteredDto {
    pub serial: String,
}

#[derive(Deserialize)]
pub struct TargetQuery {
    pub target: Option<String>,
}

#[derive(Deserialize)]
pub struct FromQuery {
    pub from: Option<i64>,
}

// ---- handlers ----------------------------------------------------------------------------------

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> AppResult<Json<SurveysDto>> {
    let o = app::overview(&s, &ctx.me()?.scope).await?;
    let lang = ctx.lang;
    Ok(Json(SurveysDto {
        invitations: o.invitations.iter().map(|i| InvitationDto { survey: line(&i.row, lang), answered: i.done }).collect(),
        managed: o.managed.iter().map(|r| line(r, lang)).collect(),
        templates: o.templates.into_iter().map(|(code, title)| SurveyTemplateDto { code, title }).collect(),
        owners: o.owners.into_iter().map(|(id, name)| OwnerUnitDto { id, name }).collect(),
        office: o.office,
    }))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Json(b): Json<NewSurveyRequest>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let owner = b.owner_unit_id.map(|u| u.to_string());
    let input = NewSurveyInput::parse(
        b.template.as_deref(),
        owner.as_deref(),
        b.title.as_deref(),
        b.description.as_deref(),
        b.target_kind.as_deref(),
        b.anonymous,
        b.results_public,
        b.allow_replace,
    )?;
    let id = app::create(&s, &scope, input).await?;
    let b = app::builder(&s, &scope, id).await?;
    Ok((StatusCode::CREATED, Json(builder_dto(&b, ctx.lang))).into_response())
}

/// A survey as the caller stands to it: its manager gets the builder's view, an invitee the
/// form (the targets they may rate).
pub async fn get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>) -> AppResult<Json<SurveyDto>> {
    let scope = &ctx.me()?.scope;
    match app::landing(&s, scope, id).await? {
        app::Landing::Builder(b) => Ok(Json(builder_dto(&b, ctx.lang))),
        app::Landing::Answer => {
            let f = app::answer_form(&s, scope, id, None).await?;
            let mut d = survey_dto(&f.row, &f.targets, ctx.lang);
            d.invited = true;
            d.answered = f.already;
            Ok(Json(d))
        }
    }
}

async fn builder_json(s: &AppState, ctx: &Ctx, id: SurveyId) -> AppResult<Json<SurveyDto>> {
    let b = app::builder(s, &ctx.me()?.scope, id).await?;
    Ok(Json(builder_dto(&b, ctx.lang)))
}

pub async fn questions(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Json(b): Json<QuestionChangeRequest>) -> AppResult<Json<SurveyDto>> {
    let change =
        app::question_change(Some(b.action.as_str()), b.code.as_deref(), b.kind.as_deref(), b.text.as_deref(), b.options, b.scale.as_deref(), b.section.as_deref(), b.required)?;
    app::change_questions(&s, &ctx.me()?.scope, id, change).await?;
    builder_json(&s, &ctx, id).await
}

pub async fn set_targets(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Json(b): Json<TargetsRequest>) -> AppResult<Json<SurveyDto>> {
    let targets: Vec<TargetId> = b.targets.iter().copied().map(TargetId).collect();
    app::set_targets(&s, &ctx.me()?.scope, id, &targets).await?;
    builder_json(&s, &ctx, id).await
}

pub async fn audience(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Json(b): Json<AudienceRequest>) -> AppResult<Json<AudienceDto>> {
    let scope = &ctx.me()?.scope;
    let node = b.node.map(|n| n.to_string());
    let numbers: Vec<String> = b.numbers.iter().flat_map(|n| app::numbers_of(n)).collect();
    let who = AudienceInput::parse(Some(b.mode.as_str()), node.as_deref(), numbers)?;
    let added = app::invite(&s, scope, id, who).await?;
    let invitees = app::builder(&s, scope, id).await?.invited;
    Ok(Json(AudienceDto { added, invitees }))
}

pub async fn links(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Json(b): Json<LinksRequest>) -> AppResult<Json<LinksDto>> {
    let scope = &ctx.me()?.scope;
    match b.kind.as_str() {
        "personal" => {
            let d = app::deliver_links(&s, scope, id).await?;
            Ok(Json(LinksDto { mailed: d.mailed, with_account: d.with_account, unreachable: d.unreachable, slips: Vec::new() }))
        }
        "slips" => {
            let slips = app::make_slips(&s, scope, id, b.count.unwrap_or(0)).await?;
            Ok(Json(LinksDto { mailed: 0, with_account: 0, unreachable: 0, slips }))
        }
        _ => {
            let mut e = pacesetter_domain::validate::FieldErrors::new();
            e.add("kind", "请选择专属链接（personal）或纸条（slips）", "Choose personal links or slips");
            Err(e.into())
        }
    }
}

pub async fn revoke(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Json(b): Json<RevokeRequest>) -> AppResult<StatusCode> {
    app::revoke_links(&s, &ctx.me()?.scope, id, &b.number).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn open(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>) -> AppResult<Json<SurveyDto>> {
    app::open(&s, &ctx.me()?.scope, id).await?;
    builder_json(&s, &ctx, id).await
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>) -> AppResult<Json<SurveyDto>> {
    app::close(&s, &ctx.me()?.scope, id).await?;
    builder_json(&s, &ctx, id).await
}

pub async fn remind(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>) -> AppResult<Json<SurveyRemindedDto>> {
    let r = app::remind(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(SurveyRemindedDto { notified: r.notified, mailed: r.mailed }))
}

fn answered(a: app::Answered) -> Response {
    match a {
        app::Answered::Accepted(id) => (StatusCode::CREATED, Json(AnswerAccepted { id })).into_response(),
        app::Answered::Replaced => (StatusCode::OK, Json(AnswerReplaced { replaced: true })).into_response(),
    }
}

/// A logged-in invitee answers: 201 with the response's id, 200 when it replaced an earlier
/// answer, 409 on a second answer or a survey that is not open.
pub async fn answer(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Json(body): Json<ResponseIn>) -> AppResult<Response> {
    Ok(answered(app::answer(&s, &ctx.me()?.scope, id, body.input()).await?))
}

/// The form behind a single-use link (409 once the link is spent).
pub async fn link_form(State(s): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult<Json<LinkFormDto>> {
    let (row, form) = app::link_form(&s, &token, None).await?;
    let form = form.ok_or_else(app::link_spent)?;
    let qn = row.questionnaire();
    Ok(Json(LinkFormDto {
        survey: row.id,
        title: row.title.clone(),
        description: row.description.clone(),
        anonymous: row.anonymous,
        state: row.state().code().into(),
        rate_definition: qn.rate_definition(ctx.lang),
        questions: qn.questions.iter().map(|q| question(q, ctx.lang)).collect(),
        targets: targets(&form.targets),
    }))
}

/// Answers through a single-use link (spends it).
pub async fn link_answer(State(s): State<AppState>, Path(token): Path<String>, Json(body): Json<ResponseIn>) -> AppResult<Response> {
    Ok(answered(app::answer_by_link(&s, &token, body.input()).await?))
}

fn tally_dto(t: &Tally) -> TallyDto {
    TallyDto {
        responses: t.responses,
        satisfied: t.rate.satisfied,
        fairly_satisfied: t.rate.fairly,
        dissatisfied: t.rate.dissatisfied,
        rate: t.rate.percent().map(|p| format!("{p:.2}")),
        questions: t.questions.iter().map(|q| QuestionCountsDto { code: q.code.clone(), answered: q.answered, counts: q.counts.clone(), items: q.items.clone() }).collect(),
    }
}

/// The published results: the same figures as the page, under the same minimum; `?target=`
/// gives one target's view (a target that is not the survey's gives every target).
pub async fn results(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Query(q): Query<TargetQuery>) -> AppResult<Json<SurveyResultsDto>> {
    let target = q.target.as_deref().and_then(|t| t.trim().parse::<TargetId>().ok());
    let d = app::results_detail(&s, &ctx.me()?.scope, id, target, false).await?;
    let r = &d.results;
    let row = r.row();
    let (unit_names, org_names) = &d.top_names;
    let rollup = |tree: &str, names: &std::collections::HashMap<i64, String>, groups: &[(i64, Tally)]| SurveyRollupDto {
        tree: tree.into(),
        groups: groups.iter().map(|(id, t)| RollupGroupDto { id: *id, name: names.get(id).cloned().unwrap_or_else(|| id.to_string()), figures: tally_dto(t) }).collect(),
    };
    let rollups = vec![rollup("admin", unit_names, &r.published.rollups[0]), rollup("party", org_names, &r.published.rollups[1])];
    Ok(Json(SurveyResultsDto {
        survey: row.id,
        title: row.title.clone(),
        anonymous: row.anonymous,
        min_group: anonymity::MIN_GROUP,
        rate_definition: row.questionnaire().rate_definition(ctx.lang),
        total: r.published.total.as_ref().map(tally_dto),
        targets: r
            .published
            .targets
            .iter()
            .map(|t| TargetFiguresDto {
                id: t.id,
                label: t.label.clone(),
                figures: t.tally.as_ref().map(tally_dto),
                inspection_mean: d.inspections.get(&t.id).map(|(x, _)| format!("{}.{:02}", x / 100, x % 100)),
                inspections: d.inspections.get(&t.id).map(|(_, n)| *n),
                advisory: d.advisory.get(&t.id).map(|a| a.responses).unwrap_or(0),
            })
            .collect(),
        hidden_targets: r.published.hidden,
        others: r.published.others.as_ref().map(tally_dto),
        left_out: r.published.left_out,
        channels: channels(&r.channels),
        participation: r.rates.iter().map(|x| ParticipationDto { tree: x.tree.to_string(), name: x.name.clone(), invited: x.invited, answered: x.answered }).collect(),
        target: d.target,
        view: d.tally.as_ref().map(tally_dto),
        texts: d.questions.iter().filter(|q| q.question.kind == Kind::Text).map(|q| QuestionTextsDto { code: q.question.code.clone(), texts: q.texts.clone() }).collect(),
        rollups,
        advisory: d.advisory.values().map(|a| a.responses).sum(),
    }))
}

pub async fn recount(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>) -> AppResult<Json<RecountDto>> {
    let (consistent, targets) = app::recount(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(RecountDto { consistent, targets }))
}

pub async fn paper(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>) -> AppResult<Json<PaperDeskDto>> {
    let d = app::paper_desk(&s, &ctx.me()?.scope, id).await?;
    Ok(Json(PaperDeskDto { survey: d.row.id, issued: d.issued, entered: d.entered, targets: targets(&d.targets) }))
}

pub async fn paper_issue(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Json(b): Json<IssueRequest>) -> AppResult<Json<SerialsDto>> {
    let i = app::issue_serials(&s, &ctx.me()?.scope, id, b.count).await?;
    let total = i.from + i.serials.len() as i64;
    Ok(Json(SerialsDto { from: i.from, serials: i.serials, next: None, total }))
}

/// Issued serials, 100 from `from` on.
pub async fn paper_serials(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Query(q): Query<FromQuery>) -> AppResult<Json<SerialsDto>> {
    let from = q.from.unwrap_or(0).max(0);
    let p = app::printable(&s, &ctx.me()?.scope, id, from, 100).await?;
    Ok(Json(SerialsDto { from, serials: p.serials, next: p.next, total: p.total }))
}

pub async fn paper_enter(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Json(b): Json<PaperRequest>) -> AppResult<Response> {
    let serial = b.serial.trim().to_string();
    let input = PaperInput { serial: serial.clone(), response: ResponseInput { target: b.target, answers: RawAnswers::Json(b.answers) } };
    app::enter_paper(&s, &ctx.me()?.scope, id, input).await?;
    Ok((StatusCode::CREATED, Json(PaperEnteredDto { serial })).into_response())
}
