use webhooks::webhook_endpoint;

#[webhook_endpoint]
async fn hook() -> u32 {
    42
}

fn main() {}
