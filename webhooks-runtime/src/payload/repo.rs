//! `repo`, and what a delivery says changed in it (`movedTo`, `updatedRefs`, `updatedConfig`).

use serde::{Deserialize, Serialize};

pub use webhooks_core::RepoType;

use super::{ObjectId, Url};

/// The `repo` object: the repository the event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Repo {
    /// The repo's id on the Hub (not its name).
    pub id: String,
    /// The full name, `owner/name` (or a bare legacy name such as `gpt2`).
    pub name: String,
    /// `model`, `dataset` or `space`.
    #[serde(rename = "type")]
    pub repo_type: RepoType,
    /// Whether the repo is private.
    pub private: bool,
    /// The user or organization that owns the repo.
    pub owner: ObjectId,
    /// Web and API URLs of the repo.
    pub url: Url,
    /// The sha of the repo's `main` branch; sent on `repo*` scopes only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_sha: Option<String>,
    /// The Space's subdomain (Spaces only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<String>,
    /// The repo's tags, when the Hub sends them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// `movedTo`: where a repo went, on a `repo` / `move` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MovedTo {
    /// The new full name.
    pub name: String,
    /// The new owner.
    pub owner: ObjectId,
}

/// One entry of `updatedRefs`: a git ref that a `repo.content` event changed.
///
/// `old_sha` is `None` for a created ref and `new_sha` is `None` for a deleted one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdatedRef {
    /// The ref, e.g. `refs/heads/main`, `refs/tags/v1`, `refs/pr/5`, `refs/convert/parquet`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The sha before the change (`null` for a created ref).
    #[serde(default)]
    pub old_sha: Option<String>,
    /// The sha after the change (`null` for a deleted ref).
    #[serde(default)]
    pub new_sha: Option<String>,
}

impl UpdatedRef {
    /// A ref moved from `old_sha` to `new_sha` (`None` for a created or deleted ref), e.g. for a
    /// test payload built with
    /// [`WebhookPayload::with_updated_refs`](crate::WebhookPayload::with_updated_refs).
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::payload::UpdatedRef;
    ///
    /// let tag = UpdatedRef::new("refs/tags/v1", None, Some("575db8b"));
    /// assert!(tag.is_created());
    /// ```
    pub fn new(reference: impl Into<String>, old_sha: Option<&str>, new_sha: Option<&str>) -> Self {
        Self {
            reference: reference.into(),
            old_sha: old_sha.map(str::to_owned),
            new_sha: new_sha.map(str::to_owned),
        }
    }

    /// Whether the event created this ref.
    pub fn is_created(&self) -> bool {
        self.old_sha.is_none() && self.new_sha.is_some()
    }

    /// Whether the event deleted this ref.
    pub fn is_deleted(&self) -> bool {
        self.new_sha.is_none()
    }

    /// The branch name for `refs/heads/<branch>`, else `None`.
    pub fn branch(&self) -> Option<&str> {
        self.reference.strip_prefix("refs/heads/")
    }
}

/// `updatedConfig`: what a `repo.config` event changed. Today the Hub sends `{"private": bool}` or `{}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdatedConfig {
    /// The new visibility, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    /// Any other key the Hub sends, kept as-is.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}
