//! Where the inbox is: a SQLite file (the default), or a PostgreSQL database.

use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable naming the inbox: a file path, `sqlite://...`, or
/// `postgres://...`.
pub const INBOX_VAR: &str = "WEBHOOKS_INBOX";

/// The inbox's file name when nothing says otherwise: in the working directory, or in `/data`
/// (a Space's persistent storage) on a Space that has it.
pub const DEFAULT_FILE: &str = "webhooks-inbox.sqlite3";

/// Where an inbox lives.
///
/// # Examples
/// ```
/// use webhooks_runtime::inbox::Location;
///
/// assert_eq!(Location::parse("data/inbox.db"), Location::Sqlite("data/inbox.db".into()));
/// assert_eq!(Location::parse("sqlite:///var/lib/app/inbox.db"), Location::Sqlite("/var/lib/app/inbox.db".into()));
/// assert!(matches!(Location::parse("postgres://app@db/webhooks"), Location::Postgres(_)));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// A SQLite database file, created on first use.
    Sqlite(PathBuf),
    /// A PostgreSQL database, shared by every replica pointed at it (the connection URL).
    Postgres(String),
}

impl Location {
    /// Reads a location: `postgres://...` or `postgresql://...`, `sqlite://PATH` or
    /// `sqlite:PATH`, or a plain file path.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Self::Postgres(text.to_owned());
        }
        let path = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
            .unwrap_or(text);
        Self::Sqlite(PathBuf::from(path))
    }

    /// The default: `webhooks-inbox.sqlite3` in the working directory, or in `/data` on a Space
    /// (`SPACE_ID` set) whose persistent storage is mounted there.
    pub fn default_for_this_machine() -> Self {
        let on_space_with_storage =
            std::env::var_os("SPACE_ID").is_some() && Path::new("/data").is_dir();
        let dir = if on_space_with_storage {
            PathBuf::from("/data")
        } else {
            PathBuf::new()
        };
        Self::Sqlite(dir.join(DEFAULT_FILE))
    }
}

/// The path, or the PostgreSQL URL without its password.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&redact_password(url))
                .finish(),
        }
    }
}

/// `postgres://user:secret@host/db?password=secret` → `postgres://user:***@host/db?password=***`:
/// the password hidden wherever a connection URL may carry it.
pub(crate) fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut redacted = format!("{scheme}://");
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            redacted.push_str(&format!("{user}:***@{host}"));
        }
        _ => redacted.push_str(authority),
    }
    redacted.push_str(path);
    if let Some(query) = query {
        let pairs: Vec<&str> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some(("password", _)) => "password=***",
                _ => pair,
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&pairs.join("&"));
    }
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let location = Location::parse("postgres://app:hunter2@db:5432/webhooks?sslmode=disable");
        assert_eq!(
            location.to_string(),
            "postgres://app:***@db:5432/webhooks?sslmode=disable"
        );
        assert!(!format!("{location:?}").contains("hunter2"));
        assert_eq!(
            Location::parse("postgres://db/webhooks").to_string(),
            "postgres://db/webhooks"
        );
        assert_eq!(
            Location::parse("postgres://app@db/webhooks?password=hunter2&sslmode=require")
                .to_string(),
            "postgres://app@db/webhooks?password=***&sslmode=require"
        );
    }
}
