//! Two servers on one PostgreSQL behind nginx, as a university runs them: both start at once
//! (one migrates and loads the demo, the other waits), a mixed load goes through nginx (logins,
//! page views, task submissions, survey responses through their links, advisory ratings), one
//! server is stopped with SIGTERM and started again, the other is killed with SIGKILL and
//! started again, and then:
//! - every acknowledged survey response and task submission is stored;
//! - every e-mail of the outbox went out, each under one Message-ID, and none twice except a
//!   resend under the same Message-ID (a message the killed server held);
//! - the hourly reminders ran once in all, however many servers started;
//! - the advisory ratings' limit held across the two servers (ten an hour, not ten each);
//! - the stopped server drained and said so; the audit chain verifies.
//!
//! It needs PostgreSQL (PACESETTER_TEST_POSTGRES) and nginx; under CI=true both are required.

#[path = "../../web/tests/common/mod.rs"]
mod common;

use common::{PASSWORD, TestApp};
use pacesetter_store::db::Sql;
use pacesetter_store::{OpenOptions, Store, outbox, testkit};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].iter().map(PathBuf::from).find(|p| p.exists())
}

/// One `pacesetter serve` process on the shared database, with its own data directory and log.
struct Server {
    name: &'static str,
    port: u16,
    child: Child,
    dir: PathBuf,
    starts: usize,
}

impl Server {
    fn spawn(name: &'static str, port: u16, dir: &Path, db: &str, public: &str, smtp: &str, starts: usize) -> Server {
        std::fs::create_dir_all(dir).unwrap();
        let log = std::fs::File::create(dir.join(format!("server-{starts}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_pacesetter"))
            .args(["serve"])
            .env("DATABASE_URL", db)
            .env("PACESETTER_DATA", dir)
            .env("PACESETTER_ADDR", format!("127.0.0.1:{port}"))
            .env("PACESETTER_PUBLIC_URL", public)
            .env("PACESETTER_TRUSTED_PROXIES", "127.0.0.1")
            .env("PACESETTER_DEMO_PASSWORD", PASSWORD)
            .env("PACESETTER_DEMO_SIZE", common::SIZE.to_string())
            // As the other suites run the demo: on the real date, with no survey of its own open.
            .env("PACESETTER_DEMO_AS_OF", "off")
            .env("PACESETTER_SMTP_URL", smtp)
            .env("RUST_LOG", "info")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start pacesetter");
        Server { name, port, child, dir: dir.to_path_buf(), starts }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join(format!("server-{}.log", self.starts))).unwrap_or_default()
    }

    async fn ready(&mut self) {
        let c = reqwest::Client::new();
        let until = Instant::now() + Duration::from_secs(180);
        loop {
            if let Ok(r) = c.get(format!("http://127.0.0.1:{}/healthz", self.port)).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("server {} exited at start ({status}):\n{}", self.name, self.log());
            }
            assert!(Instant::now() < until, "server {} did not start:\n{}", self.name, self.log());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn restart(&mut self, db: &str, public: &str, smtp: &str) {
        let dir = self.dir.clone();
        *self = Server::spawn(self.name, self.port, &dir, db, public, smtp, self.starts + 1);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_nginx(bin: &Path, dir: &Path, port: u16, upstreams: &[u16]) -> Nginx {
    for d in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
        let _ = Command::new("chmod").args(["0777", &dir.join(d).display().to_string()]).status();
    }
    let d = dir.display();
    let servers: String = upstreams.iter().map(|p| format!("    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n")).collect();
    let conf = format!(
        "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\nevents {{ worker_connections 512; }}\nhttp {{\n  access_log {d}/access.log;\n  \
         client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
         upstream pacesetter {{\n{servers}    keepalive 16;\n  }}\n  server {{\n    listen 127.0.0.1:{port};\n    client_max_body_size 21m;\n    location / {{\n      \
         proxy_pass http://pacesetter;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_set_header Host $http_host;\n      \
         proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_next_upstream error timeout;\n    }}\n  }}\n}}\n"
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let child =
        Command::new(bin).args(["-p", &dir.display().to_string(), "-c", &path.display().to_string()]).stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().expect("start nginx");
    Nginx(child)
}

/// The window questionnaire's answers (as the surveys suite gives them).
fn answers() -> Value {
    json!({"q1": 0, "q2": 0, "q3": 1, "q4": 0, "q5": 1, "q6": 0, "q7": 0, "q8": 2, "q9": 0})
}

/// What the load saw: acknowledged writes, and the other answers by kind.
#[derive(Default)]
struct Tally {
    responses: Vec<String>,
    submissions: Vec<String>,
    /// (kind, status or "network") → count.
    other: BTreeMap<(String, String), usize>,
    ok: BTreeMap<String, usize>,
}

impl Tally {
    fn ok(&mut self, kind: &str) {
        *self.ok.entry(kind.into()).or_default() += 1;
    }
    fn other(&mut self, kind: &str, what: String) {
        *self.other.entry((kind.into(), what)).or_default() += 1;
    }
}

async fn enqueue(store: &Store, wave: usize, n: usize) {
    let mut w = store.write().await.unwrap();
    for i in 0..n {
        outbox::enqueue(&mut w, "secretary@csust.edu.cn", &format!("cluster-{wave}-{i}"), "body").await.unwrap();
    }
    w.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_behind_nginx_lose_nothing_through_a_stop_and_a_kill() {
    let Some(base) = testkit::postgres_url() else {
        assert!(!testkit::postgres_required(), "CI=true but PACESETTER_TEST_POSTGRES is not set: the multi-server test is required");
        eprintln!("skipped: PACESETTER_TEST_POSTGRES is not set");
        return;
    };
    let Some(nginx_bin) = nginx_binary() else {
        assert!(!testkit::postgres_required(), "CI=true but nginx is not installed: the multi-server test is required");
        eprintln!("skipped: nginx is not installed");
        return;
    };
    pacesetter_web::sign_on::install_crypto();
    let db = testkit::postgres_database(&base).await.expect("a test database");
    let sink = common::smtp_sink().await;
    let smtp = format!("smtp://{}", sink.addr);
    let tmp = testkit::TempDir::new();
    let (pa, pb, pn) = (free_port(), free_port(), free_port());
    let public = format!("http://127.0.0.1:{pn}");

    // Both start at once on the empty database: one migrates and loads the demo.
    let mut a = Server::spawn("a", pa, &tmp.path.join("a"), &db, &public, &smtp, 0);
    let mut b = Server::spawn("b", pb, &tmp.path.join("b"), &db, &public, &smtp, 0);
    a.ready().await;
    b.ready().await;
    let _nginx = start_nginx(&nginx_bin, &tmp.path.join("nginx"), pn, &[pa, pb]);
    let app = TestApp::at(&public);
    let until = Instant::now() + Duration::from_secs(10);
    while reqwest::get(app.url("/healthz")).await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(Instant::now() < until, "nginx did not come up: {}", std::fs::read_to_string(tmp.path.join("nginx/error.log")).unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let store = Store::open(&db, &OpenOptions::default()).await.unwrap();
    let people: i64 = store.read().await.unwrap().fetch_i64(Sql::new("SELECT COUNT(*) FROM people")).await.unwrap();
    assert!(people > 200, "the demo was loaded once: {people} people");

    // The office opens a window survey and prints slips; the library's head finds a window.
    let office = app.login("office").await;
    let r = app.post_form(&office, "/surveys", &[("template", "window-satisfaction"), ("owner", "office")]).await;
    assert_eq!(r.status(), 303);
    let list = office.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap();
    let survey: i64 = {
        let i = list.find("href=\"/surveys/").unwrap() + "href=\"/surveys/".len();
        list[i..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
    };
    assert_eq!(app.post_form(&office, &format!("/surveys/{survey}/targets"), &[]).await.status(), 303);
    assert_eq!(app.post_form(&office, &format!("/surveys/{survey}/open"), &[("confirmed", "1")]).await.status(), 303);
    let library = app.reach("unithead", "unit").await;
    let lib = app.get_json(&office, &format!("/api/v1/units/{library}")).await;
    let window = lib["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap();
    let csv = app.post_form(&office, &format!("/surveys/{survey}/links"), &[("kind", "slips"), ("count", "1200")]).await.text().await.unwrap();
    let tokens: Vec<String> = csv.lines().skip(1).map(|l| l.rsplit("/s/").next().unwrap().trim().trim_matches('"').to_string()).collect();
    assert_eq!(tokens.len(), 1200);

    // The advisory ratings' limit is one across both servers: nginx takes turns between them.
    let anon = common::client(&public);
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let form = anon.get(app.url(&format!("/w/{window}/rate?survey={survey}"))).send().await.unwrap().text().await.unwrap();
        let token = common::token_in(&form).expect("the rating form");
        let mut fields: Vec<(String, String)> = vec![("_csrf".into(), token)];
        for (k, v) in answers().as_object().unwrap() {
            fields.push((k.clone(), v.to_string()));
        }
        let r = anon
            .post(app.url(&format!("/w/{window}/rate?survey={survey}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&fields).unwrap())
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [vec![200; 10], vec![429]].concat(), "ten an hour from one address, whichever server answers");

    // The mixed load, for 24 seconds.
    enqueue(&store, 0, 30).await;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let queue = Arc::new(Mutex::new(tokens));
    let end = Instant::now() + Duration::from_secs(24);
    let mut workers = Vec::new();
    for w in 0..3 {
        let (tally, queue, app) = (tally.clone(), queue.clone(), TestApp::at(&public));
        workers.push(tokio::spawn(async move {
            let c = common::client(&app.base);
            while Instant::now() < end {
                let Some(t) = queue.lock().unwrap().pop() else { break };
                let r = c.post(app.url(&format!("/api/v1/s/{t}"))).json(&json!({"target": window, "answers": answers()})).send().await;
                {
                    let mut k = tally.lock().unwrap();
                    match r.map(|r| r.status().as_u16()) {
                        Ok(201) => {
                            k.ok("response");
                            k.responses.push(t);
                        }
                        Ok(s) => k.other("response", s.to_string()),
                        Err(_) => k.other("response", "network".into()),
                    }
                }
                tokio::time::sleep(Duration::from_millis(50 + 10 * w)).await;
            }
        }));
    }
    for (w, user) in ["member", "student", "teacher", "cadre"].into_iter().enumerate() {
        let (tally, app) = (tally.clone(), TestApp::at(&public));
        workers.push(tokio::spawn(async move {
            while Instant::now() < end {
                let c = common::client(&app.base);
                let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": user, "password": PASSWORD})).send().await;
                let logged_in = match r.map(|r| r.status().as_u16()) {
                    Ok(200) => {
                        tally.lock().unwrap().ok("login");
                        true
                    }
                    Ok(s) => {
                        tally.lock().unwrap().other("login", s.to_string());
                        false
                    }
                    Err(_) => {
                        tally.lock().unwrap().other("login", "network".into());
                        false
                    }
                };
                if !logged_in {
                    continue;
                }
                for page in ["/home", "/tasks", "/api/v1/me", "/announcements"] {
                    match c.get(app.url(page)).send().await.map(|r| r.status().as_u16()) {
                        Ok(200) => tally.lock().unwrap().ok("page"),
                        Ok(s) => tally.lock().unwrap().other("page", format!("{page} {s}")),
                        Err(_) => tally.lock().unwrap().other("page", "network".into()),
                    }
                }
                tokio::time::sleep(Duration::from_millis(100 + 30 * w as u64)).await;
            }
        }));
    }
    for user in ["branchsec", "branchsec2"] {
        let (tally, app) = (tally.clone(), TestApp::at(&public));
        workers.push(tokio::spawn(async move {
            let c = app.login(user).await;
            let tasks: Vec<i64> = app.get_json(&c, "/api/v1/tasks").await.as_array().unwrap().iter().filter_map(|t| t["id"].as_i64()).collect();
            let mut n = 0usize;
            while Instant::now() < end && !tasks.is_empty() {
                let task = tasks[n % tasks.len()];
                n += 1;
                let marker = format!("cluster {user} submission {n}");
                let Ok(token) = c.get(app.url("/home")).send().await else { continue };
                let Some(token) = common::token_in(&token.text().await.unwrap_or_default()) else { continue };
                let form = reqwest::multipart::Form::new()
                    .part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4\n% test\n".to_vec()).file_name("plan.pdf"))
                    .text("body", marker.clone());
                let r = c.post(app.url(&format!("/api/v1/tasks/{task}/submit"))).header("x-csrf-token", token).multipart(form).send().await;
                {
                    let mut k = tally.lock().unwrap();
                    match r.map(|r| r.status().as_u16()) {
                        Ok(200 | 201) => {
                            k.ok("submission");
                            k.submissions.push(marker);
                        }
                        Ok(s) => k.other("submission", s.to_string()),
                        Err(_) => k.other("submission", "network".into()),
                    }
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        }));
    }

    // Six seconds in: server a is told to stop. It finishes what it has, drains and exits 0.
    tokio::time::sleep(Duration::from_secs(6)).await;
    enqueue(&store, 1, 30).await;
    assert!(Command::new("kill").args(["-TERM", &a.child.id().to_string()]).status().unwrap().success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(s) = a.child.try_wait().unwrap() {
            break s;
        }
        assert!(stopped.elapsed() < Duration::from_secs(40), "server a did not stop after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a stop is an orderly exit: {status}\n{}", a.log());
    let log = a.log();
    assert!(log.contains("SIGTERM: no longer accepting connections") && log.contains("stopped"), "{log}");
    a.restart(&db, &public, &smtp);
    a.ready().await;

    // Then server b dies: SIGKILL, in the middle of whatever it was doing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    enqueue(&store, 2, 30).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let killed_pid = b.child.id();
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    b.restart(&db, &public, &smtp);
    b.ready().await;
    for w in workers {
        w.await.unwrap();
    }
    let tally = Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap();
    eprintln!("load: ok {:?}; other {:?}", tally.ok, tally.other);
    assert!(tally.responses.len() > 100, "the survey load ran: {:?}", tally.ok);
    assert!(tally.ok.get("login").copied().unwrap_or(0) > 20 && tally.ok.get("page").copied().unwrap_or(0) > 80, "{:?}", tally.ok);
    assert!(!tally.submissions.is_empty(), "task submissions were acknowledged: {:?}", tally.other);
    // Nothing but the restarts failed: each other answer is nginx finding no server, or a
    // request cut by the kill; or a task that takes no second submission (409) or needs more
    // than a file (422).
    for ((kind, what), n) in &tally.other {
        assert!(matches!(what.as_str(), "502" | "503" | "504" | "network") || (kind == "submission" && matches!(what.as_str(), "409" | "422")), "{kind}: {what} ×{n}");
    }

    // A message the killed server had leased would go again after its lease (two minutes):
    // the test moves that time along.
    let mut w = store.write().await.unwrap();
    let held = w.execute(Sql::new("UPDATE outbox SET lease_until_ms = 0 WHERE sent_ms IS NULL AND leased_by LIKE $1").bind(format!("%/{killed_pid}/%"))).await.unwrap();
    w.commit().await.unwrap();
    eprintln!("messages the killed server held: {held}");

    // Reconciliation: every acknowledged write is stored.
    let mut c = store.read().await.unwrap();
    for t in &tally.responses {
        let hash = pacesetter_domain::audit::sha256_hex(t.as_bytes());
        let used: Option<(Option<time::Date>,)> = c.fetch_optional(Sql::new("SELECT used_on FROM survey_links WHERE token_hash = $1").bind(hash)).await.unwrap();
        assert!(matches!(used, Some((Some(_),))), "an acknowledged response's link is used");
    }
    let stored = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1").bind(survey)).await.unwrap();
    let used = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM survey_links WHERE survey_id = $1 AND used_on IS NOT NULL").bind(survey)).await.unwrap();
    assert_eq!(stored, used, "one response per used link");
    assert!(stored >= tally.responses.len() as i64, "acknowledged {} ≤ stored {stored}", tally.responses.len());
    let bodies: BTreeSet<String> = c.fetch_all::<(Option<String>,)>(Sql::new("SELECT body FROM submissions")).await.unwrap().into_iter().filter_map(|r| r.0).collect();
    for m in &tally.submissions {
        assert!(bodies.contains(m), "an acknowledged submission is stored: {m}");
    }
    // The hourly reminders ran once, though servers started four times.
    let runs = c.fetch_i64(Sql::new("SELECT runs FROM job_leases WHERE name = 'reminders'")).await.unwrap();
    assert_eq!(runs, 1, "the reminders ran once in the hour");
    drop(c);

    // Every message goes out, each under one Message-ID.
    let until = Instant::now() + Duration::from_secs(40);
    while outbox_pending(&store).await > 0 {
        assert!(Instant::now() < until, "the outbox did not drain: {} left", outbox_pending(&store).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut ids: BTreeMap<String, BTreeSet<(Vec<String>, String)>> = BTreeMap::new();
    let mut copies = 0;
    for m in sink.messages.lock().unwrap().iter() {
        ids.entry(m.message_id()).or_default().insert((m.rcpt.clone(), m.subject()));
        copies += 1;
    }
    assert!(ids.values().all(|s| s.len() == 1), "a Message-ID names one message");
    // The Message-IDs are exactly the outbox's messages, each delivered.
    let rows: Vec<outbox::Mail> = store.read().await.unwrap().fetch_all(Sql::new("SELECT * FROM outbox ORDER BY id")).await.unwrap();
    assert!(rows.iter().all(|m| m.sent_ms.is_some()), "every message went out");
    let expected: BTreeSet<String> = rows.iter().map(|m| outbox::message_id(m, "localhost")).collect();
    assert_eq!(ids.keys().cloned().collect::<BTreeSet<_>>(), expected, "one Message-ID per message of the outbox");
    assert!(copies - ids.len() <= held as usize, "only a message the killed server held went twice: {copies} copies of {} messages, {held} held", ids.len());

    // The audit chain verifies.
    let out = Command::new(env!("CARGO_BIN_EXE_pacesetter")).args(["audit", "verify"]).env("DATABASE_URL", &db).env("RUST_LOG", "warn").output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    store.close().await;
}

async fn outbox_pending(store: &Store) -> i64 {
    store.read().await.unwrap().fetch_i64(Sql::new("SELECT COUNT(*) FROM outbox WHERE sent_ms IS NULL")).await.unwrap()
}

/// The nginx site shipped in deploy/ is accepted by Debian's nginx (with a throwaway
/// certificate in place of the university's).
#[test]
fn the_shipped_nginx_site_passes_nginx_t() {
    let Some(nginx_bin) = nginx_binary() else {
        assert!(!testkit::postgres_required(), "CI=true but nginx is not installed");
        eprintln!("skipped: nginx is not installed");
        return;
    };
    let tmp = testkit::TempDir::new();
    let d = tmp.path.display().to_string();
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=cxzy.example.edu.cn"])
        .args(["-keyout", &format!("{d}/key.pem"), "-out", &format!("{d}/cert.pem")])
        .output()
        .expect("openssl");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let site = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/nginx-pacesetter.conf")).unwrap();
    let site = site
        .replace("/etc/ssl/certs/cxzy.example.edu.cn.pem", &format!("{d}/cert.pem"))
        .replace("/etc/ssl/private/cxzy.example.edu.cn.key", &format!("{d}/key.pem"))
        .replace("/var/log/nginx/", &format!("{d}/"));
    std::fs::write(tmp.path.join("site.conf"), site).unwrap();
    std::fs::write(tmp.path.join("main.conf"), format!("pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  include {d}/site.conf;\n}}\n")).unwrap();
    let out = Command::new(nginx_bin).args(["-t", "-p", &d, "-c", &format!("{d}/main.conf")]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
