//! The member's file (党员档案) as use cases: a person's file as the caller may see it, its
//! change, the office's bounds for the plan's groups, and the counts per secondary organization
//! (党员队伍结构) with their export.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::today;
use pacesetter_domain::ids::PersonId;
use pacesetter_domain::member_file::{FileInput, MemberFile, Rules};
use pacesetter_domain::people::{PersonKind, PoliticalStatus};
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_store::StoreError;
use pacesetter_store::member_file::{self as store, FileAccess, Structure};
use pacesetter_store::people;
use serde::{Deserialize, Serialize};

/// A file as typed (form or JSON): every field text; a field left out keeps its value, an empty
/// one clears it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct FileBody {
    /// YYYY-MM-DD; read from the ID number when empty.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// 申请入党日期, YYYY-MM-DD.
    #[serde(default)]
    pub applied_on: Option<String>,
    /// 入党日期, YYYY-MM-DD (members only).
    #[serde(default)]
    pub joined_on: Option<String>,
    /// 转正日期, YYYY-MM-DD (full members only, a year after joining or later).
    #[serde(default)]
    pub full_on: Option<String>,
    /// 职称 as written (教授, 讲师 …).
    #[serde(default)]
    pub title: Option<String>,
    /// senior, associate_senior, intermediate or junior; read from the title when empty.
    #[serde(default)]
    pub title_level: Option<String>,
    /// doctorate, master, bachelor or none.
    #[serde(default)]
    pub degree: Option<String>,
    /// 岗位 (专任教师, 辅导员 …).
    #[serde(default)]
    pub job_post: Option<String>,
    /// "1" for 生活困难, "" for not; only the Party side over the person may send it.
    #[serde(default)]
    pub hardship: Option<String>,
}

impl FileBody {
    pub fn input(self) -> FileInput {
        FileInput {
            birth_date: self.birth_date,
            applied_on: self.applied_on,
            joined_on: self.joined_on,
            full_on: self.full_on,
            title: self.title,
            title_level: self.title_level,
            degree: self.degree,
            job_post: self.job_post,
            hardship: self.hardship,
        }
    }
}

/// A person's file as the caller sees it, with what follows from it today.
pub struct FileView {
    pub person_id: i64,
    pub name: String,
    pub kind: PersonKind,
    pub status: PoliticalStatus,
    pub file: MemberFile,
    pub access: FileAccess,
    pub age: Option<i32>,
    pub standing: Option<i32>,
    pub talent: bool,
    pub young_teacher: bool,
    pub old_member: bool,
}

pub async fn get(s: &AppState, scope: &Scope, person: PersonId) -> AppResult<FileView> {
    let mut c = s.store.read().await?;
    let (file, access) = store::get(&mut c, scope, person).await?;
    let (rec, _) = people::get(&mut c, scope, person).await?;
    let rules = store::rules(&mut c).await?;
    let kind = PersonKind::parse(&rec.kind).unwrap_or(PersonKind::Staff);
    let status = PoliticalStatus::parse(&rec.political_status).unwrap_or(PoliticalStatus::Masses);
    let day = today();
    Ok(FileView {
        person_id: rec.id,
        name: rec.name,
        kind,
        status,
        age: file.age(day),
        standing: file.standing(day),
        talent: file.is_talent(),
        young_teacher: rules.is_young_teacher(kind, &file, day),
        old_member: rules.is_old_member(&file, day),
        file,
        access,
    })
}

/// Changes a person's file: the fields given replace the stored ones, the rest are kept.
pub async fn update(s: &AppState, scope: &Scope, person: PersonId, patch: FileInput) -> AppResult<FileView> {
    {
        let mut w = s.store.write().await?;
        let (rec, access) = people::get(&mut w, scope, person).await?;
        if access != Access::Write {
            return Err(AppError::forbidden());
        }
        let party = store::party_access(&mut w, scope, person.0).await?;
        let mut patch = patch;
        if party != Some(Access::Write) {
            if patch.hardship.as_deref().is_some_and(|h| !h.trim().is_empty() && h.trim() != "0") {
                return Err(StoreError::forbidden(
                    "生活困难标记只由所在支部、上级党组织和创先办修改",
                    "Only the branch, the organizations above it and the office change the hardship flag",
                )
                .into());
            }
            // Those who may not see the flag do not clear it either.
            patch.hardship = None;
        }
        let stored = store::stored(&mut w, person.0).await?;
        let kind = PersonKind::parse(&rec.kind).unwrap_or(PersonKind::Staff);
        let status = PoliticalStatus::parse(&rec.political_status).unwrap_or(PoliticalStatus::Masses);
        let file = FileInput::from_file(&stored).overlay(patch).validate(kind, status, rec.id_number.as_deref(), today()).map_err(AppError::invalid)?;
        store::put(&mut w, scope, person, &file).await?;
        w.commit().await.map_err(StoreError::from)?;
    }
    get(s, scope, person).await
}

/// The groups of the people list's filter the caller may use.
pub fn groups(scope: &Scope, lang: Lang) -> Vec<(&'static str, String)> {
    let party_side = scope.is_office() || scope.own_org_paths(Access::Write).next().is_some();
    store::GROUPS.iter().filter(|g| **g != "hardship" || party_side).map(|g| (*g, group_label(g, lang).to_string())).collect()
}

pub fn group_label(code: &str, lang: Lang) -> &'static str {
    match code {
        "talent" => lang.t("高层次人才（双高）", "High-level talent (doctorate and senior title)"),
        "young_teacher" => lang.t("青年教师", "Young teachers"),
        "old_member" => lang.t("老党员", "Long-standing members"),
        "hardship" => lang.t("生活困难党员", "Members in hardship"),
        _ => "",
    }
}

pub async fn rules(s: &AppState) -> AppResult<Rules> {
    let mut c = s.store.read().await?;
    Ok(store::rules(&mut c).await?)
}

/// The office's bounds, as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct MemberRulesBody {
    /// A young teacher is a member of staff of at most this age (25 to 50).
    #[serde(default)]
    pub young_max_age: String,
    /// A 老党员 has at least this Party standing in years (20 to 70).
    #[serde(default)]
    pub old_min_standing: String,
}

pub async fn set_rules(s: &AppState, scope: &Scope, body: &MemberRulesBody) -> AppResult<Rules> {
    let r = Rules::parse(&body.young_max_age, &body.old_min_standing).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    store::set_rules(&mut w, scope, &r).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(r)
}

/// The counts per secondary organization in reach; only the Party side and the leaders see any.
pub async fn structure(s: &AppState, scope: &Scope, college: Option<i64>) -> AppResult<Vec<Structure>> {
    let mut c = s.store.read().await?;
    Ok(store::structure(&mut c, scope, college, today()).await?)
}

/// The counts as one sheet, a line per secondary organization and a total.
pub fn structure_sheet(rows: &[Structure], rules: &Rules, lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let mut lines: Vec<Vec<String>> = rows.iter().map(|r| line(&r.college, r)).collect();
    let mut total = Structure::default();
    for r in rows {
        total.full += r.full;
        total.probationary += r.probationary;
        total.staff += r.staff;
        total.students += r.students;
        total.retired += r.retired;
        total.talent += r.talent;
        total.young_teachers += r.young_teachers;
        total.old_members += r.old_members;
        total.no_standing += r.no_standing;
        total.age_under_30 += r.age_under_30;
        total.age_30_to_45 += r.age_30_to_45;
        total.age_46_to_60 += r.age_46_to_60;
        total.age_over_60 += r.age_over_60;
    }
    total.hardship = rows.iter().map(|r| r.hardship).sum();
    lines.push(line(&t("合计", "Total"), &total));
    crate::export::Sheet {
        name: t("党员队伍结构", "Members by group"),
        headers: vec![
            t("二级党组织", "Secondary organization"),
            t("正式党员", "Full members"),
            t("预备党员", "Probationary members"),
            t("教职工", "Staff"),
            t("学生", "Students"),
            t("离退休", "Retired"),
            t("高层次人才（双高）", "High-level talent"),
            format!("{}（≤{}岁）", t("青年教师", "Young teachers"), rules.young_max_age),
            format!("{}（党龄≥{}年）", t("老党员", "Long-standing"), rules.old_min_standing),
            t("生活困难", "In hardship"),
            t("党龄不详", "Standing unknown"),
            t("30岁以下", "Under 30"),
            t("30–45岁", "30–45"),
            t("46–60岁", "46–60"),
            t("60岁以上", "Over 60"),
        ],
        rows: lines,
    }
}

fn line(name: &str, r: &Structure) -> Vec<String> {
    vec![
        name.to_string(),
        r.full.to_string(),
        r.probationary.to_string(),
        r.staff.to_string(),
        r.students.to_string(),
        r.retired.to_string(),
        r.talent.to_string(),
        r.young_teachers.to_string(),
        r.old_members.to_string(),
        r.hardship.map(|h| h.to_string()).unwrap_or_else(|| "—".into()),
        r.no_standing.to_string(),
        r.age_under_30.to_string(),
        r.age_30_to_45.to_string(),
        r.age_46_to_60.to_string(),
        r.age_over_60.to_string(),
    ]
}
