use webhooks::webhook_endpoint;

#[webhook_endpoint]
const fn hook() {}

fn main() {}
