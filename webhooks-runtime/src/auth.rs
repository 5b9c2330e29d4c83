//! The webhook secret: where it is read from, how it is compared, and the 401 / 403 answers.
//!
//! The Hub sends the secret verbatim in the `X-Webhook-Secret` header, or in a `?secret=` query
//! parameter when the user put it in the webhook URL. Both are accepted; the header wins when both
//! are present. The check runs before a single body byte is read, and compares in constant time.

use bytes::Bytes;
use http::{HeaderName, StatusCode, request::Parts};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::response::{IntoResponse, Response, json_bytes};

/// The header the Hub puts the secret in.
pub const SECRET_HEADER: HeaderName = HeaderName::from_static("x-webhook-secret");

/// A configured secret: redacted in `Debug` (by `secrecy`), compared in constant time.
pub(crate) type Secret = SecretString;

/// Why a request was refused before its body was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No secret in the header or the query: 401.
    Missing,
    /// A secret that is not the configured one: 403.
    Invalid,
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Missing => json_bytes(
                StatusCode::UNAUTHORIZED,
                Bytes::from_static(br#"{"error":"x-webhook-secret header not set."}"#),
            ),
            Self::Invalid => json_bytes(
                StatusCode::FORBIDDEN,
                Bytes::from_static(br#"{"error":"Invalid webhook secret."}"#),
            ),
        }
    }
}

/// The server's secret policy: open when no secret is configured; otherwise any of the accepted
/// secrets (the current one, and old ones during a rotation) lets a delivery in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Auth {
    secrets: Vec<Secret>,
}

impl Auth {
    pub(crate) fn new(secrets: Vec<Secret>) -> Self {
        Self { secrets }
    }

    pub(crate) fn is_open(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The current secret (the first accepted one), if any.
    pub(crate) fn current(&self) -> Option<&Secret> {
        self.secrets.first()
    }

    /// Checks a request head against the configured secret.
    pub(crate) fn check(&self, head: &Parts) -> Result<(), AuthRejection> {
        if self.is_open() {
            return Ok(());
        }
        let matches = match head.headers.get(SECRET_HEADER) {
            Some(value) => self.any_matches(value.as_bytes()),
            None => match query_secret(head.uri.query()) {
                Some(value) => self.any_matches(value.as_bytes()),
                None => return Err(AuthRejection::Missing),
            },
        };
        if matches {
            Ok(())
        } else {
            Err(AuthRejection::Invalid)
        }
    }
}

impl Auth {
    /// Compares against every accepted secret, without stopping at the first match, so the time
    /// taken depends only on the lengths, never on which secret matched or where bytes differ.
    fn any_matches(&self, candidate: &[u8]) -> bool {
        self.secrets
            .iter()
            .fold(subtle::Choice::from(0), |any, secret| {
                any | secret.expose_secret().as_bytes().ct_eq(candidate)
            })
            .into()
    }
}

/// The query parameter that may carry the secret, as its decoded name.
const SECRET_PARAM: &str = "secret";

/// The decoded value of the first `secret=` query parameter; other parameters are ignored.
fn query_secret(query: Option<&str>) -> Option<std::borrow::Cow<'_, str>> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == SECRET_PARAM)
        .map(|(_, value)| value)
}

/// Whether one `name=value` pair of a query is the secret parameter, however its name is
/// encoded (`s%65cret=` is read as `secret=` by [`query_secret`] too).
pub(crate) fn is_secret_param(pair: &str) -> bool {
    form_urlencoded::parse(pair.as_bytes())
        .next()
        .is_some_and(|(key, _)| key == SECRET_PARAM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(uri: &str, header: Option<&str>) -> Parts {
        let mut builder = http::Request::post(uri);
        if let Some(value) = header {
            builder = builder.header(SECRET_HEADER, value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn header_query_and_precedence() {
        let auth = Auth::new(vec![Secret::from("s3cr=t")]);
        assert_eq!(auth.check(&head("/w", Some("s3cr=t"))), Ok(()));
        assert_eq!(auth.check(&head("/w?a=1&secret=s3cr%3Dt", None)), Ok(()));
        assert_eq!(auth.check(&head("/w", None)), Err(AuthRejection::Missing));
        assert_eq!(
            auth.check(&head("/w?secrets=s3cr%3Dt", None)),
            Err(AuthRejection::Missing)
        );
        assert_eq!(
            auth.check(&head("/w", Some("nope"))),
            Err(AuthRejection::Invalid)
        );
        // The header wins: a wrong header is not rescued by a right query.
        assert_eq!(
            auth.check(&head("/w?secret=s3cr%3Dt", Some("nope"))),
            Err(AuthRejection::Invalid)
        );
        assert_eq!(
            auth.check(&head("/w", Some("s3cr=t-longer"))),
            Err(AuthRejection::Invalid)
        );
        assert_eq!(
            auth.check(&head("/w", Some(""))),
            Err(AuthRejection::Invalid)
        );
    }

    #[test]
    fn any_of_several_secrets_during_a_rotation() {
        let auth = Auth::new(vec![Secret::from("new"), Secret::from("old")]);
        assert_eq!(auth.check(&head("/w", Some("new"))), Ok(()));
        assert_eq!(auth.check(&head("/w", Some("old"))), Ok(()));
        assert_eq!(auth.check(&head("/w?secret=old", None)), Ok(()));
        assert_eq!(
            auth.check(&head("/w", Some("older"))),
            Err(AuthRejection::Invalid)
        );
    }

    #[test]
    fn open_without_a_secret() {
        assert_eq!(Auth::new(Vec::new()).check(&head("/w", None)), Ok(()));
    }
}
