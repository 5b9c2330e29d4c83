//! `webhooks`: manage your Hugging Face Hub webhooks (`webhooks hub ...`) and send test
//! deliveries to a receiver you run (`webhooks send ...`).
//!
//! Exit codes: 0 on success, 1 when the call failed (the Hub or the receiver said no, the network
//! failed, a deletion was not confirmed), 2 for a usage error.
//!
//! Everything printed goes through [`out`], [`warn`] or [`Failure`], which escape control
//! characters ([`terminal`]): answers from the network are shown, never run by the terminal.

mod act;
mod cli;
mod hub;
mod new;
mod send;
mod terminal;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            Failure::new(format!("cannot start the async runtime: {error}")).print();
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Hub(args) => hub::run(args).await,
            Command::Send(args) => send::run(args).await,
            Command::New(args) => new::run(&args),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.print();
            ExitCode::from(failure.code)
        }
    }
}

/// Why a command failed: printed as `error: ...` (and `help: ...`) on stderr.
#[derive(Debug)]
pub struct Failure {
    message: String,
    help: Option<String>,
    code: u8,
}

impl Failure {
    /// The call failed: exit code 1.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            help: None,
            code: 1,
        }
    }

    /// The command line was wrong: exit code 2, as clap's own errors.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            ..Self::new(message)
        }
    }

    /// What to do about it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `error: ...` and `help: ...`, each on one line with its control characters escaped.
    fn print(&self) {
        let mut text = format!("error: {}\n", terminal::escape_line(&self.message));
        if let Some(help) = &self.help {
            text.push_str(&format!("help: {}\n", terminal::escape_line(help)));
        }
        eprint!("{text}");
    }
}

/// Writes to stdout, control characters escaped but lines and tabs kept, ignoring a closed pipe
/// (`webhooks hub ls | head -1`).
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(terminal::escape_body(text).as_bytes())
        .and_then(|()| stdout.flush());
}

/// `warning: ...` on stderr, on one line with its control characters escaped.
pub fn warn(text: &str) {
    eprintln!("warning: {}", terminal::escape_line(text));
}
