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
    assert_eq!(post(&app, &member, "/commitments/review", &[("ids", &a.to_string()), ("action", "approve")]).await.0, 403);
    assert!(matches!(post(&app, &outsider, "/commitments/review", &[("ids", &a.to_string()), ("action", "approve")]).await.0, 403 | 404));
    let queue = orgsec.get(app.url("/commitments/review")).send().await.unwrap().text().await.unwrap();
    assert!(queue.contains("每月精读一本理论著作") && queue.contains("支部党员课程考试全部及格"), "the college's queue lists the branch's and the members'");
    let (s, body) = post(&app, &orgsec, "/commitments/review", &[("ids", &b.to_string()), ("action", "return"), ("comment", " ")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("退回时请写明意见"));
    let (s, body) =
        post(&app, &orgsec, "/commitments/review", &[("ids", &a.to_string()), ("ids", &c.to_string()), ("ids", &d.to_string()), ("action", "approve"), ("comment", "切实可行")])
            .await;
    assert_eq!(s, 303, "{body}");
    assert_eq!(post(&app, &orgsec, "/commitments/review", &[("ids", &b.to_string()), ("action", "return"), ("comment", "措施不够具体")]).await.0, 303);
    assert_eq!(post(&app, &orgsec, "/commitments/review", &[("ids", &a.to_string()), ("action", "approve")]).await.0, 409, "an approved commitment waits for no decision");
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
    assert_eq!(post(&app, &branchsec, "/commitments/review", &[("ids", &b.to_string()), ("action", "approve")]).await.0, 303);
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
    assert_eq!(post(&app, &branchsec, "/commitments/review", &[("ids", &a.to_string()), ("action", "approve")]).await.0, 303);
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
    assert_eq!(post(&app, &orgsec, &format!("/surveys/{survey}/open"), &[]).await.0, 303);
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
    let jc = app.get_json(&member, &format!("/api/v1/commitments/{c}")).await;
    assert_eq!(jc["rate"], json!({"shown": false, "under_minimum": true}));
    let dash = orgsec.get(app.url(&format!("/commitments/dashboard?org={college}"))).send().await.unwrap().text().await.unwrap();
    assert!(dash.contains("83.33%（满意 3，基本满意 2，不满意 1，共 6 份）"), "the college's roll-up leaves the small one out");
    assert!(!dash.contains("共 9 份"));
    assert!(dash.contains("尚无评价"), "the college's own figures are its own, not its children's");
    let bdash = branchsec.get(app.url(&format!("/commitments/dashboard?org={branch}"))).send().await.unwrap().text().await.unwrap();
    assert!(bdash.contains("83.33%"), "the branch's own (its and its members') figures");
    assert_eq!(outsider.get(app.url(&format!("/commitments/dashboard?org={college}"))).send().await.unwrap().status(), 404);

    // The board: logged-in readers; the public only once the office opens it, with its fields.
    let anon = common::client(&app.url(""));
    assert_eq!(anon.get(app.url(&format!("/boards/{branch}"))).send().await.unwrap().status(), 401);
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
    assert!(text.contains("每月精读两本理论著作") && text.contains("83.33%") && text.contains("公开承诺栏"), "{text}");
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
    assert_eq!(post(&app, &branchsec, "/commitments/review", &fields).await.0, 303, "thirty approved in one batch");
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
    assert_eq!(post(&app, &head, "/commitments/review", &[("ids", &id.to_string()), ("action", "approve")]).await.0, 403);
    assert_eq!(post(&app, &app.login("orgsec").await, "/commitments/review", &[("ids", &id.to_string()), ("action", "approve")]).await.0, 404);
    assert_eq!(post(&app, &office, "/commitments/review", &[("ids", &id.to_string()), ("action", "approve")]).await.0, 303);
    assert_eq!(task_of(&app, &head, "unit").await.1["task_state"], "accepted");
    let dash = office.get(app.url("/commitments/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(dash.contains("窗口单位亮承诺") && dash.contains("图书馆"), "the office sees the window units");
    // The office may write for the unit (its reach is the whole university), but then does not
    // also approve what it handed in.
    let own = make(&app, &office, task, 0, "服务群众和基层做榜样", "创先办代为填写的承诺", "2012-09-01", true).await;
    assert_eq!(post(&app, &office, "/commitments/review", &[("ids", &own.to_string()), ("action", "approve")]).await.0, 403);
}
