//! Event filters: which deliveries an endpoint wants, checked before its handler runs.
//!
//! A delivery that does not match is answered `200 {"skipped": true, "reason": "..."}` (the Hub
//! must not see a failure for an event the endpoint simply does not care about) and the handler is
//! not called. Scopes follow the Hub's rule: a narrower scope is within a broader one, so a filter on
//! `repo` takes `repo.content` and `repo.config` deliveries too.

use std::borrow::Cow;
use std::fmt;

use webhooks_core::{Invalid, filter};

use crate::payload::summary::Summary;
use crate::payload::{Action, RepoType, Scope, WebhookPayload};

/// The events an endpoint accepts: any subset of scope, action, repo type and repo.
///
/// # Examples
/// ```
/// # use webhooks_runtime::WebhookPayload;
/// # use webhooks_runtime::server::Filter;
/// let filter = Filter::new().scope("repo").action("update").repo_type("space");
/// let payload: WebhookPayload = WebhookPayload::sample_repo_content();
/// assert!(filter.matches(&payload));
/// assert!(!Filter::new().scope("discussion").matches(&payload));
/// assert_eq!(filter.to_string(), "scope=repo action=update repo_type=space");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Filter {
    scope: Option<Cow<'static, str>>,
    action: Option<Action>,
    repo_type: Option<RepoType>,
    repo: Option<Cow<'static, str>>,
}

impl Filter {
    /// A filter that accepts every delivery.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only deliveries whose scope is `scope` or narrower (`repo` takes `repo.content`).
    pub fn scope(mut self, scope: impl Into<Cow<'static, str>>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Only deliveries with this action (`create`, `update`, `delete`, `move`).
    pub fn action(mut self, action: &str) -> Self {
        self.action = Some(Action::from(action));
        self
    }

    /// Only deliveries about this kind of repo (`model`, `dataset`, `space`).
    pub fn repo_type(mut self, repo_type: &str) -> Self {
        self.repo_type = Some(RepoType::from(repo_type));
        self
    }

    /// Only deliveries about this repo (`owner/name`).
    pub fn repo(mut self, repo: impl Into<Cow<'static, str>>) -> Self {
        self.repo = Some(repo.into());
        self
    }

    /// Whether it accepts everything.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Whether `payload` passes the filter.
    pub fn matches(&self, payload: &WebhookPayload) -> bool {
        self.check(
            payload.event.scope.as_str(),
            payload.event.action.as_str(),
            payload.repo.repo_type.as_str(),
            &payload.repo.name,
        )
        .is_ok()
    }

    /// Checks the event's fields; `Err` says why the delivery is skipped.
    fn check(&self, scope: &str, action: &str, repo_type: &str, repo: &str) -> Result<(), String> {
        if let Some(wanted) = &self.scope
            && !Scope::from(scope).is_within(wanted)
        {
            return Err(format!("the scope `{scope}` is not `{wanted}` or narrower"));
        }
        if let Some(wanted) = &self.action
            && wanted.as_str() != action
        {
            return Err(format!("the action `{action}` is not `{wanted}`"));
        }
        if let Some(wanted) = &self.repo_type
            && wanted.as_str() != repo_type
        {
            return Err(format!("the repo type `{repo_type}` is not `{wanted}`"));
        }
        if let Some(wanted) = &self.repo
            && wanted != repo
        {
            return Err(format!("the repo `{repo}` is not `{wanted}`"));
        }
        Ok(())
    }

    /// What the filter says of a delivery body, read without building a whole payload.
    pub(crate) fn verdict(&self, body: &[u8]) -> Verdict {
        let Some(summary) = Summary::read(body) else {
            return Verdict::NotAnEvent;
        };
        let (event, repo) = (&summary.event, &summary.repo);
        match self.check(&event.scope, &event.action, &repo.repo_type, &repo.name) {
            Ok(()) => Verdict::Pass,
            Err(reason) => Verdict::Skip(reason),
        }
    }

    /// Refuses a value the Hub never sends, with the attribute's own words (the attribute checks
    /// the same rules at compile time; this covers filters built in code).
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        if let Some(scope) = &self.scope {
            filter::check_scope(scope)?;
        }
        if let Some(action) = &self.action {
            filter::check_action(action.as_str())?;
        }
        if let Some(repo_type) = &self.repo_type {
            filter::check_repo_type(repo_type.as_str())?;
        }
        if let Some(repo) = &self.repo {
            filter::check_repo(repo)?;
        }
        Ok(())
    }
}

/// What an endpoint's filter says of a delivery.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The handler wants it.
    Pass,
    /// The handler does not want it, for this reason.
    Skip(String),
    /// Not even an event with a repo: the payload parser will say what is wrong.
    NotAnEvent,
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::with_capacity(4);
        if let Some(scope) = &self.scope {
            parts.push(format!("scope={scope}"));
        }
        if let Some(action) = &self.action {
            parts.push(format!("action={action}"));
        }
        if let Some(repo_type) = &self.repo_type {
            parts.push(format!("repo_type={repo_type}"));
        }
        if let Some(repo) = &self.repo {
            parts.push(format!("repo={repo}"));
        }
        f.write_str(&parts.join(" "))
    }
}
