//! [`Error`]: everything a Hub call can fail with, and [`ApiError`], the Hub's own error answers.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};

/// What went wrong with a Hub call. No variant ever holds the token.
///
/// # Examples
/// ```
/// use webhooks_hub::Error;
///
/// fn explain(error: &Error) -> String {
///     match error {
///         Error::Api(api) if api.status == 401 => format!("check your token: {}", api.message),
///         Error::Api(api) if api.status == 404 => "no such webhook".to_owned(),
///         other => other.to_string(),
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
    /// The Hub answered with an error status (4xx, 5xx).
    #[error(transparent)]
    Api(#[from] ApiError),
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
        }
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
    fn long_text_bodies_are_cut() {
        let long = "x".repeat(600);
        let message = api(&[], &long).message;
        assert_eq!(message.chars().count(), 501);
        assert!(message.ends_with('…'));
    }
}
