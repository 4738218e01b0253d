//! Campus sign-on (统一身份认证): who may come in through the university's identity provider,
//! and as which account. The protocols (CAS, OpenID Connect) are read at the edge; this is
//! what their answer means.
//!
//! - At the first sign-on the provider's staff or student number finds the person in the
//!   roster, and the account is tied to the provider's subject for good.
//! - Later sign-ons must bring that subject: a new subject with a number already tied to
//!   another is refused, so a reused or reassigned number never opens someone's account.
//! - Nobody outside the roster, nobody who has left, no disabled account, and never the
//!   administrator or the auditor (三员分立: they keep their own passwords).

use crate::Text;
use crate::role::Role;
use time::Date;

/// The providers a university may configure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    Cas,
    Oidc,
}

impl Provider {
    pub fn code(self) -> &'static str {
        match self {
            Provider::Cas => "cas",
            Provider::Oidc => "oidc",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        match s {
            "cas" => Some(Provider::Cas),
            "oidc" => Some(Provider::Oidc),
            _ => None,
        }
    }
}

/// Who may still log in with this platform's own password once a campus provider is there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordPolicy {
    /// Everyone (the default, and the only choice without a provider).
    Everyone,
    /// Only the administrator and the auditor; everyone else signs on through the provider.
    PrivilegedOnly,
}

impl PasswordPolicy {
    pub fn code(self) -> &'static str {
        match self {
            PasswordPolicy::Everyone => "everyone",
            PasswordPolicy::PrivilegedOnly => "privileged",
        }
    }

    pub fn parse(s: &str) -> Option<PasswordPolicy> {
        match s {
            "everyone" => Some(PasswordPolicy::Everyone),
            "privileged" => Some(PasswordPolicy::PrivilegedOnly),
            _ => None,
        }
    }

    /// Whether an account with these roles may log in with its password.
    pub fn allows(self, roles: &[Role]) -> bool {
        self == PasswordPolicy::Everyone || roles.iter().any(|r| matches!(r, Role::Admin | Role::Auditor))
    }
}

/// Why a sign-on is refused, said to the person on the refusal page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The provider gave no staff or student number.
    NoNumber,
    /// No one in the roster has the number.
    NotInRoster,
    /// The person has left the university.
    HasLeft,
    /// The account is disabled.
    Disabled,
    /// The administrator's and the auditor's accounts sign in with their own passwords.
    Privileged,
    /// The person's account is tied to another identity of this provider.
    OtherSubject,
    /// The provider's answer did not check out (a forged or spent ticket, a bad token).
    Invalid(String),
}

impl Refusal {
    pub fn message(&self) -> Text {
        match self {
            Refusal::NoNumber => Text::new("统一身份认证没有提供您的学号或工号，请联系信息中心", "The campus sign-on gave no staff or student number; ask the IT office"),
            Refusal::NotInRoster => Text::new(
                "您的学号或工号不在本平台的名单中。如您应当使用本平台，请联系所在党组织或党委组织部",
                "Your staff or student number is not in this platform's roster. If you should use it, ask your Party organization or the office",
            ),
            Refusal::HasLeft => Text::new("名单显示您已离校（离职），不能登录本平台", "The roster shows you have left the university; you cannot sign in"),
            Refusal::Disabled => Text::new("您的账号已停用，请联系系统管理员", "Your account is disabled; ask the administrator"),
            Refusal::Privileged => Text::new("系统管理员和安全审计员请使用本平台的账号密码登录", "The administrator and the auditor sign in with this platform's own password"),
            Refusal::OtherSubject => Text::new(
                "您的账号已与另一个统一身份认证账号绑定，不能用此身份登录。请联系系统管理员",
                "Your account is tied to another campus identity; this one cannot sign in to it. Ask the administrator",
            ),
            Refusal::Invalid(_) => Text::new("统一身份认证的应答无效或已过期，请重新登录", "The campus sign-on's answer was invalid or has expired; sign in again"),
        }
    }
}

/// The person the number found, as the decision needs them.
#[derive(Clone, Debug)]
pub struct PersonFacts {
    pub id: i64,
    pub left_on: Option<Date>,
}

/// The person's account, if they have one.
#[derive(Clone, Debug)]
pub struct AccountFacts {
    pub id: i64,
    pub disabled: bool,
    /// The roles granted to the account, in force or not.
    pub roles: Vec<Role>,
    /// The subject this provider's identity was tied to, when it was.
    pub tied_to: Option<String>,
}

/// What to do at a sign-on with an identity not tied to any account yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum First {
    /// Tie the identity to this existing account.
    Tie { account: i64 },
    /// Create an account for this person, and tie the identity to it.
    Create { person: i64 },
}

/// Decides a first sign-on from what the number found.
pub fn first(person: Option<&PersonFacts>, account: Option<&AccountFacts>, today: Date) -> Result<First, Refusal> {
    let p = person.ok_or(Refusal::NotInRoster)?;
    if p.left_on.is_some_and(|d| d <= today) {
        return Err(Refusal::HasLeft);
    }
    match account {
        None => Ok(First::Create { person: p.id }),
        Some(a) => {
            check_account(a)?;
            if a.tied_to.is_some() {
                return Err(Refusal::OtherSubject);
            }
            Ok(First::Tie { account: a.id })
        }
    }
}

/// Checks an account at every sign-on (first or later): enabled, and not privileged.
pub fn check_account(a: &AccountFacts) -> Result<(), Refusal> {
    if a.disabled {
        return Err(Refusal::Disabled);
    }
    if a.roles.iter().any(|r| matches!(r, Role::Admin | Role::Auditor)) {
        return Err(Refusal::Privileged);
    }
    Ok(())
}

/// Checks a later sign-on: the tied account's person must not have left since.
pub fn later(person: Option<&PersonFacts>, account: &AccountFacts, today: Date) -> Result<(), Refusal> {
    check_account(account)?;
    match person {
        Some(p) if p.left_on.is_some_and(|d| d <= today) => Err(Refusal::HasLeft),
        _ => Ok(()),
    }
}

/// The claims of an OpenID Connect ID token (or back-channel logout token) that are checked,
/// as read from its payload.
#[derive(Clone, Debug, Default)]
pub struct Claims {
    pub iss: String,
    pub aud: Vec<String>,
    pub azp: Option<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub nonce: Option<String>,
    pub sub: Option<String>,
    pub sid: Option<String>,
    /// Whether the token carries the back-channel logout event.
    pub logout_event: bool,
}

/// How far the provider's clock may be from ours, in seconds.
pub const SKEW_S: i64 = 60;

/// Checks an ID token's claims: its issuer and audience, that it has not expired, and its
/// nonce (the one this sign-on sent).
pub fn check_id_token(c: &Claims, issuer: &str, client_id: &str, nonce: &str, now_s: i64) -> Result<(), Refusal> {
    check_issuer_audience(c, issuer, client_id)?;
    match c.exp {
        Some(exp) if exp + SKEW_S > now_s => {}
        _ => return Err(Refusal::Invalid("the ID token has expired".into())),
    }
    if c.iat.is_some_and(|iat| iat > now_s + SKEW_S) {
        return Err(Refusal::Invalid("the ID token was issued in the future".into()));
    }
    if c.nonce.as_deref() != Some(nonce) {
        return Err(Refusal::Invalid("the ID token's nonce is not this sign-on's".into()));
    }
    if c.sub.as_deref().is_none_or(str::is_empty) {
        return Err(Refusal::Invalid("the ID token names no subject".into()));
    }
    Ok(())
}

/// Checks a back-channel logout token's claims (OpenID Connect Back-Channel Logout 1.0, 2.6):
/// issuer and audience, a recent iat, the logout event, a sub or a sid, and no nonce.
pub fn check_logout_token(c: &Claims, issuer: &str, client_id: &str, now_s: i64) -> Result<(), Refusal> {
    check_issuer_audience(c, issuer, client_id)?;
    match c.iat {
        Some(iat) if (now_s - 300 - SKEW_S..=now_s + SKEW_S).contains(&iat) => {}
        _ => return Err(Refusal::Invalid("the logout token is not recent".into())),
    }
    if c.exp.is_some_and(|exp| exp + SKEW_S <= now_s) {
        return Err(Refusal::Invalid("the logout token has expired".into()));
    }
    if !c.logout_event {
        return Err(Refusal::Invalid("the logout token carries no logout event".into()));
    }
    if c.nonce.is_some() {
        return Err(Refusal::Invalid("a logout token must not carry a nonce".into()));
    }
    if c.sub.is_none() && c.sid.is_none() {
        return Err(Refusal::Invalid("the logout token names neither a subject nor a session".into()));
    }
    Ok(())
}

fn check_issuer_audience(c: &Claims, issuer: &str, client_id: &str) -> Result<(), Refusal> {
    if c.iss != issuer {
        return Err(Refusal::Invalid(format!("the token's issuer {:?} is not the configured one", c.iss)));
    }
    if !c.aud.iter().any(|a| a == client_id) {
        return Err(Refusal::Invalid("the token is not for this client".into()));
    }
    if c.aud.len() > 1 && c.azp.as_deref() != Some(client_id) {
        return Err(Refusal::Invalid("a token for several audiences must name this client as its party".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn person(left: Option<Date>) -> PersonFacts {
        PersonFacts { id: 7, left_on: left }
    }

    fn account(roles: Vec<Role>, tied: Option<&str>) -> AccountFacts {
        AccountFacts { id: 3, disabled: false, roles, tied_to: tied.map(str::to_string) }
    }

    #[test]
    fn passwords_can_be_kept_for_the_administrator_and_the_auditor_only() {
        assert!(PasswordPolicy::Everyone.allows(&[]));
        assert!(!PasswordPolicy::PrivilegedOnly.allows(&[Role::Office, Role::BranchSecretary]));
        assert!(PasswordPolicy::PrivilegedOnly.allows(&[Role::Admin]));
        assert!(PasswordPolicy::PrivilegedOnly.allows(&[Role::Auditor]));
        assert_eq!(PasswordPolicy::parse("privileged"), Some(PasswordPolicy::PrivilegedOnly));
    }

    #[test]
    fn the_first_sign_on_ties_or_creates_and_refuses_the_rest() {
        let today = date!(2012 - 06 - 20);
        assert_eq!(first(None, None, today), Err(Refusal::NotInRoster));
        assert_eq!(first(Some(&person(Some(date!(2012 - 06 - 01)))), None, today), Err(Refusal::HasLeft));
        assert_eq!(first(Some(&person(Some(date!(2012 - 07 - 01)))), None, today), Ok(First::Create { person: 7 }), "leaving later is not yet leaving");
        assert_eq!(first(Some(&person(None)), Some(&account(vec![Role::BranchSecretary], None)), today), Ok(First::Tie { account: 3 }));
        assert_eq!(first(Some(&person(None)), Some(&account(vec![Role::Auditor], None)), today), Err(Refusal::Privileged));
        assert_eq!(first(Some(&person(None)), Some(&account(vec![Role::Admin], None)), today), Err(Refusal::Privileged));
        assert_eq!(first(Some(&person(None)), Some(&account(vec![], Some("other"))), today), Err(Refusal::OtherSubject));
        let mut off = account(vec![], None);
        off.disabled = true;
        assert_eq!(first(Some(&person(None)), Some(&off), today), Err(Refusal::Disabled));
        assert_eq!(later(Some(&person(Some(date!(2012 - 06 - 20)))), &account(vec![], Some("s")), today), Err(Refusal::HasLeft));
    }

    fn claims() -> Claims {
        Claims {
            iss: "https://id.example.edu.cn".into(),
            aud: vec!["pacesetter".into()],
            exp: Some(1_000_100),
            iat: Some(1_000_000),
            nonce: Some("n1".into()),
            sub: Some("u1".into()),
            ..Claims::default()
        }
    }

    #[test]
    fn an_id_token_is_checked_for_issuer_audience_expiry_and_nonce() {
        let (iss, aud, now) = ("https://id.example.edu.cn", "pacesetter", 1_000_010);
        assert_eq!(check_id_token(&claims(), iss, aud, "n1", now), Ok(()));
        assert!(check_id_token(&claims(), "https://evil.example", aud, "n1", now).is_err());
        assert!(check_id_token(&claims(), iss, "other-client", "n1", now).is_err());
        assert!(check_id_token(&claims(), iss, aud, "n2", now).is_err(), "a nonce from another sign-on");
        assert!(check_id_token(&claims(), iss, aud, "n1", 1_000_100 + SKEW_S).is_err(), "expired");
        let mut two = claims();
        two.aud.push("another".into());
        assert!(check_id_token(&two, iss, aud, "n1", now).is_err(), "several audiences without azp");
        two.azp = Some("pacesetter".into());
        assert_eq!(check_id_token(&two, iss, aud, "n1", now), Ok(()));
        let mut no_sub = claims();
        no_sub.sub = None;
        assert!(check_id_token(&no_sub, iss, aud, "n1", now).is_err());
    }

    #[test]
    fn a_logout_token_carries_the_event_and_no_nonce() {
        let (iss, aud, now) = ("https://id.example.edu.cn", "pacesetter", 1_000_010);
        let mut t = Claims { nonce: None, exp: None, logout_event: true, ..claims() };
        assert_eq!(check_logout_token(&t, iss, aud, now), Ok(()));
        t.nonce = Some("n".into());
        assert!(check_logout_token(&t, iss, aud, now).is_err());
        t.nonce = None;
        t.logout_event = false;
        assert!(check_logout_token(&t, iss, aud, now).is_err());
        t.logout_event = true;
        assert!(check_logout_token(&t, iss, aud, now + 3600).is_err(), "an old logout token");
    }
}
