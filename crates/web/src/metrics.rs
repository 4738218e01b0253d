//! Metrics in Prometheus's text format, served on a listen address of their own (behind nginx
//! every request comes from the proxy, so the public listener cannot tell a monitor from anyone).
//!
//! Labels are route templates (`/surveys/{id}`), methods and status codes: never a path, a
//! query, a survey, a token or a person.

use crate::state::AppState;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::Ordering::Relaxed;

/// The latency buckets' upper bounds, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What the server counts as it serves.
#[derive(Default)]
pub struct Metrics {
    /// (route template, method, status) → latencies.
    http: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    started: std::sync::OnceLock<std::time::Instant>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let m = Metrics::default();
        let _ = m.started.set(std::time::Instant::now());
        m
    }

    /// Counts a request: `route` is the matched template (or "(no route)").
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        // Methods nobody routes would each make a label: one label for them all.
        let method = match method {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
            _ => "OTHER",
        };
        let mut http = self.http.lock().unwrap_or_else(|e| e.into_inner());
        let h = http.entry((route.to_string(), method.to_string(), status)).or_default();
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }
}

fn label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The process's resident memory in bytes (Linux), for watching it from outside.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// The whole exposition, as `GET /metrics` answers it.
pub async fn render(state: &AppState) -> String {
    let mut out = String::new();
    {
        let http = state.metrics.http.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str("# HELP pacesetter_http_request_duration_seconds Requests by route template, method and status, with their latency.\n");
        out.push_str("# TYPE pacesetter_http_request_duration_seconds histogram\n");
        for ((route, method, status), h) in http.iter() {
            let l = format!("route=\"{}\",method=\"{}\",status=\"{status}\"", label(route), label(method));
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "pacesetter_http_request_duration_seconds_bucket{{{l},le=\"{le}\"}} {}", h.counts[i]);
            }
            let _ = writeln!(out, "pacesetter_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "pacesetter_http_request_duration_seconds_sum{{{l}}} {}", h.sum);
            let _ = writeln!(out, "pacesetter_http_request_duration_seconds_count{{{l}}} {}", h.count);
        }
    }
    let (open, idle, max) = state.store.pool_stats();
    let gauge = |out: &mut String, name: &str, help: &str, v: String| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
    };
    let counter = |out: &mut String, name: &str, help: &str, v: u64| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
    };
    gauge(&mut out, "pacesetter_db_pool_connections", "Open connections of the database pool.", open.to_string());
    gauge(&mut out, "pacesetter_db_pool_idle", "Idle connections of the database pool.", idle.to_string());
    gauge(&mut out, "pacesetter_db_pool_max", "The most connections the pool opens.", max.to_string());
    let w = &state.responses.stats;
    gauge(&mut out, "pacesetter_survey_writer_queue", "Survey responses handed to the writer and not yet stored.", w.queued.load(Relaxed).to_string());
    counter(&mut out, "pacesetter_survey_writer_batches_total", "Transactions the survey writer committed.", w.batches.load(Relaxed));
    counter(&mut out, "pacesetter_survey_writer_responses_total", "Submissions the survey writer answered.", w.answered.load(Relaxed));
    counter(&mut out, "pacesetter_survey_writer_failed_batches_total", "Batches the survey writer could not store.", w.failed_batches.load(Relaxed));
    match outbox_counts(state).await {
        Ok((pending, failed)) => {
            gauge(&mut out, "pacesetter_outbox_pending", "E-mail waiting to be delivered.", pending.to_string());
            gauge(&mut out, "pacesetter_outbox_failed", "E-mail given up after every attempt.", failed.to_string());
            gauge(&mut out, "pacesetter_database_up", "Whether the database answered this scrape.", "1".into());
        }
        Err(e) => {
            tracing::warn!("metrics: the database did not answer: {e}");
            gauge(&mut out, "pacesetter_database_up", "Whether the database answered this scrape.", "0".into());
        }
    }
    if let Some(rss) = resident_bytes() {
        gauge(&mut out, "process_resident_memory_bytes", "Resident memory of the server process.", rss.to_string());
    }
    if let Some(t) = state.metrics.started.get() {
        gauge(&mut out, "pacesetter_uptime_seconds", "Seconds since the server started.", format!("{:.0}", t.elapsed().as_secs_f64()));
    }
    out
}

async fn outbox_counts(state: &AppState) -> Result<(i64, i64), pacesetter_store::StoreError> {
    let mut c = state.store.read().await?;
    pacesetter_store::outbox::backlog(&mut c).await
}

/// The metrics listener's router: `GET /metrics` only.
pub fn router(state: AppState) -> axum::Router {
    use axum::response::IntoResponse;
    axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(|axum::extract::State(s): axum::extract::State<AppState>| async move {
                ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], render(&s).await).into_response()
            }),
        )
        .with_state(state)
}
