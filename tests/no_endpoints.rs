//! A program without a single `#[webhook_endpoint]` refuses to start, saying what to add, and
//! what to do when the endpoints are in a library crate the binary does not name.

#[tokio::test]
async fn an_empty_app_refuses_to_start() {
    let err = webhooks::app()
        .bind("127.0.0.1:0")
        .launch()
        .await
        .unwrap_err();
    assert!(matches!(err, webhooks::Error::NoEndpoints));
    assert_eq!(
        err.to_string(),
        "no webhook endpoints are registered, so there is nothing to serve"
    );
    assert_eq!(
        err.help().unwrap(),
        "put `#[webhook_endpoint]` on an `async fn`, or call `WebhooksServer::add_webhook(path, handler)`; endpoints defined in a library crate are only linked in when the binary names that crate: add `use my_crate as _;` to `main.rs` (and to each integration test)"
    );
}
