//! Care visits (走访慰问) in SQL: the office's rounds and their lists, who is to visit whom (the
//! person's branch, else their unit), the visits recorded, and the coverage per college.
//!
//! A target is seen, and visited, by the office, by whoever writes to its branch through the
//! Party tree (its secretary, the organization above), and by whoever acts for its unit (its
//! head, a college's secretary). Why a person is on the list is shown to the office and the
//! Party side only: a unit sees whom to visit, never why.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use pacesetter_domain::care::{Reason, Round, Visit};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;
use time::Date;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RoundRow {
    pub id: i64,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub targets: i64,
    pub visited: i64,
}

impl RoundRow {
    pub fn round(&self) -> Round {
        Round { name: self.name.clone(), starts_on: self.starts_on, ends_on: self.ends_on }
    }
}

const ROUND: &str = "SELECT r.id, r.name, r.starts_on, r.ends_on, (SELECT COUNT(*) FROM care_targets t WHERE t.round_id = r.id) AS targets, \
     (SELECT COUNT(*) FROM care_targets t JOIN care_visits v ON v.target_id = t.id WHERE t.round_id = r.id) AS visited FROM care_rounds r";

/// Every round (their names and dates are not confidential), newest first.
pub async fn rounds(c: &mut Conn) -> Result<Vec<RoundRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{ROUND} ORDER BY r.starts_on DESC, r.id DESC"))).await?)
}

pub async fn round(c: &mut Conn, id: i64) -> Result<RoundRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{ROUND} WHERE r.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// The round a target is on (NotFound for no such target).
pub async fn round_of_target(c: &mut Conn, target: i64) -> Result<i64, StoreError> {
    c.fetch_opt_i64(Sql::new("SELECT round_id FROM care_targets WHERE id = $1").bind(target)).await?.ok_or(StoreError::NotFound)
}

pub async fn create_round(c: &mut Conn, scope: &Scope, r: &Round) -> Result<i64, StoreError> {
    crate::scope::office_only(scope)?;
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO care_rounds (name, starts_on, ends_on, created_ms) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(r.name.as_str())
                .bind(r.starts_on)
                .bind(r.ends_on)
                .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "care.round", "care_round", id, None, audit::snapshot(r)).await?;
    Ok(id)
}

/// Adds people to a round's list with the reason (a person already on it stays as they are);
/// each is given to their branch to visit, else to their unit. Returns how many were added.
pub async fn add_targets(c: &mut Conn, scope: &Scope, round_id: i64, reason: Reason, people: &[i64]) -> Result<usize, StoreError> {
    crate::scope::office_only(scope)?;
    round(c, round_id).await?;
    let mut n = 0;
    for p in people {
        if c.fetch_i64(Sql::new("SELECT COUNT(*) FROM care_targets WHERE round_id = $1 AND person_id = $2").bind(round_id).bind(*p)).await? > 0 {
            continue;
        }
        let org = crate::people::current_branch(c, *p).await?.map(|b| b.0);
        let unit = match org {
            Some(_) => None,
            None => {
                c.fetch_opt_i64(
                    Sql::new("SELECT u.id FROM unit_memberships m JOIN units u ON u.id = m.unit_id WHERE m.person_id = $1 AND m.end_date IS NULL AND u.closed_on IS NULL ORDER BY u.depth DESC, u.id")
                        .bind(*p),
                )
                .await?
            }
        };
        c.execute(
            Sql::new("INSERT INTO care_targets (round_id, person_id, reason, org_id, unit_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(round_id)
                .bind(*p)
                .bind(reason.code())
                .bind(org)
                .bind(unit),
        )
        .await?;
        n += 1;
    }
    // The count only: who is on the list, and why, stays out of the audit trail's text.
    audit::append(c, scope, "care.targets", "care_round", round_id, None, audit::snapshot(&serde_json::json!({"added": n}))).await?;
    Ok(n)
}

/// The retired cadres on the roster (离退休干部: retired, with a cadre rank), by id.
pub async fn retired_cadres(c: &mut Conn) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM people WHERE kind = 'retired' AND cadre_rank IS NOT NULL AND left_on IS NULL ORDER BY id")).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A target as the caller may see it.
#[derive(Clone, Debug, Serialize)]
pub struct TargetRow {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    /// None where the caller may not know why (a unit).
    pub reason: Option<Reason>,
    /// Who is to visit: the branch's or unit's name ("" for the office).
    pub keeper: String,
    /// The college (secondary organization, or top unit) the keeper sits in, for the coverage.
    pub college: String,
    pub visit: Option<VisitRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VisitRow {
    pub id: i64,
    pub on_day: Date,
    pub visitors: String,
    pub gifts: String,
    pub amount_fen: i64,
    pub note: Option<String>,
    pub photos: Vec<i64>,
}

/// How the caller stands to a target at these paths: None (not theirs), or whether they may
/// know why it is on the list.
fn standing(scope: &Scope, org_path: Option<&str>, unit_path: Option<&str>) -> Option<bool> {
    if scope.is_office() || org_path.is_some_and(|p| scope.party_access(p) == Some(Access::Write)) {
        return Some(true);
    }
    if let Some(p) = unit_path
        && scope.acts_on_unit(p)
    {
        return Some(false);
    }
    None
}

type Line = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<Date>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// The round's targets the caller keeps, with their visits.
pub async fn targets(c: &mut Conn, scope: &Scope, round_id: i64) -> Result<Vec<TargetRow>, StoreError> {
    round(c, round_id).await?;
    let rows: Vec<Line> = c
        .fetch_all(
            Sql::new(
                "SELECT t.id, t.person_id, p.name, t.reason, o.name, o.path, u.name, u.path, v.id, v.on_day, v.visitors, v.gifts, v.amount_fen, v.note \
                 FROM care_targets t JOIN people p ON p.id = t.person_id LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id \
                 LEFT JOIN care_visits v ON v.target_id = t.id WHERE t.round_id = $1 ORDER BY COALESCE(o.path, u.path, ''), p.name, t.id",
            )
            .bind(round_id),
        )
        .await?;
    let names = college_names(c).await?;
    let photos: Vec<(i64, i64)> = c
        .fetch_all(
            Sql::new("SELECT ph.id, ph.visit_id FROM care_visit_photos ph JOIN care_visits v ON v.id = ph.visit_id JOIN care_targets t ON t.id = v.target_id WHERE t.round_id = $1 ORDER BY ph.id")
                .bind(round_id),
        )
        .await?;
    let mut out = Vec::new();
    for (id, person_id, person_name, reason, oname, opath, uname, upath, vid, on_day, visitors, gifts, amount, note) in rows {
        let Some(why) = standing(scope, opath.as_deref(), upath.as_deref()) else { continue };
        let college_of = |path: &Option<String>, tree: usize| -> String {
            path.as_deref()
                .and_then(|p| p.split('/').filter(|s| !s.is_empty()).nth(1))
                .and_then(|id| id.parse::<i64>().ok())
                .and_then(|id| names[tree].iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()))
                .unwrap_or_default()
        };
        let college = if opath.is_some() { college_of(&opath, 0) } else { college_of(&upath, 1) };
        let visit = match (vid, on_day) {
            (Some(id), Some(on_day)) => Some(VisitRow {
                id,
                on_day,
                visitors: visitors.unwrap_or_default(),
                gifts: gifts.unwrap_or_default(),
                amount_fen: amount.unwrap_or(0),
                note,
                photos: photos.iter().filter(|(_, v)| *v == id).map(|(p, _)| *p).collect(),
            }),
            _ => None,
        };
        out.push(TargetRow { id, person_id, person_name, reason: if why { Reason::parse(&reason) } else { None }, keeper: oname.or(uname).unwrap_or_default(), college, visit });
    }
    Ok(out)
}

/// The names of the organizations and units one level below the roots: [orgs, units].
async fn college_names(c: &mut Conn) -> Result<[Vec<(i64, String)>; 2], StoreError> {
    let orgs: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT id, name FROM orgs WHERE depth = 1")).await?;
    let units: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT id, name FROM units WHERE depth = 1")).await?;
    Ok([orgs, units])
}

/// Records the visit to a target the caller keeps, with photos; once per target.
pub async fn record(c: &mut Conn, scope: &Scope, target: i64, v: &Visit, photos: Vec<crate::problem::Photo>) -> Result<i64, StoreError> {
    let row: Option<(i64, Option<String>, Option<String>)> = c
        .fetch_optional(
            Sql::new("SELECT t.round_id, o.path, u.path FROM care_targets t LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id WHERE t.id = $1")
                .bind(target),
        )
        .await?;
    let (round_id, opath, upath) = row.ok_or(StoreError::NotFound)?;
    standing(scope, opath.as_deref(), upath.as_deref()).ok_or(StoreError::NotFound)?;
    let r = round(c, round_id).await?;
    if v.on_day < r.starts_on || v.on_day > r.ends_on {
        return Err(StoreError::invalid("on_day", "走访日期须在本轮走访慰问的起止日期之内", "The day must fall within the round's dates"));
    }
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO care_visits (target_id, on_day, visitors, gifts, amount_fen, note, recorded_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(target)
            .bind(v.on_day)
            .bind(v.visitors.as_str())
            .bind(v.gifts.as_str())
            .bind(v.amount_fen)
            .bind(v.note.as_deref())
            .bind(scope.account.0)
            .bind(now_ms()),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "已登记过对此人的走访", "The visit to this person is already recorded"))?;
    for p in photos {
        c.execute(Sql::new("INSERT INTO care_visit_photos (visit_id, content_type, data) VALUES ($1, $2, $3)").bind(id).bind(p.content_type).bind(p.data)).await?;
    }
    audit::append(c, scope, "care.visit", "care_target", target, None, None).await?;
    Ok(id)
}

/// A visit's photo, for whoever keeps its target.
pub async fn photo(c: &mut Conn, scope: &Scope, photo: i64) -> Result<(String, Vec<u8>), StoreError> {
    // The photo's content type and bytes, and its target's branch and unit paths.
    type PhotoLine = (String, Vec<u8>, Option<String>, Option<String>);
    let row: Option<PhotoLine> = c
        .fetch_optional(
            Sql::new(
                "SELECT ph.content_type, ph.data, o.path, u.path FROM care_visit_photos ph JOIN care_visits v ON v.id = ph.visit_id JOIN care_targets t ON t.id = v.target_id \
                 LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id WHERE ph.id = $1",
            )
            .bind(photo),
        )
        .await?;
    let (ct, data, opath, upath) = row.ok_or(StoreError::NotFound)?;
    standing(scope, opath.as_deref(), upath.as_deref()).ok_or(StoreError::NotFound)?;
    Ok((ct, data))
}

/// The demo's Spring Festival round (before its day): the retired Party members on the roster as
/// 老党员, most of them visited by their branch. Returns how many visits were recorded.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    let (Ok(starts_on), Ok(ends_on)) = (Date::from_calendar_date(day.year(), time::Month::January, 10), Date::from_calendar_date(day.year(), time::Month::February, 5)) else {
        return Ok(0);
    };
    if ends_on >= day {
        return Ok(0);
    }
    let scope = Scope::system("demo-loader");
    let round_id = create_round(c, &scope, &Round { name: format!("{}年春节走访慰问", day.year()), starts_on, ends_on }).await?;
    // 老党员 by their standing as the office bounds it, and members in hardship, from their files.
    let rules = crate::member_file::rules(c).await?;
    let old: Vec<(i64,)> = c
        .fetch_all(
            Sql::new("SELECT p.id FROM people p JOIN member_files f ON f.person_id = p.id WHERE p.political_status = '01' AND p.left_on IS NULL AND f.full_on <= $1 ORDER BY p.id LIMIT 60")
                .bind(rules.old_member_full_on_or_before(day)),
        )
        .await?;
    add_targets(c, &scope, round_id, Reason::OldMember, &old.into_iter().map(|p| p.0).collect::<Vec<_>>()).await?;
    let hardship: Vec<(i64,)> = c
        .fetch_all(
            Sql::new(
                "SELECT p.id FROM people p JOIN member_files f ON f.person_id = p.id WHERE f.hardship = 1 AND p.left_on IS NULL \
             AND NOT EXISTS (SELECT 1 FROM care_targets t WHERE t.round_id = $1 AND t.person_id = p.id) ORDER BY p.id LIMIT 20",
            )
            .bind(round_id),
        )
        .await?;
    add_targets(c, &scope, round_id, Reason::Hardship, &hardship.into_iter().map(|p| p.0).collect::<Vec<_>>()).await?;
    let targets: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM care_targets WHERE round_id = $1 ORDER BY id").bind(round_id)).await?;
    let mut rng = pacesetter_domain::rng::DemoRng::new(40);
    let mut n = 0;
    for (t,) in targets {
        if !rng.chance(0.85) {
            continue;
        }
        let on = starts_on + time::Duration::days(rng.below(20) as i64);
        let v =
            Visit {
                on_day: on, visitors: "支部书记、支部委员".into(), gifts: rng.pick(&["慰问金", "米、油和慰问信", "慰问金和春联"]).to_string(), amount_fen: 50_000, note: None
            };
        record(c, &scope, t, &v, Vec::new()).await?;
        n += 1;
    }
    Ok(n)
}
