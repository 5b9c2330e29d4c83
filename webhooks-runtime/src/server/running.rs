//! Launching: binding the address, the startup text, and the [`RunningServer`] handle.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::accept::{self, Stopped};
use super::builder::{Target, WebhooksServer};
use super::signal;
use crate::error::Error;
use crate::service::Pages;
use crate::startup;

const DEFAULT_PORT: u16 = 7860;

impl WebhooksServer {
    /// Checks the configuration, binds, and serves in the background; the startup text is
    /// [`RunningServer::startup_text`] (printed by [`run`](Self::run)).
    ///
    /// Fails, serving nothing, on a duplicate or invalid path, on no endpoints, or when the address
    /// cannot be bound.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::server::WebhooksServer;
    ///
    /// async fn hook() {}
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = WebhooksServer::new().add_webhook("hook", hook).bind("127.0.0.1:0").launch().await.unwrap();
    /// assert!(server.startup_text().contains(&format!("POST {}/webhooks/hook", server.url())));
    /// server.shutdown().await;
    /// # }
    /// ```
    pub async fn launch(self) -> Result<RunningServer, Error> {
        let addrs = self.addrs.clone();
        let public_url = self.public_url.clone();
        let service = Arc::new(self.into_service(Target::Server)?);
        if let Err(err) = service.inbox.store.prepare().await {
            return Err(Error::Inbox {
                location: service.inbox.location.clone(),
                reason: err.to_string(),
            });
        }
        let addrs = match addrs {
            Some(addrs) => addrs,
            None => addrs_from_env()?,
        };
        let listener = bind(&addrs).await?;
        let local_addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: addrs[0],
            source,
        })?;
        let url = startup::public_url(
            std::env::var("SPACE_HOST").ok().as_deref(),
            public_url
                .or_else(|| std::env::var("WEBHOOKS_PUBLIC_URL").ok())
                .as_deref(),
            local_addr,
        );
        let page = match service.site.pages {
            Pages::Landing | Pages::Custom(_) => Some(format!("{url}/")),
            Pages::Off => None,
        };
        let startup_text = startup::banner(
            !service.auth.is_open(),
            &url,
            service.router.paths(),
            page.as_deref(),
        );
        tracing::info!(address = %local_addr, "listening");
        let _ = service.site.url.set(url.clone());
        let _ = service.site.loopback.set(local_addr.ip().is_loopback());
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        if service.queued {
            tracing::info!(inbox = %service.inbox.describe, workers = service.inbox.settings.workers, "running queued deliveries");
            tokio::spawn(crate::inbox::worker::work(Arc::clone(&service)));
        }
        tokio::spawn(crate::inbox::worker::forget_old(Arc::clone(&service)));
        let task = tokio::spawn(accept::serve(listener, service, shutdown_rx));
        Ok(RunningServer {
            local_addr,
            url,
            startup_text,
            shutdown: shutdown_tx,
            task,
        })
    }

    /// Launches, prints the startup text to stdout, serves until Ctrl-C or SIGTERM, then shuts
    /// down gracefully.
    pub async fn run(self) -> Result<(), Error> {
        let signal = signal::shutdown_signal();
        let server = self.launch().await?;
        print!("{}", server.startup_text());
        signal.await;
        tracing::info!("shutting down: finishing the deliveries in flight");
        let stopped = server.shutdown().await;
        if stopped.is_clean() {
            tracing::info!("stopped: every delivery in flight finished");
            Ok(())
        } else {
            Err(Error::CutOff {
                grace: stopped.grace(),
                what: stopped.describe(),
            })
        }
    }
}

fn addrs_from_env() -> Result<Vec<SocketAddr>, Error> {
    let host = std::env::var("HOST").ok().filter(|host| !host.is_empty());
    let host = host
        .as_deref()
        .unwrap_or(if std::env::var_os("SPACE_ID").is_some() {
            "0.0.0.0"
        } else {
            "127.0.0.1"
        });
    let port = match std::env::var("PORT") {
        Ok(value) if !value.is_empty() => value.parse::<u16>().map_err(|_| Error::InvalidEnv {
            name: "PORT",
            value,
            reason: "expected a port number from 0 to 65535",
        })?,
        _ => DEFAULT_PORT,
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|err| Error::InvalidAddress {
            addr: format!("\"{host}:{port}\""),
            reason: err.to_string(),
        })?
        .collect();
    Ok(addrs)
}

async fn bind(addrs: &[SocketAddr]) -> Result<TcpListener, Error> {
    let Some(&first) = addrs.first() else {
        return Err(Error::InvalidAddress {
            addr: "(none)".to_owned(),
            reason: "it resolves to no address".into(),
        });
    };
    let mut last = None;
    for &addr in addrs {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(Error::AddressInUse { addr });
            }
            Err(err) => last = Some(Error::Bind { addr, source: err }),
        }
    }
    Err(last.unwrap_or(Error::AddressInUse { addr: first }))
}

/// A launched server: where it listens, what it announced, and the way to stop it.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    url: String,
    startup_text: String,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Stopped>,
}

impl RunningServer {
    /// The address the server listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base URL endpoints are announced under (see [`WebhooksServer::public_url`]).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the server announces at start (the reference's wording): whether a secret is set,
    /// every endpoint's URL, where to set webhooks up, and the landing page's URL.
    pub fn startup_text(&self) -> &str {
        &self.startup_text
    }

    /// Stops accepting connections and claiming queued deliveries, lets what is in flight finish
    /// (within the grace period), and returns once the server is stopped, saying what the grace
    /// period cut off.
    pub async fn shutdown(self) -> Stopped {
        let _ = self.shutdown.send(());
        match self.task.await {
            Ok(stopped) => stopped,
            Err(err) => {
                tracing::error!(error = %err, "the server task failed while shutting down");
                Stopped::default()
            }
        }
    }
}
