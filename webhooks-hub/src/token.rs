//! [`Token`]: the Hub access token, found the way `huggingface_hub` finds it, and never shown.
//!
//! Order: the token given to the client, else `HF_TOKEN`, else the file the `hf` command line
//! writes on `hf auth login`: `$HF_TOKEN_PATH`, else `$HF_HOME/token`, else
//! `$XDG_CACHE_HOME/huggingface/token`, else `~/.cache/huggingface/token`. Values are trimmed; an
//! empty one counts as absent.

use std::fmt;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// The environment variable holding a token.
pub const TOKEN_VAR: &str = "HF_TOKEN";

/// A Hub access token, held in a [`SecretString`] (zeroed when dropped). Its `Debug` output is
/// `Token(<redacted>)` and it has no `Display`: the client sends it in the `Authorization`
/// header and nowhere else, and never logs it.
///
/// # Examples
/// ```
/// use webhooks_hub::Token;
///
/// let token = Token::new("hf_abc");
/// assert_eq!(format!("{token:?}"), "Token(<redacted>)");
/// assert_eq!(token.expose(), "hf_abc");
/// ```
#[derive(Clone)]
pub struct Token(SecretString);

impl Token {
    /// Wraps a token (surrounding whitespace removed).
    pub fn new(token: impl Into<String>) -> Self {
        let untrimmed = SecretString::from(token.into());
        Self(SecretString::from(untrimmed.expose_secret().trim()))
    }

    /// The token itself. Keep it out of logs.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The token from `HF_TOKEN`, else from the token file; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// [`Error::TokenFile`] when the token file exists but cannot be read.
    ///
    /// # Examples
    /// ```no_run
    /// let token = webhooks_hub::Token::from_env().unwrap();
    /// println!("logged in: {}", token.is_some());
    /// ```
    pub fn from_env() -> Result<Option<Self>, Error> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the environment read through `lookup`, for tests and
    /// for programs that keep their settings elsewhere.
    ///
    /// # Examples
    /// ```
    /// use webhooks_hub::Token;
    ///
    /// let token = Token::from_env_with(|name| (name == "HF_TOKEN").then(|| "hf_abc\n".to_owned()));
    /// assert_eq!(token.unwrap().unwrap().expose(), "hf_abc");
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, Error> {
        if let Some(token) = non_empty(lookup(TOKEN_VAR)) {
            return Ok(Some(Self::new(token)));
        }
        let Some(path) = token_path_with(&lookup) else {
            return Ok(None);
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(non_empty(Some(text)).map(Self::new)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::TokenFile { path, source }),
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl From<String> for Token {
    fn from(token: String) -> Self {
        Self::new(token)
    }
}

impl From<&str> for Token {
    fn from(token: &str) -> Self {
        Self::new(token)
    }
}

/// Where the `hf` command line keeps the token: `$HF_TOKEN_PATH`, else `$HF_HOME/token`, else
/// `$XDG_CACHE_HOME/huggingface/token`, else `~/.cache/huggingface/token`; `None` without a home
/// directory.
///
/// # Examples
/// ```
/// let path = webhooks_hub::token_path_with(|name| (name == "HF_HOME").then(|| "/data/hf".to_owned()));
/// assert_eq!(path.unwrap(), std::path::Path::new("/data/hf/token"));
/// ```
pub fn token_path_with(lookup: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(path) = non_empty(lookup("HF_TOKEN_PATH")) {
        return Some(expand_home(&path, &lookup));
    }
    let hf_home = match non_empty(lookup("HF_HOME")) {
        Some(home) => expand_home(&home, &lookup),
        None => {
            let cache = match non_empty(lookup("XDG_CACHE_HOME")) {
                Some(cache) => expand_home(&cache, &lookup),
                None => home_dir(&lookup)?.join(".cache"),
            };
            cache.join("huggingface")
        }
    };
    Some(hf_home.join("token"))
}

/// [`token_path_with`] on the process environment.
///
/// # Examples
/// ```
/// if let Some(path) = webhooks_hub::token_path() {
///     println!("the token file is {}", path.display());
/// }
/// ```
pub fn token_path() -> Option<PathBuf> {
    token_path_with(|name| std::env::var(name).ok())
}

/// `~` or `~/...` made absolute, as Python's `expanduser` does.
fn expand_home(path: &str, lookup: &impl Fn(&str) -> Option<String>) -> PathBuf {
    if path == "~" {
        if let Some(home) = home_dir(lookup) {
            return home;
        }
    } else if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = home_dir(lookup)
    {
        return home.join(rest);
    }
    PathBuf::from(path)
}

fn home_dir(lookup: &impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    non_empty(lookup(var)).map(PathBuf::from)
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|value| !value.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn the_token_file_is_found_where_huggingface_hub_puts_it() {
        let path = |vars| token_path_with(env(vars)).unwrap();
        assert_eq!(
            path(&[("HOME", "/home/me")]),
            Path::new("/home/me/.cache/huggingface/token")
        );
        assert_eq!(
            path(&[("HOME", "/home/me"), ("XDG_CACHE_HOME", "/cache")]),
            Path::new("/cache/huggingface/token")
        );
        assert_eq!(
            path(&[("HOME", "/home/me"), ("HF_HOME", "~/hf")]),
            Path::new("/home/me/hf/token")
        );
        assert_eq!(
            path(&[("HF_HOME", "/hf"), ("HF_TOKEN_PATH", "/secrets/t")]),
            Path::new("/secrets/t")
        );
        assert_eq!(token_path_with(env(&[])), None);
    }

    #[test]
    fn hf_token_wins_and_blank_values_are_absent() {
        let token = Token::from_env_with(env(&[("HF_TOKEN", " hf_env ")])).unwrap();
        assert_eq!(token.unwrap().expose(), "hf_env");
        let none = Token::from_env_with(env(&[
            ("HF_TOKEN", "  "),
            ("HF_TOKEN_PATH", "/definitely/not/here"),
        ]))
        .unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn the_token_file_is_read_and_trimmed() {
        let dir = std::env::temp_dir().join(format!("webhooks-hub-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("token"), "hf_file\n").unwrap();
        let home = dir.to_str().unwrap().to_owned();
        let token = Token::from_env_with(move |name| (name == "HF_HOME").then(|| home.clone()));
        assert_eq!(token.unwrap().unwrap().expose(), "hf_file");
        std::fs::write(dir.join("token"), "\n").unwrap();
        let home = dir.to_str().unwrap().to_owned();
        let token = Token::from_env_with(move |name| (name == "HF_HOME").then(|| home.clone()));
        assert!(token.unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
