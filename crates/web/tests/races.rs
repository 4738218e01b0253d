//! Conflicting decisions taken at the same moment, on SQLite and PostgreSQL alike (issue 17).
//! SQLite serialises writers; PostgreSQL runs them side by side in READ COMMITTED, where a state
//! read in Rust may be gone by the time the UPDATE runs. Each race here fires the two decisions
//! at once and checks that exactly one wins, the other is told so (409), the record ends in the
//! winner's state and the audit log holds the winner's entry only: two reviewers on one task,
//! two on one commitment (ten of them on one task at once, whose state must follow them), and a
//! survey closed while two hundred answers arrive through single-use links.

mod common;

use common::TestApp;
use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

both!(
    two_reviewers_deciding_one_task_at_once_leave_one_decision,
    approving_and_returning_one_commitment_at_once_leaves_one_decision,
    a_survey_closed_while_answers_arrive_keeps_every_acknowledged_answer,
);

/// Every audit entry of a filter, oldest first (the API gives at most 200 a page).
async fn audit(app: &TestApp, auditor: &Client, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let v = app.get_json(auditor, &format!("/api/v1/audit?{query}&per_page=200&page={page}")).await;
        let items = v["items"].as_array().unwrap();
        out.extend(items.iter().cloned());
        if items.is_empty() || out.len() as i64 >= v["total"].as_i64().unwrap() {
            break;
        }
    }
    out.sort_by_key(|e| e["seq"].as_i64().unwrap());
    out
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries.iter().map(|e| e["action"].as_str().unwrap()).collect()
}

/// `n` tasks of organizations and units, open until now, handed in by the office (which may act
/// for any owner) with a document and a text, so that whatever they ask for but a number or a
/// checklist is there.
async fn fresh_submissions(app: &TestApp, office: &Client, n: usize) -> Vec<i64> {
    let campaigns = app.get_json(office, "/api/v1/campaigns").await;
    let campaign = campaigns.as_array().unwrap().iter().find(|c| c["code"] == "2012-csust").expect("the demo loads the 2012 plan")["id"].as_i64().unwrap();
    let open = app.get_json(office, &format!("/api/v1/tasks?campaign={campaign}&state=open")).await;
    let token = app.csrf(office, "/home").await;
    let mut out = Vec::new();
    for t in open.as_array().unwrap().iter().filter(|t| t["person_id"].is_null() && t["can_submit"] == true) {
        let id = t["id"].as_i64().unwrap();
        let form = reqwest::multipart::Form::new().part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4\n% race\n".to_vec()).file_name("材料.pdf")).text("body", "按要求报送");
        let r = office.post(app.url(&format!("/api/v1/tasks/{id}/submit"))).header("x-csrf-token", token.as_str()).multipart(form).send().await.unwrap();
        match r.status().as_u16() {
            200 => out.push(id),
            422 => continue,
            s => panic!("submitting task {id}: {s} {}", r.text().await.unwrap()),
        }
        if out.len() == n {
            return out;
        }
    }
    panic!("only {} tasks could be handed in: {open}", out.len());
}

/// Two office sessions, one accepting and one returning each of ten submitted tasks, both sent at
/// once (a fresh task each round).
async fn two_reviewers_deciding_one_task_at_once_leave_one_decision(app: TestApp) {
    let first = app.login("office").await;
    let second = app.login("office").await;
    let auditor = app.login("auditor").await;
    let tasks = fresh_submissions(&app, &first, 10).await;
    let (mut wins, mut guarded) = ([0usize; 2], 0);
    for (round, task) in tasks.iter().enumerate() {
        // Who accepts and who returns alternates, so neither session is always first in line.
        let (acceptor, returner) = if round % 2 == 0 { (&first, &second) } else { (&second, &first) };
        let url = app.url(&format!("/api/v1/tasks/{task}/review"));
        let (a, r) = tokio::join!(
            acceptor.post(&url).json(&json!({"action": "accept", "comment": "同意"})).send(),
            returner.post(&url).json(&json!({"action": "return", "comment": "请补充材料"})).send(),
        );
        let (a, r) = (a.unwrap(), r.unwrap());
        let (sa, sr) = (a.status().as_u16(), r.status().as_u16());
        let (ba, br) = (a.text().await.unwrap(), r.text().await.unwrap());
        let winner = match (sa, sr) {
            (200, 409) => "accept",
            (409, 200) => "return",
            _ => panic!("task {task}: accept {sa} {ba}; return {sr} {br}: exactly one decision must win"),
        };
        wins[usize::from(winner == "return")] += 1;
        let loser = if winner == "accept" { &br } else { &ba };
        let v: Value = serde_json::from_str(loser).unwrap_or_else(|e| panic!("{e}: {loser}"));
        assert_eq!(v["error"]["code"], "conflict", "{loser}");
        // Refused by the guarded UPDATE (it read the task before the winner's commit), or by the
        // rule of states (it read it after).
        let message = v["error"]["message"].as_str().unwrap();
        if message == "该任务已被他人处理，请刷新后查看" {
            guarded += 1;
        } else {
            assert!(["该任务已通过审核，不能再更改", "尚未提交，无法审核"].contains(&message), "{loser}");
        }
        let state = app.get_json(&first, &format!("/api/v1/tasks/{task}")).await["state"].as_str().unwrap().to_string();
        assert_eq!(state, if winner == "accept" { "accepted" } else { "returned" }, "task {task} ends in the winner's state");
        let log = audit(&app, &auditor, &format!("entity=task&entity_id={task}&action=task.")).await;
        let decisions: Vec<&str> = actions(&log).into_iter().filter(|a| matches!(*a, "task.accept" | "task.return")).collect();
        assert_eq!(decisions, vec![format!("task.{winner}")], "task {task}: one decision in the audit log");
    }
    eprintln!("{:?}: accept won {}, return won {} of 10; {guarded} losers refused by the guarded UPDATE", app.backend, wins[0], wins[1]);
    assert_eq!(app.get_json(&auditor, "/api/v1/audit/verify").await["ok"], true, "the chain is whole");
}

/// The secretaries of the member's college and of their branch both review the member's
/// commitments: ten handed in, then for each one an approval by one and a return by the other,
/// all twenty decisions sent at once.
async fn approving_and_returning_one_commitment_at_once_leaves_one_decision(app: TestApp) {
    let member = app.login("member").await;
    let college = app.login("orgsec").await;
    let branch = app.login("branchsec").await;
    let auditor = app.login("auditor").await;
    let mine = app.get_json(&member, "/api/v1/commitments/mine").await;
    let task = mine.as_array().unwrap().iter().find(|t| t["owner_kind"] == "person").unwrap_or_else(|| panic!("the member owes a commitment: {mine}"))["task_id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for i in 0..10 {
        let content = format!("第{i}项承诺：每月为同学答疑一次");
        let task = task.to_string();
        let fields = [
            ("task", task.as_str()),
            ("category", "学习提高"),
            ("content", content.as_str()),
            ("measures", "制定计划，按月落实"),
            ("target", "按期完成"),
            ("due", "2012-12-20"),
            ("submit", "1"),
        ];
        let r = app.post_form(&member, "/commitments", &fields).await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let location = r.headers()["location"].to_str().unwrap().to_string();
        ids.push(location.trim_start_matches("/commitments/").split('?').next().unwrap().parse::<i64>().unwrap());
    }
    for id in &ids {
        assert_eq!(app.get_json(&member, &format!("/api/v1/commitments/{id}")).await["state"], "under_review");
    }
    // The form tokens first, so that nothing but the decisions themselves is sent at once.
    let tokens = [app.csrf(&college, "/home").await, app.csrf(&branch, "/home").await];
    let decide = |c: &Client, token: &str, id: i64, approve: bool| {
        let mut fields = vec![("_csrf", token.to_string()), ("confirmed", "1".to_string()), ("ids", id.to_string())];
        if approve {
            fields.push(("action", "approve".into()));
        } else {
            fields.extend([("action", "return".into()), ("comment", "措施不够具体".into())]);
        }
        c.post(app.url("/commitments/review")).header("content-type", "application/x-www-form-urlencoded").body(serde_urlencoded::to_string(&fields).unwrap()).send()
    };
    let mut set = tokio::task::JoinSet::new();
    for (i, id) in ids.iter().copied().enumerate() {
        // Alternately, the college approves and the branch returns, and the other way round.
        let (approver, returner, ta, tr) = if i % 2 == 0 { (&college, &branch, &tokens[0], &tokens[1]) } else { (&branch, &college, &tokens[1], &tokens[0]) };
        let (a, r) = (decide(approver, ta, id, true), decide(returner, tr, id, false));
        set.spawn(async move {
            let (a, r) = tokio::join!(a, r);
            let (a, r) = (a.unwrap(), r.unwrap());
            let (sa, sr) = (a.status().as_u16(), r.status().as_u16());
            let (ba, br) = (a.text().await.unwrap(), r.text().await.unwrap());
            (id, sa, sr, ba, br)
        });
    }
    let (mut winners, mut guarded) = (std::collections::HashMap::new(), 0);
    while let Some(done) = set.join_next().await {
        let (id, sa, sr, ba, br) = done.unwrap();
        let winner = match (sa, sr) {
            (303, 409) => "approved",
            (409, 303) => "returned",
            _ => panic!("commitment {id}: approve {sa}, return {sr}: exactly one decision must win\n{}\n{}", tail(&ba), tail(&br)),
        };
        let loser = if winner == "approved" { &br } else { &ba };
        // Refused by the guarded UPDATE, or (when it read the state after the winner's commit) by
        // the rule of states: either way a conflict that says so.
        assert!(loser.contains("该承诺已被他人审核，请刷新后查看") || loser.contains("该承诺不在待审核状态"), "the loser is told why: {}", tail(loser));
        guarded += usize::from(loser.contains("该承诺已被他人审核，请刷新后查看"));
        winners.insert(id, winner);
    }
    for id in &ids {
        let winner = winners[id];
        let v = app.get_json(&member, &format!("/api/v1/commitments/{id}")).await;
        assert_eq!(v["state"], winner, "commitment {id} ends in the winner's state");
        let log = audit(&app, &auditor, &format!("entity=commitment&entity_id={id}&action=commitment.")).await;
        let decisions: Vec<&str> = actions(&log).into_iter().filter(|a| matches!(*a, "commitment.approved" | "commitment.returned")).collect();
        assert_eq!(decisions, vec![format!("commitment.{winner}")], "commitment {id}: one decision in the audit log");
    }
    // The task follows its commitments, however the decisions interleaved: returned while one
    // is returned, accepted when all are approved.
    let returned = winners.values().filter(|w| **w == "returned").count();
    let mine = app.get_json(&member, "/api/v1/commitments/mine").await;
    let t = mine.as_array().unwrap().iter().find(|t| t["task_id"] == task).unwrap();
    assert_eq!(t["task_state"], if returned > 0 { "returned" } else { "accepted" }, "{t}");
    eprintln!("{:?}: approve won {}, return won {returned} of 10; {guarded} losers refused by the guarded UPDATE", app.backend, 10 - returned);
}

fn tail(s: &str) -> &str {
    let cut = s.char_indices().rev().nth(600).map(|(i, _)| i).unwrap_or(0);
    &s[cut..]
}

/// Two hundred single-use links answer, twenty at a time, and the office closes the survey once
/// the first sixty are in; twenty more answer after the close. Every 201 is a stored response, counted
/// before the close in the audit log; every other answer is a 409 saying the survey is closed.
async fn a_survey_closed_while_answers_arrive_keeps_every_acknowledged_answer(app: TestApp) {
    const IN_FLIGHT: usize = 200;
    const AFTER: usize = 20;
    let office = app.login("office").await;
    let auditor = app.login("auditor").await;
    let r = app.post_form(&office, "/surveys", &[("template", "blank"), ("owner", "office"), ("title", "结束时仍在作答的问卷")]).await;
    assert_eq!(r.status(), 303);
    let id: i64 = r.headers()["location"].to_str().unwrap().trim_start_matches("/surveys/").split('?').next().unwrap().parse().unwrap();
    assert_eq!(app.post_form(&office, &format!("/surveys/{id}/open"), &[("confirmed", "1")]).await.status(), 303);
    let r = app.post_form(&office, &format!("/surveys/{id}/links"), &[("kind", "slips"), ("count", &(IN_FLIGHT + AFTER).to_string())]).await;
    assert_eq!(r.status(), 200);
    let tokens: Vec<String> = r.text().await.unwrap().lines().skip(1).map(|l| l.rsplit("/s/").next().unwrap().trim().trim_matches('"').to_string()).collect();
    assert_eq!(tokens.len(), IN_FLIGHT + AFTER);

    let anon = common::client(&app.base);
    let token = app.csrf(&office, "/home").await;
    let finished = Arc::new(AtomicUsize::new(0));
    let sixty = Arc::new(tokio::sync::Notify::new());
    let mut answers = tokio::task::JoinSet::new();
    // Twenty respondents at a time, each answering ten links one after the other: answers keep
    // arriving before, during and after the close, and the writer stores them in batches.
    for (k, chunk) in tokens[..IN_FLIGHT].chunks(IN_FLIGHT / 20).enumerate() {
        let (anon, finished, sixty) = (anon.clone(), finished.clone(), sixty.clone());
        let urls: Vec<String> = chunk.iter().map(|t| app.url(&format!("/api/v1/s/{t}"))).collect();
        answers.spawn(async move {
            let mut out = Vec::new();
            for (i, url) in urls.iter().enumerate() {
                let r = anon.post(url).json(&json!({"answers": {"q1": format!("意见{k}-{i}")}})).send().await.unwrap();
                out.push((r.status().as_u16(), r.text().await.unwrap()));
                if finished.fetch_add(1, Ordering::SeqCst) + 1 == 60 {
                    sixty.notify_one();
                }
            }
            out
        });
    }
    sixty.notified().await;
    let close = office
        .post(app.url(&format!("/surveys/{id}/close")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("_csrf", token.as_str())]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(close.status(), 303, "{}", close.text().await.unwrap());
    let mut results = Vec::new();
    while let Some(r) = answers.join_next().await {
        results.extend(r.unwrap());
    }
    for t in &tokens[IN_FLIGHT..] {
        let r = anon.post(app.url(&format!("/api/v1/s/{t}"))).json(&json!({"answers": {"q1": "结束之后"}})).send().await.unwrap();
        results.push((r.status().as_u16(), r.text().await.unwrap()));
    }
    let accepted = results.iter().filter(|(s, _)| *s == 201).count();
    for (status, body) in &results {
        match status {
            201 => {}
            409 => assert!(body.contains("\"closed\"") && body.contains("未在进行中"), "a refusal says the survey is closed: {body}"),
            _ => panic!("an answer is acknowledged or refused as closed, never {status}: {body}"),
        }
    }
    assert!((60..=IN_FLIGHT).contains(&accepted), "{accepted} acknowledged");
    eprintln!("{:?}: {accepted} of {IN_FLIGHT} answers acknowledged around the close, {} refused", app.backend, results.len() - accepted);

    // Every acknowledged answer is stored and counted, and nothing else is.
    let raw = office.get(app.url(&format!("/surveys/{id}/export/responses.csv"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(raw.lines().count() - 1, accepted, "the raw responses: {}", tail(&raw));
    let api = app.get_json(&office, &format!("/api/v1/surveys/{id}/results")).await;
    assert_eq!(api["total"]["responses"].as_u64(), Some(accepted as u64), "the running tally: {}", api["total"]);
    // In the audit log, every participation comes before the close: none was stored after it.
    let log = audit(&app, &auditor, &format!("entity=survey&entity_id={id}&action=survey.")).await;
    let closes: Vec<i64> = log.iter().filter(|e| e["action"] == "survey.close").map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(closes.len(), 1, "one close: {:?}", actions(&log));
    let took_part: Vec<i64> = log.iter().filter(|e| e["action"] == "survey.participate").map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(took_part.len(), accepted, "one participation entry per acknowledged answer");
    assert!(
        took_part.iter().all(|s| *s < closes[0]),
        "a response stored after the close (entry {}): {:?}",
        closes[0],
        took_part.iter().filter(|s| **s > closes[0]).collect::<Vec<_>>()
    );
}
