//! Sessions, stored in the database so several servers can share them. The cookie carries a
//! random token; only its SHA-256 is stored, so a copy of the table opens no session.

use crate::StoreError;
use crate::db::{Conn, Sql};
use pacesetter_domain::ids::AccountId;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub account_id: i64,
    pub csrf: String,
    pub seen_ms: i64,
    pub expires_ms: i64,
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account: AccountId,
    pub csrf: &'a str,
    pub now_ms: i64,
    pub expires_ms: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// What a campus provider's single logout names (a CAS ticket's hash, an OpenID subject and
    /// session), for a session begun through it.
    pub sso: Option<&'a str>,
}

pub async fn create(c: &mut Conn, s: &NewSession<'_>) -> Result<(), StoreError> {
    c.execute(
        Sql::new("INSERT INTO sessions (id_hash, account_id, csrf, created_ms, seen_ms, expires_ms, ip, user_agent, sso) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)")
            .bind(s.token_hash)
            .bind(s.account)
            .bind(s.csrf)
            .bind(s.now_ms)
            .bind(s.expires_ms)
            .bind(s.ip)
            .bind(s.user_agent.chars().take(200).collect::<String>())
            .bind(s.sso),
    )
    .await?;
    Ok(())
}

/// The session of a token, if it has not expired.
pub async fn get(c: &mut Conn, token_hash: &str, now_ms: i64) -> Result<Option<SessionRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new("SELECT account_id, csrf, seen_ms, expires_ms FROM sessions WHERE id_hash = $1 AND expires_ms > $2").bind(token_hash).bind(now_ms)).await?)
}

/// Extends an active session (called at most once a minute per session).
pub async fn touch(c: &mut Conn, token_hash: &str, now_ms: i64, expires_ms: i64) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE sessions SET seen_ms = $1, expires_ms = $2 WHERE id_hash = $3").bind(now_ms).bind(expires_ms).bind(token_hash)).await?;
    Ok(())
}

pub async fn delete(c: &mut Conn, token_hash: &str) -> Result<(), StoreError> {
    c.execute(Sql::new("DELETE FROM sessions WHERE id_hash = $1").bind(token_hash)).await?;
    Ok(())
}

/// Ends every other session of an account (after a password change).
pub async fn delete_others(c: &mut Conn, account: AccountId, keep_hash: &str) -> Result<(), StoreError> {
    c.execute(Sql::new("DELETE FROM sessions WHERE account_id = $1 AND id_hash <> $2").bind(account).bind(keep_hash)).await?;
    Ok(())
}

pub async fn purge_expired(c: &mut Conn, now_ms: i64) -> Result<u64, StoreError> {
    Ok(c.execute(Sql::new("DELETE FROM sessions WHERE expires_ms <= $1").bind(now_ms)).await?)
}
