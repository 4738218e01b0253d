//! Selections (评选): the office starts one from an award category of the plan and allocates
//! quotas; organizations (or anyone, for mass nominations) nominate; the office reviews
//! eligibility and opens the secret ballot; voters approve up to the quota on their phones; the
//! count, a tie decided with a reason, the public notice with objections and 递补, the final
//! approval, the award register with certificates, the recommendation forms and the
//! commendation list, and the auditor's bundle. Thin adapters over [`crate::app::selections`]:
//! parse the form, call the use case, render.

use super::confirm::{self, Confirmable};
use super::{FormState, Layout, conflict_form, render_status, see_other};
use crate::app::selections::{self as app, Review, SelectionView};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::Sheet;
use crate::input::{self, Pairs};
use crate::pdf::{self, Item};
use crate::state::AppState;
use askama::Template;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pacesetter_domain::Lang;
use pacesetter_domain::dates::iso;
use pacesetter_domain::ids::{AwardId, NominationId, ObjectionId, OrgId, PersonId, RoundId, SelectionEvidenceId, SelectionId, UnitId};
use pacesetter_domain::selection::{AwardCategory, CandidateKind, ElectorateKind, Nominators, Stage};
use pacesetter_store::selection::{AwardRow, MyBallot, NewNomination, NewSelection, NominationRow, ObjectionRow, QuotaRow, SelectionRow, VoterRow};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet};

/// A stage's label, or that the vote failed for turnout (closed below its minimum, not counted).
fn stage_label(row: &SelectionRow, lang: Lang) -> &'static str {
    if row.turnout_failed() { lang.t("投票未达最低参与率，未计票", "Failed for turnout: not counted") } else { row.stage().label(lang) }
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

// ---- typed forms ---------------------------------------------------------------------------------

/// A urlencoded form read into its typed input `T`, with the values as typed kept to show the
/// form again with what was wrong.
pub struct Posted<T> {
    pub input: T,
    pub values: HashMap<String, String>,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Posted<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|_| AppError::bad_request("无法读取提交的表单", "The form could not be read"))?;
        let input = crate::input::form_of::<T>(&bytes)?;
        let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default();
        Ok(Posted { input, values: crate::input::form_map(pairs) })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateForm {
    category: String,
    title: String,
    quota: String,
    #[serde(deserialize_with = "input::opt_id")]
    electorate_org: Option<OrgId>,
    nominate_until: String,
    vote_from: String,
    vote_until: String,
    #[serde(deserialize_with = "input::opt_id")]
    appraisal_round: Option<RoundId>,
}

impl CreateForm {
    fn input(self) -> NewSelection {
        NewSelection {
            electorate_org: self.electorate_org.map(|o| o.0),
            appraisal_round: self.appraisal_round.map(|r| r.0),
            category: self.category,
            title: self.title,
            quota: self.quota,
            nominate_until: self.nominate_until,
            vote_from: self.vote_from,
            vote_until: self.vote_until,
        }
    }
}

/// `q<org id>` = the quota as typed.
#[derive(Deserialize)]
#[serde(from = "Pairs")]
pub struct QuotasForm(Vec<(OrgId, String)>);

impl From<Pairs> for QuotasForm {
    fn from(p: Pairs) -> Self {
        QuotasForm(p.numbered("q").map(|(o, v)| (OrgId(o), v.to_string())).collect())
    }
}

/// `choice` = a nomination approved, repeated; a choice that is not an id refuses the ballot
/// (dropping it would cast a different ballot from the one filled in).
#[derive(Deserialize)]
#[serde(try_from = "Pairs")]
pub struct VoteForm(Vec<NominationId>);

impl TryFrom<Pairs> for VoteForm {
    type Error = String;

    fn try_from(p: Pairs) -> Result<Self, String> {
        p.0.iter()
            .filter(|(k, _)| k == "choice")
            .map(|(_, v)| v.trim().parse().map(NominationId).map_err(|_| format!("“{v}”不是编号 / \"{v}\" is not an id")))
            .collect::<Result<_, _>>()
            .map(VoteForm)
    }
}

/// `s<nomination id>` = a mark; an empty field is no mark (a recused candidate), one that is
/// not a whole number is out of range.
#[derive(Deserialize)]
#[serde(from = "Pairs")]
pub struct ScoreForm(HashMap<NominationId, Option<u32>>);

impl From<Pairs> for ScoreForm {
    fn from(p: Pairs) -> Self {
        ScoreForm(p.numbered("s").map(|(id, v)| (NominationId(id), if v.is_empty() { None } else { Some(v.parse::<u32>().unwrap_or(u32::MAX)) })).collect())
    }
}

/// `pos<nomination id>` = its place among the tied, and the reason.
#[derive(Deserialize)]
#[serde(from = "Pairs")]
pub struct TieForm {
    order: Vec<NominationId>,
    reason: String,
}

impl From<Pairs> for TieForm {
    fn from(p: Pairs) -> Self {
        let positions: Vec<(i64, i64)> = p.numbered("pos").filter_map(|(id, v)| Some((id, v.parse().ok()?))).collect();
        let order = pacesetter_domain::selection::order_from_positions(&positions).into_iter().map(NominationId).collect();
        let reason = p.0.iter().find(|(k, _)| k == "reason").map(|(_, v)| v.clone()).unwrap_or_default();
        TieForm { order, reason }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    decision: String,
    note: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PanelForm {
    minimum: String,
    reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ObjectForm {
    #[serde(deserialize_with = "input::opt_id")]
    nomination: Option<NominationId>,
    reasons: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResolveForm {
    decision: String,
    resolution: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApproveForm {
    decision: String,
}

/// A step without fields (open, close, publish, forward): only the CSRF token.
#[derive(Deserialize, Default)]
pub struct NoFields {}

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
    let ix = app::index(s, scope).await?;
    let lines = ix
        .lines
        .into_iter()
        .map(|l| {
            let st = l.s.stage();
            ListLine { stage: stage_label(&l.s, ctx.lang), badge: if l.s.turnout_failed() { "bad" } else { stage_badge(st) }, my_ballot: l.my_ballot, s: l.s }
        })
        .collect();
    let page = IndexPage {
        l: Layout::new(ctx, ctx.t("评选表彰", "Selections and awards")),
        lines,
        office: ix.office,
        categories: ix.categories,
        orgs: ix.electorate_orgs,
        rounds: ix.rounds,
        f,
    };
    Ok(render_status(status, &page))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, form: Posted<CreateForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    match app::create(&s, &scope, &form.input.input()).await {
        Ok(id) => Ok(see_other(&format!("/selections/{id}?done=created"))),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY && e.fields.is_some() => {
            index_page(&s, &ctx, FormState::with(ctx.lang, form.values, e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
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
        who(&self.n)
    }
}

fn who(n: &NominationRow) -> String {
    match &n.home {
        Some(h) if n.kind() == CandidateKind::Person => format!("{}（{}）", n.name, h),
        _ => n.name.clone(),
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
    /// People found by name for the nomination form.
    matches: Vec<pacesetter_store::people::PublicPerson>,
    candidate_orgs: Vec<(i64, String)>,
    candidate_units: Vec<(i64, String)>,
    may_nominate: bool,
    mass: bool,
    forwardable: HashSet<i64>,
    my: MyBallot,
    voting_open: bool,
    took_part: i64,
    /// The turnout as printed (with every result), and whether it meets the category's minimum.
    turnout: Option<String>,
    turnout_met: bool,
    /// The minimum turnout the category states.
    turnout_rule: String,
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
    evidence: HashMap<i64, Vec<pacesetter_store::selection::EvidenceRow>>,
    /// The nominated organizations' study model points (the 十佳 of the points).
    points: HashMap<i64, pacesetter_store::study_point::Summary>,
    /// The activities nominations carry, and person nominees' participation, by nomination.
    activities: HashMap<i64, pacesetter_store::selection::NominatedActivity>,
    participation: HashMap<i64, pacesetter_store::activity::Participation>,
    /// The held activities the caller may attach to a nomination of an activity or a carrier.
    activity_choices: Vec<(i64, String, time::Date)>,
    f: FormState,
}

impl ShowPage {
    /// Half hours as hours with one decimal.
    pub fn hours(&self, half_hours: &i64) -> String {
        format!("{:.1}", *half_hours as f64 / 2.0)
    }

    pub fn is_stage(&self, code: &str) -> bool {
        self.stage.code() == code
    }
    pub fn past(&self, code: &str) -> bool {
        Stage::parse(code).is_some_and(|s| self.stage >= s)
    }
    pub fn files_of(&self, nomination: &i64) -> &[pacesetter_store::selection::EvidenceRow] {
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

/// The page; `?who=` (the picker's search without JavaScript) keeps what the form held and
/// lists the people of that name one may nominate.
pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, Query(q): Query<HashMap<String, String>>) -> AppResult<Response> {
    let f = if q.contains_key("who") {
        let mut values = q;
        values.remove("_csrf");
        values.remove("done");
        FormState::with(ctx.lang, values, Default::default())
    } else {
        FormState::new(ctx.lang)
    };
    show_page(&s, &ctx, id, f, StatusCode::OK).await
}

/// The candidate as a list of the page shows it, with the flags of the count (each list is
/// itself shown only as far as [`pacesetter_domain::selection::Disclosure`] allows).
fn cand(v: &SelectionView, n: &NominationRow) -> Cand {
    Cand {
        n: n.clone(),
        result: v.result_of(n.id),
        selected: v.selected().contains(&n.id),
        moved_up: v.moved_up().contains(&n.id),
        tied: v.tie_at_line().contains(&n.id),
        disqualified: v.disqualified.contains(&n.id),
    }
}

async fn show_page(s: &AppState, ctx: &Ctx, id: SelectionId, f: FormState, status: StatusCode) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let v = app::view(s, scope, id).await?;
    let by_id = v.by_id();
    let take = |ids: &[i64]| -> Vec<Cand> { ids.iter().filter_map(|i| by_id.get(i)).map(|n| cand(&v, n)).collect() };
    let nominations: Vec<Cand> = v.full().map(|n| cand(&v, n)).collect();
    let candidates: Vec<Cand> = v.candidates().map(|n| cand(&v, n)).collect();
    let ranked = take(&v.ranking().iter().map(|(i, _)| *i).collect::<Vec<_>>());
    let selected = take(v.selected());
    let tied = take(v.tie_at_line());
    let sheet = match &v.sheet {
        Some((_, recused)) => candidates.iter().map(|k| (Cand { n: k.n.clone(), result: None, ..*k }, recused.contains(&k.n.id))).collect(),
        None => Vec::new(),
    };
    let office = v.viewer.office;
    let me = scope.person.map(|p| p.0);
    let my_objections: Vec<ObjectionRow> = v.objections.iter().filter(|o| Some(o.person_id) == me).cloned().collect();
    let method = v.cat.method;
    // The picker's matches, found without JavaScript (the form's search button).
    let who = f.v("who").trim().to_string();
    let matches = if v.may_nominate && v.cat.candidates == CandidateKind::Person && !who.is_empty() {
        let by_org = f.v("by_org").trim().parse().ok().map(OrgId);
        app::candidates(s, scope, id, &who, by_org).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let page = ShowPage {
        matches,
        l: Layout::new(ctx, &v.row.title),
        stage_label: stage_label(&v.row, ctx.lang),
        voting_open: v.voting_open(),
        notice_running: v.notice_running(),
        took_part: v.took_part,
        turnout: v.turnout.filter(|_| v.stage >= Stage::Voting).map(|t| t.text(ctx.lang)),
        turnout_met: v.turnout.is_none_or(|t| t.met()),
        turnout_rule: match v.cat.electorate_kind() {
            Some(ElectorateKind::Body) => ctx.t("须过半数参与（选民为确定的群体）", "More than half must take part (a defined electorate)").to_string(),
            Some(ElectorateKind::Open) => ctx.t("面向全体，不设最低参与率，结果附参与率", "Open to everyone: no minimum; the turnout is printed with the result").to_string(),
            None => ctx.t("不投票", "No vote").to_string(),
        },
        kind: v.cat.candidates.code(),
        method_label: method.label(ctx.lang),
        has_ballot: method.has_ballot(),
        has_panel: method.has_panel(),
        mass: v.cat.nominators == Nominators::Anyone,
        totals: v.show.totals,
        office,
        auditor: v.viewer.auditor,
        nominations,
        candidates,
        ranked,
        selected,
        tied,
        sheet,
        my_objections,
        objections: if office { v.objections } else { Vec::new() },
        s: v.row,
        cat: v.cat,
        stage: v.stage,
        quotas: v.quotas,
        nominating_orgs: v.nominating_orgs,
        candidate_orgs: v.candidate_orgs,
        candidate_units: v.candidate_units,
        may_nominate: v.may_nominate,
        forwardable: v.forwardable,
        my: v.my,
        voters: v.voters,
        awards: v.awards,
        evidence: v.evidence,
        points: v.points,
        activities: v.activities,
        participation: v.participation,
        activity_choices: v.activity_choices,
        f,
    };
    Ok(render_status(status, &page))
}

/// After a step: back to the page, or the page again with what was wrong (422 with the fields,
/// 409 or 403 with the reason).
async fn after(s: &AppState, ctx: &Ctx, id: SelectionId, values: HashMap<String, String>, r: AppResult<()>, done: &str) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(see_other(&format!("/selections/{id}?done={done}"))),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY && e.fields.is_some() => {
            show_page(s, ctx, id, FormState::with(ctx.lang, values, e.fields.unwrap_or_default()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) if matches!(e.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN) => show_page(s, ctx, id, conflict_form(ctx, values, e.message), e.status).await,
        Err(e) => Err(e),
    }
}

pub async fn set_quotas(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Posted<QuotasForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::set_quotas(&s, &scope, id, &form.input.0).await;
    after(&s, &ctx, id, form.values, r, "saved").await
}

/// The nominator's form (multipart with evidence files, or urlencoded): who nominates, the
/// candidate (a person by number, an organization or a unit), and the text.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NominationForm {
    #[serde(deserialize_with = "input::opt_id")]
    by_org: Option<OrgId>,
    #[serde(deserialize_with = "input::opt_id")]
    person: Option<PersonId>,
    person_number: String,
    #[serde(deserialize_with = "input::opt_id")]
    org: Option<OrgId>,
    #[serde(deserialize_with = "input::opt_id")]
    unit: Option<UnitId>,
    title: String,
    detail: String,
    reasons: String,
    #[serde(deserialize_with = "input::opt_id")]
    activity: Option<i64>,
}

/// The nominator's form, typed: an id that does not parse is refused.
fn nomination_of(m: &HashMap<String, String>) -> AppResult<NewNomination> {
    let f: NominationForm = input::from_pairs(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).map_err(|d| {
        AppError::bad_request(format!("表单无法读取：{}", d.split(" / ").next().unwrap_or("")), format!("The form could not be read: {}", d.rsplit(" / ").next().unwrap_or("")))
    })?;
    Ok(NewNomination {
        by_org: f.by_org.map(|o| o.0),
        person: f.person.map(|p| p.0),
        person_number: f.person_number,
        org: f.org.map(|o| o.0),
        unit: f.unit.map(|u| u.0),
        title: f.title,
        detail: f.detail,
        reasons: f.reasons,
        activity: f.activity,
    })
}

pub async fn nominate(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, req: Request) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    // Who may nominate at all is asked before an upload is read.
    app::may_nominate(&s, &scope, id).await?;
    let crate::upload::MultipartForm { values: m, files, errors, .. } = crate::upload::read_any(req, "files", s.site.max_upload).await?;
    if !errors.is_empty() {
        return show_page(&s, &ctx, id, FormState::with(ctx.lang, m, errors), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let evidence: Vec<pacesetter_store::commitment::NewEvidence> =
        files.into_iter().map(|f| pacesetter_store::commitment::NewEvidence { filename: f.filename, content_type: f.kind.content_type().into(), data: f.data }).collect();
    let r = app::nominate(&s, &scope, id, &nomination_of(&m)?, evidence).await.map(|_| ());
    after(&s, &ctx, id, m, r, "nominated").await
}

/// A file of evidence of a nomination.
pub async fn evidence_file(State(s): State<AppState>, ctx: Ctx, Path((id, eid)): Path<(SelectionId, SelectionEvidenceId)>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let (name, ty, data) = app::evidence_file(&s, scope, id, eid).await?;
    Ok(super::stored_file(&name, ty, data))
}

pub async fn forward(State(s): State<AppState>, ctx: Ctx, Path((id, nid)): Path<(SelectionId, NominationId)>, form: Posted<NoFields>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::forward(&s, &scope, id, nid).await.map(|_| ());
    after(&s, &ctx, id, form.values, r, "submitted").await
}

pub async fn review(State(s): State<AppState>, ctx: Ctx, Path((id, nid)): Path<(SelectionId, NominationId)>, form: Posted<ReviewForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let input = Review { eligible: form.input.decision.trim() == "eligible", note: form.input.note.clone() };
    let r = app::review(&s, &scope, id, nid, &input).await.map(|_| ());
    after(&s, &ctx, id, form.values, r, "decided").await
}

/// Opens the ballot, after a step that says what is frozen: the candidates and how many voters.
pub async fn open(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Confirmable<NoFields>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    if !form.confirmed {
        return match app::open_trial(&s, &scope, id).await {
            Ok(t) => {
                let (n, m) = (t.candidates.len(), t.after.electorate_size);
                let what = ctx
                    .t(
                        &format!("将开始投票：以下 {n} 名候选人和 {m} 名选民的名单即被固定并公布指纹，此后不能再推荐或审查。"),
                        &format!("The ballot will open: the list of these {n} candidates and the electorate of {m} are frozen and fingerprinted; nominations and reviews end."),
                    )
                    .to_string();
                let note = t
                    .turnout
                    .map(|tu| {
                        if tu.minimum > 0 {
                            ctx.t(&format!("至少 {} 人参与才能计票。", tu.minimum), &format!("At least {} must take part for a count.", tu.minimum)).to_string()
                        } else {
                            String::new()
                        }
                    })
                    .unwrap_or_default();
                let button = ctx.t(&format!("确认开始投票（{n} 名候选人）"), &format!("Open the ballot ({n} candidates)")).to_string();
                Ok(confirm::step(
                    &ctx,
                    confirm::Confirm {
                        what,
                        items: t.candidates,
                        note,
                        action: format!("/selections/{id}/open"),
                        fields: form.again,
                        button,
                        back: format!("/selections/{id}"),
                        danger: false,
                    },
                ))
            }
            Err(e) => after(&s, &ctx, id, HashMap::new(), Err(e), "saved").await,
        };
    }
    let r = app::open(&s, &scope, id).await;
    after(&s, &ctx, id, HashMap::new(), r, "saved").await
}

pub async fn vote(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Posted<VoteForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::vote(&s, &scope, id, &form.input.0).await;
    after(&s, &ctx, id, form.values, r, "voted").await
}

pub async fn score(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Posted<ScoreForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::score(&s, &scope, id, &form.input.0).await;
    after(&s, &ctx, id, form.values, r, "voted").await
}

/// Closes the ballot and counts it, after a step that says how many took part. Below the
/// minimum turnout it comes back on the page with the choice to extend the vote or to close it
/// with a reason (then nothing is counted nor published).
pub async fn close(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Confirmable<app::Close>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let values: HashMap<String, String> = form.again.iter().cloned().collect();
    if !form.confirmed {
        return match app::close_trial(&s, &scope, id, &form.input).await {
            Ok(t) => {
                let n = t.candidates.len();
                let turnout = t.turnout.map(|tu| tu.text(ctx.lang)).unwrap_or_default();
                let failed = t.after.turnout_failed();
                let what = if failed {
                    ctx.t(
                        "将关闭投票，但参与人数未达最低要求：不计票，不公布结果，不产生当选者；理由记入审计日志。",
                        "The ballot will close below its minimum turnout: nothing is counted or published and nobody is selected; the reason is audited.",
                    )
                    .to_string()
                } else {
                    ctx.t(
                        &format!("将结束投票并为以下 {n} 名候选人计票，此后不能再投票。"),
                        &format!("The ballot will close and these {n} candidates be counted; no more ballots are taken."),
                    )
                    .to_string()
                };
                let mut note = turnout;
                if let Some(r) = t.after.turnout_reason.as_deref() {
                    note = format!("{note} {}{r}", ctx.t("理由：", "Reason: "));
                }
                let button = if failed { ctx.t("确认关闭投票（不计票）", "Close without a count") } else { ctx.t("确认结束投票并计票", "Close and count") }.to_string();
                Ok(confirm::step(
                    &ctx,
                    confirm::Confirm {
                        what,
                        items: t.candidates,
                        note,
                        action: format!("/selections/{id}/close"),
                        fields: form.again,
                        button,
                        back: format!("/selections/{id}"),
                        danger: failed,
                    },
                ))
            }
            Err(e) => after(&s, &ctx, id, values, Err(e), "saved").await,
        };
    }
    let r = app::close(&s, &scope, id, &form.input).await;
    after(&s, &ctx, id, values, r, "saved").await
}

/// Extends an open vote to a later last day.
pub async fn extend(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Posted<app::Extend>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::extend(&s, &scope, id, &form.input).await.map(|_| ());
    after(&s, &ctx, id, form.values, r, "saved").await
}

/// The office records a panel minimum below 5 for this selection (2 at least), and why.
pub async fn panel_minimum(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Posted<PanelForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let minimum = form.input.minimum.trim().parse::<i64>().unwrap_or(0);
    let r = app::panel_minimum(&s, &scope, id, minimum, &form.input.reason).await;
    after(&s, &ctx, id, form.values, r, "saved").await
}

pub async fn tie(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Posted<TieForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::tie(&s, &scope, id, &form.input.order, &form.input.reason).await;
    after(&s, &ctx, id, form.values, r, "decided").await
}

pub async fn publish(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Posted<NoFields>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::publish(&s, &scope, id).await.map(|_| ());
    after(&s, &ctx, id, form.values, r, "published").await
}

pub async fn object(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Posted<ObjectForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let nomination = form.input.nomination.ok_or_else(|| AppError::bad_request("请选择被提出异议的提名", "Choose the nomination the objection is about"))?;
    let r = app::object(&s, &scope, id, nomination, &form.input.reasons).await.map(|_| ());
    after(&s, &ctx, id, form.values, r, "objected").await
}

pub async fn resolve(State(s): State<AppState>, ctx: Ctx, Path((id, oid)): Path<(SelectionId, ObjectionId)>, form: Posted<ResolveForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let upheld = form.input.decision.trim() == "upheld";
    let r = app::resolve(&s, &scope, id, oid, upheld, &form.input.resolution).await;
    after(&s, &ctx, id, form.values, r, "decided").await
}

pub async fn approve(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>, form: Posted<ApproveForm>) -> AppResult<Response> {
    let scope = ctx.me()?.scope.clone();
    let r = app::approve(&s, &scope, id, &form.input.decision).await;
    after(&s, &ctx, id, form.values, r, "approved").await
}

// ---- the auditor's bundle, exports and PDFs -------------------------------------------------------

pub async fn audit_bundle(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Response> {
    let scope = &ctx.me()?.scope;
    let b = app::audit_bundle(&s, scope, id).await?;
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
    let awards = app::register(&s).await?;
    Ok(render_status(StatusCode::OK, &RegisterPage { l: Layout::new(&ctx, ctx.t("获奖名册", "Award register")), awards }))
}

pub async fn register_export(State(s): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> AppResult<Response> {
    let format = match file.as_str() {
        "awards.xlsx" => "xlsx",
        "awards.csv" => "csv",
        _ => return Err(AppError::not_found()),
    };
    let awards = app::register(&s).await?;
    super::download(&ctx, &award_sheet(&awards, ctx.lang), "awards", format)
}

/// The nominations the caller may see (推荐汇总表) or the count as far as they may see it, as
/// .xlsx or CSV.
pub async fn export(State(s): State<AppState>, ctx: Ctx, Path((id, file)): Path<(SelectionId, String)>) -> AppResult<Response> {
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
    let sheet = if what == "nominations" {
        let (_, noms, _) = app::nominations(&s, scope, id).await?;
        let rows = noms
            .iter()
            .filter(|n| n.full)
            .enumerate()
            .map(|(i, n)| {
                let n = &n.n;
                vec![
                    (i + 1).to_string(),
                    who(n),
                    CandidateKind::parse(&n.kind).map(|k| k.label(lang)).unwrap_or("").to_string(),
                    n.nominated_by_org.clone().unwrap_or_default(),
                    n.quota_org.clone().unwrap_or_default(),
                    n.state().label(lang).to_string(),
                    n.supporters.to_string(),
                    n.reasons.clone(),
                    n.review_note.clone().unwrap_or_default(),
                ]
            })
            .collect();
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
        let app::Count { row, outcome: o, names, show, turnout } = app::count(&s, scope, id).await?;
        let mut rows: Vec<Vec<String>> = o
            .order
            .iter()
            .enumerate()
            .map(|(i, (nid, f))| {
                let name = names.get(nid).cloned().unwrap_or_default();
                let result = if row.is_ballot() { f.num.to_string() } else { f.published() };
                let mut flags = Vec::new();
                if show.selected && o.selected.contains(nid) {
                    flags.push(t("当选", "Selected"));
                }
                if show.moved_up && o.moved_up.contains(nid) {
                    flags.push(t("递补", "Moved up"));
                }
                if show.tie_at_line && o.tie_at_line.contains(nid) {
                    flags.push(t("名额线并列", "Tied at the line"));
                }
                vec![(i + 1).to_string(), name, result, flags.join("、")]
            })
            .collect();
        // The turnout is printed with every result.
        if let Some(tu) = turnout {
            rows.push(vec![String::new(), t("参与情况", "Turnout"), tu.cast.to_string(), tu.text(lang)]);
        }
        Sheet {
            name: t("计票结果", "Count"),
            headers: vec![t("名次", "Rank"), t("候选人", "Candidate"), if row.is_ballot() { t("得票", "Votes") } else { t("得分", "Score") }, t("结果", "Result")],
            rows,
        }
    };
    super::download(&ctx, &sheet, what, format)
}

/// Every certificate of a selection as one PDF, one page each.
pub async fn certificates(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Response> {
    let a = app::awarded(&s, &ctx.me()?.scope, id).await?;
    let pages: Vec<Vec<Item>> = a
        .awards
        .iter()
        .map(|x| {
            let mut items = Vec::new();
            certificate(x, &a.office, &mut items);
            items
        })
        .collect();
    Ok(pdf::response(pdf::render(&pages, (842.0, 595.0))?, &format!("certificates-{id}.pdf")))
}

pub async fn certificate_one(State(s): State<AppState>, ctx: Ctx, Path((id, aid)): Path<(SelectionId, AwardId)>) -> AppResult<Response> {
    let (a, office) = app::award(&s, &ctx.me()?.scope, id, aid).await?;
    let mut items = Vec::new();
    certificate(&a, &office, &mut items);
    Ok(pdf::response(pdf::render(&[items], (842.0, 595.0))?, &format!("certificate-{}.pdf", a.certificate_no)))
}

/// The commendation list for the conference (A4), in rank order.
pub async fn commendation(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Response> {
    let app::Awarded { row, awards, .. } = app::awarded(&s, &ctx.me()?.scope, id).await?;
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
pub async fn nomination_form(State(s): State<AppState>, ctx: Ctx, Path((id, nid)): Path<(SelectionId, NominationId)>) -> AppResult<Response> {
    let (cat, n) = app::nomination_form(&s, &ctx.me()?.scope, id, nid).await?;
    let mut items = vec![Item::Text { x: 50.0, y: 70.0, size: 18.0, text: format!("“{}”推荐审批表", cat.name) }];
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
    line(&mut items, "候选人", &who(&n), 1);
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

// ---- 公示 -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    l: Layout,
    notices: Vec<app::PublicNotice>,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    l: Layout,
    n: app::PublicNotice,
}

/// The public 公示 list: open to anyone, logged in or not.
pub async fn notices(State(s): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let notices = app::public_notices(&s).await?;
    Ok(super::render(&NoticesPage { l: Layout::new(&ctx, ctx.t("公示", "Public notices")), notices }))
}

/// One selection's public notice.
pub async fn notice(State(s): State<AppState>, ctx: Ctx, Path(id): Path<SelectionId>) -> AppResult<Response> {
    let n = app::public_notice(&s, id).await?;
    let title = format!("{} · {}", n.title, ctx.t("公示", "notice"));
    Ok(super::render(&NoticePage { l: Layout::new(&ctx, &title), n }))
}
