//! The desk: the first page after login (UX.md's table), the same for the page and the API.
//!
//! - What waits for the caller as a person: ballots and score sheets open to them, the rounds of
//!   appraisal they still owe, the open surveys they are invited to and have not answered, the
//!   commitments they owe or must revise, their own tasks overdue or due within a week, the
//!   nominations open to anyone, and results on public notice.
//! - For each organization they act for (a secretary's grant, or the whole university for the
//!   office and the leaders): overdue and due-soon tasks, submissions waiting for review, the
//!   organizations below that are behind, the members without a commitment, each open survey's
//!   participation there (how many, never who, and only as `anonymity::partition` allows), the
//!   branch's contact person; head-counts last.
//! - Their relations (a cadre's classes, a contact person's branches, a unit head's unit).

use crate::error::AppResult;
use crate::state::AppState;
use pacesetter_domain::anonymity;
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::ids::{OrgId, PersonId};
use pacesetter_domain::role::{RelationKind, Role};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::selection::{Nominators, Stage};
use pacesetter_domain::task::TaskState;
use pacesetter_domain::{Lang, plan::Deliverable};
use pacesetter_store::dashboard::{self, Facts};
use pacesetter_store::relation::{self, Coverage};
use pacesetter_store::stats::{self, University};
use pacesetter_store::tree::{self, Tree};
use pacesetter_store::{account, audit, campaign, selection as sel, survey};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// What waits for the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitKind {
    /// A ballot open to them.
    Vote,
    /// A panel's score sheet.
    Score,
    /// A round of appraisal with subjects still to appraise (`count`).
    Appraise,
    /// An open survey they are invited to and have not answered.
    Survey,
    /// A commitment task with no commitment handed in.
    Commit,
    /// Commitments returned for revision (`count`).
    Revise,
    /// One of their tasks, overdue or due within a week.
    Task,
    /// A selection taking nominations from anyone (群众推优).
    Nominate,
    /// A selection's result on public notice (公示), objections open.
    Notice,
    /// A problem they raised, answered and waiting for their confirmation.
    Confirm,
    /// Problems routed to their unit or assigned to them, still open (`count`).
    Handle,
    /// One of their classes (a cadre's) not visited for the office's number of weeks.
    Visit,
    /// A meeting they are expected at within the coming week (not on leave).
    Meeting,
    /// Classes without a cadre and cadres without a class (`count`), for the staff who link them (学工部).
    Link,
    /// Transfers of members' Party relations waiting for the caller's decision (`count`).
    Transfer,
    /// Development files of the caller's branches with a step overdue (`count`).
    Develop,
}

impl WaitKind {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            WaitKind::Vote => lang.t("待投票", "To vote"),
            WaitKind::Score => lang.t("待评分", "To score"),
            WaitKind::Appraise => lang.t("待评议", "To appraise"),
            WaitKind::Survey => lang.t("待答问卷", "Survey to answer"),
            WaitKind::Commit => lang.t("待作出承诺", "Commitment to make"),
            WaitKind::Revise => lang.t("承诺被退回，待修改", "Commitments returned for revision"),
            WaitKind::Task => lang.t("待完成", "To do"),
            WaitKind::Nominate => lang.t("开放推荐", "Open for nominations"),
            WaitKind::Notice => lang.t("公示中，可提出异议", "On notice: objections open"),
            WaitKind::Confirm => lang.t("问题已答复，待确认", "Answered: confirm it"),
            WaitKind::Handle => lang.t("群众问题待办理", "Problems to handle"),
            WaitKind::Visit => lang.t("久未走访", "Visit due"),
            WaitKind::Meeting => lang.t("待参加的会议", "Meeting to attend"),
            WaitKind::Link => lang.t("干部联系班级待落实（班级和干部）", "Classes and cadres not yet linked"),
            WaitKind::Transfer => lang.t("组织关系转接待办理", "Transfers to decide"),
            WaitKind::Develop => lang.t("发展党员有超期事项", "Member development overdue"),
        }
    }
}

/// One thing waiting for the caller.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Waiting {
    pub kind: WaitKind,
    pub title: String,
    pub href: String,
    /// How many (subjects to appraise, commitments to revise).
    pub count: Option<usize>,
    /// The last day (ISO), where there is one.
    pub until: Option<String>,
    /// Days left until then (negative: overdue).
    pub days_left: Option<i64>,
}

/// An organization below, with how many of its tasks are overdue.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Behind {
    pub org_id: i64,
    pub name: String,
    pub overdue: i64,
    pub open: i64,
}

/// An open survey's participation among an organization's members: how many were invited, and
/// how many have not answered, each only where `anonymity::partition` shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SurveyTurnout {
    pub survey_id: i64,
    pub title: String,
    pub invited: Option<i64>,
    pub answered: Option<i64>,
    pub not_answered: Option<i64>,
    /// The caller runs the survey and may remind those who have not answered.
    pub may_remind: bool,
}

/// A head-count line: an organization below and its members.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HeadCount {
    pub org_id: i64,
    pub name: String,
    pub members: i64,
}

/// What the caller answers for in one organization (or the whole university).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Duty {
    /// None for the whole university.
    pub org_id: Option<i64>,
    pub name: String,
    pub role: String,
    pub overdue: i64,
    pub due_soon: i64,
    /// Handed in and waiting for a decision.
    pub submitted: i64,
    pub total: i64,
    pub accepted: i64,
    /// The organizations below with overdue tasks, the most overdue first.
    pub behind: Vec<Behind>,
    /// Commitment tasks with no commitment handed in (members and organizations), where the
    /// campaign asks for commitments.
    pub not_committed: Option<usize>,
    pub surveys: Vec<SurveyTurnout>,
    /// The branch's contact person (item 11), for a branch.
    pub contact: Option<String>,
    pub members: i64,
    pub children: Vec<HeadCount>,
    /// The query of the task list behind the counts (`org=12`, or empty for all).
    pub query: String,
}

/// A relation of the caller's (a cadre's classes, ...) and its nodes with their head-counts.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RelationBlock {
    pub kind: String,
    pub label: String,
    pub nodes: Vec<RelationNode>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RelationNode {
    pub href: String,
    pub name: String,
    pub members: i64,
}

/// Reviews waiting for the caller across their reach.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Reviews {
    pub tasks: usize,
    pub commitments: usize,
}

/// The desk.
pub struct Desk {
    pub campaign: Option<String>,
    pub waiting: Vec<Waiting>,
    pub reviews: Reviews,
    pub duties: Vec<Duty>,
    pub relations: Vec<RelationBlock>,
    pub overview: Option<University>,
    pub coverage: Option<Coverage>,
    pub audit_entries: Option<i64>,
    pub roles: Vec<Role>,
    pub person: Option<i64>,
}

fn days_between(day: time::Date, until: time::Date) -> i64 {
    (until - day).whole_days()
}

/// What waits for the caller as a person.
async fn waiting(s: &AppState, scope: &Scope, camp: &campaign::CampaignRow) -> AppResult<Vec<Waiting>> {
    let day = today();
    let mut out = Vec::new();
    let mut c = s.store.read().await?;
    // Surveys first: they close soonest and take a minute.
    for inv in survey::invitations(&mut c, scope).await?.into_iter().filter(|i| !i.done) {
        out.push(Waiting { kind: WaitKind::Survey, href: format!("/surveys/{}/answer", inv.row.id), title: inv.row.title.clone(), count: None, until: None, days_left: None });
    }
    // Ballots and score sheets open to the caller, nominations open to anyone, notices.
    let ballots = sel::waiting_ballots(&mut c, scope, camp.id).await?;
    for x in sel::list(&mut c, camp.id).await? {
        let href = format!("/selections/{}", x.id);
        let category = x.category().ok();
        if x.voting_open(day) && ballots.contains(&x.id) {
            let kind = if category.as_ref().is_some_and(|k| k.method.has_panel()) { WaitKind::Score } else { WaitKind::Vote };
            out.push(Waiting { kind, href, title: x.title.clone(), count: None, until: Some(iso(x.vote_until)), days_left: Some(days_between(day, x.vote_until)) });
        } else if x.stage() == Stage::Nominating && day <= x.nominate_until && category.as_ref().is_some_and(|k| k.nominators == Nominators::Anyone) && scope.person.is_some() {
            out.push(Waiting {
                kind: WaitKind::Nominate,
                href,
                title: x.title.clone(),
                count: None,
                until: Some(iso(x.nominate_until)),
                days_left: Some(days_between(day, x.nominate_until)),
            });
        } else if x.notice_running(day) {
            let until = x.notice_until;
            out.push(Waiting { kind: WaitKind::Notice, href, title: x.title.clone(), count: None, until: until.map(iso), days_left: until.map(|u| days_between(day, u)) });
        }
    }
    drop(c);
    // Appraisals still owed: a fixed number of queries per round, whatever its size.
    for (r, owed) in crate::app::appraisals::owed(s, scope).await?.into_iter().filter(|(_, n)| *n > 0) {
        out.push(Waiting {
            kind: WaitKind::Appraise,
            href: format!("/appraisals/{}", r.id),
            title: r.title.clone(),
            count: Some(owed),
            until: Some(iso(r.closes)),
            days_left: Some(days_between(day, r.closes)),
        });
    }
    // Commitments: a task with none handed in, and those returned for revision.
    for t in crate::app::commitments::mine(s, scope).await? {
        let returned = t.items.iter().filter(|i| i.c.state() == pacesetter_domain::commitment::State::Returned).count();
        let due = t.t.dates().due_in_force(t.t.state());
        let href = "/commitments".to_string();
        if t.t.state() == TaskState::Open && t.items.iter().all(|i| i.c.state().is_editable()) {
            out.push(Waiting {
                kind: WaitKind::Commit,
                href: href.clone(),
                title: t.t.title.clone(),
                count: None,
                until: due.map(iso),
                days_left: due.map(|d| days_between(day, d)),
            });
        }
        if returned > 0 {
            out.push(Waiting { kind: WaitKind::Revise, href, title: t.t.title.clone(), count: Some(returned), until: None, days_left: None });
        }
    }
    // The caller's own other tasks that are overdue or due within a week.
    let q = crate::app::tasks::TaskQuery { mine: Some("1".into()), ..Default::default() };
    for l in crate::app::tasks::lines(s, scope, &q).await? {
        if l.t.deliverable() == Deliverable::Commitment || !l.rights.submit {
            continue;
        }
        let d = l.t.dates();
        if d.overdue(l.t.state(), day) || d.due_soon(l.t.state(), day) {
            out.push(Waiting { kind: WaitKind::Task, href: format!("/tasks/{}", l.t.id), title: l.t.title.clone(), count: None, until: l.due.map(iso), days_left: l.days_left });
        }
    }
    Ok(out)
}

/// The masses' problems and the cadres' classes (items 8 and 10): answers waiting for the
/// caller's confirmation, problems their unit handles or they were assigned, their classes gone
/// unvisited. Independent of the campaign.
async fn problems_waiting(s: &AppState, scope: &Scope) -> AppResult<Vec<Waiting>> {
    use pacesetter_store::problem::{self as pb, Filter, Viewer};
    let day = today();
    let mut out = Vec::new();
    let mut c = s.store.read().await?;
    let answered = Filter { mine: true, state: Some(pacesetter_domain::problem::State::Answered), ..Default::default() };
    for r in pb::list(&mut c, scope, &answered, day, 0, 20).await?.0 {
        let left = r.due_on.map(|d| (d - day).whole_days());
        out.push(Waiting {
            kind: WaitKind::Confirm,
            href: format!("/problems/{}", r.id),
            title: r.body.chars().take(40).collect(),
            count: None,
            until: r.due_on.map(iso),
            days_left: left,
        });
    }
    if scope.unit_paths_acted_on().next().is_some() || scope.person.is_some() {
        let open = Filter { open: true, ..Default::default() };
        let rows = pb::list(&mut c, scope, &open, day, 0, 500).await?.0;
        let mine: Vec<_> = rows.iter().filter(|r| pb::viewer(scope, r) == Some(Viewer::Unit) && r.state() != pacesetter_domain::problem::State::Answered).collect();
        if !mine.is_empty() {
            let overdue = mine.iter().filter(|r| r.due_on.is_some_and(|d| d < day)).count();
            // The overdue first, where there are any.
            let href = if overdue > 0 { "/problems?show=overdue" } else { "/problems?show=open" };
            out.push(Waiting { kind: WaitKind::Handle, href: href.into(), title: String::new(), count: Some(mine.len()), until: None, days_left: None });
        }
    }
    if let Some(p) = scope.person.filter(|_| scope.has(Role::Cadre)) {
        let weeks = pacesetter_store::liaison::unvisited_weeks(&mut c).await?;
        for k in pacesetter_store::liaison::classes_of(&mut c, p.0, day).await? {
            if pacesetter_domain::liaison::unvisited(k.last_visit, k.linked_on, day, weeks) {
                out.push(Waiting { kind: WaitKind::Visit, href: "/liaison".into(), title: k.name, count: None, until: None, days_left: None });
            }
        }
    }
    if scope.person.is_some() {
        let week = pacesetter_store::meeting::Filter { mine: true, from: Some(day), to: Some(day + time::Duration::days(7)), ..Default::default() };
        let me = scope.person.map(|p| p.0);
        for m in pacesetter_store::meeting::list(&mut c, scope, &week, 10).await?.into_iter().rev() {
            if m.state() != pacesetter_domain::meeting::State::Scheduled {
                continue;
            }
            let line = pacesetter_store::meeting::attendance(&mut c, scope, m.id).await?.into_iter().find(|a| Some(a.person_id) == me);
            if line.is_some_and(|a| a.status() == pacesetter_domain::meeting::Attendance::Expected) {
                let title = format!("{} {}", m.topic, m.starts);
                out.push(Waiting {
                    kind: WaitKind::Meeting,
                    href: format!("/meetings/{}", m.id),
                    title,
                    count: None,
                    until: Some(iso(m.on_day)),
                    days_left: Some(days_between(day, m.on_day)),
                });
            }
        }
        if let Some(p) = scope.person.filter(|_| !scope.has(Role::Office))
            && pacesetter_store::liaison::is_linker(&mut c, p.0).await?
        {
            let cov = pacesetter_store::relation::coverage(&mut c).await?;
            if !cov.classes_without_cadre.is_empty() || !cov.cadres_without_class.is_empty() {
                out.push(Waiting {
                    kind: WaitKind::Link,
                    href: "/relations?kind=cadre_class".into(),
                    title: String::new(),
                    count: Some(cov.classes_without_cadre.len() + cov.cadres_without_class.len()),
                    until: None,
                    days_left: None,
                });
            }
        }
    }
    // The Party side that acts (not the office, which sees them on their pages): transfers to
    // decide, and development files with a step overdue.
    if !scope.is_office() && scope.own_org_paths(pacesetter_domain::scope::Access::Write).next().is_some() {
        let waiting = pacesetter_store::transfer::list(&mut c, scope, 500).await?.iter().filter(|t| pacesetter_store::transfer::may_decide(scope, t)).count();
        if waiting > 0 {
            out.push(Waiting { kind: WaitKind::Transfer, href: "/transfers".into(), title: String::new(), count: Some(waiting), until: None, days_left: None });
        }
        let (rules, _) = crate::app::development::rules(&mut c).await?;
        let late = pacesetter_store::development::list(&mut c, scope, None).await?.iter().filter(|l| !l.p().overdue(&rules, day).is_empty()).count();
        if late > 0 {
            out.push(Waiting { kind: WaitKind::Develop, href: "/development".into(), title: String::new(), count: Some(late), until: None, days_left: None });
        }
    }
    Ok(out)
}

/// What the caller answers for in one organization (None: the whole university).
/// `counts`: every organization's members in its subtree (`tree::subtree_counts`, one query).
async fn duty(s: &AppState, scope: &Scope, rollup: &dashboard::Rollup, counts: &HashMap<i64, i64>, org: Option<tree::Node>, role: &str, lang: Lang) -> AppResult<Duty> {
    let mut c = s.store.read().await?;
    let (facts, node) = match &org {
        Some(n) => (rollup.by_org.get(&n.id).copied().unwrap_or_default(), Some(n.clone())),
        None => (rollup.all, tree::all(&mut c, Tree::Org).await?.into_iter().find(|n| n.parent_id.is_none())),
    };
    let Facts { total, accepted, submitted, overdue, due_soon, .. } = facts;
    let mut behind = Vec::new();
    let mut children = Vec::new();
    let mut members = 0;
    let mut surveys = Vec::new();
    let mut contact = None;
    if let Some(n) = &node {
        members = counts.get(&n.id).copied().unwrap_or(0);
        for ch in tree::children(&mut c, Tree::Org, n.id).await?.into_iter().filter(|x| x.closed_on.is_none()) {
            let f = rollup.by_org.get(&ch.id).copied().unwrap_or_default();
            if f.overdue > 0 {
                behind.push(Behind { org_id: ch.id, name: ch.name.clone(), overdue: f.overdue, open: f.open + f.returned });
            }
            children.push(HeadCount { org_id: ch.id, members: counts.get(&ch.id).copied().unwrap_or(0), name: ch.name });
        }
        behind.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.name.cmp(&b.name)));
        let managed: Vec<i64> = survey::managed_list(&mut c, scope).await?.into_iter().map(|r| r.id).collect();
        for t in survey::turnout_below(&mut c, &n.path).await? {
            let not = (t.invited - t.answered).max(0);
            let (shown, total_shown) = anonymity::partition(&[t.answered.max(0) as u64, not as u64]);
            surveys.push(SurveyTurnout {
                may_remind: managed.contains(&t.survey_id),
                survey_id: t.survey_id,
                title: t.title,
                invited: total_shown.then_some(t.invited),
                answered: shown[0].then_some(t.answered),
                not_answered: shown[1].then_some(not),
            });
        }
        if org.is_some() {
            contact =
                relation::at_node(&mut c, Tree::Org, n.id).await?.into_iter().find(|r| r.kind == RelationKind::BranchContact.code() && r.end_date.is_none()).map(|r| r.person_name);
        }
    }
    drop(c);
    let cov = crate::app::commitments::coverage(s, scope, org.as_ref().map(|n| OrgId(n.id))).await.ok();
    let not_committed = cov.filter(|c| !c.rows.is_empty()).map(|c| c.missing().len());
    Ok(Duty {
        org_id: org.as_ref().map(|n| n.id),
        name: match &org {
            Some(n) => n.name.clone(),
            None => lang.t("全校", "The whole university").to_string(),
        },
        role: role.to_string(),
        overdue,
        due_soon,
        submitted,
        total,
        accepted,
        behind,
        not_committed,
        surveys,
        contact,
        members,
        children,
        query: org.as_ref().map(|n| format!("org={}", n.id)).unwrap_or_default(),
    })
}

/// The caller's desk.
pub async fn desk(s: &AppState, scope: &Scope, account_id: pacesetter_domain::ids::AccountId, person: Option<i64>, lang: Lang) -> AppResult<Desk> {
    let mut c = s.store.read().await?;
    let camp = campaign::current(&mut c).await?;
    let overview = if scope.global().is_some() { Some(stats::university(&mut c).await?) } else { None };
    let coverage = if scope.has_any(&[Role::Office, Role::Admin, Role::Leader]) { Some(relation::coverage(&mut c).await?) } else { None };
    let audit_entries = if scope.has(Role::Auditor) { Some(audit::list(&mut c, &Default::default(), 0, 1).await?.1) } else { None };
    let grants = account::grants(&mut c, account_id, Some(today())).await?;
    let mut orgs = Vec::new();
    for g in &grants {
        let Some(id) = g.org_id else { continue };
        if let Some(n) = tree::get(&mut c, Tree::Org, id).await? {
            orgs.push((n, Role::parse(&g.role).map(|r| r.label(lang)).unwrap_or("").to_string()));
        }
    }
    // Relations: the cadre's classes, the contact person's branches, the head's unit.
    let mut relations = Vec::new();
    if let Some(pid) = person {
        let rels: Vec<_> = relation::of_person(&mut c, PersonId(pid)).await?.into_iter().filter(|r| r.end_date.is_none()).collect();
        // Each tree's head-counts in one query, for the trees the relations name.
        let mut counts: HashMap<&'static str, HashMap<i64, i64>> = HashMap::new();
        for kind in RelationKind::ALL {
            let tree = if kind.targets_org() { Tree::Org } else { Tree::Unit };
            let mut nodes = Vec::new();
            for r in rels.iter().filter(|r| r.kind == kind.code()) {
                let id = r.org_id.or(r.unit_id).unwrap_or(0);
                if !counts.contains_key(tree.entity()) {
                    counts.insert(tree.entity(), tree::subtree_counts(&mut c, tree).await?);
                }
                let members = counts.get(tree.entity()).and_then(|m| m.get(&id)).copied().unwrap_or(0);
                nodes.push(RelationNode { href: format!("/{}s/{id}", tree.entity()), name: r.target_name.clone(), members });
            }
            if !nodes.is_empty() {
                relations.push(RelationBlock { kind: kind.code().to_string(), label: kind.label(lang).to_string(), nodes });
            }
        }
    }
    drop(c);
    let (mut waiting_list, mut reviews, mut duties) = (Vec::new(), Reviews::default(), Vec::new());
    if let Some(camp) = &camp {
        waiting_list = waiting(s, scope, camp).await?;
        let whole = scope.has_any(&[Role::Office, Role::Admin, Role::Leader]);
        if whole || !orgs.is_empty() {
            let mut c = s.store.read().await?;
            let rollup = dashboard::rollup(&mut c, scope, camp.id, today()).await?;
            let counts = tree::subtree_counts(&mut c, Tree::Org).await?;
            drop(c);
            if whole {
                let role = scope.roles.iter().find(|r| matches!(r, Role::Office | Role::Admin | Role::Leader)).map(|r| r.label(lang)).unwrap_or("");
                duties.push(duty(s, scope, &rollup, &counts, None, role, lang).await?);
            }
            for (n, role) in orgs {
                duties.push(duty(s, scope, &rollup, &counts, Some(n), &role, lang).await?);
            }
            reviews = Reviews { tasks: crate::app::tasks::queue(s, scope).await?.len(), commitments: crate::app::commitments::review_queue(s, scope).await?.len() };
        }
    }
    waiting_list.extend(problems_waiting(s, scope).await?);
    Ok(Desk { campaign: camp.map(|c| c.title), waiting: waiting_list, reviews, duties, relations, overview, coverage, audit_entries, roles: scope.roles.clone(), person })
}
