//! Public commitments through HTTP, on SQLite and PostgreSQL alike (承诺 → 践诺 → 评诺):
//! requirements handed down to a college and its branch; the branch, its secretary and a member
//! commit and the coverage list shrinks; the college approves a batch and returns one; an
//! amendment waits for review; progress is reported with a photo; the people served and the
//! level above rate the commitments (fifty concurrent duplicates give one 201 and 49 × 409);
//! the board, its PDF and the roll-up show the figures written out by hand below.

mod common;

use common::{TestApp, poppler};
use reqwest::Client;
use serde_json::{Value, json};

async fn reach(app: &TestApp, user: &str, kind: &str) -> i64 {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind && r["access"] == "write").unwrap_or_else(|| panic!("{user} has no {kind} reach"));
    r["target"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

async fn post(app: &TestApp, c: &Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app.post_form(c, path, fields).await;
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    (status, location.unwrap_or(body))
}

/// The id in a redirect to /commitments/{id}.
fn id_in(location: &str) -> i64 {
    location.trim_start_matches("/commitments/").split('?').next().unwrap().parse().unwrap_or_else(|_| panic!("no id in {location}"))
}

/// The commitment task a user owes, of an owner kind ("person" or "org").
async fn task_of(app: &TestApp, c: &Client, kind: &str) -> (i64, Value) {
    let mine = app.get_json(c, "/api/v1/commitments/mine").await;
    let t = mine.as_array().unwrap().iter().find(|t| t["owner_kind"] == kind).unwrap_or_else(|| panic!("no {kind} task in {mine}")).clone();
    (t["task_id"].as_i64().unwrap(), t)
}

#[allow(clippy::too_many_arguments)]
async fn make(app: &TestApp, c: &Client, task: i64, requirement: i64, category: &str, content: &str, due: &str, submit: bool) -> i64 {
    let (task, requirement) = (task.to_string(), requirement.to_string());
    let fields = [
        ("task", task.as_str()),
        ("requirement", requirement.as_str()),
        ("category", category),
        ("content", content),
        ("measures", "制定计划，按月落实，支部检查"),
        ("target", "按期完成，群众满意"),
        ("due", due),
        ("submit", if submit { "1" } else { "0" }),
    ];
    let (status, location) = post(app, c, "/commitments", &fields).await;
    assert_eq!(status, 303, "{location}");
    id_in(&location)
}

/// How many are listed as not yet committed below an organization (the CSV export).
async fn not_committed(app: &TestApp, c: &Client, org: i64) -> usize {
    let r = c.get(app.url(&format!("/commitments/coverage/export.csv?org={org}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap().lines().count() - 1
}

fn last_requirement(html: &str) -> i64 {
    let ids: Vec<i64> =
        html.match_indices(" · #").filter_map(|(i, _)| html[i + " · #".len()..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()).collect();
    *ids.iter().max().expect("a requirement")
}

async fn rate(app: &TestApp, c: &Client, survey: i64, target: i64, point: u8) -> u16 {
    c.post(app.url(&format!("/api/v1/surveys/{survey}/responses"))).json(&json!({"target": target, "answers": {"q1": point}})).send().await.unwrap().status().as_u16()
}

both!(
    commitments_run_from_requirements_to_ratings_boards_and_roll_ups,
    a_long_board_continues_on_further_pdf_pages,
    a_window_unit_shows_its_commitments_and_the_office_reviews_them
);

async fn commitments_run_from_requirements_to_ratings_boards_and_roll_ups(app: TestApp) {
    let office = app.login("office").await;
    let orgsec = app.login("orgsec").await;
    let branchsec = app.login("branchsec").await;
    let member = app.login("member").await;
    let outsider = app.login("branchsec2").await;
    let college = reach(&app, "orgsec", "org").await;
    let branch = reach(&app, "branchsec", "org").await;

    // 层层分解: the office to the college, the college to the branch, the branch to its members.
    let (s, _) =
        post(&app, &office, "/commitments/requirements", &[("org", &college.to_string()), ("title", "围绕学习型党组织建设提出承诺"), ("text", "各党支部和党员结合岗位提出承诺")])
            .await;
    assert_eq!(s, 303);
    let page = orgsec.get(app.url("/commitments/requirements")).send().await.unwrap().text().await.unwrap();
    let r1 = last_requirement(&page);
    let (s, body) =
        post(&app, &orgsec, "/commitments/requirements", &[("org", &branch.to_string()), ("parent", &r1.to_string()), ("title", "学生党支部带头建设优良学风"), ("text", "")]).await;
    assert_eq!(s, 303, "{body}");
    let r2 = last_requirement(&branchsec.get(app.url("/commitments/requirements")).send().await.unwrap().text().await.unwrap());
    assert!(r2 > r1);
    let (s, _) =
        post(&app, &branchsec, "/commitments/requirements", &[("org", &branch.to_string()), ("parent", &r2.to_string()), ("title", "每名党员至少帮扶一名同学"), ("text", "")])
            .await;
    assert_eq!(s, 303);
    let r3 = last_requirement(&member.get(app.url("/commitments/requirements")).send().await.unwrap().text().await.unwrap());
    assert_eq!(
        post(&app, &outsider, "/commitments/requirements", &[("org", &branch.to_string()), ("title", "越级下达"), ("text", "")]).await.0,
        404,
        "another college's branch is out of reach"
    );
    let (s, body) = post(&app, &orgsec, "/commitments/requirements", &[("org", &branch.to_string()), ("title", " "), ("text", "")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("请填写要求标题"), "{body}");

    // Coverage before anyone commits.
    let before = not_committed(&app, &orgsec, college).await;
    assert!(before >= 3, "the branch, its secretary and the member owe commitments: {before}");

    // Bad input changes nothing.
    let (member_task, _) = task_of(&app, &member, "person").await;
    let (t, r3s) = (member_task.to_string(), r3.to_string());
    let (s, body) = post(
        &app,
        &member,
        "/commitments",
        &[("task", &t), ("requirement", &r3s), ("category", "学习提高"), ("content", ""), ("measures", "x"), ("target", "y"), ("due", "2012-12-20")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("请填写承诺内容"), "{body}");
    let (s, body) = post(
        &app,
        &member,
        "/commitments",
        &[("task", &t), ("requirement", &r3s), ("category", "学习提高"), ("content", "读书"), ("measures", "x"), ("target", "y"), ("due", "2013-01-05")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("完成日期应在 2012-01-01 至 2012-12-31 之间"), "{body}");
    let (s, _) = post(
        &app,
        &member,
        "/commitments",
        &[("task", &t), ("requirement", &r1.to_string()), ("category", "不存在的类别"), ("content", "读书"), ("measures", "x"), ("target", "y"), ("due", "2012-12-01")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(task_of(&app, &member, "person").await.1["commitments"].as_array().unwrap().is_empty(), "nothing was made");
    assert_eq!(
        post(&app, &outsider, "/commitments", &[("task", &t), ("category", "学习提高"), ("content", "冒名"), ("measures", "x"), ("target", "y"), ("due", "2012-12-01")]).await.0,
        404
    );

    // The member: a draft (not yet counted), then handed in (counted), and a second at once.
    let a = make(&app, &member, member_task, r3, "学习提高", "每月精读一本理论著作并撰写读书笔记", "2012-12-20", false).await;
    assert_eq!(not_committed(&app, &orgsec, college).await, before, "a draft is not a commitment yet");
    assert_eq!(outsider.get(app.url(&format!("/commitments/{a}"))).send().await.unwrap().status(), 404, "a draft is not public");
    assert_eq!(post(&app, &member, "/commitments/submit", &[("ids", &a.to_string())]).await.0, 303);
    // The task under review shows its reviewer what was handed in, not "nothing submitted".
    let task_page = branchsec.get(app.url(&format!("/tasks/{member_task}"))).send().await.unwrap().text().await.unwrap();
    assert!(task_page.contains("提交的承诺") && task_page.contains("每月精读一本理论著作并撰写读书笔记") && !task_page.contains("尚未提交"), "{task_page}");
    assert_eq!(not_committed(&app, &orgsec, college).await, before - 1);
    let b = make(&app, &member, member_task, r3, "本职岗位创佳绩", "帮助三名学习困难的同学通过期末考试", "2012-07-10", true).await;
    // The branch and its secretary commit too.
    let (branch_task, _) = task_of(&app, &branchsec, "org").await;
    let c = make(&app, &branchsec, branch_task, r2, "教风学风做先锋", "支部党员课程考试全部及格，优良率百分之八十", "2012-12-31", true).await;
    let (sec_task, _) = task_of(&app, &branchsec, "person").await;
    let d = make(&app, &branchsec, sec_task, r3, "服务群众和基层做榜样", "每周为同学答疑一次", "2012-11-30", true).await;
    assert_eq!(not_committed(&app, &orgsec, college).await, before - 3, "the coverage list shrinks as they commit");

    // Review: nobody reviews their own; another college cannot; the college approves a batch
    // and returns one with a comment (required).
    assert_eq!(post(&app, &member, "/commitments/review", &[("confirmed", "1"), ("ids", &a.to_string()), ("action", "approve")]).await.0, 403);
    assert!(matches!(post(&app, &outsider, "/commitments/review", &[("confirmed", "1"), ("ids", &a.to_string()), ("action", "approve")]).await.0, 403 | 404));
    let queue = orgsec.get(app.url("/commitments/review")).send().await.unwrap().text().await.unwrap();
    assert!(queue.contains("每月精读一本理论著作") && queue.contains("支部党员课程考试全部及格"), "the college's queue lists the branch's and the members'");
    let (s, body) = post(&app, &orgsec, "/commitments/review", &[("confirmed", "1"), ("ids", &b.to_string()), ("action", "return"), ("comment", " ")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("退回时请写明意见"));
    // Issue 18: forms that do only what was asked. The queue opens with nothing ticked.
    for x in [a, b, c, d] {
        assert!(!queue.contains(&format!("value=\"{x}\" checked")), "the queue opens with nothing ticked");
    }
    // 退回修改 without a reason on a commitment's own page comes back on that page, about that
    // one commitment only.
    let page = format!("/commitments/{b}");
    let (s, body) = post(&app, &orgsec, "/commitments/review", &[("ids", &b.to_string()), ("back", &page), ("action", "return"), ("comment", "")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("退回时请写明意见") && body.contains("帮助三名学习困难的同学") && body.contains("践诺进度"), "the commitment's own page: {body}");
    assert!(!body.contains("每月精读一本理论著作"), "no other commitment on it");
    // A refused batch comes back with exactly the chosen ones ticked.
    let (s, body) = post(&app, &orgsec, "/commitments/review", &[("ids", &a.to_string()), ("ids", &c.to_string()), ("action", "return"), ("comment", " ")]).await;
    assert_eq!(s, 422);
    assert!(body.contains(&format!("value=\"{a}\" checked")) && body.contains(&format!("value=\"{c}\" checked")), "{body}");
    assert!(!body.contains(&format!("value=\"{b}\" checked")) && !body.contains(&format!("value=\"{d}\" checked")));
    // Without the confirmation a batch only says what would happen, to how many and which; the
    // confirmation posts the same choice again.
    let (s, body) =
        post(&app, &orgsec, "/commitments/review", &[("ids", &a.to_string()), ("ids", &c.to_string()), ("ids", &d.to_string()), ("action", "approve"), ("comment", "切实可行")])
            .await;
    assert_eq!(s, 200);
    assert!(body.contains("将通过以下 3 项公开承诺") && body.contains("确认通过 3 项") && body.contains("每月精读一本理论著作") && body.contains("审核意见：切实可行"), "{body}");
    assert!(body.contains(r#"name="confirmed" value="1""#) && body.contains(&format!(r#"name="ids" value="{d}""#)));
    assert!(!body.contains("帮助三名学习困难的同学"), "only the chosen are listed");
    assert_eq!(app.get_json(&member, &format!("/api/v1/commitments/{a}")).await["state"], "under_review", "nothing changed before the confirmation");
    let (s, body) = post(&app, &orgsec, "/commitments/review", &[("ids", &b.to_string()), ("action", "return"), ("comment", "措施不够具体")]).await;
    assert!(s == 200 && body.contains("将退回以下 1 项公开承诺") && body.contains("确认退回 1 项"), "{body}");
    let (s, _) = post(&app, &member, "/commitments/review", &[("ids", &a.to_string()), ("action", "approve")]).await;
    assert_eq!(s, 403, "the trial refuses as the decision would");
    let (s, body) = post(
        &app,
        &orgsec,
        "/commitments/review",
        &[("confirmed", "1"), ("ids", &a.to_string()), ("ids", &c.to_string()), ("ids", &d.to_string()), ("action", "approve"), ("comment", "切实可行")],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    assert_eq!(post(&app, &orgsec, "/commitments/review", &[("confirmed", "1"), ("ids", &b.to_string()), ("action", "return"), ("comment", "措施不够具体")]).await.0, 303);
    assert_eq!(
        post(&app, &orgsec, "/commitments/review", &[("confirmed", "1"), ("ids", &a.to_string()), ("action", "approve")]).await.0,
        409,
        "an approved commitment waits for no decision"
    );
    assert_eq!(task_of(&app, &member, "person").await.1["task_state"], "returned");
    let notes = member.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(notes.contains("被退回：措施不够具体"), "the member is told why");
    // Edited and handed in again; the branch secretary approves it.
    let (s, _) = post(
        &app,
        &member,
        &format!("/commitments/{b}"),
        &[
            ("category", "本职岗位创佳绩"),
            ("content", "帮助三名学习困难的同学通过期末考试"),
            ("measures", "每周两次辅导，建立帮扶台账"),
            ("target", "三人全部通过"),
            ("due", "2012-07-10"),
            ("requirement", &r3s),
            ("submit", "1"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(post(&app, &branchsec, "/commitments/review", &[("confirmed", "1"), ("ids", &b.to_string()), ("action", "approve")]).await.0, 303);
    assert_eq!(task_of(&app, &member, "person").await.1["task_state"], "accepted");
    // Its date (10 July 2012) has passed and it is not fulfilled: the reminders say so, once.
    let campaign = app.get_json(&office, "/api/v1/campaigns").await[0]["id"].as_i64().unwrap();
    assert_eq!(post(&app, &office, &format!("/campaigns/{campaign}/remind"), &[]).await.0, 303);
    assert_eq!(post(&app, &office, &format!("/campaigns/{campaign}/remind"), &[]).await.0, 303);
    let notes = member.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert_eq!(notes.matches("帮助三名学习困难的同学通过期末考试”已过完成时限").count(), 1, "one overdue reminder: {notes}");

    // An approved commitment changes only through review; the approved text stays meanwhile.
    let (s, _) = post(
        &app,
        &member,
        &format!("/commitments/{a}"),
        &[
            ("category", "学习提高"),
            ("content", "每月精读两本理论著作并撰写读书笔记"),
            ("measures", "制定计划，按月落实，支部检查"),
            ("target", "全年24本"),
            ("due", "2012-12-20"),
            ("requirement", &r3s),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let ja = app.get_json(&member, &format!("/api/v1/commitments/{a}")).await;
    assert_eq!((ja["content"].as_str().unwrap(), ja["amendment_pending"].as_bool().unwrap()), ("每月精读一本理论著作并撰写读书笔记", true));
    assert_eq!(post(&app, &branchsec, "/commitments/review", &[("confirmed", "1"), ("ids", &a.to_string()), ("action", "approve")]).await.0, 303);
    let ja = app.get_json(&member, &format!("/api/v1/commitments/{a}")).await;
    assert_eq!((ja["content"].as_str().unwrap(), ja["version"].as_i64().unwrap(), ja["state"].as_str().unwrap()), ("每月精读两本理论著作并撰写读书笔记", 2, "approved"));

    // 践诺: progress with a photo; never backwards; 100% fulfils it.
    let token = app.csrf(&member, "/home").await;
    let report = |percent: &'static str, with_photo: bool| {
        let mut f = reqwest::multipart::Form::new().text("day", "2012-05-10").text("percent", percent).text("text", "已精读《实践论》《矛盾论》，笔记两篇");
        if with_photo {
            f = f.part("files", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("读书笔记.png"));
        }
        member.post(app.url(&format!("/commitments/{a}/progress"))).header("x-csrf-token", token.clone()).multipart(f).send()
    };
    assert_eq!(report("60", true).await.unwrap().status(), 303);
    let r = report("50", false).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("进度不能低于上次报告的 60%"));
    let page = member.get(app.url(&format!("/commitments/{a}"))).send().await.unwrap().text().await.unwrap();
    let i = page.find("/commitments/evidence/").expect("the photo is shown") + "/commitments/evidence/".len();
    let photo: i64 = page[i..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap();
    let r = member.get(app.url(&format!("/commitments/evidence/{photo}"))).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap().to_string()), (200, "image/png".to_string()));
    assert_eq!(report("100", false).await.unwrap().status(), 303);
    assert_eq!(app.get_json(&member, &format!("/api/v1/commitments/{a}")).await["state"], "fulfilled");

    // Five more members join the branch before the evaluation (its audience is fixed when it starts).
    for i in 1..=5 {
        let r = office
            .post(app.url("/api/v1/people"))
            .header("x-csrf-token", app.csrf(&office, "/home").await)
            .json(&json!({"name": format!("评诺党员{i}"), "kind": "student", "number": format!("20129900{i:02}"), "political_status": "01", "org_id": branch, "email": format!("pn{i}@example.edu.cn")}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    // 评诺: the college starts the evaluation of its approved commitments and opens it.
    let (s, location) = post(&app, &orgsec, "/commitments/evaluate", &[("org", &college.to_string())]).await;
    assert_eq!(s, 303, "{location}");
    let survey: i64 = location.trim_start_matches("/surveys/").split('?').next().unwrap().parse().unwrap();
    assert_eq!(post(&app, &orgsec, &format!("/surveys/{survey}/open"), &[("confirmed", "1")]).await.0, 303);
    // Four members of the branch rate the member's commitment through their personal links,
    // mailed to each (the college never sees them).
    let me_member = app.get_json(&member, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let r = orgsec.post(app.url(&format!("/surveys/{survey}/links"))).header("x-csrf-token", app.csrf(&orgsec, "/home").await).form(&[("kind", "personal")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(!r.text().await.unwrap().contains("/s/"), "no link is shown to the owner");
    let mut links = Vec::new();
    for i in 1..=5 {
        links.push(app.mailed_link(&format!("pn{i}@example.edu.cn")).await.expect("a link in the member's mail"));
    }
    assert_eq!(links.len(), 5);
    let anon = common::client(&app.url(""));
    for (link, point) in links[..4].iter().zip([0u8, 0, 1, 2]) {
        let r = anon.post(app.url(&format!("/api/v1/s/{link}"))).json(&json!({"target": a, "answers": {"q1": point}})).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    // The level above rates it too; the owner cannot; the masses outside the branch cannot.
    assert_eq!(rate(&app, &branchsec, survey, a, 1).await, 201);
    assert_eq!(rate(&app, &orgsec, survey, a, 0).await, 201);
    assert_eq!(rate(&app, &member, survey, a, 0).await, 403, "nobody rates their own commitment");
    let form = member.get(app.url(&format!("/surveys/{survey}/answer"))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("支部党员课程考试全部及格") && !form.contains("每月精读两本理论著作"), "the form offers what the member may rate, not their own");
    let student = app.login("student").await;
    assert_eq!(rate(&app, &student, survey, a, 0).await, 403, "a student outside the branch is not served by a member's commitment");
    assert_eq!(rate(&app, &outsider, survey, a, 0).await, 404, "another college is not in the audience");
    let r = branchsec.post(app.url(&format!("/api/v1/surveys/{survey}/responses"))).json(&json!({"target": c, "answers": {"q1": 7}})).send().await.unwrap();
    assert_eq!(r.status(), 422, "a rating outside the scale");
    // The branch's own commitment: two of its members, then fifty concurrent tries by the college.
    assert_eq!(rate(&app, &member, survey, c, 0).await, 201);
    let r = anon.post(app.url(&format!("/api/v1/s/{}", links[4]))).json(&json!({"target": c, "answers": {"q1": 0}})).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(rate(&app, &member, survey, c, 0).await, 409, "a second rating");
    assert_eq!(rate(&app, &branchsec, survey, c, 0).await, 403, "the branch's secretary made the branch's commitment");
    let mut handles = Vec::new();
    for _ in 0..50 {
        let (cl, url) = (orgsec.clone(), app.url(&format!("/api/v1/surveys/{survey}/responses")));
        handles.push(tokio::spawn(async move { cl.post(url).json(&json!({"target": c, "answers": {"q1": 1}})).send().await.unwrap().status().as_u16() }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap());
    }
    assert_eq!((codes.iter().filter(|c| **c == 201).count(), codes.iter().filter(|c| **c == 409).count()), (1, 49), "{codes:?}");

    // The figures, by hand. Commitment a: 满意 3 (two links, the college), 基本满意 2 (a link, the
    // branch secretary), 不满意 1 → 5 / 6 = 83.33%. Commitment c: 满意 2 (a member, a link), 基本满意 1 → 3 ratings,
    // fewer than 5: not shown, not even how many, and in no sum (issue 16: the college's total of
    // 9 minus a's 6 gave c's 3 away). The college's subtree is a's alone: 83.33%.
    let ja = app.get_json(&member, &format!("/api/v1/commitments/{a}")).await;
    assert_eq!(ja["rate"], json!({"shown": true, "satisfied": 3, "fairly": 2, "dissatisfied": 1, "valid": 6, "percent": "83.33%"}));
    // Histories name people, not user names.
    let shown = app.get_json(&member, "/api/v1/me").await["display_name"].as_str().unwrap().to_string();
    assert_ne!(shown, "member");
    assert_eq!(ja["progress"][0]["reported_by"], shown.as_str(), "{ja}");
    assert_eq!(ja["revisions"][0]["submitted_by"], shown.as_str(), "{ja}");
    assert!(ja["revisions"].as_array().unwrap().iter().all(|r| r["decided_by"] != "orgsec" && r["decided_by"] != "branchsec"), "{ja}");
    let jc = app.get_json(&member, &format!("/api/v1/commitments/{c}")).await;
    assert_eq!(jc["rate"], json!({"shown": false, "under_minimum": true}));
    let dash = orgsec.get(app.url(&format!("/commitments/dashboard?org={college}"))).send().await.unwrap().text().await.unwrap();
    assert!(dash.contains("83.33%（满意 3，基本满意 2，不满意 1，共 6 份）"), "the college's roll-up leaves the small one out");
    assert!(!dash.contains("共 9 份"));
    assert!(dash.contains("尚无评价"), "the college's own figures are its own, not its children's");
    let bdash = branchsec.get(app.url(&format!("/commitments/dashboard?org={branch}"))).send().await.unwrap().text().await.unwrap();
    assert!(bdash.contains("83.33%"), "the branch's own (its and its members') figures");

    // A second evaluation of the same commitments (the office's, of the branch) with two ratings
    // of a: under the minimum there, they stay out of every pooled figure (a's 6 + 2 = 8, minus
    // the 6 the first survey shows, would give the two away).
    let (s, location) = post(&app, &office, "/commitments/evaluate", &[("org", &branch.to_string())]).await;
    assert_eq!(s, 303, "{location}");
    let second: i64 = location.trim_start_matches("/surveys/").split('?').next().unwrap().parse().unwrap();
    assert_ne!(second, survey);
    assert_eq!(post(&app, &office, &format!("/surveys/{second}/open"), &[("confirmed", "1")]).await.0, 303);
    let r = office.post(app.url(&format!("/surveys/{second}/links"))).header("x-csrf-token", app.csrf(&office, "/home").await).form(&[("kind", "personal")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    for i in 1..=2 {
        let link = app.mailed_link(&format!("pn{i}@example.edu.cn")).await.expect("a new link in the member's mail");
        let r = anon.post(app.url(&format!("/api/v1/s/{link}"))).json(&json!({"target": a, "answers": {"q1": 2}})).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    let ja = app.get_json(&member, &format!("/api/v1/commitments/{a}")).await;
    assert_eq!(ja["rate"]["valid"], 6, "the second survey's two ratings are not pooled: {ja}");
    let dash = orgsec.get(app.url(&format!("/commitments/dashboard?org={college}"))).send().await.unwrap().text().await.unwrap();
    assert!(dash.contains("共 6 份") && !dash.contains("共 8 份"), "nor rolled up");
    assert_eq!(outsider.get(app.url(&format!("/commitments/dashboard?org={college}"))).send().await.unwrap().status(), 404);

    // The board: open to everyone by default, with its default fields; logged-in readers only
    // once the office closes it.
    let anon = common::client(&app.url(""));
    let open = anon.get(app.url(&format!("/boards/{branch}"))).send().await.unwrap();
    assert_eq!(open.status(), 200, "public by default");
    assert!(open.text().await.unwrap().contains("每月精读两本理论著作"));
    let defaults: Vec<(&str, &str)> = ["name", "org", "category", "content", "target", "due", "progress", "rate"].iter().map(|f| ("fields", *f)).collect();
    assert_eq!(post(&app, &office, "/boards/settings", &defaults).await.0, 303);
    assert_eq!(anon.get(app.url(&format!("/boards/{branch}"))).send().await.unwrap().status(), 401, "closed by the office");
    let board = outsider.get(app.url(&format!("/boards/{branch}"))).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("每月精读两本理论著作") && board.contains("83.33%") && !board.contains("每周两次辅导"), "measures are not on the board by default");
    let detail = outsider.get(app.url(&format!("/commitments/{b}"))).send().await.unwrap().text().await.unwrap();
    assert!(detail.contains("帮助三名学习困难的同学") && !detail.contains("每周两次辅导"), "nor on the page of one commitment, for a reader outside its scope");
    assert_eq!(post(&app, &branchsec, "/boards/settings", &[("open_to_public", "yes"), ("fields", "content")]).await.0, 403);
    let (s, _) = post(
        &app,
        &office,
        "/boards/settings",
        &[("open_to_public", "yes"), ("fields", "name"), ("fields", "content"), ("fields", "measures"), ("fields", "progress"), ("fields", "rate"), ("org", &branch.to_string())],
    )
    .await;
    assert_eq!(s, 303);
    let public = anon.get(app.url(&format!("/boards/{branch}"))).send().await.unwrap().text().await.unwrap();
    assert!(public.contains("每月精读两本理论著作") && public.contains("每周两次辅导") && public.contains("100%"), "the chosen fields");
    let member_number = app.get_json(&office, &format!("/api/v1/people/{me_member}")).await["number"].as_str().unwrap().to_string();
    assert!(!public.contains(&member_number), "never a person's number");
    let pdf = anon.get(app.url(&format!("/boards/{branch}/poster.pdf"))).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    let pdf = pdf.bytes().await.unwrap().to_vec();
    assert!(pdf.len() < 1_000_000, "under 1 MB: {}", pdf.len());
    assert!(poppler("pdffonts", &pdf, &[]).lines().any(|l| l.contains("yes yes")), "embedded subset font");
    let text = poppler("pdftotext", &pdf, &["-enc", "UTF-8"]);
    assert!(text.contains("每月精读两本理论著作") && text.contains("83.33%") && text.contains("党务公开栏") && text.contains("党员公开承诺"), "{text}");
    let drawn = poppler("pdftoppm", &pdf, &["-gray", "-r", "72", "-f", "1", "-l", "1"]);
    assert!(drawn.trim_start_matches("dark pixels: ").parse::<usize>().unwrap() > 100, "the glyphs are drawn: {drawn}");

    // Lists and exports.
    let list = app.get_json(&orgsec, &format!("/api/v1/commitments?org={branch}&state=fulfilled")).await;
    let list = list.as_array().unwrap();
    assert!(list.iter().any(|x| x["id"] == a) && list.iter().all(|x| x["state"] == "fulfilled"), "the filter keeps the fulfilled: {list:?}");
    let csv = orgsec.get(app.url(&format!("/commitments/export.csv?org={college}"))).send().await.unwrap().text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("每月精读两本理论著作") && csv.contains("83.33%"));
    let xlsx = orgsec.get(app.url("/commitments/export.xlsx")).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let mine = app.get_json(&outsider, &format!("/api/v1/commitments?org={branch}&state=draft")).await;
    assert!(mine.as_array().unwrap().is_empty(), "another college sees no drafts of this branch");
}

/// A branch with thirty approved commitments: the board's PDF continues on further pages, every
/// page under the same font, the whole under 1 MB.
async fn a_long_board_continues_on_further_pdf_pages(app: TestApp) {
    let member = app.login("member").await;
    let branchsec = app.login("branchsec").await;
    let branch = reach(&app, "branchsec", "org").await;
    let (task, _) = task_of(&app, &member, "person").await;
    let long = format!("{}长承诺结束", "很长的承诺内容，".repeat(240));
    let (s, location) = post(
        &app,
        &member,
        "/commitments",
        &[("task", &task.to_string()), ("category", "学习提高"), ("content", &long), ("measures", "按月落实"), ("target", "完成"), ("due", "2012-12-01"), ("submit", "1")],
    )
    .await;
    assert_eq!(s, 303, "{location}");
    let mut ids = vec![id_in(&location).to_string()];
    for i in 0..30 {
        let content = format!("第{}项承诺：围绕学风建设做一件实事，帮助同学共同进步，按月报告进展，接受支部和群众监督", i + 1);
        let (t, due) = (task.to_string(), "2012-12-01");
        let (s, location) = post(
            &app,
            &member,
            "/commitments",
            &[("task", &t), ("category", "学习提高"), ("content", &content), ("measures", "按月落实"), ("target", "完成"), ("due", due), ("submit", "1")],
        )
        .await;
        assert_eq!(s, 303, "{location}");
        ids.push(id_in(&location).to_string());
    }
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|i| ("ids", i.as_str())).collect();
    fields.push(("action", "approve"));
    fields.push(("confirmed", "1"));
    assert_eq!(post(&app, &branchsec, "/commitments/review", &fields).await.0, 303, "thirty approved in one batch");
    // Issue 18: the secretary's list is paged with its filters kept; the export has them all.
    let list = branchsec.get(app.url("/commitments?state=approved&per_page=10")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("，第1/") && list.contains("state=approved&#38;per_page=10&#38;page=2"), "{list}");
    assert_eq!(list.matches("<td class=\"wrap\"><a href=\"/commitments/").count(), 10, "one page of ten");
    let all = branchsec.get(app.url("/commitments/export.csv?state=approved")).send().await.unwrap().text().await.unwrap();
    assert!(all.matches("项承诺").count() >= 30, "the export has every one");
    let pdf = branchsec.get(app.url(&format!("/boards/{branch}/poster.pdf"))).send().await.unwrap().bytes().await.unwrap().to_vec();
    assert!(pdf.len() < 1_000_000);
    let file = std::env::temp_dir().join(format!("pacesetter-board-{}.pdf", common::rand_suffix()));
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new("pdfinfo").arg(&file).output().expect("pdfinfo (poppler-utils)");
    let _ = std::fs::remove_file(&file);
    let info = String::from_utf8_lossy(&out.stdout).to_string();
    let pages: usize = info.lines().find(|l| l.starts_with("Pages:")).and_then(|l| l[6..].trim().parse().ok()).unwrap_or(0);
    assert!(pages >= 2, "the board overflows onto further pages: {info}");
    let text = poppler("pdftotext", &pdf, &["-enc", "UTF-8"]);
    assert!(text.contains("第1项承诺") && text.contains("第30项承诺") && text.contains("长承诺结束") && text.contains("第2页"), "every commitment is printed, the pages numbered");
}

/// 亮承诺: a unit with service windows commits; the office (the plan's reviewer for windows)
/// approves; the unit's head cannot approve their own; the office's roll-up lists the unit.
async fn a_window_unit_shows_its_commitments_and_the_office_reviews_them(app: TestApp) {
    let head = app.login("unithead").await;
    let office = app.login("office").await;
    let (task, t) = task_of(&app, &head, "unit").await;
    assert!(t["owner_name"].as_str().unwrap().contains("图书馆"), "{t}");
    let id = make(&app, &head, task, 0, "服务群众和基层做榜样", "借还书窗口延长开放至晚上十点", "2012-09-01", true).await;
    assert_eq!(post(&app, &head, "/commitments/review", &[("confirmed", "1"), ("ids", &id.to_string()), ("action", "approve")]).await.0, 403);
    assert_eq!(post(&app, &app.login("orgsec").await, "/commitments/review", &[("confirmed", "1"), ("ids", &id.to_string()), ("action", "approve")]).await.0, 404);
    assert_eq!(post(&app, &office, "/commitments/review", &[("confirmed", "1"), ("ids", &id.to_string()), ("action", "approve")]).await.0, 303);
    assert_eq!(task_of(&app, &head, "unit").await.1["task_state"], "accepted");
    let dash = office.get(app.url("/commitments/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(dash.contains("窗口单位亮承诺") && dash.contains("图书馆"), "the office sees the window units");
    // The unit head's roll-up is the unit's (it was a 404: a unit head reaches no organization).
    let mine = head.get(app.url("/commitments/dashboard")).send().await.unwrap();
    assert_eq!(mine.status(), 200);
    let mine = mine.text().await.unwrap();
    assert!(mine.contains("本单位及所属窗口合计") && mine.contains("图书馆") && mine.contains("1 / 1"), "{mine}");
    let api = app.get_json(&head, "/api/v1/commitments/rollup").await;
    assert_eq!(api["kind"], "unit");
    assert_eq!(api["committed"].as_u64(), Some(1), "{api}");
    let summed: u64 = api["windows"].as_array().unwrap().iter().map(|w| w["summary"]["approved"].as_u64().unwrap()).sum();
    assert!(summed >= 1 && api["own"]["approved"].as_u64() == Some(summed), "the unit's figures are its windows' sum, the new one approved: {api}");
    let unit = api["org"]["id"].as_i64().unwrap();
    assert_eq!(office.get(app.url(&format!("/commitments/dashboard?unit={unit}"))).send().await.unwrap().status(), 200);
    let branchsec = app.login("branchsec").await;
    assert_eq!(branchsec.get(app.url(&format!("/commitments/dashboard?unit={unit}"))).send().await.unwrap().status(), 404, "another's unit");
    assert_eq!(branchsec.get(app.url(&format!("/api/v1/commitments/rollup?unit={unit}"))).send().await.unwrap().status(), 404);
    // The cadre's roll-up answers too.
    assert_eq!(app.login("cadre").await.get(app.url("/commitments/dashboard")).send().await.unwrap().status(), 200);
    // The office may write for the unit (its reach is the whole university), but then does not
    // also approve what it handed in.
    let own = make(&app, &office, task, 0, "服务群众和基层做榜样", "创先办代为填写的承诺", "2012-09-01", true).await;
    assert_eq!(post(&app, &office, "/commitments/review", &[("confirmed", "1"), ("ids", &own.to_string()), ("action", "approve")]).await.0, 403);
}

// ---- the JSON API, and the races of issue 17 ---------------------------------------------------

both!(
    commitments_are_made_reviewed_and_reported_through_the_json_api,
    coverage_requirements_roll_up_evaluation_and_boards_through_the_json_api,
    standards_and_inspections_of_a_window_through_the_json_api,
    a_batch_return_racing_a_batch_approval_leaves_one_decision_per_commitment,
    two_ends_of_one_delegation_at_once_leave_one_end,
);

async fn send_json(c: &Client, app: &TestApp, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let r = c.request(method, app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn post_json(c: &Client, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    send_json(c, app, reqwest::Method::POST, path, body).await
}

fn commitment_body(task: i64, content: &str, submit: bool) -> Value {
    json!({"task_id": task, "category": "学习提高", "content": content, "measures": "制定计划，按月落实", "target": "按期完成", "due": "2012-12-20", "submit": submit})
}

/// Every step of a commitment through the API: made as a draft, edited, handed in, returned with
/// a comment, changed and handed in again, approved in a batch, progress with a photo, the
/// history and evidence within its scope only; bad input is refused with a message and changes
/// nothing.
async fn commitments_are_made_reviewed_and_reported_through_the_json_api(app: TestApp) {
    let member = app.login("member").await;
    let branch = app.login("branchsec").await;
    let outsider = app.login("branchsec2").await;
    let (task, _) = task_of(&app, &member, "person").await;

    // Bad input: an empty content, a date outside the year, a task not owed.
    let mut bad = commitment_body(task, "", false);
    let (s, v) = post_json(&member, &app, "/api/v1/commitments", bad.clone()).await;
    assert_eq!(s, 422, "{v}");
    bad["content"] = json!("每月答疑");
    bad["due"] = json!("2099-01-01");
    assert_eq!(post_json(&member, &app, "/api/v1/commitments", bad).await.0, 422);
    let (other_task, _) = task_of(&app, &outsider, "person").await;
    assert_eq!(post_json(&member, &app, "/api/v1/commitments", commitment_body(other_task, "越权承诺", false)).await.0, 404);
    assert_eq!(
        member.post(app.url("/api/v1/commitments")).header("content-type", "application/json").body("{\"task_id\": \"x\"}").send().await.unwrap().status().as_u16() / 100,
        4
    );

    // A draft, edited, handed in.
    let (s, v) = post_json(&member, &app, "/api/v1/commitments", commitment_body(task, "每月为同学答疑一次", false)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "draft");
    let id = v["id"].as_i64().unwrap();
    let mut change = commitment_body(task, "每月为同学答疑两次", false);
    change.as_object_mut().unwrap().remove("task_id");
    let (s, v) = send_json(&member, &app, reqwest::Method::PUT, &format!("/api/v1/commitments/{id}"), change.clone()).await;
    assert_eq!((s, v["content"].as_str()), (200, Some("每月为同学答疑两次")), "{v}");
    assert_eq!(send_json(&outsider, &app, reqwest::Method::PUT, &format!("/api/v1/commitments/{id}"), change.clone()).await.0, 404);
    assert_eq!(post_json(&member, &app, "/api/v1/commitments/submit", json!({"ids": []})).await.0, 422);
    let (s, v) = post_json(&member, &app, "/api/v1/commitments/submit", json!({"ids": [id]})).await;
    assert_eq!((s, &v["done"]), (200, &json!(1)), "{v}");
    assert_eq!(app.get_json(&member, &format!("/api/v1/commitments/{id}")).await["state"], "under_review");

    // The branch reviews it: it waits in the queue; a return needs a comment; an unknown action
    // is a mistake to correct.
    let queue = app.get_json(&branch, "/api/v1/commitments/review").await;
    assert!(queue.as_array().unwrap().iter().any(|q| q["commitment"]["id"] == id), "{queue}");
    assert!(app.get_json(&outsider, "/api/v1/commitments/review").await.as_array().unwrap().iter().all(|q| q["commitment"]["id"] != id));
    assert_eq!(post_json(&branch, &app, &format!("/api/v1/commitments/{id}/review"), json!({"action": "return"})).await.0, 422);
    assert_eq!(post_json(&branch, &app, &format!("/api/v1/commitments/{id}/review"), json!({"action": "maybe"})).await.0, 422);
    assert_eq!(post_json(&outsider, &app, &format!("/api/v1/commitments/{id}/review"), json!({"action": "approve"})).await.0, 404);
    assert_eq!(post_json(&member, &app, &format!("/api/v1/commitments/{id}/review"), json!({"action": "approve"})).await.0, 403, "the owner does not review");
    let (s, v) = post_json(&branch, &app, &format!("/api/v1/commitments/{id}/review"), json!({"action": "return", "comment": "目标请量化"})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("returned")), "{v}");
    assert_eq!(post_json(&branch, &app, &format!("/api/v1/commitments/{id}/review"), json!({"action": "approve"})).await.0, 409, "a returned commitment waits for its owner");
    // The owner is told why.
    let notes = member.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(notes.contains("目标请量化"), "the owner's notification carries the comment");

    // Changed and handed in again, then approved in a batch with a second one.
    let mut again = change.clone();
    again["target"] = json!("每月两次，全年二十四次");
    again["submit"] = json!(true);
    let (s, v) = send_json(&member, &app, reqwest::Method::PUT, &format!("/api/v1/commitments/{id}"), again).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("under_review")), "{v}");
    let (_, v) = post_json(&member, &app, "/api/v1/commitments", commitment_body(task, "每学期组织一次读书会", true)).await;
    let second = v["id"].as_i64().unwrap();
    let (s, v) = post_json(&branch, &app, "/api/v1/commitments/review", json!({"ids": [id, second], "action": "approve", "comment": "同意"})).await;
    assert_eq!((s, &v["done"]), (200, &json!(2)), "{v}");

    // Progress with a photo: the owner only; never backwards.
    let token = app.csrf(&member, "/home").await;
    let report = |c: &Client, token: &str, percent: &str| {
        let mp = reqwest::multipart::Form::new()
            .text("percent", percent.to_string())
            .text("text", "已答疑三次")
            .part("files", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("答疑.png"));
        c.post(app.url(&format!("/api/v1/commitments/{id}/progress"))).header("x-csrf-token", token.to_string()).multipart(mp).send()
    };
    let r = report(&member, &token, "40").await.unwrap();
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.unwrap();
    assert_eq!((p["percent"].as_i64(), p["evidence"].as_array().unwrap().len()), (Some(40), 1), "{p}");
    let r = report(&member, &token, "20").await.unwrap();
    assert_eq!(r.status(), 422, "progress does not go backwards");
    let other_token = app.csrf(&outsider, "/home").await;
    assert_eq!(report(&outsider, &other_token, "50").await.unwrap().status(), 404);

    // Inside its scope: the history and the evidence; outside: the public fields only.
    let d = app.get_json(&branch, &format!("/api/v1/commitments/{id}")).await;
    assert_eq!(d["state"], "in_progress", "{d}");
    assert_eq!(d["can_review"], true);
    let decisions: Vec<&str> = d["revisions"].as_array().unwrap().iter().filter_map(|r| r["decision"].as_str()).collect();
    assert_eq!(decisions, vec!["returned", "approved"], "{d}");
    assert_eq!(d["progress"][0]["evidence"].as_array().unwrap().len(), 1);
    let o = app.get_json(&outsider, &format!("/api/v1/commitments/{id}")).await;
    assert_eq!(o["revisions"], json!([]), "{o}");
    assert_eq!(o["progress"][0]["evidence"], json!([]), "{o}");
    assert!(o["progress"][0]["reported_by"].is_null(), "{o}");
    assert_eq!((o["can_edit"].as_bool(), o["can_review"].as_bool()), (Some(false), Some(false)));
    let url = d["progress"][0]["evidence"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(member.get(app.url(&url)).send().await.unwrap().status(), 200);
    assert_eq!(outsider.get(app.url(&url)).send().await.unwrap().status(), 404);

    // An amendment of an approved commitment waits while the approved text stays.
    let mut amend = change.clone();
    amend["content"] = json!("每月为同学答疑三次");
    let (s, v) = send_json(&member, &app, reqwest::Method::PUT, &format!("/api/v1/commitments/{id}"), amend).await;
    assert_eq!((s, v["content"].as_str(), v["amendment_pending"].as_bool()), (200, Some("每月为同学答疑两次"), Some(true)), "{v}");
    let queue = app.get_json(&branch, "/api/v1/commitments/review").await;
    let q = queue.as_array().unwrap().iter().find(|q| q["commitment"]["id"] == id).expect("the amendment waits for review").clone();
    assert_eq!(q["amendment"]["content"], "每月为同学答疑三次");
    let (s, v) = post_json(&branch, &app, &format!("/api/v1/commitments/{id}/review"), json!({"action": "approve"})).await;
    assert_eq!((s, v["content"].as_str(), v["amendment_pending"].as_bool()), (200, Some("每月为同学答疑三次"), Some(false)), "{v}");

    // The lists: the member's own, and the branch's filtered by state.
    let mine = app.get_json(&member, "/api/v1/commitments/mine").await;
    assert!(mine.as_array().unwrap().iter().any(|t| t["commitments"].as_array().unwrap().contains(&json!(id))));
    let listed = app.get_json(&branch, "/api/v1/commitments?state=in_progress").await;
    assert!(listed.as_array().unwrap().iter().any(|c| c["id"] == id) && listed.as_array().unwrap().iter().all(|c| c["state"] == "in_progress"), "{listed}");
}

/// Coverage and reminders, requirements handed down, the roll-up, the evaluation, the board and
/// its settings, through the API.
async fn coverage_requirements_roll_up_evaluation_and_boards_through_the_json_api(app: TestApp) {
    let office = app.login("office").await;
    let branchsec = app.login("branchsec").await;
    let member = app.login("member").await;
    let outsider = app.login("branchsec2").await;
    let branch = reach(&app, "branchsec", "org").await;

    // Coverage: the branch's secretary sees who has not committed, another college's does not.
    let cov = app.get_json(&branchsec, &format!("/api/v1/commitments/coverage?org={branch}")).await;
    let total = cov["total"].as_u64().unwrap();
    assert!(total >= 2 && cov["missing"].as_array().unwrap().len() as u64 == total - cov["committed"].as_u64().unwrap(), "{cov}");
    assert_eq!(outsider.get(app.url(&format!("/api/v1/commitments/coverage?org={branch}"))).send().await.unwrap().status(), 404);
    let (s, v) = post_json(&branchsec, &app, "/api/v1/commitments/remind", json!({"org_id": branch})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["tasks"].as_u64().unwrap() >= 1, "{v}");
    let (_, again) = post_json(&branchsec, &app, "/api/v1/commitments/remind", json!({"org_id": branch})).await;
    assert_eq!(again["sent"], 0, "once a day: {again}");
    assert_eq!(post_json(&outsider, &app, "/api/v1/commitments/remind", json!({"org_id": branch})).await.0, 404);

    // Requirements: handed down and split; another college's secretary may not address the branch.
    let reqs = app.get_json(&branchsec, "/api/v1/commitments/requirements").await;
    assert!(reqs["addressable"].as_array().unwrap().iter().any(|o| o["id"] == branch), "{reqs}");
    let (s, top) = post_json(&office, &app, "/api/v1/commitments/requirements", json!({"org_id": branch, "title": "党员带头学习"})).await;
    assert_eq!(s, 200, "{top}");
    let (s, split) = post_json(&branchsec, &app, "/api/v1/commitments/requirements", json!({"org_id": branch, "parent_id": top["id"], "title": "每人帮扶一名同学"})).await;
    assert_eq!((s, &split["parent_id"]), (200, &top["id"]), "{split}");
    assert_eq!(post_json(&branchsec, &app, "/api/v1/commitments/requirements", json!({"org_id": branch, "title": " "})).await.0, 422);
    assert_eq!(post_json(&outsider, &app, "/api/v1/commitments/requirements", json!({"org_id": branch, "title": "越级"})).await.0, 404);
    let seen = app.get_json(&member, "/api/v1/commitments/requirements").await;
    assert!(seen["items"].as_array().unwrap().iter().any(|r| r["id"] == split["id"]), "the member sees what their commitment may answer: {seen}");

    // An approved commitment answering it, for the roll-up, the evaluation and the board.
    let (task, _) = task_of(&app, &member, "person").await;
    let mut body = commitment_body(task, "每周一次学业帮扶", true);
    body["requirement_id"] = split["id"].clone();
    let (s, c) = post_json(&member, &app, "/api/v1/commitments", body).await;
    assert_eq!((s, &c["requirement_id"]), (200, &split["id"]), "{c}");
    let id = c["id"].as_i64().unwrap();
    assert_eq!(post_json(&branchsec, &app, &format!("/api/v1/commitments/{id}/review"), json!({"action": "approve"})).await.0, 200);
    let d = app.get_json(&member, &format!("/api/v1/commitments/{id}")).await;
    assert_eq!(d["requirement"]["title"], "每人帮扶一名同学");

    let roll = app.get_json(&branchsec, &format!("/api/v1/commitments/rollup?org={branch}")).await;
    assert_eq!(roll["org"]["id"], branch);
    assert!(roll["subtree"]["approved"].as_u64().unwrap() >= 1 && roll["own"]["approved"].as_u64().unwrap() >= 1, "{roll}");
    assert!(!roll["rate_definition"].as_str().unwrap().is_empty());
    assert_eq!(outsider.get(app.url(&format!("/api/v1/commitments/rollup?org={branch}"))).send().await.unwrap().status(), 404);
    let top_roll = app.get_json(&office, "/api/v1/commitments/rollup").await;
    assert!(!top_roll["windows"].as_array().unwrap().is_empty(), "the office's roll-up lists the window units: {top_roll}");

    // The evaluation (评诺): the office below the branch; the branch secretary's branch has no unit.
    let (s, e) = post_json(&office, &app, "/api/v1/commitments/evaluate", json!({"org_id": branch})).await;
    assert_eq!(s, 200, "{e}");
    assert!(e["targets"].as_u64().unwrap() >= 1, "{e}");
    assert_eq!(office.get(app.url(&format!("/surveys/{}", e["survey_id"]))).send().await.unwrap().status(), 200, "the survey is there to open");
    assert_eq!(post_json(&outsider, &app, "/api/v1/commitments/evaluate", json!({"org_id": branch})).await.0, 404);

    // The board: anyone logged in; without an account only once the office opens it, and then
    // only the fields it shows.
    let b = app.get_json(&member, &format!("/api/v1/boards/{branch}")).await;
    assert!(b["items"].as_array().unwrap().iter().any(|i| i["id"] == id && i["content"] == "每周一次学业帮扶"), "{b}");
    let anon = common::client(&app.base);
    assert_eq!(anon.get(app.url(&format!("/api/v1/boards/{branch}"))).send().await.unwrap().status(), 200, "public by default");
    let settings = app.get_json(&office, "/api/v1/boards/settings").await;
    assert_eq!(settings["open_to_public"], true, "{settings}");
    let (s, _) = send_json(&office, &app, reqwest::Method::PUT, "/api/v1/boards/settings", json!({"open_to_public": false, "fields": ["content"]})).await;
    assert_eq!(s, 200);
    assert_eq!(anon.get(app.url(&format!("/api/v1/boards/{branch}"))).send().await.unwrap().status(), 401, "closed by the office");
    assert_eq!(send_json(&branchsec, &app, reqwest::Method::PUT, "/api/v1/boards/settings", json!({"open_to_public": true, "fields": ["content"]})).await.0, 403);
    assert_eq!(send_json(&office, &app, reqwest::Method::PUT, "/api/v1/boards/settings", json!({"open_to_public": true, "fields": ["content", "salary"]})).await.0, 422);
    let (s, v) = send_json(&office, &app, reqwest::Method::PUT, "/api/v1/boards/settings", json!({"open_to_public": true, "fields": ["content", "progress"]})).await;
    assert_eq!((s, &v["open_to_public"]), (200, &json!(true)), "{v}");
    let r = anon.get(app.url(&format!("/api/v1/boards/{branch}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    let item = b["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap().clone();
    assert!(item.get("owner_name").is_none() && item.get("category").is_none() && item["content"] == "每周一次学业帮扶" && item["percent"] == 0, "{item}");
    // A branch's board carries its Party groups' members' commitments: the member joins a new
    // group of the branch (their commitment now counts there) and stays on the branch's board.
    let (s, g) = post_json(&office, &app, &format!("/api/v1/orgs/{branch}/children"), json!({"kind": "group", "name": "第一党小组"})).await;
    assert!(s == 200 || s == 201, "{g}");
    let me = app.get_json(&member, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let (s, m) = post_json(&office, &app, &format!("/api/v1/people/{me}/memberships"), json!({"tree": "org", "node_id": g["id"], "role": "member"})).await;
    assert!(s == 200 || s == 201, "{m}");
    let mine = app.get_json(&office, &format!("/api/v1/commitments/{id}")).await;
    assert_eq!(mine["org_name"], "第一党小组", "the commitment counts in the group now: {mine}");
    let board = app.get_json(&member, &format!("/api/v1/boards/{branch}")).await;
    assert!(board["items"].as_array().unwrap().iter().any(|i| i["id"] == id), "still on the branch's board: {board}");
}

/// A unit's standards and its window's inspections through the API: only its head and the
/// office manage them; the window's public facts for anyone.
async fn standards_and_inspections_of_a_window_through_the_json_api(app: TestApp) {
    let head = app.login("unithead").await;
    let orgsec = app.login("orgsec").await;
    let library = reach(&app, "unithead", "unit").await;
    let lib = app.get_json(&app.login("office").await, &format!("/api/v1/units/{library}")).await;
    let window = lib["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap();
    let standards = format!("/api/v1/units/{library}/standards");

    assert_eq!(post_json(&head, &app, &standards, json!({"item": "服务态度", "weight": 0})).await.0, 422);
    assert_eq!(post_json(&head, &app, &standards, json!({"item": "", "weight": 10})).await.0, 422);
    assert_eq!(
        post_json(&head, &app, &format!("/api/v1/units/{window}/standards"), json!({"item": "窗口自定", "weight": 10})).await.0,
        422,
        "the unit above the windows sets them"
    );
    assert_eq!(post_json(&orgsec, &app, &standards, json!({"item": "服务态度", "weight": 60})).await.0, 404);
    let (s, v) = post_json(&head, &app, &standards, json!({"item": "服务态度", "weight": 60})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(post_json(&head, &app, &standards, json!({"item": "办事效率", "weight": 40})).await.0, 200);
    let (_, v) = post_json(&head, &app, &standards, json!({"item": "临时项目", "weight": 10})).await;
    assert_eq!(v["total_weight"], 110, "{v}");
    let ids: Vec<i64> = v["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(send_json(&orgsec, &app, reqwest::Method::DELETE, &format!("/api/v1/standards/{}", ids[2]), json!({})).await.0, 404);
    let (s, v) = send_json(&head, &app, reqwest::Method::DELETE, &format!("/api/v1/standards/{}", ids[2]), json!({})).await;
    assert_eq!((s, &v["total_weight"]), (200, &json!(100)), "{v}");
    assert_eq!(app.get_json(&head, &standards).await["items"].as_array().unwrap().len(), 2);
    assert_eq!(orgsec.get(app.url(&standards)).send().await.unwrap().status(), 404);

    // The window's public facts: its standards for anyone, its inspections for its managers.
    let anon = common::client(&app.base);
    let w: Value = anon.get(app.url(&format!("/api/v1/windows/{window}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((w["manager"].as_bool(), w["standards"].as_array().unwrap().len()), (Some(false), 2), "{w}");
    assert!(w.get("inspections").is_none(), "{w}");

    // An inspection: scores as a JSON object, a photo; a bad score or a missing one is refused.
    let token = app.csrf(&head, "/home").await;
    let inspect = |scores: String| {
        let mp = reqwest::multipart::Form::new()
            .text("scores", scores)
            .text("notes", "服务热情")
            .part("photos", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("窗口.png"));
        head.post(app.url(&format!("/api/v1/windows/{window}/inspections"))).header("x-csrf-token", token.clone()).multipart(mp).send()
    };
    assert_eq!(inspect(format!("{{\"{}\": \"优\", \"{}\": 80}}", ids[0], ids[1])).await.unwrap().status(), 422);
    assert_eq!(inspect(format!("{{\"{}\": 90}}", ids[0])).await.unwrap().status(), 422);
    assert_eq!(inspect("not json".into()).await.unwrap().status(), 422);
    let r = inspect(format!("{{\"{}\": 90, \"{}\": 80}}", ids[0], ids[1])).await.unwrap();
    assert_eq!(r.status(), 200);
    let i: Value = r.json().await.unwrap();
    assert_eq!(i["score"], "86.00", "90 × 60 + 80 × 40 over 100: {i}");
    assert_eq!(i["photos"].as_array().unwrap().len(), 1);
    let inspection = i["id"].as_i64().unwrap();
    let list = app.get_json(&head, &format!("/api/v1/windows/{window}/inspections")).await;
    assert_eq!(list[0]["id"], inspection);
    assert_eq!(app.get_json(&head, &format!("/api/v1/inspections/{inspection}")).await["notes"], "服务热情");
    assert_eq!(orgsec.get(app.url(&format!("/api/v1/inspections/{inspection}"))).send().await.unwrap().status(), 404);
    assert_eq!(orgsec.get(app.url(&format!("/api/v1/windows/{window}/inspections"))).send().await.unwrap().status(), 404);
    let w = app.get_json(&head, &format!("/api/v1/windows/{window}")).await;
    assert_eq!((w["manager"].as_bool(), w["inspections"].as_array().map(Vec::len)), (Some(true), Some(1)), "{w}");
    let photo = i["photos"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(head.get(app.url(&photo)).send().await.unwrap().status(), 200);
    assert_eq!(orgsec.get(app.url(&photo)).send().await.unwrap().status(), 404);

    // An advisory rating without login: none while no survey rates the window, then through the
    // one the unit head opens; an incomplete one is refused.
    let rating = |answers: Value| anon.post(app.url(&format!("/api/v1/windows/{window}/ratings"))).json(&json!({"answers": answers})).send();
    assert_eq!(rating(json!({"q1": 0})).await.unwrap().status(), 409);
    let r = app.post_form(&head, "/surveys", &[("template", "window-satisfaction"), ("owner", &library.to_string()), ("title", "图书馆窗口测评")]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let survey: i64 = r.headers()["location"].to_str().unwrap().trim_start_matches("/surveys/").split('?').next().unwrap().parse().unwrap();
    let me = app.get_json(&head, "/api/v1/me").await;
    let number = app.get_json(&head, &format!("/api/v1/people/{}", me["person_id"])).await["number"].as_str().unwrap().to_string();
    for (path, fields) in [("targets", vec![]), ("audience", vec![("mode", "numbers"), ("numbers", number.as_str())]), ("open", vec![("confirmed", "1")])] {
        let r = app.post_form(&head, &format!("/surveys/{survey}/{path}"), &fields).await;
        assert_eq!(r.status(), 303, "{path}: {}", r.text().await.unwrap());
    }
    let w: Value = anon.get(app.url(&format!("/api/v1/windows/{window}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(w["open_ratings"][0]["survey_id"], survey, "{w}");
    // The QR page says politely that a logged-in rating counts fully: a note, not an error.
    let page = anon.get(app.url(&format!("/w/{window}/rate"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("class=\"note-info\"") && page.contains("登录后的评价才计入") && !page.contains("class=\"errors\""), "{page}");
    let r = rating(json!({"q1": 0})).await.unwrap();
    assert_eq!(r.status(), 422, "{}", r.text().await.unwrap());
    let all: serde_json::Map<String, Value> = (1..=9).map(|i| (format!("q{i}"), json!(0))).collect();
    let r = rating(Value::Object(all)).await.unwrap();
    let status = r.status();
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!((status.as_u16(), &v["survey_id"], &v["advisory"]), (200, &json!(survey), &json!(true)), "{v}");
}

/// Every audit entry of a filter (at most 200 here).
async fn audit_actions(app: &TestApp, query: &str) -> Vec<String> {
    let auditor = app.login("auditor").await;
    let v = app.get_json(&auditor, &format!("/api/v1/audit?{query}&per_page=200")).await;
    v["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

/// The college approves a batch of the member's commitments while the branch returns the same
/// batch: one batch wins whole, the other is told so (409) and changes nothing; every commitment
/// ends in the winner's state with one decision in the audit log. Three rounds, the sessions
/// taking turns.
async fn a_batch_return_racing_a_batch_approval_leaves_one_decision_per_commitment(app: TestApp) {
    let member = app.login("member").await;
    let college = app.login("orgsec").await;
    let branch = app.login("branchsec").await;
    let (task, _) = task_of(&app, &member, "person").await;
    for round in 0..3 {
        let mut ids = Vec::new();
        for i in 0..4 {
            let (s, v) = post_json(&member, &app, "/api/v1/commitments", commitment_body(task, &format!("第{round}轮第{i}项：每月答疑"), true)).await;
            assert_eq!(s, 200, "{v}");
            ids.push(v["id"].as_i64().unwrap());
        }
        let (approver, returner) = if round % 2 == 0 { (&college, &branch) } else { (&branch, &college) };
        let url = app.url("/api/v1/commitments/review");
        let (a, r) = tokio::join!(
            approver.post(&url).json(&json!({"ids": ids, "action": "approve"})).send(),
            returner.post(&url).json(&json!({"ids": ids, "action": "return", "comment": "措施不够具体"})).send(),
        );
        let (a, r) = (a.unwrap(), r.unwrap());
        let (sa, sr) = (a.status().as_u16(), r.status().as_u16());
        let (ba, br) = (a.text().await.unwrap(), r.text().await.unwrap());
        let winner = match (sa, sr) {
            (200, 409) => "approved",
            (409, 200) => "returned",
            _ => panic!("round {round}: approve {sa} {ba}; return {sr} {br}: exactly one batch must win"),
        };
        let loser: Value = serde_json::from_str(if winner == "approved" { &br } else { &ba }).unwrap();
        assert_eq!(loser["error"]["code"], "conflict", "{loser}");
        for id in &ids {
            assert_eq!(app.get_json(&member, &format!("/api/v1/commitments/{id}")).await["state"], winner, "commitment {id} ends in the winner's state");
            let decisions: Vec<String> =
                audit_actions(&app, &format!("entity=commitment&entity_id={id}")).await.into_iter().filter(|a| a == "commitment.approved" || a == "commitment.returned").collect();
            assert_eq!(decisions, vec![format!("commitment.{winner}")], "commitment {id}: one decision in the audit log");
        }
    }
}

/// The secretary ends a delegation from two sessions at once: one ends it (204), the other is
/// told it has already ended (409); the audit log holds one end.
async fn two_ends_of_one_delegation_at_once_leave_one_end(app: TestApp) {
    let branch = reach(&app, "branchsec", "org").await;
    let member = app.login("member").await;
    let member_account = app.get_json(&member, "/api/v1/me").await["id"].as_i64().unwrap();
    let first = app.login("branchsec").await;
    let second = app.login("branchsec").await;
    for round in 0..3 {
        // A different end each round: the same delegation twice is refused as a duplicate.
        let until = pacesetter_domain::dates::iso(pacesetter_domain::dates::today().saturating_add(time::Duration::days(30 + round as i64)));
        let r = first.post(app.url(&format!("/api/v1/orgs/{branch}/delegations"))).json(&json!({"account_id": member_account, "end_date": until})).send().await.unwrap();
        let status = r.status();
        let list: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "round {round}: {list}");
        let grant = list.as_array().unwrap().iter().filter(|d| d["account_id"] == member_account).map(|d| d["id"].as_i64().unwrap()).max().unwrap();
        let url = app.url(&format!("/api/v1/delegations/{grant}/end"));
        let (a, b) = tokio::join!(first.post(&url).json(&json!({})).send(), second.post(&url).json(&json!({})).send());
        let (a, b) = (a.unwrap(), b.unwrap());
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        let bodies = [a.text().await.unwrap(), b.text().await.unwrap()];
        statuses.sort();
        assert_eq!(statuses, [204, 409], "round {round}: exactly one end wins: {bodies:?}");
        assert!(bodies.iter().any(|b| b.contains("该委托已结束")), "{bodies:?}");
        let ends = audit_actions(&app, "action=grant.delegate_end").await;
        assert_eq!(ends.len(), round + 1, "one end per delegation in the audit log: {ends:?}");
    }
}
