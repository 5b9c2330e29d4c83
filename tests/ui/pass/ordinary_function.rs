//! The attribute leaves the function as it was: same name, signature, attributes and docs, and
//! callable from ordinary code (and unit tests).

use webhooks::extract::HeaderMap;
use webhooks::webhook_endpoint;

/// Counts the headers.
#[webhook_endpoint]
#[inline]
#[must_use]
pub fn count_headers(headers: HeaderMap) -> String {
    headers.len().to_string()
}

#[webhook_endpoint]
async fn add_one(headers: HeaderMap) -> String {
    (headers.len() + 1).to_string()
}

/// A raw identifier: served at `/webhooks/type`.
#[webhook_endpoint]
fn r#type() -> &'static str {
    "type"
}

/// The attribute also works by its full path, and on a function declared inside a function.
fn local() -> &'static str {
    #[webhooks::webhook_endpoint(path = "local")]
    fn inner() -> &'static str {
        "inner"
    }
    inner()
}

fn main() {
    let mut headers = HeaderMap::new();
    headers.insert("x-one", "1".parse().unwrap());
    assert_eq!(count_headers(headers.clone()), "1");

    // An async endpoint returns its future when called, as any `async fn` does.
    let pointer: fn(HeaderMap) -> _ = add_one;
    let _future = pointer(headers);

    assert_eq!(r#type(), "type");
    assert_eq!(local(), "inner");
    let _ = webhooks::app();
}
