//! The first cases: trees, people, delegations, imports and tasks (commitments, standards and
//! inspections are in `commitments.rs`, surveys and samples in `surveys.rs`).

use super::common::TestApp;
use super::{Case, Fixture, form, reach};
use serde_json::{Value, json};

/// Creates what a case needs beforehand, as the office, through the API.
async fn office_post(app: &TestApp, path: &str, body: Value) -> Value {
    let office = app.login("office").await;
    let r = office.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "setup POST {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

async fn new_person_in_branch(app: &TestApp, f: &Fixture, number: &str) -> i64 {
    let p = office_post(app, "/api/v1/people", json!({"name": "测试党员", "kind": "student", "number": number, "political_status": "01", "org_id": f.branch})).await;
    p["id"].as_i64().unwrap()
}

/// The writes of this module's routes that name a second record.
pub const TWO_RECORDS: &[&str] = &[];

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let person_fields =
        |number: &str| form(&[("name", "测试修改"), ("kind", "student"), ("number", number), ("political_status", "01"), ("gender", "female"), ("phone", "13807311234")]);
    let uniq = format!("{:02}", n);
    Some(match name {
        "org_page" => Case {
            crossed: vec![],
            method: "GET",
            path: format!("/orgs/{}", f.branch),
            form: None,
            json: None,
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.branch_name.clone(),
        },
        "org_update" => Case {
            crossed: vec![],
            method: "POST",
            path: format!("/orgs/{}", f.branch),
            form: form(&[("name", &f.branch_name), ("category", "student")]),
            json: None,
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.branch_name.clone(),
        },
        "org_create_child" => Case {
            crossed: vec![],
            method: "POST",
            path: format!("/orgs/{}/children", f.branch),
            form: form(&[("kind", "group"), ("child_name", &format!("新党小组{uniq}"))]),
            json: None,
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.branch_name.clone(),
        },
        "org_move" | "api_org_move" => {
            // A new branch with a group in the college; the college secretary moves the group.
            let college = reach(app, "orgsec", "org").await;
            let b1 =
                office_post(app, &format!("/api/v1/orgs/{college}/children"), json!({"kind": "branch", "name": format!("移动测试支部甲{uniq}")})).await["id"].as_i64().unwrap();
            let b2 =
                office_post(app, &format!("/api/v1/orgs/{college}/children"), json!({"kind": "branch", "name": format!("移动测试支部乙{uniq}")})).await["id"].as_i64().unwrap();
            let g = office_post(app, &format!("/api/v1/orgs/{b1}/children"), json!({"kind": "group", "name": "待移动党小组"})).await["id"].as_i64().unwrap();
            if name == "org_move" {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/orgs/{g}/move"),
                    form: form(&[("parent_id", &b2.to_string())]),
                    json: None,
                    insider: "orgsec",
                    outsider: "branchsec2",
                    secret: "待移动党小组".into(),
                }
            } else {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/orgs/{g}/move"),
                    form: None,
                    json: Some(json!({"parent_id": b2})),
                    insider: "orgsec",
                    outsider: "branchsec2",
                    secret: "待移动党小组".into(),
                }
            }
        }
        "org_close" | "api_org_close" => {
            let g = office_post(app, &format!("/api/v1/orgs/{}/children", f.branch), json!({"kind": "group", "name": format!("待撤销党小组{uniq}")})).await["id"].as_i64().unwrap();
            if name == "org_close" {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/orgs/{g}/close"),
                    form: form(&[("confirm", "yes")]),
                    json: None,
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: "待撤销党小组".into(),
                }
            } else {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/orgs/{g}/close"),
                    form: None,
                    json: Some(json!({})),
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: "待撤销党小组".into(),
                }
            }
        }
        "unit_page" => {
            Case { crossed: vec![], method: "GET", path: format!("/units/{}", f.class), form: None, json: None, insider: "cadre", outsider: "branchsec2", secret: String::new() }
        }
        "unit_update" => Case {
            crossed: vec![],
            method: "POST",
            path: format!("/units/{}", f.window),
            form: form(&[("name", &format!("更名窗口{uniq}"))]),
            json: None,
            insider: "unithead",
            outsider: "orgsec",
            secret: String::new(),
        },
        "unit_create_child" => Case {
            crossed: vec![],
            method: "POST",
            path: format!("/units/{}/children", f.library),
            form: form(&[("kind", "window"), ("child_name", &format!("新服务台{uniq}"))]),
            json: None,
            insider: "unithead",
            outsider: "orgsec",
            secret: String::new(),
        },
        "unit_move" | "api_unit_move" => {
            let section =
                office_post(app, &format!("/api/v1/units/{}/children", f.library), json!({"kind": "section", "name": format!("流通部{uniq}")})).await["id"].as_i64().unwrap();
            let w =
                office_post(app, &format!("/api/v1/units/{}/children", f.library), json!({"kind": "window", "name": format!("待移动窗口{uniq}")})).await["id"].as_i64().unwrap();
            if name == "unit_move" {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/units/{w}/move"),
                    form: form(&[("parent_id", &section.to_string())]),
                    json: None,
                    insider: "unithead",
                    outsider: "orgsec",
                    secret: "待移动窗口".into(),
                }
            } else {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/units/{w}/move"),
                    form: None,
                    json: Some(json!({"parent_id": section})),
                    insider: "unithead",
                    outsider: "orgsec",
                    secret: "待移动窗口".into(),
                }
            }
        }
        "unit_close" | "api_unit_close" => {
            let w =
                office_post(app, &format!("/api/v1/units/{}/children", f.library), json!({"kind": "window", "name": format!("待撤销窗口{uniq}")})).await["id"].as_i64().unwrap();
            if name == "unit_close" {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/units/{w}/close"),
                    form: form(&[("confirm", "yes")]),
                    json: None,
                    insider: "unithead",
                    outsider: "orgsec",
                    secret: "待撤销窗口".into(),
                }
            } else {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/units/{w}/close"),
                    form: None,
                    json: Some(json!({})),
                    insider: "unithead",
                    outsider: "orgsec",
                    secret: "待撤销窗口".into(),
                }
            }
        }
        "person_page" => Case {
            crossed: vec![],
            method: "GET",
            path: format!("/people/{}", f.member),
            form: None,
            json: None,
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.member_number.clone(),
        },
        "person_edit" => Case {
            crossed: vec![],
            method: "GET",
            path: format!("/people/{}/edit", f.member),
            form: None,
            json: None,
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.member_number.clone(),
        },
        "person_update" => {
            let number = format!("2012990{uniq}01");
            let id = new_person_in_branch(app, f, &number).await;
            Case {
                crossed: vec![],
                method: "POST",
                path: format!("/people/{id}"),
                form: person_fields(&number),
                json: None,
                insider: "branchsec",
                outsider: "branchsec2",
                secret: number,
            }
        }
        "membership_add" | "api_membership_add" => {
            let number = format!("2012991{uniq}01");
            let id = new_person_in_branch(app, f, &number).await;
            let g = office_post(app, &format!("/api/v1/orgs/{}/children", f.branch), json!({"kind": "group", "name": format!("新编党小组{uniq}")})).await["id"].as_i64().unwrap();
            if name == "membership_add" {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/people/{id}/memberships"),
                    form: form(&[("tree", "org"), ("org_id", &g.to_string()), ("post", "group_leader")]),
                    json: None,
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: number,
                }
            } else {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/people/{id}/memberships"),
                    form: None,
                    json: Some(json!({"tree": "org", "node_id": g, "role": "group_leader"})),
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: number,
                }
            }
        }
        "membership_end" | "api_membership_end" => {
            let number = format!("2012992{uniq}01");
            let id = new_person_in_branch(app, f, &number).await;
            let office = app.login("office").await;
            let p = app.get_json(&office, &format!("/api/v1/people/{id}")).await;
            let mid = p["memberships"][0]["id"].as_i64().unwrap();
            if name == "membership_end" {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/people/{id}/memberships/org/{mid}/end"),
                    form: form(&[("reason", "转出"), ("confirm", "yes")]),
                    json: None,
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: number,
                }
            } else {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/people/{id}/memberships/org/{mid}/end"),
                    form: None,
                    json: Some(json!({"reason": "转出"})),
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: number,
                }
            }
        }
        "person_leave" | "api_person_leave" => {
            let number = format!("2012993{uniq}01");
            let id = new_person_in_branch(app, f, &number).await;
            if name == "person_leave" {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/people/{id}/leave"),
                    form: form(&[("leave_reason", "毕业"), ("confirm", "yes")]),
                    json: None,
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: number,
                }
            } else {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/people/{id}/leave"),
                    form: None,
                    json: Some(json!({"reason": "毕业"})),
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: number,
                }
            }
        }
        "import_preview" | "import_commit" | "import_discard" | "import_problems" | "api_import" | "api_import_commit" | "api_import_discard" => {
            let id = setup_import(app, &uniq).await;
            let (method, path, form_body, json_body) = match name {
                "import_preview" => ("GET", format!("/import/{id}"), None, None),
                "import_commit" => ("POST", format!("/import/{id}/commit"), form(&[("confirmed", "1")]), None),
                "import_discard" => ("POST", format!("/import/{id}/discard"), form(&[]), None),
                "import_problems" => ("GET", format!("/import/{id}/problems/problems.csv"), None, None),
                "api_import" => ("GET", format!("/api/v1/imports/{id}"), None, None),
                "api_import_commit" => ("POST", format!("/api/v1/imports/{id}/commit"), None, Some(json!({}))),
                _ => ("POST", format!("/api/v1/imports/{id}/discard"), None, Some(json!({}))),
            };
            Case { crossed: vec![], method, path, form: form_body, json: json_body, insider: "orgsec", outsider: "branchsec2", secret: format!("导入测试{uniq}") }
        }
        "person_activation" | "api_person_activation" => {
            let number = format!("2012994{uniq}01");
            let id = new_person_in_branch(app, f, &number).await;
            if name == "person_activation" {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/people/{id}/activation"),
                    form: form(&[]),
                    json: None,
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: number,
                }
            } else {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/people/{id}/activation"),
                    form: None,
                    json: Some(json!({})),
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: number,
                }
            }
        }
        "org_delegate" | "api_org_delegate" | "api_org_delegations" => {
            let member_account = app.get_json(&app.login("member").await, "/api/v1/me").await["id"].as_i64().unwrap();
            let until = pacesetter_domain::dates::iso(pacesetter_domain::dates::today().saturating_add(time::Duration::days(10)));
            match name {
                "org_delegate" => Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/orgs/{}/delegations", f.branch),
                    form: form(&[("account_id", &member_account.to_string()), ("end_date", &until)]),
                    json: None,
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: f.branch_name.clone(),
                },
                "api_org_delegate" => Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/orgs/{}/delegations", f.branch),
                    form: None,
                    json: Some(json!({"account_id": member_account, "end_date": until})),
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: f.branch_name.clone(),
                },
                _ => Case {
                    crossed: vec![],
                    method: "GET",
                    path: format!("/api/v1/orgs/{}/delegations", f.branch),
                    form: None,
                    json: None,
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: f.branch_name.clone(),
                },
            }
        }
        "delegation_end" | "api_delegation_end" => {
            let member_account = app.get_json(&app.login("member").await, "/api/v1/me").await["id"].as_i64().unwrap();
            let until = pacesetter_domain::dates::iso(pacesetter_domain::dates::today().saturating_add(time::Duration::days(10)));
            let sec = app.login("branchsec").await;
            let r = sec.post(app.url(&format!("/api/v1/orgs/{}/delegations", f.branch))).json(&json!({"account_id": member_account, "end_date": until})).send().await.unwrap();
            let list: Value = r.json().await.unwrap();
            let id = list.as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).max().unwrap();
            if name == "delegation_end" {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/delegations/{id}/end"),
                    form: form(&[("org_id", &f.branch.to_string())]),
                    json: None,
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: f.branch_name.clone(),
                }
            } else {
                Case {
                    crossed: vec![],
                    method: "POST",
                    path: format!("/api/v1/delegations/{id}/end"),
                    form: None,
                    json: Some(json!({})),
                    insider: "branchsec",
                    outsider: "branchsec2",
                    secret: f.branch_name.clone(),
                }
            }
        }
        "api_org" => Case {
            crossed: vec![],
            method: "GET",
            path: format!("/api/v1/orgs/{}", f.branch),
            form: None,
            json: None,
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.branch_name.clone(),
        },
        "api_org_update" => Case {
            crossed: vec![],
            method: "PATCH",
            path: format!("/api/v1/orgs/{}", f.branch),
            form: None,
            json: Some(json!({"name": f.branch_name})),
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.branch_name.clone(),
        },
        "api_org_create" => Case {
            crossed: vec![],
            method: "POST",
            path: format!("/api/v1/orgs/{}/children", f.branch),
            form: None,
            json: Some(json!({"kind": "group", "name": format!("API党小组{uniq}")})),
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.branch_name.clone(),
        },
        "api_unit" => Case {
            crossed: vec![],
            method: "GET",
            path: format!("/api/v1/units/{}", f.class),
            form: None,
            json: None,
            insider: "cadre",
            outsider: "branchsec2",
            secret: String::new(),
        },
        "api_unit_update" => Case {
            crossed: vec![],
            method: "PATCH",
            path: format!("/api/v1/units/{}", f.window),
            form: None,
            json: Some(json!({"name": format!("API更名窗口{uniq}")})),
            insider: "unithead",
            outsider: "orgsec",
            secret: String::new(),
        },
        "api_unit_create" => Case {
            crossed: vec![],
            method: "POST",
            path: format!("/api/v1/units/{}/children", f.library),
            form: None,
            json: Some(json!({"kind": "window", "name": format!("API服务台{uniq}")})),
            insider: "unithead",
            outsider: "orgsec",
            secret: String::new(),
        },
        "api_person" => Case {
            crossed: vec![],
            method: "GET",
            path: format!("/api/v1/people/{}", f.member),
            form: None,
            json: None,
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.member_number.clone(),
        },
        "api_person_update" => Case {
            crossed: vec![],
            method: "PATCH",
            path: format!("/api/v1/people/{}", f.member),
            form: None,
            json: Some(json!({"phone": "13907311234"})),
            insider: "branchsec",
            outsider: "branchsec2",
            secret: f.member_number.clone(),
        },
        "task_page" | "api_task" | "task_submit" | "api_task_submit" | "task_review" | "api_task_review" | "attachment" => {
            let submitted = matches!(name, "task_review" | "api_task_review" | "attachment");
            let (id, att) = fresh_task(app, &uniq, submitted).await;
            let secret = format!("任务测试支部{uniq}");
            let multipart = form(&[("_multipart", "1"), ("body", "见附件")]);
            let (method, path, form_body, json_body) = match name {
                "task_page" => ("GET", format!("/tasks/{id}"), None, None),
                "api_task" => ("GET", format!("/api/v1/tasks/{id}"), None, None),
                "task_submit" => ("POST", format!("/tasks/{id}/submit"), multipart, None),
                "api_task_submit" => ("POST", format!("/api/v1/tasks/{id}/submit"), multipart, None),
                "task_review" => ("POST", format!("/tasks/{id}/review"), form(&[("confirmed", "1"), ("action", "accept")]), None),
                "api_task_review" => ("POST", format!("/api/v1/tasks/{id}/review"), None, Some(json!({"action": "accept"}))),
                _ => ("GET", format!("/attachments/{}", att.unwrap()), None, None),
            };
            Case { crossed: vec![], method, path, form: form_body, json: json_body, insider: "orgsec", outsider: "branchsec2", secret }
        }
        _ => return None,
    })
}

/// A new branch in the college secretary's college, and its branch-system task (submitted
/// with a PDF when asked); returns the task and the file's id.
async fn fresh_task(app: &TestApp, uniq: &str, submitted: bool) -> (i64, Option<i64>) {
    let college = reach(app, "orgsec", "org").await;
    let branch = office_post(app, &format!("/api/v1/orgs/{college}/children"), json!({"kind": "branch", "name": format!("任务测试支部{uniq}")})).await["id"].as_i64().unwrap();
    let office = app.login("office").await;
    let tasks = app.get_json(&office, &format!("/api/v1/tasks?org={branch}")).await;
    let id = tasks.as_array().unwrap().iter().find(|t| t["code"] == "branch-system").expect("a new branch owes the branch system")["id"].as_i64().unwrap();
    if !submitted {
        return (id, None);
    }
    let c = app.login("orgsec").await;
    let csrf = app.get_json(&c, "/api/v1/me").await["csrf_token"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new().part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4 scope".to_vec()).file_name("制度.pdf"));
    let r = c.post(app.url(&format!("/api/v1/tasks/{id}/submit"))).header("x-csrf-token", csrf).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v = app.get_json(&office, &format!("/api/v1/tasks/{id}")).await;
    (id, v["files"][0]["id"].as_i64())
}

/// The college secretary uploads a one-person roster into a new, empty branch of the college.
async fn setup_import(app: &TestApp, uniq: &str) -> i64 {
    let college = reach(app, "orgsec", "org").await;
    let branch = office_post(app, &format!("/api/v1/orgs/{college}/children"), json!({"kind": "branch", "name": format!("导入测试支部{uniq}")})).await["id"].as_i64().unwrap();
    let headers = ["姓名", "人员类别", "工号/学号", "政治面貌", "党组织"].iter().map(|s| s.to_string()).collect();
    let rows = vec![vec![format!("导入测试{uniq}"), "学生".into(), format!("20129977{uniq}01"), "中共党员".into(), format!("导入测试支部{uniq}")]];
    let bytes = pacesetter_web::export::Sheet { name: "名册".into(), headers, rows }.to_xlsx().unwrap();
    let c = app.login("orgsec").await;
    let csrf = app.get_json(&c, "/api/v1/me").await["csrf_token"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name("r.xlsx")).text("root_org", branch.to_string());
    let r = c.post(app.url("/api/v1/imports")).header("x-csrf-token", csrf).multipart(form).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["counts"]["problems"], 0, "{v}");
    v["id"].as_i64().unwrap()
}
