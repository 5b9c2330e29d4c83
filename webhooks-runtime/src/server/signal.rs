//! The signals that stop a server run by [`WebhooksServer::run`](super::WebhooksServer::run).

use std::future::Future;

/// Resolves on the first Ctrl-C or SIGTERM. Listening starts when this is called, not when the
/// future is first polled, so a signal sent right after the startup text is never missed.
pub(super) fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                _ => {
                    tracing::warn!(
                        "cannot listen for Ctrl-C / SIGTERM: stop the server with `RunningServer::shutdown`"
                    );
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
