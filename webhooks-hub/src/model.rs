//! The Hub's webhook objects ([`WebhookInfo`] and its parts) and the bodies of the calls that
//! change them ([`NewWebhook`], [`WebhookUpdate`]).
//!
//! JSON names are camelCase and Rust fields snake_case. Every string set the Hub may extend
//! (watched types, domains) has an `Other(String)` arm, so a webhook that watches something this
//! version does not know yet still parses, and is sent back unchanged.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::jobs::JobSpec;

webhooks_core::string_enum! {
    /// What kind of thing a webhook watches (`watched[].type`).
    ///
    /// # Examples
    /// ```
    /// use webhooks_hub::WatchedType;
    ///
    /// assert_eq!(WatchedType::from("org"), WatchedType::Org);
    /// assert_eq!(WatchedType::from("collection"), WatchedType::Other("collection".into()));
    /// assert_eq!(WatchedType::Dataset.as_str(), "dataset");
    /// ```
    pub enum WatchedType {
        /// A dataset repo, by its full name (`owner/name`).
        Dataset = "dataset",
        /// A model repo, by its full name.
        Model = "model",
        /// Every repo of an organization.
        Org = "org",
        /// A Space, by its full name.
        Space = "space",
        /// Every repo of a user.
        User = "user",
    }
}

webhooks_core::string_enum! {
    /// Which events of the watched items trigger the webhook (`domains`).
    ///
    /// # Examples
    /// ```
    /// use webhooks_hub::Domain;
    ///
    /// assert_eq!(Domain::from("discussion"), Domain::Discussion);
    /// assert_eq!(serde_json::to_string(&Domain::Repo).unwrap(), r#""repo""#);
    /// ```
    pub enum Domain {
        /// Changes to the repos themselves: content, settings (scopes `repo*`).
        Repo = "repo",
        /// Discussions, pull requests and their comments (scopes `discussion*`).
        Discussion = "discussion",
    }
}

/// One item a webhook watches: a repo, a user or an organization.
///
/// Its text form is `type:name`, as the `--watch` flag of the `webhooks` and `hf` command lines
/// take it; [`FromStr`] accepts only the [known types](WatchedType::KNOWN).
///
/// # Examples
/// ```
/// use webhooks_hub::{WatchedItem, WatchedType};
///
/// let item: WatchedItem = "model:openai-community/gpt2".parse().unwrap();
/// assert_eq!(item, WatchedItem::model("openai-community/gpt2"));
/// assert_eq!(item.kind, WatchedType::Model);
/// assert_eq!(item.to_string(), "model:openai-community/gpt2");
///
/// let json = serde_json::to_value(WatchedItem::org("HuggingFaceH4")).unwrap();
/// assert_eq!(json, serde_json::json!({"type": "org", "name": "HuggingFaceH4"}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchedItem {
    /// What kind of item it is (`type` in JSON).
    #[serde(rename = "type")]
    pub kind: WatchedType,
    /// Its name: a user or organization name, or a repo's full name (`owner/name`).
    pub name: String,
}

impl WatchedItem {
    /// An item of any kind, including one this crate does not know (`WatchedType::Other`).
    pub fn new(kind: impl Into<WatchedType>, name: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            name: name.into(),
        }
    }

    /// A dataset repo, by its full name.
    pub fn dataset(name: impl Into<String>) -> Self {
        Self::new(WatchedType::Dataset, name)
    }

    /// A model repo, by its full name.
    pub fn model(name: impl Into<String>) -> Self {
        Self::new(WatchedType::Model, name)
    }

    /// Every repo of an organization.
    pub fn org(name: impl Into<String>) -> Self {
        Self::new(WatchedType::Org, name)
    }

    /// A Space, by its full name.
    pub fn space(name: impl Into<String>) -> Self {
        Self::new(WatchedType::Space, name)
    }

    /// Every repo of a user.
    pub fn user(name: impl Into<String>) -> Self {
        Self::new(WatchedType::User, name)
    }
}

impl fmt::Display for WatchedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.name)
    }
}

impl FromStr for WatchedItem {
    type Err = ParseWatchedItemError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some((kind, name)) = text.split_once(':') else {
            return Err(ParseWatchedItemError::Format(text.to_owned()));
        };
        let kind = WatchedType::from(kind);
        if !kind.is_known() {
            return Err(ParseWatchedItemError::UnknownType(kind.as_str().to_owned()));
        }
        if name.is_empty() {
            return Err(ParseWatchedItemError::Format(text.to_owned()));
        }
        Ok(Self::new(kind, name))
    }
}

/// Why a `type:name` text is not a [`WatchedItem`]. The messages are those of the reference
/// command line (`hf webhooks create --watch`).
///
/// # Examples
/// ```
/// use webhooks_hub::WatchedItem;
///
/// let error = "gpt2".parse::<WatchedItem>().unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "Expected format 'type:name' (e.g. 'model:bert-base-uncased'), got 'gpt2'. \
///      Valid types: dataset, model, org, space, user."
/// );
/// let error = "repo:gpt2".parse::<WatchedItem>().unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "Invalid type 'repo'. Valid types: dataset, model, org, space, user."
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseWatchedItemError {
    /// Not `type:name` (no colon, or nothing after it); holds the whole text.
    Format(String),
    /// The part before the colon is not a known type; holds that part.
    UnknownType(String),
}

impl fmt::Display for ParseWatchedItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format(text) => write!(
                f,
                "Expected format 'type:name' (e.g. 'model:bert-base-uncased'), got '{text}'. \
                 Valid types: {ValidTypes}."
            ),
            Self::UnknownType(kind) => {
                write!(f, "Invalid type '{kind}'. Valid types: {ValidTypes}.")
            }
        }
    }
}

impl std::error::Error for ParseWatchedItemError {}

/// `dataset, model, org, space, user`.
struct ValidTypes;

impl fmt::Display for ValidTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, kind) in WatchedType::KNOWN.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(kind.as_str())?;
        }
        Ok(())
    }
}

/// A webhook, as the Hub describes it.
///
/// It sends its deliveries either to a [`url`](Self::url) or to a Hub [`job`](Self::job). Its
/// `Debug` output hides the secret.
///
/// # Examples
/// ```
/// use webhooks_hub::{Domain, WatchedItem, WebhookInfo};
///
/// let webhook: WebhookInfo = serde_json::from_str(r#"{
///     "id": "6570f2d2a5ddc5ac8d6d8a4b",
///     "url": "https://example.com/webhooks/trigger_training",
///     "watched": [{"type": "model", "name": "openai-community/gpt2"}],
///     "domains": ["repo"],
///     "secret": "my-secret",
///     "disabled": false
/// }"#).unwrap();
/// assert_eq!(webhook.watched, [WatchedItem::model("openai-community/gpt2")]);
/// assert_eq!(webhook.domains, [Domain::Repo]);
/// assert_eq!(webhook.target(), "https://example.com/webhooks/trigger_training");
/// assert!(!format!("{webhook:?}").contains("my-secret"));
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookInfo {
    /// The webhook's id, for [`get_webhook`](crate::HubClient::get_webhook) and the other calls.
    pub id: String,
    /// Where deliveries are POSTed, for a URL webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The Job started for each delivery, for a Job webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<JobSpec>,
    /// What the webhook watches.
    #[serde(default)]
    pub watched: Vec<WatchedItem>,
    /// Which events of the watched items trigger it.
    #[serde(default)]
    pub domains: Vec<Domain>,
    /// The secret sent in `X-Webhook-Secret` with every delivery, if one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Whether the webhook is disabled (it then delivers nothing).
    #[serde(default)]
    pub disabled: bool,
}

impl WebhookInfo {
    /// Where the deliveries go, for display: the URL, `job:<space or image>` for a Job webhook,
    /// or `-` when the Hub said neither.
    pub fn target(&self) -> String {
        match (&self.url, &self.job) {
            (Some(url), _) => url.clone(),
            (None, Some(job)) => match job.space_id.as_deref().or(job.docker_image.as_deref()) {
                Some(source) => format!("job:{source}"),
                None => "job".to_owned(),
            },
            (None, None) => "-".to_owned(),
        }
    }
}

impl fmt::Debug for WebhookInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookInfo")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("job", &self.job)
            .field("watched", &self.watched)
            .field("domains", &self.domains)
            .field("secret", &self.secret.as_ref().map(|_| Redacted))
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// The body of [`create_webhook`](crate::HubClient::create_webhook): what to watch, and a target,
/// either a [`url`](Self::url) or a [`job_id`](Self::job_id).
///
/// The client refuses, before any request, a webhook with both targets
/// ("Set `url` or `job_id` but not both.") or none ("Missing argument for webhook: `url` or
/// `job_id`."). Without [`domains`](Self::domain), the Hub watches every domain. Its `Debug`
/// output hides the secret.
///
/// # Examples
/// ```
/// use webhooks_hub::{Domain, NewWebhook, WatchedItem};
///
/// let webhook = NewWebhook::new()
///     .url("https://example.com/webhooks/trigger_training")
///     .watch(WatchedItem::user("julien-c"))
///     .watch(WatchedItem::org("HuggingFaceH4"))
///     .domain(Domain::Repo)
///     .secret("my-secret");
/// assert_eq!(webhook.watched.len(), 2);
/// ```
#[derive(Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewWebhook {
    /// What to watch.
    pub watched: Vec<WatchedItem>,
    /// Which events trigger the webhook; `None` lets the Hub choose (every domain).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<Domain>>,
    /// The secret the Hub sends in `X-Webhook-Secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Where to POST deliveries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The id of a Job to start for each delivery instead (`jobSourceId` in JSON).
    #[serde(rename = "jobSourceId", skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

impl NewWebhook {
    /// An empty webhook: give it a target and something to watch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deliveries are POSTed to `url`.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Each delivery starts a copy of the Job `job_id` (the `id` of a Job you ran before), with
    /// the payload in its `WEBHOOK_PAYLOAD` environment variable.
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }

    /// Watches one more item.
    pub fn watch(mut self, item: WatchedItem) -> Self {
        self.watched.push(item);
        self
    }

    /// Watches these items too.
    pub fn watched(mut self, items: impl IntoIterator<Item = WatchedItem>) -> Self {
        self.watched.extend(items);
        self
    }

    /// Adds one domain (the first call replaces "every domain").
    pub fn domain(mut self, domain: Domain) -> Self {
        self.domains.get_or_insert_with(Vec::new).push(domain);
        self
    }

    /// Sets the domains.
    pub fn domains(mut self, domains: impl IntoIterator<Item = Domain>) -> Self {
        self.domains = Some(domains.into_iter().collect());
        self
    }

    /// Sets the secret the Hub sends with every delivery.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Checks the target, as the reference does before any request.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        match (&self.url, &self.job_id) {
            (Some(_), Some(_)) => Err(Error::InvalidArgument(BOTH_TARGETS.into())),
            (None, None) => Err(Error::InvalidArgument(NO_TARGET.into())),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("watched", &self.watched)
            .field("domains", &self.domains)
            .field("secret", &self.secret.as_ref().map(|_| Redacted))
            .field("url", &self.url)
            .field("job_id", &self.job_id)
            .finish()
    }
}

/// The body of [`update_webhook`](crate::HubClient::update_webhook): only the fields you set are
/// sent, and the Hub changes only those.
///
/// (The reference client always sends `"watched": []` when no watch list is given, which may
/// empty the webhook's watch list; this one does not.) Setting both `url` and `job_id` is refused
/// before any request. Its `Debug` output hides the secret.
///
/// # Examples
/// ```
/// use webhooks_hub::WebhookUpdate;
///
/// let update = WebhookUpdate::new().url("https://example.com/new");
/// assert!(update.watched.is_none()); // the watch list stays as it is
/// ```
#[derive(Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookUpdate {
    /// The new watch list (it replaces the old one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watched: Option<Vec<WatchedItem>>,
    /// The new domains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<Domain>>,
    /// The new secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The new URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The new Job (`jobSourceId` in JSON).
    #[serde(rename = "jobSourceId", skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

impl WebhookUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether no field is set (the Hub would be sent `{}`).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Sends deliveries to `url` from now on.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Starts the Job `job_id` for each delivery from now on.
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }

    /// Adds an item to the new watch list.
    pub fn watch(mut self, item: WatchedItem) -> Self {
        self.watched.get_or_insert_with(Vec::new).push(item);
        self
    }

    /// Sets the new watch list.
    pub fn watched(mut self, items: impl IntoIterator<Item = WatchedItem>) -> Self {
        self.watched = Some(items.into_iter().collect());
        self
    }

    /// Adds a domain to the new domains.
    pub fn domain(mut self, domain: Domain) -> Self {
        self.domains.get_or_insert_with(Vec::new).push(domain);
        self
    }

    /// Sets the new domains.
    pub fn domains(mut self, domains: impl IntoIterator<Item = Domain>) -> Self {
        self.domains = Some(domains.into_iter().collect());
        self
    }

    /// Sets the new secret.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.url.is_some() && self.job_id.is_some() {
            return Err(Error::InvalidArgument(BOTH_TARGETS.into()));
        }
        Ok(())
    }
}

impl fmt::Debug for WebhookUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookUpdate")
            .field("watched", &self.watched)
            .field("domains", &self.domains)
            .field("secret", &self.secret.as_ref().map(|_| Redacted))
            .field("url", &self.url)
            .field("job_id", &self.job_id)
            .finish()
    }
}

/// The reference's message for a webhook with both targets.
pub(crate) const BOTH_TARGETS: &str = "Set `url` or `job_id` but not both.";
/// The reference's message for a webhook without a target.
pub(crate) const NO_TARGET: &str = "Missing argument for webhook: `url` or `job_id`.";

/// Shown in place of a secret.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn watched_items_parse_with_the_reference_messages() {
        assert_eq!(
            "dataset:me/data".parse::<WatchedItem>().unwrap(),
            WatchedItem::dataset("me/data")
        );
        // Only the first colon splits.
        assert_eq!(
            "user:a:b".parse::<WatchedItem>().unwrap(),
            WatchedItem::user("a:b")
        );
        assert_eq!(
            "model:".parse::<WatchedItem>().unwrap_err(),
            ParseWatchedItemError::Format("model:".into())
        );
        assert_eq!(
            "Model:gpt2".parse::<WatchedItem>().unwrap_err().to_string(),
            "Invalid type 'Model'. Valid types: dataset, model, org, space, user."
        );
    }

    #[test]
    fn unknown_types_and_domains_round_trip() {
        let info: WebhookInfo = serde_json::from_value(json!({
            "id": "1",
            "watched": [{"type": "collection", "name": "c"}],
            "domains": ["repo", "community"],
            "disabled": true,
            "createdAt": "ignored"
        }))
        .unwrap();
        assert_eq!(
            info.watched[0].kind,
            WatchedType::Other("collection".into())
        );
        assert_eq!(info.domains[1], Domain::Other("community".into()));
        assert_eq!(info.target(), "-");
        assert_eq!(
            serde_json::to_value(&info).unwrap(),
            json!({
                "id": "1",
                "watched": [{"type": "collection", "name": "c"}],
                "domains": ["repo", "community"],
                "disabled": true
            })
        );
    }

    #[test]
    fn bodies_carry_only_what_was_given() {
        let body =
            serde_json::to_value(NewWebhook::new().job_id("j").watch(WatchedItem::user("u")))
                .unwrap();
        assert_eq!(
            body,
            json!({"watched": [{"type": "user", "name": "u"}], "jobSourceId": "j"})
        );
        assert_eq!(
            serde_json::to_value(WebhookUpdate::new().secret("s")).unwrap(),
            json!({"secret": "s"})
        );
        assert!(WebhookUpdate::new().is_empty());
        assert!(!WebhookUpdate::new().domains([]).is_empty());
    }

    #[test]
    fn targets_are_checked_with_the_reference_wording() {
        let both = NewWebhook::new()
            .url("u")
            .job_id("j")
            .validate()
            .unwrap_err();
        assert_eq!(both.to_string(), "Set `url` or `job_id` but not both.");
        let none = NewWebhook::new().validate().unwrap_err();
        assert_eq!(
            none.to_string(),
            "Missing argument for webhook: `url` or `job_id`."
        );
        assert!(WebhookUpdate::new().validate().is_ok());
        assert!(
            WebhookUpdate::new()
                .url("u")
                .job_id("j")
                .validate()
                .is_err()
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let new = NewWebhook::new().secret("hunter2");
        let update = WebhookUpdate::new().secret("hunter2");
        for text in [format!("{new:?}"), format!("{update:?}")] {
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
    }
}
