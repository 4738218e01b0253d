//! Research projects (item 18) in SQL: the office's calls; applications with their team, blind
//! section and files; the secondary organizations' forwards within quota; the experts and their
//! score sheets; the ranking, recomputed from the sheets whenever it is asked for; the tie at the
//! funding line, the 公示 and the approval. Who reads what: an application with its names for its
//! applicant and team, the keepers of its secondary organization, the office and the leaders; its
//! blind section (no name, no organization) for the experts not recused from it; the sheets
//! (experts by code only) for the office and the auditor.

use crate::db::{Conn, Sql};
use crate::{StoreError, audit};
use pacesetter_domain::appraisal::Frac;
use pacesetter_domain::calendar::Calendar;
use pacesetter_domain::dates::{now_ms, today};
use pacesetter_domain::research::{self as rd, AppState, ApplicationDraft, CallDraft, Category, Criterion, Stage};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::selection::{self as sel, Outcome};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use time::Date;

pub use crate::attachments::{FileMeta, NewFile};

const FILES: crate::attachments::Table = crate::attachments::RESEARCH;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CallRow {
    pub id: i64,
    pub campaign_id: i64,
    pub title: String,
    pub deadline: Date,
    pub categories: String,
    pub criteria: String,
    pub trim_extremes: bool,
    pub funded: i64,
    pub quota: i64,
    pub notice_days: i64,
    pub stage: String,
    pub tie_order: String,
    pub tie_reason: Option<String>,
    pub notice_from: Option<Date>,
    pub notice_until: Option<Date>,
    pub decision: Option<String>,
    pub created_ms: i64,
}

impl CallRow {
    pub fn stage(&self) -> Stage {
        Stage::parse(&self.stage).unwrap_or(Stage::Open)
    }
    pub fn categories(&self) -> Vec<Category> {
        serde_json::from_str(&self.categories).unwrap_or_default()
    }
    pub fn criteria(&self) -> Vec<Criterion> {
        serde_json::from_str(&self.criteria).unwrap_or_default()
    }
    pub fn tie_order(&self) -> Vec<i64> {
        serde_json::from_str(&self.tie_order).unwrap_or_default()
    }
    pub fn category_name(&self, code: &str) -> String {
        self.categories().into_iter().find(|c| c.code == code).map(|c| c.name).unwrap_or_else(|| code.to_string())
    }
}

const CALL_SELECT: &str = "SELECT id, campaign_id, title, deadline, categories, criteria, trim_extremes, funded, quota, notice_days, stage, tie_order, tie_reason, \
     notice_from, notice_until, decision, created_ms FROM research_calls";

/// An application with its names (for those who may read them, never an expert).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: i64,
    pub call_id: i64,
    pub code: String,
    pub applicant_person_id: i64,
    pub applicant_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub category: String,
    pub title: String,
    pub budget: i64,
    pub blind: String,
    pub state: String,
    pub state_comment: Option<String>,
    pub funding: Option<i64>,
    pub created_ms: i64,
}

impl ApplicationRow {
    pub fn state(&self) -> AppState {
        AppState::parse(&self.state).unwrap_or(AppState::Submitted)
    }
}

const APP_SELECT: &str = "SELECT a.id, a.call_id, a.code, a.applicant_person_id, p.name AS applicant_name, a.org_id, o.name AS org_name, o.path AS org_path, \
     a.category, a.title, a.budget, a.blind, a.state, a.state_comment, a.funding, a.created_ms \
     FROM research_applications a JOIN people p ON p.id = a.applicant_person_id JOIN orgs o ON o.id = a.org_id";

/// What an expert sees of an application: its code, category, title and blind section.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct BlindRow {
    pub id: i64,
    pub code: String,
    pub category: String,
    pub title: String,
    pub blind: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExpertRow {
    pub id: i64,
    pub call_id: i64,
    pub account_id: i64,
    pub code: String,
    /// The expert's person (none for an outside expert's account).
    pub person_id: Option<i64>,
    /// The colleges the expert is recused from, one path per line.
    pub recused: String,
    /// The expert's name, for the office's list only.
    pub name: String,
}

impl ExpertRow {
    /// Whether the expert stays out of an application: one of a college they belong to or keep,
    /// or one they applied for or are on the team of.
    pub fn recused_from(&self, a: &Forwarded) -> bool {
        self.recused.lines().any(|p| !p.is_empty() && a.org_path.starts_with(p)) || self.person_id.is_some_and(|p| p == a.applicant_person_id || a.team.contains(&p))
    }
}

/// A forwarded application as recusal needs it.
#[derive(Clone, Debug)]
pub struct Forwarded {
    pub id: i64,
    pub org_path: String,
    pub applicant_person_id: i64,
    pub team: Vec<i64>,
}

/// The forwarded applications of a call, with their colleges and teams.
async fn forwarded(c: &mut Conn, call_id: i64) -> Result<Vec<Forwarded>, StoreError> {
    let rows: Vec<(i64, String, i64)> = c
        .fetch_all(
            Sql::new("SELECT a.id, o.path, a.applicant_person_id FROM research_applications a JOIN orgs o ON o.id = a.org_id WHERE a.call_id = $1 AND a.state = 'forwarded' ORDER BY a.code")
                .bind(call_id),
        )
        .await?;
    let team: Vec<(i64, i64)> = c
        .fetch_all(Sql::new("SELECT t.application_id, t.person_id FROM research_team t JOIN research_applications a ON a.id = t.application_id WHERE a.call_id = $1").bind(call_id))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, org_path, applicant_person_id)| Forwarded { id, org_path, applicant_person_id, team: team.iter().filter(|(a, _)| *a == id).map(|(_, p)| *p).collect() })
        .collect())
}

/// The college part of a Party tree path ("/root/college/…" → "/root/college/"); None for the
/// root itself.
fn college_of(path: &str) -> Option<String> {
    let ids: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    (ids.len() >= 2).then(|| format!("/{}/{}/", ids[0], ids[1]))
}

/// The call's row, locked for the rest of the transaction on PostgreSQL (shared for a score, so
/// that many score at once but none slips in while the office moves the call on).
async fn lock_call(c: &mut Conn, id: i64, share: bool) -> Result<CallRow, StoreError> {
    let lock = c.row_lock(share, "");
    if !lock.is_empty() {
        c.fetch_opt_i64(Sql::new(format!("SELECT id FROM research_calls WHERE id = $1{lock}")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    }
    call(c, id).await
}

/// How many sheets are still to come (every expert not recused, on every forwarded application),
/// and how many forwarded applications no expert may score.
async fn missing_sheets(c: &mut Conn, call_id: i64) -> Result<(usize, usize), StoreError> {
    let apps = forwarded(c, call_id).await?;
    let experts = experts(c, call_id).await?;
    let given: Vec<(i64, i64)> = c
        .fetch_all(
            Sql::new("SELECT s.application_id, s.expert_id FROM research_sheets s JOIN research_applications a ON a.id = s.application_id WHERE a.call_id = $1").bind(call_id),
        )
        .await?;
    let mut missing = 0;
    let mut unscorable = 0;
    for a in &apps {
        let eligible: Vec<&ExpertRow> = experts.iter().filter(|e| !e.recused_from(a)).collect();
        if eligible.is_empty() {
            unscorable += 1;
        }
        missing += eligible.iter().filter(|e| !given.contains(&(a.id, e.id))).count();
    }
    Ok((missing, unscorable))
}

/// One score sheet as the auditor downloads it: the application's code, the expert's code,
/// the scores per criterion in order.
#[derive(Clone, Debug, Serialize)]
pub struct Sheet {
    pub application_id: i64,
    pub application_code: String,
    pub expert_code: String,
    pub scores: Vec<u32>,
}

pub async fn create_call(c: &mut Conn, scope: &Scope, campaign: i64, d: &CallDraft) -> Result<i64, StoreError> {
    crate::scope::office_only(scope)?;
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO research_calls (campaign_id, title, deadline, categories, criteria, trim_extremes, funded, quota, notice_days, stage, tie_order, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', '[]', $10) RETURNING id",
            )
            .bind(campaign)
            .bind(d.title.as_str())
            .bind(d.deadline)
            .bind(serde_json::to_string(&d.categories).unwrap_or_default())
            .bind(serde_json::to_string(&d.criteria).unwrap_or_default())
            .bind(d.trim)
            .bind(d.funded as i64)
            .bind(d.quota as i64)
            .bind(d.notice_days as i64)
            .bind(now_ms()),
        )
        .await?;
    audit::append(
        c,
        scope,
        "research.call",
        "research_call",
        id,
        None,
        audit::snapshot(&serde_json::json!({"title": d.title, "deadline": pacesetter_domain::dates::iso(d.deadline), "categories": d.categories, "criteria": d.criteria, "trim": d.trim, "funded": d.funded, "quota": d.quota})),
    )
    .await?;
    Ok(id)
}

/// A call (every call is public to those signed in).
pub async fn call(c: &mut Conn, id: i64) -> Result<CallRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{CALL_SELECT} WHERE id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

pub async fn calls(c: &mut Conn) -> Result<Vec<CallRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{CALL_SELECT} ORDER BY id DESC LIMIT 100"))).await?)
}

/// The secondary organization (the tree's second level) of a person's deepest current
/// membership: (id, name, path).
async fn secondary_org_of(c: &mut Conn, person: i64) -> Result<Option<(i64, String, String)>, StoreError> {
    let path: Option<(String,)> = c
        .fetch_optional(
            Sql::new("SELECT o.path FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL ORDER BY o.depth DESC, m.id LIMIT 1")
                .bind(person),
        )
        .await?;
    let Some((path,)) = path else { return Ok(None) };
    // The path is "/root/college/…/": its first two ids name the root and the college.
    let ids: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(college) = ids.get(1).and_then(|s| s.parse::<i64>().ok()) else { return Ok(None) };
    let row: Option<(i64, String, String)> = c.fetch_optional(Sql::new("SELECT id, name, path FROM orgs WHERE id = $1 AND depth = 1").bind(college)).await?;
    Ok(row)
}

/// The names of the organizations a person is a current member of (their branch, their group).
async fn own_orgs(c: &mut Conn, person: i64) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> =
        c.fetch_all(Sql::new("SELECT o.name FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL").bind(person)).await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Applies to an open call as the caller's own person, with a team from the roster and files
/// (already checked by content and stripped of their metadata). The blind section and the
/// title must name nobody of the team nor their organization.
pub async fn apply(c: &mut Conn, scope: &Scope, call_id: i64, d: &ApplicationDraft, team: &[i64], files: Vec<NewFile>) -> Result<i64, StoreError> {
    let call = call(c, call_id).await?;
    if call.stage() != Stage::Open || today() > call.deadline {
        return Err(StoreError::conflict("申报已截止", "Applications are closed"));
    }
    let person = scope.person.ok_or_else(|| StoreError::forbidden("只有登记在册的教职工和学生可以申报", "Only people on the roster apply"))?.0;
    let (org_id, org_name, _) =
        secondary_org_of(c, person).await?.ok_or_else(|| StoreError::forbidden("申报人须在二级党组织中有组织关系", "The applicant belongs to a secondary organization"))?;
    let mut names: Vec<String> = vec![org_name];
    let applicant: String = c.fetch_one::<(String,)>(Sql::new("SELECT name FROM people WHERE id = $1").bind(person)).await?.0;
    names.push(applicant);
    names.extend(own_orgs(c, person).await?);
    let mut seen = HashSet::from([person]);
    for p in team {
        if !seen.insert(*p) {
            return Err(StoreError::invalid("team", "课题组成员不能重复，申报人不必再列", "Each team member once; the applicant is not listed again"));
        }
        let row: Option<(String, Option<Date>)> = c.fetch_optional(Sql::new("SELECT name, left_on FROM people WHERE id = $1").bind(*p)).await?;
        match row {
            Some((name, None)) => names.push(name),
            _ => return Err(StoreError::invalid("team", format!("人员编号 {p} 不在花名册中"), format!("Person {p} is not on the roster"))),
        }
        if let Some((_, oname, _)) = secondary_org_of(c, *p).await? {
            names.push(oname);
        }
        names.extend(own_orgs(c, *p).await?);
    }
    if let Some(n) = rd::names_in_blind(&format!("{}\n{}", d.title, d.blind), &names) {
        return Err(StoreError::invalid(
            "blind",
            format!("课题名称和活页中不得出现课题组成员姓名或所在单位（出现了“{n}”）"),
            format!("The title and the blind section must not name the team or their organizations (\"{n}\" appears)"),
        ));
    }
    let n = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM research_applications WHERE call_id = $1").bind(call_id)).await?;
    let code = format!("{}-{:03}", call_id, n + 1);
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO research_applications (call_id, code, applicant_person_id, applicant_account_id, org_id, category, title, budget, blind, state, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', $10) RETURNING id",
            )
            .bind(call_id)
            .bind(code.as_str())
            .bind(person)
            .bind(scope.account.0)
            .bind(org_id)
            .bind(d.category.as_str())
            .bind(d.title.as_str())
            .bind(d.budget)
            .bind(d.blind.as_str())
            .bind(now_ms()),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "同时提交的申请太多，请重试", "Another application was handed in at the same moment; try again"))?;
    for (i, p) in team.iter().enumerate() {
        c.execute(Sql::new("INSERT INTO research_team (application_id, person_id, position) VALUES ($1, $2, $3)").bind(id).bind(*p).bind(i as i64 + 1)).await?;
    }
    let listed = crate::attachments::keep(c, FILES, id, files).await?;
    audit::append(
        c,
        scope,
        "research.apply",
        "research_application",
        id,
        None,
        audit::snapshot(&serde_json::json!({"call": call_id, "code": code, "category": d.category, "budget": d.budget, "team": team, "files": listed})),
    )
    .await?;
    Ok(id)
}

/// Whether the caller reads an application with its names: its applicant and team, the keepers
/// of its secondary organization, the office, the leaders.
/// The rule is [`push_named_condition`]'s, the same the lists and search use.
async fn reads_named(c: &mut Conn, scope: &Scope, id: i64) -> Result<bool, StoreError> {
    let mut q = Sql::new("SELECT COUNT(*) FROM research_applications a JOIN orgs o ON o.id = a.org_id WHERE a.id = ");
    q.push_bind(id).push(" AND ");
    push_named_condition(&mut q, scope);
    Ok(c.fetch_i64(q).await? > 0)
}

/// An application with its names, for those who may read them; 404 for anyone else (an expert
/// included: they read its blind section only).
pub async fn application(c: &mut Conn, scope: &Scope, id: i64) -> Result<ApplicationRow, StoreError> {
    let a: ApplicationRow = c.fetch_optional(Sql::new(format!("{APP_SELECT} WHERE a.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    if reads_named(c, scope, a.id).await? { Ok(a) } else { Err(StoreError::NotFound) }
}

/// The team of an application: (person, name), in order.
pub async fn team(c: &mut Conn, id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT t.person_id, p.name FROM research_team t JOIN people p ON p.id = t.person_id WHERE t.application_id = $1 ORDER BY t.position").bind(id))
        .await?)
}

/// The applications of a call the caller reads with their names: all for the office and the
/// leaders; their organizations' for the keepers of secondary organizations; their own for the
/// others.
pub async fn applications(c: &mut Conn, scope: &Scope, call_id: i64) -> Result<Vec<ApplicationRow>, StoreError> {
    let mut q = Sql::new(format!("{APP_SELECT} WHERE a.call_id = "));
    q.push_bind(call_id).push(" AND ");
    push_named_condition(&mut q, scope);
    q.push(" ORDER BY a.code");
    Ok(c.fetch_all(q).await?)
}

/// `(…)` over `a` (an application) and `o` (its college): the caller reads it with its names.
fn push_named_condition(q: &mut Sql, scope: &Scope) {
    q.push("(");
    crate::scope::push_org_condition(q, scope, Access::Read, "o.path", scope.is_office() || scope.has(Role::Leader));
    if let Some(me) = scope.person {
        q.push(" OR a.applicant_person_id = ").push_bind(me.0);
        q.push(" OR a.id IN (SELECT application_id FROM research_team WHERE person_id = ").push_bind(me.0).push(")");
    }
    q.push(")");
}

/// `(SELECT a.id …)`: the applications the caller reads with their names (search finds only
/// these; an expert's blind review is not searched).
pub(crate) fn push_readable_ids(q: &mut Sql, scope: &Scope) {
    q.push("(SELECT a.id FROM research_applications a JOIN orgs o ON o.id = a.org_id WHERE ");
    push_named_condition(q, scope);
    q.push(")");
}

/// The secondary organization forwards an application to the office (within its quota), or
/// returns it with a reason, while the call takes applications.
pub async fn forward(c: &mut Conn, scope: &Scope, id: i64, yes: bool, comment: Option<&str>) -> Result<ApplicationRow, StoreError> {
    let a = application(c, scope, id).await?;
    if scope.is_office() || scope.party_access(&a.org_path) != Some(Access::Write) {
        return Err(StoreError::forbidden("由申报人所在的二级党组织审核推荐", "The applicant's secondary organization forwards it"));
    }
    // The call's row is locked first, so two forwards of one college count one after the other.
    let call = lock_call(c, a.call_id, false).await?;
    if call.stage() != Stage::Open {
        return Err(StoreError::conflict("专家评审已开始，不能再推荐", "The review has begun; nothing more is forwarded"));
    }
    if a.state() != AppState::Submitted {
        return Err(StoreError::conflict("这份申请已审核过", "This application has been decided already"));
    }
    if yes {
        let used =
            c.fetch_i64(Sql::new("SELECT COUNT(*) FROM research_applications WHERE call_id = $1 AND org_id = $2 AND state = 'forwarded'").bind(a.call_id).bind(a.org_id)).await?;
        if used >= call.quota {
            return Err(StoreError::conflict(format!("推荐名额（{}项）已用完", call.quota), format!("The quota of {} is used up", call.quota)));
        }
    } else if comment.is_none() {
        return Err(StoreError::invalid("comment", "不推荐时请说明理由", "Say why it is not forwarded"));
    }
    let to = if yes { AppState::Forwarded } else { AppState::Returned };
    let n = c
        .execute(
            Sql::new("UPDATE research_applications SET state = $1, state_comment = $2, forwarded_ms = $3 WHERE id = $4 AND state = 'submitted'")
                .bind(to.code())
                .bind(comment)
                .bind(now_ms())
                .bind(id),
        )
        .await?;
    StoreError::unless_changed(n, "这份申请已审核过", "This application has been decided already")?;
    audit::append(c, scope, "research.forward", "research_application", id, None, audit::snapshot(&serde_json::json!({"state": to.code(), "comment": comment}))).await?;
    application(c, scope, id).await
}

/// The office names an expert by account: a member of the university (recused from the
/// colleges they belong to or keep, and from what they applied for or work on) or someone from
/// outside with an account of no person. The office, the leaders, the auditor and the
/// administrator read names, so they are not experts; nor is anyone whose reach covers the whole
/// university.
pub async fn name_expert(c: &mut Conn, scope: &Scope, call_id: i64, username: &str) -> Result<i64, StoreError> {
    crate::scope::office_only(scope)?;
    let call = lock_call(c, call_id, false).await?;
    if call.stage() == Stage::Final {
        return Err(StoreError::conflict("课题已立项", "The call is approved already"));
    }
    let acc: Option<(i64, Option<i64>)> = c.fetch_optional(Sql::new("SELECT id, person_id FROM accounts WHERE username = $1 AND disabled = FALSE").bind(username.trim())).await?;
    let (account, person) = acc.ok_or_else(|| StoreError::invalid("username", "没有这个账号", "No such account"))?;
    let expert =
        crate::scope::load(c, pacesetter_domain::ids::AccountId(account), today()).await?.ok_or_else(|| StoreError::invalid("username", "没有这个账号", "No such account"))?;
    if expert.has_any(&[Role::Office, Role::Leader, Role::Auditor, Role::Admin]) {
        return Err(StoreError::invalid(
            "username",
            "创先办、校领导、审计员和管理员能看到申报人，不担任评审专家",
            "The office, the leaders, the auditor and the administrator see applicants' names and are not experts",
        ));
    }
    let mut recused: Vec<String> = Vec::new();
    if let Some(p) = person {
        if let Some((_, _, path)) = secondary_org_of(c, p).await? {
            recused.push(path);
        }
    }
    for path in expert.own_org_paths(Access::Read) {
        match college_of(path) {
            Some(college) => recused.push(college),
            None => {
                return Err(StoreError::invalid(
                    "username",
                    "此人的管理范围覆盖全校，不能担任评审专家",
                    "This person's reach covers the whole university; they cannot be an expert",
                ));
            }
        }
    }
    recused.sort();
    recused.dedup();
    let n = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM research_experts WHERE call_id = $1").bind(call_id)).await?;
    let code = format!("专家{:02}", n + 1);
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO research_experts (call_id, account_id, code, person_id, recused) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(call_id)
                .bind(account)
                .bind(code.as_str())
                .bind(person)
                .bind(recused.join("\n")),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "此人已是本次评审的专家", "This person is an expert of this call already"))?;
    audit::append(c, scope, "research.expert", "research_call", call_id, None, audit::snapshot(&serde_json::json!({"expert": code, "account": account, "recused": recused})))
        .await?;
    Ok(id)
}

pub async fn experts(c: &mut Conn, call_id: i64) -> Result<Vec<ExpertRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT e.id, e.call_id, e.account_id, e.code, e.person_id, e.recused, a.display_name AS name FROM research_experts e JOIN accounts a ON a.id = e.account_id \
                 WHERE e.call_id = $1 ORDER BY e.id",
        )
        .bind(call_id),
    )
    .await?)
}

/// The caller as an expert of a call, if they are one.
pub async fn expert_of(c: &mut Conn, scope: &Scope, call_id: i64) -> Result<Option<ExpertRow>, StoreError> {
    Ok(experts(c, call_id).await?.into_iter().find(|e| e.account_id == scope.account.0))
}

/// The forwarded applications an expert scores: all but those they are recused from.
pub async fn blind_list(c: &mut Conn, scope: &Scope, call_id: i64) -> Result<(ExpertRow, Vec<BlindRow>), StoreError> {
    let e = expert_of(c, scope, call_id).await?.ok_or(StoreError::NotFound)?;
    let open: Vec<i64> = forwarded(c, call_id).await?.into_iter().filter(|a| !e.recused_from(a)).map(|a| a.id).collect();
    if open.is_empty() {
        return Ok((e, Vec::new()));
    }
    let mut q = Sql::new("SELECT a.id, a.code, a.category, a.title, a.blind FROM research_applications a WHERE a.id IN ");
    q.push_ids(&open);
    q.push(" ORDER BY a.code");
    let rows = c.fetch_all(q).await?;
    Ok((e, rows))
}

/// One application's blind section for an expert of its call who is not recused from it.
pub async fn blind(c: &mut Conn, scope: &Scope, id: i64) -> Result<(ExpertRow, BlindRow), StoreError> {
    let call_id = c.fetch_opt_i64(Sql::new("SELECT call_id FROM research_applications WHERE id = $1").bind(id)).await?.ok_or(StoreError::NotFound)?;
    let (e, rows) = blind_list(c, scope, call_id).await?;
    let row = rows.into_iter().find(|r| r.id == id).ok_or(StoreError::NotFound)?;
    Ok((e, row))
}

/// The sheet the expert has given an application, if any.
pub async fn my_sheet(c: &mut Conn, expert: i64, application: i64) -> Result<Option<Vec<u32>>, StoreError> {
    let r: Option<(String,)> = c.fetch_optional(Sql::new("SELECT scores FROM research_sheets WHERE expert_id = $1 AND application_id = $2").bind(expert).bind(application)).await?;
    Ok(r.map(|(s,)| parse_scores(&s)))
}

fn parse_scores(s: &str) -> Vec<u32> {
    s.split(',').filter_map(|v| v.trim().parse().ok()).collect()
}

/// An expert scores an application, once, while the call is under review.
pub async fn score(c: &mut Conn, scope: &Scope, id: i64, typed: &[String]) -> Result<(), StoreError> {
    let (e, row) = blind(c, scope, id).await?;
    let call = lock_call(c, e.call_id, true).await?;
    let scores = rd::read_sheet(&call.criteria(), typed).map_err(StoreError::Invalid)?;
    if call.stage() != Stage::Review {
        return Err(StoreError::conflict("现在不是专家评审阶段", "The call is not under review"));
    }
    let text = scores.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",");
    c.execute(
        Sql::new("INSERT INTO research_sheets (application_id, expert_id, scores, submitted_ms) VALUES ($1, $2, $3, $4)").bind(id).bind(e.id).bind(text.as_str()).bind(now_ms()),
    )
    .await
    .map_err(|err| StoreError::on_duplicate(err, "每份申请只评一次，已评分", "Each application is scored once, and this one is"))?;
    audit::append(c, scope, "research.score", "research_application", id, None, audit::snapshot(&serde_json::json!({"code": row.code, "expert": e.code, "scores": scores})))
        .await?;
    Ok(())
}

/// Every sheet of a call (the experts by code), in order of application and expert.
pub async fn sheets(c: &mut Conn, call_id: i64) -> Result<Vec<Sheet>, StoreError> {
    let rows: Vec<(i64, String, String, String)> = c
        .fetch_all(
            Sql::new(
                "SELECT a.id, a.code, e.code, s.scores FROM research_sheets s JOIN research_applications a ON a.id = s.application_id \
                 JOIN research_experts e ON e.id = s.expert_id WHERE a.call_id = $1 ORDER BY a.code, e.id",
            )
            .bind(call_id),
        )
        .await?;
    Ok(rows.into_iter().map(|(application_id, application_code, expert_code, s)| Sheet { application_id, application_code, expert_code, scores: parse_scores(&s) }).collect())
}

/// The ranking, recomputed from the sheets: each forwarded application's score (weighted totals
/// averaged as the call says), the funded ones within the line, and a tie at the line.
pub async fn outcome(c: &mut Conn, call: &CallRow) -> Result<(HashMap<i64, Frac>, Outcome<Frac>), StoreError> {
    let mut by_app: HashMap<i64, Vec<Vec<u32>>> = HashMap::new();
    for s in sheets(c, call.id).await? {
        by_app.entry(s.application_id).or_default().push(s.scores);
    }
    let scores = rd::scores(&call.criteria(), call.trim_extremes, &by_app);
    let o = sel::outcome_scored(&scores, call.funded as u32, &HashSet::new(), &call.tie_order());
    Ok((scores, o))
}

async fn call_for_update(c: &mut Conn, scope: &Scope, id: i64) -> Result<CallRow, StoreError> {
    crate::scope::office_only(scope)?;
    lock_call(c, id, false).await
}

async fn set_stage(c: &mut Conn, scope: &Scope, call: &CallRow, to: Stage, action: &str, extra: serde_json::Value) -> Result<(), StoreError> {
    let n = c.execute(Sql::new("UPDATE research_calls SET stage = $1 WHERE id = $2 AND stage = $3").bind(to.code()).bind(call.id).bind(call.stage().code())).await?;
    StoreError::unless_changed(n, "状态已变化，请刷新", "The call has moved on; reload it")?;
    audit::append(c, scope, action, "research_call", call.id, None, audit::snapshot(&extra)).await?;
    Ok(())
}

/// The office closes applications after the deadline: the experts score.
pub async fn close(c: &mut Conn, scope: &Scope, id: i64) -> Result<(), StoreError> {
    let call = call_for_update(c, scope, id).await?;
    if call.stage() != Stage::Open {
        return Err(StoreError::conflict("申报已截止", "Applications are closed already"));
    }
    if today() <= call.deadline {
        let d = pacesetter_domain::dates::iso(call.deadline);
        return Err(StoreError::conflict(format!("申报到 {d} 截止，截止后才能开始评审"), format!("Applications run until {d}; the review starts after")));
    }
    if experts(c, id).await?.is_empty() {
        return Err(StoreError::conflict("请先指定评审专家", "Name the experts first"));
    }
    let (_, unscorable) = missing_sheets(c, id).await?;
    if unscorable > 0 {
        return Err(StoreError::conflict(
            format!("有 {unscorable} 份申报没有可评审的专家（专家都需回避），请增加专家"),
            format!("{unscorable} applications have no expert who may score them; name more experts"),
        ));
    }
    set_stage(c, scope, &call, Stage::Review, "research.close", serde_json::json!({})).await
}

/// The office orders those tied at the funding line, with its reason.
pub async fn decide_tie(c: &mut Conn, scope: &Scope, id: i64, order: &[i64], reason: &str) -> Result<(), StoreError> {
    let call = call_for_update(c, scope, id).await?;
    if call.stage() != Stage::Review {
        return Err(StoreError::conflict("只在评审阶段确定并列先后", "A tie is decided during the review"));
    }
    let (missing, _) = missing_sheets(c, id).await?;
    if missing > 0 {
        return Err(StoreError::conflict(
            format!("还有 {missing} 份评分表未提交，全部提交后再确定并列先后"),
            format!("{missing} score sheets are still missing; decide a tie once all are in"),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || pacesetter_domain::validate::has_control(reason) || reason.chars().count() > 500 {
        return Err(StoreError::invalid("reason", "请写明确定先后的理由（500字以内）", "Give the reason for the order (500 characters at most)"));
    }
    let (_, o) = outcome(c, &call).await?;
    let (order, reasons) = sel::record_tie(&o.tie_at_line, order, &call.tie_order(), call.tie_reason.as_deref(), reason).map_err(|t| {
        StoreError::Invalid({
            let mut e = pacesetter_domain::validate::FieldErrors::new();
            e.add("order", t.zh, t.en);
            e
        })
    })?;
    c.execute(
        Sql::new("UPDATE research_calls SET tie_order = $1, tie_reason = $2 WHERE id = $3").bind(serde_json::to_string(&order).unwrap_or_default()).bind(reasons.as_str()).bind(id),
    )
    .await?;
    audit::append(c, scope, "research.tie", "research_call", id, None, audit::snapshot(&serde_json::json!({"order": order, "reason": reason}))).await?;
    Ok(())
}

/// The office puts the approval list on public notice for the call's working days: once every
/// forwarded application has all its sheets, and no tie is open at the line.
pub async fn publish(c: &mut Conn, scope: &Scope, id: i64, calendar: &Calendar) -> Result<Date, StoreError> {
    let call = call_for_update(c, scope, id).await?;
    if call.stage() != Stage::Review {
        return Err(StoreError::conflict("只有评审结束后才能公示", "Only a reviewed call is put on notice"));
    }
    let (missing, unscorable) = missing_sheets(c, id).await?;
    if unscorable > 0 {
        return Err(StoreError::conflict(
            format!("有 {unscorable} 份申报没有可评审的专家，请增加专家"),
            format!("{unscorable} applications have no expert who may score them; name more experts"),
        ));
    }
    if missing > 0 {
        return Err(StoreError::conflict(format!("还有 {missing} 份评分表未提交"), format!("{missing} score sheets are still missing")));
    }
    let (_, o) = outcome(c, &call).await?;
    if !o.tie_at_line.is_empty() {
        return Err(StoreError::conflict("立项线上有并列，请先确定先后并写明理由", "A tie at the funding line must be decided, with a reason, first"));
    }
    if o.selected.is_empty() {
        return Err(StoreError::conflict("没有可立项的申请", "Nothing is to be funded"));
    }
    let from = today();
    let until = sel::notice_end(calendar, from, call.notice_days as u32);
    c.execute(Sql::new("UPDATE research_calls SET notice_from = $1, notice_until = $2 WHERE id = $3").bind(from).bind(until).bind(id)).await?;
    set_stage(c, scope, &call, Stage::Notice, "research.publish", serde_json::json!({"selected": o.selected, "until": pacesetter_domain::dates::iso(until)})).await?;
    Ok(until)
}

/// After the notice, the office approves: the funded projects get their funding (the budget
/// asked, within the category's cap).
pub async fn approve(c: &mut Conn, scope: &Scope, id: i64, decision: &str) -> Result<(), StoreError> {
    let call = call_for_update(c, scope, id).await?;
    if call.stage() != Stage::Notice {
        return Err(StoreError::conflict("只有公示后才能立项", "Only a call that has been on notice is approved"));
    }
    if call.notice_until.is_some_and(|u| today() <= u) {
        let u = pacesetter_domain::dates::iso(call.notice_until.unwrap_or_else(today));
        return Err(StoreError::conflict(format!("公示期到 {u} 结束，结束后才能立项"), format!("The notice runs until {u}; approve after it")));
    }
    let decision = decision.trim();
    if decision.is_empty() || pacesetter_domain::validate::has_control(decision) || decision.chars().count() > 200 {
        return Err(StoreError::invalid("decision", "请填写立项文件（如文号）", "Give the decision (such as its document number)"));
    }
    let (_, o) = outcome(c, &call).await?;
    let caps: HashMap<String, i64> = call.categories().into_iter().map(|c| (c.code, c.cap)).collect();
    for a in &o.selected {
        let (category, budget): (String, i64) = c.fetch_one(Sql::new("SELECT category, budget FROM research_applications WHERE id = $1").bind(*a)).await?;
        let funding = budget.min(caps.get(&category).copied().unwrap_or(budget));
        c.execute(Sql::new("UPDATE research_applications SET funding = $1 WHERE id = $2").bind(funding).bind(*a)).await?;
    }
    c.execute(Sql::new("UPDATE research_calls SET decision = $1 WHERE id = $2").bind(decision).bind(id)).await?;
    set_stage(c, scope, &call, Stage::Final, "research.approve", serde_json::json!({"decision": decision, "funded": o.selected})).await
}

/// The name an expert sees a file under: never the applicant's own file name.
pub fn blind_file_name(id: i64, content_type: &str) -> String {
    let ext = match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        t if t.contains("spreadsheet") => "xlsx",
        _ => "docx",
    };
    format!("附件{id}.{ext}")
}

/// Every application of a call, with names (for the ranking, which only the office, the leaders
/// and the auditor see).
pub async fn all_of_call(c: &mut Conn, call_id: i64) -> Result<Vec<ApplicationRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{APP_SELECT} WHERE a.call_id = $1 ORDER BY a.code")).bind(call_id)).await?)
}

pub async fn files(c: &mut Conn, id: i64) -> Result<Vec<FileMeta>, StoreError> {
    crate::attachments::list(c, FILES, id).await
}

/// A file of an application: for those who read it with its names, and for the experts who
/// score it (its metadata was removed when it was handed in).
pub async fn file(c: &mut Conn, scope: &Scope, file: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let owner = crate::attachments::owner_of(c, FILES, file).await?;
    if application(c, scope, owner).await.is_err() {
        blind(c, scope, owner).await?;
        // An expert gets the file under a name that does not come from the applicant.
        let (_, content_type, data) = crate::attachments::read(c, FILES, file).await?;
        return Ok((blind_file_name(file, &content_type), content_type, data));
    }
    crate::attachments::read(c, FILES, file).await
}

// ---- reports of funded projects -----------------------------------------------------------------

const REPORT_FILES: crate::attachments::Table = crate::attachments::RESEARCH_REPORT;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub application_id: i64,
    pub kind: String,
    pub body: String,
    pub state: String,
    pub comment: Option<String>,
    pub submitted_ms: i64,
    pub reviewed_ms: Option<i64>,
}

impl ReportRow {
    pub fn kind(&self) -> rd::ReportKind {
        rd::ReportKind::parse(&self.kind).unwrap_or(rd::ReportKind::Midterm)
    }
    pub fn state(&self) -> rd::ReportState {
        rd::ReportState::parse(&self.state).unwrap_or(rd::ReportState::Submitted)
    }
}

const REPORT_SELECT: &str = "SELECT id, application_id, kind, body, state, comment, submitted_ms, reviewed_ms FROM research_reports";

/// A project's reports, mid-term first.
pub async fn reports(c: &mut Conn, application: i64) -> Result<Vec<ReportRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{REPORT_SELECT} WHERE application_id = $1 ORDER BY kind DESC")).bind(application)).await?)
}

/// Whether the caller is the project's applicant or on its team.
async fn on_project(c: &mut Conn, scope: &Scope, a: &ApplicationRow) -> Result<bool, StoreError> {
    let Some(me) = scope.person else { return Ok(false) };
    Ok(me.0 == a.applicant_person_id || c.fetch_i64(Sql::new("SELECT COUNT(*) FROM research_team WHERE application_id = $1 AND person_id = $2").bind(a.id).bind(me.0)).await? > 0)
}

/// The applicant or a team member hands in a funded project's report (again in its place after
/// a return).
pub async fn submit_report(c: &mut Conn, scope: &Scope, application: i64, kind: rd::ReportKind, body: &str, files: Vec<NewFile>) -> Result<i64, StoreError> {
    let a = self::application(c, scope, application).await?;
    if !on_project(c, scope, &a).await? {
        return Err(StoreError::forbidden("由课题负责人或课题组成员提交", "The project's leader or team hands it in"));
    }
    if a.funding.is_none() {
        return Err(StoreError::conflict("只有已立项的课题才提交报告", "Only an approved project reports"));
    }
    let so_far: Vec<(rd::ReportKind, rd::ReportState)> = reports(c, application).await?.iter().map(|r| (r.kind(), r.state())).collect();
    rd::may_report(kind, &so_far).map_err(|(zh, en)| StoreError::conflict(zh, en))?;
    let now = now_ms();
    let existing = c.fetch_opt_i64(Sql::new("SELECT id FROM research_reports WHERE application_id = $1 AND kind = $2").bind(application).bind(kind.code())).await?;
    let id = match existing {
        Some(id) => {
            let n = c
                .execute(
                    Sql::new("UPDATE research_reports SET body = $1, state = 'submitted', comment = NULL, submitted_by = $2, submitted_ms = $3, reviewed_ms = NULL WHERE id = $4 AND state = 'returned'")
                        .bind(body)
                        .bind(scope.account.0)
                        .bind(now)
                        .bind(id),
                )
                .await?;
            StoreError::unless_changed(n, "报告状态已变化，请刷新", "The report has moved on; reload it")?;
            id
        }
        None => c
            .fetch_i64(
                Sql::new("INSERT INTO research_reports (application_id, kind, body, state, submitted_by, submitted_ms) VALUES ($1, $2, $3, 'submitted', $4, $5) RETURNING id")
                    .bind(application)
                    .bind(kind.code())
                    .bind(body)
                    .bind(scope.account.0)
                    .bind(now),
            )
            .await
            .map_err(|e| StoreError::on_duplicate(e, "这份报告已提交", "This report has been handed in"))?,
    };
    let listed = crate::attachments::keep(c, REPORT_FILES, id, files).await?;
    audit::append(
        c,
        scope,
        "research.report",
        "research_application",
        application,
        None,
        audit::snapshot(&serde_json::json!({"kind": kind.code(), "report": id, "files": listed})),
    )
    .await?;
    Ok(id)
}

/// The office passes a report, or returns it with a reason.
pub async fn review_report(c: &mut Conn, scope: &Scope, report: i64, pass: bool, comment: Option<&str>) -> Result<ReportRow, StoreError> {
    crate::scope::office_only(scope)?;
    let r: ReportRow = c.fetch_optional(Sql::new(format!("{REPORT_SELECT} WHERE id = $1")).bind(report)).await?.ok_or(StoreError::NotFound)?;
    if !pass && comment.is_none() {
        return Err(StoreError::invalid("comment", "退回时请说明理由", "Say why it is returned"));
    }
    let to = if pass { rd::ReportState::Passed } else { rd::ReportState::Returned };
    let n = c
        .execute(
            Sql::new("UPDATE research_reports SET state = $1, comment = $2, reviewed_ms = $3 WHERE id = $4 AND state = 'submitted'")
                .bind(to.code())
                .bind(comment)
                .bind(now_ms())
                .bind(report),
        )
        .await?;
    StoreError::unless_changed(n, "这份报告已审核过", "This report has been reviewed already")?;
    audit::append(
        c,
        scope,
        "research.report_review",
        "research_application",
        r.application_id,
        None,
        audit::snapshot(&serde_json::json!({"report": report, "state": to.code(), "comment": comment})),
    )
    .await?;
    Ok(c.fetch_one(Sql::new(format!("{REPORT_SELECT} WHERE id = $1")).bind(report)).await?)
}

pub async fn report_files(c: &mut Conn, report: i64) -> Result<Vec<FileMeta>, StoreError> {
    crate::attachments::list(c, REPORT_FILES, report).await
}

/// A report's file, for those who read the project with its names.
pub async fn report_file(c: &mut Conn, scope: &Scope, file: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let report = crate::attachments::owner_of(c, REPORT_FILES, file).await?;
    let application = c.fetch_opt_i64(Sql::new("SELECT application_id FROM research_reports WHERE id = $1").bind(report)).await?.ok_or(StoreError::NotFound)?;
    self::application(c, scope, application).await?;
    crate::attachments::read(c, REPORT_FILES, file).await
}

/// The demo's call as of `day`: opened before the deadline of 3月下旬 (item 18), with
/// applications from two colleges, the first college's forwarded, four experts named and the
/// review under way (the first three experts have scored; the fourth has not).
pub async fn demo(c: &mut Conn, day: Date) -> Result<(), StoreError> {
    let office = Scope { roles: vec![Role::Office], ..Scope::system("demo-loader") };
    let Some(campaign) = crate::campaign::current(c).await? else { return Ok(()) };
    let scope_of = async |c: &mut Conn, username: &str| -> Result<Option<Scope>, StoreError> {
        let Some(id) = c.fetch_opt_i64(Sql::new("SELECT id FROM accounts WHERE username = $1").bind(username)).await? else { return Ok(None) };
        crate::scope::load(c, pacesetter_domain::ids::AccountId(id), day).await
    };
    let d = rd::read_call(
        "2012年度校级党建研究课题",
        &pacesetter_domain::dates::iso(day + time::Duration::days(1)),
        "重点课题 20000\n一般课题 8000",
        "选题意义 30\n研究基础 20\n研究方案 30\n预期成果 20",
        "trim",
        "5",
        "3",
        "5",
    )
    .map_err(StoreError::Invalid)?;
    let id = create_call(c, &office, campaign.id, &d).await?;
    let applications: [(&str, &str, &str, i64, &str); 4] = [
        (
            "member",
            "c2",
            "学生党员在创先争优中发挥先锋模范作用的路径研究",
            6000,
            "以两个学生党支部为样本，研究“党员先锋岗”“亮身份”等做法对学生党员的激励作用，采用问卷调查与个案访谈。",
        ),
        ("orgsec", "c1", "高校二级党组织公开承诺制度的实践与完善", 18000, "梳理公开承诺、践诺、评诺的流程，分析承诺内容与群众需求的匹配程度，提出完善评诺机制的对策。"),
        ("branchsec", "c2", "把党支部建在项目组上的机制研究", 8000, "研究科研项目组中设立党小组的做法，比较三种组织方式在组织生活质量和科研协作上的差异。"),
        ("branchsec2", "c2", "窗口服务满意度测评结果的运用研究", 7000, "以校内服务窗口为对象，研究满意度测评结果与整改、评优的衔接方式。"),
    ];
    let mut handed_in = Vec::new();
    for (user, category, title, budget, blind) in applications {
        let Some(s) = scope_of(c, user).await? else { continue };
        let draft = rd::read_application(&d.categories, category, title, &budget.to_string(), blind).map_err(StoreError::Invalid)?;
        let app = apply(c, &s, id, &draft, &[], Vec::new()).await?;
        handed_in.push(app);
    }
    // The first college forwards its applications (within its quota of 3).
    if let Some(college) = scope_of(c, "orgsec").await? {
        for app in &handed_in {
            let a: ApplicationRow = c.fetch_one(Sql::new(format!("{APP_SELECT} WHERE a.id = $1")).bind(*app)).await?;
            if college.party_access(&a.org_path) == Some(Access::Write) {
                forward(c, &college, *app, true, None).await?;
            }
        }
    }
    let named = ["teacher", "cadre", "unithead", "contact"];
    for e in named {
        if c.fetch_opt_i64(Sql::new("SELECT id FROM accounts WHERE username = $1").bind(e)).await?.is_some() {
            name_expert(c, &office, id, e).await?;
        }
    }
    // The deadline (3月下旬) has passed as of the demo's day: applications are closed.
    c.execute(Sql::new("UPDATE research_calls SET deadline = $1 WHERE id = $2").bind(time::macros::date!(2012 - 03 - 23)).bind(id)).await?;
    if experts(c, id).await?.is_empty() {
        return Ok(());
    }
    close(c, &office, id).await?;
    for (k, e) in named.iter().take(3).enumerate() {
        let Some(s) = scope_of(c, e).await? else { continue };
        let (_, rows) = blind_list(c, &s, id).await?;
        for (j, row) in rows.iter().enumerate() {
            let base = 70 + ((k * 7 + j * 5) % 25) as u32;
            let sheet = [base, base.saturating_sub(5), (base + 3).min(100), base.saturating_sub(2)].map(|v| v.to_string());
            score(c, &s, row.id, &sheet).await?;
        }
    }
    Ok(())
}
