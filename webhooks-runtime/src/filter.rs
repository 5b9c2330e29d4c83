//! Event filters: which deliveries an endpoint wants, checked before its handler runs.
//!
//! A delivery that does not match is answered `200 {"skipped": true, "reason": "..."}` (the Hub
//! must not see a failure for an event the endpoint simply does not care about) and the handler is
//! not called. Scopes follow the Hub's rule: a narrower scope is within a broader one, so a filter on
//! `repo` takes `repo.content` and `repo.config` deliveries too.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::payload::summary::Summary;
use crate::payload::{Action, RepoType, Scope, WebhookPayload};

/// The events an endpoint accepts: any subset of scope, action, repo type and repo.
///
/// # Examples
/// ```
/// # use webhooks_runtime::{Filter, WebhookPayload};
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
        if let Some(wanted) = &self.scope {
            if !Scope::from(scope).is_within(wanted) {
                return Err(format!("the scope `{scope}` is not `{wanted}` or narrower"));
            }
        }
        if let Some(wanted) = &self.action {
            if wanted.as_str() != action {
                return Err(format!("the action `{action}` is not `{wanted}`"));
            }
        }
        if let Some(wanted) = &self.repo_type {
            if wanted.as_str() != repo_type {
                return Err(format!("the repo type `{repo_type}` is not `{wanted}`"));
            }
        }
        if let Some(wanted) = &self.repo {
            if wanted != repo {
                return Err(format!("the repo `{repo}` is not `{wanted}`"));
            }
        }
        Ok(())
    }

    /// Checks a delivery body without building a whole payload (borrowing its strings).
    /// `Ok(None)`: it passes; `Ok(Some(reason))`: skip it; `Err(())`: not a payload at all.
    pub(crate) fn check_body(&self, body: &[u8]) -> Result<Option<String>, ()> {
        let summary = Summary::read(body).ok_or(())?;
        let (event, repo) = (&summary.event, &summary.repo);
        Ok(self
            .check(&event.scope, &event.action, &repo.repo_type, &repo.name)
            .err())
    }
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

/// Per-endpoint options for [`WebhooksServer::add_webhook_with`](crate::WebhooksServer::add_webhook_with):
/// the same as the attribute's `scope`, `action`, `repo_type`, `repo` and `respond_within`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use webhooks_runtime::{EndpointOptions, WebhookPayload, WebhooksServer};
///
/// async fn retrain(payload: WebhookPayload) {}
///
/// let server = WebhooksServer::new().add_webhook_with(
///     "/retrain",
///     EndpointOptions::new().scope("repo.content").repo_type("dataset").respond_within(Duration::from_secs(5)),
///     retrain,
/// );
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EndpointOptions {
    pub(crate) filter: Filter,
    pub(crate) respond_within: Option<Duration>,
}

impl EndpointOptions {
    /// No filter, no deadline.
    pub fn new() -> Self {
        Self::default()
    }

    /// See [`Filter::scope`].
    pub fn scope(mut self, scope: impl Into<Cow<'static, str>>) -> Self {
        self.filter = self.filter.scope(scope);
        self
    }

    /// See [`Filter::action`].
    pub fn action(mut self, action: &str) -> Self {
        self.filter = self.filter.action(action);
        self
    }

    /// See [`Filter::repo_type`].
    pub fn repo_type(mut self, repo_type: &str) -> Self {
        self.filter = self.filter.repo_type(repo_type);
        self
    }

    /// See [`Filter::repo`].
    pub fn repo(mut self, repo: impl Into<Cow<'static, str>>) -> Self {
        self.filter = self.filter.repo(repo);
        self
    }

    /// A whole filter at once.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// See [`WebhooksServer::respond_within`](crate::WebhooksServer::respond_within); this
    /// endpoint's own deadline.
    pub fn respond_within(mut self, deadline: Duration) -> Self {
        self.respond_within = Some(deadline);
        self
    }
}
