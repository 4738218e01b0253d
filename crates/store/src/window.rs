//! Service windows (item 9): each unit's evaluation standards for its windows, and on-site
//! inspections that score a window against them.

use crate::db::{Conn, Sql};
use crate::{StoreError, audit};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::scope::{Access, Reach, Scope};
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct StandardRow {
    pub id: i64,
    pub unit_id: i64,
    pub item: String,
    pub weight: i64,
    pub sort: i64,
}

/// A unit's path, name and kind, for what its public page shows.
async fn unit_path(c: &mut Conn, unit: i64) -> Result<(String, String, String), StoreError> {
    c.fetch_optional(Sql::new("SELECT path, name, kind FROM units WHERE id = $1").bind(unit)).await?.ok_or(StoreError::NotFound)
}

/// The condition for the units (column `col`) the caller manages: the office, and whoever may
/// act on the unit (its head, the secretary of the linked college).
fn push_manager_condition(q: &mut Sql, scope: &Scope, col: &str) {
    if scope.global() == Some(Access::Write) {
        q.push("(1 = 1)");
        return;
    }
    q.push("(1 = 0");
    for r in scope.reaches_at_least(Access::Write) {
        if let Reach::Unit(p) = r {
            q.push(&format!(" OR {col} LIKE ")).push_bind(format!("{}%", crate::db::like_escape(p))).push(" ESCAPE '\\'");
        }
    }
    q.push(")");
}

/// A unit the caller manages: (path, name, kind), or NotFound.
async fn managed_unit(c: &mut Conn, scope: &Scope, unit: i64) -> Result<(String, String, String), StoreError> {
    let mut q = Sql::new("SELECT u.path, u.name, u.kind FROM units u WHERE u.id = ");
    q.push_bind(unit).push(" AND ");
    push_manager_condition(&mut q, scope, "u.path");
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// The standards a unit has set (for its windows' public pages, and the appraisals).
async fn standards_of(c: &mut Conn, unit: i64) -> Result<Vec<StandardRow>, StoreError> {
    Ok(c.fetch_all(Sql::new("SELECT id, unit_id, item, weight, sort FROM window_standards WHERE unit_id = $1 AND retired = FALSE ORDER BY sort, id").bind(unit)).await?)
}

/// A unit's standards with its name, for whoever manages it.
pub async fn standards(c: &mut Conn, scope: &Scope, unit: i64) -> Result<(String, Vec<StandardRow>), StoreError> {
    let (_, name, _) = managed_unit(c, scope, unit).await?;
    Ok((name, standards_of(c, unit).await?))
}

/// The unit of a standard, for whoever manages it.
pub async fn standard_unit(c: &mut Conn, scope: &Scope, standard: i64) -> Result<i64, StoreError> {
    let mut q = Sql::new("SELECT s.unit_id FROM window_standards s JOIN units u ON u.id = s.unit_id WHERE s.id = ");
    q.push_bind(standard).push(" AND ");
    push_manager_condition(&mut q, scope, "u.path");
    c.fetch_opt_i64(q).await?.ok_or(StoreError::NotFound)
}

pub async fn add_standard(c: &mut Conn, scope: &Scope, unit: i64, item: &str, weight: i64) -> Result<i64, StoreError> {
    let (_, _, kind) = managed_unit(c, scope, unit).await?;
    if kind == "window" || kind == "class" {
        return Err(StoreError::invalid("item", "评价标准由窗口的主管单位制定", "Standards are set by the unit above the windows"));
    }
    let item = item.trim();
    if item.is_empty() || item.chars().count() > 200 {
        return Err(StoreError::invalid("item", "请填写评价项（不超过200字）", "Give the item (at most 200 characters)"));
    }
    if !(1..=100).contains(&weight) {
        return Err(StoreError::invalid("weight", "权重应为 1 至 100 的整数", "The weight is a whole number from 1 to 100"));
    }
    let sort = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM window_standards WHERE unit_id = $1").bind(unit)).await?;
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO window_standards (unit_id, item, weight, sort, created_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(unit)
                .bind(item)
                .bind(weight)
                .bind(sort)
                .bind(now_ms()),
        )
        .await?;
    audit::append(c, scope, "standard.add", "unit", unit, None, Some(serde_json::json!({"id": id, "item": item, "weight": weight}).to_string())).await?;
    Ok(id)
}

/// Retires a standard of a unit the caller manages (one of another unit is not there for them).
pub async fn retire_standard(c: &mut Conn, scope: &Scope, unit: i64, id: i64) -> Result<(), StoreError> {
    managed_unit(c, scope, unit).await?;
    let n = c.execute(Sql::new("UPDATE window_standards SET retired = TRUE WHERE id = $1 AND unit_id = $2 AND retired = FALSE").bind(id).bind(unit)).await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(c, scope, "standard.retire", "unit", unit, Some(serde_json::json!({"id": id}).to_string()), None).await?;
    Ok(())
}

/// A window's standards: those of the nearest unit above it that has any.
pub async fn standards_for_window(c: &mut Conn, window: i64) -> Result<Option<(i64, String, Vec<StandardRow>)>, StoreError> {
    let (path, _, _) = unit_path(c, window).await?;
    let ids: Vec<i64> = path.split('/').filter_map(|p| p.parse().ok()).collect();
    for id in ids.into_iter().rev().skip(1) {
        let s = standards_of(c, id).await?;
        if !s.is_empty() {
            let (_, name, _) = unit_path(c, id).await?;
            return Ok(Some((id, name, s)));
        }
    }
    Ok(None)
}

pub struct NewPhoto {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

pub struct NewInspection {
    pub window: i64,
    pub day: Date,
    /// A score from 0 to 100 for each standard, by its id.
    pub scores: HashMap<i64, i64>,
    pub notes: Option<String>,
    pub photos: Vec<NewPhoto>,
}

/// The weighted score of an inspection, in hundredths: Σ weight × score ÷ Σ weight.
pub fn weighted_x100(standards: &[StandardRow], scores: &HashMap<i64, i64>) -> i64 {
    pacesetter_domain::study_point::weighted_x100(standards.iter().map(|s| (s.weight, scores.get(&s.id).copied().unwrap_or(0))))
}

/// Records an inspection. The inspector is the office or someone who manages the window's unit;
/// the scores name the standards of the window's unit (one of another unit is not there for the
/// inspector).
pub async fn inspect(c: &mut Conn, scope: &Scope, n: NewInspection) -> Result<i64, StoreError> {
    managed_window(c, scope, n.window).await?;
    let (unit, _, standards) =
        standards_for_window(c, n.window).await?.ok_or_else(|| StoreError::conflict("主管单位尚未制定评价标准", "The supervising unit has set no standards yet"))?;
    if n.scores.keys().any(|id| !standards.iter().any(|s| s.id == *id)) {
        return Err(StoreError::NotFound);
    }
    let mut errors = pacesetter_domain::validate::FieldErrors::new();
    for s in &standards {
        match n.scores.get(&s.id) {
            Some(v) if (0..=100).contains(v) => {}
            _ => errors.add(&format!("score_{}", s.id), "请打 0 至 100 分", "Give a score from 0 to 100"),
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let score = weighted_x100(&standards, &n.scores);
    let scores_json = serde_json::to_string(&standards.iter().map(|s| (s.id, s.item.clone(), s.weight, n.scores[&s.id])).collect::<Vec<_>>()).unwrap_or_default();
    let id = c
        .fetch_i64(
            Sql::new("INSERT INTO inspections (window_id, standards_unit_id, inspector, inspector_account, day, scores_json, score_x100, notes, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(n.window)
                .bind(unit)
                .bind(scope.actor.clone())
                .bind(if scope.account.0 == 0 { None } else { Some(scope.account.0) })
                .bind(n.day)
                .bind(scores_json.clone())
                .bind(score)
                .bind(n.notes.clone())
                .bind(now_ms()),
        )
        .await?;
    for p in n.photos {
        c.execute(
            Sql::new("INSERT INTO inspection_photos (inspection_id, filename, content_type, data) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(p.filename)
                .bind(p.content_type)
                .bind(p.data),
        )
        .await?;
    }
    audit::append(c, scope, "inspection.create", "unit", n.window, None, Some(serde_json::json!({"inspection": id, "score_x100": score, "scores": scores_json}).to_string()))
        .await?;
    Ok(id)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct InspectionRow {
    pub id: i64,
    pub window_id: i64,
    pub inspector: String,
    pub day: Date,
    pub scores_json: String,
    pub score_x100: i64,
    pub notes: Option<String>,
}

impl InspectionRow {
    pub fn score(&self) -> String {
        pacesetter_domain::study_point::score_text(self.score_x100)
    }
    /// (item, weight, score) of each standard.
    pub fn items(&self) -> Vec<(String, i64, i64)> {
        serde_json::from_str::<Vec<(i64, String, i64, i64)>>(&self.scores_json).unwrap_or_default().into_iter().map(|(_, i, w, s)| (i, w, s)).collect()
    }
}

/// A window's inspections, newest first, for whoever manages it (none for anyone else).
pub async fn inspections(c: &mut Conn, scope: &Scope, window: i64) -> Result<Vec<InspectionRow>, StoreError> {
    let mut q =
        Sql::new("SELECT i.id, i.window_id, i.inspector, i.day, i.scores_json, i.score_x100, i.notes FROM inspections i JOIN units u ON u.id = i.window_id WHERE i.window_id = ");
    q.push_bind(window).push(" AND ");
    push_manager_condition(&mut q, scope, "u.path");
    q.push(" ORDER BY i.day DESC, i.id DESC");
    Ok(c.fetch_all(q).await?)
}

/// One inspection, for whoever manages its window.
pub async fn inspection(c: &mut Conn, scope: &Scope, id: i64) -> Result<InspectionRow, StoreError> {
    let mut q = Sql::new("SELECT i.id, i.window_id, i.inspector, i.day, i.scores_json, i.score_x100, i.notes FROM inspections i JOIN units u ON u.id = i.window_id WHERE i.id = ");
    q.push_bind(id).push(" AND ");
    push_manager_condition(&mut q, scope, "u.path");
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// The photos of a window's inspections: (photo id, inspection id, file name), for whoever
/// manages it.
pub async fn photos(c: &mut Conn, scope: &Scope, window: i64) -> Result<Vec<(i64, i64, String)>, StoreError> {
    let mut q = Sql::new(
        "SELECT p.id, p.inspection_id, p.filename FROM inspection_photos p JOIN inspections i ON i.id = p.inspection_id JOIN units u ON u.id = i.window_id WHERE i.window_id = ",
    );
    q.push_bind(window).push(" AND ");
    push_manager_condition(&mut q, scope, "u.path");
    q.push(" ORDER BY p.id");
    Ok(c.fetch_all(q).await?)
}

/// A photo (file name, type, bytes), for whoever manages its window.
pub async fn photo(c: &mut Conn, scope: &Scope, id: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let mut q = Sql::new(
        "SELECT p.filename, p.content_type, p.data FROM inspection_photos p JOIN inspections i ON i.id = p.inspection_id JOIN units u ON u.id = i.window_id WHERE p.id = ",
    );
    q.push_bind(id).push(" AND ");
    push_manager_condition(&mut q, scope, "u.path");
    c.fetch_optional(q).await?.ok_or(StoreError::NotFound)
}

/// The mean inspection score (hundredths) and count of each window.
pub async fn mean_scores(c: &mut Conn) -> Result<HashMap<i64, (i64, i64)>, StoreError> {
    let rows: Vec<(i64, i64, i64)> = c.fetch_all(Sql::new("SELECT window_id, CAST(SUM(score_x100) AS BIGINT), COUNT(*) FROM inspections GROUP BY window_id")).await?;
    Ok(rows.into_iter().map(|(w, sum, n)| (w, ((sum + n / 2) / n.max(1), n))).collect())
}

/// A window's name, for its public page (a window is public: its page, QR code and poster).
pub async fn window(c: &mut Conn, id: i64) -> Result<String, StoreError> {
    let (_, name, kind) = unit_path(c, id).await?;
    if kind != "window" {
        return Err(StoreError::NotFound);
    }
    Ok(name)
}

/// Whether the caller manages a window (its unit's head, the office, ...).
pub async fn manages(c: &mut Conn, scope: &Scope, id: i64) -> Result<bool, StoreError> {
    Ok(managed_window(c, scope, id).await.is_ok())
}

/// A window the caller manages: its name, or NotFound.
async fn managed_window(c: &mut Conn, scope: &Scope, id: i64) -> Result<String, StoreError> {
    let mut q = Sql::new("SELECT u.name FROM units u WHERE u.kind = 'window' AND u.id = ");
    q.push_bind(id).push(" AND ");
    push_manager_condition(&mut q, scope, "u.path");
    c.fetch_opt_string(q).await?.ok_or(StoreError::NotFound)
}

// ---- the window's staff (亮身份) ---------------------------------------------------------------

/// A person shown on a window's page: public fields only (no staff number).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct StaffRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub post: String,
    pub service_no: String,
    /// The Party-member badge: shown when the person chose to and is a Party member now.
    pub badge: bool,
    pub show_badge: bool,
    pub has_photo: bool,
}

/// The staff of a window, in the order they were added.
pub async fn staff(c: &mut Conn, window: i64) -> Result<Vec<StaffRow>, StoreError> {
    Ok(c.fetch_all(
        Sql::new(
            "SELECT s.id, s.person_id, p.name, s.post, s.service_no, \
             (s.show_badge AND p.political_status IN ('01', '02')) AS badge, s.show_badge, EXISTS (SELECT 1 FROM window_staff_photos ph WHERE ph.staff_id = s.id) AS has_photo \
             FROM window_staff s JOIN people p ON p.id = s.person_id WHERE s.window_id = $1 AND p.left_on IS NULL ORDER BY s.id",
        )
        .bind(window),
    )
    .await?)
}

/// A staff member as the unit enters them.
pub struct NewStaff {
    pub person: i64,
    pub post: String,
    pub service_no: String,
    /// A photo (already checked and stripped): (content type, bytes); None keeps the one there is.
    pub photo: Option<(String, Vec<u8>)>,
}

/// Adds a person to a window's staff, or updates their entry (the window's manager). The person
/// must work at the window or in the unit above it; the service number is not their staff number.
pub async fn set_staff(c: &mut Conn, scope: &Scope, window: i64, s: NewStaff) -> Result<i64, StoreError> {
    managed_window(c, scope, window).await?;
    let works: i64 = c
        .fetch_i64(
            Sql::new(
                "SELECT COUNT(*) FROM unit_memberships m JOIN units w ON w.id = $1 WHERE m.person_id = $2 AND m.end_date IS NULL \
                 AND (m.unit_id = w.id OR m.unit_id = w.parent_id)",
            )
            .bind(window)
            .bind(s.person),
        )
        .await?;
    if works == 0 {
        return Err(StoreError::NotFound);
    }
    let number = c.fetch_opt_string(Sql::new("SELECT number FROM people WHERE id = $1").bind(s.person)).await?.unwrap_or_default();
    if number.eq_ignore_ascii_case(&s.service_no) {
        return Err(StoreError::invalid(
            "service_no",
            "服务编号不能用工号（工号是登录名），请另编窗口服务编号",
            "The service number cannot be the staff number (a login name): give the window's own",
        ));
    }
    let existing = c.fetch_opt_i64(Sql::new("SELECT id FROM window_staff WHERE window_id = $1 AND person_id = $2").bind(window).bind(s.person)).await?;
    let id = match existing {
        Some(id) => {
            c.execute(Sql::new("UPDATE window_staff SET post = $1, service_no = $2 WHERE id = $3").bind(s.post.as_str()).bind(s.service_no.as_str()).bind(id))
                .await
                .map_err(|e| StoreError::on_duplicate(e, "本窗口已有此服务编号", "The window already has this service number"))?;
            id
        }
        None => c
            .fetch_i64(
                Sql::new("INSERT INTO window_staff (window_id, person_id, post, service_no, show_badge, created_ms) VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id")
                    .bind(window)
                    .bind(s.person)
                    .bind(s.post.as_str())
                    .bind(s.service_no.as_str())
                    .bind(now_ms()),
            )
            .await
            .map_err(|e| StoreError::on_duplicate(e, "本窗口已有此服务编号", "The window already has this service number"))?,
    };
    if let Some((ct, data)) = s.photo {
        c.execute(Sql::new("DELETE FROM window_staff_photos WHERE staff_id = $1").bind(id)).await?;
        c.execute(Sql::new("INSERT INTO window_staff_photos (staff_id, content_type, data) VALUES ($1, $2, $3)").bind(id).bind(ct).bind(data)).await?;
    }
    audit::append(
        c,
        scope,
        "window.staff",
        "window_staff",
        id,
        None,
        audit::snapshot(&serde_json::json!({"window_id": window, "person_id": s.person, "post": s.post, "service_no": s.service_no})),
    )
    .await?;
    Ok(id)
}

/// Takes a person off a window's page (the window's manager).
pub async fn remove_staff(c: &mut Conn, scope: &Scope, window: i64, staff: i64) -> Result<(), StoreError> {
    managed_window(c, scope, window).await?;
    c.execute(Sql::new("DELETE FROM window_staff_photos WHERE staff_id IN (SELECT id FROM window_staff WHERE id = $1 AND window_id = $2)").bind(staff).bind(window)).await?;
    let n = c.execute(Sql::new("DELETE FROM window_staff WHERE id = $1 AND window_id = $2").bind(staff).bind(window)).await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(c, scope, "window.staff_remove", "window_staff", staff, None, None).await?;
    Ok(())
}

/// The person themself shows or hides their Party-member badge on every window page they are on.
pub async fn set_badge(c: &mut Conn, scope: &Scope, show: bool) -> Result<u64, StoreError> {
    let person = scope.person.ok_or(StoreError::NotFound)?;
    let n = c.execute(Sql::new("UPDATE window_staff SET show_badge = $1 WHERE person_id = $2").bind(show).bind(person)).await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(c, scope, "window.badge", "person", person.0, None, audit::snapshot(&show)).await?;
    Ok(n)
}

/// A staff member's photo (public: it is on the window's page).
pub async fn staff_photo(c: &mut Conn, staff: i64) -> Result<(String, Vec<u8>), StoreError> {
    // Only while the person is shown on the page: not once they have left.
    let r: Option<(String, Vec<u8>)> = c
        .fetch_optional(
            Sql::new(
                "SELECT ph.content_type, ph.data FROM window_staff_photos ph JOIN window_staff s ON s.id = ph.staff_id JOIN people p ON p.id = s.person_id \
                 WHERE ph.staff_id = $1 AND p.left_on IS NULL",
            )
            .bind(staff),
        )
        .await?;
    r.ok_or(StoreError::NotFound)
}

/// Who may be put on a window's page: the people working at the window or in the unit above it
/// (id, name, post of their membership).
pub async fn staff_choices(c: &mut Conn, scope: &Scope, window: i64) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
    managed_window(c, scope, window).await?;
    Ok(c.fetch_all(
        Sql::new(
            "SELECT p.id, p.name, m.position FROM unit_memberships m JOIN units w ON w.id = $1 JOIN people p ON p.id = m.person_id \
             WHERE m.end_date IS NULL AND p.left_on IS NULL AND p.kind = 'staff' AND (m.unit_id = w.id OR m.unit_id = w.parent_id) ORDER BY (m.unit_id = w.id) DESC, p.name, p.id",
        )
        .bind(window),
    )
    .await?)
}
