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

/// The demo's guidance visits: most contact persons visited their branch once or twice this
/// term. Returns how many were logged.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    let links: Vec<(i64, i64)> =
        c.fetch_all(Sql::new("SELECT person_id, org_id FROM relations WHERE kind = 'branch_contact' AND end_date IS NULL AND org_id IS NOT NULL ORDER BY id")).await?;
    let mut rng = pacesetter_domain::rng::DemoRng::new(39);
    const TOPICS: [&str; 3] = ["检查三会一课记录和党员公开承诺", "指导支部制定学习制度", "了解入党积极分子培养情况"];
    const ADVICE: [&str; 3] = ["支委会记录要写明议题和决定", "承诺要具体、可检查，按季度报告进度", "培养联系人每季度与积极分子谈话一次"];
    let term = pacesetter_domain::liaison::term_start(day);
    let mut n = 0;
    for (person, org) in links {
        if !rng.chance(0.6) {
            continue;
        }
        let scope = Scope { person: Some(pacesetter_domain::ids::PersonId(person)), ..Scope::system("demo-loader") };
        let span = (day - term).whole_days().max(1) as usize;
        let on = term + time::Duration::days(rng.below(span) as i64);
        let i = rng.below(3);
        record(c, &scope, org, on, TOPICS[i], ADVICE[i]).await?;
        n += 1;
    }
    Ok(n)
}
