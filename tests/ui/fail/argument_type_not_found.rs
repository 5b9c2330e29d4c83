use webhooks::webhook_endpoint;

#[webhook_endpoint]
async fn hook(payload: WebhookPayload) {
    let _ = payload;
}

fn main() {}
