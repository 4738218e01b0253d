//! The e-mail outbox: messages are written in the transaction that decides to send them, and
//! the server's mailer delivers each, retrying with backoff; failures stay visible.
//!
//! Every server delivers: a server first [`claim`]s the messages it will send, leasing each to
//! itself for [`LEASE_MS`], so no two servers send the same message. A server that dies
//! mid-send leaves its lease to lapse; the message then goes again, under the same Message-ID
//! (made from its id), which mail systems use to recognise the repeat.

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

/// How long a server holds the messages it claimed: well beyond the relay's timeout (20 s), so
/// only a server that died lets a message go to another.
pub const LEASE_MS: i64 = 120_000;

const COLUMNS: &str = "id, to_addr, subject, body, created_ms, attempts, next_attempt_ms, sent_ms, last_error";

/// Leases to `holder` up to `limit` messages that are due now and not leased to a live server;
/// commit before sending them, so the other servers see the lease. On PostgreSQL the rows
/// another server is claiming at the same moment are skipped, not waited for.
pub async fn claim(c: &mut Conn, holder: &str, now: i64, limit: i64) -> Result<Vec<Mail>, StoreError> {
    let skip = if c.is_postgres() { " FOR UPDATE SKIP LOCKED" } else { "" };
    let mut due: Vec<Mail> = c
        .fetch_all(
            Sql::new(format!(
                "UPDATE outbox SET lease_until_ms = $1, leased_by = $2 WHERE id IN (SELECT id FROM outbox WHERE sent_ms IS NULL AND attempts < $3 \
                 AND next_attempt_ms <= $4 AND lease_until_ms <= $4 ORDER BY id LIMIT $5{skip}) RETURNING {COLUMNS}"
            ))
            .bind(now + LEASE_MS)
            .bind(holder)
            .bind(MAX_ATTEMPTS)
            .bind(now)
            .bind(limit),
        )
        .await?;
    due.sort_by_key(|m| m.id);
    Ok(due)
}

/// Renews `holder`'s lease on a message just before it is sent (a batch's last message may
/// wait behind slow sends); whether the holder still has it, unsent. A message whose lease
/// lapsed and went to another server is skipped, never sent twice.
pub async fn renew(c: &mut Conn, id: i64, holder: &str, now: i64) -> Result<bool, StoreError> {
    Ok(c.execute(
        Sql::new("UPDATE outbox SET lease_until_ms = $1 WHERE id = $2 AND leased_by = $3 AND sent_ms IS NULL AND lease_until_ms > $4")
            .bind(now + LEASE_MS)
            .bind(id)
            .bind(holder)
            .bind(now),
    )
    .await?
        == 1)
}

/// The Message-ID of an outbox message, the same at every attempt: `<outbox.ID.CREATED@DOMAIN>`.
pub fn message_id(m: &Mail, domain: &str) -> String {
    format!("<outbox.{}.{}@{domain}>", m.id, m.created_ms)
}

/// Marks a message delivered and forgets its body (it may hold a one-time code).
pub async fn mark_sent(c: &mut Conn, id: i64) -> Result<bool, StoreError> {
    Ok(c.execute(
        Sql::new("UPDATE outbox SET sent_ms = $1, body = '', attempts = attempts + 1, last_error = NULL, lease_until_ms = 0 WHERE id = $2 AND sent_ms IS NULL")
            .bind(now_ms())
            .bind(id),
    )
    .await?
        == 1)
}

/// Records a failure; the next attempt waits 30 s, then 1, 2, 4 ... minutes, at most an hour.
pub async fn mark_failed(c: &mut Conn, id: i64, attempts_so_far: i64, error: &str) -> Result<(), StoreError> {
    let wait = (30_000i64 << attempts_so_far.clamp(0, 7)).min(3_600_000);
    c.execute(
        Sql::new("UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = $1, last_error = $2, lease_until_ms = 0 WHERE id = $3")
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

/// The messages not yet delivered: (pending, given up), read from the index of the undelivered
/// (the metrics ask every few seconds).
pub async fn backlog(c: &mut Conn) -> Result<(i64, i64), StoreError> {
    Ok(c.fetch_one(
        Sql::new("SELECT CAST(COALESCE(SUM(CASE WHEN attempts < $1 THEN 1 ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN attempts >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) FROM outbox WHERE sent_ms IS NULL")
            .bind(MAX_ATTEMPTS),
    )
    .await?)
}

pub async fn counts(c: &mut Conn) -> Result<(i64, i64, i64), StoreError> {
    let sent = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM outbox WHERE sent_ms IS NOT NULL")).await?;
    let pending = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM outbox WHERE sent_ms IS NULL AND attempts < $1").bind(MAX_ATTEMPTS)).await?;
    let failed = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM outbox WHERE sent_ms IS NULL AND attempts >= $1").bind(MAX_ATTEMPTS)).await?;
    Ok((sent, pending, failed))
}
