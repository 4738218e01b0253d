//! Appraisal rounds (评议, 三评, 民主评议党员): a round names its subjects (the organizations below
//! an organization, the members of a branch or of an organization's branches, the windows below
//! a unit, the cadres of a unit), the weight of each rater group, the criteria and the scale; a
//! rater's group follows from who they are to the subject (`domain::appraisal::group_of`, over
//! the facts loaded here); one appraisal per rater per subject (the key of `appraisal_raters`;
//! the rating in `appraisal_ratings` has a random id and no rater in the anonymous groups),
//! with a running tally per subject and group (`appraisal_tallies`, migration 21) written in the
//! same transaction; the combined score, advice and standing come from `domain::appraisal`; a
//! branch records each member's grade, and the lowest grade opens a case for the secondary
//! organization.
//!
//! Every loader takes the caller ([`Caller`]: their scope and the facts the rules of who rates
//! ask about them) and puts the condition of what they may see in its SQL: the rounds they have
//! a part in, the subjects they rate, the results, grades and cases they see. The one unscoped
//! read, for a selection's count, is crate-private and named for it.

use crate::db::{Conn, Sql, is_unique_violation};
use crate::{StoreError, audit};
use pacesetter_domain::Text;
use pacesetter_domain::appraisal::{
    self as rule, Combined, Frac, GradeRefusal, Group, GroupFigure, GroupSum, Rater, RoundSpec, Scale, ScaleKind, SubjectFacts, SubjectKind, Within,
};
pub use pacesetter_domain::appraisal::{Criterion, MAX_CRITERIA, Standing};
use pacesetter_domain::dates::{now_ms, today};
use pacesetter_domain::ids::{PersonId, RoundId, SubjectId};
use pacesetter_domain::people::PoliticalStatus;
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::validate::FieldErrors;
use serde::Serialize;
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

// ---- the caller ----------------------------------------------------------------------------------

/// The caller as the loaders of this module take them: their scope, and the facts the rules of
/// who rates ask about them (their memberships, whether they are a Party member or a cadre).
#[derive(Clone, Debug)]
pub struct Caller {
    pub scope: Scope,
    pub rater: Rater,
}

#[derive(sqlx::FromRow)]
struct PersonFacts {
    political_status: String,
    cadre: i64,
}

impl Caller {
    /// Two queries: the person's facts, and their current memberships in both trees.
    pub async fn load(c: &mut Conn, scope: &Scope) -> Result<Caller, StoreError> {
        let mut rater = Rater::of_scope(scope);
        if let Some(me) = scope.person {
            let facts: Option<PersonFacts> = c
                .fetch_optional(Sql::new("SELECT political_status, CAST(CASE WHEN cadre_rank IS NULL THEN 0 ELSE 1 END AS BIGINT) AS cadre FROM people WHERE id = $1").bind(me))
                .await?;
            if let Some(f) = facts {
                rater.party_member = PoliticalStatus::parse(&f.political_status).is_some_and(|s| s.is_party_member());
                rater.cadre = f.cadre == 1;
            }
            let rows: Vec<(String, String, String)> = c
                .fetch_all(
                    Sql::new(
                        "SELECT 'org', o.path, o.kind FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL \
                         UNION ALL SELECT 'unit', u.path, u.kind FROM unit_memberships m JOIN units u ON u.id = m.unit_id WHERE m.person_id = $1 AND m.end_date IS NULL",
                    )
                    .bind(me),
                )
                .await?;
            for (tree, path, kind) in rows {
                if tree == "org" {
                    rater.orgs.push((path, kind == "group"));
                } else {
                    rater.units.push(path);
                }
            }
        }
        Ok(Caller { scope: scope.clone(), rater })
    }

    fn me(&self) -> Option<i64> {
        self.rater.person.map(|p| p.0)
    }
}

/// Appends `(condition)`: the column's path is within a part of a tree.
fn push_within(q: &mut Sql, col: &str, w: &Within) {
    match w {
        Within::All => {
            q.push("(1 = 1)");
        }
        Within::Under(ps) if ps.is_empty() => {
            q.push("(1 = 0)");
        }
        Within::Under(ps) => {
            q.push("(");
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    q.push(" OR ");
                }
                q.push(&format!("{col} LIKE ")).push_bind(format!("{p}%"));
            }
            q.push(")");
        }
    }
}

/// Appends ` IN (...)` of the given texts, or a condition that is false when there are none.
fn push_in(q: &mut Sql, col: &str, values: &[String]) {
    if values.is_empty() {
        q.push("(1 = 0)");
        return;
    }
    q.push(&format!("{col} IN ("));
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push_bind(v.as_str());
    }
    q.push(")");
}

/// The people a subject of a kind serves, when the caller is one of them: the set the column of
/// [`push_serves`] is tested against (uncorrelated, so both databases compute it once).
fn push_served_set(q: &mut Sql, kind: SubjectKind, me: i64) -> bool {
    match kind {
        // The people of the units the member works or studies in.
        SubjectKind::Member => {
            q.push(
                "s.person_id IN (SELECT b.person_id FROM unit_memberships a JOIN unit_memberships b ON b.unit_id = a.unit_id AND b.end_date IS NULL \
                 WHERE a.end_date IS NULL AND a.person_id = ",
            )
            .push_bind(me)
            .push(")");
        }
        // The students of the classes linked to the cadre (item 8).
        SubjectKind::Cadre => {
            q.push(
                "s.person_id IN (SELECT r.person_id FROM relations r JOIN unit_memberships m ON m.unit_id = r.unit_id AND m.end_date IS NULL \
                 WHERE r.kind = 'cadre_class' AND r.end_date IS NULL AND m.person_id = ",
            )
            .push_bind(me)
            .push(")");
        }
        // The people of the organization's linked unit.
        SubjectKind::Organization => {
            q.push(
                "s.org_id IN (SELECT o.id FROM orgs o JOIN units u ON u.id = o.linked_unit_id JOIN units w ON w.path LIKE u.path || '%' \
                 JOIN unit_memberships m ON m.unit_id = w.id AND m.end_date IS NULL WHERE m.person_id = ",
            )
            .push_bind(me)
            .push(")");
        }
        SubjectKind::Window => return false,
    }
    true
}

/// `CAST(... AS BIGINT) AS serves`: whether the caller is among the people the subject serves.
fn push_serves(q: &mut Sql, kind: SubjectKind, me: Option<i64>, office_or_leader: bool) {
    q.push("CAST(CASE WHEN ");
    let pushed = match me {
        Some(me) if !office_or_leader => push_served_set(q, kind, me),
        _ => false,
    };
    if !pushed {
        q.push("1 = 0");
    }
    q.push(" THEN 1 ELSE 0 END AS BIGINT) AS serves");
}

/// Appends `(condition)` on the subjects `s` of a round of a kind that the caller may have a
/// part in as a rater: a superset of those [`rule::group_of`] gives a group (it decides), so that
/// a rater's page reads their branch, their units, what they manage, not the whole round.
fn push_part(q: &mut Sql, caller: &Caller, kind: SubjectKind) {
    let r = &caller.rater;
    let Some(me) = caller.me() else {
        q.push("(1 = 0)");
        return;
    };
    if r.office_or_leader || kind == SubjectKind::Window {
        // The office and the leaders comment on everyone; a window serves anyone.
        q.push("(1 = 1)");
        return;
    }
    q.push("(");
    push_within(q, "s.path", &Within::Under(r.manages(kind).to_vec()));
    if matches!(kind, SubjectKind::Member | SubjectKind::Cadre) {
        q.push(" OR s.person_id = ").push_bind(me);
    }
    q.push(" OR ");
    let peers = rule::peer_paths(r, kind);
    if kind == SubjectKind::Organization {
        // A sibling of one of the caller's organizations: its parent is on their paths.
        q.push("s.org_id IN (SELECT so.id FROM orgs so JOIN orgs sp ON sp.id = so.parent_id WHERE ");
        push_in(q, "sp.path", &peers);
        q.push(")");
    } else {
        push_in(q, "s.path", &peers);
    }
    q.push(" OR ");
    push_served_set(q, kind, me);
    q.push(")");
}

/// Appends `(condition)` on the rounds `r` the caller sees: every round for the office, the
/// leaders and the auditor; for anyone else the rounds they have a part in (a subject they
/// rate, manage or are), or whose follow-up cases they follow.
fn push_audience(q: &mut Sql, caller: &Caller) {
    if rule::sees_every_round(&caller.scope) {
        q.push("(1 = 1)");
        return;
    }
    q.push("(r.subject_kind = 'window'");
    for kind in [SubjectKind::Member, SubjectKind::Cadre, SubjectKind::Organization] {
        q.push(&format!(" OR (r.subject_kind = '{}' AND EXISTS (SELECT 1 FROM appraisal_subjects s WHERE s.round_id = r.id AND ", kind.code()));
        q.push("(");
        push_part(q, caller, kind);
        q.push(" OR ");
        push_within(q, "s.path", &rule::results_within(&caller.scope, kind));
        q.push(")))");
    }
    let cases = rule::cases_within(&caller.scope);
    if !cases.is_nothing() {
        q.push(" OR EXISTS (SELECT 1 FROM appraisal_cases k JOIN orgs ko ON ko.id = k.org_id WHERE k.round_id = r.id AND ");
        push_within(q, "ko.path", &cases);
        q.push(")");
    }
    q.push(")");
}

// ---- rounds ------------------------------------------------------------------------------------

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
    /// Tells this round's figures in memory from another database's round of the same id
    /// ([`Figures`]); 0 (a restored round) is never kept.
    #[serde(skip)]
    pub figures_seed: i64,
}

impl RoundRow {
    pub fn round_id(&self) -> RoundId {
        RoundId(self.id)
    }
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
    pub fn scale_kind(&self) -> ScaleKind {
        ScaleKind::of(&self.scale)
    }
    pub fn scale(&self) -> Scale {
        self.scale_kind().scale()
    }
    pub fn is_open(&self, day: Date) -> bool {
        day >= self.opens && day <= self.closes && self.closed_on.is_none()
    }
}

const ROUND: &str = "SELECT r.id, r.campaign_id, r.title, r.subject_kind, r.scope_org_id, r.scope_unit_id, r.scale, r.weights_json, r.grades_json, r.quota, r.opens, r.closes, \
                     r.created_by, r.created_ms, r.tie_order, r.tie_reason, r.closed_on, r.figures_seed FROM appraisal_rounds r";

/// The rounds of a campaign the caller sees, the newest first.
pub async fn rounds(c: &mut Conn, caller: &Caller, campaign: i64) -> Result<Vec<RoundRow>, StoreError> {
    let mut q = Sql::new(format!("{ROUND} WHERE r.campaign_id = "));
    q.push_bind(campaign).push(" AND ");
    push_audience(&mut q, caller);
    q.push(" ORDER BY r.id DESC");
    Ok(c.fetch_all(q).await?)
}

/// A round the caller sees, or NotFound.
pub async fn round(c: &mut Conn, caller: &Caller, id: RoundId) -> Result<RoundRow, StoreError> {
    let mut q = Sql::new(format!("{ROUND} WHERE r.id = "));
    q.push_bind(id.0).push(" AND ");
    push_audience(&mut q, caller);
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// A round whatever the caller, for a selection's count, which names it (the office checked).
pub(crate) async fn round_unscoped_for_count(c: &mut Conn, id: i64) -> Result<RoundRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{ROUND} WHERE r.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// The round, its row locked for the rest of the write transaction on PostgreSQL: shared by
/// the raters (many rate at once, none after a count closed the round: the count waits for
/// them, and they for it), exclusive for the office's decisions on it. The caller has been
/// checked by [`round`] first.
async fn round_locked(c: &mut Conn, id: RoundId, share: bool) -> Result<RoundRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{ROUND} WHERE r.id = $1{}", c.row_lock(share, ""))).bind(id.0)).await?.ok_or(StoreError::NotFound)
}

// ---- subjects ----------------------------------------------------------------------------------

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
    pub fn subject_id(&self) -> SubjectId {
        SubjectId(self.id)
    }
    pub fn criteria(&self) -> Vec<Criterion> {
        serde_json::from_str(&self.criteria_json).unwrap_or_default()
    }
}

const SUBJECT_COLUMNS: &str = "s.id, s.round_id, s.person_id, s.org_id, s.unit_id, s.name, s.path, s.criteria_json";

#[derive(sqlx::FromRow)]
struct CandidateRow {
    #[sqlx(flatten)]
    s: SubjectRow,
    serves: i64,
}

/// A subject the caller appraises, in their group (in a list, without its criteria: see
/// [`to_rate`]).
#[derive(Clone, Debug)]
pub struct ToRate {
    pub subject: SubjectRow,
    pub group: Group,
}

/// What the rules of who rates ask about a subject.
fn subject_facts(kind: SubjectKind, s: &SubjectRow, serves_caller: bool) -> SubjectFacts<'_> {
    SubjectFacts { kind, person: s.person_id.map(PersonId), path: &s.path, serves_caller }
}

/// The subjects the caller appraises in a round and in which group (whatever the weights), in
/// the round's order; `only` one of them. One query whatever the round's size: the condition
/// of who may have a part is in it, the group is decided by [`rule::group_of`].
pub async fn to_rate(c: &mut Conn, caller: &Caller, r: &RoundRow, only: Option<SubjectId>) -> Result<Vec<ToRate>, StoreError> {
    let kind = r.kind();
    if only.is_none() && caller.rater.office_or_leader && caller.me().is_some() {
        // The office and the leaders comment on everyone ([`push_part`]): the round's subjects,
        // from the figures kept in memory (whether a subject serves them is never asked).
        let f = figures(c, r).await?;
        return Ok(f.subjects.iter().filter_map(|s| rule::group_of(&caller.rater, &subject_facts(kind, s, false)).map(|group| ToRate { subject: s.clone(), group })).collect());
    }
    // The list leaves the criteria out, which only the rating form of one subject needs; the
    // caller orders it.
    let columns = if only.is_some() { SUBJECT_COLUMNS.to_string() } else { SUBJECT_COLUMNS.replace("s.criteria_json", "'' AS criteria_json") };
    let mut q = Sql::new(format!("SELECT {columns}, "));
    push_serves(&mut q, kind, caller.me(), caller.rater.office_or_leader);
    q.push(" FROM appraisal_subjects s WHERE s.round_id = ").push_bind(r.id);
    if let Some(sid) = only {
        q.push(" AND s.id = ").push_bind(sid.0);
    }
    q.push(" AND ");
    push_part(&mut q, caller, kind);
    let rows: Vec<CandidateRow> = c.fetch_all(q).await?;
    Ok(rows.into_iter().filter_map(|x| rule::group_of(&caller.rater, &subject_facts(kind, &x.s, x.serves == 1)).map(|group| ToRate { subject: x.s, group })).collect())
}

/// The subjects of a round the caller has already appraised.
pub async fn rated_by_me(c: &mut Conn, caller: &Caller, r: &RoundRow) -> Result<Vec<i64>, StoreError> {
    let Some(me) = caller.me() else { return Ok(Vec::new()) };
    let rows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT subject_id FROM appraisal_raters WHERE rater_id = $1 AND round_id = $2").bind(me).bind(r.id)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
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

// ---- starting a round --------------------------------------------------------------------------

/// A subject to insert: person, organization, unit, name, path, criteria (JSON).
type NewSubject = (Option<i64>, Option<i64>, Option<i64>, String, String, String);

/// Starts a round and lists its subjects (the office only).
pub async fn create(c: &mut Conn, scope: &Scope, campaign: i64, n: &RoundSpec) -> Result<RoundId, StoreError> {
    if !scope.is_office_or_admin() {
        return Err(StoreError::Forbidden(Text::new("只有创先办可以发起评议", "Only the campaign office starts an appraisal")));
    }
    let org = match n.org {
        Some(id) => crate::tree::get(c, crate::tree::Tree::Org, id.0).await?,
        None => None,
    };
    let unit = match n.unit {
        Some(id) => crate::tree::get(c, crate::tree::Tree::Unit, id.0).await?,
        None => None,
    };
    let kind = n.kind;
    let mut errs = FieldErrors::new();
    match kind {
        SubjectKind::Window if unit.is_none() => errs.add("unit", "请选择窗口所在的单位", "Choose the unit whose windows are appraised"),
        SubjectKind::Cadre if n.unit.is_some() && unit.is_none() => errs.add("unit", "没有这个单位", "No such unit"),
        SubjectKind::Organization | SubjectKind::Member if org.is_none() => errs.add("org", "请选择党组织", "Choose the organization"),
        _ => {}
    }
    errs.into_result().map_err(StoreError::Invalid)?;
    let criteria_json = serde_json::to_string(&n.criteria).map_err(|e| StoreError::Config(e.to_string()))?;
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
                "INSERT INTO appraisal_rounds (campaign_id, title, subject_kind, scope_org_id, scope_unit_id, scale, weights_json, grades_json, quota, opens, closes, created_by, created_ms, figures_seed) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            )
            .bind(campaign)
            .bind(n.title.as_str())
            .bind(kind.code())
            .bind(org.as_ref().map(|o| o.id))
            .bind(unit.as_ref().map(|u| u.id))
            .bind(n.scale.code())
            .bind(serde_json::to_string(&n.weights).map_err(|e| StoreError::Config(e.to_string()))?)
            .bind(n.grades.as_ref().map(|g| serde_json::to_string(g).unwrap_or_default()))
            .bind(n.quota)
            .bind(n.opens)
            .bind(n.closes)
            .bind(scope.actor.as_str())
            .bind(now_ms())
            .bind(new_figures_seed()),
        )
        .await?;
    // Many subjects (a whole university's members): several rows a statement.
    for chunk in list.chunks(500) {
        let mut q = Sql::new("INSERT INTO appraisal_subjects (round_id, person_id, org_id, unit_id, name, path, criteria_json) VALUES ");
        for (i, (person, org_id, unit_id, name, path, crit)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .push_bind(id)
                .push(", ")
                .push_bind(*person)
                .push(", ")
                .push_bind(*org_id)
                .push(", ")
                .push_bind(*unit_id)
                .push(", ")
                .push_bind(name.as_str())
                .push(", ")
                .push_bind(path.as_str())
                .push(", ")
                .push_bind(crit.as_str())
                .push(")");
        }
        c.execute(q).await?;
    }
    audit::append(c, scope, "appraisal.create", "appraisal_round", id, None, Some(format!("{}: {} subjects", n.title, list.len()))).await?;
    Ok(RoundId(id))
}

// ---- rating ------------------------------------------------------------------------------------

/// Records one appraisal: a value per criterion on the round's scale, a comment (required of a
/// leader). A second appraisal of the same subject by the same rater is refused by the key; the
/// subject's tally of the rater's group grows in the same transaction.
pub async fn rate(c: &mut Conn, caller: &Caller, round: RoundId, subject: SubjectId, values: &[Option<u32>], comment: &str) -> Result<Rated, StoreError> {
    self::round(c, caller, round).await?;
    let r = round_locked(c, round, true).await?;
    let Some(mine) = to_rate(c, caller, &r, Some(subject)).await?.into_iter().next() else {
        return Err(StoreError::Forbidden(Text::new("您不在这一评议对象的评议人范围内", "You are not among those who appraise this subject")));
    };
    let group = mine.group;
    if r.weight(group) == 0 {
        return Err(StoreError::Forbidden(Text::new(
            format!("本次评议不设{}", group.label(pacesetter_domain::Lang::Zh)),
            format!("This round has no {}", group.label(pacesetter_domain::Lang::En)),
        )));
    }
    if !r.is_open(today()) {
        return Err(conflict("不在评议时间内", "The appraisal is not open now"));
    }
    let criteria = mine.subject.criteria();
    let scale = r.scale();
    let (vals, comment) = rule::check_rating(&criteria, &scale, group, values, comment).map_err(StoreError::Invalid)?;
    let (num, den) = rule::rater_parts(&criteria, &scale, &vals).ok_or_else(|| StoreError::Config("a subject without criteria".into()))?;
    let me = caller.me().unwrap_or(0);
    // Once each: who rated whom is kept here, apart from what they gave.
    let ins = c.execute(Sql::new("INSERT INTO appraisal_raters (round_id, subject_id, rater_id) VALUES ($1, $2, $3)").bind(round.0).bind(subject.0).bind(me)).await;
    match ins {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(conflict("您已评议过这一对象，每人一次", "You have already appraised this subject; once each")),
        Err(e) => return Err(e.into()),
    }
    // The rating under a random id, without a day; an anonymous group's names no rater.
    c.execute(
        Sql::new("INSERT INTO appraisal_ratings (id, round_id, subject_id, rater_id, grp, values_json, comment) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(crate::survey::uuid_v4())
            .bind(round.0)
            .bind(subject.0)
            .bind((!group.is_anonymous()).then_some(me))
            .bind(group.code())
            .bind(serde_json::to_string(&vals).unwrap_or_default())
            .bind(comment),
    )
    .await?;
    c.execute(
        Sql::new(
            "INSERT INTO appraisal_tallies (round_id, subject_id, grp, raters, total, den) VALUES ($1, $2, $3, 1, $4, $5) \
             ON CONFLICT (round_id, subject_id, grp) DO UPDATE SET raters = appraisal_tallies.raters + 1, total = appraisal_tallies.total + excluded.total",
        )
        .bind(round.0)
        .bind(subject.0)
        .bind(group.code())
        .bind(num as i64)
        .bind(den as i64),
    )
    .await?;
    audit::append(c, &caller.scope, "appraisal.rate", "appraisal_subject", subject.0, None, Some(group.code().into())).await?;
    let added = if r.figures_seed != 0 {
        Some(Added { after: fingerprint(c, &r).await?, subject: subject.0, group, weights: r.weights(), num: num as i64, den: den as i64 })
    } else {
        None
    };
    Ok(Rated { group, added })
}

// ---- results -----------------------------------------------------------------------------------

#[derive(Clone, Debug, sqlx::FromRow)]
struct TallyRow {
    subject_id: i64,
    grp: String,
    raters: i64,
    total: i64,
    den: i64,
}

/// A subject's result.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectResult {
    pub subject: SubjectRow,
    /// Per weighed group: how many rated and their mean (0-100), as published (an anonymous
    /// group under the minimum shows nothing and counts as empty).
    pub groups: Vec<GroupFigure>,
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

/// Each subject's groups as tallied, by the round's weights (groups weighing 0 left out).
fn sums_by_subject(r: &RoundRow, tallies: &[TallyRow]) -> HashMap<i64, Vec<GroupSum>> {
    let weights: Vec<(Group, u32)> = r.weights().into_iter().filter(|(_, w)| *w > 0).collect();
    let mut out: HashMap<i64, Vec<GroupSum>> = HashMap::new();
    for t in tallies {
        let Some(g) = Group::parse(&t.grp) else { continue };
        let sums = out.entry(t.subject_id).or_insert_with(|| weights.iter().map(|(g, w)| GroupSum { group: *g, weight: *w, raters: 0, sum: Frac::zero() }).collect());
        if let Some(s) = sums.iter_mut().find(|s| s.group == g) {
            s.raters = t.raters.max(0) as usize;
            s.sum = Frac::new(t.total.max(0) as u128, t.den.max(1) as u128);
        }
    }
    out
}

fn empty_sums(r: &RoundRow) -> Vec<GroupSum> {
    r.weights().into_iter().filter(|(_, w)| *w > 0).map(|(g, w)| GroupSum { group: g, weight: w, raters: 0, sum: Frac::zero() }).collect()
}

/// A round's figures that only its ratings change: each subject's groups as tallied, and every
/// subject (without its criteria) to order the lines and to list the subjects of the office and
/// the leaders, who comment on everyone. A university-wide round has 14,888 tally
/// rows and 7,444 subjects, and reading them costs 2-4 µs a row on SQLite, more than the rest of
/// a page; so the server keeps the latest figures of a few rounds in memory.
///
/// The key is the round, its random `figures_seed` (one database's round 1 is not another's) and
/// a fingerprint of its tallies: how many rows, raters and the sum of their totals, read in one
/// aggregate query. A rating adds one rater to one row, so every rating changes the fingerprint,
/// and it never comes back (ratings are never taken back); the subjects of a round are fixed
/// when it is created. The fingerprint stored is the one computed from the rows read, so a
/// rating committed between the two reads on PostgreSQL cannot file new figures under an old key.
#[derive(Clone)]
struct Figures {
    sums: HashMap<i64, Vec<GroupSum>>,
    subjects: Vec<SubjectRow>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct FiguresKey {
    round: i64,
    seed: i64,
    rows: i64,
    raters: i64,
    total: i64,
}

/// How many rounds' figures are kept (each is about a megabyte for a university-wide round).
const FIGURES_KEPT: usize = 8;

static FIGURES: std::sync::Mutex<Vec<(FiguresKey, std::sync::Arc<Figures>)>> = std::sync::Mutex::new(Vec::new());

/// Drops every round's figures kept in memory: the next page reads them again (what the first
/// view after a rating costs; the bench measures it).
pub fn forget_figures() {
    FIGURES.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// A random non-zero number for a new round's `figures_seed`.
fn new_figures_seed() -> i64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the operating system's random source");
    match i64::from_le_bytes(b) {
        0 => 1,
        n => n,
    }
}

/// The fingerprint of a round's tallies as the connection sees them: one aggregate query.
async fn fingerprint(c: &mut Conn, r: &RoundRow) -> Result<FiguresKey, StoreError> {
    let (rows, raters, total): (i64, i64, i64) = c
        .fetch_one(
            Sql::new("SELECT COUNT(*), CAST(COALESCE(SUM(raters), 0) AS BIGINT), CAST(COALESCE(SUM(total), 0) AS BIGINT) FROM appraisal_tallies WHERE round_id = $1").bind(r.id),
        )
        .await?;
    Ok(FiguresKey { round: r.id, seed: r.figures_seed, rows, raters, total })
}

/// A rating, recorded: the rater's group, and what it adds to the round's figures in memory once
/// its transaction has committed ([`Rated::settle`]).
pub struct Rated {
    pub group: Group,
    added: Option<Added>,
}

struct Added {
    /// The tallies' fingerprint in the rating's transaction, the rating included.
    after: FiguresKey,
    subject: i64,
    group: Group,
    weights: Vec<(Group, u32)>,
    num: i64,
    den: i64,
}

impl Rated {
    /// After the rating's transaction committed: adds the rating to the round's figures in memory
    /// if they are exactly the tallies before it (their fingerprint plus this rating is the one
    /// read in the transaction), so that a single server's pages stay served from memory while
    /// ratings come in. Otherwise (another server's rating, a page that read the figures again
    /// in between) nothing is changed and the next page reads them again.
    pub fn settle(&self) {
        let Some(a) = &self.added else { return };
        let mut kept = FIGURES.lock().unwrap_or_else(|e| e.into_inner());
        let Some((key, f)) = kept.iter_mut().find(|(k, _)| k.round == a.after.round && k.seed == a.after.seed) else { return };
        let had = f.sums.get(&a.subject).and_then(|g| g.iter().find(|s| s.group == a.group)).map(|s| s.raters).unwrap_or(0);
        let before = FiguresKey { rows: a.after.rows - i64::from(had == 0), raters: a.after.raters - 1, total: a.after.total - a.num, ..a.after };
        if *key != before {
            return;
        }
        let f = std::sync::Arc::make_mut(f);
        let sums = f
            .sums
            .entry(a.subject)
            .or_insert_with(|| a.weights.iter().filter(|(_, w)| *w > 0).map(|(g, w)| GroupSum { group: *g, weight: *w, raters: 0, sum: Frac::zero() }).collect());
        if let Some(s) = sums.iter_mut().find(|s| s.group == a.group) {
            s.raters += 1;
            s.sum = s.sum + Frac::new(a.num.max(0) as u128, a.den.max(1) as u128);
            *key = a.after;
        }
    }
}

/// The round's figures: from memory when its tallies have not changed since they were read.
async fn figures(c: &mut Conn, r: &RoundRow) -> Result<std::sync::Arc<Figures>, StoreError> {
    let key = fingerprint(c, r).await?;
    if r.figures_seed != 0 {
        let kept = FIGURES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, f)) = kept.iter().find(|(k, _)| *k == key) {
            return Ok(f.clone());
        }
    }
    let tallies: Vec<TallyRow> = c.fetch_all(Sql::new("SELECT subject_id, grp, raters, total, den FROM appraisal_tallies WHERE round_id = $1").bind(r.id)).await?;
    let columns = SUBJECT_COLUMNS.replace("s.criteria_json", "'' AS criteria_json");
    let subjects: Vec<SubjectRow> = c.fetch_all(Sql::new(format!("SELECT {columns} FROM appraisal_subjects s WHERE s.round_id = $1")).bind(r.id)).await?;
    let read =
        FiguresKey { round: r.id, seed: r.figures_seed, rows: tallies.len() as i64, raters: tallies.iter().map(|t| t.raters).sum(), total: tallies.iter().map(|t| t.total).sum() };
    let f = std::sync::Arc::new(Figures { sums: sums_by_subject(r, &tallies), subjects });
    if r.figures_seed != 0 {
        let mut kept = FIGURES.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(k, _)| !(k.round == read.round && k.seed == read.seed));
        if kept.len() >= FIGURES_KEPT {
            kept.remove(0);
        }
        kept.push((read, f.clone()));
    }
    Ok(f)
}

/// Every subject's combined score and the standing against the quota (a rank needs everyone's
/// score, whoever asks), with the round's figures they come from.
async fn scores_and_standing(c: &mut Conn, r: &RoundRow) -> Result<(std::sync::Arc<Figures>, Standing), StoreError> {
    let f = figures(c, r).await?;
    let scored: Vec<(i64, Frac)> = f.sums.iter().filter_map(|(id, g)| rule::combine_sums(g).map(|c| (*id, c.score))).collect();
    let standing = rule::standing(&scored, r.quota.unwrap_or(0).max(0) as u32, &r.tie_preference());
    Ok((f, standing))
}

/// The standing of the whole round against its quota (what a tie is decided on).
pub async fn standing(c: &mut Conn, r: &RoundRow) -> Result<Standing, StoreError> {
    Ok(scores_and_standing(c, r).await?.1)
}

/// A round's results as the caller may see them, best first.
pub struct Results {
    /// The lines asked for (all of them, or one page).
    pub lines: Vec<SubjectResult>,
    /// How many subjects the caller sees in all.
    pub total: usize,
    /// The page shown (the one asked for, within the pages there are), or 1 for all lines.
    pub page: usize,
    pub standing: Standing,
    /// The subjects tied at the quota line that the caller sees, with their names.
    pub tied: Vec<(i64, String)>,
}

/// Which lines of the results: all of them, or page `page` (from 1; past the last page, the
/// last) of `per_page` lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    All,
    Page { page: usize, per_page: usize },
}

/// `s.id IN (...)` for the subjects of a page (at most a page's length of binds).
fn push_ids(q: &mut Sql, col: &str, ids: &[i64]) {
    if ids.is_empty() {
        q.push("(1 = 0)");
        return;
    }
    q.push(&format!("{col} IN ("));
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push_bind(*id);
    }
    q.push(")");
}

/// Restricts a query to the lines asked for: the subjects within the caller's part of the tree,
/// or the subjects of one page by id, on the queried table's own subject column (`subject`), so
/// that SQLite reads the page's rows by index rather than the round's.
fn push_lines(q: &mut Sql, subject: &str, within: &Within, page: Option<&[i64]>) {
    match page {
        None => push_within(q, "s.path", within),
        Some(ids) => push_ids(q, subject, ids),
    }
}

/// The results of the subjects within a part of the tree, best first: a fixed number of queries
/// whatever the round's size. Ranks need every subject's score, so the tallies of the whole round
/// are read; for a page, the subjects' keys are read to order them and only the page's subjects
/// are loaded with their grades and comments.
async fn results_within(c: &mut Conn, r: &RoundRow, within: &Within, lines: Lines) -> Result<Results, StoreError> {
    if within.is_nothing() {
        return Ok(Results { lines: Vec::new(), total: 0, page: 1, standing: Standing::default(), tied: Vec::new() });
    }
    let (figures, standing) = scores_and_standing(c, r).await?;
    let sums = &figures.sums;
    let pos: HashMap<i64, usize> = standing.order.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
    let rank = |id: i64| pos.get(&id).copied().unwrap_or(usize::MAX);
    let best_first = |a: (i64, &str, &str), b: (i64, &str, &str)| (rank(a.0), a.1, a.2, a.0).cmp(&(rank(b.0), b.1, b.2, b.0));
    let mut keys: Vec<&SubjectRow> = figures.subjects.iter().filter(|k| within.covers(&k.path)).collect();
    keys.sort_by(|a, b| best_first((a.id, &a.path, &a.name), (b.id, &b.path, &b.name)));
    let total = keys.len();
    let at_line: std::collections::HashSet<i64> = standing.tie_at_line.iter().copied().collect();
    let tied: Vec<(i64, String)> = keys.iter().filter(|k| at_line.contains(&k.id)).map(|k| (k.id, k.name.clone())).collect();
    let (shown, page) = match lines {
        Lines::All => (1, None),
        Lines::Page { page, per_page } => {
            let per_page = per_page.max(1);
            let shown = page.clamp(1, total.div_ceil(per_page).max(1));
            (shown, Some(keys.iter().skip((shown - 1) * per_page).take(per_page).map(|k| k.id).collect::<Vec<i64>>()))
        }
    };
    drop(keys);
    let page = page.as_deref();
    let mut q = Sql::new(format!("SELECT {SUBJECT_COLUMNS} FROM appraisal_subjects s WHERE s.round_id = "));
    q.push_bind(r.id).push(" AND ");
    push_lines(&mut q, "s.id", within, page);
    let subjects: Vec<SubjectRow> = c.fetch_all(q).await?;
    let mut q = Sql::new(
        "SELECT g.subject_id, g.grade, g.advised, g.reason, g.recorded_by, g.recorded_ms FROM appraisal_grades g JOIN appraisal_subjects s ON s.id = g.subject_id WHERE g.round_id = ",
    );
    q.push_bind(r.id).push(" AND ");
    push_lines(&mut q, "g.subject_id", within, page);
    let mut grades: HashMap<i64, GradeRow> = c.fetch_all::<GradeRow>(q).await?.into_iter().map(|g| (g.subject_id, g)).collect();
    let mut comments: HashMap<i64, Vec<String>> = HashMap::new();
    if r.weight(Group::Leaders) > 0 {
        let mut q = Sql::new("SELECT x.subject_id, x.comment FROM appraisal_ratings x JOIN appraisal_subjects s ON s.id = x.subject_id WHERE x.round_id = ");
        q.push_bind(r.id).push(" AND x.grp = 'leaders' AND x.comment IS NOT NULL AND ");
        push_lines(&mut q, "x.subject_id", within, page);
        q.push(" ORDER BY x.subject_id, x.id");
        let rows: Vec<(i64, String)> = c.fetch_all(q).await?;
        for (sid, text) in rows {
            comments.entry(sid).or_default().push(text);
        }
    }
    let grade_list = r.grades();
    let mut out: Vec<SubjectResult> = subjects
        .into_iter()
        .map(|s| {
            let groups = sums.get(&s.id).cloned().unwrap_or_else(|| empty_sums(r));
            let combined = rule::combine_sums(&groups);
            let advised = combined.as_ref().and_then(|cb| rule::advise(cb.score, &grade_list).map(str::to_string));
            SubjectResult {
                groups: groups.iter().map(GroupFigure::of).collect(),
                combined,
                advised,
                grade: grades.remove(&s.id),
                comments: comments.remove(&s.id).unwrap_or_default(),
                subject: s,
            }
        })
        .collect();
    out.sort_by(|a, b| best_first((a.subject.id, &a.subject.path, &a.subject.name), (b.subject.id, &b.subject.path, &b.subject.name)));
    Ok(Results { lines: out, total, page: shown, standing, tied })
}

/// The results the caller sees ([`rule::results_within`]): their subjects' groups, scores,
/// advice, grades and comments, in the standing of the whole round; all of them or a page.
pub async fn results(c: &mut Conn, caller: &Caller, r: &RoundRow, lines: Lines) -> Result<Results, StoreError> {
    results_within(c, r, &rule::results_within(&caller.scope, r.kind()), lines).await
}

/// Every subject's result, whatever the caller, for a selection's count (the office counts, the
/// auditor recounts).
pub(crate) async fn results_unscoped_for_count(c: &mut Conn, r: &RoundRow) -> Result<(Vec<SubjectResult>, Standing), StoreError> {
    let x = results_within(c, r, &Within::All, Lines::All).await?;
    Ok((x.lines, x.standing))
}

/// A branch's line of 民主评议党员: how many got each grade (in the round's order of grades) and
/// how many are not graded yet.
pub struct BranchGrades {
    pub org_id: Option<i64>,
    pub name: String,
    pub counts: Vec<usize>,
    pub not_graded: usize,
}

#[derive(sqlx::FromRow)]
struct BranchGradeRow {
    path: String,
    org: Option<i64>,
    name: Option<String>,
    grade: Option<String>,
    n: i64,
}

/// 民主评议党员 by branch, for the branches whose results the caller sees, in the branches'
/// order. One query.
pub async fn grades_by_branch(c: &mut Conn, caller: &Caller, r: &RoundRow) -> Result<Vec<BranchGrades>, StoreError> {
    let grades = r.grades();
    let within = rule::results_within(&caller.scope, r.kind());
    if r.kind() != SubjectKind::Member || grades.is_empty() || within.is_nothing() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT s.path, o.id AS org, o.name, g.grade, COUNT(*) AS n FROM appraisal_subjects s LEFT JOIN appraisal_grades g ON g.subject_id = s.id LEFT JOIN orgs o ON o.path = s.path \
         WHERE s.round_id = ",
    );
    q.push_bind(r.id).push(" AND ");
    push_within(&mut q, "s.path", &within);
    q.push(" GROUP BY s.path, o.id, o.name, g.grade ORDER BY s.path");
    let rows: Vec<BranchGradeRow> = c.fetch_all(q).await?;
    let mut out: Vec<BranchGrades> = Vec::new();
    let mut last = String::new();
    for BranchGradeRow { path, org, name, grade, n } in rows {
        if out.is_empty() || path != last {
            out.push(BranchGrades { org_id: org, name: name.unwrap_or_else(|| path.clone()), counts: vec![0; grades.len()], not_graded: 0 });
            last = path;
        }
        let b = out.last_mut().expect("pushed");
        match grade.and_then(|g| grades.iter().position(|(label, _)| *label == g)) {
            Some(i) => b.counts[i] += n as usize,
            None => b.not_graded += n as usize,
        }
    }
    Ok(out)
}

/// Closes a round before its last day because a selection counted its scores: no later rating
/// can make a recount from the published material disagree with the published order.
pub async fn close_for_count(c: &mut Conn, scope: &Scope, round: i64, selection: i64) -> Result<(), StoreError> {
    let r = round_unscoped_for_count(c, round).await?;
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

// ---- the tie at the quota line -----------------------------------------------------------------

/// The office orders the subjects tied at the quota line, and says why.
pub async fn decide_tie(c: &mut Conn, caller: &Caller, round: RoundId, order: &[i64], reason: &str) -> Result<RoundRow, StoreError> {
    let scope = &caller.scope;
    if !scope.is_office_or_admin() {
        return Err(StoreError::Forbidden(Text::new("只有创先办可以处理并列", "Only the campaign office decides a tie")));
    }
    self::round(c, caller, round).await?;
    let r = round_locked(c, round, false).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(invalid("reason", "请写明理由（不超过 1000 字）", "Give the reason (up to 1,000 characters)"));
    }
    // Every subject named must be one of this round's (another round's is not there).
    let known: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM appraisal_subjects WHERE round_id = $1").bind(round.0)).await?;
    if order.iter().any(|o| !known.iter().any(|k| k.0 == *o)) {
        return Err(StoreError::NotFound);
    }
    let (_, st) = scores_and_standing(c, &r).await?;
    let (pref, reasons) =
        pacesetter_domain::selection::record_tie(&st.tie_at_line, order, &r.tie_preference(), r.tie_reason.as_deref(), reason).map_err(|t| invalid("order", t.zh, t.en))?;
    let text = pref.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",");
    c.execute(Sql::new("UPDATE appraisal_rounds SET tie_order = $1, tie_reason = $2 WHERE id = $3").bind(text.as_str()).bind(reasons).bind(round.0)).await?;
    audit::append(c, scope, "appraisal.tie", "appraisal_round", round.0, None, Some(format!("{text}: {reason}"))).await?;
    round_locked(c, round, false).await
}

// ---- the auditor's bundle ----------------------------------------------------------------------

/// What an outsider needs to recount a round: every subject's result (exact), the standing, and
/// per subject and group the raters' values, sorted, without the raters (none of an anonymous
/// group under the minimum: it counted as empty).
pub struct BundleData {
    pub round: RoundRow,
    pub results: Vec<SubjectResult>,
    pub standing: Standing,
    /// (subject, group) → each rater's values, sorted; None where the group's ratings are not
    /// published (an anonymous group under the minimum).
    pub sheets: HashMap<(i64, Group), Option<Vec<Vec<u32>>>>,
}

/// The bundle of a round, for the office and the auditor.
pub async fn bundle(c: &mut Conn, caller: &Caller, round: RoundId) -> Result<BundleData, StoreError> {
    if !caller.scope.has_any(&[pacesetter_domain::role::Role::Office, pacesetter_domain::role::Role::Admin, pacesetter_domain::role::Role::Auditor]) {
        return Err(StoreError::Forbidden(Text::new("只有创先办和审计员可以取得核算材料", "Only the office and the auditor take the recount bundle")));
    }
    let r = self::round(c, caller, round).await?;
    let x = results_within(c, &r, &Within::All, Lines::All).await?;
    let rows: Vec<(i64, String, String)> =
        c.fetch_all(Sql::new("SELECT subject_id, grp, values_json FROM appraisal_ratings WHERE round_id = $1 ORDER BY subject_id, grp, id").bind(r.id)).await?;
    let mut sheets: HashMap<(i64, Group), Vec<Vec<u32>>> = HashMap::new();
    for (sid, grp, values) in rows {
        if let Some(g) = Group::parse(&grp) {
            sheets.entry((sid, g)).or_default().push(serde_json::from_str(&values).unwrap_or_default());
        }
    }
    let sheets = sheets
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            let published = rule::ratings_published(k.1, v.len());
            (k, published.then_some(v))
        })
        .collect();
    Ok(BundleData { round: r, results: x.lines, standing: x.standing, sheets })
}

/// Whether every tally of a round equals a recount from its ratings (the bench and the tests
/// check it; an auditor recounts from the bundle).
pub async fn tallies_agree(c: &mut Conn, round: RoundId) -> Result<bool, StoreError> {
    let r = round_unscoped_for_count(c, round.0).await?;
    let recount = recount(c, &r).await?;
    let mut stored: Vec<(i64, String, i64, i64, i64)> = c
        .fetch_all::<TallyRow>(Sql::new("SELECT subject_id, grp, raters, total, den FROM appraisal_tallies WHERE round_id = $1").bind(r.id))
        .await?
        .into_iter()
        .map(|t| (t.subject_id, t.grp, t.raters, t.total, t.den))
        .collect();
    stored.sort();
    Ok(stored == recount)
}

/// The tallies of a round recounted from its ratings: (subject, group, raters, total, den), sorted.
async fn recount(c: &mut Conn, r: &RoundRow) -> Result<Vec<(i64, String, i64, i64, i64)>, StoreError> {
    let criteria: HashMap<i64, Vec<Criterion>> = c
        .fetch_all::<SubjectRow>(Sql::new(format!("SELECT {SUBJECT_COLUMNS} FROM appraisal_subjects s WHERE s.round_id = $1")).bind(r.id))
        .await?
        .into_iter()
        .map(|s| (s.id, s.criteria()))
        .collect();
    let rows: Vec<(i64, String, String)> = c.fetch_all(Sql::new("SELECT subject_id, grp, values_json FROM appraisal_ratings WHERE round_id = $1").bind(r.id)).await?;
    let scale = r.scale();
    let mut by: HashMap<(i64, String), (i64, i64, i64)> = HashMap::new();
    for (sid, grp, values) in rows {
        let vals: Vec<u32> = serde_json::from_str(&values).unwrap_or_default();
        if let Some((num, den)) = criteria.get(&sid).and_then(|cr| rule::rater_parts(cr, &scale, &vals)) {
            let e = by.entry((sid, grp)).or_insert((0, 0, 0));
            e.0 += 1;
            e.1 += num as i64;
            e.2 = e.2.max(den as i64);
        }
    }
    let mut out: Vec<(i64, String, i64, i64, i64)> = by.into_iter().map(|((s, g), (n, t, d))| (s, g, n, t, d)).collect();
    out.sort();
    Ok(out)
}

/// Rewrites a round's tallies from its ratings (after ratings were loaded in bulk, as the bench
/// does); the whole university's scope only.
pub async fn retally(c: &mut Conn, scope: &Scope, round: RoundId) -> Result<(), StoreError> {
    if scope.global() != Some(Access::Write) {
        return Err(StoreError::Forbidden(Text::new("只有创先办可以重新汇总", "Only the office recounts the tallies")));
    }
    let r = round_unscoped_for_count(c, round.0).await?;
    let rows = recount(c, &r).await?;
    c.execute(Sql::new("DELETE FROM appraisal_tallies WHERE round_id = $1").bind(r.id)).await?;
    for chunk in rows.chunks(500) {
        let mut q = Sql::new("INSERT INTO appraisal_tallies (round_id, subject_id, grp, raters, total, den) VALUES ");
        for (i, (sid, grp, n, total, den)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .push_bind(r.id)
                .push(", ")
                .push_bind(*sid)
                .push(", ")
                .push_bind(grp.as_str())
                .push(", ")
                .push_bind(*n)
                .push(", ")
                .push_bind(*total)
                .push(", ")
                .push_bind(*den)
                .push(")");
        }
        c.execute(q).await?;
    }
    // The tallies were rewritten, perhaps to the same fingerprint: a new seed makes every
    // server's figures of this round stale, not only this process's.
    c.execute(Sql::new("UPDATE appraisal_rounds SET figures_seed = $1 WHERE id = $2").bind(new_figures_seed()).bind(r.id)).await?;
    audit::append(c, scope, "appraisal.retally", "appraisal_round", r.id, None, Some(format!("{} tallies", rows.len()))).await?;
    Ok(())
}

// ---- 民主评议党员: grades and follow-up cases --------------------------------------------------

/// A grade as recorded, with the advice it was decided against.
#[derive(Clone, Debug, Serialize)]
pub struct GradeRecorded {
    pub subject_id: i64,
    pub grade: String,
    pub advised: Option<String>,
    pub reason: Option<String>,
    /// The lowest grade: a follow-up case is open for the secondary organization.
    pub case_open: bool,
}

/// The branch records a member's grade ([`rule::check_grade`]); the lowest grade opens a case
/// for the secondary organization, another grade voids an open one.
pub async fn record_grade(c: &mut Conn, caller: &Caller, round: RoundId, subject: SubjectId, grade: &str, reason: &str) -> Result<GradeRecorded, StoreError> {
    let scope = &caller.scope;
    let r = self::round(c, caller, round).await?;
    // The subject, among those the caller grades, locked first (on PostgreSQL): two grades
    // recorded at once are then one after the other, each with the grade it replaced, and its
    // case opened or voided once.
    let mut q = Sql::new(format!("SELECT {SUBJECT_COLUMNS} FROM appraisal_subjects s WHERE s.round_id = "));
    q.push_bind(round.0).push(" AND s.id = ").push_bind(subject.0).push(" AND ");
    push_within(&mut q, "s.path", &rule::grades_within(scope));
    q.push(&c.row_lock(false, ""));
    let s: SubjectRow = c.fetch_optional(q).await?.ok_or(StoreError::NotFound)?;
    let tallies: Vec<TallyRow> =
        c.fetch_all(Sql::new("SELECT subject_id, grp, raters, total, den FROM appraisal_tallies WHERE round_id = $1 AND subject_id = $2").bind(round.0).bind(subject.0)).await?;
    let grades = r.grades();
    let sums = sums_by_subject(&r, &tallies).remove(&subject.0).unwrap_or_else(|| empty_sums(&r));
    let advised = rule::combine_sums(&sums).and_then(|cb| rule::advise(cb.score, &grades).map(str::to_string));
    let own = s.person_id.is_some() && s.person_id == caller.me();
    let case = rule::GradeCase { kind: r.kind(), grades: &grades, closes: r.closes, today: today(), own, advised: advised.as_deref() };
    let d = rule::check_grade(&case, grade, reason).map_err(|e| match e {
        GradeRefusal::NoGrades => conflict("这次评议不评定等次", "This round records no grades"),
        GradeRefusal::OwnGrade => StoreError::Forbidden(Text::new("不能评定自己的等次，由上级党组织评定", "You cannot grade yourself; the level above does")),
        GradeRefusal::NotClosed => conflict("测评结束后才能评定等次", "Grades are recorded after the appraisal closes"),
        GradeRefusal::Invalid(field, t) => invalid(field, t.zh, t.en),
    })?;
    let before: Option<String> = c.fetch_opt_string(Sql::new("SELECT grade FROM appraisal_grades WHERE subject_id = $1").bind(subject.0)).await?;
    c.execute(Sql::new("DELETE FROM appraisal_grades WHERE subject_id = $1").bind(subject.0)).await?;
    c.execute(
        Sql::new("INSERT INTO appraisal_grades (subject_id, round_id, grade, advised, reason, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(subject.0)
            .bind(round.0)
            .bind(d.grade.as_str())
            .bind(advised.clone())
            .bind(d.reason.clone())
            .bind(scope.actor.as_str())
            .bind(now_ms()),
    )
    .await?;
    audit::append(c, scope, "appraisal.grade", "appraisal_subject", subject.0, before, Some(d.grade.clone())).await?;
    if !d.lowest {
        let n = c
            .execute(
                Sql::new("UPDATE appraisal_cases SET state = 'void', note = $1, closed_by = $2, closed_ms = $3 WHERE subject_id = $4 AND state = 'open'")
                    .bind(format!("等次改为“{}”，不再需要处置", d.grade))
                    .bind(scope.actor.as_str())
                    .bind(now_ms())
                    .bind(subject.0),
            )
            .await?;
        if n > 0 {
            audit::append(c, scope, "appraisal.case_void", "appraisal_subject", subject.0, Some("open".into()), Some(d.grade.clone())).await?;
        }
    } else {
        let secondary: Option<i64> = s.path.split('/').filter(|x| !x.is_empty()).nth(1).and_then(|x| x.parse().ok());
        let org = secondary.or_else(|| s.path.split('/').rfind(|x| !x.is_empty()).and_then(|x| x.parse().ok())).unwrap_or(0);
        let exists = c.fetch_opt_i64(Sql::new("SELECT id FROM appraisal_cases WHERE subject_id = $1").bind(subject.0)).await?;
        if let Some(k) = exists {
            // The lowest grade again: the case opens again.
            c.execute(Sql::new("UPDATE appraisal_cases SET state = 'open', note = NULL, closed_by = NULL, closed_ms = NULL WHERE id = $1 AND state = 'void'").bind(k)).await?;
        } else {
            let id = c
                .fetch_i64(
                    Sql::new("INSERT INTO appraisal_cases (round_id, subject_id, org_id, state, created_ms) VALUES ($1, $2, $3, 'open', $4) RETURNING id")
                        .bind(round.0)
                        .bind(subject.0)
                        .bind(org)
                        .bind(now_ms()),
                )
                .await?;
            audit::append(c, scope, "appraisal.case", "appraisal_case", id, None, Some(format!("subject {}", subject.0))).await?;
        }
    }
    Ok(GradeRecorded { subject_id: subject.0, grade: d.grade, advised, reason: d.reason, case_open: d.lowest })
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

const CASE: &str = "SELECT k.id, k.round_id, k.subject_id, s.name, k.org_id, o.name AS org_name, o.path AS org_path, k.state, k.note, k.closed_by, k.created_ms \
                    FROM appraisal_cases k JOIN appraisal_subjects s ON s.id = k.subject_id JOIN orgs o ON o.id = k.org_id";

/// The follow-up cases of a round the caller sees ([`rule::cases_within`]).
pub async fn cases(c: &mut Conn, caller: &Caller, r: &RoundRow) -> Result<Vec<CaseRow>, StoreError> {
    let within = rule::cases_within(&caller.scope);
    if within.is_nothing() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(format!("{CASE} WHERE k.round_id = "));
    q.push_bind(r.id).push(" AND ");
    push_within(&mut q, "o.path", &within);
    q.push(" ORDER BY k.id");
    Ok(c.fetch_all(q).await?)
}

/// The secondary organization (or the office) closes a case with what was done.
pub async fn close_case(c: &mut Conn, caller: &Caller, round: RoundId, case: i64, note: &str) -> Result<CaseRow, StoreError> {
    let scope = &caller.scope;
    self::round(c, caller, round).await?;
    let mut q = Sql::new(format!("{CASE} WHERE k.round_id = "));
    q.push_bind(round.0).push(" AND k.id = ").push_bind(case).push(" AND ");
    push_within(&mut q, "o.path", &rule::cases_closed_within(scope));
    let _: CaseRow = c.fetch_optional(q).await?.ok_or(StoreError::NotFound)?;
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
    StoreError::unless_changed(n, "这一事项已办结", "This case is already closed")?;
    audit::append(c, scope, "appraisal.case_close", "appraisal_case", case, Some("open".into()), Some(note.to_string())).await?;
    c.fetch_optional(Sql::new(format!("{CASE} WHERE k.id = $1")).bind(case)).await?.ok_or(StoreError::NotFound)
}
