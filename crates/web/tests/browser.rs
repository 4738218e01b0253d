//! The main user path in headless Chromium at phone width under WeChat's user agent: a branch
//! secretary logs in, opens their branch, edits a member, sees the change, and is refused
//! another branch's page; every page stays within a 375 px viewport.
//!
//! Driven through ChromeDriver's W3C WebDriver protocol with a few lines of our own. Skipped
//! when chromedriver is not installed, except under CI=true, where it is required.

mod common;

use common::{Backend, PASSWORD, TestApp};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const WECHAT_UA: &str = "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560 WeChat/arm64 NetType/WIFI Language/zh_CN";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: pacesetter_store::testkit::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(bin: &str) -> Option<String> {
    ["/usr/bin/", "/usr/local/bin/", "/usr/lib/chromium/"].iter().map(|d| format!("{d}{bin}")).find(|p| std::path::Path::new(p).exists())
}

impl Driver {
    async fn start() -> Option<Driver> {
        let (Some(driver), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
            assert!(!pacesetter_store::testkit::postgres_required(), "CI=true but chromium or chromedriver is missing: the browser suite is required");
            eprintln!("skipped: chromium/chromedriver not installed");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        pacesetter_web::sign_on::install_crypto();
        let http = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                if r.json::<Value>().await.map(|v| v["value"]["ready"] == true).unwrap_or(false) {
                    ready = true;
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not become ready");
        let profile = pacesetter_store::testkit::TempDir::new();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.path.display())],
                "mobileEmulation": {"deviceMetrics": {"width": 375, "height": 812, "pixelRatio": 2.0}, "userAgent": WECHAT_UA}
            }
        }}});
        let r: Value = http.post(format!("{base}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let session = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {r}")).to_string();
        Some(Driver { child, base, session, http, _profile: profile })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self.cmd(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {v}")).to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{e}/clear"), Some(json!({}))).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{e}/value"), Some(json!({"text": text}))).await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{e}/click"), Some(json!({}))).await;
    }

    /// Clicks something that loads a new page, and waits (up to 10 s) until the new page has loaded,
    /// so that what follows reads the answer rather than the form that was submitted.
    async fn submit(&self, css: &str) {
        self.js("window.__before_submit = true; return 1").await;
        self.click(css).await;
        for _ in 0..100 {
            let v = self.js("return (window.__before_submit === undefined) && document.readyState === 'complete'").await;
            if v.as_bool() == Some(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("clicking {css} did not load a page");
    }

    async fn js(&self, script: &str) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": []}))).await
    }

    async fn text(&self) -> String {
        self.js("return document.body.innerText").await.as_str().unwrap_or("").to_string()
    }

    /// Waits (up to 5 s) for the page to show some text, as a navigation may still be running.
    async fn wait_for(&self, needle: &str) -> bool {
        for _ in 0..50 {
            if self.text().await.contains(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    async fn path(&self) -> String {
        self.js("return location.pathname + location.search").await.as_str().unwrap_or("").to_string()
    }

    /// Asserts the page does not scroll sideways at 375 px, and saves a screenshot to look at.
    async fn check_width(&self, name: &str) {
        let w = self.js("return [document.documentElement.scrollWidth, window.innerWidth]").await;
        let (scroll, inner) = (w[0].as_i64().unwrap(), w[1].as_i64().unwrap());
        assert_eq!(inner, 375, "the viewport is a phone's");
        assert!(scroll <= 375, "{name} ({}) scrolls sideways: scrollWidth {scroll}", self.path().await);
        let png = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        if let Some(b64) = png.as_str() {
            use base64::Engine;
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64) {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(dir.join(format!("{name}.png")), bytes);
            }
        }
    }

    async fn login(&self, app: &TestApp, user: &str) {
        self.goto(&app.url("/logout-page-does-not-exist")).await;
        let _ = self.js("document.cookie = ''").await;
        self.goto(&app.url("/login")).await;
        self.type_into("#username", user).await;
        self.type_into("#password", PASSWORD).await;
        self.click("form[action='/login'] button[type=submit]").await;
        for _ in 0..50 {
            if self.path().await.starts_with("/home") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let p = self.path().await;
        assert!(p.starts_with("/home"), "{user} logged in and landed on {p}: {}", self.text().await);
    }

    async fn logout(&self) {
        self.submit("form[action='/logout'] button").await;
    }
}

#[tokio::test]
async fn browser_branch_secretary_edits_a_member_and_is_refused_another_branch() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    // Ids of the records the walk visits, read through the API.
    let sec = app.login("branchsec").await;
    let me = app.get_json(&sec, "/api/v1/me").await;
    let branch_path = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "org").unwrap()["target"].as_str().unwrap().to_string();
    let branch: i64 = branch_path.trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap();
    let member = app.get_json(&app.login("member").await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let other = app.get_json(&app.login("branchsec2").await, "/api/v1/me").await;
    let other_path = other["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "org").unwrap()["target"].as_str().unwrap().to_string();
    let other_branch: i64 = other_path.trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap();

    d.goto(&app.url("/login")).await;
    d.check_width("login").await;
    d.login(&app, "branchsec").await;
    d.check_width("home-branchsec").await;
    assert!(d.text().await.contains("工作台"));

    // Their branch, from the desk.
    d.submit(&format!("a[href='/orgs/{branch}']")).await;
    assert_eq!(d.path().await, format!("/orgs/{branch}"));
    d.check_width("branch").await;
    assert!(d.text().await.contains("成员"));

    // A member's record, then its edit form.
    d.goto(&app.url(&format!("/people/{member}"))).await;
    d.check_width("person").await;
    d.submit(&format!("a[href='/people/{member}/edit']")).await;
    d.check_width("person-edit").await;
    d.type_into("#phone", "13912345678").await;
    d.submit("form.card button[type=submit]").await;
    assert!(d.path().await.starts_with(&format!("/people/{member}")), "{}", d.path().await);
    let t = d.text().await;
    assert!(t.contains("已保存") && t.contains("13912345678"), "{t}");

    // Bad input is shown next to the field, and what was typed is kept.
    d.goto(&app.url(&format!("/people/{member}/edit"))).await;
    d.type_into("#email", "wang@csust").await; // the browser accepts it; the server does not
    d.submit("form.card button[type=submit]").await;
    let t = d.text().await;
    assert!(t.contains("电子邮箱格式不正确"), "{t}");
    d.check_width("person-edit-error").await;

    // Another branch: refused, and nothing of it shown.
    d.goto(&app.url(&format!("/orgs/{other_branch}"))).await;
    let t = d.text().await;
    assert!(t.contains("未找到") || t.contains("没有权限"), "{t}");
    d.check_width("refused").await;

    // The list, its filters, and the English switch.
    d.goto(&app.url("/people")).await;
    d.check_width("people").await;
    d.submit("form[action='/lang'] button").await;
    assert!(d.wait_for("People").await, "{}", d.text().await);
    d.check_width("people-en").await;
    d.submit("form[action='/lang'] button").await;
    assert!(d.wait_for("人员").await);
    d.logout().await;

    // Every page of the other roles stays within the phone's width too.
    let class = app.get_json(&app.login("cadre").await, "/api/v1/me").await["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "unit").unwrap()["target"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let (branch_page, class_page, person_page, person_edit) = (format!("/orgs/{branch}"), format!("/units/{class}"), format!("/people/{member}"), format!("/people/{member}/edit"));
    for (user, pages) in [
        (
            "office",
            vec![
                "/home",
                "/orgs",
                "/units",
                "/people",
                "/relations",
                "/accounts",
                "/directory?q=王",
                "/people/new",
                branch_page.as_str(),
                class_page.as_str(),
                person_page.as_str(),
                person_edit.as_str(),
                "/units/1",
                "/orgs/1",
            ],
        ),
        ("auditor", vec!["/home", "/audit", "/audit?verify=1"]),
        ("admin", vec!["/accounts", "/accounts/1"]),
        ("cadre", vec!["/home", "/password", class_page.as_str()]),
        ("student", vec!["/home", "/people", "/directory?q=李"]),
    ] {
        d.login(&app, user).await;
        for p in pages {
            d.goto(&app.url(p)).await;
            let name = format!("{user}{}", p.replace(['/', '?', '=', '&'], "-"));
            d.check_width(&name).await;
        }
        d.logout().await;
    }
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_college_secretary_uploads_a_roster_and_sees_its_preview() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    // A roster with one good newcomer and one planted problem (an unknown class).
    let sec = app.login("orgsec").await;
    let me = app.get_json(&sec, "/api/v1/me").await;
    let unit: i64 = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "unit").unwrap()["target"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let college = app.get_json(&sec, &format!("/api/v1/units/{unit}")).await;
    let dept = college["children"].as_array().unwrap().iter().find(|c| c["kind"] == "department").unwrap()["id"].as_i64().unwrap();
    let class = app.get_json(&sec, &format!("/api/v1/units/{dept}")).await["children"].as_array().unwrap().iter().find(|c| c["kind"] == "class").unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string();
    let headers = ["姓名", "人员类别", "工号/学号", "政治面貌", "班级"].iter().map(|s| s.to_string()).collect();
    let rows = vec![
        vec!["浏览器新生".to_string(), "学生".into(), "201299880001".into(), "共青团员".into(), class.clone()],
        vec!["班级写错".to_string(), "学生".into(), "201299880002".into(), "共青团员".into(), "没有这个班".into()],
    ];
    let bytes = pacesetter_web::export::Sheet { name: "名册".into(), headers, rows }.to_xlsx().unwrap();
    let dir = pacesetter_store::testkit::TempDir::new();
    let path = dir.path.join("roster.xlsx");
    std::fs::write(&path, bytes).unwrap();

    d.login(&app, "orgsec").await;
    d.submit("a[href='/import']").await;
    d.check_width("import").await;
    let input = d.find("#file").await;
    d.cmd(reqwest::Method::POST, &format!("/element/{input}/value"), Some(json!({"text": path.display().to_string()}))).await;
    d.submit("form[enctype='multipart/form-data'] button[type=submit]").await;
    let p = d.path().await;
    assert!(p.starts_with("/import/"), "landed on {p}: {}", d.text().await);
    let t = d.text().await;
    assert!(t.contains("有问题，不能导入"), "{t}");
    assert!(t.contains("找不到班级“没有这个班”"), "{t}");
    d.check_width("import-preview-problems").await;
    d.submit("a[href$='?show=new']").await;
    assert!(d.text().await.contains("浏览器新生"));
    d.check_width("import-preview-new").await;
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_a_secretary_hands_in_the_implementation_plan_until_it_is_accepted() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    let sec = app.login("orgsec").await;
    let me = app.get_json(&sec, "/api/v1/me").await;
    let college: i64 = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "org").unwrap()["target"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let tasks = app.get_json(&sec, "/api/v1/tasks").await;
    let task = tasks.as_array().unwrap().iter().find(|t| t["code"] == "implementation-plan").unwrap()["id"].as_i64().unwrap();
    let campaign = tasks.as_array().unwrap()[0]["campaign_id"].as_i64().unwrap();
    let dir = pacesetter_store::testkit::TempDir::new();
    let pdf = dir.path.join("实施方案.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% browser\n").unwrap();
    let html = dir.path.join("fake.pdf");
    std::fs::write(&html, b"<html><body>not a pdf</body></html>").unwrap();
    let attach = |path: std::path::PathBuf| {
        let d = &d;
        async move {
            let input = d.find("#files").await;
            d.cmd(reqwest::Method::POST, &format!("/element/{input}/value"), Some(json!({"text": path.display().to_string()}))).await;
        }
    };

    // The secretary finds the task among theirs, soonest due first, and hands in a fake PDF first.
    d.login(&app, "orgsec").await;
    d.submit("nav a[href='/tasks']").await;
    d.check_width("my-tasks").await;
    assert!(d.text().await.contains("示范点创建工作实施方案"));
    d.submit(&format!("a[href='/tasks/{task}']")).await;
    d.check_width("task-open").await;
    attach(html.clone()).await;
    d.submit("#submit button[type=submit]").await;
    let t = d.text().await;
    assert!(t.contains("不是允许的文件类型"), "{t}");
    d.check_width("task-refused").await;
    attach(pdf.clone()).await;
    d.submit("#submit button[type=submit]").await;
    let t = d.text().await;
    assert!(t.contains("已提交，等待审核") && t.contains("实施方案.pdf"), "{t}");
    d.check_width("task-submitted").await;
    d.logout().await;

    // The office returns it from the review queue with a comment.
    d.login(&app, "office").await;
    d.goto(&app.url("/reviews")).await;
    d.check_width("reviews").await;
    d.goto(&app.url(&format!("/tasks/{task}"))).await;
    d.type_into("#comment", "请补充各支部的时间安排").await;
    d.submit("#review button[value=return]").await;
    // Issue 18: a step says what will happen before anything does.
    let t = d.text().await;
    assert!(t.contains("将退回以下 1 项任务") && t.contains("请补充各支部的时间安排"), "{t}");
    d.check_width("confirm-return").await;
    d.submit("#confirm").await;
    assert!(d.text().await.contains("已退回"), "{}", d.text().await);
    d.logout().await;

    // The secretary sees why, and resubmits.
    d.login(&app, "orgsec").await;
    d.goto(&app.url("/notifications")).await;
    assert!(d.text().await.contains("请补充各支部的时间安排"));
    d.check_width("notifications").await;
    d.submit(&format!("a[href='/tasks/{task}']")).await;
    assert!(d.text().await.contains("修改后重新提交"));
    attach(pdf.clone()).await;
    d.submit("#submit button[type=submit]").await;
    assert!(d.text().await.contains("已提交，等待审核"));
    d.logout().await;

    // The office accepts; the dashboard shows it at the school and at the college.
    d.login(&app, "office").await;
    d.goto(&app.url(&format!("/tasks/{task}"))).await;
    d.submit("#review button[value=accept]").await;
    assert!(d.text().await.contains("将通过以下 1 项任务"));
    d.submit("#confirm").await;
    assert!(d.text().await.contains("已通过"));
    d.goto(&app.url(&format!("/campaigns/{campaign}/dashboard"))).await;
    d.check_width("dashboard-school").await;
    assert!(d.js("return document.querySelector('svg.chart') !== null").await.as_bool().unwrap());
    d.submit(&format!("table a[href$='node={college}']")).await;
    d.check_width("dashboard-college").await;
    let row = d.js("return Array.from(document.querySelectorAll('tr')).map(r => r.innerText).find(t => t.includes('实施方案')) || ''").await;
    let row = row.as_str().unwrap().to_string();
    assert!(row.split_whitespace().any(|c| c == "1"), "the college's row counts it: {row}");
    for p in [format!("/campaigns/{campaign}"), format!("/campaigns/{campaign}/calendar"), "/campaigns".into(), "/tasks".into()] {
        d.goto(&app.url(&p)).await;
        d.check_width(&format!("office{}", p.replace('/', "-"))).await;
    }
    d.logout().await;
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_a_student_answers_the_window_survey_at_phone_width() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    // The office runs the window questionnaire for every window, with the student invited.
    let office = app.login("office").await;
    let token = app.csrf(&office, "/home").await;
    let form = |pairs: &[(&str, &str)]| {
        let mut all = vec![("_csrf".to_string(), token.clone())];
        all.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        serde_urlencoded::to_string(&all).unwrap()
    };
    let post = |path: String, body: String| {
        let office = office.clone();
        let url = app.url(&path);
        async move {
            let r = office.post(url).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
            assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
            r.headers()["location"].to_str().unwrap().to_string()
        }
    };
    let at = post("/surveys".into(), form(&[("template", "window-satisfaction"), ("owner", "office")])).await;
    let id: i64 = at.trim_start_matches("/surveys/").split('?').next().unwrap().parse().unwrap();
    let student = app.get_json(&app.login("student").await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let number = app.get_json(&office, &format!("/api/v1/people/{student}")).await["number"].as_str().unwrap().to_string();
    post(format!("/surveys/{id}/targets"), form(&[])).await;
    post(format!("/surveys/{id}/audience"), form(&[("mode", "numbers"), ("numbers", &number)])).await;
    post(format!("/surveys/{id}/open"), form(&[("confirmed", "1")])).await;

    d.login(&app, "student").await;
    d.submit("nav a[href='/surveys']").await;
    d.check_width("surveys-student").await;
    assert!(d.text().await.contains("待作答"));
    d.submit(&format!("a[href='/surveys/{id}/answer']")).await;
    d.check_width("survey-answer").await;
    // Submitting with nothing chosen names the questions, and keeps the page usable.
    d.js("var t = document.querySelector('#target'); if (t) { t.selectedIndex = 1; } return 1").await;
    d.submit("form.survey button[type=submit]").await;
    assert!(d.text().await.contains("此题必答"));
    d.check_width("survey-answer-errors").await;
    d.js("var t = document.querySelector('#target'); if (t) { t.selectedIndex = 1; } return 1").await;
    for q in 1..=9 {
        d.click(&format!("input[name=q{q}][value='{}']", if q == 9 { 1 } else { 0 })).await;
    }
    d.type_into("textarea[name=q10]", "图书馆借还书窗口服务很好。").await;
    let target = d.js("return document.querySelector('[name=target]').value").await.as_str().unwrap().to_string();
    d.submit("form.survey button[type=submit]").await;
    assert!(d.text().await.contains("已提交"), "{}", d.text().await);
    d.check_width("survey-done").await;
    d.goto(&app.url(&format!("/surveys/{id}/answer?target={target}"))).await;
    assert!(d.text().await.contains("只能作答一次"), "the same window cannot be rated twice");
    d.logout().await;

    // The window's QR page without login takes an advisory rating only.
    let window = app
        .get_json(
            &office,
            &format!("/api/v1/units/{}", {
                let head = app.get_json(&app.login("unithead").await, "/api/v1/me").await;
                head["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "unit" && r["access"] == "write").unwrap()["target"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            }),
        )
        .await["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "window")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    d.goto(&app.url(&format!("/w/{window}"))).await;
    d.check_width("window-page").await;
    d.goto(&app.url(&format!("/w/{window}/rate"))).await;
    let html = d.js("return document.documentElement.outerHTML").await.as_str().unwrap_or("").to_string();
    // A visitor without a session gets the browser's language (English here).
    assert!(html.contains("只作参考") || html.contains("this rating is advisory"), "{}", d.path().await);
    // Said politely, not as an error in red.
    assert!(html.contains("class=\"note-info\"") && !html.contains("class=\"errors\""), "{}", d.path().await);
    d.check_width("window-rate-advisory").await;

    // The office's pages of the survey fit the phone too.
    d.login(&app, "office").await;
    for p in [format!("/surveys/{id}"), format!("/surveys/{id}/results"), format!("/surveys/{id}/paper"), "/surveys".into(), "/samples".into()] {
        d.goto(&app.url(&p)).await;
        d.check_width(&format!("office{}", p.replace('/', "-"))).await;
    }
    d.logout().await;
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_a_member_commits_reports_progress_and_sees_the_board_at_phone_width() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    d.login(&app, "member").await;
    d.submit("nav a[href='/commitments']").await;
    d.check_width("commitments-member").await;
    assert!(d.text().await.contains("新增一项承诺"));
    // Handing in an empty commitment names what is missing and keeps the page usable.
    d.submit("form[action='/commitments'] button[name=submit][value='1']").await;
    assert!(d.text().await.contains("请填写承诺内容"), "{}", d.text().await);
    d.check_width("commitments-member-errors").await;
    d.js("document.querySelector(\"form[action='/commitments'] select[name=category]\").selectedIndex = 1; document.querySelector(\"form[action='/commitments'] input[name=due]\").value = '2012-12-20'; return 1").await;
    d.type_into("form[action='/commitments'] textarea[name=content]", "每月精读一本理论著作并撰写读书笔记").await;
    d.type_into("form[action='/commitments'] textarea[name=measures]", "制定读书计划，参加支部集中学习").await;
    d.type_into("form[action='/commitments'] input[name=target]", "全年12本").await;
    d.submit("form[action='/commitments'] button[name=submit][value='1']").await;
    assert!(d.text().await.contains("待审核"), "{}", d.text().await);
    d.check_width("commitment-under-review").await;
    let path = d.path().await;
    let id: i64 = path.trim_start_matches("/commitments/").split('?').next().unwrap().parse().unwrap();

    // The branch secretary approves it (over HTTP); the member reports progress on the phone.
    let sec = app.login("branchsec").await;
    let r = app.post_form(&sec, "/commitments/review", &[("confirmed", "1"), ("ids", &id.to_string()), ("action", "approve")]).await;
    assert_eq!(r.status(), 303);
    d.goto(&app.url(&format!("/commitments/{id}"))).await;
    assert!(d.text().await.contains("已通过"));
    d.type_into("#percent", "50").await;
    d.type_into("#text", "已读完三本，笔记三篇").await;
    d.submit("form[action^='/commitments/'][enctype] button[type=submit]").await;
    assert!(d.text().await.contains("已读完三本"), "{}", d.text().await);
    assert!(d.text().await.contains("践诺中"));
    d.check_width("commitment-progress").await;
    let branch = app.get_json(&sec, &format!("/api/v1/commitments/{id}")).await["org_id"].as_i64().unwrap();
    d.goto(&app.url(&format!("/boards/{branch}"))).await;
    assert!(d.text().await.contains("每月精读一本理论著作"));
    d.check_width("board").await;
    d.logout().await;

    // The secretary's pages fit the phone too.
    d.login(&app, "orgsec").await;
    for p in ["/commitments", "/commitments/review", "/commitments/coverage", "/commitments/dashboard", "/commitments/requirements"] {
        d.goto(&app.url(p)).await;
        d.check_width(&format!("orgsec{}", p.replace('/', "-"))).await;
    }
    d.logout().await;
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_a_member_casts_a_ballot_at_phone_width() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    // The office starts a 十佳学习明星 selection; the college nominates two members; both are
    // found eligible and the ballot opens (over HTTP).
    let office = app.login("office").await;
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date();
    let t = format!("{:04}-{:02}-{:02}", today.year(), today.month() as u8, today.day());
    let r = app.post_form(&office, "/selections", &[("category", "study-stars"), ("quota", "1"), ("nominate_until", &t), ("vote_from", &t), ("vote_until", &t)]).await;
    assert_eq!(r.status(), 303);
    let id: i64 = r.headers()["location"].to_str().unwrap().trim_start_matches("/selections/").split('?').next().unwrap().parse().unwrap();
    let orgsec = app.login("orgsec").await;
    let me = app.get_json(&orgsec, "/api/v1/me").await;
    let college: i64 = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "org" && r["access"] == "write").unwrap()["target"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let q = format!("q{college}");
    assert_eq!(app.post_form(&office, &format!("/selections/{id}/quotas"), &[(q.as_str(), "2")]).await.status(), 303);
    let people = app.get_json(&orgsec, &format!("/api/v1/people?org_id={college}&political_status=01&per_page=10")).await;
    let numbers: Vec<String> = people["items"].as_array().unwrap().iter().map(|p| p["number"].as_str().unwrap().to_string()).collect();
    for (n, reasons) in numbers.iter().take(2).zip(["潜心学习，成果丰硕", "带领同学开展读书活动"]) {
        let r = app.post_form(&orgsec, &format!("/selections/{id}/nominations"), &[("by_org", &college.to_string()), ("person_number", n), ("reasons", reasons)]).await;
        assert_eq!(r.status(), 303);
    }
    let html = office.get(app.url(&format!("/selections/{id}"))).send().await.unwrap().text().await.unwrap();
    let noms: std::collections::BTreeSet<i64> = html.split("/review\"").filter_map(|s| s.rsplit("/nominations/").next()).filter_map(|s| s.parse().ok()).collect();
    for n in &noms {
        assert_eq!(app.post_form(&office, &format!("/selections/{id}/nominations/{n}/review"), &[("decision", "eligible")]).await.status(), 303);
    }
    assert_eq!(app.post_form(&office, &format!("/selections/{id}/open"), &[("confirmed", "1")]).await.status(), 303);
    let mut voter = None;
    for u in ["member", "branchsec", "orgsec", "branchsec2", "office"] {
        let c = app.login(u).await;
        if app.get_json(&c, &format!("/api/v1/selections/{id}")).await["me"]["in_electorate"] == true {
            voter = Some(u);
            break;
        }
    }
    let voter = voter.expect("a demo account has a vote");

    // On the phone: the list says a ballot waits; casting none is refused with a message; one
    // choice is accepted; the page then says the ballot is secret and cast.
    d.login(&app, voter).await;
    d.submit("nav a[href='/selections']").await;
    assert!(d.text().await.contains("待您投票"), "{}", d.text().await);
    d.check_width("selections").await;
    d.submit(&format!("a[href='/selections/{id}']")).await;
    assert!(d.text().await.contains("投出选票"));
    d.check_width("ballot").await;
    d.submit("#ballot button[type=submit]").await;
    assert!(d.text().await.contains("请至少选择一名候选人"), "{}", d.text().await);
    d.check_width("ballot-error").await;
    d.click("#ballot input[name=choice]").await;
    d.submit("#ballot button[type=submit]").await;
    assert!(d.text().await.contains("您的选票已投出"), "{}", d.text().await);
    assert!(d.text().await.contains("您已投票"));
    d.check_width("ballot-cast").await;
    let s = app.get_json(&office, &format!("/api/v1/selections/{id}")).await;
    assert_eq!(s["took_part"], 1);
    d.logout().await;
    // The office's view of the selection fits the phone too.
    d.login(&app, "office").await;
    d.goto(&app.url(&format!("/selections/{id}"))).await;
    d.check_width("selection-office").await;
    d.logout().await;
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_a_student_appraises_a_window_at_phone_width() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    let office = app.login("office").await;
    let unithead = app.login("unithead").await;
    let me = app.get_json(&unithead, "/api/v1/me").await;
    let library: i64 = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "unit" && r["access"] == "write").unwrap()["target"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date();
    let t = format!("{:04}-{:02}-{:02}", today.year(), today.month() as u8, today.day());
    let lib = library.to_string();
    let r = app
        .post_form(
            &office,
            "/appraisals",
            &[
                ("title", "图书馆窗口三评"),
                ("kind", "window"),
                ("unit", &lib),
                ("w_masses", "50"),
                ("w_peers", "30"),
                ("w_leaders", "20"),
                ("w_own", "0"),
                ("criteria", "服务态度:60\n办事效率:40"),
                ("opens", &t),
                ("closes", &t),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id: i64 = r.headers()["location"].to_str().unwrap().trim_start_matches("/appraisals/").split('?').next().unwrap().parse().unwrap();
    d.login(&app, "student").await;
    d.submit("nav a[href='/appraisals']").await;
    d.check_width("appraisals").await;
    d.submit(&format!("a[href='/appraisals/{id}']")).await;
    assert!(d.text().await.contains("我参加的评议"), "{}", d.text().await);
    d.check_width("appraisal-round").await;
    d.submit(&format!("a[href^='/appraisals/{id}/subjects/']")).await;
    assert!(d.text().await.contains("服务态度"));
    d.submit("form[action^='/appraisals/'] button[type=submit]").await;
    assert!(d.text().await.contains("请为此项评分"), "{}", d.text().await);
    d.check_width("appraisal-form-errors").await;
    d.click("input[name=c0][value='0']").await;
    d.click("input[name=c1][value='1']").await;
    d.submit("form[action^='/appraisals/'] button[type=submit]").await;
    assert!(d.text().await.contains("已评议"), "{}", d.text().await);
    d.check_width("appraisal-done").await;
    d.logout().await;
    d.login(&app, "office").await;
    d.goto(&app.url(&format!("/appraisals/{id}"))).await;
    assert!(d.text().await.contains("综合得分"));
    d.check_width("appraisal-results").await;
    d.logout().await;
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}

/// Elements one taps that are under 44 px high on the page shown (buttons, the menu, choices,
/// boxes with their labels, the desk's lines); a link inside a sentence is exempt.
const SMALL_TARGETS: &str = "var out = []; \
  document.querySelectorAll('nav a, .btn, button, .choice, .check, .desk-list li, .pager a, select, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), textarea').forEach(function (e) { \
    var r = e.getBoundingClientRect(); \
    if (r.width > 0 && r.height > 0 && r.height < 43.5 && getComputedStyle(e).visibility !== 'hidden') { out.push((e.tagName + '.' + e.className + ' ' + (e.textContent || e.name || '')).trim().slice(0, 60) + ' ' + Math.round(r.height)); } \
  }); return out;";

/// Issue 18: every role's first page shows what waits for them, at phone width with every tap
/// target at least 44 px; the nomination form's name picker and a long tree choice's filter work
/// in the browser.
#[tokio::test]
async fn browser_every_role_finds_its_work_on_its_first_page() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    let office = app.login("office").await;
    // The office opens a survey to everyone and a nomination open to anyone.
    let r = office.post(app.url("/api/v1/surveys")).json(&json!({"title": "首页巡检问卷"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let survey = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = office
        .post(app.url(&format!("/api/v1/surveys/{survey}/questions")))
        .json(&json!({"action": "add", "kind": "single", "text": "满意吗", "options": ["满意", "不满意"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let units = app.get_json(&office, "/api/v1/units").await;
    let root = units.as_array().unwrap().iter().find(|n| n["parent_id"].is_null()).unwrap()["id"].as_i64().unwrap();
    let r = office.post(app.url(&format!("/api/v1/surveys/{survey}/audience"))).json(&json!({"mode": "unit", "node": root})).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(office.post(app.url(&format!("/api/v1/surveys/{survey}/open"))).json(&json!({})).send().await.unwrap().status(), 200);
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    let r = office
        .post(app.url("/api/v1/selections"))
        .json(&json!({"category": "excellent-member-beside-me", "nominate_until": day(today + time::Duration::days(3)), "vote_from": day(today + time::Duration::days(5)), "vote_until": day(today + time::Duration::days(9))}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let selection = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // What each first page must show.
    let people = ["首页巡检问卷", "开放推荐"];
    let roles: [(&str, Vec<&str>); 11] = [
        ("member", people.to_vec()),
        ("student", people.to_vec()),
        ("teacher", people.to_vec()),
        ("branchsec", vec!["首页巡检问卷", "项任务逾期"]),
        ("orgsec", vec!["首页巡检问卷", "项任务逾期"]),
        ("office", vec!["项任务逾期", "进度落后的下级组织"]),
        ("leader", vec!["项任务逾期"]),
        ("cadre", vec!["干部联系班级", "首页巡检问卷"]),
        ("unithead", vec!["单位负责人", "首页巡检问卷"]),
        ("contact", vec!["支部联系人", "首页巡检问卷"]),
        ("auditor", vec!["审计日志"]),
    ];
    for (user, wanted) in roles {
        d.login(&app, user).await;
        let text = d.text().await;
        for w in wanted {
            assert!(text.contains(w), "{user}'s first page shows {w}: {text}");
        }
        d.check_width(&format!("home-{user}")).await;
        let small = d.js(SMALL_TARGETS).await;
        assert_eq!(small, json!([]), "{user}'s first page: tap targets under 44 px");
        d.logout().await;
    }

    // The student finds the member by name on the nomination form (the picker asks the server
    // as they type) and nominates them without knowing a number.
    let member = app.get_json(&app.login("member").await, "/api/v1/me").await;
    let (name, person) = (member["display_name"].as_str().unwrap().to_string(), member["person_id"].as_i64().unwrap());
    d.login(&app, "student").await;
    d.goto(&app.url(&format!("/selections/{selection}"))).await;
    d.click("details#nominate > summary").await;
    d.type_into("#who", &name).await;
    let radio = format!("#who-list input[type=radio][value='{person}']");
    let mut found = false;
    for _ in 0..50 {
        if d.js(&format!("return document.querySelector(\"{radio}\") !== null")).await.as_bool() == Some(true) {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "the picker lists {name}: {}", d.text().await);
    d.click(&radio).await;
    d.type_into("#reasons", "热心帮助同学，带头学习").await;
    let small = d.js(SMALL_TARGETS).await;
    assert_eq!(small, json!([]), "the nomination form: tap targets under 44 px");
    d.check_width("nomination-picker").await;
    d.submit("details#nominate form[method=post] button[type=submit]").await;
    let list = app.get_json(&office, &format!("/api/v1/selections/{selection}/nominations")).await;
    assert!(list.to_string().contains(&name), "nominated by name: {list}");
    d.logout().await;

    // The office's survey audience: a long tree choice narrowed by typing.
    let r = office.post(app.url("/api/v1/surveys")).json(&json!({"title": "筛选测试"})).send().await.unwrap();
    let draft = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    d.login(&app, "office").await;
    d.goto(&app.url(&format!("/surveys/{draft}"))).await;
    let before = d.js("return document.querySelectorAll('#pick option').length").await.as_i64().unwrap();
    d.type_into("select#pick ~ x, .select-filter", "图书馆").await;
    let after = d.js("return document.querySelectorAll('#pick option').length").await.as_i64().unwrap();
    assert!(after < before && after > 1, "the filter keeps the matching choices: {before} → {after}");
    let labels = d.js("return Array.from(document.querySelectorAll('#pick option')).slice(1).map(o => o.textContent)").await;
    assert!(labels.as_array().unwrap().iter().all(|l| l.as_str().unwrap().contains("图书馆")), "{labels}");
    d.check_width("survey-audience-filter").await;
}

#[tokio::test]
async fn browser_a_student_scans_a_window_rates_it_and_raises_a_problem_at_phone_width() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    let office = app.login("office").await;
    let head = app.get_json(&app.login("unithead").await, "/api/v1/me").await;
    let unit = head["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "unit" && r["access"] == "write").unwrap()["target"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let window =
        app.get_json(&office, &format!("/api/v1/units/{unit}")).await["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap();
    // The office runs the window questionnaire with the student invited.
    let token = app.csrf(&office, "/home").await;
    let post = |path: String, pairs: Vec<(&'static str, String)>| {
        let office = office.clone();
        let url = app.url(&path);
        let mut all = vec![("_csrf".to_string(), token.clone())];
        all.extend(pairs.into_iter().map(|(k, v)| (k.to_string(), v)));
        async move {
            let r = office.post(url).header("content-type", "application/x-www-form-urlencoded").body(serde_urlencoded::to_string(&all).unwrap()).send().await.unwrap();
            assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
            r.headers()["location"].to_str().unwrap().to_string()
        }
    };
    let at = post("/surveys".into(), vec![("template", "window-satisfaction".into()), ("owner", "office".into())]).await;
    let id: i64 = at.trim_start_matches("/surveys/").split('?').next().unwrap().parse().unwrap();
    let student = app.get_json(&app.login("student").await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let number = app.get_json(&office, &format!("/api/v1/people/{student}")).await["number"].as_str().unwrap().to_string();
    post(format!("/surveys/{id}/targets"), vec![]).await;
    post(format!("/surveys/{id}/audience"), vec![("mode", "numbers".into()), ("numbers", number)]).await;
    post(format!("/surveys/{id}/open"), vec![("confirmed", "1".into())]).await;

    // Its head puts a staff member on the page (亮身份).
    let head = app.login("unithead").await;
    let staff = app.get_json(&office, &format!("/api/v1/people?unit_id={window}&kind=staff&per_page=1")).await["items"][0]["id"].as_i64();
    if let Some(person) = staff {
        let t = app.csrf(&head, "/home").await;
        let f = reqwest::multipart::Form::new()
            .text("person", person.to_string())
            .text("post", "借还书岗")
            .text("service_no", "TS-01")
            .part("photo", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("p.png"));
        let r = head.post(app.url(&format!("/api/v1/windows/{window}/staff"))).header("x-csrf-token", t).multipart(f).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    // The student scans the window's QR code: its page, with its standards and what to do.
    d.login(&app, "student").await;
    d.goto(&app.url(&format!("/w/{window}"))).await;
    let text = d.text().await;
    assert!(text.contains("评价标准") && text.contains("亮身份") && text.contains("亮承诺") && text.contains("对本窗口反映问题或意见") && text.contains("为本窗口评价"), "{text}");
    assert!(staff.is_none() || text.contains("TS-01"), "{text}");
    d.check_width("window-three-shows").await;
    // Rates it.
    d.goto(&app.url(&format!("/w/{window}/rate?survey={id}"))).await;
    for q in 1..=9 {
        d.click(&format!("input[name=q{q}][value='0']")).await;
    }
    d.submit("form.survey button[type=submit]").await;
    assert!(d.text().await.contains("已提交"), "{}", d.text().await);
    // Raises a problem about it, unnamed to the unit.
    d.goto(&app.url(&format!("/w/{window}"))).await;
    d.submit(&format!("a[href='/problems/new?window={window}']")).await;
    d.check_width("problem-new").await;
    assert_eq!(d.js("return document.querySelector('input[name=about]:checked').value").await, "window");
    assert_eq!(d.js("return document.querySelector('#window').value").await, window.to_string());
    d.js("document.querySelector('#category').value = 'library'; return 1").await;
    d.type_into("#body", "借还书窗口中午休息时间太长，学生只能下午排长队").await;
    d.click("input[name=unnamed]").await;
    d.submit("form[action^='/problems'] button[type=submit]").await;
    let text = d.text().await;
    assert!(text.contains("待受理") && text.contains("借还书窗口中午休息时间太长"), "{text}");
    d.check_width("problem-raised").await;
    let problem = d.path().await.trim_start_matches("/problems/").split('?').next().unwrap().to_string();
    d.submit("nav a[href='/problems']").await;
    d.check_width("problems-mine").await;
    d.logout().await;

    // The unit's head sees it without the student's name, and accepts it.
    let name = app.get_json(&office, &format!("/api/v1/people/{student}")).await["name"].as_str().unwrap().to_string();
    d.login(&app, "unithead").await;
    d.goto(&app.url(&format!("/problems/{problem}"))).await;
    let text = d.text().await;
    assert!(text.contains("不具名") && !text.contains(&name), "{text}");
    d.check_width("problem-unit").await;
    d.submit("form[action$='/accept'] button").await;
    assert!(d.text().await.contains("办理中"));
    d.goto(&app.url("/problems/dashboard")).await;
    d.check_width("problems-dashboard-unit").await;
    d.logout().await;

    // The office's pages and the cadre's fit the phone too.
    d.login(&app, "office").await;
    for p in ["/problems?show=triage", "/problems/dashboard", "/problems/groups", "/problems/public", "/liaison/dashboard"] {
        d.goto(&app.url(p)).await;
        d.check_width(&format!("office{}", p.replace(['/', '?', '='], "-"))).await;
    }
    d.logout().await;
    d.login(&app, "cadre").await;
    d.submit("nav a[href='/liaison']").await;
    d.check_width("cadre-liaison").await;
    d.logout().await;
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_a_branch_secretary_records_a_meeting_with_qr_check_in_from_a_second_phone() {
    let Some(sec) = Driver::start().await else { return };
    let Some(phone) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    let me = app.get_json(&app.login("branchsec").await, "/api/v1/me").await;
    let branch =
        me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "org").unwrap()["target"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().to_string();
    // The secretary schedules this month's 主题党日 on the phone.
    sec.login(&app, "branchsec").await;
    sec.goto(&app.url("/meetings")).await;
    sec.js(&format!("document.getElementById('host').value = 'org:{branch}'; document.getElementById('kind').value = 'theme_day'; return 1")).await;
    sec.type_into("#topic", "学雷锋志愿服务主题党日").await;
    sec.type_into("#place", "学院党员活动室").await;
    sec.check_width("meetings-schedule").await;
    sec.submit("form[action='/meetings'] button[type=submit]").await;
    let at = sec.path().await;
    assert!(at.starts_with("/meetings/") && at.contains("done=saved"), "{at}: {}", sec.text().await);
    let id: i64 = at.trim_start_matches("/meetings/").split('?').next().unwrap().parse().unwrap();
    // Opens check-in: the screen shows the code of the moment as a QR code.
    sec.submit(&format!("form[action='/meetings/{id}/checkin/open'] button")).await;
    assert!(sec.path().await.ends_with("/screen"), "{}", sec.path().await);
    let loaded = sec.js("var i = document.querySelector('img.qr'); return i.complete && i.naturalWidth > 0").await;
    assert_eq!(loaded, json!(true), "the QR code is shown");
    let code = sec.js("return document.getElementById('code').textContent").await.as_str().unwrap().to_string();
    assert_eq!(code.len(), 8);
    sec.check_width("meeting-checkin-screen").await;
    // A member scans it with their own phone (a second session) and checks in with one tap.
    phone.login(&app, "member").await;
    phone.goto(&app.url(&format!("/meetings/{id}/in?c={code}"))).await;
    assert!(phone.text().await.contains("学雷锋志愿服务主题党日"));
    phone.check_width("meeting-scan").await;
    phone.submit(&format!("form[action='/meetings/{id}/in'] button")).await;
    let text = phone.text().await;
    assert!(text.contains("签到成功") && text.contains("出席"), "{text}");
    // The secretary's screen counts them; the meeting is recorded with its minutes.
    sec.goto(&app.url(&format!("/meetings/{id}/screen"))).await;
    assert!(sec.text().await.contains("1 /"), "{}", sec.text().await);
    sec.goto(&app.url(&format!("/meetings/{id}"))).await;
    sec.type_into("#minutes", "支部书记带领党员学习雷锋精神，随后到社区开展志愿服务。").await;
    sec.submit(&format!("form[action^='/meetings/{id}/record'] button")).await;
    let text = sec.text().await;
    assert!(text.contains("已召开") && text.contains("出席 1") && text.contains("学习雷锋精神"), "{text}");
    sec.check_width("meeting-recorded").await;
    let _ = phone.cmd(reqwest::Method::DELETE, "", None).await;
    let _ = sec.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_a_central_group_member_scans_the_session_code_under_wechat() {
    let Some(phone) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    // The college's secretary sets up the group with the member in it and opens today's session.
    let orgsec = app.login("orgsec").await;
    let college = app.reach("orgsec", "org").await;
    let r = orgsec.post(app.url("/api/v1/central-groups")).json(&json!({"org_id": college.to_string()})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let gid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let office = app.login("office").await;
    let member_id = app.get_json(&app.login("member").await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let number = app.get_json(&office, &format!("/api/v1/people/{member_id}")).await["number"].as_str().unwrap().to_string();
    let r = orgsec.post(app.url(&format!("/api/v1/central-groups/{gid}/members"))).json(&json!({"number": number, "role": "member", "post": "学生党员代表"})).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    let body = json!({"topic": "专题学习：十七届六中全会精神", "on_day": today, "starts": "00:00", "ends": "23:59", "place": "行政楼会议室", "speaker": "党委书记"});
    let r = orgsec.post(app.url(&format!("/api/v1/central-groups/{gid}/sessions"))).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let mid = r.json::<Value>().await.unwrap()["session"]["meeting_id"].as_i64().unwrap();
    let r = orgsec.post(app.url(&format!("/api/v1/meetings/{mid}/checkin/open"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let code = app.get_json(&orgsec, &format!("/api/v1/meetings/{mid}/checkin/code")).await["code"].as_str().unwrap().to_string();
    // The member, in WeChat on a phone, scans the code and checks in with one tap.
    phone.login(&app, "member").await;
    phone.goto(&app.url(&format!("/meetings/{mid}/in?c={code}"))).await;
    assert!(phone.text().await.contains("十七届六中全会精神"), "{}", phone.text().await);
    phone.check_width("central-scan").await;
    phone.submit(&format!("form[action='/meetings/{mid}/in'] button")).await;
    let text = phone.text().await;
    assert!(text.contains("签到成功") && text.contains("出席"), "{text}");
    // A second scan offers no second check-in.
    phone.goto(&app.url(&format!("/meetings/{mid}/in?c={code}"))).await;
    assert!(phone.text().await.contains("您已签到"), "{}", phone.text().await);
    assert_eq!(phone.js(&format!("return document.querySelectorAll(\"form[action='/meetings/{mid}/in']\").length")).await, json!(0));
    // Then hands in a written reflection on the session's page.
    phone.goto(&app.url(&format!("/central-groups/sessions/{mid}"))).await;
    phone.js("document.getElementById('kind').value = 'reflection'; return 1").await;
    phone.type_into("#body", "通过本次中心组集中学习，深刻领会了全会关于文化强国建设的部署，作为学生党员要在学习和志愿服务中带头践行，做到学有所思、学有所得。").await;
    phone.check_width("central-session").await;
    phone.submit(&format!("form[action='/central-groups/sessions/{mid}/contributions'] button")).await;
    let text = phone.text().await;
    assert!(text.contains("学有所得") && text.contains("心得体会"), "{text}");
    let _ = phone.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_a_member_searches_and_opens_a_result_at_phone_width() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    // The office publishes a practice to the library (over HTTP).
    let office = app.login("office").await;
    let token = app.csrf(&office, "/home").await;
    let form = reqwest::multipart::Form::new()
        .text("title", "党员先锋岗亮诺践诺做法")
        .text("body", "支部每月开展一次党员先锋岗亮诺践诺活动，结果在公示栏公开。")
        .text("kind", "experience")
        .text("item", "17")
        .text("source", "office");
    let r = office.post(app.url("/api/v1/library")).header("x-csrf-token", token.clone()).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = office.post(app.url(&format!("/api/v1/library/{id}/review"))).header("x-csrf-token", token).json(&json!({"action": "publish"})).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The member opens search from the header, types two characters too few first, then a phrase.
    d.login(&app, "member").await;
    d.submit("header a.search").await;
    d.check_width("search-empty").await;
    d.type_into("#q", "党").await;
    d.js("document.querySelector('#q').removeAttribute('minlength'); return 1").await;
    d.submit("form[role=search] button[type=submit]").await;
    assert!(d.text().await.contains("请至少输入两个字"), "{}", d.text().await);
    d.type_into("#q", "先锋岗").await;
    d.submit("form[role=search] button[type=submit]").await;
    assert!(d.text().await.contains("经验库"), "{}", d.text().await);
    let marks = d.js("return Array.from(document.querySelectorAll('ul.hits mark')).map(m => m.textContent)").await;
    assert!(marks.as_array().unwrap().iter().any(|m| m == "先锋岗"), "{marks}");
    d.check_width("search-results").await;
    d.submit(&format!("ul.hits a[href='/library/{id}']")).await;
    assert_eq!(d.path().await, format!("/library/{id}"));
    assert!(d.text().await.contains("党员先锋岗亮诺践诺做法"));
    d.check_width("library-entry").await;
    d.logout().await;
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test]
async fn browser_a_college_writes_a_story_and_anyone_reads_it_with_its_picture_at_phone_width() {
    let Some(d) = Driver::start().await else { return };
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    let picture = std::env::temp_dir().join(format!("story-{}.png", common::rand_suffix()));
    std::fs::write(&picture, pacesetter_web::demo_cover()).unwrap();

    // The college's secretary writes the story on the phone, with a picture, and hands it in.
    d.login(&app, "orgsec").await;
    d.goto(&app.url("/stories")).await;
    d.submit("a[href='/stories/new']").await;
    d.check_width("story-form").await;
    d.type_into("#title", "扎根实验室的老黄牛").await;
    d.type_into("#summary", "二十年如一日带学生做实验的党员教师").await;
    d.type_into("#body", "## 身边人说\n\n- 有问题找他，从来不推。").await;
    d.type_into("#images", picture.to_str().unwrap()).await;
    d.submit("form[enctype='multipart/form-data'] button[type=submit]").await;
    let path = d.path().await;
    assert!(path.starts_with("/stories/") && path.ends_with("?done=saved"), "{path}: {}", d.text().await);
    let id: i64 = path.trim_start_matches("/stories/").split('?').next().unwrap().parse().unwrap();
    d.submit(&format!("form[action='/stories/{id}/submit'] button")).await;
    assert!(d.text().await.contains("待审核"), "{}", d.text().await);
    d.logout().await;
    let _ = std::fs::remove_file(&picture);

    // The office publishes it (over HTTP).
    let office = app.login("office").await;
    let r = office
        .post(app.url(&format!("/api/v1/stories/{id}/review")))
        .header("x-csrf-token", app.csrf(&office, "/home").await)
        .json(&json!({"action": "publish"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Anyone, without an account, opens it from the public list: the picture shows.
    d.goto(&app.url("/stories")).await;
    d.submit(&format!("ul.cards a[href='/stories/{id}']")).await;
    assert_eq!(d.path().await, format!("/stories/{id}"));
    assert!(d.text().await.contains("有问题找他"), "{}", d.text().await);
    let mut shown = Value::Null;
    for _ in 0..50 {
        shown = d.js("const i = document.querySelector('figure.cover img'); return i && i.complete && i.naturalWidth > 0").await;
        if shown == Value::Bool(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shown, Value::Bool(true), "the cover picture loads");
    let og = d.js("return document.querySelector('meta[property=\"og:image\"]').content").await;
    assert!(og.as_str().unwrap().starts_with("http") && og.as_str().unwrap().contains("/stories/images/"), "{og}");
    d.check_width("story-public").await;
    let _ = d.cmd(reqwest::Method::DELETE, "", None).await;
}
