//! Campaign plans through HTTP, on SQLite and PostgreSQL alike: the 2012 plan's tasks, the
//! submit → return → resubmit → accept path with files, refused uploads, batch review, the
//! dashboard at every level, plan uploads with their differences, notifications and mail,
//! the calendar feed.

mod common;

use common::TestApp;
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::io::Write;

fn last_id(path: &str) -> i64 {
    path.trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

async fn reach(app: &TestApp, user: &str, kind: &str) -> i64 {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap_or_else(|| panic!("{user} has no {kind} reach"));
    last_id(r["target"].as_str().unwrap())
}

async fn campaign(app: &TestApp, c: &Client) -> i64 {
    let v = app.get_json(c, "/api/v1/campaigns").await;
    v.as_array().unwrap().iter().find(|c| c["code"] == "2012-csust").expect("the demo loads the 2012 plan")["id"].as_i64().unwrap()
}

/// The secretary's own task of a template, found through "my tasks".
async fn my_task(app: &TestApp, c: &Client, code: &str) -> Value {
    let v = app.get_json(c, "/api/v1/tasks").await;
    v.as_array().unwrap().iter().find(|t| t["code"] == code).unwrap_or_else(|| panic!("no {code} in my tasks: {v}")).clone()
}

fn file(name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part("files", Part::bytes(bytes).file_name(name.to_string())).text("body", "实施方案见附件")
}

async fn submit(app: &TestApp, c: &Client, task: i64, form: Form) -> reqwest::Response {
    let token = app.csrf(c, "/home").await;
    c.post(app.url(&format!("/api/v1/tasks/{task}/submit"))).header("x-csrf-token", token).multipart(form).send().await.unwrap()
}

fn zip_bomb_docx() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    w.start_file("[Content_Types].xml", opts).unwrap();
    w.write_all(b"<Types/>").unwrap();
    w.start_file("word/document.xml", opts).unwrap();
    w.write_all(b"<w:document/>").unwrap();
    let zeros = vec![0u8; 8 * 1024 * 1024];
    for i in 0..14 {
        w.start_file(format!("word/media/image{i}.bin"), opts).unwrap();
        w.write_all(&zeros).unwrap();
    }
    w.finish().unwrap().into_inner()
}

both!(
    the_task_list_is_paged_with_its_filters_kept,
    the_2012_plan_assigns_the_issues_tasks,
    a_secretary_submits_the_office_returns_and_accepts_and_the_dashboard_follows,
    reviewers_decide_in_batches_and_each_decision_stands_alone,
    the_office_uploads_a_changed_plan_and_confirms_it,
    the_calendar_feed_lists_deadlines_until_revoked,
    campaign_pages_render_for_every_demo_account,
    the_campaign_api_does_what_the_pages_do,
    a_dashboard_node_that_is_not_an_id_is_refused_in_both_languages,
);

/// Issue 18: the task list is paged, its filters kept in the links, and the export has all.
async fn the_task_list_is_paged_with_its_filters_kept(app: TestApp) {
    let office = app.login("office").await;
    let all = app.get_json(&office, "/api/v1/tasks?state=open").await;
    let n = all.as_array().map(|a| a.len()).unwrap_or(0);
    assert!(n > 10, "enough open tasks to page: {n}");
    let get = |q: String| {
        let office = office.clone();
        let url = app.url(&format!("/tasks?{q}"));
        async move { office.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let first = get("state=open&per_page=5".into()).await;
    let pages = n.div_ceil(5);
    assert!(first.contains(&format!("共 {n} 项，第1/{pages}页")), "{first}");
    assert!(first.contains("state=open&#38;per_page=5&#38;page=2"), "the next page keeps the filter and the length: {}", &first[first.find("class=\"pager\"").unwrap_or(0)..]);
    assert_eq!(first.matches(r#"<li class="card task"#).count(), 5);
    let last = get("state=open&per_page=5&page=9223372036854775807".into()).await;
    assert!(last.contains(&format!("第{pages}/{pages}页")), "past the end is the last page");
    assert_eq!(last.matches(r#"<li class="card task"#).count(), n - 5 * (pages - 1));
    let sheet = office.get(app.url("/tasks/export.xlsx?state=open")).send().await.unwrap();
    assert_eq!(sheet.status(), 200);
}

/// The dashboard's page, export and API read one typed query: `node` that is not an id is a 400
/// with a message in the caller's language (not the parser's English, not the top of the tree),
/// while a `tree` that is not one still shows the Party tree.
async fn a_dashboard_node_that_is_not_an_id_is_refused_in_both_languages(app: TestApp) {
    let office = app.login("office").await;
    let id = campaign(&app, &office).await;
    let before = app.get_json(&office, &format!("/api/v1/campaigns/{id}/dashboard")).await;
    for path in [format!("/api/v1/campaigns/{id}/dashboard?node=abc"), format!("/api/v1/campaigns/{id}/dashboard?tree=unit&node=1x")] {
        let r = office.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "bad_query", "{path}");
        let m = v["error"]["message"].as_str().unwrap();
        assert!(m.contains("不是编号") && !m.contains("deserialize"), "{path}: {m}");
    }
    for path in [format!("/campaigns/{id}/dashboard?node=abc"), format!("/campaigns/{id}/dashboard.xlsx?tree=org&node=abc")] {
        let r = office.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("查询条件无法读取") && html.contains("不是编号"), "{path}: {html}");
    }
    let r = office.get(app.url(&format!("/campaigns/{id}/dashboard?tree=nonsense&node="))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.get_json(&office, &format!("/api/v1/campaigns/{id}/dashboard")).await, before, "nothing changed");
    // In English once the account switches.
    assert_eq!(app.post_form(&office, "/lang", &[("lang", "en"), ("next", "/home")]).await.status(), 303);
    let r = office.get(app.url(&format!("/api/v1/campaigns/{id}/dashboard?node=abc"))).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let m = r.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().to_string();
    assert!(m.contains("The query could not be read") && m.contains("\"abc\" is not an id") && !m.contains("不是"), "{m}");
}

async fn the_2012_plan_assigns_the_issues_tasks(app: TestApp) {
    // Issue 18: no developer's file path on the campaigns page; the example plan downloads.
    let office = app.login("office").await;
    let page = office.get(app.url("/campaigns")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("docs/") && page.contains("/campaigns/example-plan.toml"), "{page}");
    let r = office.get(app.url("/campaigns/example-plan.toml")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(r.text().await.unwrap().contains("[campaign]"));
    let office = app.login("office").await;
    let id = campaign(&app, &office).await;
    let d = app.get_json(&office, &format!("/api/v1/campaigns/{id}/dashboard")).await;
    let items: Vec<&str> = d["by_item"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    for needle in ["示范点创建工作实施方案", "年度工作计划", "公开承诺", "党建研究课题", "满意度", "总结", "长效机制"] {
        assert!(items.iter().any(|n| n.contains(needle)), "no task for {needle}: {items:?}");
    }
    // Every secondary organization owes the implementation plan, due 15 March 2012.
    let tasks = app.get_json(&office, &format!("/api/v1/tasks?campaign={id}")).await;
    let imp: Vec<&Value> = tasks.as_array().unwrap().iter().filter(|t| t["code"] == "implementation-plan").collect();
    let orgs = app.get_json(&office, "/api/v1/orgs").await;
    let secondary =
        orgs.as_array().unwrap().iter().filter(|o| ["committee", "general_branch", "direct_branch"].contains(&o["kind"].as_str().unwrap()) && o["closed_on"].is_null()).count();
    assert_eq!(imp.len(), secondary);
    assert!(imp.iter().all(|t| t["due"] == "2012-03-15"));
    // The branch system waits for the office's date; item 8 is 学工部's.
    let sys = tasks.as_array().unwrap().iter().find(|t| t["code"] == "branch-system").unwrap();
    assert!(sys["due"].is_null());
    let links: Vec<&Value> = tasks.as_array().unwrap().iter().filter(|t| t["code"] == "cadre-class-links").collect();
    assert_eq!(links.len(), 1);
    assert!(links[0]["owner"].as_str().unwrap().contains("学生工作部"), "{}", links[0]);
    // The calendar page marks 2012's holidays and make-up days.
    let html = office.get(app.url(&format!("/campaigns/{id}/calendar"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("day holiday") && html.contains("day makeup"));
    assert!(html.contains("七一"), "the plan's own wording is shown");
}

async fn a_secretary_submits_the_office_returns_and_accepts_and_the_dashboard_follows(app: TestApp) {
    let sec = app.login("orgsec").await;
    let office = app.login("office").await;
    let outsider = app.login("branchsec2").await;
    let id = campaign(&app, &office).await;
    let college = reach(&app, "orgsec", "org").await;
    let t = my_task(&app, &sec, "implementation-plan").await;
    let task = t["id"].as_i64().unwrap();
    assert_eq!(t["can_submit"], true);
    // The demo leaves the demo accounts' own tasks open.
    let state = t["state"].as_str().unwrap().to_string();
    assert_eq!(state, "open");

    // Refused files: an HTML page named .pdf, a zip bomb named .docx, an SVG.
    let r = submit(&app, &sec, task, file("方案.pdf", b"<!doctype html><html><script>alert(1)</script></html>".to_vec())).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("不是允许的文件类型"), "{body}");
    let r = submit(&app, &sec, task, file("方案.docx", zip_bomb_docx())).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("解压后超过"));
    let r = submit(&app, &sec, task, file("a.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec())).await;
    assert_eq!(r.status(), 422);
    // Issue 18: through the page, a refused file (its type, or 30 MB over the limit) comes back
    // on the form with what was typed, and the message says the limit; the API answers 413.
    let token = app.csrf(&sec, "/home").await;
    let page_submit = |form: Form| sec.post(app.url(&format!("/tasks/{task}/submit?_csrf={token}"))).multipart(form).send();
    let typed = "各支部于三月底前完成学习，详见附件";
    let r = page_submit(Form::new().text("body", typed).part("files", Part::bytes(b"<html></html>".to_vec()).file_name("方案.pdf"))).await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("不是允许的文件类型") && body.contains(typed), "the form keeps what was typed: {body}");
    let big = vec![b'%'; 30 * 1024 * 1024];
    let r = page_submit(Form::new().text("body", typed).part("files", Part::bytes(big.clone()).file_name("方案.pdf"))).await.unwrap();
    assert_eq!(r.status(), 413);
    let body = r.text().await.unwrap();
    assert!(body.contains("MB 上限") && body.contains(typed) && body.contains(r#"id="submit""#), "the form again, with the limit: {body}");
    let r = submit(&app, &sec, task, Form::new().part("files", Part::bytes(big).file_name("方案.pdf"))).await;
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("MB"));
    assert_eq!(app.get_json(&sec, &format!("/api/v1/tasks/{task}")).await["state"], state, "refusals change nothing");
    // Someone from another college cannot see or submit it.
    assert!(matches!(outsider.get(app.url(&format!("/api/v1/tasks/{task}"))).send().await.unwrap().status().as_u16(), 403 | 404));
    let r = submit(&app, &outsider, task, file("方案.pdf", b"%PDF-1.4 outsider".to_vec())).await;
    assert!(matches!(r.status().as_u16(), 403 | 404));

    // A real PDF goes in.
    let r = submit(&app, &sec, task, file("实施方案.pdf", b"%PDF-1.4\n% test\n".to_vec())).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v = app.get_json(&office, &format!("/api/v1/tasks/{task}")).await;
    assert_eq!(v["state"], "submitted");
    let att = v["files"].as_array().unwrap().last().unwrap()["id"].as_i64().unwrap();
    // Files are downloads, never inline, and only within scope.
    let r = office.get(app.url(&format!("/attachments/{att}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert!(matches!(outsider.get(app.url(&format!("/attachments/{att}"))).send().await.unwrap().status().as_u16(), 403 | 404));

    // The secretary cannot review their own; the office returns it through the page's form.
    let r = sec.post(app.url(&format!("/api/v1/tasks/{task}/review"))).json(&json!({"action": "accept"})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let queue = app.get_json(&office, "/api/v1/reviews").await;
    assert!(queue.as_array().unwrap().iter().any(|t| t["id"] == task));
    let r = app.post_form(&office, &format!("/tasks/{task}/review"), &[("action", "return"), ("comment", "")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("退回时请写明意见"));
    // Issue 18: returning cannot be undone, so the form first says what will happen to which
    // task, and nothing changes until it is confirmed.
    let r = app.post_form(&office, &format!("/tasks/{task}/review"), &[("action", "return"), ("comment", "请补充各支部的时间安排")]).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("将退回以下 1 项任务") && body.contains("意见：请补充各支部的时间安排") && body.contains(r#"name="confirmed" value="1""#), "{body}");
    assert_eq!(app.get_json(&sec, &format!("/api/v1/tasks/{task}")).await["state"], "submitted");
    let r = app.post_form(&office, &format!("/tasks/{task}/review"), &[("confirmed", "1"), ("action", "return"), ("comment", "请补充各支部的时间安排")]).await;
    assert_eq!(r.status(), 303);
    let v = app.get_json(&sec, &format!("/api/v1/tasks/{task}")).await;
    assert_eq!(v["state"], "returned");
    assert!(v["resubmit_due"].is_string());
    let notes = app.get_json(&sec, "/api/v1/notifications").await;
    assert!(notes["items"].as_array().unwrap().iter().any(|n| n["kind"] == "returned" && n["zh"].as_str().unwrap().contains("请补充各支部的时间安排")), "{notes}");

    // Resubmitted, accepted.
    let r = submit(&app, &sec, task, file("实施方案（修改稿）.pdf", b"%PDF-1.4\n% v2\n".to_vec())).await;
    assert_eq!(r.status(), 200);
    let r = office.post(app.url(&format!("/api/v1/tasks/{task}/review"))).json(&json!({"action": "accept", "comment": "同意"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v = app.get_json(&sec, &format!("/api/v1/tasks/{task}")).await;
    assert_eq!(v["state"], "accepted");
    assert_eq!(v["submissions"].as_array().unwrap().len(), 2);
    assert_eq!(v["late"], true, "handed in after 15 March 2012");
    // Issue 18: an accepted task is late (handed in after its date) but no longer "overdue".
    assert!(v["days_left"].is_null(), "{v}");
    let page = sec.get(app.url(&format!("/tasks?campaign={id}"))).send().await.unwrap().text().await.unwrap();
    let line = &page[page.find(&format!("/tasks/{task}\"")).expect("the task is listed")..];
    let line = &line[..line.find("</li>").unwrap()];
    assert!(!line.contains("逾期"), "{line}");
    // Accepting again is a conflict with a message, not a crash.
    let r = office.post(app.url(&format!("/api/v1/tasks/{task}/review"))).json(&json!({"action": "accept"})).send().await.unwrap();
    assert_eq!(r.status(), 409);

    // The dashboard counts it at the college and at the school; the numbers link to lists.
    let d = app.get_json(&sec, &format!("/api/v1/campaigns/{id}/dashboard")).await;
    assert_eq!(d["node"]["id"], college);
    let item = d["by_item"].as_array().unwrap().iter().find(|r| r["name"].as_str().unwrap().contains("实施方案")).unwrap();
    assert_eq!(item["facts"]["accepted"], 1);
    let school = app.get_json(&office, &format!("/api/v1/campaigns/{id}/dashboard")).await;
    let row = school["by_child"].as_array().unwrap().iter().find(|r| r["tasks"].as_str().unwrap().ends_with(&format!("org={college}"))).unwrap();
    assert!(row["facts"]["accepted"].as_i64().unwrap() >= 1);
    let listed = app.get_json(&office, &format!("{}&template={}&state=accepted", row["tasks"].as_str().unwrap(), t["template_id"])).await;
    assert!(listed.as_array().unwrap().iter().any(|x| x["id"] == task));
    let html = office.get(app.url(&format!("/campaigns/{id}/dashboard"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<svg class=\"chart\"") && html.contains(&format!("node={college}")));
    let x = office.get(app.url(&format!("/campaigns/{id}/dashboard.xlsx"))).send().await.unwrap();
    assert_eq!(x.status(), 200);
    assert!(x.bytes().await.unwrap().starts_with(b"PK"));
    // Every transition is in the audit log.
    let auditor = app.login("auditor").await;
    let log = app.get_json(&auditor, &format!("/api/v1/audit?entity=task&entity_id={task}")).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["task.submit", "task.return", "task.accept"] {
        assert!(actions.contains(&a), "{a} not in {actions:?}");
    }
}

async fn reviewers_decide_in_batches_and_each_decision_stands_alone(app: TestApp) {
    let office = app.login("office").await;
    let queue = app.get_json(&office, "/api/v1/reviews").await;
    let ids: Vec<i64> = queue.as_array().unwrap().iter().take(3).map(|t| t["id"].as_i64().unwrap()).collect();
    assert!(ids.len() >= 2, "the demo leaves submissions to review");
    // A return without a comment is refused as a whole (422, the field named) and decides nothing.
    let r = office.post(app.url("/api/v1/reviews/batch")).json(&json!({"ids": ids, "action": "return"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"][0]["field"], "comment", "{v}");
    assert_eq!(app.get_json(&office, &format!("/api/v1/tasks/{}", ids[0])).await["state"], "submitted");
    // Ids that are not numbers are a clear 400.
    let r = office.post(app.url("/api/v1/reviews/batch")).json(&json!({"ids": ["x"], "action": "accept"})).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // One accepted already, the rest in one batch: the batch reports the one that failed.
    let r = office.post(app.url(&format!("/api/v1/tasks/{}/review", ids[0]))).json(&json!({"action": "accept"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = office.post(app.url("/api/v1/reviews/batch")).json(&json!({"ids": ids, "action": "accept"})).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["done"], ids.len() - 1);
    assert_eq!(v["failed"].as_array().unwrap().len(), 1);
    // The page form does the same, and a branch secretary's batch touches nothing of others'.
    let queue = app.get_json(&office, "/api/v1/reviews").await;
    if let Some(next) = queue.as_array().unwrap().first() {
        let id = next["id"].as_i64().unwrap().to_string();
        let b2 = app.login("branchsec2").await;
        let r = app.post_form(&b2, "/reviews/batch", &[("confirmed", "1"), ("id", &id), ("action", "accept")]).await;
        assert_eq!(r.status(), 200, "the page reports what was refused");
        assert!(r.text().await.unwrap().contains(&format!("#{id}")));
        assert_eq!(app.get_json(&office, &format!("/api/v1/tasks/{id}")).await["state"], "submitted");
        let r = app.post_form(&office, "/reviews/batch", &[("id", &id), ("action", "return"), ("comment", "格式不符")]).await;
        assert_eq!(r.status(), 200, "a batch asks first");
        assert!(r.text().await.unwrap().contains("将退回以下 1 项任务"));
        assert_eq!(app.get_json(&office, &format!("/api/v1/tasks/{id}")).await["state"], "submitted");
        let queue = office.get(app.url("/reviews")).send().await.unwrap().text().await.unwrap();
        assert!(!queue.contains(" checked>"), "the queue opens with nothing ticked");
        let r = app.post_form(&office, "/reviews/batch", &[("id", &id), ("action", "return")]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains(&format!(r#"value="{id}" checked"#)), "a refused batch keeps exactly what was ticked");
        let r = app.post_form(&office, "/reviews/batch", &[("confirmed", "1"), ("id", &id), ("action", "return"), ("comment", "格式不符")]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(app.get_json(&office, &format!("/api/v1/tasks/{id}")).await["state"], "returned");
    }
}

const PLAN: &str = include_str!("../../../plans/2012-csust.toml");

async fn upload_plan(app: &TestApp, c: &Client, text: &str, confirm: bool) -> reqwest::Response {
    let token = app.csrf(c, "/campaigns").await;
    let mut form = Form::new().part("file", Part::bytes(text.as_bytes().to_vec()).file_name("plan.toml"));
    if confirm {
        form = form.text("confirm", "yes");
    }
    c.post(app.url("/campaigns")).header("x-csrf-token", token).multipart(form).send().await.unwrap()
}

async fn the_office_uploads_a_changed_plan_and_confirms_it(app: TestApp) {
    let office = app.login("office").await;
    let id = campaign(&app, &office).await;
    let before = app.get_json(&office, &format!("/api/v1/tasks?campaign={id}")).await.as_array().unwrap().len();
    // The same plan: nothing duplicated.
    let r = upload_plan(&app, &office, PLAN, false).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().contains("done=unchanged"));
    assert_eq!(app.get_json(&office, &format!("/api/v1/tasks?campaign={id}")).await.as_array().unwrap().len(), before);
    // Only the office may upload.
    let sec = app.login("orgsec").await;
    let token = app.csrf(&sec, "/home").await;
    let r = sec
        .post(app.url("/campaigns"))
        .header("x-csrf-token", token)
        .multipart(Form::new().part("file", Part::bytes(PLAN.as_bytes().to_vec()).file_name("p.toml")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A broken plan: its line, in Chinese, and nothing changes.
    let broken = PLAN.replacen("owners = \"secondary_orgs\"", "owners = \"everybody\"", 1);
    let r = upload_plan(&app, &office, &broken, false).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("第") && html.contains("行"), "{}", &html[html.len().saturating_sub(3000)..]);
    // The office moves a date in the UI; a changed file moves it too: the UI's date is kept
    // and the conflict reported.
    let tpl =
        app.get_json(&office, &format!("/api/v1/tasks?campaign={id}")).await.as_array().unwrap().iter().find(|t| t["code"] == "research-applications").unwrap()["template_id"]
            .as_i64()
            .unwrap();
    let r = app.post_form(&office, &format!("/campaigns/{id}/templates/{tpl}/due"), &[("due", "2012-04-06")]).await;
    assert_eq!(r.status(), 303);
    let r = app.post_form(&office, &format!("/campaigns/{id}/templates/{tpl}/due"), &[("due", "2012-02-30")]).await;
    assert_eq!(r.status(), 422, "a date that does not exist");
    let changed = PLAN.replace("due = 2012-03-31", "due = 2012-03-29");
    let r = upload_plan(&app, &office, &changed, false).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("research-applications") && html.contains("2012年4月6日"), "the conflict with the kept date");
    assert!(html.contains("name=\"confirm\""));
    let t = app.get_json(&office, &format!("/api/v1/tasks?campaign={id}")).await;
    assert_eq!(t.as_array().unwrap().iter().find(|t| t["code"] == "research-applications").unwrap()["due"], "2012-04-06", "nothing changes before confirmation");
    let r = upload_plan(&app, &office, &changed, true).await;
    assert_eq!(r.status(), 303);
    let t = app.get_json(&office, &format!("/api/v1/tasks?campaign={id}")).await;
    assert_eq!(t.as_array().unwrap().iter().find(|t| t["code"] == "research-applications").unwrap()["due"], "2012-04-06");
    // A branch created now receives its tasks.
    let college = reach(&app, "orgsec", "org").await;
    let r = office.post(app.url(&format!("/api/v1/orgs/{college}/children"))).json(&json!({"kind": "branch", "name": "新成立党支部"})).send().await.unwrap();
    let b = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let t = app.get_json(&office, &format!("/api/v1/tasks?campaign={id}&org={b}")).await;
    assert!(t.as_array().unwrap().iter().any(|t| t["code"] == "branch-system"), "{t}");
    // Archived: read-only, still browsable.
    let r = app.post_form(&office, &format!("/campaigns/{id}/close"), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    let task = t.as_array().unwrap()[0]["id"].as_i64().unwrap();
    let r = office.post(app.url(&format!("/api/v1/tasks/{task}/review"))).json(&json!({"action": "extend", "until": "2012-12-01", "reason": "x"})).send().await.unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 409));
    assert_eq!(office.get(app.url(&format!("/campaigns/{id}/dashboard"))).send().await.unwrap().status(), 200);
    assert_eq!(upload_plan(&app, &office, &changed, true).await.status(), 409);
}

async fn the_calendar_feed_lists_deadlines_until_revoked(app: TestApp) {
    let sec = app.login("orgsec").await;
    let r = app.post_form(&sec, "/feed", &[]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let start = html.find("/feed/").unwrap();
    let path: String = html[start..].chars().take_while(|c| *c != '<' && *c != '"').collect();
    assert!(path.ends_with(".ics"));
    let token = path.trim_start_matches("/feed/").trim_end_matches(".ics");
    assert_eq!(token.len(), 32, "128 bits");
    let anon = reqwest::Client::new();
    let r = anon.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = r.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR") && ics.contains("BEGIN:VEVENT") && ics.contains("DTSTART;VALUE=DATE:2012"), "{ics}");
    // RFC 5545: lines of at most 75 octets, longer ones folded (CRLF and a space), which
    // unfold to the whole text; all-day events end the next day.
    assert!(ics.split("\r\n").all(|l| l.len() <= 75), "unfolded lines: {ics}");
    let unfolded = ics.replace("\r\n ", "");
    let summary = unfolded.lines().find(|l| l.starts_with("SUMMARY:截止：")).expect("a deadline's summary");
    assert!(summary.len() > 75, "the demo's summaries are long enough to need folding: {summary}");
    let day = |key: &str| unfolded.lines().find_map(|l| l.strip_prefix(key)).and_then(|d| d.trim().parse::<u32>().ok()).unwrap();
    assert!(day("DTEND;VALUE=DATE:") > day("DTSTART;VALUE=DATE:"), "{unfolded}");
    // A guessed token and a revoked one find nothing.
    assert_eq!(anon.get(app.url(&format!("/feed/{}.ics", "0".repeat(32)))).send().await.unwrap().status(), 404);
    let r = app.post_form(&sec, "/feed/revoke", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(anon.get(app.url(&path)).send().await.unwrap().status(), 404);
}

async fn campaign_pages_render_for_every_demo_account(app: TestApp) {
    let office = app.login("office").await;
    let id = campaign(&app, &office).await;
    let task = app.get_json(&office, &format!("/api/v1/tasks?campaign={id}")).await.as_array().unwrap()[0]["id"].as_i64().unwrap();
    for user in ["admin", "auditor", "office", "leader", "orgsec", "branchsec", "member", "student", "teacher", "cadre", "unithead", "contact"] {
        let c = app.login(user).await;
        for path in [
            "/tasks".to_string(),
            "/reviews".into(),
            "/notifications".into(),
            "/campaigns".into(),
            format!("/campaigns/{id}"),
            format!("/campaigns/{id}/calendar"),
            format!("/campaigns/{id}/dashboard"),
            format!("/campaigns/{id}/dashboard?tree=unit"),
            "/tasks/export.xlsx".into(),
        ] {
            let r = c.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{user} {path}");
        }
        let s = c.get(app.url(&format!("/tasks/{task}"))).send().await.unwrap().status().as_u16();
        assert!(matches!(s, 200 | 403 | 404), "{user}: {s}");
    }
}

/// Reminders and decisions reach the owner's mailbox through the outbox.
#[tokio::test]
async fn a_returned_task_is_mailed_to_the_secretary() {
    let sink = common::smtp_sink().await;
    let smtp = format!("smtp://{}", sink.addr);
    let app = common::spawn_with(common::Backend::Sqlite, |c| {
        c.smtp_url = Some(smtp);
        c.mail_from = Some("创先争优平台 <cxzy@csust.edu.cn>".into());
    })
    .await
    .unwrap();
    let sec = app.login("orgsec").await;
    let office = app.login("office").await;
    let me = app.get_json(&sec, "/api/v1/me").await;
    let person = app.get_json(&office, &format!("/api/v1/people/{}", me["person_id"])).await;
    let email = person["email"].as_str().expect("the demo secretary has an e-mail address").to_string();
    let t = my_task(&app, &sec, "implementation-plan").await;
    let task = t["id"].as_i64().unwrap();
    if t["state"] != "submitted" {
        let r = submit(&app, &sec, task, file("方案.pdf", b"%PDF-1.4 mail".to_vec())).await;
        assert_eq!(r.status(), 200);
    }
    sink.messages.lock().unwrap().clear();
    let r = office.post(app.url(&format!("/api/v1/tasks/{task}/review"))).json(&json!({"action": "return", "comment": "请补充"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut got = None;
    for _ in 0..100 {
        if let Some(m) = sink.messages.lock().unwrap().iter().find(|m| m.rcpt.contains(&email)).cloned() {
            got = Some(m);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let m = got.expect("the message reached the SMTP sink");
    let subject = m.subject();
    assert!(subject.contains("=?utf-8?b?") || subject.contains("=?UTF-8?B?"), "RFC 2047: {subject}");
    let body = m.body();
    assert!(body.contains(&format!("/tasks/{task}")) && body.contains("请补充"), "{body}");
}

/// A plan of one office task, for a campaign of its own (an earlier year, so the demo's stays current).
fn small_plan(code: &str) -> String {
    format!(
        "[campaign]\ncode = \"{code}\"\ntitle = \"接口测试活动\"\nyear = 2011\noffice = \"党委组织部\"\n\n[[tasks]]\ncode = \"office-report\"\ntitle = \"总结报告\"\nowners = \"office\"\ndeliverable = \"document\"\ndue = 2011-12-15\nreviewer = \"office\"\n"
    )
}

async fn api_upload(app: &TestApp, c: &Client, text: &str, confirm: bool) -> reqwest::Response {
    let token = app.csrf(c, "/campaigns").await;
    let mut form = Form::new().part("file", Part::bytes(text.as_bytes().to_vec()).file_name("plan.toml"));
    if confirm {
        form = form.text("confirm", "yes");
    }
    c.post(app.url("/api/v1/campaigns")).header("x-csrf-token", token).multipart(form).send().await.unwrap()
}

async fn the_campaign_api_does_what_the_pages_do(app: TestApp) {
    let office = app.login("office").await;
    // A new plan is loaded at once; the same again changes nothing.
    let r = api_upload(&app, &office, &small_plan("api-2011"), false).await;
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["is_new"], true, "{report}");
    assert_eq!(report["applied"], true, "{report}");
    let id = report["campaign_id"].as_i64().unwrap();
    let again: Value = api_upload(&app, &office, &small_plan("api-2011"), false).await.json().await.unwrap();
    assert_eq!(again["unchanged"], true, "{again}");
    // A plan that does not read: 422 with its line, and no campaign.
    let r = api_upload(&app, &office, &small_plan("api-bad").replace("owners = \"office\"", "owners = \"everybody\""), false).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains('行'), "{body}");
    let all = app.get_json(&office, "/api/v1/campaigns").await;
    assert!(!all.as_array().unwrap().iter().any(|c| c["code"] == "api-bad"));
    // The plan with its template, read by anyone logged in.
    let member = app.login("member").await;
    let detail = app.get_json(&member, &format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(detail["campaign"]["code"], "api-2011");
    let tpl = detail["templates"][0]["id"].as_i64().unwrap();
    assert_eq!(detail["templates"][0]["due"], "2011-12-15");
    // The office moves the due date; a date that does not exist is refused and changes nothing.
    let due = |d: &str| office.post(app.url(&format!("/api/v1/campaigns/{id}/templates/{tpl}/due"))).json(&json!({ "due": d })).send();
    let r = due("2011-12-20").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["due"], "2011-12-20");
    assert_eq!(due("2011-02-30").await.unwrap().status(), 422);
    assert_eq!(app.get_json(&office, &format!("/api/v1/campaigns/{id}")).await["templates"][0]["due"], "2011-12-20");
    // Only the office changes a plan.
    let sec = app.login("orgsec").await;
    let r = sec.post(app.url(&format!("/api/v1/campaigns/{id}/templates/{tpl}/due"))).json(&json!({"due": "2011-12-01"})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Reminders now: a count.
    let r = office.post(app.url(&format!("/api/v1/campaigns/{id}/remind"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.json::<Value>().await.unwrap()["notified"].as_i64().is_some());
    // Archiving takes the confirmation; afterwards the plan is read-only.
    let close = |confirm: bool| office.post(app.url(&format!("/api/v1/campaigns/{id}/close"))).json(&json!({ "confirm": confirm })).send();
    assert_eq!(close(false).await.unwrap().status(), 400);
    assert_eq!(app.get_json(&office, &format!("/api/v1/campaigns/{id}")).await["campaign"]["state"], "active");
    let r = close(true).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "closed");
    assert_eq!(due("2011-12-22").await.unwrap().status(), 409);
    assert_eq!(app.get_json(&office, &format!("/api/v1/campaigns/{id}")).await["templates"][0]["due"], "2011-12-20");
    // The dashboard over the API, at the caller's reach.
    let demo = campaign(&app, &office).await;
    let dash = app.get_json(&office, &format!("/api/v1/campaigns/{demo}/dashboard")).await;
    assert!(dash["by_child"].as_array().is_some_and(|r| !r.is_empty()), "{dash}");
}
