//! Two `#[webhook_endpoint]`s on one route: the server refuses to start and names both by their
//! module paths (two functions of the same name in different modules are told apart), and a
//! program started like `webhooks::main!()` prints that with its help and exits with a failure
//! code.

mod common;

use std::process::{Command, ExitCode};

const FIRST_LINE: u32 = line!() + 5;
mod ci {
    use webhooks::webhook_endpoint;

    #[webhook_endpoint]
    pub async fn hook() {}
}

const SECOND_LINE: u32 = line!() + 5;
mod space {
    use webhooks::webhook_endpoint;

    #[webhook_endpoint("/hook/")]
    pub async fn hook() {}
}

fn expected_message() -> String {
    format!(
        "Webhook /webhooks/hook already exists. It is defined by `duplicate_endpoints::ci::hook` at tests/duplicate_endpoints.rs:{FIRST_LINE} and again by `duplicate_endpoints::space::hook` at tests/duplicate_endpoints.rs:{SECOND_LINE}."
    )
}

const HELP: &str =
    "help: give one of them another path, e.g. `#[webhook_endpoint(\"/another_path\")]`";

#[tokio::test]
async fn launch_refuses_a_duplicate_path() {
    let err = webhooks::app()
        .bind("127.0.0.1:0")
        .launch()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), expected_message());
    assert_eq!(
        format!("help: {}", err.help().unwrap()),
        HELP,
        "the help is data, not part of the message"
    );
}

/// Run as a child process by the test below: what `webhooks::main!()` does.
#[test]
#[ignore = "run as a child process by `main_prints_the_problem_and_fails`"]
fn as_main() {
    let code = webhooks::server::main(|app| app.bind("127.0.0.1:0"));
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 });
}

#[test]
fn main_prints_the_problem_and_fails() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(common::run_only("as_main"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("error: {}\n{HELP}\n", expected_message())),
        "{stderr}"
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        !stdout.contains("ready to use"),
        "nothing is served: {stdout}"
    );
}
