//! Random samples drawn with two parties' seeds: a survey's audience, or windows for a spot
//! check. The record is public (anyone recomputes the draw from it, without seeing a student
//! number); each person can look up their own pseudonym.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use pacesetter_domain::ids::{SampleId, SurveyId, UnitId};
use pacesetter_domain::sample::{self as rule, Size};
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::sample::{self, NewSample, Purpose, SampleRow, Stratify};
use pacesetter_store::survey::{self, Need};
use std::collections::{BTreeMap, HashMap};

/// A new sample, as a form or a JSON body gives it.
#[derive(Clone, Debug)]
pub struct NewSampleInput {
    /// The unit that commits the second seed (a survey's: its owner when left out).
    pub owner: Option<UnitId>,
    /// The unit whose people (or windows) make the population.
    pub node: UnitId,
    pub size: Size,
    pub stratify: Stratify,
    pub students_only: bool,
    pub title: Option<String>,
}

impl NewSampleInput {
    /// Reads the fields: `owner` and `node` (units' ids), `size` (a number or a percentage),
    /// `stratify` (none, college or class).
    pub fn parse(owner: Option<i64>, node: Option<i64>, size: &str, stratify: Option<&str>, students_only: bool, title: Option<&str>) -> Result<NewSampleInput, FieldErrors> {
        let mut e = FieldErrors::new();
        if node.is_none() {
            e.add("node", "请填写抽样范围（单位编号）", "Give the unit to draw from (its number)");
        }
        let size = match Size::parse(size.trim()) {
            Ok(s) => Some(s),
            Err(t) => {
                e.add("size", t.zh, t.en);
                None
            }
        };
        let stratify = match stratify.map(str::trim).filter(|s| !s.is_empty()) {
            None => Stratify::None,
            Some(s) => Stratify::parse(s).unwrap_or_else(|| {
                e.add("stratify", "分层方式应为 none、college 或 class", "Strata are none, college or class");
                Stratify::None
            }),
        };
        match (node, size) {
            (Some(node), Some(size)) if e.is_empty() => Ok(NewSampleInput {
                owner: owner.map(UnitId),
                node: UnitId(node),
                size,
                stratify,
                students_only,
                title: title.map(str::trim).filter(|t| !t.is_empty()).map(str::to_string),
            }),
            _ => Err(e),
        }
    }
}

fn new_sample(input: NewSampleInput, purpose: Purpose, survey_id: Option<i64>, default_owner: Option<i64>, default_title: String) -> Result<NewSample, StoreError> {
    let Some(owner) = input.owner.map(|u| u.0).or(default_owner) else {
        return Err(StoreError::invalid("owner", "请填写提交另一份种子的单位编号", "Give the number of the unit that commits the second seed"));
    };
    Ok(NewSample {
        survey_id,
        purpose,
        title: input.title.unwrap_or(default_title),
        owner_unit_id: owner,
        population_node: input.node.0,
        students_only: input.students_only,
        stratify: input.stratify,
        size: input.size,
    })
}

/// Every sample, newest first (the records are public).
pub async fn list(s: &AppState) -> AppResult<Vec<SampleRow>> {
    let mut c = s.store.read().await?;
    Ok(sample::list(&mut c, None).await?)
}

/// The manager of a survey draws a sample of its audience: the population is frozen and its
/// hash published; the second seed comes from the owning unit (for the office's surveys, from
/// the unit named). One draw makes a survey's sampled audience.
pub async fn create_for_survey(s: &AppState, scope: &Scope, survey_id: SurveyId, input: NewSampleInput) -> AppResult<SampleId> {
    let mut w = s.store.write().await?;
    let row = survey::get(&mut w, scope, survey_id.0, Need::Manage).await?.row;
    let new = new_sample(input, Purpose::Survey, Some(row.id), row.owner_unit_id, format!("{} · 抽样", row.title))?;
    let id = sample::create(&mut w, scope, new).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(SampleId(id))
}

/// A spot check of the windows below a unit (随机抽查).
pub async fn create_spot_check(s: &AppState, scope: &Scope, input: NewSampleInput) -> AppResult<SampleId> {
    let new = new_sample(input, Purpose::SpotCheck, None, None, "服务窗口随机抽查".into())?;
    let mut w = s.store.write().await?;
    let id = sample::create(&mut w, scope, new).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(SampleId(id))
}

/// A sample's public record: the row, each stratum with its population and how many were
/// drawn, and who was drawn (pseudonyms; a spot check's windows by name, windows being public).
pub struct Record {
    pub row: SampleRow,
    /// (stratum, population, drawn), by stratum.
    pub strata: Vec<(String, u64, u64)>,
    /// (pseudonym or window, stratum).
    pub drawn: Vec<(String, String)>,
}

pub async fn record(s: &AppState, id: SampleId) -> AppResult<Record> {
    let mut c = s.store.read().await?;
    let row = sample::get_public(&mut c, id.0).await?;
    let members = sample::members(&mut c, id.0).await?;
    let names = if row.purpose == Purpose::SpotCheck.code() { sample::window_names(&mut c, id.0).await? } else { HashMap::new() };
    let mut strata: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut drawn = Vec::new();
    for (p, st, d) in &members {
        let e = strata.entry(st.clone()).or_default();
        e.0 += 1;
        if *d {
            e.1 += 1;
            drawn.push((names.get(p).cloned().unwrap_or_else(|| p.clone()), st.clone()));
        }
    }
    Ok(Record { row, strata: strata.into_iter().map(|(k, (a, b))| (k, a, b)).collect(), drawn })
}

/// A party commits: a commitment (64 hex digits, computed away from the system) or a seed, of
/// which only the hash is kept until the reveal.
pub async fn commit(s: &AppState, scope: &Scope, id: SampleId, seed: &str) -> AppResult<()> {
    let mut w = s.store.write().await?;
    sample::commit(&mut w, scope, id.0, seed).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A party reveals its seed; when both are in, the sample is drawn (and for a survey becomes
/// its audience).
pub async fn reveal(s: &AppState, scope: &Scope, id: SampleId, seed: &str) -> AppResult<()> {
    let mut w = s.store.write().await?;
    sample::reveal(&mut w, scope, id.0, seed.trim()).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// population.tsv (pseudonym, stratum: the text whose SHA-256 is the published hash) or, once
/// drawn, drawn.tsv (stratum, pseudonym, in rank order within each stratum: what `draw.sh` prints).
pub async fn file(s: &AppState, id: SampleId, name: &str) -> AppResult<String> {
    let mut c = s.store.read().await?;
    let row = sample::get_public(&mut c, id.0).await?;
    let members = sample::members(&mut c, id.0).await?;
    match name {
        "population.tsv" => {
            let entries: Vec<rule::Entry> = members.iter().map(|(p, st, _)| rule::Entry { pseudonym: p.clone(), stratum: st.clone() }).collect();
            Ok(rule::population_text(&entries))
        }
        "drawn.tsv" if rule::drawn_list_public(&row.state) => {
            let seed = row.draw_seed.clone().unwrap_or_default();
            let mut drawn: Vec<(String, String, String)> = members.iter().filter(|(_, _, d)| *d).map(|(p, st, _)| (st.clone(), rule::rank_key(&seed, p), p.clone())).collect();
            drawn.sort();
            Ok(drawn.into_iter().map(|(st, _, p)| format!("{st}\t{p}\n")).collect())
        }
        _ => Err(AppError::not_found()),
    }
}

/// The caller's own pseudonym (None without a person), and the survey samples it was drawn in.
pub async fn my_pseudonym(s: &AppState, scope: &Scope) -> AppResult<(Option<String>, Vec<(i64, String)>)> {
    let Some(p) = scope.person else { return Ok((None, Vec::new())) };
    // The installation's key is made on first use, hence a write transaction.
    let mut w = s.store.write().await?;
    let ps = sample::my_pseudonym(&mut w, p.0).await?;
    let drawn_in = sample::drawn_in(&mut w, &ps).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok((Some(ps), drawn_in))
}
