//! Benchmarks whose figures go into BENCHMARKS.md. Run in release:
//!
//!   cargo run --release --bin bench -- import [ROWS]      (default 30,000)
//!   cargo run --release --bin bench -- demo [PEOPLE]      (default 20,000)
//!   cargo run --release --bin bench -- dashboard [PEOPLE] (default 20,000: the campaign
//!       dashboard's server time, through the router, for the office and a college secretary)
//!
//! SQLite in a temporary directory; PostgreSQL too when PACESETTER_BENCH_POSTGRES names a
//! server (a URL to any database on it; a fresh database is created).

use pacesetter_domain::demo::{self, Demo};
use pacesetter_domain::scope::Scope;
use pacesetter_store::testkit::{self, TempDir};
use pacesetter_store::{roster, OpenOptions, Store};
use pacesetter_web::export::Sheet;
use std::collections::HashMap;
use std::time::Instant;

async fn stores() -> Vec<(&'static str, Store, Option<TempDir>)> {
    let mut out = Vec::new();
    let (url, dir) = testkit::sqlite_url();
    out.push(("sqlite", Store::open(&url, &OpenOptions::default()).await.expect("open sqlite"), Some(dir)));
    if let Ok(base) = std::env::var("PACESETTER_BENCH_POSTGRES") {
        let url = testkit::postgres_database(&base).await.expect("create a database");
        out.push(("postgres", Store::open(&url, &OpenOptions::default()).await.expect("open postgres"), None));
    }
    out
}

/// The demo's people as a roster of the whole university, with some changes, some newcomers
/// (to reach `rows`), and some people left out (who will be leaving).
fn roster_of(d: &Demo, rows: usize) -> Vec<Vec<String>> {
    let orgs: HashMap<i64, &demo::DemoOrg> = d.orgs.iter().map(|o| (o.id, o)).collect();
    let units: HashMap<i64, &demo::DemoUnit> = d.units.iter().map(|u| (u.id, u)).collect();
    let path = |mut id: i64| {
        let mut names = Vec::new();
        while let Some(o) = orgs.get(&id) {
            if o.parent.is_none() {
                break;
            }
            names.push(o.name.clone());
            id = o.parent.unwrap_or(0);
        }
        names.reverse();
        names.join("/")
    };
    let upath = |mut id: i64| {
        let mut names = Vec::new();
        while let Some(u) = units.get(&id) {
            if u.parent.is_none() {
                break;
            }
            names.push(u.name.clone());
            id = u.parent.unwrap_or(0);
        }
        names.reverse();
        names.join("/")
    };
    let primary: HashMap<i64, &demo::DemoOrgMembership> = d
        .org_memberships
        .iter()
        .filter(|m| orgs.get(&m.org).is_some_and(|o| o.kind.is_branch() || o.kind == pacesetter_domain::org::OrgKind::Group))
        .map(|m| (m.person, m))
        .collect();
    let unit_of: HashMap<i64, i64> = d.unit_memberships.iter().map(|m| (m.person, m.unit)).collect();
    let classes: Vec<&demo::DemoUnit> = d.units.iter().filter(|u| u.kind == pacesetter_domain::unit::UnitKind::Class).collect();
    let mut out = Vec::new();
    for (i, p) in d.people.iter().enumerate() {
        if i % 100 == 7 {
            continue; // left out: leaving
        }
        let f = &p.fields;
        let (org, post) = match primary.get(&p.id) {
            Some(m) => (path(m.org), if m.post == pacesetter_domain::org::Post::Member { String::new() } else { m.post.label(pacesetter_domain::Lang::Zh).to_string() }),
            None => (String::new(), String::new()),
        };
        let mut unit = unit_of.get(&p.id).copied();
        if i % 70 == 3 && f.kind == pacesetter_domain::people::PersonKind::Student {
            unit = Some(classes[i % classes.len()].id); // moved to another class
        }
        let (unit_col, class_col) = match unit.and_then(|u| units.get(&u)) {
            Some(u) if u.kind == pacesetter_domain::unit::UnitKind::Class => (String::new(), u.name.clone()),
            Some(u) => (upath(u.id), String::new()),
            None => (String::new(), String::new()),
        };
        let phone = if i % 40 == 1 { format!("139{:08}", i) } else { f.phone.clone().unwrap_or_default() };
        out.push(vec![
            f.name.clone(),
            f.kind.label(pacesetter_domain::Lang::Zh).into(),
            f.number.clone(),
            f.id_number.clone().unwrap_or_default(),
            f.gender.map(|g| g.label(pacesetter_domain::Lang::Zh).to_string()).unwrap_or_default(),
            f.political_status.label(pacesetter_domain::Lang::Zh).into(),
            f.dev_stage.map(|s| s.label(pacesetter_domain::Lang::Zh).to_string()).unwrap_or_default(),
            f.cadre_rank.map(|s| s.label(pacesetter_domain::Lang::Zh).to_string()).unwrap_or_default(),
            org,
            post,
            unit_col,
            class_col,
            f.email.clone().unwrap_or_default(),
            phone,
        ]);
    }
    let mut n = 0;
    while out.len() < rows {
        let class = classes[n % classes.len()];
        out.push(vec![
            format!("新生{n}"),
            "学生".into(),
            format!("2012{:08}", 90_000_000 + n),
            String::new(),
            if n % 2 == 0 { "男".into() } else { "女".into() },
            "共青团员".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            class.name.clone(),
            String::new(),
            String::new(),
        ]);
        n += 1;
    }
    out
}

async fn bench_import(rows: usize) {
    let d = demo::generate(20_000);
    let table = roster_of(&d, rows);
    let headers = pacesetter_domain::roster::Column::ALL.iter().map(|c| c.header(pacesetter_domain::Lang::Zh).to_string()).collect();
    let t = Instant::now();
    let bytes = Sheet { name: "名册".into(), headers, rows: table }.to_xlsx().expect("xlsx");
    println!("roster: {rows} rows, {:.1} MB .xlsx, written in {:.2} s", bytes.len() as f64 / 1e6, t.elapsed().as_secs_f64());
    for (name, store, _dir) in stores().await {
        pacesetter_store::demo::load(&store, &d, "bench").await.expect("demo");
        let scope = Scope::system("bench");
        let t0 = Instant::now();
        let raw = pacesetter_web::sheets::read_roster(&bytes).expect("read");
        let (parsed, problems) = pacesetter_domain::roster::parse_rows(&raw);
        let t_read = t0.elapsed();
        let mut w = store.write().await.expect("tx");
        let root = roster::root(&mut w, &scope, Some(1), Some(1)).await.expect("root");
        let t1 = Instant::now();
        let plan = roster::plan(&mut w, &scope, &root, &parsed, &problems).await.expect("plan");
        let t_plan = t1.elapsed();
        assert!(plan.problems.is_empty(), "{:?}", &plan.problems[..plan.problems.len().min(5)]);
        let t2 = Instant::now();
        let done = roster::commit(&mut w, &scope, &root, &parsed, pacesetter_domain::dates::today(), "bench").await.expect("commit");
        w.commit().await.expect("commit tx");
        let t_commit = t2.elapsed();
        let k = &done.counts;
        println!(
            "{name:<9} read+check {:>6.2} s | preview {:>6.2} s | commit {:>6.2} s | total {:>6.2} s | new {} changed {} moved {} unchanged {} leaving {}",
            t_read.as_secs_f64(),
            t_plan.as_secs_f64(),
            t_commit.as_secs_f64(),
            t0.elapsed().as_secs_f64(),
            k.new,
            k.changed,
            k.moved,
            k.unchanged,
            k.leaving
        );
        let mut c = store.read().await.expect("read");
        let v = pacesetter_store::audit::verify(&mut c).await.expect("verify");
        assert!(v.ok);
    }
}

async fn bench_demo(people: usize) {
    for (name, store, _dir) in stores().await {
        let t = Instant::now();
        let d = demo::generate(people);
        let generated = t.elapsed();
        pacesetter_store::demo::load(&store, &d, "bench").await.expect("demo");
        println!("{name:<9} demo of {} people: generated in {:.2} s, loaded in {:.2} s", d.people.len(), generated.as_secs_f64(), (t.elapsed() - generated).as_secs_f64());
    }
}

/// Serves GET requests through the whole router (session, scope, handler, template) in
/// process, so the time is the server's and not the network's.
async fn bench_dashboard(people: usize) {
    use tower::ServiceExt;
    for (name, store, _dir) in stores().await {
        let t = Instant::now();
        let d = demo::generate(people);
        pacesetter_web::load_demo(&store, &d, &pacesetter_web::auth::hash_password("bench-password")).await.expect("demo");
        // As autovacuum would after a bulk load: planner statistics (SQLite: ANALYZE too).
        let mut w = store.write().await.expect("write");
        w.execute_raw("ANALYZE").await.expect("analyze");
        w.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        let tasks = c.fetch_i64(pacesetter_store::Sql::new("SELECT COUNT(*) FROM tasks")).await.expect("count");
        drop(c);
        println!("{name:<9} demo of {} people with the 2012 plan ({tasks} tasks) loaded in {:.1} s", d.people.len(), t.elapsed().as_secs_f64());
        // The parts: the roll-up query alone, for the office's scope.
        let office = {
            let mut c = store.read().await.expect("read");
            let a = pacesetter_store::account::by_username(&mut c, "office").await.expect("q").expect("office");
            pacesetter_store::scope::load(&mut c, pacesetter_domain::ids::AccountId(a.id), pacesetter_domain::dates::today()).await.expect("scope").expect("scope")
        };
        let mut times = Vec::new();
        for _ in 0..10 {
            let mut c = store.read().await.expect("read");
            let t = Instant::now();
            let r = pacesetter_store::dashboard::rollup(&mut c, &office, 1, pacesetter_domain::dates::today()).await.expect("rollup");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(r.all.total, tasks);
        }
        times.sort_by(f64::total_cmp);
        println!("{name:<9} rollup query and fold alone: median {:.1} ms", times[5]);
        let site = pacesetter_web::state::Site::from_public_url("http://127.0.0.1:8080", Vec::new()).expect("site");
        let state = pacesetter_web::state::AppState { store: store.clone(), site: std::sync::Arc::new(site) };
        let router = pacesetter_web::routes::router(state.clone());
        let ip = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
        for (user, path) in [("office", "/campaigns/1/dashboard"), ("office", "/campaigns/1/dashboard?tree=unit"), ("orgsec", "/campaigns/1/dashboard"), ("office", "/api/v1/campaigns/1/dashboard")] {
            let session = pacesetter_web::auth::login(&state, user, "bench-password", ip, "bench", None).await.expect("login");
            let cookie = format!("{}={}", pacesetter_web::auth::SESSION_COOKIE, session.token);
            let mut times = Vec::new();
            let mut size = 0;
            for _ in 0..30 {
                let req = axum::http::Request::get(path).header("cookie", &cookie).body(axum::body::Body::empty()).expect("request");
                let t = Instant::now();
                let resp = router.clone().oneshot(req).await.expect("response");
                assert_eq!(resp.status(), 200, "{user} {path}");
                let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("body");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                size = body.len();
            }
            times.sort_by(f64::total_cmp);
            println!("{name:<9} {user:<7} {path:<40} median {:6.1} ms  p90 {:6.1} ms  max {:6.1} ms  ({} KB)", times[15], times[27], times[29], size / 1024);
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    match args.first().map(String::as_str) {
        Some("import") => bench_import(n(1, 30_000)).await,
        Some("demo") => bench_demo(n(1, 20_000)).await,
        Some("dashboard") => bench_dashboard(n(1, 20_000)).await,
        _ => eprintln!("usage: bench import [ROWS] | bench demo [PEOPLE] | bench dashboard [PEOPLE]"),
    }
}
