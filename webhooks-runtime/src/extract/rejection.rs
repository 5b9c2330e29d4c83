//! Why a request was refused before its handler ran: [`AuthRejection`] (401 / 403) and
//! [`JsonRejection`] (422).

use std::fmt;

use http::StatusCode;
use serde::Serialize;

pub use crate::auth::AuthRejection;
use crate::json::JsonError;
use crate::payload::PayloadError;
use crate::response::{IntoResponse, Response, json_response};

/// A body that is not the JSON a handler argument asked for: answered
/// `422 {"error": "...", "path": "repo.owner.id"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonRejection {
    /// Not a valid [`WebhookPayload`](crate::WebhookPayload).
    Payload(PayloadError),
    /// Not a valid `T` for a [`Json<T>`](crate::Json) argument.
    Json(JsonError),
}

impl JsonRejection {
    /// The dotted path of the failing field (`.` for the whole document).
    pub fn path(&self) -> &str {
        match self {
            Self::Payload(err) => err.path(),
            Self::Json(err) => err.path(),
        }
    }
}

impl fmt::Display for JsonRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Payload(err) => err.fmt(f),
            Self::Json(err) => write!(
                f,
                "invalid JSON body at `{}`: {}",
                err.path(),
                err.message()
            ),
        }
    }
}

impl std::error::Error for JsonRejection {}

impl IntoResponse for JsonRejection {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: String,
            path: &'a str,
        }
        json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Body {
                error: self.to_string(),
                path: self.path(),
            },
        )
    }
}
