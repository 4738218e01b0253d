//! Tokens for API clients (see [`pacesetter_domain::api_token`]): made, listed and revoked by
//! their person, looked up by hash at each request, and revoked with the sessions whenever an
//! account's access is cut (disabled, or its password reset by someone else).

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use pacesetter_domain::api_token::{Access, NewToken};
use pacesetter_domain::ids::AccountId;
use pacesetter_domain::scope::Scope;

/// Revoked and lapsed tokens are listed this long, then purged.
pub const KEEP_ENDED_MS: i64 = 30 * 24 * 60 * 60 * 1000;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub hint: String,
    pub access: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub last_used_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
}

impl TokenRow {
    pub fn access(&self) -> Access {
        Access::parse(&self.access).unwrap_or(Access::Read)
    }

    pub fn active(&self, now_ms: i64) -> bool {
        self.revoked_ms.is_none() && self.expires_ms > now_ms
    }
}

const COLUMNS: &str = "id, account_id, name, hint, access, created_ms, expires_ms, last_used_ms, revoked_ms";

/// The tokens in force for an account.
pub async fn count_active(c: &mut Conn, account: AccountId, now_ms: i64) -> Result<i64, StoreError> {
    Ok(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM api_tokens WHERE account_id = $1 AND revoked_ms IS NULL AND expires_ms > $2").bind(account).bind(now_ms)).await?)
}

/// Stores a new token for the caller's own account (its hash and hint), audited without either.
pub async fn create(c: &mut Conn, scope: &Scope, t: &NewToken, token_hash: &str, hint: &str, now_ms: i64) -> Result<TokenRow, StoreError> {
    let expires_ms = now_ms + t.days * 24 * 60 * 60 * 1000;
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO api_tokens (account_id, name, token_hash, hint, access, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(scope.account)
                .bind(t.name.as_str())
                .bind(token_hash)
                .bind(hint)
                .bind(t.access.code())
                .bind(now_ms)
                .bind(expires_ms),
        )
        .await?;
    let after = serde_json::json!({"account_id": scope.account.0, "name": t.name, "access": t.access.code(), "expires_ms": expires_ms}).to_string();
    audit::append(c, scope, "api_token.create", "api_token", id, None, Some(after)).await?;
    let row = by_id(c, scope.account, id).await?;
    row.ok_or(StoreError::NotFound)
}

/// One of an account's own tokens (none of anyone else's).
pub async fn by_id(c: &mut Conn, account: AccountId, id: i64) -> Result<Option<TokenRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1 AND account_id = $2")).bind(id).bind(account)).await?)
}

/// An account's tokens, those in force first, then the ended, newest first.
pub async fn list(c: &mut Conn, account: AccountId) -> Result<Vec<TokenRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("SELECT {COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY (revoked_ms IS NULL) DESC, id DESC")).bind(account)).await?)
}

/// The token in force with this hash.
pub async fn by_hash(c: &mut Conn, token_hash: &str, now_ms: i64) -> Result<Option<TokenRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_ms IS NULL AND expires_ms > $2")).bind(token_hash).bind(now_ms))
        .await?)
}

/// Notes a token's use (the caller does so at most every few minutes).
pub async fn touch(c: &mut Conn, id: i64, now_ms: i64) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE api_tokens SET last_used_ms = $1 WHERE id = $2").bind(now_ms).bind(id)).await?;
    Ok(())
}

/// Revokes one of the caller's own tokens; `NotFound` for anyone else's, `false` when it had
/// already ended.
pub async fn revoke(c: &mut Conn, scope: &Scope, id: i64, now_ms: i64) -> Result<bool, StoreError> {
    let row = by_id(c, scope.account, id).await?.ok_or(StoreError::NotFound)?;
    if !row.active(now_ms) {
        return Ok(false);
    }
    c.execute(Sql::new("UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL").bind(now_ms).bind(id)).await?;
    audit::append(c, scope, "api_token.revoke", "api_token", id, None, Some(serde_json::json!({"account_id": scope.account.0, "name": row.name}).to_string())).await?;
    Ok(true)
}

/// Revokes every token of an account in force, but `keep` (the one making the request, when its
/// person changes their own password with it). Returns how many.
pub async fn revoke_all(c: &mut Conn, account: AccountId, keep: Option<i64>, now_ms: i64) -> Result<u64, StoreError> {
    Ok(c.execute(Sql::new("UPDATE api_tokens SET revoked_ms = $1 WHERE account_id = $2 AND revoked_ms IS NULL AND id <> $3").bind(now_ms).bind(account).bind(keep.unwrap_or(0)))
        .await?)
}

/// Cuts every way an account is in: its sessions end and its tokens are revoked (it is disabled,
/// or someone else reset its password).
pub async fn end_access(c: &mut Conn, account: AccountId, now_ms: i64) -> Result<(), StoreError> {
    c.execute(Sql::new("DELETE FROM sessions WHERE account_id = $1").bind(account)).await?;
    revoke_all(c, account, None, now_ms).await?;
    Ok(())
}

/// Forgets tokens that ended more than [`KEEP_ENDED_MS`] ago.
pub async fn purge(c: &mut Conn, now_ms: i64) -> Result<u64, StoreError> {
    let before = now_ms - KEEP_ENDED_MS;
    Ok(c.execute(Sql::new("DELETE FROM api_tokens WHERE COALESCE(revoked_ms, expires_ms) < $1").bind(before)).await?)
}
