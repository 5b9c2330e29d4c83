//! Testing endpoints without a network: [`TestClient`] drives a [`WebhooksServer`] in process,
//! through exactly the path a real delivery takes (routing, secret, limits, filters, handler),
//! minus the socket.
//!
//! # Examples
//! ```
//! use webhooks_runtime::test::TestClient;
//! use webhooks_runtime::{WebhookPayload, WebhooksServer};
//!
//! async fn echo(payload: WebhookPayload) -> String {
//!     payload.repo.name
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let client = TestClient::new(WebhooksServer::new().webhook_secret("s").add_webhook("echo", echo)).unwrap();
//!
//! let response = client.post("/webhooks/echo").secret("s").json(&WebhookPayload::sample_discussion()).await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.text(), "openai-community/gpt2");
//!
//! let response = client.post("/webhooks/echo").json(&WebhookPayload::sample_discussion()).await;
//! assert_eq!(response.status(), 401);
//! # }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use serde::Serialize;
use serde::de::DeserializeOwned;

use secrecy::ExposeSecret;

use crate::auth::SECRET_HEADER;
use crate::error::Error;
use crate::payload::WebhookPayload;
use crate::server::WebhooksServer;
use crate::server::builder::Target;
use crate::service::Service;

/// A server run in process, answering requests without a socket.
///
/// Build it from the same [`WebhooksServer`] you run (for example `webhooks::app()`), then send
/// requests with [`post`](Self::post) or deliveries with [`receive`](Self::receive).
#[derive(Debug, Clone)]
pub struct TestClient {
    service: Arc<Service>,
}

impl TestClient {
    /// Checks `server`'s configuration (the same checks as `launch`) and serves it in process.
    /// Nothing is bound and nothing is printed.
    pub fn new(server: WebhooksServer) -> Result<Self, Error> {
        Ok(Self {
            service: Arc::new(server.into_service(Target::TestClient)?),
        })
    }

    /// A `POST` to `path` (for example `/webhooks/trigger_training`), to build then await.
    pub fn post(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::POST, path)
    }

    /// A request with any method.
    pub fn request(&self, method: Method, path: &str) -> TestRequest<'_> {
        TestRequest {
            client: self,
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Delivers `payload` as the Hub would (JSON, with the server's secret) to every endpoint
    /// whose filter accepts it, in path order, and returns each endpoint's answer.
    pub async fn receive(&self, payload: &WebhookPayload) -> Vec<Received> {
        let body = Bytes::from(serde_json::to_vec(payload).expect("a payload serialises"));
        let mut received = Vec::new();
        for (path, route) in self.service.router.routes() {
            if !route.filter.matches(payload) {
                continue;
            }
            let mut request = self
                .post(path)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            if let Some(secret) = self.service.auth.current() {
                let value = HeaderValue::from_str(secret.expose_secret())
                    .expect("a secret is a valid header value");
                request = request.header(SECRET_HEADER, value);
            }
            request.body = body.clone();
            received.push(Received {
                path: path.to_owned(),
                response: request.send().await,
            });
        }
        received
    }

    /// Runs the queued deliveries whose time has come, one after the other, until none is left
    /// (a delivery that fails waits for its next attempt; move tokio's paused clock to reach it),
    /// and returns how many attempts ran. Queued endpoints are not run by background workers in a
    /// test client: this is what runs them.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::server::EndpointOptions;
    /// use webhooks_runtime::test::TestClient;
    /// use webhooks_runtime::{WebhookPayload, WebhooksServer};
    ///
    /// async fn retrain(payload: WebhookPayload) {}
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = WebhooksServer::new().add_webhook_with("retrain", EndpointOptions::new().queue(), retrain);
    /// let client = TestClient::new(server).unwrap();
    /// let response = client.post("/webhooks/retrain").json(&WebhookPayload::sample_push_to_main()).await;
    /// assert_eq!(response.status(), 202);
    /// assert_eq!(client.run_queue().await, 1);
    /// # }
    /// ```
    pub async fn run_queue(&self) -> usize {
        self.service.run_queue_now().await
    }

    /// Waits for the work handlers started in the background (`Accepted`, or past a deadline) to
    /// finish, as a graceful shutdown would; the client accepts no more of it afterwards.
    pub async fn finish_background_work(&self) {
        self.service.background.close();
        self.service.background.wait().await;
    }
}

/// One endpoint's answer to [`TestClient::receive`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Received {
    /// The endpoint's path, e.g. `/webhooks/trigger_training`.
    pub path: String,
    /// Its answer.
    pub response: TestResponse,
}

/// A request being built; `.await` it (or call [`send`](Self::send)) to get the answer.
#[derive(Debug)]
#[must_use = "a request does nothing until it is awaited"]
pub struct TestRequest<'a> {
    client: &'a TestClient,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl TestRequest<'_> {
    /// Sends `secret` in the `X-Webhook-Secret` header, as the Hub does.
    pub fn secret(self, secret: &str) -> Self {
        let value = HeaderValue::from_str(secret).expect("a secret is a valid header value");
        self.header(SECRET_HEADER, value)
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// A JSON body (and `content-type: application/json`), e.g. a [`WebhookPayload`] or a
    /// `serde_json::Value`.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = Bytes::from(serde_json::to_vec(body).expect("the body serialises as JSON"));
        self.header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
    }

    /// A raw body, sent as is.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the request through the server and returns its answer.
    pub async fn send(self) -> TestResponse {
        let mut request = Request::new(Full::new(self.body));
        *request.method_mut() = self.method;
        *request.uri_mut() = self.path.parse().expect("a valid request path");
        *request.headers_mut() = self.headers;
        let Ok(response) = Arc::clone(&self.client.service).serve(request, None).await;
        let (head, body) = response.into_parts();
        let body = match body.collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(never) => match never {},
        };
        TestResponse {
            status: head.status,
            headers: head.headers,
            body,
        }
    }
}

impl<'a> IntoFuture for TestRequest<'a> {
    type Output = TestResponse;
    type IntoFuture = Pin<Box<dyn Future<Output = TestResponse> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The server's answer to a test request.
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header's value as text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The raw body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded as JSON.
    ///
    /// # Panics
    /// When the body is not a `T`, with the body in the message: this is a test helper.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!("the body is not the JSON expected ({err}): {}", self.text())
        })
    }
}
