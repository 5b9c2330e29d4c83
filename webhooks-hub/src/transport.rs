//! The HTTP client under [`HubClient`](crate::HubClient), for programs that make their own
//! requests over the same stack: [`HttpClient`] sends one request and reads the whole answer,
//! within one timeout; [`TransportError`] says why it could not.
//!
//! It is hyper's pooled HTTP/1.1 client with rustls on the `ring` provider and Mozilla's root
//! certificates compiled in (`webpki-roots`): no OpenSSL, no system certificate store, no proxy.
//! The `webhooks send` command delivers payloads to a receiver with it.
//!
//! # Examples
//! ```no_run
//! use std::time::Duration;
//! use webhooks_hub::transport::HttpClient;
//!
//! # async fn run() -> Result<(), webhooks_hub::transport::TransportError> {
//! let client = HttpClient::new(Duration::from_secs(10));
//! let request = http::Request::post("http://127.0.0.1:7860/webhooks/trigger_training")
//!     .header("content-type", "application/json")
//!     .body(bytes::Bytes::from_static(b"{}"))
//!     .unwrap();
//! let answer = client.send(request).await?;
//! println!("{} ({} bytes)", answer.status(), answer.body().len());
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Answers longer than this are cut off with a [`TransportError::Connection`].
pub const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// The longest a connection may take to open, whatever the whole exchange's timeout.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A pooled HTTPS-or-HTTP/1.1 client whose every exchange (connecting, sending, reading the whole
/// answer) has one timeout. Cheap to clone: clones share the connection pool. Use it inside a
/// tokio runtime.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use webhooks_hub::transport::HttpClient;
///
/// let client = HttpClient::new(Duration::from_secs(30));
/// assert_eq!(client.timeout(), Duration::from_secs(30));
/// ```
#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl HttpClient {
    /// A client whose exchanges give up after `timeout` (connecting within at most 10 s of it).
    pub fn new(timeout: Duration) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout.min(MAX_CONNECT_TIMEOUT)));
        let https = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .expect("the ring provider supports TLS 1.2 and 1.3")
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Self { client, timeout }
    }

    /// How long one exchange may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `request` and reads the whole answer (at most [`MAX_ANSWER`] bytes).
    ///
    /// Any status is an answer: a 404 or a 500 is `Ok`, and the caller decides what it means.
    ///
    /// # Errors
    /// [`TransportError::Timeout`] when no complete answer came within the timeout,
    /// [`TransportError::Connection`] when connecting, TLS, sending or reading failed.
    ///
    /// # Examples
    /// ```no_run
    /// # use std::time::Duration;
    /// # use webhooks_hub::transport::HttpClient;
    /// # async fn run(client: HttpClient) {
    /// let request = http::Request::get("https://huggingface.co/api/whoami-v2")
    ///     .body(bytes::Bytes::new())
    ///     .unwrap();
    /// match client.send(request).await {
    ///     Ok(answer) => println!("{}", answer.status()),
    ///     Err(error) => eprintln!("{error}"),
    /// }
    /// # }
    /// ```
    pub async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        let exchange = async {
            let response = self
                .client
                .request(request.map(Full::new))
                .await
                .map_err(|error| TransportError::Connection(Box::new(error)))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_ANSWER)
                .collect()
                .await
                .map_err(TransportError::Connection)?
                .to_bytes();
            Ok(Response::from_parts(parts, body))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(TransportError::Timeout(self.timeout)))
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Why [`HttpClient::send`] got no answer. Its `Display` is the whole chain of causes on one
/// line (`client error (Connect): tcp connect error: Connection refused (os error 111)`).
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use webhooks_hub::transport::TransportError;
///
/// let error = TransportError::Timeout(Duration::from_secs(5));
/// assert_eq!(error.to_string(), "no answer within 5s");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportError {
    /// No complete answer within the timeout (which it holds).
    Timeout(Duration),
    /// Connecting, TLS, sending or reading failed.
    Connection(Box<dyn std::error::Error + Send + Sync>),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(timeout) => write!(f, "no answer within {timeout:?}"),
            Self::Connection(source) => f.write_str(&chain(source.as_ref())),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Timeout(_) => None,
            Self::Connection(source) => Some(source.as_ref()),
        }
    }
}

/// An error and its causes on one line, `a: b: c`, leaving out a cause whose text is already
/// there (hyper's own text says little by itself).
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
