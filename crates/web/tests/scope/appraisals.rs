//! Appraisal rounds (issue 17): every page and API route of a round, tried by someone with no
//! part in it (the other college's branch secretary) and by someone with one; the writes that
//! name a round and a subject (or a case) also with only one of them out of the caller's reach:
//! a round of the other college's branch, whose secretary grades its members there.

use super::common::TestApp;
use super::{Case, Crossed, Fixture, form, reach};
use serde_json::{Value, json};

/// The writes that name a round and a second record (a subject, a follow-up case).
pub const TWO_RECORDS: &[&str] = &[
    "appraisal_rate",
    "api_appraisal_rate",
    "appraisal_grade",
    "api_appraisal_grade",
    "appraisal_case_close",
    "api_appraisal_case_close",
    "appraisal_tie",
    "api_appraisal_tie",
    "appraisal_rate_form",
    "api_appraisal_subject",
];

fn day(back: i64) -> String {
    let d = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date() - time::Duration::days(back);
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

async fn send(app: &TestApp, user: &str, method: &str, path: &str, body: Value) -> Value {
    let c = app.login(user).await;
    let r = c.request(method.parse().unwrap(), app.url(path)).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "setup {method} {path} as {user}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// A round.
struct Round {
    id: i64,
    title: String,
}

/// A 民主评议党员 round of a branch, started by the office today (closed: moved into the past,
/// as the branch grades only after it closes).
async fn branch_round(app: &TestApp, branch: i64, title: String, quota: Option<i64>, closed: bool) -> Round {
    let t = day(0);
    let body = json!({
        "title": title, "kind": "member", "org_id": branch, "weights": {"peers": 60, "leaders": 40},
        "grades": [{"grade": "优秀", "min": 90}, {"grade": "合格", "min": 70}, {"grade": "基本合格", "min": 60}, {"grade": "不合格", "min": 0}],
        "quota": quota, "opens": t, "closes": t,
    });
    let id = send(app, "office", "POST", "/api/v1/appraisals", body).await["id"].as_i64().unwrap();
    if closed {
        let past = day(3);
        app.age(&format!("UPDATE appraisal_rounds SET opens = '{past}', closes = '{past}' WHERE id = {id}")).await;
    }
    Round { id, title }
}

/// The subjects a user appraises in a round in a group, not yet done.
async fn to_rate(app: &TestApp, user: &str, round: i64, group: &str) -> Vec<i64> {
    let c = app.login(user).await;
    let list = app.get_json(&c, &format!("/api/v1/appraisals/{round}/subjects")).await;
    list.as_array().unwrap().iter().filter(|s| s["group"] == group && s["done"] == false).map(|s| s["subject_id"].as_i64().unwrap()).collect()
}

/// A subject of a round its branch secretary grades (not the secretary themself).
async fn gradable(app: &TestApp, secretary: &str, round: i64) -> Vec<i64> {
    let c = app.login(secretary).await;
    let me = app.get_json(&c, "/api/v1/me").await["person_id"].as_i64().unwrap();
    let r = app.get_json(&c, &format!("/api/v1/appraisals/{round}/results")).await;
    r["results"].as_array().unwrap().iter().filter(|l| l["person_id"] != me && l["grade"].is_null()).map(|l| l["subject_id"].as_i64().unwrap()).collect()
}

/// The other college's branch, and a closed round of it with one member graded 不合格 (so that
/// it has a follow-up case): the records the crossed cases put out of reach.
async fn elsewhere(app: &TestApp, n: usize) -> (Round, i64, i64) {
    let branch = reach(app, "branchsec2", "org").await;
    let r = branch_round(app, branch, format!("外院评议{n}号"), None, true).await;
    let s = gradable(app, "branchsec2", r.id).await[0];
    send(app, "branchsec2", "POST", &format!("/api/v1/appraisals/{}/grades/{s}", r.id), json!({"grade": "不合格", "reason": "长期不参加组织生活"})).await;
    let cases = app.get_json(&app.login("office").await, &format!("/api/v1/appraisals/{}/cases", r.id)).await;
    let case = cases.as_array().unwrap().iter().find(|k| k["subject_id"] == s).unwrap()["id"].as_i64().unwrap();
    (r, s, case)
}

/// A closed round of the demo branch with a member graded 不合格: its case, for the college.
async fn with_case(app: &TestApp, f: &Fixture, n: usize) -> (Round, i64, i64) {
    let r = branch_round(app, f.branch, format!("支部评议{n}号"), None, true).await;
    let s = gradable(app, "branchsec", r.id).await[0];
    send(app, "branchsec", "POST", &format!("/api/v1/appraisals/{}/grades/{s}", r.id), json!({"grade": "不合格", "reason": "不按时交纳党费"})).await;
    let cases = app.get_json(&app.login("orgsec").await, &format!("/api/v1/appraisals/{}/cases", r.id)).await;
    let case = cases.as_array().unwrap().iter().find(|k| k["subject_id"] == s).unwrap()["id"].as_i64().unwrap();
    (r, s, case)
}

/// A round of the demo branch with a quota of one, where the branch secretary rated two members
/// alike: tied at the line for the office to order.
async fn tied(app: &TestApp, f: &Fixture, n: usize) -> (Round, i64, i64) {
    let r = branch_round(app, f.branch, format!("并列评议{n}号"), Some(1), false).await;
    let subjects = to_rate(app, "branchsec", r.id, "leaders").await;
    let (x, y) = (subjects[0], subjects[1]);
    for s in [x, y] {
        send(app, "branchsec", "POST", &format!("/api/v1/appraisals/{}/subjects/{s}", r.id), json!({"values": [0], "comment": "表现突出"})).await;
    }
    (r, x, y)
}

fn read(path: String, insider: &'static str, outsider: &'static str, secret: &str) -> Case {
    Case { method: "GET", path, form: None, json: None, insider, outsider, secret: secret.into(), crossed: Vec::new() }
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let case = match name {
        "appraisal_page" | "appraisal_export" | "api_appraisal" | "api_appraisal_subjects" | "api_appraisal_results" => {
            let r = branch_round(app, f.branch, format!("民主评议{n}号"), None, false).await;
            let id = r.id;
            let (path, insider) = match name {
                "appraisal_page" => (format!("/appraisals/{id}"), "member"),
                "appraisal_export" => (format!("/appraisals/{id}/results.csv"), "branchsec"),
                "api_appraisal" => (format!("/api/v1/appraisals/{id}"), "member"),
                "api_appraisal_subjects" => (format!("/api/v1/appraisals/{id}/subjects"), "member"),
                _ => (format!("/api/v1/appraisals/{id}/results"), "branchsec"),
            };
            read(path, insider, "branchsec2", &r.title)
        }
        "appraisal_audit" | "api_appraisal_audit" => {
            let r = branch_round(app, f.branch, format!("核算评议{n}号"), None, false).await;
            let path = if name == "appraisal_audit" { format!("/appraisals/{}/audit.json", r.id) } else { format!("/api/v1/appraisals/{}/audit", r.id) };
            read(path, "auditor", "member", &r.title)
        }
        "appraisal_rate_form" | "api_appraisal_subject" => {
            let r = branch_round(app, f.branch, format!("评议表{n}号"), None, false).await;
            let s = to_rate(app, "member", r.id, "peers").await[0];
            let far = branch_round(app, reach(app, "branchsec2", "org").await, format!("外院评议表{n}号"), None, false).await;
            let s2 = gradable(app, "branchsec2", far.id).await[0];
            let path = |round: i64, subject: i64| {
                if name == "appraisal_rate_form" { format!("/appraisals/{round}/subjects/{subject}") } else { format!("/api/v1/appraisals/{round}/subjects/{subject}") }
            };
            let mut case = read(path(r.id, s), "member", "branchsec2", &r.title);
            case.crossed = vec![
                Crossed { user: "member", what: "the subject (of another college's round)", path: path(r.id, s2), form: None, json: None },
                Crossed { user: "member", what: "the round (another college's)", path: path(far.id, s), form: None, json: None },
            ];
            case
        }
        "api_appraisal_branches" | "api_appraisal_cases" => {
            let (r, _, _) = with_case(app, f, n).await;
            let tail = if name == "api_appraisal_branches" { "branches" } else { "cases" };
            read(format!("/api/v1/appraisals/{}/{tail}", r.id), "orgsec", "branchsec2", &r.title)
        }
        "appraisal_rate" | "api_appraisal_rate" => {
            let r = branch_round(app, f.branch, format!("互评{n}号"), None, false).await;
            let s = to_rate(app, "member", r.id, "peers").await[0];
            // The other college's round, open, and one of its members.
            let far = branch_round(app, reach(app, "branchsec2", "org").await, format!("外院互评{n}号"), None, false).await;
            let s2 = gradable(app, "branchsec2", far.id).await[0];
            let api = name == "api_appraisal_rate";
            let path = |round: i64, subject: i64| if api { format!("/api/v1/appraisals/{round}/subjects/{subject}") } else { format!("/appraisals/{round}/subjects/{subject}") };
            let (fm, js) = if api { (None, Some(json!({"values": [0]}))) } else { (form(&[("c0", "0")]), None) };
            Case {
                method: "POST",
                path: path(r.id, s),
                form: fm.clone(),
                json: js.clone(),
                insider: "member",
                outsider: "branchsec2",
                secret: r.title.clone(),
                crossed: vec![
                    Crossed { user: "member", what: "the subject (of another college's round)", path: path(r.id, s2), form: fm.clone(), json: js.clone() },
                    Crossed { user: "member", what: "the round (another college's)", path: path(far.id, s), form: fm, json: js },
                ],
            }
        }
        "appraisal_grade" | "api_appraisal_grade" => {
            let r = branch_round(app, f.branch, format!("评定{n}号"), None, true).await;
            let s = gradable(app, "branchsec", r.id).await[0];
            let (far, s2, _) = elsewhere(app, n).await;
            let api = name == "api_appraisal_grade";
            let path = |round: i64, subject: i64| if api { format!("/api/v1/appraisals/{round}/grades/{subject}") } else { format!("/appraisals/{round}/grades/{subject}") };
            let (fm, js) =
                if api { (None, Some(json!({"grade": "合格", "reason": "支部大会表决"}))) } else { (form(&[("grade", "合格"), ("reason", "支部大会表决")]), None) };
            Case {
                method: "POST",
                path: path(r.id, s),
                form: fm.clone(),
                json: js.clone(),
                insider: "branchsec",
                outsider: "branchsec2",
                secret: r.title.clone(),
                crossed: vec![
                    Crossed { user: "branchsec", what: "the subject (of another college's round)", path: path(r.id, s2), form: fm.clone(), json: js.clone() },
                    Crossed { user: "branchsec", what: "the round (another college's)", path: path(far.id, s), form: fm, json: js },
                ],
            }
        }
        "appraisal_case_close" | "api_appraisal_case_close" => {
            let (r, _, case) = with_case(app, f, n).await;
            let (far, _, far_case) = elsewhere(app, n).await;
            let api = name == "api_appraisal_case_close";
            let path = |round: i64, case: i64| if api { format!("/api/v1/appraisals/{round}/cases/{case}/close") } else { format!("/appraisals/{round}/cases/{case}/close") };
            let (fm, js) = if api { (None, Some(json!({"note": "经谈话教育，限期改正"}))) } else { (form(&[("note", "经谈话教育，限期改正")]), None) };
            Case {
                method: "POST",
                path: path(r.id, case),
                form: fm.clone(),
                json: js.clone(),
                insider: "orgsec",
                outsider: "branchsec2",
                secret: r.title.clone(),
                crossed: vec![
                    Crossed { user: "orgsec", what: "the case (of another college's round)", path: path(r.id, far_case), form: fm.clone(), json: js.clone() },
                    Crossed { user: "orgsec", what: "the round (another college's)", path: path(far.id, case), form: fm, json: js },
                ],
            }
        }
        "appraisal_tie" | "api_appraisal_tie" => {
            // Only the office orders a tie, and it reaches every round: the crossed case names a
            // subject of another round (tied there too), which is not this round's to order.
            let (r, x, y) = tied(app, f, n).await;
            let (_, _, z) = tied(app, f, n + 10_000).await;
            let api = name == "api_appraisal_tie";
            let body = |first: i64, second: i64| {
                if api {
                    (None, Some(json!({"order": [first, second], "reason": "实地检查得分较高"})))
                } else {
                    let (p1, p2) = (format!("pos{first}"), format!("pos{second}"));
                    (form(&[(p1.as_str(), "1"), (p2.as_str(), "2"), ("reason", "实地检查得分较高")]), None)
                }
            };
            let path = if api { format!("/api/v1/appraisals/{}/tie", r.id) } else { format!("/appraisals/{}/tie", r.id) };
            let (fm, js) = body(y, x);
            let (xf, xj) = body(z, x);
            Case {
                method: "POST",
                path: path.clone(),
                form: fm,
                json: js,
                insider: "office",
                outsider: "branchsec",
                secret: r.title.clone(),
                crossed: vec![Crossed { user: "office", what: "a subject (of another round)", path, form: xf, json: xj }],
            }
        }
        _ => return None,
    };
    Some(case)
}
