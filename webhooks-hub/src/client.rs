//! [`HubClient`]: its builder, the plumbing every call goes through, and the webhook management
//! calls, one method each. The other calls are in `discussions.rs`, `jobs.rs`, `whoami.rs` and
//! `delivery.rs`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::error::{ApiError, Error};
use crate::model::{NewWebhook, WebhookInfo, WebhookUpdate};
use crate::token::{Token, token_path};
use crate::transport::{HttpClient, TransportError, chain};

/// The Hub, when `HF_ENDPOINT` does not say otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// The environment variable holding the Hub's base URL.
pub const ENDPOINT_VAR: &str = "HF_ENDPOINT";

/// How long a call may take, connection included, unless [`HubClientBuilder::timeout`] says
/// otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

const WEBHOOKS_PATH: &str = "/api/settings/webhooks";

/// What a path segment keeps as is: RFC 3986's unreserved characters. Everything else,
/// `/`, `?`, `%` and spaces included, is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A client for the Hub: the webhook management API (`/api/settings/webhooks`), and the calls a
/// webhook handler makes to act on the Hub (discussions and pull requests, Jobs, `whoami`; see
/// the [crate](crate) docs).
///
/// Build it with [`HubClient::new`] (token and endpoint from the environment) or
/// [`HubClient::builder`]. It is cheap to clone (clones share one connection pool) and must be
/// used inside a tokio runtime. Its `Debug` output shows the endpoint, never the token.
///
/// # Examples
/// ```no_run
/// use webhooks_hub::{Domain, HubClient, NewWebhook, WatchedItem, WebhookUpdate};
///
/// # async fn run() -> Result<(), webhooks_hub::Error> {
/// let hub = HubClient::new()?; // HF_TOKEN or `hf auth login`'s token; HF_ENDPOINT
///
/// let webhook = hub
///     .create_webhook(
///         NewWebhook::new()
///             .url("https://my-space.hf.space/webhooks/trigger_training")
///             .watch(WatchedItem::dataset("me/my-dataset"))
///             .domain(Domain::Repo)
///             .secret("my-secret"),
///     )
///     .await?;
///
/// hub.update_webhook(&webhook.id, WebhookUpdate::new().watch(WatchedItem::org("my-org")))
///     .await?;
/// hub.disable_webhook(&webhook.id).await?;
/// for webhook in hub.list_webhooks().await? {
///     println!("{} -> {} (disabled: {})", webhook.id, webhook.target(), webhook.disabled);
/// }
/// hub.delete_webhook(&webhook.id).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct HubClient {
    inner: Arc<Inner>,
    /// Where Jobs are run and looked up; `None`: the token's user.
    namespace: Option<Arc<str>>,
}

struct Inner {
    http: HttpClient,
    /// The endpoint without a trailing slash, e.g. `https://huggingface.co`.
    endpoint: String,
    /// `Bearer <token>`, marked sensitive.
    authorization: HeaderValue,
    /// Whether the endpoint is plain HTTP to another machine.
    unencrypted: bool,
    /// The token's user name, asked once (`whoami`) the first time a Job call needs it.
    user_name: OnceCell<String>,
}

impl HubClient {
    /// A client with the token and endpoint from the environment: the token from `HF_TOKEN`,
    /// else the `hf` command line's token file; the endpoint from `HF_ENDPOINT`, else
    /// [`DEFAULT_ENDPOINT`].
    ///
    /// # Errors
    /// [`Error::MissingToken`] without a token, [`Error::InvalidEndpoint`] for a bad
    /// `HF_ENDPOINT`, [`Error::TokenFile`] for an unreadable token file.
    ///
    /// # Examples
    /// ```no_run
    /// let hub = webhooks_hub::HubClient::new()?;
    /// # Ok::<(), webhooks_hub::Error>(())
    /// ```
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A client with this token, and the endpoint from `HF_ENDPOINT`.
    ///
    /// # Examples
    /// ```
    /// let hub = webhooks_hub::HubClient::with_token("hf_xxx")?;
    /// # Ok::<(), webhooks_hub::Error>(())
    /// ```
    pub fn with_token(token: impl Into<Token>) -> Result<Self, Error> {
        Self::builder().token(token).build()
    }

    /// A builder, to set the token, the endpoint or the timeout.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let hub = webhooks_hub::HubClient::builder()
    ///     .token("hf_xxx")
    ///     .endpoint("http://127.0.0.1:8080/")
    ///     .timeout(Duration::from_secs(5))
    ///     .build()?;
    /// assert_eq!(hub.endpoint(), "http://127.0.0.1:8080");
    /// assert!(!format!("{hub:?}").contains("hf_xxx"));
    /// # Ok::<(), webhooks_hub::Error>(())
    /// ```
    pub fn builder() -> HubClientBuilder {
        HubClientBuilder::default()
    }

    /// The Hub's base URL, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// A client for the same Hub and token whose Job calls ([`run_job`](Self::run_job),
    /// [`list_jobs`](Self::list_jobs), ...) use `namespace` (an organization, say) instead of the
    /// token's user. It shares this client's connections.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// for job in hub.in_namespace("my-org").list_jobs().await? {
    ///     println!("{} {}", job.id, job.status.stage);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn in_namespace(&self, namespace: impl Into<String>) -> HubClient {
        HubClient {
            inner: self.inner.clone(),
            namespace: Some(namespace.into().into()),
        }
    }

    /// Where Job calls go: the namespace given to [`in_namespace`](Self::in_namespace), else the
    /// token's user name, asked with [`whoami`](Self::whoami) once per client.
    pub(crate) async fn jobs_namespace(&self) -> Result<String, Error> {
        if let Some(namespace) = &self.namespace {
            return Ok(namespace.to_string());
        }
        self.inner
            .user_name
            .get_or_try_init(|| async { Ok(self.whoami().await?.name) })
            .await
            .cloned()
    }

    /// Whether the token travels unencrypted: the endpoint is `http://` on a host other than a
    /// loopback one (`localhost`, `127.0.0.0/8`, `[::1]`). A loopback endpoint (a Hub mirror or
    /// a mock on this machine) does not count: nothing leaves the machine. The client logs a
    /// warning when it is built for such an endpoint; the `webhooks` command line prints one.
    ///
    /// # Examples
    /// ```
    /// use webhooks_hub::HubClient;
    ///
    /// let hub = |endpoint| HubClient::builder().token("hf_xxx").endpoint(endpoint).build().unwrap();
    /// assert!(hub("http://hub.internal.example").sends_token_unencrypted());
    /// assert!(!hub("https://huggingface.co").sends_token_unencrypted());
    /// assert!(!hub("http://127.0.0.1:8080").sends_token_unencrypted());
    /// assert!(!hub("http://localhost:8080").sends_token_unencrypted());
    /// ```
    pub fn sends_token_unencrypted(&self) -> bool {
        self.inner.unencrypted
    }

    /// Every webhook of the token's user (`GET /api/settings/webhooks`).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// for webhook in hub.list_webhooks().await? {
    ///     println!("{} watches {} items", webhook.id, webhook.watched.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_webhooks(&self) -> Result<Vec<WebhookInfo>, Error> {
        let path = WEBHOOKS_PATH.to_owned();
        let body = self.call(Method::GET, &path, None).await?;
        decode(&self.url(&path), &body)
    }

    /// One webhook (`GET /api/settings/webhooks/{id}`).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let webhook = hub.get_webhook("654bbbc16f2ec14d77f109cc").await?;
    /// println!("{webhook:?}"); // the secret is not shown
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_webhook(&self, id: &str) -> Result<WebhookInfo, Error> {
        self.webhook_call(Method::GET, webhook_path(id, "")?, None)
            .await
    }

    /// Creates a webhook (`POST /api/settings/webhooks`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`], before any request, when the webhook has both a URL and a Job
    /// ("Set `url` or `job_id` but not both.") or neither ("Missing argument for webhook: `url`
    /// or `job_id`."); otherwise what the Hub answers.
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_hub::{NewWebhook, WatchedItem};
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// // Start a copy of a Job (run before, e.g. with `hf jobs run`) for each delivery.
    /// let webhook = hub
    ///     .create_webhook(NewWebhook::new().job_id("687f911eaea852de79c4a50a").watch(WatchedItem::user("julien-c")))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_webhook(&self, webhook: NewWebhook) -> Result<WebhookInfo, Error> {
        webhook.validate()?;
        let body = json_body(&webhook);
        self.webhook_call(Method::POST, WEBHOOKS_PATH.to_owned(), Some(body))
            .await
    }

    /// Changes a webhook (`POST /api/settings/webhooks/{id}`), sending only the fields `update`
    /// sets.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`], before any request, when `update` sets both a URL and a Job.
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_hub::{Domain, WebhookUpdate};
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// // Sends {"domains": ["repo", "discussion"]}: the watch list and URL stay as they are.
    /// hub.update_webhook("654bbbc16f2ec14d77f109cc", WebhookUpdate::new().domains([Domain::Repo, Domain::Discussion]))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_webhook(
        &self,
        id: &str,
        update: WebhookUpdate,
    ) -> Result<WebhookInfo, Error> {
        update.validate()?;
        let path = webhook_path(id, "")?;
        self.webhook_call(Method::POST, path, Some(json_body(&update)))
            .await
    }

    /// Enables a webhook (`POST /api/settings/webhooks/{id}/enable`).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// assert!(!hub.enable_webhook("654bbbc16f2ec14d77f109cc").await?.disabled);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn enable_webhook(&self, id: &str) -> Result<WebhookInfo, Error> {
        self.webhook_call(Method::POST, webhook_path(id, "/enable")?, None)
            .await
    }

    /// Disables a webhook (`POST /api/settings/webhooks/{id}/disable`): it stays, and delivers
    /// nothing until enabled again.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// assert!(hub.disable_webhook("654bbbc16f2ec14d77f109cc").await?.disabled);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn disable_webhook(&self, id: &str) -> Result<WebhookInfo, Error> {
        self.webhook_call(Method::POST, webhook_path(id, "/disable")?, None)
            .await
    }

    /// Deletes a webhook for good (`DELETE /api/settings/webhooks/{id}`).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// hub.delete_webhook("654bbbc16f2ec14d77f109cc").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_webhook(&self, id: &str) -> Result<(), Error> {
        self.call(Method::DELETE, &webhook_path(id, "")?, None)
            .await
            .map(drop)
    }

    /// A call answered `{"webhook": {...}}`.
    async fn webhook_call(
        &self,
        method: Method,
        path: String,
        body: Option<Bytes>,
    ) -> Result<WebhookInfo, Error> {
        #[derive(Deserialize)]
        struct Envelope {
            webhook: WebhookInfo,
        }
        let answer = self.call(method, &path, body).await?;
        decode::<Envelope>(&self.url(&path), &answer).map(|envelope| envelope.webhook)
    }

    /// `GET path`, its JSON answer decoded.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let answer = self.call(Method::GET, path, None).await?;
        decode(&self.url(path), &answer)
    }

    /// `POST path` with `body` as JSON (none for `None`), its JSON answer decoded.
    pub(crate) async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, Error> {
        let answer = self.call(Method::POST, path, body.map(json_body)).await?;
        decode(&self.url(path), &answer)
    }

    /// One request; the answer's body on a 2xx status, [`Error::Api`] otherwise.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<Bytes, Error> {
        let url = self.url(path);
        let uri: Uri = url.parse().map_err(|error| Error::InvalidEndpoint {
            endpoint: self.inner.endpoint.clone(),
            reason: format!("{url} is not a valid URL: {error}"),
        })?;
        let mut request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(AUTHORIZATION, self.inner.authorization.clone())
            .header(ACCEPT, "application/json")
            .header(
                USER_AGENT,
                concat!("webhooks-hub/", env!("CARGO_PKG_VERSION")),
            );
        if body.is_some() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(body.unwrap_or_default())
            .expect("method, URI and headers are valid");

        tracing::debug!(%method, %url, "Hub request");
        let started = Instant::now();
        let (parts, answer) = self
            .inner
            .http
            .send(request)
            .await
            .map_err(|error| match error {
                TransportError::Timeout(timeout) => Error::Timeout {
                    url: url.clone(),
                    timeout,
                },
                TransportError::Connection(source) => Error::Connection {
                    url: url.clone(),
                    message: chain(source.as_ref()),
                    source,
                },
            })?
            .into_parts();
        tracing::debug!(
            %method,
            %url,
            status = parts.status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "Hub answer"
        );
        if parts.status.is_success() {
            Ok(answer)
        } else {
            Err(ApiError::from_answer(
                method,
                path.to_owned(),
                parts.status,
                &parts.headers,
                &answer,
            )
            .into())
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.endpoint)
    }
}

impl fmt::Debug for HubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubClient")
            .field("endpoint", &self.inner.endpoint)
            .field("timeout", &self.inner.http.timeout())
            .field("namespace", &self.namespace)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Builds a [`HubClient`]; see [`HubClient::builder`].
#[derive(Debug, Default)]
#[must_use]
pub struct HubClientBuilder {
    token: Option<Token>,
    endpoint: Option<String>,
    timeout: Option<Duration>,
}

impl HubClientBuilder {
    /// The token to use (else `HF_TOKEN`, else the token file).
    pub fn token(mut self, token: impl Into<Token>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The Hub's base URL (else `HF_ENDPOINT`, else [`DEFAULT_ENDPOINT`]); `http` or `https`,
    /// possibly with a path prefix.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// How long one call may take, connection included (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The client. Reads the environment for what was not set.
    ///
    /// # Errors
    /// [`Error::MissingToken`], [`Error::TokenFile`], [`Error::InvalidEndpoint`], or
    /// [`Error::InvalidArgument`] for a token that cannot travel in an HTTP header.
    pub fn build(self) -> Result<HubClient, Error> {
        let endpoint = match self.endpoint {
            Some(endpoint) => endpoint,
            None => std::env::var(ENDPOINT_VAR)
                .ok()
                .filter(|endpoint| !endpoint.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned()),
        };
        let endpoint = parse_endpoint(&endpoint)?;
        let unencrypted = is_unencrypted_remote(&endpoint);
        let token = match self.token {
            Some(token) => Some(token).filter(|token| !token.expose().is_empty()),
            None => Token::from_env()?,
        };
        let Some(token) = token else {
            return Err(Error::MissingToken {
                token_path: token_path(),
            });
        };
        let mut authorization = HeaderValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|_| {
                Error::InvalidArgument(
                    "the token has characters that cannot be sent in an HTTP header".into(),
                )
            })?;
        authorization.set_sensitive(true);
        if unencrypted {
            tracing::warn!(
                %endpoint,
                "the Hub endpoint is plain HTTP: the token travels unencrypted"
            );
        }
        let http = HttpClient::new(self.timeout.unwrap_or(DEFAULT_TIMEOUT));
        Ok(HubClient {
            inner: Arc::new(Inner {
                http,
                endpoint,
                authorization,
                unencrypted,
                user_name: OnceCell::new(),
            }),
            namespace: None,
        })
    }
}

/// Checks an endpoint and drops its trailing slashes.
fn parse_endpoint(endpoint: &str) -> Result<String, Error> {
    let invalid = |reason: String| Error::InvalidEndpoint {
        endpoint: endpoint.to_owned(),
        reason,
    };
    let trimmed = endpoint.trim().trim_end_matches('/');
    let uri: Uri = trimmed
        .parse()
        .map_err(|error| invalid(format!("{error}")))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none() {
        return Err(invalid(
            "expected an http:// or https:// URL, e.g. https://huggingface.co".into(),
        ));
    }
    if uri.query().is_some() {
        return Err(invalid("a query string is not allowed".into()));
    }
    Ok(trimmed.to_owned())
}

/// Whether `endpoint` (checked by [`parse_endpoint`]) is `http://` to a host that is not
/// loopback.
fn is_unencrypted_remote(endpoint: &str) -> bool {
    let Ok(uri) = endpoint.parse::<Uri>() else {
        return true;
    };
    if uri.scheme_str() != Some("http") {
        return false;
    }
    let host = uri.host().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !loopback
}

/// `/api/settings/webhooks/{id}{suffix}`.
fn webhook_path(id: &str, suffix: &str) -> Result<String, Error> {
    Ok(format!(
        "{WEBHOOKS_PATH}/{}{suffix}",
        segment("webhook id", id)?
    ))
}

/// `value` as one URL path segment, percent-encoded. Empty values are refused, and so are `.` and
/// `..`, which proxies and servers would resolve as "this" and "the parent" segment.
pub(crate) fn segment(what: &str, value: &str) -> Result<String, Error> {
    if value.trim().is_empty() {
        return Err(Error::InvalidArgument(format!("the {what} is empty")));
    }
    if value == "." || value == ".." {
        return Err(Error::InvalidArgument(format!(
            "`{value}` is not a valid {what}: it would change the meaning of the URL path"
        )));
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

fn json_body(value: &impl serde::Serialize) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("request bodies serialise"))
}

pub(crate) fn decode<T: DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|error| Error::UnexpectedResponse {
        url: url.to_owned(),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked_and_trimmed() {
        assert_eq!(
            parse_endpoint("https://huggingface.co/").unwrap(),
            "https://huggingface.co"
        );
        assert_eq!(
            parse_endpoint(" http://127.0.0.1:8080/hub// ").unwrap(),
            "http://127.0.0.1:8080/hub"
        );
        for bad in [
            "huggingface.co",
            "ftp://hub",
            "https://hub?x=1",
            "",
            "http://",
        ] {
            assert!(
                matches!(parse_endpoint(bad), Err(Error::InvalidEndpoint { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn only_plain_http_to_another_machine_is_unencrypted() {
        for remote in [
            "http://hub.example",
            "http://10.0.0.1:8080",
            "http://0.0.0.0:80",
            "http://[::2]/hub",
            "http://localhost.example.com",
        ] {
            assert!(is_unencrypted_remote(remote), "{remote}");
        }
        for local_or_tls in [
            "https://huggingface.co",
            "https://hub.example:8443",
            "http://localhost",
            "http://LOCALHOST:8080",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:8080/hub",
        ] {
            assert!(!is_unencrypted_remote(local_or_tls), "{local_or_tls}");
        }
    }

    #[test]
    fn ids_stay_one_path_segment() {
        assert_eq!(
            webhook_path("654bbbc16f2ec14d77f109cc", "/enable").unwrap(),
            "/api/settings/webhooks/654bbbc16f2ec14d77f109cc/enable"
        );
        assert_eq!(
            webhook_path("../a b", "").unwrap(),
            "/api/settings/webhooks/..%2Fa%20b"
        );
        assert!(matches!(
            webhook_path(" ", ""),
            Err(Error::InvalidArgument(_))
        ));
        for dots in [".", ".."] {
            let error = webhook_path(dots, "/enable").unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "`{dots}` is not a valid webhook id: it would change the meaning of the URL path"
                )
            );
        }
        assert_eq!(
            webhook_path("...", "").unwrap(),
            "/api/settings/webhooks/..."
        );
    }

    #[test]
    fn an_empty_token_is_no_token() {
        let error = HubClient::builder()
            .token("  ")
            .endpoint("http://127.0.0.1:1")
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::MissingToken { .. }), "{error}");
        assert!(error.to_string().contains("HF_TOKEN"));
    }

    #[test]
    fn a_token_with_a_newline_is_refused_without_being_shown() {
        let error = HubClient::builder()
            .token("hf_a\nb")
            .endpoint("http://127.0.0.1:1")
            .build()
            .unwrap_err();
        assert!(!error.to_string().contains("hf_a"));
        assert!(!format!("{error:?}").contains("hf_a"));
    }
}
