use webhooks::webhook_endpoint;

#[webhook_endpoint(path = "ci//retrain")]
async fn hook() {}

fn main() {}
