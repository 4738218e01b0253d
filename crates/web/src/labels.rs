//! Labels of stored codes in the caller's language, for pages, exports and the API alike.

use pacesetter_domain::Lang;
use pacesetter_domain::org::{BranchCategory, Post};
use pacesetter_domain::people::{CadreRank, DevStage, PersonKind, PoliticalStatus};
use pacesetter_domain::role::Role;

pub fn status_label(code: &str, lang: Lang) -> String {
    PoliticalStatus::parse(code).map(|s| s.label(lang).to_string()).unwrap_or_else(|| code.to_string())
}

pub fn stage_label(code: Option<&str>, lang: Lang) -> String {
    code.and_then(DevStage::parse).map(|s| s.label(lang).to_string()).unwrap_or_default()
}

pub fn rank_label(code: Option<&str>, lang: Lang) -> String {
    code.and_then(CadreRank::parse).map(|s| s.label(lang).to_string()).unwrap_or_default()
}

pub fn kind_label(code: &str, lang: Lang) -> String {
    PersonKind::parse(code).map(|s| s.label(lang).to_string()).unwrap_or_else(|| code.to_string())
}

pub fn gender_label(code: Option<&str>, lang: Lang) -> String {
    code.and_then(pacesetter_domain::people::Gender::parse).map(|g| g.label(lang).to_string()).unwrap_or_default()
}

pub fn post_label(code: &str, lang: Lang) -> String {
    Post::parse(code).map(|p| p.label(lang).to_string()).unwrap_or_else(|| code.to_string())
}

pub fn category_label(code: Option<&str>, lang: Lang) -> String {
    code.and_then(BranchCategory::parse).map(|c| c.label(lang).to_string()).unwrap_or_default()
}

pub fn role_label(code: &str, lang: Lang) -> String {
    Role::parse(code).map(|r| r.label(lang).to_string()).unwrap_or_else(|| code.to_string())
}
