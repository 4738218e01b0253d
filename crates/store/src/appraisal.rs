//! Appraisal rounds (评议, 三评, 民主评议党员): a round names its subjects (the organizations below
//! an organization, the members of a branch or of an organization's branches, the windows below
//! a unit), the weight of each rater group, the criteria and the scale; a rater's group follows
//! from who they are to the subject; one appraisal per rater per subject (the key of
//! `appraisal_ratings`); the combined score, grade advice and ranking come from
//! `domain::appraisal`; a branch records each member's grade, with a reason where it differs from
//! the advice, and a 不合格 grade opens a case for the secondary organization.

use crate::db::{Conn, Sql, is_unique_violation};
use crate::{StoreError, audit};
use pacesetter_domain::Text;
use pacesetter_domain::appraisal::{self as rule, Combined, Frac, Group, GroupRatings, Scale, SubjectKind};
use pacesetter_domain::dates::{now_ms, today};
use pacesetter_domain::people::PoliticalStatus;
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Reach, Scope};
use pacesetter_domain::validate::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::Date;

fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    let mut e = FieldErrors::new();
    e.add(field, zh, en);
    StoreError::Invalid(e)
}

fn conflict(zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Conflict(Text::new(zh, en))
}

/// A criterion: its text and weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub item: String,
    pub weight: u32,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RoundRow {
    pub id: i64,
    pub campaign_id: i64,
    pub title: String,
    pub subject_kind: String,
    pub scope_org_id: Option<i64>,
    pub scope_unit_id: Option<i64>,
    pub scale: String,
    #[serde(skip)]
    pub weights_json: String,
    #[serde(skip)]
    pub grades_json: Option<String>,
    pub quota: Option<i64>,
    pub opens: Date,
    pub closes: Date,
    pub created_by: String,
    pub created_ms: i64,
    pub tie_order: Option<String>,
    pub tie_reason: Option<String>,
    /// Closed before its last day: its scores were counted into a selection.
    pub closed_on: Option<Date>,
}

impl RoundRow {
    pub fn tie_preference(&self) -> Vec<i64> {
        self.tie_order.as_deref().unwrap_or("").split(',').filter_map(|s| s.trim().parse().ok()).collect()
    }
    pub fn kind(&self) -> SubjectKind {
        SubjectKind::parse(&self.subject_kind).unwrap_or(SubjectKind::Organization)
    }
    pub fn weights(&self) -> Vec<(Group, u32)> {
        serde_json::from_str(&self.weights_json).unwrap_or_default()
    }
    pub fn weight(&self, g: Group) -> u32 {
        self.weights().into_iter().find(|(x, _)| *x == g).map(|(_, w)| w).unwrap_or(0)
    }
    pub fn grades(&self) -> Vec<(String, u32)> {
        self.grades_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
    }
    pub fn scale(&self) -> Scale {
        if self.scale == "hundred" { Scale::Hundred } else { Scale::satisfaction() }
    }
    pub fn is_open(&self, day: Date) -> bool {
        day >= self.opens && day <= self.closes && self.closed_on.is_none()
    }
}

const ROUND: &str = "SELECT id, campaign_id, title, subject_kind, scope_org_id, scope_unit_id, scale, weights_json, grades_json, quota, opens, closes, created_by, created_ms, tie_order, tie_reason, closed_on FROM appraisal_rounds";

pub async fn rounds(c: &mut Conn, campaign: i64) -> Result<Vec<RoundRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{ROUND} WHERE campaign_id = $1 ORDER BY id DESC")).bind(campaign)).await?)
}

pub async fn round(c: &mut Conn, id: i64) -> Result<RoundRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{ROUND} WHERE id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// The round, its row locked for the rest of the write transaction on PostgreSQL: shared by
/// the raters (many rate at once, none after a count closed the round: the count waits for
/// them, and they for it), exclusive for the office's decisions on it.
async fn round_locked(c: &mut Conn, id: i64, share: bool) -> Result<RoundRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{ROUND} WHERE id = $1{}", c.row_lock(share, ""))).bind(id)).await?.ok_or(StoreError::NotFound)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SubjectRow {
    pub id: i64,
    pub round_id: i64,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub name: String,
    /// The subject's place: an organization's or a window's path, a member's branch's path.
    pub path: String,
    #[serde(skip)]
    pub criteria_json: String,
}

impl SubjectRow {
    pub fn criteria(&self) -> Vec<Criterion> {
        serde_json::from_str(&self.criteria_json).unwrap_or_default()
    }
}

pub async fn subjects(c: &mut Conn, round: i64) -> Result<Vec<SubjectRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new("SELECT id, round_id, person_id, org_id, unit_id, name, path, criteria_json FROM appraisal_subjects WHERE round_id = $1 ORDER BY path, name, id").bind(round),
    )
    .await?)
}

pub async fn subject(c: &mut Conn, round: i64, id: i64) -> Result<SubjectRow, StoreError> {
    c.fetch_optional(
        Sql::new("SELECT id, round_id, person_id, org_id, unit_id, name, path, criteria_json FROM appraisal_subjects WHERE round_id = $1 AND id = $2").bind(round).bind(id),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// The scopes a round may be started on: organizations down to the branches of a secondary
/// organization; the top units and those that have windows.
pub async fn scope_choices(c: &mut Conn) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), StoreError> {
    let orgs: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT id, name FROM orgs WHERE closed_on IS NULL AND depth <= 2 ORDER BY path")).await?;
    let units: Vec<(i64, String, String)> = c
        .fetch_all(Sql::new("SELECT id, name, path FROM units WHERE closed_on IS NULL AND (depth <= 1 OR id IN (SELECT parent_id FROM units WHERE kind = 'window')) ORDER BY path"))
        .await?;
    Ok((orgs, units.into_iter().map(|u| (u.0, u.1)).collect()))
}

/// Organizations' names by path.
pub async fn org_names(c: &mut Conn, paths: impl Iterator<Item = &str>) -> Result<HashMap<String, String>, StoreError> {
    let mut out = HashMap::new();
    for p in paths {
        if let Some(name) = c.fetch_opt_string(Sql::new("SELECT name FROM orgs WHERE path = $1").bind(p)).await? {
            out.insert(p.to_string(), name);
        }
    }
    Ok(out)
}

/// What the office fills in.
#[derive(Clone, Debug, Default)]
pub struct NewRound {
    pub title: String,
    pub kind: String,
    pub org: Option<i64>,
    pub unit: Option<i64>,
    pub scale: String,
    /// masses, peers, leaders, own
    pub weights: [String; 4],
    /// Lines "item:weight" (for windows, used only where the unit has set no standards).
    pub criteria: String,
    pub grades: String,
    pub quota: String,
    pub opens: String,
    pub closes: String,
}

/// Criteria of one subject, at most (a unit's standards beyond it are cut with a note in the log).
pub const MAX_CRITERIA: usize = 50;

fn parse_criteria(text: &str) -> Result<Vec<Criterion>, Text> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (item, weight) = match line.rsplit_once([':', '：']) {
            Some((i, w)) => (i.trim(), w.trim().parse::<u32>().map_err(|_| Text::new(format!("“{line}”的权重应为整数"), format!("\"{line}\": the weight is a whole number")))?),
            None => (line, 1),
        };
        if item.is_empty() || item.chars().count() > 100 || weight == 0 || weight > 100 {
            return Err(Text::new(format!("评议项目“{line}”不合要求（名称 1-100 字，权重 1-100）"), format!("\"{line}\" is not a criterion (1-100 characters, weight 1-100)")));
        }
        out.push(Criterion { item: item.to_string(), weight });
    }
    if out.is_empty() {
        out.push(Criterion { item: "总体评价".into(), weight: 1 });
    }
    if out.len() > MAX_CRITERIA {
        return Err(Text::new(format!("评议项目最多 {MAX_CRITERIA} 项"), format!("At most {MAX_CRITERIA} criteria")));
    }
    Ok(out)
}

/// A subject to insert: person, organization, unit, name, path, criteria (JSON).
type NewSubject = (Option<i64>, Option<i64>, Option<i64>, String, String, String);

/// Starts a round and lists its subjects.
pub async fn create(c: &mut Conn, scope: &Scope, campaign: i64, n: &NewRound) -> Result<i64, StoreError> {
    if !scope.is_office_or_admin() {
        return Err(StoreError::Forbidden(Text::new("只有创先办可以发起评议", "Only the campaign office starts an appraisal")));
    }
    let mut errs = FieldErrors::new();
    let title = n.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 100 {
        errs.add("title", "请填写名称（不超过 100 字）", "Give a title (up to 100 characters)");
    }
    let kind = SubjectKind::parse(&n.kind);
    if kind.is_none() {
        errs.add("kind", "请选择评议对象", "Choose who is appraised");
    }
    let scale = match n.scale.as_str() {
        "satisfaction" | "" => "satisfaction",
        "hundred" => "hundred",
        _ => {
            errs.add("scale", "未知的评分方式", "Unknown scale");
            "satisfaction"
        }
    };
    let mut weights = Vec::new();
    for (g, raw) in Group::ALL.into_iter().zip(n.weights.iter()) {
        match raw.trim() {
            "" => weights.push((g, 0)),
            v => match v.parse::<u32>() {
                Ok(w) if w <= 100 => weights.push((g, w)),
                _ => errs.add(&format!("w_{}", g.code()), "权重应为 0 到 100 的整数", "A weight is a whole number from 0 to 100"),
            },
        }
    }
    if weights.len() == 4 {
        if let Err(t) = rule::check_weights(&weights) {
            errs.add("weights", t.zh, t.en);
        }
    }
    let criteria = errs.take("criteria", parse_criteria(&n.criteria));
    let grades = if n.grades.trim().is_empty() { None } else { errs.take("grades", rule::parse_grades(&n.grades)) };
    let quota = match n.quota.trim() {
        "" => None,
        q => match q.parse::<i64>() {
            Ok(v) if (1..=1000).contains(&v) => Some(v),
            _ => {
                errs.add("quota", "名额应为 1 到 1000 的整数", "The quota is a whole number from 1 to 1000");
                None
            }
        },
    };
    let opens = errs.take("opens", pacesetter_domain::validate::date(&n.opens));
    let closes = errs.take("closes", pacesetter_domain::validate::date(&n.closes));
    if let (Some(o), Some(cl)) = (opens, closes) {
        if cl < o {
            errs.add("closes", "结束日期早于开始日期", "It closes before it opens");
        }
    }
    let org = match n.org {
        Some(id) => crate::tree::get(c, crate::tree::Tree::Org, id).await?,
        None => None,
    };
    let unit = match n.unit {
        Some(id) => crate::tree::get(c, crate::tree::Tree::Unit, id).await?,
        None => None,
    };
    match kind {
        Some(SubjectKind::Window) if unit.is_none() => errs.add("unit", "请选择窗口所在的单位", "Choose the unit whose windows are appraised"),
        Some(SubjectKind::Cadre) if n.unit.is_some() && unit.is_none() => errs.add("unit", "没有这个单位", "No such unit"),
        Some(SubjectKind::Organization | SubjectKind::Member) if org.is_none() => errs.add("org", "请选择党组织", "Choose the organization"),
        _ => {}
    }
    if !errs.is_empty() {
        return Err(StoreError::Invalid(errs));
    }
    let (Some(kind), Some(criteria), Some(opens), Some(closes)) = (kind, criteria, opens, closes) else {
        return Err(StoreError::Invalid(errs));
    };
    let criteria_json = serde_json::to_string(&criteria).map_err(|e| StoreError::Config(e.to_string()))?;
    // The subjects, each with its criteria.
    let mut list: Vec<NewSubject> = Vec::new();
    match kind {
        SubjectKind::Organization => {
            let o = org.as_ref().ok_or(StoreError::NotFound)?;
            let rows: Vec<(i64, String, String)> =
                c.fetch_all(Sql::new("SELECT id, name, path FROM orgs WHERE parent_id = $1 AND closed_on IS NULL ORDER BY path").bind(o.id)).await?;
            for (id, name, path) in rows {
                list.push((None, Some(id), None, name, path, criteria_json.clone()));
            }
        }
        SubjectKind::Member => {
            let o = org.as_ref().ok_or(StoreError::NotFound)?;
            let rows: Vec<(i64, String, String, String)> = c
                .fetch_all(
                    Sql::new(
                        "SELECT p.id, p.name, p.political_status, MIN(CASE WHEN o.kind = 'group' THEN po.path ELSE o.path END) FROM people p \
                         JOIN org_memberships m ON m.person_id = p.id AND m.end_date IS NULL JOIN orgs o ON o.id = m.org_id LEFT JOIN orgs po ON po.id = o.parent_id \
                         WHERE o.path LIKE $1 AND p.left_on IS NULL GROUP BY p.id, p.name, p.political_status \
                         ORDER BY MIN(CASE WHEN o.kind = 'group' THEN po.path ELSE o.path END), p.name",
                    )
                    .bind(format!("{}%", o.path)),
                )
                .await?;
            for (id, name, status, path) in rows {
                if PoliticalStatus::parse(&status).is_some_and(|s| s.is_party_member()) {
                    list.push((Some(id), None, None, name, path, criteria_json.clone()));
                }
            }
        }
        SubjectKind::Cadre => {
            // The cadres of a unit's subtree, or of the whole university; each placed at their unit.
            let prefix = unit.as_ref().map(|u| u.path.clone()).unwrap_or_default();
            let rows: Vec<(i64, String, String)> = c
                .fetch_all(
                    Sql::new(
                        "SELECT p.id, p.name, MIN(u.path) FROM people p JOIN unit_memberships m ON m.person_id = p.id AND m.end_date IS NULL JOIN units u ON u.id = m.unit_id \
                         WHERE p.cadre_rank IS NOT NULL AND p.left_on IS NULL AND u.path LIKE $1 GROUP BY p.id, p.name ORDER BY MIN(u.path), p.name",
                    )
                    .bind(format!("{prefix}%")),
                )
                .await?;
            for (id, name, path) in rows {
                list.push((Some(id), None, None, name, path, criteria_json.clone()));
            }
        }
        SubjectKind::Window => {
            let u = unit.as_ref().ok_or(StoreError::NotFound)?;
            let rows: Vec<(i64, String, String)> = c
                .fetch_all(Sql::new("SELECT id, name, path FROM units WHERE path LIKE $1 AND kind = 'window' AND closed_on IS NULL ORDER BY path").bind(format!("{}%", u.path)))
                .await?;
            for (id, name, path) in rows {
                // A window is appraised against the standards its unit set (item 9).
                let own = match crate::window::standards_for_window(c, id).await? {
                    Some((_, _, st)) if !st.is_empty() => {
                        let cs: Vec<Criterion> = st.iter().take(MAX_CRITERIA).map(|s| Criterion { item: s.item.clone(), weight: s.weight as u32 }).collect();
                        serde_json::to_string(&cs).map_err(|e| StoreError::Config(e.to_string()))?
                    }
                    _ => criteria_json.clone(),
                };
                list.push((None, None, Some(id), name, path, own));
            }
        }
    }
    if list.is_empty() {
        return Err(invalid(if kind == SubjectKind::Window { "unit" } else { "org" }, "范围内没有评议对象", "There is nobody to appraise in this scope"));
    }
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO appraisal_rounds (campaign_id, title, subject_kind, scope_org_id, scope_unit_id, scale, weights_json, grades_json, quota, opens, closes, created_by, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(campaign)
            .bind(title.as_str())
            .bind(kind.code())
            .bind(org.as_ref().map(|o| o.id))
            .bind(unit.as_ref().map(|u| u.id))
            .bind(scale)
            .bind(serde_json::to_string(&weights).map_err(|e| StoreError::Config(e.to_string()))?)
            .bind(grades.map(|g| serde_json::to_string(&g).unwrap_or_default()))
            .bind(quota)
            .bind(opens)
            .bind(closes)
            .bind(scope.actor.as_str())
            .bind(now_ms()),
        )
        .await?;
    for (person, org_id, unit_id, name, path, crit) in &list {
        c.execute(
            Sql::new("INSERT INTO appraisal_subjects (round_id, person_id, org_id, unit_id, name, path, criteria_json) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(*person)
                .bind(*org_id)
                .bind(*unit_id)
                .bind(name.as_str())
                .bind(path.as_str())
                .bind(crit.as_str()),
        )
        .await?;
    }
    audit::append(c, scope, "appraisal.create", "appraisal_round", id, None, Some(format!("{title}: {} subjects", list.len()))).await?;
    Ok(id)
}

// ---- who rates ---------------------------------------------------------------------------------

/// The rater's group for a subject, or None when they have no part in it. The subject itself
/// (or the organization's or window's own manager) appraises itself; the office, the
/// university's leaders and whoever manages a level above are its leaders; fellow members of a
/// member's branch, the Party members working in a window's unit, and the members of an
/// organization's sibling organizations are its peers; everyone else the subject serves is the
/// masses (for a window, anyone; for a member or an organization, the people of their units).
pub async fn group_of(c: &mut Conn, scope: &Scope, r: &RoundRow, s: &SubjectRow) -> Result<Option<Group>, StoreError> {
    let Some(me) = scope.person.map(|p| p.0) else { return Ok(None) };
    let kind = r.kind();
    let writes: Vec<&str> = scope
        .reaches
        .iter()
        .filter_map(|(reach, a)| match (reach, a, kind) {
            (Reach::Org(p), Access::Write, SubjectKind::Organization | SubjectKind::Member) => Some(p.as_str()),
            (Reach::Unit(p), Access::Write, SubjectKind::Window | SubjectKind::Cadre) => Some(p.as_str()),
            _ => None,
        })
        .collect();
    // 自评.
    let own = match kind {
        SubjectKind::Member | SubjectKind::Cadre => s.person_id == Some(me),
        _ => writes.contains(&s.path.as_str()),
    };
    if own {
        return Ok(Some(Group::Own));
    }
    // 领导点评: the office and the leaders, and whoever manages a level above the subject (for a
    // member: their branch or above).
    let above = |p: &str| if matches!(kind, SubjectKind::Member | SubjectKind::Cadre) { s.path.starts_with(p) } else { s.path.starts_with(p) && s.path != p };
    if scope.has_any(&[Role::Office, Role::Leader]) || writes.iter().any(|p| above(p)) {
        return Ok(Some(Group::Leaders));
    }
    let status: Option<String> = c.fetch_opt_string(Sql::new("SELECT political_status FROM people WHERE id = $1").bind(me)).await?;
    let is_member = status.as_deref().and_then(PoliticalStatus::parse).is_some_and(|s| s.is_party_member());
    match kind {
        SubjectKind::Member => {
            // Fellow members of the same branch.
            let same = c
                .fetch_opt_i64(
                    Sql::new("SELECT CAST(1 AS BIGINT) FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL AND (o.path = $2 OR (o.kind = 'group' AND o.path LIKE $3))")
                        .bind(me)
                        .bind(s.path.as_str())
                        .bind(format!("{}%", s.path)),
                )
                .await?
                .is_some();
            if same && is_member {
                return Ok(Some(Group::Peers));
            }
            // The people of the units the member works or studies in.
            let shared = c
                .fetch_opt_i64(
                    Sql::new(
                        "SELECT CAST(1 AS BIGINT) FROM unit_memberships a JOIN unit_memberships b ON b.unit_id = a.unit_id AND b.end_date IS NULL \
                         WHERE a.person_id = $1 AND a.end_date IS NULL AND b.person_id = $2",
                    )
                    .bind(me)
                    .bind(s.person_id.unwrap_or(0)),
                )
                .await?
                .is_some();
            Ok(shared.then_some(Group::Masses))
        }
        SubjectKind::Cadre => {
            // Fellow cadres of the same unit; the unit's staff and the students of the classes
            // the cadre is linked to (item 8) are the people served.
            let me_cadre = c.fetch_opt_i64(Sql::new("SELECT CAST(1 AS BIGINT) FROM people WHERE id = $1 AND cadre_rank IS NOT NULL").bind(me)).await?.is_some();
            let same_unit = works_under(c, me, &s.path).await?;
            if same_unit {
                return Ok(Some(if me_cadre { Group::Peers } else { Group::Masses }));
            }
            let linked_class = c
                .fetch_opt_i64(
                    Sql::new(
                        "SELECT CAST(1 AS BIGINT) FROM relations r JOIN unit_memberships m ON m.unit_id = r.unit_id AND m.end_date IS NULL \
                         WHERE r.kind = 'cadre_class' AND r.end_date IS NULL AND r.person_id = $1 AND m.person_id = $2",
                    )
                    .bind(s.person_id.unwrap_or(0))
                    .bind(me),
                )
                .await?
                .is_some();
            Ok(linked_class.then_some(Group::Masses))
        }
        SubjectKind::Window => {
            // The window's unit: its parent.
            let parent = s.path.trim_end_matches('/').rsplit_once('/').map(|(p, _)| format!("{p}/")).unwrap_or_default();
            let own_staff = works_under(c, me, &s.path).await?;
            if own_staff {
                // Those who work at the window appraise it as themselves.
                return Ok(Some(Group::Own));
            }
            let colleague = works_under(c, me, &parent).await?;
            if colleague {
                return Ok(if is_member { Some(Group::Peers) } else { None });
            }
            Ok(Some(Group::Masses))
        }
        SubjectKind::Organization => {
            let parent = s.path.trim_end_matches('/').rsplit_once('/').map(|(p, _)| format!("{p}/")).unwrap_or_default();
            let rows = crate::people::org_paths_of(c, me).await?;
            // Its own members and those of its sibling organizations are its fellow members;
            // the people it serves (its linked unit's) are the masses.
            if rows.iter().any(|p| p.starts_with(&parent)) {
                return Ok(if is_member { Some(Group::Peers) } else { None });
            }
            let linked = c
                .fetch_opt_i64(
                    Sql::new(
                        "SELECT CAST(1 AS BIGINT) FROM orgs o JOIN units u ON u.id = o.linked_unit_id JOIN units w ON w.path LIKE u.path || '%' \
                         JOIN unit_memberships m ON m.unit_id = w.id AND m.end_date IS NULL WHERE o.id = $1 AND m.person_id = $2",
                    )
                    .bind(s.org_id.unwrap_or(0))
                    .bind(me),
                )
                .await?
                .is_some();
            Ok(linked.then_some(Group::Masses))
        }
    }
}

/// Whether a person works or studies now in a unit at or below a path.
async fn works_under(c: &mut Conn, person: i64, path: &str) -> Result<bool, StoreError> {
    Ok(c.fetch_opt_i64(
        Sql::new("SELECT CAST(1 AS BIGINT) FROM unit_memberships m JOIN units u ON u.id = m.unit_id WHERE m.person_id = $1 AND m.end_date IS NULL AND u.path LIKE $2")
            .bind(person)
            .bind(format!("{path}%")),
    )
    .await?
    .is_some())
}

/// Records one appraisal: a value per criterion on the round's scale, a comment (required of a
/// leader). A second appraisal of the same subject by the same rater is refused by the key.
pub async fn rate(c: &mut Conn, scope: &Scope, round: i64, subject: i64, values: &[Option<u32>], comment: &str) -> Result<Group, StoreError> {
    let r = round_locked(c, round, true).await?;
    if !r.is_open(today()) {
        return Err(conflict("不在评议时间内", "The appraisal is not open now"));
    }
    let s = self::subject(c, round, subject).await?;
    let Some(group) = group_of(c, scope, &r, &s).await? else {
        return Err(StoreError::Forbidden(Text::new("您不在这一评议对象的评议人范围内", "You are not among those who appraise this subject")));
    };
    if r.weight(group) == 0 {
        return Err(StoreError::Forbidden(Text::new(
            format!("本次评议不设{}", group.label(pacesetter_domain::Lang::Zh)),
            format!("This round has no {}", group.label(pacesetter_domain::Lang::En)),
        )));
    }
    let criteria = s.criteria();
    let scale = r.scale();
    let mut errs = FieldErrors::new();
    let mut vals = Vec::new();
    for (i, _) in criteria.iter().enumerate() {
        match values.get(i).copied().flatten() {
            Some(v) if scale.value(v).is_some() => vals.push(v),
            _ => errs.add(&format!("c{i}"), "请为此项评分", "Rate this item"),
        }
    }
    let comment = comment.trim();
    if group == Group::Leaders && comment.is_empty() {
        errs.add("comment", "领导点评须写评语", "A leader's appraisal carries a comment");
    }
    if comment.chars().count() > 1000 {
        errs.add("comment", "评语不能超过 1000 字", "At most 1,000 characters");
    }
    errs.into_result().map_err(StoreError::Invalid)?;
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    let ins = c
        .execute(
            Sql::new("INSERT INTO appraisal_ratings (round_id, subject_id, rater_id, grp, values_json, comment, day) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(round)
                .bind(subject)
                .bind(me)
                .bind(group.code())
                .bind(serde_json::to_string(&vals).unwrap_or_default())
                .bind(if comment.is_empty() { None } else { Some(comment.to_string()) })
                .bind(today()),
        )
        .await;
    match ins {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(conflict("您已评议过这一对象，每人一次", "You have already appraised this subject; once each")),
        Err(e) => return Err(e.into()),
    }
    audit::append(c, scope, "appraisal.rate", "appraisal_subject", subject, None, Some(group.code().into())).await?;
    Ok(group)
}

/// Subjects already appraised by a person in a round.
pub async fn rated_by(c: &mut Conn, round: i64, person: i64) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT subject_id FROM appraisal_ratings WHERE round_id = $1 AND rater_id = $2").bind(round).bind(person)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

// ---- results ---------------------------------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow)]
struct RatingRow {
    subject_id: i64,
    grp: String,
    values_json: String,
    comment: Option<String>,
}

/// A subject's result.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectResult {
    pub subject: SubjectRow,
    /// Per group: how many rated (None: an anonymous group under the minimum, which shows
    /// nothing and counts as empty) and their mean (0-100).
    pub groups: Vec<(Group, Option<usize>, Option<Frac>)>,
    pub combined: Option<Combined>,
    pub advised: Option<String>,
    pub grade: Option<GradeRow>,
    /// 领导点评's comments.
    pub comments: Vec<String>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct GradeRow {
    pub subject_id: i64,
    pub grade: String,
    pub advised: Option<String>,
    pub reason: Option<String>,
    pub recorded_by: String,
    pub recorded_ms: i64,
}

/// Where the subjects stand against the quota line.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Standing {
    /// Best first, with a rank shared by equal scores (1, 2, 2, 4).
    pub order: Vec<(i64, usize)>,
    /// Within the quota (none of a tie the office has not ordered).
    pub within: Vec<i64>,
    pub tie_at_line: Vec<i64>,
}

fn standing(scored: &[(i64, Frac)], r: &RoundRow) -> Standing {
    let scores: HashMap<i64, Frac> = scored.iter().copied().collect();
    let quota = r.quota.unwrap_or(0).max(0) as u32;
    let o = pacesetter_domain::selection::outcome_scored(&scores, quota.max(1), &Default::default(), &r.tie_preference());
    let mut order = Vec::new();
    for (i, (id, score)) in o.order.iter().enumerate() {
        let rank = if i > 0 && o.order[i - 1].1 == *score { order.last().map(|(_, k)| *k).unwrap_or(i + 1) } else { i + 1 };
        order.push((*id, rank));
    }
    if quota == 0 {
        return Standing { order, within: Vec::new(), tie_at_line: Vec::new() };
    }
    // Above a tie at the line are within; the tied wait for the office's order.
    let within = if o.tie_at_line.is_empty() { o.selected } else { o.order.iter().take(quota as usize).map(|(id, _)| *id).filter(|id| !o.tie_at_line.contains(id)).collect() };
    Standing { order, within, tie_at_line: o.tie_at_line }
}

/// The office orders the subjects tied at the quota line, and says why.
pub async fn decide_tie(c: &mut Conn, scope: &Scope, round: i64, order: &[i64], reason: &str) -> Result<(), StoreError> {
    if !scope.is_office_or_admin() {
        return Err(StoreError::Forbidden(Text::new("只有创先办可以处理并列", "Only the campaign office decides a tie")));
    }
    let r = round_locked(c, round, false).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(invalid("reason", "请写明理由（不超过 1000 字）", "Give the reason (up to 1,000 characters)"));
    }
    let (_, st) = results(c, &r).await?;
    let (pref, reasons) =
        pacesetter_domain::selection::record_tie(&st.tie_at_line, order, &r.tie_preference(), r.tie_reason.as_deref(), reason).map_err(|t| invalid("order", t.zh, t.en))?;
    let text = pref.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",");
    c.execute(Sql::new("UPDATE appraisal_rounds SET tie_order = $1, tie_reason = $2 WHERE id = $3").bind(text.as_str()).bind(reasons).bind(round)).await?;
    audit::append(c, scope, "appraisal.tie", "appraisal_round", round, None, Some(format!("{text}: {reason}"))).await?;
    Ok(())
}

/// Every subject's groups, combined score and advice, and where they stand against the quota.
pub async fn results(c: &mut Conn, r: &RoundRow) -> Result<(Vec<SubjectResult>, Standing), StoreError> {
    let subjects = subjects(c, r.id).await?;
    let ratings: Vec<RatingRow> =
        c.fetch_all(Sql::new("SELECT subject_id, grp, values_json, comment FROM appraisal_ratings WHERE round_id = $1 ORDER BY subject_id, grp, rater_id").bind(r.id)).await?;
    let grades: HashMap<i64, GradeRow> = c
        .fetch_all::<GradeRow>(Sql::new("SELECT subject_id, grade, advised, reason, recorded_by, recorded_ms FROM appraisal_grades WHERE round_id = $1").bind(r.id))
        .await?
        .into_iter()
        .map(|g| (g.subject_id, g))
        .collect();
    let scale = r.scale();
    let weights = r.weights();
    let mut by_subject: HashMap<i64, Vec<&RatingRow>> = HashMap::new();
    for x in &ratings {
        by_subject.entry(x.subject_id).or_default().push(x);
    }
    let mut out = Vec::new();
    let mut scored = Vec::new();
    for s in subjects {
        let criteria = s.criteria();
        let mut groups: Vec<GroupRatings> = weights.iter().filter(|(_, w)| *w > 0).map(|(g, w)| GroupRatings { group: *g, weight: *w, values: Vec::new() }).collect();
        let mut comments = Vec::new();
        for x in by_subject.get(&s.id).map(Vec::as_slice).unwrap_or(&[]) {
            let vals: Vec<u32> = serde_json::from_str(&x.values_json).unwrap_or_default();
            let pairs: Vec<(u32, u32)> = criteria.iter().zip(vals.iter()).filter_map(|(c, v)| scale.value(*v).map(|v| (c.weight, v))).collect();
            if let (Some(score), Some(g)) = (rule::rater_score(&pairs), Group::parse(&x.grp)) {
                if let Some(gr) = groups.iter_mut().find(|gr| gr.group == g) {
                    gr.values.push(score);
                }
                if g == Group::Leaders {
                    if let Some(cm) = &x.comment {
                        comments.push(cm.clone());
                    }
                }
            }
        }
        let combined = rule::combine(&groups);
        let advised = combined.as_ref().and_then(|cb| rule::advise(cb.score, &r.grades()).map(str::to_string));
        if let Some(cb) = &combined {
            scored.push((s.id, cb.score));
        }
        let summary = groups
            .iter()
            .map(|g| {
                let n = g.values.len();
                if n > 0 && !g.group.counts(n) {
                    return (g.group, None, None);
                }
                let mean = (n > 0).then(|| g.values.iter().fold(Frac::zero(), |a, v| a + *v) * Frac::new(1, n as u128));
                (g.group, Some(n), mean)
            })
            .collect();
        out.push(SubjectResult { grade: grades.get(&s.id).cloned(), subject: s, groups: summary, combined, advised, comments });
    }
    let ranking = standing(&scored, r);
    Ok((out, ranking))
}

/// Closes a round before its last day because a selection counted its scores: no later rating
/// can make a recount from the published material disagree with the published order.
pub async fn close_for_count(c: &mut Conn, scope: &Scope, round: i64, selection: i64) -> Result<(), StoreError> {
    let r = self::round(c, round).await?;
    if r.closed_on.is_some() {
        return Ok(());
    }
    let day = today();
    // Guarded: the UPDATE waits for the ratings being made (they share the round's row) and,
    // should another count have closed the round meanwhile, changes nothing and logs nothing.
    if c.execute(Sql::new("UPDATE appraisal_rounds SET closed_on = $1 WHERE id = $2 AND closed_on IS NULL").bind(day).bind(round)).await? == 0 {
        return Ok(());
    }
    audit::append(
        c,
        scope,
        "appraisal.close",
        "appraisal_round",
        round,
        None,
        Some(serde_json::json!({"counted_by_selection": selection, "on": pacesetter_domain::dates::iso(day)}).to_string()),
    )
    .await?;
    Ok(())
}

/// The auditor's bundle of a round: what an outsider needs to recount every combined score and
/// the order: the rules, the weights, the scale, each subject's criteria and every rating
/// without its rater (per subject and group, the raters' values sorted, so no order or position
/// tells who), but none of an anonymous group under the minimum (it counted as empty), the exact
/// combined scores, the standing and the office's tie decision with its reason.
pub async fn bundle(c: &mut Conn, round: i64) -> Result<serde_json::Value, StoreError> {
    let r = self::round(c, round).await?;
    let (results, standing) = results(c, &r).await?;
    let ratings: Vec<RatingRow> =
        c.fetch_all(Sql::new("SELECT subject_id, grp, values_json, comment FROM appraisal_ratings WHERE round_id = $1 ORDER BY subject_id, grp, rater_id").bind(r.id)).await?;
    let mut by: HashMap<(i64, String), Vec<Vec<u32>>> = HashMap::new();
    for x in &ratings {
        by.entry((x.subject_id, x.grp.clone())).or_default().push(serde_json::from_str(&x.values_json).unwrap_or_default());
    }
    let scale = r.scale();
    let scale_values: Vec<(u32, u32)> = (0..=100).filter_map(|i| scale.value(i).map(|v| (i, v))).collect();
    let weights = r.weights();
    let subjects: Vec<serde_json::Value> = results
        .iter()
        .map(|x| {
            let groups: Vec<serde_json::Value> = weights
                .iter()
                .filter(|(_, w)| *w > 0)
                .map(|(g, w)| {
                    let mut sheets = by.get(&(x.subject.id, g.code().to_string())).cloned().unwrap_or_default();
                    sheets.sort();
                    let counted = sheets.is_empty() || g.counts(sheets.len());
                    serde_json::json!({
                        "group": g.code(),
                        "weight": w,
                        "anonymous": g.is_anonymous(),
                        "ratings": if counted { serde_json::json!(sheets) } else { serde_json::Value::Null },
                        "omitted": if counted { serde_json::Value::Null } else { serde_json::json!("fewer than 5 raters in an anonymous group: counted as empty, ratings not published") },
                    })
                })
                .collect();
            serde_json::json!({
                "subject_id": x.subject.id,
                "name": x.subject.name,
                "criteria": x.subject.criteria().iter().map(|c| serde_json::json!({"item": c.item, "weight": c.weight})).collect::<Vec<_>>(),
                "groups": groups,
                "combined_exact": x.combined.as_ref().map(|c| format!("{}/{}", c.score.num, c.score.den)),
                "combined": x.combined.as_ref().map(|c| c.score.published()),
                "shared_out": x.combined.as_ref().map(|c| c.shared_out.iter().map(|g| g.code()).collect::<Vec<_>>()).unwrap_or_default(),
                "advised": x.advised,
                "grade": x.grade.as_ref().map(|g| g.grade.clone()),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "round": {"id": r.id, "title": r.title, "subject_kind": r.subject_kind, "quota": r.quota, "opens": pacesetter_domain::dates::iso(r.opens), "closes": pacesetter_domain::dates::iso(r.closes), "closed_on": r.closed_on.map(pacesetter_domain::dates::iso)},
        "rules": {
            "rater": "a rater's score is the weighted mean of their values on the criteria (by the criteria's weights), each value mapped to 0-100 by `scale`",
            "group": "a group's mean is the plain mean of its raters' scores; an anonymous group (masses, peers) with fewer than 5 raters counts as empty",
            "combined": "the groups' means weighted by the round's weights; an empty group's weight is shared out among the others in proportion",
            "ranking": "best first by the exact combined score; equal scores in the office's recorded order (tie_order), then by subject id",
            "publishing": "rounded half up to two decimals only when shown",
        },
        "scale": scale_values,
        "weights": weights.iter().map(|(g, w)| serde_json::json!({"group": g.code(), "weight": w})).collect::<Vec<_>>(),
        "grades": r.grades(),
        "subjects": subjects,
        "order": standing.order,
        "within_quota": standing.within,
        "tie_at_line": standing.tie_at_line,
        "tie_order": r.tie_preference(),
        "tie_reason": r.tie_reason,
    }))
}

/// Whether the caller sees a subject's results: the office and leaders all; a secretary or unit
/// head those in their reach.
pub fn may_see(scope: &Scope, r: &RoundRow, s: &SubjectRow) -> bool {
    if scope.has_any(&[Role::Office, Role::Admin, Role::Leader, Role::Auditor]) {
        return true;
    }
    match r.kind() {
        SubjectKind::Window | SubjectKind::Cadre => scope.unit_access(&s.path) == Some(Access::Write),
        _ => scope.org_access(&s.path) == Some(Access::Write),
    }
}

// ---- 民主评议党员: grades and follow-up cases --------------------------------------------------

/// The branch records a member's grade; where it differs from the computed advice, a reason is
/// required; the last grade (不合格) opens a case for the secondary organization.
pub async fn record_grade(c: &mut Conn, scope: &Scope, round: i64, subject: i64, grade: &str, reason: &str) -> Result<(), StoreError> {
    let r = self::round(c, round).await?;
    // The subject is locked first (on PostgreSQL): two grades recorded at once are then one
    // after the other, each with the grade it replaced, and its case opened or voided once.
    let lock = c.row_lock(false, "");
    if !lock.is_empty() {
        c.fetch_opt_i64(Sql::new(format!("SELECT id FROM appraisal_subjects WHERE round_id = $1 AND id = $2{lock}")).bind(round).bind(subject)).await?;
    }
    let s = self::subject(c, round, subject).await?;
    if r.kind() != SubjectKind::Member || r.grades().is_empty() {
        return Err(conflict("这次评议不评定等次", "This round records no grades"));
    }
    if scope.org_access(&s.path) != Some(Access::Write) {
        return Err(StoreError::NotFound);
    }
    if s.person_id.is_some() && s.person_id == scope.person.map(|p| p.0) {
        return Err(StoreError::Forbidden(Text::new("不能评定自己的等次，由上级党组织评定", "You cannot grade yourself; the level above does")));
    }
    if today() <= r.closes {
        return Err(conflict("测评结束后才能评定等次", "Grades are recorded after the appraisal closes"));
    }
    let grades = r.grades();
    if !grades.iter().any(|(g, _)| g == grade) {
        return Err(invalid("grade", "请选择等次", "Choose a grade"));
    }
    let (results, _) = results(c, &r).await?;
    let advised = results.into_iter().find(|x| x.subject.id == subject).and_then(|x| x.advised);
    let reason = reason.trim();
    if advised.as_deref() != Some(grade) && reason.is_empty() {
        let a = advised.clone().unwrap_or_else(|| "（尚无评议分）".into());
        return Err(invalid("reason", format!("所定等次与测评建议（{a}）不同，请写明理由"), format!("The grade differs from the advice ({a}): give the reason")));
    }
    if reason.chars().count() > 1000 {
        return Err(invalid("reason", "理由不能超过 1000 字", "At most 1,000 characters"));
    }
    let before: Option<String> = c.fetch_opt_string(Sql::new("SELECT grade FROM appraisal_grades WHERE subject_id = $1").bind(subject)).await?;
    c.execute(Sql::new("DELETE FROM appraisal_grades WHERE subject_id = $1").bind(subject)).await?;
    c.execute(
        Sql::new("INSERT INTO appraisal_grades (subject_id, round_id, grade, advised, reason, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(subject)
            .bind(round)
            .bind(grade)
            .bind(advised)
            .bind(if reason.is_empty() { None } else { Some(reason.to_string()) })
            .bind(scope.actor.as_str())
            .bind(now_ms()),
    )
    .await?;
    audit::append(c, scope, "appraisal.grade", "appraisal_subject", subject, before, Some(grade.to_string())).await?;
    let lowest = grades.last().map(|g| g.0.as_str()) == Some(grade);
    if !lowest {
        let n = c
            .execute(
                Sql::new("UPDATE appraisal_cases SET state = 'void', note = $1, closed_by = $2, closed_ms = $3 WHERE subject_id = $4 AND state = 'open'")
                    .bind(format!("等次改为“{grade}”，不再需要处置"))
                    .bind(scope.actor.as_str())
                    .bind(now_ms())
                    .bind(subject),
            )
            .await?;
        if n > 0 {
            audit::append(c, scope, "appraisal.case_void", "appraisal_subject", subject, Some("open".into()), Some(grade.to_string())).await?;
        }
    } else {
        let secondary: Option<i64> = s.path.split('/').filter(|x| !x.is_empty()).nth(1).and_then(|x| x.parse().ok());
        let org = secondary.or_else(|| s.path.split('/').rfind(|x| !x.is_empty()).and_then(|x| x.parse().ok())).unwrap_or(0);
        let exists = c.fetch_opt_i64(Sql::new("SELECT id FROM appraisal_cases WHERE subject_id = $1").bind(subject)).await?;
        if let Some(k) = exists {
            // The lowest grade again: the case opens again.
            c.execute(Sql::new("UPDATE appraisal_cases SET state = 'open', note = NULL, closed_by = NULL, closed_ms = NULL WHERE id = $1 AND state = 'void'").bind(k)).await?;
        } else {
            let id = c
                .fetch_i64(
                    Sql::new("INSERT INTO appraisal_cases (round_id, subject_id, org_id, state, created_ms) VALUES ($1, $2, $3, 'open', $4) RETURNING id")
                        .bind(round)
                        .bind(subject)
                        .bind(org)
                        .bind(now_ms()),
                )
                .await?;
            audit::append(c, scope, "appraisal.case", "appraisal_case", id, None, Some(format!("subject {subject}"))).await?;
        }
    }
    Ok(())
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub round_id: i64,
    pub subject_id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub state: String,
    pub note: Option<String>,
    pub closed_by: Option<String>,
    pub created_ms: i64,
}

/// The follow-up cases the caller may see (the office all; a secretary those of their organization).
pub async fn cases(c: &mut Conn, scope: &Scope, round: i64) -> Result<Vec<CaseRow>, StoreError> {
    let rows: Vec<CaseRow> = c
        .fetch_all(
            Sql::new(
                "SELECT k.id, k.round_id, k.subject_id, s.name, k.org_id, o.name AS org_name, o.path AS org_path, k.state, k.note, k.closed_by, k.created_ms \
                 FROM appraisal_cases k JOIN appraisal_subjects s ON s.id = k.subject_id JOIN orgs o ON o.id = k.org_id WHERE k.round_id = $1 ORDER BY k.id",
            )
            .bind(round),
        )
        .await?;
    Ok(rows.into_iter().filter(|k| scope.is_office_or_admin() || scope.org_access(&k.org_path).is_some()).collect())
}

/// The secondary organization (or the office) closes a case with what was done.
pub async fn close_case(c: &mut Conn, scope: &Scope, round: i64, case: i64, note: &str) -> Result<(), StoreError> {
    let rows = cases(c, scope, round).await?;
    let k = rows.into_iter().find(|k| k.id == case).ok_or(StoreError::NotFound)?;
    if !(scope.is_office_or_admin() || scope.org_access(&k.org_path) == Some(Access::Write)) {
        return Err(StoreError::NotFound);
    }
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(invalid("note", "请写明处置情况（不超过 2000 字）", "Say what was done (up to 2,000 characters)"));
    }
    let n = c
        .execute(
            Sql::new("UPDATE appraisal_cases SET state = 'closed', note = $1, closed_by = $2, closed_ms = $3 WHERE id = $4 AND state = 'open'")
                .bind(note)
                .bind(scope.actor.as_str())
                .bind(now_ms())
                .bind(case),
        )
        .await?;
    if n == 0 {
        return Err(conflict("这一事项已办结", "This case is already closed"));
    }
    audit::append(c, scope, "appraisal.case_close", "appraisal_case", case, Some("open".into()), Some(note.to_string())).await?;
    Ok(())
}
