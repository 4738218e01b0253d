//! The binary as an operator meets it: start-up errors are clear and non-zero, `init` sets up
//! a real deployment without demo data, `audit verify` checks the chain.

use std::process::Command;

fn pacesetter(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacesetter"));
    c.args(args).env_remove("DATABASE_URL").env_remove("PACESETTER_DATA").env("RUST_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run pacesetter");
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn an_unknown_database_scheme_is_an_error_not_an_empty_database() {
    let (code, out) = pacesetter(&["--addr", "127.0.0.1:0"], &[("DATABASE_URL", "mysql://localhost/x")]);
    assert_ne!(code, 0);
    assert!(out.contains("unknown database URL scheme"), "{out}");
}

#[test]
fn a_missing_directory_is_an_error() {
    let (code, out) = pacesetter(&["--addr", "127.0.0.1:0", "--database-url", "sqlite:///nonexistent-dir-for-pacesetter/x.db"], &[]);
    assert_ne!(code, 0);
    assert!(out.contains("does not exist"), "{out}");
    assert!(!std::path::Path::new("/nonexistent-dir-for-pacesetter").exists());
}

#[test]
fn an_unreachable_postgres_is_an_error() {
    let (code, out) = pacesetter(&["--addr", "127.0.0.1:0"], &[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")]);
    assert_ne!(code, 0);
    assert!(out.contains("cannot reach PostgreSQL"), "{out}");
}

#[test]
fn init_creates_the_administrator_and_the_auditor_and_verify_checks_the_chain() {
    let dir = pacesetter_store::testkit::TempDir::new();
    let data = dir.path.display().to_string();
    let (code, out) = pacesetter(&["--data", &data, "init"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("admin") && out.contains("auditor"), "{out}");
    let (code, out) = pacesetter(&["--data", &data, "init"], &[]);
    assert_ne!(code, 0, "a second init is refused: {out}");
    let (code, out) = pacesetter(&["--data", &data, "audit", "verify"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit chain intact: 4 entries"), "{out}");
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let dir = pacesetter_store::testkit::TempDir::new();
    let a = dir.path.join("a");
    let b = dir.path.join("b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let (code, out) = pacesetter(&["--data", &a.display().to_string(), "init"], &[]);
    assert_eq!(code, 0, "{out}");
    let file = dir.path.join("backup.jsonl").display().to_string();
    let (code, out) = pacesetter(&["--data", &a.display().to_string(), "backup", &file], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit_log"), "{out}");
    let (code, out) = pacesetter(&["--data", &b.display().to_string(), "restore", &file], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the audit chain verifies"), "{out}");
    let (code, out) = pacesetter(&["--data", &b.display().to_string(), "restore", &file], &[]);
    assert_ne!(code, 0, "a restore into a database with data is refused: {out}");
    let (code, out) = pacesetter(&["--data", &b.display().to_string(), "audit", "verify"], &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_gbk_roster_with_a_planted_error_is_refused_then_imported_from_the_command_line() {
    let dir = pacesetter_store::testkit::TempDir::new();
    let data = dir.path.display().to_string();
    let (code, out) = pacesetter(&["--data", &data, "--demo-size", "300", "demo"], &[]);
    assert_eq!(code, 0, "{out}");
    // The college of computing's committee, as the generator builds it.
    let d = pacesetter_domain::demo::generate(300);
    let org = d.orgs.iter().find(|o| o.name == "计算机与通信工程学院党委").unwrap();
    let class = d
        .units
        .iter()
        .find(|u| {
            u.kind == pacesetter_domain::unit::UnitKind::Class
                && d.units.iter().any(|p| Some(p.id) == u.parent && d.units.iter().any(|c| Some(c.id) == p.parent && Some(c.id) == org.linked_unit))
        })
        .unwrap();
    let csv = |status: &str| {
        let text = format!("姓名,人员类别,工号/学号,政治面貌,班级\n新同学,学生,201209990001,{status},{}\n", class.name);
        encoding_rs::GBK.encode(&text).0.into_owned()
    };
    let file = dir.path.join("roster.csv");
    std::fs::write(&file, csv("党员群众")).unwrap();
    let f = file.display().to_string();
    let org_id = org.id.to_string();
    let (code, out) = pacesetter(&["--data", &data, "import", "roster", &f, "--org", &org_id, "--dry-run"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("第2行") && out.contains("政治面貌"), "{out}");
    std::fs::write(&file, csv("共青团员")).unwrap();
    let (code, out) = pacesetter(&["--data", &data, "import", "roster", &f, "--org", &org_id, "--dry-run"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("new 1") && out.contains("dry run"), "{out}");
    // The college's people are all in the file? No: everyone else of the college is leaving.
    assert!(out.contains("leaving"), "{out}");
    let (code, out) = pacesetter(&["--data", &data, "import", "roster", &f, "--org", &org_id], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("imported"), "{out}");
    let (code, out) = pacesetter(&["--data", &data, "audit", "verify"], &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn plans_are_checked_and_loaded_from_the_command_line() {
    let plan = concat!(env!("CARGO_MANIFEST_DIR"), "/../../plans/2012-csust.toml");
    let (code, out) = pacesetter(&["plan", "check", plan], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("20 work items") && out.contains("14 task templates"), "{out}");
    let dir = pacesetter_store::testkit::TempDir::new();
    let bad = dir.path.join("bad.toml");
    let text = std::fs::read_to_string(plan).unwrap();
    std::fs::write(&bad, text.replacen("deliverable = \"document\"", "deliverable = \"poem\"", 1)).unwrap();
    let (code, out) = pacesetter(&["plan", "check", &bad.display().to_string()], &[]);
    assert_ne!(code, 0);
    assert!(out.contains("bad.toml:") && out.contains("poem"), "the line and the value: {out}");

    // The demo already runs this plan: loading it again creates nothing.
    let data = dir.path.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let data = data.display().to_string();
    let (code, out) = pacesetter(&["--data", &data, "--demo-size", "300", "--demo-password", "test-password-2012", "demo"], &[]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = pacesetter(&["--data", &data, "plan", "load", plan], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already has this plan; 0 new task(s)"), "{out}");
    // A changed plan waits for --yes, then applies.
    let changed = dir.path.join("changed.toml");
    std::fs::write(&changed, text.replace("due = 2012-03-31", "due = 2012-03-30")).unwrap();
    let (code, out) = pacesetter(&["--data", &data, "plan", "load", &changed.display().to_string()], &[]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("changed   research-applications (due)") && out.contains("--yes"), "{out}");
    let (code, out) = pacesetter(&["--data", &data, "plan", "load", &changed.display().to_string(), "--yes"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("updated"), "{out}");
}

/// Entries cut off the end of the chain leave a shorter chain that verifies by itself: an anchor
/// the auditor kept (its entry's number and hash) finds the cut.
#[test]
fn verify_since_an_anchor_finds_entries_cut_off_the_end() {
    let dir = pacesetter_store::testkit::TempDir::new();
    let data = dir.path.display().to_string();
    assert_eq!(pacesetter(&["--data", &data, "init"], &[]).0, 0);
    let (code, out) = pacesetter(&["--data", &data, "audit", "verify"], &[]);
    assert_eq!(code, 0, "{out}");
    let hash = out.split("last hash ").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    let anchor = dir.path.join("anchor.txt");
    std::fs::write(&anchor, format!("pacesetter audit anchor\nseq: 4\nhash: {hash}\n")).unwrap();
    let (code, out) = pacesetter(&["--data", &data, "audit", "verify", "--since-anchor", &anchor.display().to_string()], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("reaches the anchor file (entry 4)"), "{out}");
    // Someone with the database file removes the triggers and the last two entries.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.path.join("pacesetter.db").display());
        let store = pacesetter_store::Store::open(&url, &pacesetter_store::OpenOptions::default()).await.unwrap();
        let mut w = store.write().await.unwrap();
        for sql in ["DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq > 2"] {
            w.execute(pacesetter_store::Sql::new(sql)).await.unwrap();
        }
        w.commit().await.unwrap();
        store.close().await;
    });
    let (code, out) = pacesetter(&["--data", &data, "audit", "verify"], &[]);
    assert_eq!(code, 0, "the chain alone cannot tell: {out}");
    let (code, out) = pacesetter(&["--data", &data, "audit", "verify", "--since-anchor", &anchor.display().to_string()], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("does NOT reach the anchor file") && out.contains("cut off its end"), "{out}");
    std::fs::write(&anchor, "not an anchor").unwrap();
    let (code, out) = pacesetter(&["--data", &data, "audit", "verify", "--since-anchor", &anchor.display().to_string()], &[]);
    assert_ne!(code, 0);
    assert!(out.contains("is not an anchor"), "{out}");
}

#[test]
fn config_check_reads_the_file_under_the_environment_and_hides_secrets() {
    let dir = pacesetter_store::testkit::TempDir::new();
    let file = dir.path.join("pacesetter.toml");
    std::fs::write(
        &file,
        "addr = \"127.0.0.1:18080\"\npublic_url = \"https://cxzy.csust.edu.cn\"\ndatabase_url = \"postgres://pacesetter:s3cret@db.internal/pacesetter\"\n\
         trusted_proxies = [\"127.0.0.1\"]\nmetrics_addr = \"127.0.0.1:9464\"\nlog_format = \"json\"\nno_demo = true\n",
    )
    .unwrap();
    let f = file.display().to_string();
    let (code, out) = pacesetter(&["--config", &f, "config", "check"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the settings are valid") && out.contains("https://cxzy.csust.edu.cn") && out.contains("127.0.0.1:9464"), "{out}");
    assert!(!out.contains("s3cret"), "no password printed: {out}");
    // The environment wins over the file, and each problem is named.
    let (code, out) = pacesetter(&["--config", &f, "config", "check"], &[("PACESETTER_MAX_UPLOAD_MB", "0"), ("PACESETTER_METRICS_ADDR", "127.0.0.1:18080")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("PACESETTER_MAX_UPLOAD_MB must be between 1 and 1024") && out.contains("must differ from PACESETTER_ADDR"), "{out}");
    // A misspelt key is an error, not a silent default.
    std::fs::write(&file, "adr = \"127.0.0.1:1\"\n").unwrap();
    let (code, out) = pacesetter(&["--config", &f, "config", "check"], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("unknown field `adr`"), "{out}");
}

#[test]
fn json_logs_name_each_request_and_sigterm_stops_in_order() {
    let dir = pacesetter_store::testkit::TempDir::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = dir.path.join("log.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacesetter"))
        .args(["--data", &dir.path.display().to_string(), "--addr", &format!("127.0.0.1:{port}"), "--log-format", "json"])
        .env_remove("DATABASE_URL")
        .env("PACESETTER_DEMO_SIZE", "300")
        .env("PACESETTER_DEMO_PASSWORD", "test-password-2012")
        .env("RUST_LOG", "info")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let get = |path: &str| -> Option<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    };
    while get("/healthz").is_none_or(|r| !r.starts_with("HTTP/1.1 200")) {
        assert!(std::time::Instant::now() < until && child.try_wait().unwrap().is_none(), "the server did not start: {}", std::fs::read_to_string(&log).unwrap_or_default());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // The server started itself again with the allocator's settings, under the same pid.
    if cfg!(all(target_os = "linux", target_env = "gnu")) && std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let environ = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
        let vars: Vec<&[u8]> = environ.split(|b| *b == 0).collect();
        assert!(vars.contains(&&b"MALLOC_ARENA_MAX=2"[..]) && vars.contains(&&b"MALLOC_MMAP_THRESHOLD_=131072"[..]), "the allocator's settings are in force");
    }
    let answer = get("/login?next=%2Fsecret-path").unwrap();
    let id = answer.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("x-request-id: ").map(|v| v.trim().to_string())).expect("a request id");
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert!(!lines.is_empty() && text.lines().filter(|l| l.starts_with('{')).count() == lines.len());
    let request = lines.iter().find(|l| l["span"]["id"] == id.as_str()).unwrap_or_else(|| panic!("the request {id} is logged: {text}"));
    assert_eq!(request["span"]["route"], "/login");
    assert_eq!(request["fields"]["status"], 200);
    assert!(!text.contains("secret-path"), "no query in the log");
    assert!(lines.iter().any(|l| l["fields"]["message"].as_str().is_some_and(|m| m.starts_with("SIGTERM: no longer accepting"))), "{text}");
    assert!(lines.iter().any(|l| l["fields"]["message"] == "stopped"), "{text}");
}

#[test]
fn the_shipped_settings_file_is_valid() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/pacesetter.toml");
    let (code, out) = pacesetter(&["--config", file, "config", "check"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the settings are valid") && out.contains("demo:            never"), "{out}");
}
