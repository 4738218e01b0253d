//! One SQL text for both backends.
//!
//! Queries are written once, with `$1, $2, ...` placeholders, as a [`Sql`] value holding the
//! text and its arguments. [`Conn`] runs it on SQLite or PostgreSQL; this file is the only place
//! that knows there are two. (`sqlx::Any` is avoided: it lacks dates and booleans.)

use pacesetter_domain::ids::*;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, Sqlite, Transaction};
use time::Date;

/// A value bound to a placeholder.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Date(Date),
    OptDate(Option<Date>),
    Bytes(Vec<u8>),
}

macro_rules! arg_from {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for Arg {
            fn from(x: $t) -> Arg { Arg::$v(x) }
        }
    )*};
}
arg_from!(i64 => I64, Option<i64> => OptI64, String => Text, Option<String> => OptText, bool => Bool, Date => Date, Option<Date> => OptDate, Vec<u8> => Bytes);

impl From<&str> for Arg {
    fn from(x: &str) -> Arg {
        Arg::Text(x.to_string())
    }
}
impl From<Option<&str>> for Arg {
    fn from(x: Option<&str>) -> Arg {
        Arg::OptText(x.map(str::to_string))
    }
}
impl From<i32> for Arg {
    fn from(x: i32) -> Arg {
        Arg::I64(i64::from(x))
    }
}

macro_rules! arg_from_id {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(x: $t) -> Arg { Arg::I64(x.0) }
        }
        impl From<Option<$t>> for Arg {
            fn from(x: Option<$t>) -> Arg { Arg::OptI64(x.map(|v| v.0)) }
        }
    )*};
}
arg_from_id!(OrgId, UnitId, PersonId, AccountId, MembershipId, GrantId, RelationId, AuditorRequestId);

/// A query: its text with `$N` placeholders, and the arguments in order.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Sql {
        Sql { text: text.into(), args: Vec::new() }
    }

    /// Binds the next placeholder of a fixed text.
    pub fn bind(mut self, a: impl Into<Arg>) -> Sql {
        self.args.push(a.into());
        self
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends `(a, b, …)` with each id bound (callers chunk long lists, at 500 by habit).
    pub fn push_ids(&mut self, ids: &[i64]) -> &mut Sql {
        self.text.push('(');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.push_bind(*id);
        }
        self.text.push(')');
        self
    }

    /// Appends a new placeholder and binds it.
    pub fn push_bind(&mut self, a: impl Into<Arg>) -> &mut Sql {
        self.args.push(a.into());
        let n = self.args.len();
        self.text.push('$');
        self.text.push_str(&n.to_string());
        self
    }

    /// The text for SQLite, with plain `?` placeholders, and for each `?` in order the number
    /// of the argument it takes. (SQLite finds a numbered parameter by walking a list, so binding
    /// `?N` parameters is quadratic in their count; plain `?` is not. A `$N` used twice becomes two
    /// `?` bound to the same value.)
    fn for_sqlite(&self) -> (String, Vec<usize>) {
        let mut out = String::with_capacity(self.text.len());
        let mut order = Vec::with_capacity(self.args.len());
        let mut in_str = false;
        let mut chars = self.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                in_str = !in_str;
            }
            if c == '$' && !in_str && chars.peek().is_some_and(char::is_ascii_digit) {
                let mut n = 0usize;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                    n = n * 10 + d as usize;
                    chars.next();
                }
                out.push('?');
                order.push(n);
            } else {
                out.push(c);
            }
        }
        (out, order)
    }

    /// The arguments in the order SQLite's plain placeholders take them.
    fn sqlite_args(&self, order: &[usize]) -> Vec<Arg> {
        order.iter().filter_map(|n| self.args.get(n.wrapping_sub(1)).cloned()).collect()
    }
}

/// The type of a column, for code that reads rows without a struct (backup and restore).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    I64,
    OptI64,
    Text,
    OptText,
    Bool,
    Date,
    OptDate,
    Bytes,
}

macro_rules! get_values {
    ($rows:expr, $types:expr) => {{
        use sqlx::Row as _;
        let mut out = Vec::with_capacity($rows.len());
        for row in $rows {
            let mut vals = Vec::with_capacity($types.len());
            for (i, t) in $types.iter().enumerate() {
                vals.push(match t {
                    ColType::I64 => Arg::I64(row.try_get::<i64, _>(i)?),
                    ColType::OptI64 => Arg::OptI64(row.try_get::<Option<i64>, _>(i)?),
                    ColType::Text => Arg::Text(row.try_get::<String, _>(i)?),
                    ColType::OptText => Arg::OptText(row.try_get::<Option<String>, _>(i)?),
                    ColType::Bool => Arg::Bool(row.try_get::<bool, _>(i)?),
                    ColType::Date => Arg::Date(row.try_get::<Date, _>(i)?),
                    ColType::OptDate => Arg::OptDate(row.try_get::<Option<Date>, _>(i)?),
                    ColType::Bytes => Arg::Bytes(row.try_get::<Vec<u8>, _>(i)?),
                });
            }
            out.push(vals);
        }
        out
    }};
}

/// A row type readable from both backends.
pub trait Row: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin {}

/// A connection, or a transaction, on either backend.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Pg(PoolConnection<Postgres>),
    SqliteTx(Transaction<'static, Sqlite>),
    PgTx(Transaction<'static, Postgres>),
}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::OptI64(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::OptText(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Date(v) => q.bind(v),
                Arg::OptDate(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Runs the same body on whichever backend the connection is: `$c` is the connection and
/// `$text` the query text in that backend's placeholder style.
macro_rules! on_backend {
    ($conn:expr, $sql:expr, |$c:ident, $text:ident, $args:ident| $body:expr) => {
        match $conn {
            Conn::Sqlite(x) => {
                let $c: &mut sqlx::SqliteConnection = &mut *x;
                let ($text, order) = $sql.for_sqlite();
                let $args = $sql.sqlite_args(&order);
                $body
            }
            Conn::SqliteTx(x) => {
                let $c: &mut sqlx::SqliteConnection = &mut *x;
                let ($text, order) = $sql.for_sqlite();
                let $args = $sql.sqlite_args(&order);
                $body
            }
            Conn::Pg(x) => {
                let $c: &mut sqlx::PgConnection = &mut *x;
                let $text = $sql.text.clone();
                let $args = $sql.args;
                $body
            }
            Conn::PgTx(x) => {
                let $c: &mut sqlx::PgConnection = &mut *x;
                let $text = $sql.text.clone();
                let $args = $sql.args;
                $body
            }
        }
    };
}

impl Conn {
    pub async fn fetch_all<R: Row>(&mut self, sql: Sql) -> Result<Vec<R>, sqlx::Error> {
        on_backend!(self, sql, |c, text, args| bind_all!(sqlx::query_as::<_, R>(&text), args).fetch_all(c).await)
    }

    pub async fn fetch_optional<R: Row>(&mut self, sql: Sql) -> Result<Option<R>, sqlx::Error> {
        on_backend!(self, sql, |c, text, args| bind_all!(sqlx::query_as::<_, R>(&text), args).fetch_optional(c).await)
    }

    pub async fn fetch_one<R: Row>(&mut self, sql: Sql) -> Result<R, sqlx::Error> {
        on_backend!(self, sql, |c, text, args| bind_all!(sqlx::query_as::<_, R>(&text), args).fetch_one(c).await)
    }

    /// A single integer, such as a count or a new id.
    pub async fn fetch_i64(&mut self, sql: Sql) -> Result<i64, sqlx::Error> {
        on_backend!(self, sql, |c, text, args| bind_all!(sqlx::query_scalar::<_, i64>(&text), args).fetch_one(c).await)
    }

    pub async fn fetch_opt_i64(&mut self, sql: Sql) -> Result<Option<i64>, sqlx::Error> {
        on_backend!(self, sql, |c, text, args| bind_all!(sqlx::query_scalar::<_, i64>(&text), args).fetch_optional(c).await)
    }

    pub async fn fetch_opt_string(&mut self, sql: Sql) -> Result<Option<String>, sqlx::Error> {
        on_backend!(self, sql, |c, text, args| bind_all!(sqlx::query_scalar::<_, String>(&text), args).fetch_optional(c).await)
    }

    /// Rows as values of the given column types, in column order.
    pub async fn fetch_values(&mut self, sql: Sql, types: &[ColType]) -> Result<Vec<Vec<Arg>>, sqlx::Error> {
        Ok(on_backend!(self, sql, |c, text, args| {
            let rows = bind_all!(sqlx::query(&text), args).fetch_all(c).await?;
            get_values!(rows, types)
        }))
    }

    /// Runs a statement; returns the number of rows it changed.
    pub async fn execute(&mut self, sql: Sql) -> Result<u64, sqlx::Error> {
        on_backend!(self, sql, |c, text, args| bind_all!(sqlx::query(&text), args).execute(c).await.map(|r| r.rows_affected()))
    }

    /// Runs a statement without keeping it prepared on the connection: for the long multi-row
    /// inserts, whose compiled form (thousands of placeholders) would otherwise stay in every
    /// pooled connection's statement cache, a megabyte or more each, for the life of the pool.
    pub async fn execute_once(&mut self, sql: Sql) -> Result<u64, sqlx::Error> {
        on_backend!(self, sql, |c, text, args| bind_all!(sqlx::query(&text).persistent(false), args).execute(c).await.map(|r| r.rows_affected()))
    }

    /// Runs raw SQL without arguments (several statements allowed on SQLite only).
    pub async fn execute_raw(&mut self, text: &str) -> Result<(), sqlx::Error> {
        use sqlx::Executor;
        match self {
            Conn::Sqlite(x) => x.execute(text).await.map(|_| ()),
            Conn::SqliteTx(x) => (&mut **x).execute(text).await.map(|_| ()),
            Conn::Pg(x) => x.execute(text).await.map(|_| ()),
            Conn::PgTx(x) => (&mut **x).execute(text).await.map(|_| ()),
        }
    }

    /// Commits a transaction (a plain connection has nothing to commit).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Conn::SqliteTx(t) => t.commit().await,
            Conn::PgTx(t) => t.commit().await,
            _ => Ok(()),
        }
    }

    /// Undoes a transaction (a trial run: what a decision would do, shown before it is confirmed).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Conn::SqliteTx(t) => t.rollback().await,
            Conn::PgTx(t) => t.rollback().await,
            _ => Ok(()),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Pg(_) | Conn::PgTx(_))
    }

    /// The clause that locks the rows a write transaction reads before it changes them (or
    /// relies on them staying as read): ` FOR UPDATE`, or ` FOR SHARE` when others may share
    /// it, on PostgreSQL, whose transactions otherwise run side by side in READ COMMITTED;
    /// nothing on SQLite, whose write transaction holds the whole database from its start.
    /// `of` names the table to lock in a query that joins others (empty: every table).
    pub fn row_lock(&self, share: bool, of: &str) -> String {
        if !self.is_postgres() {
            return String::new();
        }
        let mode = if share { " FOR SHARE" } else { " FOR UPDATE" };
        if of.is_empty() { mode.to_string() } else { format!("{mode} OF {of}") }
    }
}

/// Escapes the wildcards of user text for `LIKE ... ESCAPE '\'` (every LIKE on user text
/// uses that clause).
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether an error is the database refusing a duplicate (a UNIQUE constraint).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d.is_unique_violation(),
        _ => false,
    }
}

/// Whether an error is a foreign key the database refused.
pub fn is_fk_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d.is_foreign_key_violation(),
        _ => false,
    }
}

/// Inserts rows many at a time (both backends take thousands of parameters per statement).
/// Inserts many rows in statements of a few thousand values each.
pub(crate) async fn insert_rows(c: &mut Conn, table: &str, columns: &[&str], rows: Vec<Vec<Arg>>) -> Result<(), sqlx::Error> {
    let per = (8000 / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut q = Sql::new(format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")));
        for (i, row) in rows.by_ref().take(per).enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            for (j, a) in row.into_iter().enumerate() {
                if j > 0 {
                    q.push(", ");
                }
                q.push_bind(a);
            }
            q.push(")");
        }
        c.execute_once(q).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut q = Sql::new("SELECT 1 WHERE a = ");
        q.push_bind(1i64).push(" AND b = ").push_bind("x");
        assert_eq!(q.text, "SELECT 1 WHERE a = $1 AND b = $2");
        assert_eq!(q.for_sqlite(), ("SELECT 1 WHERE a = ? AND b = ?".to_string(), vec![1, 2]));
        let reused = Sql::new("SELECT '$1' || $2 || $1 || $12").bind(1i64).bind(2i64);
        let (text, order) = reused.for_sqlite();
        assert_eq!(text, "SELECT '$1' || ? || ? || ?");
        assert_eq!(order, vec![2, 1, 12]);
        assert_eq!(reused.sqlite_args(&order), vec![Arg::I64(2), Arg::I64(1)], "a missing argument is left out, and SQLite then says so");
    }
}
