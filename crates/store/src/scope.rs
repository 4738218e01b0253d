//! Scope in SQL: the one condition every query for people passes through, and the loading of a
//! caller's scope from their grants and relations.

use crate::StoreError;
use crate::db::{Conn, Sql};
use pacesetter_domain::ids::{AccountId, PersonId};
use pacesetter_domain::people::PoliticalStatus;
use pacesetter_domain::role::{RelationKind, Role};
use pacesetter_domain::scope::{Access, GrantFacts, Reach, RelationFacts, Scope};
use time::Date;

/// Appends `(condition)` that is true for the people (column `person_col`) the scope gives at
/// least `min` access to. Mirrors [`Scope::person_access`]: a person is reached through their
/// current memberships in either tree, or by being the caller.
pub fn push_person_condition(sql: &mut Sql, scope: &Scope, min: Access, person_col: &str) {
    let mut org_paths = Vec::new();
    let mut unit_paths = Vec::new();
    let mut people = Vec::new();
    for r in scope.reaches_at_least(min) {
        match r {
            Reach::All => {
                sql.push("(1 = 1)");
                return;
            }
            Reach::Org(p) => org_paths.push(p.clone()),
            Reach::Unit(p) => unit_paths.push(p.clone()),
            Reach::Person(id) => people.push(*id),
        }
    }
    let mut parts = 0;
    sql.push("(");
    let mut or = |sql: &mut Sql| {
        if parts > 0 {
            sql.push(" OR ");
        }
        parts += 1;
    };
    for (paths, table, members, fk) in [(&org_paths, "orgs", "org_memberships", "org_id"), (&unit_paths, "units", "unit_memberships", "unit_id")] {
        if paths.is_empty() {
            continue;
        }
        or(sql);
        // Uncorrelated, so that both databases compute the set once and probe it (inside an OR
        // a correlated EXISTS is run again for every row).
        sql.push(&format!("{person_col} IN (SELECT sm.person_id FROM {members} sm JOIN {table} sn ON sn.id = sm.{fk} WHERE sm.end_date IS NULL AND ("));
        for (i, p) in paths.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("sn.path LIKE ").push_bind(format!("{p}%"));
        }
        sql.push("))");
    }
    for id in people {
        or(sql);
        sql.push(&format!("{person_col} = ")).push_bind(id);
    }
    if parts == 0 {
        sql.push("1 = 0");
    }
    sql.push(")");
}

#[derive(sqlx::FromRow)]
struct AccountFacts {
    username: String,
    person_id: Option<i64>,
    political_status: Option<String>,
}

/// The scope of an enabled account today, or None when it is disabled or gone.
pub async fn load(c: &mut Conn, account: AccountId, today: Date) -> Result<Option<Scope>, StoreError> {
    let Some(a): Option<AccountFacts> = c
        .fetch_optional(
            Sql::new(
                "SELECT a.username, a.person_id, p.political_status FROM accounts a LEFT JOIN people p ON p.id = a.person_id \
                 WHERE a.id = $1 AND a.disabled = FALSE",
            )
            .bind(account),
        )
        .await?
    else {
        return Ok(None);
    };
    let grants: Vec<(String, Option<String>, Option<String>)> = c
        .fetch_all(
            Sql::new(
                "SELECT g.role, o.path, u.path FROM role_grants g LEFT JOIN orgs o ON o.id = g.org_id \
                 LEFT JOIN units u ON u.id = o.linked_unit_id \
                 WHERE g.account_id = $1 AND g.start_date <= $2 AND (g.end_date IS NULL OR g.end_date >= $2)",
            )
            .bind(account)
            .bind(today),
        )
        .await?;
    let grants: Vec<GrantFacts> =
        grants.into_iter().filter_map(|(role, org_path, linked_unit_path)| Some(GrantFacts { role: Role::parse(&role)?, org_path, linked_unit_path })).collect();
    let relations: Vec<RelationFacts> = match a.person_id {
        None => Vec::new(),
        Some(pid) => {
            let rows: Vec<(String, Option<String>, Option<String>)> = c
                .fetch_all(
                    Sql::new(
                        "SELECT r.kind, o.path, u.path FROM relations r LEFT JOIN orgs o ON o.id = r.org_id LEFT JOIN units u ON u.id = r.unit_id \
                         WHERE r.person_id = $1 AND r.end_date IS NULL",
                    )
                    .bind(pid),
                )
                .await?;
            rows.into_iter().filter_map(|(k, org_path, unit_path)| Some(RelationFacts { kind: RelationKind::parse(&k)?, org_path, unit_path })).collect()
        }
    };
    let status = a.political_status.as_deref().and_then(PoliticalStatus::parse);
    Ok(Some(Scope::resolve(account, &a.username, a.person_id.map(PersonId), status, &grants, &relations)))
}

/// The condition that a Party-tree path (`col`) is within the caller's reach with at least `min`
/// through reaches of their own, or anywhere when `everywhere` (the office, the leaders: each
/// caller of this decides who sees everything).
pub fn push_org_condition(q: &mut Sql, scope: &Scope, min: Access, col: &str, everywhere: bool) {
    q.push("(1 = 0");
    if everywhere {
        q.push(" OR 1 = 1");
    }
    for p in scope.own_org_paths(min) {
        q.push(&format!(" OR {col} LIKE ")).push_bind(format!("{p}%"));
    }
    q.push(")");
}

/// An open branch with the secondary organization it sits under (itself for a direct branch).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BranchRef {
    pub id: i64,
    pub name: String,
    pub path: String,
    pub college_id: i64,
    pub college: String,
}

/// The open branches the caller reads (see [`push_org_condition`]), one secondary
/// organization's when `college` is given, in the tree's order.
pub async fn branches_in_reach(c: &mut Conn, scope: &Scope, everywhere: bool, college: Option<i64>) -> Result<Vec<BranchRef>, StoreError> {
    let mut q = Sql::new(
        "SELECT b.id, b.name, b.path, COALESCE(p.id, b.id) AS college_id, COALESCE(p.name, b.name) AS college FROM orgs b \
         LEFT JOIN orgs p ON p.id = b.parent_id AND p.kind <> 'university' WHERE b.kind IN ('branch', 'direct_branch') AND b.closed_on IS NULL AND ",
    );
    push_org_condition(&mut q, scope, Access::Read, "b.path", everywhere);
    if let Some(col) = college {
        let path = crate::tree::require(c, crate::tree::Tree::Org, col).await?.path;
        q.push(" AND b.path LIKE ").push_bind(format!("{path}%"));
    }
    q.push(" ORDER BY b.path");
    Ok(c.fetch_all(q).await?)
}

/// Only the campaign office (or the server itself, account 0) does this.
pub fn office_only(scope: &Scope) -> Result<(), StoreError> {
    if scope.has(Role::Office) || scope.account.0 == 0 { Ok(()) } else { Err(StoreError::forbidden("只有创先办可以这样做", "Only the campaign office does this")) }
}
