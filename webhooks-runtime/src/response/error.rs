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

    /// `500 Internal Server Error` with `{"error": message}`.
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
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

/// Any error, returned from a handler with `?`: answered `500 {"error": "..."}` (or the status
/// you give it), the message being the error and its causes (`a: b: c`, never a backtrace), and
/// logged with the endpoint and the delivery's id. For a queued endpoint it is a failure: the
/// delivery is tried again later.
///
/// Every `std::error::Error + Send + Sync + 'static` converts into it, so `?` works on
/// `std::io::Error`, `serde_json::Error`, `webhooks::hub::Error`, ... An [`HttpError`] keeps its
/// status. (Like `anyhow::Error`, it does not implement `std::error::Error` itself: that is what
/// lets every error convert into it.)
///
/// # Examples
/// ```
/// use webhooks_runtime::response::HandlerError;
/// use webhooks_runtime::WebhookPayload;
///
/// async fn save(payload: WebhookPayload) -> Result<&'static str, HandlerError> {
///     let path = std::env::temp_dir().join("last-delivery.json");
///     std::fs::write(&path, serde_json::to_vec(&payload)?)?;
///     Ok("saved")
/// }
/// ```
pub struct HandlerError {
    status: StatusCode,
    error: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl HandlerError {
    /// An error answered with `status`; `error` is an error or a message.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::response::HandlerError;
    /// use webhooks_runtime::http::StatusCode;
    ///
    /// let error = HandlerError::new(StatusCode::BAD_GATEWAY, "the Hub did not answer");
    /// assert_eq!(error.status(), StatusCode::BAD_GATEWAY);
    /// assert_eq!(error.to_string(), "the Hub did not answer");
    /// ```
    pub fn new(
        status: StatusCode,
        error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            status,
            error: error.into(),
        }
    }

    /// A `500` error saying `message`.
    pub fn msg(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message.into())
    }

    /// The same error, answered with `status`.
    #[must_use]
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error it carries.
    pub fn error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.error
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for HandlerError {
    fn from(error: E) -> Self {
        let error: Box<dyn std::error::Error + Send + Sync + 'static> = Box::new(error);
        let status = error
            .downcast_ref::<HttpError>()
            .map_or(StatusCode::INTERNAL_SERVER_ERROR, HttpError::status);
        Self { status, error }
    }
}

/// The error and its causes: `a: b: c` (a cause whose text the error already shows is left out).
impl std::fmt::Display for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&with_causes(self.error.as_ref()))
    }
}

/// `error`'s text followed by its causes', `a: b: c`, leaving out a cause whose text is already
/// there (the first 8 causes: a chain is short).
pub(crate) fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    for _ in 0..8 {
        let Some(cause) = source else { break };
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

impl std::fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerError")
            .field("status", &self.status)
            .field("error", &self.error)
            .finish()
    }
}

impl IntoResponse for HandlerError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        let mut response = error(self.status, &message);
        response.extensions_mut().insert(Failure(message.into()));
        response
    }
}

/// What went wrong in a handler that returned a [`HandlerError`], carried by its answer to the
/// server, which logs it (and records it for a queued delivery).
#[derive(Debug, Clone)]
pub(crate) struct Failure(pub(crate) std::sync::Arc<str>);

/// Marks an answer as an extractor's rejection: an argument of the handler could not be built
/// from the delivery, so the handler did not run (counted as `reason="parse"` by the metrics).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rejected;

impl Rejected {
    pub(crate) fn mark(mut response: Response) -> Response {
        response.extensions_mut().insert(Rejected);
        response
    }

    pub(crate) fn is(response: &Response) -> bool {
        response.extensions().get::<Rejected>().is_some()
    }
}
