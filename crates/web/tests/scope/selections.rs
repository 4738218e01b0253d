//! Selections and the award register: every route with an id, on a selection made for the
//! case and driven (through the API, as the office) to the stage the route needs. A write that
//! names a nomination, a person, an objection or an award besides the selection is crossed with
//! a record of another selection, or out of the caller's reach.

use super::common::TestApp;
use super::{Case, Crossed, Fixture, form, reach};
use serde_json::{Value, json};

/// The writes of this module's routes that name a second record.
pub const TWO_RECORDS: &[&str] = &[
    "selection_nominate",
    "selection_forward",
    "selection_review",
    "selection_nomination_form",
    "selection_vote",
    "selection_score",
    "selection_tie",
    "selection_object",
    "selection_resolve",
    "award_certificate",
    "api_selection_nominate",
    "api_selection_nominate_upload",
    "api_selection_forward",
    "api_selection_review",
    "api_selection_vote",
    "api_selection_score",
    "api_selection_tie",
    "api_selection_object",
    "api_selection_resolve",
];

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date();
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

async fn as_office(app: &TestApp, path: &str, body: Value) -> Value {
    let office = app.login("office").await;
    let r = office.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "setup POST {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

async fn as_user(app: &TestApp, user: &str, path: &str, body: Value) -> Value {
    let c = app.login(user).await;
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "setup POST {path} as {user}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// A new selection of a category of the plan, nominations and voting today.
async fn selection(app: &TestApp, category: &str, quota: i64) -> i64 {
    let t = today();
    as_office(app, "/api/v1/selections", json!({"category": category, "quota": quota, "nominate_until": t, "vote_from": t, "vote_until": t})).await["id"].as_i64().unwrap()
}

/// A full Party member placed in an organization, made for the case; their number.
async fn member_in(app: &TestApp, org: i64, number: &str) -> String {
    let r = as_office(app, "/api/v1/people", json!({"name": "评选测试党员", "kind": "student", "number": number, "political_status": "01", "org_id": org})).await;
    // The number as stored (letters upper-cased).
    r["number"].as_str().unwrap().to_string()
}

/// The office nominates candidates directly (people for a ballot, entries for a panel).
async fn office_nominates(app: &TestApp, id: i64, n: usize, tag: &str, people: bool) -> Vec<i64> {
    let root_child = reach(app, "orgsec", "org").await;
    let mut out = Vec::new();
    for k in 0..n {
        let body = if people {
            let number = member_in(app, root_child, &format!("SEL{tag}{k}")).await;
            json!({"person_number": number, "reasons": format!("评选测试推荐理由{tag}{k}")})
        } else {
            json!({"title": format!("评选测试载体{tag}{k}"), "reasons": format!("评选测试推荐理由{tag}{k}")})
        };
        out.push(as_office(app, &format!("/api/v1/selections/{id}/nominations"), body).await["id"].as_i64().unwrap());
    }
    out
}

/// A selection with `n` eligible candidates and its ballot (or panel) open.
async fn at_voting(app: &TestApp, category: &str, quota: i64, n: usize, tag: &str) -> (i64, Vec<i64>) {
    let id = selection(app, category, quota).await;
    let noms = office_nominates(app, id, n, tag, category != "study-carriers").await;
    for nid in &noms {
        as_office(app, &format!("/api/v1/selections/{id}/nominations/{nid}/review"), json!({"decision": "eligible"})).await;
    }
    as_office(app, &format!("/api/v1/selections/{id}/open"), json!({})).await;
    (id, noms)
}

/// The demo accounts in a selection's electorate.
async fn electorate(app: &TestApp, id: i64) -> Vec<&'static str> {
    let mut out = Vec::new();
    for u in ["member", "branchsec", "orgsec", "branchsec2", "cadre", "contact", "unithead", "leader", "office"] {
        let c = app.login(u).await;
        if app.get_json(&c, &format!("/api/v1/selections/{id}")).await["me"]["in_electorate"] == true {
            out.push(u);
        }
    }
    out
}

/// A ballot counted: each voter approves `ballots[i]` (indexes into the candidates).
async fn counted(app: &TestApp, quota: i64, n: usize, ballots: &[&[usize]], tag: &str) -> (i64, Vec<i64>) {
    let (id, noms) = at_voting(app, "study-stars", quota, n, tag).await;
    let voters = electorate(app, id).await;
    assert!(voters.len() >= ballots.len(), "enough demo voters: {voters:?}");
    // A Party vote counts from more than half of its electorate: the voters are all of it.
    let voters = &voters[..ballots.len()];
    app.electorate_of(id, voters).await;
    for (u, b) in voters.iter().zip(ballots) {
        let choices: Vec<i64> = b.iter().map(|i| noms[*i]).collect();
        as_user(app, u, &format!("/api/v1/selections/{id}/ballot"), json!({"choices": choices})).await;
    }
    as_office(app, &format!("/api/v1/selections/{id}/close"), json!({})).await;
    (id, noms)
}

/// A result on notice: the first candidate selected.
async fn on_notice(app: &TestApp, tag: &str) -> (i64, Vec<i64>) {
    let (id, noms) = counted(app, 1, 2, &[&[0]], tag).await;
    as_office(app, &format!("/api/v1/selections/{id}/publish"), json!({})).await;
    (id, noms)
}

/// A student's objection to the selected candidate; its id.
async fn objection(app: &TestApp, id: i64, nomination: i64) -> i64 {
    as_user(app, "student", &format!("/api/v1/selections/{id}/objections"), json!({"nomination_id": nomination, "reasons": "评选测试异议"})).await["id"].as_i64().unwrap()
}

/// An approved selection; its awards.
async fn approved(app: &TestApp, tag: &str) -> (i64, Vec<i64>) {
    let (id, _) = on_notice(app, tag).await;
    app.age(&format!("UPDATE selections SET notice_from = '2012-05-01', notice_until = '2012-05-08' WHERE id = {id}")).await;
    as_office(app, &format!("/api/v1/selections/{id}/approve"), json!({"decision": "校党字〔2012〕15号"})).await;
    let office = app.login("office").await;
    let awards = app.get_json(&office, &format!("/api/v1/selections/{id}/awards")).await;
    (id, awards.as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect())
}

/// A branch's recommendation waiting for its college: (selection, nomination, the candidate's name).
async fn recommendation(app: &TestApp, f: &Fixture, tag: &str) -> (i64, i64) {
    let id = selection(app, "study-stars", 2).await;
    let number = member_in(app, f.branch, &format!("SELR{tag}")).await;
    let nid = as_user(app, "branchsec", &format!("/api/v1/selections/{id}/nominations"), json!({"by_org_id": f.branch, "person_number": number, "reasons": "评选测试支部推荐"}))
        .await["id"]
        .as_i64()
        .unwrap();
    (id, nid)
}

/// A recommendation of the other college's branch (out of orgsec's reach), in the same selection.
async fn other_recommendation(app: &TestApp, id: i64, tag: &str) -> i64 {
    let branch2 = reach(app, "branchsec2", "org").await;
    let number = member_in(app, branch2, &format!("SELX{tag}")).await;
    as_user(app, "branchsec2", &format!("/api/v1/selections/{id}/nominations"), json!({"by_org_id": branch2, "person_number": number, "reasons": "评选测试他院推荐"})).await["id"]
        .as_i64()
        .unwrap()
}

fn crossed(user: &'static str, what: &'static str, path: String, form: Option<Vec<(String, String)>>, json: Option<Value>) -> Crossed {
    Crossed { user, what, path, form, json }
}

fn case(method: &'static str, path: String, form: Option<Vec<(String, String)>>, json: Option<Value>, insider: &'static str, outsider: &'static str) -> Case {
    Case { method, path, form, json, insider, outsider, secret: String::new(), crossed: vec![] }
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let tag = format!("{n:03}");
    let api = name.starts_with("api_");
    // The same write as a page form or as JSON.
    let body = |pairs: &[(&str, &str)], j: Value| if api { (None, Some(j)) } else { (form(pairs), None) };
    Some(match name {
        "selection_page" | "api_selection" | "api_selection_nominations" | "api_selection_quotas" | "api_selection_objections" => {
            let (id, _) = recommendation(app, f, &tag).await;
            let path = match name {
                "selection_page" => format!("/selections/{id}"),
                "api_selection" => format!("/api/v1/selections/{id}"),
                "api_selection_nominations" => format!("/api/v1/selections/{id}/nominations"),
                "api_selection_quotas" => format!("/api/v1/selections/{id}/quotas"),
                _ => format!("/api/v1/selections/{id}/objections"),
            };
            let mut c = case("GET", path, None, None, "orgsec", "");
            c.secret = "评选测试支部推荐".into();
            c
        }
        "api_selection_candidates" => {
            let id = selection(app, "study-stars", 2).await;
            let branch2 = reach(app, "branchsec2", "org").await;
            let mut c = case("GET", format!("/api/v1/selections/{id}/candidates?q=%E8%AF%84%E9%80%89%E6%B5%8B%E8%AF%95"), None, None, "branchsec", "member");
            c.crossed.push(crossed("branchsec", "another college's branch to nominate for", format!("/api/v1/selections/{id}/candidates?q=a&by_org={branch2}"), None, None));
            c
        }
        "selection_quotas" | "api_selection_set_quotas" => {
            let id = selection(app, "study-stars", 2).await;
            let college = reach(app, "orgsec", "org").await;
            let q = format!("q{college}");
            let (form, json) = body(&[(q.as_str(), "2")], json!({"quotas": [{"org_id": college, "quota": 2}]}));
            let path = if api { format!("/api/v1/selections/{id}/quotas") } else { format!("/selections/{id}/quotas") };
            case("POST", path, form, json, "office", "orgsec")
        }
        "selection_nominate" | "api_selection_nominate" => {
            let id = selection(app, "study-stars", 2).await;
            let mine = member_in(app, f.branch, &format!("SELN{tag}")).await;
            let branch2 = reach(app, "branchsec2", "org").await;
            let theirs = member_in(app, branch2, &format!("SELO{tag}")).await;
            let b = f.branch.to_string();
            let b2 = branch2.to_string();
            let path = if api { format!("/api/v1/selections/{id}/nominations") } else { format!("/selections/{id}/nominations") };
            let (form, json) =
                body(&[("by_org", &b), ("person_number", &mine), ("reasons", "评选测试")], json!({"by_org_id": f.branch, "person_number": mine, "reasons": "评选测试"}));
            let (xf1, xj1) =
                body(&[("by_org", &b), ("person_number", &theirs), ("reasons", "评选测试")], json!({"by_org_id": f.branch, "person_number": theirs, "reasons": "评选测试"}));
            let (xf2, xj2) =
                body(&[("by_org", &b2), ("person_number", &mine), ("reasons", "评选测试")], json!({"by_org_id": branch2, "person_number": mine, "reasons": "评选测试"}));
            let mut c = case("POST", path.clone(), form, json, "branchsec", "branchsec2");
            c.crossed = vec![
                crossed("branchsec", "a candidate outside the nominating branch", path.clone(), xf1, xj1),
                crossed("branchsec", "another branch as the nominator", path, xf2, xj2),
            ];
            c
        }
        "api_selection_nominate_upload" => {
            // The same nomination with an evidence file, as multipart.
            let id = selection(app, "study-stars", 2).await;
            let mine = member_in(app, f.branch, &format!("SELU{tag}")).await;
            let branch2 = reach(app, "branchsec2", "org").await;
            let theirs = member_in(app, branch2, &format!("SELV{tag}")).await;
            let (b, b2) = (f.branch.to_string(), branch2.to_string());
            let path = format!("/api/v1/selections/{id}/nominations/upload");
            let mp = |by: &str, number: &str| form(&[("_multipart", "1"), ("by_org_id", by), ("person_number", number), ("reasons", "评选测试佐证推荐")]);
            let mut c = case("POST", path.clone(), mp(&b, &mine), None, "branchsec", "branchsec2");
            c.crossed = vec![
                crossed("branchsec", "a candidate outside the nominating branch", path.clone(), mp(&b, &theirs), None),
                crossed("branchsec", "another branch as the nominator", path, mp(&b2, &mine), None),
            ];
            c
        }
        "selection_evidence" => {
            // The student's mass nomination with a file: theirs and the office's only.
            let t = today();
            let id = as_office(app, "/api/v1/selections", json!({"category": "excellent-member-beside-me", "nominate_until": t, "vote_from": t, "vote_until": t})).await["id"]
                .as_i64()
                .unwrap();
            let number = member_in(app, f.branch, &format!("SELE{tag}")).await;
            let student = app.login("student").await;
            let token = app.csrf(&student, "/home").await;
            let mp = reqwest::multipart::Form::new()
                .text("person_number", number)
                .text("reasons", "评选测试佐证")
                .part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4 evidence".to_vec()).file_name("evidence.pdf"));
            let r = student.post(app.url(&format!("/selections/{id}/nominations"))).header("x-csrf-token", token).multipart(mp).send().await.unwrap();
            assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
            let page = student.get(app.url(&format!("/selections/{id}"))).send().await.unwrap().text().await.unwrap();
            let eid = page.split(&format!("/selections/{id}/evidence/")).nth(1).and_then(|x| x.split('"').next()).expect("the student sees their evidence").to_string();
            case("GET", format!("/selections/{id}/evidence/{eid}"), None, None, "student", "teacher")
        }
        "selection_forward" | "api_selection_forward" => {
            let (id, nid) = recommendation(app, f, &tag).await;
            as_office(app, &format!("/api/v1/selections/{id}/quotas"), json!({"quotas": [{"org_id": reach(app, "orgsec", "org").await, "quota": 2}]})).await;
            let theirs = other_recommendation(app, id, &tag).await;
            let (other, other_nid) = recommendation(app, f, &format!("{tag}b")).await;
            let p = |s: i64, m: i64| if api { format!("/api/v1/selections/{s}/nominations/{m}/forward") } else { format!("/selections/{s}/nominations/{m}/forward") };
            let (form, json) = body(&[], json!({}));
            let mut c = case("POST", p(id, nid), form.clone(), json.clone(), "orgsec", "branchsec2");
            c.secret = "评选测试支部推荐".into();
            c.crossed = vec![
                crossed("orgsec", "a nomination of another selection", p(id, other_nid), form.clone(), json.clone()),
                crossed("orgsec", "another college's nomination", p(id, theirs), form.clone(), json.clone()),
                crossed("orgsec", "the nomination under another selection's id", p(other, nid), form, json),
            ];
            c
        }
        "selection_review" | "api_selection_review" => {
            let id = selection(app, "study-stars", 2).await;
            let noms = office_nominates(app, id, 1, &tag, true).await;
            let other = selection(app, "study-stars", 2).await;
            let theirs = office_nominates(app, other, 1, &format!("{tag}b"), true).await;
            let p = |s: i64, m: i64| if api { format!("/api/v1/selections/{s}/nominations/{m}/review") } else { format!("/selections/{s}/nominations/{m}/review") };
            let (form, json) = body(&[("decision", "eligible")], json!({"decision": "eligible"}));
            let mut c = case("POST", p(id, noms[0]), form.clone(), json.clone(), "office", "orgsec");
            c.crossed = vec![crossed("office", "a nomination of another selection", p(id, theirs[0]), form, json)];
            c
        }
        "selection_nomination_form" => {
            let (id, nid) = recommendation(app, f, &tag).await;
            let (_, other_nid) = recommendation(app, f, &format!("{tag}b")).await;
            let mut c = case("GET", format!("/selections/{id}/nominations/{nid}/form.pdf"), None, None, "orgsec", "branchsec2");
            c.crossed = vec![crossed("orgsec", "a nomination of another selection", format!("/selections/{id}/nominations/{other_nid}/form.pdf"), None, None)];
            c
        }
        "selection_open" | "api_selection_open" => {
            let id = selection(app, "study-stars", 1).await;
            let noms = office_nominates(app, id, 1, &tag, true).await;
            as_office(app, &format!("/api/v1/selections/{id}/nominations/{}/review", noms[0]), json!({"decision": "eligible"})).await;
            let path = if api { format!("/api/v1/selections/{id}/open") } else { format!("/selections/{id}/open") };
            let (form, json) = body(&[], json!({}));
            case("POST", path, form, json, "office", "orgsec")
        }
        "selection_vote" | "api_selection_vote" => {
            let (id, noms) = at_voting(app, "study-stars", 1, 2, &tag).await;
            let (_, theirs) = at_voting(app, "study-stars", 1, 1, &format!("{tag}b")).await;
            let voter = electorate(app, id).await[0];
            let path = if api { format!("/api/v1/selections/{id}/ballot") } else { format!("/selections/{id}/vote") };
            let (a, t) = (noms[0].to_string(), theirs[0].to_string());
            let (form, json) = body(&[("choice", &a)], json!({"choices": [noms[0]]}));
            let (xf, xj) = body(&[("choice", &t)], json!({"choices": [theirs[0]]}));
            let mut c = case("POST", path.clone(), form, json, voter, "student");
            c.crossed = vec![crossed(voter, "a candidate of another selection", path, xf, xj)];
            c
        }
        "selection_score" | "api_selection_score" => {
            let (id, noms) = at_voting(app, "study-carriers", 1, 2, &tag).await;
            let (_, theirs) = at_voting(app, "study-carriers", 1, 1, &format!("{tag}b")).await;
            let voter = electorate(app, id).await[0];
            let path = if api { format!("/api/v1/selections/{id}/scores") } else { format!("/selections/{id}/score") };
            let (s0, s1, st) = (format!("s{}", noms[0]), format!("s{}", noms[1]), format!("s{}", theirs[0]));
            let (form, json) =
                body(&[(s0.as_str(), "80"), (s1.as_str(), "70")], json!({"scores": [{"nomination_id": noms[0], "score": 80}, {"nomination_id": noms[1], "score": 70}]}));
            let (xf, xj) = body(
                &[(s0.as_str(), "80"), (s1.as_str(), "70"), (st.as_str(), "90")],
                json!({"scores": [{"nomination_id": noms[0], "score": 80}, {"nomination_id": noms[1], "score": 70}, {"nomination_id": theirs[0], "score": 90}]}),
            );
            let mut c = case("POST", path.clone(), form, json, voter, "student");
            c.crossed = vec![crossed(voter, "a candidate of another selection", path, xf, xj)];
            c
        }
        "selection_close" | "api_selection_close" => {
            let (id, _) = at_voting(app, "study-stars", 1, 1, &tag).await;
            let path = if api { format!("/api/v1/selections/{id}/close") } else { format!("/selections/{id}/close") };
            // Nobody voted: it closes only with a reason (and counts nothing).
            let (form, json) = body(&[("reason", "范围测试"), ("confirmed", "1")], json!({"reason": "范围测试"}));
            case("POST", path, form, json, "office", "orgsec")
        }
        "selection_extend" | "api_selection_extend" => {
            let (id, _) = at_voting(app, "study-stars", 1, 1, &tag).await;
            let path = if api { format!("/api/v1/selections/{id}/extend") } else { format!("/selections/{id}/extend") };
            let later = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date() + time::Duration::days(7);
            let later = format!("{:04}-{:02}-{:02}", later.year(), later.month() as u8, later.day());
            let (form, json) = body(&[("vote_until", &later)], json!({"vote_until": later}));
            case("POST", path, form, json, "office", "orgsec")
        }
        "selection_panel_minimum" | "api_selection_panel_minimum" => {
            let (id, _) = at_voting(app, "study-carriers", 1, 1, &tag).await;
            let path = if api { format!("/api/v1/selections/{id}/panel-minimum") } else { format!("/selections/{id}/panel-minimum") };
            let (form, json) = body(&[("minimum", "2"), ("reason", "评委不足")], json!({"minimum": 2, "reason": "评委不足"}));
            case("POST", path, form, json, "office", "orgsec")
        }
        "selection_tie" | "api_selection_tie" => {
            // One ballot for each of two candidates, one place: a tie at the line.
            let (id, noms) = counted(app, 1, 2, &[&[0], &[1]], &tag).await;
            let (_, theirs) = at_voting(app, "study-stars", 1, 1, &format!("{tag}b")).await;
            let path = if api { format!("/api/v1/selections/{id}/tie") } else { format!("/selections/{id}/tie") };
            let (p0, p1, pt) = (format!("pos{}", noms[0]), format!("pos{}", noms[1]), format!("pos{}", theirs[0]));
            let (form, json) = body(&[(p0.as_str(), "1"), (p1.as_str(), "2"), ("reason", "群众基础更好")], json!({"order": [noms[0], noms[1]], "reason": "群众基础更好"}));
            let (xf, xj) = body(&[(p0.as_str(), "1"), (pt.as_str(), "2"), ("reason", "群众基础更好")], json!({"order": [noms[0], theirs[0]], "reason": "群众基础更好"}));
            let mut c = case("POST", path.clone(), form, json, "office", "orgsec");
            c.crossed = vec![crossed("office", "a candidate of another selection", path, xf, xj)];
            c
        }
        "selection_publish" | "api_selection_publish" => {
            let (id, _) = counted(app, 1, 2, &[&[0]], &tag).await;
            let path = if api { format!("/api/v1/selections/{id}/publish") } else { format!("/selections/{id}/publish") };
            let (form, json) = body(&[], json!({}));
            case("POST", path, form, json, "office", "orgsec")
        }
        "selection_object" | "api_selection_object" => {
            let (id, noms) = on_notice(app, &tag).await;
            let (_, theirs) = on_notice(app, &format!("{tag}b")).await;
            let path = if api { format!("/api/v1/selections/{id}/objections") } else { format!("/selections/{id}/objections") };
            let (a, t) = (noms[0].to_string(), theirs[0].to_string());
            let (form, json) = body(&[("nomination", &a), ("reasons", "评选测试异议")], json!({"nomination_id": noms[0], "reasons": "评选测试异议"}));
            let (xf, xj) = body(&[("nomination", &t), ("reasons", "评选测试异议")], json!({"nomination_id": theirs[0], "reasons": "评选测试异议"}));
            // Objections come from people on the roster: the auditor's account is no one's.
            let mut c = case("POST", path.clone(), form, json, "student", "auditor");
            c.crossed = vec![crossed("student", "a candidate of another selection", path, xf, xj)];
            c
        }
        "selection_resolve" | "api_selection_resolve" => {
            let (id, noms) = on_notice(app, &tag).await;
            let oid = objection(app, id, noms[0]).await;
            let (other, theirs) = on_notice(app, &format!("{tag}b")).await;
            let other_oid = objection(app, other, theirs[0]).await;
            let p = |s: i64, o: i64| if api { format!("/api/v1/selections/{s}/objections/{o}/resolve") } else { format!("/selections/{s}/objections/{o}/resolve") };
            let (form, json) = body(&[("decision", "rejected"), ("resolution", "经核实不属实")], json!({"decision": "rejected", "resolution": "经核实不属实"}));
            let mut c = case("POST", p(id, oid), form.clone(), json.clone(), "office", "orgsec");
            c.crossed = vec![crossed("office", "an objection to another selection", p(id, other_oid), form, json)];
            c
        }
        "selection_approve" | "api_selection_approve" => {
            let (id, _) = on_notice(app, &tag).await;
            app.age(&format!("UPDATE selections SET notice_from = '2012-05-01', notice_until = '2012-05-08' WHERE id = {id}")).await;
            let path = if api { format!("/api/v1/selections/{id}/approve") } else { format!("/selections/{id}/approve") };
            let (form, json) = body(&[("decision", "校党字〔2012〕15号")], json!({"decision": "校党字〔2012〕15号"}));
            case("POST", path, form, json, "office", "orgsec")
        }
        "selection_audit" | "api_selection_audit" => {
            let (id, _) = counted(app, 1, 2, &[&[0]], &tag).await;
            let path = if api { format!("/api/v1/selections/{id}/audit") } else { format!("/selections/{id}/audit.json") };
            case("GET", path, None, None, "auditor", "orgsec")
        }
        "selection_certificates" | "selection_commendation" | "api_selection_awards" => {
            let (id, _) = approved(app, &tag).await;
            let path = match name {
                "selection_certificates" => format!("/selections/{id}/certificates.pdf"),
                "selection_commendation" => format!("/selections/{id}/commendation.pdf"),
                _ => format!("/api/v1/selections/{id}/awards"),
            };
            case("GET", path, None, None, "member", "")
        }
        "award_certificate" => {
            let (id, awards) = approved(app, &tag).await;
            let (_, theirs) = approved(app, &format!("{tag}b")).await;
            let mut c = case("GET", format!("/selections/{id}/awards/{}/certificate.pdf", awards[0]), None, None, "member", "");
            c.crossed = vec![crossed("member", "an award of another selection", format!("/selections/{id}/awards/{}/certificate.pdf", theirs[0]), None, None)];
            c
        }
        "selection_export" => {
            let (id, _) = recommendation(app, f, &tag).await;
            let mut c = case("GET", format!("/selections/{id}/nominations.csv"), None, None, "orgsec", "");
            c.secret = "评选测试支部推荐".into();
            c
        }
        "awards_export" => case("GET", "/awards/awards.csv".into(), None, None, "member", ""),
        _ => return None,
    })
}
