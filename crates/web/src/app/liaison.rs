//! Cadres and their classes (item 8), as use cases: a cadre's classes and visit log, recording a
//! visit with photos, one visit with the problems raised in it, the coverage per class and per
//! cadre with the office's number of weeks, its export, and the reminders to cadres whose class
//! has gone unvisited. The pages and the API are thin adapters over these.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::File;
use pacesetter_domain::Lang;
use pacesetter_domain::dates::{format_date, today};
use pacesetter_domain::liaison as li;
use pacesetter_domain::scope::Scope;
use pacesetter_domain::validate::FieldErrors;
use pacesetter_store::StoreError;
use pacesetter_store::liaison::{self as store, CadreCoverage, ClassCard, ClassCoverage, VisitRow};
use pacesetter_store::notify::{self, Link};
use pacesetter_store::problem::{Filter, Photo, ProblemRow};
use serde::{Deserialize, Serialize};

/// A cadre's page: their classes (with committee and last visit) and their visits.
pub struct MyLiaison {
    pub classes: Vec<ClassCard>,
    pub visits: Vec<VisitRow>,
    pub weeks: u32,
    /// The experience-exchange meetings the cadre is invited to (meetings of the meetings module).
    pub exchanges: Vec<pacesetter_store::meeting::MeetingRow>,
}

pub async fn mine(s: &AppState, scope: &Scope) -> AppResult<MyLiaison> {
    let mut c = s.store.read().await?;
    let classes = match scope.person {
        Some(p) => store::classes_of(&mut c, p.0, today()).await?,
        None => Vec::new(),
    };
    let visits = match scope.person {
        Some(p) => store::list(&mut c, scope, None, Some(p.0), 200).await?,
        None => Vec::new(),
    };
    let weeks = store::unvisited_weeks(&mut c).await?;
    let f = pacesetter_store::meeting::Filter { mine: true, kind: Some(pacesetter_domain::meeting::Kind::Exchange), ..Default::default() };
    let exchanges = pacesetter_store::meeting::list(&mut c, scope, &f, 20).await?;
    Ok(MyLiaison { classes, visits, weeks, exchanges })
}

/// A visit as typed (the class is one of the caller's).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct VisitInput {
    #[serde(default, deserialize_with = "crate::input::opt_id")]
    pub class: Option<i64>,
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    pub on_day: String,
    #[serde(default)]
    pub place: String,
    /// Whom the cadre met (the class committee, students, the head teacher).
    #[serde(default)]
    pub met: String,
    /// What they talked about.
    #[serde(default)]
    pub topics: String,
    #[serde(default)]
    pub notes: String,
}

impl VisitInput {
    pub fn from_form(form: crate::upload::MultipartForm) -> (VisitInput, Vec<File>, FieldErrors) {
        let v = |k: &str| form.values.get(k).cloned().unwrap_or_default();
        let input = VisitInput { class: v("class").trim().parse().ok(), on_day: v("on_day"), place: v("place"), met: v("met"), topics: v("topics"), notes: v("notes") };
        (input, form.files, form.errors)
    }
}

/// Records a visit of the caller's to one of their classes, with photos (stripped of their
/// metadata on upload).
pub async fn record(s: &AppState, scope: &Scope, input: &VisitInput, photos: Vec<File>, mut errors: FieldErrors) -> AppResult<i64> {
    let class = input.class.ok_or_else(|| AppError::invalid_field("class", "请选择班级", "Choose the class"))?;
    let visit = match li::parse_visit(&input.on_day, &input.place, &input.met, &input.topics, &input.notes, today()) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let kept: Vec<Photo> = crate::upload::photos_only(photos, 6, "photos", &mut errors).into_iter().map(|(content_type, data)| Photo { content_type, data }).collect();
    let Some(visit) = visit.filter(|_| errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let mut w = s.store.write().await?;
    let id = store::record(&mut w, scope, class, &visit, kept).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// A visit with its photos and the problems raised in it (as the caller may see each).
pub struct VisitView {
    pub v: VisitRow,
    pub photos: Vec<i64>,
    pub problems: Vec<ProblemRow>,
    pub own: bool,
}

pub async fn visit(s: &AppState, scope: &Scope, id: i64) -> AppResult<VisitView> {
    let mut c = s.store.read().await?;
    let v = store::get(&mut c, scope, id).await?;
    let photos = store::photo_ids(&mut c, scope, id).await?;
    let own = scope.person.is_some_and(|p| p.0 == v.cadre_id);
    let f = Filter { visit: Some(id), ..Default::default() };
    // A problem whose raiser the caller may not know comes back without its visit: it is not
    // listed here, where the class would name them.
    let problems = pacesetter_store::problem::list(&mut c, scope, &f, today(), 0, 2000).await?.0.into_iter().filter(|p| p.visit_id == Some(id)).collect();
    Ok(VisitView { v, photos, problems, own })
}

pub async fn photo(s: &AppState, scope: &Scope, photo: i64) -> AppResult<(String, Vec<u8>)> {
    let mut c = s.store.read().await?;
    Ok(store::photo(&mut c, scope, photo).await?)
}

/// The coverage in the caller's reach: per class and per cadre, with the weeks in force.
pub async fn coverage(s: &AppState, scope: &Scope) -> AppResult<(Vec<ClassCoverage>, Vec<CadreCoverage>, u32)> {
    let mut c = s.store.read().await?;
    Ok(store::coverage(&mut c, scope, today()).await?)
}

pub async fn set_weeks(s: &AppState, scope: &Scope, weeks: &str) -> AppResult<u32> {
    let n = li::parse_weeks(weeks).map_err(AppError::invalid)?;
    let mut w = s.store.write().await?;
    store::set_unvisited_weeks(&mut w, scope, n).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(n)
}

/// The unit whose staff link cadres to classes (学工部), if named.
pub async fn linker(s: &AppState) -> AppResult<Option<(i64, String)>> {
    let mut c = s.store.read().await?;
    Ok(store::linker_unit(&mut c).await?)
}

/// The office names the unit whose staff link cadres to classes (None: the office alone).
pub async fn set_linker(s: &AppState, scope: &Scope, unit: Option<i64>) -> AppResult<Option<(i64, String)>> {
    let mut w = s.store.write().await?;
    store::set_linker_unit(&mut w, scope, unit).await?;
    let now = store::linker_unit(&mut w).await?;
    w.commit().await.map_err(StoreError::from)?;
    Ok(now)
}

/// The coverage as one sheet: a line per class, then a line per cadre.
pub fn coverage_sheet(classes: &[ClassCoverage], cadres: &[CadreCoverage], lang: Lang) -> crate::export::Sheet {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
    let day = |d: &Option<time::Date>| d.map(|d| format_date(d, lang)).unwrap_or_else(|| t("未走访", "never"));
    let mut rows: Vec<Vec<String>> = classes
        .iter()
        .map(|c| {
            vec![
                t("班级", "Class"),
                c.class_name.clone(),
                c.cadres.clone(),
                c.visits.to_string(),
                day(&c.last_visit),
                if c.unvisited { t("是", "yes") } else { String::new() },
                c.problems.map(|n| n.to_string()).unwrap_or_default(),
                c.solved.map(|n| n.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    rows.extend(cadres.iter().map(|c| {
        vec![
            t("干部", "Cadre"),
            c.cadre_name.clone(),
            format!("{} {}", c.classes, t("个班级", "classes")),
            c.visits.to_string(),
            day(&c.last_visit),
            if c.unvisited > 0 { c.unvisited.to_string() } else { String::new() },
            String::new(),
            String::new(),
        ]
    }));
    crate::export::Sheet {
        name: t("联系班级走访", "Class visits"),
        headers: vec![
            t("类别", "Kind"),
            t("名称", "Name"),
            t("联系干部 / 班级数", "Cadres / classes"),
            t("本学期走访次数", "Visits this term"),
            t("最近走访", "Last visit"),
            t("久未走访", "Unvisited"),
            t("走访中反映问题", "Problems raised"),
            t("已解决", "Solved"),
        ],
        rows,
    }
}

/// Reminds each cadre of their classes gone unvisited (once per class and week); returns the
/// notifications made. Runs with the hourly reminders and when the office asks.
pub async fn remind(store_: &pacesetter_store::Store, public_url: &str, day: time::Date) -> Result<usize, StoreError> {
    let mut w = store_.write().await?;
    let overdue = store::overdue(&mut w, day).await?;
    let week = day.to_julian_day() / 7;
    let mut n = 0;
    for (cadre, class, name, since) in overdue {
        let to = pacesetter_store::problem::person_accounts(&mut w, cadre).await?;
        let link = Link { task: None, href: "/liaison".into() };
        n += notify::tell(
            &mut w,
            &to,
            "visit_due",
            &format!("您联系的{name}自{}以来未走访，请安排走访", format_date(since, Lang::Zh)),
            &format!("Your class {name} has not been visited since {}: please visit it", format_date(since, Lang::En)),
            &link,
            &format!("visit_due:{class}:{week}"),
            public_url,
        )
        .await?;
    }
    w.commit().await?;
    Ok(n)
}

/// The plan's task that links every class to a cadre (item 8: "3月初落实到位"), by its code.
pub const LINKING_TASK: &str = "cadre-class-links";

/// Past the plan's date for linking classes to cadres, while classes lack a cadre or cadres a
/// class: tells whoever links them (the office, and the heads of the units the plan gave the
/// task, in practice 学工部), once a week. Returns the notifications made.
pub async fn remind_coverage(store_: &pacesetter_store::Store, public_url: &str, day: time::Date) -> Result<usize, StoreError> {
    let mut w = store_.write().await?;
    let Some(camp) = pacesetter_store::campaign::current(&mut w).await? else { return Ok(0) };
    let Some(t) = pacesetter_store::campaign::templates(&mut w, camp.id).await?.into_iter().find(|t| t.code == LINKING_TASK && !t.retired) else { return Ok(0) };
    let Some(due) = t.due_date.filter(|d| *d < day) else { return Ok(0) };
    let cov = pacesetter_store::relation::coverage(&mut w).await?;
    let (classes, cadres) = (cov.classes_without_cadre.len(), cov.cadres_without_class.len());
    if classes == 0 && cadres == 0 {
        return Ok(0);
    }
    let mut to = pacesetter_store::problem::office_accounts(&mut w, day).await?;
    let owners: Vec<(i64,)> = w.fetch_all(pacesetter_store::Sql::new("SELECT DISTINCT unit_id FROM tasks WHERE template_id = $1 AND unit_id IS NOT NULL").bind(t.id)).await?;
    for (u,) in owners {
        to.extend(pacesetter_store::problem::head_accounts(&mut w, u).await?);
    }
    to.extend(store::linker_accounts(&mut w).await?);
    to.sort();
    to.dedup();
    let when = t.wording.clone().unwrap_or_else(|| format_date(due, Lang::Zh));
    let link = Link { task: None, href: "/relations".into() };
    let n = notify::tell(
        &mut w,
        &to,
        "coverage",
        &format!("干部联系班级应于{when}落实到位：仍有 {classes} 个班级没有联系干部、{cadres} 名处级以上干部没有联系班级"),
        &format!("Cadres were to be linked to classes by {}: {classes} classes still have no cadre and {cadres} cadres no class", format_date(due, Lang::En)),
        &link,
        &format!("coverage:{}:{}", camp.id, day.to_julian_day() / 7),
        public_url,
    )
    .await?;
    w.commit().await?;
    Ok(n)
}

pub async fn remind_now(s: &AppState, scope: &Scope) -> AppResult<usize> {
    pacesetter_store::scope::office_only(scope)?;
    let n = remind(&s.store, &s.site.public_url, today()).await?;
    Ok(n + remind_coverage(&s.store, &s.site.public_url, today()).await?)
}
