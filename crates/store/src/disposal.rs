//! The disposal of unqualified members in SQL. A case is read and kept by whoever writes to the
//! member's branch through the Party tree (its secretary, the secretary of the organization
//! above, a delegate) and by the office; no one else, not the branch's contact person, the
//! leaders or the administrator, learns that it exists.

use crate::StoreError;
use crate::audit;
use crate::db::{Conn, Sql};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::disposal::{Measure, Opening, Outcome};
use pacesetter_domain::scope::{Access, Scope};
use serde::Serialize;
use time::Date;

/// The condition on an organization's path (`col`) for the cases the caller may know of: the
/// office's, and those within the Party subtrees they write to through reaches of their own.
fn push_confidential(q: &mut Sql, scope: &Scope, col: &str) {
    crate::scope::push_org_condition(q, scope, Access::Write, col, scope.is_office());
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub appraisal_case_id: Option<i64>,
    pub measure: String,
    pub grounds: String,
    pub deadline: Option<Date>,
    pub state: String,
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
}

impl CaseRow {
    pub fn measure(&self) -> Measure {
        Measure::parse(&self.measure).unwrap_or(Measure::Talk)
    }

    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.as_deref().and_then(Outcome::parse)
    }

    pub fn open(&self) -> bool {
        self.state == "open"
    }

    /// Open past its deadline.
    pub fn overdue(&self, today: Date) -> bool {
        self.open() && self.deadline.is_some_and(|d| d < today)
    }
}

const SELECT: &str = "SELECT k.id, k.person_id, p.name AS person_name, k.org_id, o.name AS org_name, k.appraisal_case_id, k.measure, k.grounds, k.deadline, k.state, \
     k.outcome, k.outcome_note, k.opened_on, k.closed_on FROM disposal_cases k JOIN people p ON p.id = k.person_id JOIN orgs o ON o.id = k.org_id";

fn may_keep(scope: &Scope, path: &str) -> bool {
    scope.party_access(path) == Some(Access::Write)
}

/// Opens a case for a member of a branch the caller keeps, or from an appraisal's follow-up case
/// of a 不合格 grade (its member, once). Returns the case's id.
pub async fn open(c: &mut Conn, scope: &Scope, person: Option<i64>, appraisal_case: Option<i64>, o: &Opening, today: Date) -> Result<i64, StoreError> {
    let person = match (person, appraisal_case) {
        (_, Some(k)) => {
            let row: Option<(Option<i64>, String)> = c
                .fetch_optional(
                    Sql::new("SELECT s.person_id, o.path FROM appraisal_cases k JOIN appraisal_subjects s ON s.id = k.subject_id JOIN orgs o ON o.id = k.org_id WHERE k.id = $1 AND k.state = 'open'")
                        .bind(k),
                )
                .await?;
            let (p, path) = row.ok_or(StoreError::NotFound)?;
            if !may_keep(scope, &path) {
                return Err(StoreError::NotFound);
            }
            p.ok_or_else(|| StoreError::invalid("appraisal_case", "该评议对象不是党员个人", "The appraisal's subject is not a member"))?
        }
        (Some(p), None) => p,
        (None, None) => return Err(StoreError::invalid("number", "请填写党员的学号或工号", "Give the member's number")),
    };
    let Some((branch, path)) = crate::people::current_branch(c, person).await? else {
        // Whether someone is in a branch (a Party member) is not for everyone to learn.
        if !scope.is_office() {
            return Err(StoreError::NotFound);
        }
        return Err(StoreError::invalid("number", "此人不在任何党支部", "The person is not a member of a branch"));
    };
    if !may_keep(scope, &path) {
        return Err(StoreError::NotFound);
    }
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO disposal_cases (person_id, org_id, appraisal_case_id, measure, grounds, deadline, state, opened_on, created_by, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9) RETURNING id",
            )
            .bind(person)
            .bind(branch)
            .bind(appraisal_case)
            .bind(o.measure.code())
            .bind(o.grounds.as_str())
            .bind(o.deadline)
            .bind(today)
            .bind(scope.account.0)
            .bind(now_ms()),
        )
        .await
        .map_err(|e| StoreError::on_duplicate(e, "该评议结果已立案处置", "A case is already open from this appraisal"))?;
    audit::append(c, scope, "disposal.open", "disposal_case", id, None, audit::snapshot(&serde_json::json!({"measure": o.measure, "appraisal_case": appraisal_case}))).await?;
    Ok(id)
}

pub async fn get(c: &mut Conn, scope: &Scope, id: i64) -> Result<CaseRow, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE k.id = ").push_bind(id).push(" AND ");
    push_confidential(&mut q, scope, "o.path");
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// The cases the caller keeps, the open first.
pub async fn list(c: &mut Conn, scope: &Scope) -> Result<Vec<CaseRow>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE ");
    push_confidential(&mut q, scope, "o.path");
    // Open first, then by deadline (none last, alike on both databases).
    q.push(" ORDER BY k.state DESC, k.deadline IS NULL, k.deadline, k.id DESC LIMIT 1000");
    Ok(c.fetch_all(q).await?)
}

/// A case's follow-ups: (day, note).
pub async fn followups(c: &mut Conn, scope: &Scope, id: i64) -> Result<Vec<(Date, String)>, StoreError> {
    get(c, scope, id).await?;
    Ok(c.fetch_all(Sql::new("SELECT on_day, note FROM disposal_followups WHERE case_id = $1 ORDER BY on_day, id").bind(id)).await?)
}

pub async fn follow_up(c: &mut Conn, scope: &Scope, id: i64, on: Date, note: &str) -> Result<(), StoreError> {
    let k = get(c, scope, id).await?;
    if !k.open() {
        return Err(StoreError::conflict("该案件已办结", "The case is closed"));
    }
    if on < k.opened_on {
        return Err(StoreError::invalid("on_day", "日期不能早于立案日期", "The day cannot be before the case was opened"));
    }
    c.execute(Sql::new("INSERT INTO disposal_followups (case_id, on_day, note, created_ms) VALUES ($1, $2, $3, $4)").bind(id).bind(on).bind(note).bind(now_ms())).await?;
    audit::append(c, scope, "disposal.follow_up", "disposal_case", id, None, None).await?;
    Ok(())
}

pub async fn close(c: &mut Conn, scope: &Scope, id: i64, outcome: Outcome, note: &str, today: Date) -> Result<CaseRow, StoreError> {
    get(c, scope, id).await?;
    let n = c
        .execute(
            Sql::new("UPDATE disposal_cases SET state = 'closed', outcome = $1, outcome_note = $2, closed_on = $3 WHERE id = $4 AND state = 'open'")
                .bind(outcome.code())
                .bind(note)
                .bind(today)
                .bind(id),
        )
        .await?;
    StoreError::unless_changed(n, "该案件已办结", "The case is already closed")?;
    audit::append(c, scope, "disposal.close", "disposal_case", id, None, audit::snapshot(&outcome)).await?;
    get(c, scope, id).await
}

/// The appraisals' follow-up cases of 不合格 grades in the caller's keeping that no disposal
/// case was opened from yet: (appraisal case, member's name, branch's name).
pub async fn pending_from_appraisals(c: &mut Conn, scope: &Scope) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut q = Sql::new(
        "SELECT k.id, s.name, o.name FROM appraisal_cases k JOIN appraisal_subjects s ON s.id = k.subject_id JOIN orgs o ON o.id = k.org_id \
         WHERE k.state = 'open' AND s.person_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM disposal_cases d WHERE d.appraisal_case_id = k.id) AND ",
    );
    push_confidential(&mut q, scope, "o.path");
    q.push(" ORDER BY k.id");
    Ok(c.fetch_all(q).await?)
}
