//! What can go wrong in the store, in terms the web layer turns into a status and a message.

use pacesetter_domain::Text;
use pacesetter_domain::validate::FieldErrors;
use std::fmt;

#[derive(Debug)]
pub enum StoreError {
    /// No such record, or not one the caller may see (the two are not told apart).
    NotFound,
    /// The record exists and the caller may see it, but not do this.
    Forbidden(Text),
    /// The change contradicts what is stored (a duplicate, a state that no longer allows it).
    Conflict(Text),
    /// The input is wrong; nothing was changed.
    Invalid(FieldErrors),
    /// The database cannot be used as configured (start-up only).
    Config(String),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e)
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound => write!(f, "not found"),
            StoreError::Forbidden(t) => write!(f, "forbidden: {}", t.en),
            StoreError::Conflict(t) => write!(f, "conflict: {}", t.en),
            StoreError::Invalid(e) => write!(f, "invalid: {}", e.summary(pacesetter_domain::Lang::En)),
            StoreError::Config(s) => write!(f, "{s}"),
            StoreError::Db(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> StoreError {
        StoreError::Conflict(Text::new(zh, en))
    }

    pub fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> StoreError {
        StoreError::Forbidden(Text::new(zh, en))
    }

    pub fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> StoreError {
        let mut e = FieldErrors::new();
        e.add(field, zh, en);
        StoreError::Invalid(e)
    }

    /// The end of a guarded state change: an UPDATE that names the state it expects (`WHERE id =
    /// $1 AND state = $2`) changed `n` rows, and none means another transaction changed the
    /// record first (on PostgreSQL, the UPDATE waited for it and then found the state gone), so
    /// the caller lost a race: a conflict with the message given, and nothing of this change,
    /// its audit entry included, is kept.
    pub fn unless_changed(n: u64, zh: &str, en: &str) -> Result<(), StoreError> {
        if n == 0 { Err(StoreError::conflict(zh, en)) } else { Ok(()) }
    }

    /// Turns a refused duplicate into a conflict with a message a person can act on.
    pub fn on_duplicate(e: sqlx::Error, zh: &str, en: &str) -> StoreError {
        if crate::db::is_unique_violation(&e) { StoreError::conflict(zh, en) } else { StoreError::Db(e) }
    }
}
