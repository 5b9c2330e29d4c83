//! What the CLI's tests share: running the real `webhooks` binary and reading what it printed.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;

/// `webhooks <args>` with a 30 s bound and no secret from this shell.
pub fn webhooks(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_webhooks"));
    command
        .args(args)
        .env_remove("WEBHOOK_SECRET")
        .timeout(Duration::from_secs(30));
    command
}

/// `webhooks hub <args>` against the Hub at `hub_url` with `token` as `HF_TOKEN`, and a fresh,
/// empty `HF_HOME` of test `test`'s own, so that no real token file is ever read.
pub fn hub(hub_url: &str, token: &str, test: &str, args: &[&str]) -> Command {
    let mut command = webhooks(&["hub"]);
    command
        .args(args)
        .env("HF_ENDPOINT", hub_url)
        .env("HF_TOKEN", token)
        .env("HF_HOME", hf_home(test))
        .env_remove("HF_TOKEN_PATH")
        .env_remove("XDG_CACHE_HOME");
    command
}

/// A fresh, empty directory for `HF_HOME`, named after this test binary and `test`.
pub fn hf_home(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hf-home-{}-{test}", env!("CARGO_CRATE_NAME")));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the command printed on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// What the command printed on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Runs `command` and checks its exit code, showing both outputs when it is another; returns the
/// output.
pub fn run(mut command: Command, code: i32) -> Output {
    let output = command.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    output
}
