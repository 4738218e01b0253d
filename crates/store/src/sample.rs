//! Random samples that no one can re-roll alone: a survey's audience drawn from a population,
//! or windows drawn for spot checks (随机抽查). The rule is `domain::sample`; this module freezes
//! the population, keeps the two parties' commitments and seeds, and records the draw.

use crate::db::{Arg, Conn, Sql};
use crate::{StoreError, audit, survey};
use pacesetter_domain::Lang;
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::role::Role;
use pacesetter_domain::sample::{self as rule, Entry, PartyFacts, Size};
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Purpose {
    /// The audience of a survey.
    Survey,
    /// Windows to inspect.
    SpotCheck,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Survey => "survey",
            Purpose::SpotCheck => "spot_check",
        }
    }
}

/// How the population is divided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Stratify {
    None,
    College,
    Class,
}

impl Stratify {
    pub fn code(self) -> &'static str {
        match self {
            Stratify::None => "none",
            Stratify::College => "college",
            Stratify::Class => "class",
        }
    }
    pub fn parse(s: &str) -> Option<Stratify> {
        [Stratify::None, Stratify::College, Stratify::Class].into_iter().find(|x| x.code() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Stratify::None => lang.t("不分层", "No strata"),
            Stratify::College => lang.t("按学院分层", "By college"),
            Stratify::Class => lang.t("按班级分层", "By class"),
        }
    }
}

pub use pacesetter_domain::sample::Party;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SampleRow {
    pub id: i64,
    pub survey_id: Option<i64>,
    pub purpose: String,
    pub title: String,
    pub owner_unit_id: i64,
    pub owner_name: String,
    pub owner_path: String,
    pub population_node: i64,
    pub students_only: bool,
    pub stratify: String,
    pub size_spec: String,
    pub population_size: i64,
    pub population_hash: String,
    pub office_commit: Option<String>,
    pub unit_commit: Option<String>,
    pub office_seed: Option<String>,
    pub unit_seed: Option<String>,
    pub draw_seed: Option<String>,
    pub state: String,
    pub created_ms: i64,
    pub drawn_ms: Option<i64>,
}

impl SampleRow {
    pub fn size(&self) -> Size {
        Size::parse(&self.size_spec).unwrap_or(Size::Count(0))
    }
    pub fn stratify(&self) -> Stratify {
        Stratify::parse(&self.stratify).unwrap_or(Stratify::None)
    }
    /// Which party the caller may act for ([`rule::party`]), for the page to offer its form.
    pub fn party_of(&self, scope: &Scope) -> Option<Party> {
        rule::party(PartyFacts {
            office_role: scope.has(Role::Office),
            office_or_admin: scope.is_office_or_admin(),
            manages_owner: scope.unit_access(&self.owner_path) == Some(Access::Write),
        })
    }
}

const SELECT: &str = "SELECT s.id, s.survey_id, s.purpose, s.title, s.owner_unit_id, u.name AS owner_name, u.path AS owner_path, s.population_node, s.students_only, \
     s.stratify, s.size_spec, s.population_size, s.population_hash, s.office_commit, s.unit_commit, s.office_seed, s.unit_seed, s.draw_seed, s.state, s.created_ms, s.drawn_ms \
     FROM samples s JOIN units u ON u.id = s.owner_unit_id";

/// A sample's record, which is public (DOMAIN.md: anyone recomputes the draw from it): the
/// population's hash, both commitments and seeds, the draw. No person is in it.
pub async fn get_public(c: &mut Conn, id: i64) -> Result<SampleRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{SELECT} WHERE s.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// A sample and the party the caller acts for in it ([`rule::party`], whether they manage the
/// owning unit found in SQL); Forbidden for anyone who is neither party (the record itself is
/// public, so this says nothing it does not). The row is locked on PostgreSQL for the rest of
/// the write transaction.
pub async fn get_for_party(c: &mut Conn, scope: &Scope, id: i64) -> Result<(SampleRow, Party), StoreError> {
    let (columns, from) = SELECT.split_once(" FROM ").unwrap_or((SELECT, ""));
    let mut q = Sql::new(format!("{columns}, CASE WHEN "));
    crate::survey::push_node_condition(&mut q, scope, crate::survey::Tree::Admin, Access::Write, "u.path");
    q.push(&format!(" THEN TRUE ELSE FALSE END AS manages_owner FROM {from} WHERE s.id = ")).push_bind(id);
    let lock = c.row_lock(false, "s");
    q.push(&lock);
    let Some(found): Option<PartyRow> = c.fetch_optional(q).await? else { return Err(StoreError::NotFound) };
    let facts = PartyFacts { office_role: scope.has(Role::Office), office_or_admin: scope.is_office_or_admin(), manages_owner: found.manages_owner };
    match rule::party(facts) {
        Some(p) => Ok((found.row, p)),
        None => Err(StoreError::forbidden("只有创先办和所属单位各自提交和公开种子", "Only the campaign office and the owning unit commit and reveal seeds")),
    }
}

#[derive(sqlx::FromRow)]
struct PartyRow {
    #[sqlx(flatten)]
    row: SampleRow,
    manages_owner: bool,
}

pub async fn list(c: &mut Conn, survey: Option<i64>) -> Result<Vec<SampleRow>, StoreError> {
    let mut q = Sql::new(SELECT);
    if let Some(s) = survey {
        q.push(" WHERE s.survey_id = ").push_bind(s);
    }
    q.push(" ORDER BY s.id DESC");
    Ok(c.fetch_all(q).await?)
}

/// The installation's key for pseudonyms, made on first use and kept in `meta`.
pub async fn pseudonym_key(c: &mut Conn) -> Result<Vec<u8>, StoreError> {
    if let Some(k) = c.fetch_opt_string(Sql::new("SELECT value FROM meta WHERE key = 'pseudonym_key'")).await? {
        return Ok(k.into_bytes());
    }
    let k = survey::new_token() + &survey::new_token();
    c.execute(Sql::new("INSERT INTO meta (key, value) VALUES ('pseudonym_key', $1) ON CONFLICT (key) DO NOTHING").bind(k)).await?;
    let k = c.fetch_opt_string(Sql::new("SELECT value FROM meta WHERE key = 'pseudonym_key'")).await?.unwrap_or_default();
    Ok(k.into_bytes())
}

pub async fn my_pseudonym(c: &mut Conn, person: i64) -> Result<String, StoreError> {
    let key = pseudonym_key(c).await?;
    Ok(rule::pseudonym(&key, person))
}

pub struct NewSample {
    pub survey_id: Option<i64>,
    pub purpose: Purpose,
    pub title: String,
    pub owner_unit_id: i64,
    /// The administrative unit whose people (or windows) make the population.
    pub population_node: i64,
    pub students_only: bool,
    pub stratify: Stratify,
    pub size: Size,
}

/// Freezes the population and publishes its hash; the two parties then commit.
pub async fn create(c: &mut Conn, scope: &Scope, n: NewSample) -> Result<i64, StoreError> {
    // The owning unit: the office names any, a unit's manager their own; the population: a unit
    // in the caller's reach. Both found in SQL; for the office a unit that does not exist is a
    // mistake to correct, for anyone else it is answered as one out of reach.
    let office = scope.is_office_or_admin();
    let owner_path = crate::survey::node_path(c, scope, crate::survey::Tree::Admin, n.owner_unit_id, if office { Access::Read } else { Access::Write }).await?;
    let owner_path = match owner_path {
        Some(p) => p,
        None if office => return Err(StoreError::invalid("owner", "没有这个单位", "There is no such unit")),
        None => return Err(StoreError::NotFound),
    };
    let node_path = match crate::survey::node_path(c, scope, crate::survey::Tree::Admin, n.population_node, Access::Read).await? {
        Some(p) => p,
        None if office && scope.global().is_some() => return Err(StoreError::invalid("node", "没有这个单位", "There is no such unit")),
        None => return Err(StoreError::forbidden("该单位不存在或不在您的范围内", "That unit does not exist or is outside your scope")),
    };
    // A unit draws among its own people; a wider population takes the office.
    if !scope.is_office_or_admin() && !node_path.starts_with(&owner_path) {
        return Err(StoreError::invalid("node", "只能在本单位范围内抽样；更大范围的抽样由创先办发起", "A unit draws within itself only; a wider draw is started by the office"));
    }
    if let Some(s) = n.survey_id {
        let row = survey::get(c, scope, s, survey::Need::Manage).await?.row;
        if row.state() == survey::SurveyState::Closed {
            return Err(StoreError::conflict("问卷已结束", "The survey is closed"));
        }
        // One draw makes a survey's sampled audience: a second would add to it silently, and
        // whoever disliked the first could keep drawing.
        if let Some(first) = c.fetch_opt_i64(Sql::new("SELECT id FROM samples WHERE survey_id = $1 AND purpose = 'survey' ORDER BY id LIMIT 1").bind(s)).await? {
            return Err(StoreError::conflict(
                format!("该问卷已有抽样（第 {first} 号），作答人名单来自那一次抽样，不能再抽"),
                format!("The survey already has a sample (no. {first}): its audience comes from that draw, and there is no second"),
            ));
        }
    }
    let like = format!("{}%", crate::db::like_escape(&node_path));
    let names: HashMap<i64, String> = c.fetch_all::<(i64, String)>(Sql::new("SELECT id, name FROM units WHERE depth = 1")).await?.into_iter().collect();
    let college_of = |path: &str| -> String {
        path.split('/').filter(|x| !x.is_empty()).nth(1).and_then(|x| x.parse::<i64>().ok()).and_then(|i| names.get(&i).cloned()).unwrap_or_else(|| "—".into())
    };
    let key = pseudonym_key(c).await?;
    let mut members: Vec<(Entry, i64)> = Vec::new();
    match n.purpose {
        Purpose::Survey => {
            let mut q = Sql::new(
                "SELECT m.person_id, u.path, u.kind, u.name FROM unit_memberships m JOIN units u ON u.id = m.unit_id JOIN people p ON p.id = m.person_id \
                 WHERE m.end_date IS NULL AND p.left_on IS NULL AND u.path LIKE ",
            );
            q.push_bind(like).push(" ESCAPE '\\'");
            if n.students_only {
                q.push(" AND p.kind = 'student'");
            }
            let rows: Vec<(i64, String, String, String)> = c.fetch_all(q).await?;
            // Each person once, placed by their deepest unit (a class rather than its college).
            let mut best: HashMap<i64, (String, String, String)> = HashMap::new();
            for (p, path, kind, name) in rows {
                let e = best.entry(p).or_insert_with(|| (path.clone(), kind.clone(), name.clone()));
                if path.len() > e.0.len() {
                    *e = (path, kind, name);
                }
            }
            for (p, (path, _kind, name)) in best {
                let stratum = match n.stratify {
                    Stratify::None => "全体".to_string(),
                    Stratify::College => college_of(&path),
                    Stratify::Class => name,
                };
                members.push((Entry { pseudonym: rule::pseudonym(&key, p), stratum }, p));
            }
        }
        Purpose::SpotCheck => {
            let mut q = Sql::new("SELECT id, path FROM units WHERE kind = 'window' AND closed_on IS NULL AND path LIKE ");
            q.push_bind(like).push(" ESCAPE '\\'");
            let rows: Vec<(i64, String)> = c.fetch_all(q).await?;
            for (id, path) in rows {
                let stratum = if n.stratify == Stratify::None { "全体".to_string() } else { college_of(&path) };
                members.push((Entry { pseudonym: format!("window-{id}"), stratum }, id));
            }
        }
    }
    if members.is_empty() {
        return Err(StoreError::invalid("node", "该范围内没有可抽取的对象", "There is no one to draw from there"));
    }
    if n.title.trim().is_empty() {
        return Err(StoreError::invalid("title", "请填写名称", "Please give it a name"));
    }
    let entries: Vec<Entry> = members.iter().map(|(e, _)| e.clone()).collect();
    let hash = rule::population_hash(&entries);
    let size_spec = match n.size {
        Size::Count(k) => k.to_string(),
        Size::Percent(p) => format!("{p}%"),
    };
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO samples (survey_id, purpose, title, owner_unit_id, population_node, students_only, stratify, size_spec, population_size, population_hash, state, created_ms, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'committing', $11, $12) RETURNING id",
            )
            .bind(n.survey_id)
            .bind(n.purpose.code())
            .bind(n.title.trim())
            .bind(n.owner_unit_id)
            .bind(n.population_node)
            .bind(n.students_only)
            .bind(n.stratify.code())
            .bind(size_spec.clone())
            .bind(entries.len() as i64)
            .bind(hash.clone())
            .bind(now_ms())
            .bind(scope.actor.clone()),
        )
        .await?;
    let rows: Vec<Vec<Arg>> = members.into_iter().map(|(e, subject)| vec![id.into(), e.pseudonym.into(), subject.into(), e.stratum.into()]).collect();
    crate::db::insert_rows(c, "sample_members", &["sample_id", "pseudonym", "subject_id", "stratum"], rows).await?;
    let after = serde_json::json!({"title": n.title.trim(), "survey": n.survey_id, "purpose": n.purpose.code(), "population": entries.len(), "population_hash": hash, "size": size_spec, "stratify": n.stratify.code()});
    audit::append(c, scope, "sample.create", "sample", id, None, Some(after.to_string())).await?;
    Ok(id)
}

/// A party commits: a commitment (64 hex digits, computed away from the system) or a seed, of
/// which only the hash is kept until the reveal.
pub async fn commit(c: &mut Conn, scope: &Scope, id: i64, text: &str) -> Result<(), StoreError> {
    let (s, party) = get_for_party(c, scope, id).await?;
    if s.state != "committing" {
        return Err(StoreError::conflict("承诺阶段已结束", "Commitments are closed"));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::invalid("seed", "请填写种子或其 SHA-256 哈希", "Give a seed or its SHA-256 hash"));
    }
    let lower = text.to_ascii_lowercase();
    let commitment = if rule::is_commitment(&lower) { lower } else { rule::commitment(text) };
    let col = match party {
        Party::Office => "office_commit",
        Party::Unit => "unit_commit",
    };
    let n = c.execute(Sql::new(format!("UPDATE samples SET {col} = $1 WHERE id = $2 AND {col} IS NULL AND state = 'committing'")).bind(commitment.clone()).bind(id)).await?;
    if n == 0 {
        return Err(StoreError::conflict("您方已提交过承诺，不能更改", "Your side has already committed; it cannot change"));
    }
    c.execute(Sql::new("UPDATE samples SET state = 'revealing' WHERE id = $1 AND office_commit IS NOT NULL AND unit_commit IS NOT NULL").bind(id)).await?;
    audit::append(c, scope, "sample.commit", "sample", id, None, Some(serde_json::json!({"party": col, "commitment": commitment}).to_string())).await?;
    Ok(())
}

/// A party reveals its seed; when both are in, the sample is drawn (and, for a survey, becomes
/// its audience).
pub async fn reveal(c: &mut Conn, scope: &Scope, id: i64, seed: &str) -> Result<(), StoreError> {
    let (s, party) = get_for_party(c, scope, id).await?;
    if s.state != "revealing" {
        return Err(StoreError::conflict("双方都提交承诺后才能公开种子", "Seeds are revealed once both sides have committed"));
    }
    let (commit_col, seed_col, commitment, already) = match party {
        Party::Office => ("office_commit", "office_seed", s.office_commit.clone(), s.office_seed.is_some()),
        Party::Unit => ("unit_commit", "unit_seed", s.unit_commit.clone(), s.unit_seed.is_some()),
    };
    if already {
        return Err(StoreError::conflict("您方已公开种子", "Your side has already revealed its seed"));
    }
    if commitment.as_deref() != Some(rule::commitment(seed).as_str()) {
        return Err(StoreError::invalid("seed", "种子与所提交的承诺不符", "The seed does not match the commitment"));
    }
    // Guarded: the same side revealing twice at once records one seed and one audit entry. (When
    // the two sides reveal at once, the second waits for the first's row lock and then sees
    // both seeds, so exactly one of them draws.)
    let n = c.execute(Sql::new(format!("UPDATE samples SET {seed_col} = $1 WHERE id = $2 AND {seed_col} IS NULL AND state = 'revealing'")).bind(seed).bind(id)).await?;
    StoreError::unless_changed(n, "您方已公开种子", "Your side has already revealed its seed")?;
    audit::append(c, scope, "sample.reveal", "sample", id, None, Some(serde_json::json!({"party": commit_col, "seed": seed}).to_string())).await?;
    let s = get_public(c, id).await?;
    if let (Some(o), Some(u)) = (&s.office_seed, &s.unit_seed) {
        draw(c, scope, &s, o, u).await?;
    }
    Ok(())
}

async fn draw(c: &mut Conn, scope: &Scope, s: &SampleRow, office_seed: &str, unit_seed: &str) -> Result<(), StoreError> {
    let seed = rule::draw_seed(office_seed, unit_seed);
    let rows: Vec<(String, String, i64)> = c.fetch_all(Sql::new("SELECT pseudonym, stratum, subject_id FROM sample_members WHERE sample_id = $1").bind(s.id)).await?;
    let subjects: HashMap<String, i64> = rows.iter().map(|(p, _, id)| (p.clone(), *id)).collect();
    let entries: Vec<Entry> = rows.into_iter().map(|(p, st, _)| Entry { pseudonym: p, stratum: st }).collect();
    let drawn = rule::draw(&entries, s.size(), &seed);
    for chunk in drawn.chunks(500) {
        let mut q = Sql::new("UPDATE sample_members SET drawn = TRUE WHERE sample_id = ");
        q.push_bind(s.id).push(" AND pseudonym IN (");
        for (i, d) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(d.pseudonym.as_str());
        }
        q.push(")");
        c.execute(q).await?;
    }
    let n = c
        .execute(Sql::new("UPDATE samples SET draw_seed = $1, state = 'drawn', drawn_ms = $2 WHERE id = $3 AND state = 'revealing'").bind(seed.clone()).bind(now_ms()).bind(s.id))
        .await?;
    StoreError::unless_changed(n, "样本已经抽取", "The sample has already been drawn")?;
    if let (Some(survey_id), "survey") = (s.survey_id, s.purpose.as_str()) {
        let people: Vec<i64> = drawn.iter().filter_map(|d| subjects.get(&d.pseudonym).copied()).collect();
        survey::add_invitees(c, survey_id, &people).await?;
    }
    audit::append(c, scope, "sample.draw", "sample", s.id, None, Some(serde_json::json!({"draw_seed": seed, "drawn": drawn.len()}).to_string())).await?;
    Ok(())
}

/// The published members: pseudonym, stratum, drawn; never the person.
pub async fn members(c: &mut Conn, id: i64) -> Result<Vec<(String, String, bool)>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT pseudonym, stratum, drawn FROM sample_members WHERE sample_id = $1 ORDER BY pseudonym").bind(id)).await?)
}

/// Window names of a spot check's members (windows are public).
pub async fn window_names(c: &mut Conn, id: i64) -> Result<HashMap<String, String>, StoreError> {
    let rows: Vec<(String, String)> = c
        .fetch_all(Sql::new("SELECT m.pseudonym, u.name FROM sample_members m JOIN units u ON u.id = m.subject_id WHERE m.sample_id = $1 AND m.pseudonym LIKE 'window-%'").bind(id))
        .await?;
    Ok(rows.into_iter().collect())
}

/// The survey samples a pseudonym was drawn in.
pub async fn drawn_in(c: &mut Conn, pseudonym: &str) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT s.id, s.title FROM samples s JOIN sample_members m ON m.sample_id = s.id WHERE m.pseudonym = $1 AND m.drawn = TRUE AND s.purpose = 'survey' ORDER BY s.id",
        )
        .bind(pseudonym),
    )
    .await?)
}
