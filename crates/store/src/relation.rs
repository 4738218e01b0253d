//! The relation records scope depends on: cadre to class (item 8), contact person to branch
//! (item 11), head to unit (item 9). The office creates and ends them; history is kept.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::tree::{self, Tree};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::ids::{PersonId, RelationId};
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::people::PoliticalStatus;
use pacesetter_domain::role::{RelationKind, Role};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::unit::UnitKind;
use serde::Serialize;
use time::Date;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RelationRow {
    pub id: i64,
    pub kind: String,
    pub person_id: i64,
    pub person_name: String,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub target_name: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
}

const SELECT: &str = "SELECT r.id, r.kind, r.person_id, p.name AS person_name, r.org_id, r.unit_id, COALESCE(o.name, u.name, '') AS target_name, r.start_date, r.end_date \
     FROM relations r JOIN people p ON p.id = r.person_id LEFT JOIN orgs o ON o.id = r.org_id LEFT JOIN units u ON u.id = r.unit_id";

/// The kinds of relation record the caller keeps: every kind for the office; the cadre–class
/// links for the staff of the unit the office names for them (item 8: in practice 学工部).
pub async fn kinds_kept(c: &mut Conn, scope: &Scope) -> Result<Vec<RelationKind>, StoreError> {
    if scope.has_any(&[Role::Office, Role::Admin]) || scope.account.0 == 0 {
        return Ok(RelationKind::ALL.to_vec());
    }
    match scope.person {
        Some(p) if crate::liaison::is_linker(c, p.0).await? => Ok(vec![RelationKind::CadreClass]),
        _ => Ok(Vec::new()),
    }
}

async fn may_manage(c: &mut Conn, scope: &Scope, kind: RelationKind) -> Result<(), StoreError> {
    if kinds_kept(c, scope).await?.contains(&kind) {
        Ok(())
    } else {
        Err(StoreError::forbidden(
            "只有创先办（干部联系班级另有创先办指定单位的工作人员）可以管理关系记录",
            "Only the campaign office (and, for cadres and classes, the staff of the unit it names) manages relation records",
        ))
    }
}

/// Relation records of the kinds given (one kind, or those the caller keeps), current ones only
/// or all.
pub async fn list(c: &mut Conn, kinds: &[RelationKind], current_only: bool, offset: i64, limit: i64) -> Result<(Vec<RelationRow>, i64), StoreError> {
    let mut cond = Sql::new(" WHERE (1 = 0");
    for k in kinds {
        cond.push(" OR r.kind = ").push_bind(k.code());
    }
    cond.push(")");
    if current_only {
        cond.push(" AND r.end_date IS NULL");
    }
    let mut count = Sql::new("SELECT COUNT(*) FROM relations r");
    count.push(&cond.text);
    count.args = cond.args.clone();
    let total = c.fetch_i64(count).await?;
    let mut q = Sql::new(SELECT);
    q.push(&cond.text);
    q.args = cond.args;
    q.push(" ORDER BY r.kind, r.id LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    Ok((c.fetch_all(q).await?, total))
}

/// The relation records of one person (current and past).
pub async fn of_person(c: &mut Conn, person: PersonId) -> Result<Vec<RelationRow>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE r.person_id = ").push_bind(person).push(" ORDER BY r.id");
    Ok(c.fetch_all(q).await?)
}

/// The current relation records that point at one node.
pub async fn at_node(c: &mut Conn, tree: Tree, node: i64) -> Result<Vec<RelationRow>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(&format!(" WHERE r.{} = ", tree.fk())).push_bind(node).push(" AND r.end_date IS NULL ORDER BY r.id");
    Ok(c.fetch_all(q).await?)
}

async fn get(c: &mut Conn, id: i64) -> Result<RelationRow, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE r.id = ").push_bind(id);
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// Creates a relation record after checking that its person and target fit its kind.
pub async fn create(c: &mut Conn, scope: &Scope, kind: RelationKind, person: PersonId, target: i64, start: Date) -> Result<RelationRow, StoreError> {
    may_manage(c, scope, kind).await?;
    // A relation gives its person a reach: no one but the office gives one to themselves.
    if scope.person == Some(person) && !scope.has_any(&[Role::Office, Role::Admin]) {
        return Err(StoreError::forbidden("不能为自己建立联系关系，请由创先办办理", "You cannot link yourself: ask the office"));
    }
    let p: Option<(String, Option<String>, Option<Date>)> =
        c.fetch_optional(Sql::new("SELECT political_status, cadre_rank, left_on FROM people WHERE id = $1").bind(person)).await?;
    let Some((status, rank, left)) = p else {
        return Err(StoreError::invalid("person_id", "人员不存在", "No such person"));
    };
    if left.is_some() {
        return Err(StoreError::invalid("person_id", "此人已离开", "The person has left"));
    }
    let tree = if kind.targets_org() { Tree::Org } else { Tree::Unit };
    let node = tree::get(c, tree, target).await?.ok_or_else(|| StoreError::invalid("target_id", "所选组织或单位不存在", "The chosen organization or unit does not exist"))?;
    match kind {
        RelationKind::CadreClass => {
            if rank.is_none() {
                return Err(StoreError::invalid("person_id", "联系班级的须是处级以上干部", "Only a division-level cadre is linked to a class"));
            }
            if UnitKind::parse(&node.kind) != Some(UnitKind::Class) {
                return Err(StoreError::invalid("target_id", "请选择一个班级", "Choose a class"));
            }
        }
        RelationKind::BranchContact => {
            if !PoliticalStatus::parse(&status).is_some_and(PoliticalStatus::is_party_member) {
                return Err(StoreError::invalid("person_id", "支部联系人须是党员", "A branch contact person must be a Party member"));
            }
            if !OrgKind::parse(&node.kind).is_some_and(OrgKind::is_branch) {
                return Err(StoreError::invalid("target_id", "请选择一个党支部", "Choose a branch"));
            }
        }
        RelationKind::UnitHead => {
            if !UnitKind::parse(&node.kind).is_some_and(UnitKind::may_have_windows) {
                return Err(StoreError::invalid("target_id", "请选择设有服务窗口的单位", "Choose a unit that can have service windows"));
            }
        }
    }
    if node.closed_on.is_some() {
        return Err(StoreError::conflict("该组织或单位已撤销", "That organization or unit is closed"));
    }
    let (org, unit) = if tree == Tree::Org { (Some(target), None) } else { (None, Some(target)) };
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO relations (kind, person_id, org_id, unit_id, start_date, created_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(kind.code())
                .bind(person)
                .bind(org)
                .bind(unit)
                .bind(start)
                .bind((scope.account.0 != 0).then_some(scope.account))
                .bind(now_ms()),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "该关系记录已存在", "This relation record already exists"))?;
    let row = get(c, id).await?;
    audit::append(c, scope, "relation.create", "relation", id, None, audit::snapshot(&row)).await?;
    Ok(row)
}

/// Ends a relation record on a date; it stays in the history.
pub async fn end(c: &mut Conn, scope: &Scope, id: RelationId, on: Date) -> Result<RelationRow, StoreError> {
    let before = get(c, id.0).await?;
    may_manage(c, scope, RelationKind::parse(&before.kind).unwrap_or(RelationKind::UnitHead)).await?;
    if before.end_date.is_some() {
        return Err(StoreError::conflict("该关系记录已结束", "This relation record has already ended"));
    }
    if on < before.start_date {
        return Err(StoreError::invalid("end_date", "结束日期不能早于开始日期", "The end date cannot be before the start date"));
    }
    let n = c.execute(Sql::new("UPDATE relations SET end_date = $1 WHERE id = $2 AND end_date IS NULL").bind(on).bind(id)).await?;
    StoreError::unless_changed(n, "该关系记录已结束", "This relation record has already ended")?;
    let after = get(c, id.0).await?;
    audit::append(c, scope, "relation.end", "relation", id, audit::snapshot(&before), audit::snapshot(&after)).await?;
    Ok(after)
}

/// Coverage of the relations the plan asks for: classes without a cadre (item 8), branches
/// without a contact person (item 11), units with windows but no head (item 9).
#[derive(Clone, Debug, Serialize)]
pub struct Coverage {
    pub classes: i64,
    pub classes_without_cadre: Vec<(i64, String)>,
    /// Current 处级以上干部, and those linked to no class (the other way round of item 8).
    pub cadres: i64,
    pub cadres_without_class: Vec<(i64, String)>,
    pub branches: i64,
    pub branches_without_contact: Vec<(i64, String)>,
    pub window_units: i64,
    pub window_units_without_head: Vec<(i64, String)>,
}

pub async fn coverage(c: &mut Conn) -> Result<Coverage, StoreError> {
    let classes = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM units WHERE kind = 'class' AND closed_on IS NULL")).await?;
    let classes_without_cadre: Vec<(i64, String)> = c
        .fetch_all(Sql::new(
            "SELECT u.id, u.name FROM units u WHERE u.kind = 'class' AND u.closed_on IS NULL AND NOT EXISTS \
             (SELECT 1 FROM relations r WHERE r.unit_id = u.id AND r.kind = 'cadre_class' AND r.end_date IS NULL) ORDER BY u.id",
        ))
        .await?;
    let branches = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM orgs WHERE kind IN ('branch', 'direct_branch') AND closed_on IS NULL")).await?;
    let branches_without_contact: Vec<(i64, String)> = c
        .fetch_all(Sql::new(
            "SELECT o.id, o.name FROM orgs o WHERE o.kind IN ('branch', 'direct_branch') AND o.closed_on IS NULL AND NOT EXISTS \
             (SELECT 1 FROM relations r WHERE r.org_id = o.id AND r.kind = 'branch_contact' AND r.end_date IS NULL) ORDER BY o.id",
        ))
        .await?;
    let window_units = c.fetch_i64(Sql::new("SELECT COUNT(DISTINCT parent_id) FROM units WHERE kind = 'window' AND closed_on IS NULL")).await?;
    let window_units_without_head: Vec<(i64, String)> = c
        .fetch_all(Sql::new(
            "SELECT u.id, u.name FROM units u WHERE EXISTS (SELECT 1 FROM units w WHERE w.parent_id = u.id AND w.kind = 'window' AND w.closed_on IS NULL) \
             AND NOT EXISTS (SELECT 1 FROM relations r WHERE r.unit_id = u.id AND r.kind = 'unit_head' AND r.end_date IS NULL) ORDER BY u.id",
        ))
        .await?;
    let cadres = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM people WHERE cadre_rank IS NOT NULL AND left_on IS NULL")).await?;
    let cadres_without_class: Vec<(i64, String)> = c
        .fetch_all(Sql::new(
            "SELECT p.id, p.name FROM people p WHERE p.cadre_rank IS NOT NULL AND p.left_on IS NULL AND NOT EXISTS \
             (SELECT 1 FROM relations r WHERE r.person_id = p.id AND r.kind = 'cadre_class' AND r.end_date IS NULL) ORDER BY p.name, p.id",
        ))
        .await?;
    Ok(Coverage { classes, classes_without_cadre, cadres, cadres_without_class, branches, branches_without_contact, window_units, window_units_without_head })
}
