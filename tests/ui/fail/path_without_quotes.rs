use webhooks::webhook_endpoint;

#[webhook_endpoint(trigger_training)]
async fn hook() {}

fn main() {}
