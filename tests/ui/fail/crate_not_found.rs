use webhooks::{webhook_endpoint, WebhookPayload};

// The expansion names the crate given here, so a wrong name fails to resolve.
#[webhook_endpoint(crate = "nope")]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
