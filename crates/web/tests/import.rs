//! Roster import over HTTP, on SQLite and PostgreSQL: the template, a preview that lists every
//! planted problem, a re-import that shows the right difference, the all-or-nothing commit,
//! and scope.

mod common;

use common::{PASSWORD, TestApp};
use pacesetter_web::export::Sheet;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::collections::HashMap;

const HEADERS: [&str; 14] = ["姓名", "人员类别", "工号/学号", "身份证号", "性别", "政治面貌", "发展阶段", "干部级别", "党组织", "党内职务", "单位", "班级", "电子邮箱", "电话"];

fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    Sheet { name: "名册".into(), headers: HEADERS.iter().map(|s| s.to_string()).collect(), rows: rows.to_vec() }.to_xlsx().unwrap()
}

fn gbk_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut text = HEADERS.join(",");
    text.push('\n');
    for r in rows {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    encoding_rs::GBK.encode(&text).0.into_owned()
}

struct Who {
    client: reqwest::Client,
    csrf: String,
    org: i64,
    unit: i64,
}

async fn as_user(app: &TestApp, user: &str) -> Who {
    let client = app.login(user).await;
    let me = app.get_json(&client, "/api/v1/me").await;
    let last = |kind: &str| {
        me["reaches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == kind)
            .map(|r| r["target"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().parse::<i64>().unwrap())
            .unwrap_or(0)
    };
    Who { client, csrf: me["csrf_token"].as_str().unwrap().to_string(), org: last("org"), unit: last("unit") }
}

async fn upload(app: &TestApp, who: &Who, name: &str, bytes: Vec<u8>, org: Option<i64>, unit: Option<i64>) -> (u16, Value) {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    if let Some(o) = org {
        form = form.text("root_org", o.to_string());
    }
    if let Some(u) = unit {
        form = form.text("root_unit", u.to_string());
    }
    let r = who.client.post(app.url("/api/v1/imports")).header("x-csrf-token", &who.csrf).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The college's current people as roster rows (the org and unit labels written as paths).
async fn current_rows(app: &TestApp, who: &Who) -> Vec<Vec<String>> {
    let office = app.login("office").await;
    let units: Vec<Value> = app.get_json(&office, "/api/v1/units").await.as_array().unwrap().clone();
    let classes: std::collections::HashSet<String> = units.iter().filter(|u| u["kind"] == "class").map(|u| u["name"].as_str().unwrap().to_string()).collect();
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for filter in [format!("org_id={}", who.org), format!("unit_id={}", who.unit)] {
        let list = app.get_json(&who.client, &format!("/api/v1/people?{filter}&per_page=200")).await;
        for p in list["items"].as_array().unwrap() {
            let id = p["id"].as_i64().unwrap();
            if !seen.insert(id) {
                continue;
            }
            let full = app.get_json(&who.client, &format!("/api/v1/people/{id}")).await;
            let org = p["org"].as_str().unwrap_or("").replace(" · ", "/");
            let unit_label = p["unit"].as_str().unwrap_or("").to_string();
            let last = unit_label.rsplit(" · ").next().unwrap_or("").to_string();
            let (unit, class) = if classes.contains(&last) { (String::new(), last) } else { (unit_label.replace(" · ", "/"), String::new()) };
            let primary = |m: &&Value| m["tree"] == "org" && m["end_date"].is_null() && matches!(m["node_kind"].as_str(), Some("branch" | "direct_branch" | "group"));
            let post = full["memberships"].as_array().unwrap().iter().find(primary).and_then(|m| m["role"].as_str()).unwrap_or("").to_string();
            rows.push(vec![
                p["name"].as_str().unwrap().into(),
                if p["kind"] == "student" { "学生".into() } else { "教职工".into() },
                p["number"].as_str().unwrap().into(),
                full["id_number"].as_str().unwrap_or("").into(),
                String::new(),
                p["political_status_label"].as_str().unwrap().into(),
                String::new(),
                String::new(),
                org,
                if post == "党员" { String::new() } else { post },
                unit,
                class,
                String::new(),
                String::new(),
            ]);
        }
    }
    rows
}

both!(
    the_template_downloads_as_excel,
    planted_problems_are_all_listed_and_nothing_is_imported,
    a_reimport_shows_new_changed_moved_and_leaving_and_commits_all_at_once,
    an_import_never_reveals_people_outside_the_importers_scope,
    imports_are_the_uploaders_own,
    the_members_file_comes_in_with_the_roster_under_its_rules,
);

async fn the_template_downloads_as_excel(app: TestApp) {
    let c = app.login("orgsec").await;
    let r = c.get(app.url("/import/template.xlsx")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    let html = c.get(app.url("/import")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("enctype=\"multipart/form-data\""));
    // Someone with nothing to import into is refused the page.
    let m = app.login("member").await;
    assert_eq!(m.get(app.url("/import")).send().await.unwrap().status(), 403);
}

async fn planted_problems_are_all_listed_and_nothing_is_imported(app: TestApp) {
    let who = as_user(&app, "orgsec").await;
    let before = app.get_json(&who.client, "/api/v1/people?per_page=1").await["total"].as_i64().unwrap();
    let class = app.get_json(&who.client, &format!("/api/v1/units/{}", who.unit)).await;
    let dept = class["children"].as_array().unwrap().iter().find(|c| c["kind"] == "department").unwrap()["id"].as_i64().unwrap();
    let dept_detail = app.get_json(&who.client, &format!("/api/v1/units/{dept}")).await;
    let class_name = dept_detail["children"].as_array().unwrap().iter().find(|c| c["kind"] == "class").unwrap()["name"].as_str().unwrap().to_string();
    let row = |name: &str, number: &str, status: &str, class: &str, id: &str| -> Vec<String> {
        vec![
            name.into(),
            "学生".into(),
            number.into(),
            id.into(),
            "女".into(),
            status.into(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            class.into(),
            "".into(),
            "".into(),
        ]
    };
    let mut rows: Vec<Vec<String>> = (1..=6).map(|i| row("正常学生", &format!("01109000000{i}"), "共青团员", &class_name, "")).collect();
    rows.push(row("", "011090000099", "共青团员", &class_name, "")); // line 8: no name
    rows.push(row("班级错", "011090000010", "共青团员", "不存在的班", "")); // line 9: unknown class
    rows.push(row("重复号", "011090000001", "共青团员", &class_name, "")); // line 10: duplicate of line 2
    rows.push(row("面貌错", "011090000011", "党员群众", &class_name, "")); // line 11: unknown status
    rows.push(row("证件错", "011090000012", "群众", &class_name, "43010219930101452X")); // line 12: bad ID check
    rows.push(row("科学计数", "2.01109E+11", "群众", &class_name, "")); // line 13: Excel notation
    rows.push(row("丢了零", "11090000013", "群众", &class_name, "")); // line 14: lost leading zero
    for (file, bytes) in [("roster.xlsx", xlsx(&rows)), ("roster-gbk.csv", gbk_csv(&rows))] {
        let (status, v) = upload(&app, &who, file, bytes, Some(who.org), Some(who.unit)).await;
        assert_eq!(status, 200, "{file}: {v}");
        let problems = v["problems"].as_array().unwrap();
        let at = |line: i64| problems.iter().filter(|p| p["line"] == line).map(|p| p["message"].as_str().unwrap().to_string()).collect::<Vec<_>>().join(" | ");
        assert!(at(8).contains("姓名"), "{file} line 8: {}", at(8));
        assert!(at(9).contains("找不到班级"), "{file} line 9: {}", at(9));
        assert!(at(10).contains("与第2行重复"), "{file} line 10: {}", at(10));
        assert!(at(11).contains("政治面貌"), "{file} line 11: {}", at(11));
        assert!(at(12).contains("身份证"), "{file} line 12: {}", at(12));
        assert!(at(13).contains("科学计数法"), "{file} line 13: {}", at(13));
        assert!(at(14).contains("开头的0"), "{file} line 14: {}", at(14));
        let id = v["id"].as_i64().unwrap();
        let r = who.client.post(app.url(&format!("/api/v1/imports/{id}/commit"))).json(&json!({})).send().await.unwrap();
        assert_eq!(r.status(), 409, "a file with problems is not imported");
        // The preview page lists them in Chinese.
        let html = who.client.get(app.url(&format!("/import/{id}?show=problems"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("与第2行重复") && html.contains("科学计数法"));
        let x = who.client.get(app.url(&format!("/import/{id}/problems/problems.xlsx"))).send().await.unwrap();
        assert_eq!(&x.bytes().await.unwrap()[..2], b"PK");
    }
    assert_eq!(app.get_json(&who.client, "/api/v1/people?per_page=1").await["total"].as_i64().unwrap(), before, "nothing changed");
    // A file that is not a table at all.
    let (status, v) = upload(&app, &who, "roster.xlsx", b"PK\x03\x04junk".to_vec(), Some(who.org), Some(who.unit)).await;
    assert_eq!(status, 422, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("xlsx"));
}

async fn a_reimport_shows_new_changed_moved_and_leaving_and_commits_all_at_once(app: TestApp) {
    let who = as_user(&app, "orgsec").await;
    let mut rows = current_rows(&app, &who).await;
    assert!(rows.len() > 20, "{}", rows.len());
    // Unchanged first: the same roster imports with no difference.
    let (status, v) = upload(&app, &who, "same.xlsx", xlsx(&rows), Some(who.org), Some(who.unit)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["counts"]["problems"], 0, "{}", v["problems"]);
    assert_eq!(v["counts"]["new"], 0);
    assert_eq!(v["counts"]["changed"], 0, "{}", v["rows"]);
    assert_eq!(v["counts"]["moved"], 0, "{}", v["rows"]);
    assert_eq!(v["counts"]["leaving"], 0, "{}", v["leaving"]);
    // Now: a phone changes, a student changes class, two students arrive, one leaves.
    let student_rows: Vec<usize> = rows.iter().enumerate().filter(|(_, r)| r[1] == "学生" && !r[11].is_empty()).map(|(i, _)| i).collect();
    let classes: Vec<String> = {
        let mut v: Vec<String> = rows.iter().map(|r| r[11].clone()).filter(|c| !c.is_empty()).collect();
        v.sort();
        v.dedup();
        v
    };
    assert!(classes.len() >= 2, "{classes:?}");
    let changed = student_rows[0];
    rows[changed][13] = "13812345678".into();
    let moved = student_rows[1];
    let new_class = classes.iter().find(|c| **c != rows[moved][11]).unwrap().clone();
    rows[moved][11] = new_class.clone();
    let leaving = rows.remove(student_rows[2]);
    for i in 0..2 {
        rows.push(vec![
            format!("新生{i}"),
            "学生".into(),
            format!("20120399000{i}"),
            String::new(),
            "男".into(),
            "群众".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            new_class.clone(),
            String::new(),
            String::new(),
        ]);
    }
    let (status, v) = upload(&app, &who, "second.xlsx", xlsx(&rows), Some(who.org), Some(who.unit)).await;
    assert_eq!(status, 200, "{v}");
    let c = &v["counts"];
    assert_eq!(
        (c["problems"].as_i64(), c["new"].as_i64(), c["changed"].as_i64(), c["moved"].as_i64(), c["leaving"].as_i64()),
        (Some(0), Some(2), Some(1), Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(v["leaving"][0]["number"], leaving[2].as_str());
    let phone = v["rows"].as_array().unwrap().iter().find(|r| r["action"] == "changed").unwrap();
    assert_eq!(phone["changes"][0]["field"], "phone");
    assert_eq!(phone["changes"][0]["after"], "13812345678");
    // The preview page in the browser's language.
    let id = v["id"].as_i64().unwrap();
    let html = who.client.get(app.url(&format!("/import/{id}?show=moved"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&new_class), "the moved row names its new class");
    // Issue 18: the page asks first (the one way to confirm an import), saying what it will do
    // to how many and naming who leaves; nothing changes before the confirmation.
    let r = app.post_form(&who.client, &format!("/import/{id}/commit"), &[]).await;
    assert_eq!(r.status(), 200);
    let step = r.text().await.unwrap();
    assert!(step.contains("涉及 5 人") && step.contains("新增 2 人") && step.contains("离开 1 人") && step.contains(leaving[2].as_str()), "{step}");
    assert!(step.contains(r#"name="confirmed" value="1""#) && step.contains(r#"id="confirm""#), "{step}");
    assert_eq!(app.get_json(&who.client, "/api/v1/people?q=新生&per_page=10").await["total"], 0, "nothing changed before the confirmation");
    assert!(!html.contains(r#"name="confirm" value="yes""#), "no second way to confirm on the preview");
    // Commit: all of it, in one transaction, in the audit log.
    let r = who.client.post(app.url(&format!("/api/v1/imports/{id}/commit"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let after = app.get_json(&who.client, "/api/v1/people?q=新生&per_page=10").await;
    assert_eq!(after["total"], 2);
    let left = app.get_json(&app.login("office").await, &format!("/api/v1/people?q={}&include_left=true", leaving[2])).await;
    assert!(!left["items"][0]["left_on"].is_null(), "the one who is not in the file has left: {left}");
    let auditor = app.login("auditor").await;
    let log = app.get_json(&auditor, "/api/v1/audit?action=roster.import").await;
    assert_eq!(log["total"], 1);
    assert_eq!(app.get_json(&auditor, "/api/v1/audit?action=person.import_create").await["total"], 2);
    assert!(app.get_json(&auditor, "/api/v1/audit/verify").await["ok"].as_bool().unwrap());
    // A committed import cannot be committed again.
    let r = who.client.post(app.url(&format!("/api/v1/imports/{id}/commit"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 409);
}

async fn an_import_never_reveals_people_outside_the_importers_scope(app: TestApp) {
    let who = as_user(&app, "orgsec").await;
    let office = app.login("office").await;
    // Someone of another college.
    let other = as_user(&app, "branchsec2").await;
    let outsider = app.get_json(&other.client, "/api/v1/people?per_page=1").await["items"][0].clone();
    let number = outsider["number"].as_str().unwrap();
    let name = outsider["name"].as_str().unwrap();
    let rows = vec![vec![
        "某人".into(),
        "学生".into(),
        number.into(),
        String::new(),
        String::new(),
        "群众".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ]];
    let (status, v) = upload(&app, &who, "x.xlsx", xlsx(&rows), Some(who.org), Some(who.unit)).await;
    assert_eq!(status, 200);
    let text = v.to_string();
    assert!(text.contains("管辖范围以外"), "{text}");
    assert!(!text.contains(name), "the outsider's name is not revealed: {text}");
    // A root outside the caller's scope is refused.
    let (status, _) = upload(&app, &who, "x.xlsx", xlsx(&rows), Some(other.org), None).await;
    assert_eq!(status, 404);
    let _ = office;
    let _ = PASSWORD;
}

async fn imports_are_the_uploaders_own(app: TestApp) {
    let who = as_user(&app, "orgsec").await;
    let (_, v) = upload(&app, &who, "mine.xlsx", xlsx(&[]), Some(who.org), Some(who.unit)).await;
    let id = v["id"].as_i64().unwrap();
    let office = app.login("office").await;
    assert_eq!(office.get(app.url(&format!("/api/v1/imports/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(office.get(app.url(&format!("/import/{id}"))).send().await.unwrap().status(), 404);
    let r = who.client.post(app.url(&format!("/api/v1/imports/{id}/discard"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let _: HashMap<(), ()> = HashMap::new();
}

/// The roster with the member's file's columns (issue 20): each row's problems listed by line,
/// the changes of a file in the preview, and the file stored on commit.
async fn the_members_file_comes_in_with_the_roster_under_its_rules(app: TestApp) {
    let who = as_user(&app, "orgsec").await;
    let member = app.get_json(&app.login("member").await, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let member_no = app.get_json(&who.client, &format!("/api/v1/people/{member}")).await["number"].as_str().unwrap().to_string();
    let file_headers = ["出生日期", "申请入党日期", "入党日期", "转正日期", "职称", "职称级别", "最高学位", "岗位"];
    let headers: Vec<String> = HEADERS.iter().chain(file_headers.iter()).map(|s| s.to_string()).collect();
    let sheet = |rows: &[Vec<String>]| Sheet { name: "名册".into(), headers: headers.clone(), rows: rows.to_vec() }.to_xlsx().unwrap();
    let mut rows: Vec<Vec<String>> = current_rows(&app, &who)
        .await
        .into_iter()
        .map(|mut r| {
            r.extend(std::iter::repeat_n(String::new(), 8));
            r
        })
        .collect();
    let at = rows.iter().position(|r| r[2] == member_no).expect("the member is in the college's roster");
    rows[at][15] = "2021-10-08".into();
    let class = rows.iter().find(|r| !r[11].is_empty()).unwrap()[11].clone();
    // A new student whose birth date is read from the ID number, and one whose row breaks the rules.
    let first17 = "43010220030917001";
    let id = format!("{first17}{}", pacesetter_domain::validate::id_check_char(first17.as_bytes()) as char);
    let new_row = |name: &str, number: &str, id: &str, applied: &str, joined: &str| {
        let mut r = vec![name.to_string(), "学生".into(), number.into(), id.into(), "女".into(), "共青团员".into()];
        r.extend(std::iter::repeat_n(String::new(), 5));
        r.push(class.clone());
        r.extend([String::new(), String::new(), String::new(), applied.into(), joined.into()]);
        r.extend(std::iter::repeat_n(String::new(), 5));
        r
    };
    let good = new_row("档案新生", "201203990100", &id, "2022-03-01", "");
    let bad = new_row("档案错", "201203990101", "", "2022-03-01", "2023-01-01");
    rows.push(good);
    rows.push(bad);
    let bad_line = rows.len() + 1;
    let (status, v) = upload(&app, &who, "file.xlsx", sheet(&rows), Some(who.org), Some(who.unit)).await;
    assert_eq!(status, 200, "{v}");
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["line"].as_u64(), Some(bad_line as u64));
    assert!(problems[0]["message"].as_str().unwrap().contains("入党日期"), "{problems:?}");
    rows.pop();
    let (status, v) = upload(&app, &who, "file.xlsx", sheet(&rows), Some(who.org), Some(who.unit)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["counts"]["problems"].as_i64(), v["counts"]["new"].as_i64(), v["counts"]["leaving"].as_i64()), (Some(0), Some(1), Some(0)), "{v}");
    let changed = v["rows"].as_array().unwrap().iter().find(|r| r["number"] == member_no.as_str()).unwrap_or_else(|| panic!("{v}")).clone();
    assert_eq!(changed["action"], "changed");
    assert!(changed["changes"].as_array().unwrap().iter().any(|c| c["field"] == "applied_on" && c["after"] == "2021-10-08"), "{changed}");
    let html = who.client.get(app.url(&format!("/import/{}?show=changed", v["id"]))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("申请入党日期"), "the preview names the file's column");
    let r = who.client.post(app.url(&format!("/api/v1/imports/{}/commit", v["id"]))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(app.get_json(&who.client, &format!("/api/v1/people/{member}/file")).await["applied_on"], "2021-10-08");
    let new_id = app.get_json(&who.client, "/api/v1/people?q=档案新生").await["items"][0]["id"].as_i64().unwrap();
    let f = app.get_json(&who.client, &format!("/api/v1/people/{new_id}/file")).await;
    assert_eq!((f["birth_date"].as_str(), f["applied_on"].as_str()), (Some("2003-09-17"), Some("2022-03-01")), "{f}");
    // Once a branch develops the new student, the roster no longer sets their stage.
    let branch = app.reach("branchsec", "org").await;
    let r = who.client.post(app.url("/api/v1/development")).json(&json!({"org_id": branch.to_string(), "number": "201203990100", "on": "2022-03-01"})).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let at = rows.iter().position(|r| r[2] == "201203990100").unwrap();
    rows[at][6] = "入党积极分子".into();
    let (status, v) = upload(&app, &who, "stage.xlsx", sheet(&rows), Some(who.org), Some(who.unit)).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["problems"].to_string().contains("由发展流程决定"), "{}", v["problems"]);
    // The people export carries the file's columns.
    let x = who.client.get(app.url(&format!("/people/export.csv?q={member_no}"))).send().await.unwrap().bytes().await.unwrap();
    let text = String::from_utf8_lossy(&x);
    assert!(text.contains("出生日期") && text.contains("党龄"), "{text}");
}
