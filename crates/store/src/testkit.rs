//! Fresh databases for tests: a temporary SQLite file, or a new database on the PostgreSQL
//! server named by `PACESETTER_TEST_POSTGRES` (a URL to any database of that server).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The PostgreSQL server for tests, when one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("PACESETTER_TEST_POSTGRES").ok().filter(|s| !s.trim().is_empty())
}

/// Whether the PostgreSQL suites must run (CI sets CI=true): then a missing server is a
/// failure, not a skip.
pub fn postgres_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{n}", std::process::id(), t % 1_000_000_000)
}

/// A URL of a new, empty SQLite database in a temporary directory (removed by the caller's
/// TempDir guard).
pub fn sqlite_url() -> (String, TempDir) {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.path.join("pacesetter.db").display());
    (url, dir)
}

static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The test databases left by test processes that have ended (`pst_<pid>_...` whose process is
/// gone): a server's pool still holds its database when a test returns, so each process sweeps
/// its predecessors' instead, once.
async fn sweep_ended(admin: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    if SWEPT.swap(true, Ordering::Relaxed) {
        return Ok(());
    }
    let names: Vec<(String,)> = sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'pst\\_%'").fetch_all(&mut *admin).await?;
    for (name,) in names {
        let pid = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
        let ended = pid.is_some_and(|pid| pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists());
        if ended && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            // Another sweeper may have taken it, or it may still be in use: neither matters.
            let _ = sqlx::Executor::execute(&mut *admin, format!("DROP DATABASE IF EXISTS {name}").as_str()).await;
        }
    }
    Ok(())
}

/// Creates a new, empty database on the test server and returns its URL.
pub async fn postgres_database(base: &str) -> Result<String, sqlx::Error> {
    use sqlx::Connection;
    let name = unique_name("pst");
    let mut admin = sqlx::PgConnection::connect(base).await?;
    if std::path::Path::new("/proc/self").exists() {
        sweep_ended(&mut admin).await?;
    }
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str()).await?;
    let _ = admin.close().await;
    let (head, _) = base.rsplit_once('/').unwrap_or((base, ""));
    Ok(format!("{head}/{name}"))
}

/// A temporary directory removed when dropped.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(unique_name("pacesetter"));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir { path }
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Brings a new database at `url` to schema `version` only (not the latest) and runs
/// `statements` there: data as an older release stored it, for tests of what a later migration
/// does to it when [`crate::Store::open`] applies the rest.
pub async fn at_version(url: &str, version: i64, statements: &[String]) -> Result<(), String> {
    use sqlx::migrate::Migrator;
    let until = |m: &Migrator| Migrator { migrations: std::borrow::Cow::Owned(m.iter().filter(|x| x.version <= version).cloned().collect()), ..Migrator::DEFAULT };
    if url.starts_with("sqlite:") {
        let options = url.parse::<sqlx::sqlite::SqliteConnectOptions>().map_err(|e| e.to_string())?.create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.map_err(|e| e.to_string())?;
        until(&crate::SQLITE_MIGRATIONS).run(&pool).await.map_err(|e| e.to_string())?;
        for s in statements {
            sqlx::query(s).execute(&pool).await.map_err(|e| format!("{s}: {e}"))?;
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.map_err(|e| e.to_string())?;
        until(&crate::POSTGRES_MIGRATIONS).run(&pool).await.map_err(|e| e.to_string())?;
        for s in statements {
            sqlx::query(s).execute(&pool).await.map_err(|e| format!("{s}: {e}"))?;
        }
        pool.close().await;
    }
    Ok(())
}
