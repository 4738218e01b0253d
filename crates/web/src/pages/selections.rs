//! Selections (评选): the office starts one from an award category of the plan and allocates
//! quotas; organizations (or anyone, for mass nominations) nominate; the office reviews
//! eligibility and opens the secret ballot; voters approve up to the quota on their phones; the
//! count, a tie decided with a reason, the public notice with objections and 递补, the final
//! approval, the award register with certificates, the recommendation forms and the
//! commendation list, and the auditor's bundle.

use super::{FormState, Layout, conflict_form, field, form_map, render_status, see_other};
use crate::api::dto::{CandidateDto, SelectionDto, SelectionResultDto};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::Sheet;
use crate::pdf::{self, Item};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use pacesetter_domain::Lang;
use pacesetter_domain::anonymity;
use pacesetter_domain::appraisal::Frac;
use pacesetter_domain::dates::{iso, today};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::Access;
use pacesetter_domain::selection::{AwardCategory, CandidateKind, MIN_ELECTORATE, NominationState, Nominators, Outcome, Stage};
use pacesetter_store::selection::{self as sel, AwardRow, MyBallot, NewNomination, NewSelection, NominationRow, ObjectionRow, QuotaRow, SelectionRow, VoterRow};
use pacesetter_store::{Conn, StoreError, campaign};
use std::collections::{HashMap, HashSet};

async fn current(c: &mut Conn) -> AppResult<campaign::CampaignRow> {
    campaign::current(c).await?.ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "no_campaign", "目前没有进行中的活动", "No campaign is running"))
}

fn stage_badge(s: Stage) -> &'static str {
    match s {
        Stage::Nominating => "info",
        Stage::Voting => "warn",
        Stage::Counted => "muted",
        Stage::Notice => "warn",
        Stage::Final => "ok",
    }
}

// ---- the list ----------------------------------------------------------------------------------

pub struct ListLine {
    pub s: SelectionRow,
    pub stage: &'static str,
    pub badge: &'static str,
    pub my_ballot: bool,
}

#[derive(Template)]
#[template(path = "selections.html")]
struct IndexPage {
    l: Layout,
    lines: Vec<ListLine>,
    office: bool,
    categories: Vec<AwardCategory>,
    orgs: Vec<(i64, String)>,
    rounds: Vec<(i64, String)>,
    f: FormState,
}

pub async fn index(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    index_page(&s, &ctx, FormState::new(ctx.lang), StatusCode::OK).await
}

async fn index_page(s: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let day = today();
    let mut lines = Vec::new();
    for row in sel::list(&mut c, camp.id).await? {
        let my = if row.voting_open(day) { sel::my_ballot(&mut c, scope, row.id).await? } else { MyBallot::default() };
        let st = row.stage();
        lines.push(ListLine { stage: st.label(ctx.lang), badge: stage_badge(st), my_ballot: my.in_electorate && !my.voted, s: row });
    }
    let office = scope.is_office_or_admin();
    let orgs = if office { sel::electorate_orgs(&mut c).await? } else { Vec::new() };
    let categories = camp.plan().map(|p| p.awards).unwrap_or_default();
    let rounds = if office {
        let me = pacesetter_store::appraisal::Caller::load(&mut c, scope).await?;
        pacesetter_store::appraisal::rounds(&mut c, &me, camp.id).await?.into_iter().map(|r| (r.id, r.title)).collect()
    } else {
        Vec::new()
    };
    let page = IndexPage { l: Layout::new(ctx, ctx.t("评选表彰", "Selections and awards")), lines, office, categories, orgs, rounds, f };
    Ok(render_status(status, &page))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let m = form_map(p);
    let n = NewSelection {
        category: m.get("category").cloned().unwrap_or_default(),
        title: m.get("title").cloned().unwrap_or_default(),
        quota: m.get("quota").cloned().unwrap_or_default(),
        electorate_org: field(&m, "electorate_org").and_then(|v| v.parse().ok()),
        nominate_until: m.get("nominate_until").cloned().unwrap_or_default(),
        vote_from: m.get("vote_from").cloned().unwrap_or_default(),
        vote_until: m.get("vote_until").cloned().unwrap_or_default(),
        appraisal_round: field(&m, "appraisal_round").and_then(|v| v.parse().ok()),
    };
    let r = async {
        let mut w = s.store.write().await?;
        let camp = campaign::current(&mut w).await?.ok_or(StoreError::NotFound)?;
        let id = sel::create(&mut w, &scope, &camp, &n).await?;
        w.commit().await.map_err(StoreError::from)?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match r {
        Ok(id) => Ok(see_other(&format!("/selections/{id}?done=created"))),
        Err(StoreError::Invalid(e)) => index_page(&s, &ctx, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e.into()),
    }
}

// ---- one selection ---------------------------------------------------------------------------

/// A candidate as the page shows it.
pub struct Cand {
    pub n: NominationRow,
    /// Votes (a ballot) or the score (other methods), when shown.
    pub result: Option<String>,
    pub selected: bool,
    pub moved_up: bool,
    pub tied: bool,
    pub disqualified: bool,
}

impl Cand {
    pub fn state_label(&self, lang: &Lang) -> &'static str {
        self.n.state().label(*lang)
    }
    pub fn who(&self) -> String {
        match &self.n.home {
            Some(h) if self.n.kind() == CandidateKind::Person => format!("{}（{}）", self.n.name, h),
            _ => self.n.name.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "selection.html")]
struct ShowPage {
    l: Layout,
    s: SelectionRow,
    cat: AwardCategory,
    stage: Stage,
    stage_label: &'static str,
    office: bool,
    auditor: bool,
    /// Nominations the caller may see in full (the office: all).
    nominations: Vec<Cand>,
    /// The eligible list (public once voting opens).
    candidates: Vec<Cand>,
    quotas: Vec<QuotaRow>,
    nominating_orgs: Vec<(i64, String)>,
    candidate_orgs: Vec<(i64, String)>,
    candidate_units: Vec<(i64, String)>,
    may_nominate: bool,
    mass: bool,
    forwardable: HashSet<i64>,
    my: MyBallot,
    voting_open: bool,
    took_part: i64,
    /// Totals shown (the office always; the electorate after the close when it has 5 or more).
    totals: bool,
    voters: Vec<VoterRow>,
    ranked: Vec<Cand>,
    selected: Vec<Cand>,
    tied: Vec<Cand>,
    notice_running: bool,
    objections: Vec<ObjectionRow>,
    my_objections: Vec<ObjectionRow>,
    awards: Vec<AwardRow>,
    kind: &'static str,
    method_label: String,
    has_ballot: bool,
    has_panel: bool,
    /// The score sheet: each candidate, and whether the caller recuses themself.
    sheet: Vec<(Cand, bool)>,
    /// Files of evidence the caller may see, by nomination.
    evidence: HashMap<i64, Vec<sel::EvidenceRow>>,
    f: FormState,
}

impl ShowPage {
    pub fn is_stage(&self, code: &str) -> bool {
        self.stage.code() == code
    }
    pub fn past(&self, code: &str) -> bool {
        Stage::parse(code).is_some_and(|s| self.stage >= s)
    }
    pub fn files_of(&self, nomination: &i64) -> &[sel::EvidenceRow] {
        self.evidence.get(nomination).map(Vec::as_slice).unwrap_or(&[])
    }
    pub fn labels(&self) -> (&'static str, &'static str, &'static str) {
        (self.cat.candidates.label(self.l.lang), self.cat.nominators.label(self.l.lang), self.cat.voters.label(self.l.lang))
    }
    pub fn objection_state(&self, code: &str) -> &'static str {
        match code {
            "open" => self.l.t("待处理", "Open"),
            "upheld" => self.l.t("异议成立", "Upheld"),
            _ => self.l.t("异议不成立", "Rejected"),
        }
    }
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    show_page(&s, &ctx, id, FormState::new(ctx.lang), StatusCode::OK).await
}

fn to_cands(noms: &[NominationRow], o: Option<&Outcome<Frac>>, dq: &HashSet<i64>, totals: bool, ballot: bool) -> HashMap<i64, Cand> {
    let shown = |f: &Frac| if ballot { f.num.to_string() } else { f.published() };
    let votes: HashMap<i64, String> = o.map(|o| o.order.iter().map(|(id, f)| (*id, shown(f))).collect()).unwrap_or_default();
    noms.iter()
        .map(|n| {
            let c = Cand {
                n: n.clone(),
                result: if totals { votes.get(&n.id).cloned() } else { None },
                selected: o.is_some_and(|o| o.selected.contains(&n.id)),
                moved_up: o.is_some_and(|o| o.moved_up.contains(&n.id)),
                tied: o.is_some_and(|o| o.tie_at_line.contains(&n.id)),
                disqualified: dq.contains(&n.id),
            };
            (n.id, c)
        })
        .collect()
}

async fn show_page(s: &AppState, ctx: &Ctx, id: i64, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, id).await?;
    let cat = row.category()?;
    let stage = row.stage();
    let office = scope.is_office_or_admin();
    let auditor = scope.has(Role::Auditor);
    let day = today();
    let noms = sel::nominations(&mut c, id).await?;
    let my = sel::my_ballot(&mut c, scope, id).await?;
    let took_part = sel::voters(&mut c, id).await?;
    // The office and the auditor run the count; the electorate sees totals and who took part
    // only when 5 or more took part (DOMAIN.md: no figure from fewer than 5 secret ballots).
    let totals = office || auditor || (stage >= Stage::Counted && my.in_electorate && took_part.len() as i64 >= MIN_ELECTORATE);
    let outcome = sel::outcome(&mut c, &row).await?;
    let dq = sel::disqualified(&mut c, id).await?;
    let method = cat.method;
    let mut by_id = to_cands(&noms, outcome.as_ref(), &dq, totals, row.is_ballot());
    let mut visible = Vec::new();
    for n in &noms {
        if sel::may_see_nomination(&mut c, scope, n).await? {
            visible.push(n.id);
        }
    }
    // In a mass nomination a nominator who is not the office sees their own reasons, never
    // another supporter's (nor the first nominator's description).
    if cat.nominators == Nominators::Anyone && !office {
        if let Some(p) = scope.person {
            for id in &visible {
                let own = sel::my_support(&mut c, *id, p.0).await?;
                if let (Some(cand), Some(own)) = (by_id.get_mut(id), own) {
                    if cand.n.reasons != own {
                        cand.n.detail = None;
                        cand.n.reasons = own;
                    }
                }
            }
        }
    }
    let take = |ids: &mut dyn Iterator<Item = i64>, by_id: &HashMap<i64, Cand>| -> Vec<Cand> {
        ids.filter_map(|i| by_id.get(&i)).map(|c| Cand { n: c.n.clone(), result: c.result.clone(), ..*c }).collect()
    };
    let nominations = take(&mut visible.iter().copied(), &by_id);
    let candidates = if stage >= Stage::Voting { take(&mut noms.iter().filter(|n| n.state() == NominationState::Eligible).map(|n| n.id), &by_id) } else { Vec::new() };
    let (ranked, selected, tied) = match &outcome {
        Some(o) => (
            if totals { take(&mut o.order.iter().map(|(i, _)| *i), &by_id) } else { Vec::new() },
            if stage >= Stage::Notice || office || totals { take(&mut o.selected.iter().copied(), &by_id) } else { Vec::new() },
            if office { take(&mut o.tie_at_line.iter().copied(), &by_id) } else { Vec::new() },
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    by_id.clear();
    let quotas = if office || stage == Stage::Nominating { sel::quotas(&mut c, id).await? } else { Vec::new() };
    let nominating_orgs = sel::nominating_orgs(&mut c, scope).await?;
    let mass = cat.nominators == Nominators::Anyone;
    let may_nominate = stage == Stage::Nominating && day <= row.nominate_until && (if mass { scope.person.is_some() } else { office || !nominating_orgs.is_empty() });
    let (candidate_orgs, candidate_units) = if may_nominate {
        match cat.candidates {
            CandidateKind::Organization => (sel::orgs_within(&mut c, scope).await?, Vec::new()),
            CandidateKind::Unit | CandidateKind::Window => (Vec::new(), sel::units_within(&mut c, scope, cat.candidates == CandidateKind::Window).await?),
            _ => (Vec::new(), Vec::new()),
        }
    } else {
        (Vec::new(), Vec::new())
    };
    // Recommendations the caller's secondary organization may forward.
    let mut forwardable = HashSet::new();
    for n in &noms {
        if n.state() == NominationState::Recommended {
            if let Some(path) = &n.quota_org_path {
                if scope.org_access(path) == Some(Access::Write) {
                    forwardable.insert(n.id);
                }
            }
        }
    }
    let all_objections = if stage >= Stage::Notice { sel::objections(&mut c, id).await? } else { Vec::new() };
    let me = scope.person.map(|p| p.0);
    let my_objections: Vec<ObjectionRow> = all_objections.iter().filter(|o| Some(o.person_id) == me).cloned().collect();
    let objections = if office { all_objections } else { Vec::new() };
    let awards = if stage == Stage::Final { sel::awards_of(&mut c, id).await? } else { Vec::new() };
    // Who took part is never listed beside the totals when fewer than 5 did (their ballots would
    // be read off the tally), to anyone, the office included.
    let voters = if totals && stage >= Stage::Counted && anonymity::may_show(took_part.len() as u64) { took_part.clone() } else { Vec::new() };
    let mut evidence: HashMap<i64, Vec<sel::EvidenceRow>> = HashMap::new();
    for e in sel::evidence(&mut c, scope, id).await? {
        evidence.entry(e.nomination_id).or_default().push(e);
    }
    let sheet = if method.has_panel() && stage == Stage::Voting && my.in_electorate && !my.voted {
        let (_, recused) = sel::may_score(&mut c, scope, id).await?;
        candidates.iter().map(|k| (Cand { n: k.n.clone(), result: None, ..*k }, recused.contains(&k.n.id))).collect()
    } else {
        Vec::new()
    };
    let page = ShowPage {
        l: Layout::new(ctx, &row.title),
        stage_label: stage.label(ctx.lang),
        voting_open: row.voting_open(day),
        notice_running: row.notice_running(day),
        took_part: took_part.len() as i64,
        kind: cat.candidates.code(),
        method_label: method.label(ctx.lang),
        has_ballot: method.has_ballot(),
        has_panel: method.has_panel(),
        sheet,
        evidence,
        s: row,
        cat,
        stage,
        office,
        auditor,
        nominations,
        candidates,
        quotas,
        nominating_orgs,
        candidate_orgs,
        candidate_units,
        may_nominate,
        mass,
        forwardable,
        my,
        totals,
        voters,
        ranked,
        selected,
        tied,
        objections,
        my_objections,
        awards,
        f,
    };
    Ok(render_status(status, &page))
}

/// After a step: back to the page, or the page again with what was wrong.
async fn after(s: &AppState, ctx: &Ctx, id: i64, m: HashMap<String, String>, r: Result<(), StoreError>, done: &str) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/selections/{id}?done={done}"))),
        Err(StoreError::Invalid(e)) => show_page(s, ctx, id, FormState::with(ctx.lang, m, e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(StoreError::Conflict(t)) => show_page(s, ctx, id, conflict_form(ctx, m, t), StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}

fn ids(p: &[(String, String)], key: &str) -> Vec<i64> {
    p.iter().filter(|(k, _)| k == key).filter_map(|(_, v)| v.trim().parse().ok()).collect()
}

fn num(m: &HashMap<String, String>, k: &str) -> Option<i64> {
    field(m, k).and_then(|v| v.parse().ok())
}

macro_rules! step {
    ($s:expr, $ctx:expr, $id:expr, $m:expr, $done:expr, |$w:ident, $scope:ident| $body:expr) => {{
        let $scope = $ctx.me()?.scope.clone();
        let r = async {
            let mut $w = $s.store.write().await?;
            $body;
            $w.commit().await.map_err(StoreError::from)?;
            Ok::<(), StoreError>(())
        }
        .await;
        after(&$s, &$ctx, $id, $m, r, $done).await
    }};
}

pub async fn set_quotas(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let values: Vec<(i64, String)> = p.iter().filter_map(|(k, v)| k.strip_prefix('q').and_then(|o| o.parse().ok()).map(|o| (o, v.clone()))).collect();
    let m = form_map(p);
    step!(s, ctx, id, m, "saved", |w, scope| sel::set_quotas(&mut w, &scope, id, &values).await?)
}

pub async fn nominate(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, req: axum::extract::Request) -> AppResult<Response> {
    // Who may nominate at all is asked before an upload is read.
    {
        let scope = &ctx.me()?.scope;
        let mut c = s.store.read().await?;
        let row = sel::get(&mut c, id).await?;
        let mass = row.category()?.nominators == Nominators::Anyone;
        if !(scope.is_office_or_admin() || (mass && scope.person.is_some()) || !sel::nominating_orgs(&mut c, scope).await?.is_empty()) {
            return Err(AppError::new(StatusCode::FORBIDDEN, "forbidden", "您不能为这项评选推荐", "You may not nominate for this selection"));
        }
    }
    let crate::upload::MultipartForm { values: m, files, errors } = crate::upload::read_any(req, "files", s.site.max_upload).await?;
    if !errors.is_empty() {
        return show_page(&s, &ctx, id, FormState::with(ctx.lang, m, errors), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let evidence: Vec<pacesetter_store::commitment::NewEvidence> =
        files.into_iter().map(|f| pacesetter_store::commitment::NewEvidence { filename: f.filename, content_type: f.kind.content_type().into(), data: f.data }).collect();
    let n = NewNomination {
        by_org: num(&m, "by_org"),
        person_number: m.get("person_number").cloned().unwrap_or_default(),
        org: num(&m, "org"),
        unit: num(&m, "unit"),
        title: m.get("title").cloned().unwrap_or_default(),
        detail: m.get("detail").cloned().unwrap_or_default(),
        reasons: m.get("reasons").cloned().unwrap_or_default(),
    };
    step!(s, ctx, id, m, "nominated", |w, scope| sel::nominate(&mut w, &scope, id, &n, evidence).await?)
}

/// A file of evidence of a nomination.
pub async fn evidence_file(State(s): State<AppState>, ctx: Ctx, Path((id, eid)): Path<(i64, i64)>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let (name, ty, data) = sel::evidence_file(&mut c, scope, id, eid).await?;
    Ok(super::stored_file(&name, ty, data))
}

pub async fn forward(State(s): State<AppState>, ctx: Ctx, Path((id, nid)): Path<(i64, i64)>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    step!(s, ctx, id, m, "submitted", |w, scope| {
        let n = sel::nomination(&mut w, nid).await?;
        if n.selection_id != id {
            return Err(StoreError::NotFound);
        }
        sel::forward(&mut w, &scope, nid).await?
    })
}

pub async fn review(State(s): State<AppState>, ctx: Ctx, Path((id, nid)): Path<(i64, i64)>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    let eligible = field(&m, "decision") == Some("eligible");
    let note = m.get("note").cloned().unwrap_or_default();
    step!(s, ctx, id, m, "decided", |w, scope| {
        let n = sel::nomination(&mut w, nid).await?;
        if n.selection_id != id {
            return Err(StoreError::NotFound);
        }
        sel::review(&mut w, &scope, nid, eligible, &note).await?
    })
}

pub async fn open(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    step!(s, ctx, id, m, "saved", |w, scope| sel::open_voting(&mut w, &scope, id).await?)
}

pub async fn vote(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let choices = ids(&p, "choice");
    let m = form_map(p);
    step!(s, ctx, id, m, "voted", |w, scope| sel::vote(&mut w, &scope, id, &choices).await?)
}

pub async fn score(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    // s<nomination id> = a score; an empty field is no score (a recused candidate).
    let scores: HashMap<i64, Option<u32>> = p
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix('s')?.parse().ok()?;
            let v = v.trim();
            Some((id, if v.is_empty() { None } else { Some(v.parse::<u32>().unwrap_or(u32::MAX)) }))
        })
        .collect();
    let m = form_map(p);
    step!(s, ctx, id, m, "voted", |w, scope| sel::score(&mut w, &scope, id, &scores).await?)
}

pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    step!(s, ctx, id, m, "saved", |w, scope| sel::close(&mut w, &scope, id).await?)
}

/// The office records a panel minimum below 5 for this selection (2 at least), and why.
pub async fn panel_minimum(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    let minimum = m.get("minimum").and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(0);
    let reason = m.get("reason").cloned().unwrap_or_default();
    step!(s, ctx, id, m, "saved", |w, scope| sel::set_panel_minimum(&mut w, &scope, id, minimum, &reason).await?)
}

pub async fn tie(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let order = super::tie_order(&p);
    let m = form_map(p);
    let reason = m.get("reason").cloned().unwrap_or_default();
    step!(s, ctx, id, m, "decided", |w, scope| sel::decide_tie(&mut w, &scope, id, &order, &reason).await?)
}

pub async fn publish(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    step!(s, ctx, id, m, "published", |w, scope| {
        let calendar = selection_calendar(&mut w, id).await?;
        sel::publish(&mut w, &scope, id, &calendar).await?
    })
}

/// The working-day calendar of the selection's own campaign.
async fn selection_calendar(c: &mut Conn, id: i64) -> Result<pacesetter_domain::calendar::Calendar, StoreError> {
    let s = sel::get(c, id).await?;
    Ok(campaign::get(c, s.campaign_id).await?.plan()?.calendar)
}

pub async fn object(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    let nomination = num(&m, "nomination").unwrap_or(0);
    let reasons = m.get("reasons").cloned().unwrap_or_default();
    step!(s, ctx, id, m, "objected", |w, scope| sel::object(&mut w, &scope, id, nomination, &reasons).await?)
}

pub async fn resolve(State(s): State<AppState>, ctx: Ctx, Path((id, oid)): Path<(i64, i64)>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    let upheld = field(&m, "decision") == Some("upheld");
    let resolution = m.get("resolution").cloned().unwrap_or_default();
    step!(s, ctx, id, m, "decided", |w, scope| {
        let calendar = selection_calendar(&mut w, id).await?;
        let of = sel::resolve(&mut w, &scope, oid, upheld, &resolution, &calendar).await?;
        if of != id {
            return Err(StoreError::NotFound);
        }
    })
}

pub async fn approve(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(p): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let m = form_map(p);
    let decision = m.get("decision").cloned().unwrap_or_default();
    step!(s, ctx, id, m, "approved", |w, scope| sel::approve(&mut w, &scope, id, &decision).await?)
}

// ---- JSON, the auditor's bundle, exports and PDFs -----------------------------------------------

/// A selection as the caller may see it: the stage, the eligible list, and the result as far as
/// the rules allow (totals to the office and to an electorate of 5 or more after the close).
pub async fn api_get(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, id).await?;
    let stage = row.stage();
    let my = sel::my_ballot(&mut c, scope, id).await?;
    let office = scope.is_office_or_admin() || scope.has(Role::Auditor);
    let took_part = sel::voters(&mut c, id).await?;
    let totals = office || (stage >= Stage::Counted && my.in_electorate && took_part.len() as i64 >= MIN_ELECTORATE);
    let noms = sel::nominations(&mut c, id).await?;
    let eligible: Vec<CandidateDto> = if stage >= Stage::Voting {
        noms.iter().filter(|n| n.state() == NominationState::Eligible).map(|n| CandidateDto { id: n.id, name: n.name.clone(), kind: n.kind.clone() }).collect()
    } else {
        Vec::new()
    };
    let outcome = sel::outcome(&mut c, &row).await?;
    let result = outcome.map(|o| {
        let published = stage >= Stage::Notice || office;
        SelectionResultDto {
            votes: (totals && row.is_ballot()).then(|| o.order.iter().map(|(id, f)| (*id, f.num as u64)).collect()),
            scores: (totals && !row.is_ballot()).then(|| o.order.iter().map(|(id, f)| (*id, f.published())).collect()),
            selected: (published || totals).then(|| o.selected.clone()),
            moved_up: published.then(|| o.moved_up.clone()),
            tie_at_line: office.then(|| o.tie_at_line.clone()),
        }
    });
    let voters = (totals && stage >= Stage::Counted && anonymity::may_show(took_part.len() as u64)).then(|| took_part.iter().map(|v| v.name.clone()).collect());
    Ok(Json(SelectionDto {
        id: row.id,
        title: row.title.clone(),
        category: row.category_code.clone(),
        quota: row.quota,
        stage: row.stage.clone(),
        nominate_until: iso(row.nominate_until),
        vote_from: iso(row.vote_from),
        vote_until: iso(row.vote_until),
        eligibility_hash: row.eligibility_hash.clone(),
        electorate_hash: row.electorate_hash.clone(),
        electorate_size: row.electorate_size,
        took_part: took_part.len(),
        voters,
        notice_from: row.notice_from.map(iso),
        notice_until: row.notice_until.map(iso),
        me: my,
        candidates: eligible,
        result,
    })
    .into_response())
}

pub async fn audit_bundle(State(s): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let b = sel::bundle(&mut c, id).await?;
    let body = serde_json::to_string_pretty(&b).map_err(|_| AppError::internal())?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"selection-{id}-audit.json\"")),
        ],
        body,
    )
        .into_response())
}

fn award_sheet(rows: &[AwardRow], lang: Lang) -> Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    Sheet {
        name: t("获奖名单", "Awards"),
        headers: vec![
            t("序号", "No."),
            t("奖项", "Award"),
            t("期间", "Period"),
            t("获奖者", "Recipient"),
            t("所在党组织", "Organization"),
            t("审定文件", "Decision"),
            t("审定日期", "Date"),
            t("证书编号", "Certificate"),
        ],
        rows: rows
            .iter()
            .map(|a| {
                vec![
                    a.rank.to_string(),
                    a.award.clone(),
                    a.period.clone(),
                    a.recipient.clone(),
                    a.home.clone().unwrap_or_default(),
                    a.decision.clone(),
                    iso(a.awarded_on),
                    a.certificate_no.clone(),
                ]
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "awards.html")]
struct RegisterPage {
    l: Layout,
    awards: Vec<AwardRow>,
}

/// The award register of the campaign (public to everyone logged in: awards are announced).
pub async fn register(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let awards = sel::register(&mut c, camp.id).await?;
    Ok(render_status(StatusCode::OK, &RegisterPage { l: Layout::new(&ctx, ctx.t("获奖名册", "Award register")), awards }))
}

pub async fn register_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> AppResult<Response> {
    let format = match file.as_str() {
        "awards.xlsx" => "xlsx",
        "awards.csv" => "csv",
        _ => return Err(AppError::not_found()),
    };
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let awards = sel::register(&mut c, camp.id).await?;
    super::download(&ctx, &award_sheet(&awards, ctx.lang), "awards", format)
}

/// The nominations the caller may see (推荐汇总表) or the count as far as they may see it, as
/// .xlsx or CSV.
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(i64, String)>) -> AppResult<Response> {
    let (what, format) = match file.as_str() {
        "nominations.xlsx" => ("nominations", "xlsx"),
        "nominations.csv" => ("nominations", "csv"),
        "results.xlsx" => ("results", "xlsx"),
        "results.csv" => ("results", "csv"),
        _ => return Err(AppError::not_found()),
    };
    let scope = &ctx.me()?.scope;
    let lang = ctx.lang;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, id).await?;
    let noms = sel::nominations(&mut c, id).await?;
    let sheet = if what == "nominations" {
        let mut rows = Vec::new();
        for n in &noms {
            if sel::may_see_nomination(&mut c, scope, n).await? {
                let who = Cand { n: n.clone(), result: None, selected: false, moved_up: false, tied: false, disqualified: false }.who();
                rows.push(vec![
                    (rows.len() + 1).to_string(),
                    who,
                    CandidateKind::parse(&n.kind).map(|k| k.label(lang)).unwrap_or("").to_string(),
                    n.nominated_by_org.clone().unwrap_or_default(),
                    n.quota_org.clone().unwrap_or_default(),
                    n.state().label(lang).to_string(),
                    n.supporters.to_string(),
                    n.reasons.clone(),
                    n.review_note.clone().unwrap_or_default(),
                ]);
            }
        }
        Sheet {
            name: t("推荐汇总表", "Nominations"),
            headers: vec![
                t("序号", "No."),
                t("候选人", "Candidate"),
                t("类别", "Kind"),
                t("推荐单位", "Nominated by"),
                t("名额所属", "Quota of"),
                t("状态", "State"),
                t("推荐人数", "Supporters"),
                t("推荐理由", "Reasons"),
                t("审查意见", "Review"),
            ],
            rows,
        }
    } else {
        let my = sel::my_ballot(&mut c, scope, id).await?;
        let took_part = sel::voters(&mut c, id).await?.len() as i64;
        let office = scope.is_office_or_admin() || scope.has(Role::Auditor);
        if !(office || (row.stage() >= Stage::Counted && my.in_electorate && took_part >= MIN_ELECTORATE)) {
            return Err(AppError::not_found());
        }
        let o = sel::outcome(&mut c, &row).await?.ok_or_else(AppError::not_found)?;
        let names: HashMap<i64, &NominationRow> = noms.iter().map(|n| (n.id, n)).collect();
        let rows = o
            .order
            .iter()
            .enumerate()
            .map(|(i, (nid, f))| {
                let name = names.get(nid).map(|n| n.name.clone()).unwrap_or_default();
                let result = if row.is_ballot() { f.num.to_string() } else { f.published() };
                let mut flags = Vec::new();
                if o.selected.contains(nid) {
                    flags.push(t("当选", "Selected"));
                }
                if o.moved_up.contains(nid) {
                    flags.push(t("递补", "Moved up"));
                }
                if o.tie_at_line.contains(nid) {
                    flags.push(t("名额线并列", "Tied at the line"));
                }
                vec![(i + 1).to_string(), name, result, flags.join("、")]
            })
            .collect();
        Sheet {
            name: t("计票结果", "Count"),
            headers: vec![t("名次", "Rank"), t("候选人", "Candidate"), if row.is_ballot() { t("得票", "Votes") } else { t("得分", "Score") }, t("结果", "Result")],
            rows,
        }
    };
    super::download(&ctx, &sheet, what, format)
}

/// One certificate page (A4 landscape).
fn certificate(a: &AwardRow, office: &str, items: &mut Vec<Item>) {
    let (w, _h) = (842.0f32, 595.0f32);
    // A frame.
    for (x, y, ww, hh) in [(30.0, 30.0, w - 60.0, 3.0), (30.0, 562.0, w - 60.0, 3.0), (30.0, 30.0, 3.0, 535.0), (w - 33.0, 30.0, 3.0, 535.0)] {
        items.push(Item::Rect { x, y, w: ww, h: hh });
    }
    let center = |text: &str, size: f32| (w - pdf::wrap(text, size, 10_000.0)[0].chars().map(|c| if c.is_ascii() { size * 0.55 } else { size }).sum::<f32>()) / 2.0;
    items.push(Item::Text { x: center("荣誉证书", 40.0), y: 130.0, size: 40.0, text: "荣誉证书".into() });
    let who = match &a.home {
        Some(h) if a.kind == "person" => format!("{}（{}）", a.recipient, h),
        _ => a.recipient.clone(),
    };
    items.push(Item::Text { x: 110.0, y: 220.0, size: 22.0, text: format!("{who}：") });
    let body = format!("在{}年创先争优活动中表现突出，被评为“{}”。特发此证，以资鼓励。", a.period, a.award);
    for (i, line) in pdf::wrap(&body, 20.0, w - 260.0).into_iter().enumerate() {
        items.push(Item::Text { x: 150.0, y: 270.0 + i as f32 * 34.0, size: 20.0, text: line });
    }
    items.push(Item::Text { x: w - 360.0, y: 450.0, size: 18.0, text: office.to_string() });
    items.push(Item::Text { x: w - 360.0, y: 480.0, size: 16.0, text: pacesetter_domain::dates::format_date(a.awarded_on, Lang::Zh) });
    items.push(Item::Text { x: 60.0, y: 540.0, size: 9.0, text: format!("证书编号：{} · 审定：{}", a.certificate_no, a.decision) });
}

async fn office_name(c: &mut Conn) -> AppResult<String> {
    let camp = current(c).await?;
    Ok(camp.plan().map(|p| p.campaign.office).unwrap_or_else(|_| "创先争优活动领导小组".into()))
}

/// Every certificate of a selection as one PDF, one page each.
pub async fn certificates(State(s): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let awards = sel::awards_of(&mut c, id).await?;
    if awards.is_empty() {
        return Err(AppError::new(StatusCode::NOT_FOUND, "no_awards", "这项评选尚未审定，没有证书", "Nothing is approved yet: no certificates"));
    }
    let office = office_name(&mut c).await?;
    let pages: Vec<Vec<Item>> = awards
        .iter()
        .map(|a| {
            let mut items = Vec::new();
            certificate(a, &office, &mut items);
            items
        })
        .collect();
    Ok(pdf::response(pdf::render(&pages, (842.0, 595.0))?, &format!("certificates-{id}.pdf")))
}

pub async fn certificate_one(State(s): State<AppState>, Path((id, aid)): Path<(i64, i64)>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let awards = sel::awards_of(&mut c, id).await?;
    let a = awards.iter().find(|a| a.id == aid).ok_or_else(AppError::not_found)?;
    let office = office_name(&mut c).await?;
    let mut items = Vec::new();
    certificate(a, &office, &mut items);
    Ok(pdf::response(pdf::render(&[items], (842.0, 595.0))?, &format!("certificate-{}.pdf", a.certificate_no)))
}

/// The commendation list for the conference (A4), in rank order.
pub async fn commendation(State(s): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, id).await?;
    let awards = sel::awards_of(&mut c, id).await?;
    if awards.is_empty() {
        return Err(AppError::new(StatusCode::NOT_FOUND, "no_awards", "这项评选尚未审定", "Nothing is approved yet"));
    }
    let mut pages = Vec::new();
    let mut items = vec![Item::Text { x: 50.0, y: 70.0, size: 20.0, text: format!("{}名单", row.title) }];
    items.push(Item::Text { x: 50.0, y: 96.0, size: 10.0, text: format!("审定：{}", row.decision.clone().unwrap_or_default()) });
    let mut y = 130.0;
    for a in &awards {
        if y > 790.0 {
            pages.push(std::mem::take(&mut items));
            y = 60.0;
        }
        let who = match &a.home {
            Some(h) if a.kind == "person" => format!("{}　{}", a.recipient, h),
            _ => a.recipient.clone(),
        };
        items.push(Item::Text { x: 60.0, y, size: 12.0, text: format!("{}. {who}", a.rank) });
        y += 22.0;
    }
    pages.push(items);
    Ok(pdf::response(pdf::render(&pages, pdf::A4)?, &format!("commendation-{id}.pdf")))
}

/// The recommendation and approval form (推荐审批表) of one candidate, with signature and seal
/// boxes, for printing.
pub async fn nomination_form(State(s): State<AppState>, ctx: Ctx, Path((id, nid)): Path<(i64, i64)>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, id).await?;
    let n = sel::nomination(&mut c, nid).await?;
    if n.selection_id != id || !sel::may_see_nomination(&mut c, scope, &n).await? {
        return Err(AppError::not_found());
    }
    // A mass nomination's form (with the first nominator's reasons) is the office's.
    if row.category()?.nominators == Nominators::Anyone && !scope.is_office_or_admin() {
        return Err(AppError::not_found());
    }
    let mut items = vec![Item::Text { x: 50.0, y: 70.0, size: 18.0, text: format!("“{}”推荐审批表", row.category()?.name) }];
    let mut y = 110.0;
    let mut line = |items: &mut Vec<Item>, label: &str, text: &str, min_lines: usize| {
        items.push(Item::Rect { x: 50.0, y: y - 14.0, w: 495.0, h: 0.8 });
        let lines = pdf::wrap(text, 11.0, 380.0);
        items.push(Item::Text { x: 56.0, y: y + 2.0, size: 11.0, text: label.to_string() });
        for (i, l) in lines.iter().enumerate() {
            items.push(Item::Text { x: 160.0, y: y + 2.0 + i as f32 * 17.0, size: 11.0, text: l.clone() });
        }
        y += 17.0 * lines.len().max(min_lines) as f32 + 12.0;
    };
    line(&mut items, "候选人", &Cand { n: n.clone(), result: None, selected: false, moved_up: false, tied: false, disqualified: false }.who(), 1);
    line(&mut items, "类别", CandidateKind::parse(&n.kind).map(|k| k.label(Lang::Zh)).unwrap_or(""), 1);
    line(&mut items, "推荐单位", n.nominated_by_org.as_deref().unwrap_or("—"), 1);
    if let Some(d) = &n.detail {
        line(&mut items, "简要情况", d, 2);
    }
    line(&mut items, "主要事迹", &n.reasons, 6);
    for (label, who) in [("党支部意见", "支部书记签字："), ("二级党组织意见", "书记签字："), ("校创先争优活动领导小组意见", "")] {
        items.push(Item::Rect { x: 50.0, y: y - 14.0, w: 495.0, h: 0.8 });
        items.push(Item::Text { x: 56.0, y: y + 2.0, size: 11.0, text: label.into() });
        items.push(Item::Text { x: 300.0, y: y + 60.0, size: 10.0, text: format!("{who}　　　　（盖章）") });
        items.push(Item::Text { x: 380.0, y: y + 80.0, size: 10.0, text: "年　　月　　日".into() });
        y += 100.0;
    }
    items.push(Item::Rect { x: 50.0, y: y - 14.0, w: 495.0, h: 0.8 });
    Ok(pdf::response(pdf::render(&[items], pdf::A4)?, &format!("nomination-{nid}.pdf")))
}
