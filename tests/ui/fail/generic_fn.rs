use webhooks::extract::FromDelivery;
use webhooks::webhook_endpoint;

#[webhook_endpoint]
async fn hook<T: FromDelivery>(_arg: T) {}

fn main() {}
