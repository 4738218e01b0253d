//! Search in Chinese over HTTP, on both databases: a person is found by two characters of
//! their name, by pinyin initials (`wyl` for 王燕璐) and full pinyin by anyone logged in, with
//! public fields only; by their number only within the caller's scope; a renamed person is found
//! by the new name at once and no longer by the old; a phrase in a commitment is found, marked,
//! by those who may read the commitment only (a draft stays within its scope, an approved one is
//! public); an organization by its initials; a query of one character, or an unknown kind, is a
//! clear 422; the page marks what matched.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(people_commitments_and_places_are_found_within_scope,);

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn search(app: &TestApp, c: &Client, q: &str) -> Value {
    let r = c.get(app.url(&format!("/api/v1/search?q={}", enc(q)))).send().await.unwrap();
    assert_eq!(r.status(), 200, "search {q}");
    r.json().await.unwrap()
}

/// The hits of one kind.
fn hits(v: &Value, kind: &str) -> Vec<Value> {
    v["groups"].as_array().unwrap().iter().find(|g| g["kind"] == kind).map(|g| g["hits"].as_array().unwrap().clone()).unwrap_or_default()
}

fn find(v: &Value, kind: &str, id: i64) -> Option<Value> {
    hits(v, kind).into_iter().find(|h| h["id"] == id)
}

fn marked(h: &Value, field: &str) -> String {
    h[field].as_array().unwrap().iter().filter(|p| p["hit"] == true).map(|p| p["text"].as_str().unwrap()).collect()
}

async fn post_json(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).header("x-csrf-token", app.csrf(c, "/home").await).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn people_commitments_and_places_are_found_within_scope(app: TestApp) {
    let office = app.login("office").await;
    let sec = app.login("branchsec").await;
    let outsider = app.login("branchsec2").await;
    let member = app.login("member").await;
    let branch = app.reach("branchsec", "org").await;

    // A person in the secretary's branch.
    let (s, p) = post_json(
        &app,
        &office,
        "/api/v1/people",
        json!({"name": "王燕璐", "kind": "student", "number": "2012998877", "political_status": "01", "org_id": branch, "email": "wyl@example.edu.cn"}),
    )
    .await;
    assert!(s / 100 == 2, "{p}");
    let person = p["id"].as_i64().unwrap();

    // By pinyin initials, full pinyin and two characters of the name: found by anyone logged
    // in, with public fields; the number and the record only within scope.
    for q in ["wyl", "WYL", "wangyanlu", "燕璐", "王燕"] {
        let out = search(&app, &outsider, q).await;
        let h = find(&out, "person", person).unwrap_or_else(|| panic!("{q}: {out}"));
        assert!(h["number"].is_null(), "no number outside the scope: {h}");
        assert!(h["href"].as_str().unwrap().starts_with("/directory?q="), "{h}");
        let inside = search(&app, &sec, q).await;
        let h = find(&inside, "person", person).unwrap_or_else(|| panic!("{q}: {inside}"));
        assert_eq!((h["number"].as_str(), h["href"].as_str()), (Some("2012998877"), Some(format!("/people/{person}").as_str())), "{h}");
    }
    let h = find(&search(&app, &sec, "wyl").await, "person", person).unwrap();
    assert_eq!(marked(&h, "title_marked"), "王燕璐", "{h}");
    let h = find(&search(&app, &sec, "燕璐").await, "person", person).unwrap();
    assert_eq!(marked(&h, "title_marked"), "燕璐", "{h}");

    // By number: within scope (the branch, the office), never outside it.
    for (c, found) in [(&sec, true), (&office, true), (&outsider, false), (&member, false)] {
        let v = search(&app, c, "2012998877").await;
        assert_eq!(find(&v, "person", person).is_some(), found, "{v}");
    }
    let h = find(&search(&app, &office, "2012998").await, "person", person).expect("a number is found by its start");
    assert_eq!(marked(&h, "number_marked"), "2012998", "{h}");

    // Renamed: found by the new name at once, no longer by the old.
    let r =
        office.patch(app.url(&format!("/api/v1/people/{person}"))).header("x-csrf-token", app.csrf(&office, "/home").await).json(&json!({"name": "王艳路"})).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert!(find(&search(&app, &sec, "艳路").await, "person", person).is_some());
    assert!(find(&search(&app, &sec, "燕璐").await, "person", person).is_none());

    // A phrase in a commitment: a draft is found by its owner and the branch, not by another
    // college; once approved it is public and found by anyone logged in.
    let mine = app.get_json(&member, "/api/v1/commitments/mine").await;
    let task = mine.as_array().unwrap().iter().find(|t| t["owner_kind"] == "person").expect("the member owes a commitment")["task_id"].as_i64().unwrap();
    let (s, v) = post_json(
        &app,
        &member,
        "/api/v1/commitments",
        json!({"task_id": task, "category": "学习提高", "content": "每月组织一次 社区志愿服务 活动", "measures": "与社区居委会对接，按月排班", "target": "全年十二次", "due": "2012-12-20", "submit": true}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let cm = v["id"].as_i64().unwrap();
    for (c, found) in [(&member, true), (&sec, true), (&office, true), (&outsider, false)] {
        let v = search(&app, c, "志愿服务").await;
        assert_eq!(find(&v, "commitment", cm).is_some(), found, "{v}");
    }
    let h = find(&search(&app, &member, "社区志愿").await, "commitment", cm).unwrap();
    assert_eq!(marked(&h, "title_marked"), "社区志愿", "{h}");
    assert_eq!(h["href"], format!("/commitments/{cm}"));
    // A phrase of the measures.
    assert!(find(&search(&app, &member, "按月排班").await, "commitment", cm).is_some());
    let (s, v) = post_json(&app, &sec, &format!("/api/v1/commitments/{cm}/review"), json!({"action": "approve"})).await;
    assert_eq!(s, 200, "{v}");
    assert!(find(&search(&app, &outsider, "志愿服务").await, "commitment", cm).is_some(), "approved commitments are public");

    // An organization by its initials, and by two characters of its name.
    let tree = app.get_json(&office, &format!("/api/v1/orgs/{branch}")).await;
    let name = tree["name"].as_str().or(tree["node"]["name"].as_str()).unwrap_or_else(|| panic!("{tree}")).to_string();
    let two: String = name.chars().take(2).collect();
    assert!(find(&search(&app, &outsider, &two).await, "org", branch).is_some(), "{name}");
    let initials: String =
        name.chars().take(3).filter_map(|c| pacesetter_domain::search::pinyin_keys(&c.to_string()).into_iter().find(|k| k.starts_with("i:")).map(|k| k[2..].to_string())).collect();
    if initials.len() >= 2 {
        let v = search(&app, &outsider, &initials).await;
        let h = find(&v, "org", branch).unwrap_or_else(|| panic!("{initials}: {v}"));
        assert_eq!(h["href"], Value::Null, "another college's branch is found but not opened: {h}");
        assert_eq!(find(&search(&app, &sec, &initials).await, "org", branch).unwrap()["href"], format!("/orgs/{branch}"));
    }

    // Bad queries are refused with a message and nothing else.
    for q in ["王", " ， ", ""] {
        let r = member.get(app.url(&format!("/api/v1/search?q={}", enc(q)))).send().await.unwrap();
        assert_eq!(r.status(), 422, "{q}");
        let v: Value = r.json().await.unwrap();
        assert!(v["error"]["message"].as_str().unwrap_or_default().contains("两个字"), "{v}");
    }
    let r = member.get(app.url(&format!("/api/v1/search?q={}&kind=secrets", enc("志愿")))).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // One kind only.
    let v: Value = member.get(app.url(&format!("/api/v1/search?q={}&kind=commitment", enc("志愿")))).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["groups"].as_array().unwrap().len(), 1, "{v}");

    // The page: the hits with the matched part marked; a one-character query says why.
    let page = sec.get(app.url("/search?q=wyl")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<mark>王艳路</mark>") || page.contains("<mark>王艳</mark>"), "the page marks the hit");
    let r = sec.get(app.url("/search?q=%E7%8E%8B")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请至少输入两个字"));
}
