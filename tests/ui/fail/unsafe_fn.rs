use webhooks::webhook_endpoint;

#[webhook_endpoint]
unsafe fn hook() {}

fn main() {}
