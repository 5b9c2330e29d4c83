use webhooks::webhook_endpoint;

#[webhook_endpoint("/hook\u{7}")]
async fn hook() {}

fn main() {}
