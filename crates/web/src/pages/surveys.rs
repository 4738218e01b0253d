//! Surveys: the list, the builder (questions, targets, audience, links, open and close), the
//! answer form (logged in, or through a single-use link), and the results with their exports.

use super::{FormState, Layout, field, form_map, render, render_status, see_other};
use crate::api::dto::{AnswerAccepted, AnswerReplaced, ChannelCountDto, ParticipationDto, QuestionCountsDto, SurveyResultsDto, TallyDto, TargetFiguresDto};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::Sheet;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use pacesetter_domain::Lang;
use pacesetter_domain::anonymity;
use pacesetter_domain::dates::iso;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::survey::{self as sv, Answers, Channel, Kind, Question, Questionnaire, Rate, Scale, Tally, TargetKind};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::survey::{self, Outcome, Submission, SurveyRow, SurveyState, TargetRow};
use pacesetter_store::{StoreError, campaign};
use std::collections::HashMap;

// ---- the list and creation --------------------------------------------------------------

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
    fn state(&self, s: &SurveyRow) -> &'static str {
        s.state().label(self.l.lang)
    }
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn list_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let me = ctx.me()?;
    let scope = &me.scope;
    let mut c = s.store.read().await?;
    let invitations = match scope.person {
        Some(p) => survey::invitations(&mut c, p.0).await?,
        None => Vec::new(),
    };
    let managed: Vec<SurveyRow> = survey::list(&mut c).await?.into_iter().filter(|x| x.may_manage(scope)).collect();
    let templates = match campaign::current(&mut c).await? {
        Some(camp) => camp.plan()?.surveys.into_iter().map(|t| TemplateOption { code: t.code, title: t.title }).collect(),
        None => Vec::new(),
    };
    let units = survey::owner_units(&mut c).await?;
    let owners: Vec<UnitOption> = units
        .into_iter()
        .filter(|(_, _, p)| scope.is_office_or_admin() || scope.unit_access(p) == Some(pacesetter_domain::scope::Access::Write))
        .map(|(id, name, _)| UnitOption { id, name })
        .collect();
    let office = scope.is_office_or_admin();
    Ok(render_status(status, &SurveysPage { l: Layout::new(ctx, ctx.t("问卷测评", "Surveys")), invitations, managed, templates, owners, office, f }))
}

/// Creates a survey from a template of the current plan, or a blank one.
pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let r = async {
        let mut w = s.store.write().await?;
        let camp = campaign::current(&mut w).await?;
        let owner = match field(&m, "owner") {
            None | Some("office") => None,
            Some(v) => Some(v.parse::<i64>().map_err(|_| StoreError::invalid("owner", "请选择所属单位", "Choose the owning unit"))?),
        };
        let new = match field(&m, "template") {
            Some(code) if code != "blank" => {
                let t = camp
                    .as_ref()
                    .and_then(|c| c.plan().ok())
                    .and_then(|p| p.surveys.into_iter().find(|t| t.code == code))
                    .ok_or_else(|| StoreError::invalid("template", "没有这个问卷模板", "There is no such template"))?;
                let mut new = survey::NewSurvey::from_template(camp.as_ref().map(|c| c.id), t, owner);
                if let Some(title) = field(&m, "title") {
                    new.title = title.to_string();
                }
                new
            }
            _ => survey::NewSurvey {
                campaign_id: camp.as_ref().map(|c| c.id),
                template_code: None,
                title: field(&m, "title").unwrap_or("").to_string(),
                description: field(&m, "description").map(str::to_string),
                owner_unit_id: owner,
                target_kind: field(&m, "target").and_then(TargetKind::parse).unwrap_or_default(),
                anonymous: field(&m, "anonymous") == Some("yes"),
                results_public: field(&m, "results_public") == Some("yes"),
                allow_replace: field(&m, "allow_replace") == Some("yes"),
                questionnaire: Questionnaire::default(),
                opens_on: None,
                closes_on: None,
            },
        };
        let blank = new.questionnaire.questions.is_empty();
        let id = if blank { create_blank(&mut w, &scope, new).await? } else { survey::create(&mut w, &scope, new).await? };
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match r {
        Ok(id) => Ok(see_other(&format!("/surveys/{id}?done=created"))),
        Err(StoreError::Invalid(e)) => list_page(&s, &ctx, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e.into()),
    }
}

/// A blank survey starts with one free-text question, so that it is a valid questionnaire the
/// builder then changes.
async fn create_blank(w: &mut pacesetter_store::Conn, scope: &pacesetter_domain::scope::Scope, mut new: survey::NewSurvey) -> Result<i64, StoreError> {
    new.questionnaire.questions.push(Question {
        code: "q1".into(),
        section: None,
        text: "您的意见和建议".into(),
        kind: Kind::Text,
        scale: Scale::Satisfaction,
        options: Vec::new(),
        required: false,
    });
    survey::create(w, scope, new).await
}

// ---- the builder -------------------------------------------------------------------------

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

async fn managed(s: &AppState, ctx: &Ctx, id: i64) -> AppResult<SurveyRow> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let row = survey::get(&mut c, id).await?;
    if !row.may_manage(scope) {
        return Err(AppError::not_found());
    }
    Ok(row)
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let me = ctx.me()?;
    let mut c = s.store.read().await?;
    let row = survey::get(&mut c, id).await?;
    if !row.may_manage(&me.scope) {
        // An invitee goes to the answer form; anyone else learns nothing.
        if let Some(p) = me.scope.person {
            if survey::is_invited(&mut c, id, p.0).await? {
                return Ok(see_other(&format!("/surveys/{id}/answer")));
            }
        }
        return Err(AppError::not_found());
    }
    drop(c);
    show_page(&s, &ctx, row, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn show_page(s: &AppState, ctx: &Ctx, row: SurveyRow, f: FormState, status: StatusCode) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let targets = survey::targets(&mut c, row.id).await?;
    let invited = survey::invitee_count(&mut c, row.id).await?;
    let answered = results_model(&mut c, row.clone()).await?.channels;
    let lang = ctx.lang;
    let kinds = Kind::ALL.iter().map(|k| (k.code(), k.label(lang))).collect();
    let title = row.title.clone();
    Ok(render_status(status, &SurveyPage { l: Layout::new(ctx, &title), q: row.questionnaire(), s: row, targets, invited, answered, f, kinds }))
}

/// Runs a change of the builder and shows the page again: on success after a redirect, on an
/// error with the message and what was typed.
async fn change<F>(s: &AppState, ctx: &Ctx, id: i64, m: HashMap<String, String>, done: &str, f: F) -> AppResult<Response>
where
    F: AsyncFnOnce(&mut pacesetter_store::Conn, &pacesetter_domain::scope::Scope, SurveyRow) -> Result<(), StoreError>,
{
    let row = managed(s, ctx, id).await?;
    let scope = ctx.me()?.scope.clone();
    let r = async {
        let mut w = s.store.write().await?;
        f(&mut w, &scope, row.clone()).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other(&format!("/surveys/{id}?done={done}"))),
        Err(StoreError::Invalid(e)) => show_page(s, ctx, row, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(StoreError::Conflict(t)) => {
            let mut e = FieldErrors::new();
            e.add("_", t.zh, t.en);
            show_page(s, ctx, row, FormState::with(ctx.lang, m, e), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Adds, removes or moves a question of a draft.
pub async fn questions(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    let m2 = m.clone();
    change(&s, &ctx, id, m, "saved", async move |w, scope, row| {
        let mut q = row.questionnaire();
        let code = field(&m2, "code").unwrap_or("").to_string();
        let pos = q.questions.iter().position(|x| x.code == code);
        match field(&m2, "action") {
            Some("add") => {
                let kind = field(&m2, "kind").and_then(Kind::parse).ok_or_else(|| StoreError::invalid("kind", "请选择题型", "Choose a kind of question"))?;
                let text = field(&m2, "text").ok_or_else(|| StoreError::invalid("text", "请填写题目", "Please write the question"))?.to_string();
                let options: Vec<String> = m2.get("options").map(|o| o.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()).unwrap_or_default();
                let scale = field(&m2, "scale").and_then(Scale::parse).unwrap_or_default();
                let question = Question {
                    code: q.next_code(),
                    section: field(&m2, "section").map(str::to_string),
                    text,
                    kind,
                    scale,
                    options,
                    required: field(&m2, "required") == Some("yes"),
                };
                let one = Questionnaire { questions: vec![question.clone()], rate_questions: Vec::new() };
                if let Some(p) = one.problems().into_iter().next() {
                    let field_name = if p.zh.contains("选项") || p.zh.contains("评价项") { "options" } else { "text" };
                    return Err(StoreError::invalid(field_name, p.zh.replace("第 1 题", "本题"), p.en.replace("Question 1", "This question")));
                }
                q.questions.push(question);
            }
            Some("delete") => {
                let i = pos.ok_or(StoreError::NotFound)?;
                q.questions.remove(i);
                q.rate_questions.retain(|c| *c != code);
            }
            Some("up") => {
                let i = pos.ok_or(StoreError::NotFound)?;
                if i > 0 {
                    q.questions.swap(i, i - 1);
                }
            }
            Some("down") => {
                let i = pos.ok_or(StoreError::NotFound)?;
                if i + 1 < q.questions.len() {
                    q.questions.swap(i, i + 1);
                }
            }
            _ => return Err(StoreError::invalid("action", "未知的操作", "Unknown action")),
        }
        survey::save_questionnaire(w, scope, row.id, &q).await
    })
    .await
}

/// Chooses the targets of a draft: every window (or unit, or organization) in reach.
pub async fn set_targets(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let ids: Vec<i64> = p.iter().filter(|(k, _)| k == "target").filter_map(|(_, v)| v.parse().ok()).collect();
    let m = form_map(p);
    change(&s, &ctx, id, m, "saved", async move |w, scope, row| {
        let n = survey::set_targets(w, scope, row.id, &ids).await?;
        if n == 0 && row.target_kind() != TargetKind::None {
            return Err(StoreError::invalid("target", "所选范围内没有可测评的对象", "There is nothing to evaluate in reach"));
        }
        Ok(())
    })
    .await
}

/// Adds people to the audience: a subtree of either tree, or a list of numbers.
pub async fn audience(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    let m2 = m.clone();
    change(&s, &ctx, id, m, "saved", async move |w, scope, row| {
        match field(&m2, "mode") {
            Some("org") | Some("unit") => {
                let tree = if field(&m2, "mode") == Some("org") { survey::Tree::Party } else { survey::Tree::Admin };
                let node = field(&m2, "node")
                    .and_then(|v| v.parse::<i64>().ok())
                    .ok_or_else(|| StoreError::invalid("node", "请填写组织或单位编号", "Give the organization's or unit's number"))?;
                check_node_in_scope(w, scope, tree, node).await?;
                survey::invite_subtree(w, scope, row.id, tree, node).await?;
            }
            Some("numbers") => {
                let numbers: Vec<String> = m2
                    .get("numbers")
                    .map(|t| t.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == ';').filter(|x| !x.is_empty()).map(str::to_string).collect())
                    .unwrap_or_default();
                if numbers.is_empty() {
                    return Err(StoreError::invalid("numbers", "请填写学号或工号，每行一个", "Give staff or student numbers, one per line"));
                }
                if numbers.len() > 200_000 {
                    return Err(StoreError::invalid("numbers", "一次最多 200000 个", "At most 200,000 at a time"));
                }
                survey::invite_numbers(w, scope, row.id, &numbers).await?;
            }
            _ => return Err(StoreError::invalid("mode", "请选择对象范围", "Choose how to pick the audience")),
        }
        Ok(())
    })
    .await
}

/// A unit's manager invites only within their reach; the office anywhere.
async fn check_node_in_scope(c: &mut pacesetter_store::Conn, scope: &pacesetter_domain::scope::Scope, tree: survey::Tree, node: i64) -> Result<(), StoreError> {
    let path = survey::node_path(c, tree, node).await?.ok_or_else(|| StoreError::invalid("node", "没有这个组织或单位", "There is no such organization or unit"))?;
    let access = if tree == survey::Tree::Party { scope.org_access(&path) } else { scope.unit_access(&path) };
    if access.is_none() {
        return Err(StoreError::invalid("node", "该组织或单位不在您的管理范围内", "That organization or unit is outside your scope"));
    }
    Ok(())
}

pub async fn open(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    change(&s, &ctx, id, form_map(p), "saved", async move |w, scope, row| survey::open(w, scope, row.id).await).await
}

/// Revokes the unused links of one invitee, named by staff or student number. The answer is the
/// same whether they had one, had used it, or were not invited: anything else would tell
/// whether they answered.
pub async fn revoke(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    let number = field(&m, "number").unwrap_or("").to_string();
    change(&s, &ctx, id, m, "revoked_link", async move |w, scope, row| {
        let person = survey::person_by_number(w, &number).await?.ok_or_else(|| StoreError::invalid("number", "查无此人", "No one has this number"))?;
        survey::revoke_links(w, scope, row.id, Some(person), None).await
    })
    .await
}

/// Reminds the invitees who have not answered.
pub async fn remind(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let url = s.site.public_url.clone();
    change(&s, &ctx, id, form_map(p), "reminded", async move |w, scope, row| survey::remind(w, scope, row.id, &url).await.map(|_| ())).await
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    change(&s, &ctx, id, form_map(p), "ended", async move |w, scope, row| survey::close(w, scope, row.id).await).await
}

/// Hands out single-use links: personal ones by e-mail to each invitee without an account (the
/// owner never sees them: whoever holds one can answer in that name), or a number of printed
/// slips tied to nobody, as a CSV shown once (only the tokens' hashes are kept).
pub async fn links(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let row = managed(&s, &ctx, id).await?;
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    if field(&m, "kind") != Some("slips") {
        let url = s.site.public_url.clone();
        return change(&s, &ctx, id, m, "links_sent", async move |w, scope, row| survey::deliver_links(w, scope, row.id, &url).await.map(|_| ())).await;
    }
    let slips = match field(&m, "count").and_then(|v| v.parse::<u64>().ok()) {
        Some(n) if (1..=100_000).contains(&n) => n,
        _ => {
            let mut e = FieldErrors::new();
            e.add("count", "份数应为 1 至 100000", "The number is from 1 to 100,000");
            return show_page(&s, &ctx, row, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut w = s.store.write().await?;
    let made = survey::create_slips(&mut w, &scope, id, slips).await?;
    w.commit().await.map_err(StoreError::from)?;
    let lang = ctx.lang;
    let base = &s.site.public_url;
    let sheet = Sheet {
        name: lang.t("作答纸条", "Slips").into(),
        headers: vec![lang.t("序号", "No.").into(), lang.t("作答链接（一次有效）", "Link (single use)").into()],
        rows: made.iter().enumerate().map(|(i, t)| vec![(i + 1).to_string(), format!("{base}/s/{t}")]).collect(),
    };
    Ok(crate::export::csv_response(&sheet, &format!("survey-{id}-slips.csv")))
}

// ---- answering ---------------------------------------------------------------------------

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

#[derive(serde::Deserialize)]
pub struct TargetQuery {
    target: Option<i64>,
}

/// Who answers: a logged-in invitee, or the holder of a link.
enum Respondent {
    Person(i64),
    Link(survey::LinkRow),
}

#[allow(clippy::too_many_arguments)]
fn answer_page(ctx: &Ctx, s: SurveyRow, targets: Vec<TargetRow>, target: i64, action: String, preview: bool, f: FormState, values: Vec<(String, String)>) -> AnswerPage {
    let title = s.title.clone();
    AnswerPage { l: Layout::new(ctx, &title), q: s.questionnaire(), s, targets, target, action, preview, f, values, advisory: false, login: None }
}

/// The form of an advisory rating (a window's QR page without login or invitation).
#[allow(clippy::too_many_arguments)]
pub fn advisory_form(
    ctx: &Ctx,
    s: SurveyRow,
    targets: Vec<TargetRow>,
    target: i64,
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

/// The answer form of a logged-in invitee (or the owner's preview).
pub async fn answer_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(tq): Query<TargetQuery>) -> AppResult<Response> {
    let me = ctx.me()?;
    let mut c = s.store.read().await?;
    let row = survey::get(&mut c, id).await?;
    let invited = match me.scope.person {
        Some(p) => survey::is_invited(&mut c, id, p.0).await?,
        None => false,
    };
    if !invited && !row.may_manage(&me.scope) {
        return Err(AppError::not_found());
    }
    let targets = survey::targets(&mut c, id).await?;
    let targets = if invited { rateable(&mut c, &row, targets, me.scope.person.map(|p| p.0), Some(&me.scope)).await? } else { targets };
    let target = tq.target.filter(|t| targets.iter().any(|x| x.target_id == *t)).unwrap_or(if targets.len() == 1 { targets[0].target_id } else { 0 });
    let preview = !invited || row.state() != SurveyState::Open;
    if !preview {
        if let Some(p) = me.scope.person {
            if target != 0 || targets.is_empty() {
                if (row.anonymous || !row.allow_replace) && survey::has_answered(&mut c, id, target, &survey::voter_person(p.0)).await? {
                    return Ok(done_page(&ctx, &row, true));
                }
            }
        }
    }
    let action = format!("/surveys/{id}/answer");
    Ok(render(&answer_page(&ctx, row, targets, target, action, preview, FormState::new(ctx.lang), Vec::new())))
}

pub async fn answer_submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let me = ctx.me()?;
    let person = me.scope.person.ok_or_else(AppError::not_found)?.0;
    let mut c = s.store.read().await?;
    let row = survey::get(&mut c, id).await?;
    if !survey::is_invited(&mut c, id, person).await? {
        return Err(AppError::not_found());
    }
    drop(c);
    let account = Some(me.account.id);
    let actor = me.scope.actor.clone();
    submit_form(&s, &ctx, row, Respondent::Person(person), account, actor, p, format!("/surveys/{id}/answer")).await
}

/// The answer form reached through a single-use link.
pub async fn link_form(State(s): State<AppState>, ctx: Ctx, Path(token): Path<String>, Query(tq): Query<TargetQuery>) -> AppResult<Response> {
    let (row, link) = link_survey(&s, &token).await?;
    if link.used_on.is_some() {
        return Ok(done_page(&ctx, &row, true));
    }
    let mut c = s.store.read().await?;
    let targets = survey::targets(&mut c, row.id).await?;
    let targets = rateable(&mut c, &row, targets, link.person_id, None).await?;
    let target = tq.target.filter(|t| targets.iter().any(|x| x.target_id == *t)).unwrap_or(if targets.len() == 1 { targets[0].target_id } else { 0 });
    let action = format!("/s/{token}");
    let mut r = render(&answer_page(&ctx, row, targets, target, action, false, FormState::new(ctx.lang), Vec::new()));
    no_referrer(&mut r);
    Ok(r)
}

pub async fn link_submit(State(s): State<AppState>, ctx: Ctx, Path(token): Path<String>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let (row, link) = link_survey(&s, &token).await?;
    let action = format!("/s/{token}");
    let mut r = submit_form(&s, &ctx, row, Respondent::Link(link), None, "link".into(), p, action).await?;
    no_referrer(&mut r);
    Ok(r)
}

/// The targets a respondent may rate: in an evaluation of commitments, only those that serve them
/// (or that they oversee), so the form never offers what would be refused.
async fn rateable(
    c: &mut pacesetter_store::Conn,
    row: &SurveyRow,
    targets: Vec<survey::TargetRow>,
    person: Option<i64>,
    scope: Option<&Scope>,
) -> Result<Vec<survey::TargetRow>, StoreError> {
    if row.target_kind() != TargetKind::Commitment {
        return Ok(targets);
    }
    let Some(p) = person else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for t in targets {
        if pacesetter_store::commitment::may_rate(c, row.id, t.target_id, p, scope).await? {
            out.push(t);
        }
    }
    Ok(out)
}

/// The token must not leave the page through the Referer header.
fn no_referrer(r: &mut Response) {
    r.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
}

/// A live link and its survey; anything else is the same 404, so tokens cannot be probed.
async fn link_survey(s: &AppState, token: &str) -> AppResult<(SurveyRow, survey::LinkRow)> {
    let mut c = s.store.read().await?;
    let link = live_link(&mut c, token).await?;
    let row = survey::get(&mut c, link.survey_id).await?;
    Ok((row, link))
}

/// A link that has not been revoked (used or not); anything else is the same 404.
async fn live_link(c: &mut pacesetter_store::Conn, token: &str) -> AppResult<survey::LinkRow> {
    survey::link(c, token).await?.filter(|l| !l.revoked).ok_or_else(AppError::not_found)
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

#[allow(clippy::too_many_arguments)]
async fn submit_form(
    s: &AppState,
    ctx: &Ctx,
    row: SurveyRow,
    who: Respondent,
    account: Option<i64>,
    actor: String,
    p: Vec<(String, String)>,
    action: String,
) -> AppResult<Response> {
    let values: Vec<(String, String)> = p.into_iter().filter(|(k, _)| k != "_csrf").collect();
    let mut c = s.store.read().await?;
    let targets = survey::targets(&mut c, row.id).await?;
    drop(c);
    let target = values.iter().find(|(k, _)| k == "target").and_then(|(_, v)| v.parse::<i64>().ok()).unwrap_or(0);
    let qn = row.questionnaire();
    let mut errors = FieldErrors::new();
    if !targets.is_empty() && !targets.iter().any(|t| t.target_id == target) {
        errors.add("target", "请选择评价对象", "Choose what you are rating");
    }
    let answers = match sv::parse_form(&qn, &values) {
        Ok(a) => Some(a),
        Err(es) => {
            add_answer_errors(&mut errors, es);
            None
        }
    };
    let (Some(answers), true) = (answers, errors.is_empty()) else {
        let page = answer_page(ctx, row, targets, target, action, false, FormState::with(ctx.lang, HashMap::new(), errors), values);
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let scope = ctx.caller.as_ref().map(|c| c.scope.clone());
    match record(s, &row, target, who, account, actor, answers, Channel::Login, scope.as_ref()).await? {
        Outcome::Accepted(_) | Outcome::Replaced => Ok(done_page(ctx, &row, false)),
        Outcome::Duplicate | Outcome::LinkSpent => Ok(done_page(ctx, &row, true)),
        Outcome::Closed => Err(closed()),
    }
}

/// Each answer's problem, against its question's field.
pub fn add_answer_errors(errors: &mut FieldErrors, es: Vec<sv::AnswerError>) {
    for e in es {
        errors.add(&e.code, e.message.zh, e.message.en);
    }
}

fn closed() -> AppError {
    AppError::new(StatusCode::CONFLICT, "closed", "该问卷未在进行中，不能作答", "The survey is not open for answers")
}

fn duplicate() -> AppError {
    AppError::new(StatusCode::CONFLICT, "duplicate", "您已经提交过这份问卷，每人只能作答一次", "You have already answered this survey; each person answers once")
}

/// Hands a response to the writer and waits until it is on disk (or refused).
#[allow(clippy::too_many_arguments)]
async fn record(
    s: &AppState,
    row: &SurveyRow,
    target: i64,
    who: Respondent,
    account: Option<i64>,
    actor: String,
    answers: Answers,
    channel: Channel,
    scope: Option<&Scope>,
) -> AppResult<Outcome> {
    if row.state() != SurveyState::Open {
        return Err(closed());
    }
    // A commitment is rated only by the people it serves and the level above it (评诺).
    if row.target_kind() == TargetKind::Commitment {
        let person = match &who {
            Respondent::Person(p) => Some(*p),
            Respondent::Link(l) => l.person_id,
        };
        let mut c = s.store.read().await?;
        let entitled = match person {
            Some(p) => pacesetter_store::commitment::may_rate(&mut c, row.id, target, p, scope).await?,
            None => false,
        };
        if !entitled {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                "not_entitled",
                "您不是这项承诺的服务对象或上级，不能评价它",
                "You are not among the people this commitment serves, nor the level above it",
            ));
        }
    }
    let (voter, person, link, channel) = match who {
        Respondent::Person(p) => (survey::voter_person(p), Some(p), None, channel),
        Respondent::Link(l) => match l.person_id {
            Some(p) => (survey::voter_person(p), Some(p), Some(l.id), Channel::Link),
            None => (format!("l{}", l.id), None, Some(l.id), Channel::Link),
        },
    };
    let sub = Submission { survey_id: row.id, target_id: target, voter, person_id: person, link_id: link, serial: None, channel, answers, actor_account: account, actor };
    Ok(s.responses.submit(sub).await?)
}

/// The JSON body of an API response: the target (0 or absent when the survey has none) and the
/// answers by question code.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ResponseIn {
    #[serde(default)]
    pub target: i64,
    #[schema(value_type = Object)]
    pub answers: Answers,
}

fn api_outcome(o: Outcome) -> AppResult<Response> {
    match o {
        Outcome::Accepted(id) => Ok((StatusCode::CREATED, Json(AnswerAccepted { id })).into_response()),
        Outcome::Replaced => Ok((StatusCode::OK, Json(AnswerReplaced { replaced: true })).into_response()),
        Outcome::Duplicate => Err(duplicate()),
        Outcome::LinkSpent => Err(AppError::new(StatusCode::CONFLICT, "link_used", "该链接已使用或已作废", "This link has been used or revoked")),
        Outcome::Closed => Err(closed()),
    }
}

fn check_api(open: &survey::OpenSurvey, body: &ResponseIn) -> AppResult<()> {
    if !open.has_target(body.target) {
        let mut e = FieldErrors::new();
        e.add("target", "请选择评价对象", "Choose what you are rating");
        return Err(e.into());
    }
    if let Err(es) = sv::check(&open.row.questionnaire(), &body.answers) {
        let mut e = FieldErrors::new();
        add_answer_errors(&mut e, es);
        return Err(e.into());
    }
    Ok(())
}

pub async fn api_answer(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(body): Json<ResponseIn>) -> AppResult<Response> {
    let me = ctx.me()?;
    let person = me.scope.person.ok_or_else(AppError::not_found)?.0;
    let mut c = s.store.read().await?;
    if !survey::is_invited(&mut c, id, person).await? {
        return Err(AppError::not_found());
    }
    let open = s.responses.open_survey(&mut c, id).await?.ok_or_else(closed)?;
    drop(c);
    check_api(&open, &body)?;
    let o = record(&s, &open.row, body.target, Respondent::Person(person), Some(me.account.id), me.scope.actor.clone(), body.answers, Channel::Login, Some(&me.scope)).await?;
    api_outcome(o)
}

/// The busiest path of all (a survey's single-use links): one query for the link, the survey
/// from memory while it is open, then the writer.
pub async fn api_link_answer(State(s): State<AppState>, Path(token): Path<String>, Json(body): Json<ResponseIn>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let link = live_link(&mut c, &token).await?;
    if link.used_on.is_some() {
        return api_outcome(Outcome::LinkSpent);
    }
    let open = s.responses.open_survey(&mut c, link.survey_id).await?.ok_or_else(closed)?;
    drop(c);
    check_api(&open, &body)?;
    let o = record(&s, &open.row, body.target, Respondent::Link(link), None, "link".into(), body.answers, Channel::Link, None).await?;
    api_outcome(o)
}

// ---- results -----------------------------------------------------------------------------

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

/// Participation by organization as it may be shown: the number who answered only from
/// [`anonymity::MIN_GROUP`] on in an anonymous survey.
pub struct RateView {
    pub tree: &'static str,
    pub name: String,
    pub invited: u64,
    pub answered: Option<u64>,
}

/// A survey's results as anyone who may see them sees them: the published figures (no group
/// under the minimum, none recoverable by subtraction), participation by channel over the same
/// responses, and by organization; one model for the page, the exports and the API.
pub struct Results {
    pub row: SurveyRow,
    pub targets: Vec<TargetRow>,
    pub published: sv::Published,
    /// Responses by the way they came in, over the published responses ([`anonymity::partition`]).
    pub channels: Vec<(String, Option<u64>)>,
    pub rates: Vec<RateView>,
}

/// Reads and publishes a survey's results (the caller has checked who may see them).
pub async fn results_model(c: &mut pacesetter_store::Conn, row: SurveyRow) -> Result<Results, StoreError> {
    let qn = row.questionnaire();
    let mut tallies = survey::tallies(c, &row).await?;
    let targets = survey::targets(c, row.id).await?;
    let top = |path: Option<&str>| path.and_then(|p| p.split('/').filter(|x| !x.is_empty()).nth(1)).and_then(|x| x.parse::<i64>().ok());
    let list: Vec<sv::TargetTally> = if targets.is_empty() {
        vec![sv::TargetTally { id: 0, label: String::new(), tally: tallies.remove(&0).unwrap_or_else(|| Tally::new(&qn)), groups: vec![None, None] }]
    } else {
        targets
            .iter()
            .map(|t| sv::TargetTally {
                id: t.target_id,
                label: t.label.clone(),
                tally: tallies.remove(&t.target_id).unwrap_or_else(|| Tally::new(&qn)),
                groups: vec![top(t.unit_path.as_deref()), top(t.org_path.as_deref())],
            })
            .collect()
    };
    let published = sv::publish(&qn, list, row.anonymous, 2);
    let by_channel: Vec<(String, u64)> = published.total.as_ref().map(|t| t.channels.iter().filter(|(_, n)| **n > 0).map(|(c, n)| (c.clone(), *n)).collect()).unwrap_or_default();
    let channels = if row.anonymous {
        let counts: Vec<u64> = by_channel.iter().map(|(_, n)| *n).collect();
        let (shown, _) = anonymity::partition(&counts);
        by_channel.into_iter().zip(shown).map(|((c, n), s)| (c, s.then_some(n))).collect()
    } else {
        by_channel.into_iter().map(|(c, n)| (c, Some(n))).collect()
    };
    let rates = survey::response_rates(c, row.id)
        .await?
        .into_iter()
        .map(|r| RateView { tree: r.tree, name: r.name, invited: r.invited, answered: sv::may_show(r.answered, row.anonymous).then_some(r.answered) })
        .collect();
    Ok(Results { row, targets, published, channels, rates })
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

#[derive(serde::Deserialize)]
pub struct ResultsQuery {
    target: Option<String>,
    recount: Option<String>,
}

/// The survey if the caller may see its results: its owner and the office, and others when the
/// survey opens its results (aggregates only).
async fn results_of(s: &AppState, ctx: &Ctx, id: i64) -> AppResult<SurveyRow> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let row = survey::get(&mut c, id).await?;
    let invited = match scope.person {
        Some(p) if row.results_public => survey::is_invited(&mut c, id, p.0).await?,
        _ => false,
    };
    if !(row.may_manage(scope) || invited) {
        return Err(AppError::not_found());
    }
    Ok(row)
}

pub async fn results(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(rq): Query<ResultsQuery>) -> AppResult<Response> {
    let clock = std::time::Instant::now();
    let mut marks: Vec<(&str, u128)> = Vec::new();
    let row = results_of(&s, &ctx, id).await?;
    let manager = row.may_manage(&ctx.me()?.scope);
    let qn = row.questionnaire();
    let mut c = s.store.read().await?;
    let r = results_model(&mut c, row).await?;
    marks.push(("published", clock.elapsed().as_micros()));
    // A target that does not parse, or is not one of the survey's, shows every target.
    let target = rq.target.as_deref().and_then(|t| t.trim().parse::<i64>().ok()).filter(|t| r.targets.iter().any(|x| x.target_id == *t));
    let (view, text_targets): (Option<Tally>, Vec<i64>) = match target {
        Some(t) => (r.published.target(t).cloned(), if r.published.target(t).is_some() { vec![t] } else { Vec::new() }),
        None => {
            let mut counted = r.published.counted();
            if r.published.others.is_some() {
                counted.extend(r.published.targets.iter().filter(|t| t.tally.is_none()).map(|t| t.id));
            }
            (r.published.total.clone(), counted)
        }
    };
    let mut questions = Vec::new();
    if let Some(v) = &view {
        for (i, (q, t)) in qn.questions.iter().zip(v.questions.iter()).enumerate() {
            let texts = if q.kind == Kind::Text { survey::texts(&mut c, id, Some(&text_targets), &q.code, 200).await? } else { Vec::new() };
            questions.push(QuestionView { n: i + 1, q: q.clone(), t: t.clone(), columns: q.columns(ctx.lang), texts });
        }
    }
    marks.push(("texts", clock.elapsed().as_micros()));
    let inspections = if r.row.target_kind() == TargetKind::Window { pacesetter_store::window::mean_scores(&mut c).await? } else { HashMap::new() };
    let advisory = survey::advisory_tallies(&mut c, &r.row).await?;
    marks.push(("inspections", clock.elapsed().as_micros()));
    let by_target: Vec<RateLine> = if r.targets.is_empty() {
        Vec::new()
    } else {
        r.published
            .targets
            .iter()
            .map(|t| RateLine {
                name: t.label.clone(),
                tally: t.tally.clone(),
                inspection: inspections.get(&t.id).map(|(x, n)| (format!("{}.{:02}", x / 100, x % 100), *n)),
                advisory: advisory.get(&t.id).map(|a| a.responses).unwrap_or(0),
            })
            .collect()
    };
    let others = r.published.others.clone().map(|t| RateLine {
        name: ctx.t("其余对象合计（各不足 5 份）", "The other targets together (each under 5)").into(),
        tally: Some(t),
        inspection: None,
        advisory: 0,
    });
    let (unit_names, org_names) = survey::top_names(&mut c).await?;
    let line = |names: &HashMap<i64, String>, (id, t): &(i64, Tally)| RateLine {
        name: names.get(id).cloned().unwrap_or_else(|| id.to_string()),
        tally: Some(t.clone()),
        inspection: None,
        advisory: 0,
    };
    let rollups = vec![
        (ctx.t("按单位汇总", "Rolled up by unit").to_string(), r.published.rollups[0].iter().map(|g| line(&unit_names, g)).collect()),
        (ctx.t("按党组织汇总", "Rolled up by Party organization").to_string(), r.published.rollups[1].iter().map(|g| line(&org_names, g)).collect()),
    ];
    marks.push(("rollups", clock.elapsed().as_micros()));
    let recount = if rq.recount.is_some() && manager { Some(survey::recount(&mut c, &r.row).await?.iter().all(|(_, _, same)| *same)) } else { None };
    let page = ResultsPage {
        l: Layout::new(&ctx, &format!("{} · {}", r.row.title, ctx.t("结果", "Results"))),
        definition: qn.rate_definition(ctx.lang),
        view,
        questions,
        by_target,
        others,
        left_out: r.published.left_out,
        rollups,
        rates: r.rates,
        channels: r.channels,
        advisory: advisory.values().map(|a| a.responses).sum(),
        recount,
        target,
        targets: r.targets,
        manager,
        s: r.row,
    };
    let out = render(&page);
    marks.push(("rendered", clock.elapsed().as_micros()));
    tracing::debug!(target: "pacesetter::results", ?marks, "results page");
    Ok(out)
}

/// The published results as JSON: the same figures as the page, under the same minimum.
pub async fn api_results(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<SurveyResultsDto>> {
    let row = results_of(&s, &ctx, id).await?;
    let definition = row.questionnaire().rate_definition(ctx.lang);
    let mut c = s.store.read().await?;
    let r = results_model(&mut c, row).await?;
    let tally_dto = |t: &Tally| TallyDto {
        responses: t.responses,
        satisfied: t.rate.satisfied,
        fairly_satisfied: t.rate.fairly,
        dissatisfied: t.rate.dissatisfied,
        rate: t.rate.percent().map(|p| format!("{p:.2}")),
        questions: t.questions.iter().map(|q| QuestionCountsDto { code: q.code.clone(), answered: q.answered, counts: q.counts.clone(), items: q.items.clone() }).collect(),
    };
    Ok(Json(SurveyResultsDto {
        survey: r.row.id,
        title: r.row.title.clone(),
        anonymous: r.row.anonymous,
        min_group: anonymity::MIN_GROUP,
        rate_definition: definition,
        total: r.published.total.as_ref().map(tally_dto),
        targets: r.published.targets.iter().map(|t| TargetFiguresDto { id: t.id, label: t.label.clone(), figures: t.tally.as_ref().map(tally_dto) }).collect(),
        hidden_targets: r.published.hidden,
        others: r.published.others.as_ref().map(tally_dto),
        left_out: r.published.left_out,
        channels: r.channels.iter().map(|(c, n)| ChannelCountDto { channel: c.clone(), responses: *n }).collect(),
        participation: r.rates.iter().map(|x| ParticipationDto { tree: x.tree.to_string(), name: x.name.clone(), invited: x.invited, answered: x.answered }).collect(),
    }))
}

/// Raw responses (.xlsx or CSV with BOM), in the order of their random ids, to the survey's
/// owner and the office only; in an anonymous survey only about the targets the results show
/// (the others together under one label when they reach the minimum), with no person and no
/// day. A summary (.xlsx, PDF) of the published figures to whoever may see the results.
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(i64, String)>) -> AppResult<Response> {
    let row = results_of(&s, &ctx, id).await?;
    let manager = row.may_manage(&ctx.me()?.scope);
    let lang = ctx.lang;
    let qn = row.questionnaire();
    let mut c = s.store.read().await?;
    let (stem, format) = file.rsplit_once('.').ok_or_else(AppError::not_found)?;
    let r = results_model(&mut c, row).await?;
    let row = &r.row;
    let sheet = match stem {
        "responses" => {
            if !manager {
                return Err(AppError::new(
                    StatusCode::FORBIDDEN,
                    "raw_responses",
                    "原始答卷只提供给问卷所属单位和创先办",
                    "Raw responses go to the survey's owner and the office only",
                ));
            }
            if r.published.total.is_none() {
                return Err(AppError::new(
                    StatusCode::FORBIDDEN,
                    "small_group",
                    "匿名问卷答卷不足 5 份，不提供明细",
                    "An anonymous survey with fewer than 5 responses has no raw export",
                ));
            }
            let shown: std::collections::HashSet<i64> = r.published.counted().into_iter().collect();
            let pooled = r.published.others.is_some();
            let labels: HashMap<i64, String> = r.targets.iter().map(|t| (t.target_id, t.label.clone())).collect();
            let others_label = lang.t("其余对象（各不足 5 份）", "Other targets (each under 5)").to_string();
            let mut headers = vec![lang.t("编号", "Id").to_string(), lang.t("评价对象", "Target").into()];
            if !row.anonymous {
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
            let rows = survey::responses(&mut c, id)
                .await?
                .into_iter()
                .filter_map(|x| {
                    let target = if !row.anonymous || shown.contains(&x.target_id) {
                        labels.get(&x.target_id).cloned().unwrap_or_default()
                    } else if pooled {
                        others_label.clone()
                    } else {
                        return None;
                    };
                    let a: Answers = serde_json::from_str(&x.answers_json).unwrap_or_default();
                    let mut out = vec![x.id, target];
                    if !row.anonymous {
                        out.push(iso(x.day));
                        out.push(x.person_id.map(|p| p.to_string()).unwrap_or_default());
                    }
                    for q in &qn.questions {
                        out.extend(answer_cells(q, a.get(&q.code), lang));
                    }
                    Some(out)
                })
                .collect();
            Sheet { name: lang.t("答卷", "Responses").into(), headers, rows }
        }
        "summary" => {
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
                        lang.t(
                            "不足 5 份的对象合计也不足 5 份，不计入以上任何数字",
                            "The targets under 5 responses do not reach 5 together either: they are in none of the figures above",
                        )
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
        _ => return Err(AppError::not_found()),
    };
    let filename = format!("survey-{id}-{stem}.{format}");
    match format {
        "xlsx" | "csv" => super::download(&ctx, &sheet, &filename, format),
        "pdf" if stem == "summary" => {
            if ctx.wechat {
                return Ok(super::wechat_download(&ctx));
            }
            Ok(crate::pdf::response(summary_pdf(row, &sheet, lang)?, &filename))
        }
        _ => Err(AppError::not_found()),
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
    line(&mut pages, &mut y, 10.0, format!("{} {}", lang.t("导出日期", "Exported"), pacesetter_domain::dates::iso(pacesetter_domain::dates::today())));
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

// ---- paper forms -------------------------------------------------------------------------

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

async fn paper_survey(s: &AppState, ctx: &Ctx, id: i64) -> AppResult<SurveyRow> {
    let row = managed(s, ctx, id).await?;
    // A commitment is rated only by the people it serves, which a paper form cannot show.
    if row.target_kind() == TargetKind::Commitment {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "no_paper",
            "评诺只能由服务对象登录或通过专属链接评价，不使用纸质表",
            "Commitments are rated by the people they serve, logged in or by personal link, not on paper",
        ));
    }
    Ok(row)
}

pub async fn paper_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<HashMap<String, String>>) -> AppResult<Response> {
    let row = paper_survey(&s, &ctx, id).await?;
    paper_page(&s, &ctx, row, q.get("last").cloned(), FormState::new(ctx.lang), StatusCode::OK).await
}

async fn paper_page(s: &AppState, ctx: &Ctx, row: SurveyRow, last: Option<String>, f: FormState, status: StatusCode) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let targets = survey::targets(&mut c, row.id).await?;
    let issued = survey::serials_issued(&mut c, row.id).await?;
    let entered = survey::participation_counts(&survey::tallies(&mut c, &row).await?).into_iter().find(|(ch, _)| ch == "paper").map(|x| x.1).unwrap_or(0);
    let title = format!("{} · {}", row.title, ctx.t("纸质测评表录入", "Paper forms"));
    Ok(render_status(status, &PaperPage { l: Layout::new(ctx, &title), q: row.questionnaire(), s: row, targets, issued, entered, last, f }))
}

/// Turns the digits typed for a paper form into the fields of the answer form.
fn paper_fields(q: &Questionnaire, m: &HashMap<String, String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let digit = |c: char| c.to_digit(10).map(|d| (d as i64 - 1).to_string()).unwrap_or_else(|| c.to_string());
    for question in &q.questions {
        let Some(v) = m.get(&question.code).map(|v| v.trim()).filter(|v| !v.is_empty()) else { continue };
        match question.kind {
            Kind::Text => out.push((question.code.clone(), v.to_string())),
            Kind::Multiple => out.extend(v.chars().filter(|c| !c.is_whitespace() && *c != ',').map(|c| (question.code.clone(), digit(c)))),
            Kind::Matrix => out.extend(v.chars().filter(|c| !c.is_whitespace()).enumerate().map(|(i, c)| (format!("{}.{i}", question.code), digit(c)))),
            Kind::Single | Kind::Rating => match v.parse::<i64>() {
                Ok(n) => out.push((question.code.clone(), (n - 1).to_string())),
                Err(_) => out.push((question.code.clone(), v.to_string())),
            },
        }
    }
    out
}

/// Enters one paper form: its serial must have been issued, and can be entered once.
pub async fn paper_submit(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let row = paper_survey(&s, &ctx, id).await?;
    let me = ctx.me()?;
    let m = form_map(p);
    let serial = field(&m, "serial").unwrap_or("").to_string();
    let qn = row.questionnaire();
    let mut errors = FieldErrors::new();
    let mut c = s.store.read().await?;
    if serial.is_empty() {
        errors.add("serial", "请输入测评表编号", "Type the form's serial number");
    } else if !survey::serial_issued(&mut c, id, &serial).await? {
        errors.add("serial", "该编号未发放过", "No form with this serial was issued");
    }
    let targets = survey::targets(&mut c, id).await?;
    drop(c);
    let target = field(&m, "target").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    if !targets.is_empty() && !targets.iter().any(|t| t.target_id == target) {
        errors.add("target", "请选择评价对象", "Choose the target");
    }
    let answers = match sv::parse_form(&qn, &paper_fields(&qn, &m)) {
        Ok(a) => Some(a),
        Err(es) => {
            add_answer_errors(&mut errors, es);
            None
        }
    };
    let (Some(answers), true) = (answers, errors.is_empty()) else {
        return paper_page(&s, &ctx, row, None, FormState::with(ctx.lang, m, errors), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if row.state() != SurveyState::Open {
        return Err(closed());
    }
    let sub = Submission {
        survey_id: id,
        target_id: target,
        voter: format!("s{serial}"),
        person_id: None,
        link_id: None,
        serial: Some(serial.clone()),
        channel: Channel::Paper,
        answers,
        actor_account: Some(me.account.id),
        actor: me.scope.actor.clone(),
    };
    match s.responses.submit(sub).await? {
        Outcome::Accepted(_) => Ok(see_other(&format!("/surveys/{id}/paper?last={}", percent_encoding::utf8_percent_encode(&serial, percent_encoding::NON_ALPHANUMERIC)))),
        Outcome::Closed => Err(closed()),
        _ => {
            let mut e = FieldErrors::new();
            e.add("serial", format!("编号 {serial} 的测评表已录入过"), format!("The form {serial} has already been entered"));
            paper_page(&s, &ctx, row, None, FormState::with(ctx.lang, m, e), StatusCode::CONFLICT).await
        }
    }
}

/// Issues serial numbers and shows the forms to print.
pub async fn paper_issue(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    paper_survey(&s, &ctx, id).await?;
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let count = field(&m, "count").and_then(|v| v.parse::<u64>().ok()).filter(|n| (1..=5000).contains(n));
    let Some(count) = count else {
        return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "份数应为 1 至 5000", "The number is from 1 to 5,000"));
    };
    let mut w = s.store.write().await?;
    let before = survey::serials_issued(&mut w, id).await?;
    survey::issue_serials(&mut w, &scope, id, count).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(see_other(&format!("/surveys/{id}/paper/print?from={before}")))
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
pub async fn paper_print(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<HashMap<String, String>>) -> AppResult<Response> {
    let row = paper_survey(&s, &ctx, id).await?;
    let from = q.get("from").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0).max(0);
    let mut c = s.store.read().await?;
    let serials = survey::serials(&mut c, id, from, 100).await?;
    let total = survey::serials_issued(&mut c, id).await?;
    let next = (from + 100 < total).then_some(from + 100);
    let title = row.title.clone();
    Ok(render(&PrintPage { l: Layout::new(&ctx, &title), q: row.questionnaire(), s: row, serials, next }))
}
