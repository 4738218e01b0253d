//! A person's file (党员档案): read by whoever reads the person, changed by whoever changes the
//! person; the hardship flag read and changed only by the Party side (the person's branch, the
//! organizations above it, the office). The groups the plan names as conditions for the people
//! list, and the counts per secondary organization (党员队伍结构).

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::people;
use crate::scope::{BranchRef, branches_in_reach, push_org_condition};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::ids::PersonId;
use pacesetter_domain::member_file::{Degree, MemberFile, Rules, TitleLevel};
use pacesetter_domain::people::{PersonKind, PoliticalStatus};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use time::Date;

#[derive(sqlx::FromRow)]
struct FileRow {
    birth_date: Option<Date>,
    applied_on: Option<Date>,
    joined_on: Option<Date>,
    full_on: Option<Date>,
    title: Option<String>,
    title_level: Option<String>,
    degree: Option<String>,
    job_post: Option<String>,
    hardship: i64,
}

impl FileRow {
    fn file(self) -> MemberFile {
        MemberFile {
            birth_date: self.birth_date,
            applied_on: self.applied_on,
            joined_on: self.joined_on,
            full_on: self.full_on,
            title: self.title,
            title_level: self.title_level.as_deref().and_then(TitleLevel::parse),
            degree: self.degree.as_deref().and_then(Degree::parse),
            job_post: self.job_post,
            hardship: self.hardship != 0,
        }
    }
}

const COLUMNS: &str = "birth_date, applied_on, joined_on, full_on, title, title_level, degree, job_post, hardship";

/// What the caller may do with a person's file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileAccess {
    pub write: bool,
    /// Reads the hardship flag (the secretaries and delegates over the person's branch, the office).
    pub hardship_read: bool,
    pub hardship_write: bool,
}

/// The Party side's access over where a person stands now (see [`Scope::party_access`]).
pub async fn party_access(c: &mut Conn, scope: &Scope, person: i64) -> Result<Option<Access>, StoreError> {
    if scope.is_office() {
        return Ok(Some(Access::Write));
    }
    Ok(people::org_paths_of(c, person).await?.iter().filter_map(|p| scope.party_access(p)).max())
}

/// The file as stored (empty when none), without any access check.
pub async fn stored(c: &mut Conn, person: i64) -> Result<MemberFile, StoreError> {
    let row: Option<FileRow> = c.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM member_files WHERE person_id = $1")).bind(person)).await?;
    Ok(row.map(FileRow::file).unwrap_or_default())
}

/// A person's file as the caller may see it (the hardship flag cleared for those who may not
/// read it), with what the caller may do.
pub async fn get(c: &mut Conn, scope: &Scope, person: PersonId) -> Result<(MemberFile, FileAccess), StoreError> {
    let access = people::require_access(c, scope, person, Access::Read).await?;
    let party = party_access(c, scope, person.0).await?;
    // The Party side that acts (secretaries, delegates, the office): not a contact person's
    // reading reach, nor the person's own.
    // Nor one's own flag, even for a secretary over their own branch.
    let own = scope.person == Some(person);
    let a = FileAccess { write: access == Access::Write, hardship_read: party == Some(Access::Write) && !own, hardship_write: party == Some(Access::Write) && !own };
    let mut f = stored(c, person.0).await?;
    if !a.hardship_read {
        f.hardship = false;
    }
    Ok((f, a))
}

/// The file without its restricted flag, as the audit chain keeps it.
#[derive(Serialize)]
struct Audited<'a> {
    birth_date: Option<Date>,
    applied_on: Option<Date>,
    joined_on: Option<Date>,
    full_on: Option<Date>,
    title: &'a Option<String>,
    title_level: Option<&'static str>,
    degree: Option<&'static str>,
    job_post: &'a Option<String>,
}

fn audited(f: &MemberFile) -> Option<String> {
    audit::snapshot(&Audited {
        birth_date: f.birth_date,
        applied_on: f.applied_on,
        joined_on: f.joined_on,
        full_on: f.full_on,
        title: &f.title,
        title_level: f.title_level.map(|l| l.code()),
        degree: f.degree.map(|d| d.code()),
        job_post: &f.job_post,
    })
}

/// Stores a person's file. The caller must change the person; a change of the hardship flag
/// needs the Party side's write access as well.
pub async fn put(c: &mut Conn, scope: &Scope, person: PersonId, f: &MemberFile) -> Result<(), StoreError> {
    people::require_access(c, scope, person, Access::Write).await?;
    let before = stored(c, person.0).await?;
    if before.hardship != f.hardship && party_access(c, scope, person.0).await? != Some(Access::Write) {
        return Err(StoreError::forbidden(
            "生活困难标记只由所在支部、上级党组织和创先办修改",
            "Only the branch, the organizations above it and the office change the hardship flag",
        ));
    }
    if before == *f {
        return Ok(());
    }
    upsert(c, person.0, f).await?;
    let mut seen = f.clone();
    seen.hardship = before.hardship;
    if seen != before {
        audit::append(c, scope, "member_file.update", "person", person.0, audited(&before), audited(f)).await?;
    }
    // A change of the flag is on the chain without the person (an entry per person would let an
    // auditor count the flag back).
    if before.hardship != f.hardship {
        audit::append(c, scope, "member_file.restricted", "member_file", "restricted", None, None).await?;
    }
    Ok(())
}

/// Writes a file as it is (the roster import and the demo have checked it).
pub async fn upsert(c: &mut Conn, person: i64, f: &MemberFile) -> Result<(), StoreError> {
    c.execute(
        Sql::new(
            "INSERT INTO member_files (person_id, birth_date, applied_on, joined_on, full_on, title, title_level, degree, job_post, hardship, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (person_id) DO UPDATE SET birth_date = excluded.birth_date, \
             applied_on = excluded.applied_on, joined_on = excluded.joined_on, full_on = excluded.full_on, title = excluded.title, \
             title_level = excluded.title_level, degree = excluded.degree, job_post = excluded.job_post, hardship = excluded.hardship, updated_ms = excluded.updated_ms",
        )
        .bind(person)
        .bind(f.birth_date)
        .bind(f.applied_on)
        .bind(f.joined_on)
        .bind(f.full_on)
        .bind(f.title.clone())
        .bind(f.title_level.map(|l| l.code()))
        .bind(f.degree.map(|d| d.code()))
        .bind(f.job_post.clone())
        .bind(i64::from(f.hardship))
        .bind(now_ms()),
    )
    .await?;
    Ok(())
}

/// The files of these people, by id (the roster import compares them).
pub async fn stored_many(c: &mut Conn, ids: &[i64]) -> Result<HashMap<i64, MemberFile>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        person_id: i64,
        #[sqlx(flatten)]
        f: FileRow,
    }
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = Sql::new(format!("SELECT person_id, {COLUMNS} FROM member_files WHERE person_id IN "));
        q.push_ids(chunk);
        for r in c.fetch_all::<Row>(q).await? {
            out.insert(r.person_id, r.f.file());
        }
    }
    Ok(out)
}

/// The office's bounds for the groups (the defaults until it sets them).
pub async fn rules(c: &mut Conn) -> Result<Rules, StoreError> {
    let row: Option<(i64, i64)> = c.fetch_optional(Sql::new("SELECT young_max_age, old_min_standing FROM member_file_rules WHERE id = 1")).await?;
    Ok(row.map(|(y, o)| Rules { young_max_age: y as i32, old_min_standing: o as i32 }).unwrap_or_default())
}

pub async fn set_rules(c: &mut Conn, scope: &Scope, r: &Rules) -> Result<(), StoreError> {
    crate::scope::office_only(scope)?;
    let before = rules(c).await?;
    c.execute(
        Sql::new(
            "INSERT INTO member_file_rules (id, young_max_age, old_min_standing, updated_ms) VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET young_max_age = excluded.young_max_age, old_min_standing = excluded.old_min_standing, updated_ms = excluded.updated_ms",
        )
        .bind(r.young_max_age)
        .bind(r.old_min_standing)
        .bind(now_ms()),
    )
    .await?;
    audit::append(c, scope, "member_file.rules", "member_file_rules", 1, audit::snapshot(&before), audit::snapshot(r)).await?;
    Ok(())
}

/// The groups of the people list's filter.
pub const GROUPS: [&str; 4] = ["talent", "young_teacher", "old_member", "hardship"];

/// Appends ` AND (…)` for the people (column `person_col`) of a group. The hardship group holds
/// only people the caller reads the flag of.
pub fn push_group_condition(q: &mut Sql, scope: &Scope, group: &str, rules: &Rules, today: Date, person_col: &str) {
    let file = format!(" AND EXISTS (SELECT 1 FROM member_files gf WHERE gf.person_id = {person_col} AND ");
    match group {
        "talent" => {
            q.push(&file).push("gf.degree = 'doctorate' AND gf.title_level IN ('senior', 'associate_senior'))");
        }
        "young_teacher" => {
            q.push(&file).push("gf.birth_date > ").push_bind(rules.young_born_after(today)).push(&format!(") AND {person_col} IN (SELECT id FROM people WHERE kind = 'staff')"));
        }
        "old_member" => {
            q.push(&file).push("gf.full_on <= ").push_bind(rules.old_member_full_on_or_before(today)).push(")");
        }
        "hardship" => {
            q.push(&file).push("gf.hardship = 1)");
            q.push(&format!(" AND {person_col} IN (SELECT hm.person_id FROM org_memberships hm JOIN orgs ho ON ho.id = hm.org_id WHERE hm.end_date IS NULL AND "));
            push_org_condition(q, scope, Access::Write, "ho.path", scope.is_office());
            q.push(")");
        }
        _ => {}
    }
}

/// One secondary organization's members by the plan's groups.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Structure {
    pub college_id: i64,
    pub college: String,
    pub full: i64,
    pub probationary: i64,
    pub staff: i64,
    pub students: i64,
    pub retired: i64,
    /// 高层次人才 (双高) among the members.
    pub talent: i64,
    pub young_teachers: i64,
    pub old_members: i64,
    /// Members in hardship: None where the caller may not know.
    pub hardship: Option<i64>,
    /// Members whose file has no full-membership date (党龄 unknown).
    pub no_standing: i64,
    pub age_under_30: i64,
    pub age_30_to_45: i64,
    pub age_46_to_60: i64,
    pub age_over_60: i64,
}

#[derive(sqlx::FromRow)]
struct MemberLine {
    person_id: i64,
    path: String,
    kind: String,
    political_status: String,
    birth_date: Option<Date>,
    full_on: Option<Date>,
    title_level: Option<String>,
    degree: Option<String>,
    hardship: Option<i64>,
}

/// The members in reach (everyone for the office and the leaders) counted per secondary
/// organization (the people of its subtree, as the people list's filter by organization finds
/// them), one organization's when `college` is given.
pub async fn structure(c: &mut Conn, scope: &Scope, college: Option<i64>, today: Date) -> Result<Vec<Structure>, StoreError> {
    let everywhere = scope.is_office() || scope.has(Role::Leader);
    let branches: Vec<BranchRef> = branches_in_reach(c, scope, everywhere, college).await?;
    let rules = rules(c).await?;
    let mut q = Sql::new(
        "SELECT p.id AS person_id, o.path, p.kind, p.political_status, mf.birth_date, mf.full_on, mf.title_level, mf.degree, mf.hardship \
         FROM org_memberships m JOIN orgs o ON o.id = m.org_id JOIN people p ON p.id = m.person_id LEFT JOIN member_files mf ON mf.person_id = p.id \
         WHERE m.end_date IS NULL AND p.left_on IS NULL AND p.political_status IN ('01', '02') AND o.kind <> 'university' AND ",
    );
    push_org_condition(&mut q, scope, Access::Read, "o.path", everywhere);
    if let Some(col) = college {
        let path = crate::tree::require(c, crate::tree::Tree::Org, col).await?.path;
        q.push(" AND o.path LIKE ").push_bind(format!("{path}%"));
    }
    q.push(" ORDER BY o.depth");
    let lines: Vec<MemberLine> = c.fetch_all(q).await?;
    let mut out: Vec<Structure> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for b in &branches {
        index.entry(b.college_id).or_insert_with(|| {
            out.push(Structure { college_id: b.college_id, college: b.college.clone(), ..Default::default() });
            out.len() - 1
        });
    }
    let mut seen: HashSet<i64> = HashSet::new();
    for l in &lines {
        if !seen.insert(l.person_id) {
            continue;
        }
        // The secondary organization is on the path of every node below it.
        let Some(college) = l.path.split('/').filter_map(|x| x.parse::<i64>().ok()).find(|id| index.contains_key(id)) else {
            continue;
        };
        let s = &mut out[index[&college]];
        let file = MemberFile {
            birth_date: l.birth_date,
            full_on: l.full_on,
            title_level: l.title_level.as_deref().and_then(TitleLevel::parse),
            degree: l.degree.as_deref().and_then(Degree::parse),
            ..Default::default()
        };
        let kind = PersonKind::parse(&l.kind).unwrap_or(PersonKind::Staff);
        if l.political_status == PoliticalStatus::CpcMember.code() {
            s.full += 1;
        } else {
            s.probationary += 1;
        }
        match kind {
            PersonKind::Staff => s.staff += 1,
            PersonKind::Student => s.students += 1,
            PersonKind::Retired => s.retired += 1,
        }
        s.talent += i64::from(file.is_talent());
        s.young_teachers += i64::from(rules.is_young_teacher(kind, &file, today));
        s.old_members += i64::from(rules.is_old_member(&file, today));
        if l.political_status == PoliticalStatus::CpcMember.code() && file.standing(today).is_none() {
            s.no_standing += 1;
        }
        if scope.party_access(&l.path) == Some(Access::Write) {
            *s.hardship.get_or_insert(0) += i64::from(l.hardship == Some(1));
        }
        match file.age(today) {
            Some(a) if a < 30 => s.age_under_30 += 1,
            Some(a) if a <= 45 => s.age_30_to_45 += 1,
            Some(a) if a <= 60 => s.age_46_to_60 += 1,
            Some(_) => s.age_over_60 += 1,
            None => {}
        }
    }
    // A college with some branches the caller may not see the flag of shows none.
    for s in out.iter_mut() {
        if branches.iter().any(|b| b.college_id == s.college_id && scope.party_access(&b.path) != Some(Access::Write)) {
            s.hardship = None;
        }
    }
    Ok(out)
}

/// Files for everyone of the demo: birth dates (from the ID number where there is one), the
/// Party dates of members and applicants, titles, degrees and posts of the staff, and a few
/// members in hardship. Returns how many files were written.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    use pacesetter_domain::member_file::{birth_of_id_number, shift_years};
    use time::Duration;
    type Line = (i64, String, String, Option<String>, Option<String>);
    let people: Vec<Line> = c.fetch_all(Sql::new("SELECT id, kind, political_status, dev_stage, id_number FROM people WHERE left_on IS NULL ORDER BY id")).await?;
    let mut rng = pacesetter_domain::rng::DemoRng::new(41);
    let now = now_ms();
    let mut rows = Vec::with_capacity(people.len());
    for (id, kind, status, stage, id_number) in &people {
        let kind = PersonKind::parse(kind).unwrap_or(PersonKind::Staff);
        let age = match kind {
            PersonKind::Student => 18 + rng.below(6) as i32,
            PersonKind::Staff => 25 + rng.below(36) as i32,
            PersonKind::Retired => 60 + rng.below(30) as i32,
        };
        let birth = id_number.as_deref().and_then(birth_of_id_number).filter(|b| *b < day).unwrap_or_else(|| shift_years(day, -age) - Duration::days(rng.below(365) as i64));
        let age = pacesetter_domain::member_file::years_between(birth, day);
        let eighteen = shift_years(birth, 18);
        let (mut applied, mut joined, mut full) = (None, None, None);
        let member = status == PoliticalStatus::CpcMember.code() || status == PoliticalStatus::CpcProbationary.code();
        if member {
            let j = if status == PoliticalStatus::CpcProbationary.code() {
                day - Duration::days(30 + rng.below(300) as i64)
            } else {
                // Joined at 19 to 30 (students: at 19 to their age), a year before today at the latest.
                let at = 19 + rng.below(if kind == PersonKind::Student { (age - 18).max(1) as usize } else { 12 }) as i32;
                let j = shift_years(birth, at) + Duration::days(rng.below(300) as i64);
                j.min(shift_years(day, -1) - Duration::days(rng.below(60) as i64))
            };
            let a = (j - Duration::days(365 + rng.below(700) as i64)).max(eighteen);
            if a < j {
                applied = Some(a);
                joined = Some(j);
                if status == PoliticalStatus::CpcMember.code() {
                    full = Some(shift_years(j, 1));
                }
            }
        } else if stage.is_some() && eighteen < day {
            applied = Some((day - Duration::days(60 + rng.below(600) as i64)).max(eighteen));
        }
        let (title, degree, post): (Option<&str>, Option<&str>, Option<&str>) = match kind {
            PersonKind::Student => (None, None, None),
            PersonKind::Staff | PersonKind::Retired => {
                let post = *rng.weighted(&[("专任教师", 70), ("辅导员", 8), ("管理人员", 16), ("实验技术人员", 6)]);
                let title = match (post, age) {
                    ("专任教师", a) if a < 30 => *rng.pick(&["助教", "讲师"]),
                    ("专任教师", a) if a < 40 => *rng.weighted(&[("讲师", 6), ("副教授", 4)]),
                    ("专任教师", _) => *rng.weighted(&[("副教授", 5), ("教授", 4), ("讲师", 1)]),
                    ("实验技术人员", _) => *rng.pick(&["实验师", "高级实验师"]),
                    ("辅导员", _) => *rng.pick(&["助教", "讲师"]),
                    _ => *rng.pick(&["助理研究员", "副研究员", "讲师"]),
                };
                let degree =
                    if post == "专任教师" { *rng.weighted(&[("doctorate", 6), ("master", 3), ("bachelor", 1)]) } else { *rng.weighted(&[("master", 5), ("bachelor", 5)]) };
                (Some(title), Some(degree), if kind == PersonKind::Retired { Some("退休") } else { Some(post) })
            }
        };
        let chance = match kind {
            PersonKind::Retired => 0.06,
            PersonKind::Student => 0.02,
            PersonKind::Staff => 0.01,
        };
        let hardship = member && rng.chance(chance);
        rows.push(vec![
            (*id).into(),
            birth.into(),
            applied.into(),
            joined.into(),
            full.into(),
            title.map(str::to_string).into(),
            title.and_then(TitleLevel::of_title).map(|l| l.code()).into(),
            degree.into(),
            post.into(),
            i64::from(hardship).into(),
            now.into(),
        ]);
    }
    let n = rows.len();
    crate::db::insert_rows(
        c,
        "member_files",
        &["person_id", "birth_date", "applied_on", "joined_on", "full_on", "title", "title_level", "degree", "job_post", "hardship", "updated_ms"],
        rows,
    )
    .await?;
    Ok(n)
}

/// The current Party members of a group, every one on the roster (for the office's lists, such
/// as a care round's: the caller checks who may ask).
pub async fn members_of_group(c: &mut Conn, group: &str, today: Date) -> Result<Vec<i64>, StoreError> {
    let rules = rules(c).await?;
    let mut q = Sql::new("SELECT p.id FROM people p WHERE p.left_on IS NULL AND p.political_status IN ('01', '02')");
    push_group_condition(&mut q, &Scope::system("member-files"), group, &rules, today, "p.id");
    q.push(" ORDER BY p.id");
    let rows: Vec<(i64,)> = c.fetch_all(q).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
