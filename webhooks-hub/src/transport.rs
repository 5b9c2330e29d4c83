//! The HTTP client under [`HubClient`](crate::HubClient): hyper's pooled HTTP/1.1 client, with
//! rustls on the `ring` provider and Mozilla's root certificates compiled in (`webpki-roots`), so
//! it needs neither OpenSSL nor a system certificate store. The `webhooks send` command uses it
//! too (through `__private`), to deliver to a receiver as the Hub would.

use std::time::Duration;

use bytes::Bytes;
use http::{Request, response};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The Hub's answers are small; anything bigger than this is cut off as an error.
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// Why one exchange failed.
pub enum Failure {
    /// No complete answer within the timeout.
    Timeout,
    /// Connecting, TLS, sending or reading failed.
    Transport(Box<dyn std::error::Error + Send + Sync>),
}

/// A pooled HTTPS-or-HTTP client with a whole-exchange timeout.
#[derive(Clone)]
pub struct Transport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl Transport {
    /// A client whose exchanges give up after `timeout`, connecting within `connect_timeout`.
    pub fn new(timeout: Duration, connect_timeout: Duration) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
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

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `request` and reads the whole answer.
    pub async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<(response::Parts, Bytes), Failure> {
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|error| Failure::Transport(Box::new(error)))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_ANSWER)
                .collect()
                .await
                .map_err(Failure::Transport)?
                .to_bytes();
            Ok((parts, body))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(Failure::Timeout))
    }
}
