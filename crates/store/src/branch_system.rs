//! A branch's systems in SQL: the register (kept by whoever writes to the branch: its secretary,
//! the organization above, the office), the systems in force that its board shows, and the
//! coverage of the branches in reach (item 11: none; item 16: no organizational one).

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::tree::{self, Tree};
use pacesetter_domain::branch_system::{Input, Kind};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;
use time::Date;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SystemRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    pub standard: Option<String>,
    pub name: String,
    pub body: String,
    pub adopted_on: Date,
    pub practice: String,
    pub retired_on: Option<Date>,
}

impl SystemRow {
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Work)
    }
}

const SELECT: &str = "SELECT s.id, s.org_id, o.name AS org_name, s.kind, s.standard, s.name, s.body, s.adopted_on, s.practice, s.retired_on \
     FROM branch_systems s JOIN orgs o ON o.id = s.org_id";

/// A branch's systems in force (the board shows them, so they are public like the board).
pub async fn in_force(c: &mut Conn, org: i64) -> Result<Vec<SystemRow>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE s.org_id = ").push_bind(org).push(" AND s.retired_on IS NULL ORDER BY s.kind DESC, s.adopted_on, s.id");
    Ok(c.fetch_all(q).await?)
}

/// A branch's register, retired systems included, for those who read the branch.
pub async fn register(c: &mut Conn, scope: &Scope, org: i64) -> Result<(tree::Node, Vec<SystemRow>, bool), StoreError> {
    let node = tree::require(c, Tree::Org, org).await?;
    let access = scope.org_access(&node.path).ok_or(StoreError::NotFound)?;
    let mut q = Sql::new(SELECT);
    q.push(" WHERE s.org_id = ").push_bind(org).push(" ORDER BY s.retired_on IS NOT NULL, s.kind DESC, s.adopted_on, s.id");
    Ok((node, c.fetch_all(q).await?, access == Access::Write))
}

async fn writable_branch(c: &mut Conn, scope: &Scope, org: i64) -> Result<tree::Node, StoreError> {
    let node = tree::require(c, Tree::Org, org).await?;
    match scope.org_access(&node.path) {
        None => Err(StoreError::NotFound),
        Some(Access::Read) => {
            Err(StoreError::forbidden("只有本支部书记、上级党组织或创先办可以登记支部制度", "Only the branch's secretary, the organization above or the office keeps its systems"))
        }
        Some(Access::Write) if !OrgKind::parse(&node.kind).is_some_and(OrgKind::is_branch) || node.closed_on.is_some() => {
            Err(StoreError::invalid("org", "制度登记在党支部名下", "Systems are kept for a branch"))
        }
        Some(Access::Write) => Ok(node),
    }
}

pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<(SystemRow, bool), StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE s.id = ").push_bind(id);
    let row: SystemRow = c.fetch_optional(q).await?.ok_or(StoreError::NotFound)?;
    let (_, _, write) = register(c, scope, row.org_id).await?;
    Ok((row, write))
}

pub async fn create(c: &mut Conn, scope: &Scope, org: i64, s: &Input) -> Result<i64, StoreError> {
    writable_branch(c, scope, org).await?;
    let now = now_ms();
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO branch_systems (org_id, kind, standard, name, body, adopted_on, practice, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(org)
            .bind(s.kind.code())
            .bind(s.standard.map(|x| x.code()))
            .bind(s.name.as_str())
            .bind(s.body.as_str())
            .bind(s.adopted_on)
            .bind(s.practice.as_str())
            .bind(now),
        )
        .await?;
    audit::append(c, scope, "branch_system.create", "branch_system", id, None, audit::snapshot(s)).await?;
    Ok(id)
}

pub async fn update(c: &mut Conn, scope: &Scope, id: i64, s: &Input) -> Result<(), StoreError> {
    let (before, _) = get(c, scope, id).await?;
    writable_branch(c, scope, before.org_id).await?;
    if before.retired_on.is_some() {
        return Err(StoreError::conflict("该制度已废止，不能再修改", "The system is retired and cannot be changed"));
    }
    c.execute(
        Sql::new("UPDATE branch_systems SET kind = $1, standard = $2, name = $3, body = $4, adopted_on = $5, practice = $6, updated_ms = $7 WHERE id = $8")
            .bind(s.kind.code())
            .bind(s.standard.map(|x| x.code()))
            .bind(s.name.as_str())
            .bind(s.body.as_str())
            .bind(s.adopted_on)
            .bind(s.practice.as_str())
            .bind(now_ms())
            .bind(id),
    )
    .await?;
    audit::append(c, scope, "branch_system.update", "branch_system", id, audit::snapshot(&before), audit::snapshot(s)).await?;
    Ok(())
}

/// Retires a system on a day; it stays in the register.
pub async fn retire(c: &mut Conn, scope: &Scope, id: i64, on: Date) -> Result<(), StoreError> {
    let (before, _) = get(c, scope, id).await?;
    writable_branch(c, scope, before.org_id).await?;
    if on < before.adopted_on {
        return Err(StoreError::invalid("retired_on", "废止日期不能早于建立日期", "It cannot be retired before it was adopted"));
    }
    let n = c.execute(Sql::new("UPDATE branch_systems SET retired_on = $1, updated_ms = $2 WHERE id = $3 AND retired_on IS NULL").bind(on).bind(now_ms()).bind(id)).await?;
    StoreError::unless_changed(n, "该制度已废止", "The system is already retired")?;
    audit::append(c, scope, "branch_system.retire", "branch_system", id, None, audit::snapshot(&on)).await?;
    Ok(())
}

/// A branch in the coverage: its systems in force by kind.
#[derive(Clone, Debug, Serialize)]
pub struct BranchSystems {
    pub branch_id: i64,
    pub branch: String,
    pub college_id: i64,
    pub college: String,
    pub work: i64,
    pub organizational: i64,
}

impl BranchSystems {
    /// Item 11 asks for a system at all, item 16 for an organizational one.
    pub fn complete(&self) -> bool {
        self.work + self.organizational > 0 && self.organizational > 0
    }
}

/// The open branches the caller reads (one secondary organization's, if given), with their
/// systems in force by kind.
pub async fn coverage(c: &mut Conn, scope: &Scope, college: Option<i64>) -> Result<Vec<BranchSystems>, StoreError> {
    let branches = crate::scope::branches_in_reach(c, scope, scope.global().is_some(), college).await?;
    let counts: Vec<(i64, String, i64)> = c.fetch_all(Sql::new("SELECT org_id, kind, COUNT(*) FROM branch_systems WHERE retired_on IS NULL GROUP BY org_id, kind")).await?;
    let count = |org: i64, kind: Kind| counts.iter().find(|(o, k, _)| *o == org && k == kind.code()).map(|x| x.2).unwrap_or(0);
    Ok(branches
        .into_iter()
        .map(|b| BranchSystems {
            work: count(b.id, Kind::Work),
            organizational: count(b.id, Kind::Organizational),
            branch_id: b.id,
            branch: b.name,
            college_id: b.college_id,
            college: b.college,
        })
        .collect())
}

/// The demo's systems: most branches have a study system and 一会四评, some 群众推优 too, a few
/// none yet. Returns how many were made.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    let branches: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT id FROM orgs WHERE kind IN ('branch', 'direct_branch') AND closed_on IS NULL ORDER BY id")).await?;
    let mut rng = pacesetter_domain::rng::DemoRng::new(37);
    let scope = Scope::system("demo-loader");
    let adopted = Date::from_calendar_date(day.year(), time::Month::March, 1).unwrap_or(day).min(day);
    let mut n = 0;
    for (b,) in branches {
        if rng.chance(0.1) {
            continue;
        }
        let study = pacesetter_domain::branch_system::parse(
            "work",
            "",
            "支部集中学习制度",
            "1. 每月第二周集中学习一次，由支部书记或支委领学。\n2. 党员无故缺席两次以上的，在组织生活会上说明。\n3. 学习记录和心得体会按月归档。",
            &pacesetter_domain::dates::iso(adopted),
            "每月按时开展，学习记录已归档。",
            day,
        )
        .map_err(StoreError::Invalid)?;
        create(c, &scope, b, &study).await?;
        n += 1;
        if rng.chance(0.8) {
            let s = pacesetter_domain::branch_system::parse("", "yihui_siping", "", "", &pacesetter_domain::dates::iso(adopted), "每学期末开展一次。", day)
                .map_err(StoreError::Invalid)?;
            create(c, &scope, b, &s).await?;
            n += 1;
        }
        if rng.chance(0.3) {
            let s = pacesetter_domain::branch_system::parse("", "qunzhong_tuiyou", "", "", &pacesetter_domain::dates::iso(adopted), "入党积极分子由团员和师生民主推荐产生。", day)
                .map_err(StoreError::Invalid)?;
            create(c, &scope, b, &s).await?;
            n += 1;
        }
    }
    Ok(n)
}
