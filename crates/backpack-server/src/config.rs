//! Configuration: one struct, unknown keys refused, from an optional TOML
//! file overlaid by `BACKPACK_*` environment variables (nested keys joined
//! with `__`: `BACKPACK_STORAGE__BUCKET` is `storage.bucket`), then by
//! command-line flags. Validated once at start; every message names the key.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

/// A secret: `Debug` prints `<redacted>`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "<redacted>"
        })
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Folder for the SQLite database, local files and the mail folder.
    pub data_dir: PathBuf,
    /// Address and port to listen on.
    pub listen: String,
    /// The address people reach the server at (links in mail, allowed Origin).
    pub public_url: Option<String>,
    /// `sqlite://PATH` or `postgres://…`; default: SQLite in the data folder.
    pub database_url: Option<Secret>,
    /// Secure `__Host-` cookies (keep on; browsers accept them on localhost).
    #[serde(deserialize_with = "de_bool")]
    pub cookie_secure: bool,
    /// Largest file upload, in bytes.
    #[serde(deserialize_with = "de_u64")]
    pub max_upload_bytes: u64,
    /// Behind a reverse proxy: the header with the client's address
    /// (`X-Forwarded-For`: its last entry). Unset: the peer address.
    pub client_ip_header: Option<String>,
    pub log: LogConfig,
    pub storage: StorageConfig,
    pub mail: MailConfig,
    pub auth: AuthConfig,
    pub verification: VerificationConfig,
    pub issuing: IssuingConfig,
    pub metrics: MetricsConfig,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve `/metrics` on this address:port only (the monitoring network),
    /// not on `listen`. Unset: `/metrics` is served on `listen`.
    pub listen: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IssuingConfig {
    /// 64 hexadecimal digits (32 bytes) that seal issuers' private keys in
    /// the database. Unset: a key file in the data folder is made once
    /// (`<data_dir>/issuer-keys.secret`, mode 0600) and used.
    pub key_encryption_key: Option<Secret>,
    /// How long a batch job holds its batch without progress before another
    /// (after a crash: the restarted server) takes it over, in seconds.
    #[serde(deserialize_with = "de_u64")]
    pub batch_lease_secs: u64,
}

impl Default for IssuingConfig {
    fn default() -> Self {
        IssuingConfig {
            key_encryption_key: None,
            batch_lease_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct VerificationConfig {
    /// Fetch did:web issuer documents and status lists when checking
    /// imported credentials (off: did:key only, status "needs the network").
    #[serde(deserialize_with = "de_bool")]
    pub online: bool,
    /// Longest wait for one fetch, in seconds (1 to 60).
    #[serde(deserialize_with = "de_u64")]
    pub timeout_secs: u64,
    /// Allow plain http:// to loopback addresses (tests only).
    #[serde(deserialize_with = "de_bool")]
    pub allow_local_http: bool,
}

impl Default for VerificationConfig {
    fn default() -> Self {
        VerificationConfig {
            online: true,
            timeout_secs: 5,
            allow_local_http: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `human` or `json`.
    pub format: String,
    /// A tracing filter: `info`, `debug`, `backpack=debug,sqlx=warn` …
    pub level: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// `local` or `s3`.
    pub kind: String,
    /// Local folder (default: `DATA_DIR/files`).
    pub path: Option<PathBuf>,
    pub bucket: String,
    pub region: String,
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    #[serde(deserialize_with = "de_bool")]
    pub allow_http: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `folder` (each message an `.eml` file) or `smtp`.
    pub transport: String,
    /// Folder for `folder` (default: `DATA_DIR/mail`).
    pub folder: Option<PathBuf>,
    /// `smtp://user:pass@host:587` (STARTTLS) or `smtps://…:465`.
    pub smtp_url: Secret,
    pub from: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Failed logins allowed per window, per address and per client address.
    #[serde(deserialize_with = "de_i64")]
    pub login_attempts: i64,
    #[serde(deserialize_with = "de_i64")]
    pub login_window_secs: i64,
    #[serde(deserialize_with = "de_i64")]
    pub session_ttl_hours: i64,
    /// Account mails (confirmation, reset) per hour to one address.
    #[serde(deserialize_with = "de_i64")]
    pub mails_per_address_per_hour: i64,
    /// Account mails per hour asked for by one client address.
    #[serde(deserialize_with = "de_i64")]
    pub mails_per_client_per_hour: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("backpack-data"),
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            database_url: None,
            cookie_secure: true,
            max_upload_bytes: 20 * 1024 * 1024,
            client_ip_header: None,
            log: LogConfig::default(),
            storage: StorageConfig::default(),
            mail: MailConfig::default(),
            auth: AuthConfig::default(),
            verification: VerificationConfig::default(),
            issuing: IssuingConfig::default(),
            metrics: MetricsConfig::default(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "human".into(),
            level: "info".into(),
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            kind: "local".into(),
            path: None,
            bucket: String::new(),
            region: "us-east-1".into(),
            endpoint: None,
            access_key_id: String::new(),
            secret_access_key: Secret::default(),
            allow_http: false,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            transport: "folder".into(),
            folder: None,
            smtp_url: Secret::default(),
            from: "Backpack <noreply@localhost>".into(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            login_attempts: 5,
            login_window_secs: 900,
            session_ttl_hours: 14 * 24,
            mails_per_address_per_hour: 5,
            mails_per_client_per_hour: 30,
        }
    }
}

fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        B(bool),
        S(String),
    }
    match B::deserialize(d)? {
        B::B(b) => Ok(b),
        B::S(s) => match s.as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "expected true or false, found {other:?}"
            ))),
        },
    }
}

macro_rules! de_int {
    ($name:ident, $t:ty) => {
        fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
            #[derive(Deserialize)]
            #[serde(untagged)]
            enum N {
                N($t),
                S(String),
            }
            match N::deserialize(d)? {
                N::N(n) => Ok(n),
                N::S(s) => s.trim().parse::<$t>().map_err(|_| {
                    serde::de::Error::custom(format!("expected a whole number, found {s:?}"))
                }),
            }
        }
    };
}
de_int!(de_u64, u64);
de_int!(de_i64, i64);

/// Keys of the environment that are not configuration.
const ENV_IGNORED: &[&str] = &["BACKPACK_CONFIG", "BACKPACK_LOG"];

/// Overrides from the command line (highest precedence).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
}

impl Config {
    /// Build the configuration: defaults, then the TOML text (if any), then
    /// `BACKPACK_*` variables from `env`, then `overrides`; then validate.
    pub fn load(
        toml_text: Option<(&str, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Config, String> {
        let mut root = match toml_text {
            Some((name, text)) => toml::from_str::<toml::Table>(text)
                .map_err(|e| format!("{name}: {}", e.to_string().trim()))?,
            None => toml::Table::new(),
        };
        let mut env_keys = Vec::new();
        for (k, v) in env {
            let Some(rest) = k.strip_prefix("BACKPACK_") else {
                continue;
            };
            if ENV_IGNORED.contains(&k.as_str()) || rest.starts_with("TEST_") {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
            if path.iter().any(String::is_empty) {
                return Err(format!("{k}: not a configuration key"));
            }
            insert(&mut root, &path, toml::Value::String(v)).map_err(|e| format!("{k}: {e}"))?;
            env_keys.push((path.join("."), k));
        }
        let mut cfg: Config =
            serde_path_to_error::deserialize(toml::Value::Table(root)).map_err(|e| {
                let path = e.path().to_string();
                let from_env = env_keys
                    .iter()
                    .find(|(p, _)| path.starts_with(p.as_str()))
                    .map(|(_, k)| format!(" (from {k})"));
                let key = if path == "." {
                    "configuration".to_owned()
                } else {
                    format!("key `{path}`")
                };
                format!("{key}{}: {}", from_env.unwrap_or_default(), e.inner())
            })?;
        if let Some(d) = &overrides.data_dir {
            cfg.data_dir = d.clone();
        }
        if let Some(l) = &overrides.listen {
            cfg.listen = l.clone();
        }
        if let Some(u) = &overrides.database_url {
            cfg.database_url = Some(Secret(u.clone()));
        }
        if let Some(u) = &overrides.public_url {
            cfg.public_url = Some(u.clone());
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), String> {
        self.listen.parse::<SocketAddr>().map_err(|e| {
            format!(
                "key `listen`: {:?} is not an address:port ({e})",
                self.listen
            )
        })?;
        if let Some(m) = &self.metrics.listen {
            m.parse::<SocketAddr>()
                .map_err(|e| format!("key `metrics.listen`: {m:?} is not an address:port ({e})"))?;
            if *m == self.listen {
                return Err(format!(
                    "key `metrics.listen`: {m:?} is also `listen`; give the monitoring network its own address or port"
                ));
            }
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() < 10 {
                return Err(format!(
                    "key `public_url`: {u:?} must be an http:// or https:// URL"
                ));
            }
        }
        if let Some(u) = &self.database_url {
            let u = &u.0;
            if !(u.starts_with("sqlite:")
                || u.starts_with("postgres://")
                || u.starts_with("postgresql://"))
            {
                return Err(format!(
                    "key `database_url`: {:?} must start with sqlite:// or postgres://",
                    backpack_store::redact_url(u)
                ));
            }
        }
        if let Some(h) = &self.client_ip_header {
            if h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(format!(
                    "key `client_ip_header`: {h:?} is not a header name"
                ));
            }
        }
        if self.max_upload_bytes == 0 || self.max_upload_bytes > 1024 * 1024 * 1024 {
            return Err("key `max_upload_bytes`: must be between 1 and 1073741824".into());
        }
        if !matches!(self.log.format.as_str(), "human" | "json") {
            return Err(format!(
                "key `log.format`: {:?} must be human or json",
                self.log.format
            ));
        }
        match self.storage.kind.as_str() {
            "local" => {}
            "s3" => {
                for (k, v) in [
                    ("storage.bucket", &self.storage.bucket),
                    ("storage.access_key_id", &self.storage.access_key_id),
                ] {
                    if v.is_empty() {
                        return Err(format!("key `{k}`: required when storage.kind is s3"));
                    }
                }
                if self.storage.secret_access_key.0.is_empty() {
                    return Err(
                        "key `storage.secret_access_key`: required when storage.kind is s3".into(),
                    );
                }
            }
            other => return Err(format!("key `storage.kind`: {other:?} must be local or s3")),
        }
        match self.mail.transport.as_str() {
            "folder" => {}
            "smtp" => {
                let u = &self.mail.smtp_url.0;
                if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                    return Err("key `mail.smtp_url`: required when mail.transport is smtp (smtp:// or smtps://)".into());
                }
            }
            other => {
                return Err(format!(
                    "key `mail.transport`: {other:?} must be folder or smtp"
                ))
            }
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "key `mail.from`: {:?} is not a mailbox like \"Backpack <noreply@example.org>\"",
                self.mail.from
            ));
        }
        if self.auth.login_attempts < 1
            || self.auth.login_window_secs < 1
            || self.auth.session_ttl_hours < 1
            || self.auth.mails_per_address_per_hour < 1
            || self.auth.mails_per_client_per_hour < 1
        {
            return Err("keys `auth.*`: must be positive".into());
        }
        if !(1..=60).contains(&self.verification.timeout_secs) {
            return Err("key `verification.timeout_secs`: must be between 1 and 60".into());
        }
        if !(1..=3600).contains(&self.issuing.batch_lease_secs) {
            return Err("key `issuing.batch_lease_secs`: must be between 1 and 3600".into());
        }
        if let Some(k) = &self.issuing.key_encryption_key {
            if backpack_crypto::secretbox::SecretBox::from_hex(&k.0).is_err() {
                return Err(
                    "key `issuing.key_encryption_key`: must be 64 hexadecimal digits (32 bytes; `openssl rand -hex 32`)"
                        .into(),
                );
            }
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.0.clone(),
            None => format!("sqlite://{}", self.data_dir.join("backpack.db").display()),
        }
    }

    pub fn files_dir(&self) -> PathBuf {
        self.storage
            .path
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.mail
            .folder
            .clone()
            .unwrap_or_else(|| self.data_dir.join("mail"))
    }
}

fn insert(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("empty key".into());
    };
    let mut t = table;
    for p in parents {
        let entry = t
            .entry(p.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = match entry {
            toml::Value::Table(inner) => inner,
            _ => return Err(format!("`{p}` is not a section")),
        };
    }
    t.insert(last.clone(), value);
    Ok(())
}

/// What `backpack serve --help` prints about configuration.
pub const HELP: &str = "\
CONFIGURATION
  A TOML file (--config FILE or BACKPACK_CONFIG), then BACKPACK_* environment
  variables (nested keys joined by __, e.g. BACKPACK_STORAGE__BUCKET), then the
  flags above. Unknown keys and bad values stop the server with a message
  naming the key.

  key                        default                      environment
  data_dir                   backpack-data                BACKPACK_DATA_DIR
  listen                     127.0.0.1:8080               BACKPACK_LISTEN
  public_url                 http://<listen>              BACKPACK_PUBLIC_URL
  database_url               sqlite://<data_dir>/backpack.db (or postgres://…)
                                                          BACKPACK_DATABASE_URL
  cookie_secure              true                         BACKPACK_COOKIE_SECURE
  max_upload_bytes           20971520 (20 MB)             BACKPACK_MAX_UPLOAD_BYTES
  client_ip_header           (peer address; behind a proxy: X-Forwarded-For)
                                                          BACKPACK_CLIENT_IP_HEADER
  log.format                 human (or json)              BACKPACK_LOG__FORMAT
  log.level                  info                         BACKPACK_LOG__LEVEL
  storage.kind               local (or s3)                BACKPACK_STORAGE__KIND
  storage.path               <data_dir>/files             BACKPACK_STORAGE__PATH
  storage.bucket             (s3)                         BACKPACK_STORAGE__BUCKET
  storage.region             us-east-1                    BACKPACK_STORAGE__REGION
  storage.endpoint           AWS (or your S3-compatible URL) BACKPACK_STORAGE__ENDPOINT
  storage.access_key_id      (s3)                         BACKPACK_STORAGE__ACCESS_KEY_ID
  storage.secret_access_key  (s3)                         BACKPACK_STORAGE__SECRET_ACCESS_KEY
  storage.allow_http         false                        BACKPACK_STORAGE__ALLOW_HTTP
  mail.transport             folder (or smtp)             BACKPACK_MAIL__TRANSPORT
  mail.folder                <data_dir>/mail              BACKPACK_MAIL__FOLDER
  mail.smtp_url              smtps://user:pass@host:465   BACKPACK_MAIL__SMTP_URL
  mail.from                  Backpack <noreply@localhost> BACKPACK_MAIL__FROM
  auth.login_attempts        5                            BACKPACK_AUTH__LOGIN_ATTEMPTS
  auth.login_window_secs     900                          BACKPACK_AUTH__LOGIN_WINDOW_SECS
  auth.session_ttl_hours     336                          BACKPACK_AUTH__SESSION_TTL_HOURS
  auth.mails_per_address_per_hour  5                      BACKPACK_AUTH__MAILS_PER_ADDRESS_PER_HOUR
  auth.mails_per_client_per_hour   30                     BACKPACK_AUTH__MAILS_PER_CLIENT_PER_HOUR
  verification.online        true (fetch did:web issuers and status lists)
                                                          BACKPACK_VERIFICATION__ONLINE
  verification.timeout_secs  5                            BACKPACK_VERIFICATION__TIMEOUT_SECS
  verification.allow_local_http false (tests only)        BACKPACK_VERIFICATION__ALLOW_LOCAL_HTTP
  issuing.key_encryption_key (a key file in data_dir, made once; set 64 hex digits in production)
                                                          BACKPACK_ISSUING__KEY_ENCRYPTION_KEY
  issuing.batch_lease_secs   30 (a stopped batch job's batch is taken over after this)
                                                          BACKPACK_ISSUING__BATCH_LEASE_SECS
  metrics.listen             (unset: /metrics on listen; set, e.g. 10.0.0.5:9090: only there)
                                                          BACKPACK_METRICS__LISTEN
";

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let c = Config::load(None, env(&[]), &Overrides::default()).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.database_url(), "sqlite://backpack-data/backpack.db");
    }

    #[test]
    fn file_then_env_then_flags() {
        let text = "listen = \"0.0.0.0:9000\"\n[storage]\nkind = \"s3\"\nbucket = \"b\"\naccess_key_id = \"k\"\nsecret_access_key = \"s\"\n";
        let c = Config::load(
            Some(("backpack.toml", text)),
            env(&[
                ("BACKPACK_STORAGE__BUCKET", "other"),
                ("BACKPACK_AUTH__LOGIN_ATTEMPTS", "3"),
                ("PATH", "/bin"),
            ]),
            &Overrides {
                listen: Some("127.0.0.1:1".into()),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:1");
        assert_eq!(c.storage.bucket, "other");
        assert_eq!(c.auth.login_attempts, 3);
        assert!(
            !format!("{c:?}").contains("\"s\""),
            "the secret is redacted"
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        let e = Config::load(
            Some(("f.toml", "litsen = \"x\"")),
            env(&[]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.contains("litsen"), "{e}");
        let e = Config::load(
            Some(("f.toml", "[storage]\nbukket = \"x\"")),
            env(&[]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.contains("storage") && e.contains("bukket"), "{e}");
        let e = Config::load(
            None,
            env(&[("BACKPACK_DATABSE_URL", "x")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.contains("databse_url"), "{e}");
        let e = Config::load(
            None,
            env(&[("BACKPACK_AUTH__LOGIN_ATTEMPTS", "many")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(
            e.contains("auth.login_attempts") && e.contains("BACKPACK_AUTH__LOGIN_ATTEMPTS"),
            "{e}"
        );
        let e = Config::load(
            None,
            env(&[("BACKPACK_LISTEN", "nowhere")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.contains("listen"), "{e}");
        let e = Config::load(
            None,
            env(&[("BACKPACK_STORAGE__KIND", "s3")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.contains("storage.bucket"), "{e}");
        let e = Config::load(
            Some(("f.toml", "listen = ")),
            env(&[]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.starts_with("f.toml"), "{e}");
        let e = Config::load(
            None,
            env(&[("BACKPACK_MAIL__TRANSPORT", "pigeon")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.contains("mail.transport"), "{e}");
        let e = Config::load(
            None,
            env(&[("BACKPACK_METRICS__LISTEN", "monitoring")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.contains("metrics.listen"), "{e}");
        let c = Config::load(
            None,
            env(&[("BACKPACK_METRICS__LISTEN", "127.0.0.1:9090")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.metrics.listen.as_deref(), Some("127.0.0.1:9090"));
    }
}
