//! Every path that is not a webhook:
//!
//! | path | answer |
//! | --- | --- |
//! | `GET /health` | `200 {"status":"ok"}`, always |
//! | `GET /metrics` | Prometheus metrics (`crate::metrics`) behind the secret, unless they are off |
//! | `/api/deliveries...` | the deliveries API (`crate::api`), unless the server is a bare API server |
//! | `GET /` | the landing page (`crate::page`) |
//! | `GET /assets/page-{version}.css`, `.js` | the landing page's style and script |
//! | anything else | a custom UI if there is one, else `404 {"detail":"Not Found"}` |

use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::request::Parts;
use http::{Method, StatusCode};
use http_body::Body;
use http_body_util::Full;

use super::body::{BoxError, read_body};
use crate::api;
use crate::extract::{Delivery, DeliveryId};
use crate::log::DeliverySpan;
use crate::metrics::Metrics;
use crate::page;
use crate::response::{IntoResponse, Response, json_bytes, method_not_allowed, not_found};
use crate::service::{Pages, Service};

/// Where Prometheus scrapes.
const METRICS_PATH: &str = "/metrics";

/// The content type of Prometheus' text format.
const PROMETHEUS_TEXT: HeaderValue =
    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");

impl Service {
    /// `GET /metrics`, behind the webhook secret (header or `?secret=`) when one is set.
    async fn answer_metrics(&self, metrics: &Metrics, head: &Parts) -> Response {
        if let Err(rejection) = self.auth.check(head) {
            return rejection.into_response();
        }
        let inbox = match self.queue() {
            Some(inbox) => match inbox.store.counts().await {
                Ok(counts) => Some(counts),
                Err(err) => {
                    tracing::warn!(error = %err, "the inbox cannot be counted for /metrics");
                    None
                }
            },
            None => None,
        };
        let text = metrics.encode(self.background.len(), inbox);
        let mut response = Response::new(Full::new(Bytes::from(text)));
        response.headers_mut().insert(CONTENT_TYPE, PROMETHEUS_TEXT);
        response
    }

    /// Answers a request whose path is not a webhook.
    pub(super) async fn answer_site<B>(&self, head: Parts, body: B) -> Response
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let path = head.uri.path();
        if path == "/health" {
            return match head.method {
                Method::GET | Method::HEAD => {
                    json_bytes(StatusCode::OK, Bytes::from_static(br#"{"status":"ok"}"#))
                }
                _ => method_not_allowed("GET, HEAD"),
            };
        }
        if path == METRICS_PATH
            && let Some(metrics) = &self.metrics
        {
            return match head.method {
                Method::GET | Method::HEAD => self.answer_metrics(metrics, &head).await,
                _ => method_not_allowed("GET, HEAD"),
            };
        }
        if self.site.has_api() && api::owns(path) {
            return api::answer(self, &head).await;
        }
        match &self.site.pages {
            Pages::Custom(handler) => {
                let body = match read_body(body, &self.settings).await {
                    Ok(body) => body,
                    Err(response) => return response,
                };
                let delivery = Delivery::new(
                    head,
                    body,
                    DeliveryId::generate(),
                    1,
                    Arc::clone(&self.state),
                );
                self.run(
                    handler,
                    &delivery,
                    None,
                    &DeliverySpan::Off,
                    "the custom UI",
                )
                .await
            }
            Pages::Landing if path == "/" => match head.method {
                Method::GET | Method::HEAD => page::render(self),
                _ => method_not_allowed("GET, HEAD"),
            },
            Pages::Landing if path == page::CSS_PATH || path == page::JS_PATH => {
                match head.method {
                    Method::GET | Method::HEAD => page::asset(path),
                    _ => method_not_allowed("GET, HEAD"),
                }
            }
            Pages::Landing | Pages::Off => not_found(),
        }
    }
}
