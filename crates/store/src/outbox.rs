//! The e-mail outbox: messages are written in the transaction that decides to send them, and
//! the server's mailer delivers each, retrying with backoff; failures stay visible.

use crate::StoreError;
use crate::db::{Conn, Sql};
use pacesetter_domain::dates::now_ms;
use serde::Serialize;

/// After this many failed attempts a message is given up (and shown as failed).
pub const MAX_ATTEMPTS: i64 = 8;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Mail {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub created_ms: i64,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub sent_ms: Option<i64>,
    pub last_error: Option<String>,
}

pub async fn enqueue(c: &mut Conn, to: &str, subject: &str, body: &str) -> Result<i64, StoreError> {
    let now = now_ms();
    Ok(c.fetch_i64(
        Sql::new("INSERT INTO outbox (to_addr, subject, body, created_ms, next_attempt_ms) VALUES ($1, $2, $3, $4, $4) RETURNING id").bind(to).bind(subject).bind(body).bind(now),
    )
    .await?)
}

/// Messages due now.
pub async fn due(c: &mut Conn, now: i64, limit: i64) -> Result<Vec<Mail>, StoreError> {
    Ok(c.fetch_all(
        Sql::new("SELECT * FROM outbox WHERE sent_ms IS NULL AND attempts < $1 AND next_attempt_ms <= $2 ORDER BY id LIMIT $3").bind(MAX_ATTEMPTS).bind(now).bind(limit),
    )
    .await?)
}

/// Marks a message delivered and forgets its body (it may hold a one-time code).
pub async fn mark_sent(c: &mut Conn, id: i64) -> Result<bool, StoreError> {
    Ok(c.execute(Sql::new("UPDATE outbox SET sent_ms = $1, body = '', attempts = attempts + 1, last_error = NULL WHERE id = $2 AND sent_ms IS NULL").bind(now_ms()).bind(id))
        .await?
        == 1)
}

/// Records a failure; the next attempt waits 30 s, then 1, 2, 4 ... minutes, at most an hour.
pub async fn mark_failed(c: &mut Conn, id: i64, attempts_so_far: i64, error: &str) -> Result<(), StoreError> {
    let wait = (30_000i64 << attempts_so_far.clamp(0, 7)).min(3_600_000);
    c.execute(
        Sql::new("UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = $1, last_error = $2 WHERE id = $3")
            .bind(now_ms() + wait)
            .bind(error.chars().take(500).collect::<String>())
            .bind(id),
    )
    .await?;
    Ok(())
}

/// The messages not yet delivered (pending or given up), newest first, for the office.
pub async fn undelivered(c: &mut Conn, limit: i64) -> Result<Vec<Mail>, StoreError> {
    Ok(c.fetch_all(
        Sql::new("SELECT id, to_addr, subject, '' AS body, created_ms, attempts, next_attempt_ms, sent_ms, last_error FROM outbox WHERE sent_ms IS NULL ORDER BY id DESC LIMIT $1")
            .bind(limit),
    )
    .await?)
}

pub async fn counts(c: &mut Conn) -> Result<(i64, i64, i64), StoreError> {
    let sent = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM outbox WHERE sent_ms IS NOT NULL")).await?;
    let pending = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM outbox WHERE sent_ms IS NULL AND attempts < $1").bind(MAX_ATTEMPTS)).await?;
    let failed = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM outbox WHERE sent_ms IS NULL AND attempts >= $1").bind(MAX_ATTEMPTS)).await?;
    Ok((sent, pending, failed))
}
