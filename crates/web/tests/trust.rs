//! Trust (issue 16), through HTTP on SQLite and PostgreSQL alike: nobody takes over an account
//! by pulling its person into their reach; writes that name two records check the caller's
//! reach to both; the offices' accounts change only with both offices; small groups of
//! anonymous answers are never shown, exported or recoverable; an outsider recounts every
//! published result from what the auditor downloads.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};

/// The last id of a reach's path, such as 55 of "/1/49/55/".
fn last_id(path: &str) -> i64 {
    path.trim_end_matches('/').rsplit('/').next().unwrap().parse().unwrap()
}

/// The node a user reaches with write access in a tree ("org" or "unit").
async fn reach(app: &TestApp, user: &str, kind: &str) -> i64 {
    let c = app.login(user).await;
    let me = app.get_json(&c, "/api/v1/me").await;
    let r = me["reaches"].as_array().unwrap().iter().find(|r| r["kind"] == kind && r["access"] == "write").unwrap_or_else(|| panic!("{user} has no {kind} reach: {me}"));
    last_id(r["target"].as_str().unwrap())
}

async fn person_of(app: &TestApp, user: &str) -> i64 {
    let c = app.login(user).await;
    app.get_json(&c, "/api/v1/me").await["person_id"].as_i64().unwrap()
}

async fn send(c: &Client, app: &TestApp, method: reqwest::Method, path: &str, body: Value) -> (u16, String) {
    let r = c.request(method, app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn post_json(app: &TestApp, c: &Client, path: &str, body: Value) -> (u16, String) {
    send(c, app, reqwest::Method::POST, path, body).await
}

async fn form(app: &TestApp, c: &Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app.post_form(c, path, fields).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn audit_actions(app: &TestApp, prefix: &str) -> Vec<Value> {
    let auditor = app.login("auditor").await;
    let page = app.get_json(&auditor, &format!("/api/v1/audit?action={prefix}&per_page=200")).await;
    page["items"].as_array().unwrap().clone()
}

both!(
    a_secretary_cannot_pull_someone_outside_their_reach_into_their_branch,
    an_active_account_is_reset_only_by_mail_or_the_administrator,
    a_number_and_email_change_only_through_the_administrator_once_there_is_an_account,
    linking_a_unit_to_an_organization_needs_reach_to_the_unit,
    leaving_is_recorded_only_by_one_who_reaches_every_place_held,
    only_a_secretary_of_the_organization_or_above_delegates_in_it,
    redirects_after_login_and_language_switch_stay_on_this_site,
    csv_cells_with_semicolons_or_tabs_are_quoted,
    a_failed_login_dated_in_the_future_blocks_no_longer_than_its_delay,
    common_repeated_and_university_passwords_are_refused,
    a_server_without_the_demo_refuses_to_start_while_demo_accounts_are_enabled,
    a_target_under_five_shows_and_exports_nothing_nor_can_it_be_subtracted,
    a_response_carries_nothing_that_joins_it_to_who_took_part,
    open_results_are_aggregates_for_invitees_and_raw_rows_stay_with_the_owner,
    an_audience_stays_within_the_owners_reach_and_links_go_to_the_invitee,
    the_satisfaction_rate_counts_each_response_once,
    a_survey_has_one_sampled_audience,
    a_small_tally_is_never_shown_beside_who_voted_and_a_count_freezes_its_appraisal,
    the_offices_and_the_auditors_accounts_change_only_with_both_offices,
    an_anchor_finds_entries_cut_off_the_end_of_the_audit_chain,
);

/// The review's takeover: a branch secretary added the office's own person to their branch
/// through the API, then issued an activation code for the account. Both paths refuse it now,
/// for a unit head too, and for a person without an account; nothing changes.
async fn a_secretary_cannot_pull_someone_outside_their_reach_into_their_branch(app: TestApp) {
    let branch = reach(&app, "branchsec", "org").await;
    let office_person = person_of(&app, "office").await;
    let bs = app.login("branchsec").await;
    // The API and the page, each as the review found them.
    let (status, body) = post_json(&app, &bs, &format!("/api/v1/people/{office_person}/memberships"), json!({"tree": "org", "node_id": branch, "role": "member"})).await;
    assert!(status == 404 || status == 403, "API: {status} {body}");
    assert!(!body.contains("\"access\""), "{body}");
    let (status, _) = form(&app, &bs, &format!("/people/{office_person}/memberships"), &[("tree", "org"), ("org_id", &branch.to_string()), ("post", "member")]).await;
    assert!(status == 404 || status == 403, "page: {status}");
    // Still out of reach: no record, no activation code.
    assert_eq!(bs.get(app.url(&format!("/api/v1/people/{office_person}"))).send().await.unwrap().status(), 404);
    let (status, body) = post_json(&app, &bs, &format!("/api/v1/people/{office_person}/activation"), json!({})).await;
    assert_eq!(status, 404, "{body}");
    // The office's memberships are as they were.
    let office = app.login("office").await;
    let rec = app.get_json(&office, &format!("/api/v1/people/{office_person}")).await;
    assert!(rec["memberships"].as_array().unwrap().iter().all(|m| m["node_id"] != branch), "{rec}");

    // A unit head cannot pull a student of another college into the library either.
    let library = reach(&app, "unithead", "unit").await;
    let other = person_of(&app, "branchsec2").await;
    let uh = app.login("unithead").await;
    let (status, body) = post_json(&app, &uh, &format!("/api/v1/people/{other}/memberships"), json!({"tree": "unit", "node_id": library})).await;
    assert!(status == 404 || status == 403, "unit head: {status} {body}");

    // A person without an account, outside the branch secretary's reach (a member of the other
    // college's branch): not added, and no account comes of it.
    let branch2 = reach(&app, "branchsec2", "org").await;
    let people = app.get_json(&office, &format!("/api/v1/people?org_id={branch2}&per_page=200")).await;
    let accounts = app.get_json(&app.login("admin").await, "/api/v1/accounts?per_page=200").await;
    let with_account: Vec<i64> = accounts["items"].as_array().unwrap().iter().filter_map(|a| a["person_id"].as_i64()).collect();
    let stranger = people["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).find(|p| !with_account.contains(p)).expect("someone without an account");
    let (status, _) = post_json(&app, &bs, &format!("/api/v1/people/{stranger}/memberships"), json!({"tree": "org", "node_id": branch})).await;
    assert!(status == 404 || status == 403);
    let (status, _) = post_json(&app, &bs, &format!("/api/v1/people/{stranger}/activation"), json!({})).await;
    assert_eq!(status, 404);
    let accounts = app.get_json(&app.login("admin").await, "/api/v1/accounts?per_page=200").await;
    assert!(accounts["items"].as_array().unwrap().iter().all(|a| a["person_id"].as_i64() != Some(stranger)));

    // The level above both moves them: the office adds the stranger to the branch.
    let (status, body) = post_json(&app, &office, &format!("/api/v1/people/{stranger}/memberships"), json!({"tree": "org", "node_id": branch})).await;
    assert_eq!(status, 200, "{body}");
}

/// A code shown to a secretary is a password. Once the holder has set their own, a secretary
/// may only have a new code mailed to the holder's address on record; the administrator may
/// reset; the offices' and leaders' accounts are never shown a code by anyone.
async fn an_active_account_is_reset_only_by_mail_or_the_administrator(app: TestApp) {
    let member = person_of(&app, "member").await;
    let orgsec = app.login("orgsec").await;
    // The member's account is in use (the demo accounts are active).
    let (status, body) = post_json(&app, &orgsec, &format!("/api/v1/people/{member}/activation"), json!({})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("邮箱") || body.contains("e-mail"), "{body}");
    let (status, _) = form(&app, &orgsec, &format!("/people/{member}/activation"), &[]).await;
    assert_eq!(status, 403);
    // The member still logs in with their password, and no code is pending.
    app.login("member").await;
    // The administrator may.
    let admin = app.login("admin").await;
    let (status, body) = post_json(&app, &admin, &format!("/api/v1/people/{member}/activation"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    // Not even the administrator is shown a code for the office's or a leader's account.
    for user in ["office", "leader"] {
        let p = person_of(&app, user).await;
        let (status, body) = post_json(&app, &admin, &format!("/api/v1/people/{p}/activation"), json!({})).await;
        assert_eq!(status, 403, "{user}: {body}");
    }
    // A person in reach without an account is activated as before (the designed first login).
    let branch = reach(&app, "branchsec", "org").await;
    let bs = app.login("branchsec").await;
    let (status, body) =
        post_json(&app, &bs, "/api/v1/people", json!({"name": "新同学", "kind": "student", "number": "T16000001", "political_status": "03", "org_id": branch})).await;
    assert_eq!(status, 200, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"].as_i64().unwrap();
    let (status, body) = post_json(&app, &bs, &format!("/api/v1/people/{id}/activation"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(serde_json::from_str::<Value>(&body).unwrap()["code"].is_string());
}

/// Whoever changes a person's e-mail receives their reset codes: once the person has an
/// account, their number and e-mail change through the administrator only, audited.
async fn a_number_and_email_change_only_through_the_administrator_once_there_is_an_account(app: TestApp) {
    let member = person_of(&app, "member").await;
    let orgsec = app.login("orgsec").await;
    let before = app.get_json(&orgsec, &format!("/api/v1/people/{member}")).await;
    for change in [json!({"email": "attacker@example.com"}), json!({"number": "X99999999"})] {
        let (status, body) = send(&orgsec, &app, reqwest::Method::PATCH, &format!("/api/v1/people/{member}"), change.clone()).await;
        assert_eq!(status, 403, "{change}: {body}");
    }
    // Other fields still change, and the page keeps what was typed with the message.
    let (status, body) = send(&orgsec, &app, reqwest::Method::PATCH, &format!("/api/v1/people/{member}"), json!({"phone": "13800000000"})).await;
    assert_eq!(status, 200, "{body}");
    let after = app.get_json(&orgsec, &format!("/api/v1/people/{member}")).await;
    assert_eq!(after["email"], before["email"]);
    assert_eq!(after["number"], before["number"]);
    let (status, page) = form(
        &app,
        &orgsec,
        &format!("/people/{member}"),
        &[
            ("name", before["name"].as_str().unwrap()),
            ("kind", before["kind"].as_str().unwrap()),
            ("number", before["number"].as_str().unwrap()),
            ("political_status", before["political_status"].as_str().unwrap()),
            ("email", "attacker@example.com"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert!(page.contains("系统管理员") && page.contains("attacker@example.com"), "the form comes back with the message and the input");
    // The administrator may, and it is audited.
    let admin = app.login("admin").await;
    let (status, body) = send(&admin, &app, reqwest::Method::PATCH, &format!("/api/v1/people/{member}"), json!({"email": "member.new@example.edu.cn"})).await;
    assert_eq!(status, 200, "{body}");
    let entries = audit_actions(&app, "person.update").await;
    assert!(entries.iter().any(|e| e["actor"] == "admin" && e["after"].as_str().unwrap_or("").contains("member.new@example.edu.cn")), "{entries:?}");
}

/// Linking a unit to an organization puts the unit's people in its secretaries' reach: a branch
/// secretary linking their branch to the office's own unit was the review's second takeover.
async fn linking_a_unit_to_an_organization_needs_reach_to_the_unit(app: TestApp) {
    let branch = reach(&app, "branchsec", "org").await;
    let office = app.login("office").await;
    let units = app.get_json(&office, "/api/v1/units").await;
    let zzb = units.as_array().unwrap().iter().find(|u| u["name"] == "党委组织部").expect("the organization department")["id"].as_i64().unwrap();
    let bs = app.login("branchsec").await;
    let (status, body) = send(&bs, &app, reqwest::Method::PATCH, &format!("/api/v1/orgs/{branch}"), json!({"linked_unit_id": zzb})).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = post_json(&app, &bs, &format!("/api/v1/orgs/{branch}/children"), json!({"kind": "group", "name": "第九党小组", "linked_unit_id": zzb})).await;
    assert_eq!(status, 403, "{body}");
    // No reach came of it.
    let office_person = person_of(&app, "office").await;
    assert_eq!(bs.get(app.url(&format!("/api/v1/people/{office_person}"))).send().await.unwrap().status(), 404);
    // A rename still works.
    let (status, body) = send(&bs, &app, reqwest::Method::PATCH, &format!("/api/v1/orgs/{branch}"), json!({"name": "改名后的党支部"})).await;
    assert_eq!(status, 200, "{body}");
}

/// Leaving ends every membership and relation: a branch secretary cannot end a post that
/// another level gave (the member's place in an office outside the branch's college).
async fn leaving_is_recorded_only_by_one_who_reaches_every_place_held(app: TestApp) {
    let member = person_of(&app, "member").await;
    let office = app.login("office").await;
    let units = app.get_json(&office, "/api/v1/units").await;
    let library = units.as_array().unwrap().iter().find(|u| u["name"] == "图书馆").expect("the library")["id"].as_i64().unwrap();
    let (status, body) = post_json(&app, &office, &format!("/api/v1/people/{member}/memberships"), json!({"tree": "unit", "node_id": library, "role": "馆员"})).await;
    assert_eq!(status, 200, "{body}");
    let bs = app.login("branchsec").await;
    let (status, body) = post_json(&app, &bs, &format!("/api/v1/people/{member}/leave"), json!({"date": "2012-06-30", "reason": "毕业"})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("图书馆"), "{body}");
    let rec = app.get_json(&office, &format!("/api/v1/people/{member}")).await;
    assert!(rec["left_on"].is_null());
    assert!(rec["memberships"].as_array().unwrap().iter().all(|m| m["end_date"].is_null()), "nothing ended: {rec}");
    // The office reaches both and records it.
    let (status, body) = post_json(&app, &office, &format!("/api/v1/people/{member}/leave"), json!({"date": "2012-06-30", "reason": "毕业"})).await;
    assert_eq!(status, 200, "{body}");
}

/// A delegate of one branch who is the secretary of another cannot delegate in the first: a
/// secretaryship counts only for its own organization and those below it.
async fn only_a_secretary_of_the_organization_or_above_delegates_in_it(app: TestApp) {
    let branch = reach(&app, "branchsec", "org").await;
    let branch2 = reach(&app, "branchsec2", "org").await;
    let admin = app.login("admin").await;
    let account_of = async |name: &str| -> i64 {
        let page = app.get_json(&admin, &format!("/api/v1/accounts?q={name}")).await;
        page["items"].as_array().unwrap().iter().find(|a| a["username"] == name).unwrap()["id"].as_i64().unwrap()
    };
    let member_account = account_of("member").await;
    let bs_account = account_of("branchsec").await;
    // The member (of branch 1) is made secretary of branch 2 as well, then branch 1's secretary
    // delegates to them: they now write in branch 1 and hold a secretaryship, elsewhere.
    let (status, body) = post_json(&app, &admin, &format!("/api/v1/accounts/{member_account}/grants"), json!({"role": "branch_secretary", "org_id": branch2})).await;
    assert_eq!(status, 200, "{body}");
    let bs = app.login("branchsec").await;
    let soon = |days: i64| (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string();
    let (status, body) = post_json(&app, &bs, &format!("/api/v1/orgs/{branch}/delegations"), json!({"account_id": member_account, "end_date": soon(30)})).await;
    assert_eq!(status, 200, "{body}");
    let m = app.login("member").await;
    let end = soon(10);
    let (status, body) = post_json(&app, &m, &format!("/api/v1/orgs/{branch}/delegations"), json!({"account_id": bs_account, "end_date": end})).await;
    assert_eq!(status, 403, "{body}");
    // In branch 2, where they are secretary, they may.
    let (status, body) = post_json(&app, &m, &format!("/api/v1/orgs/{branch2}/delegations"), json!({"account_id": account_of("branchsec2").await, "end_date": end})).await;
    assert_eq!(status, 200, "{body}");
}

/// `next=/%09/evil.example` arrives as "/\t/evil.example", which browsers read as another site;
/// `next=/\n/x` gave a 500 after the session was made. Both fall back to the home page.
async fn redirects_after_login_and_language_switch_stay_on_this_site(app: TestApp) {
    for next in ["/\t/evil.example", "/\n/x", "/\r\n/x", "//evil.example", "/\\evil.example", "https://evil.example/"] {
        let c = common::client(&app.base);
        let token = app.csrf(&c, "/login").await;
        let r = c
            .post(app.url("/login"))
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string([("_csrf", token.as_str()), ("username", "member"), ("password", common::PASSWORD), ("next", next)]).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], "/home", "{next:?}");
        let token = app.csrf(&c, "/home").await;
        let r = c
            .post(app.url("/lang"))
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string([("_csrf", token.as_str()), ("lang", "en"), ("next", next)]).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], "/home", "{next:?}");
    }
    // A path of this site still works.
    let c = common::client(&app.base);
    let token = app.csrf(&c, "/login").await;
    let r = c
        .post(app.url("/login"))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("_csrf", token.as_str()), ("username", "member"), ("password", common::PASSWORD), ("next", "/surveys?x=1")]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/surveys?x=1");
}

/// A spreadsheet in a locale that splits CSV on semicolons would start a cell (and a formula)
/// after one: such cells are quoted.
async fn csv_cells_with_semicolons_or_tabs_are_quoted(app: TestApp) {
    let branch = reach(&app, "branchsec", "org").await;
    let bs = app.login("branchsec").await;
    let (status, body) =
        post_json(&app, &bs, "/api/v1/people", json!({"name": "王;=1+1", "kind": "student", "number": "T16000002", "political_status": "03", "org_id": branch})).await;
    assert_eq!(status, 200, "{body}");
    let csv = bs.get(app.url("/people/export.csv?q=T16000002")).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("\"王;=1+1\""), "{csv}");
    assert!(!csv.contains(",王;=1+1,"), "{csv}");
}

/// A failure stored with a time ahead of the clock (the clock was set back) blocked every login
/// from that address for a day; it now counts as a failure made now.
async fn a_failed_login_dated_in_the_future_blocks_no_longer_than_its_delay(app: TestApp) {
    let day = 24 * 3600 * 1000_i64;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    app.age(&format!("INSERT INTO login_throttle (key, failures, last_ms) VALUES ('ip:127.0.0.1', 5, {})", now + day)).await;
    app.age(&format!("INSERT INTO login_throttle (key, failures, last_ms) VALUES ('pair:student|127.0.0.1', 2, {})", now + day)).await;
    // Five failures from the address and two for the pair are under both free allowances.
    app.login("student").await;
}

/// Common passwords (Chinese patterns included), repeated characters, spaces only, and the
/// university's name in pinyin with digits are refused with a message.
async fn common_repeated_and_university_passwords_are_refused(app: TestApp) {
    let c = app.login("teacher").await;
    for new in ["woaini1314", "123456qq", "          ", "aaaaaaaaaaaa", "qwertyuiop", "changshaligong2012", "Csust@20120315"] {
        let r = c.post(app.url("/api/v1/me/password")).json(&json!({"current": common::PASSWORD, "new": new})).send().await.unwrap();
        assert_eq!(r.status(), 422, "{new:?}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["fields"][0]["field"], "new", "{new:?}: {v}");
    }
    let r = c.post(app.url("/api/v1/me/password")).json(&json!({"current": common::PASSWORD, "new": "湘江边的晚霞与朗朗读书声"})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    // The administrator's temporary passwords follow the same rule.
    let admin = app.login("admin").await;
    let acct = app.get_json(&admin, "/api/v1/accounts?q=student").await["items"][0]["id"].as_i64().unwrap();
    let r = admin.post(app.url(&format!("/api/v1/accounts/{acct}/password"))).json(&json!({"password": "password2012"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
}

/// A restored demo database started without the demo would let anyone in with the printed demo
/// password: the server refuses to start, or disables the demo accounts when told to.
async fn a_server_without_the_demo_refuses_to_start_while_demo_accounts_are_enabled(app: TestApp) {
    let dir = pacesetter_store::testkit::TempDir::new();
    let mut config = pacesetter_web::Config::new("127.0.0.1:0", dir.path.clone());
    config.database_url = Some(app.db_url.clone());
    config.load_demo = false;
    let err = pacesetter_web::Application::build(config.clone()).await.err().expect("refused");
    assert!(err.contains("demo") && err.contains("office"), "{err}");
    // The demo accounts still log in on the demo server meanwhile.
    app.login("office").await;
    config.disable_demo_accounts = true;
    let second = pacesetter_web::Application::build(config).await.expect("starts, the demo accounts disabled");
    let base = format!("http://{}", second.spawn());
    let c = common::client(&base);
    let r = c.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": "office", "password": common::PASSWORD})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let store = pacesetter_store::Store::open(&app.db_url, &pacesetter_store::OpenOptions::default()).await.unwrap();
    let mut c = store.read().await.unwrap();
    let n = c.fetch_i64(pacesetter_store::Sql::new("SELECT COUNT(*) FROM audit_log WHERE action = 'account.disable'")).await.unwrap();
    assert_eq!(n, 13, "one audit entry per demo account");
    drop(c);
    store.close().await;
}

fn first_id(html: &str, prefix: &str) -> i64 {
    let i = html.find(prefix).unwrap_or_else(|| panic!("{prefix} in the page")) + prefix.len();
    html[i..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

/// A survey of the office from a plan template; its id.
async fn office_survey(app: &TestApp, template: &str) -> i64 {
    let office = app.login("office").await;
    let (status, body) = form(app, &office, "/surveys", &[("template", template), ("owner", "office")]).await;
    assert_eq!(status, 303, "{body}");
    first_id(&office.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap(), "href=\"/surveys/")
}

/// `n` printed slips of a survey (the office's CSV, tied to nobody).
async fn slips(app: &TestApp, id: i64, n: usize) -> Vec<String> {
    let office = app.login("office").await;
    let r = app.post_form(&office, &format!("/surveys/{id}/links"), &[("kind", "slips"), ("count", &n.to_string())]).await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap().lines().skip(1).map(|l| l.rsplit("/s/").next().unwrap().trim().trim_matches('"').to_string()).collect()
}

/// The window questionnaire's answers: every rating "satisfied" but the overall one (q9).
fn window_answers(q9: u8, comment: &str) -> Value {
    let mut a = json!({"q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": 0, "q6": 0, "q7": 0, "q8": 0, "q9": q9});
    if !comment.is_empty() {
        a["q10"] = json!(comment);
    }
    a
}

/// The library's windows (the unit head's unit).
async fn library_windows(app: &TestApp) -> Vec<(i64, String)> {
    let office = app.login("office").await;
    let library = reach(app, "unithead", "unit").await;
    let lib = app.get_json(&office, &format!("/api/v1/units/{library}")).await;
    lib["children"].as_array().unwrap().iter().filter(|n| n["kind"] == "window").map(|n| (n["id"].as_i64().unwrap(), n["name"].as_str().unwrap().to_string())).collect()
}

/// The review's export leak: a window with one response was exported with its answers and free
/// text, and the page showed the free texts of a target under 5. Now a target under 5 shows
/// nothing, exports nothing, and no total contains it (the total minus the shown targets would
/// give it away); several small targets that together reach 5 show as one line.
async fn a_target_under_five_shows_and_exports_nothing_nor_can_it_be_subtracted(app: TestApp) {
    let windows = library_windows(&app).await;
    assert!(windows.len() >= 3, "the library has windows: {windows:?}");
    let (a, b, w3) = (windows[0].0, windows[1].0, windows[2].0);
    let id = office_survey(&app, "window-satisfaction").await;
    let office = app.login("office").await;
    assert_eq!(form(&app, &office, &format!("/surveys/{id}/targets"), &[]).await.0, 303);
    assert_eq!(form(&app, &office, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await.0, 303);
    let tokens = slips(&app, id, 16).await;
    let anon = common::client(&app.base);
    let answer = async |token: &str, target: i64, q9: u8, comment: &str| {
        let r = anon.post(app.url(&format!("/api/v1/s/{token}"))).json(&json!({"target": target, "answers": window_answers(q9, comment)})).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    };
    // Window A: six responses, five satisfied and one not. Window B: one, dissatisfied, with a text.
    for (i, q9) in [0u8, 0, 0, 0, 0, 2].into_iter().enumerate() {
        answer(&tokens[i], a, q9, "甲窗口服务很好").await;
    }
    answer(&tokens[6], b, 2, "乙窗口的秘密意见").await;
    let results = office.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap().text().await.unwrap();
    assert!(!results.contains("乙窗口的秘密意见"), "no free text of a target under 5");
    assert!(results.contains("甲窗口服务很好"));
    // The total is window A's alone: 5 of 6 = 83.33%, not 5 of 7.
    assert!(results.contains(r#"<div class="stat">6</div><div class="muted">有效答卷</div>"#), "the total leaves B out");
    assert!(results.contains("83.33%") && !results.contains("71.43%"), "the rate leaves B out");
    let one = office.get(app.url(&format!("/surveys/{id}/results?target={b}"))).send().await.unwrap().text().await.unwrap();
    assert!(one.contains("答卷不足 5 份") && !one.contains("乙窗口的秘密意见"));
    // Exports and the API agree.
    let raw = office.get(app.url(&format!("/surveys/{id}/export/responses.csv"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(raw.lines().count(), 7, "a header and window A's six: {raw}");
    assert!(!raw.contains("乙窗口的秘密意见"));
    let summary = office.get(app.url(&format!("/surveys/{id}/export/summary.csv"))).send().await.unwrap().text().await.unwrap();
    assert!(summary.contains("83.33%") && !summary.contains("71.43%"), "{summary}");
    let api = app.get_json(&office, &format!("/api/v1/surveys/{id}/results")).await;
    assert_eq!(api["total"]["responses"], 6);
    assert_eq!(api["left_out"], true);
    let tb = api["targets"].as_array().unwrap().iter().find(|t| t["id"] == b).unwrap();
    assert!(tb["figures"].is_null(), "{tb}");
    // A third window with four: the small ones reach five together and show as one line,
    // counted in the total; still no text or row of either on its own.
    for token in &tokens[7..11] {
        answer(token, w3, 0, "").await;
    }
    let api = app.get_json(&office, &format!("/api/v1/surveys/{id}/results")).await;
    assert_eq!(api["others"]["responses"], 5);
    assert_eq!(api["total"]["responses"], 11);
    let results = office.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap().text().await.unwrap();
    assert!(results.contains("其余对象合计"));
    let raw = office.get(app.url(&format!("/surveys/{id}/export/responses.csv"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(raw.lines().count(), 12);
    let names: Vec<&str> = windows.iter().take(3).map(|w| w.1.as_str()).collect();
    assert!(raw.lines().filter(|l| l.contains(names[1]) || l.contains(names[2])).count() == 0, "the small windows are not named row by row");
}

/// The channel of each response was exported and backed up beside its answers, and the
/// participation audit entry named the voter with the channel: together they identified a lone
/// paper respondent. A response carries no channel now; the audit entry neither; revoking a
/// person's link answers the same whether or not they answered.
async fn a_response_carries_nothing_that_joins_it_to_who_took_part(app: TestApp) {
    let id = office_survey(&app, "theme-commitments").await;
    let office = app.login("office").await;
    // Two invitees without an account, with an e-mail address; their links go to them.
    let library = reach(&app, "unithead", "unit").await;
    for (n, mail) in [("T16000201", "a16@example.edu.cn"), ("T16000202", "b16@example.edu.cn")] {
        let (status, body) = post_json(
            &app,
            &office,
            "/api/v1/people",
            json!({"name": format!("参与者{n}"), "kind": "staff", "number": n, "political_status": "13", "unit_id": library, "email": mail}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(form(&app, &office, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", "T16000201\nT16000202")]).await.0, 303);
    assert_eq!(form(&app, &office, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await.0, 303);
    assert_eq!(form(&app, &office, &format!("/surveys/{id}/links"), &[("kind", "personal")]).await.0, 303);
    let link = app.mailed_link("a16@example.edu.cn").await.unwrap();
    let answers = json!({"q1": 0, "q3": [0, 0, 0], "q4": 0});
    let r = common::client(&app.base).post(app.url(&format!("/api/v1/s/{link}"))).json(&json!({"answers": answers})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    // Five logged-in answers, so that the survey shows figures at all.
    for user in ["member", "branchsec", "student", "teacher", "cadre"] {
        let c = app.login(user).await;
        let n = app.get_json(&office, &format!("/api/v1/people/{}", person_of(&app, user).await)).await["number"].as_str().unwrap().to_string();
        assert_eq!(form(&app, &office, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", &n)]).await.0, 303);
        let r = c.post(app.url(&format!("/api/v1/surveys/{id}/responses"))).json(&json!({"answers": answers})).send().await.unwrap();
        assert_eq!(r.status(), 201, "{user}");
    }
    // The raw export has no channel, no day and no serial; the lone link respondent is a row like the others.
    let raw = office.get(app.url(&format!("/surveys/{id}/export/responses.csv"))).send().await.unwrap().text().await.unwrap();
    let header = raw.lines().next().unwrap();
    for word in ["方式", "日期", "纸质编号"] {
        assert!(!header.contains(word), "{header}");
    }
    assert!(!raw.contains("专属链接") && !raw.contains("登录作答"));
    // The one link respondent's channel is not shown by itself (1 of 6), nor the logins beside it.
    let results = office.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap().text().await.unwrap();
    assert!(!results.contains(r#"<div class="stat">1</div><div class="muted">专属链接</div>"#), "{results}");
    assert!(!results.contains(r#"<div class="stat">5</div><div class="muted">登录作答</div>"#));
    // The audit log says who took part, never how.
    let entries = audit_actions(&app, "survey.participate").await;
    assert!(entries.len() >= 6);
    assert!(entries.iter().all(|e| !e["after"].as_str().unwrap_or("").contains("channel")), "{entries:?}");
    // Revoking the links of the one who answered and of the one who did not: the same answer.
    let mut answers_seen = Vec::new();
    for n in ["T16000201", "T16000202", "T16000299"] {
        let r = app.post_form(&office, &format!("/surveys/{id}/links/revoke"), &[("number", n)]).await;
        answers_seen.push((r.status().as_u16(), r.headers().get("location").map(|l| l.to_str().unwrap().to_string())));
    }
    assert_eq!(answers_seen[0], answers_seen[1], "answered or not, the same answer");
    assert_eq!(answers_seen[0], (303, Some(format!("/surveys/{id}?done=revoked_link"))));
    let entries = audit_actions(&app, "survey.revoke").await;
    assert!(entries.iter().all(|e| !e["after"].as_str().unwrap_or("").contains("revoked")), "the log does not count what was revoked: {entries:?}");
}

/// "Respondents may see the results" let every logged-in account download the raw responses.
/// Open results are for the invitees, as aggregates; raw rows go to the owner and the office.
async fn open_results_are_aggregates_for_invitees_and_raw_rows_stay_with_the_owner(app: TestApp) {
    let office = app.login("office").await;
    let (status, body) =
        form(&app, &office, "/surveys", &[("template", "blank"), ("owner", "office"), ("title", "公开结果测试"), ("anonymous", "yes"), ("results_public", "yes")]).await;
    assert_eq!(status, 303, "{body}");
    let id = first_id(&office.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap(), "href=\"/surveys/");
    let mut numbers = Vec::new();
    let users = ["member", "branchsec", "student", "teacher", "cadre"];
    for user in users {
        numbers.push(app.get_json(&office, &format!("/api/v1/people/{}", person_of(&app, user).await)).await["number"].as_str().unwrap().to_string());
    }
    assert_eq!(form(&app, &office, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", &numbers.join("\n"))]).await.0, 303);
    assert_eq!(form(&app, &office, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await.0, 303);
    for user in users {
        let c = app.login(user).await;
        let r = c.post(app.url(&format!("/api/v1/surveys/{id}/responses"))).json(&json!({"answers": {"q1": format!("{user}的意见")}})).send().await.unwrap();
        assert_eq!(r.status(), 201, "{user}: {}", r.text().await.unwrap());
    }
    let member = app.login("member").await;
    let page = member.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    // Free text is raw content: an invitee sees the figures, not what the others wrote.
    let page = page.text().await.unwrap();
    let api = app.get_json(&member, &format!("/api/v1/surveys/{id}/results")).await.to_string();
    for user in users {
        let said = format!("{user}的意见");
        assert!(!page.contains(&said) && !api.contains(&said), "an invitee reads {said}");
    }
    let own = app.get_json(&office, &format!("/api/v1/surveys/{id}/results")).await.to_string();
    assert!(own.contains("member的意见"), "the office reads the texts: {own}");
    assert_eq!(member.get(app.url(&format!("/surveys/{id}/export/summary.xlsx"))).send().await.unwrap().status(), 200);
    for file in ["responses.csv", "responses.xlsx"] {
        assert_eq!(member.get(app.url(&format!("/surveys/{id}/export/{file}"))).send().await.unwrap().status(), 403, "{file}");
    }
    // Someone not invited sees nothing.
    let other = app.login("branchsec2").await;
    assert_eq!(other.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.url(&format!("/surveys/{id}/export/responses.csv"))).send().await.unwrap().status(), 404);
    // The office has the rows.
    let raw = office.get(app.url(&format!("/surveys/{id}/export/responses.csv"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(raw.lines().count(), 6);
}

/// A survey's owner put people outside their reach into the audience by number, then received
/// their names, numbers, e-mail and personal links. The audience stays in the owner's reach, and
/// personal links go to each invitee, never to the owner.
async fn an_audience_stays_within_the_owners_reach_and_links_go_to_the_invitee(app: TestApp) {
    let library = reach(&app, "unithead", "unit").await;
    let head = app.login("unithead").await;
    let (status, body) = form(&app, &head, "/surveys", &[("template", "window-satisfaction"), ("owner", &library.to_string())]).await;
    assert_eq!(status, 303, "{body}");
    let id = first_id(&head.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap(), "href=\"/surveys/");
    let office = app.login("office").await;
    let stranger = app.get_json(&office, &format!("/api/v1/people/{}", person_of(&app, "branchsec2").await)).await["number"].as_str().unwrap().to_string();
    let (status, body) = form(&app, &head, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", &stranger)]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("不在您的管理范围内"));
    // A number that does not exist gets the same answer.
    let (status, body2) = form(&app, &head, &format!("/surveys/{id}/audience"), &[("mode", "numbers"), ("numbers", "NOSUCH16")]).await;
    assert_eq!(status, 422);
    assert!(body2.contains("不在您的管理范围内"));
    // A subtree out of reach neither.
    let college = reach(&app, "orgsec", "unit").await;
    // (Refused as out of reach, 403, the same whether the node exists or not: the scope test's
    // crossed case for a survey and a node.)
    let (status, body3) = form(&app, &head, &format!("/surveys/{id}/audience"), &[("mode", "unit"), ("node", &college.to_string())]).await;
    assert_eq!(status, 403);
    assert!(body3.contains("不在您的管理范围内"));
    // The library's own people are fine; their links go by mail, the page shows none.
    assert_eq!(form(&app, &head, &format!("/surveys/{id}/audience"), &[("mode", "unit"), ("node", &library.to_string())]).await.0, 303);
    let r = app.post_form(&head, &format!("/surveys/{id}/links"), &[("kind", "personal")]).await;
    assert_eq!(r.status(), 303);
    let page = head.get(app.url(r.headers()["location"].to_str().unwrap())).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("/s/"), "no personal link on the owner's page");
    assert!(page.contains("专属链接已发到"));
    // Nor does a unit's survey take the Party organizations as its targets.
    let (status, body) =
        form(&app, &head, "/surveys", &[("template", "blank"), ("owner", &library.to_string()), ("title", "支部测评"), ("target", "org"), ("anonymous", "yes")]).await;
    assert_eq!(status, 303, "{body}");
    let id = first_id(&head.get(app.url("/surveys")).send().await.unwrap().text().await.unwrap(), "href=\"/surveys/");
    let (status, _) = form(&app, &head, &format!("/surveys/{id}/targets"), &[]).await;
    assert_eq!(status, 403);
}

/// The satisfaction rate pooled the matrix items with the overall question, so one response
/// counted several times. It is the overall question's now, each response once; the items have
/// rates of their own, shown apart; the page, the export and the API agree.
async fn the_satisfaction_rate_counts_each_response_once(app: TestApp) {
    // "践行承诺" survey: q3 a matrix of three items, q4 the overall satisfaction.
    let id = office_survey(&app, "theme-commitments").await;
    let office = app.login("office").await;
    assert_eq!(form(&app, &office, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await.0, 303);
    let tokens = slips(&app, id, 5).await;
    let anon = common::client(&app.base);
    // Overall: 满意 ×2, 基本满意 ×1, 不满意 ×2: 3 of 5 = 60.00%. Items all 满意 (which pooled would
    // have given (3 + 15) / 20 = 90.00%, each response counted four times).
    for (t, q4) in tokens.iter().zip([0u8, 0, 1, 2, 2]) {
        let r = anon.post(app.url(&format!("/api/v1/s/{t}"))).json(&json!({"answers": {"q1": 0, "q3": [0, 0, 0], "q4": q4}})).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    let results = office.get(app.url(&format!("/surveys/{id}/results"))).send().await.unwrap().text().await.unwrap();
    assert!(results.contains("60.00%") && !results.contains("90.00%"), "the overall question only");
    assert!(results.contains("第 4 题（总体评价）") && results.contains("第 3 题各分项"), "the definition says so");
    assert!(results.contains("分项满意率"), "the items' own rates are shown apart");
    let summary = office.get(app.url(&format!("/surveys/{id}/export/summary.csv"))).send().await.unwrap().text().await.unwrap();
    assert!(summary.contains("60.00%") && summary.contains("2/1/2"), "{summary}");
    let api = app.get_json(&office, &format!("/api/v1/surveys/{id}/results")).await;
    assert_eq!(api["total"]["rate"], "60.00");
    assert_eq!((api["total"]["satisfied"].as_u64(), api["total"]["fairly_satisfied"].as_u64(), api["total"]["dissatisfied"].as_u64()), (Some(2), Some(1), Some(2)));
    // The stored tallies recount from the raw responses to the same.
    let recount = office.get(app.url(&format!("/surveys/{id}/results?recount=1"))).send().await.unwrap().text().await.unwrap();
    assert!(recount.contains("核算一致"));
}

/// A second sample of the same survey silently added to its audience: one draw makes it.
async fn a_survey_has_one_sampled_audience(app: TestApp) {
    let id = office_survey(&app, "window-satisfaction").await;
    let office = app.login("office").await;
    let library = reach(&app, "unithead", "unit").await;
    let draw = |size: &'static str| {
        vec![("node", library.to_string()), ("students_only", String::new()), ("size", size.to_string()), ("stratify", "none".to_string()), ("owner", library.to_string())]
    };
    let first: Vec<(&str, String)> = draw("2");
    let fields: Vec<(&str, &str)> = first.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = form(&app, &office, &format!("/surveys/{id}/samples"), &fields).await;
    assert_eq!(status, 303, "{body}");
    let (status, body) = form(&app, &office, &format!("/surveys/{id}/samples"), &fields).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("已有抽样"), "{body}");
    // The record says how a percentage rounds.
    let sample = office.get(app.url("/samples")).send().await.unwrap().text().await.unwrap();
    let sid = first_id(&sample, "href=\"/samples/");
    let page = common::client(&app.base).get(app.url(&format!("/samples/{sid}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("向上取整"));
}

fn today_cst() -> String {
    let d = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date();
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// A ballot closed with one voter of 114 showed the tally (1-1-0) beside the list of who voted,
/// which reads her ballot: below 5 the two are never shown together, to the office neither. And a
/// selection that mixes a ballot with an appraisal round closes the round with the count (a late
/// rating would make a recount disagree with the published order) and publishes the appraisal
/// scores it used in its bundle.
async fn a_small_tally_is_never_shown_beside_who_voted_and_a_count_freezes_its_appraisal(app: TestApp) {
    let office = app.login("office").await;
    let orgsec = app.login("orgsec").await;
    let t = today_cst();
    let college = reach(&app, "orgsec", "org").await;
    let c = college.to_string();
    // The appraisal of the college's branches, by the leaders, out of 100.
    let (status, body) = form(
        &app,
        &office,
        "/appraisals",
        &[
            ("title", "支部评议（冻结测试）"),
            ("kind", "organization"),
            ("org", &c),
            ("scale", "hundred"),
            ("w_masses", "0"),
            ("w_peers", "0"),
            ("w_leaders", "100"),
            ("w_own", "0"),
            ("opens", &t),
            ("closes", &t),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let rounds = office.get(app.url("/appraisals")).send().await.unwrap().text().await.unwrap();
    let round = first_id(&rounds, "href=\"/appraisals/");
    let results = app.get_json(&office, &format!("/api/v1/appraisals/{round}/results")).await;
    let subjects: Vec<(i64, String)> =
        results["results"].as_array().unwrap().iter().map(|r| (r["subject_id"].as_i64().unwrap(), r["name"].as_str().unwrap().to_string())).collect();
    let (x, xname) = subjects[0].clone();
    let (y, yname) = subjects[1].clone();
    for (sid, v) in [(x, "90"), (y, "60")] {
        let (status, body) = form(&app, &orgsec, &format!("/appraisals/{round}/subjects/{sid}"), &[("c0", v), ("comment", "评语")]).await;
        assert_eq!(status, 303, "{body}");
    }
    // The mix: 十佳学习型党组织示范点, ballot and appraisal half and half.
    let (status, location) = form(
        &app,
        &office,
        "/selections",
        &[("category", "study-demonstration-points"), ("quota", "1"), ("appraisal_round", &round.to_string()), ("nominate_until", &t), ("vote_from", &t), ("vote_until", &t)],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let list = office.get(app.url("/selections")).send().await.unwrap().text().await.unwrap();
    let id = first_id(&list, "href=\"/selections/");
    assert_eq!(form(&app, &office, &format!("/selections/{id}/quotas"), &[(&format!("q{college}"), "2")]).await.0, 303);
    let page = orgsec.get(app.url(&format!("/selections/{id}"))).send().await.unwrap().text().await.unwrap();
    let option = |name: &str| -> String {
        // Named by its full path: "college / branch".
        let i = page.find(&format!(" / {name}</option>")).or_else(|| page.find(&format!(">{name}</option>"))).unwrap_or_else(|| panic!("{name} is offered"));
        page[..i].rsplit("value=\"").next().unwrap().split('"').next().unwrap().to_string()
    };
    for o in [option(&xname), option(&yname)] {
        // The 十佳 of the study model points takes registered points only (item 6).
        let r = orgsec
            .post(app.url("/api/v1/study-points"))
            .json(&serde_json::json!({"org_id": o.parse::<i64>().unwrap(), "plan": "建设学习型支部", "milestones": format!("{t} 制定学习型党组织创建方案")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        assert_eq!(form(&app, &orgsec, &format!("/selections/{id}/nominations"), &[("by_org", &c), ("org", &o), ("reasons", "学习成效明显")]).await.0, 303);
    }
    let html = office.get(app.url(&format!("/selections/{id}"))).send().await.unwrap().text().await.unwrap();
    let mut noms: Vec<i64> = html.split("/review\"").filter_map(|s| s.rsplit("/nominations/").next()).filter_map(|s| s.parse().ok()).collect();
    noms.sort();
    noms.dedup();
    for n in &noms {
        assert_eq!(form(&app, &office, &format!("/selections/{id}/nominations/{n}/review"), &[("decision", "eligible")]).await.0, 303);
    }
    assert_eq!(form(&app, &office, &format!("/selections/{id}/open"), &[("confirmed", "1")]).await.0, 303);
    // One voter, the whole of an electorate of one (a Party vote counts only from more than half).
    app.electorate_of(id, &["member"]).await;
    let member = app.login("member").await;
    assert_eq!(app.get_json(&member, &format!("/api/v1/selections/{id}")).await["me"]["in_electorate"], true);
    assert_eq!(form(&app, &member, &format!("/selections/{id}/vote"), &[("choice", &noms[1].to_string())]).await.0, 303);
    assert_eq!(form(&app, &office, &format!("/selections/{id}/close"), &[("confirmed", "1")]).await.0, 303);
    // The office sees the figures, but not who took part beside them.
    let s = app.get_json(&office, &format!("/api/v1/selections/{id}")).await;
    assert_eq!(s["took_part"], 1);
    assert!(s["voters"].is_null(), "{s}");
    assert!(s["result"]["scores"].is_array());
    let page = office.get(app.url(&format!("/selections/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("参与投票的人员"), "no list of who took part beside a tally of one");
    assert!(page.contains("不同时显示"));
    // The appraisal round closed with the count: a late rating is refused, and the bundle has
    // the appraisal scores it counted.
    let (status, body) = form(&app, &office, &format!("/appraisals/{round}/subjects/{y}"), &[("c0", "100"), ("comment", "迟到的评分")]).await;
    assert_eq!(status, 409, "{body}");
    let bundle = app.get_json(&office, &format!("/selections/{id}/audit.json")).await;
    let scores = bundle["appraisal_scores"].as_object().unwrap();
    assert_eq!(scores.len(), 2, "{bundle}");
    assert!(scores.values().any(|v| v == "90/1") && scores.values().any(|v| v == "60/1"), "{bundle}");
    let entries = audit_actions(&app, "appraisal.close").await;
    assert!(entries.iter().any(|e| e["after"].as_str().unwrap_or("").contains(&format!("\"counted_by_selection\":{id}"))), "{entries:?}");
}

async fn account_id(app: &TestApp, username: &str) -> i64 {
    let admin = app.login("admin").await;
    let page = app.get_json(&admin, &format!("/api/v1/accounts?q={username}")).await;
    page["items"].as_array().unwrap().iter().find(|a| a["username"] == username).unwrap_or_else(|| panic!("{username}: {page}"))["id"].as_i64().unwrap()
}

/// The administrator alone could reset or disable the auditor, grant the office role or reset
/// the office's password, so one person could act as both offices. Each now takes the
/// administrator and the office together, audited, and a reset's code goes to the holder only.
async fn the_offices_and_the_auditors_accounts_change_only_with_both_offices(app: TestApp) {
    let admin = app.login("admin").await;
    let office = app.login("office").await;
    let (auditor_id, office_id, teacher_id) = (account_id(&app, "auditor").await, account_id(&app, "office").await, account_id(&app, "teacher").await);
    // Alone, the administrator can do none of it.
    for target in [auditor_id, office_id] {
        let (status, body) = post_json(&app, &admin, &format!("/api/v1/accounts/{target}/password"), json!({"password": "a-temporary-secret-9"})).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = form(&app, &admin, &format!("/accounts/{target}/disabled"), &[("disabled", "true")]).await;
        assert_eq!(status, 403);
    }
    let (status, body) = post_json(&app, &admin, &format!("/api/v1/accounts/{teacher_id}/grants"), json!({"role": "office"})).await;
    assert_eq!(status, 403, "{body}");
    let office_grant =
        app.get_json(&admin, &format!("/api/v1/accounts/{office_id}")).await["grants"].as_array().unwrap().iter().find(|g| g["role"] == "office").unwrap()["id"].as_i64().unwrap();
    let (status, _) = post_json(&app, &admin, &format!("/api/v1/grants/{office_grant}/end"), json!({})).await;
    assert_eq!(status, 403);
    app.login("auditor").await;
    app.login("office").await;

    // A reset of the auditor: the code goes to the holder's address, which the holder records.
    let (status, body) = post_json(&app, &admin, &format!("/api/v1/accounts/{auditor_id}/requests"), json!({"action": "reset_password"})).await;
    assert_eq!(status, 409, "no address on record yet: {body}");
    let auditor = app.login("auditor").await;
    let (status, _) = send(&auditor, &app, reqwest::Method::PUT, "/api/v1/me/email", json!({"email": "auditor@example.edu.cn", "password": "wrong"})).await;
    assert_eq!(status, 422);
    let (status, body) = send(&auditor, &app, reqwest::Method::PUT, "/api/v1/me/email", json!({"email": "auditor@example.edu.cn", "password": common::PASSWORD})).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = post_json(&app, &admin, &format!("/api/v1/accounts/{auditor_id}/requests"), json!({"action": "reset_password"})).await;
    assert_eq!(status, 200, "{body}");
    let req = serde_json::from_str::<Value>(&body).unwrap()["id"].as_i64().unwrap();
    let (status, _) = post_json(&app, &admin, &format!("/api/v1/account-requests/{req}/decide"), json!({"approve": true})).await;
    assert_eq!(status, 403, "the one who asked does not approve");
    let (status, body) = post_json(&app, &office, &format!("/api/v1/account-requests/{req}/decide"), json!({"approve": true})).await;
    assert_eq!(status, 204, "{body}");
    assert!(body.is_empty(), "no code in the answer to the office");
    let mail = app.mailbox("auditor@example.edu.cn").await;
    let body = mail.last().expect("the code is mailed to the auditor");
    let code: String = body.split("一次性验证码：").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    let c = common::client(&app.base);
    let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "auditor", "password": code})).send().await.unwrap();
    assert_eq!(r.status(), 200, "the holder logs in with the mailed code");
    assert_eq!(r.json::<Value>().await.unwrap()["username"], "auditor");

    // The office's role for the teacher: the office asks, the administrator approves.
    let (status, body) = post_json(&app, &office, &format!("/api/v1/accounts/{teacher_id}/requests"), json!({"action": "grant_office"})).await;
    assert_eq!(status, 200, "{body}");
    let req = serde_json::from_str::<Value>(&body).unwrap()["id"].as_i64().unwrap();
    let (status, _) = post_json(&app, &office, &format!("/api/v1/account-requests/{req}/decide"), json!({"approve": true})).await;
    assert_eq!(status, 403);
    assert_eq!(post_json(&app, &admin, &format!("/api/v1/account-requests/{req}/decide"), json!({"approve": true})).await.0, 204);
    let t = app.get_json(&admin, &format!("/api/v1/accounts/{teacher_id}")).await;
    let grant = t["grants"].as_array().unwrap().iter().find(|g| g["role"] == "office" && g["end_date"].is_null()).expect("the teacher holds the office role").clone();
    // Ending it takes both too.
    let (status, body) = post_json(&app, &admin, &format!("/api/v1/accounts/{teacher_id}/requests"), json!({"action": "end_grant", "grant_id": grant["id"]})).await;
    assert_eq!(status, 200, "{body}");
    let req = serde_json::from_str::<Value>(&body).unwrap()["id"].as_i64().unwrap();
    assert_eq!(post_json(&app, &office, &format!("/api/v1/account-requests/{req}/decide"), json!({"approve": true})).await.0, 204);
    let t = app.get_json(&admin, &format!("/api/v1/accounts/{teacher_id}")).await;
    assert!(t["grants"].as_array().unwrap().iter().all(|g| g["role"] != "office" || !g["end_date"].is_null()), "{t}");
    // Disabling the auditor: the office asks, the administrator approves; the auditor is out.
    let (status, body) = post_json(&app, &office, &format!("/api/v1/accounts/{auditor_id}/requests"), json!({"action": "disable"})).await;
    assert_eq!(status, 200, "{body}");
    let req = serde_json::from_str::<Value>(&body).unwrap()["id"].as_i64().unwrap();
    assert_eq!(post_json(&app, &admin, &format!("/api/v1/account-requests/{req}/decide"), json!({"approve": true})).await.0, 204);
    let r = common::client(&app.base).post(app.url("/api/v1/auth/login")).json(&json!({"username": "auditor", "password": common::PASSWORD})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // Nobody asks about their own account; the page offers the requests, not the direct buttons.
    let (status, _) = post_json(&app, &office, &format!("/api/v1/accounts/{office_id}/requests"), json!({"action": "disable"})).await;
    assert_eq!(status, 403);
    let page = admin.get(app.url(&format!("/accounts/{office_id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("须两方共同办理的事项") && !page.contains("action=\"/accounts/{office_id}/password\""), "{page}");
    // Everything is in the log, with both names.
    let mut c = pacesetter_store::Store::open(&app.db_url, &pacesetter_store::OpenOptions::default()).await.unwrap().read().await.unwrap();
    let approved: Vec<(String,)> = c.fetch_all(pacesetter_store::Sql::new("SELECT actor FROM audit_log WHERE action = 'account_request.approved' ORDER BY seq")).await.unwrap();
    assert_eq!(approved.iter().map(|a| a.0.as_str()).collect::<Vec<_>>(), ["office", "admin", "office", "admin"]);
}

/// `audit verify` did not notice entries cut off the end of the chain: an anchor the auditor
/// recorded (and downloaded) does.
async fn an_anchor_finds_entries_cut_off_the_end_of_the_audit_chain(app: TestApp) {
    let auditor = app.login("auditor").await;
    let (status, body) = post_json(&app, &auditor, "/api/v1/audit/anchors", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let anchor: Value = serde_json::from_str(&body).unwrap();
    let seq = anchor["seq"].as_i64().unwrap();
    assert_eq!(app.get_json(&auditor, "/api/v1/audit/verify").await["ok"], true);
    let page = auditor.get(app.url("/audit")).send().await.unwrap().text().await.unwrap();
    let id = anchor["id"].as_i64().unwrap();
    assert!(page.contains(anchor["hash"].as_str().unwrap()));
    let file = auditor.get(app.url(&format!("/audit/anchors/{id}.txt"))).send().await.unwrap().text().await.unwrap();
    assert!(file.contains(&format!("seq: {seq}")) && file.contains(anchor["hash"].as_str().unwrap()), "{file}");
    // The administrator cannot record one, nor read the log.
    let admin = app.login("admin").await;
    assert_eq!(post_json(&app, &admin, "/api/v1/audit/anchors", json!({})).await.0, 403);
    // Someone with the database removes the triggers and the anchored entry onward.
    if app.backend == common::Backend::Sqlite {
        app.age("DROP TRIGGER audit_log_no_delete").await;
    } else {
        app.age("DROP TRIGGER audit_log_no_change ON audit_log").await;
    }
    app.age(&format!("DELETE FROM audit_log WHERE seq >= {seq}")).await;
    let v = app.get_json(&auditor, "/api/v1/audit/verify").await;
    assert_eq!(v["ok"], false, "{v}");
    assert!(v["problem"].as_str().unwrap().contains("cut off its end"), "{v}");
    let page = auditor.get(app.url("/audit")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("日志够不到最近一次记录的锚点"), "the auditor's page warns");
}
