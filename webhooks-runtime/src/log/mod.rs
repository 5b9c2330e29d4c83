//! The log `webhooks::main!()` writes to stderr: one access line per request, the server's own
//! events and the application's `tracing` events, each with the fields of the delivery it
//! happened in (endpoint, delivery id, scope, action, repo) and of the spans around it.
//!
//! - **Filter**: `RUST_LOG` (default `info`), read by `tracing-subscriber`'s `EnvFilter`; the
//!   access lines' target is `webhooks::access`.
//! - **Format**: `WEBHOOKS_LOG_FORMAT=text` (the default: `tracing`'s usual line, the level
//!   coloured on a terminal unless `NO_COLOR` is set) or `json` (one object per line: `time`,
//!   `level`, `target`, `message`, then every field, the delivery's and the spans' included).
//! - **Off the request path** (`writer`): a line is formatted where it happens and appended to a
//!   buffer that a thread writes to stderr every few milliseconds. When stderr does not keep up (a
//!   full pipe nobody reads), lines past `WEBHOOKS_LOG_BUFFER` bytes (default 8 MiB) are dropped
//!   rather than stalling deliveries: counted in `webhooks_log_dropped_lines_total`, and reported
//!   in the log once it moves again. A graceful stop writes every line before the program exits.
//! - **Cheap per delivery** (`span`): a delivery's span is the logger's own, not a `tracing` span.
//!
//! - **Panics** are lines of the log too (target `webhooks::panic`, with their location, and their
//!   backtrace when `RUST_BACKTRACE` asks for one), so that a JSON log stays JSON.
//!
//! A program that installs its own `tracing` subscriber before `main!()` keeps it: the server's
//! events, access lines and delivery spans then go through `tracing` to that subscriber.

mod format;
mod layer;
mod span;
mod writer;

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::error::Error;

pub(crate) use format::{Format, decimal};
pub(crate) use layer::Logger;
pub(crate) use span::{DeliverySpan, record_payload};

/// The environment variable that chooses the format.
pub(crate) const FORMAT_VAR: &str = "WEBHOOKS_LOG_FORMAT";

/// The environment variable that bounds the bytes of lines waiting to be written.
pub(crate) const BUFFER_VAR: &str = "WEBHOOKS_LOG_BUFFER";

/// The most bytes of lines waiting for the writer thread by default: some 40,000 access lines, a
/// good part of a second at full speed.
const BUFFERED_BYTES: usize = 8 << 20;

/// The server's logger, once installed.
static LOGGER: OnceLock<Logger> = OnceLock::new();

/// Whether the server's logger is the one `tracing` writes to.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Whether access lines are wanted: what the server's logger read of its filter, else the
/// application's subscriber's answer.
pub(crate) fn access_enabled() -> bool {
    logger().map_or_else(access_wanted, Logger::access_on)
}

fn access_wanted() -> bool {
    tracing::enabled!(target: "webhooks::access", tracing::Level::INFO)
}

/// The server's logger, when it is the one `tracing` writes to (with `main!()`, unless the
/// program installed its own subscriber).
pub(crate) fn logger() -> Option<&'static Logger> {
    if INSTALLED.load(Ordering::Relaxed) {
        LOGGER.get()
    } else {
        None
    }
}

/// The lines dropped so far because stderr did not keep up, when the server writes the log.
pub(crate) fn dropped_lines() -> Option<u64> {
    logger().map(Logger::dropped)
}

/// Writes what is still buffered when dropped, then says how many lines were dropped, if any.
#[derive(Debug)]
#[must_use = "dropping it flushes the log: keep it until the program ends"]
pub(crate) struct Flush {
    closer: Option<writer::Closer>,
}

impl Drop for Flush {
    fn drop(&mut self) {
        // Waits (a few seconds at most) for the writer thread to write what it holds.
        drop(self.closer.take());
        if let Some(dropped) = dropped_lines().filter(|dropped| *dropped > 0) {
            eprintln!(
                "{dropped} log line(s) were dropped in all because stderr did not keep up with the server"
            );
        }
    }
}

/// What a panic said: its `&str` or `String` payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic without a message)")
}

/// Logs a panic as a line of the log (in the delivery's span when a handler panicked) rather than
/// as the standard library's text, which would break a JSON log; with the backtrace when
/// `RUST_BACKTRACE` asks for one.
fn log_panic(info: &std::panic::PanicHookInfo<'_>) {
    let message = panic_message(info.payload());
    let location = info.location().map(ToString::to_string);
    let thread = std::thread::current();
    let backtrace = std::backtrace::Backtrace::capture();
    let backtrace = (backtrace.status() == std::backtrace::BacktraceStatus::Captured)
        .then(|| backtrace.to_string());
    tracing::error!(
        target: "webhooks::panic",
        panic = message,
        location,
        thread = thread.name(),
        backtrace,
        "panicked"
    );
}

/// Installs the server's logger, unless the program installed its own subscriber first.
pub(crate) fn init() -> Result<Flush, Error> {
    let format = match std::env::var(FORMAT_VAR) {
        Ok(value) => Format::parse(&value).ok_or(Error::InvalidEnv {
            name: FORMAT_VAR,
            value,
            reason: "expected `text` or `json`",
        })?,
        Err(_) => Format::Text,
    };
    let capacity = match std::env::var(BUFFER_VAR) {
        Ok(value) => match value.trim().parse::<usize>() {
            Ok(bytes) if bytes > 0 => bytes,
            _ => {
                return Err(Error::InvalidEnv {
                    name: BUFFER_VAR,
                    value,
                    reason: "expected a number of bytes, e.g. 8388608 (the default, 8 MiB)",
                });
            }
        },
        Err(_) => BUFFERED_BYTES,
    };
    if tracing::dispatcher::has_been_set() {
        return Ok(Flush { closer: None });
    }
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy();
    let stderr = std::io::stderr();
    let colors = format == Format::Text
        && stderr.is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let report = Box::new(move |dropped| Logger::dropped_report(format, colors, dropped));
    let Ok((writer, closer)) = writer::spawn(stderr, capacity, report) else {
        // No thread for the log: `tracing`'s events go nowhere, as without a subscriber.
        return Ok(Flush { closer: None });
    };
    let logger = LOGGER.get_or_init(|| Logger::new(format, colors, writer));
    if tracing_subscriber::registry()
        .with(filter)
        .with(layer::Layer(logger))
        .try_init()
        .is_err()
    {
        return Ok(Flush { closer: None });
    }
    logger.read_filter();
    INSTALLED.store(true, Ordering::Relaxed);
    std::panic::set_hook(Box::new(log_panic));
    Ok(Flush {
        closer: Some(closer),
    })
}
