//! Notifications: a list per account (due within three days, overdue, returned, accepted), each
//! also mailed through the outbox when the person has an e-mail address.

use crate::db::{Conn, Sql};
use crate::task::TaskRow;
use crate::{StoreError, outbox};
use pacesetter_domain::Lang;
use pacesetter_domain::dates::{format_date, now_ms};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub kind: String,
    pub task_id: Option<i64>,
    pub href: Option<String>,
    pub zh: String,
    pub en: String,
    pub created_ms: i64,
    pub read_ms: Option<i64>,
}

impl NotificationRow {
    pub fn text(&self, lang: Lang) -> &str {
        lang.t(&self.zh, &self.en)
    }
}

pub async fn list(c: &mut Conn, account: i64, limit: i64) -> Result<Vec<NotificationRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new("SELECT id, kind, task_id, href, zh, en, created_ms, read_ms FROM notifications WHERE account_id = $1 ORDER BY id DESC LIMIT $2").bind(account).bind(limit),
    )
    .await?)
}

pub async fn unread(c: &mut Conn, account: i64) -> Result<i64, StoreError> {
    Ok(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND read_ms IS NULL").bind(account)).await?)
}

pub async fn mark_read(c: &mut Conn, account: i64) -> Result<(), StoreError> {
    c.execute(Sql::new("UPDATE notifications SET read_ms = $1 WHERE account_id = $2 AND read_ms IS NULL").bind(now_ms()).bind(account)).await?;
    Ok(())
}

/// The accounts that act for a task's owner: the secretaries and delegates of an
/// organization, the heads of a unit (and the office, for the office's own tasks), the member.
async fn recipients(c: &mut Conn, tasks: &[&TaskRow]) -> Result<HashMap<i64, Vec<(i64, Option<String>)>>, StoreError> {
    let today = pacesetter_domain::dates::today();
    let by_org: Vec<(i64, i64, Option<String>)> = c
        .fetch_all(
            Sql::new(
                "SELECT g.org_id, a.id, p.email FROM role_grants g JOIN accounts a ON a.id = g.account_id LEFT JOIN people p ON p.id = a.person_id \
                 WHERE g.org_id IS NOT NULL AND g.role IN ('org_secretary', 'branch_secretary', 'delegate') AND a.disabled = FALSE \
                 AND g.start_date <= $1 AND (g.end_date IS NULL OR g.end_date >= $1)",
            )
            .bind(today),
        )
        .await?;
    let by_unit: Vec<(i64, i64, Option<String>)> = c
        .fetch_all(Sql::new(
            "SELECT r.unit_id, a.id, p.email FROM relations r JOIN accounts a ON a.person_id = r.person_id JOIN people p ON p.id = r.person_id \
             WHERE r.kind = 'unit_head' AND r.end_date IS NULL AND r.unit_id IS NOT NULL AND a.disabled = FALSE",
        ))
        .await?;
    let office: Vec<(i64, Option<String>)> = c
        .fetch_all(
            Sql::new(
                "SELECT a.id, p.email FROM role_grants g JOIN accounts a ON a.id = g.account_id LEFT JOIN people p ON p.id = a.person_id \
                 WHERE g.role = 'office' AND a.disabled = FALSE AND g.start_date <= $1 AND (g.end_date IS NULL OR g.end_date >= $1)",
            )
            .bind(today),
        )
        .await?;
    let offices: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT office_unit_id FROM campaigns WHERE office_unit_id IS NOT NULL")).await?;
    let by_person: Vec<(i64, i64, Option<String>)> =
        c.fetch_all(Sql::new("SELECT a.person_id, a.id, p.email FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.disabled = FALSE")).await?;
    let mut org_map: HashMap<i64, Vec<(i64, Option<String>)>> = HashMap::new();
    for (o, a, e) in by_org {
        org_map.entry(o).or_default().push((a, e));
    }
    let mut unit_map: HashMap<i64, Vec<(i64, Option<String>)>> = HashMap::new();
    for (u, a, e) in by_unit {
        unit_map.entry(u).or_default().push((a, e));
    }
    for (u,) in offices {
        unit_map.entry(u).or_default().extend(office.iter().cloned());
    }
    let person_map: HashMap<i64, (i64, Option<String>)> = by_person.into_iter().map(|(p, a, e)| (p, (a, e))).collect();
    let mut out = HashMap::new();
    for t in tasks {
        let r = match (t.org_id, t.unit_id, t.person_id) {
            (Some(o), _, _) => org_map.get(&o).cloned().unwrap_or_default(),
            (_, Some(u), _) => unit_map.get(&u).cloned().unwrap_or_default(),
            (_, _, Some(p)) => person_map.get(&p).cloned().into_iter().collect(),
            _ => Vec::new(),
        };
        out.insert(t.id, r);
    }
    Ok(out)
}

/// One notification to send: its kind, the task, the text, and what makes it unique.
pub struct Note {
    pub kind: &'static str,
    pub task: i64,
    pub zh: String,
    pub en: String,
    pub dedupe: String,
}

/// Inserts notifications for the accounts acting for each task (once each: the dedupe key),
/// and mails them. Returns how many were new.
pub async fn send(c: &mut Conn, tasks: &[&TaskRow], notes: Vec<Note>, public_url: &str) -> Result<usize, StoreError> {
    if notes.is_empty() {
        return Ok(0);
    }
    let who = recipients(c, tasks).await?;
    let mut sent = 0;
    for n in notes {
        let to = who.get(&n.task).cloned().unwrap_or_default();
        let link = Link { task: Some(n.task), href: format!("/tasks/{}", n.task) };
        sent += tell(c, &to, n.kind, &n.zh, &n.en, &link, &n.dedupe, public_url).await?;
    }
    Ok(sent)
}

/// What a notification opens: a task, or any page of the application.
pub struct Link {
    pub task: Option<i64>,
    pub href: String,
}

/// Inserts a notification for each account (once each: the dedupe key) and mails it to those
/// with an e-mail address. Returns how many were new.
#[allow(clippy::too_many_arguments)]
pub async fn tell(c: &mut Conn, to: &[(i64, Option<String>)], kind: &str, zh: &str, en: &str, link: &Link, dedupe: &str, public_url: &str) -> Result<usize, StoreError> {
    let now = now_ms();
    let mut sent = 0;
    for (account, email) in to {
        let inserted = c
            .execute(
                Sql::new(
                    "INSERT INTO notifications (account_id, kind, task_id, href, zh, en, dedupe, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (account_id, dedupe) DO NOTHING",
                )
                .bind(*account)
                .bind(kind)
                .bind(link.task)
                .bind(link.href.as_str())
                .bind(zh)
                .bind(en)
                .bind(dedupe)
                .bind(now),
            )
            .await?;
        if inserted == 1 {
            sent += 1;
            if let Some(to) = email.as_deref().filter(|e| e.contains('@')) {
                let body = format!("{zh}\n\n{public_url}{}\n\n{en}", link.href);
                outbox::enqueue(c, to, &format!("创先争优：{}", zh.chars().take(40).collect::<String>()), &body).await?;
            }
        }
    }
    Ok(sent)
}

/// The notes of a review decision.
pub fn decision_note(t: &TaskRow, action: &str, comment: Option<&str>) -> Note {
    let (zh, en) = match action {
        "return" => (
            format!("“{}”被退回：{}；请于{}前重新提交", t.title, comment.unwrap_or(""), t.resubmit_due.map(|d| format_date(d, Lang::Zh)).unwrap_or_default()),
            format!("\"{}\" was returned: {}; resubmit by {}", t.title, comment.unwrap_or(""), t.resubmit_due.map(|d| format_date(d, Lang::En)).unwrap_or_default()),
        ),
        "extend" => (
            format!("“{}”的截止日期延至{}", t.title, t.extended_due.map(|d| format_date(d, Lang::Zh)).unwrap_or_default()),
            format!("\"{}\" is now due on {}", t.title, t.extended_due.map(|d| format_date(d, Lang::En)).unwrap_or_default()),
        ),
        _ => (format!("“{}”已通过审核", t.title), format!("\"{}\" was accepted", t.title)),
    };
    Note {
        kind: if action == "return" {
            "returned"
        } else if action == "extend" {
            "extended"
        } else {
            "accepted"
        },
        task: t.id,
        zh,
        en,
        dedupe: format!("{action}:{}:{}", t.id, now_ms()),
    }
}

/// Adds a calendar-feed token (its hash) for an account.
pub async fn add_feed_token(c: &mut Conn, account: i64, token_hash: &str) -> Result<(), StoreError> {
    c.execute(Sql::new("INSERT INTO feed_tokens (account_id, token_hash, created_ms) VALUES ($1, $2, $3)").bind(account).bind(token_hash).bind(now_ms())).await?;
    Ok(())
}

/// Revokes every calendar-feed token of an account; returns how many were in force.
pub async fn revoke_feed_tokens(c: &mut Conn, account: i64) -> Result<u64, StoreError> {
    Ok(c.execute(Sql::new("UPDATE feed_tokens SET revoked_ms = $1 WHERE account_id = $2 AND revoked_ms IS NULL").bind(now_ms()).bind(account)).await?)
}

/// Feed tokens in force for an account, with when each was made.
pub async fn feed_tokens(c: &mut Conn, account: i64) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT created_ms FROM feed_tokens WHERE account_id = $1 AND revoked_ms IS NULL ORDER BY id").bind(account)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The account a feed token belongs to, while it is in force and the account is enabled.
pub async fn feed_account(c: &mut Conn, token_hash: &str) -> Result<Option<i64>, StoreError> {
    Ok(c.fetch_opt_i64(
        Sql::new("SELECT f.account_id FROM feed_tokens f JOIN accounts a ON a.id = f.account_id WHERE f.token_hash = $1 AND f.revoked_ms IS NULL AND a.disabled = FALSE")
            .bind(token_hash),
    )
    .await?)
}
