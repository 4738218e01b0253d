//! Research projects (item 18) as use cases: the office opens a call; members apply with a team
//! and a blind section (活页) whose files lose their metadata; the secondary organization forwards
//! within its quota; the office names experts, closes applications after the deadline, and the
//! experts score the blind sections once each; the ranking is recomputed from the sheets; a tie
//! at the funding line is decided with a reason; the approval list goes on 公示 and is then
//! approved with each project's funding. The pages and the API are thin adapters over these.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::File;
use axum::http::StatusCode;
use pacesetter_domain::appraisal::Frac;
use pacesetter_domain::research::{self as rd, MAX_FILES, MAX_TEAM, Stage};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::research::{self as store, ApplicationRow, BlindRow, CallRow, ExpertRow, FileMeta, NewFile, Sheet};
use serde::Deserialize;

async fn current_campaign(c: &mut pacesetter_store::Conn) -> AppResult<pacesetter_store::campaign::CampaignRow> {
    pacesetter_store::campaign::current(c).await?.ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "no_campaign", "目前没有进行中的活动", "No campaign is running"))
}

/// A call as typed by the office.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CallInput {
    #[serde(default)]
    pub title: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub deadline: String,
    /// One per line: `name cap` (yuan), such as `重点课题 20000`.
    #[serde(default)]
    pub categories: String,
    /// One per line: `criterion weight`, the weights adding up to 100.
    #[serde(default)]
    pub criteria: String,
    /// `plain` (the mean of every sheet) or `trim` (without the highest and lowest).
    #[serde(default)]
    pub trim: String,
    /// How many projects are funded.
    #[serde(default)]
    pub funded: String,
    /// How many applications each secondary organization forwards at most.
    #[serde(default)]
    pub quota: String,
    /// The 公示's working days.
    #[serde(default)]
    pub notice_days: String,
}

pub async fn create_call(s: &AppState, scope: &Scope, i: &CallInput) -> AppResult<i64> {
    pacesetter_store::scope::office_only(scope)?;
    let d = rd::read_call(&i.title, &i.deadline, &i.categories, &i.criteria, &i.trim, &i.funded, &i.quota, &i.notice_days).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    let campaign = current_campaign(&mut w).await?;
    let id = store::create_call(&mut w, scope, campaign.id, &d).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

pub async fn calls(s: &AppState) -> AppResult<Vec<CallRow>> {
    let mut c = s.store.read().await?;
    Ok(store::calls(&mut c).await?)
}

/// One line of the ranking.
#[derive(Clone, Debug)]
pub struct RankLine {
    pub rank: usize,
    pub a: ApplicationRow,
    pub score: Option<Frac>,
    pub sheets: usize,
    pub funded: bool,
    pub tied: bool,
}

/// A call as the caller sees it.
pub struct CallView {
    pub call: CallRow,
    /// The applications the caller reads with their names (all for the office).
    pub applications: Vec<ApplicationRow>,
    /// The caller as an expert of the call.
    pub expert: Option<ExpertRow>,
    /// The experts (the office only).
    pub experts: Vec<ExpertRow>,
    /// The ranking (the office, the leaders and the auditor; from the sheets).
    pub ranking: Option<Vec<RankLine>>,
    /// Those to be funded, once on notice (everyone signed in).
    pub approved: Vec<ApplicationRow>,
    pub may_apply: bool,
    pub office: bool,
}

/// Whether the caller sees the ranking with its figures.
pub fn sees_ranking(scope: &Scope) -> bool {
    scope.is_office() || scope.has(Role::Leader) || scope.has(Role::Auditor)
}

async fn ranking_of(c: &mut pacesetter_store::Conn, call: &CallRow) -> AppResult<(Vec<RankLine>, Vec<i64>)> {
    let (scores, o) = store::outcome(c, call).await?;
    let all = store::all_of_call(c, call.id).await?;
    let sheets = store::sheets(c, call.id).await?;
    let mut lines = Vec::new();
    let mut rank = 0;
    for (id, _) in &o.order {
        if let Some(a) = all.iter().find(|a| a.id == *id) {
            rank += 1;
            lines.push(RankLine {
                rank,
                a: a.clone(),
                score: scores.get(id).copied(),
                sheets: sheets.iter().filter(|s| s.application_id == *id).count(),
                funded: o.selected.contains(id),
                tied: o.tie_at_line.contains(id),
            });
        }
    }
    // Forwarded ones without a sheet yet, at the end.
    for a in all.iter().filter(|a| a.state() == rd::AppState::Forwarded && !o.order.iter().any(|(id, _)| *id == a.id)) {
        rank += 1;
        lines.push(RankLine { rank, a: a.clone(), score: None, sheets: 0, funded: false, tied: false });
    }
    Ok((lines, o.selected))
}

pub async fn view(s: &AppState, scope: &Scope, id: i64) -> AppResult<CallView> {
    let mut c = s.store.read().await?;
    let call = store::call(&mut c, id).await?;
    let applications = store::applications(&mut c, scope, id).await?;
    let expert = store::expert_of(&mut c, scope, id).await?;
    let office = scope.is_office();
    let experts = if office { store::experts(&mut c, id).await? } else { Vec::new() };
    let (lines, selected) = ranking_of(&mut c, &call).await?;
    let ranking = sees_ranking(scope).then_some(lines.clone());
    let approved = if matches!(call.stage(), Stage::Notice | Stage::Final) { lines.into_iter().filter(|l| selected.contains(&l.a.id)).map(|l| l.a).collect() } else { Vec::new() };
    let may_apply = call.stage() == Stage::Open && pacesetter_domain::dates::today() <= call.deadline && scope.person.is_some();
    Ok(CallView { call, applications, expert, experts, ranking, approved, may_apply, office })
}

/// An application as typed.
#[derive(Clone, Debug, Default)]
pub struct ApplyInput {
    pub category: String,
    pub title: String,
    pub budget: String,
    /// The team's person ids, separated by commas or spaces (the applicant not among them).
    pub team: String,
    pub blind: String,
}

impl ApplyInput {
    pub fn from_values(v: &std::collections::HashMap<String, String>) -> ApplyInput {
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        ApplyInput { category: get("category"), title: get("title"), budget: get("budget"), team: get("team"), blind: get("blind") }
    }
}

/// Applies to a call with files: each loses its document metadata (author, company) before it
/// is kept, so an expert cannot learn who wrote it from the file.
pub async fn apply(s: &AppState, scope: &Scope, id: i64, i: &ApplyInput, files: Vec<File>, mut errors: FieldErrors) -> AppResult<i64> {
    let mut c = s.store.read().await?;
    let call = store::call(&mut c, id).await?;
    drop(c);
    let mut team = Vec::new();
    for t in i.team.split(|ch: char| ch == ',' || ch == '，' || ch.is_whitespace()).filter(|t| !t.is_empty()) {
        match t.parse::<i64>() {
            Ok(p) if p > 0 => team.push(p),
            _ => errors.add("team", format!("“{t}”不是人员编号"), format!("\"{t}\" is not a person's id")),
        }
    }
    if team.len() > MAX_TEAM {
        errors.add("team", format!("课题组成员最多 {MAX_TEAM} 人"), format!("At most {MAX_TEAM} team members"));
    }
    if files.len() > MAX_FILES {
        errors.add("files", format!("最多上传 {MAX_FILES} 个附件"), format!("At most {MAX_FILES} files"));
    }
    let mut kept = Vec::new();
    for f in files {
        match crate::upload::strip_document_metadata(f.kind, &f.data) {
            Some(data) => kept.push(NewFile { name: f.filename, content_type: f.kind.content_type().to_string(), data }),
            None => errors.add("files", format!("“{}”无法处理，请另存后再上传", f.filename), format!("\"{}\" could not be processed; save it again and upload it", f.filename)),
        }
    }
    let d = match rd::read_application(&call.categories(), &i.category, &i.title, &i.budget, &i.blind) {
        Ok(d) if errors.is_empty() => d,
        Ok(_) => return Err(AppError::invalid(errors)),
        Err(e) => {
            errors.0.extend(e.0);
            return Err(AppError::invalid(errors));
        }
    };
    let mut w = s.store.write().await?;
    let app = store::apply(&mut w, scope, id, &d, &team, kept).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(app)
}

/// An application as those who read its names see it.
pub struct AppView {
    pub a: ApplicationRow,
    pub call: CallRow,
    pub team: Vec<(i64, String)>,
    pub files: Vec<FileMeta>,
    pub may_forward: bool,
    /// A funded project's reports with their files.
    pub reports: Vec<(store::ReportRow, Vec<FileMeta>)>,
    /// The reports the caller may hand in now (the project's leader or team).
    pub may_report: Vec<rd::ReportKind>,
    pub office: bool,
}

pub async fn application(s: &AppState, scope: &Scope, id: i64) -> AppResult<AppView> {
    let mut c = s.store.read().await?;
    let a = store::application(&mut c, scope, id).await?;
    let call = store::call(&mut c, a.call_id).await?;
    let team = store::team(&mut c, id).await?;
    let files = store::files(&mut c, id).await?;
    let may_forward = !scope.is_office()
        && scope.party_access(&a.org_path) == Some(pacesetter_domain::scope::Access::Write)
        && a.state() == rd::AppState::Submitted
        && call.stage() == Stage::Open;
    let mut reports = Vec::new();
    for r in store::reports(&mut c, id).await? {
        let f = store::report_files(&mut c, r.id).await?;
        reports.push((r, f));
    }
    let so_far: Vec<(rd::ReportKind, rd::ReportState)> = reports.iter().map(|(r, _)| (r.kind(), r.state())).collect();
    let on_team = scope.person.is_some_and(|p| p.0 == a.applicant_person_id || team.iter().any(|(t, _)| *t == p.0));
    let may_report = if on_team && a.funding.is_some() { rd::ReportKind::ALL.into_iter().filter(|k| rd::may_report(*k, &so_far).is_ok()).collect() } else { Vec::new() };
    let office = scope.is_office();
    Ok(AppView { a, call, team, files, may_forward, reports, may_report, office })
}

/// The secondary organization's decision as typed: `forward`, or `return` with a comment.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ForwardInput {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub comment: String,
}

pub async fn forward(s: &AppState, scope: &Scope, id: i64, i: &ForwardInput) -> AppResult<ApplicationRow> {
    let (yes, comment) = pacesetter_domain::validate::decision(&i.action, "forward", &i.comment, 500, ("推荐或不推荐", "forward or return")).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    let a = store::forward(&mut w, scope, id, yes, comment.as_deref()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(a)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ExpertInput {
    /// The expert's account (an outside expert gets one from the administrator first).
    #[serde(default)]
    pub username: String,
}

pub async fn name_expert(s: &AppState, scope: &Scope, id: i64, i: &ExpertInput) -> AppResult<i64> {
    let mut w = s.store.write().await?;
    let e = store::name_expert(&mut w, scope, id, &i.username).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(e)
}

/// An application as an expert sees it: no name, no organization, its files under neutral names.
pub struct BlindItem {
    pub row: BlindRow,
    pub category: String,
    pub files: Vec<FileMeta>,
    pub mine: Option<Vec<u32>>,
}

pub struct ReviewView {
    pub call: CallRow,
    pub expert: ExpertRow,
    pub items: Vec<BlindItem>,
}

/// The expert's list: every forwarded application but their own organization's.
pub async fn review(s: &AppState, scope: &Scope, id: i64) -> AppResult<ReviewView> {
    let mut c = s.store.read().await?;
    let call = store::call(&mut c, id).await?;
    let (expert, rows) = store::blind_list(&mut c, scope, id).await?;
    let mut items = Vec::new();
    for row in rows {
        let mut files = store::files(&mut c, row.id).await?;
        for f in &mut files {
            f.name = store::blind_file_name(f.id, &f.content_type);
        }
        let mine = store::my_sheet(&mut c, expert.id, row.id).await?;
        items.push(BlindItem { category: call.category_name(&row.category), row, files, mine });
    }
    Ok(ReviewView { call, expert, items })
}

/// A score sheet as typed: one score per criterion, in order.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ScoreInput {
    #[serde(default)]
    pub scores: Vec<String>,
}

pub async fn score(s: &AppState, scope: &Scope, application: i64, i: &ScoreInput) -> AppResult<()> {
    let mut w = s.store.write().await?;
    store::score(&mut w, scope, application, &i.scores).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The ranking with its figures: the office, the leaders and the auditor.
pub async fn ranking(s: &AppState, scope: &Scope, id: i64) -> AppResult<(CallRow, Vec<RankLine>)> {
    if !sees_ranking(scope) {
        return Err(AppError::forbidden());
    }
    let mut c = s.store.read().await?;
    let call = store::call(&mut c, id).await?;
    let (lines, _) = ranking_of(&mut c, &call).await?;
    Ok((call, lines))
}

/// Every score sheet, the experts by code: what the auditor recomputes the ranking from.
pub async fn sheets(s: &AppState, scope: &Scope, id: i64) -> AppResult<(CallRow, Vec<Sheet>)> {
    if !(scope.is_office() || scope.has(Role::Auditor)) {
        return Err(AppError::forbidden());
    }
    let mut c = s.store.read().await?;
    let call = store::call(&mut c, id).await?;
    let sheets = store::sheets(&mut c, id).await?;
    Ok((call, sheets))
}

/// The office's tie decision as typed: the tied applications' ids in order, and why.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TieInput {
    #[serde(default)]
    pub order: Vec<i64>,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide_tie(s: &AppState, scope: &Scope, id: i64, i: &TieInput) -> AppResult<()> {
    let mut w = s.store.write().await?;
    store::decide_tie(&mut w, scope, id, &i.order, &i.reason).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The office's moves on a call: close (after the deadline), publish (the 公示), approve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Close,
    Publish,
    Approve,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ApproveInput {
    /// The decision's document number (立项文件).
    #[serde(default)]
    pub decision: String,
}

pub async fn step(s: &AppState, scope: &Scope, id: i64, step: Step, decision: &str) -> AppResult<CallRow> {
    let mut w = s.store.write().await?;
    match step {
        Step::Close => store::close(&mut w, scope, id).await?,
        Step::Publish => {
            let call = store::call(&mut w, id).await?;
            let calendar = pacesetter_store::campaign::get(&mut w, call.campaign_id).await?.plan()?.calendar;
            store::publish(&mut w, scope, id, &calendar).await?;
        }
        Step::Approve => store::approve(&mut w, scope, id, decision).await?,
    }
    let call = store::call(&mut w, id).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(call)
}

/// A file: for those who read the application's names, or an expert who scores it (under a
/// neutral name).
pub async fn file(s: &AppState, scope: &Scope, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::file(&mut c, scope, id).await?)
}

/// The auditor's bundle: the call's rules, every sheet (experts by code), the tie decision, and
/// the result with exact scores: everything to recompute the ranking, and no name.
pub async fn audit_bundle(s: &AppState, scope: &Scope, id: i64) -> AppResult<serde_json::Value> {
    let (call, sheets) = sheets(s, scope, id).await?;
    let mut c = s.store.read().await?;
    let (scores, o) = store::outcome(&mut c, &call).await?;
    let apps = store::all_of_call(&mut c, id).await?;
    let code = |x: i64| apps.iter().find(|a| a.id == x).map(|a| a.code.clone()).unwrap_or_default();
    Ok(serde_json::json!({
        "call": {"id": call.id, "title": call.title, "stage": call.stage, "criteria": call.criteria(), "trim_extremes": call.trim_extremes, "funded": call.funded,
                 "rule": "sheet total = Σ score × weight / Σ weight; an application's score = the mean of its sheets' totals, without one highest and one lowest when trim_extremes and 3 sheets or more; ranked by score, ties in tie_order, then by application id"},
        "applications": apps.iter().map(|a| serde_json::json!({"id": a.id, "code": a.code, "category": a.category, "state": a.state})).collect::<Vec<_>>(),
        "sheets": sheets.iter().map(|s| serde_json::json!({"application": s.application_code, "expert": s.expert_code, "scores": s.scores})).collect::<Vec<_>>(),
        "tie_order": call.tie_order().into_iter().map(code).collect::<Vec<_>>(),
        "tie_reason": call.tie_reason,
        "result": o.order.iter().map(|(x, sc)| serde_json::json!({"application": code(*x), "score": sc.published(), "score_exact": format!("{}/{}", sc.num, sc.den), "funded": o.selected.contains(x)})).collect::<Vec<_>>(),
        "tie_at_line": o.tie_at_line.iter().map(|x| code(*x)).collect::<Vec<_>>(),
        "scored": scores.len(),
    }))
}

/// A report as typed: `midterm` or `final`, and its text.
#[derive(Clone, Debug, Default)]
pub struct ReportInput {
    pub kind: String,
    pub body: String,
}

pub async fn submit_report(s: &AppState, scope: &Scope, application: i64, i: &ReportInput, files: Vec<File>, mut errors: FieldErrors) -> AppResult<i64> {
    let kind = rd::ReportKind::parse(i.kind.trim());
    if kind.is_none() {
        errors.add("kind", "请选择中期检查报告或结题报告", "Choose the mid-term or the completion report");
    }
    let body = pacesetter_domain::validate::long_text(&mut errors, "body", &i.body, rd::MAX_TEXT, ("报告内容", "report"), true);
    if files.len() > MAX_FILES {
        errors.add("files", format!("最多上传 {MAX_FILES} 个附件"), format!("At most {MAX_FILES} files"));
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else { return Err(AppError::invalid(errors)) };
    let files = files.into_iter().map(|f| NewFile { name: f.filename, content_type: f.kind.content_type().to_string(), data: f.data }).collect();
    let mut w = s.store.write().await?;
    let id = store::submit_report(&mut w, scope, application, kind, &body, files).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// The office's review of a report as typed: `pass`, or `return` with a comment.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ReportReviewInput {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub comment: String,
}

pub async fn review_report(s: &AppState, scope: &Scope, report: i64, i: &ReportReviewInput) -> AppResult<store::ReportRow> {
    pacesetter_store::scope::office_only(scope)?;
    let (pass, comment) = pacesetter_domain::validate::decision(&i.action, "pass", &i.comment, 1000, ("通过或退回", "pass or return")).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    let r = store::review_report(&mut w, scope, report, pass, comment.as_deref()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(r)
}

pub async fn report_file(s: &AppState, scope: &Scope, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::report_file(&mut c, scope, id).await?)
}
