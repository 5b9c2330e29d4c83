//! Ready-made payloads for tests and local experiments, and `with_*` methods to adjust them.
//!
//! They are real Hub payloads (from the Hub docs and `huggingface_hub`'s tests), or composed from
//! the Hub docs' fragments where no real one is published; `payloads/` at the root of this crate
//! holds the JSON files, which are also the test suite's fixtures.

use super::{Action, Comment, ObjectId, RepoType, Scope, UpdatedRef, Url, WebhookPayload};

/// The sample of each scope the Hub sends, in [`Scope::KNOWN`]'s order.
const SAMPLES: &[(&str, &str)] = &[
    (
        "repo",
        include_str!("../../payloads/repo__create__composed.json"),
    ),
    (
        "repo.content",
        include_str!("../../payloads/repo.content__update__hfhub-test.json"),
    ),
    (
        "repo.config",
        include_str!("../../payloads/repo.config__update__hub-docs-composed.json"),
    ),
    (
        "discussion",
        include_str!("../../payloads/discussion__create__hub-docs.json"),
    ),
    (
        "discussion.comment",
        include_str!("../../payloads/discussion.comment__create__hub-docs-composed.json"),
    ),
];

const PUSH_TO_MAIN: &str =
    include_str!("../../payloads/repo.content__update__hub-docs-composed.json");

/// The Hub's web address, as payloads write it.
const HUB: &str = "https://huggingface.co";

impl WebhookPayload {
    /// A sample payload for `scope` (one of [`Scope::KNOWN`]), or `None`.
    ///
    /// # Examples
    /// ```
    /// # use webhooks_runtime::WebhookPayload;
    /// let payload = WebhookPayload::sample("discussion.comment").unwrap();
    /// assert_eq!(payload.event.scope, "discussion.comment");
    /// assert!(WebhookPayload::sample("nope").is_none());
    /// ```
    pub fn sample(scope: &str) -> Option<Self> {
        Self::sample_json(scope).map(parse)
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
        parse(SAMPLES[0].1)
    }

    /// A push to a Space, opening `refs/pr/5` (scope `repo.content`, action `update`).
    pub fn sample_repo_content() -> Self {
        parse(SAMPLES[1].1)
    }

    /// A push to the `main` branch of a model repo (scope `repo.content`), with its
    /// `updatedRefs`: `refs/heads/main` moved and a tag created. Adjust it with
    /// [`with_repo_type`](Self::with_repo_type) and [`with_repo`](Self::with_repo) for a dataset
    /// or a Space.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::WebhookPayload;
    /// use webhooks_runtime::payload::RepoType;
    ///
    /// let push = WebhookPayload::sample_push_to_main()
    ///     .with_repo_type(RepoType::Dataset)
    ///     .with_repo("me/my-dataset");
    /// assert_eq!(push.repo.url.web, "https://huggingface.co/datasets/me/my-dataset");
    /// assert_eq!(push.updated_refs.unwrap()[0].branch(), Some("main"));
    /// ```
    pub fn sample_push_to_main() -> Self {
        parse(PUSH_TO_MAIN)
    }

    /// A repo's visibility changed (scope `repo.config`, with `updatedConfig`).
    pub fn sample_repo_config() -> Self {
        parse(SAMPLES[2].1)
    }

    /// A pull request was opened on `openai-community/gpt2` (scope `discussion`, with its first
    /// comment).
    pub fn sample_discussion() -> Self {
        parse(SAMPLES[3].1)
    }

    /// A comment was posted (scope `discussion.comment`).
    pub fn sample_discussion_comment() -> Self {
        parse(SAMPLES[4].1)
    }

    /// The same payload about the repo `name` (`owner/name`, or a bare `name`), its URLs (and
    /// its discussion's) following.
    pub fn with_repo(mut self, name: impl Into<String>) -> Self {
        self.repo.name = name.into();
        self.rewrite_urls();
        self
    }

    /// The same payload about a repo of this type, its URLs (and a Space's subdomain) following.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::WebhookPayload;
    /// use webhooks_runtime::payload::RepoType;
    ///
    /// let space = WebhookPayload::sample_repo().with_repo_type(RepoType::Space).with_repo("me/My-App");
    /// assert_eq!(space.repo.url.api.as_deref(), Some("https://huggingface.co/api/spaces/me/My-App"));
    /// assert_eq!(space.repo.subdomain.as_deref(), Some("me-my-app"));
    /// ```
    pub fn with_repo_type(mut self, repo_type: RepoType) -> Self {
        self.repo.repo_type = repo_type;
        self.rewrite_urls();
        self
    }

    /// The same payload with this action.
    pub fn with_action(mut self, action: Action) -> Self {
        self.event.action = action;
        self
    }

    /// The same payload with this scope.
    pub fn with_scope(mut self, scope: impl Into<Scope>) -> Self {
        self.event.scope = scope.into();
        self
    }

    /// The same payload about a private (or public) repo.
    pub fn with_private(mut self, private: bool) -> Self {
        self.repo.private = private;
        self
    }

    /// The same payload with these `updatedRefs` (a push), and `headSha` set to the new sha of
    /// `refs/heads/main` when it is among them.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::WebhookPayload;
    /// use webhooks_runtime::payload::UpdatedRef;
    ///
    /// let push = WebhookPayload::sample_push_to_main()
    ///     .with_updated_refs([UpdatedRef::new("refs/heads/dev", Some("aaa"), Some("bbb"))]);
    /// assert_eq!(push.updated_refs.unwrap()[0].branch(), Some("dev"));
    /// ```
    pub fn with_updated_refs(mut self, refs: impl IntoIterator<Item = UpdatedRef>) -> Self {
        let refs: Vec<UpdatedRef> = refs.into_iter().collect();
        if let Some(main) = refs.iter().find(|r| r.branch() == Some("main")) {
            self.repo.head_sha.clone_from(&main.new_sha);
        }
        self.updated_refs = Some(refs);
        self
    }

    /// The same payload with a comment saying `content` (by `author`, a Hub user id), replacing
    /// the payload's comment or adding one to its discussion.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::WebhookPayload;
    ///
    /// let payload = WebhookPayload::sample_discussion_comment().with_comment("/echo hello", "61d2000c3c2083e1c08af22d");
    /// let comment = payload.comment.unwrap();
    /// assert_eq!(comment.content.as_deref(), Some("/echo hello"));
    /// assert_eq!(comment.author.id, "61d2000c3c2083e1c08af22d");
    /// ```
    pub fn with_comment(mut self, content: impl Into<String>, author: impl Into<String>) -> Self {
        let url = self.discussion.as_ref().map_or_else(
            || self.repo.url.clone(),
            |discussion| discussion.url.clone(),
        );
        let comment = self.comment.get_or_insert_with(|| Comment {
            id: "000000000000000000000001".to_owned(),
            author: ObjectId { id: String::new() },
            hidden: false,
            url,
            content: None,
        });
        comment.author = ObjectId { id: author.into() };
        comment.hidden = false;
        comment.content = Some(content.into());
        self
    }

    /// Points the repo's URLs, a Space's subdomain and the discussion's URLs at the repo's name
    /// and type, as the Hub writes them.
    fn rewrite_urls(&mut self) {
        let name = &self.repo.name;
        let (page, api) = match self.repo.repo_type {
            RepoType::Dataset => ("datasets/", "datasets"),
            RepoType::Space => ("spaces/", "spaces"),
            _ => ("", "models"),
        };
        let web = format!("{HUB}/{page}{name}");
        self.repo.url = Url {
            web: web.clone(),
            api: Some(format!("{HUB}/api/{api}/{name}")),
        };
        self.repo.subdomain = (self.repo.repo_type == RepoType::Space)
            .then(|| name.replace(['/', '_', '.'], "-").to_lowercase());
        if let Some(discussion) = &mut self.discussion {
            let num = discussion.num;
            discussion.url = Url {
                web: format!("{web}/discussions/{num}"),
                api: Some(format!("{HUB}/api/{api}/{name}/discussions/{num}")),
            };
        }
    }
}

fn parse(json: &str) -> WebhookPayload {
    WebhookPayload::from_slice(json.as_bytes()).expect("the samples are valid payloads")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_scope_has_a_sample_with_that_scope() {
        let scopes: Vec<&str> = SAMPLES.iter().map(|(scope, _)| *scope).collect();
        assert_eq!(scopes, Scope::KNOWN);
        for scope in Scope::KNOWN {
            assert_eq!(WebhookPayload::sample(scope).unwrap().event.scope, *scope);
        }
        let push = WebhookPayload::sample_push_to_main();
        assert_eq!(push.event.scope, "repo.content");
        assert_eq!(push.repo.head_sha, push.updated_refs.unwrap()[0].new_sha);
    }

    #[test]
    fn adjusted_samples_stay_consistent() {
        let dataset = WebhookPayload::sample_discussion()
            .with_repo_type(RepoType::Dataset)
            .with_repo("me/data");
        assert_eq!(
            dataset.repo.url.web,
            "https://huggingface.co/datasets/me/data"
        );
        assert_eq!(dataset.repo.subdomain, None);
        assert_eq!(
            dataset.discussion.unwrap().url.web,
            "https://huggingface.co/datasets/me/data/discussions/19"
        );
        let model = WebhookPayload::sample_repo_content().with_repo_type(RepoType::Model);
        assert_eq!(
            model.repo.url.web,
            "https://huggingface.co/Wauplin/gradio-user-history"
        );
        assert_eq!(model.repo.subdomain, None);
        let round_trip = serde_json::to_vec(&model).unwrap();
        assert_eq!(WebhookPayload::from_slice(&round_trip).unwrap(), model);
    }
}
