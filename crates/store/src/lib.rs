//! Pacesetter's persistence: one API over SQLite and PostgreSQL.
//!
//! The backend is chosen from the URL scheme; an unknown scheme, a missing directory or an
//! unreachable server is an error, never a silently empty database. Migrations are compiled in
//! and run at start. Every function that reads people takes the caller's [`Scope`], and turns
//! it into the one SQL condition of [`scope`]; every change to official records writes the
//! audit chain of [`audit`] in the same transaction.

pub mod account;
pub mod activation;
pub mod activity;
pub mod announcement;
pub mod api_token;
pub mod appraisal;
pub mod attachments;
pub mod audit;
pub mod backup;
pub mod branch_system;
pub mod campaign;
pub mod care;
pub mod central_group;
pub mod commitment;
pub mod contact;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod development;
pub mod disposal;
pub mod error;
pub mod lease;
pub mod liaison;
pub mod library;
pub mod limits;
pub mod meeting;
pub mod member_file;
pub mod notify;
pub mod outbox;
pub mod people;
pub mod problem;
pub mod relation;
pub mod reminders;
pub mod research;
pub mod roster;
pub mod sample;
pub mod scope;
pub mod search;
pub mod selection;
pub mod session;
pub mod sign_on;
pub mod stats;
pub mod story;
pub mod study;
pub mod study_point;
pub mod survey;
pub mod task;
pub mod testkit;
pub mod throttle;
pub mod transfer;
pub mod tree;
pub mod window;

pub use db::{Conn, Sql};
pub use error::StoreError;
pub use pacesetter_domain::scope::Scope;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// The database, shared by every request.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    /// Where the data lives, without any password, for logs and /healthz.
    location: Arc<str>,
}

/// How to open the database.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Accept SQLite without WAL and synchronous=FULL, or PostgreSQL without synchronous_commit.
    pub allow_weak_durability: bool,
    /// Connections in the pool (0: a default for the backend).
    pub max_connections: u32,
}

/// What the start-up check found about durability.
#[derive(Clone, Debug)]
pub struct Durability {
    pub durable: bool,
    pub description: String,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How every SQLite connection is opened: WAL with synchronous=FULL (an acknowledged commit is
/// on disk) and foreign keys. (Reads through a memory map were measured slower under the
/// response load: each connection remaps as the file grows.)
fn sqlite_options(path: &std::path::Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new().filename(path).journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Full).foreign_keys(true).busy_timeout(BUSY_TIMEOUT)
}

/// How long an SQLite connection waits for a lock before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A descriptor of a database file for flushing it, opened once per file and never closed:
/// closing any descriptor of a file drops every POSIX lock the process holds on that file,
/// SQLite's included (its own VFS keeps such descriptors open for this reason), and another
/// process could then take the database for unused and remove its WAL.
fn flush_handle(path: &std::path::Path) -> std::io::Result<Arc<std::fs::File>> {
    static HANDLES: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<PathBuf, Arc<std::fs::File>>>> = std::sync::OnceLock::new();
    let mut handles = HANDLES.get_or_init(Default::default).lock().map_err(|_| std::io::Error::other("the table of database files is poisoned"))?;
    if let Some(f) = handles.get(path) {
        return Ok(f.clone());
    }
    let f = Arc::new(std::fs::File::open(path)?);
    handles.insert(path.to_path_buf(), f.clone());
    Ok(f)
}

/// Parses a `sqlite://PATH` URL into the file path.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let rest = rest.split('?').next().unwrap_or(rest);
    if rest.is_empty() { None } else { Some(PathBuf::from(rest)) }
}

/// Held by the server that is starting on a PostgreSQL database (its migrations, and loading the
/// demo into an empty database): a session lock of the database's own, taken on a connection
/// outside the pool, so other servers starting at the same moment wait for it. It is let go by
/// [`StartLock::release`], or when the connection closes (the process died). Nothing on SQLite,
/// whose one file has one server.
pub struct StartLock(Option<sqlx::PgConnection>);

/// The key of the start lock among the database's advisory locks ("pacesett").
const START_LOCK_KEY: i64 = 0x7061_6365_7365_7474;

impl StartLock {
    pub async fn release(mut self) {
        if let Some(c) = self.0.take() {
            use sqlx::Connection;
            if let Err(e) = c.close().await {
                tracing::warn!("closing the start lock's connection: {e}");
            }
        }
    }
}

impl Store {
    /// Opens the database named by `url`, runs the migrations, and checks durability.
    pub async fn open(url: &str, opts: &OpenOptions) -> Result<Store, StoreError> {
        let (store, lock) = Store::open_for_start(url, opts).await?;
        lock.release().await;
        Ok(store)
    }

    /// Opens the database as [`Store::open`] does, under the start lock, which it returns held:
    /// release it once the server's own start-up writes are done.
    pub async fn open_for_start(url: &str, opts: &OpenOptions) -> Result<(Store, StartLock), StoreError> {
        let store = if url.starts_with("sqlite:") {
            let path = sqlite_path(url).ok_or_else(|| StoreError::Config(format!("DATABASE_URL {url:?} names no file: write sqlite://PATH")))?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.is_dir() {
                    return Err(StoreError::Config(format!("the directory {} of the SQLite database does not exist", dir.display())));
                }
            }
            let options = sqlite_options(&path).create_if_missing(true);
            let max = if opts.max_connections == 0 { 8 } else { opts.max_connections };
            // An embedded database's connection cannot have dropped: no ping before each use.
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Config(format!("cannot open the SQLite database {}: {e}", path.display())))?;
            Store { pool: Pool::Sqlite(pool), backend: Backend::Sqlite, location: Arc::from(path.display().to_string()) }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(format!("DATABASE_URL is not a valid PostgreSQL URL: {e}")))?;
            let location = format!("postgres://{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or(""));
            let max = if opts.max_connections == 0 { 10 } else { opts.max_connections };
            let pool = PgPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Config(format!("cannot reach PostgreSQL at {location}: {e}")))?;
            Store { pool: Pool::Pg(pool), backend: Backend::Postgres, location: Arc::from(location) }
        } else {
            let scheme = url.split(':').next().unwrap_or("");
            return Err(StoreError::Config(format!("unknown database URL scheme {scheme:?}: use sqlite://PATH or postgres://...")));
        };
        let lock = match &store.pool {
            Pool::Pg(p) => {
                let mut c = p.acquire().await?.detach();
                let t = std::time::Instant::now();
                sqlx::query("SELECT pg_advisory_lock($1)").bind(START_LOCK_KEY).execute(&mut c).await?;
                if t.elapsed() > Duration::from_millis(500) {
                    tracing::info!("waited {:.1} s for another server to finish starting", t.elapsed().as_secs_f64());
                }
                StartLock(Some(c))
            }
            Pool::Sqlite(_) => StartLock(None),
        };
        store.migrate().await?;
        {
            let mut w = store.write().await?;
            survey::retally_all(&mut w).await?;
            w.commit().await?;
        }
        let d = store.durability().await?;
        if !d.durable && !opts.allow_weak_durability {
            return Err(StoreError::Config(format!(
                "the database is not durable ({}); fix it, or start with --allow-weak-durability if losing the last writes on a crash is acceptable",
                d.description
            )));
        }
        if d.durable {
            tracing::info!(backend = store.backend.name(), "durability: {}", d.description);
        } else {
            tracing::warn!(backend = store.backend.name(), "durability is weak: {}", d.description);
        }
        Ok((store, lock))
    }

    /// A store of its own for a writer that commits small transactions back to back (the
    /// group commit of survey responses). On SQLite: one connection that never checkpoints on
    /// commit, so no commit waits for the WAL to be copied back (call [`Store::checkpoint`]
    /// from elsewhere and [`Store::restart_wal`] between commits), and whose page cache is kept
    /// to 8 MB, room for the inner pages of the trees it writes: SQLite 3.46 walks the whole
    /// cache at every commit that split a page, and with 256 MB that walk took more time than
    /// the cache saved (measured in BENCHMARKS.md). On PostgreSQL: a pool of two connections.
    pub async fn for_writer(&self) -> Result<Store, StoreError> {
        let pool = match &self.pool {
            Pool::Sqlite(_) => {
                let file = self.sqlite_file().ok_or_else(|| StoreError::Config("an in-memory database has one connection's data only".into()))?;
                let options = sqlite_options(&file)
                    .pragma("cache_size", "-8192")
                    .pragma("temp_store", "MEMORY")
                    .pragma("wal_autocheckpoint", "0")
                    .pragma("journal_size_limit", "268435456")
                    .statement_cache_capacity(4096);
                Pool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(1)
                        .min_connections(1)
                        .test_before_acquire(false)
                        .acquire_timeout(Duration::from_secs(30))
                        .connect_with(options)
                        .await?,
                )
            }
            Pool::Pg(p) => Pool::Pg(PgPoolOptions::new().max_connections(2).acquire_timeout(Duration::from_secs(10)).connect_with((*p.connect_options()).clone()).await?),
        };
        Ok(Store { pool, backend: self.backend, location: self.location.clone() })
    }

    /// Copies committed WAL frames back into the database file without blocking writers or
    /// readers (SQLite's passive checkpoint), and flushes the file. Returns whether frames were
    /// copied, so that a restart of the WAL ([`Store::restart_wal`]) has little left to do
    /// (false on PostgreSQL, which has nothing of the kind).
    pub async fn checkpoint(&self) -> Result<bool, StoreError> {
        let Pool::Sqlite(p) = &self.pool else { return Ok(false) };
        let t = std::time::Instant::now();
        let (busy, log, done): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(p).await?;
        let copied = t.elapsed();
        if busy != 0 || log <= 0 {
            return Ok(false);
        }
        // SQLite syncs the database file only when a checkpoint has copied every frame in the
        // WAL, which a passive one beside a busy writer never does (`log == done` counts the
        // frames as they were when it began): the pages it copied would wait for the restart's
        // sync, under the write lock. They are flushed here instead.
        if let Some(path) = self.sqlite_file().filter(|p| p.exists()) {
            tokio::task::spawn_blocking(move || flush_handle(&path).and_then(|f| f.sync_data()))
                .await
                .map_err(|e| StoreError::Config(e.to_string()))?
                .map_err(|e| StoreError::Config(format!("flushing the database file: {e}")))?;
        }
        tracing::debug!(target: "pacesetter::responses", busy, log, done, copy_us = copied.as_micros() as u64, sync_us = (t.elapsed() - copied).as_micros() as u64, "passive checkpoint");
        Ok(true)
    }

    /// Copies what is left of the WAL back and starts it again from its beginning (SQLite's
    /// restart checkpoint), so that later commits overwrite the WAL's blocks instead of
    /// extending the file, which costs the kernel far more than the write. It holds the write
    /// lock while it copies: run it from the writer, after a passive checkpoint has copied the
    /// bulk. Returns whether the WAL was restarted (false when another writer or a reader held
    /// on to it).
    pub async fn restart_wal(&self) -> Result<bool, StoreError> {
        let Pool::Sqlite(p) = &self.pool else { return Ok(false) };
        // Another writer, or readers of the WAL, are waited for a few milliseconds at most (a
        // long reader, a backup say, keeps the WAL; the next restart will do), then the usual
        // patience returns. A connection that might keep the short one is not given back.
        let mut c = p.acquire().await?;
        sqlx::query("PRAGMA busy_timeout = 5").execute(&mut *c).await?;
        let t = std::time::Instant::now();
        let restarted = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(RESTART)").fetch_one(&mut *c).await;
        if let Ok((busy, log, done)) = &restarted {
            tracing::debug!(target: "pacesetter::responses", busy, log, done, us = t.elapsed().as_micros() as u64, "restart checkpoint");
        }
        if let Err(e) = sqlx::query(&format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis())).execute(&mut *c).await {
            drop(c.detach());
            return Err(e.into());
        }
        Ok(restarted?.0 == 0)
    }

    /// The SQLite database's file, when there is one (not on PostgreSQL, nor in memory).
    fn sqlite_file(&self) -> Option<PathBuf> {
        match self.pool {
            Pool::Sqlite(_) if !self.location.contains(":memory:") => Some(PathBuf::from(&*self.location)),
            _ => None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Pool::Pg(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
        .map_err(|e| StoreError::Config(format!("database migration failed: {e}")))
    }

    /// The latest migration applied.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let mut c = self.read().await?;
        Ok(c.fetch_i64(Sql::new("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE")).await?)
    }

    /// Reads the durability settings in force on a connection of the pool.
    pub async fn durability(&self) -> Result<Durability, StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => {
                let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(p).await?;
                let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(p).await?;
                let sync_name = match sync {
                    0 => "OFF",
                    1 => "NORMAL",
                    2 => "FULL",
                    3 => "EXTRA",
                    _ => "?",
                };
                Ok(Durability { durable: mode.eq_ignore_ascii_case("wal") && sync >= 2, description: format!("SQLite journal_mode={mode}, synchronous={sync_name}") })
            }
            Pool::Pg(p) => {
                let sc: String = sqlx::query_scalar("SELECT current_setting('synchronous_commit')").fetch_one(p).await?;
                let fsync: String = sqlx::query_scalar("SELECT current_setting('fsync')").fetch_one(p).await?;
                let durable = sc != "off" && fsync == "on";
                Ok(Durability { durable, description: format!("PostgreSQL synchronous_commit={sc}, fsync={fsync}") })
            }
        }
    }

    /// A connection for reading.
    pub async fn read(&self) -> Result<Conn, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Pool::Pg(p) => Conn::Pg(p.acquire().await?),
        })
    }

    /// A transaction for writing. On SQLite it takes the write lock at once (BEGIN IMMEDIATE),
    /// so that a transaction that reads and then writes never fails half-way on a busy database.
    pub async fn write(&self) -> Result<Conn, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Conn::SqliteTx(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Pg(p) => Conn::PgTx(p.begin().await?),
        })
    }

    /// A read-only transaction that sees one consistent state of the whole database (for a
    /// backup taken while the server writes).
    pub async fn snapshot(&self) -> Result<Conn, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Conn::SqliteTx(p.begin_with("BEGIN DEFERRED").await?),
            Pool::Pg(p) => Conn::PgTx(p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?),
        })
    }

    /// The pool's connections: (open, idle, most allowed), for the metrics.
    pub fn pool_stats(&self) -> (u32, usize, u32) {
        match &self.pool {
            Pool::Sqlite(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
            Pool::Pg(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Pg(p) => p.close().await,
        }
    }

    /// A value of the `meta` table.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut c = self.read().await?;
        Ok(c.fetch_opt_string(Sql::new("SELECT value FROM meta WHERE key = $1").bind(key)).await?)
    }
}

/// Sets a value of the `meta` table.
pub async fn set_meta(c: &mut Conn, key: &str, value: &str) -> Result<(), StoreError> {
    c.execute(Sql::new("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value").bind(key).bind(value)).await?;
    Ok(())
}
