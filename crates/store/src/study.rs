//! Documents to study (items 1 and 4): the office publishes a document, with its text and
//! files, to organizations or units with the day by which each must study it. Publishing makes
//! a task template of the running campaign (origin `study`) whose deliverable is a study record,
//! and the fan-out gives each owner its task: coverage, roll-up, reminders and review are the
//! tasks'. An owner hands in its record by naming a meeting it held and recorded (the study
//! session: its day, attendance, minutes and photos live with the meeting).

use crate::campaign::{self, TemplateRow};
use crate::db::{Conn, Sql};
use crate::task::TaskRow;
use crate::{StoreError, audit};
use pacesetter_domain::dates::{cst_date, now_ms};
use pacesetter_domain::plan::{Deliverable, Owners, Reviewer, TaskTemplate};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::study::Doc;
use serde::Serialize;
use time::Date;

/// A file of a document, already checked by content.
pub type NewDocFile = crate::attachments::NewFile;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct DocRow {
    pub id: i64,
    pub campaign_id: i64,
    pub template_id: i64,
    pub title: String,
    pub body: String,
    pub published_ms: i64,
    pub item: Option<i64>,
    pub owners_json: String,
    pub due_date: Option<Date>,
    /// The day it was published (the template's first day).
    pub from_date: Option<Date>,
    pub reviewer: String,
    pub campaign_state: String,
}

impl DocRow {
    pub fn owners(&self) -> Owners {
        serde_json::from_str(&self.owners_json).unwrap_or(Owners::Office)
    }

    pub fn reviewer(&self) -> Reviewer {
        Reviewer::parse(&self.reviewer).unwrap_or(Reviewer::Office)
    }

    /// The day it was published: a study session must be on it or after.
    pub fn published_on(&self) -> Date {
        self.from_date.unwrap_or_else(|| cst_date(self.published_ms))
    }
}

pub type DocFile = crate::attachments::FileMeta;

const SELECT: &str = "SELECT d.id, d.campaign_id, d.template_id, d.title, d.body, d.published_ms, tt.item, tt.owners_json, tt.due_date, tt.from_date, tt.reviewer, c.state AS campaign_state \
     FROM study_docs d JOIN task_templates tt ON tt.id = d.template_id JOIN campaigns c ON c.id = d.campaign_id";

/// Publishes a document to study in the running campaign: its template and, through the
/// fan-out, every owner's task. The office only. Returns the document's id and the number of
/// tasks made.
pub async fn publish(c: &mut Conn, scope: &Scope, d: &Doc, docs_files: Vec<NewDocFile>, today: Date) -> Result<(i64, i64), StoreError> {
    crate::scope::office_only(scope)?;
    if !d.owners.holds_meetings() {
        return Err(StoreError::invalid("owners", "学习文件发给党组织或单位", "A document to study goes to organizations or units"));
    }
    if d.due < today {
        return Err(StoreError::invalid("due", "学习截止日期不能早于今天", "The day to study it by cannot be in the past"));
    }
    let Some(camp) = campaign::current(c).await? else {
        return Err(StoreError::conflict("没有进行中的创先争优活动：请先加载活动计划", "No campaign is running: load the campaign's plan first"));
    };
    if let Owners::Units(names) = &d.owners {
        for n in names {
            if campaign::unit_named(c, n).await?.is_none() {
                return Err(StoreError::invalid("units", format!("找不到单位“{n}”"), format!("No unit called \"{n}\"")));
            }
        }
    }
    let now = now_ms();
    let sort = 1000 + c.fetch_i64(Sql::new("SELECT COUNT(*) FROM task_templates WHERE campaign_id = $1").bind(camp.id)).await?;
    let template = TaskTemplate {
        // Renamed below to the document's id; a plan's codes never hold a dot.
        code: format!("study.new.{now}"),
        item: d.item,
        title: format!("学习《{}》", d.title),
        description: Some(format!("组织学习《{}》，召开专题学习会（或在支部党员大会、党课、中心组学习等会议上学习）并记录，然后在此提交学习记录。", d.title)),
        owners: d.owners.clone(),
        deliverable: Deliverable::Study,
        from: Some(today),
        due: Some(d.due),
        wording: None,
        reviewer: d.reviewer,
    };
    let template_id = campaign::insert_template(c, camp.id, &template, sort, "study").await?;
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO study_docs (campaign_id, template_id, title, body, published_by, published_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(camp.id)
                .bind(template_id)
                .bind(d.title.as_str())
                .bind(d.body.as_str())
                .bind(scope.account.0)
                .bind(now),
        )
        .await?;
    c.execute(Sql::new("UPDATE task_templates SET code = $1 WHERE id = $2").bind(format!("study.{id}")).bind(template_id)).await?;
    let files = crate::attachments::keep(c, crate::attachments::STUDY_DOC, id, docs_files).await?;
    campaign::sync(c, camp.id).await?;
    let tasks = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM tasks WHERE template_id = $1").bind(template_id)).await?;
    audit::append(
        c,
        scope,
        "study.publish",
        "study_doc",
        id,
        None,
        audit::snapshot(
            &serde_json::json!({"title": d.title, "template": template_id, "owners": d.owners, "due": pacesetter_domain::dates::iso(d.due), "files": files, "tasks": tasks}),
        ),
    )
    .await?;
    Ok((id, tasks))
}

/// Every document published, newest first (documents to study are for everyone signed in).
pub async fn list(c: &mut Conn) -> Result<Vec<DocRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{SELECT} ORDER BY d.published_ms DESC, d.id DESC"))).await?)
}

pub async fn get(c: &mut Conn, id: i64) -> Result<DocRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{SELECT} WHERE d.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// The document a template was published for, if it was.
pub async fn of_template(c: &mut Conn, template: i64) -> Result<Option<DocRow>, StoreError> {
    Ok(c.fetch_optional(Sql::new(format!("{SELECT} WHERE d.template_id = $1")).bind(template)).await?)
}

pub async fn files(c: &mut Conn, id: i64) -> Result<Vec<DocFile>, StoreError> {
    crate::attachments::list(c, crate::attachments::STUDY_DOC, id).await
}

pub async fn file(c: &mut Conn, file: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    crate::attachments::read(c, crate::attachments::STUDY_DOC, file).await
}

/// A meeting an owner held, as a study record names it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct StudySession {
    pub id: i64,
    pub kind: String,
    pub topic: String,
    pub on_day: Date,
    pub present: i64,
    pub expected: i64,
}

const SESSION: &str = "SELECT m.id, m.kind, m.topic, m.on_day, \
     (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status = 'present') AS present, \
     (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id) AS expected FROM meetings m";

/// Narrows a query on `meetings m` to those the task's owner held and recorded on or after
/// `from`; false when the owner holds no meetings (a person).
fn push_held_by_owner(q: &mut Sql, t: &TaskRow, from: Option<Date>) -> bool {
    q.push(" AND m.state = 'held'");
    match (t.org_id, t.unit_id) {
        (Some(o), _) => q.push(" AND m.org_id = ").push_bind(o),
        (None, Some(u)) => q.push(" AND m.unit_id = ").push_bind(u),
        _ => return false,
    };
    if let Some(f) = from {
        q.push(" AND m.on_day >= ").push_bind(f);
    }
    true
}

/// The meetings a task's owner held and recorded on or after the task's first day (the
/// document's publication): what its study record may name, the fifty newest.
pub async fn sessions_for(c: &mut Conn, t: &TaskRow, from: Option<Date>) -> Result<Vec<StudySession>, StoreError> {
    let mut q = Sql::new(format!("{SESSION} WHERE TRUE"));
    if !push_held_by_owner(&mut q, t, from) {
        return Ok(Vec::new());
    }
    q.push(" ORDER BY m.on_day DESC, m.id DESC LIMIT 50");
    Ok(c.fetch_all(q).await?)
}

/// Checks that a study record may name `meeting`: one the task's owner held and recorded on
/// or after `from`. Any other meeting, or none, gets the same answer.
pub async fn check_session(c: &mut Conn, t: &TaskRow, meeting: Option<i64>, from: Option<Date>) -> Result<(), StoreError> {
    let mut q = Sql::new("SELECT COUNT(*) FROM meetings m WHERE m.id = ");
    q.push_bind(meeting.unwrap_or(0));
    if push_held_by_owner(&mut q, t, from) && c.fetch_i64(q).await? > 0 {
        return Ok(());
    }
    Err(StoreError::invalid(
        "meeting",
        "请选择本组织（单位）在文件下发后召开并已记录的学习会议",
        "Choose a meeting your organization (unit) held and recorded after the document was published",
    ))
}

/// The study sessions a task's submissions named: (submission id, session).
pub async fn named_sessions(c: &mut Conn, task: i64) -> Result<Vec<(i64, StudySession)>, StoreError> {
    let rows: Vec<(i64, i64)> = c
        .fetch_all(Sql::new("SELECT sm.submission_id, sm.meeting_id FROM submission_meetings sm JOIN submissions s ON s.id = sm.submission_id WHERE s.task_id = $1").bind(task))
        .await?;
    let mut out = Vec::new();
    for (sub, m) in rows {
        if let Some(s) = c.fetch_optional::<StudySession>(Sql::new(format!("{SESSION} WHERE m.id = $1")).bind(m)).await? {
            out.push((sub, s));
        }
    }
    Ok(out)
}

/// The template of a document, for the dashboards.
pub async fn template_of(c: &mut Conn, d: &DocRow) -> Result<TemplateRow, StoreError> {
    campaign::template(c, d.template_id).await
}

/// The demo's documents to study: the university's implementation plan (item 1) to every
/// branch, studied and accepted by most before the demo day, and the Sixth Plenum's decision
/// (item 4) to every secondary organization, studied by about half so far. The organizations
/// the demo accounts keep are left to start from the beginning.
pub async fn demo(c: &mut Conn, day: Date) -> Result<usize, StoreError> {
    use crate::meeting::{self, Host};
    use pacesetter_domain::meeting::{Attendance, Kind, Schedule};
    let scope = Scope::system("demo-loader");
    let mut rng = pacesetter_domain::rng::DemoRng::new(48);
    let year = day.year();
    let date = |m: u8, d: u8| Date::from_calendar_date(year, time::Month::try_from(m).unwrap_or(time::Month::March), d).unwrap_or(day);
    let docs = [
        (
            Doc {
                title: "中共长沙理工大学委员会关于在全校党组织和党员中深入开展创先争优活动的实施方案".into(),
                body: "各党支部要组织全体党员认真学习《实施方案》，准确把握今年创先争优活动的总体要求、主要任务和时间安排，结合本支部实际逐条讨论，明确本支部和每名党员的努力方向。\n\n学习要求：\n1. 召开支部党员大会或专题学习会集中学习，党员到会率不低于80%；\n2. 每名党员结合岗位谈认识、提承诺；\n3. 会后形成会议记录，附学习照片。".into(),
                item: Some(1),
                owners: Owners::Branches,
                due: date(3, 20),
                reviewer: Reviewer::Parent,
            },
            date(3, 1),
            0.8,
        ),
        (
            Doc {
                title: "中共中央关于深化文化体制改革推动社会主义文化大发展大繁荣若干重大问题的决定".into(),
                body: "认真学习宣传党的十七届六中全会精神。各二级党组织以中心组学习、专题学习会等形式组织学习《决定》，结合学校文化建设和本单位工作研讨贯彻措施，并指导所属党支部开展学习。".into(),
                item: Some(4),
                owners: Owners::SecondaryOrgs,
                due: date(4, 30),
                reviewer: Reviewer::Office,
            },
            date(3, 5),
            0.5,
        ),
    ];
    let mut n = 0;
    for (doc, published, share) in docs {
        if published >= day {
            continue;
        }
        let (id, _) = publish(c, &scope, &doc, Vec::new(), published).await?;
        let d = get(c, id).await?;
        let tasks: Vec<(i64, i64)> = c
            .fetch_all(
                Sql::new("SELECT t.id, t.org_id FROM tasks t WHERE t.template_id = $1 AND t.org_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.org_id = t.org_id) ORDER BY t.id")
                    .bind(d.template_id),
            )
            .await?;
        let last = day.min(doc.due) - time::Duration::days(1);
        let span = (last - published).whole_days().max(1) as usize;
        for (task, org) in tasks {
            if !rng.chance(share) {
                continue;
            }
            let on = published + time::Duration::days(1 + rng.below(span) as i64);
            if on >= day {
                continue;
            }
            // A committee studies with its own members (the committee); a branch with all.
            let own: Vec<(i64,)> =
                c.fetch_all(Sql::new("SELECT DISTINCT person_id FROM org_memberships WHERE org_id = $1 AND end_date IS NULL AND post <> 'member'").bind(org)).await?;
            let invite: Vec<i64> = if doc.owners == Owners::SecondaryOrgs { own.into_iter().map(|r| r.0).collect() } else { Vec::new() };
            let s = Schedule {
                kind: Kind::Study,
                topic: format!("学习《{}》", doc.title.chars().take(30).collect::<String>()),
                on_day: on,
                starts: "15:00".into(),
                ends: "17:00".into(),
                place: "党员活动室".into(),
            };
            // An organization with nobody to expect is skipped (refused before any statement).
            let m = match meeting::schedule(c, &scope, Host::Org(org), &s, &invite).await {
                Ok(m) => m,
                Err(StoreError::Invalid(_)) => continue,
                Err(e) => return Err(e),
            };
            let marks: Vec<(i64, Attendance, Option<String>)> =
                meeting::expected_people(c, m).await?.into_iter().filter(|_| rng.below(100) < 88).map(|p| (p, Attendance::Present, None)).collect();
            meeting::mark(c, &scope, m, &marks).await?;
            meeting::record(c, &scope, m, "集中学习文件原文，与会党员结合本职工作逐一交流学习体会，书记作总结并对贯彻落实提出要求。", Vec::new(), day).await?;
            let handed = (on + time::Duration::days(1 + rng.below(3) as i64)).min(day - time::Duration::days(1));
            let at = pacesetter_domain::dates::cst_ms(handed, 10);
            let sub = c
                .fetch_i64(
                    Sql::new("INSERT INTO submissions (task_id, body, submitted_by, submitted_ms) VALUES ($1, $2, 'demo-loader', $3) RETURNING id")
                        .bind(task)
                        .bind("已组织集中学习，会议记录和照片见所附学习会议。")
                        .bind(at),
                )
                .await?;
            c.execute(Sql::new("INSERT INTO submission_meetings (submission_id, meeting_id) VALUES ($1, $2)").bind(sub).bind(m)).await?;
            let state = if rng.chance(0.8) { "accepted" } else { "submitted" };
            c.execute(
                Sql::new("UPDATE tasks SET state = $1, first_submitted = $2, last_submitted_ms = $3, decided_ms = CASE WHEN $1 = 'accepted' THEN $3 + 86400000 ELSE NULL END WHERE id = $4")
                    .bind(state)
                    .bind(handed)
                    .bind(at)
                    .bind(task),
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}
