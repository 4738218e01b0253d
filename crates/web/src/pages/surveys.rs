//! Surveys as pages: the list, the builder (questions, targets, audience, links, open and
//! close), the answer form (logged in, or through a single-use link), paper forms, and the
//! results with their exports. Adapters over [`crate::app::surveys`]: they read the form, call
//! the use case and render.

use super::confirm::{self, Confirmable};
use super::{FormState, Layout, render, render_status, see_other};
use crate::app::surveys::{self as app, AnswerForm, AudienceInput, NewSurveyInput, PaperInput, RateView, RawAnswers, RawLabel, ResponseInput};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::Sheet;
use crate::input::{Pairs, values_of};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::{SurveyId, TargetId};
use pacesetter_domain::survey::{self as sv, Channel, Kind, Question, Questionnaire, Rate, Scale, Tally, TargetKind};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::survey::{SurveyRow, SurveyState, TargetRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

// ---- typed forms -------------------------------------------------------------------------------

fn yes(v: &Option<String>) -> bool {
    v.as_deref() == Some("yes")
}

#[derive(Deserialize, Serialize, Default)]
pub struct NewSurveyForm {
    template: Option<String>,
    owner: Option<String>,
    title: Option<String>,
    description: Option<String>,
    target: Option<String>,
    anonymous: Option<String>,
    results_public: Option<String>,
    allow_replace: Option<String>,
}

#[derive(Deserialize, Serialize, Default)]
pub struct QuestionForm {
    action: Option<String>,
    code: Option<String>,
    kind: Option<String>,
    text: Option<String>,
    options: Option<String>,
    scale: Option<String>,
    section: Option<String>,
    required: Option<String>,
}

#[derive(Deserialize, Serialize, Default)]
pub struct AudienceForm {
    /// The picker's choice: `unit:ID` or `org:ID` (the whole subtree).
    pick: Option<String>,
    mode: Option<String>,
    node: Option<String>,
    numbers: Option<String>,
}

impl AudienceForm {
    /// The mode and node: from the picker, else the numbers when some were given, else as sent.
    fn mode_and_node(&self) -> (Option<String>, Option<String>) {
        let numbers = self.numbers.as_deref().is_some_and(|n| !n.trim().is_empty());
        if let Some((mode, node)) = self.pick.as_deref().and_then(|p| p.split_once(':')) {
            // Both a choice and numbers: say so rather than drop the numbers.
            if numbers {
                return (Some("both".into()), None);
            }
            return (Some(mode.to_string()), Some(node.to_string()));
        }
        if self.mode.is_none() && numbers {
            return (Some("numbers".into()), None);
        }
        (self.mode.clone(), self.node.clone())
    }
}

#[derive(Deserialize, Serialize, Default)]
pub struct LinksForm {
    kind: Option<String>,
    count: Option<String>,
}

#[derive(Deserialize, Serialize, Default)]
pub struct RevokeForm {
    number: Option<String>,
}

#[derive(Deserialize, Serialize, Default)]
pub struct CountForm {
    count: Option<String>,
}

/// A form without fields of its own (open, close, remind): only the form token.
#[derive(Deserialize, Default)]
pub struct NoFields {}

/// The targets chosen: the repeated `target` fields.
#[derive(Deserialize)]
#[serde(from = "Pairs")]
pub struct TargetsForm {
    targets: Vec<TargetId>,
    bad: bool,
}

impl From<Pairs> for TargetsForm {
    fn from(pairs: Pairs) -> TargetsForm {
        let mut out = TargetsForm { targets: Vec::new(), bad: false };
        for (_, v) in pairs.0.iter().filter(|(k, _)| k == "target") {
            match v.trim().parse::<TargetId>() {
                Ok(id) => out.targets.push(id),
                Err(_) => out.bad = true,
            }
        }
        out
    }
}

/// An answer form: the target, and the answers by question code (`code.i` for a matrix's
/// items; repeated for several choices).
#[derive(Deserialize)]
#[serde(from = "Pairs")]
pub struct AnswerFields {
    target: TargetId,
    fields: Vec<(String, String)>,
}

impl From<Pairs> for AnswerFields {
    fn from(pairs: Pairs) -> AnswerFields {
        let target = TargetId(pairs.one("target").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
        AnswerFields { target, fields: pairs.0 }
    }
}

impl AnswerFields {
    fn input(&self) -> ResponseInput {
        ResponseInput { target: self.target, answers: RawAnswers::Form(self.fields.iter().filter(|(k, _)| k != "target").cloned().collect()) }
    }
}

/// A paper form typed in: its serial, the target, and the digits (or text) per question code.
#[derive(Deserialize)]
#[serde(from = "Pairs")]
pub struct PaperFields {
    serial: String,
    target: TargetId,
    digits: BTreeMap<String, String>,
    values: HashMap<String, String>,
}

impl From<Pairs> for PaperFields {
    fn from(pairs: Pairs) -> PaperFields {
        let values: HashMap<String, String> = pairs.0.iter().cloned().collect();
        let serial = values.get("serial").map(|s| s.trim().to_string()).unwrap_or_default();
        let target = TargetId(values.get("target").and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(0));
        let digits = pairs.0.into_iter().filter(|(k, _)| k != "serial" && k != "target").collect();
        PaperFields { serial, target, digits, values }
    }
}

#[derive(Deserialize)]
pub struct TargetQuery {
    target: Option<TargetId>,
}

#[derive(Deserialize)]
pub struct ResultsQuery {
    target: Option<String>,
    recount: Option<String>,
}

#[derive(Deserialize)]
pub struct LastQuery {
    last: Option<String>,
}

#[derive(Deserialize)]
pub struct FromQuery {
    from: Option<String>,
}

/// A form's refusal as the page shows it: with the fields' errors (422), or as a conflict or a
/// refusal above the form (409, 403); None for errors shown as an error page.
fn form_errors(e: &AppError) -> Option<(StatusCode, FieldErrors)> {
    if let Some(f) = &e.fields {
        let status = if e.status == StatusCode::CONFLICT { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
        return Some((status, f.clone()));
    }
    if matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN) {
        let mut errs = FieldErrors::new();
        errs.add("_", e.message.zh.clone(), e.message.en.clone());
        return Some((e.status, errs));
    }
    None
}

// ---- the list and creation ---------------------------------------------------------------------

pub struct TemplateOption {
    pub code: String,
    pub title: String,
}

pub struct UnitOption {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct SurveysPage {
    l: Layout,
    invitations: Vec<(SurveyRow, bool)>,
    managed: Vec<SurveyRow>,
    templates: Vec<TemplateOption>,
    owners: Vec<UnitOption>,
    office: bool,
    f: FormState,
}

impl SurveysPage {
    /// "还剩3天" or "今天到期" for a survey still waiting for the caller's answer.
    fn left(&self, s: &SurveyRow) -> String {
        s.closes_on.map(|d| pacesetter_domain::dates::days_left_text((d - pacesetter_domain::dates::today()).whole_days(), self.l.lang)).unwrap_or_default()
    }

    fn state(&self, s: &SurveyRow) -> &'static str {
        s.state().label(self.l.lang)
    }
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn list_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let o = app::overview(s, &ctx.me()?.scope).await?;
    let page = SurveysPage {
        l: Layout::new(ctx, ctx.t("问卷测评", "Surveys")),
        invitations: o.invitations.into_iter().map(|i| (i.row, i.done)).collect(),
        managed: o.managed,
        templates: o.templates.into_iter().map(|(code, title)| TemplateOption { code, title }).collect(),
        owners: o.owners.into_iter().map(|(id, name)| UnitOption { id, name }).collect(),
        office: o.office,
        f,
    };
    Ok(render_status(status, &page))
}

/// Creates a survey from a template of the current plan, or a blank one.
pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(form): Form<NewSurveyForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let input = NewSurveyInput::parse(
        form.template.as_deref(),
        form.owner.as_deref(),
        form.title.as_deref(),
        form.description.as_deref(),
        form.target.as_deref(),
        yes(&form.anonymous),
        yes(&form.results_public),
        yes(&form.allow_replace),
    );
    let r = match input {
        Ok(input) => app::create(&s, &scope, input).await,
        Err(e) => Err(e.into()),
    };
    match r {
        Ok(id) => Ok(see_other(&format!("/surveys/{id}?done=created"))),
        Err(e) => match form_errors(&e) {
            Some((status, errs)) if e.fields.is_some() => list_page(&s, &ctx, FormState::with(ctx.lang, values_of(&form), errs), status).await,
            _ => Err(e),
        },
    }
}

// ---- the builder -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    l: Layout,
    s: SurveyRow,
    q: Questionnaire,
    targets: Vec<TargetRow>,
    invited: i64,
    /// Responses by channel as the results publish them (none under the minimum).
    answered: Vec<(String, Option<u64>)>,
    f: FormState,
    kinds: Vec<(&'static str, &'static str)>,
    unit_choices: Vec<(i64, String)>,
    org_choices: Vec<(i64, String)>,
    owner_choices: Vec<(i64, String)>,
}

impl SurveyPage {
    fn draft(&self) -> bool {
        self.s.state() == SurveyState::Draft
    }
    fn state(&self) -> &'static str {
        self.s.state().label(self.l.lang)
    }
    fn kind(&self, q: &Question) -> &'static str {
        q.kind.label(self.l.lang)
    }
    fn target_kind(&self) -> &'static str {
        self.s.target_kind().label(self.l.lang)
    }
    fn has_targets(&self) -> bool {
        matches!(self.s.target_kind(), TargetKind::Window | TargetKind::Unit | TargetKind::Org)
    }
    fn channel(&self, code: &str) -> &'static str {
        Channel::parse(code).map(|c| c.label(self.l.lang)).unwrap_or("?")
    }
    fn rate_definition(&self) -> String {
        self.q.rate_definition(self.l.lang)
    }
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>) -> AppResult<Response> {
    match app::landing(&s, &ctx.me()?.scope, id).await? {
        // An invitee goes to the answer form.
        app::Landing::Answer => Ok(see_other(&format!("/surveys/{id}/answer"))),
        app::Landing::Builder(b) => Ok(builder_page(&ctx, *b, FormState::new(ctx.lang), StatusCode::OK)),
    }
}

fn builder_page(ctx: &Ctx, b: app::Builder, f: FormState, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let kinds = Kind::ALL.iter().map(|k| (k.code(), k.label(lang))).collect();
    let row = b.view.row;
    let page = SurveyPage {
        l: Layout::new(ctx, &row.title),
        q: row.questionnaire(),
        s: row,
        targets: b.targets,
        invited: b.invited,
        answered: b.channels,
        f,
        kinds,
        unit_choices: b.unit_choices,
        org_choices: b.org_choices,
        owner_choices: b.owner_choices,
    };
    render_status(status, &page)
}

/// After a change of the builder: on success a redirect to the page; on a refusal the page
/// again, with the message and what was typed.
async fn after_change<T>(s: &AppState, ctx: &Ctx, id: SurveyId, r: AppResult<T>, values: HashMap<String, String>, done: &str) -> AppResult<Response> {
    match r {
        Ok(_) => Ok(see_other(&format!("/surveys/{id}?done={done}"))),
        Err(e) => match form_errors(&e) {
            Some((status, errs)) => {
                let b = app::builder(s, &ctx.me()?.scope, id).await?;
                Ok(builder_page(ctx, b, FormState::with(ctx.lang, values, errs), status))
            }
            None => Err(e),
        },
    }
}

/// Adds, removes or moves a question of a draft.
pub async fn questions(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(form): Form<QuestionForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let change = app::question_change(
        form.action.as_deref(),
        form.code.as_deref(),
        form.kind.as_deref(),
        form.text.as_deref(),
        form.options.clone().into_iter().collect(),
        form.scale.as_deref(),
        form.section.as_deref(),
        yes(&form.required),
    );
    let r = match change {
        Ok(c) => app::change_questions(&s, &scope, id, c).await,
        Err(e) => Err(e.into()),
    };
    after_change(&s, &ctx, id, r, values_of(&form), "saved").await
}

/// Chooses the targets of a draft: those ticked, or every window (or unit, or organization)
/// in reach when none is.
pub async fn set_targets(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(form): Form<TargetsForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = if form.bad {
        let mut e = FieldErrors::new();
        e.add("target", "评价对象的编号应为数字", "A target is given by its number");
        Err(e.into())
    } else {
        app::set_targets(&s, &scope, id, &form.targets).await
    };
    after_change(&s, &ctx, id, r, HashMap::new(), "saved").await
}

/// Adds people to the audience: a subtree of either tree, or a list of numbers.
pub async fn audience(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(form): Form<AudienceForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let (mode, node) = form.mode_and_node();
    let who = AudienceInput::parse(mode.as_deref(), node.as_deref(), app::numbers_of(form.numbers.as_deref().unwrap_or("")));
    let r = match who {
        Ok(who) => app::invite(&s, &scope, id, who).await,
        Err(e) => Err(e.into()),
    };
    after_change(&s, &ctx, id, r, values_of(&form), "saved").await
}

/// Opens a draft for answers, after a step that says to how many and about what (refused on the
/// builder as opening itself would be).
pub async fn open(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, form: Confirmable<NoFields>) -> AppResult<Response> {
    if !form.confirmed {
        let b = match app::open_trial(&s, &ctx.me()?.scope, id).await {
            Ok(b) => b,
            Err(e) => return after_change(&s, &ctx, id, Err::<(), _>(e), HashMap::new(), "saved").await,
        };
        let (title, n, m) = (b.view.row.title.clone(), b.invited, b.targets.len());
        let what = ctx
            .t(
                &format!("将发布问卷“{title}”：向 {n} 名受邀者开放作答，测评对象 {m} 个。发布后题目、对象不能再修改。"),
                &format!("The survey \"{title}\" will open to its {n} invitees, about {m} targets. Its questions and targets can no longer change."),
            )
            .to_string();
        let items = b.targets.iter().map(|t| t.label.clone()).collect();
        let note = if n == 0 {
            ctx.t("没有邀请具体人员：凭单次链接、纸质问卷或二维码作答。", "Nobody is invited by name: answers come through single-use links, paper forms or the QR code.")
                .to_string()
        } else {
            String::new()
        };
        let button = ctx.t(&format!("确认发布（{n} 名受邀者）"), &format!("Open it ({n} invitees)")).to_string();
        return Ok(confirm::step(
            &ctx,
            confirm::Confirm { what, items, note, action: format!("/surveys/{id}/open"), fields: form.again, button, back: format!("/surveys/{id}"), danger: false },
        ));
    }
    let r = app::open(&s, &ctx.me()?.scope, id).await;
    after_change(&s, &ctx, id, r, HashMap::new(), "saved").await
}

/// Revokes the unused links of one invitee, named by staff or student number (the answer is
/// the same whether they had one or not).
pub async fn revoke(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(form): Form<RevokeForm>) -> AppResult<Response> {
    let r = app::revoke_links(&s, &ctx.me()?.scope, id, form.number.as_deref().unwrap_or("")).await;
    after_change(&s, &ctx, id, r, values_of(&form), "revoked_link").await
}

/// Reminds the invitees who have not answered.
pub async fn remind(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(_): Form<NoFields>) -> AppResult<Response> {
    let r = app::remind(&s, &ctx.me()?.scope, id).await;
    after_change(&s, &ctx, id, r, HashMap::new(), "reminded").await
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(_): Form<NoFields>) -> AppResult<Response> {
    let r = app::close(&s, &ctx.me()?.scope, id).await;
    after_change(&s, &ctx, id, r, HashMap::new(), "ended").await
}

/// Hands out single-use links: personal ones by e-mail to each invitee without an account (the
/// owner never sees them), or a number of printed slips tied to nobody, as a CSV shown once.
pub async fn links(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(form): Form<LinksForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    if form.kind.as_deref() != Some("slips") {
        let r = app::deliver_links(&s, &scope, id).await;
        return after_change(&s, &ctx, id, r, values_of(&form), "links_sent").await;
    }
    // Slips are shown once, as a file: WeChat cannot take it, so none are made there.
    if ctx.wechat {
        return Ok(super::wechat_download(&ctx));
    }
    let count = form.count.as_deref().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
    let made = match app::make_slips(&s, &scope, id, count).await {
        Ok(m) => m,
        Err(e) => return after_change::<()>(&s, &ctx, id, Err(e), values_of(&form), "saved").await,
    };
    let lang = ctx.lang;
    let sheet = Sheet {
        name: lang.t("作答纸条", "Slips").into(),
        headers: vec![lang.t("序号", "No.").into(), lang.t("作答链接（一次有效）", "Link (single use)").into()],
        rows: made.into_iter().enumerate().map(|(i, url)| vec![(i + 1).to_string(), url]).collect(),
    };
    Ok(crate::export::csv_response(&sheet, &format!("survey-{id}-slips")))
}

// ---- answering ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "survey_answer.html")]
struct AnswerPage {
    l: Layout,
    s: SurveyRow,
    q: Questionnaire,
    targets: Vec<TargetRow>,
    target: i64,
    action: String,
    preview: bool,
    f: FormState,
    values: Vec<(String, String)>,
    /// An advisory rating (no login, or not invited): where to log in to rate for real.
    advisory: bool,
    login: Option<String>,
}

impl AnswerPage {
    fn points(&self, q: &Question) -> Vec<(usize, String)> {
        (0..q.scale.points()).map(|i| (i, q.scale.point_label(i, self.l.lang))).collect()
    }
    fn checked(&self, name: &str, v: &usize) -> bool {
        let v = v.to_string();
        self.values.iter().any(|(k, x)| k == name && *x == v)
    }
    fn item_name(&self, q: &Question, i: &usize) -> String {
        format!("{}.{}", q.code, i)
    }
    fn text(&self, name: &str) -> &str {
        self.values.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }
    fn err(&self, code: &str) -> Option<&str> {
        self.f.err(code)
    }
    fn target_label(&self) -> &str {
        self.targets.iter().find(|t| t.target_id == self.target).map(|t| t.label.as_str()).unwrap_or("")
    }
    fn number(&self, i: &usize) -> usize {
        i + 1
    }
}

#[allow(clippy::too_many_arguments)]
fn answer_page(ctx: &Ctx, s: SurveyRow, targets: Vec<TargetRow>, target: TargetId, action: String, preview: bool, f: FormState, values: Vec<(String, String)>) -> AnswerPage {
    let title = s.title.clone();
    AnswerPage { l: Layout::new(ctx, &title), q: s.questionnaire(), s, targets, target: target.0, action, preview, f, values, advisory: false, login: None }
}

/// The form of an advisory rating (a window's QR page without login or invitation).
#[allow(clippy::too_many_arguments)]
pub fn advisory_form(
    ctx: &Ctx,
    s: SurveyRow,
    targets: Vec<TargetRow>,
    target: TargetId,
    action: String,
    login: Option<String>,
    f: FormState,
    values: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let mut page = answer_page(ctx, s, targets, target, action, false, f, values);
    page.advisory = true;
    page.login = login;
    render_status(status, &page)
}

/// Each answer's problem, against its question's field.
pub fn add_answer_errors(errors: &mut FieldErrors, es: Vec<sv::AnswerError>) {
    app::add_answer_errors(errors, es)
}

fn form_page(ctx: &Ctx, form: AnswerForm, action: String, f: FormState, values: Vec<(String, String)>, status: StatusCode) -> Response {
    render_status(status, &answer_page(ctx, form.row, form.targets, form.target, action, form.preview, f, values))
}

/// The answer form of a logged-in invitee (or the owner's preview).
pub async fn answer_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Query(tq): Query<TargetQuery>) -> AppResult<Response> {
    let form = app::answer_form(&s, &ctx.me()?.scope, id, tq.target).await?;
    if form.already {
        return Ok(done_page(&ctx, &form.row, true));
    }
    Ok(form_page(&ctx, form, format!("/surveys/{id}/answer"), FormState::new(ctx.lang), Vec::new(), StatusCode::OK))
}

pub async fn answer_submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(a): Form<AnswerFields>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::answer(&s, &scope, id, a.input()).await;
    match r {
        Ok(_) => {
            let form = app::answer_form(&s, &scope, id, Some(a.target)).await?;
            Ok(done_page(&ctx, &form.row, false))
        }
        Err(e) if matches!(e.code, "duplicate" | "link_used") => {
            let form = app::answer_form(&s, &scope, id, Some(a.target)).await?;
            Ok(done_page(&ctx, &form.row, true))
        }
        Err(e) if e.fields.is_some() => {
            let mut form = app::answer_form(&s, &scope, id, Some(a.target)).await?;
            form.target = a.target;
            let errs = e.fields.unwrap_or_default();
            Ok(form_page(&ctx, form, format!("/surveys/{id}/answer"), FormState::with(ctx.lang, HashMap::new(), errs), a.fields, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e),
    }
}

/// The answer form reached through a single-use link.
pub async fn link_form(State(s): State<AppState>, ctx: Ctx, Path(token): Path<String>, Query(tq): Query<TargetQuery>) -> AppResult<Response> {
    let (row, form) = app::link_form(&s, &token, tq.target).await?;
    let mut r = match form {
        None => done_page(&ctx, &row, true),
        Some(form) => form_page(&ctx, form, format!("/s/{token}"), FormState::new(ctx.lang), Vec::new(), StatusCode::OK),
    };
    no_referrer(&mut r);
    Ok(r)
}

pub async fn link_submit(State(s): State<AppState>, ctx: Ctx, Path(token): Path<String>, Form(a): Form<AnswerFields>) -> AppResult<Response> {
    let r = app::answer_by_link(&s, &token, a.input()).await;
    let mut out = match r {
        Ok(_) => {
            let (row, _) = app::link_form(&s, &token, None).await?;
            done_page(&ctx, &row, false)
        }
        Err(e) if matches!(e.code, "duplicate" | "link_used") => {
            let (row, _) = app::link_form(&s, &token, None).await?;
            done_page(&ctx, &row, true)
        }
        Err(e) if e.fields.is_some() => {
            let (row, form) = app::link_form(&s, &token, Some(a.target)).await?;
            let errs = e.fields.unwrap_or_default();
            match form {
                Some(mut form) => {
                    form.target = a.target;
                    form_page(&ctx, form, format!("/s/{token}"), FormState::with(ctx.lang, HashMap::new(), errs), a.fields, StatusCode::UNPROCESSABLE_ENTITY)
                }
                None => done_page(&ctx, &row, true),
            }
        }
        Err(e) => return Err(e),
    };
    no_referrer(&mut out);
    Ok(out)
}

/// The token must not leave the page through the Referer header.
fn no_referrer(r: &mut Response) {
    r.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
}

#[derive(Template)]
#[template(path = "survey_done.html")]
struct DonePage {
    l: Layout,
    title: String,
    already: bool,
}

fn done_page(ctx: &Ctx, s: &SurveyRow, already: bool) -> Response {
    let page = DonePage { l: Layout::new(ctx, ctx.t("问卷", "Survey")), title: s.title.clone(), already };
    render_status(if already { StatusCode::CONFLICT } else { StatusCode::OK }, &page)
}

// ---- results -----------------------------------------------------------------------------------

pub struct QuestionView {
    pub n: usize,
    pub q: Question,
    pub t: sv::QuestionTally,
    pub columns: Vec<String>,
    pub texts: Vec<String>,
}

impl QuestionView {
    pub fn pct(&self, i: &usize) -> String {
        sv::fmt_percent(self.t.percent(*i))
    }
    /// The bar's width in the chart, out of 300.
    pub fn bar(&self, i: &usize) -> i64 {
        (self.t.percent(*i).unwrap_or(0.0) * 3.0).round() as i64
    }
    pub fn y(&self, i: &usize) -> usize {
        i * 26
    }
    pub fn height(&self) -> usize {
        self.columns.len() * 26
    }
    pub fn mean(&self) -> String {
        match self.t.mean() {
            Some(m) => format!("{m:.2}"),
            None => "—".into(),
        }
    }
    pub fn is_text(&self) -> bool {
        self.q.kind == Kind::Text
    }
    pub fn has_mean(&self) -> bool {
        matches!(self.q.kind, Kind::Rating | Kind::Matrix)
    }
    pub fn count(&self, i: &usize) -> u64 {
        self.t.counts.get(*i).copied().unwrap_or(0)
    }
    /// A matrix on the satisfaction scale: each item's own rate (never pooled into the survey's).
    pub fn item_rates(&self) -> Vec<(String, Rate, String)> {
        if self.q.kind != Kind::Matrix || self.q.scale != Scale::Satisfaction {
            return Vec::new();
        }
        self.q
            .options
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let r = self.t.item_rate(i);
                (item.clone(), r, sv::fmt_percent(r.percent()))
            })
            .collect()
    }
}

pub struct RateLine {
    pub name: String,
    /// None: too few responses to show.
    pub tally: Option<Tally>,
    /// A window's mean inspection score and the number of inspections.
    pub inspection: Option<(String, i64)>,
    /// Advisory ratings (no login), counted apart.
    pub advisory: u64,
}

impl RateLine {
    pub fn pct(&self) -> String {
        sv::fmt_percent(self.tally.as_ref().and_then(|t| t.rate.percent()))
    }
}

#[derive(Template)]
#[template(path = "survey_results.html")]
struct ResultsPage {
    l: Layout,
    s: SurveyRow,
    /// The figures of the view (every target, or the one chosen); None: under the minimum.
    view: Option<Tally>,
    definition: String,
    questions: Vec<QuestionView>,
    by_target: Vec<RateLine>,
    /// The hidden targets together, when they reach the minimum.
    others: Option<RateLine>,
    left_out: bool,
    /// The rates rolled up to the top of each tree, with the table's title.
    rollups: Vec<(String, Vec<RateLine>)>,
    rates: Vec<RateView>,
    channels: Vec<(String, Option<u64>)>,
    advisory: u64,
    recount: Option<bool>,
    target: Option<i64>,
    targets: Vec<TargetRow>,
    /// The owner and the office: raw responses and the recount.
    manager: bool,
}

impl ResultsPage {
    fn is_target(&self, t: &i64) -> bool {
        self.target == Some(*t)
    }
    fn channel(&self, code: &str) -> &'static str {
        Channel::parse(code).map(|c| c.label(self.l.lang)).unwrap_or("?")
    }
    fn tree(&self, t: &str) -> &'static str {
        if t == "party" { self.l.t("党组织", "Party tree") } else { self.l.t("行政单位", "Administrative tree") }
    }
    fn pct(&self, r: &RateView) -> String {
        match r.answered {
            Some(a) if r.invited > 0 => format!("{:.2}%", a as f64 * 100.0 / r.invited as f64),
            _ => "—".into(),
        }
    }
    fn view_pct(&self) -> String {
        sv::fmt_percent(self.view.as_ref().and_then(|t| t.rate.percent()))
    }
}

pub async fn results(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Query(rq): Query<ResultsQuery>) -> AppResult<Response> {
    // A target that does not parse shows every target.
    let target = rq.target.as_deref().and_then(|t| t.trim().parse::<TargetId>().ok());
    let d = app::results_detail(&s, &ctx.me()?.scope, id, target, rq.recount.is_some()).await?;
    let r = d.results;
    let manager = r.manager();
    let questions =
        d.questions.into_iter().enumerate().map(|(i, q)| QuestionView { n: i + 1, columns: q.question.columns(ctx.lang), q: q.question, t: q.tally, texts: q.texts }).collect();
    let by_target: Vec<RateLine> = if r.targets.is_empty() {
        Vec::new()
    } else {
        r.published
            .targets
            .iter()
            .map(|t| RateLine {
                name: t.label.clone(),
                tally: t.tally.clone(),
                inspection: d.inspections.get(&t.id).map(|(x, n)| (format!("{}.{:02}", x / 100, x % 100), *n)),
                advisory: d.advisory.get(&t.id).map(|a| a.responses).unwrap_or(0),
            })
            .collect()
    };
    let others = r.published.others.clone().map(|t| RateLine {
        name: ctx.t("其余对象合计（各不足 5 份）", "The other targets together (each under 5)").into(),
        tally: Some(t),
        inspection: None,
        advisory: 0,
    });
    let (unit_names, org_names) = &d.top_names;
    let line = |names: &HashMap<i64, String>, (id, t): &(i64, Tally)| RateLine {
        name: names.get(id).cloned().unwrap_or_else(|| id.to_string()),
        tally: Some(t.clone()),
        inspection: None,
        advisory: 0,
    };
    let rollups = vec![
        (ctx.t("按单位汇总", "Rolled up by unit").to_string(), r.published.rollups[0].iter().map(|g| line(unit_names, g)).collect()),
        (ctx.t("按党组织汇总", "Rolled up by Party organization").to_string(), r.published.rollups[1].iter().map(|g| line(org_names, g)).collect()),
    ];
    let row = r.view.row;
    let page = ResultsPage {
        l: Layout::new(&ctx, &format!("{} · {}", row.title, ctx.t("结果", "Results"))),
        definition: row.questionnaire().rate_definition(ctx.lang),
        view: d.tally,
        questions,
        by_target,
        others,
        left_out: r.published.left_out,
        rollups,
        rates: r.rates,
        channels: r.channels,
        advisory: d.advisory.values().map(|a| a.responses).sum(),
        recount: d.recount,
        target: d.target,
        targets: r.targets,
        manager,
        s: row,
    };
    Ok(render(&page))
}

/// Raw responses (.xlsx or CSV with BOM), in the order of their random ids, to the survey's
/// owner and the office only, as the rules allow (`domain::survey::raw_rows`); a summary (.xlsx,
/// PDF) of the published figures to whoever may see the results.
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(SurveyId, String)>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let lang = ctx.lang;
    let (stem, format) = file.rsplit_once('.').ok_or_else(AppError::not_found)?;
    if !matches!((stem, format), ("responses", "xlsx" | "csv") | ("summary", "xlsx" | "csv" | "pdf")) {
        return Err(AppError::not_found());
    }
    let (r, sheet) = match stem {
        "responses" => {
            let (r, allowed, lines) = app::raw_responses(&s, &scope, id).await?;
            let qn = r.row().questionnaire();
            let others_label = lang.t("其余对象（各不足 5 份）", "Other targets (each under 5)").to_string();
            let mut headers = vec![lang.t("编号", "Id").to_string(), lang.t("评价对象", "Target").into()];
            if allowed.named {
                headers.push(lang.t("日期", "Date").into());
                headers.push(lang.t("人员编号", "Person").into());
            }
            for (i, q) in qn.questions.iter().enumerate() {
                if q.kind == Kind::Matrix {
                    for item in &q.options {
                        headers.push(format!("{}. {} · {}", i + 1, q.text, item));
                    }
                } else {
                    headers.push(format!("{}. {}", i + 1, q.text));
                }
            }
            let rows = lines
                .into_iter()
                .map(|x| {
                    let target = match x.target {
                        RawLabel::Target(l) => l,
                        RawLabel::Others => others_label.clone(),
                    };
                    let mut out = vec![x.id, target];
                    if allowed.named {
                        out.push(x.day.map(iso).unwrap_or_default());
                        out.push(x.person.map(|p| p.to_string()).unwrap_or_default());
                    }
                    for q in &qn.questions {
                        out.extend(answer_cells(q, x.answers.get(&q.code), lang));
                    }
                    out
                })
                .collect();
            (r, Sheet { name: lang.t("答卷", "Responses").into(), headers, rows })
        }
        _ => {
            let r = app::results(&s, &scope, id).await?;
            let sheet = summary_sheet(&r, lang);
            (r, sheet)
        }
    };
    let filename = format!("survey-{id}-{stem}.{format}");
    match format {
        "xlsx" | "csv" => super::download(&ctx, &sheet, &filename, format),
        _ => {
            if ctx.wechat {
                return Ok(super::wechat_download(&ctx));
            }
            Ok(crate::pdf::response(summary_pdf(r.row(), &sheet, lang)?, &filename))
        }
    }
}

/// The published figures as a table: the rate with its definition, each question's counts, each
/// target's rate (none under the minimum).
fn summary_sheet(r: &app::Results, lang: Lang) -> Sheet {
    let qn = r.row().questionnaire();
    let dash = || "—".to_string();
    let mut rows = Vec::new();
    match &r.published.total {
        Some(total) => {
            rows.push(vec![lang.t("有效答卷", "Responses").to_string(), String::new(), total.responses.to_string(), String::new()]);
            rows.push(vec![
                lang.t("满意率", "Satisfaction rate").into(),
                qn.rate_definition(lang),
                format!("{}/{}/{}", total.rate.satisfied, total.rate.fairly, total.rate.dissatisfied),
                sv::fmt_percent(total.rate.percent()),
            ]);
            for (i, (q, t)) in qn.questions.iter().zip(&total.questions).enumerate() {
                for (k, col) in q.columns(lang).iter().enumerate() {
                    let count = t.counts.get(k).copied().unwrap_or(0);
                    rows.push(vec![format!("{}. {}", i + 1, q.text), col.clone(), count.to_string(), sv::fmt_percent(t.percent(k))]);
                }
                if q.kind == Kind::Matrix && q.scale == Scale::Satisfaction {
                    for (k, item) in q.options.iter().enumerate() {
                        let ir = t.item_rate(k);
                        rows.push(vec![
                            format!("{}. {} · {}", i + 1, q.text, item),
                            lang.t("分项满意率", "Item's satisfaction rate").into(),
                            format!("{}/{}/{}", ir.satisfied, ir.fairly, ir.dissatisfied),
                            sv::fmt_percent(ir.percent()),
                        ]);
                    }
                }
            }
        }
        None => rows.push(vec![lang.t("有效答卷", "Responses").to_string(), String::new(), "<5".into(), dash()]),
    }
    if !r.targets.is_empty() {
        for t in &r.published.targets {
            match &t.tally {
                Some(x) => rows.push(vec![t.label.clone(), lang.t("满意率", "Satisfaction rate").into(), x.responses.to_string(), sv::fmt_percent(x.rate.percent())]),
                None => rows.push(vec![t.label.clone(), lang.t("满意率", "Satisfaction rate").into(), "<5".into(), dash()]),
            }
        }
        if let Some(o) = &r.published.others {
            rows.push(vec![
                lang.t("其余对象合计（各不足 5 份）", "The other targets together (each under 5)").into(),
                lang.t("满意率", "Satisfaction rate").into(),
                o.responses.to_string(),
                sv::fmt_percent(o.rate.percent()),
            ]);
        }
        if r.published.left_out {
            rows.push(vec![
                lang.t("说明", "Note").into(),
                lang.t("不足 5 份的对象合计也不足 5 份，不计入以上任何数字", "The targets under 5 responses do not reach 5 together either: they are in none of the figures above")
                    .into(),
                String::new(),
                String::new(),
            ]);
        }
    }
    Sheet {
        name: lang.t("汇总", "Summary").into(),
        headers: vec![lang.t("题目/对象", "Question or target").into(), lang.t("选项", "Option").into(), lang.t("人数", "Count").into(), lang.t("比例", "Share").into()],
        rows,
    }
}

/// The summary as an A4 PDF: the title, the rate's definition, then the summary's rows.
fn summary_pdf(row: &SurveyRow, sheet: &Sheet, lang: Lang) -> AppResult<Vec<u8>> {
    use crate::pdf::{Item, wrap};
    let (w, h) = crate::pdf::A4;
    let mut pages: Vec<Vec<Item>> = vec![Vec::new()];
    let mut y = 60.0;
    let line = |pages: &mut Vec<Vec<Item>>, y: &mut f32, size: f32, text: String| {
        for part in wrap(&text, size, w - 100.0) {
            if *y > h - 50.0 {
                pages.push(Vec::new());
                *y = 60.0;
            }
            pages.last_mut().expect("a page").push(Item::Text { x: 50.0, y: *y, size, text: part });
            *y += size * 1.5;
        }
    };
    line(&mut pages, &mut y, 18.0, row.title.clone());
    line(&mut pages, &mut y, 10.0, format!("{} {}", lang.t("导出日期", "Exported"), pacesetter_domain::dates::format_date(pacesetter_domain::dates::today(), lang)));
    y += 6.0;
    let mut last = String::new();
    for r in &sheet.rows {
        if r[0] != last {
            y += 4.0;
            line(&mut pages, &mut y, 11.0, r[0].clone());
            last = r[0].clone();
        }
        let detail: Vec<&str> = r[1..].iter().map(String::as_str).filter(|x| !x.is_empty()).collect();
        line(&mut pages, &mut y, 10.0, format!("    {}", detail.join("    ")));
    }
    crate::pdf::render(&pages, crate::pdf::A4)
}

fn answer_cells(q: &Question, a: Option<&sv::Answer>, lang: Lang) -> Vec<String> {
    let label = |i: u16| -> String {
        match q.kind {
            Kind::Single | Kind::Multiple => q.options.get(usize::from(i)).cloned().unwrap_or_default(),
            _ => q.scale.point_label(usize::from(i), lang),
        }
    };
    match (q.kind, a) {
        (Kind::Matrix, Some(sv::Answer::List(l))) => (0..q.options.len()).map(|k| l.get(k).copied().flatten().map(label).unwrap_or_default()).collect(),
        (Kind::Matrix, _) => vec![String::new(); q.options.len()],
        (_, Some(sv::Answer::Num(i))) => vec![label(*i)],
        (_, Some(sv::Answer::List(l))) => vec![l.iter().flatten().map(|i| label(*i)).collect::<Vec<_>>().join("；")],
        (_, Some(sv::Answer::Text(t))) => vec![t.clone()],
        (_, None) => vec![String::new()],
    }
}

// ---- paper forms -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "survey_paper.html")]
struct PaperPage {
    l: Layout,
    s: SurveyRow,
    q: Questionnaire,
    targets: Vec<TargetRow>,
    issued: i64,
    entered: i64,
    last: Option<String>,
    f: FormState,
}

impl PaperPage {
    fn hint(&self, q: &Question) -> String {
        let lang = self.l.lang;
        match q.kind {
            Kind::Rating => (0..q.scale.points()).map(|i| format!("{}={}", i + 1, q.scale.point_label(i, lang))).collect::<Vec<_>>().join(" "),
            Kind::Single => q.options.iter().enumerate().map(|(i, o)| format!("{}={o}", i + 1)).collect::<Vec<_>>().join(" "),
            Kind::Multiple => {
                format!("{}：{}", lang.t("可多个数字", "several digits"), q.options.iter().enumerate().map(|(i, o)| format!("{}={o}", i + 1)).collect::<Vec<_>>().join(" "))
            }
            Kind::Matrix => format!(
                "{} {} {}",
                lang.t("每项一位数字，依次为", "one digit per item:"),
                q.options.join("、"),
                (0..q.scale.points()).map(|i| format!("{}={}", i + 1, q.scale.point_label(i, lang))).collect::<Vec<_>>().join(" ")
            ),
            Kind::Text => lang.t("照录文字（可空）", "the text as written (may be empty)").into(),
        }
    }
    fn number(&self, i: &usize) -> usize {
        i + 1
    }
}

pub async fn paper_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Query(q): Query<LastQuery>) -> AppResult<Response> {
    paper_page(&s, &ctx, id, q.last, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn paper_page(s: &AppState, ctx: &Ctx, id: SurveyId, last: Option<String>, f: FormState, status: StatusCode) -> AppResult<Response> {
    let d = app::paper_desk(s, &ctx.me()?.scope, id).await?;
    let title = format!("{} · {}", d.row.title, ctx.t("纸质测评表录入", "Paper forms"));
    Ok(render_status(status, &PaperPage { l: Layout::new(ctx, &title), q: d.row.questionnaire(), s: d.row, targets: d.targets, issued: d.issued, entered: d.entered, last, f }))
}

/// Enters one paper form: its serial must have been issued, and can be entered once.
pub async fn paper_submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(p): Form<PaperFields>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let input = PaperInput { serial: p.serial.clone(), response: ResponseInput { target: p.target, answers: RawAnswers::Digits(p.digits) } };
    match app::enter_paper(&s, &scope, id, input).await {
        Ok(()) => Ok(see_other(&format!("/surveys/{id}/paper?last={}", percent_encoding::utf8_percent_encode(&p.serial, percent_encoding::NON_ALPHANUMERIC)))),
        Err(e) if e.fields.is_some() => {
            let status = if e.status == StatusCode::CONFLICT { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            paper_page(&s, &ctx, id, None, FormState::with(ctx.lang, p.values, e.fields.unwrap_or_default()), status).await
        }
        Err(e) => Err(e),
    }
}

/// Issues serial numbers and shows the forms to print.
pub async fn paper_issue(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Form(form): Form<CountForm>) -> AppResult<Response> {
    let count = form.count.as_deref().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
    let issued = app::issue_serials(&s, &ctx.me()?.scope, id, count).await?;
    Ok(see_other(&format!("/surveys/{id}/paper/print?from={}", issued.from)))
}

#[derive(Template)]
#[template(path = "survey_print.html")]
struct PrintPage {
    l: Layout,
    s: SurveyRow,
    q: Questionnaire,
    serials: Vec<String>,
    next: Option<i64>,
}

impl PrintPage {
    fn boxes(&self, q: &Question) -> Vec<String> {
        q.columns(self.l.lang)
    }
    fn number(&self, i: &usize) -> usize {
        i + 1
    }
}

/// Printable forms, 100 at a time, each with its serial number.
pub async fn paper_print(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SurveyId>, Query(q): Query<FromQuery>) -> AppResult<Response> {
    let from = q.from.as_deref().and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(0).max(0);
    let p = app::printable(&s, &ctx.me()?.scope, id, from, 100).await?;
    let title = p.row.title.clone();
    Ok(render(&PrintPage { l: Layout::new(&ctx, &title), q: p.row.questionnaire(), s: p.row, serials: p.serials, next: p.next }))
}
