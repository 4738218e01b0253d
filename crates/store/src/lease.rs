//! Leases on periodic jobs, so that several servers on one database never do the same work
//! twice: a server runs a job only once [`take`] has given it the job's lease, which then lasts
//! while the job runs (`hold_ms`); [`finish`] sets it to lapse at the job's next turn. A lease
//! that lapses (its server died mid-run) can be taken by any server.
//!
//! Taking is one guarded UPDATE: under PostgreSQL's READ COMMITTED a second server's UPDATE
//! waits for the first and then finds the lease no longer lapsed; SQLite has one writer.

use crate::StoreError;
use crate::db::{Conn, Sql};
use serde::Serialize;

/// A job's lease as stored: who holds it, until when, and its last run.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Lease {
    pub name: String,
    pub holder: String,
    pub until_ms: i64,
    pub runs: i64,
    pub last_ms: Option<i64>,
    pub last_note: Option<String>,
}

/// Takes the lease of `name` for `holder` until `now_ms + hold_ms` when it has lapsed; whether
/// it was taken. Commit the transaction before running the job, so others see the lease.
pub async fn take(c: &mut Conn, name: &str, holder: &str, now_ms: i64, hold_ms: i64) -> Result<bool, StoreError> {
    c.execute(Sql::new("INSERT INTO job_leases (name, holder, until_ms) VALUES ($1, '', 0) ON CONFLICT (name) DO NOTHING").bind(name)).await?;
    let n = c
        .execute(Sql::new("UPDATE job_leases SET holder = $1, until_ms = $2 WHERE name = $3 AND until_ms <= $4").bind(holder).bind(now_ms + hold_ms).bind(name).bind(now_ms))
        .await?;
    Ok(n == 1)
}

/// Records a run of `name` by `holder` and lets the lease lapse at `next_ms`, the job's next
/// turn; whether the holder still held it (a run that outlasted its lease finds it taken).
pub async fn finish(c: &mut Conn, name: &str, holder: &str, now_ms: i64, next_ms: i64, note: &str) -> Result<bool, StoreError> {
    let n = c
        .execute(
            Sql::new("UPDATE job_leases SET until_ms = $1, runs = runs + 1, last_ms = $2, last_note = $3 WHERE name = $4 AND holder = $5")
                .bind(next_ms)
                .bind(now_ms)
                .bind(note)
                .bind(name)
                .bind(holder),
        )
        .await?;
    Ok(n == 1)
}

/// Every job's lease, by name (for the health page and the tests).
pub async fn list(c: &mut Conn) -> Result<Vec<Lease>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT name, holder, until_ms, runs, last_ms, last_note FROM job_leases ORDER BY name")).await?)
}
