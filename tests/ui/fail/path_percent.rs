use webhooks::webhook_endpoint;

#[webhook_endpoint("/my%20hook")]
async fn hook() {}

fn main() {}
