//! Tokens for API clients (a campus portal's server, a mini-program, a script): an OAuth-style
//! bearer token (RFC 6750) that a person makes for a client and that acts as that person. It
//! carries no scope of its own beyond "read" or "read and write": what it reaches is what its
//! person reaches on the day it is used, so a role that ends or an account that is disabled
//! ends the token's reach at once.
//!
//! The rules: a token is named (so its person knows which client holds it), lives at most a
//! year, and is shown once; only its SHA-256 is stored. The administrator, the campaign office
//! and the auditor (the roles the two offices guard together) only read through a token: a
//! stolen token must never change the site's settings or roles, nor stand in for the second
//! office's approval. This holds at each use, so a write token of someone given one of those
//! roles later reads only. A token cannot make another token (nor can a client extend its own
//! life), and a person holds at most [`MAX_ACTIVE`] at a time.

use crate::Text;
use crate::role::GUARDED;
use crate::scope::Scope;
use crate::validate::{self, FieldErrors};

/// Every token starts so, so leaked ones are easy to recognise (and to search for in code).
pub const PREFIX: &str = "pst_";
/// A person's tokens in force at one time.
pub const MAX_ACTIVE: i64 = 10;
/// The longest a token may live.
pub const MAX_DAYS: i64 = 365;
/// How long a token's name may be.
pub const NAME_CHARS: usize = 40;
/// How often a token's last use is written down, to spare writes.
pub const TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// GET and HEAD only.
    Read,
    /// Everything its person may do.
    Write,
}

impl Access {
    pub fn code(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Access> {
        match s.trim() {
            "read" => Some(Access::Read),
            "write" => Some(Access::Write),
            _ => None,
        }
    }

    pub fn label(self) -> Text {
        match self {
            Access::Read => Text::new("只读", "Read only"),
            Access::Write => Text::new("读写", "Read and write"),
        }
    }

    /// Whether a request with this method is within the token's access.
    pub fn allows(self, safe_method: bool) -> bool {
        safe_method || self == Access::Write
    }
}

/// Whether a token of someone with this scope may write (none of the guarded roles today).
pub fn may_write(scope: &Scope) -> bool {
    !scope.has_any(&GUARDED)
}

/// The access a token has at a use: what it was made with, but read only for the guarded roles.
pub fn in_force(made: Access, scope: &Scope) -> Access {
    if may_write(scope) { made } else { Access::Read }
}

/// A request for a new token, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    pub access: Access,
    pub days: i64,
}

/// Checks a request for a token: its name, its access (read only for the guarded roles, see
/// [`may_write`]), its life in days, and the person's count of tokens in force.
pub fn check(name: &str, access: &str, days: i64, scope: &Scope, active: i64) -> Result<NewToken, FieldErrors> {
    let mut errs = FieldErrors::new();
    let name = errs.take("name", validate::name(name, NAME_CHARS));
    let access = match Access::parse(access) {
        Some(Access::Write) if !may_write(scope) => {
            errs.add("access", "系统管理员、创先办和安全审计员只能创建只读令牌", "The administrator, the campaign office and the auditor may only make read-only tokens");
            None
        }
        Some(a) => Some(a),
        None => {
            errs.add("access", "权限应为只读（read）或读写（write）", "Access is read or write");
            None
        }
    };
    if !(1..=MAX_DAYS).contains(&days) {
        errs.add("days", format!("有效期应为 1 至 {MAX_DAYS} 天"), format!("A token lives 1 to {MAX_DAYS} days"));
    }
    if active >= MAX_ACTIVE {
        errs.add(
            "name",
            format!("最多同时持有 {MAX_ACTIVE} 个有效令牌，请先撤销不用的令牌"),
            format!("You may hold at most {MAX_ACTIVE} tokens; revoke one you no longer use first"),
        );
    }
    match (name, access, errs.is_empty()) {
        (Some(name), Some(access), true) => Ok(NewToken { name, access, days }),
        _ => Err(errs),
    }
}

/// Whether a presented string has the shape of a token (the prefix and 64 hex digits), so a
/// malformed one is refused without a database lookup.
pub fn well_formed(token: &str) -> bool {
    token.strip_prefix(PREFIX).is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked() {
        use crate::role::Role;
        let mut member = Scope::system("测试");
        member.roles = vec![Role::Member];
        let mut admin = member.clone();
        admin.roles.push(Role::Admin);
        let t = check(" 门户网站 ", "read", 30, &member, 0).unwrap();
        assert_eq!(t, NewToken { name: "门户网站".into(), access: Access::Read, days: 30 });
        assert!(check("x", "write", 365, &member, 9).is_ok());
        let e = check("", "admin", 0, &member, 10).unwrap_err();
        assert!(e.get("name").is_some() && e.get("access").is_some() && e.get("days").is_some());
        assert!(check("x", "write", 366, &member, 0).unwrap_err().get("days").is_some());
        // The guarded roles: read only.
        assert!(check("x", "write", 30, &admin, 0).unwrap_err().get("access").is_some());
        assert!(check("x", "read", 30, &admin, 0).is_ok());
    }

    #[test]
    fn the_guarded_roles_read_only_at_each_use() {
        use crate::role::Role;
        let mut scope = Scope::system("测试");
        scope.roles = vec![Role::Member];
        assert_eq!(in_force(Access::Write, &scope), Access::Write);
        for r in GUARDED {
            scope.roles = vec![Role::Member, r];
            assert_eq!(in_force(Access::Write, &scope), Access::Read, "{r:?}");
            assert!(!may_write(&scope));
        }
    }

    #[test]
    fn access_and_shape() {
        assert!(Access::Read.allows(true) && !Access::Read.allows(false) && Access::Write.allows(false));
        let good = format!("pst_{}", "ab12".repeat(16));
        assert!(well_formed(&good));
        assert!(!well_formed(&good.to_uppercase()));
        assert!(!well_formed(&good[..60]));
        assert!(!well_formed(&"ab12".repeat(17)));
    }
}
