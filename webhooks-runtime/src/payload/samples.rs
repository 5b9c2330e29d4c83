//! Ready-made payloads, one per scope, for tests and local experiments.
//!
//! They are real Hub payloads (from the Hub docs and `huggingface_hub`'s tests), or composed from
//! the Hub docs' fragments where no real one is published; `samples/` holds the JSON.

use super::WebhookPayload;

/// Every scope with a sample, with its JSON.
const SAMPLES: &[(&str, &str)] = &[
    ("repo", include_str!("../../samples/repo.json")),
    (
        "repo.content",
        include_str!("../../samples/repo.content.json"),
    ),
    (
        "repo.config",
        include_str!("../../samples/repo.config.json"),
    ),
    ("discussion", include_str!("../../samples/discussion.json")),
    (
        "discussion.comment",
        include_str!("../../samples/discussion.comment.json"),
    ),
];

impl WebhookPayload {
    /// The scopes [`sample`](Self::sample) knows.
    pub const SAMPLE_SCOPES: &'static [&'static str] = &[
        "repo",
        "repo.content",
        "repo.config",
        "discussion",
        "discussion.comment",
    ];

    /// A sample payload for `scope` (one of [`SAMPLE_SCOPES`](Self::SAMPLE_SCOPES)), or `None`.
    ///
    /// # Examples
    /// ```
    /// # use webhooks_runtime::WebhookPayload;
    /// let payload = WebhookPayload::sample("discussion.comment").unwrap();
    /// assert_eq!(payload.event.scope, "discussion.comment");
    /// assert!(WebhookPayload::sample("nope").is_none());
    /// ```
    pub fn sample(scope: &str) -> Option<Self> {
        Self::sample_json(scope)
            .map(|json| Self::from_slice(json.as_bytes()).expect("the samples are valid payloads"))
    }

    /// The JSON of the sample payload for `scope`, exactly as the Hub would send it.
    pub fn sample_json(scope: &str) -> Option<&'static str> {
        SAMPLES
            .iter()
            .find(|(name, _)| *name == scope)
            .map(|(_, json)| *json)
    }

    /// A model repo was created (scope `repo`, action `create`).
    pub fn sample_repo() -> Self {
        Self::sample("repo").expect("a repo sample")
    }

    /// A push to a Space, opening `refs/pr/5` (scope `repo.content`, action `update`).
    pub fn sample_repo_content() -> Self {
        Self::sample("repo.content").expect("a repo.content sample")
    }

    /// A repo's visibility changed (scope `repo.config`, with `updatedConfig`).
    pub fn sample_repo_config() -> Self {
        Self::sample("repo.config").expect("a repo.config sample")
    }

    /// A pull request was opened on `openai-community/gpt2` (scope `discussion`, with its first
    /// comment).
    pub fn sample_discussion() -> Self {
        Self::sample("discussion").expect("a discussion sample")
    }

    /// A comment was posted (scope `discussion.comment`).
    pub fn sample_discussion_comment() -> Self {
        Self::sample("discussion.comment").expect("a discussion.comment sample")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_parses_with_its_own_scope() {
        for scope in WebhookPayload::SAMPLE_SCOPES {
            let payload = WebhookPayload::sample(scope).unwrap();
            assert_eq!(payload.event.scope, *scope);
        }
        assert_eq!(SAMPLES.len(), WebhookPayload::SAMPLE_SCOPES.len());
    }
}
