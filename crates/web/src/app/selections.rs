//! Selections (评选) and the award register: starting one from an award category, quotas,
//! nominations with their supporters and evidence, forwarding and the eligibility review, the
//! frozen electorate, secret ballots and panel score sheets, the count with ties and 递补, the
//! public notice with objections, the approval, and what comes of it (certificates, the
//! commendation list, exports, the auditor's bundle). One function per use case; what a caller
//! may see of a selection is [`Disclosure`]'s, worked out once in [`view`].

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::http::StatusCode;
use pacesetter_domain::appraisal::Frac;
use pacesetter_domain::dates::today;
use pacesetter_domain::ids::{AwardId, NominationId, ObjectionId, OrgId, SelectionEvidenceId, SelectionId};
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::selection::{self as rule, AwardCategory, CandidateKind, Disclosure, NominationState, Nominators, Outcome, Stage, Viewer};
use pacesetter_store::commitment::NewEvidence;
use pacesetter_store::people::PublicPerson;
use pacesetter_store::selection::{
    self as sel, AwardRow, EvidenceRow, MyBallot, NewNomination, NewSelection, NominationRow, ObjectionRow, QuotaRow, SeenNomination, SelectionRow, VoterRow,
};
use pacesetter_store::{Conn, StoreError, campaign};
use std::collections::{HashMap, HashSet};
use time::Date;

async fn current(c: &mut Conn) -> AppResult<campaign::CampaignRow> {
    campaign::current(c).await?.ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "no_campaign", "目前没有进行中的活动", "No campaign is running"))
}

fn viewer_of(scope: &Scope, my: MyBallot) -> Viewer {
    Viewer { office: scope.is_office_or_admin(), auditor: scope.has(Role::Auditor), in_electorate: my.in_electorate }
}

// ---- the list and a new selection -------------------------------------------------------------

/// A selection in the list, with whether a ballot (or score sheet) waits for the caller.
pub struct ListLine {
    pub s: SelectionRow,
    pub my_ballot: bool,
}

/// The list of the campaign's selections, and what the office's form to start one offers.
pub struct Index {
    pub lines: Vec<ListLine>,
    pub office: bool,
    pub categories: Vec<AwardCategory>,
    pub electorate_orgs: Vec<(i64, String)>,
    pub rounds: Vec<(i64, String)>,
}

use crate::app::tree::with_full_paths as full;
use pacesetter_store::tree::Tree;

pub async fn index(s: &AppState, scope: &Scope) -> AppResult<Index> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    let day = today();
    let waiting = sel::waiting_ballots(&mut c, scope, camp.id).await?;
    let lines = sel::list(&mut c, camp.id).await?.into_iter().map(|row| ListLine { my_ballot: row.voting_open(day) && waiting.contains(&row.id), s: row }).collect();
    let office = scope.is_office_or_admin();
    let electorate_orgs = if office {
        {
            let v = sel::electorate_orgs(&mut c).await?;
            full(&mut c, Tree::Org, v).await?
        }
    } else {
        Vec::new()
    };
    let categories = camp.plan().map(|p| p.awards).unwrap_or_default();
    let rounds = if office {
        let me = pacesetter_store::appraisal::Caller::load(&mut c, scope).await?;
        pacesetter_store::appraisal::rounds(&mut c, &me, camp.id).await?.into_iter().map(|r| (r.id, r.title)).collect()
    } else {
        Vec::new()
    };
    Ok(Index { lines, office, categories, electorate_orgs, rounds })
}

/// The office starts a selection from an award category of the current campaign's plan.
pub async fn create(s: &AppState, scope: &Scope, n: &NewSelection) -> AppResult<SelectionId> {
    let mut w = s.store.write().await?;
    let camp = current(&mut w).await?;
    let id = sel::create(&mut w, scope, &camp, n).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(SelectionId(id))
}

// ---- one selection, as the caller may see it ----------------------------------------------------

/// A selection as the caller may see it: every part already filtered by [`Disclosure`] and by
/// the scoped loaders. A fixed number of queries whatever the number of nominations.
pub struct SelectionView {
    pub row: SelectionRow,
    pub cat: AwardCategory,
    pub stage: Stage,
    pub viewer: Viewer,
    pub show: Disclosure,
    /// The nominations the caller sees in full, and (from the ballot on) the eligible list.
    pub nominations: Vec<SeenNomination>,
    /// The count, once made (what of it may be shown is in `show`).
    pub outcome: Option<Outcome<Frac>>,
    /// Candidates passed over for an upheld objection.
    pub disqualified: HashSet<i64>,
    pub my: MyBallot,
    pub took_part: i64,
    /// The turnout against the category's minimum (None when nobody votes).
    pub turnout: Option<rule::Turnout>,
    /// Who took part, when [`Disclosure::voters`] allows.
    pub voters: Vec<VoterRow>,
    pub quotas: Vec<QuotaRow>,
    pub nominating_orgs: Vec<(i64, String)>,
    pub candidate_orgs: Vec<(i64, String)>,
    pub candidate_units: Vec<(i64, String)>,
    pub may_nominate: bool,
    /// Recommendations the caller's secondary organization may forward.
    pub forwardable: HashSet<i64>,
    /// Objections: every one for the office, the caller's own otherwise.
    pub objections: Vec<ObjectionRow>,
    pub awards: Vec<AwardRow>,
    /// Files of evidence the caller may see, by nomination.
    pub evidence: HashMap<i64, Vec<EvidenceRow>>,
    /// The panel member's score sheet: each candidate they may score, and those they recuse.
    pub sheet: Option<(HashSet<i64>, HashSet<i64>)>,
    /// For the 十佳 of the study model points: each nominated organization's point (its
    /// milestones, reports and inspections' mean), by organization.
    pub points: HashMap<i64, pacesetter_store::study_point::Summary>,
    /// The activities the nominations carry as evidence, by nomination (those seen in full).
    pub activities: HashMap<i64, pacesetter_store::selection::NominatedActivity>,
    /// Person nominees' part in the activities of the last twelve months, by nomination (those
    /// seen in full).
    pub participation: HashMap<i64, pacesetter_store::activity::Participation>,
    /// The held activities the caller may attach to a nomination of an activity or a carrier.
    pub activity_choices: Vec<(i64, String, time::Date)>,
}

impl SelectionView {
    pub fn voting_open(&self) -> bool {
        self.row.voting_open(today())
    }

    pub fn notice_running(&self) -> bool {
        self.row.notice_running(today())
    }

    /// The eligible candidates (from the ballot on), in nomination order.
    pub fn candidates(&self) -> impl Iterator<Item = &NominationRow> {
        let on = self.show.candidates;
        self.nominations.iter().filter(move |n| on && n.n.state() == NominationState::Eligible).map(|n| &n.n)
    }

    /// The nominations seen in full.
    pub fn full(&self) -> impl Iterator<Item = &NominationRow> {
        self.nominations.iter().filter(|n| n.full).map(|n| &n.n)
    }

    pub fn by_id(&self) -> HashMap<i64, &NominationRow> {
        self.nominations.iter().map(|n| (n.n.id, &n.n)).collect()
    }

    /// The result of a candidate as shown: votes for a ballot, the published score otherwise;
    /// None when the totals are not for the caller.
    pub fn result_of(&self, id: i64) -> Option<String> {
        if !self.show.totals {
            return None;
        }
        let (_, f) = self.outcome.as_ref()?.order.iter().find(|(i, _)| *i == id)?;
        Some(if self.row.is_ballot() { f.num.to_string() } else { f.published() })
    }

    /// The ranking, when the totals are shown.
    pub fn ranking(&self) -> &[(i64, Frac)] {
        match &self.outcome {
            Some(o) if self.show.totals => &o.order,
            _ => &[],
        }
    }

    pub fn selected(&self) -> &[i64] {
        match &self.outcome {
            Some(o) if self.show.selected => &o.selected,
            _ => &[],
        }
    }

    pub fn moved_up(&self) -> &[i64] {
        match &self.outcome {
            Some(o) if self.show.moved_up => &o.moved_up,
            _ => &[],
        }
    }

    pub fn tie_at_line(&self) -> &[i64] {
        match &self.outcome {
            Some(o) if self.show.tie_at_line => &o.tie_at_line,
            _ => &[],
        }
    }
}

pub async fn view(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<SelectionView> {
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, scope, id.0).await?;
    let cat = row.category()?;
    let stage = row.stage();
    let day = today();
    let my = sel::my_ballot(&mut c, scope, id.0).await?;
    let took_part = sel::turnout(&mut c, id.0).await?;
    let viewer = viewer_of(scope, my);
    let show = Disclosure::of(stage, viewer, took_part.max(0) as u64);
    let nominations = sel::nominations(&mut c, scope, &row).await?;
    let outcome = sel::outcome(&mut c, &row).await?;
    let disqualified = if stage >= Stage::Counted { sel::disqualified(&mut c, id.0).await? } else { HashSet::new() };
    let voters = sel::voters(&mut c, id.0, &show).await?;
    let quotas = sel::quotas(&mut c, id.0, &show).await?;
    let nominating_orgs = {
        let v = sel::nominating_orgs(&mut c, scope).await?;
        full(&mut c, Tree::Org, v).await?
    };
    let mass = cat.nominators == Nominators::Anyone;
    let may_nominate = stage == Stage::Nominating && day <= row.nominate_until && (if mass { scope.person.is_some() } else { viewer.office || !nominating_orgs.is_empty() });
    let (candidate_orgs, candidate_units) = if may_nominate {
        match cat.candidates {
            CandidateKind::Organization => (
                {
                    let v = sel::orgs_within(&mut c, scope).await?;
                    full(&mut c, Tree::Org, v).await?
                },
                Vec::new(),
            ),
            CandidateKind::Unit | CandidateKind::Window => (Vec::new(), {
                let v = sel::units_within(&mut c, scope, cat.candidates == CandidateKind::Window).await?;
                full(&mut c, Tree::Unit, v).await?
            }),
            _ => (Vec::new(), Vec::new()),
        }
    } else {
        (Vec::new(), Vec::new())
    };
    let forwardable = nominations
        .iter()
        .filter(|n| n.full && n.n.state() == NominationState::Recommended)
        .filter(|n| n.n.quota_org_path.as_deref().is_some_and(|p| scope.org_access(p) == Some(Access::Write)))
        .map(|n| n.n.id)
        .collect();
    let objections = if stage >= Stage::Notice { sel::objections(&mut c, scope, id.0).await? } else { Vec::new() };
    let awards = if show.awards { sel::awards_of(&mut c, id.0).await? } else { Vec::new() };
    let mut evidence: HashMap<i64, Vec<EvidenceRow>> = HashMap::new();
    for e in sel::evidence(&mut c, scope, id.0).await? {
        evidence.entry(e.nomination_id).or_default().push(e);
    }
    let sheet = if cat.method.has_panel() && stage == Stage::Voting && my.in_electorate && !my.voted { Some(sel::may_score(&mut c, scope, id.0).await?) } else { None };
    let turnout = row.turnout(took_part);
    let points = if cat.study_points {
        let nominated: HashSet<i64> = nominations.iter().filter(|n| n.full).filter_map(|n| n.n.org_id).collect();
        pacesetter_store::study_point::summaries(&mut c, None, row.campaign_id, day)
            .await?
            .into_iter()
            .filter(|p| nominated.contains(&p.point.org_id))
            .map(|p| (p.point.org_id, p))
            .collect()
    } else {
        HashMap::new()
    };
    // Evidence from the activities, for the nominations the caller sees in full.
    let full: HashMap<i64, Option<i64>> = nominations.iter().filter(|n| n.full).map(|n| (n.n.id, n.n.person_id)).collect();
    let activities = sel::nominated_activities(&mut c, id.0).await?.into_iter().filter(|(n, _)| full.contains_key(n)).collect();
    let people: Vec<i64> = full.values().flatten().copied().collect();
    let by_person = pacesetter_store::activity::participation(&mut c, &people, day - time::Duration::days(365), day).await?;
    let participation = full.iter().filter_map(|(n, p)| p.and_then(|p| by_person.get(&p)).map(|x| (*n, *x))).collect();
    let activity_choices = if may_nominate && cat.candidates == CandidateKind::Entry {
        pacesetter_store::activity::held_runnable(&mut c, scope, day - time::Duration::days(366)).await?
    } else {
        Vec::new()
    };
    Ok(SelectionView {
        activities,
        participation,
        activity_choices,
        points,
        row,
        cat,
        stage,
        viewer,
        show,
        nominations,
        outcome,
        disqualified,
        my,
        took_part,
        turnout,
        voters,
        quotas,
        nominating_orgs,
        candidate_orgs,
        candidate_units,
        may_nominate,
        forwardable,
        objections,
        awards,
        evidence,
        sheet,
    })
}

/// The nominations the caller sees (in full, or the eligible list by name from the ballot on),
/// with the evidence they may see.
pub async fn nominations(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<(SelectionRow, Vec<SeenNomination>, HashMap<i64, Vec<EvidenceRow>>)> {
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, scope, id.0).await?;
    let noms = sel::nominations(&mut c, scope, &row).await?;
    let mut evidence: HashMap<i64, Vec<EvidenceRow>> = HashMap::new();
    for e in sel::evidence(&mut c, scope, id.0).await? {
        evidence.entry(e.nomination_id).or_default().push(e);
    }
    Ok((row, noms, evidence))
}

pub async fn quotas(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<Vec<QuotaRow>> {
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, scope, id.0).await?;
    let my = sel::my_ballot(&mut c, scope, id.0).await?;
    Ok(sel::quotas(&mut c, id.0, &Disclosure::of(row.stage(), viewer_of(scope, my), 0)).await?)
}

pub async fn objections(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<Vec<ObjectionRow>> {
    let mut c = s.store.read().await?;
    sel::get(&mut c, scope, id.0).await?;
    Ok(sel::objections(&mut c, scope, id.0).await?)
}

// ---- the steps ----------------------------------------------------------------------------------

macro_rules! in_tx {
    ($s:expr, |$w:ident| $body:expr) => {{
        let mut $w = $s.store.write().await?;
        let out = $body;
        $w.commit().await.map_err(StoreError::from)?;
        Ok(out)
    }};
}

/// The office allocates quotas to secondary organizations: (organization, the number as typed).
pub async fn set_quotas(s: &AppState, scope: &Scope, id: SelectionId, values: &[(OrgId, String)]) -> AppResult<()> {
    let values: Vec<(i64, String)> = values.iter().map(|(o, v)| (o.0, v.clone())).collect();
    in_tx!(s, |w| sel::set_quotas(&mut w, scope, id.0, &values).await?)
}

/// Whether the caller may nominate in this selection at all: asked before an upload is read.
pub async fn may_nominate(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<()> {
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, scope, id.0).await?;
    let mass = row.category()?.nominators == Nominators::Anyone;
    if scope.is_office_or_admin() || (mass && scope.person.is_some()) || !sel::nominating_orgs(&mut c, scope).await?.is_empty() {
        Ok(())
    } else {
        Err(AppError::new(StatusCode::FORBIDDEN, "forbidden", "您不能为这项评选推荐", "You may not nominate for this selection"))
    }
}

/// People the caller may nominate whose name contains `q` (at most 20): the picker behind the
/// nomination form, so that nobody needs a staff or student number.
pub async fn candidates(s: &AppState, scope: &Scope, id: SelectionId, q: &str, by_org: Option<OrgId>) -> AppResult<Vec<PublicPerson>> {
    may_nominate(s, scope, id).await?;
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, scope, id.0).await?;
    if row.stage() != Stage::Nominating || today() > row.nominate_until {
        return Err(StoreError::Conflict(pacesetter_domain::Text::new("推荐已截止", "Nominations are closed")).into());
    }
    Ok(sel::candidate_people(&mut c, scope, &row, q, by_org.map(|o| o.0), 20).await?)
}

pub async fn nominate(s: &AppState, scope: &Scope, id: SelectionId, n: &NewNomination, evidence: Vec<NewEvidence>) -> AppResult<NominationId> {
    may_nominate(s, scope, id).await?;
    in_tx!(s, |w| NominationId(sel::nominate(&mut w, scope, id.0, n, evidence).await?))
}

pub async fn evidence_file(s: &AppState, scope: &Scope, id: SelectionId, file: SelectionEvidenceId) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(sel::evidence_file(&mut c, scope, id.0, file.0).await?)
}

pub async fn forward(s: &AppState, scope: &Scope, id: SelectionId, n: NominationId) -> AppResult<NominationRow> {
    in_tx!(s, |w| sel::forward(&mut w, scope, id.0, n.0).await?)
}

/// The office's eligibility review of one nomination.
pub struct Review {
    pub eligible: bool,
    pub note: String,
}

pub async fn review(s: &AppState, scope: &Scope, id: SelectionId, n: NominationId, r: &Review) -> AppResult<NominationRow> {
    in_tx!(s, |w| sel::review(&mut w, scope, id.0, n.0, r.eligible, &r.note).await?)
}

pub async fn open(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<()> {
    in_tx!(s, |w| sel::open_voting(&mut w, scope, id.0).await?)
}

/// What opening or closing a vote would do, tried and undone for the confirmation step (refused
/// exactly as the step itself would be): the selection as it would stand after, the eligible
/// candidates' names, and the turnout.
pub struct Trial {
    pub after: SelectionRow,
    pub candidates: Vec<String>,
    pub turnout: Option<rule::Turnout>,
}

async fn trial(w: &mut Conn, scope: &Scope, id: SelectionId) -> AppResult<Trial> {
    let after = sel::get(w, scope, id.0).await?;
    let candidates = sel::nominations(w, scope, &after).await?.into_iter().filter(|n| n.n.state() == NominationState::Eligible).map(|n| n.n.name).collect();
    let cast = sel::turnout(w, id.0).await?;
    Ok(Trial { turnout: after.turnout(cast), after, candidates })
}

pub async fn open_trial(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<Trial> {
    let mut w = s.store.write().await?;
    sel::open_voting(&mut w, scope, id.0).await?;
    let t = trial(&mut w, scope, id).await?;
    w.rollback().await.map_err(StoreError::from)?;
    Ok(t)
}

pub async fn close_trial(s: &AppState, scope: &Scope, id: SelectionId, c: &Close) -> AppResult<Trial> {
    let mut w = s.store.write().await?;
    sel::close(&mut w, scope, id.0, c.reason.as_deref()).await?;
    let t = trial(&mut w, scope, id).await?;
    w.rollback().await.map_err(StoreError::from)?;
    Ok(t)
}

/// Casts the caller's secret ballot: the candidates they approve.
pub async fn vote(s: &AppState, scope: &Scope, id: SelectionId, choices: &[NominationId]) -> AppResult<()> {
    let choices: Vec<i64> = choices.iter().map(|c| c.0).collect();
    in_tx!(s, |w| sel::vote(&mut w, scope, id.0, &choices).await?)
}

/// Hands in the caller's score sheet: a mark for each candidate, None for one left blank.
pub async fn score(s: &AppState, scope: &Scope, id: SelectionId, marks: &HashMap<NominationId, Option<u32>>) -> AppResult<()> {
    let marks: HashMap<i64, Option<u32>> = marks.iter().map(|(k, v)| (k.0, *v)).collect();
    in_tx!(s, |w| sel::score(&mut w, scope, id.0, &marks).await?)
}

/// Closing a vote: below the category's minimum turnout it is refused unless a reason is given;
/// with one, the vote closes without a count and publishes nothing.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct Close {
    /// Why the vote is closed below its minimum turnout (ignored when the turnout is met).
    #[serde(default)]
    pub reason: Option<String>,
}

pub async fn close(s: &AppState, scope: &Scope, id: SelectionId, c: &Close) -> AppResult<()> {
    in_tx!(s, |w| sel::close(&mut w, scope, id.0, c.reason.as_deref()).await?)
}

/// A later last day for an open vote.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct Extend {
    /// The new last day of the vote (YYYY-MM-DD), after the present one.
    #[serde(default)]
    pub vote_until: String,
}

/// Extends an open vote; returns its new last day.
pub async fn extend(s: &AppState, scope: &Scope, id: SelectionId, e: &Extend) -> AppResult<Date> {
    in_tx!(s, |w| sel::extend(&mut w, scope, id.0, &e.vote_until).await?)
}

pub async fn panel_minimum(s: &AppState, scope: &Scope, id: SelectionId, minimum: i64, reason: &str) -> AppResult<()> {
    in_tx!(s, |w| sel::set_panel_minimum(&mut w, scope, id.0, minimum, reason).await?)
}

pub async fn tie(s: &AppState, scope: &Scope, id: SelectionId, order: &[NominationId], reason: &str) -> AppResult<()> {
    let order: Vec<i64> = order.iter().map(|c| c.0).collect();
    in_tx!(s, |w| sel::decide_tie(&mut w, scope, id.0, &order, reason).await?)
}

/// The working-day calendar of the selection's own campaign.
async fn calendar_of(c: &mut Conn, scope: &Scope, id: SelectionId) -> AppResult<pacesetter_domain::calendar::Calendar> {
    let row = sel::get(c, scope, id.0).await?;
    Ok(campaign::get(c, row.campaign_id).await?.plan()?.calendar)
}

/// Puts the result on notice; returns the notice's last day.
pub async fn publish(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<Date> {
    in_tx!(s, |w| {
        let calendar = calendar_of(&mut w, scope, id).await?;
        sel::publish(&mut w, scope, id.0, &calendar).await?
    })
}

pub async fn object(s: &AppState, scope: &Scope, id: SelectionId, n: NominationId, reasons: &str) -> AppResult<ObjectionId> {
    in_tx!(s, |w| ObjectionId(sel::object(&mut w, scope, id.0, n.0, reasons).await?))
}

pub async fn resolve(s: &AppState, scope: &Scope, id: SelectionId, objection: ObjectionId, upheld: bool, resolution: &str) -> AppResult<()> {
    in_tx!(s, |w| {
        let calendar = calendar_of(&mut w, scope, id).await?;
        sel::resolve(&mut w, scope, id.0, objection.0, upheld, resolution, &calendar).await?
    })
}

pub async fn approve(s: &AppState, scope: &Scope, id: SelectionId, decision: &str) -> AppResult<()> {
    in_tx!(s, |w| sel::approve(&mut w, scope, id.0, decision).await?)
}

// ---- what comes of it ---------------------------------------------------------------------------

/// The auditor's bundle: everything needed to recompute the published ranking (no voter).
pub async fn audit_bundle(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<serde_json::Value> {
    let mut c = s.store.read().await?;
    Ok(sel::bundle(&mut c, scope, id.0).await?)
}

/// The award register of the current campaign (announced: everyone logged in reads it).
pub async fn register(s: &AppState) -> AppResult<Vec<AwardRow>> {
    let mut c = s.store.read().await?;
    let camp = current(&mut c).await?;
    Ok(sel::register(&mut c, camp.id).await?)
}

/// The name the certificates are issued in.
async fn office_name(c: &mut Conn) -> AppResult<String> {
    let camp = current(c).await?;
    Ok(camp.plan().map(|p| p.campaign.office).unwrap_or_else(|_| "创先争优活动领导小组".into()))
}

/// An approved selection's awards, for the certificates and the commendation list.
pub struct Awarded {
    pub row: SelectionRow,
    pub awards: Vec<AwardRow>,
    pub office: String,
}

pub async fn awarded(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<Awarded> {
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, scope, id.0).await?;
    let awards = sel::awards_of(&mut c, id.0).await?;
    if awards.is_empty() {
        return Err(AppError::new(StatusCode::NOT_FOUND, "no_awards", "这项评选尚未审定，没有证书", "Nothing is approved yet: no certificates"));
    }
    let office = office_name(&mut c).await?;
    Ok(Awarded { row, awards, office })
}

pub async fn award(s: &AppState, scope: &Scope, id: SelectionId, award: AwardId) -> AppResult<(AwardRow, String)> {
    let mut c = s.store.read().await?;
    sel::get(&mut c, scope, id.0).await?;
    let a = sel::award(&mut c, id.0, award.0).await?;
    let office = office_name(&mut c).await?;
    Ok((a, office))
}

/// The recommendation and approval form's facts: a nomination the caller sees in full, and
/// (for a mass nomination, whose form carries the first nominator's reasons) the office only.
pub async fn nomination_form(s: &AppState, scope: &Scope, id: SelectionId, n: NominationId) -> AppResult<(AwardCategory, NominationRow)> {
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, scope, id.0).await?;
    let cat = row.category()?;
    let n = sel::nomination(&mut c, scope, id.0, n.0).await?;
    if !rule::may_print_form(cat.nominators, scope.is_office_or_admin()) {
        return Err(AppError::not_found());
    }
    Ok((cat, n))
}

/// The count as far as the caller may see it, for the results export: NotFound when the
/// totals are not theirs to see.
pub struct Count {
    pub row: SelectionRow,
    pub outcome: Outcome<Frac>,
    pub names: HashMap<i64, String>,
    /// Which of the outcome's marks (selected, moved up, tied at the line) are the caller's.
    pub show: Disclosure,
    pub turnout: Option<rule::Turnout>,
}

pub async fn count(s: &AppState, scope: &Scope, id: SelectionId) -> AppResult<Count> {
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, scope, id.0).await?;
    let my = sel::my_ballot(&mut c, scope, id.0).await?;
    let took_part = sel::turnout(&mut c, id.0).await?;
    let show = Disclosure::of(row.stage(), viewer_of(scope, my), took_part.max(0) as u64);
    if !show.totals {
        return Err(AppError::not_found());
    }
    let outcome = sel::outcome(&mut c, &row).await?.ok_or_else(AppError::not_found)?;
    let names = sel::nominations(&mut c, scope, &row).await?.into_iter().map(|n| (n.n.id, n.n.name)).collect();
    let turnout = row.turnout(took_part);
    Ok(Count { row, outcome, names, show, turnout })
}

// ---- 公示: the public notice ---------------------------------------------------------------------

/// A selection's public notice: who is selected (name and organization or unit), when the
/// notice runs and whether objections are still taken. No figure: the totals are not public.
pub struct PublicNotice {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub from: Option<time::Date>,
    pub until: Option<time::Date>,
    pub notice_days: u32,
    pub running: bool,
    pub approved: bool,
    /// (name, where they belong, moved up)
    pub entries: Vec<(String, Option<String>, bool)>,
}

async fn notice_of(c: &mut Conn, row: SelectionRow) -> AppResult<PublicNotice> {
    let cat = row.category()?;
    let entries = sel::on_notice(c, &row).await?.into_iter().map(|(n, up)| (n.name, n.home, up)).collect();
    Ok(PublicNotice {
        id: row.id,
        running: row.notice_running(today()),
        approved: row.stage() == Stage::Final,
        title: row.title,
        category: cat.name,
        from: row.notice_from,
        until: row.notice_until,
        notice_days: cat.notice_days,
        entries,
    })
}

/// One selection's notice, for anyone (no login): NotFound before it is put on notice.
pub async fn public_notice(s: &AppState, id: SelectionId) -> AppResult<PublicNotice> {
    let mut c = s.store.read().await?;
    let row = sel::get(&mut c, &Scope::system("notice"), id.0).await?;
    if row.stage() < Stage::Notice {
        return Err(AppError::not_found());
    }
    notice_of(&mut c, row).await
}

/// The current campaign's notices, running ones first: the public 公示 list.
pub async fn public_notices(s: &AppState) -> AppResult<Vec<PublicNotice>> {
    let mut c = s.store.read().await?;
    let Some(camp) = campaign::current(&mut c).await? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for row in sel::list(&mut c, camp.id).await?.into_iter().filter(|r| r.stage() >= Stage::Notice) {
        out.push(notice_of(&mut c, row).await?);
    }
    out.sort_by_key(|n| (!n.running, std::cmp::Reverse(n.from)));
    Ok(out)
}
