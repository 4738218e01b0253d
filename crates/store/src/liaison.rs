//! Cadres' visits to their classes (item 8) in SQL: a cadre's classes with their committee and
//! last visit, the visit log with photos, the coverage per class and per cadre (visits this term,
//! classes unvisited for the office's number of weeks, problems raised in visits and solved), and
//! the reminders to cadres whose class has gone unvisited.
//!
//! A cadre reads the classes they are linked to and keeps their own visits; the office reads all;
//! whoever acts on a college's units (its committee's secretary) reads the visits to its classes.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::liaison::{self as li, Visit};
use pacesetter_domain::scope::Scope;
use serde::Serialize;
use time::Date;

pub async fn unvisited_weeks(c: &mut Conn) -> Result<u32, StoreError> {
    Ok(c.fetch_opt_i64(Sql::new("SELECT unvisited_weeks FROM liaison_rules WHERE id = 1")).await?.map(|n| n as u32).unwrap_or(li::DEFAULT_UNVISITED_WEEKS))
}

pub async fn set_unvisited_weeks(c: &mut Conn, scope: &Scope, weeks: u32) -> Result<(), StoreError> {
    crate::scope::office_only(scope)?;
    let before = unvisited_weeks(c).await?;
    c.execute(Sql::new("INSERT INTO liaison_rules (id, unvisited_weeks) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET unvisited_weeks = $1").bind(i64::from(weeks))).await?;
    audit::append(c, scope, "liaison.rules", "liaison_rules", 1, audit::snapshot(&before), audit::snapshot(&weeks)).await?;
    Ok(())
}

/// The unit whose staff link cadres to classes beside the office (in practice 学工部): its id
/// and name, once the office has named it.
pub async fn linker_unit(c: &mut Conn) -> Result<Option<(i64, String)>, StoreError> {
    Ok(c.fetch_optional(Sql::new("SELECT u.id, u.name FROM liaison_rules r JOIN units u ON u.id = r.linker_unit_id WHERE r.id = 1 AND u.closed_on IS NULL")).await?)
}

/// The office names the unit whose staff link cadres to classes (None: the office alone).
pub async fn set_linker_unit(c: &mut Conn, scope: &Scope, unit: Option<i64>) -> Result<(), StoreError> {
    crate::scope::office_only(scope)?;
    if let Some(u) = unit {
        let node = crate::tree::get(c, crate::tree::Tree::Unit, u).await?.ok_or_else(|| StoreError::invalid("unit_id", "所选单位不存在", "No such unit"))?;
        if node.closed_on.is_some() || node.kind == "class" || node.kind == "window" {
            return Err(StoreError::invalid("unit_id", "请选择一个在设的职能部门或学院", "Choose an open department or college"));
        }
    }
    let before = linker_unit(c).await?.map(|u| u.0);
    let weeks = i64::from(unvisited_weeks(c).await?);
    c.execute(
        Sql::new("INSERT INTO liaison_rules (id, unvisited_weeks, linker_unit_id) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET linker_unit_id = $2").bind(weeks).bind(unit),
    )
    .await?;
    audit::append(c, scope, "liaison.linker", "liaison_rules", 1, audit::snapshot(&before), audit::snapshot(&unit)).await?;
    Ok(())
}

/// Whether a person is on the staff of the unit the office named for linking (a current member
/// of its subtree, on the staff).
pub async fn is_linker(c: &mut Conn, person: i64) -> Result<bool, StoreError> {
    Ok(c.fetch_i64(
        Sql::new(
            "SELECT COUNT(*) FROM liaison_rules r JOIN units l ON l.id = r.linker_unit_id JOIN units u ON u.path LIKE l.path || '%' \
             JOIN unit_memberships m ON m.unit_id = u.id JOIN people p ON p.id = m.person_id \
             WHERE r.id = 1 AND l.closed_on IS NULL AND m.person_id = $1 AND m.end_date IS NULL AND p.kind = 'staff' AND p.left_on IS NULL",
        )
        .bind(person),
    )
    .await?
        > 0)
}

/// The accounts of the linking unit's staff, for the reminders.
pub async fn linker_accounts(c: &mut Conn) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    Ok(c.fetch_all(Sql::new(
        "SELECT DISTINCT a.id, p.email FROM liaison_rules r JOIN units l ON l.id = r.linker_unit_id JOIN units u ON u.path LIKE l.path || '%' \
         JOIN unit_memberships m ON m.unit_id = u.id JOIN people p ON p.id = m.person_id JOIN accounts a ON a.person_id = p.id \
         WHERE r.id = 1 AND l.closed_on IS NULL AND m.end_date IS NULL AND p.kind = 'staff' AND p.left_on IS NULL AND a.disabled = FALSE",
    ))
    .await?)
}

/// One of a cadre's classes, with what the cadre's page shows of it.
#[derive(Clone, Debug, Serialize)]
pub struct ClassCard {
    pub class_id: i64,
    pub name: String,
    pub linked_on: Date,
    pub students: i64,
    /// The class committee and head teacher: (name, position) of members with a position.
    pub committee: Vec<(String, String)>,
    pub last_visit: Option<Date>,
    pub visits_this_term: i64,
}

/// The classes a cadre is linked to now.
pub async fn classes_of(c: &mut Conn, person: i64, today: Date) -> Result<Vec<ClassCard>, StoreError> {
    let rows: Vec<(i64, String, Date)> = c
        .fetch_all(
            Sql::new(
                "SELECT u.id, u.name, r.start_date FROM relations r JOIN units u ON u.id = r.unit_id \
                 WHERE r.kind = 'cadre_class' AND r.person_id = $1 AND r.end_date IS NULL AND u.closed_on IS NULL ORDER BY u.name, u.id",
            )
            .bind(person),
        )
        .await?;
    let term = li::term_start(today);
    let mut out = Vec::new();
    for (class_id, name, linked_on) in rows {
        let students = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM unit_memberships WHERE unit_id = $1 AND end_date IS NULL").bind(class_id)).await?;
        let committee: Vec<(String, String)> = c
            .fetch_all(
                Sql::new(
                    "SELECT p.name, m.position FROM unit_memberships m JOIN people p ON p.id = m.person_id \
                     WHERE m.unit_id = $1 AND m.end_date IS NULL AND m.position IS NOT NULL AND m.position <> '' ORDER BY p.kind DESC, m.id",
                )
                .bind(class_id),
            )
            .await?;
        let (last_visit,): (Option<Date>,) = c.fetch_one(Sql::new("SELECT MAX(on_day) FROM visits WHERE class_id = $1").bind(class_id)).await?;
        let visits_this_term = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM visits WHERE class_id = $1 AND on_day >= $2").bind(class_id).bind(term)).await?;
        out.push(ClassCard { class_id, name, linked_on, students, committee, last_visit, visits_this_term });
    }
    Ok(out)
}

/// Records a visit of the caller's to one of their classes (a class they are not linked to now
/// is not found).
pub async fn record(c: &mut Conn, scope: &Scope, class: i64, v: &Visit, photos: Vec<crate::problem::Photo>) -> Result<i64, StoreError> {
    let person = scope.person.ok_or(StoreError::NotFound)?;
    let linked = c
        .fetch_i64(Sql::new("SELECT COUNT(*) FROM relations WHERE kind = 'cadre_class' AND person_id = $1 AND unit_id = $2 AND end_date IS NULL").bind(person).bind(class))
        .await?;
    if linked == 0 {
        return Err(StoreError::NotFound);
    }
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO visits (cadre_id, class_id, on_day, place, met, topics, notes, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(person)
                .bind(class)
                .bind(v.on_day)
                .bind(v.place.as_str())
                .bind(v.met.as_str())
                .bind(v.topics.as_str())
                .bind(v.notes.as_deref())
                .bind(now_ms()),
        )
        .await?;
    for p in photos {
        c.execute(Sql::new("INSERT INTO visit_photos (visit_id, content_type, data) VALUES ($1, $2, $3)").bind(id).bind(p.content_type).bind(p.data)).await?;
    }
    audit::append(c, scope, "visit.record", "visit", id, None, audit::snapshot(&serde_json::json!({"class_id": class, "on_day": v.on_day}))).await?;
    Ok(id)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct VisitRow {
    pub id: i64,
    pub cadre_id: i64,
    pub cadre_name: String,
    pub class_id: i64,
    pub class_name: String,
    pub class_path: String,
    pub on_day: Date,
    pub place: String,
    pub met: String,
    pub topics: String,
    pub notes: Option<String>,
    /// Problems raised in the visit, and those solved (confirmed satisfied).
    pub problems: i64,
    pub solved: i64,
}

const SELECT: &str = "SELECT v.id, v.cadre_id, p.name AS cadre_name, v.class_id, u.name AS class_name, u.path AS class_path, v.on_day, v.place, v.met, v.topics, v.notes, \
     (SELECT COUNT(*) FROM problems x WHERE x.visit_id = v.id) AS problems, (SELECT COUNT(*) FROM problems x WHERE x.visit_id = v.id AND x.state = 'satisfied') AS solved \
     FROM visits v JOIN people p ON p.id = v.cadre_id JOIN units u ON u.id = v.class_id";

/// The condition for the visits a caller reads (joined as `v`, the class as `u`): their own, or
/// to classes within a unit they act on, or all for the office and the leaders.
fn push_visible(q: &mut Sql, scope: &Scope) {
    if scope.global().is_some() {
        q.push("1 = 1");
        return;
    }
    q.push("(v.cadre_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(0));
    for path in scope.unit_paths_acted_on() {
        q.push(" OR u.path LIKE ").push_bind(format!("{path}%"));
    }
    q.push(")");
}

/// Visits the caller reads, newest first: all of them, or one class's or one cadre's.
pub async fn list(c: &mut Conn, scope: &Scope, class: Option<i64>, cadre: Option<i64>, limit: i64) -> Result<Vec<VisitRow>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE ");
    push_visible(&mut q, scope);
    if let Some(cl) = class {
        q.push(" AND v.class_id = ").push_bind(cl);
    }
    if let Some(cd) = cadre {
        q.push(" AND v.cadre_id = ").push_bind(cd);
    }
    q.push(" ORDER BY v.on_day DESC, v.id DESC LIMIT ").push_bind(limit);
    Ok(c.fetch_all(q).await?)
}

pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<VisitRow, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE v.id = ").push_bind(id).push(" AND ");
    push_visible(&mut q, scope);
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// Whether a visit is the caller's own, to a class they are still linked to (a problem raised in
/// it may point at it, for a student of the class).
pub async fn is_own(c: &mut Conn, scope: &Scope, id: i64) -> Result<bool, StoreError> {
    Ok(c.fetch_i64(
        Sql::new(
            "SELECT COUNT(*) FROM visits v JOIN relations r ON r.person_id = v.cadre_id AND r.unit_id = v.class_id AND r.kind = 'cadre_class' AND r.end_date IS NULL \
             WHERE v.id = $1 AND v.cadre_id = $2",
        )
        .bind(id)
        .bind(scope.person.map(|p| p.0).unwrap_or(0)),
    )
    .await?
        > 0)
}

/// Whether a person is a current member of the class a visit went to.
pub async fn in_visited_class(c: &mut Conn, visit: i64, person: i64) -> Result<bool, StoreError> {
    Ok(c.fetch_i64(
        Sql::new("SELECT COUNT(*) FROM visits v JOIN unit_memberships m ON m.unit_id = v.class_id WHERE v.id = $1 AND m.person_id = $2 AND m.end_date IS NULL")
            .bind(visit)
            .bind(person),
    )
    .await?
        > 0)
}

/// The people of the class of one of the caller's visits: (id, name, number).
pub async fn visited_class_members(c: &mut Conn, scope: &Scope, visit: i64) -> Result<Vec<(i64, String, String)>, StoreError> {
    if !is_own(c, scope, visit).await? {
        return Err(StoreError::NotFound);
    }
    Ok(c.fetch_all(
        Sql::new(
            "SELECT p.id, p.name, p.number FROM visits v JOIN unit_memberships m ON m.unit_id = v.class_id JOIN people p ON p.id = m.person_id \
             WHERE v.id = $1 AND m.end_date IS NULL ORDER BY p.number",
        )
        .bind(visit),
    )
    .await?)
}

pub async fn photo_ids(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<i64>, StoreError> {
    get(c, scope, id).await?;
    let rows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM visit_photos WHERE visit_id = $1 ORDER BY id").bind(id)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn photo(c: &mut Conn, scope: &Scope, photo: i64) -> Result<(String, Vec<u8>), StoreError> {
    let r: Option<(i64, String, Vec<u8>)> = c.fetch_optional(Sql::new("SELECT visit_id, content_type, data FROM visit_photos WHERE id = $1").bind(photo)).await?;
    let (visit, ct, data) = r.ok_or(StoreError::NotFound)?;
    get(c, scope, visit).await?;
    Ok((ct, data))
}

/// A class in the coverage: its cadre(s), visits this term, the last one, whether it counts as
/// unvisited, and the problems raised in its visits and solved.
#[derive(Clone, Debug, Serialize)]
pub struct ClassCoverage {
    pub class_id: i64,
    pub class_name: String,
    pub cadres: String,
    pub visits: i64,
    pub last_visit: Option<Date>,
    pub unvisited: bool,
    /// Shown to the office and the leaders only: beside a college's own problems, a class's count
    /// could point at who raised an unnamed one.
    pub problems: Option<i64>,
    pub solved: Option<i64>,
}

/// A cadre in the coverage: classes, visits this term, the last one, classes unvisited.
#[derive(Clone, Debug, Serialize)]
pub struct CadreCoverage {
    pub cadre_id: i64,
    pub cadre_name: String,
    pub classes: i64,
    pub visits: i64,
    pub last_visit: Option<Date>,
    pub unvisited: i64,
}

/// The coverage of the classes (with a current cadre) that the caller reads: the whole
/// university for the office and the leaders, a college's for its secretary.
pub async fn coverage(c: &mut Conn, scope: &Scope, today: Date) -> Result<(Vec<ClassCoverage>, Vec<CadreCoverage>, u32), StoreError> {
    let weeks = unvisited_weeks(c).await?;
    let term = li::term_start(today);
    let mut q = Sql::new(
        "SELECT r.unit_id, u.name, r.person_id, p.name, r.start_date, \
         (SELECT COUNT(*) FROM visits v WHERE v.class_id = r.unit_id AND v.on_day >= $1), (SELECT MAX(v.on_day) FROM visits v WHERE v.class_id = r.unit_id), \
         (SELECT COUNT(*) FROM problems x JOIN visits v ON v.id = x.visit_id WHERE v.class_id = r.unit_id), \
         (SELECT COUNT(*) FROM problems x JOIN visits v ON v.id = x.visit_id WHERE v.class_id = r.unit_id AND x.state = 'satisfied') \
         FROM relations r JOIN units u ON u.id = r.unit_id JOIN people p ON p.id = r.person_id \
         WHERE r.kind = 'cadre_class' AND r.end_date IS NULL AND u.closed_on IS NULL AND ",
    )
    .bind(term);
    if scope.global().is_some() {
        q.push("1 = 1");
    } else {
        q.push("(1 = 0");
        for path in scope.unit_paths_acted_on() {
            q.push(" OR u.path LIKE ").push_bind(format!("{path}%"));
        }
        q.push(")");
    }
    q.push(" ORDER BY u.path, p.name");
    type Line = (i64, String, i64, String, Date, i64, Option<Date>, i64, i64);
    let rows: Vec<Line> = c.fetch_all(q).await?;
    let mut classes: Vec<ClassCoverage> = Vec::new();
    let mut cadres: Vec<CadreCoverage> = Vec::new();
    for (class_id, class_name, cadre_id, cadre_name, linked, visits, last, problems, solved) in rows {
        let unvisited = li::unvisited(last, linked, today, weeks);
        match classes.iter_mut().find(|x| x.class_id == class_id) {
            Some(x) => x.cadres = format!("{}、{cadre_name}", x.cadres),
            None => {
                let (problems, solved) = if scope.global().is_some() { (Some(problems), Some(solved)) } else { (None, None) };
                classes.push(ClassCoverage { class_id, class_name, cadres: cadre_name.clone(), visits, last_visit: last, unvisited, problems, solved })
            }
        }
        let mine = match cadres.iter_mut().position(|x| x.cadre_id == cadre_id) {
            Some(i) => &mut cadres[i],
            None => {
                cadres.push(CadreCoverage { cadre_id, cadre_name, classes: 0, visits: 0, last_visit: None, unvisited: 0 });
                cadres.last_mut().expect("just pushed")
            }
        };
        mine.classes += 1;
        mine.unvisited += i64::from(unvisited);
        mine.last_visit = mine.last_visit.max(last);
    }
    // A cadre's own visits this term (to any of their classes, past links included).
    let counts: Vec<(i64, i64)> = c.fetch_all(Sql::new("SELECT cadre_id, COUNT(*) FROM visits WHERE on_day >= $1 GROUP BY cadre_id").bind(term)).await?;
    for x in &mut cadres {
        x.visits = counts.iter().find(|(id, _)| *id == x.cadre_id).map(|(_, n)| *n).unwrap_or(0);
    }
    cadres.sort_by(|a, b| b.unvisited.cmp(&a.unvisited).then(a.visits.cmp(&b.visits)).then(a.cadre_name.cmp(&b.cadre_name)));
    Ok((classes, cadres, weeks))
}

/// The cadres whose current class has gone unvisited: (cadre, class id, class name, since).
pub async fn overdue(c: &mut Conn, today: Date) -> Result<Vec<(i64, i64, String, Date)>, StoreError> {
    let weeks = unvisited_weeks(c).await?;
    let rows: Vec<(i64, i64, String, Date, Option<Date>)> = c
        .fetch_all(Sql::new(
            "SELECT r.person_id, r.unit_id, u.name, r.start_date, (SELECT MAX(v.on_day) FROM visits v WHERE v.class_id = r.unit_id) \
             FROM relations r JOIN units u ON u.id = r.unit_id WHERE r.kind = 'cadre_class' AND r.end_date IS NULL AND u.closed_on IS NULL ORDER BY r.person_id, u.id",
        ))
        .await?;
    Ok(rows.into_iter().filter(|(_, _, _, linked, last)| li::unvisited(*last, *linked, today, weeks)).map(|(p, u, n, linked, last)| (p, u, n, last.unwrap_or(linked))).collect())
}

/// The demo's visits as of its day: most cadres have visited their class once to three times
/// since they were linked, some not yet. Returns how many visits were recorded.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    let links: Vec<(i64, i64, Date)> =
        c.fetch_all(Sql::new("SELECT person_id, unit_id, start_date FROM relations WHERE kind = 'cadre_class' AND end_date IS NULL AND unit_id IS NOT NULL ORDER BY id")).await?;
    const PLACES: [&str; 4] = ["学生宿舍", "教室（班会）", "学院会议室", "图书馆自习区"];
    const MET: [&str; 4] = ["班长、团支书和几名同学", "班委会全体成员", "班主任和部分同学", "考研和就业困难的同学"];
    const TOPICS: [&str; 4] = ["学风建设和考风考纪", "考研复习场地和时间安排", "就业形势与实习机会", "宿舍安全和生活困难"];
    let mut rng = pacesetter_domain::rng::DemoRng::new(8);
    let mut n = 0;
    for (cadre, class, linked) in links {
        if !rng.chance(0.65) {
            continue;
        }
        let span = (day - linked).whole_days().clamp(1, 56);
        let scope = Scope { person: Some(pacesetter_domain::ids::PersonId(cadre)), ..Scope::system("demo-loader") };
        for _ in 0..1 + rng.below(3) {
            let on = day - time::Duration::days(rng.below(span as usize) as i64);
            let v = Visit { on_day: on.max(linked), place: rng.pick(&PLACES).to_string(), met: rng.pick(&MET).to_string(), topics: rng.pick(&TOPICS).to_string(), notes: None };
            record(c, &scope, class, &v, Vec::new()).await?;
            n += 1;
        }
    }
    Ok(n)
}
