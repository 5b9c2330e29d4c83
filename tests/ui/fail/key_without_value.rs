use webhooks::webhook_endpoint;

#[webhook_endpoint(path)]
async fn hook() {}

fn main() {}
