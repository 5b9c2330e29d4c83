use webhooks::webhook_endpoint;

#[webhook_endpoint("/first", path = "/second")]
async fn hook() {}

fn main() {}
