use webhooks::webhook_endpoint;

#[webhook_endpoint(methd = "x")]
async fn hook() {}

fn main() {}
