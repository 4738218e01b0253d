//! Surveys: their questionnaires, targets and audiences, single-use links, and the responses.
//!
//! Responses are written by one [`Committer`] per server: submissions queue up, and each batch
//! is stored in one transaction (group commit), so every acknowledged response is on disk before
//! its answer and thousands a second still fit through SQLite with synchronous=FULL. One
//! response per person per survey and target is the primary key of `survey_participation`; a
//! duplicate, even fifty at once, is refused by the database and answered as such.

use crate::db::{Arg, Conn, Sql};
use crate::{Store, StoreError, audit};
use pacesetter_domain::Text;
use pacesetter_domain::audit::sha256_hex;
use pacesetter_domain::dates::{now_ms, today};
use pacesetter_domain::scope::{Access, Reach, Scope};
use pacesetter_domain::survey::{Answers, Channel, Questionnaire, Rate, ResultsAccess, Standing, Tally, TargetKind};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::Ordering::Relaxed;
use time::Date;
use tokio::sync::{mpsc, oneshot};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyState {
    Draft,
    Open,
    Closed,
}

impl SurveyState {
    pub fn code(self) -> &'static str {
        match self {
            SurveyState::Draft => "draft",
            SurveyState::Open => "open",
            SurveyState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> SurveyState {
        match s {
            "open" => SurveyState::Open,
            "closed" => SurveyState::Closed,
            _ => SurveyState::Draft,
        }
    }

    pub fn label(self, lang: pacesetter_domain::Lang) -> &'static str {
        match self {
            SurveyState::Draft => lang.t("草稿", "Draft"),
            SurveyState::Open => lang.t("进行中", "Open"),
            SurveyState::Closed => lang.t("已结束", "Closed"),
        }
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SurveyRow {
    pub id: i64,
    pub campaign_id: Option<i64>,
    pub template_code: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub owner_unit_id: Option<i64>,
    pub owner_name: Option<String>,
    pub owner_path: Option<String>,
    pub target_kind: String,
    pub anonymous: bool,
    pub results_public: bool,
    pub allow_replace: bool,
    pub questionnaire_json: String,
    pub opens_on: Option<Date>,
    pub closes_on: Option<Date>,
    pub state: String,
    pub created_ms: i64,
    pub created_by: String,
}

impl SurveyRow {
    pub fn questionnaire(&self) -> Questionnaire {
        serde_json::from_str(&self.questionnaire_json).unwrap_or_default()
    }

    pub fn target_kind(&self) -> TargetKind {
        TargetKind::parse(&self.target_kind).unwrap_or_default()
    }

    pub fn state(&self) -> SurveyState {
        SurveyState::parse(&self.state)
    }
}

/// The office, the administrator, or the server itself (the command line, benchmarks).
fn is_office(scope: &Scope) -> bool {
    scope.is_office_or_admin() || scope.global() == Some(Access::Write)
}

const SELECT: &str = "SELECT s.id, s.campaign_id, s.template_code, s.title, s.description, s.owner_unit_id, u.name AS owner_name, u.path AS owner_path, \
     s.target_kind, s.anonymous, s.results_public, s.allow_replace, s.questionnaire_json, s.opens_on, s.closes_on, s.state, s.created_ms, s.created_by \
     FROM surveys s LEFT JOIN units u ON u.id = s.owner_unit_id";

/// What a caller must be to a survey for the scoped loader to find it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Its manager: the office, or a manager of the owning unit (the builder, links, paper).
    Manage,
    /// In its audience (answering).
    Invitee,
    /// Either (the questionnaire: the audience answers it, the manager previews it).
    Either,
    /// Allowed its results: the manager, or an invitee when the survey opens its results
    /// ([`pacesetter_domain::survey::Standing::results`] in SQL).
    Results,
}

/// A survey as a caller stands to it: found by [`get`], whose SQL holds the scope's condition.
/// Only the store makes one, so whatever takes it was found in the caller's scope.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SurveyView {
    #[sqlx(flatten)]
    pub row: SurveyRow,
    manages: bool,
    invited: bool,
}

impl SurveyView {
    pub fn standing(&self) -> Standing {
        Standing { manages: self.manages, invited: self.invited }
    }

    pub fn id(&self) -> i64 {
        self.row.id
    }

    /// What of the results the caller may see.
    pub fn results(&self) -> ResultsAccess {
        self.standing().results(self.row.results_public)
    }
}

/// `(condition)` true for the surveys (`s`, joined with their owner `u`) the scope manages: every
/// survey for the office, the administrator and the server itself; a unit's surveys for whoever
/// may change that unit.
fn push_manage_condition(q: &mut Sql, scope: &Scope) {
    if is_office(scope) {
        q.push("(1 = 1)");
        return;
    }
    q.push("(u.path IS NOT NULL AND (1 = 0");
    for r in scope.reaches_at_least(Access::Write) {
        if let Reach::Unit(p) = r {
            q.push(" OR u.path LIKE ").push_bind(format!("{p}%"));
        }
    }
    q.push("))");
}

/// `(condition)` true for the surveys whose audience the caller is in.
fn push_invited_condition(q: &mut Sql, scope: &Scope) {
    match scope.person {
        Some(p) => q.push("(s.id IN (SELECT survey_id FROM survey_invitees WHERE person_id = ").push_bind(p.0).push("))"),
        None => q.push("(1 = 0)"),
    };
}

/// A survey the caller stands to as `need` says, or NotFound (the same whether it does not
/// exist or is not theirs to see).
pub async fn get(c: &mut Conn, scope: &Scope, id: i64, need: Need) -> Result<SurveyView, StoreError> {
    let (columns, from) = SELECT.split_once(" FROM ").unwrap_or((SELECT, ""));
    let mut q = Sql::new(format!("{columns}, CASE WHEN "));
    push_manage_condition(&mut q, scope);
    q.push(" THEN TRUE ELSE FALSE END AS manages, CASE WHEN ");
    push_invited_condition(&mut q, scope);
    q.push(&format!(" THEN TRUE ELSE FALSE END AS invited FROM {from} WHERE s.id = ")).push_bind(id).push(" AND ");
    match need {
        Need::Manage => push_manage_condition(&mut q, scope),
        Need::Invitee => push_invited_condition(&mut q, scope),
        Need::Either => {
            q.push("(");
            push_manage_condition(&mut q, scope);
            q.push(" OR ");
            push_invited_condition(&mut q, scope);
            q.push(")");
        }
        Need::Results => {
            q.push("(");
            push_manage_condition(&mut q, scope);
            q.push(" OR (s.results_public = TRUE AND ");
            push_invited_condition(&mut q, scope);
            q.push("))");
        }
    }
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// The surveys the caller manages, newest first.
pub async fn managed_list(c: &mut Conn, scope: &Scope) -> Result<Vec<SurveyRow>, StoreError> {
    let mut q = Sql::new(format!("{SELECT} WHERE "));
    push_manage_condition(&mut q, scope);
    q.push(" ORDER BY s.id DESC");
    Ok(c.fetch_all(q).await?)
}

/// Every survey, for the recount after an upgrade (no caller).
async fn all_for_retally(c: &mut Conn) -> Result<Vec<SurveyRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{SELECT} ORDER BY s.id DESC"))).await?)
}

/// An open survey the caller is invited to, and whether they have answered it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Invitation {
    #[sqlx(flatten)]
    pub row: SurveyRow,
    pub done: bool,
}

/// The open surveys the caller is invited to, newest first.
pub async fn invitations(c: &mut Conn, scope: &Scope) -> Result<Vec<Invitation>, StoreError> {
    let Some(person) = scope.person else { return Ok(Vec::new()) };
    let (columns, from) = SELECT.split_once(" FROM ").unwrap_or((SELECT, ""));
    let q = Sql::new(format!(
        "{columns}, CASE WHEN EXISTS (SELECT 1 FROM survey_participation p WHERE p.survey_id = s.id AND p.voter = $1) THEN TRUE ELSE FALSE END AS done \
         FROM {from} WHERE s.state = 'open' AND s.id IN (SELECT survey_id FROM survey_invitees WHERE person_id = $2) ORDER BY s.id DESC"
    ))
    .bind(voter_person(person.0))
    .bind(person.0);
    Ok(c.fetch_all(q).await?)
}

/// The voter key of a person.
pub fn voter_person(person: i64) -> String {
    format!("p{person}")
}

pub struct NewSurvey {
    pub campaign_id: Option<i64>,
    pub template_code: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub owner_unit_id: Option<i64>,
    pub target_kind: TargetKind,
    pub anonymous: bool,
    pub results_public: bool,
    pub allow_replace: bool,
    pub questionnaire: Questionnaire,
    pub opens_on: Option<Date>,
    pub closes_on: Option<Date>,
}

impl NewSurvey {
    /// A survey from one of the plan's templates, owned by a unit or (None) the office.
    pub fn from_template(campaign_id: Option<i64>, t: pacesetter_domain::plan::SurveyTemplate, owner_unit_id: Option<i64>) -> NewSurvey {
        NewSurvey {
            campaign_id,
            template_code: Some(t.code),
            title: t.title,
            description: t.description,
            owner_unit_id,
            target_kind: t.target,
            anonymous: t.anonymous,
            results_public: false,
            allow_replace: false,
            questionnaire: t.questionnaire,
            opens_on: t.from,
            closes_on: t.to,
        }
    }
}

/// Creates a draft survey. The office may create any; a unit's managers, surveys their unit owns.
pub async fn create(c: &mut Conn, scope: &Scope, s: NewSurvey) -> Result<i64, StoreError> {
    let mut errors = pacesetter_domain::validate::FieldErrors::new();
    if s.title.trim().is_empty() {
        errors.add("title", "请填写问卷标题", "Please give the survey a title");
    }
    if s.title.chars().count() > 200 {
        errors.add("title", "标题不能超过 200 字", "The title is at most 200 characters");
    }
    if let (Some(a), Some(b)) = (s.opens_on, s.closes_on) {
        if a > b {
            errors.add("closes_on", "结束日期早于开始日期", "The survey closes before it opens");
        }
    }
    if s.anonymous && s.allow_replace {
        errors.add("allow_replace", "匿名问卷的答卷不能替换", "An anonymous answer cannot be replaced");
    }
    for p in s.questionnaire.problems() {
        errors.add("questionnaire", p.zh, p.en);
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    match s.owner_unit_id {
        None if !is_office(scope) => return Err(StoreError::forbidden("只有创先办可以创建全校问卷", "Only the campaign office creates university-wide surveys")),
        Some(u) => {
            let path = c.fetch_opt_string(Sql::new("SELECT path FROM units WHERE id = $1").bind(u)).await?.ok_or(StoreError::NotFound)?;
            if !is_office(scope) && scope.unit_access(&path) != Some(Access::Write) {
                return Err(StoreError::NotFound);
            }
        }
        None => {}
    }
    let json = serde_json::to_string(&s.questionnaire).map_err(|e| StoreError::Config(e.to_string()))?;
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO surveys (campaign_id, template_code, title, description, owner_unit_id, target_kind, anonymous, results_public, allow_replace, questionnaire_json, opens_on, closes_on, state, created_ms, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', $13, $14) RETURNING id",
            )
            .bind(s.campaign_id)
            .bind(s.template_code.clone())
            .bind(s.title.trim())
            .bind(s.description.clone())
            .bind(s.owner_unit_id)
            .bind(s.target_kind.code())
            .bind(s.anonymous)
            .bind(s.results_public)
            .bind(s.allow_replace)
            .bind(json.clone())
            .bind(s.opens_on)
            .bind(s.closes_on)
            .bind(now_ms())
            .bind(scope.actor.clone()),
        )
        .await?;
    let after = serde_json::json!({"title": s.title.trim(), "template": s.template_code, "owner_unit": s.owner_unit_id, "target": s.target_kind.code(), "anonymous": s.anonymous});
    audit::append(c, scope, "survey.create", "survey", id, None, Some(after.to_string())).await?;
    Ok(id)
}

async fn managed(c: &mut Conn, scope: &Scope, id: i64) -> Result<SurveyRow, StoreError> {
    Ok(get(c, scope, id, Need::Manage).await?.row)
}

/// What a change to a draft is told when the survey is no longer one.
const NOT_A_DRAFT: (&str, &str) = ("问卷已发布，题目和对象不能再改", "The survey is open: its questions and targets can no longer change");

/// A draft the caller manages, locked for the rest of the write transaction on PostgreSQL, so
/// that its questions and targets cannot change while it is being opened, nor after.
async fn managed_draft(c: &mut Conn, scope: &Scope, id: i64) -> Result<SurveyRow, StoreError> {
    let lock = c.row_lock(false, "");
    if !lock.is_empty() {
        c.fetch_opt_i64(Sql::new(format!("SELECT id FROM surveys WHERE id = $1{lock}")).bind(id)).await?;
    }
    let s = managed(c, scope, id).await?;
    if s.state() != SurveyState::Draft {
        return Err(StoreError::conflict(NOT_A_DRAFT.0, NOT_A_DRAFT.1));
    }
    Ok(s)
}

/// Replaces the questionnaire of a draft.
pub async fn save_questionnaire(c: &mut Conn, scope: &Scope, id: i64, q: &Questionnaire) -> Result<(), StoreError> {
    let s = managed_draft(c, scope, id).await?;
    let problems = q.problems();
    // A draft may be empty while it is built; every other problem is refused.
    let problems: Vec<Text> = if q.questions.is_empty() { Vec::new() } else { problems };
    if let Some(p) = problems.into_iter().next() {
        return Err(StoreError::Invalid({
            let mut e = pacesetter_domain::validate::FieldErrors::new();
            e.add("questionnaire", p.zh, p.en);
            e
        }));
    }
    let json = serde_json::to_string(q).map_err(|e| StoreError::Config(e.to_string()))?;
    let n = c.execute(Sql::new("UPDATE surveys SET questionnaire_json = $1 WHERE id = $2 AND state = 'draft'").bind(json.clone()).bind(id)).await?;
    StoreError::unless_changed(n, NOT_A_DRAFT.0, NOT_A_DRAFT.1)?;
    audit::append(c, scope, "survey.questions", "survey", id, Some(s.questionnaire_json), Some(json)).await?;
    Ok(())
}

/// A target of a survey.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct TargetRow {
    pub target_id: i64,
    pub label: String,
    pub unit_id: Option<i64>,
    pub org_id: Option<i64>,
    pub unit_path: Option<String>,
    pub org_path: Option<String>,
}

pub async fn targets(c: &mut Conn, survey: i64) -> Result<Vec<TargetRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT t.target_id, t.label, t.unit_id, t.org_id, u.path AS unit_path, o.path AS org_path FROM survey_targets t \
                 LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN orgs o ON o.id = t.org_id WHERE t.survey_id = $1 ORDER BY t.label, t.target_id",
        )
        .bind(survey),
    )
    .await?)
}

/// Sets the targets of a draft: the service windows under the owning unit (every window for
/// the office), or the given units or organizations.
pub async fn set_targets(c: &mut Conn, scope: &Scope, id: i64, ids: &[i64]) -> Result<usize, StoreError> {
    let s = managed_draft(c, scope, id).await?;
    if s.target_kind() == TargetKind::Commitment {
        return Err(StoreError::conflict(
            "评诺问卷的对象是已通过审核的公开承诺，由“公开承诺”页面发起时设定",
            "An evaluation's targets are the approved commitments, set when it is started from the commitments pages",
        ));
    }
    if s.target_kind() == TargetKind::Org && s.owner_unit_id.is_some() && !is_office(scope) {
        return Err(StoreError::forbidden(
            "单位的问卷只能测评本单位的窗口和部门；测评党组织的问卷由创先办发起",
            "A unit's survey evaluates the unit's own windows and departments; surveys of Party organizations are the office's",
        ));
    }
    // Every target named must be one the survey may take (in the owner's unit, or any for the
    // office): one out of reach is refused, not silently left out.
    if !ids.is_empty() {
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        let mut q = match s.target_kind() {
            TargetKind::Window | TargetKind::Unit => {
                let mut q = Sql::new("SELECT COUNT(*) FROM units u WHERE u.closed_on IS NULL");
                if s.target_kind() == TargetKind::Window {
                    q.push(" AND u.kind = 'window'");
                }
                if let Some(p) = &s.owner_path {
                    q.push(" AND u.path LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
                }
                q.push(" AND u.id IN (");
                q
            }
            TargetKind::Org => Sql::new("SELECT COUNT(*) FROM orgs o WHERE o.closed_on IS NULL AND o.id IN ("),
            TargetKind::None | TargetKind::Commitment | TargetKind::Cadre => Sql::new("SELECT COUNT(*) FROM units u WHERE 1 = 0 AND u.id IN ("),
        };
        for (i, t) in wanted.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*t);
        }
        q.push(")");
        if (c.fetch_i64(q).await? as usize) < wanted.len() {
            return Err(StoreError::forbidden("所选对象中有不存在或不在本问卷范围内的", "Some of the targets chosen do not exist or are outside this survey's reach"));
        }
    }
    c.execute(Sql::new("DELETE FROM survey_targets WHERE survey_id = $1").bind(id)).await?;
    let mut q = match s.target_kind() {
        TargetKind::None | TargetKind::Commitment | TargetKind::Cadre => return Ok(0),
        TargetKind::Window | TargetKind::Unit => {
            let mut q = Sql::new("INSERT INTO survey_targets (survey_id, target_id, label, unit_id) SELECT ");
            q.push_bind(id).push(", u.id, u.name, u.id FROM units u WHERE u.closed_on IS NULL");
            if s.target_kind() == TargetKind::Window {
                q.push(" AND u.kind = 'window'");
            }
            if let Some(p) = &s.owner_path {
                q.push(" AND u.path LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
            }
            q
        }
        TargetKind::Org => {
            let mut q = Sql::new("INSERT INTO survey_targets (survey_id, target_id, label, org_id) SELECT ");
            q.push_bind(id).push(", o.id, o.name, o.id FROM orgs o WHERE o.closed_on IS NULL");
            q
        }
    };
    if !ids.is_empty() {
        let col = if matches!(s.target_kind(), TargetKind::Org) { "o.id" } else { "u.id" };
        q.push(&format!(" AND {col} IN ("));
        for (i, t) in ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*t);
        }
        q.push(")");
    }
    let n = c.execute(q).await? as usize;
    audit::append(c, scope, "survey.targets", "survey", id, None, Some(serde_json::json!({"count": n, "chosen": ids}).to_string())).await?;
    Ok(n)
}

/// Which tree an audience is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tree {
    Party,
    Admin,
}

/// Invites everyone currently in a subtree of either tree. Returns how many were added.
pub async fn invite_subtree(c: &mut Conn, scope: &Scope, id: i64, tree: Tree, node: i64) -> Result<u64, StoreError> {
    managed(c, scope, id).await?;
    let (table, members, col) = match tree {
        Tree::Party => ("orgs", "org_memberships", "org_id"),
        Tree::Admin => ("units", "unit_memberships", "unit_id"),
    };
    // A unit's manager invites within their reach, the office anywhere: a node out of reach is
    // refused as one that does not exist.
    let path = node_path(c, scope, tree, node, Access::Read)
        .await?
        .ok_or_else(|| StoreError::forbidden("没有这个组织或单位，或它不在您的管理范围内", "There is no such organization or unit in your scope"))?;
    let mut q = Sql::new("INSERT INTO survey_invitees (survey_id, person_id) SELECT DISTINCT ");
    q.push_bind(id).push(&format!(
        ", m.person_id FROM {members} m JOIN {table} n ON n.id = m.{col} JOIN people p ON p.id = m.person_id \
         WHERE m.end_date IS NULL AND p.left_on IS NULL AND n.path LIKE "
    ));
    q.push_bind(format!("{}%", crate::db::like_escape(&path))).push(" ESCAPE '\\' ON CONFLICT DO NOTHING");
    let n = c.execute(q).await?;
    audit::append(c, scope, "survey.invite", "survey", id, None, Some(serde_json::json!({"tree": table, "node": node, "added": n}).to_string())).await?;
    Ok(n)
}

/// Invites people by staff or student number; returns how many were added. An audience is
/// limited to the caller's reach (the office: everyone), and a number outside it is answered as
/// one that matches nobody (nothing is added when any number is refused): an owner must not be
/// able to put strangers in the audience and so learn who they are or answer in their name.
pub async fn invite_numbers(c: &mut Conn, scope: &Scope, id: i64, numbers: &[String]) -> Result<u64, StoreError> {
    managed(c, scope, id).await?;
    let mut ids = Vec::with_capacity(numbers.len());
    let mut unknown = Vec::new();
    for chunk in numbers.chunks(500) {
        let mut q = Sql::new("SELECT p.id, p.number FROM people p WHERE p.left_on IS NULL AND p.number IN (");
        for (i, n) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(n.as_str());
        }
        q.push(")");
        if !is_office(scope) {
            q.push(" AND ");
            crate::scope::push_person_condition(&mut q, scope, Access::Read, "p.id");
        }
        let found: Vec<(i64, String)> = c.fetch_all(q).await?;
        let map: HashMap<&str, i64> = found.iter().map(|(i, n)| (n.as_str(), *i)).collect();
        for n in chunk {
            match map.get(n.as_str()) {
                Some(i) => ids.push(*i),
                None => unknown.push(n.clone()),
            }
        }
    }
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().take(20).map(String::as_str).collect();
        return Err(StoreError::invalid(
            "numbers",
            format!("{} 个学号/工号查无此人或不在您的管理范围内：{}", unknown.len(), shown.join("、")),
            format!("{} numbers match nobody in your reach: {}", unknown.len(), shown.join(", ")),
        ));
    }
    let n = add_invitees(c, id, &ids).await?;
    audit::append(c, scope, "survey.invite", "survey", id, None, Some(serde_json::json!({"list": numbers.len(), "added": n}).to_string())).await?;
    Ok(n)
}

pub async fn add_invitees(c: &mut Conn, id: i64, people: &[i64]) -> Result<u64, StoreError> {
    let mut n = 0;
    for chunk in people.chunks(1000) {
        let mut q = Sql::new("INSERT INTO survey_invitees (survey_id, person_id) VALUES ");
        for (i, p) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" }).push_bind(id).push(", ").push_bind(*p).push(")");
        }
        q.push(" ON CONFLICT DO NOTHING");
        n += c.execute(q).await?;
    }
    Ok(n)
}

pub async fn invitee_count(c: &mut Conn, s: &SurveyView) -> Result<i64, StoreError> {
    Ok(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM survey_invitees WHERE survey_id = $1").bind(s.id())).await?)
}

pub async fn is_invited(c: &mut Conn, id: i64, person: i64) -> Result<bool, StoreError> {
    Ok(c.fetch_opt_i64(Sql::new("SELECT CAST(1 AS BIGINT) FROM survey_invitees WHERE survey_id = $1 AND person_id = $2").bind(id).bind(person)).await?.is_some())
}

/// Opens a draft for answers.
pub async fn open(c: &mut Conn, scope: &Scope, id: i64) -> Result<(), StoreError> {
    let s = managed_draft(c, scope, id).await?;
    if let Some(p) = s.questionnaire().problems().into_iter().next() {
        return Err(StoreError::Conflict(p));
    }
    if matches!(s.target_kind(), TargetKind::Window | TargetKind::Unit | TargetKind::Org | TargetKind::Commitment) && targets(c, id).await?.is_empty() {
        return Err(StoreError::conflict("请先选定测评对象", "Choose what the survey is about first"));
    }
    let n = c.execute(Sql::new("UPDATE surveys SET state = 'open' WHERE id = $1 AND state = 'draft'").bind(id)).await?;
    StoreError::unless_changed(n, "该问卷已由他人发布，请刷新后查看", "Someone else has already opened this survey; reload to see it")?;
    audit::append(c, scope, "survey.open", "survey", id, Some("\"draft\"".into()), Some("\"open\"".into())).await?;
    Ok(())
}

/// Closes an open survey. The guarded UPDATE locks the survey's row, and the response writer
/// reads the survey under a shared lock of the same row ([`store_batch`]): on PostgreSQL a batch
/// of responses is therefore stored wholly before the close (which waits for it) or wholly
/// after it, and then refused as closed. No response is acknowledged after the close.
pub async fn close(c: &mut Conn, scope: &Scope, id: i64) -> Result<(), StoreError> {
    let s = managed(c, scope, id).await?;
    if s.state() != SurveyState::Open {
        return Err(StoreError::conflict("只有进行中的问卷可以结束", "Only an open survey can be closed"));
    }
    let n = c.execute(Sql::new("UPDATE surveys SET state = 'closed' WHERE id = $1 AND state = 'open'").bind(id)).await?;
    StoreError::unless_changed(n, "该问卷已由他人结束，请刷新后查看", "Someone else has already closed this survey; reload to see it")?;
    audit::append(c, scope, "survey.close", "survey", id, Some("\"open\"".into()), Some("\"closed\"".into())).await?;
    Ok(())
}

// ---- single-use links ------------------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LinkRow {
    pub id: i64,
    pub survey_id: i64,
    pub person_id: Option<i64>,
    pub revoked: bool,
    pub used_on: Option<Date>,
}

/// A new token: 128 bits from the operating system, as 32 hex digits.
pub fn new_token() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Creates `slips` links tied to nobody (printed slips handed out by someone outside the unit
/// evaluated). Returns the tokens; only their hashes are stored.
pub async fn create_slips(c: &mut Conn, scope: &Scope, id: i64, slips: u64) -> Result<Vec<String>, StoreError> {
    managed(c, scope, id).await?;
    let out: Vec<String> = (0..slips).map(|_| new_token()).collect();
    let now = now_ms();
    // A few thousand rows at a time, so 100,000 slips never hold all their rows at once.
    for chunk in out.chunks(4000) {
        let rows: Vec<Vec<Arg>> = chunk.iter().map(|t| vec![id.into(), token_hash(t).into(), Option::<i64>::None.into(), now.into()]).collect();
        crate::db::insert_rows(c, "survey_links", &["survey_id", "token_hash", "person_id", "created_ms"], rows).await?;
    }
    audit::append(c, scope, "survey.links", "survey", id, None, Some(serde_json::json!({"personal": 0, "slips": slips}).to_string())).await?;
    Ok(out)
}

/// What handing out personal links did: links mailed to invitees without an account, those
/// who answer by logging in (their page lists the survey), and those neither can reach.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Delivered {
    pub mailed: u64,
    pub with_account: u64,
    pub unreachable: u64,
}

/// Hands a personal link to every invitee without an account and without a live link, by
/// e-mail to their address on record: a personal link goes to its invitee only, never listed
/// with names to the survey's owner (who could answer in their name). Account holders answer
/// by logging in.
pub async fn deliver_links(c: &mut Conn, scope: &Scope, id: i64, public_url: &str) -> Result<Delivered, StoreError> {
    let s = managed(c, scope, id).await?;
    let rows: Vec<(i64, Option<i64>, Option<String>)> = c
        .fetch_all(
            Sql::new(
                "SELECT i.person_id, a.id, p.email FROM survey_invitees i JOIN people p ON p.id = i.person_id \
                 LEFT JOIN accounts a ON a.person_id = i.person_id AND a.disabled = FALSE \
                 WHERE i.survey_id = $1 AND p.left_on IS NULL AND i.person_id NOT IN (SELECT person_id FROM survey_links WHERE survey_id = $1 AND person_id IS NOT NULL AND revoked = FALSE) \
                 ORDER BY i.person_id",
            )
            .bind(id),
        )
        .await?;
    let mut out = Delivered::default();
    for (person, account, email) in rows {
        match (account, email.filter(|e| e.contains('@'))) {
            (Some(_), _) => out.with_account += 1,
            (None, Some(to)) => {
                mail_link(c, &s, person, &to, public_url).await?;
                out.mailed += 1;
            }
            (None, None) => out.unreachable += 1,
        }
    }
    audit::append(c, scope, "survey.links", "survey", id, None, Some(serde_json::to_string(&out).unwrap_or_default())).await?;
    Ok(out)
}

/// Mails an invitee a fresh personal link (their unused earlier ones revoked).
async fn mail_link(c: &mut Conn, s: &SurveyRow, person: i64, to: &str, public_url: &str) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE survey_links SET revoked = TRUE WHERE survey_id = $1 AND person_id = $2 AND used_on IS NULL").bind(s.id).bind(person)).await?;
    let token = new_token();
    c.execute(
        Sql::new("INSERT INTO survey_links (survey_id, token_hash, person_id, created_ms) VALUES ($1, $2, $3, $4)").bind(s.id).bind(token_hash(&token)).bind(person).bind(now_ms()),
    )
    .await?;
    let subject = format!("创先争优：请完成问卷“{}”", s.title.chars().take(30).collect::<String>());
    crate::outbox::enqueue(
        c,
        to,
        &subject,
        &format!("请通过您的专属链接完成问卷“{}”（仅限本人、一次有效）：\n{public_url}/s/{token}\n\nYour personal single-use link to the survey.", s.title),
    )
    .await?;
    Ok(())
}

pub async fn link(c: &mut Conn, token: &str) -> Result<Option<LinkRow>, StoreError> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(c.fetch_optional(Sql::new("SELECT id, survey_id, person_id, revoked, used_on FROM survey_links WHERE token_hash = $1").bind(token_hash(&token.to_ascii_lowercase())))
        .await?)
}

/// Revokes every unused link of a person (or one slip by its id). It answers nothing about
/// what it found: whether the person had an unused link would tell whether they answered.
pub async fn revoke_links(c: &mut Conn, scope: &Scope, id: i64, person: Option<i64>, link_id: Option<i64>) -> Result<(), StoreError> {
    managed(c, scope, id).await?;
    let mut q = Sql::new("UPDATE survey_links SET revoked = TRUE WHERE survey_id = ");
    q.push_bind(id).push(" AND used_on IS NULL AND revoked = FALSE");
    match (person, link_id) {
        (Some(p), _) => q.push(" AND person_id = ").push_bind(p),
        (None, Some(l)) => q.push(" AND id = ").push_bind(l),
        (None, None) => return Ok(()),
    };
    c.execute(q).await?;
    audit::append(c, scope, "survey.revoke", "survey", id, None, Some(serde_json::json!({"person": person, "link": link_id}).to_string())).await?;
    Ok(())
}

/// Who answers a survey: an invitee (logged in), or the holder of a live link.
#[derive(Clone, Debug)]
pub enum Respondent {
    Invitee(i64),
    Link(LinkRow),
}

/// A respondent admitted to a survey: an invitee found in SQL, or a live link found by its
/// token. Only the store makes one; the open survey is read for it.
#[derive(Clone, Debug)]
pub struct Admission {
    survey_id: i64,
    pub respondent: Respondent,
}

impl Admission {
    pub fn survey_id(&self) -> i64 {
        self.survey_id
    }
}

/// The survey a respondent was admitted to, as it stands (open or not).
pub async fn admitted(c: &mut Conn, a: &Admission) -> Result<SurveyRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{SELECT} WHERE s.id = $1")).bind(a.survey_id)).await?.ok_or(StoreError::NotFound)
}

/// Admits the caller to a survey they are invited to; NotFound otherwise.
pub async fn admit(c: &mut Conn, scope: &Scope, id: i64) -> Result<Admission, StoreError> {
    let person = scope.person.ok_or(StoreError::NotFound)?.0;
    if !is_invited(c, id, person).await? {
        return Err(StoreError::NotFound);
    }
    Ok(Admission { survey_id: id, respondent: Respondent::Invitee(person) })
}

/// Admits the holder of a link that has not been revoked (used or not); None for anything else,
/// so that tokens cannot be probed.
pub async fn admit_link(c: &mut Conn, token: &str) -> Result<Option<Admission>, StoreError> {
    Ok(link(c, token).await?.filter(|l| !l.revoked).map(|l| Admission { survey_id: l.survey_id, respondent: Respondent::Link(l) }))
}

/// Whether a voter has answered about a target.
pub async fn has_answered(c: &mut Conn, id: i64, target: i64, voter: &str) -> Result<bool, StoreError> {
    Ok(c.fetch_opt_i64(Sql::new("SELECT CAST(1 AS BIGINT) FROM survey_participation WHERE survey_id = $1 AND target_id = $2 AND voter = $3").bind(id).bind(target).bind(voter))
        .await?
        .is_some())
}

// ---- responses: group commit -------------------------------------------------------------

/// One response on its way to the database.
#[derive(Clone, Debug)]
pub struct Submission {
    pub survey_id: i64,
    pub target_id: i64,
    /// p<person>, l<link> or s<serial>.
    pub voter: String,
    /// The person, kept on the response only in a named survey.
    pub person_id: Option<i64>,
    pub link_id: Option<i64>,
    pub serial: Option<String>,
    pub channel: Channel,
    pub answers: Answers,
    pub actor_account: Option<i64>,
    pub actor: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Stored; the response's id.
    Accepted(String),
    /// A named survey that allows it: the earlier answer was replaced.
    Replaced,
    /// This voter has already answered.
    Duplicate,
    /// The link was used or revoked meanwhile.
    LinkSpent,
    /// The survey is not open.
    Closed,
}

type Job = (Submission, oneshot::Sender<Result<Outcome, String>>);

/// The single writer of responses. Cloning shares it.
#[derive(Clone)]
pub struct Committer {
    tx: mpsc::Sender<Job>,
    open: std::sync::Arc<std::sync::Mutex<OpenSurveys>>,
    /// What the writer has done, for the metrics and for draining it at shutdown.
    pub stats: std::sync::Arc<WriterStats>,
}

/// Counters of the response writer.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Submissions handed to the writer and not yet stored or refused.
    pub queued: std::sync::atomic::AtomicU64,
    /// Transactions committed (each holds a batch).
    pub batches: std::sync::atomic::AtomicU64,
    /// Submissions the writer has answered (stored, duplicate or refused).
    pub answered: std::sync::atomic::AtomicU64,
    /// Batches that failed (every submission in them answered with an error).
    pub failed_batches: std::sync::atomic::AtomicU64,
}

/// Open surveys by id, with when each was read.
type OpenSurveys = HashMap<i64, (std::time::Instant, std::sync::Arc<OpenSurvey>)>;

/// An open survey as answering it needs it: the row (with its questionnaire) and its targets.
/// Once open, neither the questionnaire nor the targets change; whether it is still open is
/// checked again by the writer in the transaction that stores each response.
pub struct OpenSurvey {
    pub row: SurveyRow,
    pub targets: HashSet<i64>,
}

impl OpenSurvey {
    /// Whether `target` is one the survey asks about (0 when it has none).
    pub fn has_target(&self, target: i64) -> bool {
        if self.targets.is_empty() { target == 0 } else { self.targets.contains(&target) }
    }
}

/// How long an open survey is answered from memory before it is read again.
const OPEN_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// The most responses stored in one transaction.
const BATCH: usize = 512;

impl Committer {
    /// Starts the writer on a thread of its own, with a runtime of its own, so that its turns
    /// (a handful of statements a batch) never queue behind the requests it serves. It writes
    /// through a store of its own ([`Store::for_writer`]); a task on the caller's runtime
    /// checkpoints SQLite's WAL after commits, off the writer's path.
    pub fn start(store: Store) -> Committer {
        let (tx, mut rx) = mpsc::channel::<Job>(8192);
        let (committed, mut commits) = mpsc::channel::<()>(1);
        let checkpoints = store.clone();
        // Set when a passive checkpoint has copied the bulk of the WAL back: the writer then
        // copies the rest and restarts the WAL between two batches (see [`Store::restart_wal`]).
        let restart_due = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let due = restart_due.clone();
        let stats = std::sync::Arc::new(WriterStats::default());
        let counted = stats.clone();
        tokio::spawn(async move {
            while commits.recv().await.is_some() {
                tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
                match checkpoints.checkpoint().await {
                    Ok(true) => due.store(true, std::sync::atomic::Ordering::Release),
                    Ok(false) => {}
                    Err(e) => tracing::warn!("checkpointing the database after survey responses failed: {e}"),
                }
            }
        });
        let writer = async move {
            let store = match store.for_writer().await {
                Ok(w) => w,
                Err(e) => {
                    tracing::warn!("the response writer shares the pool: {e}");
                    store
                }
            };
            let mut jobs: Vec<Job> = Vec::with_capacity(BATCH);
            while let Some(first) = rx.recv().await {
                jobs.push(first);
                while jobs.len() < BATCH {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                let subs: Vec<Submission> = jobs.iter().map(|(s, _)| s.clone()).collect();
                let result = commit_batch(&store, subs).await;
                let _ = committed.try_send(());
                let n = jobs.len() as u64;
                counted.batches.fetch_add(1, Relaxed);
                counted.answered.fetch_add(n, Relaxed);
                if result.is_err() {
                    counted.failed_batches.fetch_add(1, Relaxed);
                }
                counted.queued.fetch_sub(n, Relaxed);
                match result {
                    Ok(outcomes) => {
                        for ((_, reply), o) in jobs.drain(..).zip(outcomes) {
                            let _ = reply.send(Ok(o));
                        }
                    }
                    Err(e) => {
                        tracing::error!("storing a batch of survey responses failed: {e}");
                        for (_, reply) in jobs.drain(..) {
                            let _ = reply.send(Err(e.to_string()));
                        }
                    }
                }
                if restart_due.swap(false, std::sync::atomic::Ordering::Acquire) {
                    if let Err(e) = store.restart_wal().await {
                        tracing::warn!("restarting the WAL after survey responses failed: {e}");
                    }
                }
            }
        };
        let spawned = std::thread::Builder::new().name("survey-writer".into()).spawn(move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt.block_on(writer),
            Err(e) => tracing::error!("the survey response writer cannot start its runtime: {e}"),
        });
        if let Err(e) = spawned {
            tracing::error!("the survey response writer cannot start its thread: {e}");
        }
        Committer { tx, open: Default::default(), stats }
    }

    /// Waits until every submission handed to the writer has been stored or refused, for at
    /// most `limit` (a server stopping calls it once it no longer accepts requests); whether the
    /// queue is empty.
    pub async fn drain(&self, limit: std::time::Duration) -> bool {
        let until = std::time::Instant::now() + limit;
        while self.stats.queued.load(Relaxed) > 0 {
            if std::time::Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        true
    }

    fn open_surveys(&self) -> Result<std::sync::MutexGuard<'_, OpenSurveys>, StoreError> {
        self.open.lock().map_err(|_| StoreError::Config("the survey cache is poisoned".into()))
    }

    /// The survey a respondent was admitted to, if it is open, read at most every two seconds
    /// however many answer it.
    pub async fn open_survey(&self, c: &mut Conn, a: &Admission) -> Result<Option<std::sync::Arc<OpenSurvey>>, StoreError> {
        let id = a.survey_id;
        if let Some((at, s)) = self.open_surveys()?.get(&id) {
            if at.elapsed() < OPEN_FOR {
                return Ok(Some(s.clone()));
            }
        }
        let Some(row) = c.fetch_optional::<SurveyRow>(Sql::new(format!("{SELECT} WHERE s.id = $1")).bind(id)).await? else { return Ok(None) };
        if row.state() != SurveyState::Open {
            return Ok(None);
        }
        let targets = targets(c, id).await?.into_iter().map(|t| t.target_id).collect();
        let open = std::sync::Arc::new(OpenSurvey { row, targets });
        let mut cache = self.open_surveys()?;
        cache.retain(|_, (at, _)| at.elapsed() < OPEN_FOR);
        cache.insert(id, (std::time::Instant::now(), open.clone()));
        Ok(Some(open))
    }

    /// Queues a submission and waits until it is stored (or refused).
    pub async fn submit(&self, s: Submission) -> Result<Outcome, StoreError> {
        let (reply, rx) = oneshot::channel();
        // A place in the queue first: a request dropped while it waits for one has counted nothing.
        let Ok(place) = self.tx.reserve().await else { return Err(StoreError::Config("the response writer has stopped".into())) };
        self.stats.queued.fetch_add(1, Relaxed);
        place.send((s, reply));
        match rx.await {
            Ok(Ok(o)) => Ok(o),
            Ok(Err(e)) => Err(StoreError::Config(format!("storing the response failed: {e}"))),
            Err(_) => Err(StoreError::Config("the response writer has stopped".into())),
        }
    }
}

/// The satisfaction counts of targets of a kind (windows, commitments) over every survey of a
/// campaign about that kind. A target whose ratings may not be shown (under the minimum in an
/// anonymous survey) has no figures here at all, only its place in `hidden`: every sum made of
/// these (an organization's own commitments, a roll-up) leaves it out, so that no total minus
/// the shown targets gives it away (DOMAIN.md, anonymity).
#[derive(Clone, Debug, Default)]
pub struct TargetRates {
    pub shown: HashMap<i64, Rate>,
    pub hidden: HashSet<i64>,
    /// Any of the surveys is anonymous.
    pub anonymous: bool,
}

impl TargetRates {
    /// A target's counts, when they may be shown (none for a target nobody rated).
    pub fn get(&self, id: i64) -> Option<Rate> {
        self.shown.get(&id).copied()
    }

    pub fn is_hidden(&self, id: i64) -> bool {
        self.hidden.contains(&id)
    }
}

/// `office_only`: only the office's own surveys count (a window's award must not rest on the
/// surveys its own unit ran, with slips it handed out).
pub async fn target_rates(c: &mut Conn, campaign: i64, target_kind: &str, office_only: bool) -> Result<TargetRates, StoreError> {
    let mut q =
        Sql::new("SELECT t.target_id, t.tally_json, s.anonymous FROM survey_tallies t JOIN surveys s ON s.id = t.survey_id WHERE s.target_kind = $1 AND s.campaign_id = $2")
            .bind(target_kind)
            .bind(campaign);
    if office_only {
        q.push(" AND s.owner_unit_id IS NULL");
    }
    let rows: Vec<(i64, String, bool)> = c.fetch_all(q).await?;
    let mut all: HashMap<i64, Rate> = HashMap::new();
    let mut held_back: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut anonymous = false;
    for (target, json, anon) in rows {
        anonymous |= anon;
        if let Ok(t) = serde_json::from_str::<Tally>(&json) {
            // An anonymous survey's part under the minimum stays out of the pool: two surveys of
            // the same commitment, one shown and one hidden, would otherwise give the hidden one
            // away as the pooled figure minus the shown one.
            if anon && t.rate.valid() > 0 && !pacesetter_domain::survey::may_show(t.rate.valid(), true) {
                held_back.insert(target);
                continue;
            }
            all.entry(target).or_default().add(&t.rate);
        }
    }
    let mut out = TargetRates { anonymous, ..Default::default() };
    for target in &held_back {
        if all.get(target).is_none_or(|r| r.valid() == 0) {
            out.hidden.insert(*target);
        }
    }
    for (target, rate) in all {
        if rate.valid() == 0 {
            continue;
        }
        if pacesetter_domain::survey::may_show(rate.valid(), anonymous) {
            out.shown.insert(target, rate);
        } else {
            out.hidden.insert(target);
        }
    }
    Ok(out)
}

/// A random version-4 UUID (the id of a stored response or ballot: nothing in it says who or when).
pub fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn commit_batch(store: &Store, subs: Vec<Submission>) -> Result<Vec<Outcome>, StoreError> {
    let t0 = std::time::Instant::now();
    let n = subs.len();
    let mut c = store.write().await?;
    let t1 = t0.elapsed();
    let out = store_batch(&mut c, subs).await?;
    let t2 = t0.elapsed();
    c.commit().await?;
    tracing::debug!(target: "pacesetter::responses", batch = n, begin_us = t1.as_micros() as u64, store_us = (t2 - t1).as_micros() as u64, commit_us = (t0.elapsed() - t2).as_micros() as u64, "response batch");
    Ok(out)
}

/// Stores a batch in the caller's transaction: participation first (the primary key refuses
/// duplicates, within the batch too), then links, responses, tallies and the audit log.
pub async fn store_batch(c: &mut Conn, subs: Vec<Submission>) -> Result<Vec<Outcome>, StoreError> {
    let day = today();
    let clock = std::time::Instant::now();
    let mut marks: Vec<(&str, u128)> = Vec::new();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; subs.len()];
    // Each survey is read under a shared lock of its row on PostgreSQL (in id order), held to
    // the commit: a close that came first is waited for and seen, so its survey's responses
    // are refused; a close that comes later waits for this batch. (SQLite's writer holds the
    // database's write lock anyway.)
    let mut surveys: HashMap<i64, SurveyRow> = HashMap::new();
    let lock = c.row_lock(true, "s");
    for id in subs.iter().map(|s| s.survey_id).collect::<std::collections::BTreeSet<i64>>() {
        if let Some(row) = c.fetch_optional::<SurveyRow>(Sql::new(format!("{SELECT} WHERE s.id = $1{lock}")).bind(id)).await? {
            surveys.insert(id, row);
        }
    }
    marks.push(("loaded", clock.elapsed().as_micros()));
    // Closed surveys, and repeats within the batch (the first one stands).
    let mut seen = HashSet::new();
    let mut candidates = Vec::new();
    for (i, s) in subs.iter().enumerate() {
        if surveys.get(&s.survey_id).map(SurveyRow::state) != Some(SurveyState::Open) {
            outcomes[i] = Some(Outcome::Closed);
        } else if !seen.insert((s.survey_id, s.target_id, s.voter.as_str())) {
            outcomes[i] = Some(Outcome::Duplicate);
        } else {
            candidates.push(i);
        }
    }
    let mut inserted: HashSet<(i64, i64, String)> = HashSet::new();
    for chunk in candidates.chunks(200) {
        let mut q = Sql::new("INSERT INTO survey_participation (survey_id, target_id, voter, channel, day) VALUES ");
        for (k, i) in chunk.iter().enumerate() {
            let s = &subs[*i];
            q.push(if k == 0 { "(" } else { ", (" });
            q.push_bind(s.survey_id)
                .push(", ")
                .push_bind(s.target_id)
                .push(", ")
                .push_bind(s.voter.as_str())
                .push(", ")
                .push_bind(s.channel.code())
                .push(", ")
                .push_bind(day)
                .push(")");
        }
        q.push(" ON CONFLICT DO NOTHING RETURNING survey_id, target_id, voter");
        let rows: Vec<(i64, i64, String)> = c.fetch_all(q).await?;
        inserted.extend(rows);
    }
    marks.push(("participation", clock.elapsed().as_micros()));
    let mut accepted = Vec::new();
    let mut recount: HashSet<(i64, i64)> = HashSet::new();
    for i in candidates {
        let s = &subs[i];
        if inserted.contains(&(s.survey_id, s.target_id, s.voter.clone())) {
            accepted.push(i);
            continue;
        }
        let survey = &surveys[&s.survey_id];
        if survey.allow_replace && !survey.anonymous && s.person_id.is_some() {
            let json = serde_json::to_string(&s.answers).unwrap_or_default();
            let n = c
                .execute(
                    Sql::new("UPDATE survey_responses SET answers_json = $1, day = $2 WHERE survey_id = $3 AND target_id = $4 AND person_id = $5")
                        .bind(json)
                        .bind(day)
                        .bind(s.survey_id)
                        .bind(s.target_id)
                        .bind(s.person_id),
                )
                .await?;
            if n == 1 {
                recount.insert((s.survey_id, s.target_id));
                outcomes[i] = Some(Outcome::Replaced);
                continue;
            }
        }
        outcomes[i] = Some(Outcome::Duplicate);
    }
    marks.push(("duplicates", clock.elapsed().as_micros()));
    // Links: spent in the same transaction; a link spent meanwhile undoes its participation.
    let with_link: Vec<usize> = accepted.iter().copied().filter(|i| subs[*i].link_id.is_some()).collect();
    if !with_link.is_empty() {
        let mut q = Sql::new("UPDATE survey_links SET used_on = ");
        q.push_bind(day).push(" WHERE used_on IS NULL AND revoked = FALSE AND id IN (");
        for (k, i) in with_link.iter().enumerate() {
            if k > 0 {
                q.push(", ");
            }
            q.push_bind(subs[*i].link_id.unwrap_or(0));
        }
        q.push(") RETURNING id");
        let spent: HashSet<i64> = c.fetch_all::<(i64,)>(q).await?.into_iter().map(|r| r.0).collect();
        for i in with_link {
            let s = &subs[i];
            if !spent.contains(&s.link_id.unwrap_or(0)) {
                c.execute(
                    Sql::new("DELETE FROM survey_participation WHERE survey_id = $1 AND target_id = $2 AND voter = $3").bind(s.survey_id).bind(s.target_id).bind(s.voter.as_str()),
                )
                .await?;
                outcomes[i] = Some(Outcome::LinkSpent);
            }
        }
        accepted.retain(|i| outcomes[*i].is_none());
    }
    marks.push(("links", clock.elapsed().as_micros()));
    // Responses, in random-id order within the statement too.
    let mut rows: Vec<(String, usize)> = accepted.iter().map(|i| (uuid_v4(), *i)).collect();
    rows.sort();
    let values: Vec<Vec<Arg>> = rows
        .iter()
        .map(|(id, i)| {
            let s = &subs[*i];
            let named = !surveys[&s.survey_id].anonymous;
            // Nothing that joins the response to participation: no channel, no serial, no time
            // finer than the day, and the person only in a named survey.
            vec![
                id.clone().into(),
                s.survey_id.into(),
                s.target_id.into(),
                day.into(),
                if named { s.person_id } else { None }.into(),
                serde_json::to_string(&s.answers).unwrap_or_default().into(),
            ]
        })
        .collect();
    crate::db::insert_rows(c, "survey_responses", &["id", "survey_id", "target_id", "day", "person_id", "answers_json"], values).await?;
    for (id, i) in &rows {
        outcomes[*i] = Some(Outcome::Accepted(id.clone()));
    }
    marks.push(("responses", clock.elapsed().as_micros()));
    // Tallies: the running counts of every target touched, read in one statement (locked on
    // PostgreSQL, where another server's writer could run at once) and written back in one.
    let mut adds: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
    for (_, i) in &rows {
        adds.entry((subs[*i].survey_id, subs[*i].target_id)).or_default().push(*i);
    }
    for (survey_id, target_id) in &recount {
        adds.entry((*survey_id, *target_id)).or_default();
    }
    if !adds.is_empty() {
        let mut q = Sql::new("SELECT survey_id, target_id, tally_json FROM survey_tallies WHERE ");
        let mut by_survey: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (survey_id, target_id) in adds.keys() {
            by_survey.entry(*survey_id).or_default().push(*target_id);
        }
        for (k, (survey_id, targets)) in by_survey.iter().enumerate() {
            q.push(if k > 0 { " OR (survey_id = " } else { "(survey_id = " }).push_bind(*survey_id).push(" AND target_id IN (");
            for (j, t) in targets.iter().enumerate() {
                if j > 0 {
                    q.push(", ");
                }
                q.push_bind(*t);
            }
            q.push("))");
        }
        if c.is_postgres() {
            q.push(" FOR UPDATE");
        }
        let stored: HashMap<(i64, i64), String> = c.fetch_all::<(i64, i64, String)>(q).await?.into_iter().map(|(s, t, j)| ((s, t), j)).collect();
        let mut up = Sql::new("INSERT INTO survey_tallies (survey_id, target_id, tally_json) VALUES ");
        for (k, ((survey_id, target_id), items)) in adds.into_iter().enumerate() {
            let qn = surveys[&survey_id].questionnaire();
            let mut tally = if recount.contains(&(survey_id, target_id)) {
                recount_target(c, &qn, survey_id, target_id).await?
            } else {
                let mut t = stored.get(&(survey_id, target_id)).and_then(|j| serde_json::from_str::<Tally>(j).ok()).unwrap_or_else(|| Tally::new(&qn));
                for i in items {
                    t.add(&qn, &subs[i].answers);
                    t.came_by(subs[i].channel.code());
                }
                t
            };
            for q in &mut tally.questions {
                q.texts.clear();
            }
            if k > 0 {
                up.push(", ");
            }
            up.push("(").push_bind(survey_id).push(", ").push_bind(target_id).push(", ").push_bind(serde_json::to_string(&tally).unwrap_or_default()).push(")");
        }
        up.push(" ON CONFLICT (survey_id, target_id) DO UPDATE SET tally_json = excluded.tally_json");
        c.execute(up).await?;
    }
    marks.push(("tallies", clock.elapsed().as_micros()));
    // The audit log: that someone took part, never what they answered.
    let mut entries = Vec::new();
    for (i, s) in subs.iter().enumerate() {
        let action = match outcomes[i] {
            Some(Outcome::Accepted(_)) => "survey.participate",
            Some(Outcome::Replaced) => "survey.replace",
            _ => continue,
        };
        // Who took part, about what, on which day: never how (a lone paper or link respondent
        // would be told apart) nor what they answered.
        let after = serde_json::json!({"voter": s.voter, "target": s.target_id, "day": pacesetter_domain::dates::iso(day)}).to_string();
        entries.push(audit::ActorEntry {
            actor_account: s.actor_account,
            actor: s.actor.clone(),
            entry: audit::NewEntry { action: action.into(), entity: "survey", entity_id: s.survey_id.to_string(), before: None, after: Some(after) },
        });
    }
    audit::append_entries(c, entries).await?;
    marks.push(("audit", clock.elapsed().as_micros()));
    tracing::trace!(target: "pacesetter::responses", ?marks, "batch phases");
    Ok(outcomes.into_iter().map(|o| o.unwrap_or(Outcome::Duplicate)).collect())
}

/// Counts a target's responses afresh from the raw records: the answers from the responses, the
/// channels from participation (a response does not say how it came).
async fn recount_target(c: &mut Conn, qn: &Questionnaire, survey: i64, target: i64) -> Result<Tally, StoreError> {
    let mut t = Tally::new(qn);
    let rows: Vec<(String,)> =
        c.fetch_all(Sql::new("SELECT answers_json FROM survey_responses WHERE survey_id = $1 AND target_id = $2 ORDER BY id").bind(survey).bind(target)).await?;
    for (json,) in rows {
        if let Ok(a) = serde_json::from_str::<Answers>(&json) {
            t.add(qn, &a);
        }
    }
    let channels: Vec<(String, i64)> =
        c.fetch_all(Sql::new("SELECT channel, COUNT(*) FROM survey_participation WHERE survey_id = $1 AND target_id = $2 GROUP BY channel").bind(survey).bind(target)).await?;
    for (channel, n) in channels {
        t.channels.insert(channel, n as u64);
    }
    for q in &mut t.questions {
        q.texts.clear();
    }
    Ok(t)
}

/// The stored tallies of a survey, by target.
pub async fn tallies(c: &mut Conn, survey: &SurveyRow) -> Result<BTreeMap<i64, Tally>, StoreError> {
    let qn = survey.questionnaire();
    let rows: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT target_id, tally_json FROM survey_tallies WHERE survey_id = $1").bind(survey.id)).await?;
    Ok(rows.into_iter().map(|(t, j)| (t, serde_json::from_str(&j).unwrap_or_else(|_| Tally::new(&qn)))).collect())
}

/// An auditor's recount: every target's tally from the raw responses, and whether each equals
/// the stored one.
pub async fn recount(c: &mut Conn, survey: &SurveyRow) -> Result<Vec<(i64, Tally, bool)>, StoreError> {
    let qn = survey.questionnaire();
    let stored = tallies(c, survey).await?;
    let ids: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT DISTINCT target_id FROM survey_responses WHERE survey_id = $1 ORDER BY target_id").bind(survey.id)).await?;
    let mut out = Vec::new();
    let mut all: HashSet<i64> = stored.keys().copied().collect();
    all.extend(ids.iter().map(|r| r.0));
    let mut all: Vec<i64> = all.into_iter().collect();
    all.sort();
    for t in all {
        let fresh = recount_target(c, &qn, survey.id, t).await?;
        let same = stored.get(&t) == Some(&fresh);
        out.push((t, fresh, same));
    }
    Ok(out)
}

/// Free-text answers to a question about the given targets (all: None), in the order of the
/// responses' random ids.
pub async fn texts(c: &mut Conn, s: &SurveyView, targets: Option<&[i64]>, code: &str, limit: i64) -> Result<Vec<String>, StoreError> {
    let survey = s.id();
    // In key order (target, then random id) and stop at the limit, rather than sort every
    // response of the survey: the survey's page shows the first targets' texts, a target's page
    // its own.
    if targets.is_some_and(<[i64]>::is_empty) {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT answers_json FROM survey_responses WHERE survey_id = ");
    q.push_bind(survey).push(" AND answers_json LIKE ").push_bind(format!("%\"{}\":\"%", crate::db::like_escape(code))).push(" ESCAPE '\\'");
    if let Some(ts) = targets {
        q.push(" AND target_id IN (");
        for (i, t) in ts.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*t);
        }
        q.push(")");
    }
    q.push(" ORDER BY survey_id, target_id, id LIMIT ").push_bind(limit);
    let rows: Vec<(String,)> = c.fetch_all(q).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(j,)| match serde_json::from_str::<Answers>(&j).ok()?.remove(code)? {
            pacesetter_domain::survey::Answer::Text(t) => Some(t),
            _ => None,
        })
        .collect())
}

/// A response as exported: never with a person in an anonymous survey.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ResponseRow {
    pub id: String,
    pub target_id: i64,
    pub day: Date,
    pub person_id: Option<i64>,
    pub answers_json: String,
}

/// Every response of a survey, in the order of their random ids: to its manager only (which
/// of them may be shown is [`pacesetter_domain::survey::raw_rows`]).
pub async fn responses(c: &mut Conn, s: &SurveyView) -> Result<Vec<ResponseRow>, StoreError> {
    if s.results() != ResultsAccess::Full {
        return Err(StoreError::forbidden("原始答卷只提供给问卷所属单位和创先办", "Raw responses go to the survey's owner and the office only"));
    }
    Ok(c.fetch_all(Sql::new("SELECT id, target_id, day, person_id, answers_json FROM survey_responses WHERE survey_id = $1 ORDER BY id").bind(s.id())).await?)
}

/// Recounts every stored tally from the raw records, once after an upgrade that changed how a
/// tally is counted (the satisfaction rate read from the overall question only, the channels
/// from participation); `meta.tallies` names the version in force.
pub async fn retally_all(c: &mut Conn) -> Result<u64, StoreError> {
    const VERSION: &str = "2";
    if c.fetch_opt_string(Sql::new("SELECT value FROM meta WHERE key = 'tallies'")).await?.as_deref() == Some(VERSION) {
        return Ok(0);
    }
    let surveys = all_for_retally(c).await?;
    let mut n = 0;
    for s in surveys {
        let qn = s.questionnaire();
        let targets: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT target_id FROM survey_tallies WHERE survey_id = $1 ORDER BY target_id").bind(s.id)).await?;
        for (t,) in targets {
            let tally = recount_target(c, &qn, s.id, t).await?;
            c.execute(
                Sql::new("UPDATE survey_tallies SET tally_json = $1 WHERE survey_id = $2 AND target_id = $3")
                    .bind(serde_json::to_string(&tally).unwrap_or_default())
                    .bind(s.id)
                    .bind(t),
            )
            .await?;
            n += 1;
        }
    }
    crate::set_meta(c, "tallies", VERSION).await?;
    Ok(n)
}

/// Participation per organization: for each secondary Party organization (and each college or
/// office of the administrative tree), the invitees and how many of them took part.
#[derive(Clone, Debug, Serialize)]
pub struct RateRow {
    pub tree: &'static str,
    pub name: String,
    pub invited: u64,
    pub answered: u64,
}

pub async fn response_rates(c: &mut Conn, s: &SurveyView) -> Result<Vec<RateRow>, StoreError> {
    let survey = s.id();
    // The invitees who took part: their voters are "p<person>", one range of the participation
    // key (survey, voter, target), read once for both trees.
    let voters: Vec<(String,)> = c.fetch_all(Sql::new("SELECT voter FROM survey_participation WHERE survey_id = $1 AND voter >= 'p' AND voter < 'q'").bind(survey)).await?;
    let answered: HashSet<i64> = voters.iter().filter_map(|(v,)| v.strip_prefix('p')?.parse().ok()).collect();
    let (unit_names, org_names) = top_names(c).await?;
    let mut out = Vec::new();
    for (tree, members, table, col, names) in [("party", "org_memberships", "orgs", "org_id", &org_names), ("admin", "unit_memberships", "units", "unit_id", &unit_names)] {
        // Each node's top node below the root: its path's second part. Nodes are few; invitees
        // are read as two integers each (the row count is what costs, not the join).
        let nodes: Vec<(i64, String)> = c.fetch_all(Sql::new(format!("SELECT id, path FROM {table} WHERE depth >= 1"))).await?;
        let top_of: HashMap<i64, i64> = nodes.into_iter().filter_map(|(id, path)| Some((id, path.split('/').filter(|p| !p.is_empty()).nth(1)?.parse::<i64>().ok()?))).collect();
        let rows: Vec<(i64, i64)> = c
            .fetch_all(
                Sql::new(format!("SELECT i.person_id, m.{col} FROM survey_invitees i JOIN {members} m ON m.person_id = i.person_id AND m.end_date IS NULL WHERE i.survey_id = $1"))
                    .bind(survey),
            )
            .await?;
        // Each person counts once under each top node their memberships fall under.
        let mut seen: HashSet<(i64, i64)> = HashSet::new();
        let mut by_top: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
        for (person, node) in rows {
            let Some(top) = top_of.get(&node).copied() else { continue };
            if seen.insert((top, person)) {
                let e = by_top.entry(top).or_default();
                e.0 += 1;
                e.1 += u64::from(answered.contains(&person));
            }
        }
        for (id, (inv, ans)) in by_top {
            out.push(RateRow { tree, name: names.get(&id).cloned().unwrap_or_default(), invited: inv, answered: ans });
        }
    }
    Ok(out)
}

/// How many took part, by channel: the sum of the targets' stored tallies (the writer counts
/// each response's channel with its answers; an auditor's recount checks them too).
pub fn participation_counts(tallies: &BTreeMap<i64, Tally>) -> Vec<(String, i64)> {
    let mut all: BTreeMap<String, i64> = BTreeMap::new();
    for t in tallies.values() {
        for (channel, n) in &t.channels {
            *all.entry(channel.clone()).or_default() += *n as i64;
        }
    }
    all.into_iter().filter(|(_, n)| *n > 0).collect()
}

/// The units whose surveys the caller may create (the top of the administrative tree that they
/// may change): (id, name).
pub async fn owner_units(c: &mut Conn, scope: &Scope) -> Result<Vec<(i64, String)>, StoreError> {
    let mut q = Sql::new("SELECT n.id, n.name FROM units n WHERE n.closed_on IS NULL AND n.depth <= 1 AND ");
    if !is_office(scope) {
        push_node_condition(&mut q, scope, Tree::Admin, Access::Write, "n.path");
    } else {
        q.push("1 = 1");
    }
    q.push(" ORDER BY n.path");
    Ok(c.fetch_all(q).await?)
}

/// The names of the nodes just below the root of each tree, for roll-ups.
pub async fn top_names(c: &mut Conn) -> Result<(HashMap<i64, String>, HashMap<i64, String>), StoreError> {
    let units: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT id, name FROM units WHERE depth = 1")).await?;
    let orgs: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT id, name FROM orgs WHERE depth = 1")).await?;
    Ok((units.into_iter().collect(), orgs.into_iter().collect()))
}

/// `(condition)` true for the nodes of a tree (their path in `path_col`) the scope gives at
/// least `min` access to; the SQL form of [`Scope::org_access`] and [`Scope::unit_access`].
pub(crate) fn push_node_condition(q: &mut Sql, scope: &Scope, tree: Tree, min: Access, path_col: &str) {
    q.push("(1 = 0");
    for r in scope.reaches_at_least(min) {
        match (r, tree) {
            (Reach::All, _) => {
                q.push(" OR 1 = 1");
            }
            (Reach::Org(p), Tree::Party) | (Reach::Unit(p), Tree::Admin) => {
                q.push(&format!(" OR {path_col} LIKE ")).push_bind(format!("{p}%"));
            }
            _ => {}
        }
    }
    q.push(")");
}

/// The path of a node of either tree that the caller reaches with at least `min`; None when
/// it does not exist or is out of reach.
pub async fn node_path(c: &mut Conn, scope: &Scope, tree: Tree, node: i64, min: Access) -> Result<Option<String>, StoreError> {
    let table = if tree == Tree::Party { "orgs" } else { "units" };
    let mut q = Sql::new(format!("SELECT n.path FROM {table} n WHERE n.id = "));
    q.push_bind(node).push(" AND ");
    push_node_condition(&mut q, scope, tree, min, "n.path");
    Ok(c.fetch_opt_string(q).await?)
}

// ---- paper forms and advisory ratings ------------------------------------------------------

/// Issues serial numbers for printed forms, continuing the survey's series.
pub async fn issue_serials(c: &mut Conn, scope: &Scope, id: i64, count: u64) -> Result<Vec<String>, StoreError> {
    managed(c, scope, id).await?;
    let have = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM survey_paper_serials WHERE survey_id = $1").bind(id)).await? as u64;
    let now = now_ms();
    let serials: Vec<String> = (have + 1..=have + count).map(|n| format!("{id:04}-{n:06}")).collect();
    let rows: Vec<Vec<Arg>> = serials.iter().map(|s| vec![id.into(), s.clone().into(), now.into()]).collect();
    crate::db::insert_rows(c, "survey_paper_serials", &["survey_id", "serial", "issued_ms"], rows).await?;
    audit::append(c, scope, "survey.paper_issue", "survey", id, None, Some(serde_json::json!({"from": serials.first(), "to": serials.last()}).to_string())).await?;
    Ok(serials)
}

pub async fn serial_issued(c: &mut Conn, s: &SurveyView, serial: &str) -> Result<bool, StoreError> {
    Ok(c.fetch_opt_i64(Sql::new("SELECT CAST(1 AS BIGINT) FROM survey_paper_serials WHERE survey_id = $1 AND serial = $2").bind(s.id()).bind(serial)).await?.is_some())
}

pub async fn serials_issued(c: &mut Conn, s: &SurveyView) -> Result<i64, StoreError> {
    Ok(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM survey_paper_serials WHERE survey_id = $1").bind(s.id())).await?)
}

/// Serials from `from` on, for printing (the survey's manager).
pub async fn serials(c: &mut Conn, s: &SurveyView, from: i64, limit: i64) -> Result<Vec<String>, StoreError> {
    if !s.standing().manages {
        return Err(StoreError::NotFound);
    }
    let rows: Vec<(String,)> =
        c.fetch_all(Sql::new("SELECT serial FROM survey_paper_serials WHERE survey_id = $1 ORDER BY serial LIMIT $2 OFFSET $3").bind(s.id()).bind(limit).bind(from)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Stores a rating made without logging in: apart from the responses, never in a rate.
pub async fn add_advisory(c: &mut Conn, id: i64, target: i64, answers: &Answers) -> Result<(), StoreError> {
    c.execute(
        Sql::new("INSERT INTO survey_advisory (survey_id, target_id, day, answers_json) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(target)
            .bind(today())
            .bind(serde_json::to_string(answers).unwrap_or_default()),
    )
    .await?;
    Ok(())
}

/// Advisory ratings per target, tallied apart.
pub async fn advisory_tallies(c: &mut Conn, survey: &SurveyRow) -> Result<BTreeMap<i64, Tally>, StoreError> {
    let qn = survey.questionnaire();
    let rows: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT target_id, answers_json FROM survey_advisory WHERE survey_id = $1").bind(survey.id)).await?;
    let mut out: BTreeMap<i64, Tally> = BTreeMap::new();
    for (t, j) in rows {
        if let Ok(a) = serde_json::from_str::<Answers>(&j) {
            out.entry(t).or_insert_with(|| Tally::new(&qn)).add(&qn, &a);
        }
    }
    Ok(out)
}

/// Open surveys about a window (for its public page).
pub async fn open_for_target(c: &mut Conn, kind: TargetKind, target: i64) -> Result<Vec<SurveyRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(format!("{SELECT} WHERE s.state = 'open' AND s.target_kind = $1 AND s.id IN (SELECT survey_id FROM survey_targets WHERE target_id = $2) ORDER BY s.id DESC"))
            .bind(kind.code())
            .bind(target),
    )
    .await?)
}

/// What a reminder round did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Reminded {
    /// Notifications to invitees with an account (once a day each); None when the invitees who
    /// answered or those who did not are fewer than 5 (the count would give them away).
    pub notified: Option<u64>,
    /// E-mails: to account holders, and new personal links to those without an account (None
    /// as for `notified`).
    pub mailed: Option<u64>,
}

/// Reminds the invitees who have not answered. Those with an account get a notification (and an
/// e-mail when the roster has an address); those without one get a fresh single-use link by
/// e-mail, their unused earlier links revoked, delivered to them and never through the unit.
pub async fn remind(c: &mut Conn, scope: &Scope, id: i64, public_url: &str) -> Result<Reminded, StoreError> {
    let s = managed(c, scope, id).await?;
    if s.state() != SurveyState::Open {
        return Err(StoreError::conflict("只有进行中的问卷可以提醒", "Only an open survey sends reminders"));
    }
    let pending: Vec<(i64, Option<i64>, Option<String>)> = c
        .fetch_all(
            Sql::new(
                "SELECT i.person_id, a.id, p.email FROM survey_invitees i JOIN people p ON p.id = i.person_id \
                 LEFT JOIN accounts a ON a.person_id = i.person_id AND a.disabled = FALSE \
                 WHERE i.survey_id = $1 AND p.left_on IS NULL AND 'p' || CAST(i.person_id AS TEXT) NOT IN (SELECT voter FROM survey_participation WHERE survey_id = $1) \
                 ORDER BY i.person_id",
            )
            .bind(id),
        )
        .await?;
    // How many were reminded says how many have not answered: told only when participation may
    // be shown (both the answered and the rest 5 or more, or none).
    let invited =
        c.fetch_i64(Sql::new("SELECT COUNT(*) FROM survey_invitees i JOIN people p ON p.id = i.person_id WHERE i.survey_id = $1 AND p.left_on IS NULL").bind(id)).await?.max(0)
            as u64;
    let waiting = pending.len() as u64;
    let (shown, _) = pacesetter_domain::anonymity::partition(&[invited.saturating_sub(waiting), waiting]);
    let (mut notified, mut mailed) = (0u64, 0u64);
    let now = now_ms();
    let day = pacesetter_domain::dates::iso(today());
    let subject = format!("创先争优：请完成问卷“{}”", s.title.chars().take(30).collect::<String>());
    for (person, account, email) in pending {
        let email = email.filter(|e| e.contains('@'));
        match account {
            Some(a) => {
                let n = c
                    .execute(
                        Sql::new("INSERT INTO notifications (account_id, kind, task_id, zh, en, dedupe, created_ms) VALUES ($1, 'survey', NULL, $2, $3, $4, $5) ON CONFLICT (account_id, dedupe) DO NOTHING")
                            .bind(a)
                            .bind(format!("请完成问卷“{}”：{public_url}/surveys/{id}/answer", s.title))
                            .bind(format!("Please answer the survey \"{}\": {public_url}/surveys/{id}/answer", s.title))
                            .bind(format!("survey:{id}:{day}"))
                            .bind(now),
                    )
                    .await?;
                notified += n;
                if let (1, Some(to)) = (n, email) {
                    crate::outbox::enqueue(c, &to, &subject, &format!("请登录后完成问卷“{}”：\n{public_url}/surveys/{id}/answer\n\nPlease log in and answer the survey.", s.title))
                        .await?;
                    mailed += 1;
                }
            }
            None => {
                let Some(to) = email else { continue };
                mail_link(c, &s, person, &to, public_url).await?;
                mailed += 1;
            }
        }
    }
    let out = if shown.iter().all(|s| *s) { Reminded { notified: Some(notified), mailed: Some(mailed) } } else { Reminded::default() };
    audit::append(c, scope, "survey.remind", "survey", id, None, Some(serde_json::to_string(&out).unwrap_or_default())).await?;
    Ok(out)
}

/// A current person in the caller's reach, by staff or student number (the office: anyone).
pub async fn person_by_number(c: &mut Conn, scope: &Scope, number: &str) -> Result<Option<i64>, StoreError> {
    let mut q = Sql::new("SELECT p.id FROM people p WHERE p.number = ");
    q.push_bind(number.trim()).push(" AND p.left_on IS NULL");
    if !is_office(scope) {
        q.push(" AND ");
        crate::scope::push_person_condition(&mut q, scope, Access::Read, "p.id");
    }
    Ok(c.fetch_opt_i64(q).await?)
}

/// An open survey's invitees below an organization and how many of them took part: what a
/// desk shows a secretary (how many, never who; the page shows the two counts only as
/// `anonymity::partition` allows).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Turnout {
    pub survey_id: i64,
    pub title: String,
    pub invited: i64,
    pub answered: i64,
}

/// The open surveys with invitees whose current Party organization is below `org_path`, with
/// their participation there: one query. The caller has been checked to reach the organization.
pub async fn turnout_below(c: &mut Conn, org_path: &str) -> Result<Vec<Turnout>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT s.id AS survey_id, s.title, CAST(COUNT(DISTINCT i.person_id) AS BIGINT) AS invited, CAST(COUNT(DISTINCT p.voter) AS BIGINT) AS answered \
             FROM surveys s JOIN survey_invitees i ON i.survey_id = s.id \
             JOIN org_memberships m ON m.person_id = i.person_id AND m.end_date IS NULL JOIN orgs o ON o.id = m.org_id \
             LEFT JOIN survey_participation p ON p.survey_id = s.id AND p.voter = 'p' || CAST(i.person_id AS TEXT) \
             WHERE s.state = 'open' AND o.path LIKE $1 GROUP BY s.id, s.title ORDER BY s.id DESC",
        )
        .bind(format!("{org_path}%")),
    )
    .await?)
}
