//! What every request shares.

use pacesetter_store::Store;
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub site: Arc<Site>,
    /// The one writer of survey responses (group commit).
    pub responses: pacesetter_store::survey::Committer,
    /// The date a demo database runs as of (see `clock`).
    pub demo_clock: crate::clock::DemoClock,
    /// What `/metrics` reports.
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Facts about how the server is reached.
#[derive(Debug)]
pub struct Site {
    /// scheme://host[:port] of the public URL, compared with Origin and Referer.
    pub origin: String,
    /// Cookies carry Secure when the public URL is HTTPS.
    pub secure: bool,
    pub trusted_proxies: Vec<IpAddr>,
    /// The public URL itself, for links in e-mail and on printed slips.
    pub public_url: String,
    /// Whether e-mail can be sent (an SMTP relay is configured).
    pub mail: bool,
    /// The largest file (and multipart body) accepted, in bytes.
    pub max_upload: usize,
    /// Words a new password must not be built on: the configured ones, the public address's
    /// distinctive labels, and the demo university's names when the demo is served.
    pub password_words: Vec<String>,
    /// The campus sign-on providers (none configured: passwords only).
    pub sign_on: Option<crate::sign_on::Providers>,
}

impl Site {
    /// Builds the facts from the public URL, which must be http:// or https://.
    pub fn from_public_url(url: &str, trusted_proxies: Vec<IpAddr>) -> Result<Site, String> {
        let url = url.trim().trim_end_matches('/');
        let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("PACESETTER_PUBLIC_URL {url:?} has no scheme"))?;
        if scheme != "http" && scheme != "https" {
            return Err(format!("PACESETTER_PUBLIC_URL must start with http:// or https://, not {scheme}://"));
        }
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty() {
            return Err(format!("PACESETTER_PUBLIC_URL {url:?} has no host"));
        }
        Ok(Site {
            origin: format!("{scheme}://{}", host.to_ascii_lowercase()),
            secure: scheme == "https",
            trusted_proxies,
            public_url: url.to_string(),
            mail: false,
            max_upload: crate::sheets::MAX_UPLOAD,
            password_words: host_words(host),
            sign_on: None,
        })
    }
}

/// The labels of a host name that say whose it is (csust of www.csust.edu.cn), not the generic
/// ones, nor an address.
fn host_words(host: &str) -> Vec<String> {
    let name = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    if name.parse::<IpAddr>().is_ok() || name == "localhost" {
        return Vec::new();
    }
    const GENERIC: &[&str] = &["www", "edu", "com", "org", "net", "gov", "cn", "ac", "cxzy", "portal", "my", "app", "web"];
    name.split('.').filter(|l| l.len() >= 3 && !GENERIC.contains(l) && !l.chars().all(|c| c.is_ascii_digit())).map(str::to_string).collect()
}
