//! Endpoints can live in (nested) modules and stay private to them.

mod hooks {
    pub mod ci {
        use webhooks::{WebhookPayload, webhook_endpoint};

        #[webhook_endpoint]
        async fn private_hook(_payload: WebhookPayload) {}

        #[webhook_endpoint("ci/public")]
        pub(crate) fn crate_visible() -> &'static str {
            "ok"
        }

        pub fn call_private() -> impl std::future::Future<Output = ()> {
            private_hook(unimplemented_payload())
        }

        fn unimplemented_payload() -> WebhookPayload {
            unimplemented!()
        }
    }
}

fn main() {
    assert_eq!(hooks::ci::crate_visible(), "ok");
    let _ = hooks::ci::call_private as fn() -> _;
    let _ = webhooks::app();
}
