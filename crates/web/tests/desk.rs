//! Issue 18: the first page shows the work. A member's desk lists the survey, the nomination open
//! to anyone and the commitments waiting for them; a branch secretary's desk lists the branch's
//! overdue and due-soon tasks (the same numbers as the task list behind them), the members
//! without a commitment, and how many have not answered an open survey, only as the anonymity
//! rule allows (never a count that gives away a group under 5). The page and `/api/v1/desk` are
//! the same use case. Through HTTP, on SQLite and PostgreSQL alike.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(a_member_and_a_branch_secretary_find_their_work_on_the_first_page);
both!(a_person_opens_the_public_page_of_every_node_they_belong_to);
both!(forms_choose_organizations_and_units_by_their_full_path);
both!(in_wechat_every_download_opens_the_open_in_your_browser_page);
both!(the_auditor_reads_actions_and_changes_in_words);

fn day(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date()
}

async fn send(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// The id of the node a demo account's first reach of a kind is over.
async fn reach_id(app: &TestApp, user: &str, kind: &str) -> i64 {
    let me = app.get_json(&app.login(user).await, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap_or_else(|| panic!("{user} has no {kind} reach: {me}"));
    r["target"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

fn waiting_of<'a>(desk: &'a Value, kind: &str) -> Vec<&'a Value> {
    desk["waiting"].as_array().unwrap().iter().filter(|w| w["kind"] == kind).collect()
}

async fn a_member_and_a_branch_secretary_find_their_work_on_the_first_page(app: TestApp) {
    let office = app.login("office").await;
    let member = app.login("member").await;
    let branchsec = app.login("branchsec").await;

    // The branch secretary's duty: the branch, its overdue tasks as the task list counts them.
    let desk = app.get_json(&branchsec, "/api/v1/desk").await;
    let duty = desk["duties"].as_array().unwrap().iter().find(|d| d["org_id"].is_i64()).unwrap_or_else(|| panic!("a duty for the branch: {desk}")).clone();
    let branch = duty["org_id"].as_i64().unwrap();
    let overdue = app.get_json(&branchsec, &format!("/api/v1/tasks?org={branch}&flag=overdue")).await;
    assert_eq!(duty["overdue"].as_u64().unwrap() as usize, overdue.as_array().unwrap().len(), "the desk's number is the list's: {duty}");
    let soon = app.get_json(&branchsec, &format!("/api/v1/tasks?org={branch}&flag=soon")).await;
    assert_eq!(duty["due_soon"].as_u64().unwrap() as usize, soon.as_array().unwrap().len(), "{duty}");
    assert!(duty["not_committed"].is_u64(), "the members without a commitment: {duty}");
    let html = branchsec.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("项任务逾期") && html.contains(&format!("/tasks?org={branch}&#38;flag=overdue")), "{html}");

    // The office opens a survey to the branch and a nomination open to anyone.
    let (status, s) = send(&app, &office, "/api/v1/surveys", json!({"title": "工作台测试问卷"})).await;
    assert_eq!(status, 201, "{s}");
    let survey = s["id"].as_i64().unwrap();
    let (status, s) =
        send(&app, &office, &format!("/api/v1/surveys/{survey}/questions"), json!({"action": "add", "kind": "single", "text": "满意吗", "options": ["满意", "不满意"]})).await;
    assert_eq!(status, 200, "{s}");
    let code = s["questions"].as_array().unwrap().last().unwrap()["code"].as_str().unwrap().to_string();
    let (status, a) = send(&app, &office, &format!("/api/v1/surveys/{survey}/audience"), json!({"mode": "org", "node": branch})).await;
    assert_eq!(status, 200, "{a}");
    let invited = a["invitees"].as_i64().unwrap();
    assert_eq!(send(&app, &office, &format!("/api/v1/surveys/{survey}/open"), json!({})).await.0, 200);
    let t = today();
    let (status, v) = send(
        &app,
        &office,
        "/api/v1/selections",
        json!({"category": "excellent-member-beside-me", "nominate_until": day(t + time::Duration::days(3)), "vote_from": day(t + time::Duration::days(5)), "vote_until": day(t + time::Duration::days(9))}),
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {v}");
    let selection = v["id"].as_i64().unwrap();

    // The member's desk: the survey to answer and the nomination, with its days left.
    let desk = app.get_json(&member, "/api/v1/desk").await;
    let surveys = waiting_of(&desk, "survey");
    assert!(surveys.iter().any(|w| w["href"] == format!("/surveys/{survey}/answer")), "{desk}");
    let nominate = waiting_of(&desk, "nominate");
    let n = nominate.iter().find(|w| w["href"] == format!("/selections/{selection}")).unwrap_or_else(|| panic!("{desk}"));
    assert_eq!(n["days_left"], 3);
    let html = member.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("工作台测试问卷") && html.contains("待答问卷") && html.contains("开放推荐") && html.contains("还剩3天"), "{html}");

    // Participation before anyone answered: nobody has, which gives no one away.
    let turnout = |desk: &Value| {
        desk["duties"].as_array().unwrap().iter().find(|d| d["org_id"] == branch).unwrap()["surveys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["survey_id"] == survey)
            .cloned()
            .unwrap()
    };
    let before = turnout(&app.get_json(&branchsec, "/api/v1/desk").await);
    if invited >= 5 {
        assert_eq!(before["not_answered"], invited, "{before}");
    }
    // One answer: "one has answered" would single them out, so neither count shows.
    let (status, r) = send(&app, &member, &format!("/api/v1/surveys/{survey}/responses"), json!({"answers": {code.as_str(): 0}})).await;
    assert_eq!(status, 201, "{r}");
    let after = turnout(&app.get_json(&branchsec, "/api/v1/desk").await);
    assert!(after["answered"].is_null() && after["not_answered"].is_null(), "a group under 5 is not shown: {after}");
    let html = branchsec.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("人数少于5人，不显示"), "{html}");
    // Answered, it leaves the member's desk.
    let desk = app.get_json(&member, "/api/v1/desk").await;
    assert!(!waiting_of(&desk, "survey").iter().any(|w| w["href"] == format!("/surveys/{survey}/answer")), "{desk}");

    // Nobody's desk without logging in.
    assert_eq!(reqwest::Client::new().get(app.url("/api/v1/desk")).send().await.unwrap().status(), 401);
}

/// The links of 我的信息 (the person's class, Party group, department) and the breadcrumb above
/// them open the node's public page: its shape and head-count, no one's name, no delegations. A
/// node the person neither belongs to nor manages stays a 404.
async fn a_person_opens_the_public_page_of_every_node_they_belong_to(app: TestApp) {
    for user in ["member", "student", "teacher"] {
        let c = app.login(user).await;
        let me = app.get_json(&c, "/api/v1/me").await;
        let person = me["person_id"].as_i64().unwrap();
        let record = app.get_json(&c, &format!("/api/v1/people/{person}")).await;
        let memberships = record["memberships"].as_array().unwrap();
        assert!(!memberships.is_empty(), "{user}: {record}");
        for m in memberships.iter().filter(|m| m["end_date"].is_null()) {
            let base = if m["tree"] == "org" { "orgs" } else { "units" };
            let id = m["node_id"].as_i64().unwrap();
            let html = c.get(app.url(&format!("/{base}/{id}"))).send().await.unwrap();
            assert_eq!(html.status(), 200, "{user}: /{base}/{id}");
            let html = html.text().await.unwrap();
            assert!(html.contains(m["node_name"].as_str().unwrap()), "{user}: {html}");
            let detail = app.get_json(&c, &format!("/api/v1/{base}/{id}")).await;
            // Every level of the breadcrumb opens too.
            for a in detail["ancestors"].as_array().unwrap() {
                let r = c.get(app.url(&format!("/{base}/{}", a["id"]))).send().await.unwrap();
                assert_eq!(r.status(), 200, "{user}: the breadcrumb's {}", a["name"]);
            }
            if detail["access"] == "public" {
                // No names of members on a public page, and no list to page through.
                assert!(html.contains("公开信息") && !html.contains("完整名单与筛选") && !html.contains("/people/export"), "{user}: {html}");
                let r = c.get(app.url(&format!("/api/v1/orgs/{id}/delegations"))).send().await.unwrap();
                assert!(base == "units" || matches!(r.status().as_u16(), 403 | 404), "{user}: delegations of a public page");
            }
        }
    }
    // Another college's branch: the member neither belongs to it nor manages it.
    let far = reach_id(&app, "branchsec2", "org").await;
    let member = app.login("member").await;
    for path in [format!("/orgs/{far}"), format!("/api/v1/orgs/{far}")] {
        assert_eq!(member.get(app.url(&path)).send().await.unwrap().status(), 404, "{path}");
    }
}

mod a_demo_runs_as_of_its_own_date {
    #[tokio::test]
    async fn sqlite() {
        super::a_demo_runs_as_of_its_own_date(super::common::Backend::Sqlite).await
    }
    #[tokio::test]
    async fn postgres() {
        super::a_demo_runs_as_of_its_own_date(super::common::Backend::Postgres).await
    }
}

/// Issue 18: viewed years later, the 2012 demo showed every task thousands of days late. A demo
/// runs as of its own date (`pacesetter serve` gives 2012-04-20): every page says so, deadlines
/// count from it (the implementation plans due 15 March are 36 days late, not thousands), and the
/// first real campaign stops the clock for good, so no real lateness is ever erased.
async fn a_demo_runs_as_of_its_own_date(backend: common::Backend) {
    let Some(app) = common::spawn_with(backend, |c| c.demo_as_of = Some(time::macros::date!(2012 - 04 - 20))).await else { return };
    let office = app.login("office").await;
    let page = office.get(app.url("/tasks?flag=overdue")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("演示数据") && page.contains("2012年4月20日"), "the clock is on the page: {page}");
    assert!(page.contains("逾期36天"), "a plan due 15 March is 36 days late on 20 April: {page}");
    let thousands = page.match_indices("逾期").any(|(i, _)| page[i + "逾期".len()..].chars().take_while(char::is_ascii_digit).count() >= 4);
    assert!(!thousands, "no task is thousands of days late");
    // Work in progress as of that date: the period's survey open to everyone, a selection taking
    // nominations.
    let student = app.login("student").await;
    let sdesk = app.get_json(&student, "/api/v1/desk").await;
    assert!(!waiting_of(&sdesk, "survey").is_empty(), "the student has a survey to answer: {sdesk}");
    let list = student.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("还剩71天"), "the survey list says the days left (closes 30 June): {list}");
    let selections = app.get_json(&office, "/api/v1/selections").await;
    assert!(selections.to_string().contains("nominating"), "a selection takes nominations: {selections}");
    // The masses' problems at every step, dated up to that day: the student's own among them,
    // and the office's groups of similar reports.
    let mine = app.get_json(&student, "/api/v1/problems?show=mine").await;
    assert!(mine["total"].as_i64().unwrap() >= 3, "{mine}");
    assert!(mine["items"].as_array().unwrap().iter().all(|p| p["raised_on"].as_str().unwrap() <= "2012-04-20"), "{mine}");
    let all = app.get_json(&office, "/api/v1/problems?per_page=200").await;
    let states: std::collections::BTreeSet<&str> = all["items"].as_array().unwrap().iter().map(|p| p["state"].as_str().unwrap()).collect();
    assert!(states.len() >= 3, "problems at several steps: {states:?}");
    let groups = app.get_json(&office, "/api/v1/problem-groups").await;
    assert!(!groups.as_array().unwrap().is_empty(), "similar reports are grouped");
    // The cadres have visited some of their classes, up to that day.
    let cov = app.get_json(&office, "/api/v1/liaison/coverage").await;
    let visited: Vec<&str> = cov["classes"].as_array().unwrap().iter().filter_map(|c| c["last_visit"].as_str()).collect();
    assert!(!visited.is_empty() && visited.iter().all(|d| *d <= "2012-04-20"), "{cov}");
    // The API counts from the same date.
    let desk = app.get_json(&office, "/api/v1/desk").await;
    assert!(desk["duties"].as_array().unwrap().iter().any(|d| d["overdue"].as_i64().unwrap_or(0) > 0), "{desk}");
    // A real campaign stops the clock: the demo's deadlines count from the real date again.
    let token = app.csrf(&office, "/campaigns").await;
    let plan = pacesetter_web::DEMO_PLAN.replace("code = \"2012-csust\"", "code = \"real-campaign\"");
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(plan.into_bytes()).file_name("plan.toml"));
    let r = office.post(app.url("/api/v1/campaigns")).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let page = office.get(app.url("/tasks?flag=overdue")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("演示数据 · 按"), "the clock is off");
    assert!(!page.contains("逾期36天"));
}

/// The options of a `<select>` by id: (value, label).
fn options_of(html: &str, id: &str) -> Vec<(String, String)> {
    let start = html.find(&format!("<select id=\"{id}\"")).unwrap_or_else(|| panic!("no select {id}"));
    let body = &html[start..start + html[start..].find("</select>").unwrap()];
    body.split("<option value=\"")
        .skip(1)
        .map(|o| {
            let value = o.split('"').next().unwrap().to_string();
            let label = o.split_once('>').map(|x| x.1).unwrap_or("").split("</option>").next().unwrap().to_string();
            (value, label)
        })
        .collect()
}

/// Every choice of an organization or unit names it by its full path (twenty 本科生2008级党支部
/// told apart), and the forms that took a typed numeric id take a choice instead.
async fn forms_choose_organizations_and_units_by_their_full_path(app: TestApp) {
    let office = app.login("office").await;
    // The people filter: no two organizations read the same.
    let people = office.get(app.url("/people")).send().await.unwrap().text().await.unwrap();
    let orgs = options_of(&people, "org_id");
    assert!(orgs.len() > 3, "{orgs:?}");
    let labels: std::collections::HashSet<&String> = orgs.iter().map(|(_, l)| l).collect();
    assert_eq!(labels.len(), orgs.len(), "each organization is named uniquely: {orgs:?}");
    assert!(orgs.iter().any(|(_, l)| l.contains(" / ")), "below the colleges, the path is given: {orgs:?}");
    // Relation records: a class, a branch or a unit is chosen, not typed.
    let rel = office.get(app.url("/relations")).send().await.unwrap().text().await.unwrap();
    assert!(!rel.contains("name=\"target_id\" value"), "no typed id");
    let targets = options_of(&rel, "target_id");
    let class = targets.iter().find(|(v, l)| v.starts_with("unit:") && l.contains("班") && l.contains(" / ")).expect("a class by its path").0.clone();
    let branch = targets.iter().find(|(v, _)| v.starts_with("org:")).expect("a branch").0.clone();
    let cadre = app.get_json(&office, "/api/v1/people?political_status=01&kind=staff&per_page=1").await["items"][0]["number"].as_str().unwrap().to_string();
    let r = app.post_form(&office, "/relations", &[("kind", "branch_contact"), ("number", &cadre), ("target_id", &class)]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("所选对象与联系类型不符"), "a class is not a branch: {}", &body[body.find("class=\"err").unwrap_or(0)..][..200.min(body.len())]);
    assert!(body.contains(&format!("<option value=\"{class}\" selected")), "the choice is kept");
    let r = app.post_form(&office, "/relations", &[("kind", "branch_contact"), ("number", &cadre), ("target_id", &branch)]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    // A survey's audience: a unit or an organization from one picker.
    let r = app.post_form(&office, "/surveys", &[("template", "blank"), ("owner", "office"), ("title", "路径选择测试")]).await;
    assert_eq!(r.status(), 303);
    let id: i64 = r.headers()["location"].to_str().unwrap().trim_start_matches("/surveys/").split('?').next().unwrap().parse().unwrap();
    let page = office.get(app.url(&format!("/surveys/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("id=\"node\" name=\"node\" inputmode"), "no typed id for the audience");
    let picks = options_of(&page, "pick");
    let unit = picks.iter().find(|(v, l)| v.starts_with("unit:") && l.contains(" / ")).expect("units by path").0.clone();
    assert!(picks.iter().any(|(v, _)| v.starts_with("org:")), "organizations too");
    assert!(options_of(&page, "s_node").iter().all(|(v, _)| v.parse::<i64>().is_ok()), "the sample's population is chosen");
    let r = app.post_form(&office, &format!("/surveys/{id}/audience"), &[("pick", &unit)]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let v = app.get_json(&office, &format!("/api/v1/surveys/{id}")).await;
    assert!(v["invitees"].as_i64().unwrap() > 0, "{v}");
    let r = app.post_form(&office, &format!("/surveys/{id}/audience"), &[("pick", "")]).await;
    assert_eq!(r.status(), 422, "nothing chosen and no numbers");
    let r = app.post_form(&office, &format!("/surveys/{id}/audience"), &[("pick", &unit), ("numbers", "T2001")]).await;
    assert_eq!(r.status(), 422, "a choice and numbers at once are not silently half-done");
    assert!(r.text().await.unwrap().contains("请二选一"));
    let r = app.post_form(&office, "/relations", &[("kind", "branch_contact"), ("number", &cadre), ("target_id", "foo:5")]).await;
    assert_eq!(r.status(), 422, "an unknown kind of choice is refused");
    // Spot checks: the population and the second seed's unit are chosen.
    let samples = office.get(app.url("/samples")).send().await.unwrap().text().await.unwrap();
    assert!(options_of(&samples, "node").iter().any(|(_, l)| !l.is_empty()) && !options_of(&samples, "owner").is_empty());
}

/// WeChat's browser cannot download: every download (PDF posters and forms, plan files, exports)
/// answers with the "open in your browser" page there; an image shown in a page still loads.
async fn in_wechat_every_download_opens_the_open_in_your_browser_page(app: TestApp) {
    const WECHAT: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.40 NetType/WIFI Language/zh_CN";
    let office = app.login("office").await;
    let unit = reach_id(&app, "unithead", "unit").await;
    let window =
        app.get_json(&office, &format!("/api/v1/units/{unit}")).await["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap();
    let branch = reach_id(&app, "branchsec", "org").await;
    for path in [format!("/w/{window}/poster.pdf"), format!("/boards/{branch}/poster.pdf"), "/campaigns/example-plan.toml".to_string(), "/people/export.xlsx".to_string()] {
        let plain = office.get(app.url(&path)).send().await.unwrap();
        assert_eq!(plain.status(), 200, "{path}");
        assert!(plain.headers().contains_key("content-disposition"), "{path} is a download elsewhere");
        let r = office.get(app.url(&path)).header("user-agent", WECHAT).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("在浏览器打开") && body.contains(&path), "{path}: {body}");
    }
    let qr = office.get(app.url(&format!("/w/{window}/qr.png"))).header("user-agent", WECHAT).send().await.unwrap();
    assert_eq!(qr.headers()["content-type"], "image/png", "an image in a page still loads");
}

/// The auditor reads what happened in words (发布问卷, not survey.open; 新增：2015, not raw JSON),
/// with the code and the raw record kept beside them for the chain.
async fn the_auditor_reads_actions_and_changes_in_words(app: TestApp) {
    let auditor = app.login("auditor").await;
    let page = auditor.get(app.url("/audit?per_page=200")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("载入演示数据") && page.contains("<code class=\"small muted\">demo.load</code>"), "the action in words, its code beside it");
    assert!(page.contains("之后：</span>") && page.contains("原始记录"), "the change in words, the raw record kept");
    assert!(page.contains(">党组织</option>") && page.contains(">问卷</option>"), "the filter names the kinds of record");
    let v = app.get_json(&auditor, "/api/v1/audit?entity=database").await;
    let entry = v["items"].as_array().unwrap().iter().find(|e| e["action"] == "demo.load").expect("the demo's load is logged");
    assert_eq!(entry["action_label"], "载入演示数据");
    let r = auditor.get(app.url("/audit/export/audit.xlsx")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
