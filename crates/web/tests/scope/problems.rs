//! The masses' problems: a problem is read and handled by its raiser, its unit and the office
//! only; the office's groups by the office only; an assignee outside the unit is refused.

use super::common::TestApp;
use super::{Case, Crossed, Fixture, form, person_of};
use serde_json::{Value, json};

/// The writes of this module's routes that name a second record (the person to assign).
pub const TWO_RECORDS: &[&str] = &["problem_accept", "api_problem_accept", "window_staff_set", "api_window_staff_set", "window_staff_remove", "api_window_staff_remove"];

/// A window below `unit` with staff, and one of them (by the office's people list; earlier cases
/// may have moved people).
async fn staffed_window(app: &TestApp, unit: i64) -> (i64, i64) {
    let office = app.login("office").await;
    let u: Value = office.get(app.url(&format!("/api/v1/units/{unit}"))).send().await.unwrap().json().await.unwrap();
    for w in u["children"].as_array().unwrap().iter().filter(|n| n["kind"] == "window") {
        let id = w["id"].as_i64().unwrap();
        let v: Value = office.get(app.url(&format!("/api/v1/people?unit_id={id}&kind=staff&per_page=5"))).send().await.unwrap().json().await.unwrap();
        if let Some(p) = v["items"][0]["id"].as_i64() {
            return (id, p);
        }
    }
    panic!("no window of unit {unit} has staff")
}

/// Puts a person on a window's page as `user`; returns the entry's id.
async fn put_staff(app: &TestApp, user: &str, window: i64, person: i64, no: &str) -> i64 {
    let c = app.login(user).await;
    let token = app.csrf(&c, "/home").await;
    let f = reqwest::multipart::Form::new().text("person", person.to_string()).text("post", "窗口岗").text("service_no", no.to_string());
    let r = c.post(app.url(&format!("/api/v1/windows/{window}/staff"))).header("x-csrf-token", token).multipart(f).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let w: Value = c.get(app.url(&format!("/api/v1/windows/{window}"))).send().await.unwrap().json().await.unwrap();
    w["staff"].as_array().unwrap().iter().find(|s| s["service_no"] == no).unwrap()["id"].as_i64().unwrap()
}

/// A unit with windows other than the library (the unit head's): one the office reaches only.
async fn far_unit(app: &TestApp, f: &Fixture) -> i64 {
    let office = app.login("office").await;
    let units: Value = office.get(app.url("/api/v1/units")).send().await.unwrap().json().await.unwrap();
    units.as_array().unwrap().iter().find(|u| u["kind"] == "window" && u["parent_id"] != f.library).unwrap()["parent_id"].as_i64().unwrap()
}

fn case(method: &'static str, path: String, insider: &'static str, outsider: &'static str) -> Case {
    Case { method, path, form: None, json: None, insider, outsider, secret: String::new(), crossed: vec![] }
}

/// A problem the student raises about the library's window (with a photo), taken to `state`
/// by the unit's head; returns its id and its photo's.
async fn problem(app: &TestApp, f: &Fixture, body: &str, state: &str) -> (i64, i64) {
    let student = app.login("student").await;
    let token = app.csrf(&student, "/home").await;
    let form = reqwest::multipart::Form::new()
        .text("about", "window")
        .text("target", f.window.to_string())
        .text("category", "library")
        .text("body", body.to_string())
        .part("photos", reqwest::multipart::Part::bytes(super::common::png_1x1()).file_name("p.png"));
    let r = student.post(app.url("/api/v1/problems")).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    let id = p["id"].as_i64().unwrap();
    let head = app.login("unithead").await;
    if state != "received" {
        assert!(head.post(app.url(&format!("/api/v1/problems/{id}/accept"))).json(&json!({})).send().await.unwrap().status().is_success());
    }
    if state == "answered" || state == "closed" {
        let r = head.post(app.url(&format!("/api/v1/problems/{id}/answer"))).json(&json!({"reply": "已处理", "measures": "已整改"})).send().await.unwrap();
        assert!(r.status().is_success());
    }
    if state == "closed" {
        assert!(student.post(app.url(&format!("/api/v1/problems/{id}/confirm"))).json(&json!({"satisfied": "yes"})).send().await.unwrap().status().is_success());
    }
    (id, p["photos"][0].as_i64().unwrap())
}

/// A group of two similar reports, made by the office.
async fn group(app: &TestApp, f: &Fixture, n: usize) -> i64 {
    problem(app, f, &format!("阅览室{n}号区域的灯光太暗，看书眼睛疼"), "received").await;
    problem(app, f, &format!("阅览室{n}号区域灯光太暗了，晚上看书很累"), "received").await;
    let office = app.login("office").await;
    assert!(office.post(app.url("/api/v1/problem-groups/regroup")).json(&json!({})).send().await.unwrap().status().is_success());
    let groups: Value = office.get(app.url("/api/v1/problem-groups")).send().await.unwrap().json().await.unwrap();
    groups.as_array().unwrap().iter().find(|g| g["samples"].to_string().contains(&format!("阅览室{n}号"))).expect("the group")["id"].as_i64().unwrap()
}

/// A visit of the demo cadre's to their class, with a photo; returns its id and the photo's.
async fn visit(app: &TestApp, f: &Fixture, n: usize) -> (i64, i64) {
    let cadre = app.login("cadre").await;
    let token = app.csrf(&cadre, "/home").await;
    let form = reqwest::multipart::Form::new()
        .text("class", f.class.to_string())
        .text("on_day", "2012-04-18")
        .text("place", format!("第{n}教室"))
        .text("met", "班委")
        .text("topics", format!("走访{n}号"))
        .part("photos", reqwest::multipart::Part::bytes(super::common::png_1x1()).file_name("v.png"));
    let r = cadre.post(app.url("/api/v1/visits")).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    (v["id"].as_i64().unwrap(), v["photos"][0].as_i64().unwrap())
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let body = format!("第{n}号借阅机经常死机，排队很久");
    Some(match name {
        "problem" | "api_problem" => {
            let (id, _) = problem(app, f, &body, "received").await;
            let path = if name == "problem" { format!("/problems/{id}") } else { format!("/api/v1/problems/{id}") };
            Case { secret: body, ..case("GET", path, "unithead", "teacher") }
        }
        "problem_photo" => {
            let (_, photo) = problem(app, f, &body, "received").await;
            case("GET", format!("/problems/photos/{photo}"), "student", "teacher")
        }
        "problems_export" => case("GET", "/problems/export/problems.csv".into(), "student", ""),
        "problems_dashboard_export" => case("GET", "/problems/dashboard/problems-by-unit.xlsx".into(), "unithead", ""),
        "problem_route" | "api_problem_route" => {
            let (id, _) = problem(app, f, &body, "received").await;
            if name == "problem_route" {
                Case { form: form(&[("unit", &f.library.to_string())]), ..case("POST", format!("/problems/{id}/route"), "office", "unithead") }
            } else {
                Case { json: Some(json!({"unit_id": f.library})), ..case("POST", format!("/api/v1/problems/{id}/route"), "office", "unithead") }
            }
        }
        "problem_accept" | "api_problem_accept" => {
            let (id, _) = problem(app, f, &body, "received").await;
            let outside = person_of(app, "member").await;
            let api = name == "api_problem_accept";
            let path = if api { format!("/api/v1/problems/{id}/accept") } else { format!("/problems/{id}/accept") };
            let (xf, xj) = if api { (None, Some(json!({"assignee_id": outside}))) } else { (form(&[("assignee", &outside.to_string())]), None) };
            Case {
                form: if api { None } else { form(&[]) },
                json: if api { Some(json!({})) } else { None },
                crossed: vec![Crossed { user: "unithead", what: "the assignee (a person outside the unit)", path: path.clone(), form: xf, json: xj }],
                secret: body,
                ..case("POST", path, "unithead", "teacher")
            }
        }
        "problem_answer" | "api_problem_answer" => {
            let (id, _) = problem(app, f, &body, "assigned").await;
            if name == "problem_answer" {
                Case { form: form(&[("reply", "已修好"), ("measures", "更换主板")]), ..case("POST", format!("/problems/{id}/answer"), "unithead", "teacher") }
            } else {
                Case { json: Some(json!({"reply": "已修好", "measures": "更换主板"})), ..case("POST", format!("/api/v1/problems/{id}/answer"), "unithead", "teacher") }
            }
        }
        "problem_confirm" | "api_problem_confirm" => {
            let (id, _) = problem(app, f, &body, "answered").await;
            if name == "problem_confirm" {
                Case { form: form(&[("satisfied", "yes")]), ..case("POST", format!("/problems/{id}/confirm"), "student", "teacher") }
            } else {
                Case { json: Some(json!({"satisfied": "yes"})), ..case("POST", format!("/api/v1/problems/{id}/confirm"), "student", "teacher") }
            }
        }
        "problem_publish" | "api_problem_publish" => {
            let (id, _) = problem(app, f, &body, "closed").await;
            if name == "problem_publish" {
                Case { form: form(&[("summary", "借阅机故障"), ("done", "已更换")]), ..case("POST", format!("/problems/{id}/publish"), "office", "unithead") }
            } else {
                Case { json: Some(json!({"summary": "借阅机故障", "done": "已更换"})), ..case("POST", format!("/api/v1/problems/{id}/publish"), "office", "unithead") }
            }
        }
        "problem_group" | "api_problem_group" => {
            let g = group(app, f, n).await;
            let path = if name == "problem_group" { format!("/problems/groups/{g}") } else { format!("/api/v1/problem-groups/{g}") };
            Case { secret: format!("阅览室{n}号"), ..case("GET", path, "office", "unithead") }
        }
        "problem_group_change" | "api_problem_group_change" => {
            let g = group(app, f, n).await;
            if name == "problem_group_change" {
                Case { form: form(&[("action", "rename"), ("title", "阅览室灯光")]), ..case("POST", format!("/problems/groups/{g}"), "office", "unithead") }
            } else {
                Case { json: Some(json!({"action": "rename", "title": "阅览室灯光"})), ..case("POST", format!("/api/v1/problem-groups/{g}"), "office", "unithead") }
            }
        }
        "visit" | "api_visit" => {
            let (id, _) = visit(app, f, n).await;
            let path = if name == "visit" { format!("/liaison/visits/{id}") } else { format!("/api/v1/visits/{id}") };
            Case { secret: format!("走访{n}号"), ..case("GET", path, "cadre", "teacher") }
        }
        "visit_photo" => {
            let (_, photo) = visit(app, f, n).await;
            case("GET", format!("/liaison/photos/{photo}"), "cadre", "branchsec2")
        }
        "window_staff_set" | "api_window_staff_set" => {
            let (window, person) = staffed_window(app, f.library).await;
            let outside = person_of(app, "member").await;
            let api = name == "api_window_staff_set";
            let path = if api { format!("/api/v1/windows/{window}/staff") } else { format!("/w/{window}/staff") };
            let no = format!("S{n}");
            let fields = |p: i64| form(&[("_multipart", "1"), ("person", &p.to_string()), ("post", "窗口岗"), ("service_no", &no)]);
            Case {
                form: fields(person),
                crossed: vec![Crossed { user: "unithead", what: "the person (who does not work at the window)", path: path.clone(), form: fields(outside), json: None }],
                ..case("POST", path, "unithead", "branchsec2")
            }
        }
        "window_staff_remove" | "api_window_staff_remove" => {
            let (window, person) = staffed_window(app, f.library).await;
            let mine = put_staff(app, "unithead", window, person, &format!("R{n}")).await;
            let (far, far_person) = staffed_window(app, far_unit(app, f).await).await;
            let theirs = put_staff(app, "office", far, far_person, &format!("F{n}")).await;
            let api = name == "api_window_staff_remove";
            let path = |s: i64| if api { format!("/api/v1/windows/{window}/staff/{s}/remove") } else { format!("/w/{window}/staff/{s}/remove") };
            Case {
                crossed: vec![Crossed { user: "unithead", what: "the entry (of another unit's window)", path: path(theirs), form: if api { None } else { form(&[]) }, json: None }],
                form: if api { None } else { form(&[]) },
                ..case("POST", path(mine), "unithead", "branchsec2")
            }
        }
        "liaison_dashboard_export" => case("GET", "/liaison/dashboard/class-visits.csv".into(), "office", ""),
        _ => return None,
    })
}
