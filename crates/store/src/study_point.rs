//! 学习型党组织示范点 (item 6): an organization registered as a candidate by the secondary
//! organization above it (or the office), with its creation plan and milestones; progress
//! reports with evidence by those who keep it; the office's inspections by the standards it
//! sets for the campaign. The 十佳 selection of the points reads [`summaries`].

use crate::db::{Conn, Sql};
use crate::meeting::NewFile;
use crate::tree::{self, Tree};
use crate::{StoreError, audit};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Reach, Scope};
use pacesetter_domain::study_point::{self as sp, Milestone, Progress};
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct PointRow {
    pub id: i64,
    pub campaign_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub plan: String,
    pub registered_ms: i64,
}

const SELECT: &str = "SELECT p.id, p.campaign_id, p.org_id, o.name AS org_name, o.path AS org_path, p.plan, p.registered_ms FROM study_points p JOIN orgs o ON o.id = p.org_id";

/// How the caller stands to a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Standing {
    /// Keeps the organization: reports progress (the office inspects as well).
    Keeps,
    /// Reads it (those above it, the leaders).
    Reads,
}

fn standing(scope: &Scope, path: &str) -> Option<Standing> {
    match scope.party_access(path) {
        Some(Access::Write) => Some(Standing::Keeps),
        Some(_) => Some(Standing::Reads),
        None if scope.has(Role::Leader) => Some(Standing::Reads),
        None => None,
    }
}

/// The point and how the caller stands to it; NotFound for anyone else.
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<(PointRow, Standing), StoreError> {
    let row: PointRow = c.fetch_optional(Sql::new(format!("{SELECT} WHERE p.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    let s = standing(scope, &row.org_path).ok_or(StoreError::NotFound)?;
    Ok((row, s))
}

/// The secondary organization's path above (or at) a path: its first two segments.
fn secondary_path(path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    (segs.len() >= 2).then(|| format!("/{}/{}/", segs[0], segs[1]))
}

/// Registers an organization as a candidate with its creation plan and milestones: the office,
/// or the secondary organization above it (a branch does not register itself). Once per
/// campaign. Returns the point's id.
pub async fn register(c: &mut Conn, scope: &Scope, campaign: i64, org: i64, plan: &str, milestones: &[Milestone]) -> Result<i64, StoreError> {
    check_register(c, scope, campaign, org).await?;
    let ins = c
        .fetch_i64(
            Sql::new("INSERT INTO study_points (campaign_id, org_id, plan, registered_by, registered_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(campaign)
                .bind(org)
                .bind(plan)
                .bind(scope.account.0)
                .bind(now_ms()),
        )
        .await;
    // Two registering at once: the database's unique key decides, the second is told so.
    let id = match ins {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => return Err(StoreError::conflict("该党组织已登记为示范点创建单位", "This organization is registered already")),
        Err(e) => return Err(e.into()),
    };
    for m in milestones {
        c.execute(Sql::new("INSERT INTO study_point_milestones (point_id, due_on, title) VALUES ($1, $2, $3)").bind(id).bind(m.due).bind(m.title.as_str())).await?;
    }
    audit::append(c, scope, "study_point.register", "study_point", id, None, audit::snapshot(&serde_json::json!({"org": org, "milestones": milestones.len()}))).await?;
    Ok(id)
}

/// Whether `org` is a registered point of the campaign.
pub async fn is_registered(c: &mut Conn, campaign: i64, org: i64) -> Result<bool, StoreError> {
    Ok(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM study_points WHERE campaign_id = $1 AND org_id = $2").bind(campaign).bind(org)).await? > 0)
}

/// Whether the caller may register `org` in the campaign now (NotFound out of reach, before
/// anything else is said).
pub async fn check_register(c: &mut Conn, scope: &Scope, campaign: i64, org: i64) -> Result<(), StoreError> {
    let node = tree::require(c, Tree::Org, org).await?;
    if scope.party_access(&node.path).is_none() {
        return Err(StoreError::NotFound);
    }
    let Some(secondary) = secondary_path(&node.path) else {
        return Err(StoreError::invalid("org_id", "示范点由校党委所属的党组织创建", "A point is an organization below the university's committee"));
    };
    if scope.party_access(&secondary) != Some(Access::Write) {
        return Err(StoreError::forbidden("示范点由二级党组织或创先办登记", "Points are registered by the secondary organization above or by the office"));
    }
    if node.closed_on.is_some() || OrgKind::parse(&node.kind) == Some(OrgKind::Group) {
        return Err(StoreError::invalid("org_id", "请选择一个在设的党委、党总支或党支部", "Choose an open committee, general branch or branch"));
    }
    if is_registered(c, campaign, org).await? {
        return Err(StoreError::conflict("该党组织已登记为示范点创建单位", "This organization is registered already"));
    }
    Ok(())
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct MilestoneRow {
    pub id: i64,
    pub due_on: Date,
    pub title: String,
    pub done_on: Option<Date>,
}

pub async fn milestones(c: &mut Conn, point: i64) -> Result<Vec<MilestoneRow>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT id, due_on, title, done_on FROM study_point_milestones WHERE point_id = $1 ORDER BY due_on, id").bind(point)).await?)
}

/// A progress report, already checked for its form.
pub struct NewReport {
    pub body: String,
    /// A milestone of the point it is about.
    pub milestone: Option<i64>,
    /// The milestone is done.
    pub done: bool,
    pub files: Vec<NewFile>,
}

/// Reports progress with evidence, by those who keep the organization; naming a milestone of
/// this point with `done` marks it done on `today`.
pub async fn report(c: &mut Conn, scope: &Scope, id: i64, r: NewReport, today: Date) -> Result<i64, StoreError> {
    let NewReport { body, milestone, done, files } = r;
    let (_, s) = get(c, scope, id).await?;
    if s != Standing::Keeps {
        return Err(StoreError::forbidden("只有示范点所在党组织（及其上级、创先办）可以报告进展", "Only those who keep the organization report its progress"));
    }
    if let Some(m) = milestone {
        let n = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM study_point_milestones WHERE id = $1 AND point_id = $2").bind(m).bind(id)).await?;
        if n == 0 {
            return Err(StoreError::invalid("milestone", "请选择本示范点创建计划中的节点", "Choose a milestone of this point's plan"));
        }
    } else if done {
        return Err(StoreError::invalid("milestone", "标记完成时请选择节点", "Choose the milestone that is done"));
    }
    let now = now_ms();
    let rid = c
        .fetch_i64(
            Sql::new("INSERT INTO study_point_reports (point_id, milestone_id, body, reported_by, reported_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(id)
                .bind(milestone)
                .bind(body.as_str())
                .bind(scope.account.0)
                .bind(now),
        )
        .await?;
    let count = files.len();
    for f in files {
        c.execute(
            Sql::new("INSERT INTO study_point_files (report_id, name, content_type, photo, data) VALUES ($1, $2, $3, $4, $5)")
                .bind(rid)
                .bind(f.name)
                .bind(f.content_type)
                .bind(f.photo)
                .bind(f.data),
        )
        .await?;
    }
    if let (Some(m), true) = (milestone, done) {
        c.execute(Sql::new("UPDATE study_point_milestones SET done_on = $1 WHERE id = $2 AND done_on IS NULL").bind(today).bind(m)).await?;
    }
    audit::append(
        c,
        scope,
        "study_point.report",
        "study_point",
        id,
        None,
        audit::snapshot(&serde_json::json!({"report": rid, "milestone": milestone, "done": done, "files": count})),
    )
    .await?;
    Ok(rid)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub milestone_id: Option<i64>,
    pub body: String,
    pub reported_by: String,
    pub reported_ms: i64,
}

pub async fn reports(c: &mut Conn, point: i64) -> Result<Vec<ReportRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT r.id, r.milestone_id, r.body, COALESCE((SELECT a.display_name FROM accounts a WHERE a.id = r.reported_by), '创先办') AS reported_by, r.reported_ms \
             FROM study_point_reports r WHERE r.point_id = $1 ORDER BY r.reported_ms DESC, r.id DESC",
        )
        .bind(point),
    )
    .await?)
}

/// The files of a point's reports: (id, report id, name, photo).
pub async fn files(c: &mut Conn, point: i64) -> Result<Vec<(i64, i64, String, bool)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT f.id, f.report_id, f.name, f.photo FROM study_point_files f JOIN study_point_reports r ON r.id = f.report_id WHERE r.point_id = $1 ORDER BY f.photo DESC, f.id",
        )
        .bind(point),
    )
    .await?)
}

/// A file of a report, for whoever reads its point.
pub async fn file(c: &mut Conn, scope: &Scope, id: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let r: Option<(i64, String, String, Vec<u8>)> = c
        .fetch_optional(
            Sql::new("SELECT r.point_id, f.name, f.content_type, f.data FROM study_point_files f JOIN study_point_reports r ON r.id = f.report_id WHERE f.id = $1").bind(id),
        )
        .await?;
    let (point, name, ct, data) = r.ok_or(StoreError::NotFound)?;
    get(c, scope, point).await?;
    Ok((name, ct, data))
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct StandardRow {
    pub id: i64,
    pub item: String,
    pub weight: i64,
}

/// The campaign's inspection standards in force.
pub async fn standards(c: &mut Conn, campaign: i64) -> Result<Vec<StandardRow>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT id, item, weight FROM study_point_standards WHERE campaign_id = $1 AND retired = FALSE ORDER BY id").bind(campaign)).await?)
}

/// The office adds a standard (an item and its weight, 1 to 100).
pub async fn add_standard(c: &mut Conn, scope: &Scope, campaign: i64, item: &str, weight: i64) -> Result<i64, StoreError> {
    crate::scope::office_only(scope)?;
    let item = item.trim();
    let mut e = pacesetter_domain::validate::FieldErrors::new();
    if item.is_empty() || item.chars().count() > 200 || pacesetter_domain::validate::has_control(item) {
        e.add("item", "请填写检查项（不超过200字）", "Give the item (at most 200 characters)");
    }
    if !(1..=100).contains(&weight) {
        e.add("weight", "权重应为 1 至 100 的整数", "The weight is a whole number from 1 to 100");
    }
    if !e.is_empty() {
        return Err(StoreError::Invalid(e));
    }
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO study_point_standards (campaign_id, item, weight, created_ms) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(campaign)
                .bind(item)
                .bind(weight)
                .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "study_point.standard_add", "campaign", campaign, None, audit::snapshot(&serde_json::json!({"id": id, "item": item, "weight": weight}))).await?;
    Ok(id)
}

/// The office retires a standard (earlier inspections keep their scores as recorded).
pub async fn retire_standard(c: &mut Conn, scope: &Scope, id: i64) -> Result<(), StoreError> {
    crate::scope::office_only(scope)?;
    let n = c.execute(Sql::new("UPDATE study_point_standards SET retired = TRUE WHERE id = $1 AND retired = FALSE").bind(id)).await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(c, scope, "study_point.standard_retire", "study_point_standard", id, None, None).await?;
    Ok(())
}

/// The office inspects a point: a score from 0 to 100 for every standard in force, notes.
/// Returns the inspection's id.
pub async fn inspect(c: &mut Conn, scope: &Scope, id: i64, day: Date, scores: &HashMap<i64, i64>, notes: &str) -> Result<i64, StoreError> {
    let (p, _) = get(c, scope, id).await?;
    crate::scope::office_only(scope)?;
    let standards = standards(c, p.campaign_id).await?;
    if standards.is_empty() {
        return Err(StoreError::conflict("创先办尚未制定示范点检查标准", "The office has set no inspection standards yet"));
    }
    let mut e = pacesetter_domain::validate::FieldErrors::new();
    for s in &standards {
        if !scores.get(&s.id).is_some_and(|v| (0..=100).contains(v)) {
            e.add(&format!("score_{}", s.id), format!("“{}”请打 0 至 100 分", s.item), format!("Score \"{}\" from 0 to 100", s.item));
        }
    }
    if scores.keys().any(|k| !standards.iter().any(|s| s.id == *k)) {
        e.add("scores", "评分中有不在现行标准中的检查项", "A score names an item not among the standards in force");
    }
    if !e.is_empty() {
        return Err(StoreError::Invalid(e));
    }
    let score = sp::weighted_x100(standards.iter().map(|s| (s.weight, scores[&s.id])));
    let scores_json = serde_json::to_string(&standards.iter().map(|s| (s.id, s.item.clone(), s.weight, scores[&s.id])).collect::<Vec<_>>()).unwrap_or_default();
    let notes = Some(notes.trim()).filter(|n| !n.is_empty());
    let iid = c
        .fetch_i64(
            Sql::new("INSERT INTO study_point_inspections (point_id, day, inspector, scores_json, score_x100, notes, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(id)
                .bind(day)
                .bind(scope.actor.as_str())
                .bind(scores_json.clone())
                .bind(score)
                .bind(notes)
                .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "study_point.inspect", "study_point", id, None, audit::snapshot(&serde_json::json!({"inspection": iid, "score_x100": score, "scores": scores_json})))
        .await?;
    Ok(iid)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct InspectionRow {
    pub id: i64,
    pub day: Date,
    pub inspector: String,
    /// [(standard id, item, weight, score)] as scored.
    pub scores_json: String,
    pub score_x100: i64,
    pub notes: Option<String>,
}

impl InspectionRow {
    pub fn scores(&self) -> Vec<(i64, String, i64, i64)> {
        serde_json::from_str(&self.scores_json).unwrap_or_default()
    }
}

pub async fn inspections(c: &mut Conn, point: i64) -> Result<Vec<InspectionRow>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT id, day, inspector, scores_json, score_x100, notes FROM study_point_inspections WHERE point_id = $1 ORDER BY day DESC, id DESC").bind(point))
        .await?)
}

/// What a list, the selection and an export show of a point.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub point: PointRow,
    pub progress: Progress,
    pub reports: i64,
    pub last_report_ms: Option<i64>,
    pub inspections: i64,
    /// The mean of the inspections' scores, in hundredths.
    pub mean_x100: Option<i64>,
}

/// The summaries of a campaign's points: all of them (`scope` None: the selection's reading,
/// which shows only these figures), or those the caller reads.
pub async fn summaries(c: &mut Conn, scope: Option<&Scope>, campaign: i64, today: Date) -> Result<Vec<Summary>, StoreError> {
    let mut q = Sql::new(format!("{SELECT} WHERE p.campaign_id = "));
    q.push_bind(campaign);
    if let Some(s) = scope
        && !(s.is_office() || s.has(Role::Leader))
    {
        q.push(" AND (1 = 0");
        for r in s.reaches_at_least(Access::Read) {
            if let Reach::Org(p) = r {
                q.push(" OR o.path LIKE ").push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
            }
        }
        q.push(")");
    }
    q.push(" ORDER BY o.path");
    let points: Vec<PointRow> = c.fetch_all(q).await?;
    let ms: Vec<(i64, Date, Option<Date>)> = c
        .fetch_all(
            Sql::new("SELECT m.point_id, m.due_on, m.done_on FROM study_point_milestones m JOIN study_points p ON p.id = m.point_id WHERE p.campaign_id = $1").bind(campaign),
        )
        .await?;
    let reps: Vec<(i64, i64, Option<i64>)> = c
        .fetch_all(
            Sql::new(
                "SELECT r.point_id, COUNT(*), MAX(r.reported_ms) FROM study_point_reports r JOIN study_points p ON p.id = r.point_id WHERE p.campaign_id = $1 GROUP BY r.point_id",
            )
            .bind(campaign),
        )
        .await?;
    let ins: Vec<(i64, i64)> = c
        .fetch_all(Sql::new("SELECT i.point_id, i.score_x100 FROM study_point_inspections i JOIN study_points p ON p.id = i.point_id WHERE p.campaign_id = $1").bind(campaign))
        .await?;
    Ok(points
        .into_iter()
        .map(|p| {
            let mine: Vec<(Date, Option<Date>)> = ms.iter().filter(|m| m.0 == p.id).map(|m| (m.1, m.2)).collect();
            let scores: Vec<i64> = ins.iter().filter(|i| i.0 == p.id).map(|i| i.1).collect();
            let rep = reps.iter().find(|r| r.0 == p.id);
            Summary {
                progress: sp::progress(&mine, today),
                reports: rep.map(|r| r.1).unwrap_or(0),
                last_report_ms: rep.and_then(|r| r.2),
                inspections: scores.len() as i64,
                mean_x100: sp::mean_x100(&scores),
                point: p,
            }
        })
        .collect())
}

/// The organizations the caller may register as points: those below a secondary organization
/// they keep (all for the office), open, not Party groups, not the university's committee.
pub async fn registrable(c: &mut Conn, scope: &Scope) -> Result<Vec<(i64, String)>, StoreError> {
    let mut q = Sql::new("SELECT id, name FROM orgs WHERE closed_on IS NULL AND kind <> 'group' AND depth >= 1 AND (1 = 0");
    if scope.is_office() {
        q.push(" OR 1 = 1");
    }
    for p in scope.own_org_paths(Access::Write) {
        if let Some(sec) = secondary_path(p).filter(|s| s == p) {
            q.push(" OR path LIKE ").push_bind(format!("{}%", crate::db::like_escape(&sec))).push(" ESCAPE '\\'");
        }
    }
    q.push(") ORDER BY path");
    Ok(c.fetch_all(q).await?)
}

/// The demo's study model points: the office's four standards; one branch of each secondary
/// organization registered in March with three milestones, most with a report on the first and
/// some inspected. The demo branch secretary's own branch is registered too, with nothing
/// reported yet, so that a walk-through starts there.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    let Some(camp) = crate::campaign::current(c).await? else { return Ok(0) };
    let scope = Scope::system("demo-loader");
    let mut rng = pacesetter_domain::rng::DemoRng::new(49);
    let year = day.year();
    let date = |m: u8, d: u8| Date::from_calendar_date(year, time::Month::try_from(m).unwrap_or(time::Month::March), d).unwrap_or(day);
    for (item, weight) in [("学习制度健全、落实到位", 25), ("学习载体新颖、特色鲜明", 25), ("学习活动经常、党员参与面广", 25), ("学习成效明显、群众认可", 25)]
    {
        add_standard(c, &scope, camp.id, item, weight).await?;
    }
    let standards = standards(c, camp.id).await?;
    // One branch under each secondary organization (the first by path), and the demo's branch.
    let branches: Vec<(i64, String, bool)> = c
        .fetch_all(Sql::new(
            "SELECT o.id, o.path, EXISTS (SELECT 1 FROM role_grants g JOIN accounts a ON a.id = g.account_id WHERE g.org_id = o.id AND a.username = 'branchsec') \
             FROM orgs o WHERE o.kind = 'branch' AND o.closed_on IS NULL ORDER BY o.path",
        ))
        .await?;
    let mut seen = std::collections::HashSet::new();
    let mut n = 0;
    for (org, path, demo_account) in branches {
        let first_of_college = secondary_path(&path).is_some_and(|s| seen.insert(s));
        if !first_of_college && !demo_account {
            continue;
        }
        let ms = [
            Milestone { due: date(4, 10), title: "制定学习型支部创建方案和学习制度，并在党务公开栏公开".into() },
            Milestone { due: date(5, 31), title: "建成“书香支部”读书角，每月开展一次读书分享".into() },
            Milestone { due: date(6, 30), title: "形成学习成果汇编，迎接创先办检查".into() },
        ];
        let plan = "以“书香支部”为载体，把集中学习、读书分享和网上学习结合起来：支部每月一次集中学习，党员每季度至少读一本书并写体会，支部在学期末汇编学习成果。";
        let id = match register(c, &scope, camp.id, org, plan, &ms).await {
            Ok(id) => id,
            Err(StoreError::Invalid(_) | StoreError::Conflict(_) | StoreError::Forbidden(_)) => continue,
            Err(e) => return Err(e),
        };
        n += 1;
        if demo_account || date(4, 10) >= day {
            continue;
        }
        let mids: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM study_point_milestones WHERE point_id = $1 ORDER BY due_on").bind(id)).await?;
        if rng.chance(0.75) {
            let on = date(4, 5 + rng.below(5) as u8);
            let body = "学习制度已经支部党员大会讨论通过，并在党务公开栏和支部网页公开。".to_string();
            let r = report(c, &scope, id, NewReport { body, milestone: mids.first().map(|m| m.0), done: true, files: Vec::new() }, on).await?;
            c.execute(Sql::new("UPDATE study_point_reports SET reported_ms = $1 WHERE id = $2").bind(pacesetter_domain::dates::cst_ms(on, 16)).bind(r)).await?;
        }
        if rng.chance(0.5) {
            let body = "读书角已布置完成，首批购置图书60册，4月组织了第一次读书分享会。".to_string();
            let r = report(c, &scope, id, NewReport { body, milestone: mids.get(1).map(|m| m.0), done: false, files: Vec::new() }, day).await?;
            let on = day - time::Duration::days(2);
            c.execute(Sql::new("UPDATE study_point_reports SET reported_ms = $1 WHERE id = $2").bind(pacesetter_domain::dates::cst_ms(on, 16)).bind(r)).await?;
        }
        if rng.chance(0.5) {
            let scores: HashMap<i64, i64> = standards.iter().map(|s| (s.id, 75 + rng.below(24) as i64)).collect();
            inspect(c, &scope, id, day - time::Duration::days(3), &scores, "制度健全，读书角使用率有待提高。").await?;
        }
    }
    Ok(n)
}
