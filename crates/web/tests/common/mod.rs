//! The test server: the real application on a random port, on a fresh database of either
//! backend, with a small demo university.

#![allow(dead_code)]

use pacesetter_store::testkit::{self, TempDir};
use pacesetter_web::{Application, Config};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, ORIGIN};
use reqwest::{Client, Response};
use serde_json::Value;

pub const PASSWORD: &str = "test-password-2012";
pub const SIZE: usize = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub backend: Backend,
    /// The database the server uses (empty for a server started elsewhere).
    pub db_url: String,
    _dir: Option<TempDir>,
}

/// Starts the server, or None when the backend is not available here (never under CI=true).
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_with(backend, |_| {}).await
}

pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let dir = TempDir::new();
    let mut config = Config::new("127.0.0.1:0", dir.path.clone());
    config.demo_password = Some(PASSWORD.into());
    config.demo_size = SIZE;
    if backend == Backend::Postgres {
        let Some(base) = testkit::postgres_url() else {
            assert!(!testkit::postgres_required(), "CI=true but PACESETTER_TEST_POSTGRES is not set: the PostgreSQL suite is required");
            eprintln!("skipped: PACESETTER_TEST_POSTGRES is not set");
            return None;
        };
        config.database_url = Some(testkit::postgres_database(&base).await.expect("create a test database"));
    }
    tweak(&mut config);
    let db_url = config.database_url();
    let app = Application::build(config).await.expect("the application starts");
    let addr = app.spawn();
    let base = format!("http://{addr}");
    Some(TestApp { base, backend, db_url, _dir: Some(dir) })
}

/// A browser-like client: keeps cookies, sends our Origin on every request.
pub fn client(base: &str) -> Client {
    // The server's sign-on client shares reqwest's TLS feature with the tests' clients.
    pacesetter_web::sign_on::install_crypto();
    let mut h = HeaderMap::new();
    h.insert(ORIGIN, HeaderValue::from_str(base).unwrap());
    Client::builder().cookie_store(true).default_headers(h).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl TestApp {
    /// A server started by the test itself (SQLite).
    pub fn at(base: &str) -> TestApp {
        TestApp { base: base.to_string(), backend: Backend::Sqlite, db_url: String::new(), _dir: None }
    }

    /// Runs one statement on the server's database: only to move a date into the past (the
    /// server has no clock to wind), never to change what a user entered.
    pub async fn age(&self, sql: &str) {
        let store = pacesetter_store::Store::open(&self.db_url, &pacesetter_store::OpenOptions::default()).await.expect("open the test database");
        let mut w = store.write().await.unwrap();
        w.execute(pacesetter_store::db::Sql::new(sql)).await.unwrap();
        w.commit().await.unwrap();
        store.close().await;
    }

    /// Keeps, of a ballot just opened, only the people of the demo accounts named in its frozen
    /// electorate (with its size and fingerprint recomputed). The demo's electorate is every Party
    /// member of the university, of whom a test can log in only the demo accounts, and a Party vote
    /// counts only when more than half of its electorate took part (issue 18): a test that needs a
    /// count freezes this smaller body, as if the office had chosen it.
    pub async fn electorate_of(&self, selection: i64, usernames: &[&str]) {
        use pacesetter_store::db::Sql;
        let store = pacesetter_store::Store::open(&self.db_url, &pacesetter_store::OpenOptions::default()).await.expect("open the test database");
        let mut w = store.write().await.unwrap();
        let names = usernames.iter().map(|u| format!("'{}'", u.replace('\'', ""))).collect::<Vec<_>>().join(", ");
        w.execute(
            Sql::new(format!(
                "DELETE FROM selection_electorate WHERE selection_id = $1 AND person_id NOT IN (SELECT person_id FROM accounts WHERE person_id IS NOT NULL AND username IN ({names}))"
            ))
            .bind(selection),
        )
        .await
        .unwrap();
        let kept: Vec<(i64, String)> = w
            .fetch_all(Sql::new("SELECT p.id, p.name FROM selection_electorate e JOIN people p ON p.id = e.person_id WHERE e.selection_id = $1 ORDER BY p.id").bind(selection))
            .await
            .unwrap();
        let hash = pacesetter_domain::selection::fingerprint(&kept.iter().map(|(id, name)| format!("{id}\t{name}")).collect::<Vec<_>>());
        w.execute(Sql::new("UPDATE selections SET electorate_size = $1, electorate_hash = $2 WHERE id = $3").bind(kept.len() as i64).bind(hash).bind(selection)).await.unwrap();
        w.commit().await.unwrap();
        store.close().await;
    }

    /// A logged-in client for a person of the roster, given an account by the administrator
    /// (its first password changed, as its holder would at first login).
    pub async fn account_for(&self, person: i64, username: &str) -> Client {
        let admin = self.login("admin").await;
        let r =
            admin.post(self.url("/api/v1/accounts")).json(&serde_json::json!({"username": username, "person_id": person, "password": "initial-Pass-2012x"})).send().await.unwrap();
        assert_eq!(r.status(), 200, "an account for {person}: {}", r.text().await.unwrap_or_default());
        let c = self.login_with(username, "initial-Pass-2012x").await;
        let r = c.post(self.url("/api/v1/me/password")).json(&serde_json::json!({"current": "initial-Pass-2012x", "new": "湘江北去橘子洲头2012"})).send().await.unwrap();
        assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
        c
    }

    /// The mail waiting for an address in the server's outbox, oldest first (what the person
    /// would find in their inbox once the relay delivers it).
    pub async fn mailbox(&self, to: &str) -> Vec<String> {
        let store = pacesetter_store::Store::open(&self.db_url, &pacesetter_store::OpenOptions::default()).await.expect("open the test database");
        let mut c = store.read().await.unwrap();
        let rows: Vec<(String,)> = c.fetch_all(pacesetter_store::db::Sql::new("SELECT body FROM outbox WHERE to_addr = $1 ORDER BY id").bind(to)).await.unwrap();
        drop(c);
        store.close().await;
        rows.into_iter().map(|r| r.0).collect()
    }

    /// The single-use link in the latest mail to an address.
    pub async fn mailed_link(&self, to: &str) -> Option<String> {
        let body = self.mailbox(to).await.pop()?;
        let i = body.find("/s/")? + 3;
        Some(body[i..].chars().take_while(char::is_ascii_hexdigit).collect())
    }

    /// The id at the end of the first reach of `kind` ("org" or "unit") of a user: their branch,
    /// their class, their unit.
    pub async fn reach(&self, user: &str, kind: &str) -> i64 {
        let c = self.login(user).await;
        let me = self.get_json(&c, "/api/v1/me").await;
        let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap_or_else(|| panic!("{user} has no {kind} reach: {me}"));
        r["target"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client logged in as a demo account through the API.
    pub async fn login(&self, username: &str) -> Client {
        let c = client(&self.base);
        let r = c.post(self.url("/api/v1/auth/login")).json(&serde_json::json!({"username": username, "password": PASSWORD})).send().await.unwrap();
        assert_eq!(r.status(), 200, "login as {username}: {}", r.text().await.unwrap_or_default());
        c
    }

    /// A client logged in with a given password.
    pub async fn login_with(&self, username: &str, password: &str) -> Client {
        let c = client(&self.base);
        let r = c.post(self.url("/api/v1/auth/login")).json(&serde_json::json!({"username": username, "password": password})).send().await.unwrap();
        assert_eq!(r.status(), 200, "login as {username}: {}", r.text().await.unwrap_or_default());
        c
    }

    pub async fn get_json(&self, c: &Client, path: &str) -> Value {
        let r = c.get(self.url(path)).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(status.is_success(), "GET {path}: {status} {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"))
    }

    /// A page's form token (every form carries the same one for a session).
    pub async fn csrf(&self, c: &Client, page: &str) -> String {
        let html = c.get(self.url(page)).send().await.unwrap().text().await.unwrap();
        token_in(&html).unwrap_or_else(|| panic!("no form token on {page}"))
    }

    /// Posts a form with the session's token, as the browser would.
    pub async fn post_form(&self, c: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf(c, "/home").await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        c.post(self.url(path)).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(serde_urlencoded::to_string(&all).unwrap()).send().await.unwrap()
    }
}

pub fn token_in(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[i..].chars().take_while(|c| *c != '"').collect())
}

/// Runs a test body that starts its own servers (it takes the backend, not a server) on SQLite
/// and on PostgreSQL, on a runtime with several threads.
#[macro_export]
macro_rules! backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )*};
}

/// Runs a test body on SQLite, and on PostgreSQL when available.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::common::spawn($crate::common::Backend::Sqlite).await.unwrap();
                super::$name(app).await
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::common::spawn($crate::common::Backend::Postgres).await {
                    super::$name(app).await
                }
            }
        }
    )*};
}

/// A message an SMTP client handed to the sink.
#[derive(Clone, Debug)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub data: String,
}

impl Received {
    /// The Subject header line as sent (RFC 2047-encoded when it is Chinese).
    pub fn subject(&self) -> String {
        self.data.lines().find(|l| l.starts_with("Subject:")).unwrap_or("").to_string()
    }

    /// The Message-ID header's value.
    pub fn message_id(&self) -> String {
        self.data.lines().find_map(|l| l.strip_prefix("Message-ID:")).unwrap_or("").trim().to_string()
    }

    /// The body, decoded from base64 when it was sent so.
    pub fn body(&self) -> String {
        let (head, body) = self.data.split_once("\n\n").unwrap_or(("", &self.data));
        if head.contains("base64") {
            use base64::Engine;
            let joined: String = body.lines().map(str::trim).collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap()).unwrap()
        } else {
            body.to_string()
        }
    }
}

/// A minimal SMTP server on loopback that accepts every message and keeps it.
pub struct SmtpSink {
    pub addr: std::net::SocketAddr,
    pub messages: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

pub async fn smtp_sink() -> SmtpSink {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let messages: std::sync::Arc<std::sync::Mutex<Vec<Received>>> = Default::default();
    let store = messages.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        let _ = w.write_all(b"250-sink\r\n250 8BITMIME\r\n").await;
                    } else if upper.starts_with("MAIL FROM") {
                        rcpt.clear();
                        let _ = w.write_all(b"250 OK\r\n").await;
                    } else if upper.starts_with("RCPT TO") {
                        rcpt.push(line[8..].trim().trim_start_matches(':').trim().trim_matches(['<', '>']).to_string());
                        let _ = w.write_all(b"250 OK\r\n").await;
                    } else if upper == "DATA" {
                        let _ = w.write_all(b"354 go on\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        store.lock().unwrap().push(Received { rcpt: rcpt.clone(), data });
                        let _ = w.write_all(b"250 queued\r\n").await;
                    } else if upper == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        let _ = w.write_all(b"250 OK\r\n").await;
                    }
                }
            });
        }
    });
    SmtpSink { addr, messages }
}

/// Writes bytes to a temporary file and runs a poppler tool on it.
pub fn poppler(tool: &str, bytes: &[u8], args: &[&str]) -> String {
    let dir = std::env::temp_dir().join(format!("pacesetter-pdf-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("in.pdf");
    std::fs::write(&file, bytes).unwrap();
    let mut cmd = std::process::Command::new(tool);
    cmd.args(args).arg(&file);
    if tool != "pdffonts" {
        cmd.arg(dir.join("out"));
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{tool}: {e} (install poppler-utils)"));
    let mut text = String::from_utf8_lossy(&out.stdout).to_string();
    if let Ok(t) = std::fs::read_to_string(dir.join("out")) {
        text.push_str(&t);
    }
    if tool == "pdftoppm" {
        let img = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().ends_with(".pgm"))
            .map(|e| std::fs::read(e.path()).unwrap())
            .unwrap_or_default();
        let dark = img.iter().skip(20).filter(|b| **b < 100).count();
        text = format!("dark pixels: {dark}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    text
}

pub fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// A 1×1 grey PNG.
pub fn png_1x1() -> Vec<u8> {
    vec![
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 58, 126, 155, 85, 0, 0, 0, 10, 73, 68, 65, 84, 120, 156, 99, 248, 15,
        0, 1, 1, 1, 0, 177, 56, 246, 20, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
    ]
}

/// A JPEG whose APP1 segment carries an EXIF block with a GPS marker.
pub fn jpeg_with_exif() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x06, b'J', b'F', b'I', b'F'];
    let exif = b"Exif\0\0GPSLatitude 28.18N";
    b.extend_from_slice(&[0xFF, 0xE1]);
    b.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(exif);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 0xFF, 0xD9]);
    b
}
