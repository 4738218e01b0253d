//! Pacesetter's web server: the pages, the JSON API, authentication and the route table.
//!
//! Inside, `app` is the application layer: one function per use case, which takes the caller
//! and typed input, owns its transaction and returns typed results or a typed error; `pages`
//! (HTML) and `api` (JSON) are adapters over it and never import each other. `input` and
//! `labels` are the edge's shared parsing and wording.
//!
//! `Application::build(config)` opens the database (loading the demo on a fresh one when
//! asked), binds the address, and builds the router; the binary and the tests both use it.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod ctx;
pub mod error;
pub mod export;
pub mod input;
pub mod labels;
pub mod mail;
pub mod markdown;
pub mod metrics;
pub mod pages;
pub mod pdf;
pub mod qr;
pub mod routes;
pub mod scheduler;
pub mod sheets;
pub mod sign_on;
pub mod state;
pub mod upload;

pub use config::Config;

use pacesetter_domain::demo;
use pacesetter_store::{OpenOptions, Store, StoreError};
use state::{AppState, Site};
use std::net::SocketAddr;
use std::sync::Arc;

/// What start-up has to report: the demo accounts, and where their password came from.
#[derive(Clone, Debug, Default)]
pub struct DemoInfo {
    pub loaded_now: bool,
    pub password: Option<String>,
    pub accounts: Vec<(String, String)>,
}

pub struct Application {
    mailer: Option<mail::Mailer>,
    /// This server's name in the database's leases.
    holder: String,
    /// The survey writer, drained at shutdown.
    responses: pacesetter_store::survey::Committer,
    listener: tokio::net::TcpListener,
    router: axum::Router,
    /// The metrics' own listener and router, when an address is configured.
    metrics: Option<(tokio::net::TcpListener, axum::Router)>,
    pub address: SocketAddr,
    /// Where `/metrics` is served, when it is.
    pub metrics_address: Option<SocketAddr>,
    pub public_url: String,
    pub store: Store,
    pub demo: Option<DemoInfo>,
}

/// How long a stopping server waits for the requests in flight, and then for the survey writer.
pub const DRAIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Waits for SIGTERM (systemd's stop) or Ctrl-C; which one came.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                let _ = tokio::signal::ctrl_c().await;
                return "Ctrl-C";
            }
        };
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = tokio::signal::ctrl_c() => "Ctrl-C",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The plan the demo runs: the 2012 plan, shipped in plans/.
pub const DEMO_PLAN: &str = include_str!("../../../plans/2012-csust.toml");

/// Loads the demo university into an empty database, then the 2012 plan with some progress.
pub async fn load_demo(store: &Store, d: &demo::Demo, password_hash: &str) -> Result<(), String> {
    load_demo_as_of(store, d, password_hash, None).await
}

/// Loads the demo as [`load_demo`] does, its campaign running as of `as_of` (the demo clock; the
/// progress it makes is dated by that clock too).
pub async fn load_demo_as_of(store: &Store, d: &demo::Demo, password_hash: &str, as_of: Option<time::Date>) -> Result<(), String> {
    clock::within(as_of, load_demo_within(store, d, password_hash, as_of)).await
}

async fn load_demo_within(store: &Store, d: &demo::Demo, password_hash: &str, as_of: Option<time::Date>) -> Result<(), String> {
    pacesetter_store::demo::load(store, d, password_hash).await.map_err(|e| format!("loading the demo data failed: {e}"))?;
    let plan = pacesetter_domain::plan::parse(DEMO_PLAN).map_err(|e| format!("the shipped plan does not read: {e:?}"))?;
    let scope = pacesetter_domain::scope::Scope::system("demo-loader");
    let mut w = store.write().await.map_err(|e| e.to_string())?;
    let report = pacesetter_store::campaign::load(&mut w, &scope, &plan, DEMO_PLAN, true).await.map_err(|e| format!("loading the 2012 plan failed: {e}"))?;
    if let Some(id) = report.campaign_id {
        if let Some(day) = as_of {
            pacesetter_store::campaign::set_demo_clock(&mut w, id, day).await.map_err(|e| e.to_string())?;
        }
        if let Some(day) = as_of {
            demo_in_progress(&mut w, id, day).await.map_err(|e| format!("the demo's survey and selection: {e}"))?;
            pacesetter_store::liaison::demo(&mut w, day).await.map_err(|e| format!("the demo's visits: {e}"))?;
            pacesetter_store::meeting::demo(&mut w, day).await.map_err(|e| format!("the demo's meetings: {e}"))?;
            pacesetter_store::branch_system::demo(&mut w, day).await.map_err(|e| format!("the demo's branch systems: {e}"))?;
            pacesetter_store::contact::demo(&mut w, day).await.map_err(|e| format!("the demo's guidance visits: {e}"))?;
            pacesetter_store::member_file::demo(&mut w, day).await.map_err(|e| format!("the demo's member files: {e}"))?;
            pacesetter_store::development::demo(&mut w, day, &plan.development, &plan.calendar).await.map_err(|e| format!("the demo's development files: {e}"))?;
            pacesetter_store::care::demo(&mut w, day).await.map_err(|e| format!("the demo's care visits: {e}"))?;
            pacesetter_store::central_group::demo(&mut w, day).await.map_err(|e| format!("the demo's central groups: {e}"))?;
            pacesetter_store::activity::demo(&mut w, day).await.map_err(|e| format!("the demo's activities: {e}"))?;
            pacesetter_store::study::demo(&mut w, day).await.map_err(|e| format!("the demo's documents to study: {e}"))?;
            pacesetter_store::study_point::demo(&mut w, day).await.map_err(|e| format!("the demo's study model points: {e}"))?;
            pacesetter_store::announcement::demo(&mut w).await.map_err(|e| format!("the demo's notices: {e}"))?;
            pacesetter_store::library::demo(&mut w).await.map_err(|e| format!("the demo's experience library: {e}"))?;
            pacesetter_store::story::demo(&mut w, demo_cover()).await.map_err(|e| format!("the demo's stories: {e}"))?;
            pacesetter_store::research::demo(&mut w, day).await.map_err(|e| format!("the demo's research call: {e}"))?;
            pacesetter_store::problem::demo(&mut w, day, &plan.calendar, 120).await.map_err(|e| format!("the demo's problems: {e}"))?;
        }
        pacesetter_store::campaign::demo_progress(&mut w, &scope, id).await.map_err(|e| e.to_string())?;
        pacesetter_store::commitment::demo(&mut w, &scope, id).await.map_err(|e| e.to_string())?;
    }
    w.commit().await.map_err(|e| e.to_string())?;
    pacesetter_store::search::refresh_all(store).await.map_err(|e| format!("indexing the demo for search: {e}"))?;
    Ok(())
}

/// The demo story's cover: a 1200×630 picture (the size a shared link's card uses) in the
/// campaign's red, lighter towards the bottom right, with a golden band.
pub fn demo_cover() -> Vec<u8> {
    let (w, h) = (1200u32, 630u32);
    let mut px = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let t = (x + y) as f32 / (w + h) as f32;
            let band = (y as f32 - 0.62 * h as f32).abs() < 14.0;
            let (r, g, b) = if band { (232.0, 186.0, 92.0) } else { (179.0 + 50.0 * t, 33.0 + 60.0 * t, 31.0 + 50.0 * t) };
            px.extend_from_slice(&[r as u8, g as u8, b as u8]);
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Writing to memory cannot fail.
    if let Ok(mut wr) = enc.write_header() {
        let _ = wr.write_image_data(&px);
    }
    out
}

/// What a demo on its clock has going on as of its date, beside the plan's progress: the plan's
/// survey of the period open to everyone (the office's, anonymous), and a selection of 优秀共产党员
/// taking nominations, so the first pages of a member, a student and a secretary show work.
async fn demo_in_progress(w: &mut pacesetter_store::Conn, campaign: i64, day: time::Date) -> Result<(), StoreError> {
    use pacesetter_store::{campaign as camp, selection, survey, tree};
    let office = pacesetter_domain::scope::Scope { roles: vec![pacesetter_domain::role::Role::Office], ..pacesetter_domain::scope::Scope::system("demo-loader") };
    let row = camp::get(w, campaign).await?;
    let plan = row.plan()?;
    let open_then =
        |t: &pacesetter_domain::plan::SurveyTemplate| t.target == pacesetter_domain::survey::TargetKind::None && t.from.is_none_or(|f| f <= day) && t.to.is_none_or(|t| t >= day);
    if let Some(t) = plan.surveys.iter().find(|t| open_then(t)).cloned() {
        let id = survey::create(w, &office, survey::NewSurvey::from_template(Some(campaign), t, None)).await?;
        let root = tree::all(w, tree::Tree::Unit).await?.into_iter().find(|n| n.parent_id.is_none()).ok_or(StoreError::NotFound)?;
        survey::invite_subtree(w, &office, id, survey::Tree::Admin, root.id).await?;
        survey::open(w, &office, id).await?;
    }
    if plan.awards.iter().any(|a| a.code == "excellent-members") {
        let iso = |d: time::Date| pacesetter_domain::dates::iso(d);
        let n = selection::NewSelection {
            category: "excellent-members".into(),
            title: String::new(),
            quota: String::new(),
            electorate_org: None,
            nominate_until: iso(day + time::Duration::days(20)),
            vote_from: iso(day + time::Duration::days(25)),
            vote_until: iso(day + time::Duration::days(35)),
            appraisal_round: None,
        };
        selection::create(w, &office, &row, &n).await?;
    }
    Ok(())
}

fn demo_password_file(config: &Config) -> std::path::PathBuf {
    config.data_dir.join("demo-password.txt")
}

/// Loads the demo into an empty database, or reports the demo accounts of a database that has
/// them. The generated password is kept in the data directory so later starts can print it.
async fn prepare_demo(config: &Config, store: &Store) -> Result<Option<DemoInfo>, String> {
    let empty = pacesetter_store::demo::is_empty(store).await.map_err(|e| e.to_string())?;
    let is_demo = store.meta("demo").await.map_err(|e| e.to_string())?.is_some();
    if !(empty || is_demo) {
        return Ok(None);
    }
    let file = demo_password_file(config);
    let accounts = |d: &demo::Demo| d.accounts.iter().map(|a| (a.username.to_string(), format!("{} · {}", a.purpose, a.display_name))).collect::<Vec<_>>();
    if empty {
        let password = match &config.demo_password {
            Some(p) => p.clone(),
            None => {
                let p = auth::random_password();
                std::fs::create_dir_all(&config.data_dir).map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
                std::fs::write(&file, format!("{p}\n")).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
                p
            }
        };
        let d = demo::generate(config.demo_size);
        let hash = auth::hash_password(&password);
        load_demo_as_of(store, &d, &hash, config.demo_as_of).await?;
        return Ok(Some(DemoInfo { loaded_now: true, password: Some(password), accounts: accounts(&d) }));
    }
    let password = config.demo_password.clone().or_else(|| std::fs::read_to_string(&file).ok().map(|s| s.trim().to_string()));
    let size: usize = store.meta("demo_people").await.ok().flatten().and_then(|s| s.parse().ok()).unwrap_or(config.demo_size);
    let d = demo::generate(size);
    Ok(Some(DemoInfo { loaded_now: false, password, accounts: accounts(&d) }))
}

/// A server started without the demo on a database that holds demo accounts (a restored demo,
/// say) would let anyone in with the printed demo password: it refuses to start, unless told to
/// disable them (audited).
async fn refuse_demo_accounts(config: &Config, store: &Store) -> Result<(), String> {
    let mut w = store.write().await.map_err(|e| e.to_string())?;
    let names = pacesetter_store::account::enabled_demo_accounts(&mut w).await.map_err(|e| e.to_string())?;
    if names.is_empty() {
        return Ok(());
    }
    if !config.disable_demo_accounts {
        return Err(format!(
            "this database holds {} enabled demo accounts ({}) whose password is the demo password; start with the demo (without --no-demo), \
             or with --disable-demo-accounts (PACESETTER_DISABLE_DEMO_ACCOUNTS=1) to disable them",
            names.len(),
            names.iter().take(8).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let scope = pacesetter_domain::scope::Scope::system("pacesetter serve --disable-demo-accounts");
    pacesetter_store::account::disable_demo_accounts(&mut w, &scope).await.map_err(|e| e.to_string())?;
    w.commit().await.map_err(|e| e.to_string())?;
    tracing::warn!("disabled {} demo accounts: {}", names.len(), names.join(", "));
    Ok(())
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, String> {
        config.check().map_err(|p| p.join("; "))?;
        let url = config.database_url();
        if config.database_url.is_none() {
            std::fs::create_dir_all(&config.data_dir).map_err(|e| format!("cannot create the data directory {}: {e}", config.data_dir.display()))?;
        }
        // Servers starting together on one database take turns: one migrates (and loads the
        // demo into an empty database) while the others wait, then find it done.
        let (store, start_lock) =
            Store::open_for_start(&url, &OpenOptions { allow_weak_durability: config.allow_weak_durability, max_connections: 0 }).await.map_err(|e: StoreError| e.to_string())?;
        let demo = if config.load_demo { prepare_demo(&config, &store).await? } else { None };
        if !config.load_demo {
            refuse_demo_accounts(&config, &store).await?;
        }
        start_lock.release().await;
        let listener = tokio::net::TcpListener::bind(&config.addr).await.map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let public_url = match &config.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let host = if address.ip().is_unspecified() { "127.0.0.1".to_string() } else { address.ip().to_string() };
                format!("http://{host}:{}", address.port())
            }
        };
        let mut site = Site::from_public_url(&public_url, config.trusted_proxies.clone())?;
        let mailer = match &config.smtp_url {
            Some(url) => Some(mail::Mailer::new(url, config.mail_from.as_deref().unwrap_or(config::DEFAULT_FROM))?),
            None => None,
        };
        site.mail = mailer.is_some();
        site.max_upload = config.max_upload_mb * 1024 * 1024;
        let providers = config.providers()?;
        site.sign_on = providers.any().then_some(providers);
        site.password_words.extend(config.password_words.iter().map(|w| w.trim().to_lowercase()).filter(|w| !w.is_empty()));
        if demo.is_some() {
            site.password_words.extend(demo::UNIVERSITY_WORDS.iter().map(|w| w.to_string()));
        }
        let demo_clock = clock::DemoClock::default();
        // A server without the demo runs on the real date, whatever a restored demo says.
        if config.load_demo {
            demo_clock.refresh(&store).await.map_err(|e| e.to_string())?;
        }
        clock::install();
        let responses = pacesetter_store::survey::Committer::start(store.clone());
        let state = AppState { store: store.clone(), site: Arc::new(site), responses: responses.clone(), demo_clock, metrics: Arc::new(metrics::Metrics::new()) };
        let metrics = match &config.metrics_addr {
            Some(a) => {
                let l = tokio::net::TcpListener::bind(a).await.map_err(|e| format!("cannot listen for the metrics on {a}: {e}"))?;
                let at = l.local_addr().map_err(|e| e.to_string())?;
                Some((l, at, metrics::router(state.clone())))
            }
            None => None,
        };
        let metrics_address = metrics.as_ref().map(|m| m.1);
        let router = routes::router(state);
        Ok(Application {
            mailer,
            holder: scheduler::holder_name(),
            responses,
            listener,
            router,
            metrics: metrics.map(|m| (m.0, m.2)),
            metrics_address,
            address,
            public_url,
            store,
            demo,
        })
    }

    /// Serves until the process is told to stop (SIGTERM, or Ctrl-C): then it stops accepting
    /// connections, lets the requests in flight finish (for at most [`DRAIN`]), waits for the
    /// survey writer to store what it was handed, and closes the database.
    pub async fn run(self) -> std::io::Result<()> {
        let store = self.store.clone();
        let mut jobs = vec![scheduler::reminders(self.public_url.clone()), scheduler::checkpoint(), scheduler::search()];
        jobs.extend(self.mailer.clone().map(|m| scheduler::outbox(m, self.holder.clone())));
        scheduler::start(store.clone(), &self.holder, jobs);
        if let Some((l, r)) = self.metrics {
            tokio::spawn(async move {
                if let Err(e) = axum::serve(l, r).await {
                    tracing::error!("the metrics listener stopped: {e}");
                }
            });
        }
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let signal = stop_signal().await;
            tracing::info!("{signal}: no longer accepting connections; finishing the requests in flight");
            let _ = stop_tx.send(true);
        });
        let mut graceful = stop.clone();
        let server = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(async move {
            let _ = graceful.wait_for(|s| *s).await;
        });
        let mut late = stop;
        tokio::select! {
            r = server.into_future() => r?,
            _ = async move {
                let _ = late.wait_for(|s| *s).await;
                tokio::time::sleep(DRAIN).await;
            } => tracing::warn!("requests were still running {} s after the signal; stopping without them", DRAIN.as_secs()),
        }
        if !self.responses.drain(DRAIN).await {
            tracing::error!("the survey writer still had {} responses to store at shutdown", self.responses.stats.queued.load(std::sync::atomic::Ordering::Relaxed));
        }
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }

    /// Serves in the background (for tests), returning at once.
    pub fn spawn(self) -> SocketAddr {
        let addr = self.address;
        // The tests' servers deliver mail; reminders and checkpoints they ask for themselves.
        scheduler::start(self.store.clone(), &self.holder, self.mailer.clone().map(|m| scheduler::outbox(m, self.holder.clone())).into_iter().collect());
        if let Some((l, r)) = self.metrics {
            tokio::spawn(async move {
                let _ = axum::serve(l, r).await;
            });
        }
        let router = self.router;
        let listener = self.listener;
        tokio::spawn(async move {
            let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await;
        });
        addr
    }
}
