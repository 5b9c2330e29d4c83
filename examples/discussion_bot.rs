//! A discussion bot: a comment starting with `/echo ` gets the rest of it back, as a reply in
//! the same discussion (the Hub docs' "build community bots", in Rust).
//!
//! ```sh
//! HF_TOKEN=hf_... WEBHOOK_SECRET=my_secret cargo run --example discussion_bot
//! ```
//!
//! The token must be allowed to write in the discussions of the watched repos (the bot comments
//! as the token's user); `HF_ENDPOINT` chooses another Hub. Point a webhook at the printed URL,
//! watching your repos with the `discussion` domain. Without a token, it stops at once with a
//! message saying how to give one.
//!
//! A bot that answers comments must not answer its own: each of its replies is a new comment,
//! and so a new delivery (`/echo /echo hi` would reply `/echo hi`, which would ask for another
//! reply...). It compares the comment's author (`comment.author.id`) with the token's account
//! id, asked once with `whoami` and kept for the life of the server, and ignores its own.

use std::process::ExitCode;
use std::sync::OnceLock;

use serde_json::{Value, json};
use webhooks::hub::HubClient;
use webhooks::{HttpError, StatusCode, WebhookPayload, webhook_endpoint};

/// What a comment starts with to ask for an echo.
const COMMAND: &str = "/echo ";

/// The client, built by `main` before the server starts.
static HUB: OnceLock<HubClient> = OnceLock::new();
/// The bot's account id, asked once (`whoami`) on the first `/echo`.
static BOT_ID: OnceLock<String> = OnceLock::new();

/// New comments only; the filter skips every other event with a 200.
#[webhook_endpoint(scope = "discussion.comment", action = "create")]
async fn discussion_bot(payload: WebhookPayload) -> Result<Value, HttpError> {
    let Some(comment) = &payload.comment else {
        return Ok(json!({ "ignored": "no comment in the payload" }));
    };
    let Some(text) = comment
        .content
        .as_deref()
        .and_then(|content| content.strip_prefix(COMMAND))
    else {
        return Ok(json!({ "ignored": "not an /echo command" }));
    };
    let hub = HUB.get().expect("main builds the client first");
    if comment.author.id == bot_id(hub).await? {
        return Ok(json!({ "ignored": "the bot's own comment" }));
    }
    let reply = hub.reply(&payload, text).await.map_err(hub_failed)?;
    tracing::info!(repo = %payload.repo.name, comment = %reply.id, "replied");
    Ok(json!({ "replied": reply.id }))
}

/// The token's account id: asked once, then remembered.
async fn bot_id(hub: &HubClient) -> Result<&'static str, HttpError> {
    if let Some(id) = BOT_ID.get() {
        return Ok(id);
    }
    let me = hub.whoami().await.map_err(hub_failed)?;
    Ok(BOT_ID.get_or_init(|| me.id))
}

/// A Hub failure answered 502 with its message: the Hub retries a delivery that failed.
fn hub_failed(error: webhooks::hub::Error) -> HttpError {
    tracing::error!(%error, "the Hub refused");
    HttpError::new(StatusCode::BAD_GATEWAY, error.to_string())
}

/// `webhooks::main!()`, after the client is built: a missing token stops the program at once.
fn main() -> ExitCode {
    match HubClient::new() {
        Ok(hub) => {
            HUB.set(hub).expect("set once");
            webhooks::server::main(|app| app)
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
