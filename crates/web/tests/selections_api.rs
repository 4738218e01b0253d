//! Selections and the award register through the JSON API alone, on SQLite and PostgreSQL
//! alike: what a campus portal does where a browser uses the pages. A ballot from the office's
//! new selection to the award register (quotas, a branch's recommendation forwarded by its
//! college, the review, the secret ballot, the count, the notice with an objection, the
//! approval), and a panel's score sheets with a recorded minimum. Every answer is cut by the
//! same disclosure rule as the pages: no totals to those outside the office and the auditor
//! before the electorate may see them, no objector to anyone but the office.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

both!(a_ballot_runs_through_the_api_to_the_award_register, a_panel_scores_through_the_api);

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date();
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

async fn send(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn ok(app: &TestApp, c: &Client, path: &str, body: Value) -> Value {
    let (status, v) = send(app, c, path, body).await;
    assert_eq!(status, 200, "POST {path}: {v}");
    v
}

async fn get(app: &TestApp, c: &Client, path: &str) -> (u16, Value) {
    let r = c.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn org_reach(app: &TestApp, user: &str) -> i64 {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "org" && r["access"] == "write").unwrap_or_else(|| panic!("{user} has no org reach"));
    r["target"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

/// A full Party member placed in an organization by the office; their number as stored.
async fn member_in(app: &TestApp, org: i64, number: &str) -> String {
    let office = app.login("office").await;
    let p = ok(app, &office, "/api/v1/people", json!({"name": "接口评选党员", "kind": "student", "number": number, "political_status": "01", "org_id": org})).await;
    p["number"].as_str().unwrap().to_string()
}

/// The demo accounts in a selection's electorate (or panel).
async fn electorate(app: &TestApp, id: i64) -> Vec<&'static str> {
    let mut out = Vec::new();
    for u in ["office", "leader", "orgsec", "branchsec", "member", "branchsec2", "cadre", "contact", "unithead"] {
        let c = app.login(u).await;
        if app.get_json(&c, &format!("/api/v1/selections/{id}")).await["me"]["in_electorate"] == true {
            out.push(u);
        }
    }
    out
}

async fn a_ballot_runs_through_the_api_to_the_award_register(app: TestApp) {
    let office = app.login("office").await;
    let member = app.login("member").await;
    let student = app.login("student").await;
    let t = today();

    // Starting one: the office only, and bad input changes nothing.
    let (status, v) = send(&app, &member, "/api/v1/selections", json!({"category": "study-stars", "nominate_until": t, "vote_from": t, "vote_until": t})).await;
    assert_eq!(status, 403, "{v}");
    let (status, v) = send(&app, &office, "/api/v1/selections", json!({"category": "no-such", "nominate_until": t, "vote_from": t, "vote_until": t})).await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = send(&app, &office, "/api/v1/selections", json!({"category": "study-stars", "nominate_until": t, "vote_from": t, "vote_until": "2012-01-01"})).await;
    assert_eq!(status, 422, "{v}");
    let before = app.get_json(&office, "/api/v1/selections").await.as_array().unwrap().len();
    let id =
        ok(&app, &office, "/api/v1/selections", json!({"category": "study-stars", "quota": 2, "nominate_until": t, "vote_from": t, "vote_until": t})).await["id"].as_i64().unwrap();
    let list = app.get_json(&member, "/api/v1/selections").await;
    assert_eq!(list.as_array().unwrap().len(), before + 1);
    let line = list.as_array().unwrap().iter().find(|l| l["id"] == id).unwrap();
    assert_eq!(line["stage"], "nominating");
    assert_eq!(line["quota"], 2);

    // Quotas: the office allocates; a bad number is refused.
    let college = org_reach(&app, "orgsec").await;
    let branch = org_reach(&app, "branchsec").await;
    let (status, v) = send(&app, &office, &format!("/api/v1/selections/{id}/quotas"), json!({"quotas": [{"org_id": college, "quota": -1}]})).await;
    assert_eq!(status, 422, "{v}");
    let q = ok(&app, &office, &format!("/api/v1/selections/{id}/quotas"), json!({"quotas": [{"org_id": college, "quota": 3}]})).await;
    assert!(q.as_array().unwrap().iter().any(|x| x["org_id"] == college && x["quota"] == 3), "{q}");
    let (status, v) = send(&app, &member, &format!("/api/v1/selections/{id}/quotas"), json!({"quotas": [{"org_id": college, "quota": 9}]})).await;
    assert_eq!(status, 403, "{v}");
    let seen = app.get_json(&member, &format!("/api/v1/selections/{id}/quotas")).await;
    assert!(seen.as_array().unwrap().iter().any(|x| x["org_id"] == college && x["quota"] == 3), "quotas are public while nominations run: {seen}");

    // A branch recommends one of its members; its college forwards it within the quota.
    let branchsec = app.login("branchsec").await;
    let orgsec = app.login("orgsec").await;
    let n1 = member_in(&app, branch, "APISEL01").await;
    let (status, v) = send(&app, &branchsec, &format!("/api/v1/selections/{id}/nominations"), json!({"by_org_id": branch, "person_number": n1, "reasons": ""})).await;
    assert_eq!(status, 422, "reasons are required: {v}");
    let a = ok(&app, &branchsec, &format!("/api/v1/selections/{id}/nominations"), json!({"by_org_id": branch, "person_number": n1, "reasons": "接口推荐理由甲"})).await["id"]
        .as_i64()
        .unwrap();
    let (status, v) = send(&app, &branchsec, &format!("/api/v1/selections/{id}/nominations"), json!({"by_org_id": branch, "person_number": n1, "reasons": "再次"})).await;
    assert_eq!(status, 409, "a candidate appears once: {v}");
    let mine = app.get_json(&branchsec, &format!("/api/v1/selections/{id}/nominations")).await;
    let row = mine.as_array().unwrap().iter().find(|n| n["id"] == a).unwrap();
    assert_eq!((row["full"].as_bool(), row["state"].as_str(), row["reasons"].as_str()), (Some(true), Some("recommended"), Some("接口推荐理由甲")));
    let theirs = app.get_json(&student, &format!("/api/v1/selections/{id}/nominations")).await;
    assert!(theirs.as_array().unwrap().is_empty(), "nothing of a nomination reaches an outsider before the ballot: {theirs}");
    let (status, _) = send(&app, &branchsec, &format!("/api/v1/selections/{id}/nominations/{a}/forward"), json!({})).await;
    assert_eq!(status, 403, "a branch does not forward its own recommendation");
    let fwd = ok(&app, &orgsec, &format!("/api/v1/selections/{id}/nominations/{a}/forward"), json!({})).await;
    assert_eq!(fwd["state"], "nominated");
    let (status, _) = send(&app, &orgsec, &format!("/api/v1/selections/{id}/nominations/{a}/forward"), json!({})).await;
    assert_eq!(status, 409, "forwarded once");

    // The office nominates two more; the review.
    let mut noms = vec![a];
    let number = member_in(&app, college, "APISEL02").await;
    noms.push(ok(&app, &office, &format!("/api/v1/selections/{id}/nominations"), json!({"person_number": number, "reasons": "接口推荐理由2"})).await["id"].as_i64().unwrap());
    // The third with an evidence file, as multipart.
    let number = member_in(&app, college, "APISEL03").await;
    let token = app.csrf(&office, "/home").await;
    let upload = |number: String, file: &'static [u8]| {
        reqwest::multipart::Form::new()
            .text("person_number", number)
            .text("reasons", "接口推荐理由3")
            .part("files", reqwest::multipart::Part::bytes(file.to_vec()).file_name("事迹材料.pdf"))
    };
    let r = office
        .post(app.url(&format!("/api/v1/selections/{id}/nominations/upload")))
        .header("x-csrf-token", &token)
        .multipart(upload(number.clone(), b"not a pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a file that is not what it says: {}", r.text().await.unwrap());
    let r = office
        .post(app.url(&format!("/api/v1/selections/{id}/nominations/upload")))
        .header("x-csrf-token", &token)
        .multipart(upload(number, b"%PDF-1.4 evidence"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let third = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    noms.push(third);
    let all = app.get_json(&office, &format!("/api/v1/selections/{id}/nominations")).await;
    let files = all.as_array().unwrap().iter().find(|n| n["id"] == third).unwrap()["evidence"].clone();
    assert_eq!(files.as_array().unwrap().len(), 1, "{all}");
    let file = office.get(app.url(files[0]["href"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert!(file.bytes().await.unwrap().starts_with(b"%PDF"));
    let (status, _) = get(&app, &student, files[0]["href"].as_str().unwrap()).await;
    assert!(matches!(status, 403 | 404), "evidence is not an outsider's: {status}");
    let (status, v) = send(&app, &office, &format!("/api/v1/selections/{id}/nominations/{a}/review"), json!({"decision": "maybe"})).await;
    assert_eq!(status, 400, "{v}");
    assert!(v.to_string().contains("eligible"), "{v}");
    let (status, v) = send(&app, &office, &format!("/api/v1/selections/{id}/nominations/{a}/review"), json!({"decision": "ineligible"})).await;
    assert_eq!(status, 422, "an ineligible decision gives its reason: {v}");
    let (status, _) = send(&app, &orgsec, &format!("/api/v1/selections/{id}/nominations/{a}/review"), json!({"decision": "eligible"})).await;
    assert_eq!(status, 403, "the review is the office's");
    for n in &noms {
        assert_eq!(ok(&app, &office, &format!("/api/v1/selections/{id}/nominations/{n}/review"), json!({"decision": "eligible"})).await["state"], "eligible");
    }

    // The ballot opens: the eligible list is public by name, nothing more.
    let (status, _) = send(&app, &member, &format!("/api/v1/selections/{id}/open"), json!({})).await;
    assert_eq!(status, 403);
    let opened = ok(&app, &office, &format!("/api/v1/selections/{id}/open"), json!({})).await;
    app.electorate_of(id, &["office", "leader", "orgsec", "branchsec", "member", "branchsec2", "cadre", "contact", "unithead"]).await;
    assert_eq!(opened["stage"], "voting");
    assert_eq!(opened["candidates"].as_array().unwrap().len(), 3, "{opened}");
    let theirs = app.get_json(&student, &format!("/api/v1/selections/{id}/nominations")).await;
    assert_eq!(theirs.as_array().unwrap().len(), 3);
    assert!(theirs.as_array().unwrap().iter().all(|n| n["full"] == false && n["reasons"].is_null()), "names only: {theirs}");
    assert!(!theirs.to_string().contains("接口推荐理由"), "{theirs}");

    // Secret ballots: a choice of no nomination of this selection is not found; over the quota
    // is refused; once each.
    let voters = electorate(&app, id).await;
    assert!(voters.len() >= 3, "demo voters: {voters:?}");
    let first = app.login(voters[0]).await;
    let (status, v) = send(&app, &first, &format!("/api/v1/selections/{id}/ballot"), json!({"choices": [999_999]})).await;
    assert_eq!(status, 404, "{v}");
    let (status, v) = send(&app, &first, &format!("/api/v1/selections/{id}/ballot"), json!({"choices": noms})).await;
    assert_eq!(status, 422, "over the quota of 2: {v}");
    let (status, v) = send(&app, &student, &format!("/api/v1/selections/{id}/ballot"), json!({"choices": [a]})).await;
    assert!(matches!(status, 403 | 409), "outside the electorate: {status} {v}");
    // Everyone approves A; the first also B: A first, B second, C none.
    for (i, u) in voters.iter().enumerate() {
        let c = app.login(u).await;
        let choices = if i == 0 { vec![noms[0], noms[1]] } else { vec![noms[0]] };
        let me = ok(&app, &c, &format!("/api/v1/selections/{id}/ballot"), json!({"choices": choices})).await;
        assert_eq!(me["me"]["voted"], true, "{u}: {me}");
        assert!(me["result"].is_null(), "nothing of the count before it: {me}");
    }
    let (status, _) = send(&app, &first, &format!("/api/v1/selections/{id}/ballot"), json!({"choices": [a]})).await;
    assert_eq!(status, 409, "one ballot each");
    assert!(get(&app, &member, &format!("/api/v1/selections/{id}/awards")).await.1.as_array().unwrap().is_empty());

    // The count: the office sees the totals; someone outside the electorate does not.
    let counted = ok(&app, &office, &format!("/api/v1/selections/{id}/close"), json!({})).await;
    assert_eq!(counted["stage"], "counted");
    let votes = counted["result"]["votes"].as_array().unwrap();
    assert!(votes.contains(&json!([noms[0], voters.len()])) && votes.contains(&json!([noms[1], 1])), "{counted}");
    assert_eq!(counted["result"]["selected"], json!([noms[0], noms[1]]));
    let outside = app.get_json(&student, &format!("/api/v1/selections/{id}")).await;
    assert!(outside["result"]["votes"].is_null() && outside["result"]["selected"].is_null() && outside["voters"].is_null(), "{outside}");
    let (status, _) = send(&app, &office, &format!("/api/v1/selections/{id}/close"), json!({})).await;
    assert_eq!(status, 409, "counted once");
    // The auditor's bundle: the office's and the auditor's, with no voter in it.
    let auditor = app.login("auditor").await;
    let (status, bundle) = get(&app, &auditor, &format!("/api/v1/selections/{id}/audit")).await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(bundle["took_part"], voters.len());
    let (status, _) = get(&app, &member, &format!("/api/v1/selections/{id}/audit")).await;
    assert_eq!(status, 403);
    let (status, v) = send(&app, &office, &format!("/api/v1/selections/{id}/tie"), json!({"order": [noms[0], noms[1]], "reason": "无并列"})).await;
    assert!(matches!(status, 409 | 422), "no tie to decide: {status} {v}");

    // The notice: the selected are public; an objection, seen with its objector by the office only.
    let published = ok(&app, &office, &format!("/api/v1/selections/{id}/publish"), json!({})).await;
    assert_eq!(published["stage"], "notice");
    assert!(published["notice_until"].is_string());
    let outside = app.get_json(&student, &format!("/api/v1/selections/{id}")).await;
    assert_eq!(outside["result"]["selected"], json!([noms[0], noms[1]]), "{outside}");
    assert!(outside["result"]["votes"].is_null(), "{outside}");
    let (status, v) = send(&app, &student, &format!("/api/v1/selections/{id}/objections"), json!({"nomination_id": noms[2], "reasons": "不在公示名单"})).await;
    assert_eq!(status, 422, "objections concern the candidates on notice: {v}");
    let oid = ok(&app, &student, &format!("/api/v1/selections/{id}/objections"), json!({"nomination_id": noms[1], "reasons": "接口异议：材料不实"})).await["id"].as_i64().unwrap();
    let own = app.get_json(&student, &format!("/api/v1/selections/{id}/objections")).await;
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert!(own[0]["objector"].is_null(), "{own}");
    assert!(app.get_json(&member, &format!("/api/v1/selections/{id}/objections")).await.as_array().unwrap().is_empty(), "another's objection is not mine to read");
    let all = app.get_json(&office, &format!("/api/v1/selections/{id}/objections")).await;
    assert!(all[0]["objector"].is_string() && all[0]["id"] == oid, "{all}");
    let (status, v) = send(&app, &office, &format!("/api/v1/selections/{id}/objections/{oid}/resolve"), json!({"decision": "perhaps", "resolution": "x"})).await;
    assert_eq!(status, 400, "{v}");
    let (status, _) = send(&app, &office, &format!("/api/v1/selections/{id}/approve"), json!({"decision": "校党字〔2012〕15号"})).await;
    assert_eq!(status, 409, "an open objection (and a running notice) holds the approval");
    ok(&app, &office, &format!("/api/v1/selections/{id}/objections/{oid}/resolve"), json!({"decision": "rejected", "resolution": "经核实材料属实"})).await;
    let all = app.get_json(&office, &format!("/api/v1/selections/{id}/objections")).await;
    assert_eq!(all[0]["state"], "rejected");

    // The approval after the notice: the award register.
    app.age(&format!("UPDATE selections SET notice_from = '2012-05-01', notice_until = '2012-05-08' WHERE id = {id}")).await;
    let (status, _) = send(&app, &office, &format!("/api/v1/selections/{id}/approve"), json!({"decision": ""})).await;
    assert_eq!(status, 422, "the decision is required");
    let done = ok(&app, &office, &format!("/api/v1/selections/{id}/approve"), json!({"decision": "校党字〔2012〕15号"})).await;
    assert_eq!(done["stage"], "final");
    let awards = app.get_json(&member, &format!("/api/v1/selections/{id}/awards")).await;
    assert_eq!(awards.as_array().unwrap().len(), 2, "{awards}");
    assert_eq!(awards[0]["nomination_id"], noms[0]);
    assert_eq!(awards[0]["decision"], "校党字〔2012〕15号");
    let register = app.get_json(&member, "/api/v1/awards").await;
    assert!(register.as_array().unwrap().iter().any(|x| x["id"] == awards[0]["id"]), "{register}");
    let cert = member.get(app.url(awards[0]["certificate"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(cert.status(), 200);
    assert!(cert.bytes().await.unwrap().starts_with(b"%PDF"));
    // A story of the first award, written and published by the office: the register links it.
    let token = app.csrf(&office, "/home").await;
    let mp = reqwest::multipart::Form::new()
        .text("org", "office")
        .text("kind", "model")
        .text("title", "先进事迹")
        .text("summary", "获奖者的先进事迹")
        .text("body", "事迹正文")
        .text("subject", format!("award:{}", awards[0]["id"]));
    let r = office.post(app.url("/api/v1/stories")).header("x-csrf-token", token).multipart(mp).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let story = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let published = ok(&app, &office, &format!("/api/v1/stories/{story}/review"), json!({"action": "publish"})).await;
    assert_eq!((published["award_id"].as_i64(), published["person_id"].is_null()), (awards[0]["id"].as_i64(), awards[0]["kind"] != "person"), "{published}");
    let register = app.get_json(&member, "/api/v1/awards").await;
    let linked = register.as_array().unwrap().iter().find(|x| x["id"] == awards[0]["id"]).unwrap();
    assert_eq!(linked["story"].as_str(), Some(format!("/stories/{story}").as_str()), "{linked}");
    let page = member.get(app.url("/awards")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("href=\"/stories/{story}\"")), "the register's page links the story");
    let (status, _) = get(&app, &member, "/api/v1/selections/999999").await;
    assert_eq!(status, 404);
}

async fn a_panel_scores_through_the_api(app: TestApp) {
    let office = app.login("office").await;
    let t = today();
    let id = ok(&app, &office, "/api/v1/selections", json!({"category": "study-carriers", "quota": 1, "nominate_until": t, "vote_from": t, "vote_until": t})).await["id"]
        .as_i64()
        .unwrap();
    let mut noms = Vec::new();
    for title in ["接口读书会", "接口微党课"] {
        noms.push(ok(&app, &office, &format!("/api/v1/selections/{id}/nominations"), json!({"title": title, "reasons": "全校党员共同学习"})).await["id"].as_i64().unwrap());
    }
    for n in &noms {
        ok(&app, &office, &format!("/api/v1/selections/{id}/nominations/{n}/review"), json!({"decision": "eligible"})).await;
    }
    ok(&app, &office, &format!("/api/v1/selections/{id}/open"), json!({})).await;
    app.electorate_of(id, &["office", "leader", "orgsec", "branchsec", "member", "branchsec2", "cadre", "contact", "unithead"]).await;
    let panel = electorate(&app, id).await;
    assert!(panel.len() >= 2, "{panel:?}");
    // The demo's panel may be under 5: the office records a lower minimum (2 at least) and why
    // (on PostgreSQL a recorded minimum once broke every later load of the selection).
    let (status, _) = send(&app, &office, &format!("/api/v1/selections/{id}/panel-minimum"), json!({"minimum": 1, "reason": "评委不足"})).await;
    assert_eq!(status, 422, "never one member's mark");
    let (status, _) = send(&app, &office, &format!("/api/v1/selections/{id}/panel-minimum"), json!({"minimum": 2, "reason": ""})).await;
    assert_eq!(status, 422, "a reason is required");
    let set = ok(&app, &office, &format!("/api/v1/selections/{id}/panel-minimum"), json!({"minimum": 2, "reason": "评委不足五人，经领导小组同意"})).await;
    assert_eq!(set["stage"], "voting");
    let first = app.login(panel[0]).await;
    let (status, v) = send(&app, &first, &format!("/api/v1/selections/{id}/scores"), json!({"scores": [{"nomination_id": noms[0], "score": 101}]})).await;
    assert_eq!(status, 422, "0 to 100: {v}");
    let (status, v) = send(&app, &first, &format!("/api/v1/selections/{id}/ballot"), json!({"choices": [noms[0]]})).await;
    assert_eq!(status, 409, "no ballot in a panel selection: {v}");
    let (status, v) = send(&app, &first, &format!("/api/v1/selections/{id}/scores"), json!({"scores": [{"nomination_id": 999_999, "score": 80}]})).await;
    assert_eq!(status, 404, "no nomination of this selection: {v}");
    for (i, u) in panel.iter().enumerate() {
        let c = app.login(u).await;
        let me =
            ok(&app, &c, &format!("/api/v1/selections/{id}/scores"), json!({"scores": [{"nomination_id": noms[0], "score": 90 - i}, {"nomination_id": noms[1], "score": 70}]}))
                .await;
        assert_eq!(me["me"]["voted"], true, "{me}");
    }
    let (status, _) = send(&app, &first, &format!("/api/v1/selections/{id}/scores"), json!({"scores": [{"nomination_id": noms[1], "score": 70}]})).await;
    assert_eq!(status, 409, "one sheet each");
    let counted = ok(&app, &office, &format!("/api/v1/selections/{id}/close"), json!({})).await;
    let scores = counted["result"]["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 2, "{counted}");
    assert_eq!(scores[0][0], noms[0], "the higher mean first: {counted}");
    assert!(counted["result"]["votes"].is_null());
}
