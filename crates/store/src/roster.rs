//! Roster imports: the preview (problems and the difference from what is stored) and the
//! commit (all or nothing, in one transaction, every change in the audit log).
//!
//! An import covers a root: a Party organization's subtree, a unit's subtree, or both (a
//! college committee with its college). People of the file are matched by staff or student
//! number. Those in the root but not in the file are leaving: their memberships in the root end
//! and, when nothing else holds them, they are recorded as having left. Nothing is deleted.

use crate::audit::{self, NewEntry};
use crate::db::{Arg, Conn, Sql};

use crate::StoreError;
use crate::scope::push_person_condition;
use crate::tree::{self, Node, Tree};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::member_file::{FIELDS as FILE_FIELDS, FileInput, MemberFile};
use pacesetter_domain::org::{OrgKind, Post};
use pacesetter_domain::people::{PersonFields, PersonInput, mask_id_number};
use pacesetter_domain::roster::{Column, Problem, RosterRow};
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::unit::UnitKind;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use time::Date;

/// What an import covers.
#[derive(Clone, Debug)]
pub struct Root {
    pub org: Option<Node>,
    pub unit: Option<Node>,
}

impl Root {
    pub fn org_id(&self) -> Option<i64> {
        self.org.as_ref().map(|n| n.id)
    }
    pub fn unit_id(&self) -> Option<i64> {
        self.unit.as_ref().map(|n| n.id)
    }
}

/// Checks that the caller may import into these nodes (write access to each).
pub async fn root(c: &mut Conn, scope: &Scope, org: Option<i64>, unit: Option<i64>) -> Result<Root, StoreError> {
    if org.is_none() && unit.is_none() {
        return Err(StoreError::invalid("root", "请选择导入范围（党组织或单位）", "Choose what the import covers (an organization or a unit)"));
    }
    let mut out = Root { org: None, unit: None };
    for (t, id) in [(Tree::Org, org), (Tree::Unit, unit)] {
        let Some(id) = id else { continue };
        let node = tree::get(c, t, id).await?.ok_or(StoreError::NotFound)?;
        match t.access(scope, &node.path) {
            None => return Err(StoreError::NotFound),
            Some(Access::Read) => return Err(StoreError::forbidden("您对该范围只有查看权限，不能导入", "You may only read this organization or unit, not import into it")),
            Some(Access::Write) => {}
        }
        match t {
            Tree::Org => out.org = Some(node),
            Tree::Unit => out.unit = Some(node),
        }
    }
    Ok(out)
}

/// What the import does to a row's person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    New,
    Changed,
    Moved,
    Unchanged,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlannedRow {
    pub line: usize,
    pub number: String,
    pub name: String,
    pub action: Action,
    pub changes: Vec<FieldChange>,
    #[serde(skip)]
    plan: RowPlan,
}

/// What commit needs to know of a row, worked out by the plan.
#[derive(Clone, Debug, Default)]
struct RowPlan {
    person: Option<i64>,
    fields: Option<PersonFields>,
    rejoin: bool,
    /// Memberships to end: (tree, membership id).
    end: Vec<(Tree, i64)>,
    /// Memberships to add: (tree, node id, post or position).
    add: Vec<(Tree, i64, String)>,
    /// The member's file to store, when the row gives any of it and it changes.
    file: Option<MemberFile>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Leaving {
    pub person_id: i64,
    pub number: String,
    pub name: String,
    /// Where they are now, within the import's root.
    pub at: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub rows: usize,
    pub new: usize,
    pub changed: usize,
    pub moved: usize,
    pub unchanged: usize,
    pub leaving: usize,
    pub problems: usize,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Plan {
    pub rows: Vec<PlannedRow>,
    pub problems: Vec<Problem>,
    pub leaving: Vec<Leaving>,
    pub counts: Counts,
}

#[derive(sqlx::FromRow)]
struct Existing {
    id: i64,
    name: String,
    kind: String,
    number: String,
    gender: Option<String>,
    political_status: String,
    dev_stage: Option<String>,
    cadre_rank: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    id_number: Option<String>,
    left_on: Option<Date>,
    writable: i64,
}

impl Existing {
    fn fields(&self) -> PersonFields {
        let input = PersonInput {
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
        };
        // Stored records were valid when written; fall back field by field if rules tightened.
        input.validate().unwrap_or(PersonFields {
            name: self.name.clone(),
            kind: pacesetter_domain::people::PersonKind::parse(&self.kind).unwrap_or(pacesetter_domain::people::PersonKind::Staff),
            number: self.number.clone(),
            gender: None,
            political_status: pacesetter_domain::people::PoliticalStatus::parse(&self.political_status).unwrap_or(pacesetter_domain::people::PoliticalStatus::Masses),
            dev_stage: None,
            cadre_rank: None,
            email: self.email.clone(),
            phone: self.phone.clone(),
            id_number: self.id_number.clone(),
        })
    }
}

#[derive(sqlx::FromRow, Clone)]
struct Current {
    id: i64,
    person_id: i64,
    node_id: i64,
    node_kind: String,
    role: Option<String>,
}

/// Finds nodes by what a roster writes: a name, or a path of names ("committee/branch").
pub struct Resolver {
    nodes: HashMap<i64, Node>,
    by_name: HashMap<String, Vec<i64>>,
}

impl Resolver {
    pub fn new(nodes: Vec<Node>) -> Resolver {
        let mut by_name: HashMap<String, Vec<i64>> = HashMap::new();
        for n in nodes.iter().filter(|n| n.closed_on.is_none()) {
            by_name.entry(n.name.clone()).or_default().push(n.id);
        }
        Resolver { nodes: nodes.into_iter().map(|n| (n.id, n)).collect(), by_name }
    }

    fn ancestor_names(&self, id: i64) -> Vec<&str> {
        let mut out = Vec::new();
        let mut cur = self.nodes.get(&id).and_then(|n| n.parent_id);
        while let Some(p) = cur {
            match self.nodes.get(&p) {
                Some(n) => {
                    out.push(n.name.as_str());
                    cur = n.parent_id;
                }
                None => break,
            }
        }
        out
    }

    /// Ok(node), or Err(true) when several nodes match, Err(false) when none does.
    pub fn find(&self, text: &str, accept: impl Fn(&Node) -> bool) -> Result<i64, bool> {
        let parts: Vec<&str> = text.split(['/', '／', '>', '›']).map(str::trim).filter(|s| !s.is_empty()).collect();
        let Some((last, above)) = parts.split_last() else { return Err(false) };
        let found: Vec<i64> = self
            .by_name
            .get(*last)
            .map(|ids| {
                ids.iter()
                    .copied()
                    .filter(|id| self.nodes.get(id).is_some_and(&accept))
                    .filter(|id| {
                        let anc = self.ancestor_names(*id);
                        above.iter().rev().zip(anc.iter()).all(|(want, have)| want == have) && above.len() <= anc.len()
                    })
                    .collect()
            })
            .unwrap_or_default();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(false),
            _ => Err(true),
        }
    }
}

fn text_of<T: AsRef<str>>(v: &Option<T>) -> String {
    v.as_ref().map(|s| s.as_ref().to_string()).unwrap_or_default()
}

/// The fields of a stored person with the values the roster gives (an empty cell keeps the
/// stored value; a Party member's development stage is cleared).
fn merged(stored: &PersonFields, row: &PersonFields) -> PersonFields {
    let mut m = stored.clone();
    m.name = row.name.clone();
    m.kind = row.kind;
    m.political_status = row.political_status;
    macro_rules! keep_or_take { ($($f:ident),*) => { $( if row.$f.is_some() { m.$f = row.$f.clone(); } )* } }
    keep_or_take!(gender, dev_stage, cadre_rank, email, phone, id_number);
    if m.political_status.is_party_member() {
        m.dev_stage = None;
    }
    m
}

/// What changes in a member's file (the hardship flag is never a roster's).
fn file_changes(a: &MemberFile, b: &MemberFile) -> Vec<FieldChange> {
    let (x, y) = (FileInput::from_file(a), FileInput::from_file(b));
    [
        ("birth_date", x.birth_date, y.birth_date),
        ("applied_on", x.applied_on, y.applied_on),
        ("joined_on", x.joined_on, y.joined_on),
        ("full_on", x.full_on, y.full_on),
        ("title", x.title, y.title),
        ("title_level", x.title_level, y.title_level),
        ("degree", x.degree, y.degree),
        ("job_post", x.job_post, y.job_post),
    ]
    .into_iter()
    .filter(|(_, b, a)| b != a)
    .map(|(f, b, a)| FieldChange { field: f.into(), before: b.unwrap_or_default(), after: a.unwrap_or_default() })
    .collect()
}

fn field_changes(a: &PersonFields, b: &PersonFields) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut diff = |field: &str, x: String, y: String| {
        if x != y {
            out.push(FieldChange { field: field.into(), before: x, after: y });
        }
    };
    diff("name", a.name.clone(), b.name.clone());
    diff("kind", a.kind.code().into(), b.kind.code().into());
    diff("gender", text_of(&a.gender.map(|g| g.code())), text_of(&b.gender.map(|g| g.code())));
    diff("political_status", a.political_status.code().into(), b.political_status.code().into());
    diff("dev_stage", text_of(&a.dev_stage.map(|s| s.code())), text_of(&b.dev_stage.map(|s| s.code())));
    diff("cadre_rank", text_of(&a.cadre_rank.map(|s| s.code())), text_of(&b.cadre_rank.map(|s| s.code())));
    diff("email", text_of(&a.email), text_of(&b.email));
    diff("phone", text_of(&a.phone), text_of(&b.phone));
    // ID numbers are compared, never shown in full.
    if a.id_number != b.id_number {
        out.push(FieldChange {
            field: "id_number".into(),
            before: a.id_number.as_deref().map(mask_id_number).unwrap_or_default(),
            after: b.id_number.as_deref().map(mask_id_number).unwrap_or_default(),
        });
    }
    out
}

async fn subtree(c: &mut Conn, t: Tree, root: &Option<Node>) -> Result<Vec<Node>, StoreError> {
    let Some(r) = root else { return Ok(Vec::new()) };
    let cols = match t {
        Tree::Org => "id, parent_id, kind, name, path, depth, closed_on, category, linked_unit_id",
        Tree::Unit => "id, parent_id, kind, name, path, depth, closed_on, CAST(NULL AS TEXT) AS category, CAST(NULL AS BIGINT) AS linked_unit_id",
    };
    Ok(c.fetch_all(Sql::new(format!("SELECT {cols} FROM {} WHERE path LIKE $1 ORDER BY depth, id", t.table())).bind(format!("{}%", r.path))).await?)
}

async fn current_in_root(c: &mut Conn, t: Tree, root: &Option<Node>) -> Result<Vec<Current>, StoreError> {
    let Some(r) = root else { return Ok(Vec::new()) };
    let role = if t == Tree::Org { "m.post" } else { "m.position" };
    Ok(c.fetch_all(
        Sql::new(format!(
            "SELECT m.id, m.person_id, n.id AS node_id, n.kind AS node_kind, {role} AS role FROM {m} m JOIN {tb} n ON n.id = m.{fk} \
             WHERE m.end_date IS NULL AND n.path LIKE $1 ORDER BY m.id",
            m = t.memberships(),
            tb = t.table(),
            fk = t.fk()
        ))
        .bind(format!("{}%", r.path)),
    )
    .await?)
}

/// Works out what an import would do, without changing anything.
pub async fn plan(c: &mut Conn, scope: &Scope, root: &Root, rows: &[RosterRow], parse_problems: &[Problem]) -> Result<Plan, StoreError> {
    let mut problems: Vec<Problem> = parse_problems.to_vec();
    let orgs = Resolver::new(subtree(c, Tree::Org, &root.org).await?);
    let units = Resolver::new(subtree(c, Tree::Unit, &root.unit).await?);
    let cur_org = current_in_root(c, Tree::Org, &root.org).await?;
    let cur_unit = current_in_root(c, Tree::Unit, &root.unit).await?;
    let mut org_of: HashMap<i64, Vec<&Current>> = HashMap::new();
    for m in &cur_org {
        org_of.entry(m.person_id).or_default().push(m);
    }
    let mut unit_of: HashMap<i64, Vec<&Current>> = HashMap::new();
    for m in &cur_unit {
        unit_of.entry(m.person_id).or_default().push(m);
    }

    // Everyone of the file already on the roster, with whether the caller may change them.
    let mut existing: HashMap<String, Existing> = HashMap::new();
    let numbers: Vec<&str> = rows.iter().map(|r| r.fields.number.as_str()).collect();
    for chunk in numbers.chunks(500) {
        let mut q =
            Sql::new("SELECT p.id, p.name, p.kind, p.number, p.gender, p.political_status, p.dev_stage, p.cadre_rank, p.email, p.phone, p.id_number, p.left_on, CAST(CASE WHEN ");
        push_person_condition(&mut q, scope, Access::Write, "p.id");
        q.push(" THEN 1 ELSE 0 END AS BIGINT) AS writable FROM people p WHERE p.number IN (");
        for (i, n) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*n);
        }
        q.push(")");
        for e in c.fetch_all::<Existing>(q).await? {
            existing.insert(e.number.clone(), e);
        }
    }
    let everything = scope.global() == Some(Access::Write);
    let with_file: Vec<i64> = rows.iter().filter(|r| !r.file.is_empty()).filter_map(|r| existing.get(&r.fields.number).map(|e| e.id)).collect();
    let files = crate::member_file::stored_many(c, &with_file).await?;
    let existing_ids: Vec<i64> = existing.values().map(|e| e.id).collect();
    let developing = crate::development::with_files(c, &existing_ids).await?;
    let today = pacesetter_domain::dates::today();

    let mut planned = Vec::with_capacity(rows.len());
    for r in rows {
        let mut row_problems = Vec::new();
        let mut problem = |column: Column, zh: String, en: String| row_problems.push(Problem::new(r.line, Some(column), zh, en));
        // Where the row places the person.
        let org_node = match (&r.org, &root.org) {
            (None, _) => None,
            (Some(_), None) => {
                problem(
                    Column::Org,
                    "本次导入不含党组织，请留空“党组织”列或选择党组织范围".into(),
                    "This import covers no Party organization: leave the column empty or choose one".into(),
                );
                None
            }
            (Some(text), Some(_)) => match orgs.find(text, |n| OrgKind::parse(&n.kind).is_some_and(|k| k.is_branch() || k == OrgKind::Group)) {
                Ok(id) => Some(id),
                Err(true) => {
                    problem(Column::Org, format!("党组织“{text}”名称不唯一，请写成“上级/名称”"), format!("More than one organization is called \"{text}\": write \"parent/name\""));
                    None
                }
                Err(false) => {
                    problem(Column::Org, format!("在导入范围内找不到党支部或党小组“{text}”"), format!("No branch or group \"{text}\" within the import's scope"));
                    None
                }
            },
        };
        let unit_text = r.class.as_ref().map(|c| (c, true)).or(r.unit.as_ref().map(|u| (u, false)));
        let unit_node = match (unit_text, &root.unit) {
            (None, _) => None,
            (Some(_), None) => {
                problem(Column::Unit, "本次导入不含单位，请留空“单位”“班级”列或选择单位范围".into(), "This import covers no unit: leave unit and class empty or choose one".into());
                None
            }
            (Some((text, is_class)), Some(_)) => {
                let col = if is_class { Column::Class } else { Column::Unit };
                let within_unit = |n: &Node| -> bool {
                    // A class is looked for under the unit named on the same row, when there is one.
                    match (&r.unit, is_class) {
                        (Some(u), true) => units.find(u, |_| true).map(|uid| n.path.contains(&format!("/{uid}/"))).unwrap_or(true),
                        _ => true,
                    }
                };
                match units.find(text, |n| (UnitKind::parse(&n.kind) == Some(UnitKind::Class)) == is_class && within_unit(n)) {
                    Ok(id) => Some(id),
                    Err(true) => {
                        problem(col, format!("“{text}”名称不唯一，请写成“上级/名称”"), format!("More than one unit is called \"{text}\": write \"parent/name\""));
                        None
                    }
                    Err(false) => {
                        let what = if is_class { "班级" } else { "单位" };
                        problem(col, format!("在导入范围内找不到{what}“{text}”"), format!("No {} \"{text}\" within the import's scope", if is_class { "class" } else { "unit" }));
                        None
                    }
                }
            }
        };
        let mut p = RowPlan::default();
        let mut changes = Vec::new();
        let action = match existing.get(&r.fields.number) {
            None => {
                if org_node.is_none() && unit_node.is_none() && r.org.is_none() && unit_text.is_none() {
                    problem(Column::Org, "新人员须填写党组织或单位/班级".into(), "A new person needs an organization, a unit or a class".into());
                }
                if r.fields.political_status.is_party_member() && root.org.is_some() && r.org.is_none() {
                    problem(Column::Org, "党员须填写所在党支部或党小组".into(), "A Party member needs a branch or group".into());
                }
                if let Err((_, why)) = pacesetter_domain::development::direct_change(None, (r.fields.political_status, r.fields.dev_stage), false) {
                    problem(Column::DevStage, why.zh, why.en);
                }
                p.fields = Some(r.fields.clone());
                if !r.file.is_empty() {
                    match r.file.validate(r.fields.kind, r.fields.political_status, r.fields.id_number.as_deref(), today) {
                        Ok(f) => p.file = Some(f),
                        Err(errs) => pacesetter_domain::roster::push_field_problems(&mut row_problems, r.line, errs),
                    }
                }
                if let Some(o) = org_node {
                    p.add.push((Tree::Org, o, r.post.code().into()));
                }
                if let Some(u) = unit_node {
                    p.add.push((Tree::Unit, u, String::new()));
                }
                Action::New
            }
            Some(e) if e.writable == 0 && !everything => {
                // Say nothing of who it is: they are outside the importer's reach.
                problem(
                    Column::Number,
                    format!("工号/学号 {} 已属于您管辖范围以外的人员；如需转入，请在“组织关系转接”中申请，由其所在党组织同意", r.fields.number),
                    format!("The number {} belongs to someone outside your scope; ask for a transfer under Transfers, which their organization accepts", r.fields.number),
                );
                Action::Unchanged
            }
            Some(e) => {
                p.person = Some(e.id);
                let stored = e.fields();
                let m = merged(&stored, &r.fields);
                if let Err((field, why)) =
                    pacesetter_domain::development::direct_change(Some((stored.political_status, stored.dev_stage)), (m.political_status, m.dev_stage), developing.contains(&e.id))
                {
                    problem(if field == "dev_stage" { Column::DevStage } else { Column::PoliticalStatus }, why.zh, why.en);
                }
                match PersonInput::from_fields(&m).validate() {
                    Ok(valid) => {
                        changes = field_changes(&stored, &valid);
                        p.fields = Some(valid);
                    }
                    Err(errs) => {
                        for x in errs.0 {
                            problem(Column::Name, x.message.zh, x.message.en);
                        }
                    }
                }
                if !r.file.is_empty()
                    && let Some(valid) = &p.fields
                {
                    let before = files.get(&e.id).cloned().unwrap_or_default();
                    match FileInput::from_file(&before).overlay(r.file.clone()).validate(valid.kind, valid.political_status, valid.id_number.as_deref(), today) {
                        Ok(after) if after != before => {
                            changes.extend(file_changes(&before, &after));
                            p.file = Some(after);
                        }
                        Ok(_) => {}
                        Err(errs) => pacesetter_domain::roster::push_field_problems(&mut row_problems, r.line, errs),
                    }
                }
                let mut moved = false;
                if e.left_on.is_some() {
                    p.rejoin = true;
                    moved = true;
                    changes.push(FieldChange { field: "left_on".into(), before: e.left_on.map(pacesetter_domain::dates::iso).unwrap_or_default(), after: String::new() });
                }
                if let Some(o) = org_node {
                    let now: Vec<&&Current> = org_of
                        .get(&e.id)
                        .map(|v| v.iter().filter(|m| OrgKind::parse(&m.node_kind).is_some_and(|k| k.is_branch() || k == OrgKind::Group)).collect())
                        .unwrap_or_default();
                    let same = now.iter().find(|m| m.node_id == o);
                    match same {
                        Some(m) if m.role.as_deref() == Some(r.post.code()) => {}
                        Some(m) => {
                            changes.push(FieldChange { field: "post".into(), before: text_of(&m.role), after: r.post.code().into() });
                            p.end.push((Tree::Org, m.id));
                            p.add.push((Tree::Org, o, r.post.code().into()));
                        }
                        None => {
                            moved = true;
                            let before = now.iter().map(|m| orgs.nodes.get(&m.node_id).map(|n| n.name.clone()).unwrap_or_default()).collect::<Vec<_>>().join("、");
                            changes.push(FieldChange { field: "org".into(), before, after: orgs.nodes.get(&o).map(|n| n.name.clone()).unwrap_or_default() });
                            p.end.extend(now.iter().map(|m| (Tree::Org, m.id)));
                            p.add.push((Tree::Org, o, r.post.code().into()));
                        }
                    }
                }
                if let Some(u) = unit_node {
                    let now: Vec<&Current> = unit_of.get(&e.id).cloned().unwrap_or_default();
                    if !now.iter().any(|m| m.node_id == u) {
                        moved = true;
                        let before = now.iter().map(|m| units.nodes.get(&m.node_id).map(|n| n.name.clone()).unwrap_or_default()).collect::<Vec<_>>().join("、");
                        changes.push(FieldChange { field: "unit".into(), before, after: units.nodes.get(&u).map(|n| n.name.clone()).unwrap_or_default() });
                        p.end.extend(now.iter().map(|m| (Tree::Unit, m.id)));
                        p.add.push((Tree::Unit, u, String::new()));
                    }
                }
                if moved {
                    Action::Moved
                } else if changes.is_empty() {
                    Action::Unchanged
                } else {
                    Action::Changed
                }
            }
        };
        problems.extend(row_problems);
        planned.push(PlannedRow { line: r.line, number: r.fields.number.clone(), name: r.fields.name.clone(), action, changes, plan: p });
    }

    // Everyone in the root who is not in the file is leaving it.
    let in_file: HashSet<&str> = rows.iter().map(|r| r.fields.number.as_str()).collect();
    let mut in_root: Vec<i64> = cur_org.iter().chain(cur_unit.iter()).map(|m| m.person_id).collect();
    in_root.sort_unstable();
    in_root.dedup();
    let mut leaving = Vec::new();
    for chunk in in_root.chunks(500) {
        let mut q = Sql::new("SELECT id, number, name FROM people WHERE id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*id);
        }
        q.push(") ORDER BY number");
        for (id, number, name) in c.fetch_all::<(i64, String, String)>(q).await? {
            if in_file.contains(number.as_str()) {
                continue;
            }
            let at = org_of
                .get(&id)
                .into_iter()
                .flatten()
                .map(|m| orgs.nodes.get(&m.node_id).map(|n| n.name.clone()).unwrap_or_default())
                .chain(unit_of.get(&id).into_iter().flatten().map(|m| units.nodes.get(&m.node_id).map(|n| n.name.clone()).unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("、");
            leaving.push(Leaving { person_id: id, number, name, at });
        }
    }

    problems.sort_by_key(|p| p.line);
    let count = |a: Action| planned.iter().filter(|r| r.action == a).count();
    let counts = Counts {
        rows: rows.len() + parse_problems.iter().map(|p| p.line).collect::<HashSet<_>>().len(),
        new: count(Action::New),
        changed: count(Action::Changed),
        moved: count(Action::Moved),
        unchanged: count(Action::Unchanged),
        leaving: leaving.len(),
        problems: problems.len(),
    };
    Ok(Plan { rows: planned, problems, leaving, counts })
}

/// Applies an import in the caller's transaction, all or nothing: the plan is worked out
/// again against what is stored now, and any problem refuses the whole file.
pub async fn commit(c: &mut Conn, scope: &Scope, root: &Root, rows: &[RosterRow], on: Date, file_sha256: &str) -> Result<Plan, StoreError> {
    let plan = plan(c, scope, root, rows, &[]).await?;
    if !plan.problems.is_empty() {
        return Err(StoreError::conflict(
            format!("名册有{}处问题，未导入任何内容；请修改后重新上传", plan.problems.len()),
            format!("The roster has {} problems; nothing was imported. Fix them and upload again", plan.problems.len()),
        ));
    }
    let now = now_ms();
    let mut entries: Vec<NewEntry> = Vec::new();

    // New people, many per statement; their ids are read back by number.
    let new_rows: Vec<&PlannedRow> = plan.rows.iter().filter(|r| r.action == Action::New).collect();
    let values: Vec<Vec<Arg>> = new_rows
        .iter()
        .filter_map(|r| r.plan.fields.as_ref())
        .map(|f| {
            vec![
                f.name.clone().into(),
                f.kind.code().into(),
                f.number.clone().into(),
                f.gender.map(|g| g.code()).into(),
                f.political_status.code().into(),
                f.dev_stage.map(|s| s.code()).into(),
                f.cadre_rank.map(|s| s.code()).into(),
                f.email.clone().into(),
                f.phone.clone().into(),
                f.id_number.clone().into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    crate::db::insert_rows(
        c,
        "people",
        &["name", "kind", "number", "gender", "political_status", "dev_stage", "cadre_rank", "email", "phone", "id_number", "created_ms", "updated_ms"],
        values,
    )
    .await
    .map_err(|d| StoreError::on_duplicate(d, "名册中的工号/学号已被他人使用", "A number of the roster is already taken"))?;
    let mut ids: HashMap<String, i64> = HashMap::new();
    for chunk in new_rows.chunks(500) {
        let mut q = Sql::new("SELECT id, number FROM people WHERE number IN (");
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(r.number.as_str());
        }
        q.push(")");
        for (id, number) in c.fetch_all::<(i64, String)>(q).await? {
            ids.insert(number, id);
        }
    }

    let mut end_org = Vec::new();
    let mut end_unit = Vec::new();
    let mut add_org: Vec<Vec<Arg>> = Vec::new();
    let mut add_unit: Vec<Vec<Arg>> = Vec::new();
    for r in &plan.rows {
        let person = r.plan.person.or_else(|| ids.get(&r.number).copied());
        let Some(person) = person else { continue };
        for (t, m) in &r.plan.end {
            match t {
                Tree::Org => end_org.push(*m),
                Tree::Unit => end_unit.push(*m),
            }
        }
        for (t, node, role) in &r.plan.add {
            match t {
                Tree::Org => add_org.push(vec![person.into(), (*node).into(), Post::parse(role).unwrap_or(Post::Member).code().into(), on.into()]),
                Tree::Unit => add_unit.push(vec![person.into(), (*node).into(), Arg::OptText(None), on.into()]),
            }
        }
        match r.action {
            Action::New => entries.push(NewEntry {
                action: "person.import_create".into(),
                entity: "person",
                entity_id: person.to_string(),
                before: None,
                after: r.plan.fields.as_ref().and_then(|f| audit::snapshot(&masked(f))),
            }),
            Action::Changed | Action::Moved => {
                if let Some(f) = &r.plan.fields {
                    let fields_changed = r.changes.iter().any(|ch| !matches!(ch.field.as_str(), "org" | "unit" | "post" | "left_on") && !FILE_FIELDS.contains(&ch.field.as_str()));
                    if fields_changed || r.plan.rejoin {
                        update_fields(c, person, f, r.plan.rejoin, now).await?;
                    }
                }
                entries.push(NewEntry {
                    action: if r.action == Action::Moved { "person.import_move".into() } else { "person.import_update".into() },
                    entity: "person",
                    entity_id: person.to_string(),
                    before: None,
                    after: audit::snapshot(&r.changes),
                });
            }
            Action::Unchanged => {}
        }
    }
    for r in &plan.rows {
        if let (Some(f), Some(person)) = (&r.plan.file, r.plan.person.or_else(|| ids.get(&r.number).copied())) {
            crate::member_file::upsert(c, person, f).await?;
        }
    }
    end_memberships(c, Tree::Org, &end_org, on, "名册导入：组织关系调整").await?;
    end_memberships(c, Tree::Unit, &end_unit, on, "名册导入：单位调整").await?;
    crate::db::insert_rows(c, "org_memberships", &["person_id", "org_id", "post", "start_date"], add_org).await?;
    crate::db::insert_rows(c, "unit_memberships", &["person_id", "unit_id", "position", "start_date"], add_unit).await?;

    // Those who are leaving: their memberships in the root end; who is then held nowhere has left.
    let leaving: Vec<i64> = plan.leaving.iter().map(|l| l.person_id).collect();
    for (t, root_node) in [(Tree::Org, &root.org), (Tree::Unit, &root.unit)] {
        let Some(rn) = root_node else { continue };
        for chunk in leaving.chunks(500) {
            let mut q = Sql::new(format!(
                "UPDATE {m} SET end_date = $1, end_reason = $2 WHERE end_date IS NULL AND {fk} IN (SELECT id FROM {tb} WHERE path LIKE $3) AND person_id IN (",
                m = t.memberships(),
                fk = t.fk(),
                tb = t.table()
            ))
            .bind(on)
            .bind("名册导入：未列入名册")
            .bind(format!("{}%", rn.path));
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push_bind(*id);
            }
            q.push(")");
            c.execute(q).await?;
        }
    }
    for chunk in leaving.chunks(500) {
        let mut q = Sql::new(
            "UPDATE people SET left_on = $1, updated_ms = $2 WHERE left_on IS NULL \
             AND NOT EXISTS (SELECT 1 FROM org_memberships m WHERE m.person_id = people.id AND m.end_date IS NULL) \
             AND NOT EXISTS (SELECT 1 FROM unit_memberships m WHERE m.person_id = people.id AND m.end_date IS NULL) AND id IN (",
        )
        .bind(on)
        .bind(now);
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*id);
        }
        q.push(")");
        c.execute(q).await?;
    }
    for l in &plan.leaving {
        entries.push(NewEntry { action: "person.import_leave".into(), entity: "person", entity_id: l.person_id.to_string(), before: audit::snapshot(&l.at), after: None });
    }
    entries.push(NewEntry {
        action: "roster.import".into(),
        entity: "roster",
        entity_id: file_sha256.to_string(),
        before: None,
        after: Some(serde_json::json!({"root_org": root.org_id(), "root_unit": root.unit_id(), "counts": plan.counts, "file_sha256": file_sha256}).to_string()),
    });
    audit::append_many(c, scope, entries).await?;
    crate::campaign::sync_active(c).await?;
    crate::campaign::refresh_member_orgs(c, None).await?;
    Ok(plan)
}

fn masked(f: &PersonFields) -> PersonFields {
    let mut m = f.clone();
    m.id_number = m.id_number.as_deref().map(mask_id_number);
    m
}

async fn update_fields(c: &mut Conn, id: i64, f: &PersonFields, rejoin: bool, now: i64) -> Result<(), StoreError> {
    let mut q = Sql::new(
        "UPDATE people SET name = $1, kind = $2, gender = $3, political_status = $4, dev_stage = $5, cadre_rank = $6, email = $7, phone = $8, id_number = $9, updated_ms = $10",
    )
    .bind(f.name.as_str())
    .bind(f.kind.code())
    .bind(f.gender.map(|g| g.code()))
    .bind(f.political_status.code())
    .bind(f.dev_stage.map(|s| s.code()))
    .bind(f.cadre_rank.map(|s| s.code()))
    .bind(f.email.clone())
    .bind(f.phone.clone())
    .bind(f.id_number.clone())
    .bind(now);
    if rejoin {
        q.push(", left_on = NULL");
    }
    q.push(" WHERE id = ").push_bind(id);
    c.execute(q).await?;
    Ok(())
}

async fn end_memberships(c: &mut Conn, t: Tree, ids: &[i64], on: Date, reason: &str) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        let mut q = Sql::new(format!("UPDATE {} SET end_date = $1, end_reason = $2 WHERE end_date IS NULL AND id IN (", t.memberships())).bind(on).bind(reason);
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*id);
        }
        q.push(")");
        c.execute(q).await?;
    }
    Ok(())
}

/// A stored import: what was uploaded, for the preview and the commit.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportRow {
    pub id: i64,
    pub account_id: Option<i64>,
    pub actor: String,
    pub root_org_id: Option<i64>,
    pub root_unit_id: Option<i64>,
    pub filename: String,
    pub file_sha256: String,
    pub rows_json: Option<String>,
    pub row_count: i64,
    pub problem_count: i64,
    pub state: String,
    pub summary_json: Option<String>,
    pub created_ms: i64,
    pub finished_ms: Option<i64>,
}

/// The parse of an uploaded file, kept between the preview and the commit.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Parsed {
    pub rows: Vec<RosterRow>,
    pub problems: Vec<Problem>,
}

pub async fn save(c: &mut Conn, scope: &Scope, root: &Root, filename: &str, sha256: &str, parsed: &Parsed) -> Result<i64, StoreError> {
    // Previews left for a week are discarded: the rosters they hold should not linger.
    let week_ago = now_ms() - 7 * 24 * 3600 * 1000;
    c.execute(
        Sql::new("UPDATE roster_imports SET state = 'discarded', rows_json = NULL, summary_json = NULL, finished_ms = $1 WHERE state = 'previewed' AND created_ms < $2")
            .bind(now_ms())
            .bind(week_ago),
    )
    .await?;
    let json = serde_json::to_string(parsed).map_err(|e| StoreError::Config(e.to_string()))?;
    Ok(c.fetch_i64(
        Sql::new(
            "INSERT INTO roster_imports (account_id, actor, root_org_id, root_unit_id, filename, file_sha256, rows_json, row_count, problem_count, state, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'previewed', $10) RETURNING id",
        )
        .bind((scope.account.0 != 0).then_some(scope.account))
        .bind(scope.actor.as_str())
        .bind(root.org_id())
        .bind(root.unit_id())
        .bind(filename)
        .bind(sha256)
        .bind(json)
        .bind(parsed.rows.len() as i64)
        .bind(parsed.problems.len() as i64)
        .bind(now_ms()),
    )
    .await?)
}

/// An import of the caller's own (nobody else's imports are visible: they hold rosters).
pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<ImportRow, StoreError> {
    let row: ImportRow = c.fetch_optional(Sql::new("SELECT * FROM roster_imports WHERE id = $1").bind(id)).await?.ok_or(StoreError::NotFound)?;
    if row.account_id != Some(scope.account.0) || scope.account.0 == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(row)
}

pub fn parsed(row: &ImportRow) -> Result<Parsed, StoreError> {
    match &row.rows_json {
        Some(j) => serde_json::from_str(j).map_err(|e| StoreError::Config(format!("stored import {} is unreadable: {e}", row.id))),
        None => Err(StoreError::conflict("该导入已完成或已放弃", "This import has already been committed or discarded")),
    }
}

/// Marks an import committed (or discarded) and drops its rows, which now live in the roster.
pub async fn finish(c: &mut Conn, id: i64, state: &str, summary: Option<&Counts>) -> Result<(), StoreError> {
    let n = c
        .execute(
            Sql::new("UPDATE roster_imports SET state = $1, rows_json = NULL, summary_json = $2, finished_ms = $3 WHERE id = $4 AND state = 'previewed'")
                .bind(state)
                .bind(summary.and_then(audit::snapshot))
                .bind(now_ms())
                .bind(id),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::conflict("该导入已完成或已放弃", "This import has already been committed or discarded"));
    }
    Ok(())
}

/// The caller's recent imports.
pub async fn recent(c: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<ImportRow>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT * FROM roster_imports WHERE account_id = $1 ORDER BY id DESC LIMIT $2").bind(scope.account).bind(limit)).await?)
}

/// Keeps the preview with the import, for the pages that show it.
pub async fn set_preview(c: &mut Conn, id: i64, plan: &Plan) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE roster_imports SET summary_json = $1 WHERE id = $2").bind(audit::snapshot(plan)).bind(id)).await?;
    Ok(())
}

/// The preview kept with an import (after the commit: the counts of what was done).
pub fn preview(row: &ImportRow) -> Plan {
    let Some(j) = &row.summary_json else { return Plan::default() };
    if row.state == "previewed" { serde_json::from_str(j).unwrap_or_default() } else { Plan { counts: serde_json::from_str(j).unwrap_or_default(), ..Default::default() } }
}
