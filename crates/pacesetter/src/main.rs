//! `pacesetter`: serves the web application (the default), sets up a real deployment, and
//! checks the audit chain. Settings come from flags, the environment, or a TOML file
//! (`--config`, PACESETTER_CONFIG), in that order of precedence; `pacesetter config check`
//! reads them all and says what is wrong.

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use pacesetter_domain::scope::Scope;
use pacesetter_store::{OpenOptions, Store, account, audit};
use pacesetter_web::{Application, Config, auth};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "pacesetter", version, about = "Pacesetter 创先争优: the Strive for Excellence campaign platform")]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    serve: Serve,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Args, Clone)]
struct Common {
    /// A TOML file of settings (see deploy/pacesetter.toml); flags and the environment win over it.
    #[arg(long, env = "PACESETTER_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Where the embedded database and other files live.
    #[arg(long, env = "PACESETTER_DATA", default_value = "./data", global = true)]
    data: PathBuf,
    /// sqlite://PATH or postgres://USER@HOST/DB (default: a SQLite file in the data directory).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Accept a database without full durability (SQLite WAL + synchronous=FULL, PostgreSQL synchronous_commit).
    #[arg(long, env = "PACESETTER_ALLOW_WEAK_DURABILITY", global = true)]
    allow_weak_durability: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the web application (the default).
    Serve,
    /// Set up a real deployment: create the administrator and the first auditor, no demo data.
    Init,
    /// Load the demo university into an empty database and exit (for trials and benchmarks).
    Demo,
    /// Import data files.
    Import {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// Write a consistent copy of the whole database to FILE, while the server runs.
    Backup { file: PathBuf },
    /// Read a backup into an empty database (of either backend).
    Restore { file: PathBuf },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// The settings.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// Campaign plans (TOML; see docs/plan-format.md).
    Plan {
        #[command(subcommand)]
        cmd: PlanCmd,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Read the settings (file, environment, flags), check each, and print what is in force.
    Check,
}

#[derive(Subcommand)]
enum PlanCmd {
    /// Check a plan file and report its problems with line numbers.
    Check { file: PathBuf },
    /// Create the campaign and assign its tasks over the current trees. A changed plan for an
    /// existing campaign lists its differences and is applied only with --yes.
    Load {
        file: PathBuf,
        /// Apply the differences of a changed plan.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// Import a roster (.xlsx, .xls or .csv in UTF-8 or GBK) into an organization and/or unit.
    Roster {
        file: PathBuf,
        /// The Party organization the roster covers.
        #[arg(long)]
        org: Option<i64>,
        /// The unit the roster covers (by default the unit linked to --org).
        #[arg(long)]
        unit: Option<i64>,
        /// Show the problems and the difference only; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Recompute the hash chain from the first entry to the last; exit 1 on a gap or an edit,
    /// or when the chain no longer reaches an anchor (the latest recorded, and FILE if given).
    Verify {
        /// An anchor file the auditor kept off the server (from the audit page or the API).
        #[arg(long, value_name = "FILE")]
        since_anchor: Option<std::path::PathBuf>,
    },
}

#[derive(Args, Clone)]
struct Serve {
    /// The address to listen on.
    #[arg(long, env = "PACESETTER_ADDR", default_value = "127.0.0.1:8080", global = true)]
    addr: String,
    /// The address users reach (links, the Origin check, Secure cookies).
    #[arg(long, env = "PACESETTER_PUBLIC_URL", global = true)]
    public_url: Option<String>,
    /// Comma-separated addresses of proxies whose X-Forwarded-For is believed.
    #[arg(long, env = "PACESETTER_TRUSTED_PROXIES", default_value = "", global = true)]
    trusted_proxies: String,
    /// The demo accounts' password (generated and printed when unset).
    #[arg(long, env = "PACESETTER_DEMO_PASSWORD", global = true, hide_env_values = true)]
    demo_password: Option<String>,
    /// About how many people the demo university has.
    #[arg(long, env = "PACESETTER_DEMO_SIZE", default_value_t = 20_000, global = true)]
    demo_size: usize,
    /// The date a demo loaded now runs as of (YYYY-MM-DD), so the 2012 campaign reads as in
    /// progress; "off" runs it on the real date.
    #[arg(long, env = "PACESETTER_DEMO_AS_OF", default_value = "2012-04-20", global = true)]
    demo_as_of: String,
    /// Never load demo data (a real deployment; run `pacesetter init` first).
    #[arg(long, env = "PACESETTER_NO_DEMO", global = true)]
    no_demo: bool,
    /// smtp://[user:password@]host[:port] of the relay that delivers e-mail.
    #[arg(long, env = "PACESETTER_SMTP_URL", global = true, hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of the server's e-mail.
    #[arg(long, env = "PACESETTER_MAIL_FROM", global = true)]
    mail_from: Option<String>,
    /// The largest file a task submission may carry, in MB; the server's body limit follows.
    #[arg(long, env = "PACESETTER_MAX_UPLOAD_MB", default_value_t = 20, global = true)]
    max_upload_mb: usize,
    /// Without the demo, disable the demo accounts a database still holds (else it refuses to start).
    #[arg(long, env = "PACESETTER_DISABLE_DEMO_ACCOUNTS", global = true)]
    disable_demo_accounts: bool,
    /// Comma-separated words a password must not be built on (the university's names in pinyin).
    #[arg(long, env = "PACESETTER_PASSWORD_WORDS", default_value = "", global = true)]
    password_words: String,
    /// Where to serve /metrics (Prometheus text), apart from the application, such as 127.0.0.1:9464.
    #[arg(long, env = "PACESETTER_METRICS_ADDR", global = true)]
    metrics_addr: Option<String>,
    /// How to write the log: text, or json (one object a line, with each request's id).
    #[arg(long, env = "PACESETTER_LOG_FORMAT", default_value = "text", global = true)]
    log_format: String,
    /// The campus CAS server (统一身份认证), such as https://cas.example.edu.cn/cas.
    #[arg(long, env = "PACESETTER_CAS_URL", global = true)]
    cas_url: Option<String>,
    /// The CAS attribute holding the staff or student number (default: the CAS user name is it).
    #[arg(long, env = "PACESETTER_CAS_NUMBER_ATTRIBUTE", global = true)]
    cas_number_attribute: Option<String>,
    /// The campus OpenID Connect provider's issuer.
    #[arg(long, env = "PACESETTER_OIDC_ISSUER", global = true)]
    oidc_issuer: Option<String>,
    /// This server's client id at the OpenID provider.
    #[arg(long, env = "PACESETTER_OIDC_CLIENT_ID", global = true)]
    oidc_client_id: Option<String>,
    /// This server's client secret at the OpenID provider (better in the environment).
    #[arg(long, env = "PACESETTER_OIDC_CLIENT_SECRET", global = true, hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// The ID token's claim holding the staff or student number (one the provider alone sets).
    #[arg(long, env = "PACESETTER_OIDC_NUMBER_CLAIM", global = true)]
    oidc_number_claim: Option<String>,
}

/// The settings file: the same settings as the flags, by the flags' names with underscores.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data: Option<PathBuf>,
    database_url: Option<String>,
    allow_weak_durability: Option<bool>,
    addr: Option<String>,
    public_url: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    demo_password: Option<String>,
    demo_size: Option<usize>,
    demo_as_of: Option<String>,
    no_demo: Option<bool>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    max_upload_mb: Option<usize>,
    disable_demo_accounts: Option<bool>,
    password_words: Option<Vec<String>>,
    metrics_addr: Option<String>,
    log_format: Option<String>,
    cas_url: Option<String>,
    cas_number_attribute: Option<String>,
    oidc_issuer: Option<String>,
    oidc_client_id: Option<String>,
    oidc_client_secret: Option<String>,
    oidc_number_claim: Option<String>,
}

/// Reads the command line, then fills each setting given neither as a flag nor in the
/// environment from the settings file, when there is one.
fn settings() -> Result<Cli, String> {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
    let Some(path) = cli.common.config.clone() else { return Ok(cli) };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read the settings file {}: {e}", path.display()))?;
    let f: FileSettings = toml::from_str(&text).map_err(|e| format!("the settings file {}: {e}", path.display()))?;
    merge(&matches, &mut cli, f);
    Ok(cli)
}

/// Whether a setting was given on the command line or in the environment.
fn given(m: &ArgMatches, id: &str) -> bool {
    matches!(m.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
}

fn merge(m: &ArgMatches, cli: &mut Cli, f: FileSettings) {
    let (c, s) = (&mut cli.common, &mut cli.serve);
    macro_rules! take {
        ($id:literal, $file:expr, $slot:expr) => {
            if let Some(v) = $file {
                if !given(m, $id) {
                    $slot = v.into();
                }
            }
        };
    }
    take!("data", f.data, c.data);
    take!("database_url", f.database_url.map(Some), c.database_url);
    take!("allow_weak_durability", f.allow_weak_durability, c.allow_weak_durability);
    take!("addr", f.addr, s.addr);
    take!("public_url", f.public_url.map(Some), s.public_url);
    take!("trusted_proxies", f.trusted_proxies.map(|v| v.join(",")), s.trusted_proxies);
    take!("demo_password", f.demo_password.map(Some), s.demo_password);
    take!("demo_size", f.demo_size, s.demo_size);
    take!("demo_as_of", f.demo_as_of, s.demo_as_of);
    take!("no_demo", f.no_demo, s.no_demo);
    take!("smtp_url", f.smtp_url.map(Some), s.smtp_url);
    take!("mail_from", f.mail_from.map(Some), s.mail_from);
    take!("max_upload_mb", f.max_upload_mb, s.max_upload_mb);
    take!("disable_demo_accounts", f.disable_demo_accounts, s.disable_demo_accounts);
    take!("password_words", f.password_words.map(|v| v.join(",")), s.password_words);
    take!("metrics_addr", f.metrics_addr.map(Some), s.metrics_addr);
    take!("log_format", f.log_format, s.log_format);
    take!("cas_url", f.cas_url.map(Some), s.cas_url);
    take!("cas_number_attribute", f.cas_number_attribute.map(Some), s.cas_number_attribute);
    take!("oidc_issuer", f.oidc_issuer.map(Some), s.oidc_issuer);
    take!("oidc_client_id", f.oidc_client_id.map(Some), s.oidc_client_id);
    take!("oidc_client_secret", f.oidc_client_secret.map(Some), s.oidc_client_secret);
    take!("oidc_number_claim", f.oidc_number_claim.map(Some), s.oidc_number_claim);
}

fn store_url(c: &Common) -> String {
    c.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", c.data.join("pacesetter.db").display()))
}

async fn open(c: &Common) -> Result<Store, String> {
    if c.database_url.is_none() {
        std::fs::create_dir_all(&c.data).map_err(|e| format!("cannot create {}: {e}", c.data.display()))?;
    }
    Store::open(&store_url(c), &OpenOptions { allow_weak_durability: c.allow_weak_durability, max_connections: 2 }).await.map_err(|e| e.to_string())
}

/// The server's settings from the command line, the environment and the file.
fn server_config(c: &Common, s: &Serve) -> Result<Config, String> {
    let mut config = Config::new(s.addr.clone(), c.data.clone());
    config.database_url = c.database_url.clone();
    config.public_url = s.public_url.clone();
    config.trusted_proxies = Config::parse_proxies(&s.trusted_proxies)?;
    config.demo_password = s.demo_password.clone();
    config.demo_size = s.demo_size;
    config.demo_as_of = match s.demo_as_of.trim() {
        "" | "off" => None,
        d => Some(pacesetter_domain::validate::date(d).map_err(|_| format!("PACESETTER_DEMO_AS_OF {d:?} is not a date (YYYY-MM-DD) or \"off\""))?),
    };
    config.load_demo = !s.no_demo;
    config.allow_weak_durability = c.allow_weak_durability;
    config.smtp_url = s.smtp_url.clone();
    config.mail_from = s.mail_from.clone();
    config.max_upload_mb = s.max_upload_mb;
    config.disable_demo_accounts = s.disable_demo_accounts;
    config.password_words = s.password_words.split(',').map(str::trim).filter(|w| !w.is_empty()).map(str::to_string).collect();
    config.metrics_addr = s.metrics_addr.clone().filter(|a| !a.trim().is_empty());
    let set = |v: &Option<String>| v.clone().filter(|x| !x.trim().is_empty());
    config.cas_url = set(&s.cas_url);
    config.cas_number_attribute = set(&s.cas_number_attribute);
    config.oidc_issuer = set(&s.oidc_issuer);
    config.oidc_client_id = set(&s.oidc_client_id);
    config.oidc_client_secret = set(&s.oidc_client_secret);
    config.oidc_number_claim = set(&s.oidc_number_claim);
    if !matches!(s.log_format.as_str(), "text" | "json") {
        return Err(format!("PACESETTER_LOG_FORMAT must be text or json, not {:?}", s.log_format));
    }
    Ok(config)
}

/// Checks the settings and prints those in force, without secrets; whether all are right.
fn config_check(c: &Common, s: &Serve) -> Result<bool, String> {
    let config = server_config(c, s)?;
    let hide = |u: &str| match (u.find("://"), u.rfind('@')) {
        (Some(i), Some(j)) if j > i => format!("{}***{}", &u[..i + 3], &u[j..]),
        _ => u.to_string(),
    };
    if let Some(f) = &c.config {
        println!("settings file: {}", f.display());
    }
    println!("addr:            {}", config.addr);
    println!("public_url:      {}", config.public_url.as_deref().unwrap_or("(the listen address)"));
    println!("database:        {}", hide(&config.database_url()));
    println!("trusted_proxies: {:?}", config.trusted_proxies);
    println!("smtp_url:        {}", config.smtp_url.as_deref().map(hide).unwrap_or_else(|| "(none: no e-mail)".into()));
    println!("metrics_addr:    {}", config.metrics_addr.as_deref().unwrap_or("(none: no /metrics)"));
    println!("log_format:      {}", s.log_format);
    println!(
        "campus sign-on:  {}",
        match (&config.cas_url, &config.oidc_issuer) {
            (None, None) => "none (passwords only)".to_string(),
            (c, o) => [c.as_ref().map(|u| format!("CAS {u}")), o.as_ref().map(|i| format!("OpenID {i} as {}", config.oidc_client_id.as_deref().unwrap_or("?")))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
        }
    );
    println!("demo:            {}", if config.load_demo { format!("loaded into an empty database ({} people)", config.demo_size) } else { "never".into() });
    match config.check() {
        Ok(()) => {
            println!("the settings are valid");
            Ok(true)
        }
        Err(problems) => {
            for p in &problems {
                println!("problem: {p}");
            }
            Ok(false)
        }
    }
}

async fn serve(c: Common, s: Serve) -> Result<(), String> {
    let config = server_config(&c, &s)?;
    let started = std::time::Instant::now();
    let app = Application::build(config).await?;
    println!("Pacesetter 创先争优 serving on {} (database: {} at {})", app.public_url, app.store.backend().name(), app.store.location());
    if let Some(d) = &app.demo {
        if d.loaded_now {
            println!("Demo data loaded in {:.1} s.", started.elapsed().as_secs_f64());
        }
        println!("Demo accounts (演示账号):");
        for (u, what) in &d.accounts {
            println!("  {u:<11} {what}");
        }
        match &d.password {
            Some(p) => println!("Password of every demo account: {p}"),
            None => println!("Password of the demo accounts: as set by PACESETTER_DEMO_PASSWORD at first start."),
        }
    }
    app.run().await.map_err(|e| e.to_string())
}

async fn init(c: Common) -> Result<(), String> {
    let store = open(&c).await?;
    let mut w = store.write().await.map_err(|e| e.to_string())?;
    if account::count(&mut w).await.map_err(|e| e.to_string())? > 0 {
        return Err("this database already has accounts; init sets up only an empty one".into());
    }
    let scope = Scope::system("pacesetter init");
    let today = pacesetter_domain::dates::today();
    let mut out = Vec::new();
    for (username, display, role) in [("admin", "系统管理员", pacesetter_domain::role::Role::Admin), ("auditor", "安全审计员", pacesetter_domain::role::Role::Auditor)] {
        let password = auth::random_password();
        let hash = auth::hash_password(&password);
        let id = account::create(
            &mut w,
            &scope,
            &account::NewAccount { username, display_name: display, person: None, password_hash: &hash, is_demo: false, must_change_password: true },
        )
        .await
        .map_err(|e| e.to_string())?;
        account::grant_by_system(&mut w, &scope, id, role, None, today).await.map_err(|e| e.to_string())?;
        out.push((username, password));
    }
    w.commit().await.map_err(|e| e.to_string())?;
    println!("Created two accounts; each must change its password at first login:");
    for (u, p) in out {
        println!("  {u:<8} {p}");
    }
    println!("The administrator and the auditor are separate roles (三员分立): keep the two passwords with different people.");
    println!("Serve it with --no-demo. A server without the demo refuses to start on a database that holds enabled demo accounts");
    println!("(a restored demo, say: their password is printed and kept in a file) unless --disable-demo-accounts disables them, audited.");
    Ok(())
}

async fn import_roster(c: Common, file: PathBuf, org: Option<i64>, unit: Option<i64>, dry_run: bool) -> Result<bool, String> {
    use pacesetter_store::roster;
    let started = std::time::Instant::now();
    let bytes = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let raw = match pacesetter_web::sheets::read_roster(&bytes) {
        Ok(r) => r,
        Err(problems) => {
            for p in problems {
                println!("{}: {}", if p.line > 0 { format!("第{}行", p.line) } else { "文件".into() }, p.message.zh);
            }
            return Ok(false);
        }
    };
    let (rows, problems) = pacesetter_domain::roster::parse_rows(&raw);
    let read = started.elapsed();
    let store = open(&c).await?;
    let scope = Scope::system("pacesetter import");
    let mut w = store.write().await.map_err(|e| e.to_string())?;
    let unit = match (org, unit) {
        (Some(o), None) => pacesetter_store::tree::get(&mut w, pacesetter_store::tree::Tree::Org, o).await.map_err(|e| e.to_string())?.and_then(|n| n.linked_unit_id),
        (_, u) => u,
    };
    let root = roster::root(&mut w, &scope, org, unit).await.map_err(|e| e.to_string())?;
    let plan = roster::plan(&mut w, &scope, &root, &rows, &problems).await.map_err(|e| e.to_string())?;
    let k = &plan.counts;
    println!(
        "{}: {} rows; new {}, changed {}, moved {}, unchanged {}, leaving {}; problems {} (read {:.1} s, compared {:.1} s)",
        file.display(),
        k.rows,
        k.new,
        k.changed,
        k.moved,
        k.unchanged,
        k.leaving,
        k.problems,
        read.as_secs_f64(),
        (started.elapsed() - read).as_secs_f64()
    );
    for p in plan.problems.iter().take(50) {
        println!("  第{}行 {}", p.line, p.message.zh);
    }
    if plan.problems.len() > 50 {
        println!("  ... and {} more", plan.problems.len() - 50);
    }
    if !plan.problems.is_empty() {
        println!("nothing imported: fix the problems and run again");
        return Ok(false);
    }
    if dry_run {
        println!("dry run: nothing changed");
        return Ok(true);
    }
    let sha = pacesetter_domain::audit::sha256_hex(&bytes);
    roster::commit(&mut w, &scope, &root, &rows, pacesetter_domain::dates::today(), &sha).await.map_err(|e| e.to_string())?;
    w.commit().await.map_err(|e| e.to_string())?;
    println!("imported in {:.1} s in all", started.elapsed().as_secs_f64());
    Ok(true)
}

fn read_plan(file: &std::path::Path) -> Result<(String, pacesetter_domain::plan::Plan), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    match pacesetter_domain::plan::parse(&text) {
        Ok(p) => Ok((text, p)),
        Err(errs) => {
            let lines: Vec<String> = errs
                .iter()
                .map(|e| {
                    if e.line > 0 {
                        format!("{}:{}: {} ({})", file.display(), e.line, e.message.zh, e.message.en)
                    } else {
                        format!("{}: {} ({})", file.display(), e.message.zh, e.message.en)
                    }
                })
                .collect();
            Err(format!("the plan has {} problem(s):\n{}", errs.len(), lines.join("\n")))
        }
    }
}

fn plan_check(file: &std::path::Path) -> Result<(), String> {
    let (_, p) = read_plan(file)?;
    println!(
        "{}: plan {} ({}, {}) is valid: {} phases, {} work items, {} task templates, {} holidays, {} make-up working days",
        file.display(),
        p.campaign.code,
        p.campaign.title,
        p.campaign.year,
        p.phases.len(),
        p.items.len(),
        p.tasks.len(),
        p.calendar.holidays.len(),
        p.calendar.workdays.len()
    );
    Ok(())
}

/// Loads a plan; returns false (a non-zero exit) when a changed plan waits for --yes.
async fn plan_load(c: Common, file: &std::path::Path, yes: bool) -> Result<bool, String> {
    let (text, plan) = read_plan(file)?;
    let store = open(&c).await?;
    let scope = Scope::system("cli:plan-load");
    let mut w = store.write().await.map_err(|e| e.to_string())?;
    let r = pacesetter_store::campaign::load(&mut w, &scope, &plan, &text, yes).await.map_err(|e| e.to_string())?;
    w.commit().await.map_err(|e| e.to_string())?;
    let id = r.campaign_id.unwrap_or(0);
    for code in &r.added {
        println!("  added     {code}");
    }
    for ch in &r.changed {
        println!("  changed   {} ({})", ch.code, ch.fields.join(", "));
    }
    for code in &r.retired {
        println!("  retired   {code}");
    }
    for part in &r.other_changes {
        println!("  changed   [{part}]");
    }
    for k in &r.conflicts {
        let d = |x: Option<time::Date>| x.map(pacesetter_domain::dates::iso).unwrap_or_else(|| "-".into());
        println!("  conflict  {}: the date moved in the UI ({}, by {}) is kept; the file says {}", k.code, d(k.kept), k.edited_by.clone().unwrap_or_default(), d(k.file));
    }
    if r.needs_confirmation {
        println!("campaign {} ({id}) exists and the plan differs: nothing changed; run again with --yes to apply", r.code);
        return Ok(false);
    }
    if r.unchanged {
        println!("campaign {} ({id}) already has this plan; {} new task(s) for organizations created since", r.code, r.tasks_created);
    } else {
        println!("campaign {} ({id}) {}; {} task(s) assigned", r.code, if r.is_new { "created" } else { "updated" }, r.tasks_created);
    }
    Ok(true)
}

async fn backup(c: Common, file: PathBuf) -> Result<(), String> {
    let store = open(&c).await?;
    let tmp = file.with_extension("partial");
    let f = std::fs::File::create(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    let mut out = std::io::BufWriter::new(f);
    let counts = pacesetter_store::backup::backup(&store, &mut out).await.map_err(|e| e.to_string())?;
    let f = out.into_inner().map_err(|e| e.to_string())?;
    f.sync_all().map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, &file).map_err(|e| format!("cannot move the backup into place: {e}"))?;
    println!("backup written to {}: {} rows", file.display(), counts.total());
    for (t, n) in counts.0 {
        println!("  {t:<18} {n}");
    }
    Ok(())
}

async fn restore(c: Common, file: PathBuf) -> Result<(), String> {
    let store = open(&c).await?;
    let f = std::fs::File::open(&file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let counts = pacesetter_store::backup::restore(&store, std::io::BufReader::new(f)).await.map_err(|e| e.to_string())?;
    println!("restored {} rows from {}; the audit chain verifies", counts.total(), file.display());
    for (t, n) in counts.0 {
        println!("  {t:<18} {n}");
    }
    Ok(())
}

async fn demo(c: Common, s: Serve) -> Result<(), String> {
    let store = open(&c).await?;
    if !pacesetter_store::demo::is_empty(&store).await.map_err(|e| e.to_string())? {
        return Err("this database already has accounts; the demo loads only into an empty one".into());
    }
    let started = std::time::Instant::now();
    let d = pacesetter_domain::demo::generate(s.demo_size);
    let password = s.demo_password.clone().unwrap_or_else(auth::random_password);
    pacesetter_web::load_demo(&store, &d, &auth::hash_password(&password)).await?;
    println!("demo loaded: {} people in {:.1} s; password of every demo account: {password}", d.people.len(), started.elapsed().as_secs_f64());
    Ok(())
}

async fn verify(c: Common, since_anchor: Option<std::path::PathBuf>) -> Result<bool, String> {
    let kept = match &since_anchor {
        Some(f) => {
            let text = std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
            Some(pacesetter_domain::audit::Anchor::parse(&text).ok_or_else(|| format!("{} is not an anchor (seq: and hash: lines)", f.display()))?)
        }
        None => None,
    };
    let store = open(&c).await?;
    let mut conn = store.read().await.map_err(|e| e.to_string())?;
    let r = audit::verify(&mut conn).await.map_err(|e| e.to_string())?;
    if r.ok {
        println!("audit chain intact: {} entries, last hash {}", r.entries, r.last_hash);
    } else {
        println!("audit chain BROKEN after {} good entries: {:?}", r.entries, r.problem);
    }
    let mut ok = r.ok;
    let recorded = audit::latest_anchor(&mut conn).await.map_err(|e| e.to_string())?.map(|a| a.anchor());
    for (what, anchor) in [("the anchor file", kept), ("the latest anchor recorded", recorded)] {
        let Some(a) = anchor else { continue };
        match audit::reaches(&mut conn, &a).await.map_err(|e| e.to_string())? {
            Ok(()) => println!("the chain reaches {what} (entry {})", a.seq),
            Err(t) => {
                println!("the chain does NOT reach {what}: {}", t.en);
                ok = false;
            }
        }
    }
    Ok(ok)
}

/// glibc's allocator settings for a server (measured in BENCHMARKS.md, "Memory"): two arenas
/// instead of one per busy thread (sixteen on two cores), each keeping what it once held; and a
/// fixed threshold above which a buffer is mapped on its own and returned whole when freed (by
/// default the threshold rises to the largest buffer freed, so a 100,000-slip file's buffers stay
/// in the heap afterwards). glibc reads them at start only, and setting them from inside takes
/// `unsafe`: the server starts itself again with them, once, unless the operator set any of them.
const ALLOCATOR_SETTINGS: [(&str, &str); 2] = [("MALLOC_ARENA_MAX", "2"), ("MALLOC_MMAP_THRESHOLD_", "131072")];

fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("PACESETTER_ALLOCATOR_SET").is_some() || ALLOCATOR_SETTINGS.iter().any(|(k, _)| std::env::var_os(k).is_some()) {
            return;
        }
        let Ok(exe) = std::env::current_exe() else { return };
        // exec replaces this process (same pid, so systemd and a supervisor see no change); it
        // returns only on failure, and the server then runs with glibc's defaults.
        let err = std::process::Command::new(exe).args(std::env::args_os().skip(1)).envs(ALLOCATOR_SETTINGS).env("PACESETTER_ALLOCATOR_SET", "1").exec();
        eprintln!("warning: could not restart with the allocator's settings ({err}); running with glibc's defaults");
    }
}

fn main() -> ExitCode {
    let cli = match settings() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if matches!(cli.cmd, None | Some(Cmd::Serve)) {
        tune_allocator();
    }
    let filter = || tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    if cli.serve.log_format == "json" {
        // One object a line: the time, the level, the message, its fields, and the request's span
        // (its id, method and route template).
        tracing_subscriber::fmt().json().with_current_span(true).with_span_list(false).with_env_filter(filter()).with_target(false).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter()).with_target(false).init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match cli.cmd {
            None | Some(Cmd::Serve) => serve(cli.common, cli.serve).await.map(|_| true),
            Some(Cmd::Init) => init(cli.common).await.map(|_| true),
            Some(Cmd::Demo) => demo(cli.common, cli.serve).await.map(|_| true),
            Some(Cmd::Import { cmd: ImportCmd::Roster { file, org, unit, dry_run } }) => import_roster(cli.common, file, org, unit, dry_run).await,
            Some(Cmd::Backup { file }) => backup(cli.common, file).await.map(|_| true),
            Some(Cmd::Restore { file }) => restore(cli.common, file).await.map(|_| true),
            Some(Cmd::Audit { cmd: AuditCmd::Verify { since_anchor } }) => verify(cli.common, since_anchor).await,
            Some(Cmd::Plan { cmd: PlanCmd::Check { file } }) => plan_check(&file).map(|_| true),
            Some(Cmd::Config { cmd: ConfigCmd::Check }) => config_check(&cli.common, &cli.serve),
            Some(Cmd::Plan { cmd: PlanCmd::Load { file, yes } }) => plan_load(cli.common, &file, yes).await,
        }
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
