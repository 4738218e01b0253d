//! Failed logins per key (an address, or an account at an address), for the delays of
//! [`pacesetter_domain::throttle`].

use crate::StoreError;
use crate::db::{Conn, Sql};
use pacesetter_domain::throttle::{FORGET_AFTER_MS, ThrottleKind};

/// How long the caller must still wait before a login attempt on these keys is heard.
pub async fn wait_ms(c: &mut Conn, keys: &[(String, ThrottleKind)], now_ms: i64) -> Result<i64, StoreError> {
    let mut wait = 0;
    for (key, kind) in keys {
        let row: Option<(i64, i64)> = c.fetch_optional(Sql::new("SELECT failures, last_ms FROM login_throttle WHERE key = $1").bind(key.as_str())).await?;
        if let Some((failures, last)) = row {
            wait = wait.max(kind.wait_ms(u32::try_from(failures).unwrap_or(u32::MAX), last, now_ms));
        }
    }
    Ok(wait)
}

/// Counts a failure against each key (restarting the count when the last one is old).
pub async fn record_failure(c: &mut Conn, keys: &[(String, ThrottleKind)], now_ms: i64) -> Result<(), StoreError> {
    for (key, _) in keys {
        c.execute(
            Sql::new(
                "INSERT INTO login_throttle (key, failures, last_ms) VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE SET \
                 failures = CASE WHEN login_throttle.last_ms < $3 THEN 1 ELSE login_throttle.failures + 1 END, last_ms = $2",
            )
            .bind(key.as_str())
            .bind(now_ms)
            .bind(now_ms - FORGET_AFTER_MS),
        )
        .await?;
    }
    Ok(())
}

/// Forgets the failures of a key (after a successful login for the pair).
pub async fn clear(c: &mut Conn, key: &str) -> Result<(), StoreError> {
    c.execute(Sql::new("DELETE FROM login_throttle WHERE key = $1").bind(key)).await?;
    Ok(())
}
