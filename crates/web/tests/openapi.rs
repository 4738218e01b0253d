//! The OpenAPI document as served: valid OpenAPI 3.1 by a standard validator (Python's
//! openapi-spec-validator, which .ci/run installs), and every API operation documents its
//! parameters, body and responses, so generators and fuzzers can take it.

mod common;

use common::{Backend, spawn};
use pacesetter_web::routes::Access;
use serde_json::Value;
use std::process::Command;

/// Validates the document with every error listed; prints "errors: N" and one line per error.
const VALIDATE: &str = r#"
import json, sys
spec = json.load(open(sys.argv[1]))
try:
    from openapi_spec_validator import OpenAPIV31SpecValidator
    errors = list(OpenAPIV31SpecValidator(spec).iter_errors())
except ImportError:
    from openapi_spec_validator import validate
    try:
        validate(spec)
        errors = []
    except Exception as e:
        errors = [e]
for e in errors:
    path = "/".join(str(p) for p in getattr(e, "absolute_path", []) or [])
    print(f"{path}: {getattr(e, 'message', e)}")
print(f"errors: {len(errors)}")
sys.exit(1 if errors else 0)
"#;

/// Whether the validator can run here: under CI=true it must, elsewhere a missing one skips.
fn validator_present() -> bool {
    let ok = Command::new("python3").args(["-c", "import openapi_spec_validator"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
            "CI=true but python3 cannot import openapi_spec_validator (.ci/run installs it: python3 -m pip install openapi-spec-validator)"
        );
        eprintln!("skipped: python3 cannot import openapi_spec_validator (pip install openapi-spec-validator)");
    }
    ok
}

async fn served_document() -> Value {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let r = reqwest::get(app.url("/api/openapi.json")).await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    // PACESETTER_OPENAPI_OUT=file keeps a copy, for a generator or another validator.
    if let Some(out) = std::env::var_os("PACESETTER_OPENAPI_OUT") {
        std::fs::write(out, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    }
    doc
}

#[tokio::test]
async fn the_served_document_is_valid_openapi_3_1() {
    let doc = served_document().await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "openapi: {}", doc["openapi"]);
    if !validator_present() {
        return;
    }
    let file = std::env::temp_dir().join(format!("pacesetter-openapi-{}-{}.json", std::process::id(), common::rand_suffix()));
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = Command::new("python3").arg("-c").arg(VALIDATE).arg(&file).output().expect("run python3");
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the OpenAPI document is not valid:\n{stdout}\n{stderr}");
}

/// POST operations of the API whose handler reads no body: the path says everything (they
/// document an optional {}, as an unsafe request under /api is JSON).
const NO_BODY: &[&str] = &[
    "api_transfer_cancel",
    "api_activity_signup",
    "api_study_point_standard_retire",
    "api_activity_cancel",
    "api_activity_checkin_open",
    "api_logout",
    "api_auditor_request",
    "api_import_commit",
    "api_import_discard",
    "api_delegation_end",
    "api_audit_anchor",
    "api_survey_open",
    "api_story_submit",
    "api_research_close",
    "api_research_publish",
    "api_survey_close",
    "api_survey_remind",
    "api_campaign_remind",
    "api_problems_tick",
    "api_meeting_checkin_open",
    "api_meeting_checkin_close",
    "api_problem_regroup",
    "api_liaison_remind",
    "api_window_staff_remove",
    "api_selection_forward",
    "api_selection_open",
    "api_selection_publish",
];

#[tokio::test]
async fn every_api_operation_documents_its_parameters_body_and_responses() {
    let doc = served_document().await;
    let schemas = &doc["components"]["schemas"];
    let mut seen = 0;
    for route in pacesetter_web::routes::table() {
        if !route.path.starts_with("/api/v1/") {
            continue;
        }
        seen += 1;
        let method = route.method.as_str().to_ascii_lowercase();
        let what = format!("{} {} ({})", route.method, route.path, route.name);
        let op = &doc["paths"][route.path][&method];
        assert!(op.is_object(), "{what} is not in the document");
        // Every parameter has a schema; path parameters are required and all named.
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        for p in &params {
            assert!(p["schema"].is_object(), "{what}: parameter {} has no schema", p["name"]);
            if p["in"] == "path" {
                assert_eq!(p["required"], true, "{what}: path parameter {} is not required", p["name"]);
            }
        }
        for seg in route.path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                assert!(params.iter().any(|p| p["in"] == "path" && p["name"] == name), "{what}: path parameter {name} is not documented");
            }
        }
        // A body for every write: required where the handler reads one.
        let writes = matches!(method.as_str(), "post" | "put" | "patch");
        if writes {
            let content = &op["requestBody"]["content"];
            assert!(content.as_object().is_some_and(|c| !c.is_empty()), "{what} has no request body");
            for (kind, media) in content.as_object().unwrap() {
                assert!(media["schema"].is_object(), "{what}: request body {kind} has no schema");
            }
            let required = op["requestBody"]["required"] == true;
            assert_eq!(required, !NO_BODY.contains(&route.name), "{what}: the body's required is {required}");
            if content.get("multipart/form-data").is_some() {
                assert!(params.iter().any(|p| p["in"] == "header" && p["name"] == "X-CSRF-Token"), "{what}: an upload needs X-CSRF-Token");
            }
        } else {
            assert!(op["requestBody"].is_null(), "{what} takes no body but documents one");
        }
        // A success with content, or a 204; errors in the shared error shape.
        let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{what} has no responses"));
        let success: Vec<_> = responses.iter().filter(|(code, _)| code.starts_with('2')).collect();
        assert!(!success.is_empty(), "{what} has no 2xx response");
        for (code, r) in &success {
            if code.as_str() != "204" {
                let content = r["content"].as_object().unwrap_or_else(|| panic!("{what}: response {code} has no content"));
                assert!(content.values().all(|m| m["schema"].is_object()), "{what}: response {code} has content without a schema");
            }
        }
        for (code, r) in responses.iter().filter(|(code, _)| code.starts_with('4')) {
            assert_eq!(r["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error", "{what}: response {code} is not the shared error");
        }
        if !matches!(route.access, Access::Public | Access::Token) {
            assert!(responses.contains_key("401"), "{what} needs a login but documents no 401");
        }
        if route.path.contains('{') {
            assert!(responses.contains_key("404"), "{what} names a record but documents no 404");
        }
    }
    assert!(seen > 50, "only {seen} API routes");
    // Every reference resolves.
    let text = doc.to_string();
    for part in text.split("\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(schemas[name].is_object(), "#/components/schemas/{name} is referred to but not defined");
    }
    let error = &schemas["Error"]["properties"]["error"]["properties"];
    for field in ["code", "message", "fields"] {
        assert!(error[field].is_object(), "the Error schema has no {field}");
    }
}

/// Checks real answers against the schemas the document gives them: each must validate (JSON
/// Schema 2020-12, as OpenAPI 3.1 uses), and carry no field the schema does not name.
const CONFORM: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
doc = json.load(open(sys.argv[1]))
samples = json.load(open(sys.argv[2]))
ops = {op["operationId"]: op for item in doc["paths"].values() for op in item.values() if isinstance(op, dict) and "operationId" in op}

def resolve(s):
    while "$ref" in s:
        s = doc["components"]["schemas"][s["$ref"].split("/")[-1]]
    return s

def undocumented(value, schema, at):
    s = resolve(schema)
    if value is None:
        return []
    if "oneOf" in s or "anyOf" in s:
        out = None
        for branch in s.get("oneOf", s.get("anyOf")):
            b = resolve(branch)
            if b.get("type") == "null":
                continue
            found = undocumented(value, b, at)
            out = found if out is None or len(found) < len(out) else out
        return out or []
    if isinstance(value, list):
        return [x for i, v in enumerate(value) for x in undocumented(v, s.get("items", {}), f"{at}[{i}]")]
    if isinstance(value, dict) and ("properties" in s or "allOf" in s):
        props = dict(s.get("properties", {}))
        for part in s.get("allOf", []):
            props.update(resolve(part).get("properties", {}))
        out = [f"{at}.{k}" for k in value if k not in props]
        return out + [x for k, v in value.items() if k in props for x in undocumented(v, props[k], f"{at}.{k}")]
    return []

problems = []
for op_id, status, body in samples:
    content = ops[op_id]["responses"].get(str(status), {}).get("content", {})
    if "application/json" not in content:
        problems.append(f"{op_id}: status {status} is not documented with JSON")
        continue
    schema = dict(content["application/json"]["schema"], components=doc["components"])
    for e in Draft202012Validator(schema).iter_errors(body):
        problems.append(f"{op_id} {status}: {'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}")
    for extra in undocumented(body, content["application/json"]["schema"], op_id):
        problems.append(f"{extra}: not in the schema")
for p in problems:
    print(p)
print(f"checked {len(samples)} answers; problems: {len(problems)}")
sys.exit(1 if problems else 0)
"#;

#[tokio::test]
async fn api_answers_match_their_documented_schemas() {
    if !validator_present() {
        return;
    }
    let app = spawn(Backend::Sqlite).await.unwrap();
    let doc: Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
    let office = app.login("office").await;
    let sec = app.login("orgsec").await;
    let admin = app.login("admin").await;
    let auditor = app.login("auditor").await;
    let mut samples: Vec<(String, u16, Value)> = Vec::new();
    async fn take(samples: &mut Vec<(String, u16, Value)>, op: &str, r: reqwest::Response) -> Value {
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert!((200..300).contains(&status), "{op}: {status} {text}");
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{op}: not JSON: {text}"));
        samples.push((op.to_string(), status, v.clone()));
        v
    }
    // A task handed in and returned with a date, so its history has every part.
    let tasks = take(&mut samples, "api_tasks", sec.get(app.url("/api/v1/tasks")).send().await.unwrap()).await;
    let task = tasks.as_array().unwrap().iter().find(|t| t["code"] == "implementation-plan").expect("the demo's open task")["id"].as_i64().unwrap();
    let token = app.csrf(&sec, "/home").await;
    let form = reqwest::multipart::Form::new().part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4\n% test\n".to_vec()).file_name("plan.pdf")).text("body", "the plan");
    let r = sec.post(app.url(&format!("/api/v1/tasks/{task}/submit"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
    take(&mut samples, "api_task_submit", r).await;
    let by = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();
    let r =
        office.post(app.url(&format!("/api/v1/tasks/{task}/review"))).json(&serde_json::json!({"action": "return", "comment": "more", "resubmit_by": by})).send().await.unwrap();
    take(&mut samples, "api_task_review", r).await;
    let campaigns = take(&mut samples, "api_campaigns", office.get(app.url("/api/v1/campaigns")).send().await.unwrap()).await;
    let campaign = campaigns[0]["id"].as_i64().unwrap();
    let people = take(&mut samples, "api_people", office.get(app.url("/api/v1/people?per_page=5")).send().await.unwrap()).await;
    let person = people["items"][0]["id"].as_i64().unwrap();
    let orgs = take(&mut samples, "api_orgs", office.get(app.url("/api/v1/orgs")).send().await.unwrap()).await;
    let org = orgs[0]["id"].as_i64().unwrap();
    let units = take(&mut samples, "api_units", office.get(app.url("/api/v1/units")).send().await.unwrap()).await;
    let unit = units[0]["id"].as_i64().unwrap();
    let accounts = take(&mut samples, "api_accounts", admin.get(app.url("/api/v1/accounts")).send().await.unwrap()).await;
    let account = accounts["items"][0]["id"].as_i64().unwrap();
    let commitments = take(&mut samples, "api_commitments", office.get(app.url("/api/v1/commitments")).send().await.unwrap()).await;
    for (op, c, path) in [
        ("api_me", &sec, "/api/v1/me".to_string()),
        ("api_desk", &sec, "/api/v1/desk".to_string()),
        ("api_desk", &office, "/api/v1/desk".to_string()),
        ("api_task", &sec, format!("/api/v1/tasks/{task}")),
        ("api_notifications", &sec, "/api/v1/notifications".into()),
        ("api_reviews", &office, "/api/v1/reviews".into()),
        ("api_campaign_dashboard", &office, format!("/api/v1/campaigns/{campaign}/dashboard")),
        ("api_commitments_mine", &sec, "/api/v1/commitments/mine".into()),
        ("api_directory", &sec, "/api/v1/directory?q=%E7%8E%8B".into()),
        ("api_person", &office, format!("/api/v1/people/{person}")),
        ("api_org", &office, format!("/api/v1/orgs/{org}")),
        ("api_unit", &office, format!("/api/v1/units/{unit}")),
        ("api_org_delegations", &office, format!("/api/v1/orgs/{org}/delegations")),
        ("api_account", &admin, format!("/api/v1/accounts/{account}")),
        ("api_account_requests", &admin, "/api/v1/account-requests".into()),
        ("api_relations", &office, "/api/v1/relations".into()),
        ("api_relations_coverage", &office, "/api/v1/relations/coverage".into()),
        ("api_outbox", &office, "/api/v1/outbox".into()),
        ("api_audit", &auditor, "/api/v1/audit?per_page=20".into()),
        ("api_audit_verify", &auditor, "/api/v1/audit/verify".into()),
    ] {
        take(&mut samples, op, c.get(app.url(&path)).send().await.unwrap()).await;
    }
    if let Some(id) = commitments.as_array().and_then(|a| a.first()).and_then(|c| c["id"].as_i64()) {
        take(&mut samples, "api_commitment", office.get(app.url(&format!("/api/v1/commitments/{id}"))).send().await.unwrap()).await;
    }
    // Commitments and windows: one made, changed, handed in, reviewed and reported on; the lists,
    // coverage, requirements, roll-up, evaluation and board; a unit's standards and an inspection.
    {
        let member = app.login("member").await;
        let branch = app.login("branchsec").await;
        let head = app.login("unithead").await;
        use serde_json::json;
        let mine = app.get_json(&member, "/api/v1/commitments/mine").await;
        let task = mine.as_array().unwrap().iter().find(|t| t["owner_kind"] == "person").unwrap()["task_id"].as_i64().unwrap();
        let body = |content: &str, submit: bool| json!({"task_id": task, "requirement_id": null, "category": "学习提高", "content": content, "measures": "按月落实", "target": "按期完成", "due": "2012-12-20", "submit": submit});
        let c = take(&mut samples, "api_commitment_create", member.post(app.url("/api/v1/commitments")).json(&body("每月答疑", false)).send().await.unwrap()).await;
        let id = c["id"].as_i64().unwrap();
        let org = c["org_id"].as_i64().unwrap();
        take(&mut samples, "api_commitment_edit", member.put(app.url(&format!("/api/v1/commitments/{id}"))).json(&body("每月答疑两次", false)).send().await.unwrap()).await;
        take(&mut samples, "api_commitments_submit", member.post(app.url("/api/v1/commitments/submit")).json(&json!({"ids": [id]})).send().await.unwrap()).await;
        let second = member.post(app.url("/api/v1/commitments")).json(&body("读书会", true)).send().await.unwrap().json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        take(&mut samples, "api_commitments_review_queue", branch.get(app.url("/api/v1/commitments/review")).send().await.unwrap()).await;
        take(&mut samples, "api_commitment_review", branch.post(app.url(&format!("/api/v1/commitments/{id}/review"))).json(&json!({"action": "approve"})).send().await.unwrap())
            .await;
        let r = branch.post(app.url("/api/v1/commitments/review")).json(&json!({"ids": [second], "action": "return", "comment": "请细化"})).send().await.unwrap();
        take(&mut samples, "api_commitments_review", r).await;
        let token = app.csrf(&member, "/home").await;
        let form =
            reqwest::multipart::Form::new().text("percent", "30").text("text", "已答疑").part("files", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("a.png"));
        let r = member.post(app.url(&format!("/api/v1/commitments/{id}/progress"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
        take(&mut samples, "api_commitment_progress", r).await;
        take(&mut samples, "api_commitment", branch.get(app.url(&format!("/api/v1/commitments/{id}"))).send().await.unwrap()).await;
        take(&mut samples, "api_commitment", sec.get(app.url(&format!("/api/v1/commitments/{second}"))).send().await.unwrap()).await;
        for (op, c, path) in [
            ("api_commitments_coverage", &branch, format!("/api/v1/commitments/coverage?org={org}")),
            ("api_requirements", &branch, "/api/v1/commitments/requirements".to_string()),
            ("api_commitments_rollup", &office, "/api/v1/commitments/rollup".into()),
            ("api_board_settings", &office, "/api/v1/boards/settings".into()),
            ("api_board", &member, format!("/api/v1/boards/{org}")),
        ] {
            take(&mut samples, op, c.get(app.url(&path)).send().await.unwrap()).await;
        }
        take(
            &mut samples,
            "api_requirement_create",
            office.post(app.url("/api/v1/commitments/requirements")).json(&json!({"org_id": org, "title": "带头学习"})).send().await.unwrap(),
        )
        .await;
        take(&mut samples, "api_commitments_remind", branch.post(app.url("/api/v1/commitments/remind")).json(&json!({"org_id": null})).send().await.unwrap()).await;
        take(&mut samples, "api_commitments_evaluate", office.post(app.url("/api/v1/commitments/evaluate")).json(&json!({"org_id": org})).send().await.unwrap()).await;
        let r = office.put(app.url("/api/v1/boards/settings")).json(&json!({"open_to_public": false, "fields": ["name", "content", "progress", "rate"]})).send().await.unwrap();
        take(&mut samples, "api_board_settings_change", r).await;

        let me = app.get_json(&head, "/api/v1/me").await;
        let unit = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == "unit").unwrap()["target"]
            .as_str()
            .unwrap()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let lib = app.get_json(&office, &format!("/api/v1/units/{unit}")).await;
        let window = lib["children"].as_array().unwrap().iter().find(|n| n["kind"] == "window").unwrap()["id"].as_i64().unwrap();
        let std = take(
            &mut samples,
            "api_unit_standard_add",
            head.post(app.url(&format!("/api/v1/units/{unit}/standards"))).json(&json!({"item": "服务态度", "weight": 100})).send().await.unwrap(),
        )
        .await;
        let sid = std["items"][0]["id"].as_i64().unwrap();
        take(&mut samples, "api_unit_standards", head.get(app.url(&format!("/api/v1/units/{unit}/standards"))).send().await.unwrap()).await;
        let token = app.csrf(&head, "/home").await;
        let form = reqwest::multipart::Form::new()
            .text(format!("score_{sid}"), "90")
            .text("notes", "整洁")
            .part("photos", reqwest::multipart::Part::bytes(common::png_1x1()).file_name("w.png"));
        let r = head.post(app.url(&format!("/api/v1/windows/{window}/inspections"))).header("x-csrf-token", token).multipart(form).send().await.unwrap();
        let i = take(&mut samples, "api_window_inspect", r).await;
        take(&mut samples, "api_inspection", head.get(app.url(&format!("/api/v1/inspections/{}", i["id"]))).send().await.unwrap()).await;
        take(&mut samples, "api_window_inspections", head.get(app.url(&format!("/api/v1/windows/{window}/inspections"))).send().await.unwrap()).await;
        take(&mut samples, "api_window", head.get(app.url(&format!("/api/v1/windows/{window}"))).send().await.unwrap()).await;
        take(&mut samples, "api_window", common::client(&app.base).get(app.url(&format!("/api/v1/windows/{window}"))).send().await.unwrap()).await;
        let extra = head.post(app.url(&format!("/api/v1/units/{unit}/standards"))).json(&json!({"item": "临时", "weight": 5})).send().await.unwrap().json::<Value>().await.unwrap();
        let last = extra["items"].as_array().unwrap().iter().find(|s| s["item"] == "临时").unwrap()["id"].as_i64().unwrap();
        take(&mut samples, "api_standard_retire", head.delete(app.url(&format!("/api/v1/standards/{last}"))).json(&json!({})).send().await.unwrap()).await;
    }
    // An appraisal round of the whole university's members, appraised once (issue 17).
    let t = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date().to_string();
    let body = serde_json::json!({"title": "民主评议党员", "kind": "member", "org_id": org, "weights": {"peers": 60, "leaders": 40}, "opens": t, "closes": t,
        "grades": [{"grade": "合格", "min": 60}, {"grade": "不合格", "min": 0}]});
    let round = take(&mut samples, "api_appraisal_create", office.post(app.url("/api/v1/appraisals")).json(&body).send().await.unwrap()).await["id"].as_i64().unwrap();
    let member = app.login("member").await;
    let mine = take(&mut samples, "api_appraisal_subjects", member.get(app.url(&format!("/api/v1/appraisals/{round}/subjects"))).send().await.unwrap()).await;
    if let Some(sid) = mine.as_array().and_then(|a| a.first()).and_then(|s| s["subject_id"].as_i64()) {
        take(&mut samples, "api_appraisal_subject", member.get(app.url(&format!("/api/v1/appraisals/{round}/subjects/{sid}"))).send().await.unwrap()).await;
        let r = member.post(app.url(&format!("/api/v1/appraisals/{round}/subjects/{sid}"))).json(&serde_json::json!({"values": [0]})).send().await.unwrap();
        take(&mut samples, "api_appraisal_rate", r).await;
    }
    for (op, c, path) in [
        ("api_appraisals", &office, "/api/v1/appraisals".to_string()),
        ("api_appraisal", &office, format!("/api/v1/appraisals/{round}")),
        ("api_appraisal_results", &office, format!("/api/v1/appraisals/{round}/results")),
        ("api_appraisal_branches", &office, format!("/api/v1/appraisals/{round}/branches")),
        ("api_appraisal_cases", &office, format!("/api/v1/appraisals/{round}/cases")),
        ("api_appraisal_audit", &auditor, format!("/api/v1/appraisals/{round}/audit")),
    ] {
        take(&mut samples, op, c.get(app.url(&path)).send().await.unwrap()).await;
    }
    take(&mut samples, "api_audit_anchor", auditor.post(app.url("/api/v1/audit/anchors")).json(&serde_json::json!({})).send().await.unwrap()).await;

    // Surveys and samples: a window survey built, answered by login and by slip, its results;
    // a sample drawn; paper forms.
    {
        use serde_json::json;
        let member = app.login("member").await;
        let member_number =
            take(&mut samples, "api_person", office.get(app.url(&format!("/api/v1/people/{}", app.get_json(&member, "/api/v1/me").await["person_id"]))).send().await.unwrap())
                .await["number"]
                .clone();
        let s = take(
            &mut samples,
            "api_survey_create",
            office.post(app.url("/api/v1/surveys")).json(&json!({"template": "window-satisfaction", "title": "接口"})).send().await.unwrap(),
        )
        .await;
        let id = s["id"].as_i64().unwrap();
        let at = |tail: &str| app.url(&format!("/api/v1/surveys/{id}{tail}"));
        take(
            &mut samples,
            "api_survey_questions",
            office.post(at("/questions")).json(&json!({"action": "add", "kind": "single", "text": "身份", "options": ["学生", "教工"]})).send().await.unwrap(),
        )
        .await;
        let s = take(&mut samples, "api_survey_targets", office.post(at("/targets")).json(&json!({"targets": []})).send().await.unwrap()).await;
        let window = s["targets"][0]["id"].as_i64().unwrap();
        take(&mut samples, "api_survey_audience", office.post(at("/audience")).json(&json!({"mode": "numbers", "numbers": [member_number]})).send().await.unwrap()).await;
        let l = take(&mut samples, "api_survey_links", office.post(at("/links")).json(&json!({"kind": "slips", "count": 2})).send().await.unwrap()).await;
        let slip = l["slips"][0].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        take(&mut samples, "api_survey_links", office.post(at("/links")).json(&json!({"kind": "personal"})).send().await.unwrap()).await;
        take(
            &mut samples,
            "api_survey_sample",
            office.post(at("/samples")).json(&json!({"node": unit, "owner_unit_id": unit, "size": "10%", "stratify": "college", "students_only": true})).send().await.unwrap(),
        )
        .await;
        take(&mut samples, "api_survey_open", office.post(at("/open")).json(&json!({})).send().await.unwrap()).await;
        take(&mut samples, "api_survey", office.get(at("")).send().await.unwrap()).await;
        take(&mut samples, "api_survey", member.get(at("")).send().await.unwrap()).await;
        take(&mut samples, "api_surveys", member.get(app.url("/api/v1/surveys")).send().await.unwrap()).await;
        let answers = json!({"q1": 0, "q2": 0, "q3": 1, "q4": 0, "q5": 1, "q6": 0, "q7": 0, "q8": 2, "q9": 0, "q10": "好", "q11": 1});
        take(&mut samples, "api_survey_answer", member.post(at("/responses")).json(&json!({"target": window, "answers": answers})).send().await.unwrap()).await;
        let anon = common::client(&app.url(""));
        take(&mut samples, "api_survey_link_form", anon.get(app.url(&format!("/api/v1/s/{slip}"))).send().await.unwrap()).await;
        take(&mut samples, "api_survey_link_answer", anon.post(app.url(&format!("/api/v1/s/{slip}"))).json(&json!({"target": window, "answers": answers})).send().await.unwrap())
            .await;
        take(&mut samples, "api_survey_results", office.get(at("/results")).send().await.unwrap()).await;
        take(&mut samples, "api_survey_results", office.get(at(&format!("/results?target={window}"))).send().await.unwrap()).await;
        take(&mut samples, "api_survey_recount", office.get(at("/recount")).send().await.unwrap()).await;
        take(&mut samples, "api_survey_remind", office.post(at("/remind")).json(&json!({})).send().await.unwrap()).await;
        take(&mut samples, "api_survey_close", office.post(at("/close")).json(&json!({})).send().await.unwrap()).await;
        let sample = take(
            &mut samples,
            "api_spot_check_create",
            office.post(app.url("/api/v1/samples")).json(&json!({"node": unit, "owner_unit_id": unit, "size": "1"})).send().await.unwrap(),
        )
        .await;
        let sample = sample["id"].as_i64().unwrap();
        take(&mut samples, "api_sample_commit", office.post(app.url(&format!("/api/v1/samples/{sample}/commit"))).json(&json!({"seed": "s"})).send().await.unwrap()).await;
        take(&mut samples, "api_samples", member.get(app.url("/api/v1/samples")).send().await.unwrap()).await;
        take(&mut samples, "api_sample", anon.get(app.url(&format!("/api/v1/samples/{sample}"))).send().await.unwrap()).await;
        take(&mut samples, "api_my_pseudonym", member.get(app.url("/api/v1/me/pseudonym")).send().await.unwrap()).await;
        let s = take(&mut samples, "api_survey_create", office.post(app.url("/api/v1/surveys")).json(&json!({"template": "theme-commitments"})).send().await.unwrap()).await;
        let id = s["id"].as_i64().unwrap();
        let at = |tail: &str| app.url(&format!("/api/v1/surveys/{id}{tail}"));
        office.post(at("/open")).json(&json!({})).send().await.unwrap();
        let i = take(&mut samples, "api_survey_paper_issue", office.post(at("/paper/issue")).json(&json!({"count": 2})).send().await.unwrap()).await;
        take(&mut samples, "api_survey_paper_serials", office.get(at("/paper/serials")).send().await.unwrap()).await;
        let body = json!({"serial": i["serials"][0], "answers": {"q1": 0, "q2": [0, 2], "q3": [0, 1, 0], "q4": 1, "q5": "纸"}});
        take(&mut samples, "api_survey_paper_submit", office.post(at("/paper")).json(&body).send().await.unwrap()).await;
        take(&mut samples, "api_survey_paper", office.get(at("/paper")).send().await.unwrap()).await;
    }
    // Selections: a selection started, a nomination reviewed, the ballot opened.
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date().to_string();
    let post = |c: &reqwest::Client, path: String, body: Value| c.post(app.url(&path)).json(&body).send();
    let r =
        post(&office, "/api/v1/selections".into(), serde_json::json!({"category": "study-stars", "quota": 1, "nominate_until": today, "vote_from": today, "vote_until": today}));
    let sel = take(&mut samples, "api_selection_create", r.await.unwrap()).await["id"].as_i64().unwrap();
    let number = people["items"].as_array().unwrap().iter().find(|p| p["political_status"] == "01").map(|p| p["number"].as_str().unwrap().to_string());
    take(&mut samples, "api_selection_set_quotas", post(&office, format!("/api/v1/selections/{sel}/quotas"), serde_json::json!({"quotas": []})).await.unwrap()).await;
    if let Some(number) = number {
        let r = post(&office, format!("/api/v1/selections/{sel}/nominations"), serde_json::json!({"person_number": number, "reasons": "sample"}));
        let nid = take(&mut samples, "api_selection_nominate", r.await.unwrap()).await["id"].as_i64().unwrap();
        let r = post(&office, format!("/api/v1/selections/{sel}/nominations/{nid}/review"), serde_json::json!({"decision": "eligible"}));
        take(&mut samples, "api_selection_review", r.await.unwrap()).await;
        take(&mut samples, "api_selection_open", post(&office, format!("/api/v1/selections/{sel}/open"), serde_json::json!({})).await.unwrap()).await;
    }
    for (op, path) in [
        ("api_selections", "/api/v1/selections".to_string()),
        ("api_selection", format!("/api/v1/selections/{sel}")),
        ("api_selection_nominations", format!("/api/v1/selections/{sel}/nominations")),
        ("api_selection_quotas", format!("/api/v1/selections/{sel}/quotas")),
        ("api_selection_objections", format!("/api/v1/selections/{sel}/objections")),
        ("api_selection_awards", format!("/api/v1/selections/{sel}/awards")),
        ("api_awards", "/api/v1/awards".into()),
    ] {
        take(&mut samples, op, office.get(app.url(&path)).send().await.unwrap()).await;
    }

    let dir = std::env::temp_dir();
    let n = format!("{}-{}", std::process::id(), common::rand_suffix());
    let (doc_file, samples_file) = (dir.join(format!("pacesetter-openapi-{n}.json")), dir.join(format!("pacesetter-answers-{n}.json")));
    std::fs::write(&doc_file, serde_json::to_vec(&doc).unwrap()).unwrap();
    std::fs::write(&samples_file, serde_json::to_vec(&samples).unwrap()).unwrap();
    let out = Command::new("python3").arg("-c").arg(CONFORM).arg(&doc_file).arg(&samples_file).output().expect("run python3");
    let _ = (std::fs::remove_file(&doc_file), std::fs::remove_file(&samples_file));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "answers that do not match the document:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("{}", stdout.lines().last().unwrap_or_default());
}
