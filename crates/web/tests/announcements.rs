//! Notices (通知公告) over HTTP, on both databases: the office sends a notice with a file to a
//! branch's members; a college sends one to its own subtree and not to another college's; a
//! branch secretary cannot send; bad input is refused with every reason and sends nothing; the
//! recipients are told; a recipient's first opening is recorded and the receipts count it (who
//! has not read it first), for those who reach the branch only; the receipts export as Excel;
//! the notice is found by search by its readers only.

mod common;

use common::TestApp;
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

both!(a_notice_is_sent_read_and_its_receipts_counted,);

async fn send(app: &TestApp, c: &Client, form: Form) -> (u16, Value) {
    let token = app.csrf(c, "/home").await;
    let r = c.post(app.url("/api/v1/announcements")).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn form(title: &str, org: i64, audience: &str) -> Form {
    Form::new()
        .text("title", title.to_string())
        .text("body", "请各位党员于本周五下午参加组织生活会，会前认真学习有关文件。")
        .text("audience_org_id", org.to_string())
        .text("audience", audience.to_string())
        .part("files", Part::bytes(common::png_1x1()).file_name("日程.png"))
}

async fn a_notice_is_sent_read_and_its_receipts_counted(app: TestApp) {
    let office = app.login("office").await;
    let sec = app.login("branchsec").await;
    let outsider = app.login("branchsec2").await;
    let college = app.login("orgsec").await;
    let member = app.login("member").await;
    let branch = app.reach("branchsec", "org").await;
    let other_branch = app.reach("branchsec2", "org").await;
    let my_college = app.reach("orgsec", "org").await;

    // Bad input is refused with every reason, and nothing is sent.
    let (s, v) = send(&app, &office, Form::new().text("title", "").text("body", " ").text("audience", "everyone")).await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["title", "body", "audience", "audience_org_id"] {
        assert!(fields.contains(&f), "{f} in {v}");
    }
    assert_eq!(app.get_json(&member, "/api/v1/announcements").await.as_array().unwrap().len(), 0);
    // A branch secretary does not send notices; a college sends within its own subtree only.
    assert_eq!(send(&app, &sec, form("支部通知", branch, "members")).await.0, 403);
    assert_eq!(send(&app, &college, form("越界通知", other_branch, "members").text("sender_org_id", my_college.to_string())).await.0, 404);
    assert_eq!(send(&app, &college, form("冒充创先办", my_college, "members")).await.0, 403, "only the office sends as the office");
    // The system's administrator is not the campaign: they send nothing, for no one.
    let admin = app.login("admin").await;
    assert_eq!(send(&app, &admin, form("管理员通知", my_college, "members").text("sender_org_id", my_college.to_string())).await.0 / 100, 4);
    let (s, v) = send(&app, &college, form("学院通知", my_college, "secretaries").text("sender_org_id", my_college.to_string())).await;
    assert_eq!(s, 201, "{v}");

    // The office to the branch's members.
    let (s, v) = send(&app, &office, form("关于召开组织生活会的通知", branch, "members")).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let recipients = v["recipients"].as_i64().unwrap();
    assert!(recipients >= 2, "{v}");

    // The member is told, and sees it unread.
    let notes = member.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(notes.contains("关于召开组织生活会的通知"), "the member is told");
    let list = app.get_json(&member, "/api/v1/announcements").await;
    let mine = list.as_array().unwrap().iter().find(|a| a["id"] == id).expect("the member lists it").clone();
    assert_eq!((mine["received"].as_bool(), mine["my_read"].is_null()), (Some(true), true), "{mine}");
    // Another college's secretary neither lists nor opens it.
    assert!(app.get_json(&outsider, "/api/v1/announcements").await.as_array().unwrap().iter().all(|a| a["id"] != id));
    assert_eq!(outsider.get(app.url(&format!("/api/v1/announcements/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(admin.get(app.url(&format!("/api/v1/announcements/{id}"))).send().await.unwrap().status(), 404, "nor does the administrator read it");

    // Before anyone reads it: nobody has.
    let r = app.get_json(&sec, &format!("/api/v1/announcements/{id}/receipts")).await;
    assert_eq!(r.as_array().unwrap().len() as i64, recipients);
    assert!(r.as_array().unwrap().iter().all(|x| x["read"].is_null()), "{r}");

    // The member opens it: read once, counted once; they see no receipts.
    let d = app.get_json(&member, &format!("/api/v1/announcements/{id}")).await;
    assert!(d["receipts"].is_null(), "{d}");
    assert!(d["my_read"].is_string(), "{d}");
    assert_eq!(d["files"].as_array().unwrap().len(), 1);
    let file = d["files"][0]["href"].as_str().unwrap().to_string();
    let r = member.get(app.url(&file)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap().to_string()), (200, "image/png".to_string()));
    assert_eq!(outsider.get(app.url(&file)).send().await.unwrap().status(), 404);
    app.get_json(&member, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(member.get(app.url(&format!("/api/v1/announcements/{id}/receipts"))).send().await.unwrap().status(), 404);

    // The secretary, a member of the branch too, opens it: now two have read it.
    let d = app.get_json(&sec, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!((d["recipients"].as_i64(), d["read"].as_i64()), (Some(recipients), Some(2)), "{d}");
    let receipts = d["receipts"].as_array().unwrap();
    let mut read: Vec<i64> = receipts.iter().filter(|x| x["read"].is_string()).map(|x| x["person_id"].as_i64().unwrap()).collect();
    read.sort();
    let mut expected = vec![app.get_json(&member, "/api/v1/me").await["person_id"].as_i64().unwrap(), app.get_json(&sec, "/api/v1/me").await["person_id"].as_i64().unwrap()];
    expected.sort();
    assert_eq!(read, expected, "{d}");
    // Those who have not read it come first.
    assert!(receipts.first().unwrap()["read"].is_null() && receipts.last().unwrap()["read"].is_string(), "{d}");
    // The office sees the same counts; the branch's secretary exports them.
    let d = app.get_json(&office, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(d["read"].as_i64(), Some(2));
    let r = sec.get(app.url(&format!("/announcements/{id}/receipts.xlsx"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert_eq!(member.get(app.url(&format!("/announcements/{id}/receipts.xlsx"))).send().await.unwrap().status(), 404);

    // The page: the secretary sees who has not read it.
    let page = sec.get(app.url(&format!("/announcements/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("阅读情况") && page.contains("未读"));

    // A notice to every secretary of the university: a college's secretary sees the receipts of
    // their own college's part, nobody else's.
    let root = app.get_json(&office, "/api/v1/orgs").await;
    let root = root.as_array().unwrap().iter().find(|n| n["parent_id"].is_null()).unwrap_or_else(|| panic!("{root}"))["id"].as_i64().unwrap();
    let (s, v) = send(&app, &office, form("关于报送七一表彰材料的通知", root, "secretaries")).await;
    assert_eq!(s, 201, "{v}");
    let all_id = v["id"].as_i64().unwrap();
    let everyone = app.get_json(&office, &format!("/api/v1/announcements/{all_id}/receipts")).await;
    let part = app.get_json(&college, &format!("/api/v1/announcements/{all_id}/receipts")).await;
    let theirs = app.get_json(&outsider, &format!("/api/v1/announcements/{all_id}/receipts")).await;
    let ids = |v: &Value| v.as_array().unwrap().iter().map(|x| x["person_id"].as_i64().unwrap()).collect::<std::collections::BTreeSet<i64>>();
    assert!(!ids(&part).is_empty() && ids(&part).len() < ids(&everyone).len(), "{part}");
    assert!(ids(&part).is_subset(&ids(&everyone)) && ids(&theirs).is_subset(&ids(&everyone)));
    assert!(ids(&part).is_disjoint(&ids(&theirs)), "two colleges' parts do not overlap");
    assert_eq!(member.get(app.url(&format!("/api/v1/announcements/{all_id}/receipts"))).send().await.unwrap().status(), 404);

    // Search finds it for its readers only.
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    let found = |v: &Value| v["groups"].as_array().unwrap().iter().any(|g| g["kind"] == "announcement" && g["hits"].as_array().unwrap().iter().any(|h| h["id"] == id));
    assert!(found(&app.get_json(&member, &format!("/api/v1/search?q={}", enc("组织生活会"))).await));
    assert!(!found(&app.get_json(&outsider, &format!("/api/v1/search?q={}", enc("组织生活会"))).await));
}
