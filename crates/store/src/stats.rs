//! Counts for the dashboards.

use crate::StoreError;
use crate::db::{Conn, Sql};
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct University {
    pub people: i64,
    pub students: i64,
    pub staff: i64,
    pub members: i64,
    pub probationary: i64,
    pub secondary_orgs: i64,
    pub branches: i64,
    pub classes: i64,
    pub windows: i64,
}

pub async fn university(c: &mut Conn) -> Result<University, StoreError> {
    async fn n(c: &mut Conn, sql: &'static str) -> Result<i64, sqlx::Error> {
        c.fetch_i64(Sql::new(sql)).await
    }
    Ok(University {
        people: n(c, "SELECT COUNT(*) FROM people WHERE left_on IS NULL").await?,
        students: n(c, "SELECT COUNT(*) FROM people WHERE left_on IS NULL AND kind = 'student'").await?,
        staff: n(c, "SELECT COUNT(*) FROM people WHERE left_on IS NULL AND kind = 'staff'").await?,
        members: n(c, "SELECT COUNT(*) FROM people WHERE left_on IS NULL AND political_status = '01'").await?,
        probationary: n(c, "SELECT COUNT(*) FROM people WHERE left_on IS NULL AND political_status = '02'").await?,
        secondary_orgs: n(c, "SELECT COUNT(*) FROM orgs WHERE closed_on IS NULL AND kind IN ('committee', 'general_branch', 'direct_branch')").await?,
        branches: n(c, "SELECT COUNT(*) FROM orgs WHERE closed_on IS NULL AND kind IN ('branch', 'direct_branch')").await?,
        classes: n(c, "SELECT COUNT(*) FROM units WHERE closed_on IS NULL AND kind = 'class'").await?,
        windows: n(c, "SELECT COUNT(*) FROM units WHERE closed_on IS NULL AND kind = 'window'").await?,
    })
}
