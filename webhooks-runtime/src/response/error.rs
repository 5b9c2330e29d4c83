//! Errors a handler answers with.

use std::borrow::Cow;

use http::StatusCode;

use super::{IntoResponse, Response, error};

/// An error a handler returns to answer with a status and `{"error": message}`, like FastAPI's
/// `HTTPException` in the reference.
///
/// # Examples
/// ```
/// use webhooks_runtime::{HttpError, http::StatusCode};
///
/// fn check(repo: &str) -> Result<(), HttpError> {
///     if repo.is_empty() {
///         return Err(HttpError::new(StatusCode::BAD_REQUEST, "empty repo name"));
///     }
///     Ok(())
/// }
/// assert_eq!(check("").unwrap_err().status(), StatusCode::BAD_REQUEST);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    status: StatusCode,
    message: Cow<'static, str>,
}

impl HttpError {
    /// An error answered with `status` and `{"error": message}`.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message it answers with.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for HttpError {}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        error(self.status, &self.message)
    }
}
