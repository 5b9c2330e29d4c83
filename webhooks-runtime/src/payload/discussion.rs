//! `discussion` and `comment`: the community side of a repo.

use serde::{Deserialize, Serialize};

use super::{ObjectId, Url};

/// The `discussion` object: a discussion or pull request (sent on `discussion*` scopes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Discussion {
    /// The discussion's id on the Hub.
    pub id: String,
    /// Its number in the repo (`/discussions/19`).
    pub num: u64,
    /// Who opened it.
    pub author: ObjectId,
    /// Its title.
    pub title: String,
    /// Web and API URLs.
    pub url: Url,
    /// Whether it is a pull request.
    pub is_pull_request: bool,
    /// `open`, `closed`, `draft` or `merged`.
    pub status: DiscussionStatus,
    /// For pull requests: the target ref and, once merged, the merge commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// Whether it is pinned, when the Hub says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

webhooks_core::string_enum! {
    /// The status of a discussion or pull request.
    pub enum DiscussionStatus {
        /// Open.
        Open = "open",
        /// Closed without merging.
        Closed = "closed",
        /// A draft pull request.
        Draft = "draft",
        /// A merged pull request.
        Merged = "merged",
    }
}

/// `discussion.changes`: what a pull request changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Changes {
    /// The ref the pull request targets, e.g. `refs/heads/main`.
    pub base: String,
    /// The merge commit, once merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_commit_id: Option<String>,
}

/// The `comment` object (sent with `discussion` creations and `discussion.comment` events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Comment {
    /// The comment's id.
    pub id: String,
    /// Who wrote it.
    pub author: ObjectId,
    /// Whether it is hidden (then `content` is absent).
    pub hidden: bool,
    /// Web (and sometimes API) URL.
    pub url: Url,
    /// The text, absent when hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}
