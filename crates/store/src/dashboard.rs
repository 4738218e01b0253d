//! The campaign dashboard: completion, late and overdue counts rolled up both trees, by work
//! item and by organization, from one query of the tasks the caller can see.

use crate::db::{Conn, Sql};
use crate::task::{push_task_condition, TaskRow};
use crate::StoreError;
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
    pub late: i64,
}

impl Facts {
    fn add(&mut self, state: TaskState, overdue: bool, late: bool) {
        self.total += 1;
        match state {
            TaskState::Open => self.open += 1,
            TaskState::Submitted => self.submitted += 1,
            TaskState::Returned => self.returned += 1,
            TaskState::Accepted => self.accepted += 1,
        }
        if overdue {
            self.overdue += 1;
        }
        if late {
            self.late += 1;
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

#[derive(sqlx::FromRow)]
struct Slim {
    template_id: i64,
    state: String,
    org_id: Option<i64>,
    unit_id: Option<i64>,
    extended_due: Option<Date>,
    resubmit_due: Option<Date>,
    first_submitted: Option<Date>,
    due_date: Option<Date>,
    owner_path: Option<String>,
}

fn ids(path: &str) -> impl Iterator<Item = i64> + '_ {
    path.split('/').filter_map(|s| s.parse().ok())
}

/// Rolls up the tasks of a campaign that the caller can see.
pub async fn rollup(c: &mut Conn, scope: &Scope, campaign: i64, today: Date) -> Result<Rollup, StoreError> {
    let mut q = Sql::new(
        "SELECT t.template_id, t.state, t.org_id, t.unit_id, t.extended_due, t.resubmit_due, t.first_submitted, tt.due_date, \
         COALESCE(o.path, u.path, (SELECT po.path FROM org_memberships pm JOIN orgs po ON po.id = pm.org_id WHERE pm.person_id = t.person_id AND pm.end_date IS NULL ORDER BY po.depth DESC, pm.id LIMIT 1)) AS owner_path \
         FROM tasks t JOIN task_templates tt ON tt.id = t.template_id LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN units u ON u.id = t.unit_id \
         WHERE tt.retired = FALSE AND t.campaign_id = ",
    );
    q.push_bind(campaign).push(" AND ");
    push_task_condition(&mut q, scope);
    let rows: Vec<Slim> = c.fetch_all(q).await?;
    let mut r = Rollup::default();
    for t in rows {
        let state = TaskState::parse(&t.state).unwrap_or(TaskState::Open);
        let dates = pacesetter_domain::task::Dates { template_due: t.due_date, extended_due: t.extended_due, resubmit_due: t.resubmit_due, first_submitted: t.first_submitted };
        let (overdue, late) = (dates.overdue(state, today), dates.late());
        r.all.add(state, overdue, late);
        r.by_template.entry(t.template_id).or_default().add(state, overdue, late);
        let Some(path) = &t.owner_path else { continue };
        let unit = t.unit_id.is_some() && t.org_id.is_none();
        for node in ids(path) {
            if unit {
                r.by_unit.entry(node).or_default().add(state, overdue, late);
                r.by_template_unit.entry((t.template_id, node)).or_default().add(state, overdue, late);
            } else {
                r.by_org.entry(node).or_default().add(state, overdue, late);
                r.by_template_org.entry((t.template_id, node)).or_default().add(state, overdue, late);
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
