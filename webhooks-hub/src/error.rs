//! [`Error`]: everything a Hub call can fail with, and [`ApiError`], the Hub's own error answers.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};

/// What went wrong with a Hub call. No variant ever holds the token.
///
/// # Examples
/// ```
/// use webhooks_hub::{ApiErrorKind, Error};
///
/// fn explain(error: &Error) -> String {
///     match error.api_kind() {
///         Some(ApiErrorKind::Unauthorized) => format!("check your token: {error}"),
///         Some(ApiErrorKind::NotFound) => "no such webhook".to_owned(),
///         _ => error.to_string(),
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The call was refused before any request was sent, e.g. "Set `url` or `job_id` but not
    /// both.".
    #[error("{0}")]
    InvalidArgument(String),
    /// No token was given, `HF_TOKEN` is not set and there is no token file.
    #[error(
        "no Hugging Face token: pass one, set `HF_TOKEN`, or log in with `hf auth login` \
         (which writes {})",
        token_path.as_ref().map_or_else(|| "$HF_HOME/token".to_owned(), |path| path.display().to_string())
    )]
    MissingToken {
        /// Where the token file was looked for.
        token_path: Option<PathBuf>,
    },
    /// The token file exists but cannot be read.
    #[error("cannot read the token file {}: {source}", path.display())]
    TokenFile {
        /// The token file.
        path: PathBuf,
        /// Why it cannot be read.
        #[source]
        source: std::io::Error,
    },
    /// The Hub's base URL (`HF_ENDPOINT`) is not an `http` or `https` URL.
    #[error("invalid Hub endpoint `{endpoint}`: {reason}")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The Hub answered with an error status (4xx, 5xx); boxed, to keep `Result`s small.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The Hub could not be reached (DNS, connection, TLS, connection closed early).
    #[error("cannot reach the Hub at {url}: {message}")]
    Connection {
        /// The URL of the request.
        url: String,
        /// The cause, its whole chain on one line.
        message: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The Hub did not answer within the client's timeout.
    #[error("the Hub at {url} did not answer within {timeout:?}")]
    Timeout {
        /// The URL of the request.
        url: String,
        /// The timeout.
        timeout: Duration,
    },
    /// The Hub answered success with a body this client cannot read.
    #[error("unexpected answer from the Hub at {url}: {reason}")]
    UnexpectedResponse {
        /// The URL of the request.
        url: String,
        /// What is wrong with the answer.
        reason: String,
    },
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Self::Api(Box::new(error))
    }
}

impl Error {
    /// The HTTP status, when the Hub answered with an error.
    ///
    /// # Examples
    /// ```
    /// let error = webhooks_hub::Error::InvalidArgument("no".into());
    /// assert_eq!(error.status(), None);
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(api) => Some(api.status),
            _ => None,
        }
    }

    /// What kind of refusal it is, when the Hub answered with an error.
    ///
    /// # Examples
    /// ```
    /// # use webhooks_hub::Error;
    /// let error = Error::InvalidArgument("no".into());
    /// assert_eq!(error.api_kind(), None);
    /// ```
    pub fn api_kind(&self) -> Option<ApiErrorKind> {
        match self {
            Self::Api(api) => Some(api.kind()),
            _ => None,
        }
    }

    /// Whether the Hub said the token is missing, invalid or expired (401).
    pub fn is_unauthorized(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::Unauthorized)
    }

    /// Whether the Hub said the token may not do this (403).
    pub fn is_forbidden(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::Forbidden)
    }

    /// Whether the Hub said there is no such thing: no such webhook, repo, discussion or Job.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// match hub.get_webhook("654bbbc16f2ec14d77f109cc").await {
    ///     Ok(webhook) => println!("{}", webhook.target()),
    ///     Err(error) if error.is_not_found() => println!("already deleted"),
    ///     Err(error) => return Err(error),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::NotFound)
    }
}

/// The kinds of error answers a program reacts to differently, from the status and the Hub's
/// `X-Error-Code` header (as `huggingface_hub` tells them apart).
///
/// # Examples
/// ```
/// use webhooks_hub::ApiErrorKind;
///
/// assert_eq!(ApiErrorKind::from_status(403, None), ApiErrorKind::Forbidden);
/// // The Hub answers 401 for a repo it does not show you; its error code says which.
/// assert_eq!(ApiErrorKind::from_status(401, Some("RepoNotFound")), ApiErrorKind::NotFound);
/// assert_eq!(ApiErrorKind::from_status(502, None), ApiErrorKind::Server);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400: the request was refused as it was (the message says why).
    BadRequest,
    /// 401: no token, or an invalid or expired one.
    Unauthorized,
    /// 403: the token is valid but may not do this (read-only token, not a member, gated).
    Forbidden,
    /// 404, or an `X-Error-Code` of `RepoNotFound`, `EntryNotFound` or `RevisionNotFound`.
    NotFound,
    /// 409: it conflicts with what exists.
    Conflict,
    /// 429: too many requests; try again later.
    RateLimited,
    /// 5xx: the Hub failed; trying again later may work.
    Server,
    /// Any other error status.
    Other,
}

impl ApiErrorKind {
    /// The kind of an answer with this status and `X-Error-Code`.
    pub fn from_status(status: u16, error_code: Option<&str>) -> Self {
        if matches!(
            error_code,
            Some("RepoNotFound" | "EntryNotFound" | "RevisionNotFound")
        ) {
            return Self::NotFound;
        }
        match status {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            409 => Self::Conflict,
            429 => Self::RateLimited,
            500..=599 => Self::Server,
            _ => Self::Other,
        }
    }
}

/// An error answer of the Hub: its status, and its message as `huggingface_hub` finds it (the
/// `X-Error-Message` header, then the JSON body's `error`, `error_description` or
/// `errors[].message`, else a non-HTML text body).
///
/// # Examples
/// ```
/// # use webhooks_hub::ApiError;
/// fn show(error: &ApiError) {
///     eprintln!("{} {}: {}", error.method, error.path, error.message);
/// }
/// # let _ = show;
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The Hub's message; empty when it gave none.
    pub message: String,
    /// The request's method.
    pub method: Method,
    /// The request's path, e.g. `/api/settings/webhooks/abc`.
    pub path: String,
    /// The Hub's request id (`X-Request-Id`), to quote when reporting a problem.
    pub request_id: Option<String>,
    /// The Hub's error code (`X-Error-Code`), e.g. `RepoNotFound`, `GatedRepo`.
    pub error_code: Option<String>,
}

impl ApiError {
    pub(crate) fn from_answer(
        method: Method,
        path: String,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let mut messages: Vec<String> = header("x-error-message").into_iter().collect();
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(json) => messages.extend(json_messages(&json)),
            Err(_) => {
                let html = header("content-type").is_some_and(|kind| kind.contains("html"));
                let text = String::from_utf8_lossy(body);
                if !html && !text.trim().is_empty() {
                    messages.push(shorten(text.trim(), 500));
                }
            }
        }
        let mut unique: Vec<String> = Vec::new();
        for message in messages {
            if !message.is_empty() && !unique.contains(&message) {
                unique.push(message);
            }
        }
        Self {
            status,
            message: unique.join("; "),
            method,
            path,
            request_id: header("x-request-id"),
            error_code: header("x-error-code"),
        }
    }

    /// What kind of refusal it is.
    ///
    /// # Examples
    /// ```
    /// # use webhooks_hub::{ApiError, ApiErrorKind};
    /// fn retry_later(error: &ApiError) -> bool {
    ///     matches!(error.kind(), ApiErrorKind::RateLimited | ApiErrorKind::Server)
    /// }
    /// # let _ = retry_later;
    /// ```
    pub fn kind(&self) -> ApiErrorKind {
        ApiErrorKind::from_status(self.status.as_u16(), self.error_code.as_deref())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the Hub answered {} to {} {}",
            self.status, self.method, self.path
        )?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The messages of a JSON error body, in `huggingface_hub`'s order.
fn json_messages(json: &serde_json::Value) -> Vec<String> {
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.trim().to_owned(),
        other => other.to_string(),
    };
    let mut messages = Vec::new();
    let description = json.get("error_description").map(text);
    match json.get("error") {
        Some(serde_json::Value::Array(errors)) => messages.extend(errors.iter().map(text)),
        Some(error) => match &description {
            Some(description) => messages.push(format!("{}: {description}", text(error))),
            None => messages.push(text(error)),
        },
        None => messages.extend(description),
    }
    if let Some(serde_json::Value::Array(errors)) = json.get("errors") {
        messages.extend(
            errors
                .iter()
                .filter_map(|error| error.get("message"))
                .map(text),
        );
    }
    messages
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn api(headers: &[(&'static str, &str)], body: &str) -> ApiError {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        ApiError::from_answer(
            Method::GET,
            "/api/settings/webhooks".into(),
            StatusCode::BAD_REQUEST,
            &map,
            body.as_bytes(),
        )
    }

    #[test]
    fn messages_come_from_where_huggingface_hub_looks() {
        assert_eq!(api(&[], r#"{"error": "Invalid"}"#).message, "Invalid");
        assert_eq!(api(&[], r#"{"error": ["a", "b"]}"#).message, "a; b");
        assert_eq!(
            api(
                &[],
                r#"{"error": "invalid_grant", "error_description": "expired"}"#
            )
            .message,
            "invalid_grant: expired"
        );
        assert_eq!(
            api(&[], r#"{"errors": [{"message": "x"}, {"code": 1}]}"#).message,
            "x"
        );
        assert_eq!(
            api(
                &[("x-error-message", "From header")],
                r#"{"error": "From header"}"#
            )
            .message,
            "From header"
        );
        assert_eq!(api(&[], "Bad Gateway\n").message, "Bad Gateway");
        assert_eq!(
            api(&[("content-type", "text/html")], "<html>oops</html>").message,
            ""
        );
        assert_eq!(api(&[], "").message, "");
    }

    #[test]
    fn display_names_the_call_and_the_request_id() {
        let error = api(&[("x-request-id", "Root=1-abc")], r#"{"error": "Nope"}"#);
        assert_eq!(
            error.to_string(),
            "the Hub answered 400 Bad Request to GET /api/settings/webhooks: Nope (request id Root=1-abc)"
        );
    }

    #[test]
    fn kinds_come_from_the_status_and_the_error_code() {
        let kind = |status: u16, code: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(code) = code {
                headers.insert("x-error-code", HeaderValue::from_str(code).unwrap());
            }
            ApiError::from_answer(
                Method::GET,
                "/api/models/a/b".into(),
                StatusCode::from_u16(status).unwrap(),
                &headers,
                b"",
            )
            .kind()
        };
        assert_eq!(kind(400, None), ApiErrorKind::BadRequest);
        assert_eq!(kind(401, None), ApiErrorKind::Unauthorized);
        assert_eq!(kind(401, Some("RepoNotFound")), ApiErrorKind::NotFound);
        assert_eq!(kind(403, Some("GatedRepo")), ApiErrorKind::Forbidden);
        assert_eq!(kind(404, None), ApiErrorKind::NotFound);
        assert_eq!(kind(409, None), ApiErrorKind::Conflict);
        assert_eq!(kind(429, None), ApiErrorKind::RateLimited);
        assert_eq!(kind(503, None), ApiErrorKind::Server);
        assert_eq!(kind(418, None), ApiErrorKind::Other);
    }

    #[test]
    fn long_text_bodies_are_cut() {
        let long = "x".repeat(600);
        let message = api(&[], &long).message;
        assert_eq!(message.chars().count(), 501);
        assert!(message.ends_with('…'));
    }
}
