use webhooks::webhook_endpoint;

#[webhook_endpoint("/hook#top")]
async fn hook() {}

fn main() {}
