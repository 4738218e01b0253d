//! Limits on requests that no login throttles (advisory ratings without an account, say),
//! shared by every server on the database: each key's state is one time (see
//! [`pacesetter_domain::throttle::Rate`]). Keys are hashed before they are stored, so the table
//! holds no address; it is not backed up.

use crate::StoreError;
use crate::db::{Conn, Sql};
use pacesetter_domain::throttle::Rate;

/// Counts a request on `key` if `rate` allows it, in a transaction of its own (committed before
/// the request's own writes, so nothing in the database ties the two): `Ok(())`, or
/// `Err(wait_ms)` when the key must wait. The key's row is locked while it is counted, so two
/// servers counting the same key at once count it twice, never once.
pub async fn hit(store: &crate::Store, key: &str, rate: Rate, now_ms: i64) -> Result<Result<(), i64>, StoreError> {
    let key = pacesetter_domain::audit::sha256_hex(key.as_bytes());
    let mut c = store.write().await?;
    // Creates the row, or locks it (PostgreSQL's upsert takes the row lock), and reads it.
    let tat = c
        .fetch_i64(Sql::new("INSERT INTO rate_limits (key, tat_ms) VALUES ($1, 0) ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING tat_ms").bind(key.as_str()))
        .await?;
    let verdict = match rate.decide(tat, now_ms) {
        Ok(next) => {
            c.execute(Sql::new("UPDATE rate_limits SET tat_ms = $1 WHERE key = $2").bind(next).bind(key.as_str())).await?;
            Ok(())
        }
        Err(wait) => Err(wait),
    };
    c.commit().await?;
    Ok(verdict)
}

/// Forgets the keys whose time has passed (they would allow a full burst anyway), so the table
/// holds only the last hour's keys.
pub async fn prune(c: &mut Conn, now_ms: i64) -> Result<u64, StoreError> {
    Ok(c.execute(Sql::new("DELETE FROM rate_limits WHERE tat_ms < $1").bind(now_ms)).await?)
}
