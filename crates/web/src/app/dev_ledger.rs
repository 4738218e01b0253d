//! Loading a development ledger (发展党员台账): the past steps of people's development, one row
//! per step, recorded one by one under the same rules, by the same checks and with the same
//! effects as recording each by hand; all or nothing. A trial runs the whole load and undoes it.

use crate::app::development::{StepInput, rules};
use crate::app::imports::file_problems;
use crate::error::{AppError, AppResult};
use crate::sheets;
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::today;
use pacesetter_domain::dev_ledger::{self, LedgerColumn, LedgerRow};
use pacesetter_domain::development::{Frame, Step};
use pacesetter_domain::ids::PersonId;
use pacesetter_domain::org::OrgKind;
use pacesetter_domain::people::PoliticalStatus;
use pacesetter_domain::roster::Problem;
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_store::development as store;
use pacesetter_store::roster::Resolver;
use pacesetter_store::tree::{self, Tree};
use pacesetter_store::{Conn, StoreError};
use serde::Serialize;

/// A step the ledger recorded (or, on a trial, would record).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerLine {
    pub line: usize,
    pub person_id: i64,
    pub number: String,
    pub name: String,
    pub step: String,
    pub on: String,
}

/// What a ledger did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerOutcome {
    /// A trial: checked and undone, nothing stored.
    pub trial: bool,
    pub people: usize,
    pub steps: Vec<LedgerLine>,
}

/// The problems of a row from a refusal; an internal error is not the row's.
fn row_problems(line: usize, e: AppError) -> AppResult<Vec<Problem>> {
    if e.status.is_server_error() {
        return Err(e);
    }
    Ok(match &e.fields {
        Some(f) => dev_ledger::problems_of(line, f),
        None => vec![dev_ledger::problem(line, &e.message)],
    })
}

fn not_in_reach(line: usize, number: &str) -> Problem {
    Problem::new(line, None, format!("工号/学号：{number} 不存在，或不在您的范围内"), format!("Number: {number} is unknown or outside your scope"))
}

/// The most rows a ledger may have (a college's years of development).
pub const MAX_ROWS: usize = 5000;

/// Loads a ledger's bytes (.xlsx, .xls or .csv), for those who keep a branch.
pub async fn load(s: &AppState, scope: &Scope, bytes: &[u8], trial: bool) -> AppResult<LedgerOutcome> {
    let table = sheets::read_table(bytes).map_err(|t| file_problems(vec![Problem::new(0, None, t.zh, t.en)]))?;
    let rows = dev_ledger::read(&table).map_err(file_problems)?;
    if rows.len() > MAX_ROWS {
        return Err(file_problems(vec![Problem::new(0, None, format!("一个台账最多{MAX_ROWS}行，请分批导入"), format!("At most {MAX_ROWS} rows per ledger: split it"))]));
    }
    let mut w = s.store.write().await?;
    let (rules, cal) = rules(&mut w).await?;
    let frame = Frame { rules: &rules, cal: &cal, today: today() };
    let (steps, people, problems) = record_all(&mut w, scope, rows, &frame).await?;
    if !problems.is_empty() {
        w.rollback().await.map_err(StoreError::from)?;
        return Err(file_problems(problems));
    }
    if trial {
        w.rollback().await.map_err(StoreError::from)?;
    } else {
        w.commit().await.map_err(StoreError::from)?;
    }
    Ok(LedgerOutcome { trial, people, steps })
}

type Recorded = (Vec<LedgerLine>, usize, Vec<Problem>);

/// Records every person's rows in the order of the steps; a person's rows after a refused one
/// are left unchecked (they build on it).
async fn record_all(c: &mut Conn, scope: &Scope, rows: Vec<LedgerRow>, frame: &Frame<'_>) -> AppResult<Recorded> {
    // The branches the caller keeps, found by name or "parent/name" as in the roster.
    let orgs = tree::all(c, Tree::Org).await?;
    let keeps = |n: &tree::Node| n.closed_on.is_none() && OrgKind::parse(&n.kind).is_some_and(OrgKind::is_branch) && scope.party_access(&n.path) == Some(Access::Write);
    let kept: Vec<i64> = orgs.iter().filter(|n| keeps(n)).map(|n| n.id).collect();
    if kept.is_empty() {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            "只有党支部书记、上级党组织和创先办可以导入发展党员台账",
            "Only those who keep a branch (and the office) load development ledgers",
        ));
    }
    let resolver = Resolver::new(orgs);
    // Each person's rows (by the number as the roster reads it), in the order of first
    // appearance, each person's by step.
    let mut groups: Vec<(String, Vec<LedgerRow>)> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in rows {
        let n = r.get(LedgerColumn::Number).to_uppercase();
        match at.get(&n) {
            Some(i) => groups[*i].1.push(r),
            None => {
                at.insert(n.clone(), groups.len());
                groups.push((n, vec![r]));
            }
        }
    }
    let (mut lines, mut problems, mut people) = (Vec::new(), Vec::new(), 0);
    for (number, mut rows) in groups {
        rows.sort_by_key(|r| (r.step, r.line));
        let first = rows[0].line;
        let Some(id) = pacesetter_store::people::id_by_number(c, &number).await? else {
            problems.push(not_in_reach(first, &number));
            continue;
        };
        let reach = pacesetter_store::people::access(c, scope, id).await?.is_some();
        let (name, status): (String, String) =
            c.fetch_one(pacesetter_store::db::Sql::new("SELECT name, political_status FROM people WHERE id = $1").bind(id.0)).await.map_err(StoreError::from)?;
        let status = PoliticalStatus::parse(&status).unwrap_or(PoliticalStatus::Masses);
        let has_file = !store::with_files(c, &[id.0]).await?.is_empty();
        if has_file && store::get(c, scope, id.0).await.is_err() {
            problems.push(not_in_reach(first, &number));
            continue;
        }
        let mut refused_at = None;
        for (i, r) in rows.iter().enumerate() {
            match record_row(c, scope, id, r, has_file || i > 0, reach, &resolver, &kept, frame).await? {
                Ok(()) => lines.push(LedgerLine {
                    line: r.line,
                    person_id: id.0,
                    number: number.clone(),
                    name: name.clone(),
                    step: r.step.code().into(),
                    on: r.get(LedgerColumn::On).into(),
                }),
                Err(p) => {
                    problems.extend(p);
                    refused_at = Some(i);
                    break;
                }
            }
        }
        if let Some(i) = refused_at {
            if let Some(next) = rows.get(i + 1) {
                problems.push(Problem::new(
                    next.line,
                    None,
                    "（此人以后各行须待前面的问题改正后再检查）",
                    "(this person's later rows are checked once the problem above is fixed)",
                ));
            }
            continue;
        }
        people += 1;
        // A member on the roster: the ledger must bring them to where they stand.
        if !has_file && status.is_party_member() {
            let now = store::get(c, scope, id.0).await?;
            let reached = store::pipeline_of(&now.steps).standing().and_then(|(_, s)| s);
            if reached != Some(status) {
                let want = if status == PoliticalStatus::CpcMember { Step::FullApproved } else { Step::Approved };
                problems.push(Problem::new(
                    rows.last().map(|r| r.line).unwrap_or(first),
                    None,
                    format!("{number}在名册中为{}：台账须记录到“{}”", status.label(Lang::Zh), want.label(Lang::Zh)),
                    format!("{number} is a {} on the roster: the ledger must reach \"{}\"", status.label(Lang::En), want.label(Lang::En)),
                ));
            }
        }
    }
    Ok((lines, people, problems))
}

/// Records one row: opens the file with the application, or records the step. `Ok(Err(..))`
/// is the row's refusal.
#[allow(clippy::too_many_arguments)]
async fn record_row(
    c: &mut Conn,
    scope: &Scope,
    id: PersonId,
    r: &LedgerRow,
    filed: bool,
    reached: bool,
    resolver: &Resolver,
    kept: &[i64],
    frame: &Frame<'_>,
) -> AppResult<Result<(), Vec<Problem>>> {
    let number = r.get(LedgerColumn::Number);
    // Whom the row is about is settled before anything of it is read: someone out of reach is
    // told nothing, not even whether they have a file or whether a date is wrong.
    let branch = if filed {
        None
    } else if step_is_application(r) {
        let text = r.get(LedgerColumn::Branch);
        let found = if text.is_empty() {
            Err(("请填写建档的党支部".to_string(), "give the branch that keeps the file".to_string()))
        } else {
            match resolver.find(text, |n| kept.contains(&n.id)) {
                Ok(b) => Ok(b),
                Err(true) => Err((format!("“{text}”名称不唯一，请写成“上级/名称”"), format!("more than one branch is called \"{text}\": write \"parent/name\""))),
                Err(false) => Err((format!("在您负责的党支部中找不到“{text}”"), format!("no branch \"{text}\" among those you keep"))),
            }
        };
        let b = match found {
            Ok(b) => b,
            Err((zh, en)) if reached => return Ok(Err(vec![Problem::new(r.line, None, format!("党支部：{zh}"), format!("Branch: {en}"))])),
            Err(_) => return Ok(Err(vec![not_in_reach(r.line, number)])),
        };
        let node = tree::require(c, Tree::Org, b).await?;
        if !store::may_open(c, scope, &node, id.0).await? {
            return Ok(Err(vec![not_in_reach(r.line, number)]));
        }
        Some(b)
    } else if !reached {
        return Ok(Err(vec![not_in_reach(r.line, number)]));
    } else {
        return Ok(Err(vec![Problem::new(
            r.line,
            None,
            "此人没有进行中的发展档案：其台账须从“递交入党申请书”一行开始",
            "This person has no open development file: their ledger starts with the application",
        )]));
    };
    let input = StepInput {
        step: r.step.code().into(),
        on: r.get(LedgerColumn::On).into(),
        by: r.get(LedgerColumn::By).into(),
        note: r.get(LedgerColumn::Note).into(),
        numbers: r.get(LedgerColumn::Numbers).into(),
        with_vote: r.get(LedgerColumn::WithVote).into(),
        present: r.get(LedgerColumn::Present).into(),
        yes: r.get(LedgerColumn::Yes).into(),
        certificate: r.get(LedgerColumn::Certificate).into(),
        place: r.get(LedgerColumn::Place).into(),
        until: r.get(LedgerColumn::Until).into(),
        months: r.get(LedgerColumn::Months).into(),
    };
    let (step, on, d) = match input.read(c).await {
        Ok(x) => x,
        Err(e) => return Ok(Err(row_problems(r.line, e)?)),
    };
    let done = match branch {
        None => store::record(c, scope, id.0, step, on, &d, frame).await,
        Some(b) => store::start_past(c, scope, b, id.0, on, &d, frame).await,
    };
    match done {
        Ok(()) => Ok(Ok(())),
        Err(StoreError::NotFound) => Ok(Err(vec![not_in_reach(r.line, number)])),
        Err(e) => Ok(Err(row_problems(r.line, AppError::from(e))?)),
    }
}

fn step_is_application(r: &LedgerRow) -> bool {
    r.step == Step::Applied
}

/// The steps in a ledger's words, for the template and the page.
pub fn step_names(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Step::ALL.into_iter().map(|s| (s.label(lang), s.code())).collect()
}
