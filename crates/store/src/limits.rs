//! Limits on requests that no login throttles (advisory ratings without an account, say),
//! shared by every server on the database: each key's state is one time (see
//! [`pacesetter_domain::throttle::Rate`]). Keys are hashed before they are stored, so the table
//! holds no address; it is not backed up.

use crate::StoreError;
use crate::db::{Conn, Sql};
use pacesetter_domain::throttle::Rate;

/// Counts a request on `key` if `rate` allows it, in the caller's write transaction: `Ok(())`,
/// or `Err(wait_ms)` when the key must wait. The key's row is locked until the commit, so two
/// servers counting the same key at once count it twice, never once.
pub async fn hit(c: &mut Conn, key: &str, rate: Rate, now_ms: i64) -> Result<Result<(), i64>, StoreError> {
    let key = pacesetter_domain::audit::sha256_hex(key.as_bytes());
    // Keys whose time has passed would allow a full burst anyway: forgetting them keeps the
    // table to the keys of the last period.
    c.execute(Sql::new("DELETE FROM rate_limits WHERE tat_ms < $1").bind(now_ms)).await?;
    c.execute(Sql::new("INSERT INTO rate_limits (key, tat_ms) VALUES ($1, 0) ON CONFLICT (key) DO NOTHING").bind(key.as_str())).await?;
    let lock = c.row_lock(false, "");
    let tat = c.fetch_i64(Sql::new(format!("SELECT tat_ms FROM rate_limits WHERE key = $1{lock}")).bind(key.as_str())).await?;
    match rate.decide(tat, now_ms) {
        Ok(next) => {
            c.execute(Sql::new("UPDATE rate_limits SET tat_ms = $1 WHERE key = $2").bind(next).bind(key.as_str())).await?;
            Ok(Ok(()))
        }
        Err(wait) => Ok(Err(wait)),
    }
}
