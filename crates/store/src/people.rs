//! People and their memberships in both trees, always read through the caller's scope.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::scope::push_person_condition;
use crate::tree::{self, Tree};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::ids::PersonId;
use pacesetter_domain::org::{OrgKind, Post};
use pacesetter_domain::people::{PersonFields, mask_id_number};
use pacesetter_domain::role::RelationKind;
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::validate;
use serde::{Deserialize, Serialize};
use time::Date;

/// The filters of the people list (all optional; they combine with AND).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PeopleFilter {
    /// Part of a name, or the beginning of a staff or student number.
    pub q: Option<String>,
    /// People in this Party organization's subtree.
    pub org_id: Option<i64>,
    /// People in this unit's subtree (a class is a unit).
    pub unit_id: Option<i64>,
    pub political_status: Option<String>,
    pub dev_stage: Option<String>,
    pub kind: Option<String>,
    /// secretary, committee, cadre, cadre_linked, contact or unit_head.
    pub role: Option<String>,
    /// One of the plan's groups by the person's file: talent, young_teacher, old_member or
    /// hardship (the last only among people the caller reads the flag of).
    #[serde(default)]
    pub group: Option<String>,
    /// Include people who have left.
    #[serde(default)]
    pub include_left: bool,
}

pub const ROLE_FILTERS: [&str; 6] = ["secretary", "committee", "cadre", "cadre_linked", "contact", "unit_head"];

/// A row of the people list: the fields a list shows, with where the person stands now.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct PersonListRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub number: String,
    pub gender: Option<String>,
    pub political_status: String,
    pub dev_stage: Option<String>,
    pub cadre_rank: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub left_on: Option<Date>,
    /// The deepest current Party organization ("branch · group").
    pub org_label: Option<String>,
    /// The deepest current unit ("college · class", "office · window").
    pub unit_label: Option<String>,
    /// From the member's file (never its hardship flag).
    pub birth_date: Option<Date>,
    pub joined_on: Option<Date>,
    pub full_on: Option<Date>,
    pub title: Option<String>,
    pub title_level: Option<String>,
    pub degree: Option<String>,
    pub job_post: Option<String>,
}

/// The fields anyone logged in may look up (to nominate or rate someone).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct PublicPerson {
    pub id: i64,
    pub name: String,
    pub org_label: Option<String>,
    pub unit_label: Option<String>,
    /// The newest published story about them (典型宣传), if any.
    pub story_id: Option<i64>,
}

pub(crate) const ORG_LABEL: &str = "(SELECT CASE WHEN lo.kind = 'group' THEN lp.name || ' · ' || lo.name ELSE lo.name END \
     FROM org_memberships lm JOIN orgs lo ON lo.id = lm.org_id LEFT JOIN orgs lp ON lp.id = lo.parent_id \
     WHERE lm.person_id = p.id AND lm.end_date IS NULL ORDER BY lo.depth DESC, lm.id LIMIT 1)";
/// The newest published story about `p`.
pub(crate) const STORY_OF_PERSON: &str = "(SELECT MAX(st.id) FROM stories st WHERE st.person_id = p.id AND st.state = 'published')";
pub(crate) const UNIT_LABEL: &str = "(SELECT CASE WHEN lu.kind IN ('window', 'class', 'department', 'section') THEN lq.name || ' · ' || lu.name ELSE lu.name END \
     FROM unit_memberships lm JOIN units lu ON lu.id = lm.unit_id LEFT JOIN units lq ON lq.id = lu.parent_id \
     WHERE lm.person_id = p.id AND lm.end_date IS NULL ORDER BY lu.depth DESC, lm.id LIMIT 1)";

fn list_columns() -> String {
    format!(
        "p.id, p.name, p.kind, p.number, p.gender, p.political_status, p.dev_stage, p.cadre_rank, p.email, p.phone, p.left_on, {ORG_LABEL} AS org_label, {UNIT_LABEL} AS unit_label, \
         lf.birth_date, lf.joined_on, lf.full_on, lf.title, lf.title_level, lf.degree, lf.job_post"
    )
}

use crate::db::like_escape as like_text;

async fn push_filter(c: &mut Conn, q: &mut Sql, scope: &Scope, f: &PeopleFilter) -> Result<(), StoreError> {
    q.push(" WHERE ");
    push_person_condition(q, scope, Access::Read, "p.id");
    if !f.include_left {
        q.push(" AND p.left_on IS NULL");
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let t = like_text(text);
        q.push(" AND (p.name LIKE ").push_bind(format!("%{t}%")).push(" ESCAPE '\\' OR p.number LIKE ").push_bind(format!("{}%", t.to_ascii_uppercase())).push(" ESCAPE '\\')");
    }
    for (tree, id) in [(Tree::Org, f.org_id), (Tree::Unit, f.unit_id)] {
        if let Some(id) = id {
            let path = tree::get(c, tree, id).await?.map(|n| n.path).unwrap_or_else(|| "-".into());
            q.push(&format!(
                " AND EXISTS (SELECT 1 FROM {m} fm JOIN {t} fn ON fn.id = fm.{fk} WHERE fm.person_id = p.id AND fm.end_date IS NULL AND fn.path LIKE ",
                m = tree.memberships(),
                t = tree.table(),
                fk = tree.fk()
            ))
            .push_bind(format!("{path}%"))
            .push(")");
        }
    }
    if let Some(s) = f.political_status.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND p.political_status = ").push_bind(s);
    }
    if let Some(s) = f.dev_stage.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND p.dev_stage = ").push_bind(s);
    }
    if let Some(s) = f.kind.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND p.kind = ").push_bind(s);
    }
    match f.role.as_deref().unwrap_or("") {
        "secretary" => {
            q.push(" AND EXISTS (SELECT 1 FROM org_memberships rm WHERE rm.person_id = p.id AND rm.end_date IS NULL AND rm.post = 'secretary')");
        }
        "committee" => {
            q.push(" AND EXISTS (SELECT 1 FROM org_memberships rm WHERE rm.person_id = p.id AND rm.end_date IS NULL AND rm.post <> 'member')");
        }
        "cadre" => {
            q.push(" AND p.cadre_rank IS NOT NULL");
        }
        r @ ("cadre_linked" | "contact" | "unit_head") => {
            let kind = match r {
                "cadre_linked" => RelationKind::CadreClass,
                "contact" => RelationKind::BranchContact,
                _ => RelationKind::UnitHead,
            };
            q.push(" AND EXISTS (SELECT 1 FROM relations rr WHERE rr.person_id = p.id AND rr.end_date IS NULL AND rr.kind = ").push_bind(kind.code()).push(")");
        }
        _ => {}
    }
    if let Some(g) = f.group.as_deref().filter(|g| crate::member_file::GROUPS.contains(g)) {
        let rules = crate::member_file::rules(c).await?;
        crate::member_file::push_group_condition(q, scope, g, &rules, pacesetter_domain::dates::today(), "p.id");
    }
    Ok(())
}

/// A page of the people the caller may see, with the total that match.
pub async fn list(c: &mut Conn, scope: &Scope, f: &PeopleFilter, offset: i64, limit: i64) -> Result<(Vec<PersonListRow>, i64), StoreError> {
    let mut count = Sql::new("SELECT COUNT(*) FROM people p");
    push_filter(c, &mut count, scope, f).await?;
    let total = c.fetch_i64(count).await?;
    let mut q = Sql::new(format!("SELECT {} FROM people p LEFT JOIN member_files lf ON lf.person_id = p.id", list_columns()));
    push_filter(c, &mut q, scope, f).await?;
    q.push(" ORDER BY p.number LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    Ok((c.fetch_all(q).await?, total))
}

/// Public fields of current people whose name contains `q` (at least one character).
pub async fn directory(c: &mut Conn, q: &str, limit: i64) -> Result<Vec<PublicPerson>, StoreError> {
    named(c, q, &NameFilter::default(), limit).await
}

/// Narrows a search by name: to some political statuses, to the members of organizations under
/// some paths, leaving one person out (the one searching).
#[derive(Clone, Debug, Default)]
pub struct NameFilter {
    pub statuses: Vec<&'static str>,
    pub org_paths: Option<Vec<String>>,
    pub exclude: Option<i64>,
}

/// Public fields of current people whose name contains `q`, within a filter, by name.
pub async fn named(c: &mut Conn, q: &str, f: &NameFilter, limit: i64) -> Result<Vec<PublicPerson>, StoreError> {
    if q.trim().is_empty() || f.org_paths.as_ref().is_some_and(|p| p.is_empty()) {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(format!(
        "SELECT p.id, p.name, {ORG_LABEL} AS org_label, {UNIT_LABEL} AS unit_label, {STORY_OF_PERSON} AS story_id FROM people p WHERE p.left_on IS NULL AND p.name LIKE "
    ));
    sql.push_bind(format!("%{}%", like_text(q.trim()))).push(" ESCAPE '\\'");
    if !f.statuses.is_empty() {
        sql.push(" AND p.political_status IN (");
        for (i, st) in f.statuses.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push_bind(*st);
        }
        sql.push(")");
    }
    if let Some(paths) = &f.org_paths {
        sql.push(" AND EXISTS (SELECT 1 FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = p.id AND m.end_date IS NULL AND (1 = 0");
        for path in paths {
            sql.push(" OR o.path LIKE ").push_bind(format!("{}%", like_text(path))).push(" ESCAPE '\\'");
        }
        sql.push("))");
    }
    if let Some(me) = f.exclude {
        sql.push(" AND p.id <> ").push_bind(me);
    }
    sql.push(" ORDER BY p.name, p.id LIMIT ").push_bind(limit);
    Ok(c.fetch_all(sql).await?)
}

/// A person's whole record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PersonRecord {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub number: String,
    pub gender: Option<String>,
    pub political_status: String,
    pub dev_stage: Option<String>,
    pub cadre_rank: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub left_on: Option<Date>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl PersonRecord {
    /// The record as the audit log keeps it: the ID number masked.
    fn for_audit(&self) -> Option<String> {
        let mut r = self.clone();
        r.id_number = r.id_number.as_deref().map(mask_id_number);
        audit::snapshot(&r)
    }

    pub fn fields(&self) -> Result<PersonFields, validate::FieldErrors> {
        pacesetter_domain::people::PersonInput {
            name: Some(self.name.clone()),
            kind: Some(self.kind.clone()),
            number: Some(self.number.clone()),
            gender: self.gender.clone(),
            political_status: Some(self.political_status.clone()),
            dev_stage: self.dev_stage.clone(),
            cadre_rank: self.cadre_rank.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            id_number: self.id_number.clone(),
        }
        .validate()
    }
}

/// A membership in either tree, current or past.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MembershipRow {
    pub id: i64,
    pub tree: String,
    pub node_id: i64,
    pub node_name: String,
    pub node_kind: String,
    pub node_path: String,
    /// The post (Party tree) or position (administrative tree).
    pub role: Option<String>,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub end_reason: Option<String>,
}

const RECORD_COLUMNS: &str =
    "p.id, p.name, p.kind, p.number, p.gender, p.political_status, p.dev_stage, p.cadre_rank, p.email, p.phone, p.id_number, p.left_on, p.created_ms, p.updated_ms";

/// The caller's access to one person, through the one scope condition; None when out of scope
/// (or when there is no such person: the two are not told apart).
pub async fn access(c: &mut Conn, scope: &Scope, id: PersonId) -> Result<Option<Access>, StoreError> {
    let mut q = Sql::new("SELECT CAST(CASE WHEN ");
    push_person_condition(&mut q, scope, Access::Write, "p.id");
    q.push(" THEN 2 WHEN ");
    push_person_condition(&mut q, scope, Access::Read, "p.id");
    q.push(" THEN 1 ELSE 0 END AS BIGINT) FROM people p WHERE p.id = ").push_bind(id);
    Ok(match c.fetch_opt_i64(q).await? {
        Some(2) => Some(Access::Write),
        Some(1) => Some(Access::Read),
        _ => None,
    })
}

/// The access, or NotFound / Forbidden when the caller may not do what `need` asks.
pub async fn require_access(c: &mut Conn, scope: &Scope, id: PersonId, need: Access) -> Result<Access, StoreError> {
    match access(c, scope, id).await? {
        None => Err(StoreError::NotFound),
        Some(a) if a < need => Err(StoreError::forbidden("无权修改此人的信息", "You may not change this person's record")),
        Some(a) => Ok(a),
    }
}

async fn record_unscoped(c: &mut Conn, id: PersonId) -> Result<PersonRecord, StoreError> {
    c.fetch_optional(Sql::new(format!("SELECT {RECORD_COLUMNS} FROM people p WHERE p.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// A person's record and the caller's access to it.
pub async fn get(c: &mut Conn, scope: &Scope, id: PersonId) -> Result<(PersonRecord, Access), StoreError> {
    let a = require_access(c, scope, id, Access::Read).await?;
    Ok((record_unscoped(c, id).await?, a))
}

/// All memberships of a person in both trees, current first, then by start date.
pub async fn memberships(c: &mut Conn, scope: &Scope, id: PersonId) -> Result<Vec<MembershipRow>, StoreError> {
    require_access(c, scope, id, Access::Read).await?;
    memberships_unscoped(c, id).await
}

async fn memberships_unscoped(c: &mut Conn, id: PersonId) -> Result<Vec<MembershipRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT * FROM (SELECT m.id, 'org' AS tree, o.id AS node_id, o.name AS node_name, o.kind AS node_kind, o.path AS node_path, m.post AS role, m.start_date, m.end_date, m.end_reason \
             FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 \
             UNION ALL \
             SELECT m.id, 'unit' AS tree, u.id, u.name, u.kind, u.path, m.position, m.start_date, m.end_date, m.end_reason \
             FROM unit_memberships m JOIN units u ON u.id = m.unit_id WHERE m.person_id = $1) x \
             ORDER BY CASE WHEN end_date IS NULL THEN 0 ELSE 1 END, start_date DESC, id DESC",
        )
        .bind(id),
    )
    .await?)
}

/// Where a new person goes: a Party organization, a unit, or both.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Placement {
    pub org_id: Option<i64>,
    pub post: Option<String>,
    pub unit_id: Option<i64>,
    pub position: Option<String>,
    pub start_date: Option<Date>,
}

async fn insert_person(c: &mut Conn, f: &PersonFields) -> Result<PersonId, StoreError> {
    let now = now_ms();
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO people (name, kind, number, gender, political_status, dev_stage, cadre_rank, email, phone, id_number, created_ms, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(f.name.as_str())
            .bind(f.kind.code())
            .bind(f.number.as_str())
            .bind(f.gender.map(|g| g.code()))
            .bind(f.political_status.code())
            .bind(f.dev_stage.map(|s| s.code()))
            .bind(f.cadre_rank.map(|s| s.code()))
            .bind(f.email.clone())
            .bind(f.phone.clone())
            .bind(f.id_number.clone())
            .bind(now),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "该工号/学号已存在", "A person with this staff or student number already exists"))?;
    Ok(PersonId(id))
}

/// Adds a person to the roster, placed in an organization or unit the caller may change.
pub async fn create(c: &mut Conn, scope: &Scope, f: &PersonFields, at: &Placement, today: Date) -> Result<PersonRecord, StoreError> {
    if at.org_id.is_none() && at.unit_id.is_none() {
        return Err(StoreError::invalid("org_id", "请至少选择所在党组织或单位之一", "Choose a Party organization or a unit for the person"));
    }
    // Check both places before writing anything.
    for (tree, node) in [(Tree::Org, at.org_id), (Tree::Unit, at.unit_id)] {
        if let Some(n) = node {
            check_node_for_membership(c, scope, tree, n).await?;
        }
    }
    if f.political_status.is_party_member() && at.org_id.is_none() {
        return Err(StoreError::invalid("org_id", "党员须编入党组织", "A Party member must be placed in a Party organization"));
    }
    let id = insert_person(c, f).await?;
    let start = at.start_date.unwrap_or(today);
    if let Some(o) = at.org_id {
        insert_membership(c, Tree::Org, id, o, at.post.as_deref().unwrap_or("member"), start).await?;
    }
    if let Some(u) = at.unit_id {
        insert_membership(c, Tree::Unit, id, u, at.position.as_deref().unwrap_or(""), start).await?;
    }
    let rec = record_unscoped(c, id).await?;
    audit::append(c, scope, "person.create", "person", id, None, rec.for_audit()).await?;
    crate::campaign::sync_active(c).await?;
    Ok(rec)
}

/// Changes a person's fields. The caller needs write access to the person.
pub async fn update(c: &mut Conn, scope: &Scope, id: PersonId, f: &PersonFields) -> Result<PersonRecord, StoreError> {
    require_access(c, scope, id, Access::Write).await?;
    let before = record_unscoped(c, id).await?;
    check_credentials_change(c, scope, id, &before, f.number.as_str(), f.email.as_deref()).await?;
    c.execute(
        Sql::new(
            "UPDATE people SET name = $1, kind = $2, number = $3, gender = $4, political_status = $5, dev_stage = $6, cadre_rank = $7, \
             email = $8, phone = $9, id_number = $10, updated_ms = $11 WHERE id = $12",
        )
        .bind(f.name.as_str())
        .bind(f.kind.code())
        .bind(f.number.as_str())
        .bind(f.gender.map(|g| g.code()))
        .bind(f.political_status.code())
        .bind(f.dev_stage.map(|s| s.code()))
        .bind(f.cadre_rank.map(|s| s.code()))
        .bind(f.email.clone())
        .bind(f.phone.clone())
        .bind(f.id_number.clone())
        .bind(now_ms())
        .bind(id),
    )
    .await
    .map_err(|e| StoreError::on_duplicate(e, "该工号/学号已被他人使用", "Another person already has this staff or student number"))?;
    let after = record_unscoped(c, id).await?;
    let mut b = before.clone();
    b.updated_ms = after.updated_ms;
    if b != after {
        audit::append(c, scope, "person.update", "person", id, before.for_audit(), after.for_audit()).await?;
        if b.political_status != after.political_status || b.cadre_rank != after.cadre_rank {
            crate::campaign::sync_active(c).await?;
        }
    }
    Ok(after)
}

/// Once a person has an account, their number and e-mail (where codes and resets are sent) change
/// only through the administrator: whoever could change them could receive the account.
pub async fn check_credentials_change(c: &mut Conn, scope: &Scope, id: PersonId, before: &PersonRecord, number: &str, email: Option<&str>) -> Result<(), StoreError> {
    if before.number == number && before.email.as_deref() == email {
        return Ok(());
    }
    if scope.has(pacesetter_domain::role::Role::Admin) || scope.account.0 == 0 {
        return Ok(());
    }
    if crate::account::by_person(c, id).await?.is_some() {
        return Err(StoreError::forbidden(
            "此人已开通账号，工号/学号和电子邮箱只能由系统管理员修改",
            "This person has an account: their number and e-mail are changed by the administrator only",
        ));
    }
    Ok(())
}

async fn check_node_for_membership(c: &mut Conn, scope: &Scope, tree: Tree, node_id: i64) -> Result<tree::Node, StoreError> {
    let field = if tree == Tree::Org { "org_id" } else { "unit_id" };
    let node = tree::get(c, tree, node_id).await?.ok_or_else(|| StoreError::invalid(field, "所选组织或单位不存在", "The chosen organization or unit does not exist"))?;
    if tree.access(scope, &node.path) != Some(Access::Write) {
        return Err(StoreError::forbidden("无权向该组织或单位添加成员", "You may not add members to this organization or unit"));
    }
    if node.closed_on.is_some() {
        return Err(StoreError::conflict("该组织或单位已撤销", "That organization or unit is closed"));
    }
    if tree == Tree::Org && OrgKind::parse(&node.kind) == Some(OrgKind::University) {
        // Allowed: the university committee's own members (its secretary, its committee).
    }
    Ok(node)
}

async fn insert_membership(c: &mut Conn, tree: Tree, person: PersonId, node: i64, role: &str, start: Date) -> Result<i64, StoreError> {
    let q = match tree {
        Tree::Org => {
            let post = Post::parse(role).ok_or_else(|| StoreError::invalid("post", "党内职务无效", "Unknown post"))?;
            Sql::new("INSERT INTO org_memberships (person_id, org_id, post, start_date) VALUES ($1, $2, $3, $4) RETURNING id").bind(person).bind(node).bind(post.code()).bind(start)
        }
        Tree::Unit => {
            let position = validate::optional_text(Some(role), 40).map_err(|t| StoreError::invalid("position", t.zh, t.en))?;
            Sql::new("INSERT INTO unit_memberships (person_id, unit_id, position, start_date) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(person)
                .bind(node)
                .bind(position)
                .bind(start)
        }
    };
    c.fetch_i64(q).await.map_err(|e| StoreError::on_duplicate(e, "此人已在该组织或单位中", "The person is already a member there"))
}

/// Adds a current membership (an intake, a transfer in, a new post). The caller needs write
/// access to the person as well as to the organization or unit: a person outside the caller's
/// reach is moved by the level above both, the office or a roster import, never pulled in by
/// whoever runs the place they are moved to (that would put them, and their account, in reach).
pub async fn add_membership(c: &mut Conn, scope: &Scope, person: PersonId, tree: Tree, node_id: i64, role: &str, start: Date) -> Result<MembershipRow, StoreError> {
    require_access(c, scope, person, Access::Write).await?;
    let rec = record_unscoped(c, person).await?;
    let node = check_node_for_membership(c, scope, tree, node_id).await?;
    if rec.left_on.is_some() {
        return Err(StoreError::conflict("此人已离开，不能再添加成员关系", "The person has left; no membership can be added"));
    }
    let id = insert_membership(c, tree, person, node.id, role, start).await?;
    let row = memberships_unscoped(c, person).await?.into_iter().find(|m| m.id == id && m.tree == tree.entity()).ok_or(StoreError::NotFound)?;
    audit::append(c, scope, &format!("{}_membership.add", tree.entity()), "person", person, None, audit::snapshot(&row)).await?;
    crate::campaign::refresh_member_orgs(c, Some(person.0)).await?;
    Ok(row)
}

/// Ends a current membership on a date with a reason (transfer out, graduation, retirement).
/// The caller needs write access to the organization or unit. Nothing is deleted.
pub async fn end_membership(c: &mut Conn, scope: &Scope, person: PersonId, tree: Tree, membership: i64, on: Date, reason: &str) -> Result<MembershipRow, StoreError> {
    let before = memberships_unscoped(c, person).await?.into_iter().find(|m| m.id == membership && m.tree == tree.entity()).ok_or(StoreError::NotFound)?;
    match tree.access(scope, &before.node_path) {
        None => return Err(StoreError::NotFound),
        Some(Access::Read) => return Err(StoreError::forbidden("无权结束该成员关系", "You may not end this membership")),
        Some(Access::Write) => {}
    }
    if before.end_date.is_some() {
        return Err(StoreError::conflict("该成员关系已结束", "This membership has already ended"));
    }
    if on < before.start_date {
        return Err(StoreError::invalid("end_date", "结束日期不能早于开始日期", "The end date cannot be before the start date"));
    }
    let reason = validate::name(reason, 100).map_err(|t| StoreError::invalid("reason", t.zh, t.en))?;
    let n = c
        .execute(
            Sql::new(format!("UPDATE {} SET end_date = $1, end_reason = $2 WHERE id = $3 AND end_date IS NULL", tree.memberships()))
                .bind(on)
                .bind(reason.as_str())
                .bind(membership),
        )
        .await?;
    StoreError::unless_changed(n, "该成员关系已结束", "This membership has already ended")?;
    let after = memberships_unscoped(c, person).await?.into_iter().find(|m| m.id == membership && m.tree == tree.entity()).ok_or(StoreError::NotFound)?;
    audit::append(c, scope, &format!("{}_membership.end", tree.entity()), "person", person, audit::snapshot(&before), audit::snapshot(&after)).await?;
    crate::campaign::refresh_member_orgs(c, Some(person.0)).await?;
    Ok(after)
}

/// Records that a person has left the university: every current membership and relation ends
/// on the date, and the person stays, with their history, never deleted.
/// Returns the record and its memberships as they now stand: the caller, who may no longer
/// reach the person once every membership has ended, gets the outcome of what they did.
pub async fn mark_left(c: &mut Conn, scope: &Scope, person: PersonId, on: Date, reason: &str) -> Result<(PersonRecord, Vec<MembershipRow>), StoreError> {
    require_access(c, scope, person, Access::Write).await?;
    // Leaving ends every membership and relation: the caller must reach every place the person
    // holds, or one secretary could end a post (and a reach) that another level gave.
    let outside: Vec<String> = memberships_unscoped(c, person)
        .await?
        .into_iter()
        .filter(|m| m.end_date.is_none())
        .filter(|m| {
            let tree = if m.tree == "org" { Tree::Org } else { Tree::Unit };
            tree.access(scope, &m.node_path) != Some(Access::Write)
        })
        .map(|m| m.node_name)
        .collect();
    if !outside.is_empty() {
        return Err(StoreError::forbidden(
            format!("此人还在您管理范围以外的组织或单位任职或在册（{}），离校须由共同的上级或创先办登记", outside.join("、")),
            format!("The person also belongs to places outside your reach ({}): their leaving is recorded by the level above both, or the office", outside.join(", ")),
        ));
    }
    let before = record_unscoped(c, person).await?;
    if before.left_on.is_some() {
        return Err(StoreError::conflict("此人已登记离开", "The person is already recorded as having left"));
    }
    let reason = validate::name(reason, 100).map_err(|t| StoreError::invalid("reason", t.zh, t.en))?;
    for table in ["org_memberships", "unit_memberships"] {
        c.execute(Sql::new(format!("UPDATE {table} SET end_date = $1, end_reason = $2 WHERE person_id = $3 AND end_date IS NULL")).bind(on).bind(reason.as_str()).bind(person))
            .await?;
    }
    c.execute(Sql::new("UPDATE relations SET end_date = $1 WHERE person_id = $2 AND end_date IS NULL").bind(on).bind(person)).await?;
    c.execute(Sql::new("UPDATE people SET left_on = $1, updated_ms = $2 WHERE id = $3").bind(on).bind(now_ms()).bind(person)).await?;
    let after = record_unscoped(c, person).await?;
    audit::append(c, scope, "person.leave", "person", person, before.for_audit(), after.for_audit()).await?;
    crate::campaign::refresh_member_orgs(c, Some(person.0)).await?;
    let history = memberships_unscoped(c, person).await?;
    Ok((after, history))
}

/// The id of the person with this staff or student number (for the offices' forms).
pub async fn id_by_number(c: &mut Conn, number: &str) -> Result<Option<PersonId>, StoreError> {
    Ok(c.fetch_opt_i64(Sql::new("SELECT id FROM people WHERE number = $1").bind(number.trim().to_ascii_uppercase())).await?.map(PersonId))
}

/// The paths of the organizations a person belongs to now.
pub async fn org_paths_of(c: &mut Conn, person: i64) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> =
        c.fetch_all(Sql::new("SELECT o.path FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL").bind(person)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The branch a member belongs to now (a Party group's branch for a group's member): id, path.
pub async fn current_branch(c: &mut Conn, person: i64) -> Result<Option<(i64, String)>, StoreError> {
    let rows: Vec<(i64, String, Option<i64>)> = c
        .fetch_all(
            Sql::new("SELECT o.id, o.kind, o.parent_id FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL AND o.closed_on IS NULL ORDER BY o.depth DESC")
                .bind(person),
        )
        .await?;
    for (id, kind, parent) in rows {
        let branch = match kind.as_str() {
            "branch" | "direct_branch" => Some(id),
            "group" => parent,
            _ => None,
        };
        if let Some(b) = branch {
            let path = c.fetch_opt_string(Sql::new("SELECT path FROM orgs WHERE id = $1").bind(b)).await?.unwrap_or_default();
            return Ok(Some((b, path)));
        }
    }
    Ok(None)
}

/// The people with these numbers, by id, and the numbers no one on the roster has.
pub async fn ids_by_numbers(c: &mut Conn, numbers: &[String]) -> Result<(Vec<i64>, Vec<String>), StoreError> {
    let (mut ids, mut unknown) = (Vec::new(), Vec::new());
    for n in numbers {
        match id_by_number(c, n).await? {
            Some(p) => ids.push(p.0),
            None => unknown.push(n.clone()),
        }
    }
    Ok((ids, unknown))
}
