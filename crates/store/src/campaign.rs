//! Campaigns: a plan loaded as data, its task templates, and the fan-out of tasks over the
//! current trees. Loading the same plan twice duplicates nothing; a changed plan is compared
//! first and applied on confirmation, keeping due dates the office edited in the UI.

use crate::db::{Conn, Sql};
use crate::{StoreError, audit};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::plan::{Deliverable, Owners, Plan, Reviewer, TaskTemplate};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::Scope;
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub year: i64,
    pub office_unit_id: Option<i64>,
    #[serde(skip)]
    pub plan_json: String,
    #[serde(skip)]
    pub plan_source: String,
    pub plan_sha256: String,
    pub state: String,
    pub created_ms: i64,
    pub closed_ms: Option<i64>,
}

impl CampaignRow {
    pub fn plan(&self) -> Result<Plan, StoreError> {
        serde_json::from_str(&self.plan_json).map_err(|e| StoreError::Config(format!("stored plan of campaign {} is unreadable: {e}", self.id)))
    }

    pub fn is_active(&self) -> bool {
        self.state == "active"
    }
}

pub async fn list(c: &mut Conn) -> Result<Vec<CampaignRow>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT * FROM campaigns ORDER BY year DESC, id DESC")).await?)
}

/// The demo clock of a database: the date its campaigns run as of, when every campaign is a
/// demo campaign with one (the earliest); None as soon as a real campaign exists.
pub async fn demo_clock(c: &mut Conn) -> Result<Option<Date>, StoreError> {
    let (all, clocked): (i64, i64) = c.fetch_one(Sql::new("SELECT COUNT(*), COUNT(as_of) FROM campaigns")).await?;
    if all == 0 || all != clocked {
        return Ok(None);
    }
    let (day,): (Option<Date>,) = c.fetch_one(Sql::new("SELECT MIN(as_of) FROM campaigns")).await?;
    Ok(day)
}

/// Sets a demo campaign's clock (the demo loader only: no page or API sets it).
pub async fn set_demo_clock(c: &mut Conn, id: i64, as_of: Date) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE campaigns SET as_of = $1 WHERE id = $2").bind(as_of).bind(id)).await?;
    Ok(())
}

pub async fn get(c: &mut Conn, id: i64) -> Result<CampaignRow, StoreError> {
    c.fetch_optional(Sql::new("SELECT * FROM campaigns WHERE id = $1").bind(id)).await?.ok_or(StoreError::NotFound)
}

pub async fn by_code(c: &mut Conn, code: &str) -> Result<Option<CampaignRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new("SELECT * FROM campaigns WHERE code = $1").bind(code)).await?)
}

/// The campaign running now, if any (the newest active one).
pub async fn current(c: &mut Conn) -> Result<Option<CampaignRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new("SELECT * FROM campaigns WHERE state = 'active' ORDER BY year DESC, id DESC LIMIT 1")).await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: i64,
    pub campaign_id: i64,
    pub code: String,
    pub item: Option<i64>,
    pub title: String,
    pub description: Option<String>,
    pub owners: String,
    pub owners_json: String,
    pub deliverable_json: String,
    pub from_date: Option<Date>,
    pub due_date: Option<Date>,
    pub wording: Option<String>,
    pub reviewer: String,
    pub due_edited_by: Option<String>,
    pub due_edited_ms: Option<i64>,
    pub sort: i64,
    pub retired: bool,
    /// `plan` (the plan file's) or `study` (a document the office published, which plan
    /// loads leave alone).
    pub origin: String,
}

impl TemplateRow {
    pub fn owners(&self) -> Owners {
        serde_json::from_str(&self.owners_json).unwrap_or(Owners::Office)
    }
    pub fn deliverable(&self) -> Deliverable {
        serde_json::from_str(&self.deliverable_json).unwrap_or(Deliverable::Text)
    }
    pub fn reviewer(&self) -> Reviewer {
        Reviewer::parse(&self.reviewer).unwrap_or(Reviewer::Office)
    }
    fn as_template(&self) -> TaskTemplate {
        TaskTemplate {
            code: self.code.clone(),
            item: self.item.map(|i| i as u32),
            title: self.title.clone(),
            description: self.description.clone(),
            owners: self.owners(),
            deliverable: self.deliverable(),
            from: self.from_date,
            due: self.due_date,
            wording: self.wording.clone(),
            reviewer: self.reviewer(),
        }
    }
}

pub async fn templates(c: &mut Conn, campaign: i64) -> Result<Vec<TemplateRow>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT * FROM task_templates WHERE campaign_id = $1 ORDER BY sort, id").bind(campaign)).await?)
}

pub async fn template(c: &mut Conn, id: i64) -> Result<TemplateRow, StoreError> {
    c.fetch_optional(Sql::new("SELECT * FROM task_templates WHERE id = $1").bind(id)).await?.ok_or(StoreError::NotFound)
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct TemplateChange {
    pub code: String,
    pub fields: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DueConflict {
    pub code: String,
    /// The date edited in the UI, which is kept.
    pub kept: Option<Date>,
    /// The date the file gives.
    pub file: Option<Date>,
    pub edited_by: Option<String>,
}

/// What loading a plan did, or would do.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LoadReport {
    pub campaign_id: Option<i64>,
    pub code: String,
    pub is_new: bool,
    pub unchanged: bool,
    pub added: Vec<String>,
    pub changed: Vec<TemplateChange>,
    pub retired: Vec<String>,
    pub conflicts: Vec<DueConflict>,
    /// A changed plan waits for confirmation before anything changes.
    pub needs_confirmation: bool,
    /// Parts of the plan other than its task templates that differ: campaign, phases,
    /// calendar, items.
    pub other_changes: Vec<String>,
    pub applied: bool,
    pub tasks_created: i64,
}

fn may_manage(scope: &Scope) -> Result<(), StoreError> {
    if scope.account.0 == 0 || scope.has_any(&[Role::Office, Role::Admin]) {
        Ok(())
    } else {
        Err(StoreError::forbidden("只有创先办可以管理活动计划", "Only the campaign office manages campaign plans"))
    }
}

pub(crate) async fn unit_named(c: &mut Conn, name: &str) -> Result<Option<i64>, StoreError> {
    let ids: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM units WHERE name = $1 AND closed_on IS NULL ORDER BY id").bind(name)).await?;
    Ok(if ids.len() == 1 { Some(ids[0].0) } else { None })
}

/// Checks the names a plan uses against the trees.
async fn resolve(c: &mut Conn, plan: &Plan) -> Result<i64, StoreError> {
    let mut errs = pacesetter_domain::validate::FieldErrors::new();
    let office = unit_named(c, &plan.campaign.office).await?;
    if office.is_none() {
        errs.add("office", format!("找不到创先办所在单位“{}”", plan.campaign.office), format!("No unit called \"{}\" houses the campaign office", plan.campaign.office));
    }
    for t in &plan.tasks {
        if let Owners::Units(names) = &t.owners {
            for n in names {
                if unit_named(c, n).await?.is_none() {
                    errs.add("units", format!("任务“{}”：找不到单位“{n}”", t.title), format!("Task \"{}\": no unit called \"{n}\"", t.title));
                }
            }
        }
    }
    match office {
        Some(o) if errs.is_empty() => Ok(o),
        _ => Err(StoreError::Invalid(errs)),
    }
}

fn owners_code(t: &TaskTemplate) -> &'static str {
    t.owners.code()
}

/// Stores a template (`origin`: `plan`, or `study` for a published document); returns its id.
pub(crate) async fn insert_template(c: &mut Conn, campaign: i64, t: &TaskTemplate, sort: i64, origin: &str) -> Result<i64, StoreError> {
    Ok(c.fetch_i64(
        Sql::new(
            "INSERT INTO task_templates (campaign_id, code, item, title, description, owners, owners_json, deliverable_json, from_date, due_date, wording, reviewer, sort, origin) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(campaign)
        .bind(t.code.as_str())
        .bind(t.item.map(i64::from))
        .bind(t.title.as_str())
        .bind(t.description.clone())
        .bind(owners_code(t))
        .bind(serde_json::to_string(&t.owners).unwrap_or_default())
        .bind(serde_json::to_string(&t.deliverable).unwrap_or_default())
        .bind(t.from)
        .bind(t.due)
        .bind(t.wording.clone())
        .bind(t.reviewer.code())
        .bind(sort)
        .bind(origin),
    )
    .await?)
}

/// Loads a plan: creates the campaign, or compares a changed plan with the stored one and
/// applies it when `confirm` is set. Either way the fan-out runs, so organizations created
/// since the last load receive their tasks.
pub async fn load(c: &mut Conn, scope: &Scope, plan: &Plan, source: &str, confirm: bool) -> Result<LoadReport, StoreError> {
    may_manage(scope)?;
    let office = resolve(c, plan).await?;
    let sha = pacesetter_domain::audit::sha256_hex(source.as_bytes());
    let plan_json = serde_json::to_string(plan).map_err(|e| StoreError::Config(e.to_string()))?;
    let mut report = LoadReport { code: plan.campaign.code.clone(), ..Default::default() };
    let existing = by_code(c, &plan.campaign.code).await?;
    let campaign_id = match existing {
        None => {
            let id = c
                .fetch_i64(
                    Sql::new(
                        "INSERT INTO campaigns (code, title, year, office_unit_id, plan_json, plan_source, plan_sha256, state, created_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8) RETURNING id",
                    )
                    .bind(plan.campaign.code.as_str())
                    .bind(plan.campaign.title.as_str())
                    .bind(i64::from(plan.campaign.year))
                    .bind(office)
                    .bind(plan_json)
                    .bind(source)
                    .bind(sha.as_str())
                    .bind(now_ms()),
                )
                .await?;
            for (i, t) in plan.tasks.iter().enumerate() {
                insert_template(c, id, t, i as i64, "plan").await?;
            }
            report.is_new = true;
            report.added = plan.tasks.iter().map(|t| t.code.clone()).collect();
            report.applied = true;
            id
        }
        Some(row) if !row.is_active() => {
            return Err(StoreError::conflict("该活动已归档，不能再加载计划", "This campaign is archived; its plan cannot be loaded again"));
        }
        Some(row) if row.plan_sha256 == sha => {
            report.unchanged = true;
            report.applied = true;
            row.id
        }
        Some(row) => {
            if let Ok(old) = row.plan() {
                let parts = [
                    ("campaign", old.campaign != plan.campaign),
                    ("phases", old.phases != plan.phases),
                    ("calendar", old.calendar != plan.calendar),
                    ("items", old.items != plan.items),
                ];
                report.other_changes = parts.iter().filter(|(_, d)| *d).map(|(n, _)| n.to_string()).collect();
            }
            // A published document's template is the office's, not the file's.
            let stored: Vec<TemplateRow> = templates(c, row.id).await?.into_iter().filter(|t| t.origin == "plan").collect();
            let by_code: HashMap<&str, &TemplateRow> = stored.iter().map(|t| (t.code.as_str(), t)).collect();
            for t in &plan.tasks {
                match by_code.get(t.code.as_str()) {
                    None => report.added.push(t.code.clone()),
                    Some(old) => {
                        let mut fields: Vec<String> = pacesetter_domain::plan::template_changes(&old.as_template(), t).into_iter().map(str::to_string).collect();
                        if old.retired {
                            fields.push("restored".into());
                        }
                        if old.due_edited_ms.is_some() && old.due_date != t.due {
                            fields.retain(|f| f != "due");
                            report.conflicts.push(DueConflict { code: t.code.clone(), kept: old.due_date, file: t.due, edited_by: old.due_edited_by.clone() });
                        }
                        if !fields.is_empty() {
                            report.changed.push(TemplateChange { code: t.code.clone(), fields });
                        }
                    }
                }
            }
            report.retired = stored.iter().filter(|s| !s.retired && !plan.tasks.iter().any(|t| t.code == s.code)).map(|s| s.code.clone()).collect();
            if !confirm {
                report.needs_confirmation = true;
                report.campaign_id = Some(row.id);
                return Ok(report);
            }
            c.execute(
                Sql::new("UPDATE campaigns SET title = $1, year = $2, office_unit_id = $3, plan_json = $4, plan_source = $5, plan_sha256 = $6 WHERE id = $7")
                    .bind(plan.campaign.title.as_str())
                    .bind(i64::from(plan.campaign.year))
                    .bind(office)
                    .bind(plan_json)
                    .bind(source)
                    .bind(sha.as_str())
                    .bind(row.id),
            )
            .await?;
            for (i, t) in plan.tasks.iter().enumerate() {
                match by_code.get(t.code.as_str()) {
                    None => {
                        insert_template(c, row.id, t, i as i64, "plan").await?;
                    }
                    Some(old) => {
                        let keep_due = old.due_edited_ms.is_some();
                        c.execute(
                            Sql::new(
                                "UPDATE task_templates SET item = $1, title = $2, description = $3, owners = $4, owners_json = $5, deliverable_json = $6, \
                                 from_date = $7, due_date = CASE WHEN $8 THEN due_date ELSE $9 END, wording = $10, reviewer = $11, sort = $12, retired = FALSE WHERE id = $13",
                            )
                            .bind(t.item.map(i64::from))
                            .bind(t.title.as_str())
                            .bind(t.description.clone())
                            .bind(owners_code(t))
                            .bind(serde_json::to_string(&t.owners).unwrap_or_default())
                            .bind(serde_json::to_string(&t.deliverable).unwrap_or_default())
                            .bind(t.from)
                            .bind(keep_due)
                            .bind(t.due)
                            .bind(t.wording.clone())
                            .bind(t.reviewer.code())
                            .bind(i as i64)
                            .bind(old.id),
                        )
                        .await?;
                    }
                }
            }
            for code in &report.retired {
                c.execute(Sql::new("UPDATE task_templates SET retired = TRUE WHERE campaign_id = $1 AND code = $2").bind(row.id).bind(code.as_str())).await?;
            }
            report.applied = true;
            row.id
        }
    };
    report.campaign_id = Some(campaign_id);
    report.tasks_created = sync(c, campaign_id).await?;
    if !report.unchanged || report.tasks_created > 0 {
        audit::append(c, scope, "campaign.load", "campaign", campaign_id, None, audit::snapshot(&report)).await?;
    }
    Ok(report)
}

/// Creates the tasks every template owes that do not exist yet (new organizations, new
/// members, new cadres). Nothing is duplicated: (template, owner) is unique.
pub async fn sync(c: &mut Conn, campaign: i64) -> Result<i64, StoreError> {
    let row = get(c, campaign).await?;
    if !row.is_active() {
        return Ok(0);
    }
    let now = now_ms();
    let mut created = 0;
    for t in templates(c, campaign).await?.into_iter().filter(|t| !t.retired) {
        let insert = |kind: &str, select: &str| -> Sql {
            let (col, prefix) = match kind {
                "org" => ("org_id", "o:"),
                "unit" => ("unit_id", "u:"),
                _ => ("person_id", "p:"),
            };
            Sql::new(format!(
                "INSERT INTO tasks (template_id, campaign_id, {col}, owner_key, state, created_ms) \
                 SELECT $1, $2, x.id, '{prefix}' || CAST(x.id AS TEXT), 'open', $3 FROM ({select}) x WHERE TRUE \
                 ON CONFLICT (template_id, owner_key) DO NOTHING"
            ))
            .bind(t.id)
            .bind(campaign)
            .bind(now)
        };
        let q = match t.owners() {
            Owners::SecondaryOrgs => insert("org", "SELECT id FROM orgs WHERE closed_on IS NULL AND kind IN ('committee', 'general_branch', 'direct_branch')"),
            Owners::Branches => insert("org", "SELECT id FROM orgs WHERE closed_on IS NULL AND kind IN ('branch', 'direct_branch')"),
            Owners::PartyOrgs => insert("org", "SELECT id FROM orgs WHERE closed_on IS NULL AND kind IN ('committee', 'general_branch', 'direct_branch', 'branch')"),
            Owners::PartyMembers => insert(
                "person",
                "SELECT p.id FROM people p WHERE p.left_on IS NULL AND p.political_status IN ('01', '02') \
                 AND EXISTS (SELECT 1 FROM org_memberships m WHERE m.person_id = p.id AND m.end_date IS NULL)",
            ),
            Owners::WindowUnits => insert(
                "unit",
                "SELECT u.id FROM units u WHERE u.closed_on IS NULL AND EXISTS (SELECT 1 FROM units w WHERE w.parent_id = u.id AND w.kind = 'window' AND w.closed_on IS NULL)",
            ),
            Owners::Cadres => insert("person", "SELECT id FROM people WHERE left_on IS NULL AND cadre_rank IS NOT NULL"),
            Owners::Office => match row.office_unit_id {
                Some(o) => insert("unit", &format!("SELECT id FROM units WHERE id = {o}")),
                None => continue,
            },
            Owners::Units(names) => {
                let mut ids = Vec::new();
                for n in &names {
                    if let Some(id) = unit_named(c, n).await? {
                        ids.push(id.to_string());
                    }
                }
                if ids.is_empty() {
                    continue;
                }
                insert("unit", &format!("SELECT id FROM units WHERE id IN ({})", ids.join(", ")))
            }
        };
        created += c.execute(q).await? as i64;
    }
    if created > 0 {
        // New members' tasks: where they count.
        let mut q = member_org_update();
        q.push(" AND campaign_id = ").push_bind(campaign).push(" AND member_org_id IS NULL");
        c.execute(q).await?;
    }
    Ok(created)
}

/// Sets each member's task to the member's deepest current organization; callers narrow it.
fn member_org_update() -> Sql {
    Sql::new(
        "UPDATE tasks SET member_org_id = (SELECT pm.org_id FROM org_memberships pm JOIN orgs po ON po.id = pm.org_id \
         WHERE pm.person_id = tasks.person_id AND pm.end_date IS NULL ORDER BY po.depth DESC, pm.id LIMIT 1) \
         WHERE person_id IS NOT NULL",
    )
}

/// Keeps on each member's task the member's deepest current organization (where the task
/// counts on the dashboards): for one person after their memberships change, or for all.
pub async fn refresh_member_orgs(c: &mut Conn, person: Option<i64>) -> Result<(), StoreError> {
    let mut q = member_org_update();
    q.push(" AND campaign_id IN (SELECT id FROM campaigns WHERE state = 'active')");
    if let Some(p) = person {
        q.push(" AND person_id = ").push_bind(p);
    }
    c.execute(q).await?;
    Ok(())
}

/// Runs the fan-out of every active campaign (after the trees or the roster change).
pub async fn sync_active(c: &mut Conn) -> Result<i64, StoreError> {
    let ids: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM campaigns WHERE state = 'active'")).await?;
    let mut n = 0;
    for (id,) in ids {
        n += sync(c, id).await?;
    }
    Ok(n)
}

/// The office sets or changes a template's date (audited; a later plan load keeps it).
pub async fn set_due(c: &mut Conn, scope: &Scope, template_id: i64, due: Option<Date>) -> Result<TemplateRow, StoreError> {
    may_manage(scope)?;
    let before = template(c, template_id).await?;
    let camp = get(c, before.campaign_id).await?;
    if !camp.is_active() {
        return Err(StoreError::conflict("该活动已归档，只读", "This campaign is archived and read-only"));
    }
    if let Some(d) = due {
        if (d.year() - camp.year as i32).abs() > 1 {
            return Err(StoreError::invalid("due_date", "截止日期应在活动年份附近", "The date must be near the campaign's year"));
        }
    }
    c.execute(
        Sql::new("UPDATE task_templates SET due_date = $1, due_edited_by = $2, due_edited_ms = $3 WHERE id = $4")
            .bind(due)
            .bind(scope.actor.as_str())
            .bind(now_ms())
            .bind(template_id),
    )
    .await?;
    let after = template(c, template_id).await?;
    audit::append(
        c,
        scope,
        "template.set_due",
        "task_template",
        template_id,
        Some(serde_json::json!({"code": before.code, "due": before.due_date.map(pacesetter_domain::dates::iso)}).to_string()),
        Some(serde_json::json!({"code": after.code, "due": after.due_date.map(pacesetter_domain::dates::iso)}).to_string()),
    )
    .await?;
    Ok(after)
}

/// Archives a campaign: it stays browsable, read-only.
pub async fn close(c: &mut Conn, scope: &Scope, campaign: i64) -> Result<(), StoreError> {
    may_manage(scope)?;
    let row = get(c, campaign).await?;
    if !row.is_active() {
        return Err(StoreError::conflict("该活动已归档", "This campaign is already archived"));
    }
    let n = c.execute(Sql::new("UPDATE campaigns SET state = 'closed', closed_ms = $1 WHERE id = $2 AND state = 'active'").bind(now_ms()).bind(campaign)).await?;
    StoreError::unless_changed(n, "该活动已归档", "This campaign is already archived")?;
    audit::append(c, scope, "campaign.close", "campaign", campaign, None, None).await?;
    Ok(())
}

/// Demo progress on a loaded campaign, so its dashboards have something to show: most
/// owners have handed in and been accepted, some late, some are waiting for review, some were
/// returned, the rest are open. Deterministic (by task id); one audit entry.
/// Gives the demo campaign some history: most tasks handed in, some late, some waiting for
/// review, some returned. The tasks of the demo accounts' own organizations and persons stay
/// open, so that a walk-through starts from the beginning.
pub async fn demo_progress(c: &mut Conn, scope: &Scope, campaign: i64) -> Result<(), StoreError> {
    let now = now_ms();
    for t in templates(c, campaign).await? {
        // Commitment tasks follow their commitments (store::commitment::sync_task); study
        // records name their meetings (store::study::demo).
        if matches!(t.deliverable(), pacesetter_domain::plan::Deliverable::Commitment | pacesetter_domain::plan::Deliverable::Study) {
            continue;
        }
        let Some(due) = t.due_date else { continue };
        let day = |n: i64| due.checked_add(time::Duration::days(n)).unwrap_or(due);
        let steps: [(&str, &str, Option<Date>, Option<Date>); 4] = [
            ("accepted", "id % 20 < 14 AND id % 7 <> 0", Some(day(-2)), None),
            ("accepted", "id % 20 < 14 AND id % 7 = 0", Some(day(3)), None),
            ("submitted", "id % 20 IN (14, 15)", Some(day(-1)), None),
            ("returned", "id % 20 = 16", Some(day(-1)), Some(day(7))),
        ];
        for (state, which, first, resubmit) in steps {
            c.execute(
                Sql::new(format!(
                    "UPDATE tasks SET state = $1, first_submitted = $2, resubmit_due = $3, last_submitted_ms = $4,                      decided_ms = CASE WHEN $1 = 'submitted' THEN NULL ELSE $4 END WHERE template_id = $5 AND state = 'open' AND {which} \
                     AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.org_id = tasks.org_id) \
                     AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = tasks.person_id)"
                ))
                .bind(state)
                .bind(first)
                .bind(resubmit)
                .bind(now)
                .bind(t.id),
            )
            .await?;
        }
    }
    audit::append(c, scope, "campaign.demo_progress", "campaign", campaign, None, None).await?;
    Ok(())
}
