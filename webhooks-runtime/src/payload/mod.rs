//! The Hub's webhook payload (version 3) as typed Rust: [`WebhookPayload`] and its parts.
//!
//! JSON names are camelCase and Rust fields snake_case; fields the Hub does not always send are
//! `Option`s; unknown keys are ignored; every string set the Hub may extend (actions, repo types,
//! statuses) has an `Other(String)` arm, and [`Scope`] is an open dotted path. Serialising a payload
//! gives back the Hub's JSON for every modelled field.

mod discussion;
mod event;
mod job;
mod repo;
mod samples;
pub(crate) mod summary;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use discussion::{Changes, Comment, Discussion, DiscussionStatus};
pub use event::{Action, Event, Scope};
pub use job::{FromEnvError, PAYLOAD_VAR, REPO_ID_VAR, REPO_TYPE_VAR};
pub use repo::{MovedTo, Repo, RepoType, UpdatedConfig, UpdatedRef};

use crate::json::{self, JsonError};

/// The only payload version this crate speaks (the Hub's current one).
pub const SUPPORTED_VERSION: u64 = 3;

/// One webhook delivery from the Hugging Face Hub (payload version 3).
///
/// Use it as a handler argument and the server parses and validates the body for you (422 naming
/// the failing field otherwise); or parse bytes yourself with [`WebhookPayload::from_slice`].
///
/// # Examples
/// ```
/// # use webhooks_runtime::payload::{Action, RepoType, WebhookPayload};
/// let body = br#"{
///   "event": {"action": "update", "scope": "repo.content"},
///   "repo": {"type": "dataset", "name": "me/data", "id": "1", "private": false,
///            "url": {"web": "https://huggingface.co/datasets/me/data"}, "owner": {"id": "2"},
///            "headSha": "abc"},
///   "webhook": {"id": "3", "version": 3}
/// }"#;
/// let payload = WebhookPayload::from_slice(body).unwrap();
/// assert_eq!(payload.event.action, Action::Update);
/// assert_eq!(payload.repo.repo_type, RepoType::Dataset);
/// assert_eq!(payload.repo.head_sha.as_deref(), Some("abc"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookPayload {
    /// What happened.
    pub event: Event,
    /// The repo it happened in.
    pub repo: Repo,
    /// The discussion or pull request, on `discussion*` scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discussion: Option<Discussion>,
    /// The comment, on `discussion.comment` events and discussion creations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Comment>,
    /// The webhook that sent this delivery.
    pub webhook: Webhook,
    /// Where the repo was moved, on `repo` / `move` events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<MovedTo>,
    /// The git refs a `repo.content` event changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_refs: Option<Vec<UpdatedRef>>,
    /// What a `repo.config` event changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_config: Option<UpdatedConfig>,
}

/// `{"id": ...}`: how the Hub points at a user, an organization or an author.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObjectId {
    /// The Hub's id of the object.
    pub id: String,
}

/// `{"web": ..., "api": ...}`: where to see something in a browser and through the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Url {
    /// The page a person opens.
    pub web: String,
    /// The API URL, when the Hub sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
}

/// The `webhook` object: which webhook sent the delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Webhook {
    /// The webhook's id (see it in your Hub settings).
    pub id: String,
    /// The payload version; always [`SUPPORTED_VERSION`] for a payload that parsed.
    pub version: u64,
}

impl WebhookPayload {
    /// Parses and validates a delivery body.
    ///
    /// Fails with [`PayloadError`] when the bytes are not JSON, when a field is missing or has the
    /// wrong type (naming its path), for a legacy version-2 payload, or for any version but 3.
    #[inline]
    pub fn from_slice(bytes: &[u8]) -> Result<Self, PayloadError> {
        // Straight from serde_json into the result (`decode` is inlined): each layer of `Result`
        // a payload passes through is a copy of its ~750 bytes. Everything that explains a
        // failure is in `rejected`, which only a failing body reaches.
        match json::decode::<Self>(bytes) {
            Ok(payload) if payload.webhook.version == SUPPORTED_VERSION => Ok(payload),
            _ => Err(rejected(bytes)),
        }
    }
}

/// Why `bytes` is not a version-3 payload: its version when it has another one (an old or future
/// payload gets a message about its version rather than about the first field that differs),
/// else the path of the first field that fails.
#[cold]
fn rejected(bytes: &[u8]) -> PayloadError {
    match json::from_slice_tracked::<WebhookPayload>(bytes) {
        Ok(payload) => PayloadError::UnsupportedVersion(payload.webhook.version),
        Err(err) => diagnose_version(bytes).unwrap_or(PayloadError::Invalid(err)),
    }
}

fn diagnose_version(bytes: &[u8]) -> Option<PayloadError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if value.get("event").is_some_and(serde_json::Value::is_string) {
        return Some(PayloadError::LegacyVersion2);
    }
    let version = value.get("webhook")?.get("version")?.as_u64()?;
    (version != SUPPORTED_VERSION).then_some(PayloadError::UnsupportedVersion(version))
}

/// Why a body is not a valid [`WebhookPayload`]. Answered as `422 Unprocessable Entity`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadError {
    /// Not JSON, or JSON of the wrong shape; says which field.
    Invalid(JsonError),
    /// A legacy version-2 payload (flat `"event": "add"`, top-level `scope`).
    LegacyVersion2,
    /// A `webhook.version` other than 3.
    UnsupportedVersion(u64),
}

impl PayloadError {
    /// The dotted path of the field at fault (`.` for the whole document).
    pub fn path(&self) -> &str {
        match self {
            Self::Invalid(err) => err.path(),
            Self::LegacyVersion2 => "event",
            Self::UnsupportedVersion(_) => "webhook.version",
        }
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(err) => write!(f, "invalid webhook payload at `{}`: {}", err.path(), err.message()),
            Self::LegacyVersion2 => f.write_str(
                "webhook payload version 2 is not supported: set the webhook to version 3 in your Hub settings",
            ),
            Self::UnsupportedVersion(version) => write!(
                f,
                "webhook payload version {version} is not supported: this server understands version {SUPPORTED_VERSION}"
            ),
        }
    }
}

impl std::error::Error for PayloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid(err) => Some(err),
            _ => None,
        }
    }
}
