//! Tasks: a work item owed by one organization, unit or person. Their states, and "late" and
//! "overdue", which are derived from the dates and never stored (DOMAIN.md, Task).

use crate::calendar::Calendar;
use crate::{Lang, Text};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Open,
    Submitted,
    Returned,
    Accepted,
}

impl TaskState {
    pub const ALL: [TaskState; 4] = [TaskState::Open, TaskState::Submitted, TaskState::Returned, TaskState::Accepted];

    pub fn code(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Submitted => "submitted",
            TaskState::Returned => "returned",
            TaskState::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        TaskState::ALL.into_iter().find(|t| t.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            TaskState::Open => lang.t("未提交", "Open"),
            TaskState::Submitted => lang.t("待审核", "Submitted"),
            TaskState::Returned => lang.t("已退回", "Returned"),
            TaskState::Accepted => lang.t("已通过", "Accepted"),
        }
    }

    /// The colour class that goes with the word.
    pub fn badge(self) -> &'static str {
        match self {
            TaskState::Open => "neutral",
            TaskState::Submitted => "warn",
            TaskState::Returned => "bad",
            TaskState::Accepted => "ok",
        }
    }
}

/// Working days a returned task has to come back, unless the reviewer sets another date.
pub const RESUBMIT_WORKING_DAYS: u32 = 5;

/// The dates a task's derived facts come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dates {
    /// The plan's date for everyone (None while the office has not set it).
    pub template_due: Option<Date>,
    /// A reviewer's extension for this one owner.
    pub extended_due: Option<Date>,
    /// After a return: the date the resubmission is due.
    pub resubmit_due: Option<Date>,
    /// The day (CST) of the first submission.
    pub first_submitted: Option<Date>,
}

impl Dates {
    /// The date owed before any return: an extension, or the plan's date.
    pub fn original_due(&self) -> Option<Date> {
        self.extended_due.or(self.template_due)
    }

    /// The date in force now: after a return, the resubmission date.
    pub fn due_in_force(&self, state: TaskState) -> Option<Date> {
        match state {
            TaskState::Returned => self.resubmit_due.or(self.original_due()),
            _ => self.original_due(),
        }
    }

    /// Overdue: past the date in force with nothing submitted and pending. ("3月15日前"
    /// includes 15 March: overdue starts on the 16th.)
    pub fn overdue(&self, state: TaskState, today: Date) -> bool {
        matches!(state, TaskState::Open | TaskState::Returned) && self.due_in_force(state).is_some_and(|d| today > d)
    }

    /// Late: first submitted after the date owed then. A slow reviewer never makes it late.
    pub fn late(&self) -> bool {
        matches!((self.first_submitted, self.original_due()), (Some(s), Some(d)) if s > d)
    }

    /// Days left to the date in force (negative when past), while the owner owes something
    /// (open or returned); None when no date is set or the clock has stopped (handed in and
    /// waiting for review, or accepted: an accepted task is never "overdue").
    /// Due within [`DUE_SOON_DAYS`] days (today included) and not handed in: what a desk lists
    /// beside the overdue.
    pub fn due_soon(&self, state: TaskState, today: Date) -> bool {
        self.days_left(state, today).is_some_and(|n| (0..=DUE_SOON_DAYS).contains(&n))
    }

    pub fn days_left(&self, state: TaskState, today: Date) -> Option<i64> {
        if !matches!(state, TaskState::Open | TaskState::Returned) {
            return None;
        }
        self.due_in_force(state).map(|d| (d - today).whole_days())
    }
}

/// How many days ahead a deadline counts as due soon.
pub const DUE_SOON_DAYS: i64 = 7;

/// What someone does to a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Submit,
    Return,
    Accept,
}

/// The state after an action, or why the action is not possible now.
pub fn next(state: TaskState, action: Action) -> Result<TaskState, Text> {
    use TaskState::*;
    match (state, action) {
        (Open | Returned, Action::Submit) => Ok(Submitted),
        (Submitted, Action::Return) => Ok(Returned),
        (Submitted, Action::Accept) => Ok(Accepted),
        (Accepted, _) => Err(Text::new("该任务已通过审核，不能再更改", "The task has been accepted and cannot change")),
        (Submitted, Action::Submit) => Err(Text::new("已提交，正在等待审核", "Already submitted and waiting for review")),
        (Open | Returned, _) => Err(Text::new("尚未提交，无法审核", "Nothing has been submitted to review")),
    }
}

/// The resubmission date after a return on `returned_on`.
pub fn resubmit_due(calendar: &Calendar, returned_on: Date) -> Date {
    calendar.add_working_days(returned_on, RESUBMIT_WORKING_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_due_day_itself_is_not_overdue() {
        let d = Dates { template_due: Some(date!(2012 - 03 - 15)), ..Default::default() };
        assert!(!d.overdue(TaskState::Open, date!(2012 - 03 - 15)));
        assert!(d.overdue(TaskState::Open, date!(2012 - 03 - 16)));
        assert!(!d.overdue(TaskState::Submitted, date!(2012 - 04 - 16)), "a pending submission is not overdue");
        assert_eq!(d.days_left(TaskState::Open, date!(2012 - 03 - 10)), Some(5));
        assert_eq!(d.days_left(TaskState::Accepted, date!(2026 - 03 - 10)), None, "an accepted task owes nothing");
        assert_eq!(d.days_left(TaskState::Submitted, date!(2026 - 03 - 10)), None, "nor does one waiting for review");
    }

    #[test]
    fn late_is_about_the_first_submission_not_the_review() {
        let mut d = Dates { template_due: Some(date!(2012 - 03 - 15)), first_submitted: Some(date!(2012 - 03 - 15)), ..Default::default() };
        assert!(!d.late());
        d.first_submitted = Some(date!(2012 - 03 - 16));
        assert!(d.late());
        d.extended_due = Some(date!(2012 - 03 - 20));
        assert!(!d.late(), "an extension moves the date owed");
    }

    #[test]
    fn a_return_sets_the_date_in_force() {
        let cal = Calendar::default();
        let back = resubmit_due(&cal, date!(2012 - 03 - 16));
        assert_eq!(back, date!(2012 - 03 - 23), "five working days after a Friday");
        let d = Dates { template_due: Some(date!(2012 - 03 - 15)), resubmit_due: Some(back), first_submitted: Some(date!(2012 - 03 - 14)), ..Default::default() };
        assert_eq!(d.due_in_force(TaskState::Returned), Some(back));
        assert!(!d.overdue(TaskState::Returned, date!(2012 - 03 - 20)));
        assert!(d.overdue(TaskState::Returned, date!(2012 - 03 - 24)));
        assert!(!d.late());
    }

    #[test]
    fn transitions_follow_the_lifecycle() {
        assert_eq!(next(TaskState::Open, Action::Submit), Ok(TaskState::Submitted));
        assert_eq!(next(TaskState::Submitted, Action::Return), Ok(TaskState::Returned));
        assert_eq!(next(TaskState::Returned, Action::Submit), Ok(TaskState::Submitted));
        assert_eq!(next(TaskState::Submitted, Action::Accept), Ok(TaskState::Accepted));
        assert!(next(TaskState::Accepted, Action::Submit).is_err());
        assert!(next(TaskState::Open, Action::Accept).is_err());
    }
}
