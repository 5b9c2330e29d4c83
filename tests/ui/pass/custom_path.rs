//! Both spellings of a custom path, with and without outer slashes or a trailing comma.

use webhooks::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint("/custom/path")]
async fn positional(_payload: WebhookPayload) {}

#[webhook_endpoint(path = "a/b")]
async fn named(_payload: WebhookPayload) {}

#[rustfmt::skip] // keep the trailing comma
#[webhook_endpoint("/trailing/",)]
async fn trailing_comma() {}

#[webhook_endpoint(path = "with-dash_and.dot~1")]
fn odd_but_valid_characters() {}

#[webhook_endpoint()]
fn empty_parens() {}

fn main() {
    let _ = webhooks::app();
}
