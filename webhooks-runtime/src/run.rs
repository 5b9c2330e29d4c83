//! What `webhooks::main!()` runs: logging, the runtime, the server, and the exit code.

use std::process::ExitCode;

use crate::server::{WebhooksServer, app};

/// Serves every `#[webhook_endpoint]`, adjusted by `configure`, until Ctrl-C or SIGTERM; prints
/// startup errors to stderr and returns a failure code.
pub fn run_main_with(configure: impl FnOnce(WebhooksServer) -> WebhooksServer) -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return fail(&crate::Error::Runtime(err)),
    };
    match runtime.block_on(configure(app()).run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}

fn fail(err: &crate::Error) -> ExitCode {
    eprintln!("error: {err}");
    ExitCode::FAILURE
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`), unless the program set up its own.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
