//! The server's periodic work in one place: reminders (hourly), the search index (every 20 s), the outbox (every two seconds,
//! when a relay is configured) and SQLite's checkpoint (every five minutes). Each job runs on a
//! server only after it has taken the job's lease in the database ([`pacesetter_store::lease`]),
//! so several servers on one database never run a job twice: the lease lasts while the job runs
//! (at most [`MAX_RUN`]) and then until the job's next turn. The outbox is the exception: every
//! server delivers, and each message is leased to the one sending it (see
//! [`pacesetter_store::outbox`]), so a server killed mid-send holds up one message, not the mail.

use pacesetter_domain::dates::now_ms;
use pacesetter_store::{Store, StoreError, lease};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How long a run may take before its lease lapses and another server may start the job.
pub const MAX_RUN: Duration = Duration::from_secs(600);

type Run = Arc<dyn Fn(Store) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send>> + Send + Sync>;

/// A periodic job: its name (the lease's), how often it runs, and what it does (returning a
/// note for the log and the lease's record).
#[derive(Clone)]
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    /// Whether the job runs under its lease (else every server runs it, and it divides its
    /// work itself).
    pub leased: bool,
    run: Run,
}

impl Job {
    pub fn new<F, Fut>(name: &'static str, every: Duration, f: F) -> Job
    where
        F: Fn(Store) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        Job { name, every, leased: true, run: Arc::new(move |s| Box::pin(f(s))) }
    }

    /// A job every server runs at its period, without the job's lease.
    pub fn everywhere<F, Fut>(name: &'static str, every: Duration, f: F) -> Job
    where
        F: Fn(Store) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        Job { leased: false, ..Job::new(name, every, f) }
    }
}

/// A name for this server's leases: random per process, so two servers on one host differ.
pub fn holder_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "server".into());
    format!("{host}/{}/{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8])
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Runs `job` once if this server can take its lease; whether it ran.
pub async fn run_once(store: &Store, holder: &str, job: &Job) -> Result<bool, StoreError> {
    if !job.leased {
        match (job.run)(store.clone()).await {
            Ok(note) if !note.is_empty() => tracing::info!(job = job.name, "{note}"),
            Ok(_) => {}
            Err(e) => tracing::error!(job = job.name, "{e}"),
        }
        return Ok(true);
    }
    let started = now_ms();
    let mut w = store.write().await?;
    let taken = lease::take(&mut w, job.name, holder, started, ms(MAX_RUN)).await?;
    w.commit().await?;
    if !taken {
        return Ok(false);
    }
    let note = match (job.run)(store.clone()).await {
        Ok(note) => {
            if !note.is_empty() {
                tracing::info!(job = job.name, "{note}");
            }
            note
        }
        Err(e) => {
            tracing::error!(job = job.name, "{e}");
            format!("error: {e}")
        }
    };
    let mut w = store.write().await?;
    if !lease::finish(&mut w, job.name, holder, now_ms(), started.saturating_add(ms(job.every)), &note).await? {
        tracing::warn!(job = job.name, "the run outlasted its lease ({} s)", MAX_RUN.as_secs());
    }
    w.commit().await?;
    Ok(true)
}

/// Starts the scheduler for the life of the server, as `holder`: each job is tried at its
/// period (a server that does not get the lease tries again a period later).
pub fn start(store: Store, holder: &str, jobs: Vec<Job>) {
    for job in jobs {
        let (store, holder) = (store.clone(), holder.to_string());
        tokio::spawn(async move {
            loop {
                if let Err(e) = run_once(&store, &holder, &job).await {
                    tracing::error!(job = job.name, "the scheduler could not reach the database: {e}");
                }
                tokio::time::sleep(job.every).await;
            }
        });
    }
}

/// Sends the due-soon and overdue notifications of every running campaign (each goes once per
/// task and due date, so a repeated run repeats nothing).
pub fn reminders(public_url: String) -> Job {
    Job::new("reminders", Duration::from_secs(3600), move |store: Store| {
        let public_url = public_url.clone();
        async move {
            let mut w = store.write().await.map_err(|e| e.to_string())?;
            // A demo database runs as of its own day, in the background as in its pages: its
            // deadlines would otherwise all be years past.
            let today = pacesetter_store::campaign::demo_clock(&mut w).await.map_err(|e| e.to_string())?.unwrap_or_else(pacesetter_domain::dates::today);
            let mut n = 0;
            for c in pacesetter_store::campaign::list(&mut w).await.map_err(|e| e.to_string())?.into_iter().filter(|c| c.is_active()) {
                n += pacesetter_store::reminders::remind(&mut w, c.id, today, &public_url).await.map_err(|e| e.to_string())?;
            }
            w.commit().await.map_err(|e| e.to_string())?;
            // The masses' problems: steps past their limits, answers never confirmed.
            n += crate::app::problems::tick(&store, &public_url, today).await.map_err(|e| e.to_string())?;
            // Cadres whose class has gone unvisited (once a week per class).
            n += crate::app::liaison::remind(&store, &public_url, today).await.map_err(|e| e.to_string())?;
            // Whoever links cadres to classes, past the plan's date while some lack one.
            n += crate::app::liaison::remind_coverage(&store, &public_url, today).await.map_err(|e| e.to_string())?;
            // Member development: steps past their deadlines, to the branch and the contacts.
            n += crate::app::development::remind(&store, &public_url, today).await.map_err(|e| e.to_string())?;
            Ok(if n == 0 { String::new() } else { format!("reminders: {n} notifications") })
        }
    })
}

/// Delivers the outbox through the relay, on every server, as `holder`.
pub fn outbox(mailer: crate::mail::Mailer, holder: String) -> Job {
    Job::everywhere("outbox", Duration::from_secs(2), move |store: Store| {
        let (mailer, holder) = (mailer.clone(), holder.clone());
        async move {
            let sent = mailer.deliver_due(&store, &holder).await?;
            Ok(if sent == 0 { String::new() } else { format!("outbox: {sent} delivered") })
        }
    })
}

/// Re-indexes for search what changed since the last run (a search does it too before it
/// answers; this keeps that rare).
pub fn search() -> Job {
    Job::new("search", Duration::from_secs(20), |store: Store| async move {
        let n = pacesetter_store::search::refresh_all(&store).await.map_err(|e| e.to_string())?;
        Ok(if n == 0 { String::new() } else { format!("search: {n} records re-indexed") })
    })
}

/// Copies SQLite's write-ahead log back into the database file (nothing on PostgreSQL), and
/// forgets the rate limits' lapsed keys and API tokens ended a month ago.
pub fn checkpoint() -> Job {
    Job::new("checkpoint", Duration::from_secs(300), |store: Store| async move {
        // The rate limits' lapsed keys go too (they name addresses, hashed, for an hour at most).
        let mut w = store.write().await.map_err(|e| e.to_string())?;
        pacesetter_store::limits::prune(&mut w, now_ms()).await.map_err(|e| e.to_string())?;
        pacesetter_store::api_token::purge(&mut w, now_ms()).await.map_err(|e| e.to_string())?;
        w.commit().await.map_err(|e| e.to_string())?;
        // A no-op on PostgreSQL.
        store.checkpoint().await.map(|_| String::new()).map_err(|e| e.to_string())
    })
}
