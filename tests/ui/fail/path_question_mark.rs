use webhooks::webhook_endpoint;

#[webhook_endpoint("/hook?secret=abc")]
async fn hook() {}

fn main() {}
