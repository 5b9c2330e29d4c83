use webhooks::{FromDelivery, webhook_endpoint};

#[webhook_endpoint]
async fn hook(arg: impl FromDelivery) {
    let _ = arg;
}

fn main() {}
