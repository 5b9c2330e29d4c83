use std::rc::Rc;

use webhooks::{WebhookPayload, webhook_endpoint};

async fn notify(_name: &str) {}

#[webhook_endpoint]
async fn hook(payload: WebhookPayload) {
    let name = Rc::new(payload.repo.name);
    notify(&name).await;
}

fn main() {}
