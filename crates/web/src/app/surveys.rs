//! Surveys: the list, creating one, the builder's changes (questions, targets, audience, links,
//! open, close, reminders), answering (logged in, by single-use link, on paper), and the results
//! with what may be exported. Each use case finds the survey through the store's scoped loader
//! (the caller's scope in its SQL) and asks `domain::survey` what may be shown.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::http::StatusCode;
use pacesetter_domain::ids::{OrgId, SurveyId, TargetId, UnitId};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::survey::{
    self as sv, Answers, Channel, Kind, NewQuestion, Published, Question, QuestionChange, Questionnaire, RawRows, RawTarget, Scale, Tally, TargetKind,
};
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::survey::{self, Delivered, Invitation, Need, Outcome, Reminded, Respondent, Submission, SurveyRow, SurveyState, SurveyView, TargetRow};
use pacesetter_store::tree::{self, Tree};
use pacesetter_store::{Conn, StoreError, campaign};
use std::collections::{BTreeMap, HashMap};
use time::Date;

// ---- input -------------------------------------------------------------------------------------

/// Where a new survey's questionnaire comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Template {
    /// A template of the current plan, by its code.
    Plan(String),
    /// One free-text question, for the builder to change.
    Blank,
}

/// A new survey, as a form or a JSON body gives it.
#[derive(Clone, Debug)]
pub struct NewSurveyInput {
    pub template: Template,
    /// None: the office's, for the whole university.
    pub owner: Option<UnitId>,
    /// A template's own title when left out.
    pub title: Option<String>,
    pub description: Option<String>,
    /// A blank survey's targets (a template says its own).
    pub target: TargetKind,
    pub anonymous: bool,
    pub results_public: bool,
    pub allow_replace: bool,
}

fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

impl NewSurveyInput {
    /// Reads the fields of the form or body: `template` (a code, or blank), `owner` ("office",
    /// empty, or a unit's id), `target` (a blank survey's kind of target).
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        template: Option<&str>,
        owner: Option<&str>,
        title: Option<&str>,
        description: Option<&str>,
        target: Option<&str>,
        anonymous: bool,
        results_public: bool,
        allow_replace: bool,
    ) -> Result<NewSurveyInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let owner = match text(owner).as_deref() {
            None | Some("office") => None,
            Some(v) => match v.parse::<i64>() {
                Ok(id) => Some(UnitId(id)),
                Err(_) => {
                    e.add("owner", "请选择所属单位", "Choose the owning unit");
                    None
                }
            },
        };
        let template = match text(template) {
            Some(code) if code != "blank" => Template::Plan(code),
            _ => Template::Blank,
        };
        let target = match text(target) {
            None => TargetKind::default(),
            Some(t) => TargetKind::parse(&t).unwrap_or_else(|| {
                e.add("target", "没有这种测评对象", "There is no such kind of target");
                TargetKind::default()
            }),
        };
        if !e.is_empty() {
            return Err(e);
        }
        Ok(NewSurveyInput { template, owner, title: text(title), description: text(description), target, anonymous, results_public, allow_replace })
    }
}

/// A change of the builder's questions from its fields: `action` add (with kind, text, options
/// one a line or a list, scale, section, required), delete, up or down (with code).
#[allow(clippy::too_many_arguments)]
pub fn question_change(
    action: Option<&str>,
    code: Option<&str>,
    kind: Option<&str>,
    text_: Option<&str>,
    options: Vec<String>,
    scale: Option<&str>,
    section: Option<&str>,
    required: bool,
) -> Result<QuestionChange, FieldErrors> {
    let mut e = FieldErrors::new();
    let code = text(code).unwrap_or_default();
    let change = match text(action).as_deref() {
        Some("add") => {
            let kind = text(kind).and_then(|k| Kind::parse(&k));
            if kind.is_none() {
                e.add("kind", "请选择题型", "Choose a kind of question");
            }
            let t = text(text_);
            if t.is_none() {
                e.add("text", "请填写题目", "Please write the question");
            }
            let options = options.iter().flat_map(|o| o.lines()).map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
            let scale = match text(scale) {
                None => Scale::default(),
                Some(s) => Scale::parse(&s).unwrap_or_else(|| {
                    e.add("scale", "没有这种量表", "There is no such scale");
                    Scale::default()
                }),
            };
            match (kind, t) {
                (Some(kind), Some(text)) if e.is_empty() => QuestionChange::Add(NewQuestion { section: self::text(section), text, kind, scale, options, required }),
                _ => return Err(e),
            }
        }
        Some("delete") => QuestionChange::Delete(code),
        Some("up") => QuestionChange::Up(code),
        Some("down") => QuestionChange::Down(code),
        _ => {
            e.add("action", "未知的操作", "Unknown action");
            return Err(e);
        }
    };
    Ok(change)
}

/// Who is added to a survey's audience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudienceInput {
    /// Everyone currently in a Party organization's subtree.
    Org(OrgId),
    /// Everyone currently in an administrative unit's subtree.
    Unit(UnitId),
    /// People by staff or student number.
    Numbers(Vec<String>),
}

pub use pacesetter_domain::validate::numbers_of;

impl AudienceInput {
    /// `mode` org, unit (with `node`) or numbers (with the numbers).
    pub fn parse(mode: Option<&str>, node: Option<&str>, numbers: Vec<String>) -> Result<AudienceInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let out = match text(mode).as_deref() {
            Some(m @ ("org" | "unit")) => match text(node).and_then(|v| v.parse::<i64>().ok()) {
                Some(node) if m == "org" => AudienceInput::Org(OrgId(node)),
                Some(node) => AudienceInput::Unit(UnitId(node)),
                None => {
                    e.add("node", "请填写组织或单位编号", "Give the organization's or unit's number");
                    return Err(e);
                }
            },
            Some("numbers") => {
                if numbers.is_empty() {
                    e.add("numbers", "请填写学号或工号，每行一个", "Give staff or student numbers, one per line");
                } else if numbers.len() > 200_000 {
                    e.add("numbers", "一次最多 200000 个", "At most 200,000 at a time");
                }
                if !e.is_empty() {
                    return Err(e);
                }
                AudienceInput::Numbers(numbers)
            }
            Some("both") => {
                e.add("numbers", "请二选一：选择单位或党组织，或填写学号/工号", "Choose a unit or organization, or give numbers, not both");
                return Err(e);
            }
            _ => {
                e.add("mode", "请选择对象范围", "Choose how to pick the audience");
                return Err(e);
            }
        };
        Ok(out)
    }
}

/// The answers of a response as they arrive.
#[derive(Clone, Debug)]
pub enum RawAnswers {
    /// The answer form's fields (question codes, `code.i` for a matrix's items; repeated for
    /// several choices).
    Form(Vec<(String, String)>),
    /// A JSON body's answers by question code.
    Json(Answers),
    /// A paper form typed in: for each question code the digits on the form (1 = the first
    /// option or point), or the text.
    Digits(BTreeMap<String, String>),
}

/// A response: the target (0 when the survey has none) and the answers.
#[derive(Clone, Debug)]
pub struct ResponseInput {
    pub target: TargetId,
    pub answers: RawAnswers,
}

/// A paper form typed in by the office: its serial number, once.
#[derive(Clone, Debug)]
pub struct PaperInput {
    pub serial: String,
    pub response: ResponseInput,
}

// ---- errors ------------------------------------------------------------------------------------

pub fn closed() -> AppError {
    AppError::new(StatusCode::CONFLICT, "closed", "该问卷未在进行中，不能作答", "The survey is not open for answers")
}

pub fn duplicate() -> AppError {
    AppError::new(StatusCode::CONFLICT, "duplicate", "您已经提交过这份问卷，每人只能作答一次", "You have already answered this survey; each person answers once")
}

pub fn link_spent() -> AppError {
    AppError::new(StatusCode::CONFLICT, "link_used", "该链接已使用或已作废", "This link has been used or revoked")
}

fn no_paper() -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        "no_paper",
        "评诺只能由服务对象登录或通过专属链接评价，不使用纸质表",
        "Commitments are rated by the people they serve, logged in or by personal link, not on paper",
    )
}

/// Each answer's problem, against its question's field.
pub fn add_answer_errors(errors: &mut FieldErrors, es: Vec<sv::AnswerError>) {
    for e in es {
        errors.add(&e.code, e.message.zh, e.message.en);
    }
}

// ---- the list and creation ---------------------------------------------------------------------

/// What the surveys page shows a caller: the open surveys they are invited to, those they
/// manage, and what they may create.
pub struct Overview {
    pub invitations: Vec<Invitation>,
    pub managed: Vec<SurveyRow>,
    /// The current plan's templates: (code, title).
    pub templates: Vec<(String, String)>,
    /// The units whose surveys the caller may create: (id, name).
    pub owners: Vec<(i64, String)>,
    /// The caller creates surveys for the whole university.
    pub office: bool,
}

pub async fn overview(s: &AppState, scope: &Scope) -> AppResult<Overview> {
    let mut c = s.store.read().await?;
    let invitations = survey::invitations(&mut c, scope).await?;
    let managed = survey::managed_list(&mut c, scope).await?;
    let templates = match campaign::current(&mut c).await? {
        Some(camp) => camp.plan()?.surveys.into_iter().map(|t| (t.code, t.title)).collect(),
        None => Vec::new(),
    };
    let owners = survey::owner_units(&mut c, scope).await?;
    let owners = crate::app::tree::with_full_paths(&mut c, pacesetter_store::tree::Tree::Unit, owners).await?;
    Ok(Overview { invitations, managed, templates, owners, office: scope.is_office_or_admin() })
}

/// Creates a draft from a template of the current plan, or a blank one.
pub async fn create(s: &AppState, scope: &Scope, input: NewSurveyInput) -> AppResult<SurveyId> {
    let mut w = s.store.write().await?;
    let camp = campaign::current(&mut w).await?;
    let owner = input.owner.map(|u| u.0);
    let mut new = match input.template {
        Template::Plan(code) => {
            let t = camp
                .as_ref()
                .and_then(|c| c.plan().ok())
                .and_then(|p| p.surveys.into_iter().find(|t| t.code == code))
                .ok_or_else(|| StoreError::invalid("template", "没有这个问卷模板", "There is no such template"))?;
            let mut new = survey::NewSurvey::from_template(camp.as_ref().map(|c| c.id), t, owner);
            if let Some(title) = input.title {
                new.title = title;
            }
            new
        }
        Template::Blank => survey::NewSurvey {
            campaign_id: camp.as_ref().map(|c| c.id),
            template_code: None,
            title: input.title.unwrap_or_default(),
            description: input.description,
            owner_unit_id: owner,
            target_kind: input.target,
            anonymous: input.anonymous,
            results_public: input.results_public,
            allow_replace: input.allow_replace,
            questionnaire: Questionnaire::default(),
            opens_on: None,
            closes_on: None,
        },
    };
    // A blank survey starts with one free-text question, so that it is a valid questionnaire
    // the builder then changes.
    if new.questionnaire.questions.is_empty() {
        new.questionnaire.questions.push(Question {
            code: "q1".into(),
            section: None,
            text: "您的意见和建议".into(),
            kind: Kind::Text,
            scale: Scale::Satisfaction,
            options: Vec::new(),
            required: false,
        });
    }
    let id = survey::create(&mut w, scope, new).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(SurveyId(id))
}

// ---- the builder -------------------------------------------------------------------------------

/// A survey as its manager builds and runs it.
pub struct Builder {
    pub view: SurveyView,
    pub targets: Vec<TargetRow>,
    pub invited: i64,
    /// Responses by channel as the results publish them (none under the minimum).
    pub channels: Vec<(String, Option<u64>)>,
    /// The units (classes included) and organizations the caller reaches, named by full path:
    /// the audience's and the sample's pickers.
    pub unit_choices: Vec<(i64, String)>,
    pub org_choices: Vec<(i64, String)>,
    /// The units that may commit a sample's second seed.
    pub owner_choices: Vec<(i64, String)>,
}

/// Where a survey's page takes the caller: its builder (its manager) or its answer form (an
/// invitee); anyone else finds nothing.
pub enum Landing {
    Builder(Box<Builder>),
    Answer,
}

pub async fn landing(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<Landing> {
    let mut c = s.store.read().await?;
    let view = survey::get(&mut c, scope, id.0, Need::Either).await?;
    if !view.standing().manages {
        return Ok(Landing::Answer);
    }
    Ok(Landing::Builder(Box::new(builder_of(&mut c, scope, view).await?)))
}

/// The builder of a survey the caller manages.
pub async fn builder(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<Builder> {
    let mut c = s.store.read().await?;
    let view = survey::get(&mut c, scope, id.0, Need::Manage).await?;
    builder_of(&mut c, scope, view).await
}

async fn builder_of(c: &mut Conn, scope: &Scope, view: SurveyView) -> AppResult<Builder> {
    let targets = survey::targets(c, view.id()).await?;
    let invited = survey::invitee_count(c, &view).await?;
    let channels = results_of(c, view.clone()).await?.channels;
    let units = tree::all(c, Tree::Unit).await?;
    let orgs = tree::all(c, Tree::Org).await?;
    let unit_choices = crate::app::tree::choices(&units, |n| n.closed_on.is_none() && scope.unit_access(&n.path).is_some());
    let org_choices = crate::app::tree::choices(&orgs, |n| n.closed_on.is_none() && scope.org_access(&n.path).is_some());
    let owners = survey::owner_units(c, scope).await?;
    let owner_choices = crate::app::tree::with_full_paths(c, Tree::Unit, owners).await?;
    Ok(Builder { view, targets, invited, channels, unit_choices, org_choices, owner_choices })
}

/// Adds, removes or moves a question of a draft.
pub async fn change_questions(s: &AppState, scope: &Scope, id: SurveyId, change: QuestionChange) -> AppResult<()> {
    let mut w = s.store.write().await?;
    let view = survey::get(&mut w, scope, id.0, Need::Manage).await?;
    let mut q = view.row.questionnaire();
    match q.change(change) {
        Ok(()) => {}
        Err(sv::ChangeError::NoSuchQuestion) => return Err(AppError::not_found()),
        Err(sv::ChangeError::Invalid { field, message }) => return Err(StoreError::invalid(field, message.zh, message.en).into()),
    }
    survey::save_questionnaire(&mut w, scope, id.0, &q).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Chooses a draft's targets: those named (every one in reach when none is), each of which
/// must be in the survey's reach. Returns how many it has.
pub async fn set_targets(s: &AppState, scope: &Scope, id: SurveyId, targets: &[TargetId]) -> AppResult<usize> {
    let mut w = s.store.write().await?;
    let view = survey::get(&mut w, scope, id.0, Need::Manage).await?;
    let targets: Vec<i64> = targets.iter().map(|t| t.0).collect();
    let n = survey::set_targets(&mut w, scope, id.0, &targets).await?;
    if n == 0 && view.row.target_kind() != TargetKind::None {
        return Err(StoreError::invalid("target", "所选范围内没有可测评的对象", "There is nothing to evaluate in reach").into());
    }
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

/// Adds people to the audience (in the caller's reach); returns how many were added.
pub async fn invite(s: &AppState, scope: &Scope, id: SurveyId, who: AudienceInput) -> AppResult<u64> {
    let mut w = s.store.write().await?;
    let n = match who {
        AudienceInput::Org(org) => survey::invite_subtree(&mut w, scope, id.0, survey::Tree::Party, org.0).await?,
        AudienceInput::Unit(unit) => survey::invite_subtree(&mut w, scope, id.0, survey::Tree::Admin, unit.0).await?,
        AudienceInput::Numbers(numbers) => survey::invite_numbers(&mut w, scope, id.0, &numbers).await?,
    };
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

pub async fn open(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<()> {
    let mut w = s.store.write().await?;
    survey::open(&mut w, scope, id.0).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Opening a draft tried and undone, for the confirmation step: refused exactly as opening it
/// would be, and otherwise the survey with its targets and how many are invited.
pub async fn open_trial(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<Builder> {
    let mut w = s.store.write().await?;
    survey::open(&mut w, scope, id.0).await?;
    let view = survey::get(&mut w, scope, id.0, Need::Manage).await?;
    let targets = survey::targets(&mut w, view.id()).await?;
    let invited = survey::invitee_count(&mut w, &view).await?;
    w.rollback().await.map_err(StoreError::from)?;
    Ok(Builder { view, targets, invited, channels: Vec::new(), unit_choices: Vec::new(), org_choices: Vec::new(), owner_choices: Vec::new() })
}

pub async fn close(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<()> {
    let mut w = s.store.write().await?;
    survey::close(&mut w, scope, id.0).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Reminds the invitees who have not answered.
pub async fn remind(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<Reminded> {
    let mut w = s.store.write().await?;
    let r = survey::remind(&mut w, scope, id.0, &s.site.public_url).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(r)
}

/// Revokes the unused links of one invitee, named by staff or student number. It answers the
/// same whether they had one, had used it, or were not invited: anything else would tell
/// whether they answered.
pub async fn revoke_links(s: &AppState, scope: &Scope, id: SurveyId, number: &str) -> AppResult<()> {
    let mut w = s.store.write().await?;
    survey::get(&mut w, scope, id.0, Need::Manage).await?;
    let person = survey::person_by_number(&mut w, scope, number).await?.ok_or_else(|| StoreError::invalid("number", "查无此人", "No one has this number"))?;
    survey::revoke_links(&mut w, scope, id.0, Some(person), None).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Mails a personal link to each invitee without an account (the owner never sees them:
/// whoever holds one can answer in that name).
pub async fn deliver_links(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<Delivered> {
    let mut w = s.store.write().await?;
    let d = survey::deliver_links(&mut w, scope, id.0, &s.site.public_url).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(d)
}

/// Makes `count` printed slips tied to nobody; returns their addresses, shown once (only the
/// tokens' hashes are kept).
pub async fn make_slips(s: &AppState, scope: &Scope, id: SurveyId, count: u64) -> AppResult<Vec<String>> {
    if !(1..=100_000).contains(&count) {
        return Err(StoreError::invalid("count", "份数应为 1 至 100000", "The number is from 1 to 100,000").into());
    }
    let mut w = s.store.write().await?;
    let made = survey::create_slips(&mut w, scope, id.0, count).await?;
    w.commit().await.map_err(StoreError::from)?;
    let base = &s.site.public_url;
    Ok(made.iter().map(|t| format!("{base}/s/{t}")).collect())
}

// ---- answering ---------------------------------------------------------------------------------

/// An answer form: the survey, the targets the respondent may rate, the one chosen (0: none
/// yet, or the survey has none).
pub struct AnswerForm {
    pub row: SurveyRow,
    pub targets: Vec<TargetRow>,
    pub target: TargetId,
    /// The owner's preview (or a survey not open): the form cannot be sent.
    pub preview: bool,
    /// The respondent has already answered about this target (and may not answer again).
    pub already: bool,
}

fn chosen(targets: &[TargetRow], wanted: Option<TargetId>) -> TargetId {
    TargetId(wanted.map(|t| t.0).filter(|t| targets.iter().any(|x| x.target_id == *t)).unwrap_or(if targets.len() == 1 { targets[0].target_id } else { 0 }))
}

/// The targets a respondent may rate: in an evaluation of commitments, only those that serve
/// them (or that they oversee), so the form never offers what would be refused.
async fn rateable(c: &mut Conn, row: &SurveyRow, targets: Vec<TargetRow>, person: Option<i64>, scope: Option<&Scope>) -> Result<Vec<TargetRow>, StoreError> {
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

/// The answer form of a logged-in invitee, or the manager's preview.
pub async fn answer_form(s: &AppState, scope: &Scope, id: SurveyId, target: Option<TargetId>) -> AppResult<AnswerForm> {
    let mut c = s.store.read().await?;
    let view = survey::get(&mut c, scope, id.0, Need::Either).await?;
    let invited = view.standing().may_answer();
    let row = view.row;
    let targets = survey::targets(&mut c, row.id).await?;
    let targets = if invited { rateable(&mut c, &row, targets, scope.person.map(|p| p.0), Some(scope)).await? } else { targets };
    let target = chosen(&targets, target);
    let preview = !invited || row.state() != SurveyState::Open;
    let mut already = false;
    if let (false, Some(p)) = (preview, scope.person) {
        if (target.0 != 0 || targets.is_empty()) && (row.anonymous || !row.allow_replace) {
            already = survey::has_answered(&mut c, row.id, target.0, &survey::voter_person(p.0)).await?;
        }
    }
    Ok(AnswerForm { row, targets, target, preview, already })
}

/// The form behind a single-use link: None when the link has been used.
pub async fn link_form(s: &AppState, token: &str, target: Option<TargetId>) -> AppResult<(SurveyRow, Option<AnswerForm>)> {
    let mut c = s.store.read().await?;
    let a = survey::admit_link(&mut c, token).await?.ok_or_else(AppError::not_found)?;
    let row = survey::admitted(&mut c, &a).await?;
    let Respondent::Link(link) = &a.respondent else { return Err(AppError::not_found()) };
    if link.used_on.is_some() {
        return Ok((row, None));
    }
    let targets = survey::targets(&mut c, row.id).await?;
    let targets = rateable(&mut c, &row, targets, link.person_id, None).await?;
    let target = chosen(&targets, target);
    Ok((row.clone(), Some(AnswerForm { row, targets, target, preview: false, already: false })))
}

/// What became of an answer that was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answered {
    /// Stored, with the response's random id.
    Accepted(String),
    /// A named survey that allows it: the respondent's earlier answer was replaced.
    Replaced,
}

/// Reads a response against the questionnaire: the target must be one of the survey's, the
/// answers valid; every problem against its field.
fn read_response(row: &SurveyRow, has_target: impl Fn(i64) -> bool, input: ResponseInput) -> AppResult<(i64, Answers)> {
    let target = input.target.0;
    let qn = row.questionnaire();
    let mut errors = FieldErrors::new();
    if !has_target(target) {
        errors.add("target", "请选择评价对象", "Choose what you are rating");
    }
    let answers = match input.answers {
        RawAnswers::Form(fields) => sv::parse_form(&qn, &fields),
        RawAnswers::Json(a) => sv::check(&qn, &a).map(|()| a),
        RawAnswers::Digits(d) => sv::parse_form(&qn, &paper_fields(&qn, &d)),
    };
    match answers {
        Ok(a) if errors.is_empty() => Ok((target, a)),
        Ok(_) => Err(errors.into()),
        Err(es) => {
            add_answer_errors(&mut errors, es);
            Err(errors.into())
        }
    }
}

/// Turns the digits typed for a paper form into the fields of the answer form.
fn paper_fields(q: &Questionnaire, m: &BTreeMap<String, String>) -> Vec<(String, String)> {
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

/// A logged-in invitee answers (the page's form and the API alike).
pub async fn answer(s: &AppState, scope: &Scope, id: SurveyId, input: ResponseInput) -> AppResult<Answered> {
    let mut c = s.store.read().await?;
    let a = survey::admit(&mut c, scope, id.0).await?;
    let open = s.responses.open_survey(&mut c, &a).await?.ok_or_else(closed)?;
    drop(c);
    let (target, answers) = read_response(&open.row, |t| open.has_target(t), input)?;
    record(s, &open.row, target, a.respondent, Some(scope.account.0), scope.actor.clone(), answers, Channel::Login, Some(scope)).await
}

/// The busiest path of all (a survey's single-use links): one query for the link, the survey
/// from memory while it is open, then the writer.
pub async fn answer_by_link(s: &AppState, token: &str, input: ResponseInput) -> AppResult<Answered> {
    let mut c = s.store.read().await?;
    let a = survey::admit_link(&mut c, token).await?.ok_or_else(AppError::not_found)?;
    if matches!(&a.respondent, Respondent::Link(l) if l.used_on.is_some()) {
        return Err(link_spent());
    }
    let open = s.responses.open_survey(&mut c, &a).await?.ok_or_else(closed)?;
    drop(c);
    let (target, answers) = read_response(&open.row, |t| open.has_target(t), input)?;
    record(s, &open.row, target, a.respondent, None, "link".into(), answers, Channel::Link, None).await
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
) -> AppResult<Answered> {
    if row.state() != SurveyState::Open {
        return Err(closed());
    }
    // A commitment is rated only by the people it serves and the level above it (评诺).
    if row.target_kind() == TargetKind::Commitment {
        let person = match &who {
            Respondent::Invitee(p) => Some(*p),
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
        Respondent::Invitee(p) => (survey::voter_person(p), Some(p), None, channel),
        Respondent::Link(l) => match l.person_id {
            Some(p) => (survey::voter_person(p), Some(p), Some(l.id), Channel::Link),
            None => (format!("l{}", l.id), None, Some(l.id), Channel::Link),
        },
    };
    let sub = Submission { survey_id: row.id, target_id: target, voter, person_id: person, link_id: link, serial: None, channel, answers, actor_account: account, actor };
    match s.responses.submit(sub).await? {
        Outcome::Accepted(id) => Ok(Answered::Accepted(id)),
        Outcome::Replaced => Ok(Answered::Replaced),
        Outcome::Duplicate => Err(duplicate()),
        Outcome::LinkSpent => Err(link_spent()),
        Outcome::Closed => Err(closed()),
    }
}

// ---- paper forms -------------------------------------------------------------------------------

/// A survey the caller manages that takes paper forms.
async fn paper_survey(c: &mut Conn, scope: &Scope, id: SurveyId) -> AppResult<SurveyView> {
    let view = survey::get(c, scope, id.0, Need::Manage).await?;
    if !sv::takes_paper(view.row.target_kind()) {
        return Err(no_paper());
    }
    Ok(view)
}

/// The desk where paper forms are typed in.
pub struct PaperDesk {
    pub row: SurveyRow,
    pub targets: Vec<TargetRow>,
    pub issued: i64,
    /// Forms entered so far (the typist's own count).
    pub entered: i64,
}

pub async fn paper_desk(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<PaperDesk> {
    let mut c = s.store.read().await?;
    let view = paper_survey(&mut c, scope, id).await?;
    let targets = survey::targets(&mut c, view.id()).await?;
    let issued = survey::serials_issued(&mut c, &view).await?;
    let entered = survey::participation_counts(&survey::tallies(&mut c, &view.row).await?).into_iter().find(|(ch, _)| ch == "paper").map(|x| x.1).unwrap_or(0);
    Ok(PaperDesk { row: view.row, targets, issued, entered })
}

/// Enters one paper form: its serial must have been issued, and is entered once. Nothing that
/// comes back joins the serial to the response (no response id).
pub async fn enter_paper(s: &AppState, scope: &Scope, id: SurveyId, input: PaperInput) -> AppResult<()> {
    let mut c = s.store.read().await?;
    let view = paper_survey(&mut c, scope, id).await?;
    let serial = input.serial.trim().to_string();
    let mut errors = FieldErrors::new();
    if serial.is_empty() {
        errors.add("serial", "请输入测评表编号", "Type the form's serial number");
    } else if !survey::serial_issued(&mut c, &view, &serial).await? {
        errors.add("serial", "该编号未发放过", "No form with this serial was issued");
    }
    let targets: Vec<i64> = survey::targets(&mut c, view.id()).await?.into_iter().map(|t| t.target_id).collect();
    drop(c);
    let has_target = |t: i64| if targets.is_empty() { true } else { targets.contains(&t) };
    let read = read_response(&view.row, has_target, input.response);
    let (target, answers) = match read {
        Ok(x) if errors.is_empty() => x,
        Ok(_) => return Err(errors.into()),
        Err(e) => {
            for f in e.fields.map(|f| f.0).unwrap_or_default() {
                errors.0.push(f);
            }
            return Err(errors.into());
        }
    };
    let target = if targets.is_empty() { 0 } else { target };
    if view.row.state() != SurveyState::Open {
        return Err(closed());
    }
    let sub = Submission {
        survey_id: view.id(),
        target_id: target,
        voter: format!("s{serial}"),
        person_id: None,
        link_id: None,
        serial: Some(serial.clone()),
        channel: Channel::Paper,
        answers,
        actor_account: Some(scope.account.0),
        actor: scope.actor.clone(),
    };
    match s.responses.submit(sub).await? {
        Outcome::Accepted(_) => Ok(()),
        Outcome::Closed => Err(closed()),
        _ => {
            let mut e = FieldErrors::new();
            e.add("serial", format!("编号 {serial} 的测评表已录入过"), format!("The form {serial} has already been entered"));
            let mut err = AppError::new(StatusCode::CONFLICT, "duplicate", format!("编号 {serial} 的测评表已录入过"), format!("The form {serial} has already been entered"));
            err.fields = Some(e);
            Err(err)
        }
    }
}

/// Serials issued: the first one's place in the survey's series (from 0), and the serials.
pub struct Issued {
    pub from: i64,
    pub serials: Vec<String>,
}

pub async fn issue_serials(s: &AppState, scope: &Scope, id: SurveyId, count: u64) -> AppResult<Issued> {
    if !(1..=5000).contains(&count) {
        return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "份数应为 1 至 5000", "The number is from 1 to 5,000"));
    }
    let mut w = s.store.write().await?;
    let view = paper_survey(&mut w, scope, id).await?;
    let from = survey::serials_issued(&mut w, &view).await?;
    let serials = survey::issue_serials(&mut w, scope, id.0, count).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(Issued { from, serials })
}

/// Printable forms: up to `limit` serials from `from` on, and where the next ones start.
pub struct Printable {
    pub row: SurveyRow,
    pub serials: Vec<String>,
    pub next: Option<i64>,
    pub total: i64,
}

pub async fn printable(s: &AppState, scope: &Scope, id: SurveyId, from: i64, limit: i64) -> AppResult<Printable> {
    let from = from.clamp(0, crate::input::MAX_PAGE * 200);
    let mut c = s.store.read().await?;
    let view = paper_survey(&mut c, scope, id).await?;
    let serials = survey::serials(&mut c, &view, from, limit).await?;
    let total = survey::serials_issued(&mut c, &view).await?;
    let next = (from + limit < total).then_some(from + limit);
    Ok(Printable { row: view.row, serials, next, total })
}

// ---- results -----------------------------------------------------------------------------------

/// Participation by organization as it may be shown ([`sv::publish_participation_parts`]).
pub struct RateView {
    pub tree: &'static str,
    pub name: String,
    pub invited: u64,
    pub answered: Option<u64>,
}

/// A survey's results as whoever may see them sees them: the published figures (no group under
/// the minimum, none recoverable by subtraction), participation by channel over the same
/// responses, and by organization; one model for the page, the exports and the API.
pub struct Results {
    pub view: SurveyView,
    pub targets: Vec<TargetRow>,
    pub published: Published,
    pub channels: Vec<(String, Option<u64>)>,
    pub rates: Vec<RateView>,
}

impl Results {
    pub fn row(&self) -> &SurveyRow {
        &self.view.row
    }

    /// The owner and the office: raw rows (as the rules allow) and the recount.
    pub fn manager(&self) -> bool {
        self.view.results() == sv::ResultsAccess::Full
    }
}

async fn results_of(c: &mut Conn, view: SurveyView) -> Result<Results, StoreError> {
    let row = &view.row;
    let qn = row.questionnaire();
    let mut tallies = survey::tallies(c, row).await?;
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
    let by_channel = published.total.as_ref().map(|t| t.channels.clone()).unwrap_or_default();
    let channels = sv::publish_channels(row.anonymous, &by_channel);
    let anonymous = row.anonymous;
    // Each tree's groups partition its invitees: published together, so that no hidden group is
    // left for subtraction.
    let rows = survey::response_rates(c, &view).await?;
    let mut answered: Vec<Option<u64>> = vec![None; rows.len()];
    for tree in ["party", "admin"] {
        let at: Vec<usize> = (0..rows.len()).filter(|i| rows[*i].tree == tree).collect();
        let parts = sv::publish_participation_parts(&at.iter().map(|i| rows[*i].answered).collect::<Vec<_>>(), anonymous);
        for (i, p) in at.into_iter().zip(parts) {
            answered[i] = p;
        }
    }
    let rates = rows.into_iter().zip(answered).map(|(r, answered)| RateView { tree: r.tree, name: r.name, invited: r.invited, answered }).collect();
    Ok(Results { view, targets, published, channels, rates })
}

/// The published results of a survey the caller may see the results of.
pub async fn results(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<Results> {
    let mut c = s.store.read().await?;
    let view = survey::get(&mut c, scope, id.0, Need::Results).await?;
    Ok(results_of(&mut c, view).await?)
}

/// A question's published figures in a view, with the free texts that go with them.
pub struct QuestionFigures {
    pub question: Question,
    pub tally: sv::QuestionTally,
    pub texts: Vec<String>,
}

/// The results page: every target, or one; its questions; what stands beside the figures.
pub struct ResultsDetail {
    pub results: Results,
    /// The target shown (None: all).
    pub target: Option<i64>,
    /// The figures of the view; None: under the minimum.
    pub tally: Option<Tally>,
    pub questions: Vec<QuestionFigures>,
    /// A window's inspections: (mean score × 100, how many).
    pub inspections: HashMap<i64, (i64, i64)>,
    /// Advisory ratings (no login), counted apart.
    pub advisory: BTreeMap<i64, Tally>,
    /// The names of the nodes just below each tree's root: (units, organizations).
    pub top_names: (HashMap<i64, String>, HashMap<i64, String>),
    /// Whether the stored tallies equal a recount (when the manager asked for one).
    pub recount: Option<bool>,
}

pub async fn results_detail(s: &AppState, scope: &Scope, id: SurveyId, target: Option<TargetId>, recount: bool) -> AppResult<ResultsDetail> {
    let mut c = s.store.read().await?;
    let view = survey::get(&mut c, scope, id.0, Need::Results).await?;
    let r = results_of(&mut c, view).await?;
    // A target that is not one of the survey's shows every target.
    let target = target.map(|t| t.0).filter(|t| r.targets.iter().any(|x| x.target_id == *t));
    let tally = match target {
        Some(t) => r.published.target(t).cloned(),
        None => r.published.total.clone(),
    };
    let text_targets = sv::text_targets(&r.published, target);
    let qn = r.row().questionnaire();
    let mut questions = Vec::new();
    if let Some(v) = &tally {
        for (q, t) in qn.questions.iter().zip(v.questions.iter()) {
            // Free text is raw content: the owner and the office read it (for groups of 5 or
            // more); respondents and the public see aggregates only.
            let texts = if q.kind == Kind::Text && r.manager() { survey::texts(&mut c, &r.view, Some(&text_targets), &q.code, 200).await? } else { Vec::new() };
            questions.push(QuestionFigures { question: q.clone(), tally: t.clone(), texts });
        }
    }
    // Inspections are the windows' managers' business: the owner and the office see their means
    // beside the ratings, for this survey's windows only.
    let inspections = if r.row().target_kind() == TargetKind::Window && r.manager() {
        let mine: std::collections::HashSet<i64> = r.targets.iter().map(|t| t.target_id).collect();
        pacesetter_store::window::mean_scores(&mut c).await?.into_iter().filter(|(w, _)| mine.contains(w)).collect()
    } else {
        HashMap::new()
    };
    let advisory = survey::advisory_tallies(&mut c, r.row()).await?;
    let top_names = survey::top_names(&mut c).await?;
    let recount = if recount && r.manager() { Some(survey::recount(&mut c, r.row()).await?.iter().all(|(_, _, same)| *same)) } else { None };
    Ok(ResultsDetail { results: r, target, tally, questions, inspections, advisory, top_names, recount })
}

/// An auditor's check: every target's stored tally against a recount from the raw responses
/// (the manager). Returns whether all agree and how many targets were counted.
pub async fn recount(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<(bool, usize)> {
    let mut c = s.store.read().await?;
    let view = survey::get(&mut c, scope, id.0, Need::Manage).await?;
    let r = survey::recount(&mut c, &view.row).await?;
    Ok((r.iter().all(|(_, _, same)| *same), r.len()))
}

/// Where a raw row is filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawLabel {
    Target(String),
    /// The hidden targets together.
    Others,
}

/// A raw response as it may be exported.
pub struct RawLine {
    pub id: String,
    pub target: RawLabel,
    /// A named survey's day and person; none in an anonymous one.
    pub day: Option<Date>,
    pub person: Option<i64>,
    pub answers: Answers,
}

/// Raw responses in the order of their random ids, to the survey's owner and the office only,
/// as [`sv::raw_rows`] allows.
pub async fn raw_responses(s: &AppState, scope: &Scope, id: SurveyId) -> AppResult<(Results, RawRows, Vec<RawLine>)> {
    let mut c = s.store.read().await?;
    let view = survey::get(&mut c, scope, id.0, Need::Results).await?;
    let r = results_of(&mut c, view).await?;
    let allowed = sv::raw_rows(r.view.results(), &r.published).map_err(|why| {
        let t = why.text();
        let code = match why {
            sv::RawRefusal::NotManager => "raw_responses",
            sv::RawRefusal::SmallGroup => "small_group",
        };
        AppError::new(StatusCode::FORBIDDEN, code, t.zh, t.en)
    })?;
    let labels: HashMap<i64, String> = r.targets.iter().map(|t| (t.target_id, t.label.clone())).collect();
    let lines = survey::responses(&mut c, &r.view)
        .await?
        .into_iter()
        .filter_map(|x| {
            let target = match allowed.target(x.target_id) {
                RawTarget::Own => RawLabel::Target(labels.get(&x.target_id).cloned().unwrap_or_default()),
                RawTarget::Others => RawLabel::Others,
                RawTarget::Dropped => return None,
            };
            let answers: Answers = serde_json::from_str(&x.answers_json).unwrap_or_default();
            Some(RawLine { id: x.id, target, day: allowed.named.then_some(x.day), person: if allowed.named { x.person_id } else { None }, answers })
        })
        .collect();
    Ok((r, allowed, lines))
}
