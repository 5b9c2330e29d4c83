use webhooks::webhook_endpoint;

#[webhook_endpoint]
extern "C" fn hook() {}

fn main() {}
