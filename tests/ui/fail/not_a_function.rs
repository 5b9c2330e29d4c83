use webhooks::webhook_endpoint;

#[webhook_endpoint]
struct Hook;

fn main() {}
