//! Public commitments, service windows and inspections: every route that names a commitment, a
//! unit's standards, a window or an inspection (pages and API alike), and the writes that name
//! records in their body (a task and a requirement, an organization and the requirement it
//! splits, a batch of commitments, a window and the standards it is scored on), each with a
//! crossed case per record out of reach.

use super::common::{self, TestApp};
use super::{Case, Crossed, Fixture, form, reach};
use serde_json::{Value, json};

/// The writes of this module's routes that name a second record.
pub const TWO_RECORDS: &[&str] = &[
    "commitment_create",
    "api_commitment_create",
    "commitments_submit",
    "api_commitments_submit",
    "commitments_review_batch",
    "api_commitments_review",
    "requirement_create",
    "api_requirement_create",
    "unit_standards_change",
    "window_inspect",
    "api_window_inspect",
];

fn id_of_location(r: &reqwest::Response, prefix: &str) -> i64 {
    r.headers()["location"].to_str().unwrap().trim_start_matches(prefix).split('?').next().unwrap().parse().unwrap()
}

/// A commitment of `user` on the commitment task they owe as a person: a draft, handed in, or
/// (with `approve`) approved by the office.
async fn commitment_of(app: &TestApp, user: &str, content: &str, submit: bool, approve: bool) -> i64 {
    let c = app.login(user).await;
    let mine = app.get_json(&c, "/api/v1/commitments/mine").await;
    let task = mine.as_array().unwrap().iter().find(|t| t["owner_kind"] == "person").unwrap_or_else(|| panic!("{user} owes a commitment: {mine}"))["task_id"]
        .as_i64()
        .unwrap()
        .to_string();
    let fields = [
        ("task", task.as_str()),
        ("category", "学习提高"),
        ("content", content),
        ("measures", "按月落实"),
        ("target", "完成"),
        ("due", "2012-12-01"),
        ("submit", if submit || approve { "1" } else { "0" }),
    ];
    let r = app.post_form(&c, "/commitments", &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let id = id_of_location(&r, "/commitments/");
    if approve {
        let office = app.login("office").await;
        let r = office.post(app.url(&format!("/api/v1/commitments/{id}/review"))).json(&json!({"action": "approve"})).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    id
}

/// The commitment task the demo member owes as a person.
async fn member_task(app: &TestApp) -> i64 {
    let c = app.login("member").await;
    let mine = app.get_json(&c, "/api/v1/commitments/mine").await;
    mine.as_array().unwrap().iter().find(|t| t["owner_kind"] == "person").unwrap()["task_id"].as_i64().unwrap()
}

/// A requirement handed down to an organization by the office.
async fn requirement_to(app: &TestApp, org: i64, title: &str) -> i64 {
    let office = app.login("office").await;
    let r = office.post(app.url("/api/v1/commitments/requirements")).json(&json!({"org_id": org, "title": title})).send().await.unwrap();
    let status = r.status();
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(status, 200, "{v}");
    v["id"].as_i64().unwrap()
}

/// The library's first standard, made once.
async fn library_standard(app: &TestApp, f: &Fixture) -> i64 {
    let c = app.login("unithead").await;
    let v = app.get_json(&c, &format!("/api/v1/units/{}/standards", f.library)).await;
    if let Some(s) = v["items"].as_array().unwrap().first() {
        return s["id"].as_i64().unwrap();
    }
    let r = c.post(app.url(&format!("/api/v1/units/{}/standards", f.library))).json(&json!({"item": "服务态度", "weight": 60})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["items"][0]["id"].as_i64().unwrap()
}

/// A score part for every standard of the library (the inspection scores them all).
async fn library_scores(app: &TestApp, f: &Fixture) -> Vec<(String, String)> {
    library_standard(app, f).await;
    let c = app.login("unithead").await;
    let v = app.get_json(&c, &format!("/api/v1/units/{}/standards", f.library)).await;
    v["items"].as_array().unwrap().iter().map(|s| (format!("score_{}", s["id"]), "80".to_string())).collect()
}

/// A standard of a unit the unit head does not manage: the university's own, set by the office.
async fn foreign_standard(app: &TestApp) -> i64 {
    let office = app.login("office").await;
    let units = app.get_json(&office, "/api/v1/units").await;
    let root = units.as_array().unwrap().iter().find(|u| u["depth"] == 0).unwrap()["id"].as_i64().unwrap();
    let v = app.get_json(&office, &format!("/api/v1/units/{root}/standards")).await;
    if let Some(s) = v["items"].as_array().unwrap().first() {
        return s["id"].as_i64().unwrap();
    }
    let r = office.post(app.url(&format!("/api/v1/units/{root}/standards"))).json(&json!({"item": "全校统一标准", "weight": 50})).send().await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    v["items"][0]["id"].as_i64().unwrap()
}

/// An inspection of the library's window with a photo, by its unit head: (inspection, photo).
async fn library_inspection(app: &TestApp, f: &Fixture) -> (i64, i64) {
    let scores = library_scores(app, f).await;
    let c = app.login("unithead").await;
    let token = app.csrf(&c, "/home").await;
    let mut mp = reqwest::multipart::Form::new().text("notes", "现场检查").part("photos", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("现场.png"));
    for (k, v) in scores {
        mp = mp.text(k, v);
    }
    let r = c.post(app.url(&format!("/api/v1/windows/{}/inspections", f.window))).header("x-csrf-token", token).multipart(mp).send().await.unwrap();
    let status = r.status();
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(status, 200, "{v}");
    (v["id"].as_i64().unwrap(), v["photos"][0]["id"].as_i64().unwrap())
}

fn with(pairs: &[(String, String)], extra: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
    let mut v: Vec<(String, String)> = pairs.to_vec();
    v.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Some(v)
}

fn commitment_fields(content: &str) -> [(&'static str, String); 5] {
    [("category", "学习提高".into()), ("content", content.into()), ("measures", "按月落实".into()), ("target", "完成".into()), ("due", "2012-12-01".into())]
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let uniq = format!("{:02}", n);
    Some(match name {
        "commitment_page" | "commitment_edit" | "api_commitment" | "api_commitment_edit" => {
            // A draft is seen and changed only inside the scope of its owner.
            let content = format!("范围测试承诺{uniq}");
            let id = commitment_of(app, "member", &content, false, false).await;
            let fields: Vec<(String, String)> = commitment_fields(&content).iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
            let mut body: serde_json::Map<String, Value> = commitment_fields(&content).iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            body.insert("requirement_id".into(), Value::Null);
            let (method, path, form_body, json_body) = match name {
                "commitment_page" => ("GET", format!("/commitments/{id}"), None, None),
                "api_commitment" => ("GET", format!("/api/v1/commitments/{id}"), None, None),
                "api_commitment_edit" => ("PUT", format!("/api/v1/commitments/{id}"), None, Some(Value::Object(body))),
                _ => ("POST", format!("/commitments/{id}"), Some(fields), None),
            };
            Case { crossed: vec![], method, path, form: form_body, json: json_body, insider: "member", outsider: "branchsec2", secret: content }
        }
        "commitment_create" | "api_commitment_create" => {
            // The member's task with a requirement to their branch; crossed: the same task with a
            // requirement to another college's branch, and that branch's secretary on the
            // member's task with their own branch's requirement.
            let branch2 = reach(app, "branchsec2", "org").await;
            let ours = requirement_to(app, f.branch, &format!("本支部要求{uniq}")).await;
            let theirs = requirement_to(app, branch2, &format!("外院支部要求{uniq}")).await;
            let task = member_task(app).await;
            let content = format!("新建承诺{uniq}");
            let page = |req: i64| {
                let mut v: Vec<(String, String)> = commitment_fields(&content).iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
                v.extend([("task".to_string(), task.to_string()), ("requirement".to_string(), req.to_string())]);
                Some(v)
            };
            let api = |req: i64| {
                let mut m: serde_json::Map<String, Value> = commitment_fields(&content).iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
                m.insert("task_id".into(), json!(task));
                m.insert("requirement_id".into(), json!(req));
                Some(Value::Object(m))
            };
            let (path, body) = if name == "commitment_create" { ("/commitments", page(ours)) } else { ("/api/v1/commitments", None) };
            let json_body = if name == "commitment_create" { None } else { api(ours) };
            let crossed = |user: &'static str, what: &'static str, req: i64| Crossed {
                user,
                what,
                path: path.into(),
                form: if name == "commitment_create" { page(req) } else { None },
                json: if name == "commitment_create" { None } else { api(req) },
            };
            Case {
                crossed: vec![crossed("member", "the requirement", theirs), crossed("branchsec2", "the task", theirs)],
                method: "POST",
                path: path.into(),
                form: body,
                json: json_body,
                insider: "member",
                outsider: "branchsec2",
                secret: String::new(),
            }
        }
        "commitments_submit" | "api_commitments_submit" => {
            // A batch handed in: each draft must be the caller's to hand in.
            let mine = commitment_of(app, "member", &format!("提交测试承诺{uniq}"), false, false).await;
            let theirs = commitment_of(app, "branchsec2", &format!("外院书记承诺{uniq}"), false, false).await;
            let page = name == "commitments_submit";
            let path = if page { "/commitments/submit" } else { "/api/v1/commitments/submit" };
            let body = |ids: &[i64]| {
                if page { (Some(ids.iter().map(|i| ("ids".to_string(), i.to_string())).collect()), None) } else { (None, Some(json!({"ids": ids}))) }
            };
            let (form_body, json_body) = body(&[mine]);
            let crossed = |user: &'static str, what: &'static str, ids: &[i64]| {
                let (form, json) = body(ids);
                Crossed { user, what, path: path.into(), form, json }
            };
            Case {
                crossed: vec![crossed("member", "the other secretary's draft", &[mine, theirs]), crossed("branchsec2", "the member's draft", &[mine, theirs])],
                method: "POST",
                path: path.into(),
                form: form_body,
                json: json_body,
                insider: "member",
                outsider: "branchsec2",
                secret: String::new(),
            }
        }
        "commitments_review_batch" | "api_commitments_review" | "api_commitment_review" => {
            // The branch secretary reviews the member's commitment; a batch that also names a
            // commitment waiting for someone else's review is refused whole.
            let content = format!("审核测试承诺{uniq}");
            let mine = commitment_of(app, "member", &content, true, false).await;
            let theirs = commitment_of(app, "branchsec2", &format!("外院待审承诺{uniq}"), true, false).await;
            let (path, form_body, json_body, crossed) = match name {
                "commitments_review_batch" => (
                    "/commitments/review".to_string(),
                    form(&[("confirmed", "1"), ("ids", &mine.to_string()), ("action", "approve")]),
                    None,
                    vec![
                        Crossed {
                            user: "branchsec",
                            what: "a commitment of another college",
                            path: "/commitments/review".into(),
                            form: form(&[("confirmed", "1"), ("ids", &mine.to_string()), ("ids", &theirs.to_string()), ("action", "approve")]),
                            json: None,
                        },
                        Crossed {
                            user: "branchsec",
                            what: "a commitment of another college, named first",
                            path: "/commitments/review".into(),
                            form: form(&[("confirmed", "1"), ("ids", &theirs.to_string()), ("ids", &mine.to_string()), ("action", "approve")]),
                            json: None,
                        },
                    ],
                ),
                "api_commitments_review" => (
                    "/api/v1/commitments/review".to_string(),
                    None,
                    Some(json!({"ids": [mine], "action": "approve"})),
                    vec![
                        Crossed {
                            user: "branchsec",
                            what: "a commitment of another college",
                            path: "/api/v1/commitments/review".into(),
                            form: None,
                            json: Some(json!({"ids": [mine, theirs], "action": "return", "comment": "请细化"})),
                        },
                        Crossed {
                            user: "branchsec",
                            what: "a commitment of another college, named first",
                            path: "/api/v1/commitments/review".into(),
                            form: None,
                            json: Some(json!({"ids": [theirs, mine], "action": "approve"})),
                        },
                    ],
                ),
                _ => (format!("/api/v1/commitments/{mine}/review"), None, Some(json!({"action": "approve"})), vec![]),
            };
            Case { crossed, method: "POST", path, form: form_body, json: json_body, insider: "branchsec", outsider: "branchsec2", secret: content }
        }
        "commitment_progress" | "api_commitment_progress" | "commitment_evidence" => {
            // An approved commitment is public, but only its owner reports on it, and its
            // evidence stays inside its scope.
            let content = format!("进展测试承诺{uniq}");
            let id = commitment_of(app, "member", &content, true, true).await;
            let progress = form(&[("_multipart", "1"), ("percent", "10"), ("text", "已开始")]);
            match name {
                "commitment_progress" | "api_commitment_progress" => Case {
                    crossed: vec![],
                    method: "POST",
                    path: if name == "commitment_progress" { format!("/commitments/{id}/progress") } else { format!("/api/v1/commitments/{id}/progress") },
                    form: progress,
                    json: None,
                    insider: "member",
                    outsider: "branchsec2",
                    secret: String::new(),
                },
                _ => {
                    let c = app.login("member").await;
                    let token = app.csrf(&c, "/home").await;
                    let mp = reqwest::multipart::Form::new()
                        .text("percent", "20")
                        .text("text", "照片为证")
                        .part("files", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("证明.png"));
                    let r = c.post(app.url(&format!("/api/v1/commitments/{id}/progress"))).header("x-csrf-token", token).multipart(mp).send().await.unwrap();
                    let status = r.status();
                    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
                    assert_eq!(status, 200, "{v}");
                    let file = v["evidence"][0]["id"].as_i64().unwrap();
                    Case {
                        crossed: vec![],
                        method: "GET",
                        path: format!("/commitments/evidence/{file}"),
                        form: None,
                        json: None,
                        insider: "member",
                        outsider: "branchsec2",
                        secret: String::new(),
                    }
                }
            }
        }
        "commitments_coverage_export" => {
            // Who has not committed below the college: its secretary, not another college's.
            let college = reach(app, "orgsec", "org").await;
            Case {
                crossed: vec![],
                method: "GET",
                path: format!("/commitments/coverage/export.csv?org={college}"),
                form: None,
                json: None,
                insider: "orgsec",
                outsider: "branchsec2",
                secret: String::new(),
            }
        }
        "requirement_create" | "api_requirement_create" => {
            // Split a requirement to the branch; crossed: splitting one addressed to another
            // college's branch, and that branch's secretary addressing the member's branch.
            let branch2 = reach(app, "branchsec2", "org").await;
            let ours = requirement_to(app, f.branch, &format!("上级要求{uniq}")).await;
            let theirs = requirement_to(app, branch2, &format!("外院上级要求{uniq}")).await;
            let title = format!("分解要求{uniq}");
            let page = name == "requirement_create";
            let path = if page { "/commitments/requirements" } else { "/api/v1/commitments/requirements" };
            let body = |org: i64, parent: i64| {
                if page {
                    (form(&[("org", &org.to_string()), ("parent", &parent.to_string()), ("title", &title), ("text", "")]), None)
                } else {
                    (None, Some(json!({"org_id": org, "parent_id": parent, "title": title})))
                }
            };
            let (form_body, json_body) = body(f.branch, ours);
            let crossed = |user: &'static str, what: &'static str, org: i64, parent: i64| {
                let (form, json) = body(org, parent);
                Crossed { user, what, path: path.into(), form, json }
            };
            Case {
                crossed: vec![crossed("branchsec", "the requirement split", f.branch, theirs), crossed("branchsec2", "the organization", f.branch, theirs)],
                method: "POST",
                path: path.into(),
                form: form_body,
                json: json_body,
                insider: "branchsec",
                outsider: "branchsec2",
                secret: String::new(),
            }
        }
        "unit_standards" | "api_unit_standards" => {
            let item = format!("服务规范{uniq}");
            let c = app.login("unithead").await;
            let r = c.post(app.url(&format!("/api/v1/units/{}/standards", f.library))).json(&json!({"item": item, "weight": 5})).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let path = if name == "unit_standards" { format!("/units/{}/standards", f.library) } else { format!("/api/v1/units/{}/standards", f.library) };
            Case { crossed: vec![], method: "GET", path, form: None, json: None, insider: "unithead", outsider: "orgsec", secret: item }
        }
        "unit_standards_change" => {
            // Adding is tried from outside; crossed: the unit head retiring another unit's standard
            // through their own unit.
            let foreign = foreign_standard(app).await;
            Case {
                crossed: vec![Crossed {
                    user: "unithead",
                    what: "a standard of another unit",
                    path: format!("/units/{}/standards", f.library),
                    form: form(&[("retire", &foreign.to_string())]),
                    json: None,
                }],
                method: "POST",
                path: format!("/units/{}/standards", f.library),
                form: form(&[("item", &format!("文明用语{uniq}")), ("weight", "10")]),
                json: None,
                insider: "unithead",
                outsider: "orgsec",
                secret: String::new(),
            }
        }
        "api_unit_standard_add" => Case {
            crossed: vec![],
            method: "POST",
            path: format!("/api/v1/units/{}/standards", f.library),
            form: None,
            json: Some(json!({"item": format!("仪容仪表{uniq}"), "weight": 10})),
            insider: "unithead",
            outsider: "orgsec",
            secret: String::new(),
        },
        "api_standard_retire" => {
            let item = format!("待撤销标准{uniq}");
            let c = app.login("unithead").await;
            let r = c.post(app.url(&format!("/api/v1/units/{}/standards", f.library))).json(&json!({"item": item, "weight": 5})).send().await.unwrap();
            let v: Value = r.json().await.unwrap();
            let id = v["items"].as_array().unwrap().iter().find(|s| s["item"] == item.as_str()).unwrap()["id"].as_i64().unwrap();
            Case { crossed: vec![], method: "DELETE", path: format!("/api/v1/standards/{id}"), form: None, json: None, insider: "unithead", outsider: "orgsec", secret: item }
        }
        "window_inspect" | "api_window_inspect" => {
            // Scored on the library's standards; crossed: a score naming another unit's standard.
            let scores = library_scores(app, f).await;
            let foreign = foreign_standard(app).await;
            let path = if name == "window_inspect" { format!("/w/{}/inspections", f.window) } else { format!("/api/v1/windows/{}/inspections", f.window) };
            Case {
                crossed: vec![Crossed {
                    user: "unithead",
                    what: "a standard of another unit",
                    path: path.clone(),
                    form: with(&scores, &[("_multipart", ""), (&format!("score_{foreign}"), "80")]),
                    json: None,
                }],
                method: "POST",
                path,
                form: with(&scores, &[("_multipart", ""), ("notes", "抽查")]),
                json: None,
                insider: "unithead",
                outsider: "orgsec",
                secret: String::new(),
            }
        }
        "api_window_inspections" | "api_inspection" | "inspection_photo" => {
            let notes = "现场检查".to_string();
            let (inspection, photo) = library_inspection(app, f).await;
            let path = match name {
                "api_window_inspections" => format!("/api/v1/windows/{}/inspections", f.window),
                "api_inspection" => format!("/api/v1/inspections/{inspection}"),
                _ => format!("/inspection-photos/{photo}"),
            };
            Case {
                crossed: vec![],
                method: "GET",
                path,
                form: None,
                json: None,
                insider: "unithead",
                outsider: "orgsec",
                secret: if name == "inspection_photo" { String::new() } else { notes },
            }
        }
        _ => return None,
    })
}
