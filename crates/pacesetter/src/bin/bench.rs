//! Benchmarks whose figures go into BENCHMARKS.md. Run in release:
//!
//!   cargo run --release --bin bench -- import [ROWS]      (default 30,000)
//!   cargo run --release --bin bench -- demo [PEOPLE]      (default 20,000)
//!   cargo run --release --bin bench -- dashboard [PEOPLE] (default 20,000: the campaign
//!       dashboard's server time, through the router, for the office and a college secretary)
//!   cargo run --release --bin bench -- surveys [RESPONSES] [LINKS] (default 200,000 responses
//!       and 1,000,000 single-use links: complete answers to the 2012 window questionnaire over
//!       HTTP from 64 clients, each acknowledged response reconciled against the database after)
//!   cargo run --release --bin bench -- appraisals [PEOPLE] (default 40,000: a university-wide
//!       民主评议党员, every member appraising the members of their branch; the rater's page, the
//!       office's page and the results through the router in process, beside the health check)
//!   cargo run --release --bin bench -- selection [PEOPLE] (default 40,000: a selection of 500
//!       nominations, the voter's page, the office's page and the results, with a health check)
//!
//!   cargo run --release --bin bench -- search [PEOPLE] (default 20,000: the demo as of its day
//!       indexed for search, a full re-index, then searches through the router in process: a
//!       member by initials, two characters of a name and a phrase of a commitment, a
//!       secretary by number, the office by a common word)
//!
//! SQLite in a temporary directory; PostgreSQL too when PACESETTER_BENCH_POSTGRES names a
//! server (a URL to any database on it; a fresh database is created).

use pacesetter_domain::demo::{self, Demo};
use pacesetter_domain::scope::Scope;
use pacesetter_store::testkit::{self, TempDir};
use pacesetter_store::{OpenOptions, Store, roster};
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
        let state = state_of(&store);
        // The commitments' pages (issue 6) over the demo's commitments: lists, the review queue,
        // coverage, the roll-up, a branch's board and its PDF, the export.
        let branch = {
            let mut c = store.read().await.expect("read");
            c.fetch_i64(pacesetter_store::Sql::new("SELECT MIN(t.member_org_id) FROM commitments cm JOIN tasks t ON t.id = cm.task_id WHERE t.member_org_id IS NOT NULL"))
                .await
                .expect("branch")
        };
        let (board, board_pdf) = (format!("/boards/{branch}"), format!("/boards/{branch}/poster.pdf"));
        let paths: Vec<(&str, &str)> = vec![
            ("office", "/campaigns/1/dashboard"),
            ("office", "/campaigns/1/dashboard?tree=unit"),
            ("orgsec", "/campaigns/1/dashboard"),
            ("office", "/api/v1/campaigns/1/dashboard"),
            ("office", "/commitments"),
            ("orgsec", "/commitments"),
            ("member", "/commitments"),
            ("office", "/commitments/review"),
            ("orgsec", "/commitments/review"),
            ("office", "/commitments/coverage"),
            ("office", "/commitments/dashboard"),
            ("orgsec", "/commitments/dashboard"),
            ("office", &board),
            ("office", &board_pdf),
            ("office", "/commitments/export.xlsx"),
        ];
        time_pages(name, &state, &paths).await;
    }
}

/// The application's state over a store, as a server on 127.0.0.1:8080 would have it.
fn state_of(store: &Store) -> pacesetter_web::state::AppState {
    let site = pacesetter_web::state::Site::from_public_url("http://127.0.0.1:8080", Vec::new()).expect("site");
    pacesetter_web::state::AppState {
        store: store.clone(),
        site: std::sync::Arc::new(site),
        responses: pacesetter_store::survey::Committer::start(store.clone()),
        demo_clock: Default::default(),
        metrics: std::sync::Arc::new(pacesetter_web::metrics::Metrics::new()),
    }
}

/// Each page 30 times through the whole router in process, as the user named: median, p90, max.
async fn time_pages(name: &str, state: &pacesetter_web::state::AppState, paths: &[(&str, &str)]) {
    use tower::ServiceExt;
    let router = pacesetter_web::routes::router(state.clone());
    let ip = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    for (user, path) in paths {
        let session = pacesetter_web::auth::login(state, user, "bench-password", ip, "bench", None).await.expect("login");
        let cookie = format!("{}={}", pacesetter_web::auth::SESSION_COOKIE, session.token);
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..30 {
            let req = axum::http::Request::get(*path).header("cookie", &cookie).body(axum::body::Body::empty()).expect("request");
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

/// Issue 20: the development pages over the demo's pipelines (every applicant, activist and
/// candidate of the roster, and the probationary members), as of the demo's day.
async fn bench_branch(people: usize) {
    for (name, store, _dir) in stores().await {
        let t = Instant::now();
        let d = demo::generate(people);
        let day = time::macros::date!(2012 - 04 - 20);
        pacesetter_web::load_demo_as_of(&store, &d, &pacesetter_web::auth::hash_password("bench-password"), Some(day)).await.expect("demo");
        let mut w = store.write().await.expect("write");
        w.execute_raw("ANALYZE").await.expect("analyze");
        w.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        let files = c.fetch_i64(pacesetter_store::Sql::new("SELECT COUNT(*) FROM dev_files")).await.expect("count");
        let steps = c.fetch_i64(pacesetter_store::Sql::new("SELECT COUNT(*) FROM dev_steps")).await.expect("count");
        let college = c.fetch_i64(pacesetter_store::Sql::new("SELECT MIN(o.parent_id) FROM dev_files f JOIN orgs o ON o.id = f.org_id")).await.expect("college");
        let person = c.fetch_i64(pacesetter_store::Sql::new("SELECT MIN(person_id) FROM dev_files")).await.expect("person");
        drop(c);
        println!("{name:<9} demo of {} people with {files} development files ({steps} steps) loaded in {:.1} s", d.people.len(), t.elapsed().as_secs_f64());
        let state = state_of(&store);
        let (college_page, file) = (format!("/development?org_id={college}"), format!("/development/{person}"));
        let paths: Vec<(&str, &str)> = vec![
            ("orgsec", "/development"),
            ("office", &college_page),
            ("office", "/development"),
            ("office", "/api/v1/development/overview"),
            ("office", "/development/overview/development.xlsx"),
            ("branchsec", "/development"),
            ("office", &file),
            ("office", "/members/structure"),
        ];
        time_pages(name, &state, &paths).await;
    }
}

/// Issue 22: search at the demo size. The index is built by the demo's load; it is rebuilt
/// from nothing once (every record marked) and timed; then each search 30 times.
async fn bench_search(people: usize) {
    use pacesetter_domain::search::pinyin_keys;
    for (name, store, _dir) in stores().await {
        let t = Instant::now();
        let d = demo::generate(people);
        let day = time::macros::date!(2012 - 04 - 20);
        pacesetter_web::load_demo_as_of(&store, &d, &pacesetter_web::auth::hash_password("bench-password"), Some(day)).await.expect("demo");
        println!("{name:<9} demo of {} people as of {day}, indexed, in {:.1} s", d.people.len(), t.elapsed().as_secs_f64());
        let mut w = store.write().await.expect("write");
        w.execute_raw(
            "INSERT INTO search_dirty (kind, ref_id) SELECT 'person', id FROM people; INSERT INTO search_dirty (kind, ref_id) SELECT 'org', id FROM orgs; \
             INSERT INTO search_dirty (kind, ref_id) SELECT 'unit', id FROM units; INSERT INTO search_dirty (kind, ref_id) SELECT 'commitment', id FROM commitments; \
             INSERT INTO search_dirty (kind, ref_id) SELECT 'problem', id FROM problems; INSERT INTO search_dirty (kind, ref_id) SELECT 'study_doc', id FROM study_docs; \
             INSERT INTO search_dirty (kind, ref_id) SELECT 'announcement', id FROM announcements; INSERT INTO search_dirty (kind, ref_id) SELECT 'library', id FROM library_entries",
        )
        .await
        .expect("mark");
        w.commit().await.expect("commit");
        let t = Instant::now();
        let n = pacesetter_store::search::refresh_all(&store).await.expect("refresh");
        let rebuilt = t.elapsed().as_secs_f64();
        let mut w = store.write().await.expect("write");
        w.execute_raw("ANALYZE").await.expect("analyze");
        w.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        let count = |sql: &'static str| pacesetter_store::Sql::new(sql);
        let docs = c.fetch_i64(count("SELECT COUNT(*) FROM search_docs")).await.expect("docs");
        let keys = c.fetch_i64(count("SELECT COUNT(*) FROM search_keys")).await.expect("keys");
        let commitments = c.fetch_i64(count("SELECT COUNT(*) FROM commitments")).await.expect("n");
        println!("{name:<9} full re-index of {n} records: {rebuilt:.1} s; {docs} documents, {keys} keys ({commitments} commitments)");
        // The member's branch-mate's name, a commitment's phrase, a number in the secretary's branch.
        let (mate, number): (String, String) = c
            .fetch_one(count(
                "SELECT p.name, p.number FROM people p JOIN org_memberships m ON m.person_id = p.id AND m.end_date IS NULL \
                 WHERE m.org_id = (SELECT m2.org_id FROM accounts a JOIN org_memberships m2 ON m2.person_id = a.person_id AND m2.end_date IS NULL WHERE a.username = 'branchsec' LIMIT 1) \
                 AND p.name <> '' ORDER BY p.id DESC LIMIT 1",
            ))
            .await
            .expect("a branch-mate");
        let content: String = c
            .fetch_one::<(String,)>(count("SELECT content FROM commitments WHERE state IN ('approved', 'in_progress', 'fulfilled') ORDER BY id LIMIT 1"))
            .await
            .expect("a commitment")
            .0;
        drop(c);
        let initials = pinyin_keys(&mate).into_iter().find(|k| k.starts_with("i:")).map(|k| k[2..].to_string()).unwrap_or_default();
        let two: String = mate.chars().skip(mate.chars().count().saturating_sub(2)).collect();
        let phrase: String = content.chars().filter(|c| !c.is_whitespace()).take(6).collect();
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
        println!("{name:<9} queries: initials {initials} ({mate}), two characters {two}, phrase {phrase}, number {number}, common word 学习");
        let state = state_of(&store);
        let q = |s: &str| format!("/api/v1/search?q={}", enc(s));
        let (a, b, p, num, common, page) = (q(&initials), q(&two), q(&phrase), q(&number), q("学习"), format!("/search?q={}", enc(&two)));
        let paths: Vec<(&str, &str)> =
            vec![("member", &a), ("member", &b), ("member", &p), ("branchsec", &num), ("office", &num), ("office", &common), ("member", &common), ("member", &page)];
        time_pages(name, &state, &paths).await;
    }
}

/// Issue 17: a selection of 500 nominations on a demo of `people` (40,000: about 7,400 Party
/// members, the electorate): the voter's page and the office's page while the ballot is open,
/// then the results (the page on notice for the voter and the office, the results export),
/// each a median over repeated requests through the whole router in process, beside a health
/// check (`/healthz`) of the same run.
async fn bench_selection(people: usize) {
    use pacesetter_domain::ids::{AccountId, PersonId};
    use pacesetter_store::selection as sel;
    use tower::ServiceExt;
    const NOMINATIONS: usize = 500;
    const BALLOTS: usize = 1_000;
    for (name, store, _dir) in stores().await {
        let t = Instant::now();
        let d = demo::generate(people);
        pacesetter_web::load_demo(&store, &d, &pacesetter_web::auth::hash_password("bench-password")).await.expect("demo");
        let mut w = store.write().await.expect("write");
        w.execute_raw("ANALYZE").await.expect("analyze");
        w.commit().await.expect("commit");
        let office = {
            let mut c = store.read().await.expect("read");
            let a = pacesetter_store::account::by_username(&mut c, "office").await.expect("q").expect("office");
            pacesetter_store::scope::load(&mut c, AccountId(a.id), pacesetter_domain::dates::today()).await.expect("scope").expect("scope")
        };
        // The office starts a 十佳学习明星 selection and nominates 500 full members directly,
        // all found eligible; the ballot opens (the electorate frozen: every Party member).
        let day = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
        let mut w = store.write().await.expect("write");
        let camp = pacesetter_store::campaign::current(&mut w).await.expect("q").expect("a campaign");
        let n = sel::NewSelection {
            category: "study-stars".into(),
            title: String::new(),
            quota: "10".into(),
            electorate_org: None,
            nominate_until: day.clone(),
            vote_from: day.clone(),
            vote_until: day.clone(),
            appraisal_round: None,
        };
        let id = sel::create(&mut w, &office, &camp, &n).await.expect("create");
        let numbers: Vec<(String,)> = w
            .fetch_all(pacesetter_store::Sql::new(
                "SELECT p.number FROM people p WHERE p.political_status = '01' AND p.left_on IS NULL \
                 AND EXISTS (SELECT 1 FROM org_memberships m WHERE m.person_id = p.id AND m.end_date IS NULL) ORDER BY p.id",
            ))
            .await
            .expect("members");
        let mut noms = Vec::new();
        for (number,) in numbers.iter().take(NOMINATIONS) {
            let nn = sel::NewNomination { person_number: number.clone(), reasons: "勤于学习、善于学习、学以致用".into(), ..Default::default() };
            noms.push(sel::nominate(&mut w, &office, id, &nn, Vec::new()).await.expect("nominate"));
        }
        assert_eq!(noms.len(), NOMINATIONS, "the demo has {NOMINATIONS} members to nominate");
        for nid in &noms {
            sel::review(&mut w, &office, id, *nid, true, "").await.expect("review");
        }
        sel::open_voting(&mut w, &office, id).await.expect("open");
        w.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        let electorate = c.fetch_i64(pacesetter_store::Sql::new("SELECT electorate_size FROM selections WHERE id = $1").bind(id)).await.expect("size");
        drop(c);
        println!("{name:<9} demo of {} people, a selection of {NOMINATIONS} nominations open to {electorate} voters, in {:.1} s", d.people.len(), t.elapsed().as_secs_f64());

        let state = state_of(&store);
        let router = pacesetter_web::routes::router(state.clone());
        let ip = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
        let cookie_of = |user: &'static str| {
            let state = state.clone();
            async move {
                let session = pacesetter_web::auth::login(&state, user, "bench-password", ip, "bench", None).await.expect("login");
                format!("{}={}", pacesetter_web::auth::SESSION_COOKIE, session.token)
            }
        };
        let measure = |label: String, cookie: Option<String>, path: String| {
            let router = router.clone();
            async move {
                let mut times = Vec::new();
                let mut size = 0;
                for _ in 0..31 {
                    let mut req = axum::http::Request::get(&path);
                    if let Some(c) = &cookie {
                        req = req.header("cookie", c);
                    }
                    let t = Instant::now();
                    let resp = router.clone().oneshot(req.body(axum::body::Body::empty()).expect("request")).await.expect("response");
                    assert_eq!(resp.status(), 200, "{label} {path}");
                    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("body");
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                    size = body.len();
                }
                times.sort_by(f64::total_cmp);
                println!("{name:<9} {label:<34} {path:<36} median {:6.1} ms  p90 {:6.1} ms  max {:6.1} ms  ({} KB)", times[15], times[27], times[30], size / 1024);
            }
        };
        measure("health check".into(), None, "/healthz".into()).await;
        // A voter: the first demo account in the frozen electorate.
        let mut voter = None;
        for u in ["member", "branchsec", "branchsec2", "orgsec", "leader"] {
            let mut c = store.read().await.expect("read");
            let a = pacesetter_store::account::by_username(&mut c, u).await.expect("q").expect("account");
            let inside = c
                .fetch_opt_i64(
                    pacesetter_store::Sql::new("SELECT e.person_id FROM selection_electorate e WHERE e.selection_id = $1 AND e.person_id = $2")
                        .bind(id)
                        .bind(a.person_id.unwrap_or(0)),
                )
                .await
                .expect("q");
            if inside.is_some() {
                voter = Some(u);
                break;
            }
        }
        let voter = voter.expect("a demo account in the electorate");
        let (vc, oc) = (cookie_of(voter).await, cookie_of("office").await);
        let page = format!("/selections/{id}");
        measure(format!("voter ({voter}), ballot open"), Some(vc.clone()), page.clone()).await;
        measure("office, ballot open".into(), Some(oc.clone()), page.clone()).await;
        measure("office, nominations (API)".into(), Some(oc.clone()), format!("/api/v1/selections/{id}/nominations")).await;
        measure("selection list (voter)".into(), Some(vc.clone()), "/selections".into()).await;

        // Ballots: the first voters of the electorate, each approving up to 10 candidates.
        let t = Instant::now();
        let mut c = store.read().await.expect("read");
        let voters: Vec<(i64,)> =
            c.fetch_all(pacesetter_store::Sql::new("SELECT person_id FROM selection_electorate WHERE selection_id = $1 ORDER BY person_id").bind(id)).await.expect("q");
        drop(c);
        let mut cast = 0;
        // A Party vote counts only when more than half of the electorate took part (issue 18).
        for (i, (p,)) in voters.iter().take(BALLOTS.max(voters.len() / 2 + 1)).enumerate() {
            let scope = Scope { account: AccountId(0), actor: "bench voter".into(), person: Some(PersonId(*p)), roles: vec![], reaches: vec![] };
            // The first 1 to 10 candidates, and (below 10) one of the other 490: the first ten
            // lead with distinct totals, so no tie at the line holds up the notice.
            let k = 1 + i % 10;
            let mut choices: Vec<i64> = noms[..k].to_vec();
            if k < 10 {
                choices.push(noms[10 + i % (NOMINATIONS - 10)]);
            }
            let mut w = store.write().await.expect("write");
            sel::vote(&mut w, &scope, id, &choices).await.expect("vote");
            w.commit().await.expect("commit");
            cast += 1;
        }
        let mut w = store.write().await.expect("write");
        sel::close(&mut w, &office, id, None).await.expect("close");
        w.commit().await.expect("commit");
        println!("{name:<9} {cast} ballots cast and counted in {:.1} s", t.elapsed().as_secs_f64());
        measure("office, counted".into(), Some(oc.clone()), page.clone()).await;
        measure("voter, counted".into(), Some(vc.clone()), page.clone()).await;
        let mut w = store.write().await.expect("write");
        let calendar = pacesetter_store::campaign::get(&mut w, camp.id).await.expect("campaign").plan().expect("plan").calendar;
        sel::publish(&mut w, &office, id, &calendar).await.expect("publish");
        w.commit().await.expect("commit");
        measure("voter, results on notice".into(), Some(vc.clone()), page.clone()).await;
        measure("office, results on notice".into(), Some(oc.clone()), page.clone()).await;
        measure("voter, results (API)".into(), Some(vc.clone()), format!("/api/v1/selections/{id}")).await;
        measure("office, results export".into(), Some(oc.clone()), format!("/selections/{id}/results.csv")).await;
        measure("health check, after".into(), None, "/healthz".into()).await;
    }
}

/// One keep-alive HTTP/1.1 connection: a request out, the status and body back.
struct Conn1 {
    stream: tokio::io::BufStream<tokio::net::TcpStream>,
}

impl Conn1 {
    async fn open(addr: std::net::SocketAddr) -> Conn1 {
        let s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.set_nodelay(true).expect("nodelay");
        Conn1 { stream: tokio::io::BufStream::new(s) }
    }

    async fn send(&mut self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
        let head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
        self.stream.write_all(head.as_bytes()).await.expect("write");
        self.stream.write_all(body).await.expect("write");
        self.stream.flush().await.expect("flush");
        let mut line = String::new();
        self.stream.read_line(&mut line).await.expect("status line");
        let status: u16 = line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
        let mut len = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.expect("header");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; len];
        self.stream.read_exact(&mut body).await.expect("body");
        (status, body)
    }
}

/// Latencies in ms: (count, median, p99, max).
fn spread(mut v: Vec<f64>) -> (usize, f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v.get(((v.len() as f64 * q) as usize).min(v.len().saturating_sub(1))).copied().unwrap_or(0.0);
    (v.len(), at(0.5), at(0.99), v.last().copied().unwrap_or(0.0))
}

async fn bench_surveys(responses: usize, links: usize) {
    const CLIENTS: usize = 64;
    let long = "窗口工作人员服务热情周到，办事流程清楚，时限公开，排队秩序良好。希望在开学报到等高峰时段增加窗口和人手，延长办公时间，并在网上公布办理进度，方便师生查询。";
    // BENCH_SHORT=1 answers without the comment, to see what the row size costs.
    let comment = if std::env::var("BENCH_SHORT").is_ok() { "" } else { long };
    for (name, store, _dir) in stores().await {
        let d = demo::generate(12_000);
        let hash = pacesetter_web::auth::hash_password("bench-password");
        pacesetter_web::load_demo(&store, &d, &hash).await.expect("demo");
        let plan = pacesetter_domain::plan::parse(include_str!("../../../../plans/2012-csust.toml")).expect("plan");
        let t = plan.surveys.iter().find(|t| t.code == "window-satisfaction").expect("template").clone();
        let office = Scope::system("bench");
        let mut w = store.write().await.expect("write");
        let id = pacesetter_store::survey::create(
            &mut w,
            &office,
            pacesetter_store::survey::NewSurvey {
                campaign_id: None,
                template_code: Some(t.code.clone()),
                title: t.title.clone(),
                description: None,
                owner_unit_id: None,
                target_kind: t.target,
                anonymous: true,
                results_public: false,
                allow_replace: false,
                questionnaire: t.questionnaire.clone(),
                opens_on: None,
                closes_on: None,
            },
        )
        .await
        .expect("survey");
        pacesetter_store::survey::set_targets(&mut w, &office, id, &[]).await.expect("targets");
        pacesetter_store::survey::open(&mut w, &office, id).await.expect("open");
        w.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        let windows: Vec<i64> = pacesetter_store::survey::targets(&mut c, id).await.expect("targets").into_iter().map(|t| t.target_id).collect();
        drop(c);
        let t0 = Instant::now();
        let mut w = store.write().await.expect("write");
        let made = pacesetter_store::survey::create_slips(&mut w, &office, id, links as u64).await.expect("links");
        w.commit().await.expect("commit");
        println!("{name:<9} {} single-use links made and stored (hashed) in {:.1} s", made.len(), t0.elapsed().as_secs_f64());
        let tokens: Vec<String> = made;
        // 10,000 people with accounts and open sessions, invited.
        let t0 = Instant::now();
        let mut w = store.write().await.expect("write");
        let people: Vec<(i64,)> = w
            .fetch_all(pacesetter_store::Sql::new("SELECT id FROM people WHERE id NOT IN (SELECT person_id FROM accounts WHERE person_id IS NOT NULL) ORDER BY id LIMIT 10000"))
            .await
            .expect("people");
        let now = pacesetter_domain::dates::now_ms();
        let mut sessions = Vec::with_capacity(people.len());
        for (k, chunk) in people.chunks(500).enumerate() {
            let mut q = pacesetter_store::Sql::new("INSERT INTO accounts (username, display_name, person_id, password_hash, must_change_password, created_ms) VALUES ");
            for (j, (p,)) in chunk.iter().enumerate() {
                q.push(if j == 0 { "(" } else { ", (" })
                    .push_bind(format!("bench{}", k * 500 + j))
                    .push(", ")
                    .push_bind("压测用户")
                    .push(", ")
                    .push_bind(*p)
                    .push(", ")
                    .push_bind(hash.as_str())
                    .push(", FALSE, ")
                    .push_bind(now)
                    .push(")");
            }
            w.execute(q).await.expect("accounts");
        }
        let accounts: Vec<(i64, i64)> =
            w.fetch_all(pacesetter_store::Sql::new("SELECT id, person_id FROM accounts WHERE username LIKE 'bench%' ORDER BY id")).await.expect("accounts");
        for chunk in accounts.chunks(500) {
            let mut q = pacesetter_store::Sql::new("INSERT INTO sessions (id_hash, account_id, csrf, created_ms, seen_ms, expires_ms) VALUES ");
            for (j, (a, _)) in chunk.iter().enumerate() {
                let token = pacesetter_store::survey::new_token() + &pacesetter_store::survey::new_token();
                q.push(if j == 0 { "(" } else { ", (" })
                    .push_bind(pacesetter_domain::audit::sha256_hex(token.as_bytes()))
                    .push(", ")
                    .push_bind(*a)
                    .push(", ")
                    .push_bind("csrf")
                    .push(", ")
                    .push_bind(now)
                    .push(", ")
                    .push_bind(now)
                    .push(", ")
                    .push_bind(now + 86_400_000)
                    .push(")");
                sessions.push(token);
            }
            w.execute(q).await.expect("sessions");
        }
        let persons: Vec<i64> = accounts.iter().map(|(_, p)| *p).collect();
        pacesetter_store::survey::add_invitees(&mut w, id, &persons).await.expect("invite");
        w.commit().await.expect("commit");
        println!("{name:<9} {} accounts with open sessions made and invited in {:.1} s", sessions.len(), t0.elapsed().as_secs_f64());

        let state = state_of(&store);
        let results_state = state.clone();
        let router = pacesetter_web::routes::router(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
        });

        // The plain health check, same clients, as the ceiling of this server on this machine.
        let t0 = Instant::now();
        let per = 2_000;
        let mut hs = Vec::new();
        for _ in 0..CLIENTS {
            hs.push(tokio::spawn(async move {
                let mut c = Conn1::open(addr).await;
                for _ in 0..per {
                    assert_eq!(c.send("GET", "/healthz", b"").await.0, 200);
                }
            }));
        }
        for h in hs {
            h.await.expect("client");
        }
        let health_rate = (CLIENTS * per) as f64 / t0.elapsed().as_secs_f64();
        println!("{name:<9} health check: {health_rate:.0} requests/s with {CLIENTS} clients");

        // Complete responses through single-use links.
        let tokens = std::sync::Arc::new(tokens);
        let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let windows = std::sync::Arc::new(windows);
        let t0 = Instant::now();
        let mut hs = Vec::new();
        for k in 0..CLIENTS {
            let (tokens, next, windows) = (tokens.clone(), next.clone(), windows.clone());
            hs.push(tokio::spawn(async move {
                let mut c = Conn1::open(addr).await;
                let mut lat = Vec::new();
                let mut acked = Vec::new();
                let mut refused = 0usize;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= responses.min(tokens.len()) {
                        break;
                    }
                    let target = windows[(i + k) % windows.len()];
                    let q = |j: usize| (i + j) % 3;
                    let text = if comment.is_empty() { String::new() } else { format!(",\"q10\":\"{comment}\"") };
                    let body = format!(
                        "{{\"target\":{target},\"answers\":{{\"q1\":{},\"q2\":{},\"q3\":{},\"q4\":{},\"q5\":{},\"q6\":{},\"q7\":{},\"q8\":{},\"q9\":{}{}}}}}",
                        q(1),
                        q(2),
                        q(3),
                        q(4),
                        q(5),
                        q(6),
                        q(7),
                        q(8),
                        q(9),
                        text
                    );
                    let t = Instant::now();
                    let (status, resp) = c.send("POST", &format!("/api/v1/s/{}", tokens[i]), body.as_bytes()).await;
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    if status == 201 {
                        let v: serde_json::Value = serde_json::from_slice(&resp).expect("json");
                        acked.push(v["id"].as_str().expect("id").to_string());
                    } else {
                        refused += 1;
                    }
                }
                (lat, acked, refused)
            }));
        }
        let mut lat = Vec::new();
        let mut acked = Vec::new();
        let mut refused = 0;
        for h in hs {
            let (l, a, r) = h.await.expect("client");
            lat.extend(l);
            acked.extend(a);
            refused += r;
        }
        let secs = t0.elapsed().as_secs_f64();
        let (n, p50, p99, max) = spread(lat);
        let rate = acked.len() as f64 / secs;
        println!(
            "{name:<9} {n} complete responses in {secs:.1} s: {rate:.0} accepted/s ({:.1}% of the health-check rate), median {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms, refused {refused}",
            rate * 100.0 / health_rate
        );
        // Logged in: each of the 10,000 sessions answers once through the JSON API.
        let sessions = std::sync::Arc::new(sessions);
        let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let t0 = Instant::now();
        let mut hs = Vec::new();
        for k in 0..CLIENTS {
            let (sessions, next, windows) = (sessions.clone(), next.clone(), windows.clone());
            hs.push(tokio::spawn(async move {
                use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
                let s = tokio::net::TcpStream::connect(addr).await.expect("connect");
                s.set_nodelay(true).expect("nodelay");
                let mut c = Conn1 { stream: tokio::io::BufStream::new(s) };
                let mut lat = Vec::new();
                let mut acked = Vec::new();
                let mut refused = 0usize;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= sessions.len() {
                        break;
                    }
                    let target = windows[(i + k) % windows.len()];
                    let body = format!(
                        "{{\"target\":{target},\"answers\":{{\"q1\":0,\"q2\":1,\"q3\":0,\"q4\":0,\"q5\":2,\"q6\":0,\"q7\":1,\"q8\":0,\"q9\":{}{}}}}}",
                        i % 3,
                        if comment.is_empty() { String::new() } else { format!(",\"q10\":\"{comment}\"") }
                    );
                    let head = format!(
                        "POST /api/v1/surveys/{id}/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {}={}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        pacesetter_web::auth::SESSION_COOKIE,
                        sessions[i],
                        body.len()
                    );
                    let t = Instant::now();
                    c.stream.write_all(head.as_bytes()).await.expect("write");
                    c.stream.write_all(body.as_bytes()).await.expect("write");
                    c.stream.flush().await.expect("flush");
                    let mut line = String::new();
                    c.stream.read_line(&mut line).await.expect("status");
                    let status: u16 = line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
                    let mut len = 0usize;
                    loop {
                        line.clear();
                        c.stream.read_line(&mut line).await.expect("header");
                        if line == "\r\n" || line.is_empty() {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut resp = vec![0u8; len];
                    c.stream.read_exact(&mut resp).await.expect("body");
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    if status == 201 {
                        let v: serde_json::Value = serde_json::from_slice(&resp).expect("json");
                        acked.push(v["id"].as_str().expect("id").to_string());
                    } else {
                        if refused == 0 && k == 0 {
                            eprintln!("refused: {status} {}", String::from_utf8_lossy(&resp));
                        }
                        refused += 1;
                    }
                }
                (lat, acked, refused)
            }));
        }
        let mut lat2 = Vec::new();
        let mut refused2 = 0;
        let before = acked.len();
        for h in hs {
            let (l, a, r) = h.await.expect("client");
            lat2.extend(l);
            acked.extend(a);
            refused2 += r;
        }
        let secs = t0.elapsed().as_secs_f64();
        let (n, p50, p99, max) = spread(lat2);
        println!(
            "{name:<9} {n} logged-in responses in {secs:.1} s: {:.0} accepted/s, median {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms, refused {refused2}",
            (acked.len() - before) as f64 / secs
        );
        // Reconciliation: every acknowledged response is in the database, and nothing else.
        let mut c = store.read().await.expect("read");
        let view = pacesetter_store::survey::get(&mut c, &office, id, pacesetter_store::survey::Need::Manage).await.expect("survey");
        let stored = pacesetter_store::survey::responses(&mut c, &view).await.expect("responses");
        let ids: std::collections::HashSet<&str> = stored.iter().map(|r| r.id.as_str()).collect();
        let missing = acked.iter().filter(|a| !ids.contains(a.as_str())).count();
        let recount = pacesetter_store::survey::recount(&mut c, &view.row).await.expect("recount");
        let agree = recount.iter().all(|(_, _, same)| *same);
        let counted: u64 = recount.iter().map(|(_, t, _)| t.responses).sum();
        println!(
            "{name:<9} reconciled: {} acknowledged, {} stored, {missing} missing, tallies {} a recount ({counted} counted)",
            acked.len(),
            stored.len(),
            if agree { "equal" } else { "DIFFER FROM" }
        );
        assert_eq!(missing, 0);
        assert_eq!(stored.len(), acked.len());
        drop(c);
        // The results page of this survey, as the office opens it (over HTTP, 20 times).
        let session =
            pacesetter_web::auth::login(&results_state, "office", "bench-password", std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), "bench", None).await.expect("login");
        let mut times = Vec::new();
        let mut conn = Conn1::open(addr).await;
        for _ in 0..20 {
            use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
            let head = format!("GET /surveys/{id}/results HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {}={}\r\n\r\n", pacesetter_web::auth::SESSION_COOKIE, session.token);
            let t = Instant::now();
            conn.stream.write_all(head.as_bytes()).await.expect("write");
            conn.stream.flush().await.expect("flush");
            let mut line = String::new();
            conn.stream.read_line(&mut line).await.expect("status");
            assert!(line.contains(" 200 "), "results: {line}");
            let mut len = 0usize;
            loop {
                line.clear();
                conn.stream.read_line(&mut line).await.expect("header");
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; len];
            conn.stream.read_exact(&mut body).await.expect("body");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (_, p50, p99, max) = spread(times);
        println!("{name:<9} results page of {} responses: median {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms", stored.len());
    }
}

/// A university-wide 民主评议党员 round (issue 17): every Party member of a branch appraises the
/// other members of their branch (the demo branch secretary as the leader, everyone else as a
/// fellow member), then the rater's page, the office's page and the results are timed through
/// the whole router in process, with the health check of the same run beside them.
async fn bench_appraisals(people: usize) {
    use pacesetter_domain::appraisal::{Group, RoundDraft, ScaleKind, SubjectKind};
    use pacesetter_store::appraisal::{self as ap, Caller};
    use tower::ServiceExt;
    for (name, store, _dir) in stores().await {
        let t = Instant::now();
        let d = demo::generate(people);
        pacesetter_web::load_demo(&store, &d, &pacesetter_web::auth::hash_password("bench-password")).await.expect("demo");
        println!("{name:<9} demo of {} people loaded in {:.1} s", d.people.len(), t.elapsed().as_secs_f64());
        let state = state_of(&store);
        let scope_of = |user: &'static str| {
            let store = store.clone();
            async move {
                let mut c = store.read().await.expect("read");
                let a = pacesetter_store::account::by_username(&mut c, user).await.expect("q").expect("account");
                pacesetter_store::scope::load(&mut c, pacesetter_domain::ids::AccountId(a.id), pacesetter_domain::dates::today()).await.expect("scope").expect("scope")
            }
        };
        let office = scope_of("office").await;
        // The round: every Party member of the university, by their branch (民主评议党员).
        let t = Instant::now();
        let root = {
            let mut c = store.read().await.expect("read");
            c.fetch_i64(pacesetter_store::Sql::new("SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1")).await.expect("root")
        };
        let day = pacesetter_domain::dates::today();
        let spec = RoundDraft {
            title: "2012年度民主评议党员".into(),
            kind: Some(SubjectKind::Member),
            org: Some(pacesetter_domain::ids::OrgId(root)),
            scale: Some(ScaleKind::Satisfaction),
            weights: [Some(0), Some(60), Some(40), Some(0)],
            criteria: Some(pacesetter_domain::appraisal::parse_criteria("").expect("criteria")),
            grades: Some(pacesetter_domain::appraisal::parse_grades("优秀:90,合格:70,基本合格:60,不合格:0").expect("grades")),
            opens: Some(day),
            closes: Some(day),
            ..RoundDraft::default()
        }
        .check(Default::default())
        .expect("spec");
        let round = pacesetter_web::app::appraisals::create(&state, &office, &spec).await.expect("round");
        let made = t.elapsed();
        // Who rates whom: the members of each branch, each other (not themselves); the demo
        // accounts' groups as the rules give them (the branch secretary comments as the leader).
        let mut c = store.read().await.expect("read");
        let subjects: Vec<(i64, i64, String)> =
            c.fetch_all(pacesetter_store::Sql::new("SELECT id, person_id, path FROM appraisal_subjects WHERE round_id = $1 ORDER BY id").bind(round.0)).await.expect("subjects");
        let accounts: Vec<(String, i64)> = c.fetch_all(pacesetter_store::Sql::new("SELECT username, person_id FROM accounts WHERE person_id IS NOT NULL")).await.expect("accounts");
        let mut groups_of: HashMap<(i64, i64), Group> = HashMap::new();
        for (user, person) in &accounts {
            let a = pacesetter_store::account::by_username(&mut c, user).await.expect("q").expect("account");
            let Some(scope) = pacesetter_store::scope::load(&mut c, pacesetter_domain::ids::AccountId(a.id), day).await.expect("scope") else { continue };
            let me = Caller::load(&mut c, &scope).await.expect("caller");
            let r = ap::round(&mut c, &me, round).await.expect("round");
            for x in ap::to_rate(&mut c, &me, &r, None).await.expect("to rate") {
                groups_of.insert((*person, x.subject.id), x.group);
            }
        }
        drop(c);
        let mut by_branch: HashMap<&str, Vec<(i64, i64)>> = HashMap::new();
        for (sid, person, path) in &subjects {
            by_branch.entry(path.as_str()).or_default().push((*sid, *person));
        }
        let with_account: std::collections::HashSet<i64> = accounts.iter().map(|(_, p)| *p).collect();
        let mut ratings: Vec<(i64, i64, &'static str, String, Option<String>)> = Vec::new();
        let mut seed = 2012u64;
        for members in by_branch.values() {
            for (sid, subject) in members {
                for (_, rater) in members {
                    if rater == subject {
                        continue;
                    }
                    let group = if with_account.contains(rater) { groups_of.get(&(*rater, *sid)).copied() } else { Some(Group::Peers) };
                    let Some(group) = group.filter(|g| matches!(g, Group::Peers | Group::Leaders)) else { continue };
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let value = match (seed >> 33) % 10 {
                        0..=6 => 0,
                        7..=8 => 1,
                        _ => 2,
                    };
                    let comment = (group == Group::Leaders).then(|| "学习积极，作用发挥明显".to_string());
                    ratings.push((*sid, *rater, group.code(), format!("[{value}]"), comment));
                }
            }
        }
        let t2 = Instant::now();
        let mut w = store.write().await.expect("write");
        for chunk in ratings.chunks(1000) {
            // As the app stores them: who rated whom apart, the rating under a random id (an
            // anonymous group's without its rater).
            let mut who = pacesetter_store::Sql::new("INSERT INTO appraisal_raters (round_id, subject_id, rater_id) VALUES ");
            for (i, (sid, rater, _, _, _)) in chunk.iter().enumerate() {
                who.push(if i == 0 { "(" } else { ", (" }).push_bind(round.0).push(", ").push_bind(*sid).push(", ").push_bind(*rater).push(")");
            }
            w.execute(who).await.expect("raters");
            let mut q = pacesetter_store::Sql::new("INSERT INTO appraisal_ratings (id, round_id, subject_id, rater_id, grp, values_json, comment) VALUES ");
            for (i, (sid, rater, grp, values, comment)) in chunk.iter().enumerate() {
                let named = !matches!(*grp, "masses" | "peers");
                q.push(if i == 0 { "(" } else { ", (" })
                    .push_bind(pacesetter_store::survey::uuid_v4())
                    .push(", ")
                    .push_bind(round.0)
                    .push(", ")
                    .push_bind(*sid)
                    .push(", ")
                    .push_bind(named.then_some(*rater))
                    .push(", ")
                    .push_bind(*grp)
                    .push(", ")
                    .push_bind(values.as_str())
                    .push(", ")
                    .push_bind(comment.clone())
                    .push(")");
            }
            w.execute(q).await.expect("ratings");
        }
        ap::retally(&mut w, &office, round).await.expect("tallies");
        w.execute_raw("ANALYZE").await.expect("analyze");
        w.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        let agree = ap::tallies_agree(&mut c, round).await.expect("recount");
        drop(c);
        assert!(agree, "the tallies equal a recount from the ratings");
        println!(
            "{name:<9} round of {} members in {} branches started in {:.2} s; {} ratings stored and tallied in {:.1} s (tallies equal a recount)",
            subjects.len(),
            by_branch.len(),
            made.as_secs_f64(),
            ratings.len(),
            t2.elapsed().as_secs_f64()
        );
        let router = pacesetter_web::routes::router(state.clone());
        let ip = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
        let (page, results, export, subjects_api) = (
            format!("/appraisals/{round}"),
            format!("/api/v1/appraisals/{round}/results"),
            format!("/appraisals/{round}/results.csv"),
            format!("/api/v1/appraisals/{round}/subjects"),
        );
        let paths: Vec<(&str, &str, &str)> = vec![
            ("", "/healthz", "health check"),
            ("member", &page, "rater's page (a member: their branch)"),
            ("member", &subjects_api, "rater's list, JSON"),
            ("branchsec", &page, "branch secretary's page"),
            ("orgsec", &page, "college secretary's page"),
            ("office", &page, "office's page (every member)"),
            ("office", "cold", "office's page, figures not in memory (the first view after a rating)"),
            ("office", "rated", "office's page, the office comments on one more member before each view"),
            ("office", &results, "results, JSON (every member)"),
            ("office", &export, "results, CSV (every member)"),
            ("", "/healthz", "health check"),
        ];
        for (user, path, what) in paths {
            let cookie = if user.is_empty() {
                String::new()
            } else {
                let session = pacesetter_web::auth::login(&state, user, "bench-password", ip, "bench", None).await.expect("login");
                format!("{}={}", pacesetter_web::auth::SESSION_COOKIE, session.token)
            };
            let mut times = Vec::new();
            let mut size = 0;
            // "cold": the office's page with the round's figures dropped from memory before each
            // request, as after every rating while the round is open.
            // "rated": a rating through the use case before each request (the office comments as
            // 领导点评 on the next member), which the figures in memory take in after its commit.
            let (path, cold, rated) = match path {
                "cold" => (page.as_str(), true, false),
                "rated" => (page.as_str(), false, true),
                _ => (path, false, false),
            };
            let (mut next, mut ratings_made) = (0, 0);
            for _ in 0..30 {
                if cold {
                    pacesetter_store::appraisal::forget_figures();
                }
                while rated && next < subjects.len() {
                    let input = pacesetter_web::app::appraisals::RatingInput { values: vec![Some(0)], comment: "学习积极，作用发挥明显".into() };
                    let sid = pacesetter_domain::ids::SubjectId(subjects[next].0);
                    next += 1;
                    if pacesetter_web::app::appraisals::rate(&state, &office, round, sid, &input).await.is_ok() {
                        ratings_made += 1;
                        break;
                    }
                }
                let req = axum::http::Request::get(path).header("cookie", &cookie).body(axum::body::Body::empty()).expect("request");
                let t = Instant::now();
                let resp = router.clone().oneshot(req).await.expect("response");
                assert_eq!(resp.status(), 200, "{user} {path}");
                let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("body");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                size = body.len();
            }
            times.sort_by(f64::total_cmp);
            let what = if rated { format!("{what} ({ratings_made} ratings)") } else { what.to_string() };
            println!("{name:<9} {user:<9} {path:<36} median {:6.1} ms  p90 {:6.1} ms  max {:6.1} ms  ({} KB)  {what}", times[15], times[27], times[29], size / 1024);
        }
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    match args.first().map(String::as_str) {
        Some("import") => bench_import(n(1, 30_000)).await,
        Some("demo") => bench_demo(n(1, 20_000)).await,
        Some("dashboard") => bench_dashboard(n(1, 20_000)).await,
        Some("surveys") => bench_surveys(n(1, 200_000), n(2, 1_000_000)).await,
        Some("appraisals") => bench_appraisals(n(1, 40_000)).await,
        Some("selection") => bench_selection(n(1, 40_000)).await,
        Some("grouping") => bench_grouping(n(1, 20_000)).await,
        Some("branch") => bench_branch(n(1, 20_000)).await,
        Some("search") => bench_search(n(1, 20_000)).await,
        _ => eprintln!(
            "usage: bench import [ROWS] | bench demo [PEOPLE] | bench dashboard [PEOPLE] | bench surveys [RESPONSES] [LINKS] | bench appraisals [PEOPLE] | bench selection [PEOPLE] | bench grouping [REPORTS] | bench branch [PEOPLE] | bench search [PEOPLE]"
        ),
    }
}

/// Grouping similar reports (issue 19: 20,000 in under 5 s): the domain's grouping alone, then
/// the office's regrouping through the store (reading the texts, writing the groups).
async fn bench_grouping(n: usize) {
    let reports = pacesetter_domain::similar::sample_reports(n, 2012);
    let texts: Vec<&str> = reports.iter().map(|r| r.1.as_str()).collect();
    let mut times = Vec::new();
    let mut groups = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        groups = pacesetter_domain::similar::group(&texts, pacesetter_domain::similar::THRESHOLD);
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    // Purity: how many texts sit in a group whose most common topic is their own.
    // And the same by place alone (the library, the canteens, ...): a group that mixes two of
    // one place's complaints is less wrong than one that mixes two places.
    let (mut pure, mut pure_place) = (0, 0);
    for g in &groups {
        let mut count = std::collections::HashMap::new();
        let mut place = std::collections::HashMap::new();
        for m in &g.members {
            *count.entry(reports[*m].0).or_insert(0usize) += 1;
            *place.entry(reports[*m].0 % 12).or_insert(0usize) += 1;
        }
        pure += count.values().max().copied().unwrap_or(0);
        pure_place += place.values().max().copied().unwrap_or(0);
    }
    let big = groups.iter().filter(|g| g.members.len() >= 2).count();
    println!(
        "grouping {n} reports: median {:.2} s (min {:.2}, max {:.2}) over 5 runs; {} groups ({big} of two or more), largest {}; {:.1}% of texts in a group of their own topic's majority, {:.1}% of their own place's",
        times[2],
        times[0],
        times[4],
        groups.len(),
        groups.first().map(|g| g.members.len()).unwrap_or(0),
        pure as f64 * 100.0 / n as f64,
        pure_place as f64 * 100.0 / n as f64
    );
    for (name, store, _dir) in stores().await {
        let d = demo::generate(200);
        pacesetter_web::load_demo(&store, &d, &pacesetter_web::auth::hash_password("bench-password")).await.expect("demo");
        let mut w = store.write().await.expect("write");
        let raiser = w.fetch_i64(pacesetter_store::Sql::new("SELECT MIN(id) FROM people")).await.expect("person");
        for (i, (_, text)) in reports.iter().enumerate() {
            w.execute(
                pacesetter_store::Sql::new(
                    "INSERT INTO problems (raiser_id, unnamed, about, category, body, state, raised_on, step_on, escalation, reopened, published) \
                     VALUES ($1, FALSE, 'campus', 'other', $2, 'received', $3, $3, 0, 0, FALSE)",
                )
                .bind(raiser + (i as i64 % 150))
                .bind(text.as_str())
                .bind(pacesetter_domain::dates::today()),
            )
            .await
            .expect("insert");
        }
        w.commit().await.expect("commit");
        let t = Instant::now();
        let mut w = store.write().await.expect("write");
        let made = pacesetter_store::problem::regroup(&mut w, &pacesetter_domain::scope::Scope::system("bench"), pacesetter_domain::similar::THRESHOLD).await.expect("regroup");
        w.commit().await.expect("commit");
        let regroup = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut c = store.read().await.expect("read");
        let list = pacesetter_store::problem::groups(&mut c, &pacesetter_domain::scope::Scope::system("bench"), 200).await.expect("groups");
        println!(
            "{name:<9} regroup of {n} stored reports: {regroup:.2} s ({made} groups of two or more); the ranked list of the top {}: {:.0} ms",
            list.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}
