//! The central groups: a college's group is kept by its committee's secretary and read by its
//! members; a secretary of another college's branch gets nothing. Ending a membership names the
//! group and the membership: a keeper of one group cannot end a member of another.

use super::common::TestApp;
use super::{Case, Crossed, Fixture, form};
use serde_json::{Value, json};

pub const TWO_RECORDS: &[&str] = &["central_group_member_end", "api_central_group_member_end"];

fn case(method: &'static str, path: String) -> Case {
    Case { method, path, form: None, json: None, insider: "orgsec", outsider: "branchsec2", secret: String::new(), crossed: vec![] }
}

/// The college's group (set up once), with its secretary as the leader; returns its id.
async fn group(app: &TestApp) -> i64 {
    let orgsec = app.login("orgsec").await;
    let college = app.reach("orgsec", "org").await;
    let list = app.get_json(&orgsec, "/api/v1/central-groups").await;
    if let Some(g) = list.as_array().unwrap().iter().find(|g| g["org_id"] == college) {
        return g["id"].as_i64().unwrap();
    }
    let r = orgsec.post(app.url("/api/v1/central-groups")).json(&json!({"org_id": college.to_string()})).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let me = app.get_json(&orgsec, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let number = app.get_json(&orgsec, &format!("/api/v1/people/{me}")).await["number"].as_str().unwrap().to_string();
    let r = orgsec
        .post(app.url(&format!("/api/v1/central-groups/{id}/members")))
        .json(&json!({"number": number, "role": "leader", "post": "党委书记（案例职务）"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    id
}

/// A member added to a group by whoever keeps it: the first person of the keeper's list who is
/// not in the group; returns the membership's id.
async fn member(app: &TestApp, keeper: &str, gid: i64) -> i64 {
    let c = app.login(keeper).await;
    let people = app.get_json(&c, "/api/v1/people?per_page=60&kind=staff").await;
    for p in people["items"].as_array().unwrap().iter() {
        let r = c.post(app.url(&format!("/api/v1/central-groups/{gid}/members"))).json(&json!({"number": p["number"], "role": "member", "post": "委员"})).send().await.unwrap();
        if r.status() == 201 {
            let v: Value = r.json().await.unwrap();
            return v["members"].as_array().unwrap().iter().find(|m| m["person_id"] == p["id"] && m["end_date"].is_null()).unwrap()["id"].as_i64().unwrap();
        }
    }
    panic!("no one left to add");
}

/// A session of the college's group today, with a topic; returns the meeting's id.
async fn session(app: &TestApp, topic: &str) -> i64 {
    let gid = group(app).await;
    let orgsec = app.login("orgsec").await;
    let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
    let body = json!({"topic": topic, "on_day": today, "starts": "08:30", "ends": "11:30", "place": "会议室", "speaker": "党委书记"});
    let r = orgsec.post(app.url(&format!("/api/v1/central-groups/{gid}/sessions"))).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["session"]["meeting_id"].as_i64().unwrap()
}

/// The university's group, kept by the office, with a member; returns (group, membership).
async fn other_group(app: &TestApp) -> (i64, i64) {
    let office = app.login("office").await;
    let root = app.get_json(&office, "/api/v1/orgs").await;
    let root = root.as_array().map(|a| a[0]["id"].as_i64().unwrap()).unwrap_or_else(|| root["id"].as_i64().unwrap_or(1));
    let list = app.get_json(&office, "/api/v1/central-groups").await;
    let gid = match list.as_array().unwrap().iter().find(|g| g["org_id"] == root) {
        Some(g) => g["id"].as_i64().unwrap(),
        None => {
            let r = office.post(app.url("/api/v1/central-groups")).json(&json!({"org_id": root.to_string()})).send().await.unwrap();
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        }
    };
    (gid, member(app, "office", gid).await)
}

pub async fn case_for(app: &TestApp, _f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let api = name.starts_with("api_");
    let base = name.trim_start_matches("api_");
    let pre = if api { "/api/v1" } else { "" };
    Some(match base {
        "central_group" => {
            let gid = group(app).await;
            Case { secret: "案例职务".into(), ..case("GET", format!("{pre}/central-groups/{gid}")) }
        }
        "central_group_member_add" => {
            let gid = group(app).await;
            let orgsec = app.login("orgsec").await;
            let people = app.get_json(&orgsec, "/api/v1/people?per_page=60&kind=staff").await;
            let g = app.get_json(&orgsec, &format!("/api/v1/central-groups/{gid}")).await;
            let inside: Vec<i64> = g["members"].as_array().unwrap().iter().filter(|m| m["end_date"].is_null()).map(|m| m["person_id"].as_i64().unwrap()).collect();
            let p = people["items"].as_array().unwrap().iter().rev().find(|p| !inside.contains(&p["id"].as_i64().unwrap())).expect("someone to add").clone();
            let number = p["number"].as_str().unwrap().to_string();
            let path = format!("{pre}/central-groups/{gid}/members");
            if api {
                Case { json: Some(json!({"number": number, "role": "member", "post": "委员"})), ..case("POST", path) }
            } else {
                Case { form: form(&[("number", &number), ("role", "member"), ("post", "委员")]), ..case("POST", path) }
            }
        }
        "central_group_member_end" => {
            let gid = group(app).await;
            let mid = member(app, "orgsec", gid).await;
            let (_, theirs) = other_group(app).await;
            let path = format!("{pre}/central-groups/{gid}/members/{mid}/end");
            let crossed = vec![Crossed {
                user: "orgsec",
                what: "a member of another group",
                path: format!("{pre}/central-groups/{gid}/members/{theirs}/end"),
                form: if api { None } else { form(&[("on", "")]) },
                json: if api { Some(json!({})) } else { None },
            }];
            if api { Case { json: Some(json!({})), crossed, ..case("POST", path) } } else { Case { form: form(&[("on", "")]), crossed, ..case("POST", path) } }
        }
        "central_group_plan" => {
            let gid = group(app).await;
            let year = pacesetter_domain::dates::today().year().to_string();
            let path = format!("{pre}/central-groups/{gid}/plan");
            if api {
                Case { json: Some(json!({"year": year, "month": "4", "topic": "党章学习"})), ..case("PUT", path) }
            } else {
                Case { form: form(&[("year", &year), ("month", "4"), ("topic", "党章学习")]), ..case("POST", path) }
            }
        }
        "central_group_session_create" => {
            let gid = group(app).await;
            let today = pacesetter_domain::dates::iso(pacesetter_domain::dates::today());
            let fields = [("topic", "专题学习"), ("on_day", today.as_str()), ("starts", "08:30"), ("ends", "11:30"), ("place", "会议室"), ("speaker", "党委书记")];
            let path = format!("{pre}/central-groups/{gid}/sessions");
            if api {
                Case {
                    json: Some(json!({"topic": "专题学习", "on_day": today, "starts": "08:30", "ends": "11:30", "place": "会议室", "speaker": "党委书记"})),
                    ..case("POST", path)
                }
            } else {
                Case { form: form(&fields), ..case("POST", path) }
            }
        }
        "central_group_scores" => {
            let gid = group(app).await;
            Case { secret: "党委书记（案例职务）".into(), ..case("GET", format!("{pre}/central-groups/{gid}/scores")) }
        }
        "central_group_scores_export" => {
            let gid = group(app).await;
            case("GET", format!("/central-groups/{gid}/scores/central-group-scores.xlsx"))
        }
        "central_group_session" => {
            let topic = format!("第{n}次案例专题学习");
            let mid = session(app, &topic).await;
            Case { secret: topic, ..case("GET", format!("{pre}/central-groups/sessions/{mid}")) }
        }
        "central_group_contribute" => {
            let mid = session(app, &format!("第{n}次交流学习")).await;
            let path = format!("{pre}/central-groups/sessions/{mid}/contributions");
            // A reflection: a speech is handed in only by someone present, and the keeper has not
            // checked in.
            let body = "围绕本次专题学习撰写心得体会，深入理解创先争优活动的重要意义，决心把学习成果转化为做好本职工作、服务广大师生的实际行动和具体措施。";
            if api {
                Case { json: Some(json!({"kind": "reflection", "body": body})), ..case("POST", path) }
            } else {
                Case { form: form(&[("kind", "reflection"), ("body", body)]), ..case("POST", path) }
            }
        }
        _ => return None,
    })
}
