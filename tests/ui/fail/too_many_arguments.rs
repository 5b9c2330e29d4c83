use webhooks::extract::Bytes as B;
use webhooks::webhook_endpoint;

#[webhook_endpoint]
async fn hook(_a: B, _b: B, _c: B, _d: B, _e: B, _f: B, _g: B, _h: B, _i: B) {}

fn main() {}
