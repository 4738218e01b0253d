//! Cases for campaigns (open to every logged-in person, with the dashboard limited to the
//! caller's reach), and for the routes of the offices and the auditor: relations, accounts and
//! their two-office requests, the audit log's exports and anchors. An outsider of a role-only
//! route is someone without the role.

use super::common::TestApp;
use super::{Case, Crossed, Fixture, form};
use serde_json::{Value, json};

pub const TWO_RECORDS: &[&str] = &["template_due", "api_template_due"];

fn case(method: &'static str, path: String, insider: &'static str, outsider: &'static str) -> Case {
    Case { method, path, form: None, json: None, insider, outsider, secret: String::new(), crossed: vec![] }
}

async fn demo_campaign(app: &TestApp) -> i64 {
    let c = app.login("member").await;
    let v = app.get_json(&c, "/api/v1/campaigns").await;
    v.as_array().unwrap().iter().find(|c| c["code"] == "2012-csust").expect("the demo's campaign")["id"].as_i64().unwrap()
}

/// A small campaign of the office's own, to change and archive without touching the demo's.
async fn small_campaign(app: &TestApp, n: usize) -> (i64, i64) {
    let code = format!("scope-{n}");
    let plan = format!(
        "[campaign]\ncode = \"{code}\"\ntitle = \"范围测试活动{n}\"\nyear = 2011\noffice = \"党委组织部\"\n\n[[tasks]]\ncode = \"office-report\"\ntitle = \"总结报告\"\nowners = \"office\"\ndeliverable = \"document\"\ndue = 2011-12-15\nreviewer = \"office\"\n"
    );
    let office = app.login("office").await;
    let token = app.csrf(&office, "/campaigns").await;
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(plan.into_bytes()).file_name("plan.toml"));
    let r = office.post(app.url("/api/v1/campaigns")).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    let status = r.status();
    let report: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{report}");
    let id = report["campaign_id"].as_i64().unwrap();
    let tid = app.get_json(&office, &format!("/api/v1/campaigns/{id}")).await["templates"][0]["id"].as_i64().unwrap();
    (id, tid)
}

/// A fresh account without a person, made by the administrator.
async fn fresh_account(app: &TestApp, n: usize, tag: &str) -> i64 {
    let admin = app.login("admin").await;
    let r = admin
        .post(app.url("/api/v1/accounts"))
        .json(&json!({"username": format!("scope{tag}{n}"), "display_name": format!("范围测试账号{n}"), "password": "Qz7#vKp2!mWx9"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{v}");
    v["id"].as_i64().unwrap()
}

/// A current relation record of a person who holds no demo account, so ending it changes no
/// demo user's reach.
async fn spare_relation(app: &TestApp) -> i64 {
    let office = app.login("office").await;
    let mut persons = Vec::new();
    for u in ["cadre", "contact", "unithead", "branchsec", "branchsec2", "orgsec", "member", "teacher", "student", "leader"] {
        let c = app.login(u).await;
        persons.push(app.get_json(&c, "/api/v1/me").await["person_id"].clone());
    }
    let rels = app.get_json(&office, "/api/v1/relations?current=true&per_page=200").await;
    rels["items"].as_array().unwrap().iter().find(|r| r["end_date"].is_null() && !persons.contains(&r["person_id"])).expect("a spare current relation")["id"].as_i64().unwrap()
}

/// A fresh API token of the member's, made from their session.
async fn members_token(app: &TestApp, n: usize) -> i64 {
    let m = app.login("member").await;
    let r = m.post(app.url("/api/v1/me/tokens")).json(&json!({"name": format!("范围测试{n}"), "access": "read", "days": 7})).send().await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v["token"]["id"].as_i64().unwrap()
}

pub async fn case_for(app: &TestApp, f: &Fixture, name: &str, n: usize) -> Option<Case> {
    let node = f.branch;
    Some(match name {
        // A token is revoked by its own person only.
        "token_revoke" => Case { form: form(&[]), ..case("POST", format!("/tokens/{}/revoke", members_token(app, n).await), "member", "branchsec2") },
        "api_token_revoke" => case("DELETE", format!("/api/v1/me/tokens/{}", members_token(app, n).await), "member", "branchsec2"),
        // Every logged-in person reads a campaign's plan and calendar.
        "campaign_page" => case("GET", format!("/campaigns/{}", demo_campaign(app).await), "member", ""),
        "campaign_calendar" => case("GET", format!("/campaigns/{}/calendar", demo_campaign(app).await), "member", ""),
        "api_campaign" => case("GET", format!("/api/v1/campaigns/{}", demo_campaign(app).await), "member", ""),
        // The dashboard of a node: only within the caller's reach.
        "campaign_dashboard" => {
            Case { secret: f.branch_name.clone(), ..case("GET", format!("/campaigns/{}/dashboard?node={node}", demo_campaign(app).await), "branchsec", "branchsec2") }
        }
        "campaign_dashboard_export" => case("GET", format!("/campaigns/{}/dashboard.xlsx?node={node}", demo_campaign(app).await), "branchsec", "branchsec2"),
        "api_campaign_dashboard" => {
            Case { secret: f.branch_name.clone(), ..case("GET", format!("/api/v1/campaigns/{}/dashboard?node={node}", demo_campaign(app).await), "branchsec", "branchsec2") }
        }
        // The office's changes; a template named with another campaign is not found.
        "template_due" | "api_template_due" => {
            let (id, tid) = small_campaign(app, n).await;
            let (other, _) = small_campaign(app, n + 1000).await;
            let api = name == "api_template_due";
            let path = |c: i64| if api { format!("/api/v1/campaigns/{c}/templates/{tid}/due") } else { format!("/campaigns/{c}/templates/{tid}/due") };
            let (form_body, json_body) = if api { (None, Some(json!({"due": "2012-12-20"}))) } else { (form(&[("due", "2012-12-20")]), None) };
            Case {
                form: form_body.clone(),
                json: json_body.clone(),
                crossed: vec![Crossed { user: "office", what: "the template of another campaign", path: path(other), form: form_body, json: json_body }],
                ..case("POST", path(id), "office", "orgsec")
            }
        }
        "campaign_close" => Case { form: form(&[("confirm", "yes")]), ..case("POST", format!("/campaigns/{}/close", small_campaign(app, n).await.0), "office", "orgsec") },
        "api_campaign_close" => {
            Case { json: Some(json!({"confirm": true})), ..case("POST", format!("/api/v1/campaigns/{}/close", small_campaign(app, n).await.0), "office", "orgsec") }
        }
        "campaign_remind" => case("POST", format!("/campaigns/{}/remind", demo_campaign(app).await), "office", "orgsec"),
        "api_campaign_remind" => case("POST", format!("/api/v1/campaigns/{}/remind", demo_campaign(app).await), "office", "orgsec"),
        // Relations: the office's.
        "relation_end" => Case { form: form(&[("end_date", "2012-07-01")]), ..case("POST", format!("/relations/{}/end", spare_relation(app).await), "office", "orgsec") },
        "api_relation_end" => {
            Case { json: Some(json!({"date": "2012-07-01"})), ..case("POST", format!("/api/v1/relations/{}/end", spare_relation(app).await), "office", "orgsec") }
        }
        "relations_export" => case("GET", "/relations/export/relations.csv".into(), "office", "orgsec"),
        "relations_coverage_export" => case("GET", "/relations/coverage/coverage.csv".into(), "office", "orgsec"),
        // Accounts: the two offices'; grants, resets and disabling the administrator's.
        "accounts_export" => case("GET", "/accounts/export/accounts.csv".into(), "admin", "orgsec"),
        "account_page" => Case { secret: format!("scopepage{n}"), ..case("GET", format!("/accounts/{}", fresh_account(app, n, "page").await), "office", "orgsec") },
        "api_account" => Case { secret: format!("scopeapi{n}"), ..case("GET", format!("/api/v1/accounts/{}", fresh_account(app, n, "api").await), "office", "orgsec") },
        "grant_create" => Case {
            form: form(&[("role", "branch_secretary"), ("org_id", &f.branch.to_string())]),
            ..case("POST", format!("/accounts/{}/grants", fresh_account(app, n, "grant").await), "admin", "office")
        },
        "api_grant_create" => Case {
            json: Some(json!({"role": "branch_secretary", "org_id": f.branch})),
            ..case("POST", format!("/api/v1/accounts/{}/grants", fresh_account(app, n, "grant").await), "admin", "office")
        },
        "grant_end" | "api_grant_end" => {
            let account = fresh_account(app, n, "end").await;
            let admin = app.login("admin").await;
            let r = admin.post(app.url(&format!("/api/v1/accounts/{account}/grants"))).json(&json!({"role": "branch_secretary", "org_id": f.branch})).send().await.unwrap();
            let v: Value = r.json().await.unwrap();
            let grant = v["grants"].as_array().expect("the account's grants").iter().find(|g| g["role"] == "branch_secretary").unwrap()["id"].as_i64().unwrap();
            if name == "grant_end" {
                Case { form: form(&[("account_id", &account.to_string())]), ..case("POST", format!("/grants/{grant}/end"), "admin", "office") }
            } else {
                Case { json: Some(json!({})), ..case("POST", format!("/api/v1/grants/{grant}/end"), "admin", "office") }
            }
        }
        "account_reset_password" => {
            Case { form: form(&[("password", "Tr8$kLq3!vNz")]), ..case("POST", format!("/accounts/{}/password", fresh_account(app, n, "reset").await), "admin", "office") }
        }
        "api_account_reset_password" => Case {
            json: Some(json!({"password": "Tr8$kLq3!vNz"})),
            ..case("POST", format!("/api/v1/accounts/{}/password", fresh_account(app, n, "reset").await), "admin", "office")
        },
        "account_disable" => Case { form: form(&[("disabled", "true")]), ..case("POST", format!("/accounts/{}/disabled", fresh_account(app, n, "off").await), "admin", "office") },
        "auditor_request" => {
            Case { form: form(&[("action", "grant_auditor")]), ..case("POST", format!("/accounts/{}/auditor-request", fresh_account(app, n, "aud").await), "admin", "orgsec") }
        }
        "api_auditor_request" => {
            Case { json: Some(json!({})), ..case("POST", format!("/api/v1/accounts/{}/auditor-request", fresh_account(app, n, "aud").await), "admin", "orgsec") }
        }
        "account_request" => {
            Case { form: form(&[("action", "grant_office")]), ..case("POST", format!("/accounts/{}/requests", fresh_account(app, n, "req").await), "admin", "orgsec") }
        }
        "api_account_request" => {
            Case { json: Some(json!({"action": "grant_office"})), ..case("POST", format!("/api/v1/accounts/{}/requests", fresh_account(app, n, "req").await), "admin", "orgsec") }
        }
        "account_request_decide" | "api_account_request_decide" => {
            let account = fresh_account(app, n, "dec").await;
            let admin = app.login("admin").await;
            let r = admin.post(app.url(&format!("/api/v1/accounts/{account}/requests"))).json(&json!({"action": "grant_office"})).send().await.unwrap();
            let v: Value = r.json().await.unwrap();
            let rid = v["id"].as_i64().unwrap_or_else(|| panic!("a request: {v}"));
            if name == "account_request_decide" {
                Case { form: form(&[("approve", "false")]), ..case("POST", format!("/account-requests/{rid}/decide"), "office", "orgsec") }
            } else {
                Case { json: Some(json!({"approve": false})), ..case("POST", format!("/api/v1/account-requests/{rid}/decide"), "office", "orgsec") }
            }
        }
        // The auditor's.
        "audit_export" => case("GET", "/audit/export/audit.csv".into(), "auditor", "office"),
        "audit_anchor_file" => {
            let auditor = app.login("auditor").await;
            let r = auditor.post(app.url("/api/v1/audit/anchors")).json(&json!({})).send().await.unwrap();
            let v: Value = r.json().await.unwrap();
            case("GET", format!("/audit/anchors/{}.txt", v["id"].as_i64().unwrap_or_else(|| panic!("an anchor: {v}"))), "auditor", "office")
        }
        _ => return None,
    })
}
