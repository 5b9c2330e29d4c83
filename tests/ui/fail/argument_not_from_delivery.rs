use webhooks::webhook_endpoint;

#[webhook_endpoint]
async fn hook(count: u32) {
    let _ = count;
}

fn main() {}
