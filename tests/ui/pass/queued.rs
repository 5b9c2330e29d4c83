//! Queued endpoints: `queue`, with or without `max_attempts`, next to filters; served by
//! `app()` with a durable inbox.

use webhooks::extract::{Attempt, DeliveryId};
use webhooks::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint(queue)]
async fn retrain(_payload: WebhookPayload, _id: DeliveryId, Attempt(_attempt): Attempt) {}

#[webhook_endpoint("/sync", queue, max_attempts = 3, scope = "repo.content")]
fn sync(_payload: WebhookPayload) {}

fn main() {
    let _ = webhooks::app();
}
