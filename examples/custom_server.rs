//! A server built by hand, without the attribute: the seed guide's `say_hello` / `goodbye`.
//!
//! ```sh
//! cargo run --example custom_server
//! ```
//!
//! `say_hello` is an `async fn`; `goodbye` is a plain `fn`, run on the blocking thread pool through
//! `webhooks::handler::blocking`, so it may block (call a CLI, write files) without stalling the server.

use std::process::ExitCode;

use webhooks::handler::blocking;
use webhooks::{WebhookPayload, WebhooksServer};

async fn hello(payload: WebhookPayload) -> serde_json::Value {
    serde_json::json!({ "message": "hello", "repo": payload.repo.name })
}

fn goodbye(payload: WebhookPayload) -> serde_json::Value {
    serde_json::json!({ "message": "goodbye", "repo": payload.repo.name })
}

/// The server, separate from `main` so tests can drive it in process.
fn server() -> WebhooksServer {
    WebhooksServer::new()
        .add_webhook("/say_hello", hello)
        .add_webhook("/goodbye", blocking(goodbye))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    match server().run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            if let Some(help) = err.help() {
                eprintln!("help: {help}");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use webhooks::WebhookPayload;
    use webhooks::test::TestClient;

    #[tokio::test]
    async fn says_hello_and_goodbye() {
        let client = TestClient::new(super::server().webhook_secret("test")).unwrap();
        let received = client.receive(&WebhookPayload::sample_repo()).await;
        let answers: Vec<(&str, String)> = received
            .iter()
            .map(|r| (r.path.as_str(), r.response.text()))
            .collect();
        assert_eq!(
            answers,
            [
                (
                    "/webhooks/goodbye",
                    r#"{"message":"goodbye","repo":"some-user/some-repo"}"#.to_owned()
                ),
                (
                    "/webhooks/say_hello",
                    r#"{"message":"hello","repo":"some-user/some-repo"}"#.to_owned()
                ),
            ]
        );
    }
}
