//! Member development (发展党员): a file per person, kept by the branch that develops them, with
//! the dated steps of [`pacesetter_domain::development`]. Reading a file needs the Party side's
//! reach over that branch (every file for the office and the leaders); each step is recorded by
//! whom the rules name (the branch, the level above, the nearest 党委). A step's effects (stage,
//! political status, joining and full-membership dates, the new member's membership of the
//! branch) are written in the same transaction.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::member_file;
use crate::scope::push_org_condition;
use crate::tree::{self, Node, Tree};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::development::{Details, Frame, Pipeline, Recorded, Recorder, Rules, Step, Subject};
use pacesetter_domain::org::{OrgKind, Post};
use pacesetter_domain::people::PoliticalStatus;
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

/// A person's file as pages show it.
#[derive(Clone, Debug, Serialize)]
pub struct DevFile {
    pub person_id: i64,
    pub name: String,
    pub number: String,
    pub kind: String,
    pub political_status: String,
    pub org: Node,
    pub birth_date: Option<Date>,
    pub steps: Vec<StepRow>,
    pub reports: Vec<ReportRow>,
    /// The caller records the branch's steps (and reports).
    pub keeps: bool,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct StepRow {
    pub id: i64,
    pub step: String,
    pub on_day: Date,
    pub details: String,
    pub recorded_by: i64,
    pub recorded_by_name: Option<String>,
    pub recorded_ms: i64,
}

impl StepRow {
    pub fn recorded(&self) -> Option<Recorded> {
        Some(Recorded { step: Step::parse(&self.step)?, on: self.on_day, details: serde_json::from_str(&self.details).unwrap_or_default() })
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub on_day: Date,
    pub summary: String,
    pub recorded_ms: i64,
}

pub fn pipeline_of(steps: &[StepRow]) -> Pipeline {
    Pipeline { steps: steps.iter().filter_map(StepRow::recorded).collect() }
}

fn everywhere(scope: &Scope) -> bool {
    scope.is_office() || scope.has(Role::Leader)
}

/// The organization whose write access records a step of a file kept by `branch`.
async fn recorder_path(c: &mut Conn, branch: &Node, r: Recorder) -> Result<String, StoreError> {
    let ids = branch.path_ids();
    match r {
        Recorder::Branch => Ok(branch.path.clone()),
        // The level above: the branch's parent (a direct branch files with the university).
        Recorder::Above => {
            let parent = ids.iter().rev().nth(1).copied();
            Ok(match parent {
                Some(p) => tree::require(c, Tree::Org, p).await?.path,
                None => branch.path.clone(),
            })
        }
        // The nearest 党委 above the branch (a 党总支 does not approve).
        Recorder::Committee => {
            for id in ids.iter().rev().skip(1) {
                let n = tree::require(c, Tree::Org, *id).await?;
                if matches!(OrgKind::parse(&n.kind), Some(OrgKind::Committee | OrgKind::University)) {
                    return Ok(n.path);
                }
            }
            Ok("/".into())
        }
    }
}

async fn steps(c: &mut Conn, person: i64) -> Result<Vec<StepRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT s.id, s.step, s.on_day, s.details, s.recorded_by, a.display_name AS recorded_by_name, s.recorded_ms FROM dev_steps s \
             LEFT JOIN accounts a ON a.id = s.recorded_by WHERE s.person_id = $1 ORDER BY s.on_day, s.id",
        )
        .bind(person),
    )
    .await?)
}

/// A person's file, when the caller reads the branch that keeps it (404 otherwise, and when
/// there is none).
pub async fn get(c: &mut Conn, scope: &Scope, person: i64) -> Result<DevFile, StoreError> {
    let org: Option<i64> = c.fetch_opt_i64(Sql::new("SELECT org_id FROM dev_files WHERE person_id = $1").bind(person)).await?;
    let Some(org) = org else { return Err(StoreError::NotFound) };
    let node = tree::require(c, Tree::Org, org).await?;
    let access = scope.party_access(&node.path);
    if access.is_none() && !everywhere(scope) {
        return Err(StoreError::NotFound);
    }
    let (name, number, kind, political_status): (String, String, String, String) =
        c.fetch_one(Sql::new("SELECT name, number, kind, political_status FROM people WHERE id = $1").bind(person)).await?;
    let birth_date = member_file::stored(c, person).await?.birth_date;
    let steps = steps(c, person).await?;
    let reports = c.fetch_all(Sql::new("SELECT id, on_day, summary, recorded_ms FROM dev_reports WHERE person_id = $1 ORDER BY on_day, id").bind(person)).await?;
    Ok(DevFile { person_id: person, name, number, kind, political_status, org: node, birth_date, steps, reports, keeps: access == Some(Access::Write) })
}

/// Whether the caller records `step` on a file kept by `branch`.
pub async fn may_record(c: &mut Conn, scope: &Scope, branch: &Node, step: Step) -> Result<bool, StoreError> {
    let path = recorder_path(c, branch, step.recorder()).await?;
    Ok(scope.party_access(&path) == Some(Access::Write))
}

/// Opens a file: the branch records a person's application (入党申请书). The person is named by
/// the caller (by number: an applicant is not yet in the Party tree) and must not be a member.
pub async fn start(c: &mut Conn, scope: &Scope, branch: i64, person: i64, on: Date, d: &Details, f: &Frame<'_>) -> Result<(), StoreError> {
    start_as(c, scope, branch, person, on, d, f, false).await
}

/// Opens a file from a ledger of past steps: as [`start`], except that a person the roster has
/// as a member already may be given the development that made them one, by the branch they
/// belong to now (the ledger must then reach their status: the caller checks it at the end).
pub async fn start_past(c: &mut Conn, scope: &Scope, branch: i64, person: i64, on: Date, d: &Details, f: &Frame<'_>) -> Result<(), StoreError> {
    start_as(c, scope, branch, person, on, d, f, true).await
}

#[allow(clippy::too_many_arguments)]
async fn start_as(c: &mut Conn, scope: &Scope, branch: i64, person: i64, on: Date, d: &Details, f: &Frame<'_>, past: bool) -> Result<(), StoreError> {
    let node = tree::require(c, Tree::Org, branch).await?;
    if scope.party_access(&node.path) != Some(Access::Write) {
        return Err(if scope.party_access(&node.path).is_some() {
            StoreError::forbidden("只有本支部可以登记入党申请", "Only the branch records an application")
        } else {
            StoreError::NotFound
        });
    }
    if node.closed_on.is_some() || !OrgKind::parse(&node.kind).is_some_and(OrgKind::is_branch) {
        return Err(StoreError::invalid("org_id", "入党申请由党支部登记", "A branch records an application"));
    }
    if !may_open(c, scope, &node, person).await? {
        return Err(StoreError::NotFound);
    }
    let row: Option<(String, Option<Date>)> = c.fetch_optional(Sql::new("SELECT political_status, left_on FROM people WHERE id = $1").bind(person)).await?;
    let Some((status, left)) = row else { return Err(StoreError::NotFound) };
    if left.is_some() {
        return Err(StoreError::invalid("number", "此人已离开", "This person has left"));
    }
    let status = PoliticalStatus::parse(&status).unwrap_or(PoliticalStatus::Masses);
    if c.fetch_opt_i64(Sql::new("SELECT org_id FROM dev_files WHERE person_id = $1").bind(person)).await?.is_some() {
        return Err(StoreError::conflict("此人已有发展档案", "This person has a development file already"));
    }
    let birth = member_file::stored(c, person).await?.birth_date;
    // A member's past development is kept by the branch they belong to; the status they had
    // before they applied is not known.
    let member = past && status.is_party_member();
    if member {
        // Their branch: the one they belong to, or the one above their Party group.
        if crate::people::current_branch(c, person).await?.map(|b| b.0) != Some(branch) {
            return Err(StoreError::invalid(
                "org_id",
                "此人已是党员：其发展档案由其现在所在的党支部建立",
                "This person is a member: the branch they belong to keeps their development file",
            ));
        }
    }
    let checked_as = if member { PoliticalStatus::Masses } else { status };
    Pipeline::default().check(Step::Applied, on, d, Subject { birth, status: checked_as }, f).map_err(StoreError::Invalid)?;
    let d = &Details { prior_status: (!member).then(|| status.code().to_string()), ..d.clone() };
    c.execute(Sql::new("INSERT INTO dev_files (person_id, org_id, started_ms) VALUES ($1, $2, $3)").bind(person).bind(branch).bind(now_ms())).await?;
    insert_step(c, scope, person, Step::Applied, on, d).await?;
    apply(c, person, &node, f.rules, Step::Applied).await?;
    Ok(())
}

/// Whether a branch may open a file on a person: one of the branch's secondary organization
/// (through either tree), or someone the caller reaches anyway; anyone else is not found.
pub async fn may_open(c: &mut Conn, scope: &Scope, branch: &Node, person: i64) -> Result<bool, StoreError> {
    Ok(crate::people::access(c, scope, pacesetter_domain::ids::PersonId(person)).await?.is_some() || of_college(c, branch, person).await?)
}

/// Whether a person belongs now to the secondary organization a branch sits in: through the
/// Party tree, or through the unit the organization is linked to.
async fn of_college(c: &mut Conn, branch: &Node, person: i64) -> Result<bool, StoreError> {
    let ids = branch.path_ids();
    let college = if OrgKind::parse(&branch.kind) == Some(OrgKind::DirectBranch) { branch.id } else { ids.iter().rev().nth(1).copied().unwrap_or(branch.id) };
    let node = tree::require(c, Tree::Org, college).await?;
    let n = c
        .fetch_i64(
            Sql::new(
                "SELECT COUNT(*) FROM people p WHERE p.id = $1 AND (\
                 EXISTS (SELECT 1 FROM org_memberships m JOIN orgs x ON x.id = m.org_id WHERE m.person_id = p.id AND m.end_date IS NULL AND x.path LIKE $2) \
                 OR EXISTS (SELECT 1 FROM unit_memberships m JOIN units x ON x.id = m.unit_id JOIN units lu ON lu.id = $3 \
                   WHERE m.person_id = p.id AND m.end_date IS NULL AND x.path LIKE lu.path || '%'))",
            )
            .bind(person)
            .bind(format!("{}%", node.path))
            .bind(node.linked_unit_id.unwrap_or(0)),
        )
        .await?;
    Ok(n > 0)
}

/// Moves an open file with its person to another branch (a transfer accepted).
pub async fn follow_transfer(c: &mut Conn, person: i64, to_branch: i64) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE dev_files SET org_id = $1 WHERE person_id = $2").bind(to_branch).bind(person)).await?;
    Ok(())
}

async fn insert_step(c: &mut Conn, scope: &Scope, person: i64, step: Step, on: Date, d: &Details) -> Result<i64, StoreError> {
    let details = serde_json::to_string(d).unwrap_or_else(|_| "{}".into());
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO dev_steps (person_id, step, on_day, details, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(person)
                .bind(step.code())
                .bind(on)
                .bind(details.clone())
                .bind(scope.account.0)
                .bind(now_ms()),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "该步骤已记录", "This step is recorded already"))?;
    audit::append(
        c,
        scope,
        &format!("development.{}", step.code()),
        "person",
        person,
        None,
        Some(format!("{{\"on\":\"{}\",\"details\":{details}}}", pacesetter_domain::dates::iso(on))),
    )
    .await?;
    Ok(id)
}

/// Records a step of a file after the rules: who records it, what it needs first, its earliest
/// day, and what it must say.
pub async fn record(c: &mut Conn, scope: &Scope, person: i64, step: Step, on: Date, d: &Details, f: &Frame<'_>) -> Result<(), StoreError> {
    let file = get(c, scope, person).await?;
    if !may_record(c, scope, &file.org, step).await? {
        let who = match step.recorder() {
            Recorder::Branch => ("本支部", "the branch"),
            Recorder::Above => ("上级党组织", "the level above"),
            Recorder::Committee => ("上级党委（党总支不审批）", "the Party committee above (a general branch does not approve)"),
        };
        return Err(StoreError::forbidden(
            format!("“{}”由{}记录", step.label(pacesetter_domain::Lang::Zh), who.0),
            format!("\"{}\" is recorded by {}", step.label(pacesetter_domain::Lang::En), who.1),
        ));
    }
    if step.recorder() == Recorder::Branch && step == Step::Applied {
        return Err(StoreError::conflict("此人已有发展档案", "This person has a development file already"));
    }
    let status = PoliticalStatus::parse(&file.political_status).unwrap_or(PoliticalStatus::Masses);
    pipeline_of(&file.steps).check(step, on, d, Subject { birth: file.birth_date, status }, f).map_err(StoreError::Invalid)?;
    insert_step(c, scope, person, step, on, d).await?;
    apply(c, person, &file.org, f.rules, step).await?;
    Ok(())
}

/// Writes what the pipeline says of the person: the stage or political status, the dates of
/// the member's file, and the new member's place in the branch.
async fn apply(c: &mut Conn, person: i64, branch: &Node, rules: &Rules, just: Step) -> Result<(), StoreError> {
    let p = pipeline_of(&steps(c, person).await?);
    let Some((stage, mut status)) = p.standing() else { return Ok(()) };
    // A cancellation gives back the status the person had when they applied.
    if p.get(Step::Cancelled).is_some() {
        status = p.get(Step::Applied).and_then(|r| r.details.prior_status.as_deref()).and_then(PoliticalStatus::parse).filter(|s| !s.is_party_member()).or(status);
    }
    let mut q = Sql::new("UPDATE people SET dev_stage = ");
    q.push_bind(stage.map(|s| s.code()));
    if let Some(s) = status {
        q.push(", political_status = ").push_bind(s.code());
    }
    q.push(", updated_ms = ").push_bind(now_ms()).push(" WHERE id = ").push_bind(person);
    c.execute(q).await?;
    let mut f = member_file::stored(c, person).await?;
    f.applied_on = p.day(Step::Applied).or(f.applied_on);
    if p.get(Step::Approved).is_some() && p.get(Step::Cancelled).is_none() {
        f.joined_on = p.day(Step::Admitted);
        f.full_on = p.full_member_since(rules);
    }
    if p.get(Step::Cancelled).is_some() {
        f.joined_on = None;
        f.full_on = None;
    }
    member_file::upsert(c, person, &f).await?;
    // A new member belongs to the branch from the approval; a cancelled one leaves every
    // organization (only when that step is the one recorded now).
    match (just, p.day(Step::Approved), p.day(Step::Cancelled)) {
        (Step::Approved, Some(approved), None) => {
            let held = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM org_memberships WHERE person_id = $1 AND org_id = $2 AND end_date IS NULL").bind(person).bind(branch.id)).await?;
            if held == 0 {
                c.execute(
                    Sql::new("INSERT INTO org_memberships (person_id, org_id, post, start_date) VALUES ($1, $2, $3, $4)")
                        .bind(person)
                        .bind(branch.id)
                        .bind(Post::Member.code())
                        .bind(approved),
                )
                .await?;
            }
            crate::campaign::refresh_member_orgs(c, Some(person)).await?;
        }
        (Step::Cancelled, _, Some(on)) => {
            c.execute(Sql::new("UPDATE org_memberships SET end_date = $1, end_reason = '取消预备党员资格' WHERE person_id = $2 AND end_date IS NULL").bind(on).bind(person))
                .await?;
            crate::campaign::refresh_member_orgs(c, Some(person)).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Records a thought report (思想汇报) of an activist or candidate; the branch's.
pub async fn add_report(c: &mut Conn, scope: &Scope, person: i64, on: Date, summary: &str, today: Date) -> Result<i64, StoreError> {
    let file = get(c, scope, person).await?;
    if !file.keeps {
        return Err(StoreError::forbidden("思想汇报由本支部登记", "The branch records thought reports"));
    }
    if on > today {
        return Err(StoreError::invalid("on", "日期不能晚于今天", "The day cannot be after today"));
    }
    let summary = summary.trim();
    if summary.is_empty() || summary.chars().count() > 500 {
        return Err(StoreError::invalid("summary", "请填写汇报要点（500字以内）", "Give the report's gist (500 characters at most)"));
    }
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO dev_reports (person_id, on_day, summary, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(person)
                .bind(on)
                .bind(summary)
                .bind(scope.account.0)
                .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "development.report", "person", person, None, None).await?;
    Ok(id)
}

/// A line of the pipeline list.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    pub person_id: i64,
    pub name: String,
    pub number: String,
    pub kind: String,
    pub branch_id: i64,
    pub branch: String,
    pub college_id: i64,
    pub college: String,
    pub pipeline: Vec<Recorded>,
    pub last_report: Option<Date>,
}

impl Line {
    pub fn p(&self) -> Pipeline {
        Pipeline { steps: self.pipeline.clone() }
    }
}

/// Every file kept by a branch the caller reads (every file for the office and the leaders),
/// one secondary organization's when `college` is given.
pub async fn list(c: &mut Conn, scope: &Scope, college: Option<i64>) -> Result<Vec<Line>, StoreError> {
    let branches = crate::scope::branches_in_reach(c, scope, everywhere(scope), college).await?;
    let by_id: HashMap<i64, &crate::scope::BranchRef> = branches.iter().map(|b| (b.id, b)).collect();
    let mut q = Sql::new(
        "SELECT f.person_id, f.org_id, p.name, p.number, p.kind, (SELECT MAX(r.on_day) FROM dev_reports r WHERE r.person_id = f.person_id) AS last_report \
         FROM dev_files f JOIN people p ON p.id = f.person_id JOIN orgs o ON o.id = f.org_id WHERE p.left_on IS NULL AND ",
    );
    push_org_condition(&mut q, scope, Access::Read, "o.path", everywhere(scope));
    if let Some(col) = college {
        let path = tree::require(c, Tree::Org, col).await?.path;
        q.push(" AND o.path LIKE ").push_bind(format!("{path}%"));
    }
    q.push(" ORDER BY p.number");
    let files: Vec<(i64, i64, String, String, String, Option<Date>)> = c.fetch_all(q).await?;
    let mut all: HashMap<i64, Vec<Recorded>> = HashMap::new();
    let ids: Vec<i64> = files.iter().map(|f| f.0).collect();
    for chunk in ids.chunks(500) {
        let mut q = Sql::new("SELECT id, step, on_day, details, recorded_by, CAST(NULL AS TEXT) AS recorded_by_name, recorded_ms, person_id FROM dev_steps WHERE person_id IN ");
        q.push_ids(chunk).push(" ORDER BY on_day, id");
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            s: StepRow,
            person_id: i64,
        }
        for r in c.fetch_all::<Row>(q).await? {
            if let Some(x) = r.s.recorded() {
                all.entry(r.person_id).or_default().push(x);
            }
        }
    }
    Ok(files
        .into_iter()
        .filter_map(|(person_id, org, name, number, kind, last_report)| {
            let b = by_id.get(&org)?;
            Some(Line {
                pipeline: all.remove(&person_id).unwrap_or_default(),
                person_id,
                name,
                number,
                kind,
                branch_id: b.id,
                branch: b.name.clone(),
                college_id: b.college_id,
                college: b.college.clone(),
                last_report,
            })
        })
        .collect())
}

/// The secondary organizations' quotas for a year.
pub async fn quotas(c: &mut Conn, year: i32) -> Result<HashMap<i64, i64>, StoreError> {
    let rows: Vec<(i64, i64)> = c.fetch_all(Sql::new("SELECT org_id, quota FROM dev_quotas WHERE year = $1").bind(year)).await?;
    Ok(rows.into_iter().collect())
}

/// Sets a secondary organization's quota for a year; the office's.
pub async fn set_quota(c: &mut Conn, scope: &Scope, college: i64, year: i32, quota: i64) -> Result<(), StoreError> {
    crate::scope::office_only(scope)?;
    let node = tree::require(c, Tree::Org, college).await?;
    if !OrgKind::parse(&node.kind).is_some_and(OrgKind::is_secondary) {
        return Err(StoreError::invalid("org_id", "名额下达到二级党组织", "Quotas go to secondary organizations"));
    }
    if !(0..=10_000).contains(&quota) {
        return Err(StoreError::invalid("quota", "名额应为0至10000的整数", "A quota is a whole number from 0 to 10000"));
    }
    c.execute(
        Sql::new("INSERT INTO dev_quotas (org_id, year, quota, updated_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, year) DO UPDATE SET quota = excluded.quota, updated_ms = excluded.updated_ms")
            .bind(college)
            .bind(year)
            .bind(quota)
            .bind(now_ms()),
    )
    .await?;
    audit::append(c, scope, "development.quota", "org", college, None, Some(format!("{{\"year\":{year},\"quota\":{quota}}}"))).await?;
    Ok(())
}

/// Development files for the demo: every applicant, activist and candidate of the roster in a
/// branch of their college (a student branch for students), with the steps their stage implies
/// dated back from `day` under the rules, some of them late; and the probationary members'
/// pipelines up to their oath, from the joining dates of their files. Every pipeline is checked
/// by the same rules as a recorded one. Returns how many files were written.
pub async fn demo(c: &mut Conn, day: Date, rules: &Rules, cal: &pacesetter_domain::calendar::Calendar) -> Result<usize, StoreError> {
    use pacesetter_domain::development::{Vote, add_months};
    use time::Duration;
    // Branches by college, students' first, and two full members of each.
    type BranchLine = (i64, Option<i64>, Option<String>, Option<i64>);
    type PersonLine = (i64, String, Option<String>, String, Option<Date>);
    let branches: Vec<BranchLine> = c
        .fetch_all(Sql::new(
            "SELECT b.id, p.id, b.category, p.linked_unit_id FROM orgs b LEFT JOIN orgs p ON p.id = b.parent_id \
             WHERE b.kind IN ('branch', 'direct_branch') AND b.closed_on IS NULL ORDER BY b.id",
        ))
        .await?;
    let members: Vec<(i64, i64)> = c
        .fetch_all(Sql::new(
            "SELECT m.org_id, m.person_id FROM org_memberships m JOIN people p ON p.id = m.person_id WHERE m.end_date IS NULL AND p.political_status = '01' ORDER BY m.person_id",
        ))
        .await?;
    let mut full_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (org, p) in members {
        full_of.entry(org).or_default().push(p);
    }
    let unit_paths: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT id, path FROM units")).await?;
    let unit_path: HashMap<i64, String> = unit_paths.into_iter().collect();
    // People to develop, with the path of their deepest current unit.
    let people: Vec<PersonLine> = c
        .fetch_all(Sql::new(
            "SELECT p.id, p.kind, p.dev_stage, p.political_status, f.joined_on FROM people p LEFT JOIN member_files f ON f.person_id = p.id \
             WHERE p.left_on IS NULL AND (p.dev_stage IS NOT NULL OR p.political_status = '02') AND NOT EXISTS (SELECT 1 FROM dev_files d WHERE d.person_id = p.id) ORDER BY p.id",
        ))
        .await?;
    let units_of: Vec<(i64, i64)> = c.fetch_all(Sql::new("SELECT person_id, unit_id FROM unit_memberships WHERE end_date IS NULL")).await?;
    let mut unit_of: HashMap<i64, i64> = HashMap::new();
    for (p, u) in units_of {
        unit_of.entry(p).or_insert(u);
    }
    let orgs_of: Vec<(i64, i64)> = c.fetch_all(Sql::new("SELECT person_id, org_id FROM org_memberships WHERE end_date IS NULL")).await?;
    let mut org_of: HashMap<i64, i64> = HashMap::new();
    for (p, o) in orgs_of {
        org_of.entry(p).or_insert(o);
    }
    let frame = Frame { rules, cal, today: day };
    let mut rng = pacesetter_domain::rng::DemoRng::new(43);
    let (mut files, mut step_rows) = (Vec::new(), Vec::new());
    let mut by_stage: HashMap<&'static str, Vec<i64>> = HashMap::new();
    let now = now_ms();
    for (person, kind, stage, status, joined) in people {
        // The branch: the member's own, else one of the college whose unit holds them.
        let branch = match org_of.get(&person).and_then(|o| branches.iter().find(|b| b.0 == *o)) {
            Some(b) => Some(b.0),
            None => {
                let upath = unit_of.get(&person).and_then(|u| unit_path.get(u)).cloned().unwrap_or_default();
                let want = if kind == "student" { "student" } else { "faculty" };
                let of_college: Vec<&BranchLine> = branches.iter().filter(|b| b.3.and_then(|u| unit_path.get(&u)).is_some_and(|p| upath.starts_with(p.as_str()))).collect();
                of_college.iter().find(|b| b.2.as_deref() == Some(want)).or(of_college.first()).map(|b| b.0)
            }
        };
        let Some(branch) = branch else { continue };
        let full = full_of.get(&branch).cloned().unwrap_or_default();
        if full.len() < 2 {
            continue;
        }
        let pair = vec![full[rng.below(full.len())], full[(rng.below(full.len() - 1) + 1) % full.len()]];
        let pair = if pair[0] == pair[1] { vec![full[0], full[1]] } else { pair };
        // The last step of the stage, and the day of the application.
        let target = match (stage.as_deref(), status.as_str()) {
            (_, "02") => Step::Oath,
            (Some("candidate"), _) => *rng.pick(&[Step::Candidate, Step::CandidateFiled, Step::Training, Step::Publicity]),
            (Some("activist"), _) => *rng.pick(&[Step::Activist, Step::ActivistFiled]),
            _ => *rng.pick(&[Step::Applied, Step::Talked]),
        };
        let mut on: Date = match target {
            Step::Oath => match joined {
                Some(j) => j - Duration::days(820 + rng.below(200) as i64),
                None => continue,
            },
            s if s >= Step::Candidate => day - Duration::days(480 + rng.below(300) as i64),
            s if s >= Step::Activist => day - Duration::days(60 + rng.below(300) as i64),
            Step::Talked => day - Duration::days(40 + rng.below(200) as i64),
            _ => day - Duration::days(3 + rng.below(24) as i64),
        };
        let mut p = Pipeline::default();
        let birth = None;
        let mut ok = true;
        for s in Step::ALL.into_iter().take_while(|s| *s <= target).filter(|s| !matches!(s, Step::Extended | Step::FullApproved | Step::Cancelled | Step::ConversionMeeting)) {
            if let Some((e, _)) = p.earliest(s, rules, cal) {
                on = on.max(e);
            }
            on += Duration::days(match s {
                Step::Applied => 0,
                Step::Talked => 10 + rng.below(25) as i64,
                Step::Admitted if target == Step::Oath => joined.map(|j| (j - on).whole_days().max(0)).unwrap_or(7),
                _ => 3 + rng.below(12) as i64,
            });
            if s == Step::Candidate {
                on = on.max(add_months(p.day(Step::ActivistFiled).unwrap_or(on), rules.activist_months));
            }
            let mut d = Details::default();
            match s {
                Step::Activist => d.people = vec![pair[0]],
                Step::Candidate => d.people = pair.clone(),
                Step::Training => d.certificate = format!("PX-{}-{:04}", on.year(), rng.below(10_000)),
                Step::Publicity => d.place = "学院党务公开栏及网站".into(),
                Step::Admitted => {
                    let n = full.len() as i64;
                    d.vote = Some(Vote { with_vote: n, present: n - (rng.below(2) as i64).min(n / 3), yes: n - (rng.below(2) as i64).min(n / 3) });
                }
                _ => {}
            }
            if on > day {
                break;
            }
            let status = if s >= Step::Approved { pacesetter_domain::people::PoliticalStatus::CpcProbationary } else { pacesetter_domain::people::PoliticalStatus::Masses };
            if p.check(s, on, &d, Subject { birth, status: if s == Step::Applied { pacesetter_domain::people::PoliticalStatus::Masses } else { status } }, &frame).is_err() {
                ok = false;
                break;
            }
            p.steps.push(Recorded { step: s, on, details: d });
        }
        if !ok || p.steps.is_empty() {
            continue;
        }
        if let Some((Some(st), None)) = p.standing() {
            by_stage.entry(st.code()).or_default().push(person);
        }
        files.push(vec![person.into(), branch.into(), now.into()]);
        for r in &p.steps {
            step_rows.push(vec![
                person.into(),
                r.step.code().into(),
                r.on.into(),
                serde_json::to_string(&r.details).unwrap_or_else(|_| "{}".into()).into(),
                0i64.into(),
                now.into(),
            ]);
        }
    }
    let n = files.len();
    crate::db::insert_rows(c, "dev_files", &["person_id", "org_id", "started_ms"], files).await?;
    crate::db::insert_rows(c, "dev_steps", &["person_id", "step", "on_day", "details", "recorded_by", "recorded_ms"], step_rows).await?;
    // Each secondary organization's quota for the year.
    let colleges: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM orgs WHERE kind IN ('committee', 'general_branch') AND closed_on IS NULL ORDER BY id")).await?;
    let quotas: Vec<Vec<crate::db::Arg>> = colleges.into_iter().map(|(id,)| vec![id.into(), i64::from(day.year()).into(), (6 + rng.below(15) as i64).into(), now.into()]).collect();
    crate::db::insert_rows(c, "dev_quotas", &["org_id", "year", "quota", "updated_ms"], quotas).await?;
    // The stage on the roster follows the pipeline.
    for (stage, ids) in by_stage {
        for chunk in ids.chunks(500) {
            let mut q = Sql::new("UPDATE people SET dev_stage = ");
            q.push_bind(stage).push(" WHERE id IN ");
            q.push_ids(chunk);
            c.execute(q).await?;
        }
    }
    Ok(n)
}

/// The accounts of the secretaries of a branch on a day (grants of branch_secretary there).
pub async fn secretary_accounts(c: &mut Conn, branch: i64, today: Date) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT DISTINCT a.id, p.email FROM role_grants g JOIN accounts a ON a.id = g.account_id LEFT JOIN people p ON p.id = a.person_id \
             WHERE g.role = 'branch_secretary' AND g.org_id = $1 AND a.disabled = FALSE AND g.start_date <= $2 AND (g.end_date IS NULL OR g.end_date >= $2)",
        )
        .bind(branch)
        .bind(today),
    )
    .await?)
}

/// Which of these people have a development file still open (their stage and status follow it).
pub async fn with_files(c: &mut Conn, ids: &[i64]) -> Result<std::collections::HashSet<i64>, StoreError> {
    let mut out = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let mut q = Sql::new(
            "SELECT f.person_id FROM dev_files f WHERE NOT EXISTS (SELECT 1 FROM dev_steps s WHERE s.person_id = f.person_id AND s.step IN ('full_approved', 'cancelled')) AND f.person_id IN ",
        );
        q.push_ids(chunk);
        for (id,) in c.fetch_all::<(i64,)>(q).await? {
            out.insert(id);
        }
    }
    Ok(out)
}

/// A document of a step, as lists show it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct DocRow {
    pub id: i64,
    pub step: String,
    pub filename: String,
    pub content_type: String,
}

/// The documents of a file, by step.
pub async fn documents(c: &mut Conn, scope: &Scope, person: i64) -> Result<Vec<DocRow>, StoreError> {
    get(c, scope, person).await?;
    Ok(c.fetch_all(Sql::new("SELECT id, step, filename, content_type FROM dev_step_files WHERE person_id = $1 ORDER BY id").bind(person)).await?)
}

/// Adds documents (name, content type, bytes: checked by the caller) to a recorded step; by
/// whoever records that step, at most 6 per step.
pub async fn attach(c: &mut Conn, scope: &Scope, person: i64, step: Step, files: Vec<(String, String, Vec<u8>)>) -> Result<(), StoreError> {
    let file = get(c, scope, person).await?;
    if !may_record(c, scope, &file.org, step).await? {
        return Err(StoreError::forbidden("材料由记录该步骤的党组织上传", "The documents of a step come from whoever records it"));
    }
    if !file.steps.iter().any(|s| s.step == step.code()) {
        return Err(StoreError::invalid("step", "该步骤尚未记录", "This step is not recorded yet"));
    }
    let held = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM dev_step_files WHERE person_id = $1 AND step = $2").bind(person).bind(step.code())).await?;
    if held + files.len() as i64 > 6 {
        return Err(StoreError::invalid("files", "每个步骤最多6份材料", "At most 6 documents per step"));
    }
    for (name, content_type, data) in files {
        c.execute(
            Sql::new("INSERT INTO dev_step_files (person_id, step, filename, content_type, data, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(person)
                .bind(step.code())
                .bind(name.as_str())
                .bind(content_type)
                .bind(data)
                .bind(scope.account.0)
                .bind(now_ms()),
        )
        .await?;
        audit::append(
            c,
            scope,
            "development.document",
            "person",
            person,
            None,
            Some(format!("{{\"step\":\"{}\",\"file\":{}}}", step.code(), serde_json::to_string(&name).unwrap_or_default())),
        )
        .await?;
    }
    Ok(())
}

/// One document, for whoever reads its file (404 otherwise).
pub async fn document(c: &mut Conn, scope: &Scope, id: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let row: Option<(i64, String, String, Vec<u8>)> =
        c.fetch_optional(Sql::new("SELECT person_id, filename, content_type, data FROM dev_step_files WHERE id = $1").bind(id)).await?;
    let Some((person, name, ct, data)) = row else { return Err(StoreError::NotFound) };
    get(c, scope, person).await?;
    Ok((name, ct, data))
}
