//! The due-soon and overdue reminders of a campaign: over tasks and approved commitments alike,
//! so this module stands above both (and above notify, which sends them).

use crate::StoreError;
use crate::db::Conn;
use crate::notify::{Note, send};
use crate::task::TaskRow;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::format_date;
use time::Date;

/// Reminders for the tasks of a campaign due within three days, or overdue. Each goes once
/// per due date (a new date, after an extension or a return, reminds again).
pub async fn remind(c: &mut Conn, campaign: i64, today: Date, public_url: &str) -> Result<usize, StoreError> {
    let rows: Vec<TaskRow> = crate::task::waiting(c, campaign).await?;
    let mut notes = Vec::new();
    let mut tasks = Vec::new();
    for t in &rows {
        let state = t.state();
        let Some(due) = t.dates().due_in_force(state) else { continue };
        let days = (due - today).whole_days();
        let due_zh = format_date(due, Lang::Zh);
        let due_en = format_date(due, Lang::En);
        let note = if days < 0 {
            Note {
                kind: "overdue",
                task: t.id,
                zh: format!("“{}”已逾期（截止{due_zh}）", t.title),
                en: format!("\"{}\" is overdue (due {due_en})", t.title),
                dedupe: format!("overdue:{}:{due}", t.id),
            }
        } else if days <= 3 {
            Note {
                kind: "due_soon",
                task: t.id,
                zh: format!("“{}”将于{due_zh}到期，还有{days}天", t.title),
                en: format!("\"{}\" is due on {due_en}, in {days} days", t.title),
                dedupe: format!("due:{}:{due}", t.id),
            }
        } else {
            continue;
        };
        notes.push(note);
        tasks.push(t);
    }
    // Approved commitments due within three days, or past their date and not fulfilled.
    let (commit_tasks, due) = crate::commitment::due(c, campaign, today).await?;
    tasks.extend(commit_tasks.iter());
    for d in due {
        let (kind, zh, en) = pacesetter_domain::commitment::due_note(&d.content, d.due, today);
        let dedupe = if kind == "overdue" { format!("commitment-overdue:{}:{}", d.id, d.due) } else { format!("commitment-due:{}:{}", d.id, d.due) };
        notes.push(Note { kind, task: d.task_id, zh, en, dedupe });
    }
    send(c, &tasks, notes, public_url).await
}
