//! Member development (发展党员) as use cases: opening a file with the application, recording
//! each step after the rules of the plan file (`[development]`), thought reports, the list of
//! the pipelines in reach with what is overdue, the per-college overview against the office's
//! quotas (page and .xlsx), the 公示 of candidates, and a person's file as a PDF timeline.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::calendar::Calendar;
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::development::{Details, Frame, Pipeline, Rules, Step, Vote, publicity_ends};
use pacesetter_domain::member_file::years_between;
use pacesetter_domain::people::{PersonKind, PoliticalStatus};
use pacesetter_domain::scope::Scope;
use pacesetter_store::development::{self as store, DevFile, Line};
use pacesetter_store::{Conn, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::Date;

/// The rules and the working-day calendar of the running campaign's plan (the defaults and
/// weekends only when none runs).
pub async fn rules(c: &mut Conn) -> AppResult<(Rules, Calendar)> {
    Ok(match pacesetter_store::campaign::current(c).await? {
        Some(row) => {
            let plan = row.plan()?;
            (plan.development, plan.calendar)
        }
        None => (Rules::default(), Calendar::default()),
    })
}

/// A step as typed (form or JSON): every field text.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct StepInput {
    /// The step's code (applied, talked, activist, activist_filed, candidate, candidate_filed,
    /// political_review, training, publicity, pre_review, admitted, higher_talk, approved, oath,
    /// conversion_meeting, extended, full_approved, cancelled).
    #[serde(default)]
    pub step: String,
    /// The day it happened, YYYY-MM-DD, not after today.
    #[serde(default)]
    pub on: String,
    /// Who did it (谈话人, 审查人 …).
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub note: String,
    /// 培养联系人 (activist: one or two) or 入党介绍人 (candidate: two), full members by number.
    #[serde(default)]
    pub numbers: String,
    /// A branch meeting's vote: full members with a vote, present, yes.
    #[serde(default)]
    pub with_vote: String,
    #[serde(default)]
    pub present: String,
    #[serde(default)]
    pub yes: String,
    /// Training: the certificate's number.
    #[serde(default)]
    pub certificate: String,
    /// Publicity: where it was posted, and its last day (the rules' working days when empty).
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub until: String,
    /// Extension: months.
    #[serde(default)]
    pub months: String,
}

fn number(field: &str, v: &str) -> AppResult<i64> {
    v.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=1_000_000).contains(n))
        .ok_or_else(|| AppError::invalid_field(field, "请填写0至1000000之间的整数", "A whole number from 0 to 1,000,000"))
}

impl StepInput {
    /// The step, its day and its details; people named by number must be full members.
    pub(crate) async fn read(&self, c: &mut Conn) -> AppResult<(Step, Date, Details)> {
        let step = Step::parse(&self.step).ok_or_else(|| AppError::invalid_field("step", "请选择步骤", "Choose the step"))?;
        let on = pacesetter_domain::validate::date(&self.on).map_err(|t| AppError::invalid_field("on", &t.zh, &t.en))?;
        let mut d = Details { by: self.by.trim().chars().take(50).collect(), note: self.note.trim().chars().take(500).collect(), ..Default::default() };
        if matches!(step, Step::Activist | Step::Candidate) {
            let ids = crate::app::people::ids_of_numbers(c, &self.numbers, "numbers").await?;
            for id in &ids {
                let status = c
                    .fetch_opt_string(pacesetter_store::db::Sql::new("SELECT political_status FROM people WHERE id = $1 AND left_on IS NULL").bind(*id))
                    .await
                    .map_err(StoreError::from)?;
                if status.as_deref() != Some(PoliticalStatus::CpcMember.code()) {
                    return Err(AppError::invalid_field("numbers", "培养联系人和入党介绍人须为正式党员", "Contacts and introducers are full members"));
                }
            }
            d.people = ids;
        }
        if step.has_vote() {
            d.vote = Some(Vote { with_vote: number("with_vote", &self.with_vote)?, present: number("present", &self.present)?, yes: number("yes", &self.yes)? });
        }
        d.certificate = self.certificate.trim().chars().take(50).collect();
        d.place = self.place.trim().chars().take(100).collect();
        if !self.until.trim().is_empty() {
            d.until = Some(pacesetter_domain::validate::date(&self.until).map_err(|t| AppError::invalid_field("until", &t.zh, &t.en))?);
        }
        if step == Step::Extended {
            d.months = Some(number("months", &self.months)? as i32);
        }
        Ok((step, on, d))
    }
}

/// The start of a file: the branch, the person by number, and the application.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct StartInput {
    /// The branch that develops the person.
    #[serde(default)]
    pub org_id: String,
    /// The person's staff or student number.
    #[serde(default)]
    pub number: String,
    /// The day of the application (入党申请书), YYYY-MM-DD.
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub note: String,
}

pub async fn start(s: &AppState, scope: &Scope, input: &StartInput) -> AppResult<i64> {
    let org = input.org_id.trim().parse::<i64>().map_err(|_| AppError::invalid_field("org_id", "请选择党支部", "Choose the branch"))?;
    let on = pacesetter_domain::validate::date(&input.on).map_err(|t| AppError::invalid_field("on", &t.zh, &t.en))?;
    let mut w = s.store.write().await?;
    let person = crate::app::people::ids_of_numbers(&mut w, &input.number, "number").await?;
    let [person] = person.as_slice() else { return Err(AppError::invalid_field("number", "请填写一个工号或学号", "Give one staff or student number")) };
    let (rules, cal) = rules(&mut w).await?;
    let d = Details { note: input.note.trim().chars().take(500).collect(), ..Default::default() };
    store::start(&mut w, scope, org, *person, on, &d, &Frame { rules: &rules, cal: &cal, today: today() }).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(*person)
}

pub async fn record(s: &AppState, scope: &Scope, person: i64, input: &StepInput) -> AppResult<()> {
    let mut w = s.store.write().await?;
    // The file must be in reach before anything about the input is said.
    store::get(&mut w, scope, person).await?;
    let (step, on, d) = input.read(&mut w).await?;
    let (rules, cal) = rules(&mut w).await?;
    store::record(&mut w, scope, person, step, on, &d, &Frame { rules: &rules, cal: &cal, today: today() }).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A thought report as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReportInput {
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    pub on: String,
    /// The report's gist.
    #[serde(default)]
    pub summary: String,
}

pub async fn report(s: &AppState, scope: &Scope, person: i64, input: &ReportInput) -> AppResult<()> {
    let on = pacesetter_domain::validate::date(&input.on).map_err(|t| AppError::invalid_field("on", &t.zh, &t.en))?;
    let mut w = s.store.write().await?;
    store::add_report(&mut w, scope, person, on, &input.summary, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A step that may come next, with whether the caller records it and its earliest day.
pub struct NextStep {
    pub step: Step,
    pub mine: bool,
    pub earliest: Option<(Date, pacesetter_domain::Text)>,
}

/// A file with what follows from it today.
pub struct FileView {
    pub file: DevFile,
    pub pipeline: Pipeline,
    pub next: Vec<NextStep>,
    pub overdue: Vec<(Date, pacesetter_domain::Text)>,
    pub rules: Rules,
    /// The names of the people the steps name (contacts, introducers), by id.
    pub names: HashMap<i64, String>,
    pub publicity_until: Option<Date>,
    /// The documents of the steps, and the recorded steps the caller may add documents to.
    pub documents: Vec<pacesetter_store::development::DocRow>,
    pub attachable: Vec<Step>,
}

pub async fn file(s: &AppState, scope: &Scope, person: i64) -> AppResult<FileView> {
    let mut c = s.store.read().await?;
    let file = store::get(&mut c, scope, person).await?;
    let (rules, cal) = rules(&mut c).await?;
    let pipeline = store::pipeline_of(&file.steps);
    let mut next = Vec::new();
    for step in pipeline.next() {
        let mine = store::may_record(&mut c, scope, &file.org, step).await?;
        next.push(NextStep { step, mine, earliest: pipeline.earliest(step, &rules, &cal) });
    }
    let mut names = HashMap::new();
    for id in pipeline.steps.iter().flat_map(|r| r.details.people.iter()) {
        if let Some(n) = c.fetch_opt_string(pacesetter_store::db::Sql::new("SELECT name FROM people WHERE id = $1").bind(*id)).await.map_err(StoreError::from)? {
            names.insert(*id, n);
        }
    }
    let publicity_until = pipeline.get(Step::Publicity).map(|p| p.details.until.unwrap_or_else(|| publicity_ends(p.on, &rules, &cal)));
    let documents = store::documents(&mut c, scope, person).await?;
    let mut attachable = Vec::new();
    for r in &pipeline.steps {
        if store::may_record(&mut c, scope, &file.org, r.step).await? {
            attachable.push(r.step);
        }
    }
    Ok(FileView { overdue: pipeline.overdue(&rules, today()), file, pipeline, next, rules, names, publicity_until, documents, attachable })
}

pub async fn list(s: &AppState, scope: &Scope, college: Option<i64>) -> AppResult<(Vec<Line>, Rules)> {
    let mut c = s.store.read().await?;
    let (rules, _) = rules(&mut c).await?;
    Ok((store::list(&mut c, scope, college).await?, rules))
}

/// Where a pipeline stands, for lists: the last step's stage.
pub fn stage_of(p: &Pipeline) -> &'static str {
    let last = p.steps.iter().map(|r| r.step).max();
    match last {
        None | Some(Step::Applied | Step::Talked) => "applicant",
        Some(Step::Activist | Step::ActivistFiled) => "activist",
        Some(s) if s < Step::Approved => "candidate",
        Some(Step::Cancelled) => "cancelled",
        Some(Step::FullApproved) => "full",
        Some(_) => "probationary",
    }
}

pub fn stage_label(code: &str, lang: Lang) -> &'static str {
    match code {
        "applicant" => lang.t("入党申请人", "Applicants"),
        "activist" => lang.t("入党积极分子", "Activists"),
        "candidate" => lang.t("发展对象", "Candidates"),
        "probationary" => lang.t("预备党员", "Probationary"),
        "full" => lang.t("已转正", "Full members"),
        _ => lang.t("已取消", "Cancelled"),
    }
}

pub const STAGES: [&str; 6] = ["applicant", "activist", "candidate", "probationary", "full", "cancelled"];

/// One secondary organization's development in a year.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub college_id: i64,
    pub college: String,
    /// The office's quota for the year (null when none is set).
    pub quota: Option<i64>,
    /// People at each stage now: applicant, activist, candidate, probationary, full, cancelled.
    pub stages: Vec<(String, i64)>,
    /// Admitted (approved as probationary) this year, and among them the plan's emphases.
    pub admitted: i64,
    pub admitted_students: i64,
    pub admitted_staff: i64,
    pub admitted_talent: i64,
    pub admitted_young_teachers: i64,
    /// Students admitted by the year they entered (the first four digits of a student number).
    pub admitted_students_by_entry: Vec<(String, i64)>,
    /// Files with something overdue.
    pub overdue: i64,
}

pub async fn overview(s: &AppState, scope: &Scope, year: i32, college: Option<i64>) -> AppResult<Vec<Overview>> {
    let mut c = s.store.read().await?;
    let (rules, _) = rules(&mut c).await?;
    let lines = store::list(&mut c, scope, college).await?;
    overview_of(&mut c, &lines, &rules, year).await
}

/// The overview of these files: counts per stage now, and the year's admissions with the
/// plan's emphases (read from the files of those admitted only).
pub async fn overview_of(c: &mut Conn, lines: &[Line], rules: &Rules, year: i32) -> AppResult<Vec<Overview>> {
    let quotas = store::quotas(c, year).await?;
    let file_rules = pacesetter_store::member_file::rules(c).await?;
    let admitted: Vec<i64> = lines.iter().filter(|l| l.pipeline.iter().any(|r| r.step == Step::Approved && r.on.year() == year)).map(|l| l.person_id).collect();
    let files = pacesetter_store::member_file::stored_many(c, &admitted).await?;
    let mut out: Vec<Overview> = Vec::new();
    let mut at: HashMap<i64, usize> = HashMap::new();
    let day = today();
    for l in lines {
        let i = *at.entry(l.college_id).or_insert_with(|| {
            out.push(Overview {
                college_id: l.college_id,
                college: l.college.clone(),
                quota: quotas.get(&l.college_id).copied(),
                stages: STAGES.iter().map(|s| (s.to_string(), 0)).collect(),
                ..Default::default()
            });
            out.len() - 1
        });
        let o = &mut out[i];
        let p = l.p();
        let stage = stage_of(&p);
        if let Some(x) = o.stages.iter_mut().find(|(s, _)| s == stage) {
            x.1 += 1;
        }
        if !p.overdue(rules, day).is_empty() {
            o.overdue += 1;
        }
        if p.day(Step::Approved).is_some_and(|d| d.year() == year) {
            o.admitted += 1;
            let kind = PersonKind::parse(&l.kind).unwrap_or(PersonKind::Staff);
            let f = files.get(&l.person_id).cloned().unwrap_or_default();
            match kind {
                PersonKind::Student => {
                    o.admitted_students += 1;
                    let entry: String = l.number.chars().take(4).collect();
                    match o.admitted_students_by_entry.iter_mut().find(|(y, _)| *y == entry) {
                        Some(x) => x.1 += 1,
                        None => o.admitted_students_by_entry.push((entry, 1)),
                    }
                }
                _ => o.admitted_staff += 1,
            }
            o.admitted_talent += i64::from(f.is_talent());
            o.admitted_young_teachers += i64::from(file_rules.is_young_teacher(kind, &f, day));
        }
    }
    for o in out.iter_mut() {
        o.admitted_students_by_entry.sort();
    }
    out.sort_by(|a, b| a.college.cmp(&b.college));
    Ok(out)
}

/// The overview as one sheet.
pub fn overview_sheet(rows: &[Overview], year: i32, lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let mut headers = vec![t("二级党组织", "Secondary organization"), format!("{year}{}", t("年名额", " quota")), format!("{year}{}", t("年发展", " admitted"))];
    headers.extend(STAGES.iter().map(|s| stage_label(s, lang).to_string()));
    headers.extend([
        t("其中学生", "Students"),
        t("其中教职工", "Staff"),
        t("高层次人才", "High-level talent"),
        t("青年教师", "Young teachers"),
        t("学生按入学年级", "Students by entry"),
        t("有超期事项", "Overdue"),
    ]);
    crate::export::Sheet {
        name: t("发展党员", "Development"),
        headers,
        rows: rows
            .iter()
            .map(|o| {
                let mut r = vec![o.college.clone(), o.quota.map(|q| q.to_string()).unwrap_or_default(), o.admitted.to_string()];
                r.extend(o.stages.iter().map(|(_, n)| n.to_string()));
                r.extend([
                    o.admitted_students.to_string(),
                    o.admitted_staff.to_string(),
                    o.admitted_talent.to_string(),
                    o.admitted_young_teachers.to_string(),
                    o.admitted_students_by_entry.iter().map(|(y, n)| format!("{y}级{n}")).collect::<Vec<_>>().join("、"),
                    o.overdue.to_string(),
                ]);
                r
            })
            .collect(),
    }
}

/// The office's quota for a secondary organization and year.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct QuotaInput {
    #[serde(default)]
    pub org_id: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub quota: String,
}

pub async fn set_quota(s: &AppState, scope: &Scope, q: &QuotaInput) -> AppResult<()> {
    let org = number("org_id", &q.org_id)?;
    let year = number("year", &q.year)?;
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid_field("year", "年份无效", "Unknown year"));
    }
    let quota = number("quota", &q.quota)?;
    let mut w = s.store.write().await?;
    store::set_quota(&mut w, scope, org, year as i32, quota).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A candidate on public notice (公示): what the notice says, never a birth date or an ID number.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub name: String,
    pub branch: String,
    pub college: String,
    pub applied_on: Option<String>,
    pub activist_on: Option<String>,
    pub candidate_on: Option<String>,
    /// 入党介绍人.
    pub introducers: Vec<String>,
    pub from: String,
    pub until: String,
    pub place: String,
}

/// The notices running today in the caller's own secondary organizations (by their Party or
/// unit memberships), every one for the office and the leaders.
pub async fn notices(s: &AppState, scope: &Scope) -> AppResult<Vec<Notice>> {
    let mut c = s.store.read().await?;
    let (rules, cal) = rules(&mut c).await?;
    let all = store::list(&mut c, &Scope::system("notices"), None).await?;
    let mine: Vec<i64> = match scope.person {
        _ if scope.is_office() || scope.has(pacesetter_domain::role::Role::Leader) => all.iter().map(|l| l.college_id).collect(),
        Some(p) => colleges_of(&mut c, p.0).await?,
        None => Vec::new(),
    };
    let day = today();
    let mut out = Vec::new();
    for l in all.iter().filter(|l| mine.contains(&l.college_id)) {
        let p = l.p();
        let Some(pubn) = p.get(Step::Publicity) else { continue };
        let until = pubn.details.until.unwrap_or_else(|| publicity_ends(pubn.on, &rules, &cal));
        if pubn.on > day || until < day {
            continue;
        }
        let mut introducers = Vec::new();
        for id in p.get(Step::Candidate).map(|r| r.details.people.clone()).unwrap_or_default() {
            if let Some(n) = c.fetch_opt_string(pacesetter_store::db::Sql::new("SELECT name FROM people WHERE id = $1").bind(id)).await.map_err(StoreError::from)? {
                introducers.push(n);
            }
        }
        out.push(Notice {
            name: l.name.clone(),
            branch: l.branch.clone(),
            college: l.college.clone(),
            applied_on: p.day(Step::Applied).map(iso),
            activist_on: p.day(Step::Activist).map(iso),
            candidate_on: p.day(Step::Candidate).map(iso),
            introducers,
            from: iso(pubn.on),
            until: iso(until),
            place: pubn.details.place.clone(),
        });
    }
    Ok(out)
}

/// The secondary organizations a person belongs to through either tree (a unit counts for the
/// college committee it is linked to).
async fn colleges_of(c: &mut Conn, person: i64) -> AppResult<Vec<i64>> {
    let rows: Vec<(i64,)> = c
        .fetch_all(
            pacesetter_store::db::Sql::new(
                "SELECT o.id FROM orgs o WHERE o.kind IN ('committee', 'general_branch', 'direct_branch') AND (\
                 EXISTS (SELECT 1 FROM org_memberships m JOIN orgs x ON x.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL AND x.path LIKE o.path || '%') \
                 OR EXISTS (SELECT 1 FROM unit_memberships m JOIN units x ON x.id = m.unit_id JOIN units lu ON lu.id = o.linked_unit_id \
                   WHERE m.person_id = $1 AND m.end_date IS NULL AND x.path LIKE lu.path || '%'))",
            )
            .bind(person),
        )
        .await
        .map_err(StoreError::from)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A person's age in years on a day, for the file's header.
pub fn age_on(birth: Option<Date>, day: Date) -> Option<i32> {
    birth.map(|b| years_between(b, day))
}

/// Reminds the branch's secretaries and the 培养联系人 of every step overdue, once per step and
/// due day. Returns the notifications made.
pub async fn remind(store_: &pacesetter_store::Store, public_url: &str, day: Date) -> Result<usize, StoreError> {
    use pacesetter_store::notify::{self, Link};
    let mut w = store_.write().await?;
    let (rules, _) = rules(&mut w).await.unwrap_or_default();
    let lines = store::list(&mut w, &Scope::system("development-reminders"), None).await?;
    let mut n = 0;
    for l in lines {
        let p = l.p();
        let overdue = p.overdue(&rules, day);
        if overdue.is_empty() {
            continue;
        }
        let mut to = store::secretary_accounts(&mut w, l.branch_id, day).await?;
        for contact in p.get(Step::Activist).map(|r| r.details.people.clone()).unwrap_or_default() {
            to.extend(pacesetter_store::problem::person_accounts(&mut w, contact).await?);
        }
        to.sort();
        to.dedup();
        let link = Link { task: None, href: format!("/development/{}", l.person_id) };
        for (due, why) in overdue {
            n += notify::tell(
                &mut w,
                &to,
                "development_overdue",
                &format!("{}的发展流程已超期（{}）：{}", l.name, iso(due), why.zh),
                &format!("{}'s development is overdue ({}): {}", l.name, iso(due), why.en),
                &link,
                &format!("development:{}:{}", l.person_id, iso(due)),
                public_url,
            )
            .await?;
        }
    }
    w.commit().await?;
    Ok(n)
}

/// The files as one sheet, a line per person (the overdue first).
pub fn files_sheet(lines: &[Line], rules: &Rules, lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let day = today();
    let mut rows: Vec<(bool, Vec<String>)> = lines
        .iter()
        .map(|l| {
            let p = l.p();
            let last = p.steps.iter().max_by_key(|r| r.step);
            let overdue = p.overdue(rules, day);
            (
                !overdue.is_empty(),
                vec![
                    l.college.clone(),
                    l.branch.clone(),
                    l.name.clone(),
                    l.number.clone(),
                    stage_label(stage_of(&p), lang).to_string(),
                    last.map(|r| r.step.label(lang).to_string()).unwrap_or_default(),
                    last.map(|r| iso(r.on)).unwrap_or_default(),
                    p.day(Step::Applied).map(iso).unwrap_or_default(),
                    p.day(Step::ActivistFiled).map(iso).unwrap_or_default(),
                    p.day(Step::Admitted).map(iso).unwrap_or_default(),
                    overdue.iter().map(|(d, w)| format!("{} {}", iso(*d), w.get(lang))).collect::<Vec<_>>().join("；"),
                ],
            )
        })
        .collect();
    rows.sort_by_key(|b| std::cmp::Reverse(b.0));
    crate::export::Sheet {
        name: t("发展档案", "Development files"),
        headers: vec![
            t("二级党组织", "Secondary organization"),
            t("党支部", "Branch"),
            t("姓名", "Name"),
            t("工号/学号", "Number"),
            t("阶段", "Stage"),
            t("最近一步", "Last step"),
            t("日期", "Day"),
            t("申请入党", "Applied"),
            t("积极分子备案", "Activist filed"),
            t("支部大会通过", "Admitted"),
            t("超期事项", "Overdue"),
        ],
        rows: rows.into_iter().map(|r| r.1).collect(),
    }
}

/// Adds checked documents (PDF, Word, Excel, photos) to a recorded step.
pub async fn attach(s: &AppState, scope: &Scope, person: i64, step: &str, files: Vec<crate::upload::File>, errors: pacesetter_domain::validate::FieldErrors) -> AppResult<()> {
    let step = Step::parse(step).ok_or(AppError::not_found())?;
    let mut w = s.store.write().await?;
    // The file must be in reach before anything about the upload is said.
    store::get(&mut w, scope, person).await?;
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    if files.is_empty() {
        return Err(AppError::invalid_field("files", "请选择要上传的材料", "Choose the documents to upload"));
    }
    let files = files.into_iter().map(|f| (f.filename, f.kind.content_type().to_string(), f.data)).collect();
    store::attach(&mut w, scope, person, step, files).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

pub async fn document(s: &AppState, scope: &Scope, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::document(&mut c, scope, id).await?)
}
