//! The campaign dashboard: completion, late and overdue counts rolled up both trees, by work
//! item and by organization, from one query of the tasks the caller can see.

use crate::StoreError;
use crate::db::{Conn, Sql};
use crate::task::{TaskRow, push_task_condition};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::task::TaskState;
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

/// Counts of one group of tasks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    pub total: i64,
    pub open: i64,
    pub submitted: i64,
    pub returned: i64,
    pub accepted: i64,
    pub overdue: i64,
    /// Open or returned, due within a week.
    pub due_soon: i64,
    pub late: i64,
}

impl Facts {
    /// Counts `n` tasks of a state, with their flags.
    fn add_n(&mut self, state: TaskState, (overdue, soon, late): (bool, bool, bool), n: i64) {
        self.total += n;
        match state {
            TaskState::Open => self.open += n,
            TaskState::Submitted => self.submitted += n,
            TaskState::Returned => self.returned += n,
            TaskState::Accepted => self.accepted += n,
        }
        if overdue {
            self.overdue += n;
        }
        if soon {
            self.due_soon += n;
        }
        if late {
            self.late += n;
        }
    }

    /// Share accepted, in percent (0 when there is nothing).
    pub fn completion(&self) -> f64 {
        if self.total == 0 { 0.0 } else { self.accepted as f64 * 100.0 / self.total as f64 }
    }

    /// Share submitted or accepted, in percent.
    pub fn handed_in(&self) -> f64 {
        if self.total == 0 { 0.0 } else { (self.accepted + self.submitted) as f64 * 100.0 / self.total as f64 }
    }
}

/// Everything the dashboard shows, keyed so that any level can be read without another query.
#[derive(Clone, Debug, Default)]
pub struct Rollup {
    pub all: Facts,
    pub by_template: HashMap<i64, Facts>,
    /// By node of the Party tree (organizations' and members' tasks).
    pub by_org: HashMap<i64, Facts>,
    /// By node of the administrative tree (units' tasks).
    pub by_unit: HashMap<i64, Facts>,
    pub by_template_org: HashMap<(i64, i64), Facts>,
    pub by_template_unit: HashMap<(i64, i64), Facts>,
}

fn ids(path: &str) -> impl Iterator<Item = i64> + '_ {
    path.split('/').filter_map(|s| s.parse().ok())
}

/// An ISO date as the database writes it (2012-03-15), or none.
fn iso_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s[0..4].parse().ok()?;
    let m: u8 = s[5..7].parse().ok()?;
    let d: u8 = s[8..10].parse().ok()?;
    Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

/// Rolls up the tasks of a campaign that the caller can see, in one query (a member's task
/// counts under their deepest current organization, kept on the task). The database
/// packs each template's tasks into one string (state, tree, owner path, the dates that make
/// a task late or overdue), because handing thousands of rows one by one to the driver costs
/// more than the whole roll-up; the rule for late and overdue stays in the domain.
pub async fn rollup(c: &mut Conn, scope: &Scope, campaign: i64, today: Date) -> Result<Rollup, StoreError> {
    let dues: Vec<(i64, Option<Date>)> = c.fetch_all(Sql::new("SELECT id, due_date FROM task_templates WHERE campaign_id = $1 AND retired = FALSE").bind(campaign)).await?;
    let dues: HashMap<i64, Option<Date>> = dues.into_iter().collect();
    let mut q = Sql::new(
        "SELECT t.template_id, string_agg(t.state || '|' || CASE WHEN t.unit_id IS NOT NULL THEN 'u' ELSE 'o' END || '|' || \
         COALESCE(o.path, u.path, mo.path, '') || '|' || \
         COALESCE(CAST(t.extended_due AS TEXT), '') || '|' || COALESCE(CAST(t.resubmit_due AS TEXT), '') || '|' || COALESCE(CAST(t.first_submitted AS TEXT), ''), ';') AS packed \
         FROM tasks t JOIN task_templates tt ON tt.id = t.template_id LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id \
         LEFT JOIN orgs mo ON mo.id = t.member_org_id \
         WHERE tt.retired = FALSE AND t.campaign_id = $1 AND ",
    )
    .bind(campaign);
    push_task_condition(&mut q, scope);
    q.push(" GROUP BY t.template_id");
    let groups: Vec<(i64, Option<String>)> = c.fetch_all(q).await?;
    // First the tasks are counted by what decides their place and flags (many members share a
    // branch, many tasks the same dates), then each group is added up its path once.
    type Key<'a> = (i64, bool, &'a str, TaskState, (bool, bool, bool));
    let mut grouped: HashMap<Key<'_>, i64> = HashMap::new();
    for (template, packed) in &groups {
        let template_due = dues.get(template).copied().flatten();
        for task in packed.as_deref().unwrap_or("").split(';').filter(|x| !x.is_empty()) {
            let mut f = task.split('|');
            let (Some(state), Some(tree), Some(path), Some(ext), Some(resub), Some(first)) = (f.next(), f.next(), f.next(), f.next(), f.next(), f.next()) else { continue };
            let state = TaskState::parse(state).unwrap_or(TaskState::Open);
            let dates = pacesetter_domain::task::Dates { template_due, extended_due: iso_date(ext), resubmit_due: iso_date(resub), first_submitted: iso_date(first) };
            *grouped.entry((*template, tree == "u", path, state, (dates.overdue(state, today), dates.due_soon(state, today), dates.late()))).or_default() += 1;
        }
    }
    let mut r = Rollup::default();
    let mut ancestors: HashMap<&str, Vec<i64>> = HashMap::new();
    for ((template, unit, path, state, flags), n) in grouped {
        r.all.add_n(state, flags, n);
        r.by_template.entry(template).or_default().add_n(state, flags, n);
        let nodes = ancestors.entry(path).or_insert_with(|| ids(path).collect());
        for node in nodes.iter().copied() {
            if unit {
                r.by_unit.entry(node).or_default().add_n(state, flags, n);
                r.by_template_unit.entry((template, node)).or_default().add_n(state, flags, n);
            } else {
                r.by_org.entry(node).or_default().add_n(state, flags, n);
                r.by_template_org.entry((template, node)).or_default().add_n(state, flags, n);
            }
        }
    }
    Ok(r)
}

/// Tasks with a derived flag, for the lists behind the dashboard's numbers.
pub fn flagged<'a>(rows: &'a [TaskRow], flag: &str, today: Date) -> Vec<&'a TaskRow> {
    rows.iter()
        .filter(|t| match flag {
            "overdue" => t.dates().overdue(t.state(), today),
            "late" => t.dates().late(),
            _ => true,
        })
        .collect()
}
