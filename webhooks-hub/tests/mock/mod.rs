//! A mock Hub: a real hyper server on `127.0.0.1:0`, on its own thread, that expects an exact
//! sequence of calls. Each call is checked (method, path, `Authorization` header, JSON body) and
//! answered as scripted; anything else is recorded and answered 500. [`MockHub::verify`] fails
//! the test on any mismatch, missing call or extra call.
//!
//! Shared by the tests of `webhooks-hub` and `webhooks-cli` (`#[path]`-included).
#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::oneshot;

/// The token the mock expects unless told otherwise.
pub const TOKEN: &str = "hf_mock_token_0123456789";

/// One expected call and its scripted answer.
#[derive(Debug, Clone)]
pub struct Expect {
    method: &'static str,
    path: String,
    authorization: Option<String>,
    body: Option<Value>,
    status: u16,
    headers: Vec<(&'static str, String)>,
    answer: String,
    delay: Duration,
}

impl Expect {
    fn new(method: &'static str, path: &str) -> Self {
        Self {
            method,
            path: path.to_owned(),
            authorization: Some(format!("Bearer {TOKEN}")),
            body: None,
            status: 200,
            headers: vec![("content-type", "application/json".to_owned())],
            answer: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    pub fn post(path: &str) -> Self {
        Self::new("POST", path)
    }

    pub fn delete(path: &str) -> Self {
        Self::new("DELETE", path)
    }

    /// The request must carry this JSON body (compared as JSON); without it, no body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The request must carry `Bearer <token>`.
    pub fn token(mut self, token: &str) -> Self {
        self.authorization = Some(format!("Bearer {token}"));
        self
    }

    /// Answers `status` with this JSON.
    pub fn answer(mut self, status: u16, json: Value) -> Self {
        self.status = status;
        self.answer = json.to_string();
        self
    }

    /// Answers `status` with this raw body and content type.
    pub fn answer_raw(mut self, status: u16, content_type: &str, body: &str) -> Self {
        self.status = status;
        self.headers = vec![("content-type", content_type.to_owned())];
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
}

#[derive(Default)]
struct State {
    expected: VecDeque<Expect>,
    failures: Vec<String>,
    served: usize,
}

/// A running mock Hub.
pub struct MockHub {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockHub {
    /// Serves these calls, in this order.
    pub fn start(expected: Vec<Expect>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            expected: expected.into(),
            ..State::default()
        }));
        let (stop, stopped) = oneshot::channel();
        let served_state = state.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(serve(listener, served_state, stopped));
        });
        Self {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests reached the mock.
    pub fn served(&self) -> usize {
        self.state.lock().unwrap().served
    }

    /// Panics if a request did not match, or an expected call never came.
    pub fn verify(&self) {
        let state = self.state.lock().unwrap();
        assert!(
            state.failures.is_empty(),
            "the mock Hub got unexpected requests:\n{}",
            state.failures.join("\n")
        );
        assert!(
            state.expected.is_empty(),
            "expected calls never came: {:?}",
            state
                .expected
                .iter()
                .map(|expect| format!("{} {}", expect.method, expect.path))
                .collect::<Vec<_>>()
        );
    }
}

impl Drop for MockHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    state: Arc<Mutex<State>>,
    mut stopped: oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(request, state.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    request: Request<Incoming>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(std::string::ToString::to_string)
        .unwrap_or_default();
    let authorization = request
        .headers()
        .get("authorization")
        .map(|value| value.to_str().unwrap_or("<not ascii>").to_owned());
    let content_type = request
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap_or("").to_owned());
    let body = request.into_body().collect().await.unwrap().to_bytes();

    let expect = {
        let mut state = state.lock().unwrap();
        state.served += 1;
        state.expected.pop_front()
    };
    let Some(expect) = expect else {
        return Ok(fail(
            &state,
            format!("{method} {path}: no more calls expected"),
        ));
    };
    let call = format!("{method} {path}");
    let mut problems = Vec::new();
    if method != expect.method || path != expect.path {
        problems.push(format!("expected {} {}", expect.method, expect.path));
    }
    if authorization != expect.authorization {
        problems.push(format!(
            "Authorization {authorization:?}, expected {:?}",
            expect.authorization
        ));
    }
    match &expect.body {
        Some(expected) => {
            match serde_json::from_slice::<Value>(&body) {
                Ok(json) if &json == expected => {}
                Ok(json) => problems.push(format!("body {json}, expected {expected}")),
                Err(_) => problems.push(format!(
                    "body {:?} is not JSON, expected {expected}",
                    String::from_utf8_lossy(&body)
                )),
            }
            if content_type.as_deref() != Some("application/json") {
                problems.push(format!("content-type {content_type:?}"));
            }
        }
        None if !body.is_empty() => problems.push(format!(
            "body {:?}, expected none",
            String::from_utf8_lossy(&body)
        )),
        None => {}
    }
    if !problems.is_empty() {
        return Ok(fail(&state, format!("{call}: {}", problems.join("; "))));
    }
    if !expect.delay.is_zero() {
        tokio::time::sleep(expect.delay).await;
    }
    let mut response = Response::builder().status(expect.status);
    for (name, value) in &expect.headers {
        response = response.header(*name, value);
    }
    Ok(response
        .body(Full::new(Bytes::from(expect.answer)))
        .unwrap())
}

fn fail(state: &Mutex<State>, problem: String) -> Response<Full<Bytes>> {
    state.lock().unwrap().failures.push(problem.clone());
    Response::builder()
        .status(500)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            serde_json::json!({ "error": format!("mock Hub: {problem}") }).to_string(),
        )))
        .unwrap()
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
