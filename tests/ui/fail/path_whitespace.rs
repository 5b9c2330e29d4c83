use webhooks::webhook_endpoint;

#[webhook_endpoint("/trigger training")]
async fn hook() {}

fn main() {}
