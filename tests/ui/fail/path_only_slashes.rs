use webhooks::webhook_endpoint;

#[webhook_endpoint("//")]
async fn hook() {}

fn main() {}
