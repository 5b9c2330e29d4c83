//! Everything that is not a webhook: `GET /health`, the landing page at `/`, the deliveries API
//! behind it, or a custom UI in their place.
//!
//! | path | answer |
//! | --- | --- |
//! | `GET /health` | `200 {"status":"ok"}`, always |
//! | `GET /` | the landing page (unless a custom UI or `landing_page(false)`) |
//! | `GET /api/deliveries` | the recent deliveries, newest first (secret required when set) |
//! | `POST /api/deliveries/{id}/replay` | runs a delivery through its handler again (secret required) |
//! | anything else | the custom UI if there is one, else `404 {"detail":"Not Found"}` |

mod api;
mod page;

use std::sync::OnceLock;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body::Body;

use crate::extract::Delivery;
use crate::handler::{ErasedHandler, HandlerCall};
use crate::response::{IntoResponse, Response, error, json_bytes, method_not_allowed};
use crate::server::App;
use crate::server::body::read_body;
use crate::server::delivery::BoxError;

/// What answers the paths that are not webhooks.
#[derive(Debug)]
pub(crate) struct Ui {
    kind: Kind,
    /// The name shown on the page.
    name: String,
    /// The base URL endpoints are announced under, known once the server is bound.
    url: OnceLock<String>,
}

#[derive(Debug)]
enum Kind {
    Landing,
    Custom(ErasedHandler),
    Off,
}

impl Ui {
    pub(crate) fn new(
        custom: Option<ErasedHandler>,
        name: Option<String>,
        landing_page: bool,
    ) -> Self {
        let kind = match (custom, landing_page) {
            (Some(handler), _) => Kind::Custom(handler),
            (None, true) => Kind::Landing,
            (None, false) => Kind::Off,
        };
        let name = name.unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| {
                    exe.file_stem()
                        .map(|stem| stem.to_string_lossy().into_owned())
                })
                .unwrap_or_else(|| "webhooks".to_owned())
        });
        Self {
            kind,
            name,
            url: OnceLock::new(),
        }
    }

    pub(crate) fn set_url(&self, url: &str) {
        let _ = self.url.set(url.to_owned());
    }
}

fn not_found() -> Response {
    json_bytes(
        StatusCode::NOT_FOUND,
        Bytes::from_static(br#"{"detail":"Not Found"}"#),
    )
}

impl App {
    /// Answers a request whose path is not a webhook.
    pub(crate) async fn answer_other<B>(&self, request: Request<B>) -> Response
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let path = request.uri().path();
        let method = request.method();
        if path == "/health" {
            return match *method {
                Method::GET | Method::HEAD => {
                    json_bytes(StatusCode::OK, Bytes::from_static(br#"{"status":"ok"}"#))
                }
                _ => method_not_allowed("GET, HEAD"),
            };
        }
        let api = !matches!(self.ui.kind, Kind::Off)
            && (path == "/api/deliveries" || path.starts_with("/api/deliveries/"));
        if api {
            return self.answer_api(request).await;
        }
        match &self.ui.kind {
            Kind::Custom(handler) => self.answer_custom(handler, request).await,
            Kind::Landing if path == "/" => match *method {
                Method::GET | Method::HEAD => page::render(self),
                _ => method_not_allowed("GET, HEAD"),
            },
            Kind::Landing | Kind::Off => not_found(),
        }
    }

    async fn answer_custom<B>(&self, handler: &ErasedHandler, request: Request<B>) -> Response
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let (head, body) = request.into_parts();
        let body = match read_body(body, &self.settings).await {
            Ok(body) => body,
            Err(response) => return response,
        };
        let span = tracing::Span::current();
        HandlerCall::new(handler, Delivery::new(head, body), &self.background, &span)
            .await
            .unwrap_or_else(|_| {
                tracing::error!("the custom UI handler panicked");
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error: the handler panicked.",
                )
            })
    }

    async fn answer_api<B>(&self, request: Request<B>) -> Response
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let (head, _body) = request.into_parts();
        // The same secret as the webhooks: without it nobody reads payloads or runs handlers.
        if let Err(rejection) = self.auth.check(&head) {
            return rejection.into_response();
        }
        let rest = head.uri.path().trim_start_matches("/api/deliveries");
        match (rest, &head.method) {
            ("" | "/", &Method::GET) => api::list(self),
            ("" | "/", _) => method_not_allowed("GET"),
            (rest, method) => match rest
                .strip_prefix('/')
                .and_then(|rest| rest.strip_suffix("/replay"))
            {
                Some(id) if *method == Method::POST => match id.parse() {
                    Ok(id) => api::replay(self, id).await,
                    Err(_) => not_found(),
                },
                Some(_) => method_not_allowed("POST"),
                None => not_found(),
            },
        }
    }
}
