//! Campus sign-on's protocols, as the server speaks them to the university's provider:
//!
//! - **CAS 3.0**: `/login?service=…` in the browser, then `/p3/serviceValidate` from the server,
//!   whose XML names the user and their attributes; the provider's single logout POSTs a SAML
//!   `LogoutRequest` naming the service ticket to the service address.
//! - **OpenID Connect**: the authorization code flow with PKCE (S256), `state` bound to the
//!   browser by a cookie, a `nonce` per sign-on, the code exchanged by the server, and the ID
//!   token's RS256 signature checked against the provider's JWKS (found through its discovery
//!   document), then its claims ([`pacesetter_domain::sign_on::check_id_token`]). Back-channel
//!   logout tokens are checked the same way.
//!
//! What the answer means (who comes in, as which account) is
//! [`pacesetter_domain::sign_on`]'s; completing a sign-on is `app::sign_on`'s.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pacesetter_domain::sign_on::{Claims, Provider, Refusal};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// The providers a server is configured with, and its client for asking them.
pub struct Providers {
    pub cas: Option<Cas>,
    pub oidc: Option<Oidc>,
    http: reqwest::Client,
}

/// A university's CAS server.
pub struct Cas {
    /// Its base address, such as https://cas.example.edu.cn/cas.
    pub base: String,
    /// The attribute holding the staff or student number; None: the CAS user name is it.
    pub number_attribute: Option<String>,
}

/// A university's OpenID provider, with its discovery document and keys once read.
pub struct Oidc {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// The claim holding the staff or student number.
    pub number_claim: String,
    discovery: RwLock<Option<Arc<Discovery>>>,
    keys: RwLock<Option<(Instant, Arc<Vec<Jwk>>)>>,
}

#[derive(Clone, Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

#[derive(Clone, Debug, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
}

#[derive(Deserialize)]
struct Keys {
    keys: Vec<Jwk>,
}

/// An identity the provider vouched for.
#[derive(Clone, Debug)]
pub struct Identity {
    pub provider: Provider,
    /// The provider's stable name for the person (CAS user, OpenID `sub`).
    pub subject: String,
    /// The staff or student number, when the provider gave one.
    pub number: Option<String>,
    /// What the provider's single logout will name (stored with the session).
    pub sso: String,
}

fn invalid(what: impl Into<String>) -> Refusal {
    Refusal::Invalid(what.into())
}

/// Makes ring the process's TLS cryptography (the client is built without a default, to keep
/// the C-heavy alternative out of the build). Every HTTPS client of the process needs it first;
/// installing twice is harmless.
pub fn install_crypto() {
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers").field("cas", &self.cas.as_ref().map(|c| &c.base)).field("oidc", &self.oidc.as_ref().map(|o| &o.issuer)).finish()
    }
}

impl Providers {
    /// From the settings; `None` when no provider is configured.
    pub fn new(cas: Option<Cas>, oidc: Option<Oidc>) -> Result<Providers, String> {
        install_crypto();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the sign-on client: {e}"))?;
        Ok(Providers { cas, oidc, http })
    }

    pub fn any(&self) -> bool {
        self.cas.is_some() || self.oidc.is_some()
    }
}

impl Cas {
    /// The browser goes here to sign in; the provider sends it back to `service` with a ticket.
    pub fn login_url(&self, service: &str) -> String {
        format!("{}/login?service={}", self.base, enc(service))
    }

    /// Asks the provider whether `ticket` was issued for `service` (CAS 3.0 `/p3/serviceValidate`).
    pub async fn validate(&self, p: &Providers, service: &str, ticket: &str) -> Result<Identity, Refusal> {
        if !ticket.starts_with("ST-") || ticket.len() > 256 {
            return Err(invalid("not a service ticket"));
        }
        let url = format!("{}/p3/serviceValidate?service={}&ticket={}", self.base, enc(service), enc(ticket));
        // The error without its address: the address holds the ticket.
        let resp = p.http.get(url).send().await.map_err(|e| invalid(format!("the CAS server did not answer: {}", e.without_url())))?;
        if !resp.status().is_success() {
            return Err(invalid(format!("the CAS server answered {}", resp.status())));
        }
        let body = resp.text().await.map_err(|e| invalid(e.to_string()))?;
        let (user, attributes) = parse_service_response(&body).map_err(invalid)?;
        let number = match &self.number_attribute {
            Some(a) => attributes.get(a).cloned(),
            None => Some(user.clone()),
        };
        Ok(Identity { provider: Provider::Cas, subject: user, number, sso: cas_sso(ticket) })
    }
}

/// The `sso` of a session begun with a CAS ticket: the ticket's hash (the ticket is spent, but
/// a single logout names it).
pub fn cas_sso(ticket: &str) -> String {
    format!("cas:{}", pacesetter_domain::audit::sha256_hex(ticket.as_bytes()))
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or("").to_string()
}

/// The text an entity or character reference stands for.
fn reference(g: &quick_xml::events::BytesRef<'_>) -> String {
    if let Ok(Some(c)) = g.resolve_char_ref() {
        return c.to_string();
    }
    match g.xml10_content().as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
    .to_string()
}

/// Reads a CAS 3.0 service response: the user and the attributes (each attribute's first
/// value), or the failure's code and text.
pub fn parse_service_response(xml: &str) -> Result<(String, BTreeMap<String, String>), String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut user = None;
    let mut attributes = BTreeMap::new();
    let mut failure: Option<String> = None;
    let mut text = String::new();
    loop {
        match r.read_event().map_err(|e| format!("the CAS answer is not XML: {e}"))? {
            Event::Start(e) => {
                if local(e.name().as_ref()) == "authenticationFailure" {
                    let code = e.attributes().flatten().find(|a| local(a.key.as_ref()) == "code").map(|a| a.value.to_string()).unwrap_or_default();
                    failure = Some(code);
                }
                path.push(local(e.name().as_ref()));
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => text.push_str(&reference(&g)),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or("");
                if name == "user" && parent == "authenticationSuccess" {
                    user = Some(text.trim().to_string());
                } else if parent == "attributes" {
                    attributes.entry(name).or_insert_with(|| text.trim().to_string());
                } else if name == "authenticationFailure" {
                    let code = failure.take().unwrap_or_default();
                    return Err(format!("the CAS server refused the ticket: {code} {}", text.trim()));
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match user.filter(|u| !u.is_empty()) {
        Some(u) => Ok((u, attributes)),
        None => Err("the CAS answer names no user".into()),
    }
}

/// Reads the service ticket a CAS single logout names (the SAML `SessionIndex`).
pub fn parse_logout_request(xml: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut text = String::new();
    loop {
        match r.read_event().ok()? {
            Event::Start(e) if local(e.name().as_ref()) == "SessionIndex" => {
                inside = true;
                text.clear();
            }
            Event::Text(t) if inside => text.push_str(&t.xml10_content()),
            Event::End(e) if local(e.name().as_ref()) == "SessionIndex" => {
                let t = text.trim().to_string();
                return (!t.is_empty()).then_some(t);
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The PKCE challenge of a verifier (S256).
pub fn pkce_challenge(verifier: &str) -> String {
    use sha2::{Digest, Sha256};
    B64.encode(Sha256::digest(verifier.as_bytes()))
}

impl Oidc {
    pub fn new(issuer: String, client_id: String, client_secret: Option<String>, number_claim: String) -> Oidc {
        Oidc { issuer: issuer.trim_end_matches('/').to_string(), client_id, client_secret, number_claim, discovery: RwLock::new(None), keys: RwLock::new(None) }
    }

    async fn discovery(&self, p: &Providers) -> Result<Arc<Discovery>, Refusal> {
        if let Some(d) = self.discovery.read().await.clone() {
            return Ok(d);
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let d: Discovery = p
            .http
            .get(url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| invalid(format!("the OpenID provider's discovery document: {e}")))?
            .json()
            .await
            .map_err(|e| invalid(format!("the OpenID provider's discovery document: {e}")))?;
        if d.issuer.trim_end_matches('/') != self.issuer {
            return Err(invalid(format!("the discovery document names the issuer {:?}", d.issuer)));
        }
        let d = Arc::new(d);
        *self.discovery.write().await = Some(d.clone());
        Ok(d)
    }

    /// The provider's keys, read again when a token names a key not among them (a key
    /// rotation), at most once a minute.
    async fn keys(&self, p: &Providers, kid: Option<&str>) -> Result<Arc<Vec<Jwk>>, Refusal> {
        if let Some((at, k)) = self.keys.read().await.clone() {
            let known = kid.is_none_or(|kid| k.iter().any(|j| j.kid.as_deref() == Some(kid)));
            if known || at.elapsed() < Duration::from_secs(60) {
                return Ok(k);
            }
        }
        let d = self.discovery(p).await?;
        let keys: Keys = p
            .http
            .get(&d.jwks_uri)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| invalid(format!("the OpenID provider's keys: {e}")))?
            .json()
            .await
            .map_err(|e| invalid(format!("the OpenID provider's keys: {e}")))?;
        let k = Arc::new(keys.keys);
        *self.keys.write().await = Some((Instant::now(), k.clone()));
        Ok(k)
    }

    /// The browser goes here to sign in.
    pub async fn authorize_url(&self, p: &Providers, redirect_uri: &str, state: &str, nonce: &str, verifier: &str) -> Result<String, Refusal> {
        let d = self.discovery(p).await?;
        let sep = if d.authorization_endpoint.contains('?') { '&' } else { '?' };
        Ok(format!(
            "{}{sep}response_type=code&client_id={}&redirect_uri={}&scope=openid%20profile&state={}&nonce={}&code_challenge={}&code_challenge_method=S256",
            d.authorization_endpoint,
            enc(&self.client_id),
            enc(redirect_uri),
            enc(state),
            enc(nonce),
            pkce_challenge(verifier)
        ))
    }

    /// Exchanges the code for tokens and checks the ID token (signature, issuer, audience,
    /// expiry, this sign-on's nonce).
    pub async fn exchange(&self, p: &Providers, redirect_uri: &str, code: &str, verifier: &str, nonce: &str) -> Result<Identity, Refusal> {
        let d = self.discovery(p).await?;
        let mut form =
            vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri), ("client_id", self.client_id.as_str()), ("code_verifier", verifier)];
        if let Some(s) = &self.client_secret {
            form.push(("client_secret", s.as_str()));
        }
        let resp = p.http.post(&d.token_endpoint).form(&form).send().await.map_err(|e| invalid(format!("the token endpoint did not answer: {e}")))?;
        if !resp.status().is_success() {
            return Err(invalid(format!("the token endpoint refused the code: {}", resp.status())));
        }
        let tokens: Value = resp.json().await.map_err(|e| invalid(format!("the token endpoint's answer: {e}")))?;
        let id_token = tokens["id_token"].as_str().ok_or_else(|| invalid("the token endpoint gave no ID token"))?;
        let payload = self.verify(p, id_token).await?;
        let claims = claims_of(&payload);
        pacesetter_domain::sign_on::check_id_token(&claims, &self.issuer, &self.client_id, nonce, now_s())?;
        let subject = claims.sub.clone().unwrap_or_default();
        let number = match &payload[self.number_claim.as_str()] {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        Ok(Identity { provider: Provider::Oidc, sso: pacesetter_store::sign_on::oidc_sso(&subject, claims.sid.as_deref()), subject, number })
    }

    /// Checks a back-channel logout token; the subject and the provider's session it ends.
    pub async fn verify_logout(&self, p: &Providers, token: &str) -> Result<(Option<String>, Option<String>), Refusal> {
        let payload = self.verify(p, token).await?;
        let claims = claims_of(&payload);
        pacesetter_domain::sign_on::check_logout_token(&claims, &self.issuer, &self.client_id, now_s())?;
        Ok((claims.sub, claims.sid))
    }

    /// Checks a compact JWS's RS256 signature against the provider's keys; its payload.
    async fn verify(&self, p: &Providers, token: &str) -> Result<Value, Refusal> {
        let mut parts = token.split('.');
        let (Some(h), Some(b), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(invalid("not a signed token"));
        };
        let header: Value = B64.decode(h).ok().and_then(|x| serde_json::from_slice(&x).ok()).ok_or_else(|| invalid("the token's header does not read"))?;
        // Only RS256: "none", and HMAC with a key anyone could read, are refused outright.
        if header["alg"] != "RS256" {
            return Err(invalid(format!("the token is signed with {}, not RS256", header["alg"])));
        }
        let kid = header["kid"].as_str();
        let keys = self.keys(p, kid).await?;
        let candidates: Vec<&Jwk> = keys.iter().filter(|k| k.kty == "RSA" && k.usage.as_deref() != Some("enc") && (kid.is_none() || k.kid.as_deref() == kid)).collect();
        let signature = B64.decode(s).map_err(|_| invalid("the token's signature does not read"))?;
        let signed = format!("{h}.{b}");
        let good = candidates.iter().any(|k| rsa_verify(k, signed.as_bytes(), &signature));
        if !good {
            return Err(invalid("the token's signature is not the provider's"));
        }
        B64.decode(b).ok().and_then(|x| serde_json::from_slice(&x).ok()).ok_or_else(|| invalid("the token's claims do not read"))
    }
}

fn rsa_verify(k: &Jwk, message: &[u8], signature: &[u8]) -> bool {
    use rsa::signature::Verifier;
    let (Some(n), Some(e)) = (&k.n, &k.e) else { return false };
    let (Ok(n), Ok(e)) = (B64.decode(n), B64.decode(e)) else { return false };
    let Ok(key) = rsa::RsaPublicKey::new(rsa::BigUint::from_bytes_be(&n), rsa::BigUint::from_bytes_be(&e)) else { return false };
    let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else { return false };
    rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key).verify(message, &sig).is_ok()
}

fn now_s() -> i64 {
    pacesetter_domain::dates::now_ms() / 1000
}

/// The claims a check needs, from a token's payload.
fn claims_of(v: &Value) -> Claims {
    let s = |k: &str| v[k].as_str().map(str::to_string).filter(|x| !x.is_empty());
    Claims {
        // Compared as the configured issuer is kept: without a trailing slash.
        iss: v["iss"].as_str().unwrap_or("").trim_end_matches('/').to_string(),
        aud: match &v["aud"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        },
        azp: s("azp"),
        exp: v["exp"].as_i64(),
        iat: v["iat"].as_i64(),
        nonce: s("nonce"),
        sub: s("sub"),
        sid: s("sid"),
        logout_event: v["events"].get("http://schemas.openid.net/event/backchannel-logout").is_some_and(Value::is_object),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cas_answer_is_read_as_the_specification_gives_it() {
        let ok = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>zhangsan</cas:user>
    <cas:attributes>
      <cas:employeeNumber>2012001</cas:employeeNumber>
      <cas:cn>张三 &amp; co</cas:cn>
      <cas:memberOf>a</cas:memberOf>
      <cas:memberOf>b</cas:memberOf>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>"#;
        let (user, attrs) = parse_service_response(ok).unwrap();
        assert_eq!(user, "zhangsan");
        assert_eq!(attrs["employeeNumber"], "2012001");
        assert_eq!(attrs["cn"], "张三 & co");
        assert_eq!(attrs["memberOf"], "a", "the first value of a repeated attribute");
        let no = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1856339-aA5Yuvrxzpv8Tau1cYQ7 not recognized</cas:authenticationFailure>
</cas:serviceResponse>"#;
        let e = parse_service_response(no).unwrap_err();
        assert!(e.contains("INVALID_TICKET"), "{e}");
        assert!(parse_service_response("<html>login</html>").is_err());
    }

    #[test]
    fn a_cas_logout_request_names_its_ticket() {
        let x = r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="LR-1" Version="2.0" IssueInstant="2012-06-20T10:00:00Z">
<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">@NOT_USED@</saml:NameID>
<samlp:SessionIndex>ST-1-abc</samlp:SessionIndex></samlp:LogoutRequest>"#;
        assert_eq!(parse_logout_request(x).as_deref(), Some("ST-1-abc"));
        assert_eq!(parse_logout_request("<x/>"), None);
    }

    #[test]
    fn the_pkce_challenge_is_the_rfc_7636_example() {
        assert_eq!(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
