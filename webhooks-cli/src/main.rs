//! `webhooks`: manage your Hugging Face Hub webhooks (`webhooks hub ...`) and send test
//! deliveries to a receiver you run (`webhooks send ...`).
//!
//! Exit codes: 0 on success, 1 when the call failed (the Hub or the receiver said no, the network
//! failed, a deletion was not confirmed), 2 for a usage error.

mod cli;
mod hub;
mod send;

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

    fn print(&self) {
        eprintln!("error: {}", self.message);
        if let Some(help) = &self.help {
            eprintln!("help: {help}");
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`webhooks hub ls | head -1`).
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}
