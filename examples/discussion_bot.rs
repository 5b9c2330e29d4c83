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
use std::sync::{Arc, OnceLock};

use serde_json::{Value, json};
use webhooks::extract::State;
use webhooks::hub::HubClient;
use webhooks::response::HandlerError;
use webhooks::{StatusCode, WebhookPayload, webhook_endpoint};

/// What a comment starts with to ask for an echo.
const COMMAND: &str = "/echo ";

/// What the handler shares across deliveries: the Hub client, and the bot's account id, asked
/// once (`whoami`) on the first `/echo` and kept.
#[derive(Clone)]
struct Bot {
    hub: HubClient,
    id: Arc<OnceLock<String>>,
}

impl Bot {
    /// The token's account id: asked once, then remembered.
    async fn id(&self) -> Result<&str, HandlerError> {
        if let Some(id) = self.id.get() {
            return Ok(id);
        }
        let me = self.hub.whoami().await.map_err(hub_failed)?;
        Ok(self.id.get_or_init(|| me.id))
    }
}

/// New comments only; the filter skips every other event with a 200.
#[webhook_endpoint(scope = "discussion.comment", action = "create")]
async fn discussion_bot(
    State(bot): State<Bot>,
    payload: WebhookPayload,
) -> Result<Value, HandlerError> {
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
    if comment.author.id == bot.id().await? {
        return Ok(json!({ "ignored": "the bot's own comment" }));
    }
    let reply = bot.hub.reply(&payload, text).await.map_err(hub_failed)?;
    tracing::info!(repo = %payload.repo.name, comment = %reply.id, "replied");
    Ok(json!({ "replied": reply.id }))
}

/// A Hub failure answered 502 with its message (logged by the server): the Hub retries a
/// delivery that failed.
fn hub_failed(error: webhooks::hub::Error) -> HandlerError {
    HandlerError::from(error).with_status(StatusCode::BAD_GATEWAY)
}

/// `webhooks::main!()`, after the client is built: a missing token stops the program at once.
fn main() -> ExitCode {
    match HubClient::new() {
        Ok(hub) => webhooks::server::main(|app| {
            app.state(Bot {
                hub,
                id: Arc::default(),
            })
        }),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
