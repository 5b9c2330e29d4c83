use webhooks::extract::FromDelivery;
use webhooks::webhook_endpoint;

#[webhook_endpoint]
async fn hook(arg: impl FromDelivery) {
    let _ = arg;
}

fn main() {}
