//! The soak: real `pacesetter serve` processes on one database, driven from outside over HTTP
//! at a stated rate for a stated time, with their resident memory sampled from `/proc`, and the
//! acknowledged writes reconciled with what the database holds afterwards.
//!
//! ```text
//! soak mixed  --db URL [--servers 2] [--people 40000] [--minutes 30] [--scale 1.0]
//! soak survey --db URL [--servers 1] [--people 20000] [--slips 400000] [--responses 92000] [--clients 64]
//! ```
//!
//! `mixed` is the week before 七一 (see [`Mix`]); `survey` answers a window survey's slips as
//! fast as `--clients` clients can, as the memory ceiling is measured. The servers are the
//! `pacesetter` binary beside this one (or `--server-bin`), each with a data directory of its own
//! under a temporary folder; requests go to the servers in turn (what nginx's round robin does).
//! A database named by `--db` must be empty: the first server loads the demo into it.

use clap::Parser;
use pacesetter_store::db::Sql;
use pacesetter_store::{OpenOptions, Store};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Soak#Pw2026xq";

#[derive(Parser, Debug)]
#[command(about = "Soak and memory runs against real servers")]
struct Args {
    /// "mixed" or "survey".
    mode: String,
    /// The database (postgres://… or sqlite://PATH; empty: a SQLite file in the temporary folder).
    #[arg(long, default_value = "")]
    db: String,
    /// Servers (default: 2 for mixed, 1 for survey).
    #[arg(long)]
    servers: Option<usize>,
    #[arg(long, default_value_t = 40_000)]
    people: usize,
    #[arg(long, default_value_t = 30.0)]
    minutes: f64,
    /// Multiplies every rate of the mix.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    #[arg(long, default_value_t = 400_000)]
    slips: usize,
    #[arg(long, default_value_t = 92_000)]
    responses: usize,
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// The server binary (default: `pacesetter` beside this one).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Extra environment for the servers, as KEY=VALUE (repeatable).
    #[arg(long = "env")]
    envs: Vec<String>,
}

/// Requests a second of each kind in the week before 七一, for a university of 40,000 people
/// (twice the demo's 20,000). Reasoning: in that week every branch holds its appraisal and its
/// 七一 meeting, the satisfaction surveys of windows and services close, and people raise what
/// they want fixed before the summer; say a third of the people (13,000) use the system on a
/// working day, with 25 requests each, over 8 working hours: 11 requests a second on average,
/// and a peak hour three times the mean, 34 a second. The mix below is that peak hour, held for
/// the whole run (about 36 a second, counting the page after each login).
struct Mix {
    /// Logins (an argon2 check each), each followed by the person's home page.
    login: f64,
    /// Pages of people already logged in (home, tasks, announcements, the desk).
    page: f64,
    /// The JSON API (a portal or a mini-program: me, desk, tasks).
    api: f64,
    /// A secretary's or the office's dashboard of the campaign.
    dashboard: f64,
    /// Anonymous answers to a window survey's slips.
    response: f64,
    /// A problem raised by a student or a teacher (service to the masses), with a photo.
    problem: f64,
}

impl Mix {
    fn peak(scale: f64) -> Mix {
        Mix { login: 1.5 * scale, page: 16.0 * scale, api: 8.0 * scale, dashboard: 0.5 * scale, response: 8.0 * scale, problem: 0.3 * scale }
    }
}

struct Server {
    port: u16,
    child: Child,
    log: PathBuf,
}

impl Server {
    fn spawn(bin: &Path, dir: &Path, port: u16, db: &str, public: &str, people: usize, envs: &[String]) -> Server {
        std::fs::create_dir_all(dir).expect("server folder");
        let log = dir.join("server.log");
        let f = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .env("DATABASE_URL", db)
            .env("PACESETTER_DATA", dir)
            .env("PACESETTER_ADDR", format!("127.0.0.1:{port}"))
            .env("PACESETTER_PUBLIC_URL", public)
            .env("PACESETTER_DEMO_PASSWORD", PASSWORD)
            .env("PACESETTER_DEMO_SIZE", people.to_string())
            .env("PACESETTER_DEMO_AS_OF", "off")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(f.try_clone().expect("log")))
            .stderr(Stdio::from(f));
        for kv in envs {
            if let Some((k, v)) = kv.split_once('=') {
                cmd.env(k, v);
            }
        }
        Server { port, child: cmd.spawn().expect("start pacesetter"), log }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Resident memory in MiB, from /proc.
    fn rss_mib(&self) -> f64 {
        memory_of(self.child.id()).map(|m| m.total).unwrap_or(0.0)
    }

    /// Resident memory by kind (anonymous: the heap; file: the binary's pages and others).
    fn rss_parts(&self) -> String {
        memory_of(self.child.id()).map(|m| format!("anonymous {:.1}, file {:.1}, shared {:.1}", m.anon, m.file, m.shmem)).unwrap_or_else(|| "exited".into())
    }

    async fn ready(&mut self, minutes: u64) {
        let c = reqwest::Client::new();
        let until = Instant::now() + Duration::from_secs(60 * minutes);
        loop {
            if let Ok(r) = c.get(format!("{}/healthz", self.base())).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            if let Ok(Some(s)) = self.child.try_wait() {
                panic!("a server exited at start ({s}): {}", std::fs::read_to_string(&self.log).unwrap_or_default());
            }
            assert!(Instant::now() < until, "a server did not start in {minutes} min");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's resident memory in MiB, from /proc/PID/status: None once it has exited (a
/// zombie has no VmRSS), so a dead server never reads as a small one.
struct Memory {
    total: f64,
    anon: f64,
    file: f64,
    shmem: f64,
}

fn memory_of(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb = |key: &str| status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok()).map(|kb| kb / 1024.0);
    Some(Memory { total: kb("VmRSS:")?, anon: kb("RssAnon:")?, file: kb("RssFile:")?, shmem: kb("RssShmem:")? })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("a port").port()
}

/// A browser-like client for one server: keeps its cookies, sends the public origin.
fn client(origin: &str) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(reqwest::header::ORIGIN, reqwest::header::HeaderValue::from_str(origin).expect("origin"));
    reqwest::Client::builder().cookie_store(true).default_headers(h).redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(60)).build().expect("client")
}

async fn login(base: &str, origin: &str, user: &str) -> reqwest::Client {
    let c = client(origin);
    let r = c.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": user, "password": PASSWORD})).send().await.expect("login");
    assert_eq!(r.status(), 200, "login as {user}");
    c
}

fn form_token(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[i..].chars().take_while(|c| *c != '"').collect())
}

async fn post_form(c: &reqwest::Client, base: &str, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let html = c.get(format!("{base}/home")).send().await.expect("home").text().await.unwrap_or_default();
    let token = form_token(&html).expect("a form token");
    let mut all = vec![("_csrf", token.as_str())];
    all.extend_from_slice(fields);
    let body: String = all.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
    c.post(format!("{base}{path}")).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.expect("form")
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A window survey, open, with `slips` printed slips: (survey, window, slip tokens).
async fn window_survey(base: &str, origin: &str, db: &str, slips: usize) -> (i64, i64, Vec<String>) {
    let office = login(base, origin, "office").await;
    let r = post_form(&office, base, "/surveys", &[("template", "window-satisfaction"), ("owner", "office")]).await;
    assert_eq!(r.status(), 303, "a survey is made");
    // The survey just made, and a window of its (its targets are every window).
    let store = Store::open(db, &OpenOptions { allow_weak_durability: true, ..OpenOptions::default() }).await.expect("open the database");
    let mut c = store.read().await.expect("read");
    let survey = c.fetch_i64(Sql::new("SELECT MAX(id) FROM surveys")).await.expect("a survey");
    let window = c.fetch_i64(Sql::new("SELECT MIN(id) FROM units WHERE kind = 'window'")).await.expect("a window");
    drop(c);
    store.close().await;
    assert_eq!(post_form(&office, base, &format!("/surveys/{survey}/targets"), &[]).await.status(), 303);
    assert_eq!(post_form(&office, base, &format!("/surveys/{survey}/open"), &[("confirmed", "1")]).await.status(), 303);
    let mut tokens = Vec::with_capacity(slips);
    while tokens.len() < slips {
        let n = (slips - tokens.len()).min(100_000).to_string();
        let r = post_form(&office, base, &format!("/surveys/{survey}/links"), &[("kind", "slips"), ("count", &n)]).await;
        let csv_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/csv"));
        assert!(r.status() == 200 && csv_type, "slips are printed: {}", r.status());
        let csv = r.text().await.unwrap_or_default();
        let before = tokens.len();
        tokens.extend(csv.lines().skip(1).map(|l| l.rsplit("/s/").next().unwrap_or("").trim().trim_matches('"').to_string()));
        assert!(tokens.len() > before, "a slips file with no slips");
    }
    (survey, window, tokens)
}

fn answers() -> Value {
    json!({"q1": 0, "q2": 0, "q3": 1, "q4": 0, "q5": 1, "q6": 0, "q7": 0, "q8": 2, "q9": 0})
}

/// Latencies and outcomes by kind.
#[derive(Default)]
struct Tally {
    ms: BTreeMap<&'static str, Vec<f64>>,
    /// (kind, status or "network") for everything not a success.
    other: BTreeMap<(&'static str, String), usize>,
    responses: Vec<String>,
    problems: Vec<String>,
}

type Shared = Arc<Mutex<Tally>>;

/// Notes an outcome, its latency counted from `started`: for the mix, the moment the request was
/// due on its kind's clock, so a driver that falls behind shows as latency (no coordinated
/// omission); for the answers of the survey run, the moment it was sent.
fn note(t: &Shared, kind: &'static str, started: Instant, outcome: Result<u16, ()>, ok: &[u16]) -> bool {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut t = t.lock().expect("tally");
    match outcome {
        Ok(s) if ok.contains(&s) => {
            t.ms.entry(kind).or_default().push(ms);
            true
        }
        Ok(s) => {
            *t.other.entry((kind, s.to_string())).or_default() += 1;
            false
        }
        Err(()) => {
            *t.other.entry((kind, "network".into())).or_default() += 1;
            false
        }
    }
}

fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

/// Memory samples: per server, (seconds into the run, MiB).
type Samples = Arc<Mutex<Vec<Vec<(f64, f64)>>>>;

fn sample_memory(servers: &[Server], samples: &Samples, t0: Instant) {
    let mut s = samples.lock().expect("samples");
    for (i, srv) in servers.iter().enumerate() {
        s[i].push((t0.elapsed().as_secs_f64(), memory_of(srv.child.id()).map(|m| m.total).unwrap_or(f64::NAN)));
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let servers_wanted = args.servers.unwrap_or(if args.mode == "survey" { 1 } else { 2 });
    pacesetter_web::sign_on::install_crypto();
    let tmp = std::env::temp_dir().join(format!("pacesetter-soak-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temporary folder");
    if !args.db.starts_with("postgres") && servers_wanted > 1 {
        eprintln!("error: several servers share one PostgreSQL database only (SQLite has one server): give --db postgres://… or --servers 1");
        std::process::exit(2);
    }
    let db = if args.db.is_empty() { format!("sqlite://{}", tmp.join("soak.db").display()) } else { args.db.clone() };
    let bin = args.server_bin.clone().unwrap_or_else(|| std::env::current_exe().expect("this binary").with_file_name("pacesetter"));
    let ports: Vec<u16> = (0..servers_wanted).map(|_| free_port()).collect();
    let origin = format!("http://127.0.0.1:{}", ports[0]);
    let host = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_default();
    println!(
        "soak {} on {} ({} servers, {} people), {} cores of {host}",
        args.mode,
        db.split('@').next_back().unwrap_or(&db),
        servers_wanted,
        args.people,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );

    // The first server loads the demo; the others start once it is up (they would wait for the
    // start lock on PostgreSQL anyway; SQLite has one server only).
    let t_start = Instant::now();
    let mut servers = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let mut s = Server::spawn(&bin, &tmp.join(format!("s{i}")), *port, &db, &origin, args.people, &args.envs);
        s.ready(40).await;
        servers.push(s);
    }
    let rss = |servers: &[Server]| servers.iter().map(|s| format!("{:.1} ({})", s.rss_mib(), s.rss_parts())).collect::<Vec<_>>().join(", ");
    println!("servers up in {:.0} s (the demo of {} people loaded by the first); RSS {} MiB", t_start.elapsed().as_secs_f64(), args.people, rss(&servers));
    let bases: Vec<String> = servers.iter().map(Server::base).collect();
    let slips = if args.mode == "survey" { args.slips } else { (Mix::peak(args.scale).response * args.minutes * 60.0 * 1.2) as usize + 100 };
    let t_setup = Instant::now();
    let (survey, window, tokens) = window_survey(&bases[0], &origin, &db, slips).await;
    println!("survey {survey}: {} slips printed in {:.1} s; RSS {} MiB", tokens.len(), t_setup.elapsed().as_secs_f64(), rss(&servers));
    let samples: Samples = Arc::new(Mutex::new(vec![Vec::new(); servers.len()]));
    let t0 = Instant::now();
    sample_memory(&servers, &samples, t0);
    let tally: Shared = Arc::new(Mutex::new(Tally::default()));
    let queue = Arc::new(Mutex::new(tokens));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));

    // Memory is sampled every ten seconds while the load runs.
    let sampler = {
        let (samples, stop) = (samples.clone(), stop.clone());
        let pids: Vec<u32> = servers.iter().map(|s| s.child.id()).collect();
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let mut s = samples.lock().expect("samples");
                for (i, pid) in pids.iter().enumerate() {
                    // A server that exited is noted as such (NaN), and reported.
                    s[i].push((t0.elapsed().as_secs_f64(), memory_of(*pid).map(|m| m.total).unwrap_or(f64::NAN)));
                }
            }
        })
    };

    let window_s = if args.mode == "survey" { None } else { Some(args.minutes * 60.0) };
    let elapsed = if args.mode == "survey" {
        run_survey(&bases, &origin, window, queue.clone(), args.responses, args.clients, &tally).await
    } else {
        run_mixed(&bases, &origin, window, queue.clone(), &args, &tally).await
    };
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.await;
    sample_memory(&servers, &samples, t0);
    // Give the survey writers their last batch, then reconcile.
    tokio::time::sleep(Duration::from_secs(3)).await;
    report(&servers, &samples, &tally, window_s.unwrap_or(elapsed), elapsed, &db, survey).await;
    drop(servers);
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Answers slips as fast as `clients` clients can, `responses` of them (each sent once; the
/// report counts those acknowledged).
async fn run_survey(bases: &[String], origin: &str, window: i64, queue: Arc<Mutex<Vec<String>>>, responses: usize, clients: usize, tally: &Shared) -> f64 {
    let t = Instant::now();
    let left = Arc::new(std::sync::atomic::AtomicUsize::new(responses));
    let mut workers = Vec::new();
    for i in 0..clients {
        let (queue, tally, left, base, origin) = (queue.clone(), tally.clone(), left.clone(), bases[i % bases.len()].clone(), origin.to_string());
        workers.push(tokio::spawn(async move {
            let c = client(&origin);
            loop {
                if left.fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |n| n.checked_sub(1)).is_err() {
                    break;
                }
                let Some(token) = queue.lock().expect("queue").pop() else { break };
                answer(&c, &base, window, token, Instant::now(), &tally).await;
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    t.elapsed().as_secs_f64()
}

async fn answer(c: &reqwest::Client, base: &str, window: i64, token: String, started: Instant, tally: &Shared) {
    let r = c.post(format!("{base}/api/v1/s/{token}")).json(&json!({"target": window, "answers": answers()})).send().await;
    let outcome = match r {
        Ok(r) => {
            let s = r.status().as_u16();
            let _ = r.bytes().await;
            Ok(s)
        }
        Err(_) => Err(()),
    };
    if note(tally, "survey response", started, outcome, &[201]) {
        tally.lock().expect("tally").responses.push(token);
    }
}

const PEOPLE: [&str; 8] = ["member", "student", "teacher", "cadre", "branchsec", "orgsec", "unithead", "contact"];
const PAGES: [&str; 5] = ["/home", "/tasks", "/announcements", "/commitments", "/people"];
const APIS: [&str; 3] = ["/api/v1/me", "/api/v1/desk", "/api/v1/tasks"];

/// The mix at its rates for `--minutes`: each kind arrives on its own clock (open loop: a slow
/// answer does not slow the arrivals), spread over the servers in turn.
async fn run_mixed(bases: &[String], origin: &str, window: i64, queue: Arc<Mutex<Vec<String>>>, args: &Args, tally: &Shared) -> f64 {
    let mix = Mix::peak(args.scale);
    // Sessions of people already logged in, one per person and server.
    let mut sessions = Vec::new();
    for base in bases {
        for p in PEOPLE {
            sessions.push((base.clone(), login(base, origin, p).await));
        }
    }
    let sessions = Arc::new(sessions);
    // People raising problems, each with a session on one of the servers.
    let mut raisers = Vec::new();
    for (i, p) in ["student", "teacher", "member", "cadre"].into_iter().enumerate() {
        let base = bases[i % bases.len()].clone();
        let c = login(&base, origin, p).await;
        raisers.push((base, c, p));
    }
    let raisers = Arc::new(raisers);
    let office = login(&bases[0], origin, "office").await;
    let campaigns: Value = office.get(format!("{}/api/v1/campaigns", bases[0])).send().await.expect("campaigns").json().await.expect("campaigns");
    let campaign = campaigns.as_array().and_then(|a| a.iter().find(|c| c["code"] == "2012-csust")).and_then(|c| c["id"].as_i64()).expect("the demo's campaign");
    let dashboards: Arc<Vec<(String, reqwest::Client)>> =
        Arc::new(vec![(bases[0].clone(), office), (bases[bases.len() - 1].clone(), login(&bases[bases.len() - 1], origin, "orgsec").await)]);

    let t = Instant::now();
    let end = t + Duration::from_secs_f64(args.minutes * 60.0);
    let in_flight = Arc::new(tokio::sync::Semaphore::new(256));
    let mut clocks = Vec::new();
    let kinds: [(&'static str, f64); 6] =
        [("login", mix.login), ("page", mix.page), ("api", mix.api), ("dashboard", mix.dashboard), ("survey response", mix.response), ("problem raised", mix.problem)];
    for (kind, rate) in kinds {
        if rate <= 0.0 {
            continue;
        }
        let (tally, sessions, raisers, dashboards, queue, in_flight, bases, origin) =
            (tally.clone(), sessions.clone(), raisers.clone(), dashboards.clone(), queue.clone(), in_flight.clone(), bases.to_vec(), origin.to_string());
        clocks.push(tokio::spawn(async move {
            let every = Duration::from_secs_f64(1.0 / rate);
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut n = 0usize;
            let mut running = Vec::new();
            let first = Instant::now();
            while Instant::now() < end {
                tick.tick().await;
                let due = first + every.mul_f64(n as f64);
                n += 1;
                let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                    *tally.lock().expect("tally").other.entry((kind, "not sent: 256 in flight".into())).or_default() += 1;
                    continue;
                };
                let (tally, sessions, raisers, dashboards, queue, bases, origin) =
                    (tally.clone(), sessions.clone(), raisers.clone(), dashboards.clone(), queue.clone(), bases.clone(), origin.clone());
                running.push(tokio::spawn(async move {
                    let _permit = permit;
                    one(kind, n, due, &bases, &origin, window, campaign, &sessions, &raisers, &dashboards, &queue, &tally).await;
                }));
                running.retain(|h: &tokio::task::JoinHandle<()>| !h.is_finished());
            }
            for h in running {
                let _ = h.await;
            }
        }));
    }
    for c in clocks {
        let _ = c.await;
    }
    t.elapsed().as_secs_f64()
}

async fn status_of(r: Result<reqwest::Response, reqwest::Error>) -> Result<u16, ()> {
    match r {
        Ok(r) => {
            let s = r.status().as_u16();
            r.bytes().await.map(|_| s).map_err(|_| ())
        }
        Err(_) => Err(()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn one(
    kind: &'static str,
    n: usize,
    due: Instant,
    bases: &[String],
    origin: &str,
    window: i64,
    campaign: i64,
    sessions: &[(String, reqwest::Client)],
    raisers: &[(String, reqwest::Client, &'static str)],
    dashboards: &[(String, reqwest::Client)],
    queue: &Mutex<Vec<String>>,
    tally: &Shared,
) {
    let base = &bases[n % bases.len()];
    let started = due;
    let failed = |what: &str| *tally.lock().expect("tally").other.entry((kind, what.to_string())).or_default() += 1;
    match kind {
        "login" => {
            let c = client(origin);
            let user = PEOPLE[n % PEOPLE.len()];
            let r = c.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": user, "password": PASSWORD})).send().await;
            if note(tally, kind, started, status_of(r).await, &[200]) {
                let started = Instant::now();
                let r = c.get(format!("{base}/home")).send().await;
                note(tally, "page", started, status_of(r).await, &[200]);
            }
        }
        "page" => {
            let (b, c) = &sessions[n % sessions.len()];
            let r = c.get(format!("{b}{}", PAGES[(n / sessions.len()) % PAGES.len()])).send().await;
            note(tally, kind, started, status_of(r).await, &[200]);
        }
        "api" => {
            let (b, c) = &sessions[(n * 7) % sessions.len()];
            let r = c.get(format!("{b}{}", APIS[n % APIS.len()])).send().await;
            note(tally, kind, started, status_of(r).await, &[200]);
        }
        "dashboard" => {
            let (b, c) = &dashboards[n % dashboards.len()];
            let r = c.get(format!("{b}/campaigns/{campaign}/dashboard")).send().await;
            note(tally, kind, started, status_of(r).await, &[200]);
        }
        "survey response" => {
            let Some(token) = queue.lock().expect("queue").pop() else { return failed("not sent: no slip left") };
            // Each answer comes from a phone of its own: a new connection every time.
            answer(&client(origin), base, window, token, started, tally).await;
        }
        _ => {
            let (b, c, who) = &raisers[n % raisers.len()];
            let marker = format!("soak {who} problem {n}: 窗口排队时间过长，希望增加人手");
            let html = match c.get(format!("{b}/home")).send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let Some(token) = form_token(&html) else { return failed("no form token on /home") };
            let form = reqwest::multipart::Form::new()
                .text("about", "campus")
                .text("category", "service")
                .text("body", marker.clone())
                .part("photos", reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("photo.png"));
            let r = c.post(format!("{b}/api/v1/problems")).header("x-csrf-token", token).multipart(form).send().await;
            if note(tally, kind, started, status_of(r).await, &[201]) {
                tally.lock().expect("tally").problems.push(marker);
            }
        }
    }
}

/// A 1×1 PNG, as a phone's photo would be.
const PNG: [u8; 67] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 58, 126, 155, 85, 0, 0, 0, 10, 73, 68, 65, 84, 120, 156, 99, 248, 15, 0,
    1, 1, 1, 0, 177, 56, 246, 20, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// The figures: rates over the load's window (`window` s; the run took `elapsed` s with the
/// last answers drained).
async fn report(servers: &[Server], samples: &Samples, tally: &Shared, window: f64, elapsed: f64, db: &str, survey: i64) {
    let mut t = std::mem::take(&mut *tally.lock().expect("tally"));
    println!("\nload ran {window:.0} s ({elapsed:.0} s with the last answers)");
    println!("| kind | answered | per second | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    let mut total = 0usize;
    for (kind, v) in t.ms.iter_mut() {
        v.sort_by(f64::total_cmp);
        total += v.len();
        println!("| {kind} | {} | {:.2} | {:.1} | {:.1} | {:.1} |", v.len(), v.len() as f64 / window, quantile(v, 0.5), quantile(v, 0.99), v.last().copied().unwrap_or(0.0));
    }
    println!("| all | {total} | {:.2} | | | |", total as f64 / window);
    if t.other.is_empty() {
        println!("\nerrors: none");
    } else {
        println!("\nnot answered with success:");
        for ((kind, what), n) in &t.other {
            println!("- {kind}: {what} × {n}");
        }
    }
    let s = std::mem::take(&mut *samples.lock().expect("samples"));
    // Caches fill in the first minutes; growth is judged from the fifth minute (or a sixth of a
    // shorter run) to the end.
    let warm = (window / 6.0).min(300.0);
    println!("\n| server | RSS at start MiB | after {warm:.0} s | max MiB | at end MiB |");
    println!("|---|---|---|---|---|");
    for (i, v) in s.iter().enumerate() {
        let start = v.first().map(|x| x.1).unwrap_or(0.0);
        let warmed = v.iter().find(|x| x.0 >= warm).map(|x| x.1).unwrap_or(start);
        let max = v.iter().map(|x| x.1).fold(0.0, f64::max);
        if v.iter().any(|x| x.1.is_nan()) {
            println!("server {} EXITED during the run", i + 1);
        }
        let end = v.last().map(|x| x.1).unwrap_or(0.0);
        println!("| {} (pid {}) | {start:.1} | {warmed:.1} | {max:.1} | {end:.1} |", i + 1, servers[i].child.id());
    }
    if std::env::var("SOAK_SAMPLES").is_ok() {
        for (i, v) in s.iter().enumerate() {
            println!("server {} samples: {}", i + 1, v.iter().map(|(t, m)| format!("{t:.0}s {m:.1}")).collect::<Vec<_>>().join(", "));
        }
    }
    // Reconciliation, read from the database itself (opening it checks the schema and retallies
    // the surveys: the load has ended, and the servers are idle).
    let store = Store::open(db, &OpenOptions { allow_weak_durability: true, ..OpenOptions::default() }).await.expect("open the database");
    let mut c = store.read().await.expect("read");
    let stored = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1").bind(survey)).await.expect("count");
    let used = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM survey_links WHERE survey_id = $1 AND used_on IS NOT NULL").bind(survey)).await.expect("count");
    let mut missing = 0usize;
    for tok in &t.responses {
        let hash = pacesetter_domain::audit::sha256_hex(tok.as_bytes());
        let u: Option<(Option<time::Date>,)> = c.fetch_optional(Sql::new("SELECT used_on FROM survey_links WHERE token_hash = $1").bind(hash)).await.expect("link");
        if !matches!(u, Some((Some(_),))) {
            missing += 1;
        }
    }
    let bodies: std::collections::BTreeSet<String> =
        c.fetch_all::<(String,)>(Sql::new("SELECT body FROM problems WHERE body LIKE 'soak %'")).await.expect("problems").into_iter().map(|r| r.0).collect();
    let lost = t.problems.iter().filter(|m| !bodies.contains(*m)).count();
    println!(
        "\nreconciliation: survey responses acknowledged {}, stored {stored}, links used {used}, acknowledged but not stored {missing}; problems raised acknowledged {}, not stored {lost}",
        t.responses.len(),
        t.problems.len()
    );
    drop(c);
    store.close().await;
}
