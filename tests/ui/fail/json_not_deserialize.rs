use webhooks::{Json, webhook_endpoint};

/// Forgot `#[derive(serde::Deserialize)]`.
struct Body {
    _event: String,
}

#[webhook_endpoint]
async fn hook(_body: Json<Body>) {}

fn main() {}
