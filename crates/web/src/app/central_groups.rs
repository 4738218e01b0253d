//! The central groups (党委中心组, item 5) as use cases: the groups in reach and setting one up,
//! a group's members with their roles and posts, its study plan by month, scheduling a session
//! (a meeting of the meetings module: QR check-in, leave, minutes), speeches and written
//! reflections handed in per member, and the year's assessment by the office's weights, with
//! the inputs behind every score (page and .xlsx).

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::Lang;
use pacesetter_domain::central_group::{self as cg, Contribution, GroupRole, Guest, Inputs, Score, Weights};
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::meeting::{self as mt, Kind};
use pacesetter_domain::scope::Scope;
use pacesetter_store::StoreError;
use pacesetter_store::central_group::{self as store, ContributionRow, GroupRow, MemberRow, PlanRow, SessionRow, Standing};
use serde::{Deserialize, Serialize};

/// Below this many members with a score, a member sees no group mean (it would tell the others'
/// scores by subtraction).
pub const MIN_FOR_MEAN: usize = 5;

/// The year to show: the one asked for, or by default this year. A former member sees only the
/// years their terms span (by default the last), NotFound otherwise.
fn year_for(st: &Standing, year: Option<i32>) -> AppResult<i32> {
    match st.served {
        None => Ok(year.unwrap_or_else(|| today().year())),
        Some((from, to)) => {
            let y = year.unwrap_or(to);
            if (from..=to).contains(&y) { Ok(y) } else { Err(StoreError::NotFound.into()) }
        }
    }
}

/// The groups the caller keeps or belongs to, and the organizations where they may set one up.
pub struct Groups {
    pub groups: Vec<GroupRow>,
    pub can_create: Vec<(i64, String)>,
    pub weights: Weights,
    pub office: bool,
}

pub async fn list(s: &AppState, scope: &Scope) -> AppResult<Groups> {
    let mut c = s.store.read().await?;
    let groups = store::list(&mut c, scope).await?;
    let taken: Vec<i64> = groups.iter().map(|g| g.org_id).collect();
    let mut can_create = Vec::new();
    for n in pacesetter_store::tree::all(&mut c, pacesetter_store::tree::Tree::Org).await? {
        let kind = pacesetter_domain::org::OrgKind::parse(&n.kind);
        let fits = kind.is_some_and(|k| k == pacesetter_domain::org::OrgKind::University || k.is_secondary());
        let keeps = scope.is_office() || scope.party_access(&n.path) == Some(pacesetter_domain::scope::Access::Write);
        if fits && keeps && n.closed_on.is_none() && !taken.contains(&n.id) {
            can_create.push((n.id, n.name));
        }
    }
    // Another keeper's group is not listed, but its organization is no longer free either.
    let mut free = Vec::new();
    for (id, name) in can_create {
        if c.fetch_i64(pacesetter_store::db::Sql::new("SELECT COUNT(*) FROM central_groups WHERE org_id = $1").bind(id)).await.map_err(StoreError::from)? == 0 {
            free.push((id, name));
        }
    }
    Ok(Groups { groups, can_create: free, weights: store::weights(&mut c).await?, office: scope.is_office() })
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct GroupInput {
    /// The university's committee or a secondary organization.
    #[serde(default)]
    pub org_id: String,
    /// The group's name ("…中心组" when empty).
    #[serde(default)]
    pub name: String,
}

pub async fn create(s: &AppState, scope: &Scope, input: &GroupInput) -> AppResult<i64> {
    let org = input.org_id.trim().parse::<i64>().map_err(|_| AppError::invalid_field("org_id", "请选择党组织", "Choose the organization"))?;
    let mut w = s.store.write().await?;
    let id = store::create(&mut w, scope, org, &input.name).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// A month of the plan with the sessions held on it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PlanMonth {
    pub month: i64,
    pub topic: String,
    pub documents: String,
    /// Sessions of that month (held or scheduled).
    pub sessions: i64,
}

/// A group's page.
pub struct GroupView {
    pub group: GroupRow,
    pub standing: Standing,
    pub year: i32,
    pub members: Vec<MemberRow>,
    pub plan: Vec<PlanMonth>,
    pub sessions: Vec<SessionRow>,
}

/// A group's page for a year (this year when None).
pub async fn view(s: &AppState, scope: &Scope, id: i64, year: Option<i32>) -> AppResult<GroupView> {
    let mut c = s.store.read().await?;
    let (group, standing) = store::get(&mut c, scope, id).await?;
    let year = year_for(&standing, year)?;
    let members = store::members(&mut c, id).await?;
    let rows: Vec<PlanRow> = store::plan(&mut c, id, year).await?;
    let sessions = store::sessions(&mut c, &group, year).await?;
    let plan = (1..=12)
        .map(|m| {
            let r = rows.iter().find(|r| r.month == m);
            PlanMonth {
                month: m,
                topic: r.map(|r| r.topic.clone()).unwrap_or_default(),
                documents: r.map(|r| r.documents.clone()).unwrap_or_default(),
                sessions: sessions.iter().filter(|x| x.meeting.on_day.month() as i64 == m && x.meeting.state() != mt::State::Cancelled).count() as i64,
            }
        })
        .collect();
    Ok(GroupView { group, standing, year, members, plan, sessions })
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct MemberInput {
    /// The member's staff number.
    #[serde(default)]
    pub number: String,
    /// leader, deputy, secretary or member.
    #[serde(default)]
    pub role: String,
    /// Their post (职务), such as 党委书记 or 副院长.
    #[serde(default)]
    pub post: String,
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    pub start_date: String,
}

/// Adds a member by staff number. Only the group's keeper gets as far as the number; a number
/// nobody has, one of someone who has left and one of someone out of the keeper's reach get the
/// same answer, so adding a member tells nothing of who is on the roster.
pub async fn add_member(s: &AppState, scope: &Scope, id: i64, input: &MemberInput) -> AppResult<i64> {
    let mut w = s.store.write().await?;
    store::keep(&mut w, scope, id).await?;
    let role = GroupRole::parse(&input.role).ok_or_else(|| AppError::invalid_field("role", "请选择角色", "Choose the role"))?;
    let on = crate::input::date_or_today("start_date", Some(input.start_date.as_str()))?;
    let numbers = pacesetter_domain::validate::numbers_of(&input.number);
    let [number] = numbers.as_slice() else { return Err(AppError::invalid_field("number", "请填写一个工号", "Give one staff number")) };
    let unknown = || AppError::invalid_field("number", &format!("名册中没有这些编号：{number}"), &format!("No one on the roster has these numbers: {number}"));
    let Some(person) = pacesetter_store::people::id_by_number(&mut w, number).await? else { return Err(unknown()) };
    let mid = match store::add_member(&mut w, scope, id, person.0, role, &input.post, on).await {
        Ok(mid) => mid,
        Err(StoreError::Invalid(e)) if e.get("number").is_some() => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    w.commit().await.map_err(StoreError::from)?;
    Ok(mid)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct EndInput {
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    pub on: String,
}

pub async fn end_member(s: &AppState, scope: &Scope, id: i64, member: i64, input: &EndInput) -> AppResult<()> {
    let on = crate::input::date_or_today("on", Some(input.on.as_str()))?;
    let mut w = s.store.write().await?;
    store::end_member(&mut w, scope, id, member, on).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PlanInput {
    #[serde(default)]
    pub year: String,
    /// 1 to 12.
    #[serde(default)]
    pub month: String,
    /// The month's topic (专题); empty takes the month out of the plan.
    #[serde(default)]
    pub topic: String,
    /// The documents to study, as text.
    #[serde(default)]
    pub documents: String,
}

pub async fn set_plan(s: &AppState, scope: &Scope, id: i64, input: &PlanInput) -> AppResult<()> {
    let year = input.year.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(|| AppError::invalid_field("year", "请填写年份", "Give the year"))?;
    let (month, topic, documents) = cg::plan_month(&input.month, &input.topic, &input.documents)?;
    let mut w = s.store.write().await?;
    store::set_plan(&mut w, scope, id, year, month, &topic, &documents).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SessionInput {
    #[serde(default)]
    pub topic: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub on_day: String,
    /// HH:MM.
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    #[serde(default)]
    pub place: String,
    /// 主讲人 or 领学人.
    #[serde(default)]
    pub speaker: String,
    /// The documents studied.
    #[serde(default)]
    pub documents: String,
    /// Guests from outside, one per line: "姓名，单位".
    #[serde(default)]
    pub guests: String,
}

/// Schedules a session and tells every member expected, as any meeting scheduled.
pub async fn schedule(s: &AppState, scope: &Scope, id: i64, input: &SessionInput) -> AppResult<i64> {
    let mut w = s.store.write().await?;
    store::keep(&mut w, scope, id).await?;
    let mut errs = pacesetter_domain::validate::FieldErrors::new();
    let sched = mt::parse_schedule(Kind::CentralGroup.code(), &input.topic, &input.on_day, &input.starts, &input.ends, &input.place, today());
    let guests = cg::guests(&input.guests);
    if input.speaker.trim().is_empty() {
        errs.add("speaker", "请填写主讲人或领学人", "Give the speaker");
    }
    let (sched, guests): (_, Vec<Guest>) = match (sched, guests) {
        (Ok(a), Ok(b)) if errs.is_empty() => (a, b),
        (a, b) => {
            for e in [a.err(), b.err()].into_iter().flatten() {
                errs.0.extend(e.0);
            }
            return Err(AppError::invalid(errs));
        }
    };
    let mid = store::schedule(&mut w, scope, id, &sched, &input.speaker, &input.documents, &guests).await?;
    crate::app::meetings::tell_expected(&mut w, mid, &s.site.public_url).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(mid)
}

/// A session's page: the session, its group, and the contributions the caller reads; for a
/// keeper, the people on its list (to hand in for them).
pub struct SessionView {
    pub session: SessionRow,
    pub group: GroupRow,
    pub standing: Standing,
    pub contributions: Vec<ContributionRow>,
    pub listed: Vec<(i64, String)>,
    pub me: Option<i64>,
}

pub async fn session(s: &AppState, scope: &Scope, id: i64) -> AppResult<SessionView> {
    let mut c = s.store.read().await?;
    let (session, group, standing) = store::session(&mut c, scope, id).await?;
    // A former member reads the sessions of the years they served only.
    year_for(&standing, Some(session.meeting.on_day.year()))?;
    let contributions = store::contributions(&mut c, scope, id).await?;
    let listed = if standing.runs {
        pacesetter_store::meeting::attendance(&mut c, &Scope::system("central-group"), id).await?.into_iter().map(|a| (a.person_id, a.name)).collect()
    } else {
        Vec::new()
    };
    Ok(SessionView { session, group, standing, contributions, listed, me: scope.person.map(|p| p.0) })
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ContributionInput {
    /// speech or reflection.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub body: String,
    /// For whom (the group's keeper hands in for a member); the caller when empty.
    #[serde(default)]
    pub person_id: String,
}

pub async fn contribute(s: &AppState, scope: &Scope, id: i64, input: &ContributionInput) -> AppResult<()> {
    let mut w = s.store.write().await?;
    store::session(&mut w, scope, id).await?;
    let kind = Contribution::parse(&input.kind).ok_or_else(|| AppError::invalid_field("kind", "请选择交流发言或心得体会", "Choose a speech or a reflection"))?;
    let body = cg::contribution_text(kind, &input.body)?;
    let person = match input.person_id.trim() {
        "" => scope.person.map(|p| p.0).ok_or_else(|| AppError::invalid_field("person_id", "请选择成员", "Choose the member"))?,
        v => v.parse::<i64>().map_err(|_| AppError::invalid_field("person_id", "请选择成员", "Choose the member"))?,
    };
    store::contribute(&mut w, scope, id, person, kind, &body, today()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A member's line of the assessment, with the inputs behind the score.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ScoreLine {
    pub person_id: i64,
    pub name: String,
    pub role: String,
    pub post: String,
    pub sessions: i64,
    pub present: i64,
    /// Leaves the keeper marked on the list (a leave only asked for is an absence).
    pub leave: i64,
    /// Speeches and reflections handed in for sessions held.
    pub speeches: i64,
    pub reflections: i64,
    /// Each part out of 100 and the weighted total; null without a session held.
    pub attendance_score: Option<f64>,
    pub speeches_score: Option<f64>,
    pub reflections_score: Option<f64>,
    pub total: Option<f64>,
}

/// The year's assessment of a group.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Scores {
    pub group_id: i64,
    pub group: String,
    pub year: i32,
    /// attendance, speeches, reflections, leave_credit, speeches_expected, reflections_expected.
    #[schema(value_type = Object)]
    pub weights: Weights,
    /// Every member's line for the keepers, the leader and the study secretary; the caller's own
    /// otherwise.
    pub lines: Vec<ScoreLine>,
    /// The mean of the members' totals (unrounded, the mean rounded once); hidden from a member
    /// when fewer than five have one.
    pub group_score: Option<f64>,
    /// The lines are everyone's.
    pub all: bool,
}

/// The year's assessment (this year when None).
pub async fn scores(s: &AppState, scope: &Scope, id: i64, year: Option<i32>) -> AppResult<Scores> {
    let mut c = s.store.read().await?;
    let (group, st) = store::get(&mut c, scope, id).await?;
    let year = year_for(&st, year)?;
    let w = store::weights(&mut c).await?;
    let inputs = store::inputs(&mut c, &group, year).await?;
    let members = store::members(&mut c, id).await?;
    let mut lines: Vec<ScoreLine> = Vec::new();
    // The unrounded totals, for the group's mean (rounded once).
    let mut totals: Vec<f64> = Vec::new();
    // Every member of the group at some time, once (their latest term), and anyone with inputs.
    let mut seen = std::collections::HashSet::new();
    for m in &members {
        if !seen.insert(m.person_id) {
            continue;
        }
        let i = inputs.get(&m.person_id).copied().unwrap_or_default();
        if m.end_date.is_some_and(|e| e.year() < year) && i == Inputs::default() {
            continue;
        }
        let sc = cg::score(&i, &w);
        totals.extend(sc.map(|x| x.raw_total));
        lines.push(line(m.person_id, &m.name, &m.role, &m.post, i, sc));
    }
    let mean = cg::group_score(&totals);
    let me = scope.person.map(|p| p.0);
    let all = st.reads_all;
    if !all {
        lines.retain(|l| Some(l.person_id) == me);
    }
    let group_score = if all || totals.len() >= MIN_FOR_MEAN { mean } else { None };
    Ok(Scores { group_id: group.id, group: group.name, year, weights: w, lines, group_score, all })
}

fn line(person_id: i64, name: &str, role: &str, post: &str, i: Inputs, sc: Option<Score>) -> ScoreLine {
    ScoreLine {
        person_id,
        name: name.into(),
        role: role.into(),
        post: post.into(),
        sessions: i.sessions,
        present: i.present,
        leave: i.leave,
        speeches: i.speeches,
        reflections: i.reflections,
        attendance_score: sc.map(|x| x.attendance),
        speeches_score: sc.map(|x| x.speeches),
        reflections_score: sc.map(|x| x.reflections),
        total: sc.map(|x| x.total),
    }
}

/// The assessment as one sheet: the inputs and the scores, then the weights.
pub fn scores_sheet(sc: &Scores, lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let f = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_default();
    let mut rows: Vec<Vec<String>> = sc
        .lines
        .iter()
        .map(|l| {
            vec![
                l.name.clone(),
                cg::role_label(&l.role, lang).to_string(),
                l.post.clone(),
                l.sessions.to_string(),
                l.present.to_string(),
                l.leave.to_string(),
                l.speeches.to_string(),
                l.reflections.to_string(),
                f(l.attendance_score),
                f(l.speeches_score),
                f(l.reflections_score),
                f(l.total),
            ]
        })
        .collect();
    if let Some(g) = sc.group_score {
        let mut r = vec![t("中心组平均", "Group mean")];
        r.resize(11, String::new());
        r.push(format!("{g:.1}"));
        rows.push(r);
    }
    let w = &sc.weights;
    let mut r = vec![format!(
        "{}：{} {}% · {} {}% · {} {}% · {} {}% · {} {} · {} {}",
        t("考核办法", "Weights"),
        t("出勤", "attendance"),
        w.attendance,
        t("发言", "speeches"),
        w.speeches,
        t("心得体会", "reflections"),
        w.reflections,
        t("请假折算", "leave counts"),
        w.leave_credit,
        t("每年应发言", "speeches a year"),
        w.speeches_expected,
        t("每年应交心得", "reflections a year"),
        w.reflections_expected
    )];
    r.resize(12, String::new());
    rows.push(r);
    crate::export::Sheet {
        name: format!("{}{}", sc.year, t("年中心组学习考核", " central-group assessment")),
        headers: vec![
            t("姓名", "Name"),
            t("角色", "Role"),
            t("职务", "Post"),
            t("应到次数", "Sessions"),
            t("出席", "Present"),
            t("请假", "On leave"),
            t("发言篇数", "Speeches"),
            t("心得篇数", "Reflections"),
            t("出勤得分", "Attendance score"),
            t("发言得分", "Speeches score"),
            t("心得得分", "Reflections score"),
            t("总分", "Total"),
        ],
        rows,
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct WeightsInput {
    #[serde(default)]
    pub attendance: String,
    #[serde(default)]
    pub speeches: String,
    #[serde(default)]
    pub reflections: String,
    /// Percent of a presence a leave marked by the keeper counts.
    #[serde(default)]
    pub leave_credit: String,
    #[serde(default)]
    pub speeches_expected: String,
    #[serde(default)]
    pub reflections_expected: String,
}

pub async fn set_weights(s: &AppState, scope: &Scope, input: &WeightsInput) -> AppResult<Weights> {
    let mut errs = pacesetter_domain::validate::FieldErrors::new();
    let mut n = |field: &str, v: &str| -> i64 {
        v.trim().parse::<i64>().unwrap_or_else(|_| {
            errs.add(field, "请填写整数", "A whole number");
            0
        })
    };
    let w = Weights {
        attendance: n("attendance", &input.attendance),
        speeches: n("speeches", &input.speeches),
        reflections: n("reflections", &input.reflections),
        leave_credit: n("leave_credit", &input.leave_credit),
        speeches_expected: n("speeches_expected", &input.speeches_expected),
        reflections_expected: n("reflections_expected", &input.reflections_expected),
    };
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let mut c = s.store.write().await?;
    store::set_weights(&mut c, scope, &w).await?;
    c.commit().await.map_err(StoreError::from)?;
    Ok(w)
}

/// A session as the group's page and the API list it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SessionLine {
    pub meeting_id: i64,
    pub topic: String,
    pub on_day: String,
    pub starts: String,
    pub ends: String,
    pub place: String,
    pub state: String,
    pub speaker: String,
    pub documents: String,
    pub guests: Vec<String>,
    pub expected: i64,
    pub present: i64,
    pub leave: i64,
}

pub fn session_line(x: &SessionRow) -> SessionLine {
    let m = &x.meeting;
    SessionLine {
        meeting_id: m.id,
        topic: m.topic.clone(),
        on_day: iso(m.on_day),
        starts: m.starts.clone(),
        ends: m.ends.clone(),
        place: m.place.clone(),
        state: m.state.clone(),
        speaker: x.speaker.clone(),
        documents: x.documents.clone(),
        guests: x.guests.iter().map(|g| format!("{}（{}）", g.name, g.org)).collect(),
        expected: m.expected,
        present: m.present,
        leave: m.leave,
    }
}
