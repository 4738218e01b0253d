//! Cadres and their classes (item 8) over HTTP, on both databases: a linked cadre visits their
//! class, a student's problem found in the visit goes to the unit, is answered and confirmed by
//! the student; the coverage per class and per cadre; the reminders to a cadre whose class has
//! gone unvisited; a cadre reaches only their own classes and visits.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(
    a_cadre_visits_and_a_students_problem_from_the_visit_is_solved_and_confirmed,
    unvisited_classes_are_flagged_and_their_cadres_reminded_once_a_week,
    the_staff_of_the_unit_the_office_names_link_cadres_to_classes,
);

async fn class_of(app: &TestApp, user: &str) -> i64 {
    app.reach(user, "unit").await
}

async fn visit(app: &TestApp, c: &Client, fields: &[(&str, &str)]) -> (u16, Value) {
    let token = app.csrf(c, "/home").await;
    let mut f = reqwest::multipart::Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    f = f.part("photos", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("班会.png"));
    let r = c.post(app.url("/api/v1/visits")).header("x-csrf-token", token).multipart(f).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn a_cadre_visits_and_a_students_problem_from_the_visit_is_solved_and_confirmed(app: TestApp) {
    let class = class_of(&app, "cadre").await;
    let cadre = app.login("cadre").await;
    let mine = app.get_json(&cadre, "/api/v1/liaison").await;
    assert!(mine["classes"].as_array().unwrap().iter().any(|c| c["class_id"] == class), "{mine}");
    let today = app.get_json(&cadre, "/api/v1/problems/rules").await; // any answer: the server is up
    assert!(today.is_object());
    let c = class.to_string();
    // A day in the future is refused in the user's language, and nothing is stored.
    let (s, e) = visit(&app, &cadre, &[("class", &c), ("on_day", "2099-01-01"), ("place", "宿舍"), ("met", "班长"), ("topics", "学风")]).await;
    assert_eq!(s, 422, "{e}");
    assert!(e.to_string().contains("走访日期不能晚于今天"));
    // Another cadre's class is not found.
    let office = app.login("office").await;
    let units = app.get_json(&office, "/api/v1/units").await;
    let other = units.as_array().unwrap().iter().find(|u| u["kind"] == "class" && u["id"] != class).unwrap()["id"].as_i64().unwrap();
    let (s, _) = visit(&app, &cadre, &[("class", &other.to_string()), ("on_day", "2012-04-18"), ("place", "教室"), ("met", "同学"), ("topics", "学风")]).await;
    assert_eq!(s, 404, "a class not linked to the cadre");
    let (s, v) =
        visit(&app, &cadre, &[("class", &c), ("on_day", "2012-04-18"), ("place", "学生宿舍 5 栋"), ("met", "班长、团支书和三名同学"), ("topics", "学风建设、考研复习场地")]).await;
    assert_eq!(s, 201, "{v}");
    let vid = v["id"].as_i64().unwrap();
    assert_eq!(v["photos"].as_array().unwrap().len(), 1);
    // A student of the class raises, through the cadre, a problem found in the visit.
    let people = app.get_json(&office, &format!("/api/v1/people?unit_id={class}&per_page=5")).await;
    let student = people["items"].as_array().unwrap()[0]["id"].as_i64().unwrap();
    let form = app.get_json(&cadre, &format!("/api/v1/visits/{vid}")).await;
    assert_eq!(form["class_id"], class);
    let page = cadre.get(app.url(&format!("/problems/new?visit={vid}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("value=\"{student}\"")), "the form offers the class's students");
    let (window, unit) = {
        let unit = app.reach("unithead", "unit").await;
        let lib = app.get_json(&office, &format!("/api/v1/units/{unit}")).await;
        (lib["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap(), unit)
    };
    let token = app.csrf(&cadre, "/home").await;
    let f = reqwest::multipart::Form::new()
        .text("about", "window")
        .text("target", window.to_string())
        .text("category", "library")
        .text("body", "考研同学反映图书馆自习座位不足，晚上十点就清场")
        .text("visit", vid.to_string())
        .text("student", student.to_string());
    let r = cadre.post(app.url("/api/v1/problems")).header("x-csrf-token", token.clone()).multipart(f).send().await.unwrap();
    let status = r.status();
    let p: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{p} {people}");
    let pid = p["id"].as_i64().unwrap();
    assert_eq!(p["unit_id"], unit);
    // A student outside the visited class cannot be named.
    let outsider = app.get_json(&cadre, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let f = reqwest::multipart::Form::new()
        .text("about", "campus")
        .text("category", "other")
        .text("body", "不是本班同学的问题")
        .text("visit", vid.to_string())
        .text("student", (outsider + 100000).to_string());
    assert_eq!(cadre.post(app.url("/api/v1/problems")).header("x-csrf-token", token.clone()).multipart(f).send().await.unwrap().status(), 404);
    // Another cadre's visit cannot be named.
    let teacher = app.login("teacher").await;
    let t2 = app.csrf(&teacher, "/home").await;
    let f = reqwest::multipart::Form::new().text("about", "campus").text("category", "other").text("body", "借用别人的走访记录").text("visit", vid.to_string());
    assert_eq!(teacher.post(app.url("/api/v1/problems")).header("x-csrf-token", t2).multipart(f).send().await.unwrap().status(), 404);
    // The visit lists the problem; the unit answers; the student confirms.
    let v = app.get_json(&cadre, &format!("/api/v1/visits/{vid}")).await;
    assert_eq!(v["problem_ids"], json!([pid]), "{v}");
    let stu = app.account_for(student, &format!("stu{student}")).await;
    let head = app.login("unithead").await;
    assert_eq!(post(&app, &head, &format!("/api/v1/problems/{pid}/accept"), json!({})).await.0, 200);
    assert_eq!(post(&app, &head, &format!("/api/v1/problems/{pid}/answer"), json!({"reply": "考试周延长至 23:00", "measures": "增设临时自习区 120 座"})).await.0, 200);
    assert!(app.get_json(&stu, "/api/v1/notifications").await.to_string().contains(&format!("第 {pid} 号问题")), "the student is told");
    let (s, p) = post(&app, &stu, &format!("/api/v1/problems/{pid}/confirm"), json!({"satisfied": "yes"})).await;
    assert_eq!((s, p["state"].as_str()), (200, Some("satisfied")), "{p}");
    // The coverage: the class visited once this term, with one problem raised and solved.
    let cov = app.get_json(&office, "/api/v1/liaison/coverage").await;
    let row = cov["classes"].as_array().unwrap().iter().find(|x| x["class_id"] == class).unwrap();
    assert_eq!((row["problems"].as_i64(), row["solved"].as_i64(), row["last_visit"].as_str()), (Some(1), Some(1), Some("2012-04-18")), "{row}");
    let r = office.get(app.url("/liaison/dashboard/class-visits.xlsx")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Someone else neither reads the visit nor its photo.
    let photo = app.get_json(&cadre, &format!("/api/v1/visits/{vid}")).await["photos"][0].as_i64().unwrap();
    for who in ["teacher", "branchsec2"] {
        let c = app.login(who).await;
        assert_eq!(c.get(app.url(&format!("/api/v1/visits/{vid}"))).send().await.unwrap().status(), 404, "{who}");
        assert_eq!(c.get(app.url(&format!("/liaison/photos/{photo}"))).send().await.unwrap().status(), 404, "{who}");
    }
    // The cadre's page shows the class and the visit.
    let html = cadre.get(app.url("/liaison")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("学风建设、考研复习场地"));
}

async fn unvisited_classes_are_flagged_and_their_cadres_reminded_once_a_week(app: TestApp) {
    let office = app.login("office").await;
    let (s, e) = post(&app, &office, "/api/v1/liaison/rules", json!({"unvisited_weeks": "0"})).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(post(&app, &office, "/api/v1/liaison/rules", json!({"unvisited_weeks": "2"})).await.0, 200);
    let cadre = app.login("cadre").await;
    assert_eq!(post(&app, &cadre, "/api/v1/liaison/remind", json!({})).await.0, 403, "the office's");
    // Linked since March 2012 and never visited: flagged, and the cadre is reminded once.
    let mine = app.get_json(&cadre, "/api/v1/liaison").await;
    assert!(mine["classes"].as_array().unwrap().iter().all(|c| c["unvisited"] == true), "{mine}");
    let desk = app.get_json(&cadre, "/api/v1/desk").await;
    assert!(desk["waiting"].as_array().unwrap().iter().any(|w| w["kind"] == "visit" && w["href"] == "/liaison"), "the cadre's first page: {desk}");
    let (_, r1) = post(&app, &office, "/api/v1/liaison/remind", json!({})).await;
    let (_, r2) = post(&app, &office, "/api/v1/liaison/remind", json!({})).await;
    assert!(r1["notifications"].as_i64().unwrap() >= 1, "{r1}");
    assert_eq!(r2["notifications"], 0, "once a week");
    let notes = app.get_json(&cadre, "/api/v1/notifications").await.to_string();
    assert!(notes.contains("未走访，请安排走访"), "{notes}");
    let cov = app.get_json(&office, "/api/v1/liaison/coverage").await;
    assert_eq!(cov["unvisited_weeks"], 2);
    assert!(cov["cadres"].as_array().unwrap().iter().any(|c| c["unvisited_classes"].as_i64().unwrap() >= 1));
    // A new class without a cadre, past the plan's date (3月初): whoever links them hears of it,
    // once a week.
    let class = class_of(&app, "cadre").await;
    let parent = app.get_json(&office, &format!("/api/v1/units/{class}")).await["node"]["parent_id"].as_i64().unwrap();
    let r = office.post(app.url(&format!("/api/v1/units/{parent}/children"))).json(&json!({"kind": "class", "name": "新生2012级99班"})).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    post(&app, &office, "/api/v1/liaison/remind", json!({})).await;
    post(&app, &office, "/api/v1/liaison/remind", json!({})).await;
    let notes = app.get_json(&office, "/api/v1/notifications").await.to_string();
    assert_eq!(notes.matches("干部联系班级应于3月初落实到位").count(), 1, "{notes}");
    // A cadre's coverage is refused nothing but shows only what they reach (none as overseer).
    let theirs = app.get_json(&cadre, "/api/v1/liaison/coverage").await;
    assert!(theirs["classes"].as_array().unwrap().is_empty(), "a cadre oversees no college: {theirs}");
}

/// Item 8: "由创先办或其指定的单位（学工部）" links the cadres: once the office names a unit, its
/// staff keep the cadre–class links (and only those); before, and after it is unnamed, they
/// cannot; others never can.
async fn the_staff_of_the_unit_the_office_names_link_cadres_to_classes(app: TestApp) {
    let office = app.login("office").await;
    let head = app.login("unithead").await;
    let me = app.get_json(&head, "/api/v1/me").await;
    let unit = app.reach("unithead", "unit").await;
    let cadre = app.get_json(&app.login("cadre").await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let mine = class_of(&app, "cadre").await;
    let units = app.get_json(&office, "/api/v1/units").await;
    let class = units.as_array().unwrap().iter().find(|u| u["kind"] == "class" && u["id"] != mine).unwrap()["id"].as_i64().unwrap();
    let link = json!({"kind": "cadre_class", "person_id": cadre, "target_id": class});
    // Before the office names a unit, its staff cannot link.
    assert_eq!(head.get(app.url("/api/v1/relations")).send().await.unwrap().status(), 403);
    let (s, _) = post(&app, &head, "/api/v1/relations", link.clone()).await;
    assert_eq!(s, 403);
    // A class is not a unit to name.
    let (s, r) = post(&app, &office, "/api/v1/liaison/linker", json!({"unit_id": class})).await;
    assert_eq!(s, 422, "{r}");
    let (s, r) = post(&app, &office, "/api/v1/liaison/linker", json!({"unit_id": unit})).await;
    assert_eq!((s, r["unit_id"].as_i64()), (200, Some(unit)), "{r}");
    // Now they see and keep the cadre–class links, and only those.
    let rel = app.get_json(&head, "/api/v1/relations").await;
    assert!(rel["items"].as_array().unwrap().iter().all(|r| r["kind"] == "cadre_class"), "{rel}");
    assert_eq!(head.get(app.url("/api/v1/relations?kind=unit_head")).send().await.unwrap().status(), 403);
    let cov = app.get_json(&head, "/api/v1/relations/coverage").await;
    assert!(cov["branches_without_contact"].as_array().unwrap().is_empty() && cov["branches"] == 0, "item 8's gaps only: {cov}");
    let myself = me["person_id"].as_i64().unwrap();
    let (s, _) = post(&app, &head, "/api/v1/relations", json!({"kind": "cadre_class", "person_id": myself, "target_id": class})).await;
    assert_eq!(s, 403, "no one links themselves but the office");
    let (s, r) = post(&app, &head, "/api/v1/relations", link.clone()).await;
    assert_eq!(s, 200, "{r}");
    let id = r["id"].as_i64().unwrap();
    let branch = app.reach("branchsec", "org").await;
    let (s, _) = post(&app, &head, "/api/v1/relations", json!({"kind": "branch_contact", "person_id": cadre, "target_id": branch})).await;
    assert_eq!(s, 403, "a branch contact is the office's");
    let page = head.get(app.url("/relations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("班级联系干部") && !page.contains("支部联系人（第11项）"), "the page shows item 8 only");
    // Their desk shows the classes still without a cadre, if any; the teacher has none of it.
    let teacher = app.login("teacher").await;
    assert_eq!(teacher.get(app.url("/api/v1/relations")).send().await.unwrap().status(), 403);
    assert_eq!(teacher.get(app.url("/relations")).send().await.unwrap().status(), 403);
    // Unnamed again: the staff lose it; the link they made stays, and the office ends it.
    let (s, _) = post(&app, &office, "/api/v1/liaison/linker", json!({"unit_id": null})).await;
    assert_eq!(s, 200);
    let (s, _) = post(&app, &head, &format!("/api/v1/relations/{id}/end"), json!({})).await;
    assert_eq!(s, 403);
    let (s, r) = post(&app, &office, &format!("/api/v1/relations/{id}/end"), json!({})).await;
    assert_eq!(s, 200, "{r}");
}
