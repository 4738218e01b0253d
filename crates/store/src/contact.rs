//! A branch's contact person (item 11) in SQL: the branches they are the contact of now, and
//! the log of their guidance visits.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use crate::tree::{self, Node, Tree};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::scope::Scope;
use time::Date;

/// The branches a person is the contact of now.
pub async fn branches_of(c: &mut Conn, person: i64) -> Result<Vec<Node>, StoreError> {
    let ids: Vec<(i64,)> = c
        .fetch_all(
            Sql::new("SELECT org_id FROM relations WHERE kind = 'branch_contact' AND person_id = $1 AND end_date IS NULL AND org_id IS NOT NULL ORDER BY org_id").bind(person),
        )
        .await?;
    let mut out = Vec::new();
    for (id,) in ids {
        let n = tree::require(c, Tree::Org, id).await?;
        if n.closed_on.is_none() {
            out.push(n);
        }
    }
    Ok(out)
}

/// Logs a guidance visit of the caller's to a branch they are the contact of now (any other
/// branch is not found).
pub async fn record(c: &mut Conn, scope: &Scope, org: i64, on: Date, topics: &str, advice: &str) -> Result<i64, StoreError> {
    let person = scope.person.ok_or(StoreError::NotFound)?.0;
    if !branches_of(c, person).await?.iter().any(|n| n.id == org) {
        return Err(StoreError::NotFound);
    }
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO guidance_visits (contact_id, org_id, on_day, topics, advice, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(person)
                .bind(org)
                .bind(on)
                .bind(topics)
                .bind(advice)
                .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "guidance.record", "guidance_visit", id, None, audit::snapshot(&serde_json::json!({"org": org, "on_day": on}))).await?;
    Ok(id)
}

/// A branch's guidance visits, newest first: (day, contact's name, topics, advice).
pub async fn visits(c: &mut Conn, org: i64) -> Result<Vec<(Date, String, String, String)>, StoreError> {
    Ok(c.fetch_all(
        Sql::new("SELECT g.on_day, p.name, g.topics, g.advice FROM guidance_visits g JOIN people p ON p.id = g.contact_id WHERE g.org_id = $1 ORDER BY g.on_day DESC, g.id DESC LIMIT 100")
            .bind(org),
    )
    .await?)
}
