//! Public commitments (承诺 → 践诺 → 评诺). A commitment hangs on a campaign task whose
//! deliverable is `commitment`: the task names the owner (an organization, a member, a window
//! unit), the date commitments are owed, and who reviews them, so scope, reminders, coverage and
//! the dashboards' roll-ups are the tasks'. The task's state follows its commitments
//! ([`sync_task`]): open until one is handed in, then submitted, returned or accepted.

use crate::db::{Conn, Sql};
use crate::task::{self, TaskRow, push_task_condition};
use crate::tree::Node;
use crate::{StoreError, audit};
use pacesetter_domain::commitment::{self as rule, Action, Content, PublicField, State, Summary};
use pacesetter_domain::dates::{cst_date, now_ms, today};
use pacesetter_domain::plan::Deliverable;
use pacesetter_domain::scope::{Access, Reach, Scope};
use pacesetter_domain::survey::Rate;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use time::Date;

// ---- requirements (争创要求) ----------------------------------------------------------------

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RequirementRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub parent_id: Option<i64>,
    pub title: String,
    pub text: String,
    pub created_by: String,
    pub created_ms: i64,
}

const REQ_SELECT: &str = "SELECT r.id, r.org_id, o.name AS org_name, o.path AS org_path, r.parent_id, r.title, r.text, r.created_by, r.created_ms \
     FROM commitment_requirements r JOIN orgs o ON o.id = r.org_id";

fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// The requirements addressed to an organization and to every organization above it: those a
/// commitment of that organization, or of its members, may answer.
pub async fn requirements_for(c: &mut Conn, campaign: i64, org_path: &str) -> Result<Vec<RequirementRow>, StoreError> {
    let ids = path_ids(org_path);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(REQ_SELECT);
    q.push(" WHERE r.campaign_id = ").push_bind(campaign).push(" AND r.org_id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push_bind(*id);
    }
    q.push(") ORDER BY o.depth, r.id");
    Ok(c.fetch_all(q).await?)
}

/// The requirements a caller can read: those addressed inside their reach, and those above it
/// that their organizations answer.
pub async fn requirements_visible(c: &mut Conn, scope: &Scope, campaign: i64) -> Result<Vec<RequirementRow>, StoreError> {
    let mut q = Sql::new(REQ_SELECT);
    q.push(" WHERE r.campaign_id = ").push_bind(campaign).push(" AND ");
    push_requirement_condition(&mut q, scope);
    q.push(" ORDER BY o.depth, o.path, r.id");
    Ok(c.fetch_all(q).await?)
}

/// The condition for the requirements a caller can read (joined as `o`, the organization they are
/// addressed to): addressed inside one of their organizations, or above it.
fn push_requirement_condition(q: &mut Sql, scope: &Scope) {
    if scope.global().is_some() {
        q.push("(1 = 1)");
        return;
    }
    q.push("(1 = 0");
    for r in scope.reaches_at_least(Access::Read) {
        if let Reach::Org(p) = r {
            q.push(" OR o.path LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
            q.push(" OR ").push_bind(p.clone()).push(" LIKE o.path || '%'");
        }
    }
    q.push(")");
}

/// Whether the caller can read a requirement: a requirement they cannot read is not there for
/// them (404); one they can read but may not use is a mistake to correct (422).
async fn requirement_readable(c: &mut Conn, scope: &Scope, campaign: i64, id: i64) -> Result<bool, StoreError> {
    let mut q = Sql::new("SELECT r.id FROM commitment_requirements r JOIN orgs o ON o.id = r.org_id WHERE r.id = ");
    q.push_bind(id).push(" AND r.campaign_id = ").push_bind(campaign).push(" AND ");
    push_requirement_condition(&mut q, scope);
    Ok(c.fetch_opt_i64(q).await?.is_some())
}

/// The condition for the organizations (joined as `o`) the caller may act on.
fn push_org_write_condition(q: &mut Sql, scope: &Scope) {
    if scope.global() == Some(Access::Write) {
        q.push("(1 = 1)");
        return;
    }
    q.push("(1 = 0");
    for r in scope.reaches_at_least(Access::Write) {
        if let Reach::Org(p) = r {
            q.push(" OR o.path LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
        }
    }
    q.push(")");
}

/// The condition for the organizations (joined as `o`) the caller may read.
fn push_org_read_condition(q: &mut Sql, scope: &Scope) {
    if scope.global().is_some() {
        q.push("(1 = 1)");
        return;
    }
    q.push("(1 = 0");
    for r in scope.reaches_at_least(Access::Read) {
        if let Reach::Org(p) = r {
            q.push(" OR o.path LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
        }
    }
    q.push(")");
}

const ORG_COLUMNS: &str = "o.id, o.parent_id, o.kind, o.name, o.path, o.depth, o.closed_on, o.category, o.linked_unit_id";

/// An organization the caller reaches (to read, or with `write` to act on), for the coverage,
/// the roll-up and the evaluation below it; without an id, the caller's highest organization
/// (the root for the office and the leaders).
pub async fn org_in_reach(c: &mut Conn, scope: &Scope, id: Option<i64>, write: bool) -> Result<Node, StoreError> {
    let mut q = Sql::new(format!("SELECT {ORG_COLUMNS} FROM orgs o WHERE "));
    match id {
        Some(id) => {
            q.push("o.id = ").push_bind(id);
        }
        None => {
            q.push("o.closed_on IS NULL");
        }
    }
    q.push(" AND ");
    if write {
        push_org_write_condition(&mut q, scope);
    } else {
        push_org_read_condition(&mut q, scope);
    }
    q.push(" ORDER BY o.depth, o.id LIMIT 1");
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// Hands a requirement down to an organization: its secretary (for itself and, a branch, its
/// members), the level above, or the office. A parent requirement must be addressed to the
/// organization or above it.
pub async fn add_requirement(c: &mut Conn, scope: &Scope, campaign: i64, org: i64, parent: Option<i64>, title: &str, text: &str) -> Result<RequirementRow, StoreError> {
    let mut q = Sql::new("SELECT o.path FROM orgs o WHERE o.id = ");
    q.push_bind(org).push(" AND o.closed_on IS NULL AND ");
    push_org_write_condition(&mut q, scope);
    let path = c.fetch_opt_string(q).await?.ok_or(StoreError::NotFound)?;
    if let Some(p) = parent {
        let above = requirements_for(c, campaign, &path).await?;
        if !above.iter().any(|r| r.id == p) {
            if !requirement_readable(c, scope, campaign, p).await? {
                return Err(StoreError::NotFound);
            }
            return Err(StoreError::invalid("parent", "所分解的要求须是下达给本组织或上级组织的", "The requirement split must be addressed to this organization or above it"));
        }
    }
    let (title, text) = rule::parse_requirement(title, text).map_err(StoreError::Invalid)?;
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO commitment_requirements (campaign_id, org_id, parent_id, title, text, created_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(campaign)
                .bind(org)
                .bind(parent)
                .bind(title.as_str())
                .bind(text.as_str())
                .bind(scope.actor.as_str())
                .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "requirement.create", "org", org, None, Some(serde_json::json!({"id": id, "parent": parent, "title": title}).to_string())).await?;
    requirement_just_made(c, id).await
}

/// The requirement just handed down, as lists show it (private: its caller checked the reach).
async fn requirement_just_made(c: &mut Conn, id: i64) -> Result<RequirementRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{REQ_SELECT} WHERE r.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// The organizations the caller may hand a requirement down to: those they may act on, down to
/// branches (a 党小组 takes none), the highest first.
pub async fn addressable_orgs(c: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Node>, StoreError> {
    let mut q = Sql::new(format!("SELECT {ORG_COLUMNS} FROM orgs o WHERE o.closed_on IS NULL AND o.kind <> 'group' AND "));
    push_org_write_condition(&mut q, scope);
    q.push(" ORDER BY o.depth, o.id LIMIT ").push_bind(limit);
    Ok(c.fetch_all(q).await?)
}

// ---- commitments --------------------------------------------------------------------------

/// A commitment with what lists and pages show of its task and owner.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CommitmentRow {
    pub id: i64,
    pub task_id: i64,
    pub campaign_id: i64,
    pub requirement_id: Option<i64>,
    pub category: String,
    pub content: String,
    pub measures: String,
    pub target: String,
    pub due: Date,
    pub state: String,
    pub percent: i64,
    pub first_submitted: Option<Date>,
    pub approved_ms: Option<i64>,
    pub version: i64,
    pub pending_revision: Option<i64>,
    pub updated_ms: i64,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub person_id: Option<i64>,
    pub owner_name: String,
    pub owner_path: Option<String>,
    /// The Party organization the commitment counts for: the owner, or a member's own.
    pub org_name: Option<String>,
    pub board_org_id: Option<i64>,
    /// The date commitments were owed (the task's date in force).
    pub deadline: Option<Date>,
    /// The task's reviewer (office or parent) and its campaign's state.
    pub reviewer: String,
    pub campaign_state: String,
}

impl CommitmentRow {
    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Draft)
    }
    pub fn overdue(&self, today: Date) -> bool {
        self.state().is_public() && rule::is_overdue(self.state(), self.due, today)
    }
    pub fn late(&self) -> bool {
        rule::is_late(self.first_submitted, self.deadline)
    }
    pub fn owner_kind(&self) -> &'static str {
        if self.org_id.is_some() {
            "org"
        } else if self.unit_id.is_some() {
            "unit"
        } else {
            "member"
        }
    }
    /// Who owns it and reviews it: the caller's rights follow from this, as for its task.
    pub fn ownership(&self) -> task::Ownership<'_> {
        task::Ownership {
            org_id: self.org_id,
            unit_id: self.unit_id,
            person_id: self.person_id,
            owner_path: self.owner_path.as_deref(),
            reviewer: pacesetter_domain::plan::Reviewer::parse(&self.reviewer).unwrap_or(pacesetter_domain::plan::Reviewer::Office),
            active: self.campaign_state == "active",
        }
    }
    fn fields(&self) -> Content {
        Content { category: self.category.clone(), content: self.content.clone(), measures: self.measures.clone(), target: self.target.clone(), due: self.due }
    }
}

const SELECT: &str = "SELECT cm.id, cm.task_id, cm.campaign_id, cm.requirement_id, cm.category, cm.content, cm.measures, cm.target, cm.due, cm.state, cm.percent, \
     cm.first_submitted, cm.approved_ms, cm.version, cm.pending_revision, cm.updated_ms, t.org_id, t.unit_id, t.person_id, \
     COALESCE(o.name, u.name, p.name, '') AS owner_name, COALESCE(o.path, u.path, mo.path) AS owner_path, COALESCE(o.name, mo.name) AS org_name, \
     COALESCE(t.org_id, t.member_org_id) AS board_org_id, COALESCE(t.extended_due, tt.due_date) AS deadline, tt.reviewer, k.state AS campaign_state \
     FROM commitments cm JOIN tasks t ON t.id = cm.task_id JOIN task_templates tt ON tt.id = t.template_id JOIN campaigns k ON k.id = t.campaign_id \
     LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN people p ON p.id = t.person_id \
     LEFT JOIN orgs mo ON mo.id = t.member_org_id";

const PUBLIC_STATES: &str = "('approved', 'in_progress', 'fulfilled')";

/// A commitment the caller may read: any public one (approved and after) for anyone logged in;
/// the others through the task's scope.
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<CommitmentRow, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE cm.id = ").push_bind(id).push(&format!(" AND (cm.state IN {PUBLIC_STATES} OR "));
    push_task_condition(&mut q, scope);
    q.push(")");
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// `(SELECT cm.id …)`: the commitments the caller may read (the rule of [`get`]).
pub(crate) fn push_readable_ids(q: &mut Sql, scope: &Scope) {
    q.push(
        "(SELECT cm.id FROM commitments cm JOIN tasks t ON t.id = cm.task_id LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id \
         WHERE ",
    );
    q.push(&format!("cm.state IN {PUBLIC_STATES} OR "));
    push_task_condition(q, scope);
    q.push(")");
}

/// Filters of the lists.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub campaign: Option<i64>,
    /// Commitments counted within this organization's subtree (its own and its members').
    pub org_path: Option<String>,
    pub unit_path: Option<String>,
    pub category: Option<String>,
    pub state: Option<State>,
    pub task: Option<i64>,
    /// Only approved and later (the board).
    pub public_only: bool,
    /// Waiting for the caller's review: under review, or an amendment pending.
    pub to_review: bool,
}

/// The commitments a caller can see, with the filters, in board order (organization, owner).
pub async fn list(c: &mut Conn, scope: &Scope, f: &Filter) -> Result<Vec<CommitmentRow>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE ");
    if f.public_only {
        q.push(&format!("cm.state IN {PUBLIC_STATES}"));
    } else {
        push_task_condition(&mut q, scope);
    }
    if let Some(id) = f.campaign {
        q.push(" AND cm.campaign_id = ").push_bind(id);
    }
    if let Some(p) = &f.org_path {
        q.push(" AND COALESCE(o.path, mo.path) LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
    }
    if let Some(p) = &f.unit_path {
        q.push(" AND u.path LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
    }
    if let Some(cat) = &f.category {
        q.push(" AND cm.category = ").push_bind(cat.clone());
    }
    if let Some(s) = f.state {
        q.push(" AND cm.state = ").push_bind(s.code());
    }
    if let Some(t) = f.task {
        q.push(" AND cm.task_id = ").push_bind(t);
    }
    if f.to_review {
        q.push(" AND (cm.state = 'under_review' OR cm.pending_revision IS NOT NULL)");
    }
    q.push(" ORDER BY COALESCE(o.path, mo.path, u.path), t.org_id IS NULL, owner_name, cm.id");
    let rows: Vec<CommitmentRow> = c.fetch_all(q).await?;
    if !f.to_review {
        return Ok(rows);
    }
    // Those the caller reviews, by the task's rule.
    Ok(rows.into_iter().filter(|r| task::rights_of(scope, &r.ownership()).review).collect())
}

/// The commitment tasks the caller owes (their own, and those of the organizations and units they
/// act for) in a campaign.
pub async fn my_tasks(c: &mut Conn, scope: &Scope, campaign: i64) -> Result<Vec<TaskRow>, StoreError> {
    let rows = task::list(c, scope, &task::TaskFilter { campaign: Some(campaign), mine: true, ..Default::default() }).await?;
    Ok(rows.into_iter().filter(|t| t.deliverable() == Deliverable::Commitment).collect())
}

/// The commitment tasks of a campaign inside an organization's (or the caller's) reach, for
/// coverage: a task still open has no commitment handed in.
pub async fn coverage(c: &mut Conn, scope: &Scope, campaign: i64, org_path: Option<String>, unit_path: Option<String>) -> Result<Vec<TaskRow>, StoreError> {
    let mut out = Vec::new();
    for t in crate::campaign::templates(c, campaign).await?.into_iter().filter(|t| t.deliverable() == Deliverable::Commitment) {
        let f = task::TaskFilter { campaign: Some(campaign), template: Some(t.id), org_path: org_path.clone(), unit_path: unit_path.clone(), ..Default::default() };
        out.extend(task::list(c, scope, &f).await?);
    }
    Ok(out)
}

async fn owned_task(c: &mut Conn, scope: &Scope, task_id: i64) -> Result<TaskRow, StoreError> {
    let t = task::get(c, scope, task_id).await?;
    if t.deliverable() != Deliverable::Commitment {
        return Err(StoreError::NotFound);
    }
    if !task::rights(scope, &t).submit {
        return Err(if t.campaign_state != "active" {
            StoreError::conflict("该活动已归档，只读", "This campaign is archived and read-only")
        } else {
            StoreError::forbidden("只有承诺人（或其党组织负责人）可以填写承诺", "Only the owner makes this commitment")
        });
    }
    Ok(t)
}

/// The requirements a commitment of this owner may answer: those addressed to its organization
/// (a member's own) or above; a unit's, those addressed to the whole university.
pub async fn requirements_answerable(c: &mut Conn, campaign: i64, unit_id: Option<i64>, owner_path: Option<&str>) -> Result<Vec<RequirementRow>, StoreError> {
    let path = match (unit_id, owner_path) {
        (None, Some(p)) => p.to_string(),
        _ => c.fetch_opt_string(Sql::new("SELECT path FROM orgs WHERE depth = 0 ORDER BY id LIMIT 1")).await?.unwrap_or_default(),
    };
    requirements_for(c, campaign, &path).await
}

async fn check_requirement(c: &mut Conn, scope: &Scope, t: &TaskRow, requirement: Option<i64>) -> Result<(), StoreError> {
    let Some(r) = requirement else { return Ok(()) };
    if !requirements_answerable(c, t.campaign_id, t.unit_id, t.owner_path.as_deref()).await?.iter().any(|x| x.id == r) {
        // One the caller cannot even read is not there for them.
        if !requirement_readable(c, scope, t.campaign_id, r).await? {
            return Err(StoreError::NotFound);
        }
        return Err(StoreError::invalid("requirement", "请选择下达给本组织或上级组织的争创要求", "Choose a requirement addressed to this organization or above it"));
    }
    Ok(())
}

/// Starts a commitment (a draft) on a commitment task.
pub async fn create(c: &mut Conn, scope: &Scope, task_id: i64, requirement: Option<i64>, content: &Content) -> Result<i64, StoreError> {
    let t = owned_task(c, scope, task_id).await?;
    check_requirement(c, scope, &t, requirement).await?;
    let now = now_ms();
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO commitments (task_id, campaign_id, requirement_id, category, content, measures, target, due, state, percent, version, created_ms, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', 0, 1, $9, $9) RETURNING id",
            )
            .bind(task_id)
            .bind(t.campaign_id)
            .bind(requirement)
            .bind(content.category.as_str())
            .bind(content.content.as_str())
            .bind(content.measures.as_str())
            .bind(content.target.as_str())
            .bind(content.due)
            .bind(now),
        )
        .await?;
    audit::append(c, scope, "commitment.create", "commitment", id, None, audit::snapshot(content)).await?;
    Ok(id)
}

async fn owned(c: &mut Conn, scope: &Scope, id: i64) -> Result<(CommitmentRow, TaskRow), StoreError> {
    let row = get(c, scope, id).await?;
    let t = owned_task(c, scope, row.task_id).await?;
    Ok((row, t))
}

/// Changes a commitment: in place while a draft or returned; once approved, as an amendment that
/// waits for review while the approved text stays in force.
pub async fn update(c: &mut Conn, scope: &Scope, id: i64, requirement: Option<i64>, content: &Content) -> Result<(), StoreError> {
    let (row, t) = owned(c, scope, id).await?;
    check_requirement(c, scope, &t, requirement).await?;
    let now = now_ms();
    let state = row.state();
    if state.is_editable() {
        // In place only while it is still the draft (or the returned one) that was read: handed
        // in meanwhile, the version under review must not change under the reviewer.
        let n = c
            .execute(
                Sql::new(
                    "UPDATE commitments SET requirement_id = $1, category = $2, content = $3, measures = $4, target = $5, due = $6, updated_ms = $7 WHERE id = $8 AND state = $9",
                )
                .bind(requirement)
                .bind(content.category.as_str())
                .bind(content.content.as_str())
                .bind(content.measures.as_str())
                .bind(content.target.as_str())
                .bind(content.due)
                .bind(now)
                .bind(id)
                .bind(row.state.as_str()),
            )
            .await?;
        StoreError::unless_changed(n, "承诺刚刚已被提交或审核，请刷新后再修改", "The commitment was handed in or decided meanwhile; reload before changing it")?;
        audit::append(c, scope, "commitment.edit", "commitment", id, audit::snapshot(&row.fields()), audit::snapshot(content)).await?;
        return Ok(());
    }
    if state == State::UnderReview || row.pending_revision.is_some() {
        return Err(StoreError::conflict("承诺正在审核，审核后才能再修改", "The commitment is under review; change it after the decision"));
    }
    if state == State::Fulfilled {
        return Err(StoreError::conflict("已兑现的承诺不能再修改", "A fulfilled commitment can no longer change"));
    }
    let json = serde_json::json!({"requirement": requirement, "fields": content}).to_string();
    let rev = c
        .fetch_i64(
            Sql::new("INSERT INTO commitment_revisions (commitment_id, version, fields_json, submitted_by, submitted_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(id)
                .bind(row.version + 1)
                .bind(json)
                .bind(scope.actor.as_str())
                .bind(now),
        )
        .await?;
    let n = c
        .execute(
            Sql::new("UPDATE commitments SET pending_revision = $1, updated_ms = $2 WHERE id = $3 AND pending_revision IS NULL AND state IN ('approved', 'in_progress')")
                .bind(rev)
                .bind(now)
                .bind(id),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::conflict("承诺已有待审核的修改申请", "An amendment of this commitment is already waiting for review"));
    }
    audit::append(c, scope, "commitment.amend", "commitment", id, audit::snapshot(&row.fields()), audit::snapshot(content)).await?;
    Ok(())
}

/// Hands commitments in for review (a draft, or one returned). Each is checked; any problem
/// refuses the whole batch.
pub async fn submit(c: &mut Conn, scope: &Scope, ids: &[i64]) -> Result<usize, StoreError> {
    let now = now_ms();
    let day = cst_date(now);
    let ids = in_lock_order(ids);
    let mut tasks = BTreeSet::new();
    let mut entries = Vec::new();
    for id in &ids {
        let (row, t) = owned(c, scope, *id).await?;
        let next = rule::next(row.state(), Action::Submit).map_err(StoreError::Conflict)?;
        let n = c
            .execute(
                Sql::new("UPDATE commitments SET state = $1, first_submitted = COALESCE(first_submitted, $2), updated_ms = $3 WHERE id = $4 AND state = $5")
                    .bind(next.code())
                    .bind(day)
                    .bind(now)
                    .bind(*id)
                    .bind(row.state.as_str()),
            )
            .await?;
        StoreError::unless_changed(n, "承诺刚刚已被提交或修改，请刷新后查看", "The commitment was handed in or changed meanwhile; reload to see it")?;
        let json = serde_json::json!({"requirement": row.requirement_id, "fields": row.fields()}).to_string();
        c.execute(
            Sql::new("INSERT INTO commitment_revisions (commitment_id, version, fields_json, submitted_by, submitted_ms) VALUES ($1, $2, $3, $4, $5)")
                .bind(*id)
                .bind(row.version)
                .bind(json)
                .bind(scope.actor.as_str())
                .bind(now),
        )
        .await?;
        entries.push(audit::NewEntry {
            action: "commitment.submit".into(),
            entity: "commitment",
            entity_id: id.to_string(),
            before: Some(serde_json::json!({"state": row.state}).to_string()),
            after: Some(serde_json::json!({"state": next.code()}).to_string()),
        });
        tasks.insert(t.id);
    }
    for t in tasks {
        sync_task(c, t).await?;
    }
    audit::append_many(c, scope, entries).await?;
    Ok(ids.len())
}

/// The ids of a batch, each once and in ascending order: two batches that share commitments
/// then lock them in the same order on PostgreSQL and never wait for each other in a circle.
/// (Their tasks are locked after them, in order too, and the audit log's lock comes last.)
fn in_lock_order(ids: &[i64]) -> Vec<i64> {
    ids.iter().copied().collect::<BTreeSet<i64>>().into_iter().collect()
}

/// A reviewer's decision on a batch.
#[derive(Clone, Debug)]
pub enum Decision {
    Approve { comment: Option<String> },
    Return { comment: String },
}

/// A decision taken on one commitment of a batch, for the owner's notification.
#[derive(Clone, Debug)]
pub struct Decided {
    pub id: i64,
    /// The commitment's text in force when it was decided.
    pub content: String,
    pub approved: bool,
    pub comment: Option<String>,
    /// Its task (whose owner is told).
    pub task: TaskRow,
    pub at_ms: i64,
}

/// What a decision must carry whatever it is about: at least one commitment, a reason to return,
/// a comment of at most 1,000 characters (checked before the confirmation step too).
pub fn check_decision(ids: &[i64], d: &Decision) -> Result<(), StoreError> {
    if let Decision::Return { comment } = d {
        if comment.trim().is_empty() {
            return Err(StoreError::invalid("comment", "退回时请写明意见", "Say why it is returned"));
        }
    }
    let comment_len = match d {
        Decision::Approve { comment } => comment.as_deref().map(|c| c.chars().count()).unwrap_or(0),
        Decision::Return { comment } => comment.chars().count(),
    };
    if comment_len > 1000 {
        return Err(StoreError::invalid("comment", "审核意见不能超过 1000 字", "The comment is at most 1,000 characters"));
    }
    if ids.is_empty() {
        return Err(StoreError::invalid("ids", "请至少选择一项承诺", "Choose at least one commitment"));
    }
    Ok(())
}

/// Approves or returns commitments (or their pending amendments), one or a batch. The reviewer
/// is the task's: the level above the owner, or the office. Anything not waiting for this
/// reviewer refuses the whole batch. Returns what was decided, for the owners' notifications.
pub async fn review(c: &mut Conn, scope: &Scope, ids: &[i64], d: &Decision) -> Result<Vec<Decided>, StoreError> {
    check_decision(ids, d)?;
    let now = now_ms();
    let ids = in_lock_order(ids);
    let mut touched: BTreeSet<i64> = BTreeSet::new();
    let mut decided = Vec::new();
    let mut entries = Vec::new();
    for id in &ids {
        let row = get(c, scope, *id).await?;
        let t = task::get(c, scope, row.task_id).await?;
        if !task::rights(scope, &t).review {
            return Err(StoreError::forbidden("您不是该承诺的审核方", "You do not review this commitment"));
        }
        // Whoever handed the version in (acting for the owner from above) does not also approve it.
        let waiting =
            c.fetch_opt_string(Sql::new("SELECT submitted_by FROM commitment_revisions WHERE commitment_id = $1 AND decision IS NULL ORDER BY id DESC LIMIT 1").bind(*id)).await?;
        if waiting.as_deref() == Some(scope.actor.as_str()) {
            return Err(StoreError::forbidden("不能审核自己提交的承诺", "You cannot review a commitment you handed in yourself"));
        }
        let (approve, comment) = match d {
            Decision::Approve { comment } => (true, comment.clone()),
            Decision::Return { comment } => (false, Some(comment.clone())),
        };
        let decision = if approve { "approved" } else { "returned" };
        if let Some(rev) = row.pending_revision {
            // An amendment: the approved text stays until this decision.
            if approve && row.state() == State::Fulfilled {
                return Err(StoreError::conflict("承诺已兑现，不能再修改", "The commitment is fulfilled and can no longer change"));
            }
            let n = if approve {
                let json = c.fetch_opt_string(Sql::new("SELECT fields_json FROM commitment_revisions WHERE id = $1").bind(rev)).await?.unwrap_or_default();
                let v: serde_json::Value = serde_json::from_str(&json).map_err(|e| StoreError::Config(e.to_string()))?;
                let f: Content = serde_json::from_value(v["fields"].clone()).map_err(|e| StoreError::Config(e.to_string()))?;
                let req = v["requirement"].as_i64();
                c.execute(
                    Sql::new(
                        "UPDATE commitments SET requirement_id = $1, category = $2, content = $3, measures = $4, target = $5, due = $6, version = version + 1, pending_revision = NULL, updated_ms = $7 \
                         WHERE id = $8 AND pending_revision = $9 AND state <> 'fulfilled'",
                    )
                    .bind(req)
                    .bind(f.category.as_str())
                    .bind(f.content.as_str())
                    .bind(f.measures.as_str())
                    .bind(f.target.as_str())
                    .bind(f.due)
                    .bind(now)
                    .bind(*id)
                    .bind(rev),
                )
                .await?
            } else {
                c.execute(Sql::new("UPDATE commitments SET pending_revision = NULL, updated_ms = $1 WHERE id = $2 AND pending_revision = $3").bind(now).bind(*id).bind(rev)).await?
            };
            // Another reviewer decided meanwhile (PostgreSQL's read-committed writers), or a report
            // fulfilled the commitment: nothing twice, nothing after the fact.
            StoreError::unless_changed(
                n,
                "该修改申请已由他人审核或承诺已兑现，请刷新后查看",
                "Someone else has decided this amendment meanwhile, or the commitment is fulfilled; reload to see it",
            )?;
            c.execute(
                Sql::new("UPDATE commitment_revisions SET decision = $1, comment = $2, decided_by = $3, decided_ms = $4 WHERE id = $5")
                    .bind(decision)
                    .bind(comment.clone())
                    .bind(scope.actor.as_str())
                    .bind(now)
                    .bind(rev),
            )
            .await?;
            entries.push(audit::NewEntry {
                action: format!("commitment.amendment.{decision}"),
                entity: "commitment",
                entity_id: id.to_string(),
                before: None,
                after: Some(serde_json::json!({"revision": rev, "comment": comment}).to_string()),
            });
        } else {
            let next = rule::next(row.state(), if approve { Action::Approve } else { Action::Return }).map_err(StoreError::Conflict)?;
            let n = c
                .execute(
                    Sql::new(
                        "UPDATE commitments SET state = $1, approved_ms = CASE WHEN $2 THEN $3 ELSE approved_ms END, updated_ms = $3 WHERE id = $4 AND state = 'under_review'",
                    )
                    .bind(next.code())
                    .bind(approve)
                    .bind(now)
                    .bind(*id),
                )
                .await?;
            StoreError::unless_changed(n, "该承诺已被他人审核，请刷新后查看", "Someone else has already decided this commitment; reload to see it")?;
            c.execute(
                Sql::new("UPDATE commitment_revisions SET decision = $1, comment = $2, decided_by = $3, decided_ms = $4 WHERE commitment_id = $5 AND decision IS NULL")
                    .bind(decision)
                    .bind(comment.clone())
                    .bind(scope.actor.as_str())
                    .bind(now)
                    .bind(*id),
            )
            .await?;
            entries.push(audit::NewEntry {
                action: format!("commitment.{decision}"),
                entity: "commitment",
                entity_id: id.to_string(),
                before: Some(serde_json::json!({"state": row.state}).to_string()),
                after: Some(serde_json::json!({"state": next.code(), "comment": comment}).to_string()),
            });
        }
        touched.insert(t.id);
        decided.push(Decided { id: *id, content: row.content.clone(), approved: approve, comment, task: t, at_ms: now });
    }
    for t in &touched {
        sync_task(c, *t).await?;
    }
    audit::append_many(c, scope, entries).await?;
    Ok(decided)
}

/// Sets a commitment task's state from its commitments: open while none is handed in, submitted
/// while one waits for review, returned while one is returned, accepted when all are approved.
pub async fn sync_task(c: &mut Conn, task_id: i64) -> Result<(), StoreError> {
    // The task is locked first (on PostgreSQL): two transactions that each decided one of its
    // commitments would otherwise both read the other's as still waiting, and the task would
    // keep a state that none of its commitments has. Once the lock is ours, the statements
    // below see what the other committed.
    let lock = c.row_lock(false, "");
    if !lock.is_empty() {
        c.fetch_opt_i64(Sql::new(format!("SELECT id FROM tasks WHERE id = $1{lock}")).bind(task_id)).await?;
    }
    let states: Vec<(String,)> = c.fetch_all(Sql::new("SELECT state FROM commitments WHERE task_id = $1").bind(task_id)).await?;
    let states: Vec<State> = states.iter().filter_map(|(s,)| State::parse(s)).filter(|s| s.is_made()).collect();
    let now = now_ms();
    let first: Option<Date> =
        c.fetch_optional::<(Option<Date>,)>(Sql::new("SELECT MIN(first_submitted) FROM commitments WHERE task_id = $1").bind(task_id)).await?.and_then(|r| r.0);
    let (state, calendar_due) = if states.is_empty() {
        ("open", None)
    } else if states.contains(&State::UnderReview) {
        ("submitted", None)
    } else if states.contains(&State::Returned) {
        // Returned work is due back five working days after the return, as for any task.
        let t = task::get_unscoped(c, task_id).await?;
        let cal = task::campaign_of(c, &t).await?.plan().map(|p| p.calendar).unwrap_or_default();
        ("returned", Some(pacesetter_domain::task::resubmit_due(&cal, today())))
    } else {
        ("accepted", None)
    };
    let cur = c.fetch_opt_string(Sql::new("SELECT state FROM tasks WHERE id = $1").bind(task_id)).await?.unwrap_or_default();
    if cur == state {
        return Ok(());
    }
    let q = match state {
        "submitted" => Sql::new("UPDATE tasks SET state = $1, first_submitted = COALESCE(first_submitted, $2), last_submitted_ms = $3 WHERE id = $4")
            .bind(state)
            .bind(first)
            .bind(now)
            .bind(task_id),
        "returned" => Sql::new("UPDATE tasks SET state = $1, resubmit_due = $2, decided_ms = $3 WHERE id = $4").bind(state).bind(calendar_due).bind(now).bind(task_id),
        _ => Sql::new("UPDATE tasks SET state = $1, decided_ms = $2 WHERE id = $3").bind(state).bind(now).bind(task_id),
    };
    c.execute(q).await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub version: i64,
    pub fields_json: String,
    pub submitted_by: String,
    pub submitted_ms: i64,
    pub decision: Option<String>,
    pub comment: Option<String>,
    pub decided_by: Option<String>,
    pub decided_ms: Option<i64>,
}

impl RevisionRow {
    pub fn content(&self) -> Option<Content> {
        content_of_json(&self.fields_json)
    }
}

fn content_of_json(json: &str) -> Option<Content> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    serde_json::from_value(v["fields"].clone()).ok()
}

/// The joins of a commitment's task that [`push_task_condition`] needs (`t`, `o`, `u`).
const TASK_JOINS: &str =
    "JOIN commitments cm ON cm.id = x.commitment_id JOIN tasks t ON t.id = cm.task_id LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id";

/// The versions handed in, with their decisions: for those whose scope holds the commitment
/// (an empty list for anyone else).
pub async fn revisions(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<RevisionRow>, StoreError> {
    let mut q = Sql::new(format!(
        "SELECT x.id, x.version, x.fields_json, {sub} AS submitted_by, x.submitted_ms, x.decision, x.comment, {dec} AS decided_by, x.decided_ms FROM commitment_revisions x {TASK_JOINS} WHERE x.commitment_id = ",
        sub = crate::account::shown_name("x.submitted_by"),
        dec = crate::account::shown_name("x.decided_by")
    ));
    q.push_bind(id).push(" AND ");
    push_task_condition(&mut q, scope);
    q.push(" ORDER BY x.id");
    Ok(c.fetch_all(q).await?)
}

/// The amendments waiting for review among the commitments the caller reviews: (commitment, its
/// proposed text).
pub async fn pending_amendments(c: &mut Conn, scope: &Scope, ids: &[i64]) -> Result<HashMap<i64, Option<Content>>, StoreError> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut q = Sql::new(format!("SELECT x.commitment_id, x.fields_json FROM commitment_revisions x {TASK_JOINS} WHERE x.id = cm.pending_revision AND x.commitment_id IN ("));
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push_bind(*id);
    }
    q.push(") AND ");
    push_task_condition(&mut q, scope);
    let rows: Vec<(i64, String)> = c.fetch_all(q).await?;
    for (id, json) in rows {
        out.insert(id, content_of_json(&json));
    }
    Ok(out)
}

// ---- progress (践诺) -------------------------------------------------------------------------

pub struct NewEvidence {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A dated progress report with a percentage and evidence; 100% fulfils the commitment.
pub async fn report(c: &mut Conn, scope: &Scope, id: i64, day: Date, percent: u8, text: &str, evidence: Vec<NewEvidence>) -> Result<i64, StoreError> {
    let (row, _) = owned(c, scope, id).await?;
    let next = rule::next(row.state(), Action::Report { percent }).map_err(StoreError::Conflict)?;
    if (percent as i64) < row.percent {
        return Err(StoreError::invalid("percent", format!("进度不能低于上次报告的 {}%", row.percent), format!("Progress cannot fall below the last report's {}%", row.percent)));
    }
    let now = now_ms();
    let pid = c
        .fetch_i64(
            Sql::new("INSERT INTO commitment_progress (commitment_id, day, percent, text, reported_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(id)
                .bind(day)
                .bind(percent as i64)
                .bind(text)
                .bind(scope.actor.as_str())
                .bind(now),
        )
        .await?;
    let mut files = Vec::new();
    for e in evidence {
        let sha = pacesetter_domain::audit::sha256_hex(&e.data);
        files.push(serde_json::json!({"name": e.filename, "size": e.data.len(), "sha256": sha}));
        c.execute(
            Sql::new("INSERT INTO commitment_evidence (progress_id, filename, content_type, size, sha256, data) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(pid)
                .bind(e.filename)
                .bind(e.content_type)
                .bind(e.data.len() as i64)
                .bind(sha)
                .bind(e.data),
        )
        .await?;
    }
    let n = c
        .execute(
            Sql::new("UPDATE commitments SET state = $1, percent = $2, updated_ms = $3 WHERE id = $4 AND state IN ('approved', 'in_progress') AND percent <= $2")
                .bind(next.code())
                .bind(percent as i64)
                .bind(now)
                .bind(id),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::conflict("承诺已有更新的进展，请刷新后再报告", "The commitment changed meanwhile; reload and report again"));
    }
    audit::append(
        c,
        scope,
        "commitment.progress",
        "commitment",
        id,
        Some(serde_json::json!({"percent": row.percent}).to_string()),
        Some(serde_json::json!({"percent": percent, "progress": pid, "files": files}).to_string()),
    )
    .await?;
    Ok(pid)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ProgressRow {
    pub id: i64,
    pub day: Date,
    pub percent: i64,
    pub text: String,
    pub reported_by: String,
}

/// A commitment's progress reports, newest first, for whoever may read the commitment (a public
/// one for anyone logged in).
pub async fn progress(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<ProgressRow>, StoreError> {
    let mut q = Sql::new(format!(
        "SELECT x.id, x.day, x.percent, x.text, {} AS reported_by FROM commitment_progress x {TASK_JOINS} WHERE x.commitment_id = ",
        crate::account::shown_name("x.reported_by")
    ));
    q.push_bind(id).push(&format!(" AND (cm.state IN {PUBLIC_STATES} OR "));
    push_task_condition(&mut q, scope);
    q.push(") ORDER BY x.day DESC, x.id DESC");
    Ok(c.fetch_all(q).await?)
}

/// A file of evidence as lists show it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct EvidenceMeta {
    pub id: i64,
    pub progress_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

/// The evidence of a commitment's reports: only for those whose scope holds the commitment (an
/// empty list for anyone else).
pub async fn evidence(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<EvidenceMeta>, StoreError> {
    let mut q = Sql::new(format!(
        "SELECT e.id, e.progress_id, e.filename, e.content_type, e.size FROM commitment_evidence e JOIN commitment_progress x ON x.id = e.progress_id {TASK_JOINS} WHERE x.commitment_id = "
    ));
    q.push_bind(id).push(" AND ");
    push_task_condition(&mut q, scope);
    q.push(" ORDER BY e.id");
    Ok(c.fetch_all(q).await?)
}

/// One file of evidence, when the caller's scope holds its commitment.
pub async fn evidence_file(c: &mut Conn, scope: &Scope, id: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let mut q =
        Sql::new(format!("SELECT e.filename, e.content_type, e.data FROM commitment_evidence e JOIN commitment_progress x ON x.id = e.progress_id {TASK_JOINS} WHERE e.id = "));
    q.push_bind(id).push(" AND ");
    push_task_condition(&mut q, scope);
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// Whether the commitment is inside the caller's scope (its owner, the levels above, the
/// office), beyond being public: evidence and the review history are shown only there.
pub async fn in_scope(c: &mut Conn, scope: &Scope, id: i64) -> Result<bool, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE cm.id = ").push_bind(id).push(" AND ");
    push_task_condition(&mut q, scope);
    Ok(c.fetch_optional::<CommitmentRow>(q).await?.is_some())
}

/// An approved commitment due within three days or past its date.
#[derive(Clone, Debug)]
pub struct DueRow {
    pub id: i64,
    pub task_id: i64,
    pub content: String,
    pub due: Date,
}

/// The approved commitments of a running campaign due within three days or overdue, with the
/// tasks whose owners are reminded (the wording is the caller's: see `crate::reminders`).
pub async fn due(c: &mut Conn, campaign: i64, today: Date) -> Result<(Vec<TaskRow>, Vec<DueRow>), StoreError> {
    let soon = today.checked_add(time::Duration::days(3)).unwrap_or(today);
    let rows: Vec<(i64, i64, String, Date)> = c
        .fetch_all(
            Sql::new("SELECT cm.id, cm.task_id, cm.content, cm.due FROM commitments cm JOIN campaigns k ON k.id = cm.campaign_id WHERE cm.campaign_id = $1 AND k.state = 'active' AND cm.state IN ('approved', 'in_progress') AND cm.due <= $2 ORDER BY cm.id")
                .bind(campaign)
                .bind(soon),
        )
        .await?;
    let mut tasks: Vec<TaskRow> = Vec::new();
    let mut out = Vec::new();
    for (id, task_id, content, due) in rows {
        if !tasks.iter().any(|t| t.id == task_id) {
            tasks.push(task::get_unscoped(c, task_id).await?);
        }
        out.push(DueRow { id, task_id, content, due });
    }
    Ok((tasks, out))
}

/// Records a reminder of those who have not committed, in the caller's transaction.
pub async fn record_reminder(c: &mut Conn, scope: &Scope, campaign: i64, tasks: usize, sent: usize) -> Result<(), StoreError> {
    audit::append(c, scope, "commitment.remind", "campaign", campaign, None, Some(serde_json::json!({"tasks": tasks, "sent": sent}).to_string())).await?;
    Ok(())
}

// ---- the public board -----------------------------------------------------------------------

#[derive(Clone, Debug, Serialize)]
pub struct Board {
    pub open_to_public: bool,
    pub fields: Vec<PublicField>,
}

pub async fn board(c: &mut Conn, campaign: i64) -> Result<Board, StoreError> {
    let row: Option<(bool, String)> = c.fetch_optional(Sql::new("SELECT open_to_public, fields FROM commitment_boards WHERE campaign_id = $1").bind(campaign)).await?;
    Ok(match row {
        Some((open, f)) => Board { open_to_public: open, fields: PublicField::parse_list(&f) },
        // Open by default (UX.md): the office closes it if it must.
        None => Board { open_to_public: true, fields: rule::default_public_fields() },
    })
}

/// The public commitments of an organization's board: its own and its members' (not those
/// below it), in board order.
pub async fn board_rows(c: &mut Conn, campaign: i64, org: &Node) -> Result<Vec<CommitmentRow>, StoreError> {
    let f = Filter { campaign: Some(campaign), org_path: Some(org.path.clone()), public_only: true, ..Default::default() };
    let rows = list(c, &Scope::system("board"), &f).await?;
    // A branch's board carries its Party groups' members too: a group has no board of its own
    // on the Party-affairs wall.
    let groups: Vec<i64> = crate::tree::children(c, crate::tree::Tree::Org, org.id).await?.into_iter().filter(|n| n.kind == "group").map(|n| n.id).collect();
    Ok(rows.into_iter().filter(|r| r.board_org_id == Some(org.id) || r.board_org_id.is_some_and(|b| groups.contains(&b))).collect())
}

/// The office opens the board to readers without an account (or closes it) and marks its fields.
pub async fn set_board(c: &mut Conn, scope: &Scope, campaign: i64, b: &Board) -> Result<(), StoreError> {
    if !scope.is_office_or_admin() {
        return Err(StoreError::forbidden("只有创先办可以设置公开承诺栏", "Only the campaign office sets the public board"));
    }
    if b.fields.is_empty() {
        return Err(StoreError::invalid("fields", "请至少选择一项公开内容", "Choose at least one field to show"));
    }
    let before = board(c, campaign).await?;
    let fields = PublicField::join(&b.fields);
    let n = c
        .execute(
            Sql::new("UPDATE commitment_boards SET open_to_public = $1, fields = $2, updated_by = $3, updated_ms = $4 WHERE campaign_id = $5")
                .bind(b.open_to_public)
                .bind(fields.as_str())
                .bind(scope.actor.as_str())
                .bind(now_ms())
                .bind(campaign),
        )
        .await?;
    if n == 0 {
        c.execute(
            Sql::new("INSERT INTO commitment_boards (campaign_id, open_to_public, fields, updated_by, updated_ms) VALUES ($1, $2, $3, $4, $5)")
                .bind(campaign)
                .bind(b.open_to_public)
                .bind(fields.as_str())
                .bind(scope.actor.as_str())
                .bind(now_ms()),
        )
        .await?;
    }
    audit::append(c, scope, "board.settings", "campaign", campaign, audit::snapshot(&before), audit::snapshot(b)).await?;
    Ok(())
}

// ---- evaluation (评诺) -----------------------------------------------------------------------

/// Whether a person may rate a commitment that an evaluation survey names: the facts are read
/// here, the rule is `domain::commitment::may_rate`.
pub async fn may_rate(c: &mut Conn, survey: i64, commitment: i64, person: i64, scope: Option<&Scope>) -> Result<bool, StoreError> {
    // Only a public commitment that the survey names as a target.
    let on_survey = c
        .fetch_opt_i64(
            Sql::new(format!("SELECT CAST(1 AS BIGINT) FROM survey_targets st JOIN commitments cm ON cm.id = st.target_id WHERE st.survey_id = $1 AND st.target_id = $2 AND cm.state IN {PUBLIC_STATES}"))
                .bind(survey)
                .bind(commitment),
        )
        .await?
        .is_some();
    if !on_survey {
        return Ok(false);
    }
    type Facts = (Option<i64>, Option<i64>, Option<i64>, Option<String>, Option<String>, Option<String>);
    let row: Option<Facts> = c
        .fetch_optional(
            Sql::new(
                "SELECT t.org_id, t.unit_id, t.person_id, COALESCE(o.path, mo.path), u.path, lu.path FROM commitments cm JOIN tasks t ON t.id = cm.task_id \
                 LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN orgs mo ON mo.id = t.member_org_id LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN units lu ON lu.id = o.linked_unit_id \
                 WHERE cm.id = $1",
            )
            .bind(commitment),
        )
        .await?;
    let Some((org, unit, owner, org_path, unit_path, linked_unit_path)) = row else { return Ok(false) };
    let facts = rule::RatingFacts { org, unit, person: owner, org_path, unit_path, linked_unit_path };
    // Those who act for the owning organization or unit (its secretaries, delegates, heads)
    // made the commitment.
    let acts_for_owner = c
        .fetch_opt_i64(
            Sql::new(
                "SELECT CAST(1 AS BIGINT) FROM role_grants g JOIN accounts a ON a.id = g.account_id WHERE a.person_id = $1 AND g.org_id = $2 AND (g.end_date IS NULL OR g.end_date >= $4) \
                 UNION ALL SELECT CAST(1 AS BIGINT) FROM relations r WHERE r.person_id = $1 AND r.kind = 'unit_head' AND r.end_date IS NULL AND r.unit_id = $3",
            )
            .bind(person)
            .bind(org.unwrap_or(-1))
            .bind(unit.unwrap_or(-1))
            .bind(today()),
        )
        .await?
        .is_some();
    let memberships: Vec<(String, String)> = c
        .fetch_all(
            Sql::new(
                "SELECT 'org', x.path FROM org_memberships m JOIN orgs x ON x.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL \
                 UNION ALL SELECT 'unit', x.path FROM unit_memberships m JOIN units x ON x.id = m.unit_id WHERE m.person_id = $1 AND m.end_date IS NULL",
            )
            .bind(person),
        )
        .await?;
    let (orgs, units): (Vec<_>, Vec<_>) = memberships.into_iter().partition(|(tree, _)| tree == "org");
    let rater = rule::RaterFacts { person, acts_for_owner, org_paths: orgs.into_iter().map(|(_, p)| p).collect(), unit_paths: units.into_iter().map(|(_, p)| p).collect() };
    Ok(rule::may_rate(&facts, &rater, scope))
}

/// Makes the commitments of an organization's subtree (or every one, for None) that are public
/// the targets of an evaluation survey, labelled by owner and content; the survey's audience is
/// then the people they serve (the subtree's members and, for a college, its linked unit).
pub async fn set_survey_targets(c: &mut Conn, survey: i64, campaign: i64, org_path: Option<&str>) -> Result<u64, StoreError> {
    c.execute(Sql::new("DELETE FROM survey_targets WHERE survey_id = $1").bind(survey)).await?;
    let mut q = Sql::new("INSERT INTO survey_targets (survey_id, target_id, label, org_id, unit_id) SELECT ");
    q.push_bind(survey).push(
        ", cm.id, COALESCE(o.name, u.name, p.name, '') || '：' || SUBSTR(cm.content, 1, 40), COALESCE(t.org_id, t.member_org_id), t.unit_id \
         FROM commitments cm JOIN tasks t ON t.id = cm.task_id LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id \
         LEFT JOIN people p ON p.id = t.person_id LEFT JOIN orgs mo ON mo.id = t.member_org_id WHERE cm.campaign_id = ",
    );
    q.push_bind(campaign).push(&format!(" AND cm.state IN {PUBLIC_STATES}"));
    if let Some(p) = org_path {
        q.push(" AND COALESCE(o.path, mo.path) LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
    }
    Ok(c.execute(q).await?)
}

/// Records the start of an evaluation, in the caller's transaction.
pub async fn record_evaluation(c: &mut Conn, scope: &Scope, survey: i64, org: i64, targets: u64) -> Result<(), StoreError> {
    audit::append(c, scope, "commitment.evaluation", "survey", survey, None, Some(serde_json::json!({"org": org, "targets": targets}).to_string())).await?;
    Ok(())
}

/// The satisfaction counts of each commitment over every evaluation survey of a campaign: none
/// for a commitment under the minimum of an anonymous evaluation, which no sum contains.
pub async fn rates(c: &mut Conn, campaign: i64) -> Result<crate::survey::TargetRates, StoreError> {
    crate::survey::target_rates(c, campaign, "commitment", false).await
}

/// An organization's own commitments and those of its members (its own figures), beside the
/// figures of each child's subtree: the children never overwrite the parent's own.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OrgSummary {
    pub own: Summary,
    pub own_rate: Rate,
    pub subtree: Summary,
    pub subtree_rate: Rate,
}

/// Summaries by organization id over a campaign: own (the organization's and its members'
/// commitments) and subtree (its own plus everything below).
pub async fn summaries(c: &mut Conn, campaign: i64, rates: &HashMap<i64, Rate>) -> Result<HashMap<i64, OrgSummary>, StoreError> {
    let rows: Vec<(i64, String, i64, Date, Option<String>)> = c
        .fetch_all(
            Sql::new(
                "SELECT cm.id, cm.state, cm.percent, cm.due, COALESCE(o.path, mo.path) FROM commitments cm JOIN tasks t ON t.id = cm.task_id \
                 LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN orgs mo ON mo.id = t.member_org_id WHERE cm.campaign_id = $1",
            )
            .bind(campaign),
        )
        .await?;
    let today = today();
    let mut out: HashMap<i64, OrgSummary> = HashMap::new();
    for (id, state, percent, due, path) in rows {
        let Some(path) = path else { continue };
        let state = State::parse(&state).unwrap_or(State::Draft);
        let overdue = state.is_public() && rule::is_overdue(state, due, today);
        let rate = rates.get(&id).copied().unwrap_or_default();
        let ids = path_ids(&path);
        for (i, org) in ids.iter().enumerate() {
            let e = out.entry(*org).or_default();
            e.subtree.add(state, percent.clamp(0, 100) as u8, overdue);
            e.subtree_rate.add(&rate);
            if i + 1 == ids.len() {
                e.own.add(state, percent.clamp(0, 100) as u8, overdue);
                e.own_rate.add(&rate);
            }
        }
    }
    Ok(out)
}

// ---- demo -----------------------------------------------------------------------------------

/// Demo commitments for a loaded campaign, so its boards and roll-ups have something to show: a
/// university-wide requirement, and most owners' commitments in every state (deterministic by
/// task id). The tasks of the demo accounts' organizations and persons stay open, so that a
/// walk-through starts from the beginning. One audit entry.
pub async fn demo(c: &mut Conn, scope: &Scope, campaign: i64) -> Result<(), StoreError> {
    let camp = crate::campaign::get(c, campaign).await?;
    let cats = camp.plan()?.commitments.categories;
    if cats.is_empty() {
        return Ok(());
    }
    let Some(root) = c.fetch_opt_i64(Sql::new("SELECT id FROM orgs WHERE depth = 0 ORDER BY id LIMIT 1")).await? else { return Ok(()) };
    let now = now_ms();
    let req = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO commitment_requirements (campaign_id, org_id, parent_id, title, text, created_by, created_ms) VALUES ($1, $2, NULL, $3, $4, $5, $6) RETURNING id",
            )
            .bind(campaign)
            .bind(root)
            .bind("结合今年新目标新任务，提出切实可行的承诺事项")
            .bind("围绕学习提高、本职岗位创佳绩、教风学风做先锋、服务群众和基层做榜样等内容，做到个个有目标、人人见行动。")
            .bind(scope.actor.as_str())
            .bind(now),
        )
        .await?;
    const TEXTS: [(&str, &str, &str); 4] = [
        ("每月精读一本理论著作并撰写读书笔记", "制定年度读书计划，参加支部集中学习", "全年读书12本、笔记12篇"),
        ("立足岗位争创一流业绩，按时完成年度工作任务", "分解年度任务，逐月检查落实", "年度考核合格以上"),
        ("以身作则，带头遵守教学和学习纪律", "坚持课前预习、课后复习，帮助后进同学", "无迟到缺课，帮扶同学2名"),
        ("每周为师生办一件实事，主动听取群众意见", "设立意见箱，每月反馈一次", "群众满意率90%以上"),
    ];
    let pick = |i: usize| {
        let mut q = String::from("CASE t.id % 4");
        for (k, _) in TEXTS.iter().enumerate() {
            q.push_str(&format!(" WHEN {k} THEN ${}", i + k));
        }
        q.push_str(" END");
        q
    };
    let (cat, content, measures, target) = (pick(3), pick(7), pick(11), pick(15));
    let templates: Vec<(i64, Option<Date>)> =
        c.fetch_all(Sql::new("SELECT id, due_date FROM task_templates WHERE campaign_id = $1 AND deliverable_json LIKE '%commitment%' AND retired = FALSE").bind(campaign)).await?;
    let not_demo_accounts = "NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.org_id = t.org_id) AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = t.person_id)";
    for (template, due) in templates {
        let due = due.unwrap_or_else(|| Date::from_calendar_date(camp.year as i32, time::Month::March, 15).unwrap_or(Date::MIN));
        let (early, late) = (due.checked_sub(time::Duration::days(3)).unwrap_or(due), due.checked_add(time::Duration::days(4)).unwrap_or(due));
        let year_end = Date::from_calendar_date(camp.year as i32, time::Month::December, 20).unwrap_or(due);
        let mut q = Sql::new(format!(
            "INSERT INTO commitments (task_id, campaign_id, requirement_id, category, content, measures, target, due, state, percent, first_submitted, approved_ms, version, created_ms, updated_ms) \
             SELECT t.id, t.campaign_id, $1, {cat}, {content}, {measures}, {target}, $2, \
             CASE WHEN t.id % 20 < 6 THEN 'in_progress' WHEN t.id % 20 < 10 THEN 'fulfilled' WHEN t.id % 20 < 13 THEN 'approved' WHEN t.id % 20 < 15 THEN 'under_review' WHEN t.id % 20 = 15 THEN 'returned' ELSE 'draft' END, \
             CASE WHEN t.id % 20 < 6 THEN 20 + (t.id % 7) * 10 WHEN t.id % 20 < 10 THEN 100 ELSE 0 END, \
             CASE WHEN t.id % 20 = 16 THEN NULL WHEN t.id % 9 = 0 THEN $19 ELSE $20 END, \
             CASE WHEN t.id % 20 < 13 THEN $21 ELSE NULL END, 1, $21, $21 \
             FROM tasks t WHERE t.template_id = $22 AND t.id % 20 < 17 AND {not_demo_accounts}"
        ));
        q = q.bind(req).bind(year_end);
        for (k, _) in TEXTS.iter().enumerate() {
            q = q.bind(cats[k % cats.len()].as_str());
        }
        for part in 0..3 {
            for t in TEXTS {
                q = q.bind(match part {
                    0 => t.0,
                    1 => t.1,
                    _ => t.2,
                });
            }
        }
        q = q.bind(late).bind(early).bind(now).bind(template);
        c.execute(q).await?;
        // The tasks follow their commitments, as sync_task would set them.
        c.execute(
            Sql::new(format!(
                "UPDATE tasks SET state = CASE WHEN id % 20 < 13 THEN 'accepted' WHEN id % 20 < 15 THEN 'submitted' ELSE 'returned' END, \
                 first_submitted = CASE WHEN id % 9 = 0 THEN $1 ELSE $2 END, last_submitted_ms = $3, decided_ms = CASE WHEN id % 20 IN (13, 14) THEN NULL ELSE $3 END, \
                 resubmit_due = CASE WHEN id % 20 = 15 THEN $4 ELSE NULL END \
                 WHERE template_id = $5 AND id % 20 < 16 AND {}",
                not_demo_accounts.replace("t.", "tasks.")
            ))
            .bind(late)
            .bind(early)
            .bind(now)
            .bind(late)
            .bind(template),
        )
        .await?;
    }
    audit::append(c, scope, "commitment.demo", "campaign", campaign, None, None).await?;
    Ok(())
}
