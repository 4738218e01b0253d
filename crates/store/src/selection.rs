//! Selections (评选): the records of the pipeline that `domain::selection` rules. A selection is
//! made from an award category of the campaign's plan; the office allocates quotas to the
//! secondary organizations; nominations come in (by organizations, passed up level by level, or
//! by anyone logged in); the office reviews eligibility; voting opens on a frozen electorate and
//! candidate list whose fingerprints are published; each voter casts one secret ballot (the key
//! of `selection_voters` refuses a second, and the ballot row carries no voter); the count, a
//! tie decided by the office with a reason, the public notice with objections and 递补, and the
//! final approval that writes the award register.

use crate::db::{Conn, Sql, is_unique_violation};
use crate::{StoreError, audit};
use pacesetter_domain::Text;
use pacesetter_domain::anonymity;
use pacesetter_domain::appraisal::Frac;
use pacesetter_domain::calendar::Calendar;
use pacesetter_domain::dates::{now_ms, today};
use pacesetter_domain::people::PoliticalStatus;
use pacesetter_domain::scope::{Access, Reach, Scope};
use pacesetter_domain::selection::{self as rule, AwardCategory, CandidateKind, Method, NominationState, Nominators, Outcome, Stage};
use pacesetter_domain::validate::FieldErrors;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use time::Date;

fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    let mut e = FieldErrors::new();
    e.add(field, zh, en);
    StoreError::Invalid(e)
}

fn conflict(zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Conflict(Text::new(zh, en))
}

fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Forbidden(Text::new(zh, en))
}

fn require_office(scope: &Scope) -> Result<(), StoreError> {
    if scope.is_office_or_admin() { Ok(()) } else { Err(forbidden("只有创先办可以进行这一步", "Only the campaign office may do this")) }
}

fn text_field(field: &str, raw: &str, max: usize, required: bool) -> Result<String, StoreError> {
    let t = raw.trim();
    if required && t.is_empty() {
        return Err(invalid(field, "请填写此项", "This is required"));
    }
    if t.chars().count() > max {
        return Err(invalid(field, format!("不能超过 {max} 个字"), format!("At most {max} characters")));
    }
    Ok(t.to_string())
}

// ---- selections ------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SelectionRow {
    pub id: i64,
    pub campaign_id: i64,
    pub category_code: String,
    #[serde(skip)]
    pub category_json: String,
    pub title: String,
    pub quota: i64,
    pub stage: String,
    pub electorate_org_id: i64,
    pub electorate_org_name: String,
    pub electorate_org_path: String,
    pub nominate_until: Date,
    pub vote_from: Date,
    pub vote_until: Date,
    pub eligibility_hash: Option<String>,
    pub electorate_hash: Option<String>,
    pub electorate_size: i64,
    #[serde(skip)]
    pub votes_json: Option<String>,
    pub tie_order: Option<String>,
    pub tie_reason: Option<String>,
    pub notice_from: Option<Date>,
    pub notice_until: Option<Date>,
    pub decision: Option<String>,
    pub approved_by: Option<String>,
    pub approved_ms: Option<i64>,
    pub created_by: String,
    pub created_ms: i64,
    pub appraisal_round_id: Option<i64>,
    #[serde(skip)]
    pub scores_json: Option<String>,
    /// A panel's minimum of score sheets per candidate when the office recorded one lower than
    /// [`anonymity::MIN_GROUP`], with its reason.
    pub panel_min: Option<i64>,
    pub panel_min_reason: Option<String>,
    /// Why the office closed the vote below its minimum turnout: then nothing was counted and
    /// no result is published.
    pub turnout_reason: Option<String>,
}

impl SelectionRow {
    /// How many score sheets each candidate needs before the count: 5, or the lower number the
    /// office recorded with its reason.
    pub fn panel_minimum(&self) -> u64 {
        self.panel_min.map(|m| m.max(2) as u64).unwrap_or(anonymity::MIN_GROUP)
    }

    /// Whether the count is by votes alone.
    pub fn is_ballot(&self) -> bool {
        self.category().map(|c| c.method == Method::Ballot).unwrap_or(true)
    }

    /// Results of a count by scores, exact.
    pub fn scores(&self) -> HashMap<i64, Frac> {
        let m: BTreeMap<i64, String> = self.scores_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
        m.into_iter()
            .filter_map(|(k, v)| {
                let (n, d) = v.split_once('/')?;
                let (n, d): (u128, u128) = (n.parse().ok()?, d.parse().ok()?);
                (d > 0).then(|| (k, Frac::new(n, d)))
            })
            .collect()
    }

    pub fn category(&self) -> Result<AwardCategory, StoreError> {
        serde_json::from_str(&self.category_json).map_err(|e| StoreError::Config(format!("selection {}: unreadable category: {e}", self.id)))
    }

    pub fn stage(&self) -> Stage {
        Stage::parse(&self.stage).unwrap_or(Stage::Nominating)
    }

    /// Votes per nomination, once counted.
    pub fn votes(&self) -> HashMap<i64, u64> {
        self.votes_json.as_deref().and_then(|j| serde_json::from_str::<BTreeMap<i64, u64>>(j).ok()).map(|m| m.into_iter().collect()).unwrap_or_default()
    }

    pub fn tie_preference(&self) -> Vec<i64> {
        self.tie_order.as_deref().unwrap_or("").split(',').filter_map(|s| s.trim().parse().ok()).collect()
    }

    /// Whether the ballot takes votes today.
    pub fn voting_open(&self, day: Date) -> bool {
        self.stage() == Stage::Voting && day >= self.vote_from && day <= self.vote_until
    }

    /// Whether the vote was closed below its minimum turnout (nothing counted, nothing published).
    pub fn turnout_failed(&self) -> bool {
        self.turnout_reason.is_some()
    }

    /// The turnout against the category's minimum, `cast` ballots (or sheets) in; None when
    /// nobody votes (an appraisal alone).
    pub fn turnout(&self, cast: i64) -> Option<rule::Turnout> {
        let kind = self.category().ok()?.electorate_kind()?;
        Some(rule::turnout(kind, self.electorate_size.max(0) as u64, cast.max(0) as u64))
    }

    pub fn notice_running(&self, day: Date) -> bool {
        self.stage() == Stage::Notice && self.notice_until.is_some_and(|u| day <= u)
    }
}

const SELECT: &str = "SELECT s.id, s.campaign_id, s.category_code, s.category_json, s.title, s.quota, s.stage, s.electorate_org_id, \
     o.name AS electorate_org_name, o.path AS electorate_org_path, s.nominate_until, s.vote_from, s.vote_until, s.eligibility_hash, \
     s.electorate_hash, s.electorate_size, s.votes_json, s.tie_order, s.tie_reason, s.notice_from, s.notice_until, s.decision, \
     s.approved_by, s.approved_ms, s.created_by, s.created_ms, s.appraisal_round_id, s.scores_json, CAST(s.panel_min AS BIGINT) AS panel_min, s.panel_min_reason, s.turnout_reason FROM selections s JOIN orgs o ON o.id = s.electorate_org_id";

/// Every selection of a campaign (their existence and stage are public to everyone logged in).
pub async fn list(c: &mut Conn, campaign: i64) -> Result<Vec<SelectionRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{SELECT} WHERE s.campaign_id = $1 ORDER BY s.id DESC")).bind(campaign)).await?)
}

/// The selection, locked for the rest of the write transaction on PostgreSQL (SQLite's write
/// transaction already holds the database's lock), so that two steps taken at once are decided
/// one after the other: the second sees the first's result.
async fn get_for_update(c: &mut Conn, id: i64) -> Result<SelectionRow, StoreError> {
    locked(c, id, false).await
}

/// The selection, its row share-locked for the rest of the transaction on PostgreSQL: for a
/// ballot, which many cast at once but none after the count (the count's lock waits for the
/// ballots being cast, and a ballot cast after it sees the count).
async fn get_for_share(c: &mut Conn, id: i64) -> Result<SelectionRow, StoreError> {
    locked(c, id, true).await
}

async fn locked(c: &mut Conn, id: i64, share: bool) -> Result<SelectionRow, StoreError> {
    let lock = c.row_lock(share, "");
    if !lock.is_empty() {
        c.fetch_opt_i64(Sql::new(format!("SELECT id FROM selections WHERE id = $1{lock}")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    }
    load(c, id).await
}

/// What a step is told when another step on the same selection came first.
const STAGE_MOVED: (&str, &str) = ("评选已由他人推进到下一阶段，请刷新后查看", "Someone else has moved this selection on meanwhile; reload to see it");

/// A selection as anyone logged in sees it: its existence, stage and dates are public to every
/// scope (what of its nominations and results a caller sees is the loaders' and
/// [`rule::Disclosure`]'s business). The scope is taken so that no caller loads one without it.
pub async fn get(c: &mut Conn, _scope: &Scope, id: i64) -> Result<SelectionRow, StoreError> {
    load(c, id).await
}

/// The selection for the store's own steps (each checks its caller's rights itself).
async fn load(c: &mut Conn, id: i64) -> Result<SelectionRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{SELECT} WHERE s.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// What the office fills in to start a selection.
#[derive(Clone, Debug, Default)]
pub struct NewSelection {
    pub category: String,
    pub title: String,
    pub quota: String,
    pub electorate_org: Option<i64>,
    pub nominate_until: String,
    pub vote_from: String,
    pub vote_until: String,
    /// The appraisal round whose combined scores count (methods appraisal and mix).
    pub appraisal_round: Option<i64>,
}

pub async fn create(c: &mut Conn, scope: &Scope, campaign: &crate::campaign::CampaignRow, n: &NewSelection) -> Result<i64, StoreError> {
    require_office(scope)?;
    let plan = campaign.plan()?;
    let mut errs = FieldErrors::new();
    let category = plan.awards.iter().find(|a| a.code == n.category).cloned();
    if category.is_none() {
        errs.add("category", "请选择计划中的评选类别", "Choose an award category of the plan");
    }
    let title = n.title.trim().to_string();
    let title = if title.is_empty() { category.as_ref().map(|c| format!("{}（{}）", c.name, c.period_text())).unwrap_or_default() } else { title };
    if title.chars().count() > 100 {
        errs.add("title", "名称不能超过 100 个字", "At most 100 characters");
    }
    let quota = match n.quota.trim() {
        "" => category.as_ref().map(|c| c.quota as i64),
        q => q.parse::<i64>().ok().filter(|q| (1..=1000).contains(q)),
    };
    if quota.is_none() && category.is_some() {
        errs.add("quota", "名额应为 1 到 1000 的整数", "The quota is a whole number from 1 to 1000");
    }
    let nominate_until = errs.take("nominate_until", pacesetter_domain::validate::date(&n.nominate_until));
    let vote_from = errs.take("vote_from", pacesetter_domain::validate::date(&n.vote_from));
    let vote_until = errs.take("vote_until", pacesetter_domain::validate::date(&n.vote_until));
    if let (Some(a), Some(b)) = (nominate_until, vote_from) {
        if b < a {
            errs.add("vote_from", "投票应在推荐截止之后开始", "Voting starts after nominations close");
        }
    }
    if let (Some(a), Some(b)) = (vote_from, vote_until) {
        if b < a {
            errs.add("vote_until", "投票结束日期早于开始日期", "Voting ends before it starts");
        }
    }
    let org_id = match n.electorate_org {
        Some(id) => match crate::tree::get(c, crate::tree::Tree::Org, id).await? {
            Some(o) => o.id,
            None => {
                errs.add("electorate_org", "没有这个党组织", "No such organization");
                0
            }
        },
        None => c.fetch_i64(Sql::new("SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1")).await?,
    };
    let mut round = None;
    if let Some(cat) = &category {
        if cat.method.has_appraisal() {
            let wanted = match cat.candidates {
                CandidateKind::Window => Some("window"),
                CandidateKind::Organization => Some("organization"),
                CandidateKind::Person => Some("member"),
                _ => None,
            };
            let r = match n.appraisal_round {
                Some(id) => crate::appraisal::round_unscoped_for_count(c, id).await.ok().filter(|r| r.campaign_id == campaign.id),
                None => None,
            };
            match (r, wanted) {
                (Some(r), Some(kind)) if r.subject_kind == kind => round = Some(r.id),
                (_, None) => errs.add("category", "这类候选对象不能按评议得分评选", "This kind of candidate is not ranked by an appraisal"),
                _ => errs.add("appraisal_round", "请选择评议对象与候选对象一致的评议", "Choose an appraisal of the same kind of subject"),
            }
        }
    }
    if !errs.is_empty() {
        return Err(StoreError::Invalid(errs));
    }
    let (Some(category), Some(quota), Some(nominate_until), Some(vote_from), Some(vote_until)) = (category, quota, nominate_until, vote_from, vote_until) else {
        return Err(StoreError::Invalid(errs));
    };
    let json = serde_json::to_string(&category).map_err(|e| StoreError::Config(e.to_string()))?;
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO selections (campaign_id, category_code, category_json, title, quota, stage, electorate_org_id, nominate_until, vote_from, vote_until, created_by, created_ms, appraisal_round_id) \
                 VALUES ($1, $2, $3, $4, $5, 'nominating', $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(campaign.id)
            .bind(category.code.as_str())
            .bind(json)
            .bind(title.as_str())
            .bind(quota)
            .bind(org_id)
            .bind(nominate_until)
            .bind(vote_from)
            .bind(vote_until)
            .bind(scope.actor.as_str())
            .bind(now_ms())
            .bind(round),
        )
        .await?;
    audit::append(c, scope, "selection.create", "selection", id, None, Some(format!("{title}; quota {quota}"))).await?;
    Ok(id)
}

/// The organizations whose subtree may form an electorate: the root and the secondary ones.
pub async fn electorate_orgs(c: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT id, name FROM orgs WHERE closed_on IS NULL AND depth <= 1 ORDER BY depth, name, id")).await?)
}

fn org_write_paths(scope: &Scope) -> Vec<String> {
    scope.reaches.iter().filter_map(|(r, a)| if let (Reach::Org(p), Access::Write) = (r, a) { Some(p.clone()) } else { None }).collect()
}

/// The organizations in whose name the caller nominates: those their grants let them change.
pub async fn nominating_orgs(c: &mut Conn, scope: &Scope) -> Result<Vec<(i64, String)>, StoreError> {
    let mut out = Vec::new();
    for p in org_write_paths(scope) {
        if let Some(row) = c.fetch_optional::<(i64, String)>(Sql::new("SELECT id, name FROM orgs WHERE path = $1 AND closed_on IS NULL").bind(p.as_str())).await? {
            out.push(row);
        }
    }
    Ok(out)
}

/// People whose name contains `q` whom the caller may nominate in a selection that takes
/// people: current, of a political status the award takes, and (nominating for an organization)
/// members below the organizations the caller nominates for, or below `by_org` when given. A
/// mass nominator does not find themselves. Public fields only, so that namesakes can be told
/// apart by organization and unit without anyone knowing a number.
pub async fn candidate_people(
    c: &mut Conn,
    scope: &Scope,
    selection: &SelectionRow,
    q: &str,
    by_org: Option<i64>,
    limit: i64,
) -> Result<Vec<crate::people::PublicPerson>, StoreError> {
    let cat = selection.category()?;
    if cat.candidates != CandidateKind::Person {
        return Ok(Vec::new());
    }
    let mut f = crate::people::NameFilter { statuses: cat.politics.iter().map(|p| p.code()).collect(), ..Default::default() };
    match cat.nominators {
        Nominators::Anyone => {
            // Anyone may search here, so no one's 政治面貌 is told apart: people in the Party
            // tree (which the directory already shows) when the award takes Party members only,
            // everyone otherwise; the nomination itself refuses in one vague message.
            f.statuses.clear();
            if !cat.politics.is_empty() && cat.politics.iter().all(|p| p.is_party_member()) {
                f.org_paths = Some(vec!["/".into()]);
            }
            f.exclude = scope.person.map(|p| p.0);
        }
        Nominators::Organizations if scope.is_office_or_admin() && by_org.is_none() => {}
        Nominators::Organizations => {
            let mine = org_write_paths(scope);
            f.org_paths = Some(match by_org {
                Some(o) => {
                    // An organization the caller does not nominate for is out of reach.
                    let path = c.fetch_opt_string(Sql::new("SELECT path FROM orgs WHERE id = $1").bind(o)).await?.ok_or(StoreError::NotFound)?;
                    if !scope.is_office_or_admin() && !mine.iter().any(|m| path.starts_with(m.as_str())) {
                        return Err(StoreError::NotFound);
                    }
                    vec![path]
                }
                None => mine,
            });
        }
    }
    crate::people::named(c, q, &f, limit).await
}

/// Organizations the caller may put forward (all for the office; their subtree for a secretary).
pub async fn orgs_within(c: &mut Conn, scope: &Scope) -> Result<Vec<(i64, String)>, StoreError> {
    if scope.is_office_or_admin() {
        return Ok(c.fetch_all(Sql::new("SELECT id, name FROM orgs WHERE closed_on IS NULL ORDER BY path")).await?);
    }
    let mut out = Vec::new();
    for p in org_write_paths(scope) {
        let rows: Vec<(i64, String)> = c.fetch_all(Sql::new("SELECT id, name FROM orgs WHERE closed_on IS NULL AND path LIKE $1 ORDER BY path").bind(format!("{}%", p))).await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Units (or windows) the caller may put forward: all for the office; those of the units linked
/// to their organizations, or that they head, otherwise.
pub async fn units_within(c: &mut Conn, scope: &Scope, windows: bool) -> Result<Vec<(i64, String)>, StoreError> {
    let kind = if windows { "u.kind = 'window'" } else { "u.kind <> 'window'" };
    if scope.is_office_or_admin() {
        return Ok(c.fetch_all(Sql::new(format!("SELECT u.id, u.name FROM units u WHERE u.closed_on IS NULL AND {kind} ORDER BY u.path"))).await?);
    }
    let mut out = Vec::new();
    for (r, a) in &scope.reaches {
        if let (Reach::Unit(p), Access::Write) = (r, a) {
            let rows: Vec<(i64, String)> = c
                .fetch_all(Sql::new(format!("SELECT u.id, u.name FROM units u WHERE u.closed_on IS NULL AND {kind} AND u.path LIKE $1 ORDER BY u.path")).bind(format!("{}%", p)))
                .await?;
            out.extend(rows);
        }
    }
    Ok(out)
}

// ---- quotas (名额分配) -------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct QuotaRow {
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub quota: i64,
    /// Nominations forwarded so far (waiting for review or eligible).
    pub used: i64,
}

/// The secondary organizations and their quotas (0 when none is allocated), for those
/// [`rule::Disclosure::quotas`] lets see them (nothing otherwise).
pub async fn quotas(c: &mut Conn, selection: i64, show: &rule::Disclosure) -> Result<Vec<QuotaRow>, StoreError> {
    if !show.quotas {
        return Ok(Vec::new());
    }
    all_quotas(c, selection).await
}

async fn all_quotas(c: &mut Conn, selection: i64) -> Result<Vec<QuotaRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT o.id AS org_id, o.name AS org_name, o.path AS org_path, COALESCE(q.quota, 0) AS quota, \
             (SELECT COUNT(*) FROM selection_nominations n WHERE n.selection_id = $1 AND n.quota_org_id = o.id AND n.state IN ('nominated', 'eligible')) AS used \
             FROM orgs o JOIN orgs r ON r.id = o.parent_id AND r.parent_id IS NULL \
             LEFT JOIN selection_quotas q ON q.selection_id = $1 AND q.org_id = o.id \
             WHERE o.closed_on IS NULL ORDER BY o.name, o.id",
        )
        .bind(selection),
    )
    .await?)
}

pub async fn set_quotas(c: &mut Conn, scope: &Scope, selection: i64, values: &[(i64, String)]) -> Result<(), StoreError> {
    require_office(scope)?;
    let s = get_for_update(c, selection).await?;
    if s.stage() != Stage::Nominating {
        return Err(conflict("投票已开始，名额不能再改", "Voting has started; quotas can no longer change"));
    }
    let secondary: HashSet<i64> = all_quotas(c, selection).await?.into_iter().map(|q| q.org_id).collect();
    let mut errs = FieldErrors::new();
    let mut parsed = Vec::new();
    for (org, raw) in values {
        let v = raw.trim();
        let n = if v.is_empty() { Some(0) } else { v.parse::<i64>().ok().filter(|n| (0..=1000).contains(n)) };
        match n {
            Some(n) if secondary.contains(org) => parsed.push((*org, n)),
            Some(_) => errs.add(&format!("q{org}"), "只能给二级党组织分配名额", "Quotas go to secondary organizations only"),
            None => errs.add(&format!("q{org}"), "名额应为 0 到 1000 的整数", "A quota is a whole number from 0 to 1000"),
        }
    }
    errs.into_result().map_err(StoreError::Invalid)?;
    let mut summary = Vec::new();
    for (org, n) in parsed {
        c.execute(Sql::new("DELETE FROM selection_quotas WHERE selection_id = $1 AND org_id = $2").bind(selection).bind(org)).await?;
        c.execute(Sql::new("INSERT INTO selection_quotas (selection_id, org_id, quota) VALUES ($1, $2, $3)").bind(selection).bind(org).bind(n)).await?;
        summary.push(format!("{org}:{n}"));
    }
    audit::append(c, scope, "selection.quotas", "selection", selection, None, Some(summary.join(","))).await?;
    Ok(())
}

// ---- nominations ---------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct NominationRow {
    pub id: i64,
    pub selection_id: i64,
    pub kind: String,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub name: String,
    pub detail: Option<String>,
    pub reasons: String,
    pub nominated_by_org_id: Option<i64>,
    pub nominated_by_org: Option<String>,
    pub quota_org_id: Option<i64>,
    pub quota_org: Option<String>,
    pub state: String,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub created_by: String,
    pub created_ms: i64,
    pub supporters: i64,
    /// A person's Party organization.
    pub home: Option<String>,
    pub quota_org_path: Option<String>,
}

impl NominationRow {
    pub fn state(&self) -> NominationState {
        NominationState::parse(&self.state).unwrap_or(NominationState::Nominated)
    }
    pub fn kind(&self) -> CandidateKind {
        CandidateKind::parse(&self.kind).unwrap_or(CandidateKind::Entry)
    }
}

const NOM_SELECT: &str = "SELECT n.id, n.selection_id, n.kind, n.person_id, n.org_id, n.unit_id, n.name, n.detail, n.reasons, \
     n.nominated_by_org_id, bo.name AS nominated_by_org, n.quota_org_id, qo.name AS quota_org, n.state, n.review_note, n.reviewed_by, \
     n.created_by, n.created_ms, (SELECT COUNT(*) FROM selection_supporters sp WHERE sp.nomination_id = n.id) AS supporters, \
     (SELECT MIN(o.name) FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = n.person_id AND m.end_date IS NULL) AS home, qo.path AS quota_org_path \
     FROM selection_nominations n LEFT JOIN orgs bo ON bo.id = n.nominated_by_org_id LEFT JOIN orgs qo ON qo.id = n.quota_org_id";

/// Every nomination of a selection, in full, for the count, the register and the auditor's
/// bundle: never handed to a caller as it is (see [`nominations`]).
async fn all_nominations_for_count(c: &mut Conn, selection: i64) -> Result<Vec<NominationRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{NOM_SELECT} WHERE n.selection_id = $1 ORDER BY n.id")).bind(selection)).await?)
}

async fn nomination_unscoped(c: &mut Conn, id: i64) -> Result<NominationRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{NOM_SELECT} WHERE n.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)
}

/// Appends `(condition)`, true for the nominations the caller may see in full: the office
/// (and whoever reaches the whole university), the secretaries of the nominating and of the
/// quota organization (or above them), and in a mass nomination those who supported it. The
/// query joins `orgs bo` (nominating), `orgs qo` (quota) and `selection_supporters ms` (the
/// caller's own support).
fn push_visible(sql: &mut Sql, scope: &Scope) {
    if scope.is_office_or_admin() || scope.global().is_some() {
        sql.push("(1 = 1)");
        return;
    }
    sql.push("(ms.person_id IS NOT NULL");
    for r in scope.reaches_at_least(Access::Read) {
        if let Reach::Org(p) = r {
            sql.push(" OR bo.path LIKE ").push_bind(format!("{p}%"));
            sql.push(" OR qo.path LIKE ").push_bind(format!("{p}%"));
        }
    }
    sql.push(")");
}

/// The joins [`push_visible`] reads, for the caller's person (0: nobody).
fn visible_joins(scope: &Scope) -> String {
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    format!(
        "FROM selection_nominations n LEFT JOIN orgs bo ON bo.id = n.nominated_by_org_id LEFT JOIN orgs qo ON qo.id = n.quota_org_id \
         LEFT JOIN selection_supporters ms ON ms.nomination_id = n.id AND ms.person_id = {me}"
    )
}

/// A nomination as a caller sees it: in full, or (an eligible candidate once the ballot is
/// open) its name and kind only, the nominators' reasons, description and review left out.
#[derive(Clone, Debug)]
pub struct SeenNomination {
    pub n: NominationRow,
    pub full: bool,
}

#[derive(sqlx::FromRow)]
struct SeenRow {
    #[sqlx(flatten)]
    n: NominationRow,
    full: i64,
    my_reasons: Option<String>,
}

/// The nominations of a selection the caller may see, in one query whatever their number: in
/// full those [`push_visible`] lets them see; and, once the ballot opens, the eligible list
/// (names only) to everyone. In a mass nomination someone other than the office reads their
/// own reasons, never another supporter's.
pub async fn nominations(c: &mut Conn, scope: &Scope, s: &SelectionRow) -> Result<Vec<SeenNomination>, StoreError> {
    let cat = s.category()?;
    let public = rule::Disclosure::of(s.stage(), rule::Viewer::default(), 0).candidates;
    let mut sql = Sql::new(
        "SELECT n.id, n.selection_id, n.kind, n.person_id, n.org_id, n.unit_id, n.name, n.detail, n.reasons, n.nominated_by_org_id, bo.name AS nominated_by_org, \
         n.quota_org_id, qo.name AS quota_org, n.state, n.review_note, n.reviewed_by, n.created_by, n.created_ms, \
         (SELECT COUNT(*) FROM selection_supporters sp WHERE sp.nomination_id = n.id) AS supporters, \
         (SELECT MIN(o.name) FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = n.person_id AND m.end_date IS NULL) AS home, \
         qo.path AS quota_org_path, ms.reasons AS my_reasons, CASE WHEN ",
    );
    push_visible(&mut sql, scope);
    sql.push(&format!(" THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS full {} WHERE n.selection_id = ", visible_joins(scope)));
    sql.push_bind(s.id);
    sql.push(" AND (");
    push_visible(&mut sql, scope);
    sql.push(if public { " OR n.state = 'eligible') ORDER BY n.id" } else { ") ORDER BY n.id" });
    let rows: Vec<SeenRow> = c.fetch_all(sql).await?;
    let own_only = rule::own_reasons_only(cat.nominators, scope.is_office_or_admin());
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut n = r.n;
            let full = r.full == 1;
            if !full {
                n.detail = None;
                n.reasons = String::new();
                n.review_note = None;
                n.reviewed_by = None;
                n.nominated_by_org = None;
                n.nominated_by_org_id = None;
                n.created_by = String::new();
                n.supporters = 0;
            } else if own_only {
                if let Some(own) = r.my_reasons {
                    if n.reasons != own {
                        n.detail = None;
                        n.reasons = own;
                    }
                }
            }
            SeenNomination { n, full }
        })
        .collect())
}

/// One nomination of a selection that the caller may see in full (the condition in the query);
/// NotFound for a nomination of another selection or out of the caller's sight.
pub async fn nomination(c: &mut Conn, scope: &Scope, selection: i64, id: i64) -> Result<NominationRow, StoreError> {
    let mut sql = Sql::new(format!("SELECT n.id {} WHERE n.id = ", visible_joins(scope)));
    sql.push_bind(id).push(" AND n.selection_id = ").push_bind(selection).push(" AND ");
    push_visible(&mut sql, scope);
    c.fetch_opt_i64(sql).await?.ok_or(StoreError::NotFound)?;
    nomination_unscoped(c, id).await
}

/// What a nominator fills in.
#[derive(Clone, Debug, Default)]
pub struct NewNomination {
    /// The nominating organization (organizations' nominations); None for the office or anyone.
    pub by_org: Option<i64>,
    /// The person chosen by name (the picker), for a person.
    pub person: Option<i64>,
    /// Or the person's number (工号/学号).
    pub person_number: String,
    pub org: Option<i64>,
    pub unit: Option<i64>,
    /// An entry's title.
    pub title: String,
    pub detail: String,
    pub reasons: String,
    /// An activity or carrier's evidence: an activity the nominator ran and recorded.
    pub activity: Option<i64>,
}

struct Candidate {
    key: String,
    person: Option<i64>,
    org: Option<i64>,
    unit: Option<i64>,
    name: String,
    /// The candidate's place in the Party tree, to check it lies below the nominator.
    org_paths: Vec<String>,
    unit_path: Option<String>,
}

async fn candidate(c: &mut Conn, cat: &AwardCategory, n: &NewNomination, selection: i64, campaign: i64, within: Option<&[String]>) -> Result<Candidate, StoreError> {
    match cat.candidates {
        CandidateKind::Person => {
            let number = n.person_number.trim();
            let row: Option<(i64, String, String, Option<Date>)> = match n.person {
                // Chosen by name from the picker.
                Some(id) => c.fetch_optional(Sql::new("SELECT id, name, political_status, left_on FROM people WHERE id = $1").bind(id)).await?,
                None if number.is_empty() => {
                    return Err(invalid(
                        "person_number",
                        "请按姓名查找并选择候选人（或填写工号、学号）",
                        "Find the candidate by name and choose them (or give a staff or student number)",
                    ));
                }
                None => c.fetch_optional(Sql::new("SELECT id, name, political_status, left_on FROM people WHERE number = $1").bind(number)).await?,
            };
            // Anyone may nominate in a mass category: one message for every refusal, so that a
            // number cannot be probed for whether it exists, has left, or its 政治面貌.
            let vague = cat.nominators == Nominators::Anyone;
            let refuse = |zh: &str, en: &str| {
                if vague {
                    invalid(
                        "person_number",
                        "无法推荐此人：请核对工号或学号，候选人须为在校的".to_string() + &politics_zh(cat),
                        "This person cannot be nominated: check the number; candidates are current ".to_string() + &politics_en(cat),
                    )
                } else {
                    invalid("person_number", zh, en)
                }
            };
            let Some((id, name, status, left)) = row else {
                return Err(refuse("没有这个工号或学号的人员", "Nobody has this number"));
            };
            // Someone outside the organizations the caller nominates for is refused before
            // anything about them (left, 政治面貌) is said.
            if let Some(within) = within {
                let paths = crate::people::org_paths_of(c, id).await?;
                if !paths.iter().any(|p| within.iter().any(|w| p.starts_with(w.as_str()))) {
                    return Err(forbidden("只能推荐本组织范围内的候选人", "You may nominate only candidates within your organization"));
                }
            }
            if left.is_some() {
                return Err(refuse("此人已离校", "This person has left"));
            }
            let status = PoliticalStatus::parse(&status).unwrap_or(PoliticalStatus::Masses);
            if let Err(t) = cat.person_eligible(status) {
                return Err(refuse(&t.zh, &t.en));
            }
            let org_paths = crate::people::org_paths_of(c, id).await?;
            Ok(Candidate { key: format!("p{id}"), person: Some(id), org: None, unit: None, name, org_paths, unit_path: None })
        }
        CandidateKind::Organization => {
            let Some(o) = n.org else {
                return Err(invalid("org", "请选择候选党组织", "Choose the organization"));
            };
            let Some(node) = crate::tree::get(c, crate::tree::Tree::Org, o).await? else {
                return Err(invalid("org", "没有这个党组织", "No such organization"));
            };
            cat.org_eligible(&node.kind).map_err(|t| invalid("org", t.zh, t.en))?;
            // 十佳学习型党组织示范点: a registered candidate point of the campaign only.
            if cat.study_points && !crate::study_point::is_registered(c, campaign, node.id).await? {
                return Err(invalid("org", "只有登记的学习型党组织示范点创建单位可以参评", "Only the registered study model points may be nominated"));
            }
            Ok(Candidate {
                key: format!("o{}", node.id),
                person: None,
                org: Some(node.id),
                unit: None,
                name: node.name.clone(),
                org_paths: vec![node.path.clone()],
                unit_path: None,
            })
        }
        CandidateKind::Window | CandidateKind::Unit => {
            let Some(u) = n.unit else {
                return Err(invalid("unit", "请选择候选单位或窗口", "Choose the unit or window"));
            };
            let Some(node) = crate::tree::get(c, crate::tree::Tree::Unit, u).await? else {
                return Err(invalid("unit", "没有这个单位", "No such unit"));
            };
            if (cat.candidates == CandidateKind::Window) != (node.kind == "window") {
                return Err(invalid("unit", "候选对象的类别不符", "The candidate is not of the kind this award takes"));
            }
            if let Some(min) = cat.min_satisfaction {
                // 群众满意窗口: the satisfaction rate of the office's window surveys of the campaign
                // (not those the window's own unit ran).
                let rates = crate::survey::target_rates(c, campaign, "window", true).await?;
                let r = rates.get(node.id).unwrap_or_default();
                if r.valid() == 0 {
                    return Err(invalid(
                        "unit",
                        format!("该窗口尚无足够的满意度测评结果（至少 {} 份）", pacesetter_domain::survey::MIN_GROUP),
                        format!("The window lacks enough satisfaction ratings (at least {})", pacesetter_domain::survey::MIN_GROUP),
                    ));
                }
                let pct = r.percent().unwrap_or(0.0);
                if pct + 1e-9 < min as f64 {
                    return Err(invalid(
                        "unit",
                        format!("该窗口满意率 {pct:.2}% 低于本奖项要求的 {min}%"),
                        format!("The window's satisfaction rate {pct:.2}% is below the {min}% this award needs"),
                    ));
                }
            }
            // The organization linked to the unit (or to a unit above it) places it in the Party tree.
            let linked: Vec<(String,)> =
                c.fetch_all(Sql::new("SELECT o.path FROM orgs o JOIN units u ON u.id = o.linked_unit_id WHERE $1 LIKE u.path || '%'").bind(node.path.as_str())).await?;
            Ok(Candidate {
                key: format!("u{}", node.id),
                person: None,
                org: None,
                unit: Some(node.id),
                name: node.name.clone(),
                org_paths: linked.into_iter().map(|p| p.0).collect(),
                unit_path: Some(node.path.clone()),
            })
        }
        CandidateKind::Entry => {
            let title = text_field("title", &n.title, 100, true)?;
            let k = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM selection_nominations WHERE selection_id = $1").bind(selection)).await? + 1;
            Ok(Candidate { key: format!("e{k}-{}", now_ms()), person: None, org: None, unit: None, name: title, org_paths: Vec::new(), unit_path: None })
        }
    }
}

fn politics_zh(cat: &AwardCategory) -> String {
    if cat.politics.is_empty() { "人员".into() } else { cat.politics.iter().map(|p| p.label(pacesetter_domain::Lang::Zh)).collect::<Vec<_>>().join("或") }
}

fn politics_en(cat: &AwardCategory) -> String {
    if cat.politics.is_empty() { "people".into() } else { cat.politics.iter().map(|p| p.label(pacesetter_domain::Lang::En)).collect::<Vec<_>>().join(" or ") }
}

/// The secondary organization above (or at) a path: its second segment.
fn secondary_of(path: &str) -> Option<i64> {
    path.split('/').filter(|s| !s.is_empty()).nth(1).and_then(|s| s.parse().ok())
}

/// Records a nomination. Returns its id. Organizations nominate below themselves: a branch's
/// recommendation waits for its secondary organization, which nominates within its quota. For a
/// mass nomination, a candidate already put forward gains a supporter.
pub async fn nominate(c: &mut Conn, scope: &Scope, selection: i64, n: &NewNomination, evidence: Vec<crate::commitment::NewEvidence>) -> Result<i64, StoreError> {
    let s = get_for_update(c, selection).await?;
    let cat = s.category()?;
    if s.stage() != Stage::Nominating || today() > s.nominate_until {
        return Err(conflict("推荐已截止", "Nominations are closed"));
    }
    let reasons = text_field("reasons", &n.reasons, 2000, true)?;
    let detail = text_field("detail", &n.detail, 2000, false)?;
    // Organizations' nominations of a person: where the caller may nominate, checked first.
    let within: Option<Vec<String>> = match (cat.nominators, n.by_org) {
        (Nominators::Organizations, Some(by)) if cat.candidates == CandidateKind::Person => {
            let node = crate::tree::get(c, crate::tree::Tree::Org, by).await?.ok_or(StoreError::NotFound)?;
            if scope.org_access(&node.path) != Some(Access::Write) {
                return Err(StoreError::NotFound);
            }
            Some(vec![node.path])
        }
        _ => None,
    };
    let cand = candidate(c, &cat, n, selection, s.campaign_id, within.as_deref()).await?;
    let (state, by_org, quota_org) = match cat.nominators {
        Nominators::Anyone => {
            let Some(person) = scope.person else {
                return Err(forbidden("推荐人须是登记在册的师生员工", "Nominators must be on the roster"));
            };
            if cand.person == Some(person.0) {
                return Err(invalid("person_number", "不能推荐自己", "You cannot nominate yourself"));
            }
            if let Some(existing) =
                c.fetch_opt_i64(Sql::new("SELECT id FROM selection_nominations WHERE selection_id = $1 AND candidate_key = $2").bind(selection).bind(cand.key.as_str())).await?
            {
                support(c, scope, existing, person.0, &reasons).await?;
                attach(c, existing, Some(person.0), evidence).await?;
                return Ok(existing);
            }
            (NominationState::Nominated, None, None)
        }
        Nominators::Organizations if scope.is_office_or_admin() && n.by_org.is_none() => (NominationState::Nominated, None, None),
        Nominators::Organizations => {
            let Some(by) = n.by_org else {
                return Err(invalid("by_org", "请选择以哪个党组织的名义推荐", "Choose the organization that nominates"));
            };
            let node = crate::tree::get(c, crate::tree::Tree::Org, by).await?.ok_or(StoreError::NotFound)?;
            if scope.org_access(&node.path) != Some(Access::Write) {
                return Err(StoreError::NotFound);
            }
            let below = match cat.candidates {
                CandidateKind::Entry => true,
                CandidateKind::Unit | CandidateKind::Window => {
                    cand.org_paths.iter().any(|p| p.starts_with(&node.path)) || cand.unit_path.as_deref().is_some_and(|u| scope.unit_access(u) == Some(Access::Write))
                }
                _ => cand.org_paths.iter().any(|p| p.starts_with(&node.path)),
            };
            // A candidate outside the nominating organization is out of the caller's reach there.
            if !below {
                return Err(forbidden("只能推荐本组织范围内的候选人", "You may nominate only candidates within your organization"));
            }
            let Some(secondary) = secondary_of(&node.path) else {
                return Err(invalid("by_org", "请以二级党组织或党支部的名义推荐", "Nominate as a secondary organization or a branch"));
            };
            if secondary == node.id { (NominationState::Nominated, Some(node.id), Some(secondary)) } else { (NominationState::Recommended, Some(node.id), Some(secondary)) }
        }
    };
    if let Some(a) = n.activity {
        if cat.nominators == Nominators::Anyone {
            return Err(invalid("activity", "群众推荐不附活动记录", "A mass nomination carries no activity's record"));
        }
        check_activity(c, scope, &cat, a, by_org).await?;
    }
    if state == NominationState::Nominated {
        if let Some(q) = quota_org {
            check_quota(c, selection, q).await?;
        }
    }
    let ins = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO selection_nominations (selection_id, candidate_key, kind, person_id, org_id, unit_id, name, detail, reasons, nominated_by_org_id, quota_org_id, state, created_by, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            )
            .bind(selection)
            .bind(cand.key.as_str())
            .bind(cat.candidates.code())
            .bind(cand.person)
            .bind(cand.org)
            .bind(cand.unit)
            .bind(cand.name.as_str())
            .bind(if detail.is_empty() { None } else { Some(detail) })
            .bind(reasons.as_str())
            .bind(by_org)
            .bind(quota_org)
            .bind(state.code())
            .bind(scope.actor.as_str())
            .bind(now_ms()),
        )
        .await;
    let id = match ins {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(conflict(format!("“{}”已被推荐", cand.name), format!("\"{}\" is already nominated", cand.name))),
        Err(e) => return Err(e.into()),
    };
    if cat.nominators == Nominators::Anyone {
        if let Some(p) = scope.person {
            support(c, scope, id, p.0, &reasons).await?;
        }
    }
    if let Some(a) = n.activity {
        c.execute(Sql::new("INSERT INTO nomination_activities (nomination_id, activity_id) VALUES ($1, $2)").bind(id).bind(a)).await?;
    }
    let files = evidence.len();
    attach(c, id, scope.person.map(|p| p.0), evidence).await?;
    let activity = n.activity.map(|a| format!("; activity {a}")).unwrap_or_default();
    audit::append(c, scope, "selection.nominate", "selection_nomination", id, None, Some(format!("{}: {}; {files} files{activity}", cand.name, state.code()))).await?;
    Ok(id)
}

/// An activity a nomination carries: of an entry (an activity, a carrier), one the caller runs
/// (NotFound otherwise, as for any record out of reach), held and recorded, and hosted within
/// the nominating organization.
async fn check_activity(c: &mut Conn, scope: &Scope, cat: &AwardCategory, activity: i64, by_org: Option<i64>) -> Result<(), StoreError> {
    let (a, st) = crate::activity::get(c, scope, activity).await?;
    if !st.runs {
        return Err(StoreError::NotFound);
    }
    if cat.candidates != CandidateKind::Entry {
        return Err(invalid("activity", "只有学习活动、学习载体类的推荐可以附活动记录", "Only an activity or a carrier carries an activity's record"));
    }
    let within = match by_org {
        Some(o) => {
            let node = crate::tree::require(c, crate::tree::Tree::Org, o).await?;
            a.org_id.is_some() && a.host_path.starts_with(node.path.as_str())
        }
        None => true,
    };
    if a.state != "held" || !within {
        return Err(invalid("activity", "请选择推荐单位举办并已记录的活动", "Choose an activity the nominating organization held and recorded"));
    }
    Ok(())
}

/// The activity a nomination carries, as its evidence shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct NominatedActivity {
    pub nomination_id: i64,
    pub activity_id: i64,
    pub kind: String,
    pub title: String,
    pub on_day: Date,
    pub host_name: String,
    pub checked_in: i64,
    pub half_hours: i64,
    pub record: Option<String>,
}

/// The activities a selection's nominations carry, by nomination.
pub async fn nominated_activities(c: &mut Conn, selection: i64) -> Result<HashMap<i64, NominatedActivity>, StoreError> {
    let rows: Vec<NominatedActivity> = c
        .fetch_all(
            Sql::new(
                "SELECT na.nomination_id, a.id AS activity_id, a.kind, a.title, a.on_day, COALESCE(o.name, u.name, '') AS host_name, \
                 (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.checked_in_ms IS NOT NULL) AS checked_in, \
                 (SELECT CAST(COALESCE(SUM(s.half_hours), 0) AS BIGINT) FROM activity_signups s WHERE s.activity_id = a.id) AS half_hours, a.record \
                 FROM nomination_activities na JOIN selection_nominations n ON n.id = na.nomination_id JOIN activities a ON a.id = na.activity_id \
                 LEFT JOIN orgs o ON o.id = a.org_id LEFT JOIN units u ON u.id = a.unit_id WHERE n.selection_id = $1",
            )
            .bind(selection),
        )
        .await?;
    Ok(rows.into_iter().map(|r| (r.nomination_id, r)).collect())
}

async fn attach(c: &mut Conn, nomination: i64, person: Option<i64>, evidence: Vec<crate::commitment::NewEvidence>) -> Result<(), StoreError> {
    for e in evidence {
        let sha = pacesetter_domain::audit::sha256_hex(&e.data);
        c.execute(
            Sql::new("INSERT INTO selection_evidence (nomination_id, person_id, filename, content_type, size, sha256, data, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(nomination)
                .bind(person)
                .bind(e.filename)
                .bind(e.content_type)
                .bind(e.data.len() as i64)
                .bind(sha)
                .bind(e.data)
                .bind(now_ms()),
        )
        .await?;
    }
    Ok(())
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct EvidenceRow {
    pub id: i64,
    pub nomination_id: i64,
    pub person_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

/// The evidence of a selection's nominations the caller may see, in one query: all of a
/// nomination they may see in full, except what [`rule::evidence_rule`] keeps with its giver.
pub async fn evidence(c: &mut Conn, scope: &Scope, selection: i64) -> Result<Vec<EvidenceRow>, StoreError> {
    let s = load(c, selection).await?;
    let rule = rule::evidence_rule(s.category()?.nominators, scope.is_office_or_admin());
    let mut sql = Sql::new(format!(
        "SELECT e.id, e.nomination_id, e.person_id, e.filename, e.content_type, e.size {} JOIN selection_evidence e ON e.nomination_id = n.id WHERE n.selection_id = ",
        visible_joins(scope)
    ));
    sql.push_bind(selection).push(" AND ");
    push_visible(&mut sql, scope);
    if rule == rule::EvidenceRule::OwnOnly {
        sql.push(" AND e.person_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(0));
    }
    sql.push(" ORDER BY e.id");
    Ok(c.fetch_all(sql).await?)
}

/// One file of evidence, if the caller may see it.
pub async fn evidence_file(c: &mut Conn, scope: &Scope, selection: i64, id: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    if !evidence(c, scope, selection).await?.iter().any(|e| e.id == id) {
        return Err(StoreError::NotFound);
    }
    let (name, ty, data): (String, String, Vec<u8>) =
        c.fetch_optional(Sql::new("SELECT filename, content_type, data FROM selection_evidence WHERE id = $1").bind(id)).await?.ok_or(StoreError::NotFound)?;
    Ok((name, ty, data))
}

async fn support(c: &mut Conn, scope: &Scope, nomination: i64, person: i64, reasons: &str) -> Result<(), StoreError> {
    let r = c
        .execute(
            Sql::new("INSERT INTO selection_supporters (nomination_id, person_id, reasons, created_ms) VALUES ($1, $2, $3, $4)")
                .bind(nomination)
                .bind(person)
                .bind(reasons)
                .bind(now_ms()),
        )
        .await;
    match r {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(conflict("您已推荐过这位候选人", "You have already nominated this candidate")),
        Err(e) => return Err(e.into()),
    }
    audit::append(c, scope, "selection.support", "selection_nomination", nomination, None, None).await?;
    Ok(())
}

async fn check_quota(c: &mut Conn, selection: i64, org: i64) -> Result<(), StoreError> {
    let quota = c.fetch_opt_i64(Sql::new("SELECT quota FROM selection_quotas WHERE selection_id = $1 AND org_id = $2").bind(selection).bind(org)).await?.unwrap_or(0);
    let used = c
        .fetch_i64(
            Sql::new("SELECT COUNT(*) FROM selection_nominations WHERE selection_id = $1 AND quota_org_id = $2 AND state IN ('nominated', 'eligible')").bind(selection).bind(org),
        )
        .await?;
    if used >= quota {
        return Err(conflict(format!("名额已用完（分配 {quota} 名，已上报 {used} 名）"), format!("The quota is used up ({quota} allocated, {used} forwarded)")));
    }
    Ok(())
}

/// A secondary organization forwards a branch's recommendation within its quota.
pub async fn forward(c: &mut Conn, scope: &Scope, selection: i64, nomination: i64) -> Result<NominationRow, StoreError> {
    let n = self::nomination(c, scope, selection, nomination).await?;
    let s = get_for_update(c, n.selection_id).await?;
    if s.stage() != Stage::Nominating || today() > s.nominate_until {
        return Err(conflict("推荐已截止", "Nominations are closed"));
    }
    let q = n.quota_org_id.ok_or_else(|| conflict("这项推荐不需要上报", "This nomination needs no forwarding"))?;
    let path = crate::tree::get(c, crate::tree::Tree::Org, q).await?.ok_or(StoreError::NotFound)?.path;
    if scope.org_access(&path) != Some(Access::Write) {
        return Err(forbidden("只有二级党组织可以上报", "Only the secondary organization forwards"));
    }
    check_quota(c, n.selection_id, q).await?;
    let done = c.execute(Sql::new("UPDATE selection_nominations SET state = 'nominated' WHERE id = $1 AND state = 'recommended'").bind(nomination)).await?;
    if done == 0 {
        return Err(conflict("这项推荐已处理", "This nomination was already handled"));
    }
    audit::append(c, scope, "selection.forward", "selection_nomination", nomination, None, None).await?;
    nomination_unscoped(c, nomination).await
}

/// The office's eligibility review.
pub async fn review(c: &mut Conn, scope: &Scope, selection: i64, nomination: i64, eligible: bool, note: &str) -> Result<NominationRow, StoreError> {
    require_office(scope)?;
    let n = self::nomination(c, scope, selection, nomination).await?;
    let s = get_for_update(c, n.selection_id).await?;
    // Read again under the selection's lock: another review may have changed the state (and the
    // quota check below depends on it) since the first read.
    let n = self::nomination(c, scope, selection, nomination).await?;
    if s.stage() != Stage::Nominating {
        return Err(conflict("投票已开始，资格审查结果不能再改", "Voting has started; eligibility can no longer change"));
    }
    let note = text_field("note", note, 1000, !eligible)?;
    let state = if eligible { NominationState::Eligible } else { NominationState::Ineligible };
    // A place freed by a refusal may have been used since: taking it back checks the quota.
    if let Some(q) = n.quota_org_id {
        if state.in_quota() && n.state() == NominationState::Ineligible {
            check_quota(c, n.selection_id, q).await?;
        }
    }
    let done = c
        .execute(
            Sql::new("UPDATE selection_nominations SET state = $1, review_note = $2, reviewed_by = $3 WHERE id = $4 AND state IN ('nominated', 'eligible', 'ineligible')")
                .bind(state.code())
                .bind(if note.is_empty() { None } else { Some(note) })
                .bind(scope.actor.as_str())
                .bind(nomination),
        )
        .await?;
    if done == 0 {
        return Err(conflict("这项推荐尚未上报，不能审查", "This nomination has not been forwarded yet"));
    }
    audit::append(c, scope, "selection.review", "selection_nomination", nomination, Some(n.state.clone()), Some(state.code().into())).await?;
    nomination_unscoped(c, nomination).await
}

// ---- voting ----------------------------------------------------------------------------------

fn eligibility_lines(noms: &[NominationRow]) -> Vec<String> {
    noms.iter().filter(|n| n.state() == NominationState::Eligible).map(|n| format!("{}\t{}\t{}", n.id, n.kind, n.name)).collect()
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct VoterRow {
    pub person_id: i64,
    pub name: String,
    pub number: String,
}

/// The frozen electorate, by person id.
async fn electorate(c: &mut Conn, selection: i64) -> Result<Vec<VoterRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new("SELECT p.id AS person_id, p.name, p.number FROM selection_electorate e JOIN people p ON p.id = e.person_id WHERE e.selection_id = $1 ORDER BY p.id")
            .bind(selection),
    )
    .await?)
}

fn electorate_lines(v: &[VoterRow]) -> Vec<String> {
    v.iter().map(|p| format!("{}\t{}", p.person_id, p.name)).collect()
}

/// Opens voting: every forwarded nomination reviewed, at least one eligible; the electorate
/// (people of the organization's subtree with a vote) and the candidate list are frozen and
/// their fingerprints published.
pub async fn open_voting(c: &mut Conn, scope: &Scope, selection: i64) -> Result<(), StoreError> {
    require_office(scope)?;
    let s = get_for_update(c, selection).await?;
    if s.stage() != Stage::Nominating {
        return Err(conflict("投票已经开始过", "Voting has already started"));
    }
    if today() > s.vote_until {
        return Err(conflict("投票结束日期已过，请重新发起评选", "The ballot's last day has passed; start the selection again"));
    }
    let cat = s.category()?;
    let noms = all_nominations_for_count(c, selection).await?;
    if noms.iter().any(|n| n.state() == NominationState::Nominated) {
        return Err(conflict("还有推荐未经资格审查", "Some nominations are still waiting for the eligibility review"));
    }
    let eligible = eligibility_lines(&noms);
    if eligible.is_empty() {
        return Err(conflict("没有通过资格审查的候选人", "No candidate is eligible"));
    }
    let people: Vec<(i64, String)> = c
        .fetch_all(
            Sql::new(
                "SELECT DISTINCT p.id, p.political_status FROM people p JOIN org_memberships m ON m.person_id = p.id AND m.end_date IS NULL \
                 JOIN orgs o ON o.id = m.org_id WHERE o.path LIKE $1 AND p.left_on IS NULL ORDER BY p.id",
            )
            .bind(format!("{}%", s.electorate_org_path)),
        )
        .await?;
    let mut n = 0i64;
    for (id, status) in people {
        let status = PoliticalStatus::parse(&status).unwrap_or(PoliticalStatus::Masses);
        if cat.voters.may_vote(status) {
            c.execute(Sql::new("INSERT INTO selection_electorate (selection_id, person_id) VALUES ($1, $2)").bind(selection).bind(id)).await?;
            n += 1;
        }
    }
    if n == 0 {
        return Err(conflict("投票范围内没有有表决权的人员", "Nobody in the electorate has a vote"));
    }
    let voters = electorate(c, selection).await?;
    let (eh, vh) = (rule::fingerprint(&eligible), rule::fingerprint(&electorate_lines(&voters)));
    let changed = c
        .execute(
            Sql::new("UPDATE selections SET stage = 'voting', eligibility_hash = $1, electorate_hash = $2, electorate_size = $3 WHERE id = $4 AND stage = 'nominating'")
                .bind(eh.as_str())
                .bind(vh.as_str())
                .bind(n)
                .bind(selection),
        )
        .await?;
    StoreError::unless_changed(changed, STAGE_MOVED.0, STAGE_MOVED.1)?;
    audit::append(c, scope, "selection.open", "selection", selection, None, Some(format!("candidates {eh}; electorate {n} {vh}"))).await?;
    Ok(())
}

/// Where the caller stands in a ballot.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct MyBallot {
    pub in_electorate: bool,
    pub voted: bool,
}

pub async fn my_ballot(c: &mut Conn, scope: &Scope, selection: i64) -> Result<MyBallot, StoreError> {
    let Some(p) = scope.person else { return Ok(MyBallot::default()) };
    let in_e =
        c.fetch_opt_i64(Sql::new("SELECT CAST(1 AS BIGINT) FROM selection_electorate WHERE selection_id = $1 AND person_id = $2").bind(selection).bind(p.0)).await?.is_some();
    let voted = c.fetch_opt_i64(Sql::new("SELECT CAST(1 AS BIGINT) FROM selection_voters WHERE selection_id = $1 AND person_id = $2").bind(selection).bind(p.0)).await?.is_some();
    Ok(MyBallot { in_electorate: in_e, voted })
}

/// The selections of a campaign whose electorate holds the caller and who has not voted yet, in
/// one query (for the list; whether the ballot is open today is the caller's to check).
pub async fn waiting_ballots(c: &mut Conn, scope: &Scope, campaign: i64) -> Result<HashSet<i64>, StoreError> {
    let Some(p) = scope.person else { return Ok(HashSet::new()) };
    let rows: Vec<(i64,)> = c
        .fetch_all(
            Sql::new(
                "SELECT s.id FROM selections s JOIN selection_electorate e ON e.selection_id = s.id AND e.person_id = $1 \
                 WHERE s.campaign_id = $2 AND s.stage = 'voting' \
                 AND NOT EXISTS (SELECT 1 FROM selection_voters v WHERE v.selection_id = s.id AND v.person_id = $3)",
            )
            .bind(p.0)
            .bind(campaign)
            .bind(p.0),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Casts a secret ballot: the voter is recorded (the day only) and the ballot stored apart,
/// with a random id and the sorted choices, in the same transaction. A second ballot is refused
/// by the key of `selection_voters`.
pub async fn vote(c: &mut Conn, scope: &Scope, selection: i64, choices: &[i64]) -> Result<(), StoreError> {
    let s = get_for_share(c, selection).await?;
    let day = today();
    if !s.voting_open(day) {
        return Err(conflict("现在不在投票时间内", "The ballot is not open now"));
    }
    if !s.category()?.method.has_ballot() {
        return Err(conflict("本评选不投票", "This selection has no ballot"));
    }
    let mine = my_ballot(c, scope, selection).await?;
    if !mine.in_electorate {
        return Err(forbidden("您不在本次投票的选民名单中", "You are not in this ballot's electorate"));
    }
    if mine.voted {
        return Err(conflict("您已经投过票，每人只能投一次", "You have already voted; one ballot each"));
    }
    let noms = all_nominations_for_count(c, selection).await?;
    // A choice that is no nomination of this selection names another record: not found.
    if choices.iter().any(|ch| !noms.iter().any(|n| n.id == *ch)) {
        return Err(StoreError::NotFound);
    }
    let eligible: HashSet<i64> = noms.iter().filter(|n| n.state() == NominationState::Eligible).map(|n| n.id).collect();
    let chosen = rule::check_ballot(choices, &eligible, s.quota as u32).map_err(|t| invalid("choices", t.zh, t.en))?;
    let person = scope.person.map(|p| p.0).unwrap_or(0);
    let r = c.execute(Sql::new("INSERT INTO selection_voters (selection_id, person_id, day) VALUES ($1, $2, $3)").bind(selection).bind(person).bind(day)).await;
    match r {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(conflict("您已经投过票，每人只能投一次", "You have already voted; one ballot each")),
        Err(e) => return Err(e.into()),
    }
    let text = chosen.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",");
    c.execute(Sql::new("INSERT INTO selection_ballots (id, selection_id, choices) VALUES ($1, $2, $3)").bind(crate::survey::uuid_v4()).bind(selection).bind(text)).await?;
    // Participation only: never the choices.
    audit::append(c, scope, "selection.vote", "selection", selection, None, None).await?;
    Ok(())
}

/// The candidates a panel member scores: all eligible ones but those of their own secondary
/// organizations (回避), and themself. A fixed number of queries whatever the number of
/// candidates: the Party-tree places of every eligible candidate (a person's memberships, an
/// organization, the organizations linked to a unit or a unit above it) come in one.
pub async fn may_score(c: &mut Conn, scope: &Scope, selection: i64) -> Result<(HashSet<i64>, HashSet<i64>), StoreError> {
    let me = scope.person.map(|p| p.0).unwrap_or(0);
    let mine: HashSet<i64> = crate::people::org_paths_of(c, me).await?.iter().filter_map(|p| secondary_of(p)).collect();
    let eligible: Vec<(i64, Option<i64>, Option<i64>)> =
        c.fetch_all(Sql::new("SELECT id, person_id, quota_org_id FROM selection_nominations WHERE selection_id = $1 AND state = 'eligible' ORDER BY id").bind(selection)).await?;
    let places: Vec<(i64, String)> = c
        .fetch_all(
            Sql::new(
                "SELECT n.id, o.path FROM selection_nominations n JOIN org_memberships m ON m.person_id = n.person_id AND m.end_date IS NULL JOIN orgs o ON o.id = m.org_id \
                 WHERE n.selection_id = $1 AND n.state = 'eligible' \
                 UNION ALL SELECT n.id, o.path FROM selection_nominations n JOIN orgs o ON o.id = n.org_id WHERE n.selection_id = $2 AND n.state = 'eligible' AND n.person_id IS NULL \
                 UNION ALL SELECT n.id, o.path FROM selection_nominations n JOIN units u ON u.id = n.unit_id JOIN units lu ON u.path LIKE lu.path || '%' \
                 JOIN orgs o ON o.linked_unit_id = lu.id WHERE n.selection_id = $3 AND n.state = 'eligible' AND n.person_id IS NULL AND n.org_id IS NULL",
            )
            .bind(selection)
            .bind(selection)
            .bind(selection),
        )
        .await?;
    let mut secondaries: HashMap<i64, HashSet<i64>> = HashMap::new();
    for (id, path) in places {
        if let Some(s) = secondary_of(&path) {
            secondaries.entry(id).or_default().insert(s);
        }
    }
    let (mut may, mut recused) = (HashSet::new(), HashSet::new());
    for (id, person, quota_org) in eligible {
        let mut theirs = secondaries.remove(&id).unwrap_or_default();
        theirs.extend(quota_org);
        if theirs.is_disjoint(&mine) && person != Some(me) {
            may.insert(id);
        } else {
            recused.insert(id);
        }
    }
    Ok((may, recused))
}

/// A panel member hands in their score sheet, once: a score for every candidate but those they
/// recuse themselves from. Kept like a ballot: who handed one in apart from the scores.
pub async fn score(c: &mut Conn, scope: &Scope, selection: i64, scores: &HashMap<i64, Option<u32>>) -> Result<(), StoreError> {
    let s = get_for_update(c, selection).await?;
    let day = today();
    if !s.voting_open(day) {
        return Err(conflict("现在不在评分时间内", "Scoring is not open now"));
    }
    if !s.category()?.method.has_panel() {
        return Err(conflict("本评选没有评委打分", "This selection has no panel"));
    }
    let mine = my_ballot(c, scope, selection).await?;
    if !mine.in_electorate {
        return Err(forbidden("您不是本次评选的评委", "You are not on this selection's panel"));
    }
    if mine.voted {
        return Err(conflict("您已经提交过评分表", "You have already handed in your score sheet"));
    }
    let (may, recused) = may_score(c, scope, selection).await?;
    // A mark for a nomination that is no candidate of this selection names another record.
    if scores.keys().any(|k| !may.contains(k) && !recused.contains(k)) {
        let known: HashSet<i64> = all_nominations_for_count(c, selection).await?.into_iter().map(|n| n.id).collect();
        if scores.keys().any(|k| !known.contains(k)) {
            return Err(StoreError::NotFound);
        }
    }
    let sheet = rule::check_sheet(scores, &may).map_err(|t| invalid("scores", t.zh, t.en))?;
    let person = scope.person.map(|p| p.0).unwrap_or(0);
    let r = c.execute(Sql::new("INSERT INTO selection_voters (selection_id, person_id, day) VALUES ($1, $2, $3)").bind(selection).bind(person).bind(day)).await;
    match r {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(conflict("您已经提交过评分表", "You have already handed in your score sheet")),
        Err(e) => return Err(e.into()),
    }
    let text = sheet.iter().map(|(c, v)| format!("{c}:{v}")).collect::<Vec<_>>().join(",");
    c.execute(Sql::new("INSERT INTO selection_sheets (id, selection_id, scores) VALUES ($1, $2, $3)").bind(crate::survey::uuid_v4()).bind(selection).bind(text)).await?;
    audit::append(c, scope, "selection.score", "selection", selection, None, None).await?;
    Ok(())
}

/// Score sheets in the order of their random ids.
async fn sheets(c: &mut Conn, selection: i64) -> Result<Vec<(String, Vec<(i64, u32)>)>, StoreError> {
    let rows: Vec<(String, String)> = c.fetch_all(Sql::new("SELECT id, scores FROM selection_sheets WHERE selection_id = $1 ORDER BY id").bind(selection)).await?;
    Ok(rows.into_iter().map(|(id, t)| (id, t.split(',').filter_map(|p| p.split_once(':')).filter_map(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))).collect())).collect())
}

/// Ballots in the order of their random ids.
async fn ballots(c: &mut Conn, selection: i64) -> Result<Vec<(String, Vec<i64>)>, StoreError> {
    let rows: Vec<(String, String)> = c.fetch_all(Sql::new("SELECT id, choices FROM selection_ballots WHERE selection_id = $1 ORDER BY id").bind(selection)).await?;
    Ok(rows.into_iter().map(|(id, ch)| (id, ch.split(',').filter_map(|x| x.parse().ok()).collect())).collect())
}

/// How many have voted (or handed in a score sheet).
pub async fn turnout(c: &mut Conn, selection: i64) -> Result<i64, StoreError> {
    Ok(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM selection_voters WHERE selection_id = $1").bind(selection)).await?)
}

/// Who voted, by name: for those [`rule::Disclosure::voters`] lets see it.
pub async fn voters(c: &mut Conn, selection: i64, show: &rule::Disclosure) -> Result<Vec<VoterRow>, StoreError> {
    if !show.voters {
        return Ok(Vec::new());
    }
    Ok(c.fetch_all(
        Sql::new("SELECT p.id AS person_id, p.name, p.number FROM selection_voters v JOIN people p ON p.id = v.person_id WHERE v.selection_id = $1 ORDER BY p.id").bind(selection),
    )
    .await?)
}

/// What a step after the close is told when the vote was closed below its minimum turnout.
const NOT_COUNTED: (&str, &str) =
    ("这次投票因参与人数不足未计票，不能公示或确定名次", "This vote was closed below its minimum turnout and not counted: nothing is put on notice or ordered");

/// Closes the ballot and counts it. Below the category's minimum turnout it is refused, unless
/// the office gives a reason: then it closes without a count, the reason audited, and no result
/// is ever published.
pub async fn close(c: &mut Conn, scope: &Scope, selection: i64, reason: Option<&str>) -> Result<(), StoreError> {
    require_office(scope)?;
    let s = get_for_update(c, selection).await?;
    if s.stage() != Stage::Voting {
        return Err(conflict("投票不在进行中", "The ballot is not open"));
    }
    let cast = turnout(c, selection).await?;
    if let Some(t) = s.turnout(cast).filter(|t| !t.met()) {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let Some(reason) = reason else { return Err(StoreError::Conflict(t.refusal())) };
        let reason = text_field("reason", reason, 1000, true)?;
        let changed =
            c.execute(Sql::new("UPDATE selections SET stage = 'counted', turnout_reason = $1 WHERE id = $2 AND stage = 'voting'").bind(reason.as_str()).bind(selection)).await?;
        StoreError::unless_changed(changed, STAGE_MOVED.0, STAGE_MOVED.1)?;
        let note = serde_json::json!({"cast": t.cast, "electorate": t.electorate, "minimum": t.minimum, "reason": reason}).to_string();
        audit::append(c, scope, "selection.close_below_turnout", "selection", selection, None, Some(note)).await?;
        return Ok(());
    }
    let noms = all_nominations_for_count(c, selection).await?;
    let eligible: Vec<&NominationRow> = noms.iter().filter(|n| n.state() == NominationState::Eligible).collect();
    let ids: Vec<i64> = eligible.iter().map(|n| n.id).collect();
    let method = s.category()?.method;
    // A candidate's panel mean is never one member's mark (DOMAIN.md): each needs the minimum
    // of sheets, or the office records a lower one and why.
    if method.has_panel() {
        let sheets = sheets(c, selection).await?;
        let short: Vec<String> =
            eligible.iter().filter(|n| (sheets.iter().filter(|(_, sh)| sh.iter().any(|(c, _)| *c == n.id)).count() as u64) < s.panel_minimum()).map(|n| n.name.clone()).collect();
        if !short.is_empty() {
            let min = s.panel_minimum();
            return Err(conflict(
                format!("以下候选人的评分表不足 {min} 份，不能计分：{}。请增补评委，或记录较低的最低份数（至少 2 份）及理由", short.join("、")),
                format!(
                    "These candidates have fewer than {min} score sheets, so no mean can be published: {}. Add panel members, or record a lower minimum (2 at least) and why",
                    short.join(", ")
                ),
            ));
        }
    }
    let bs: Vec<Vec<i64>> = ballots(c, selection).await?.into_iter().map(|b| b.1).collect();
    let votes: BTreeMap<i64, u64> = rule::tally(&ids, &bs).into_iter().collect();
    let json = serde_json::to_string(&votes).map_err(|e| StoreError::Config(e.to_string()))?;
    let mut note = format!("{} ballots; {json}", bs.len());
    let scores_json = if method == Method::Ballot {
        None
    } else {
        // Each part on 0-100: the share of the ballots that approved the candidate, the panel's
        // mean, the appraisal round's combined score (frozen here, as counted).
        let turnout = bs.len() as u128;
        let sheets = sheets(c, selection).await?;
        let appraisal: HashMap<i64, Frac> = match s.appraisal_round_id {
            Some(r) if method.has_appraisal() => {
                // The round closes with the count: no later rating changes what was counted.
                crate::appraisal::close_for_count(c, scope, r, selection).await?;
                let round = crate::appraisal::round_unscoped_for_count(c, r).await?;
                let (results, _) = crate::appraisal::results_unscoped_for_count(c, &round).await?;
                let mut by: HashMap<i64, Frac> = HashMap::new();
                for x in results {
                    if let Some(cb) = x.combined {
                        for n in &eligible {
                            let same = (n.person_id.is_some() && n.person_id == x.subject.person_id)
                                || (n.org_id.is_some() && n.org_id == x.subject.org_id)
                                || (n.unit_id.is_some() && n.unit_id == x.subject.unit_id);
                            if same {
                                by.insert(n.id, cb.score);
                            }
                        }
                    }
                }
                by
            }
            _ => HashMap::new(),
        };
        let mut out: BTreeMap<i64, String> = BTreeMap::new();
        for id in &ids {
            let ballot = (method.has_ballot() && turnout > 0).then(|| Frac::new(*votes.get(id).unwrap_or(&0) as u128 * 100, turnout));
            let marks: Vec<u32> = sheets.iter().filter_map(|(_, sh)| sh.iter().find(|(c, _)| c == id).map(|(_, v)| *v)).collect();
            let panel = (!marks.is_empty()).then(|| Frac::new(marks.iter().map(|v| *v as u128).sum(), marks.len() as u128));
            if let Some(f) = method.combine(ballot, panel, appraisal.get(id).copied()) {
                out.insert(*id, format!("{}/{}", f.num, f.den));
            }
        }
        let j = serde_json::to_string(&out).map_err(|e| StoreError::Config(e.to_string()))?;
        note = format!("{note}; {} sheets; scores {j}", sheets.len());
        Some(j)
    };
    let changed = c
        .execute(
            Sql::new("UPDATE selections SET stage = 'counted', votes_json = $1, scores_json = $2 WHERE id = $3 AND stage = 'voting'")
                .bind(json.as_str())
                .bind(scores_json)
                .bind(selection),
        )
        .await?;
    StoreError::unless_changed(changed, STAGE_MOVED.0, STAGE_MOVED.1)?;
    audit::append(c, scope, "selection.count", "selection", selection, None, Some(note)).await?;
    Ok(())
}

/// Extends an open vote to a later last day (when too few have voted yet).
pub async fn extend(c: &mut Conn, scope: &Scope, selection: i64, until: &str) -> Result<Date, StoreError> {
    require_office(scope)?;
    let s = get_for_update(c, selection).await?;
    if s.stage() != Stage::Voting {
        return Err(conflict("投票不在进行中，不能延长", "The ballot is not open: it cannot be extended"));
    }
    let until = pacesetter_domain::validate::date(until).map_err(|t| invalid("vote_until", t.zh, t.en))?;
    if until <= s.vote_until || until < today() {
        return Err(invalid("vote_until", "新的截止日期须晚于原截止日期和今天", "The new last day must be after the present one and not before today"));
    }
    let changed =
        c.execute(Sql::new("UPDATE selections SET vote_until = $1 WHERE id = $2 AND stage = 'voting' AND vote_until = $3").bind(until).bind(selection).bind(s.vote_until)).await?;
    StoreError::unless_changed(changed, STAGE_MOVED.0, STAGE_MOVED.1)?;
    audit::append(
        c,
        scope,
        "selection.extend",
        "selection",
        selection,
        Some(format!("\"{}\"", pacesetter_domain::dates::iso(s.vote_until))),
        Some(format!("\"{}\"", pacesetter_domain::dates::iso(until))),
    )
    .await?;
    Ok(until)
}

/// The office records a panel minimum below 5 (2 at least) for this selection, and why.
pub async fn set_panel_minimum(c: &mut Conn, scope: &Scope, selection: i64, minimum: i64, reason: &str) -> Result<(), StoreError> {
    require_office(scope)?;
    let s = get_for_update(c, selection).await?;
    if s.stage() > Stage::Voting {
        return Err(conflict("已经计分，不能再改最低份数", "Already counted: the minimum can no longer change"));
    }
    if !(2..=anonymity::MIN_GROUP as i64).contains(&minimum) {
        return Err(invalid("minimum", format!("最低份数应为 2 至 {}", anonymity::MIN_GROUP), format!("The minimum is from 2 to {}", anonymity::MIN_GROUP)));
    }
    let reason = text_field("reason", reason, 1000, true)?;
    c.execute(Sql::new("UPDATE selections SET panel_min = $1, panel_min_reason = $2 WHERE id = $3").bind(minimum).bind(reason.as_str()).bind(selection)).await?;
    audit::append(c, scope, "selection.panel_minimum", "selection", selection, None, Some(serde_json::json!({"minimum": minimum, "reason": reason}).to_string())).await?;
    Ok(())
}

/// Objections upheld: their candidates are passed over.
pub async fn disqualified(c: &mut Conn, selection: i64) -> Result<HashSet<i64>, StoreError> {
    let rows: Vec<(i64,)> = c.fetch_all(Sql::new("SELECT DISTINCT nomination_id FROM selection_objections WHERE selection_id = $1 AND state = 'upheld'").bind(selection)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The outcome as it stands (after the count).
/// For a ballot the results are votes (whole numbers); otherwise scores on 0-100.
/// The candidates on public notice (公示), in the order of the result, with those who moved up:
/// what the public sees once a selection is on notice or approved (no figures). Empty before.
pub async fn on_notice(c: &mut Conn, s: &SelectionRow) -> Result<Vec<(NominationRow, bool)>, StoreError> {
    if s.stage() < Stage::Notice {
        return Ok(Vec::new());
    }
    let Some(o) = outcome(c, s).await? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for id in &o.selected {
        out.push((nomination_unscoped(c, *id).await?, o.moved_up.contains(id)));
    }
    Ok(out)
}

pub async fn outcome(c: &mut Conn, s: &SelectionRow) -> Result<Option<Outcome<Frac>>, StoreError> {
    if s.stage() < Stage::Counted || s.turnout_failed() {
        return Ok(None);
    }
    let dq = disqualified(c, s.id).await?;
    let results: HashMap<i64, Frac> = if s.is_ballot() { s.votes().into_iter().map(|(k, v)| (k, Frac::new(v as u128, 1))).collect() } else { s.scores() };
    Ok(Some(rule::outcome_scored(&results, s.quota as u32, &dq, &s.tie_preference())))
}

/// The office's order among candidates tied at the line, with the reason recorded.
pub async fn decide_tie(c: &mut Conn, scope: &Scope, selection: i64, order: &[i64], reason: &str) -> Result<(), StoreError> {
    require_office(scope)?;
    let s = get_for_update(c, selection).await?;
    if !matches!(s.stage(), Stage::Counted | Stage::Notice) {
        return Err(conflict("现在不需要处理并列", "There is no tie to decide now"));
    }
    if s.turnout_failed() {
        return Err(conflict(NOT_COUNTED.0, NOT_COUNTED.1));
    }
    let reason = text_field("reason", reason, 1000, true)?;
    let known = c.fetch_all::<(i64,)>(Sql::new("SELECT id FROM selection_nominations WHERE selection_id = $1").bind(selection)).await?;
    if order.iter().any(|o| !known.iter().any(|k| k.0 == *o)) {
        return Err(StoreError::NotFound);
    }
    let o = outcome(c, &s).await?.ok_or(StoreError::NotFound)?;
    let (pref, all_reasons) = rule::record_tie(&o.tie_at_line, order, &s.tie_preference(), s.tie_reason.as_deref(), &reason).map_err(|t| invalid("order", t.zh, t.en))?;
    let text = pref.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",");
    c.execute(Sql::new("UPDATE selections SET tie_order = $1, tie_reason = $2 WHERE id = $3").bind(text.as_str()).bind(all_reasons).bind(selection)).await?;
    audit::append(c, scope, "selection.tie", "selection", selection, None, Some(format!("{text}: {reason}"))).await?;
    Ok(())
}

/// Publishes the result for the notice (公示), from today for the category's working days.
pub async fn publish(c: &mut Conn, scope: &Scope, selection: i64, calendar: &Calendar) -> Result<Date, StoreError> {
    require_office(scope)?;
    let s = get_for_update(c, selection).await?;
    if s.stage() != Stage::Counted {
        return Err(conflict("只有计票之后才能公示", "Only a counted result is put on notice"));
    }
    if s.turnout_failed() {
        return Err(conflict(NOT_COUNTED.0, NOT_COUNTED.1));
    }
    let o = outcome(c, &s).await?.ok_or(StoreError::NotFound)?;
    if !o.tie_at_line.is_empty() {
        return Err(conflict("名额线上有并列，请先确定先后并写明理由", "A tie at the line must be decided, with a reason, first"));
    }
    if o.selected.is_empty() {
        return Err(conflict("没有当选的候选人", "Nobody is selected"));
    }
    let from = today();
    let until = rule::notice_end(calendar, from, s.category()?.notice_days);
    let changed = c
        .execute(Sql::new("UPDATE selections SET stage = 'notice', notice_from = $1, notice_until = $2 WHERE id = $3 AND stage = 'counted'").bind(from).bind(until).bind(selection))
        .await?;
    StoreError::unless_changed(changed, STAGE_MOVED.0, STAGE_MOVED.1)?;
    audit::append(c, scope, "selection.notice", "selection", selection, None, Some(format!("{} – {}", pacesetter_domain::dates::iso(from), pacesetter_domain::dates::iso(until))))
        .await?;
    Ok(until)
}

// ---- objections ------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ObjectionRow {
    pub id: i64,
    pub selection_id: i64,
    pub nomination_id: i64,
    pub candidate: String,
    /// The objector: shown to the office only.
    pub person_id: i64,
    pub objector: String,
    pub reasons: String,
    pub state: String,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_ms: Option<i64>,
    pub created_ms: i64,
}

/// The objections to a selection the caller may read: every one (with its objector) for the
/// office, their own for anyone else; the condition in the query.
pub async fn objections(c: &mut Conn, scope: &Scope, selection: i64) -> Result<Vec<ObjectionRow>, StoreError> {
    let mut sql = Sql::new(
        "SELECT x.id, x.selection_id, x.nomination_id, n.name AS candidate, x.person_id, p.name AS objector, x.reasons, x.state, x.resolution, \
         x.resolved_by, x.resolved_ms, x.created_ms FROM selection_objections x JOIN selection_nominations n ON n.id = x.nomination_id \
         JOIN people p ON p.id = x.person_id WHERE x.selection_id = $1",
    )
    .bind(selection);
    if !scope.is_office_or_admin() {
        sql.push(" AND x.person_id = ").push_bind(scope.person.map(|p| p.0).unwrap_or(0));
    }
    sql.push(" ORDER BY x.id");
    Ok(c.fetch_all(sql).await?)
}

/// Anyone logged in objects to a selected candidate while the notice runs.
pub async fn object(c: &mut Conn, scope: &Scope, selection: i64, nomination: i64, reasons: &str) -> Result<i64, StoreError> {
    let s = get_for_update(c, selection).await?;
    if !s.notice_running(today()) {
        return Err(conflict("现在不在公示期内", "The public notice is not running"));
    }
    let Some(person) = scope.person else {
        return Err(forbidden("提出异议须是登记在册的师生员工", "Objections come from people on the roster"));
    };
    let reasons = text_field("reasons", reasons, 2000, true)?;
    let mine = c.fetch_opt_i64(Sql::new("SELECT id FROM selection_nominations WHERE id = $1 AND selection_id = $2").bind(nomination).bind(selection)).await?;
    if mine.is_none() {
        return Err(StoreError::NotFound);
    }
    let o = outcome(c, &s).await?.ok_or(StoreError::NotFound)?;
    if !o.selected.contains(&nomination) {
        return Err(invalid("nomination", "只能对公示名单中的候选人提出异议", "Objections concern the candidates on notice"));
    }
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO selection_objections (selection_id, nomination_id, person_id, reasons, state, created_ms) VALUES ($1, $2, $3, $4, 'open', $5) RETURNING id")
                .bind(selection)
                .bind(nomination)
                .bind(person.0)
                .bind(reasons)
                .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "selection.object", "selection_objection", id, None, Some(format!("nomination {nomination}"))).await?;
    Ok(id)
}

/// The office resolves an objection; an upheld one passes its candidate over and the next in
/// the ranking moves up (递补).
pub async fn resolve(c: &mut Conn, scope: &Scope, selection: i64, objection: i64, upheld: bool, resolution: &str, calendar: &Calendar) -> Result<(), StoreError> {
    require_office(scope)?;
    c.fetch_opt_i64(Sql::new("SELECT id FROM selection_objections WHERE id = $1 AND selection_id = $2").bind(objection).bind(selection)).await?.ok_or(StoreError::NotFound)?;
    let resolution = text_field("resolution", resolution, 2000, true)?;
    let s = get_for_update(c, selection).await?;
    if s.stage() != Stage::Notice {
        return Err(conflict("公示已结束，异议不能再处理", "The notice is over; objections can no longer be resolved"));
    }
    let state = if upheld { "upheld" } else { "rejected" };
    let done = c
        .execute(
            Sql::new("UPDATE selection_objections SET state = $1, resolution = $2, resolved_by = $3, resolved_ms = $4 WHERE id = $5 AND state = 'open'")
                .bind(state)
                .bind(resolution.as_str())
                .bind(scope.actor.as_str())
                .bind(now_ms())
                .bind(objection),
        )
        .await?;
    if done == 0 {
        return Err(conflict("这项异议已处理", "This objection was already resolved"));
    }
    audit::append(c, scope, "selection.resolve", "selection_objection", objection, Some("open".into()), Some(format!("{state}: {resolution}"))).await?;
    if upheld {
        // The candidate who moves up has not been on notice: the notice runs its full length again
        // from today, so anyone may object to them too.
        let until = rule::notice_end(calendar, today(), s.category()?.notice_days);
        if s.notice_until.is_none_or(|u| until > u) {
            c.execute(Sql::new("UPDATE selections SET notice_until = $1 WHERE id = $2").bind(until).bind(selection)).await?;
            audit::append(c, scope, "selection.notice", "selection", selection, None, Some(format!("extended to {}", pacesetter_domain::dates::iso(until)))).await?;
        }
    }
    Ok(())
}

// ---- approval and the award register ---------------------------------------------------------

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AwardRow {
    pub id: i64,
    pub selection_id: i64,
    pub nomination_id: i64,
    pub award: String,
    pub period: String,
    pub recipient: String,
    pub kind: String,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub rank: i64,
    pub decision: String,
    pub awarded_on: Date,
    pub certificate_no: String,
    /// The recipient's organization (a person's Party organization), for certificates and lists.
    pub home: Option<String>,
    /// The newest published story about this award (典型宣传), if any.
    pub story_id: Option<i64>,
}

const AWARD_SELECT: &str = "SELECT a.id, a.selection_id, a.nomination_id, a.award, a.period, a.recipient, a.kind, a.person_id, a.org_id, a.unit_id, a.rank, \
     a.decision, a.awarded_on, a.certificate_no, (SELECT MIN(o.name) FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = a.person_id AND m.end_date IS NULL) AS home, \
     (SELECT MAX(st.id) FROM stories st WHERE st.award_id = a.id AND st.state = 'published') AS story_id \
     FROM awards a";

/// The awards of a selection: announced, so public to everyone logged in.
pub async fn awards_of(c: &mut Conn, selection: i64) -> Result<Vec<AwardRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{AWARD_SELECT} WHERE a.selection_id = $1 ORDER BY a.rank")).bind(selection)).await?)
}

/// One award of a selection (NotFound for an award of another selection).
pub async fn award(c: &mut Conn, selection: i64, id: i64) -> Result<AwardRow, StoreError> {
    c.fetch_optional(Sql::new(format!("{AWARD_SELECT} WHERE a.id = $1 AND a.selection_id = $2")).bind(id).bind(selection)).await?.ok_or(StoreError::NotFound)
}

/// The award register of a campaign.
pub async fn register(c: &mut Conn, campaign: i64) -> Result<Vec<AwardRow>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("{AWARD_SELECT} JOIN selections s ON s.id = a.selection_id WHERE s.campaign_id = $1 ORDER BY a.selection_id, a.rank")).bind(campaign)).await?)
}

/// Final approval once the notice is over and every objection resolved: the award register.
pub async fn approve(c: &mut Conn, scope: &Scope, selection: i64, decision: &str) -> Result<(), StoreError> {
    require_office(scope)?;
    let s = get_for_update(c, selection).await?;
    if s.stage() != Stage::Notice {
        return Err(conflict("只有公示后才能审定", "Only a result that has been on notice is approved"));
    }
    if s.notice_until.is_some_and(|u| today() <= u) {
        let u = pacesetter_domain::dates::iso(s.notice_until.unwrap_or_else(today));
        return Err(conflict(format!("公示期到 {u} 结束，结束后才能审定"), format!("The notice runs until {u}; approve after it")));
    }
    let decision = text_field("decision", decision, 200, true)?;
    let open = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM selection_objections WHERE selection_id = $1 AND state = 'open'").bind(selection)).await?;
    if open > 0 {
        return Err(conflict(format!("还有 {open} 项异议未处理"), format!("{open} objections are still open")));
    }
    let o = outcome(c, &s).await?.ok_or(StoreError::NotFound)?;
    if !o.tie_at_line.is_empty() {
        return Err(conflict("名额线上有并列，请先确定先后并写明理由", "A tie at the line must be decided, with a reason, first"));
    }
    let cat = s.category()?;
    let noms: HashMap<i64, NominationRow> = all_nominations_for_count(c, selection).await?.into_iter().map(|n| (n.id, n)).collect();
    let campaign_year = c.fetch_i64(Sql::new("SELECT year FROM campaigns WHERE id = $1").bind(s.campaign_id)).await?;
    let day = today();
    for (i, id) in o.selected.iter().enumerate() {
        let n = noms.get(id).ok_or(StoreError::NotFound)?;
        c.execute(
            Sql::new(
                "INSERT INTO awards (selection_id, nomination_id, award, period, recipient, kind, person_id, org_id, unit_id, rank, decision, awarded_on, certificate_no) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(selection)
            .bind(*id)
            .bind(cat.name.as_str())
            .bind(cat.period_text())
            .bind(n.name.as_str())
            .bind(n.kind.as_str())
            .bind(n.person_id)
            .bind(n.org_id)
            .bind(n.unit_id)
            .bind(i as i64 + 1)
            .bind(decision.as_str())
            .bind(day)
            .bind(format!("{campaign_year}-{}-{:03}", s.id, i + 1)),
        )
        .await?;
    }
    let changed = c
        .execute(
            Sql::new("UPDATE selections SET stage = 'final', decision = $1, approved_by = $2, approved_ms = $3 WHERE id = $4 AND stage = 'notice'")
                .bind(decision.as_str())
                .bind(scope.actor.as_str())
                .bind(now_ms())
                .bind(selection),
        )
        .await?;
    StoreError::unless_changed(changed, STAGE_MOVED.0, STAGE_MOVED.1)?;
    audit::append(c, scope, "selection.approve", "selection", selection, None, Some(format!("{decision}: {:?}", o.selected))).await?;
    Ok(())
}

// ---- the auditor's bundle --------------------------------------------------------------------

/// Everything needed to recompute the published ranking: the lists and their fingerprints, the
/// ballots in the order of their random ids (no voter), the number who took part, the rules,
/// the recorded decisions and the result.
pub async fn bundle(c: &mut Conn, scope: &Scope, selection: i64) -> Result<serde_json::Value, StoreError> {
    if !(scope.is_office_or_admin() || scope.has(pacesetter_domain::role::Role::Auditor)) {
        return Err(forbidden("只有创先办和审计员可以导出审计包", "Only the campaign office and the auditor export the audit bundle"));
    }
    let s = load(c, selection).await?;
    if s.stage() < Stage::Counted {
        return Err(conflict("计票之后才能导出审计包", "The audit bundle exists once the ballot is counted"));
    }
    let noms = all_nominations_for_count(c, selection).await?;
    let eligible = eligibility_lines(&noms);
    let voters = electorate(c, selection).await?;
    let turnout = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM selection_voters WHERE selection_id = $1").bind(selection)).await?;
    let bs = ballots(c, selection).await?;
    let ballots_shown = anonymity::may_show(bs.len() as u64);
    let mut votes: BTreeMap<i64, u64> = BTreeMap::new();
    for (_, choices) in &bs {
        for cand in choices {
            *votes.entry(*cand).or_default() += 1;
        }
    }
    // Score sheets are not published as sheets: which candidates a sheet leaves out (recusal)
    // tells whose it is. Each candidate's marks, sorted, recount the same means.
    let sh = sheets(c, selection).await?;
    let mut marks: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for (_, sheet) in &sh {
        for (cand, v) in sheet {
            marks.entry(*cand).or_default().push(*v);
        }
    }
    for m in marks.values_mut() {
        m.sort_unstable();
    }
    // The appraisal round's exact combined scores as counted (the round closed with the count).
    let appraisal_scores: BTreeMap<i64, String> = match (s.appraisal_round_id, s.scores_json.is_some()) {
        (Some(r), true) => {
            let round = crate::appraisal::round_unscoped_for_count(c, r).await?;
            let (results, _) = crate::appraisal::results_unscoped_for_count(c, &round).await?;
            let mut out = BTreeMap::new();
            for x in results {
                if let Some(cb) = x.combined {
                    for n in noms.iter().filter(|n| n.state() == NominationState::Eligible) {
                        let same = (n.person_id.is_some() && n.person_id == x.subject.person_id)
                            || (n.org_id.is_some() && n.org_id == x.subject.org_id)
                            || (n.unit_id.is_some() && n.unit_id == x.subject.unit_id);
                        if same {
                            out.insert(n.id, format!("{}/{}", cb.score.num, cb.score.den));
                        }
                    }
                }
            }
            out
        }
        _ => BTreeMap::new(),
    };
    let dq = disqualified(c, selection).await?;
    let o = outcome(c, &s).await?;
    let mut upheld: Vec<i64> = dq.into_iter().collect();
    upheld.sort_unstable();
    Ok(serde_json::json!({
        "selection": {"id": s.id, "title": s.title, "category": s.category_code, "quota": s.quota, "stage": s.stage},
        "rules": {
            "ballot": "each voter approves from 1 up to the quota of eligible candidates; in a mix, a candidate's part is the share of ballots approving them × 100",
            "scores": "each panel member scores every candidate 0-100 except those of their own secondary organization; the mean of a candidate's marks (panel_marks) counts; each candidate needs panel_minimum marks",
            "appraisal": "the combined score of the named appraisal round (appraisal_scores, exact), which closed with the count; its own bundle recounts it",
            "mix": "the parts on 0-100 weighted as the method says; a part a candidate lacks counts 0",
            "ranking": "best first (votes for a ballot, else the exact score); equal results in the office's recorded order (tie_order), then by nomination id",
            "selected": "the first `quota` candidates of the ranking, passing over those with an upheld objection",
            "turnout": "a defined body (a Party vote, a panel) counts only when more than half of the electorate took part; a vote open to everyone has no minimum; a vote closed below its minimum (turnout_reason) is not counted and publishes nothing",
        },
        "eligibility_list": eligible,
        "eligibility_hash": s.eligibility_hash,
        "electorate_list": electorate_lines(&voters),
        "electorate_hash": s.electorate_hash,
        "electorate_size": s.electorate_size,
        "took_part": turnout,
        "turnout": s.turnout(turnout),
        "turnout_reason": s.turnout_reason,
        // Fewer than 5 ballots beside the list of who voted (the audit log) could be read as
        // theirs: then only each candidate's votes, which recount the ranking all the same.
        "ballots": if ballots_shown { bs.iter().map(|(id, ch)| serde_json::json!({"id": id, "choices": ch})).collect::<Vec<_>>() } else { Vec::new() },
        "ballots_withheld": !ballots_shown,
        "votes": votes.iter().map(|(cand, n)| serde_json::json!({"candidate": cand, "votes": n})).collect::<Vec<_>>(),
        "method": s.category()?.method,
        "score_sheets": sh.len(),
        "panel_marks": marks.iter().map(|(cand, v)| serde_json::json!({"candidate": cand, "marks": v})).collect::<Vec<_>>(),
        "panel_minimum": s.panel_minimum(),
        "panel_minimum_reason": s.panel_min_reason,
        "appraisal_round_id": s.appraisal_round_id,
        "appraisal_scores": appraisal_scores,
        "tie_order": s.tie_preference(),
        "tie_reason": s.tie_reason,
        "upheld_objections_against": upheld,
        "published": o.map(|o| serde_json::json!({
            "order": if s.is_ballot() {
                o.order.iter().map(|(id, f)| serde_json::json!([id, f.num as u64])).collect::<Vec<_>>()
            } else {
                o.order.iter().map(|(id, f)| serde_json::json!([id, format!("{}/{}", f.num, f.den), f.published()])).collect::<Vec<_>>()
            },
            "selected": o.selected,
            "moved_up": o.moved_up,
            "tie_at_line": o.tie_at_line,
        })),
    }))
}
