use webhooks::{WebhookPayload, webhook_endpoint};

struct Bot;

impl Bot {
    #[webhook_endpoint]
    async fn hook(&self, payload: WebhookPayload) {
        let _ = payload;
    }
}

fn main() {}
