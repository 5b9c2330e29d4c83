//! Discussions and pull requests: the calls a community bot makes, with `huggingface_hub`'s wire
//! format (`HfApi.comment_discussion`, `create_discussion`, ...), and the Hub's answers typed.
//!
//! Every call is on `/api/{type}s/{repo id}/discussions[/{num}[/...]]`, with the repo id
//! keeping its slash.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use crate::RepoType;
use crate::client::{HubClient, segment};
use crate::error::Error;
use crate::repo::RepoRef;

webhooks_core::string_enum! {
    /// The status of a discussion or pull request.
    ///
    /// # Examples
    /// ```
    /// use webhooks_hub::DiscussionStatus;
    ///
    /// assert_eq!(DiscussionStatus::from("merged"), DiscussionStatus::Merged);
    /// assert_eq!(DiscussionStatus::Closed.as_str(), "closed");
    /// ```
    pub enum DiscussionStatus {
        /// Open.
        Open = "open",
        /// Closed without merging.
        Closed = "closed",
        /// A pull request merged.
        Merged = "merged",
        /// A pull request not ready yet (pull requests opened through the API start so).
        Draft = "draft",
    }
}

/// A discussion or pull request to open with
/// [`create_discussion`](HubClient::create_discussion) or
/// [`create_pull_request`](HubClient::create_pull_request).
///
/// The title and description are sent trimmed. Without a description, the Hub is sent one
/// saying where the discussion comes from, as `huggingface_hub` does ("Discussion opened with
/// the hf-webhooks Rust library").
///
/// # Examples
/// ```
/// use webhooks_hub::NewDiscussion;
///
/// let discussion = NewDiscussion::new("Training failed on the new split")
///     .description("The run for `abc123` stopped at step 40.");
/// assert_eq!(discussion.title, "Training failed on the new split");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewDiscussion {
    /// The title (the Hub takes 3 to 200 characters).
    pub title: String,
    /// The first message, in Markdown.
    pub description: Option<String>,
}

impl NewDiscussion {
    /// A discussion with this title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: None,
        }
    }

    /// Its first message, in Markdown.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// `{"title", "description", "pullRequest"}`, as `huggingface_hub` sends it.
    fn body(&self, pull_request: bool) -> Value {
        let description = self
            .description
            .as_deref()
            .map(str::trim)
            .filter(|description| !description.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| {
                format!(
                    "{} opened with the [hf-webhooks Rust library](https://docs.rs/hf-webhooks)",
                    if pull_request {
                        "Pull Request"
                    } else {
                        "Discussion"
                    }
                )
            });
        json!({
            "title": self.title.trim(),
            "description": description,
            "pullRequest": pull_request,
        })
    }
}

/// A discussion or pull request with its events (`get_discussion_details`).
///
/// # Examples
/// ```
/// use webhooks_hub::{DiscussionDetails, DiscussionEvent, DiscussionStatus};
///
/// let details: DiscussionDetails = serde_json::from_str(r#"{
///     "num": 3, "title": "Hello!", "status": "open", "isPullRequest": false,
///     "author": {"name": "me"}, "createdAt": "2024-01-01T00:00:00.000Z",
///     "repo": {"name": "me/my-model", "type": "model"},
///     "events": [{"id": "e1", "type": "comment", "createdAt": "2024-01-01T00:00:00.000Z",
///                 "author": {"name": "me"},
///                 "data": {"edited": false, "hidden": false, "latest": {"raw": "Hi"}}}]
/// }"#).unwrap();
/// assert_eq!(details.status, DiscussionStatus::Open);
/// let DiscussionEvent::Comment(comment) = &details.events[0] else { panic!() };
/// assert_eq!(comment.content, "Hi");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscussionDetails {
    /// Its number in the repo.
    pub num: u64,
    /// Its title.
    pub title: String,
    /// Who opened it (`deleted` for a deleted account).
    pub author: String,
    /// When, as the Hub writes it (RFC 3339).
    pub created_at: String,
    /// Open, closed, merged or draft.
    pub status: DiscussionStatus,
    /// The repo's id.
    pub repo_id: String,
    /// The repo's type.
    pub repo_type: RepoType,
    /// Whether it is a pull request.
    pub is_pull_request: bool,
    /// What happened in it, oldest first.
    pub events: Vec<DiscussionEvent>,
    /// For a pull request: the branch it targets (`changes.base`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_branch: Option<String>,
    /// For a merged pull request: the merge commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_commit_oid: Option<String>,
    /// For a pull request: the files in conflict with its target, when the Hub lists them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicting_files: Option<Value>,
    /// For a pull request: its diff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl<'de> Deserialize<'de> for DiscussionDetails {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            num: u64,
            title: String,
            #[serde(default)]
            author: Option<Author>,
            #[serde(default)]
            created_at: String,
            status: DiscussionStatus,
            repo: WireRepo,
            is_pull_request: bool,
            #[serde(default)]
            events: Vec<DiscussionEvent>,
            #[serde(default)]
            changes: Option<WireChanges>,
            #[serde(default)]
            files_with_conflicts: Option<Value>,
            #[serde(default)]
            diff: Option<String>,
        }
        #[derive(Deserialize)]
        struct WireRepo {
            name: String,
            #[serde(rename = "type")]
            repo_type: RepoType,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct WireChanges {
            base: Option<String>,
            merge_commit_id: Option<String>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let changes = wire.changes.filter(|_| wire.is_pull_request);
        Ok(Self {
            num: wire.num,
            title: wire.title,
            author: author_name(wire.author),
            created_at: wire.created_at,
            status: wire.status,
            repo_id: wire.repo.name,
            repo_type: wire.repo.repo_type,
            is_pull_request: wire.is_pull_request,
            events: wire.events,
            target_branch: changes.as_ref().and_then(|changes| changes.base.clone()),
            merge_commit_oid: changes.and_then(|changes| changes.merge_commit_id),
            conflicting_files: wire.files_with_conflicts.filter(|_| wire.is_pull_request),
            diff: wire.diff,
        })
    }
}

/// One event of a discussion: a comment, a status change, a commit, a title change, or an event
/// of a type this crate does not know yet ([`Other`](Self::Other), kept whole).
///
/// # Examples
/// ```
/// use webhooks_hub::DiscussionEvent;
///
/// let event: DiscussionEvent = serde_json::from_str(
///     r#"{"id": "e9", "type": "pinned", "createdAt": "2024-01-01T00:00:00.000Z", "data": {"pinned": true}}"#,
/// ).unwrap();
/// let DiscussionEvent::Other(other) = &event else { panic!() };
/// assert_eq!(other.kind, "pinned");
/// assert_eq!(event.author(), "deleted"); // no author: a deleted account
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DiscussionEvent {
    /// A comment (`comment`).
    Comment(DiscussionComment),
    /// A status change (`status-change`).
    StatusChange(DiscussionStatusChange),
    /// A commit pushed to a pull request (`commit`).
    Commit(DiscussionCommit),
    /// A title change (`title-change`).
    TitleChange(DiscussionTitleChange),
    /// An event of another type.
    Other(OtherDiscussionEvent),
}

impl DiscussionEvent {
    /// The event's id.
    pub fn id(&self) -> &str {
        self.common().0
    }

    /// Who caused it (`deleted` for a deleted account).
    pub fn author(&self) -> &str {
        self.common().1
    }

    /// When, as the Hub writes it (RFC 3339).
    pub fn created_at(&self) -> &str {
        self.common().2
    }

    fn common(&self) -> (&String, &String, &String) {
        match self {
            Self::Comment(e) => (&e.id, &e.author, &e.created_at),
            Self::StatusChange(e) => (&e.id, &e.author, &e.created_at),
            Self::Commit(e) => (&e.id, &e.author, &e.created_at),
            Self::TitleChange(e) => (&e.id, &e.author, &e.created_at),
            Self::Other(e) => (&e.id, &e.author, &e.created_at),
        }
    }
}

impl<'de> Deserialize<'de> for DiscussionEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            id: String,
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            created_at: String,
            #[serde(default)]
            author: Option<Author>,
            #[serde(default)]
            data: Value,
        }
        #[derive(Deserialize)]
        struct CommentData {
            #[serde(default)]
            edited: bool,
            #[serde(default)]
            hidden: bool,
            #[serde(default)]
            latest: Option<Latest>,
        }
        #[derive(Deserialize)]
        struct Latest {
            #[serde(default)]
            raw: String,
        }
        #[derive(Deserialize)]
        struct StatusData {
            status: DiscussionStatus,
        }
        #[derive(Deserialize)]
        struct CommitData {
            #[serde(default)]
            subject: String,
            oid: String,
        }
        #[derive(Deserialize)]
        struct TitleData {
            from: String,
            to: String,
        }
        fn data<T: serde::de::DeserializeOwned, E: serde::de::Error>(
            kind: &str,
            data: Value,
        ) -> Result<T, E> {
            serde_json::from_value(data)
                .map_err(|error| E::custom(format!("`{kind}` event data: {error}")))
        }

        let wire = Wire::deserialize(deserializer)?;
        let (id, author, created_at) = (wire.id, author_name(wire.author), wire.created_at);
        Ok(match wire.kind.as_str() {
            "comment" => {
                let data: CommentData = data(&wire.kind, wire.data)?;
                Self::Comment(DiscussionComment {
                    id,
                    author,
                    created_at,
                    content: data.latest.map(|latest| latest.raw).unwrap_or_default(),
                    edited: data.edited,
                    hidden: data.hidden,
                })
            }
            "status-change" => {
                let data: StatusData = data(&wire.kind, wire.data)?;
                Self::StatusChange(DiscussionStatusChange {
                    id,
                    author,
                    created_at,
                    new_status: data.status,
                })
            }
            "commit" => {
                let data: CommitData = data(&wire.kind, wire.data)?;
                Self::Commit(DiscussionCommit {
                    id,
                    author,
                    created_at,
                    summary: data.subject,
                    oid: data.oid,
                })
            }
            "title-change" => {
                let data: TitleData = data(&wire.kind, wire.data)?;
                Self::TitleChange(DiscussionTitleChange {
                    id,
                    author,
                    created_at,
                    old_title: data.from,
                    new_title: data.to,
                })
            }
            _ => Self::Other(OtherDiscussionEvent {
                id,
                author,
                created_at,
                kind: wire.kind,
                data: wire.data,
            }),
        })
    }
}

/// A comment in a discussion or pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscussionComment {
    /// The comment's id (for [`edit_discussion_comment`](HubClient::edit_discussion_comment)).
    pub id: String,
    /// Who wrote it (`deleted` for a deleted account).
    pub author: String,
    /// When, as the Hub writes it (RFC 3339).
    pub created_at: String,
    /// Its Markdown, as written (empty once hidden).
    pub content: String,
    /// Whether it was edited.
    pub edited: bool,
    /// Whether it is hidden.
    pub hidden: bool,
}

/// A discussion or pull request closed, reopened or merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscussionStatusChange {
    /// The event's id.
    pub id: String,
    /// Who changed it.
    pub author: String,
    /// When.
    pub created_at: String,
    /// The status after the change.
    pub new_status: DiscussionStatus,
}

/// A commit pushed to a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscussionCommit {
    /// The event's id.
    pub id: String,
    /// Who pushed it.
    pub author: String,
    /// When.
    pub created_at: String,
    /// The commit's first line.
    pub summary: String,
    /// The commit's sha.
    pub oid: String,
}

/// A discussion renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscussionTitleChange {
    /// The event's id.
    pub id: String,
    /// Who renamed it.
    pub author: String,
    /// When.
    pub created_at: String,
    /// The title before.
    pub old_title: String,
    /// The title after.
    pub new_title: String,
}

/// An event of a type this crate does not know: its type and data as the Hub sent them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OtherDiscussionEvent {
    /// The event's id.
    pub id: String,
    /// Who caused it.
    pub author: String,
    /// When.
    pub created_at: String,
    /// Its type, e.g. `pinned`.
    pub kind: String,
    /// Its `data`, unchanged.
    pub data: Value,
}

/// `{"name": ...}`, absent for a deleted account.
#[derive(Deserialize)]
struct Author {
    name: Option<String>,
}

/// The author's name, or `deleted` as `huggingface_hub` says when there is none.
fn author_name(author: Option<Author>) -> String {
    author
        .and_then(|author| author.name)
        .unwrap_or_else(|| "deleted".to_owned())
}

impl HubClient {
    /// A discussion or pull request and its events
    /// (`GET /api/{type}s/{repo}/discussions/{num}?diff=1`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a `num` of 0 or an invalid repo, before any request;
    /// [`Error::Api`] (e.g. [`is_not_found`](Error::is_not_found)) as the Hub answers.
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_hub::{DiscussionEvent, RepoRef};
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let details = hub.get_discussion_details(&RepoRef::model("me/my-model"), 3).await?;
    /// for event in &details.events {
    ///     if let DiscussionEvent::Comment(comment) = event {
    ///         println!("{}: {}", comment.author, comment.content);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_discussion_details(
        &self,
        repo: &RepoRef,
        num: u64,
    ) -> Result<DiscussionDetails, Error> {
        let path = format!("{}?diff=1", discussion_path(repo, num, "")?);
        self.get_json(&path).await
    }

    /// Opens a discussion (`POST /api/{type}s/{repo}/discussions` with `{"title",
    /// "description", "pullRequest": false}`), then reads it back as
    /// [`get_discussion_details`](Self::get_discussion_details) does, as `huggingface_hub`
    /// does.
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_hub::{NewDiscussion, RepoRef};
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let discussion = hub
    ///     .create_discussion(
    ///         &RepoRef::dataset("me/my-dataset"),
    ///         NewDiscussion::new("Validation failed").description("Column `label` is empty."),
    ///     )
    ///     .await?;
    /// println!("opened #{}", discussion.num);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_discussion(
        &self,
        repo: &RepoRef,
        discussion: NewDiscussion,
    ) -> Result<DiscussionDetails, Error> {
        self.open(repo, &discussion, false).await
    }

    /// Opens a pull request, in draft (`"pullRequest": true`); push commits to its ref
    /// (`refs/pr/{num}`), then read it back with
    /// [`get_discussion_details`](Self::get_discussion_details).
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_hub::{NewDiscussion, RepoRef};
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let pr = hub
    ///     .create_pull_request(&RepoRef::model("me/my-model"), NewDiscussion::new("Retrained weights"))
    ///     .await?;
    /// println!("push to refs/pr/{}", pr.num);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_pull_request(
        &self,
        repo: &RepoRef,
        pull_request: NewDiscussion,
    ) -> Result<DiscussionDetails, Error> {
        self.open(repo, &pull_request, true).await
    }

    async fn open(
        &self,
        repo: &RepoRef,
        discussion: &NewDiscussion,
        pull_request: bool,
    ) -> Result<DiscussionDetails, Error> {
        #[derive(Deserialize)]
        struct Created {
            num: u64,
        }
        let path = format!("{}/discussions", repo.api_path()?);
        let created: Created = self
            .post_json(&path, Some(&discussion.body(pull_request)))
            .await?;
        self.get_discussion_details(repo, created.num).await
    }

    /// Comments on a discussion or pull request
    /// (`POST /api/{type}s/{repo}/discussions/{num}/comment` with `{"comment": ...}`).
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_hub::RepoRef;
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let comment = hub
    ///     .comment_discussion(&RepoRef::model("me/my-model"), 3, "Thanks, **merged**!")
    ///     .await?;
    /// println!("posted {}", comment.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn comment_discussion(
        &self,
        repo: &RepoRef,
        num: u64,
        comment: &str,
    ) -> Result<DiscussionComment, Error> {
        let path = discussion_path(repo, num, "/comment")?;
        let answer: Value = self
            .post_json(&path, Some(&json!({ "comment": comment })))
            .await?;
        self.comment_in(&path, answer, "newMessage")
    }

    /// Closes or reopens a discussion or pull request, with an optional comment
    /// (`POST .../discussions/{num}/status` with `{"status", "comment"}`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a status other than open or closed ("Invalid status,
    /// valid statuses are: 'open' and 'closed'"), before any request.
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_hub::{DiscussionStatus, RepoRef};
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// hub.change_discussion_status(&RepoRef::model("me/my-model"), 3, DiscussionStatus::Closed, Some("Fixed in main."))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn change_discussion_status(
        &self,
        repo: &RepoRef,
        num: u64,
        status: DiscussionStatus,
        comment: Option<&str>,
    ) -> Result<DiscussionStatusChange, Error> {
        if !matches!(status, DiscussionStatus::Open | DiscussionStatus::Closed) {
            return Err(Error::InvalidArgument(
                "Invalid status, valid statuses are: 'open' and 'closed'".into(),
            ));
        }
        let path = discussion_path(repo, num, "/status")?;
        let mut body = json!({ "status": status });
        if let Some(comment) = comment.map(str::trim).filter(|comment| !comment.is_empty()) {
            body["comment"] = json!(comment);
        }
        let answer: Value = self.post_json(&path, Some(&body)).await?;
        match event_in(answer, "newStatus", &self.url(&path))? {
            DiscussionEvent::StatusChange(change) => Ok(change),
            other => Err(unexpected_event(&self.url(&path), "status-change", &other)),
        }
    }

    /// Edits a comment (`POST .../discussions/{num}/comment/{id}/edit` with `{"content": ...}`);
    /// the answer is the comment as edited.
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_hub::RepoRef;
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let repo = RepoRef::model("me/my-model");
    /// let comment = hub.comment_discussion(&repo, 3, "Training started…").await?;
    /// hub.edit_discussion_comment(&repo, 3, &comment.id, "Training done: loss 0.12").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn edit_discussion_comment(
        &self,
        repo: &RepoRef,
        num: u64,
        comment_id: &str,
        content: &str,
    ) -> Result<DiscussionComment, Error> {
        let suffix = format!(
            "/comment/{}/edit",
            segment("comment id", &comment_id.to_lowercase())?
        );
        let path = discussion_path(repo, num, &suffix)?;
        let answer: Value = self
            .post_json(&path, Some(&json!({ "content": content })))
            .await?;
        self.comment_in(&path, answer, "updatedComment")
    }

    /// The web page of a discussion: `{endpoint}/{repo}/discussions/{num}` for a model,
    /// `{endpoint}/{type}s/{repo}/discussions/{num}` for a dataset or a Space.
    ///
    /// # Examples
    /// ```
    /// use webhooks_hub::{HubClient, RepoRef};
    ///
    /// let hub = HubClient::builder().token("hf_xxx").endpoint("https://huggingface.co").build()?;
    /// assert_eq!(
    ///     hub.discussion_url(&RepoRef::dataset("me/data"), 4)?,
    ///     "https://huggingface.co/datasets/me/data/discussions/4"
    /// );
    /// # Ok::<(), webhooks_hub::Error>(())
    /// ```
    pub fn discussion_url(&self, repo: &RepoRef, num: u64) -> Result<String, Error> {
        Ok(self.url(&format!("{}/discussions/{num}", repo.web_path()?)))
    }

    /// The comment under `key` in an answer.
    fn comment_in(&self, path: &str, answer: Value, key: &str) -> Result<DiscussionComment, Error> {
        let url = self.url(path);
        match event_in(answer, key, &url)? {
            DiscussionEvent::Comment(comment) => Ok(comment),
            other => Err(unexpected_event(&url, "comment", &other)),
        }
    }
}

/// `/api/{type}s/{repo}/discussions/{num}{suffix}`; `num` must be positive, as the reference
/// checks.
fn discussion_path(repo: &RepoRef, num: u64, suffix: &str) -> Result<String, Error> {
    if num == 0 {
        return Err(Error::InvalidArgument(
            "Invalid discussion_num, must be a positive integer".into(),
        ));
    }
    Ok(format!("{}/discussions/{num}{suffix}", repo.api_path()?))
}

/// The event under `key` in an answer such as `{"newMessage": {...}}`.
fn event_in(mut answer: Value, key: &str, url: &str) -> Result<DiscussionEvent, Error> {
    let event = answer
        .get_mut(key)
        .map(Value::take)
        .ok_or_else(|| Error::UnexpectedResponse {
            url: url.to_owned(),
            reason: format!("missing field `{key}`"),
        })?;
    serde_json::from_value(event).map_err(|error| Error::UnexpectedResponse {
        url: url.to_owned(),
        reason: format!("`{key}`: {error}"),
    })
}

fn unexpected_event(url: &str, expected: &str, event: &DiscussionEvent) -> Error {
    let kind = match event {
        DiscussionEvent::Comment(_) => "comment",
        DiscussionEvent::StatusChange(_) => "status-change",
        DiscussionEvent::Commit(_) => "commit",
        DiscussionEvent::TitleChange(_) => "title-change",
        DiscussionEvent::Other(other) => &other.kind,
    };
    Error::UnexpectedResponse {
        url: url.to_owned(),
        reason: format!("expected a `{expected}` event, got `{kind}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_of_every_known_type_and_others_parse() {
        let events: Vec<DiscussionEvent> = serde_json::from_value(json!([
            {"id": "1", "type": "comment", "createdAt": "t", "author": {"name": "a"},
             "data": {"edited": true, "hidden": false, "latest": {"raw": "hi", "html": "<p>hi</p>"}}},
            {"id": "2", "type": "status-change", "createdAt": "t", "author": {"name": "a"},
             "data": {"status": "closed"}},
            {"id": "3", "type": "commit", "createdAt": "t", "author": {"name": "a"},
             "data": {"subject": "Fix", "oid": "abc"}},
            {"id": "4", "type": "title-change", "createdAt": "t", "author": {"name": "a"},
             "data": {"from": "Old", "to": "New"}},
            {"id": "5", "type": "pinned", "createdAt": "t", "data": {"pinned": true}},
            {"id": "6", "type": "comment", "createdAt": "t", "author": {},
             "data": {"edited": false, "hidden": true}}
        ]))
        .unwrap();
        let DiscussionEvent::Comment(comment) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(
            (comment.content.as_str(), comment.edited, comment.hidden),
            ("hi", true, false)
        );
        assert!(
            matches!(&events[1], DiscussionEvent::StatusChange(c) if c.new_status == DiscussionStatus::Closed)
        );
        assert!(
            matches!(&events[2], DiscussionEvent::Commit(c) if c.oid == "abc" && c.summary == "Fix")
        );
        assert!(
            matches!(&events[3], DiscussionEvent::TitleChange(c) if c.old_title == "Old" && c.new_title == "New")
        );
        assert!(
            matches!(&events[4], DiscussionEvent::Other(o) if o.kind == "pinned" && o.data == json!({"pinned": true}))
        );
        assert_eq!(events[4].author(), "deleted");
        assert_eq!(events[5].author(), "deleted");
        assert!(
            matches!(&events[5], DiscussionEvent::Comment(c) if c.hidden && c.content.is_empty())
        );
        assert_eq!(events[3].id(), "4");
        assert_eq!(events[0].created_at(), "t");
    }

    #[test]
    fn a_known_event_with_broken_data_is_an_error_naming_it() {
        let error = serde_json::from_value::<DiscussionEvent>(
            json!({"id": "1", "type": "commit", "createdAt": "t", "data": {"subject": "x"}}),
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("`commit` event data: missing field `oid`"),
            "{error}"
        );
    }

    #[test]
    fn new_discussions_send_the_reference_body() {
        assert_eq!(
            NewDiscussion::new("  Title  ")
                .description(" Body ")
                .body(false),
            json!({"title": "Title", "description": "Body", "pullRequest": false})
        );
        assert_eq!(
            NewDiscussion::new("T").description("  ").body(true),
            json!({
                "title": "T",
                "description": "Pull Request opened with the [hf-webhooks Rust library](https://docs.rs/hf-webhooks)",
                "pullRequest": true
            })
        );
    }

    #[test]
    fn discussion_numbers_start_at_one() {
        let error = discussion_path(&RepoRef::model("a/b"), 0, "").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid discussion_num, must be a positive integer"
        );
    }
}
