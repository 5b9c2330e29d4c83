//! What handlers return: the [`IntoResponse`] trait and its impls, [`HttpError`] for an error
//! with a status, [`Accepted`] for work that goes on after the answer, and [`Html`].
//!
//! Every answer this crate writes itself is JSON: `{"error": "..."}` for problems with a delivery
//! (the reference's own shape for 401 and 403), `{"detail": "..."}` for 404 and 405 (FastAPI's,
//! which the reference answers with).

mod accepted;
mod error;

pub use accepted::Accepted;
pub(crate) use accepted::take_background;
#[cfg(feature = "postgres")]
pub(crate) use error::with_causes;
pub(crate) use error::{Failure, Rejected};
pub use error::{HandlerError, HttpError};

use std::borrow::Cow;
use std::convert::Infallible;

use bytes::Bytes;
use http::StatusCode;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http_body_util::Full;
use serde::Serialize;

/// The body of every response: a complete buffer, since webhook answers are small.
pub type Body = Full<Bytes>;

/// The response type handlers produce and the server sends.
pub type Response = http::Response<Body>;

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

/// Turns a handler's return value into the HTTP answer sent to the Hub.
///
/// | returned | answer |
/// | --- | --- |
/// | `()` | 200, JSON `null` (what the reference answers for a handler returning `None`) |
/// | `serde_json::Value`, [`Json<T>`](crate::Json) | 200, the JSON |
/// | `String`, `&'static str` | 200, `text/plain` |
/// | [`StatusCode`] | that status, empty body |
/// | `(StatusCode, T)` | `T`'s answer with that status |
/// | `Result<T, E>` | `T`'s answer or `E`'s |
/// | [`Response`] | as is |
/// | [`HttpError`] | its status, `{"error": message}` |
/// | [`HandlerError`] (`Result<T, HandlerError>` lets a handler use `?` on any error) | 500 (or its status), `{"error": "the error: its cause"}` |
/// | [`Accepted`] | 202, and the server runs its work afterwards |
///
/// # Examples
/// ```
/// # use webhooks_runtime::{IntoResponse, http::StatusCode};
/// let response = (StatusCode::ACCEPTED, serde_json::json!({"queued": true})).into_response();
/// assert_eq!(response.status(), StatusCode::ACCEPTED);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a webhook handler",
    label = "this type does not implement `IntoResponse`",
    note = "return `()`, `serde_json::Value`, `Json<T>` (T: Serialize), `String`, `StatusCode`, `(StatusCode, T)`, `Result<T, E>`, `HttpError`, `Result<T, HandlerError>` (for `?` on any error) or a `Response`, or implement `webhooks::IntoResponse`"
)]
pub trait IntoResponse {
    /// Builds the response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        json_bytes(StatusCode::OK, Bytes::from_static(b"null"))
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::default());
        *response.status_mut() = self;
        response
    }
}

impl IntoResponse for serde_json::Value {
    fn into_response(self) -> Response {
        json_response(StatusCode::OK, &self)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        text(Bytes::from(self))
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        text(Bytes::from_static(self.as_bytes()))
    }
}

impl IntoResponse for Cow<'static, str> {
    fn into_response(self) -> Response {
        match self {
            Cow::Borrowed(s) => s.into_response(),
            Cow::Owned(s) => s.into_response(),
        }
    }
}

impl IntoResponse for Infallible {
    fn into_response(self) -> Response {
        match self {}
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        *response.status_mut() = self.0;
        response
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(ok) => ok.into_response(),
            Err(err) => err.into_response(),
        }
    }
}

/// An HTML page: `text/html; charset=utf-8`, for a custom UI.
///
/// # Examples
/// ```
/// # use webhooks_runtime::{IntoResponse, response::Html};
/// let response = Html("<h1>Hello</h1>").into_response();
/// assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Html<T>(pub T);

impl<T: Into<Bytes>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        let mut response = Response::new(Full::new(self.0.into()));
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        response
    }
}

/// `status` with `{"error": message}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    #[derive(Serialize)]
    struct ErrorBody<'a> {
        error: &'a str,
    }
    json_response(status, &ErrorBody { error: message })
}

/// What went wrong, in one line, for an answer that is not a success: the error a
/// [`HandlerError`] carried, the `error` of a JSON body, a text body, or the status.
pub(crate) async fn failure_message(response: Response) -> String {
    use http_body_util::BodyExt;
    const MAX: usize = 500;
    if let Some(Failure(message)) = response.extensions().get::<Failure>() {
        return message.to_string();
    }
    let status = response.status();
    let body = match response.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    let json_error = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|json| json.get("error")?.as_str().map(str::to_owned));
    let text = json_error.unwrap_or_else(|| String::from_utf8_lossy(&body).trim().to_owned());
    let text = match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    };
    if text.is_empty() {
        format!("the handler answered {status}")
    } else {
        format!("the handler answered {status}: {text}")
    }
}

/// `405 {"detail":"Method Not Allowed"}` with the methods the path takes in `Allow`.
pub(crate) fn method_not_allowed(allow: &'static str) -> Response {
    let mut response = json_bytes(
        StatusCode::METHOD_NOT_ALLOWED,
        Bytes::from_static(br#"{"detail":"Method Not Allowed"}"#),
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

/// `404 {"detail":"Not Found"}`, as the reference answers.
pub(crate) fn not_found() -> Response {
    json_bytes(
        StatusCode::NOT_FOUND,
        Bytes::from_static(br#"{"detail":"Not Found"}"#),
    )
}

/// `status` with a body that is already JSON.
pub(crate) fn json_bytes(status: StatusCode, body: Bytes) -> Response {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, APPLICATION_JSON);
    response
}

/// `status` with `value` serialised as JSON (500 if it cannot be).
pub(crate) fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => json_bytes(status, Bytes::from(body)),
        Err(err) => {
            tracing::error!(error = %err, "the handler's answer could not be serialised as JSON");
            json_bytes(
                StatusCode::INTERNAL_SERVER_ERROR,
                Bytes::from_static(br#"{"error":"Internal Server Error: the answer could not be serialised as JSON."}"#),
            )
        }
    }
}

fn text(body: Bytes) -> Response {
    let mut response = Response::new(Full::new(body));
    response.headers_mut().insert(CONTENT_TYPE, TEXT_PLAIN);
    response
}
