//! A mock Hub on wiremock: each expected call checks the method, the exact path and query, the
//! `Authorization` header and the JSON body (or that there is none), and is answered once as
//! scripted. A request that matches no expected call is answered 500 and fails the test, as does
//! an expected call that never came ([`MockHub::verify`], or when the mock is dropped).
//!
//! Shared by the tests of `webhooks-hub`, of `webhooks-cli` and of the examples
//! (`#[path]`-included).
#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;
use wiremock::matchers::{any, body_json, header, method};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

/// The token the mock expects unless told otherwise.
pub const TOKEN: &str = "hf_mock_token_0123456789";

/// One expected call and its answer.
#[derive(Debug, Clone)]
pub struct Expect {
    method: &'static str,
    path: String,
    token: String,
    body: Option<Value>,
    status: u16,
    content_type: String,
    answer: String,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

impl Expect {
    fn new(method: &'static str, path: &str) -> Self {
        Self {
            method,
            path: path.to_owned(),
            token: TOKEN.to_owned(),
            body: None,
            status: 200,
            content_type: "application/json".to_owned(),
            answer: String::new(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    /// `GET path`, where `path` may end with a query (`/a?diff=1`), matched exactly.
    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    /// `POST path`.
    pub fn post(path: &str) -> Self {
        Self::new("POST", path)
    }

    /// `DELETE path`.
    pub fn delete(path: &str) -> Self {
        Self::new("DELETE", path)
    }

    /// The request must carry this JSON body, as `application/json`; without it, no body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The request must carry `Bearer <token>`.
    pub fn token(mut self, token: &str) -> Self {
        self.token = token.to_owned();
        self
    }

    /// Answers `status` with this JSON.
    pub fn answer(self, status: u16, json: Value) -> Self {
        self.answer_raw(status, "application/json", &json.to_string())
    }

    /// Answers `status` with this raw body and content type.
    pub fn answer_raw(mut self, status: u16, content_type: &str, body: &str) -> Self {
        self.status = status;
        self.content_type = content_type.to_owned();
        self.answer = body.to_owned();
        self
    }

    /// Adds a header to the answer.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    /// Waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn mock(self) -> Mock {
        let (path, query) = match self.path.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (self.path.clone(), None),
        };
        let builder = Mock::given(method(self.method))
            .and(ExactPath { path, query })
            .and(header("authorization", format!("Bearer {}", self.token)));
        let builder = match self.body {
            Some(body) => builder
                .and(body_json(body))
                .and(header("content-type", "application/json")),
            None => builder.and(NoBody),
        };
        let mut answer = ResponseTemplate::new(self.status)
            .set_body_raw(self.answer, &self.content_type)
            .set_delay(self.delay);
        for (name, value) in self.headers {
            answer = answer.append_header(name, value);
        }
        builder
            .respond_with(answer)
            .up_to_n_times(1)
            .expect(1)
            .named(format!("{} {}", self.method, self.path))
    }
}

/// The path and the query, both exactly (`None`: no query at all).
struct ExactPath {
    path: String,
    query: Option<String>,
}

impl Match for ExactPath {
    fn matches(&self, request: &Request) -> bool {
        request.url.path() == self.path && request.url.query() == self.query.as_deref()
    }
}

/// No body at all.
struct NoBody;

impl Match for NoBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty()
    }
}

/// A running mock Hub.
pub struct MockHub {
    server: MockServer,
}

impl MockHub {
    /// Serves these calls, each once; identical calls are answered in the order given.
    pub async fn start(expected: Vec<Expect>) -> Self {
        let server = MockServer::start().await;
        for expect in expected {
            expect.mock().mount(&server).await;
        }
        Mock::given(any())
            .respond_with(ResponseTemplate::new(500).set_body_raw(
                r#"{"error":"mock Hub: unexpected request"}"#,
                "application/json",
            ))
            .with_priority(u8::MAX)
            .expect(0)
            .named("no other request")
            .mount(&server)
            .await;
        Self { server }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// How many requests reached the mock.
    pub async fn served(&self) -> usize {
        self.requests().await.len()
    }

    /// Every request that reached the mock, in order.
    pub async fn requests(&self) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .expect("requests are recorded")
    }

    /// Panics if a request matched no expected call, or an expected call never came.
    pub async fn verify(&self) {
        self.server.verify().await;
    }
}

/// The body `huggingface_hub`'s `create_webhook` sends for the reference's example: a URL
/// target watching a user and an organisation, both domains, a secret.
pub fn create_body_for_a_url() -> Value {
    serde_json::json!({
        "watched": [
            {"type": "user", "name": "julien-c"},
            {"type": "org", "name": "HuggingFaceH4"}
        ],
        "domains": ["repo", "discussion"],
        "secret": "my-secret",
        "url": "https://example.com/webhooks/trigger_training"
    })
}

/// A webhook object as the Hub returns it.
pub fn webhook_json(id: &str) -> Value {
    serde_json::json!({
        "id": id,
        "url": "https://example.com/webhooks/trigger_training",
        "watched": [
            {"type": "user", "name": "julien-c"},
            {"type": "org", "name": "HuggingFaceH4"}
        ],
        "domains": ["repo", "discussion"],
        "secret": "my-secret",
        "disabled": false
    })
}

/// A Job webhook object as the Hub returns it.
pub fn job_webhook_json(id: &str) -> Value {
    serde_json::json!({
        "id": id,
        "job": {
            "dockerImage": "python:3.12",
            "command": ["python", "-c", "import os; print(os.environ['WEBHOOK_PAYLOAD'])"],
            "flavor": "cpu-basic",
            "timeout": 600
        },
        "watched": [{"type": "model", "name": "openai-community/gpt2"}],
        "domains": ["repo"],
        "disabled": true
    })
}

/// `GET /api/whoami-v2`'s answer for the token's user, `me`.
pub fn whoami_json() -> Value {
    serde_json::json!({
        "type": "user",
        "id": "61d2000c3c2083e1c08af22e",
        "name": "me",
        "fullname": "Me Myself",
        "isPro": false,
        "orgs": [{"name": "my-org", "id": "61d2000c3c2083e1c08af2ff", "roleInOrg": "admin"}],
        "auth": {"type": "access_token", "accessToken": {"displayName": "bot", "role": "write"}}
    })
}

/// A comment event as the Hub returns it (`newMessage`, `updatedComment`, `events[]`).
pub fn comment_event_json(id: &str, author: &str, content: &str) -> Value {
    serde_json::json!({
        "id": id,
        "type": "comment",
        "createdAt": "2026-01-05T10:00:00.000Z",
        "author": {"_id": "61d2000c3c2083e1c08af22e", "name": author, "fullname": "Me", "isHf": false},
        "data": {
            "edited": false,
            "hidden": false,
            "latest": {"raw": content, "html": format!("<p>{content}</p>"), "updatedAt": "2026-01-05T10:00:00.000Z"},
            "numEdits": 0,
            "editors": [author],
            "reactions": []
        }
    })
}

/// A Job as the Hub returns it, owned by `me`.
pub fn job_json(id: &str, stage: &str) -> Value {
    serde_json::json!({
        "id": id,
        "createdAt": "2026-01-05T10:00:00.000Z",
        "dockerImage": "python:3.12",
        "command": ["python", "-c", "print('hello')"],
        "arguments": [],
        "environment": {},
        "flavor": "cpu-basic",
        "status": {"stage": stage, "message": null},
        "owner": {"id": "61d2000c3c2083e1c08af22e", "name": "me", "type": "user"},
        "tags": []
    })
}

/// A payload fixture of the workspace (`webhooks-runtime/payloads/`), as JSON (for the tests of
/// the member crates; the root crate's tests have `common::fixture`).
pub fn payload_fixture(name: &str) -> Value {
    let path = format!(
        "{}/../webhooks-runtime/payloads/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap()
}
