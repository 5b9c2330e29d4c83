//! What `webhooks::main!()` runs for a whole program: logging, the async runtime, the server,
//! startup errors printed with their help, and the exit code.

use std::process::ExitCode;

use super::builder::{WebhooksServer, app};
use crate::error::Error;
use crate::log;

/// Serves every `#[webhook_endpoint]` of the program, adjusted by `configure`, until Ctrl-C or
/// SIGTERM: what `webhooks::main!()` expands to.
///
/// It logs to stderr (filtered by `RUST_LOG`, default `info`; `WEBHOOKS_LOG_FORMAT=json` for one
/// JSON object per line) unless the program installed its own `tracing` subscriber, starts a
/// multi-threaded tokio runtime, prints the startup text and serves; a configuration problem is
/// printed as `error: ...` and `help: ...` on stderr, and the program exits with a failure code.
///
/// # Examples
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     webhooks_runtime::server::main(|app| app.body_limit(64 * 1024))
/// }
/// ```
pub fn main(configure: impl FnOnce(WebhooksServer) -> WebhooksServer) -> ExitCode {
    let log = match log::init() {
        Ok(log) => log,
        Err(err) => return fail(&err),
    };
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
    // Every line logged is written before the error, if any, and before the program exits.
    drop(log);
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
