//! The masses' problems (item 10) in SQL: raising, routing, accepting, answering, confirming,
//! the deadline tick (escalation and closing as unconfirmed), the public list, each unit's
//! satisfaction from the confirmations, and the groups of similar reports.
//!
//! Who reads a problem, and how much of its raiser they see, is decided once here
//! ([`Viewer`], [`mask`]): the office, and the raiser, see who raised it; the unit (its heads and
//! the person it is assigned to), the leaders and the administrator do not when the raiser asked
//! to stay unnamed. Nothing of a problem keeps a time finer than the day.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::tree::{self, Tree};
use pacesetter_domain::calendar::Calendar;
use pacesetter_domain::problem::{self as pb, About, Escalation, Raised, Rules, State};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::unit::UnitKind;
use serde::Serialize;
use time::Date;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ProblemRow {
    pub id: i64,
    /// 0 when the viewer may not know (see [`mask`]).
    pub raiser_id: i64,
    pub raiser_name: String,
    pub unnamed: bool,
    pub about: String,
    pub about_unit_id: Option<i64>,
    pub about_name: String,
    pub category: String,
    pub body: String,
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub unit_path: Option<String>,
    pub state: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub reply: Option<String>,
    pub measures: Option<String>,
    pub raised_on: Date,
    pub step_on: Date,
    pub due_on: Option<Date>,
    pub escalation: i64,
    pub reopened: i64,
    pub closed_on: Option<Date>,
    pub group_id: Option<i64>,
    pub public_summary: Option<String>,
    pub public_done: Option<String>,
    pub published: bool,
    /// The cadre's visit it was raised in (item 8), and that cadre.
    pub visit_id: Option<i64>,
    pub visit_cadre_id: Option<i64>,
}

impl ProblemRow {
    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Received)
    }

    pub fn escalation(&self) -> Escalation {
        Escalation::from_level(self.escalation)
    }
}

const SELECT: &str = "SELECT p.id, p.raiser_id, r.name AS raiser_name, p.unnamed, p.about, p.about_unit_id, COALESCE(au.name, '') AS about_name, p.category, p.body, \
     p.unit_id, COALESCE(u.name, '') AS unit_name, u.path AS unit_path, p.state, p.assignee_id, a.name AS assignee_name, p.reply, p.measures, p.raised_on, \
     p.step_on, p.due_on, p.escalation, p.reopened, p.closed_on, p.group_id, p.public_summary, p.public_done, p.published, p.visit_id, \
     (SELECT v.cadre_id FROM visits v WHERE v.id = p.visit_id) AS visit_cadre_id FROM problems p JOIN people r ON r.id = p.raiser_id LEFT JOIN units au ON au.id = p.about_unit_id LEFT JOIN units u ON u.id = p.unit_id \
     LEFT JOIN people a ON a.id = p.assignee_id";

/// How a caller stands to a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// The campaign office: every problem, every raiser's name.
    Office,
    /// The raiser: their own problem.
    Raiser,
    /// The unit it is routed to (a head, a secretary of the linked college) or the person it is
    /// assigned to: acts on it.
    Unit,
    /// Reads every problem (a leader, the administrator) without acting on it.
    Reader,
    /// The cadre who entered it from a visit to their class, for a student of the class: follows
    /// it without acting on it.
    Cadre,
}

impl Viewer {
    /// Whether the raiser's name may be shown to this viewer.
    pub fn sees_raiser(self, unnamed: bool) -> bool {
        !unnamed || matches!(self, Viewer::Office | Viewer::Raiser | Viewer::Cadre)
    }
}

/// How the caller stands to a problem, or None (then it is not found).
pub fn viewer(scope: &Scope, row: &ProblemRow) -> Option<Viewer> {
    if scope.has(Role::Office) {
        return Some(Viewer::Office);
    }
    if scope.person.is_some_and(|p| p.0 == row.raiser_id) {
        return Some(Viewer::Raiser);
    }
    if scope.person.is_some_and(|p| Some(p.0) == row.assignee_id) || row.unit_path.as_deref().is_some_and(|path| scope.acts_on_unit(path)) {
        return Some(Viewer::Unit);
    }
    if scope.person.is_some_and(|p| Some(p.0) == row.visit_cadre_id) {
        return Some(Viewer::Cadre);
    }
    if scope.global().is_some() {
        return Some(Viewer::Reader);
    }
    None
}

/// The row as the viewer may see it: without the raiser when they asked to stay unnamed.
pub fn mask(mut row: ProblemRow, v: Viewer) -> ProblemRow {
    if !v.sees_raiser(row.unnamed) {
        row.raiser_id = 0;
        row.raiser_name = String::new();
        // The visit it came from would name the raiser's class.
        row.visit_id = None;
        row.visit_cadre_id = None;
    }
    row
}

async fn row(c: &mut Conn, id: i64) -> Result<ProblemRow, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE p.id = ").push_bind(id);
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// A problem as the caller may see it, with how they stand to it.
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<(ProblemRow, Viewer), StoreError> {
    let r = row(c, id).await?;
    let v = viewer(scope, &r).ok_or(StoreError::NotFound)?;
    Ok((mask(r, v), v))
}

// ---- rules -----------------------------------------------------------------------------------

pub async fn rules(c: &mut Conn) -> Result<Rules, StoreError> {
    let r: Option<(i64, i64, i64, bool)> = c.fetch_optional(Sql::new("SELECT accept_days, answer_days, confirm_days, public_list FROM problem_rules WHERE id = 1")).await?;
    Ok(r.map(|(a, b, d, p)| Rules { accept_days: a as u32, answer_days: b as u32, confirm_days: d as u32, public_list: p }).unwrap_or_default())
}

pub async fn set_rules(c: &mut Conn, scope: &Scope, r: Rules) -> Result<(), StoreError> {
    office_only(scope)?;
    let before = rules(c).await?;
    c.execute(
        Sql::new(
            "INSERT INTO problem_rules (id, accept_days, answer_days, confirm_days, public_list) VALUES (1, $1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET accept_days = $1, answer_days = $2, confirm_days = $3, public_list = $4",
        )
        .bind(i64::from(r.accept_days))
        .bind(i64::from(r.answer_days))
        .bind(i64::from(r.confirm_days))
        .bind(r.public_list),
    )
    .await?;
    audit::append(c, scope, "problem.rules", "problem_rules", 1, audit::snapshot(&before), audit::snapshot(&r)).await?;
    Ok(())
}

use crate::scope::office_only;

// ---- raising and routing ---------------------------------------------------------------------

/// The unit responsible for a problem about a window (the unit above it) or a unit (itself);
/// None for the campus (the office sorts it out). Refuses a target of the wrong kind.
pub async fn responsible_unit(c: &mut Conn, about: About, target: Option<i64>) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let Some(t) = target.filter(|_| about != About::Campus) else {
        return Ok((None, None));
    };
    let node =
        tree::get(c, Tree::Unit, t).await?.filter(|n| n.closed_on.is_none()).ok_or_else(|| StoreError::invalid("target", "所选窗口或单位不存在", "No such window or unit"))?;
    let kind = UnitKind::parse(&node.kind);
    match about {
        About::Window if kind == Some(UnitKind::Window) => Ok((Some(t), node.parent_id)),
        About::Window => Err(StoreError::invalid("target", "请选择一个服务窗口", "Choose a service window")),
        About::Unit if matches!(kind, Some(UnitKind::Class | UnitKind::School)) || kind.is_none() => {
            Err(StoreError::invalid("target", "请选择学院、机关处室、直属单位、系或科室", "Choose a college, office, directly attached unit, department or section"))
        }
        About::Unit if kind == Some(UnitKind::Window) => Ok((Some(t), node.parent_id)),
        _ => Ok((Some(t), Some(t))),
    }
}

/// A photo to keep with a problem (already checked by content and stripped of its metadata).
pub struct Photo {
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Raises a problem for the caller's person; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn raise(
    c: &mut Conn,
    scope: &Scope,
    r: &Raised,
    target: Option<i64>,
    visit: Option<(i64, Option<i64>)>,
    photos: Vec<Photo>,
    today: Date,
    calendar: &Calendar,
) -> Result<i64, StoreError> {
    let mut person = scope.person.ok_or_else(|| StoreError::forbidden("此账号没有对应的人员，不能提出问题", "This account is not a person's and cannot raise a problem"))?;
    // A problem raised in a visit names the visit, which must be the caller's own, and may be
    // raised for a student of the visited class, who then follows and confirms it.
    if let Some((v, student)) = visit {
        if !crate::liaison::is_own(c, scope, v).await? {
            return Err(StoreError::NotFound);
        }
        if let Some(s) = student {
            if !crate::liaison::in_visited_class(c, v, s).await? {
                return Err(StoreError::NotFound);
            }
            person = pacesetter_domain::ids::PersonId(s);
        }
    }
    let visit = visit.map(|v| v.0);
    let (about_unit, unit) = responsible_unit(c, r.about, target).await?;
    let rules = rules(c).await?;
    let due = pb::due(calendar, today, rules.accept_days);
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO problems (raiser_id, unnamed, about, about_unit_id, category, body, unit_id, state, raised_on, step_on, due_on, escalation, reopened, published, visit_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $8, $9, 0, 0, FALSE, $10) RETURNING id",
            )
            .bind(person)
            .bind(r.unnamed)
            .bind(r.about.code())
            .bind(about_unit)
            .bind(r.category.as_str())
            .bind(r.body.as_str())
            .bind(unit)
            .bind(today)
            .bind(due)
            .bind(visit),
        )
        .await?;
    event(c, id, "raised", today, None, unit, None).await?;
    for p in photos {
        c.execute(Sql::new("INSERT INTO problem_photos (problem_id, content_type, data) VALUES ($1, $2, $3)").bind(id).bind(p.content_type).bind(p.data)).await?;
    }
    // The audit entry names the action, never the words or whether the raiser asked to stay
    // unnamed beside their name.
    audit::append(c, scope, "problem.raise", "problem", id, None, audit::snapshot(&serde_json::json!({"about": r.about.code(), "category": r.category, "unit_id": unit}))).await?;
    Ok(id)
}

async fn event(c: &mut Conn, problem: i64, kind: &str, on: Date, actor: Option<i64>, unit: Option<i64>, note: Option<&str>) -> Result<(), StoreError> {
    c.execute(
        Sql::new("INSERT INTO problem_events (problem_id, kind, on_day, actor_id, unit_id, note) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(problem)
            .bind(kind)
            .bind(on)
            .bind(actor)
            .bind(unit)
            .bind(note),
    )
    .await?;
    Ok(())
}

/// A step of a problem's history. The raiser's own steps name no one.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub on_day: Date,
    pub actor_name: Option<String>,
    pub unit_name: Option<String>,
    pub note: Option<String>,
}

pub async fn events(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<EventRow>, StoreError> {
    get(c, scope, id).await?;
    Ok(c.fetch_all(
        Sql::new(
            "SELECT e.id, e.kind, e.on_day, p.name AS actor_name, u.name AS unit_name, e.note FROM problem_events e LEFT JOIN people p ON p.id = e.actor_id \
             LEFT JOIN units u ON u.id = e.unit_id WHERE e.problem_id = $1 ORDER BY e.id",
        )
        .bind(id),
    )
    .await?)
}

/// The ids of a problem's photos.
pub async fn photo_ids(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<i64>, StoreError> {
    get(c, scope, id).await?;
    let rows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM problem_photos WHERE problem_id = $1 ORDER BY id").bind(id)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A photo of a problem the caller may read: its content type and bytes.
pub async fn photo(c: &mut Conn, scope: &Scope, photo: i64) -> Result<(String, Vec<u8>), StoreError> {
    let r: Option<(i64, String, Vec<u8>)> = c.fetch_optional(Sql::new("SELECT problem_id, content_type, data FROM problem_photos WHERE id = $1").bind(photo)).await?;
    let (problem, ct, data) = r.ok_or(StoreError::NotFound)?;
    get(c, scope, problem).await?;
    Ok((ct, data))
}

fn may_act(v: Viewer) -> Result<(), StoreError> {
    match v {
        Viewer::Office | Viewer::Unit => Ok(()),
        _ => Err(StoreError::forbidden("只有问题所在单位或创先办可以办理", "Only the unit the problem is routed to, or the office, handles it")),
    }
}

fn expect(r: &ProblemRow, s: State) -> Result<(), StoreError> {
    if r.state() == s {
        Ok(())
    } else {
        Err(StoreError::conflict(format!("该问题当前为“{}”，不能这样办理", r.state().label().zh), format!("The problem is \"{}\" and cannot take this step", r.state().label().en)))
    }
}

/// Moves a problem to a state, guarded by the state it was in; sets the new step's day and limit.
async fn step(c: &mut Conn, id: i64, from: State, to: State, today: Date, due: Option<Date>) -> Result<(), StoreError> {
    let n = c
        .execute(
            Sql::new("UPDATE problems SET state = $1, step_on = $2, due_on = $3, escalation = 0 WHERE id = $4 AND state = $5")
                .bind(to.code())
                .bind(today)
                .bind(due)
                .bind(id)
                .bind(from.code()),
        )
        .await?;
    StoreError::unless_changed(n, "该问题刚被他人办理，请刷新后再试", "Someone else just acted on this problem; reload and try again")
}

/// The office routes a received problem to a unit (from its triage, or elsewhere).
pub async fn route(c: &mut Conn, scope: &Scope, id: i64, unit: i64, today: Date, calendar: &Calendar) -> Result<ProblemRow, StoreError> {
    let (r, _) = get(c, scope, id).await?;
    office_only(scope)?;
    expect(&r, State::Received)?;
    let (_, unit) = responsible_unit(c, About::Unit, Some(unit)).await?;
    let rules = rules(c).await?;
    let n = c
        .execute(
            Sql::new("UPDATE problems SET unit_id = $1, step_on = $2, due_on = $3, escalation = 0 WHERE id = $4 AND state = 'received'")
                .bind(unit)
                .bind(today)
                .bind(pb::due(calendar, today, rules.accept_days))
                .bind(id),
        )
        .await?;
    StoreError::unless_changed(n, "该问题刚被他人办理，请刷新后再试", "Someone else just acted on this problem; reload and try again")?;
    event(c, id, "routed", today, scope.person.map(|p| p.0), unit, None).await?;
    audit::append(c, scope, "problem.route", "problem", id, audit::snapshot(&serde_json::json!({"unit_id": r.unit_id})), audit::snapshot(&serde_json::json!({"unit_id": unit})))
        .await?;
    row(c, id).await
}

/// Whether a person is a current member of the unit's subtree (the staff a problem may be
/// assigned to).
async fn works_in(c: &mut Conn, person: i64, unit_path: &str) -> Result<bool, StoreError> {
    let mut q = Sql::new(format!("SELECT COUNT(*) {STAFF_OF} AND p.id = $2"));
    q.args = vec![format!("{unit_path}%").into(), person.into()];
    Ok(c.fetch_i64(q).await? > 0)
}

/// The staff of a unit's subtree, who may be assigned its problems: current members of it, staff
/// (not students), who have not left. `$1` is the subtree's path pattern.
const STAFF_OF: &str = "FROM unit_memberships m JOIN units u ON u.id = m.unit_id JOIN people p ON p.id = m.person_id \
     WHERE m.end_date IS NULL AND p.left_on IS NULL AND p.kind = 'staff' AND u.path LIKE $1";

/// The unit accepts a received problem and assigns it to one of its people (the caller, when
/// none is named).
pub async fn accept(c: &mut Conn, scope: &Scope, id: i64, assignee: Option<i64>, today: Date, calendar: &Calendar) -> Result<ProblemRow, StoreError> {
    let (r, v) = get(c, scope, id).await?;
    may_act(v)?;
    expect(&r, State::Received)?;
    let Some(path) = r.unit_path.clone() else {
        return Err(StoreError::conflict("该问题尚未分派到单位，请先分派", "The problem is not yet routed to a unit: route it first"));
    };
    let assignee = assignee.or(scope.person.map(|p| p.0)).ok_or_else(|| StoreError::invalid("assignee", "请选择承办人", "Choose who handles it"))?;
    // The assignee is the second record the write names: they must work in the unit.
    let self_for_unit = scope.person.is_some_and(|p| p.0 == assignee) && v == Viewer::Unit;
    if !self_for_unit && !works_in(c, assignee, &path).await? {
        return Err(StoreError::forbidden("承办人须是本单位在职人员", "The person who handles it must work in the unit"));
    }
    let rules = rules(c).await?;
    step(c, id, State::Received, State::Assigned, today, Some(pb::due(calendar, today, rules.answer_days))).await?;
    c.execute(Sql::new("UPDATE problems SET assignee_id = $1 WHERE id = $2").bind(assignee).bind(id)).await?;
    event(c, id, "assigned", today, scope.person.map(|p| p.0), r.unit_id, None).await?;
    audit::append(c, scope, "problem.accept", "problem", id, None, audit::snapshot(&serde_json::json!({"assignee_id": assignee}))).await?;
    row(c, id).await
}

/// The unit answers: its reply and the measures taken.
pub async fn answer(c: &mut Conn, scope: &Scope, id: i64, reply: &str, measures: &str, today: Date, calendar: &Calendar) -> Result<ProblemRow, StoreError> {
    let (r, v) = get(c, scope, id).await?;
    may_act(v)?;
    expect(&r, State::Assigned)?;
    let rules = rules(c).await?;
    step(c, id, State::Assigned, State::Answered, today, Some(pb::due(calendar, today, rules.confirm_days))).await?;
    c.execute(Sql::new("UPDATE problems SET reply = $1, measures = $2 WHERE id = $3").bind(reply).bind(measures).bind(id)).await?;
    let note = format!("{reply}\n\n{measures}");
    event(c, id, "answered", today, scope.person.map(|p| p.0), r.unit_id, Some(&note)).await?;
    audit::append(c, scope, "problem.answer", "problem", id, None, None).await?;
    row(c, id).await
}

/// The unit one level above (None: the office's triage, above every top-level unit).
async fn level_up(c: &mut Conn, unit: Option<i64>) -> Result<Option<i64>, StoreError> {
    let Some(u) = unit else { return Ok(None) };
    let Some(parent) = tree::get(c, Tree::Unit, u).await?.and_then(|n| n.parent_id) else { return Ok(None) };
    let p = tree::get(c, Tree::Unit, parent).await?;
    Ok(p.filter(|p| p.parent_id.is_some() && p.closed_on.is_none()).map(|p| p.id))
}

/// The raiser confirms an answer: satisfied closes it; not satisfied reopens it one level up.
pub async fn confirm(c: &mut Conn, scope: &Scope, id: i64, satisfied: bool, comment: Option<&str>, today: Date, calendar: &Calendar) -> Result<ProblemRow, StoreError> {
    let (r, v) = get(c, scope, id).await?;
    if v != Viewer::Raiser {
        return Err(StoreError::forbidden("只有提出人可以确认", "Only the person who raised it confirms"));
    }
    expect(&r, State::Answered)?;
    if satisfied {
        step(c, id, State::Answered, State::Satisfied, today, None).await?;
        c.execute(Sql::new("UPDATE problems SET closed_on = $1 WHERE id = $2").bind(today).bind(id)).await?;
        event(c, id, "satisfied", today, None, r.unit_id, comment).await?;
    } else {
        let up = level_up(c, r.unit_id).await?;
        let rules = rules(c).await?;
        step(c, id, State::Answered, State::Received, today, Some(pb::due(calendar, today, rules.accept_days))).await?;
        c.execute(Sql::new("UPDATE problems SET unit_id = $1, assignee_id = NULL, reopened = reopened + 1 WHERE id = $2").bind(up).bind(id)).await?;
        event(c, id, "unsatisfied", today, None, r.unit_id, comment).await?;
        event(c, id, "reopened", today, None, up, None).await?;
    }
    audit::append(c, scope, if satisfied { "problem.satisfied" } else { "problem.unsatisfied" }, "problem", id, None, None).await?;
    row(c, id).await
}

/// What the deadline tick changed: a problem and who must now hear of it.
#[derive(Clone, Debug)]
pub struct Ticked {
    pub row: ProblemRow,
    /// Escalated to the head or the office, or closed as unconfirmed (None).
    pub escalation: Option<Escalation>,
}

/// The deadline tick: an answer past its confirmation limit closes as unconfirmed; any other
/// step past its limit escalates to the unit's head and then to the office (each once).
pub async fn tick(c: &mut Conn, today: Date, calendar: &Calendar) -> Result<Vec<Ticked>, StoreError> {
    let rules = rules(c).await?;
    let mut q = Sql::new(SELECT);
    q.push(" WHERE p.state IN ('received', 'assigned', 'answered') AND p.due_on < ").push_bind(today).push(" ORDER BY p.id");
    let rows: Vec<ProblemRow> = c.fetch_all(q).await?;
    let mut out = Vec::new();
    for r in rows {
        let state = r.state();
        let Some(due) = r.due_on else { continue };
        // Each change names the step and its limit as read: a step taken meanwhile (an answer
        // confirmed, a problem accepted) is left alone rather than failing the whole tick.
        if state == State::Answered {
            let n = c
                .execute(
                    Sql::new("UPDATE problems SET state = 'unconfirmed', step_on = $1, due_on = NULL, escalation = 0, closed_on = $1 WHERE id = $2 AND state = 'answered' AND due_on = $3")
                        .bind(today)
                        .bind(r.id)
                        .bind(due),
                )
                .await?;
            if n == 1 {
                event(c, r.id, "unconfirmed", today, None, r.unit_id, None).await?;
                out.push(Ticked { row: row(c, r.id).await?, escalation: None });
            }
            continue;
        }
        let limit = state.limit(&rules).unwrap_or(1);
        let mut level = pb::escalation(calendar, due, limit, today);
        // Nobody heads the office's triage: it goes straight to the office.
        if r.unit_id.is_none() && level == Escalation::Head {
            level = Escalation::Office;
        }
        if (level as i64) > r.escalation {
            let n = c
                .execute(
                    Sql::new("UPDATE problems SET escalation = $1 WHERE id = $2 AND state = $3 AND due_on = $4 AND escalation < $1")
                        .bind(level as i64)
                        .bind(r.id)
                        .bind(state.code())
                        .bind(due),
                )
                .await?;
            if n == 1 {
                event(c, r.id, if level == Escalation::Head { "escalated_head" } else { "escalated_office" }, today, None, r.unit_id, None).await?;
                out.push(Ticked { row: row(c, r.id).await?, escalation: Some(level) });
            }
        }
    }
    Ok(out)
}

/// Unnamed problems waiting to be accepted whose step began before `today`, per unit (None: the
/// office's triage): the unit hears of these in a daily notice, never at the minute they were
/// raised or reopened, which could tell who raised them.
pub async fn waiting_unnamed(c: &mut Conn, today: Date) -> Result<Vec<(Option<i64>, i64)>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT unit_id, COUNT(*) FROM problems WHERE state = 'received' AND unnamed = TRUE AND step_on < $1 GROUP BY unit_id ORDER BY unit_id").bind(today))
        .await?)
}

// ---- lists -----------------------------------------------------------------------------------

/// Which problems a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only the caller's own.
    pub mine: bool,
    pub state: Option<State>,
    /// Open ones only.
    pub open: bool,
    /// Only those past their limit.
    pub overdue: bool,
    pub unit: Option<i64>,
    /// Only the office's triage (routed to no unit).
    pub triage: bool,
    pub group: Option<i64>,
    /// Raised in this visit (a row whose visit the viewer may not know comes back without it).
    pub visit: Option<i64>,
}

/// The condition for the problems a caller reads (joined as `p`, its unit as `u`).
fn push_visible(q: &mut Sql, scope: &Scope, mine: bool) {
    if mine {
        q.push("p.raiser_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(0));
        return;
    }
    if scope.global().is_some() {
        q.push("1 = 1");
        return;
    }
    q.push("(p.raiser_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(0));
    q.push(" OR p.assignee_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(-1));
    q.push(" OR p.visit_id IN (SELECT v.id FROM visits v WHERE v.cadre_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(-1)).push(")");
    for path in scope.unit_paths_acted_on() {
        q.push(" OR u.path LIKE ").push_bind(format!("{path}%"));
    }
    q.push(")");
}

/// `(SELECT p.id …)`: the problems the caller may read.
pub(crate) fn push_readable_ids(q: &mut Sql, scope: &Scope) {
    q.push("(SELECT p.id FROM problems p LEFT JOIN units u ON u.id = p.unit_id WHERE ");
    push_visible(q, scope, false);
    q.push(")");
}

/// The problems the caller may read under a filter, newest first, each as they may see it;
/// and how many there are.
pub async fn list(c: &mut Conn, scope: &Scope, f: &Filter, today: Date, offset: i64, limit: i64) -> Result<(Vec<ProblemRow>, i64), StoreError> {
    let mut cond = Sql::new(" WHERE ");
    push_visible(&mut cond, scope, f.mine);
    if let Some(s) = f.state {
        cond.push(" AND p.state = ").push_bind(s.code());
    }
    if f.open {
        cond.push(" AND p.state IN ('received', 'assigned', 'answered')");
    }
    if f.overdue {
        cond.push(" AND p.state IN ('received', 'assigned', 'answered') AND p.due_on < ").push_bind(today);
    }
    if let Some(u) = f.unit {
        let path = tree::get(c, Tree::Unit, u).await?.map(|n| n.path).unwrap_or_else(|| "-".into());
        cond.push(" AND u.path LIKE ").push_bind(format!("{path}%"));
    }
    if f.triage {
        cond.push(" AND p.unit_id IS NULL");
    }
    if let Some(g) = f.group {
        cond.push(" AND p.group_id = ").push_bind(g);
    }
    if let Some(v) = f.visit {
        cond.push(" AND p.visit_id = ").push_bind(v);
    }
    let mut count = Sql::new("SELECT COUNT(*) FROM problems p LEFT JOIN units u ON u.id = p.unit_id");
    count.push(&cond.text);
    count.args = cond.args.clone();
    let total = c.fetch_i64(count).await?;
    let mut q = Sql::new(SELECT);
    q.push(&cond.text);
    q.args = cond.args;
    q.push(" ORDER BY p.id DESC LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    let rows: Vec<ProblemRow> = c.fetch_all(q).await?;
    Ok((rows.into_iter().filter_map(|r| viewer(scope, &r).map(|v| mask(r, v))).collect(), total))
}

/// Counts per unit for the dashboards: raised, open, overdue, satisfied, not satisfied (answers
/// the raiser turned down), closed unconfirmed. Units the caller may read only.
#[derive(Clone, Debug, Default, Serialize)]
pub struct UnitCounts {
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub raised: i64,
    pub open: i64,
    pub overdue: i64,
    pub satisfied: i64,
    pub unsatisfied: i64,
    pub unconfirmed: i64,
}

pub async fn counts_by_unit(c: &mut Conn, scope: &Scope, today: Date) -> Result<Vec<UnitCounts>, StoreError> {
    let mut q = Sql::new(
        "SELECT p.unit_id, COALESCE(u.name, ''), COALESCE(u.path, ''), COUNT(*), \
         SUM(CASE WHEN p.state IN ('received', 'assigned', 'answered') THEN 1 ELSE 0 END), \
         SUM(CASE WHEN p.state IN ('received', 'assigned', 'answered') AND p.due_on < $1 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN p.state = 'unconfirmed' THEN 1 ELSE 0 END) \
         FROM problems p LEFT JOIN units u ON u.id = p.unit_id WHERE ",
    )
    .bind(today);
    push_visible(&mut q, scope, false);
    q.push(" GROUP BY p.unit_id, u.name, u.path ORDER BY COUNT(*) DESC");
    type Line = (Option<i64>, String, String, i64, i64, i64, i64);
    let rows: Vec<Line> = c.fetch_all(q).await?;
    let confirmations = confirmations(c).await?;
    Ok(rows
        .into_iter()
        .map(|(unit_id, unit_name, path, raised, open, overdue, unconfirmed)| {
            // A unit's confirmations are its own and the office's to read (the public sees rates
            // from 5 up): not a raiser's, who reads this for their own problems.
            let theirs = scope.global().is_some() || (!path.is_empty() && scope.acts_on_unit(&path));
            let (satisfied, unsatisfied) = unit_id.filter(|_| theirs).and_then(|u| confirmations.iter().find(|x| x.0 == u)).map(|x| (x.2, x.3)).unwrap_or_default();
            UnitCounts { unit_id, unit_name, raised, open, overdue, satisfied, unsatisfied, unconfirmed }
        })
        .collect())
}

/// The raisers' confirmations per unit that answered: (unit, name, satisfied, not satisfied).
pub async fn confirmations(c: &mut Conn) -> Result<Vec<(i64, String, i64, i64)>, StoreError> {
    Ok(c.fetch_all(Sql::new(
        "SELECT e.unit_id, u.name, SUM(CASE WHEN e.kind = 'satisfied' THEN 1 ELSE 0 END), SUM(CASE WHEN e.kind = 'unsatisfied' THEN 1 ELSE 0 END) \
         FROM problem_events e JOIN units u ON u.id = e.unit_id WHERE e.kind IN ('satisfied', 'unsatisfied') GROUP BY e.unit_id, u.name ORDER BY u.name",
    ))
    .await?)
}

// ---- the public list -------------------------------------------------------------------------

/// The office publishes a closed problem on the public list with its own summary of what was
/// raised (never the raiser's words) and of what was done.
pub async fn publish(c: &mut Conn, scope: &Scope, id: i64, summary: &str, done: &str) -> Result<ProblemRow, StoreError> {
    let (r, _) = get(c, scope, id).await?;
    office_only(scope)?;
    if r.state().is_open() {
        return Err(StoreError::conflict("问题办结后才能公开", "A problem is published once it is closed"));
    }
    c.execute(Sql::new("UPDATE problems SET public_summary = $1, public_done = $2, published = TRUE WHERE id = $3").bind(summary).bind(done).bind(id)).await?;
    audit::append(c, scope, "problem.publish", "problem", id, None, audit::snapshot(&serde_json::json!({"summary": summary, "done": done}))).await?;
    row(c, id).await
}

pub async fn unpublish(c: &mut Conn, scope: &Scope, id: i64) -> Result<ProblemRow, StoreError> {
    get(c, scope, id).await?;
    office_only(scope)?;
    c.execute(Sql::new("UPDATE problems SET published = FALSE WHERE id = $1").bind(id)).await?;
    audit::append(c, scope, "problem.unpublish", "problem", id, None, None).await?;
    row(c, id).await
}

/// A line of the public list: no names, no raiser's words.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct PublicRow {
    pub id: i64,
    pub category: String,
    pub unit_name: String,
    pub summary: String,
    pub done: String,
    pub closed_on: Option<Date>,
}

pub async fn public_list(c: &mut Conn, offset: i64, limit: i64) -> Result<(Vec<PublicRow>, i64), StoreError> {
    let total = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM problems WHERE published = TRUE")).await?;
    let rows = c
        .fetch_all(
            Sql::new(
                "SELECT p.id, p.category, COALESCE(u.name, '') AS unit_name, COALESCE(p.public_summary, '') AS summary, COALESCE(p.public_done, '') AS done, p.closed_on \
                 FROM problems p LEFT JOIN units u ON u.id = p.unit_id WHERE p.published = TRUE ORDER BY p.closed_on DESC, p.id DESC LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset),
        )
        .await?;
    Ok((rows, total))
}

// ---- groups of similar reports ---------------------------------------------------------------

#[derive(Clone, Debug, Serialize)]
pub struct GroupRow {
    pub id: i64,
    pub title: String,
    pub pinned: bool,
    pub problems: i64,
    /// Distinct people who raised the group's problems (what the groups are ranked by).
    pub raisers: i64,
    pub open: i64,
    /// A few of its texts, the most representative first (closest to the group's centroid when it
    /// was grouped).
    pub samples: Vec<(i64, String)>,
    pub handed_to: Option<String>,
    pub handed_note: Option<String>,
    pub handed_on: Option<Date>,
}

/// Regroups the problems not in a group the office made by hand: the automatic groups are made
/// again from the texts (those handed down are kept). Returns how many groups there are.
pub async fn regroup(c: &mut Conn, scope: &Scope, threshold: f32) -> Result<usize, StoreError> {
    office_only(scope)?;
    c.execute(Sql::new("UPDATE problems SET group_id = NULL WHERE group_id IN (SELECT id FROM problem_groups WHERE pinned = FALSE AND handed_to_unit_id IS NULL)")).await?;
    c.execute(Sql::new(
        "DELETE FROM problem_groups WHERE pinned = FALSE AND handed_to_unit_id IS NULL AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.group_id = problem_groups.id)",
    ))
    .await?;
    let rows: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT id, body FROM problems WHERE group_id IS NULL ORDER BY id")).await?;
    let texts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let groups = pacesetter_domain::similar::group(&texts, threshold);
    let mut made = 0;
    for g in groups.iter().filter(|g| g.members.len() >= 2) {
        let title: String = rows[g.members[0]].1.chars().take(40).collect();
        let gid = c.fetch_i64(Sql::new("INSERT INTO problem_groups (title, pinned) VALUES ($1, FALSE) RETURNING id").bind(title)).await?;
        // Members come closest to the centroid first: their rank orders the group's samples.
        // In chunks, each one statement: `group_rank = CASE id WHEN .. THEN .. END`.
        let ranked: Vec<(usize, i64)> = g.members.iter().enumerate().map(|(rank, m)| (rank, rows[*m].0)).collect();
        for chunk in ranked.chunks(400) {
            let mut q = Sql::new("UPDATE problems SET group_id = ");
            q.push_bind(gid).push(", group_rank = CASE id");
            for (rank, id) in chunk {
                q.push(" WHEN ").push_bind(*id).push(" THEN ").push_bind(*rank as i64);
            }
            q.push(" END WHERE id IN (");
            for (i, (_, id)) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push_bind(*id);
            }
            q.push(")");
            c.execute(q).await?;
        }
        made += 1;
    }
    audit::append(c, scope, "problem.regroup", "problem_groups", 0, None, audit::snapshot(&serde_json::json!({"groups": made, "texts": rows.len()}))).await?;
    Ok(made)
}

/// The groups, ranked by distinct raisers.
pub async fn groups(c: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<GroupRow>, StoreError> {
    group_rows(c, scope, None, limit).await
}

pub async fn group(c: &mut Conn, scope: &Scope, id: i64) -> Result<GroupRow, StoreError> {
    group_rows(c, scope, Some(id), 1).await?.into_iter().next().ok_or(StoreError::NotFound)
}

/// The groups (or one), ranked, each with its three most representative texts: two queries
/// whatever the number of groups.
async fn group_rows(c: &mut Conn, scope: &Scope, only: Option<i64>, limit: i64) -> Result<Vec<GroupRow>, StoreError> {
    office_only(scope)?;
    type Line = (i64, String, bool, i64, i64, i64, Option<String>, Option<String>, Option<Date>);
    let mut q = Sql::new(
        "SELECT g.id, g.title, g.pinned, COUNT(p.id), COUNT(DISTINCT p.raiser_id), SUM(CASE WHEN p.state IN ('received', 'assigned', 'answered') THEN 1 ELSE 0 END), \
         u.name, g.handed_note, g.handed_on FROM problem_groups g JOIN problems p ON p.group_id = g.id LEFT JOIN units u ON u.id = g.handed_to_unit_id WHERE 1 = 1",
    );
    if let Some(id) = only {
        q.push(" AND g.id = ").push_bind(id);
    }
    q.push(" GROUP BY g.id, g.title, g.pinned, u.name, g.handed_note, g.handed_on ORDER BY COUNT(DISTINCT p.raiser_id) DESC, COUNT(p.id) DESC, g.id LIMIT ").push_bind(limit);
    let rows: Vec<Line> = c.fetch_all(q).await?;
    let mut s = Sql::new(
        "SELECT group_id, id, body FROM (SELECT group_id, id, body, ROW_NUMBER() OVER (PARTITION BY group_id ORDER BY COALESCE(group_rank, 1000000), id) AS rn \
         FROM problems WHERE group_id IS NOT NULL",
    );
    if let Some(id) = only {
        s.push(" AND group_id = ").push_bind(id);
    }
    s.push(") x WHERE rn <= 3 ORDER BY group_id, rn");
    let samples: Vec<(i64, i64, String)> = c.fetch_all(s).await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, pinned, problems, raisers, open, handed_to, handed_note, handed_on)| {
            let samples = samples.iter().filter(|x| x.0 == id).map(|x| (x.1, x.2.clone())).collect();
            GroupRow { id, title, pinned, problems, raisers, open, samples, handed_to, handed_note, handed_on }
        })
        .collect())
}

async fn group_exists(c: &mut Conn, id: i64) -> Result<(), StoreError> {
    if c.fetch_i64(Sql::new("SELECT COUNT(*) FROM problem_groups WHERE id = $1").bind(id)).await? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Merges group `from` into `into` (both kept by hand from then on).
pub async fn merge(c: &mut Conn, scope: &Scope, into: i64, from: i64) -> Result<(), StoreError> {
    office_only(scope)?;
    group_exists(c, into).await?;
    group_exists(c, from).await?;
    if into == from {
        return Err(StoreError::invalid("from", "不能与自身合并", "A group cannot merge with itself"));
    }
    c.execute(Sql::new("UPDATE problems SET group_id = $1 WHERE group_id = $2").bind(into).bind(from)).await?;
    c.execute(Sql::new("DELETE FROM problem_groups WHERE id = $1").bind(from)).await?;
    c.execute(Sql::new("UPDATE problem_groups SET pinned = TRUE WHERE id = $1").bind(into)).await?;
    audit::append(c, scope, "problem.group_merge", "problem_groups", into, None, audit::snapshot(&serde_json::json!({"merged": from}))).await?;
    Ok(())
}

/// Splits problems out of their group into a new group of their own; returns its id.
pub async fn split(c: &mut Conn, scope: &Scope, group: i64, problems: &[i64]) -> Result<i64, StoreError> {
    office_only(scope)?;
    group_exists(c, group).await?;
    if problems.is_empty() {
        return Err(StoreError::invalid("problems", "请选择要拆出的问题", "Choose the problems to split off"));
    }
    let title: Option<String> = c.fetch_opt_string(Sql::new("SELECT body FROM problems WHERE id = $1 AND group_id = $2").bind(problems[0]).bind(group)).await?;
    let title = title.ok_or_else(|| StoreError::invalid("problems", "所选问题不在此组中", "The chosen problems are not in this group"))?;
    let new = c.fetch_i64(Sql::new("INSERT INTO problem_groups (title, pinned) VALUES ($1, TRUE) RETURNING id").bind(title.chars().take(40).collect::<String>())).await?;
    for p in problems {
        let n = c.execute(Sql::new("UPDATE problems SET group_id = $1 WHERE id = $2 AND group_id = $3").bind(new).bind(*p).bind(group)).await?;
        if n == 0 {
            return Err(StoreError::invalid("problems", "所选问题不在此组中", "The chosen problems are not in this group"));
        }
    }
    c.execute(Sql::new("UPDATE problem_groups SET pinned = TRUE WHERE id = $1").bind(group)).await?;
    audit::append(c, scope, "problem.group_split", "problem_groups", group, None, audit::snapshot(&serde_json::json!({"new_group": new, "problems": problems}))).await?;
    Ok(new)
}

pub async fn rename_group(c: &mut Conn, scope: &Scope, group: i64, title: &str) -> Result<(), StoreError> {
    office_only(scope)?;
    group_exists(c, group).await?;
    c.execute(Sql::new("UPDATE problem_groups SET title = $1, pinned = TRUE WHERE id = $2").bind(title).bind(group)).await?;
    audit::append(c, scope, "problem.group_rename", "problem_groups", group, None, audit::snapshot(&serde_json::json!({"title": title}))).await?;
    Ok(())
}

/// Hands a group down to a unit: its received problems not yet with a unit go to it, and the
/// group records to whom, with the office's note. Returns the problems routed.
pub async fn hand_down(c: &mut Conn, scope: &Scope, group: i64, unit: i64, note: &str, today: Date, calendar: &Calendar) -> Result<Vec<i64>, StoreError> {
    office_only(scope)?;
    group_exists(c, group).await?;
    let (_, unit) = responsible_unit(c, About::Unit, Some(unit)).await?;
    let unit = unit.ok_or(StoreError::NotFound)?;
    c.execute(
        Sql::new("UPDATE problem_groups SET handed_to_unit_id = $1, handed_note = $2, handed_on = $3, pinned = TRUE WHERE id = $4").bind(unit).bind(note).bind(today).bind(group),
    )
    .await?;
    let ids: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM problems WHERE group_id = $1 AND state = 'received' AND unit_id IS NULL ORDER BY id").bind(group)).await?;
    let due = pb::due(calendar, today, rules(c).await?.accept_days);
    let mut routed = Vec::new();
    for (id,) in &ids {
        // As the office's own routing does: only a problem still waiting in its triage.
        let n = c
            .execute(
                Sql::new("UPDATE problems SET unit_id = $1, step_on = $2, due_on = $3, escalation = 0 WHERE id = $4 AND state = 'received' AND unit_id IS NULL")
                    .bind(unit)
                    .bind(today)
                    .bind(due)
                    .bind(*id),
            )
            .await?;
        if n == 1 {
            event(c, *id, "routed", today, scope.person.map(|p| p.0), Some(unit), Some(note)).await?;
            routed.push(*id);
        }
    }
    audit::append(c, scope, "problem.group_hand_down", "problem_groups", group, None, audit::snapshot(&serde_json::json!({"unit_id": unit, "note": note, "routed": routed.len()})))
        .await?;
    Ok(routed)
}

/// Accounts to tell of a problem's step: (account, e-mail). The raiser; the heads of its unit;
/// the office.
pub async fn raiser_accounts(c: &mut Conn, problem: i64) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new("SELECT a.id, r.email FROM problems p JOIN people r ON r.id = p.raiser_id JOIN accounts a ON a.person_id = r.id WHERE p.id = $1 AND a.disabled = FALSE")
            .bind(problem),
    )
    .await?)
}

pub async fn head_accounts(c: &mut Conn, unit: i64) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT a.id, p.email FROM relations r JOIN accounts a ON a.person_id = r.person_id JOIN people p ON p.id = r.person_id \
             WHERE r.kind = 'unit_head' AND r.end_date IS NULL AND r.unit_id = $1 AND a.disabled = FALSE",
        )
        .bind(unit),
    )
    .await?)
}

pub async fn person_accounts(c: &mut Conn, person: i64) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT a.id, p.email FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.person_id = $1 AND a.disabled = FALSE").bind(person)).await?)
}

pub async fn office_accounts(c: &mut Conn, today: Date) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT DISTINCT a.id, p.email FROM role_grants g JOIN accounts a ON a.id = g.account_id LEFT JOIN people p ON p.id = a.person_id \
             WHERE g.role = 'office' AND a.disabled = FALSE AND g.start_date <= $1 AND (g.end_date IS NULL OR g.end_date >= $1)",
        )
        .bind(today),
    )
    .await?)
}

/// The people working in a unit's subtree, for the assignee choice: (id, name, number).
pub async fn staff_of(c: &mut Conn, unit: i64, limit: i64) -> Result<Vec<(i64, String, String)>, StoreError> {
    let Some(path) = tree::get(c, Tree::Unit, unit).await?.map(|n| n.path) else { return Ok(Vec::new()) };
    Ok(c.fetch_all(Sql::new(format!("SELECT DISTINCT p.id, p.name, p.number {STAFF_OF} ORDER BY p.name, p.id LIMIT $2")).bind(format!("{path}%")).bind(limit)).await?)
}

/// The demo's problems as of its day: sample reports raised over the past weeks by students
/// (three by the demo's student account), about the campus or a window, at every step: waiting,
/// being handled, answered, confirmed, not confirmed in time; a few unnamed, a few published;
/// then grouped. Returns how many were raised.
pub async fn demo(c: &mut Conn, day: Date, calendar: &Calendar, n: usize) -> Result<usize, StoreError> {
    let students: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM people WHERE kind = 'student' AND left_on IS NULL ORDER BY id LIMIT 400")).await?;
    let mine = c.fetch_opt_i64(Sql::new("SELECT person_id FROM accounts WHERE username = 'student'")).await?;
    let windows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM units WHERE kind = 'window' AND closed_on IS NULL ORDER BY id")).await?;
    if students.is_empty() {
        return Ok(0);
    }
    // The office acts for the units in the demo (a university-wide role does not act as a unit).
    let system = Scope { roles: vec![Role::Office], ..Scope::system("demo-loader") };
    let reports = pacesetter_domain::similar::sample_reports(n, 2012);
    let categories = ["library", "canteen", "dormitory", "network", "service", "safety", "other", "finance", "teaching", "other", "service", "service"];
    let mut rng = pacesetter_domain::rng::DemoRng::new(19);
    for (i, (topic, text)) in reports.iter().enumerate() {
        let raiser = match (i, mine) {
            (0..=2, Some(p)) => p,
            _ => students[rng.below(students.len())].0,
        };
        let scope = Scope { person: Some(pacesetter_domain::ids::PersonId(raiser)), ..Scope::system("demo-loader") };
        let on = day - time::Duration::days(rng.below(40) as i64);
        let (about, target) = if !windows.is_empty() && rng.chance(0.4) { (About::Window, Some(windows[rng.below(windows.len())].0)) } else { (About::Campus, None) };
        let raised = Raised { about, category: categories[topic % 12].to_string(), body: text.clone(), unnamed: rng.chance(0.3) };
        let id = raise(c, &scope, &raised, target, None, Vec::new(), on, calendar).await?;
        // Most of the campus's problems the office has already sorted out to a unit with windows;
        // a few still wait in its triage.
        if row(c, id).await?.unit_id.is_none() && !windows.is_empty() && rng.chance(0.8) {
            let w = windows[rng.below(windows.len())].0;
            if let Some(parent) = tree::get(c, Tree::Unit, w).await?.and_then(|n| n.parent_id) {
                route(c, &system, id, parent, (on + time::Duration::days(1)).min(day), calendar).await?;
            }
        }
        let Some(unit) = row(c, id).await?.unit_id else { continue };
        let step = rng.below(6);
        if step == 0 {
            continue;
        }
        let Some((assignee, _, _)) = staff_of(c, unit, 50).await?.into_iter().next() else { continue };
        let later = |d: Date, k: i64| (d + time::Duration::days(k)).min(day);
        let accepted = later(on, 1);
        accept(c, &system, id, Some(assignee), accepted, calendar).await?;
        if step == 1 {
            continue;
        }
        let answered = later(accepted, 3);
        answer(c, &system, id, "已收到您的反映，已安排专人处理。", "已现场核查并整改，后续将定期检查。", answered, calendar).await?;
        if step == 2 {
            continue;
        }
        if step == 5 && answered < day - time::Duration::days(10) {
            continue; // left for the tick to close as unconfirmed
        }
        let confirmed = later(answered, 2);
        confirm(c, &scope, id, step != 4, None, confirmed, calendar).await?;
        if step == 3 && rng.chance(0.5) {
            publish(c, &system, id, "同学反映的问题", "已整改并定期检查").await?;
        }
    }
    regroup(c, &Scope::system("demo-loader"), pacesetter_domain::similar::THRESHOLD).await?;
    Ok(reports.len())
}
