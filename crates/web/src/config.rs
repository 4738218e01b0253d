//! Settings, from flags or the environment (the binary reads them; tests build them directly).

use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen, such as 127.0.0.1:8080 (port 0: any free port).
    pub addr: String,
    /// Where the embedded database and other files live.
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://...`; by default a SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// The address users reach (links, the Origin check, Secure cookies); by default the
    /// address the server listens on.
    pub public_url: Option<String>,
    /// Proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// The demo accounts' password; generated when unset.
    pub demo_password: Option<String>,
    /// About how many people the demo university has.
    pub demo_size: usize,
    /// Load the demo on first start (off for a real deployment).
    pub load_demo: bool,
    /// Accept a database without full durability.
    pub allow_weak_durability: bool,
    /// smtp://[user:password@]host[:port] of the relay that delivers e-mail; none: no e-mail.
    pub smtp_url: Option<String>,
    /// The sender of the e-mail the server sends.
    pub mail_from: Option<String>,
    /// The largest file a task submission may carry, in MB (PACESETTER_MAX_UPLOAD_MB).
    pub max_upload_mb: usize,
    /// A server without the demo refuses to start while demo accounts are enabled (their
    /// password is printed and kept in a file); this disables them instead, audited.
    pub disable_demo_accounts: bool,
    /// Words a password must not be built on (the university's names in pinyin, its
    /// abbreviation), besides the public address's own (PACESETTER_PASSWORD_WORDS).
    pub password_words: Vec<String>,
    /// The date a demo loaded now runs as of (`pacesetter serve` gives 2012-04-20, so the 2012
    /// campaign reads as in progress); None: the real date, as the tests' demos run.
    pub demo_as_of: Option<time::Date>,
    /// Where to serve `/metrics` (Prometheus), apart from the application; none: not served.
    pub metrics_addr: Option<String>,
    /// The campus CAS server's base address (https://cas.example.edu.cn/cas); none: no CAS.
    pub cas_url: Option<String>,
    /// The CAS attribute holding the staff or student number; none: the CAS user name is it.
    pub cas_number_attribute: Option<String>,
    /// The campus OpenID provider's issuer; none: no OpenID Connect.
    pub oidc_issuer: Option<String>,
    pub oidc_client_id: Option<String>,
    pub oidc_client_secret: Option<String>,
    /// The ID token's claim holding the staff or student number: one only the provider sets
    /// (never `preferred_username`, which people may edit); required with an issuer.
    pub oidc_number_claim: Option<String>,
}

/// The sender of the server's e-mail when none is configured.
pub const DEFAULT_FROM: &str = "创先争优平台 <noreply@localhost>";

impl Config {
    pub fn new(addr: impl Into<String>, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            addr: addr.into(),
            data_dir: data_dir.into(),
            database_url: None,
            public_url: None,
            trusted_proxies: Vec::new(),
            demo_password: None,
            demo_size: 20_000,
            load_demo: true,
            allow_weak_durability: false,
            smtp_url: None,
            mail_from: None,
            max_upload_mb: 20,
            disable_demo_accounts: false,
            password_words: Vec::new(),
            demo_as_of: None,
            metrics_addr: None,
            cas_url: None,
            cas_number_attribute: None,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_number_claim: None,
        }
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("pacesetter.db").display()))
    }

    /// Checks every setting that can be checked without the network (the database, the relay):
    /// each problem, said in full; the server refuses to start on any of them, and
    /// `pacesetter config check` lists them all.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        let url = self.database_url();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            let scheme = url.split(':').next().unwrap_or("");
            problems.push(format!("unknown database URL scheme {scheme:?}: use sqlite://PATH or postgres://..."));
        }
        if let Some(u) = &self.public_url {
            if let Err(e) = crate::state::Site::from_public_url(u, Vec::new()) {
                problems.push(e);
            }
        }
        if let Some(u) = &self.smtp_url {
            if let Err(e) = crate::mail::Mailer::new(u, self.mail_from.as_deref().unwrap_or(DEFAULT_FROM)) {
                problems.push(e);
            }
        } else if self.mail_from.is_some() {
            problems.push("PACESETTER_MAIL_FROM is set but PACESETTER_SMTP_URL is not: no e-mail would be sent".into());
        }
        if self.max_upload_mb == 0 || self.max_upload_mb > 1024 {
            problems.push(format!("PACESETTER_MAX_UPLOAD_MB must be between 1 and 1024, not {}", self.max_upload_mb));
        }
        for (name, a) in [("PACESETTER_ADDR", Some(&self.addr)), ("PACESETTER_METRICS_ADDR", self.metrics_addr.as_ref())] {
            if let Some(a) = a {
                if a.parse::<std::net::SocketAddr>().is_err() && !a.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()) {
                    problems.push(format!("{name} {a:?} is not HOST:PORT"));
                }
            }
        }
        if let Some(m) = &self.metrics_addr {
            if m == &self.addr && !m.ends_with(":0") {
                problems.push("PACESETTER_METRICS_ADDR must differ from PACESETTER_ADDR: the metrics are not for the public".into());
            }
        }
        for (name, u) in [("PACESETTER_CAS_URL", &self.cas_url), ("PACESETTER_OIDC_ISSUER", &self.oidc_issuer)] {
            if let Some(u) = u {
                let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"].iter().any(|p| u.starts_with(p));
                if !u.starts_with("https://") && !loopback {
                    problems.push(format!("{name} must be an https:// address (the provider vouches for people over it), not {u:?}"));
                }
            }
        }
        if self.oidc_issuer.is_some() && self.oidc_number_claim.as_deref().is_none_or(|c| c.trim().is_empty()) {
            problems.push("PACESETTER_OIDC_NUMBER_CLAIM must name the claim holding the staff or student number, one the provider alone sets".into());
        }
        if self.oidc_number_claim.as_deref().is_some_and(|c| matches!(c.trim(), "preferred_username" | "nickname" | "name" | "email")) {
            problems.push("PACESETTER_OIDC_NUMBER_CLAIM must not be a claim people may edit themselves (preferred_username, nickname, name, email)".into());
        }
        if self.oidc_issuer.is_some() && self.oidc_client_id.as_deref().is_none_or(|c| c.trim().is_empty()) {
            problems.push("PACESETTER_OIDC_ISSUER is set but PACESETTER_OIDC_CLIENT_ID is not".into());
        }
        if (self.cas_url.is_some() || self.oidc_issuer.is_some()) && self.public_url.as_deref().is_none_or(|u| !u.starts_with("https://") && !u.contains("127.0.0.1")) {
            problems.push("campus sign-on needs PACESETTER_PUBLIC_URL, the https:// address the provider sends people back to".into());
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }

    /// The sign-on providers the settings name.
    pub fn providers(&self) -> Result<crate::sign_on::Providers, String> {
        let cas = self.cas_url.as_ref().map(|u| crate::sign_on::Cas {
            base: u.trim().trim_end_matches('/').to_string(),
            number_attribute: self.cas_number_attribute.clone().filter(|a| !a.trim().is_empty()),
        });
        let oidc = self.oidc_issuer.as_ref().map(|i| {
            crate::sign_on::Oidc::new(
                i.trim().to_string(),
                self.oidc_client_id.clone().unwrap_or_default(),
                self.oidc_client_secret.clone().filter(|s| !s.is_empty()),
                self.oidc_number_claim.clone().unwrap_or_default(),
            )
        });
        crate::sign_on::Providers::new(cas, oidc)
    }

    /// Parses a comma-separated list of addresses, naming the first bad one.
    pub fn parse_proxies(s: &str) -> Result<Vec<IpAddr>, String> {
        s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(|p| p.parse().map_err(|_| format!("not an IP address in PACESETTER_TRUSTED_PROXIES: {p:?}"))).collect()
    }
}
