//! What `webhooks::main!()` runs for a whole program: logging, the async runtime, the server,
//! startup errors printed with their help, and the exit code.

use std::process::ExitCode;

use super::builder::{WebhooksServer, app};
use crate::error::Error;

/// Serves every `#[webhook_endpoint]` of the program, adjusted by `configure`, until Ctrl-C or
/// SIGTERM: what `webhooks::main!()` expands to.
///
/// It logs to stderr (filtered by `RUST_LOG`, default `info`) unless the program installed its
/// own `tracing` subscriber, starts a multi-threaded tokio runtime, prints the startup text and
/// serves; a configuration problem is printed as `error: ...` and `help: ...` on stderr, and the
/// program exits with a failure code.
///
/// # Examples
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     webhooks_runtime::server::main(|app| app.body_limit(64 * 1024))
/// }
/// ```
pub fn main(configure: impl FnOnce(WebhooksServer) -> WebhooksServer) -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return fail(&Error::Runtime(err)),
    };
    let result = runtime.block_on(configure(app()).run());
    // What the shutdown's grace period cut off is dropped now (and says so in the log); a
    // blocking handler still running is not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}

fn fail(err: &Error) -> ExitCode {
    eprintln!("error: {err}");
    if let Some(help) = err.help() {
        eprintln!("help: {help}");
    }
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
