//! Files kept beside a record (a document to study's, a notice's, a library entry's), already
//! checked by content before they arrive here: each stored with its size and SHA-256, listed
//! without its bytes, and read back by id. One table per kind of record, named by [`Table`].

use crate::StoreError;
use crate::db::{Conn, Sql};
use serde::Serialize;

/// The table of a kind of record's files and the column naming the record.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    pub table: &'static str,
    pub owner: &'static str,
}

pub const STUDY_DOC: Table = Table { table: "study_doc_files", owner: "doc_id" };
pub const ANNOUNCEMENT: Table = Table { table: "announcement_files", owner: "announcement_id" };
pub const LIBRARY: Table = Table { table: "library_files", owner: "entry_id" };
pub const STORY_IMAGE: Table = Table { table: "story_images", owner: "story_id" };
pub const RESEARCH: Table = Table { table: "research_files", owner: "application_id" };
pub const RESEARCH_REPORT: Table = Table { table: "research_report_files", owner: "report_id" };

/// A file to keep, checked by content.
pub struct NewFile {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A kept file without its bytes.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct FileMeta {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// Keeps a record's files; returns what the audit entry lists of each (name, size, SHA-256).
pub async fn keep(c: &mut Conn, t: Table, owner: i64, files: Vec<NewFile>) -> Result<Vec<serde_json::Value>, StoreError> {
    let mut listed = Vec::new();
    for f in files {
        let sha = pacesetter_domain::audit::sha256_hex(&f.data);
        listed.push(serde_json::json!({"name": f.name, "size": f.data.len(), "sha256": sha}));
        c.execute(
            Sql::new(format!("INSERT INTO {} ({}, name, content_type, size, sha256, data) VALUES ($1, $2, $3, $4, $5, $6)", t.table, t.owner))
                .bind(owner)
                .bind(f.name)
                .bind(f.content_type)
                .bind(f.data.len() as i64)
                .bind(sha)
                .bind(f.data),
        )
        .await?;
    }
    Ok(listed)
}

/// A record's files, in the order they were kept.
pub async fn list(c: &mut Conn, t: Table, owner: i64) -> Result<Vec<FileMeta>, StoreError> {
    Ok(c.fetch_all(Sql::new(format!("SELECT id, name, content_type, size, sha256 FROM {} WHERE {} = $1 ORDER BY id", t.table, t.owner)).bind(owner)).await?)
}

/// The record a file belongs to (to check the caller's right to the record first).
pub async fn owner_of(c: &mut Conn, t: Table, file: i64) -> Result<i64, StoreError> {
    c.fetch_opt_i64(Sql::new(format!("SELECT {} FROM {} WHERE id = $1", t.owner, t.table)).bind(file)).await?.ok_or(StoreError::NotFound)
}

/// A file's name, type and bytes.
pub async fn read(c: &mut Conn, t: Table, file: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    c.fetch_optional(Sql::new(format!("SELECT name, content_type, data FROM {} WHERE id = $1", t.table)).bind(file)).await?.ok_or(StoreError::NotFound)
}

/// Removes one of a record's files (NotFound when the file is not the record's).
pub async fn remove(c: &mut Conn, t: Table, owner: i64, file: i64) -> Result<(), StoreError> {
    let n = c.execute(Sql::new(format!("DELETE FROM {} WHERE id = $1 AND {} = $2", t.table, t.owner)).bind(file).bind(owner)).await?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
