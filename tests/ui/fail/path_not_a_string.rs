use webhooks::webhook_endpoint;

#[webhook_endpoint(path = 42)]
async fn hook() {}

fn main() {}
