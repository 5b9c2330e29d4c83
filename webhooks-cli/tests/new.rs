//! `webhooks new`: the project it makes is a project of its own, outside this workspace, that
//! depends on the facade under its published name (`hf-webhooks`, by path here), passes its
//! test, serves a delivery, and is ready for a Space. Its endpoints also work from a library crate
//! once the binary names it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command as Cli;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Command;

/// Every step that builds is bounded by this (a first build compiles every dependency).
const BUILD: Duration = Duration::from_secs(900);
/// Every other step.
const STEP: Duration = Duration::from_secs(30);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh directory for a generated project, outside any Cargo workspace (the system's temp
/// directory), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("webhooks-new-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `cargo <args>` in `project`, building into a target directory of this workspace so that a
/// second run reuses what the first compiled; the workspace's lock file pins the same versions.
fn cargo(project: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args(args)
        .current_dir(project)
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target").join("scaffold"),
        )
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn succeed(mut command: Command, what: &str) -> String {
    let output = tokio::time::timeout(BUILD, command.output())
        .await
        .unwrap_or_else(|_| panic!("{what} took too long"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The project's binary, started on a free port: it and its address.
async fn serve(binary: &Path) -> (tokio::process::Child, String) {
    let mut child = Command::new(binary)
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("WEBHOOK_SECRET", "s3cret")
        .env("RUST_LOG", "warn")
        .env("WEBHOOKS_INBOX", binary.with_extension("inbox.sqlite3"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(STEP, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.trim().strip_prefix("- POST http://") {
                return url.split('/').next().unwrap().to_owned();
            }
        }
        panic!("the server stopped before it was ready");
    })
    .await
    .expect("the server starts");
    (child, addr)
}

/// POSTs `body` to `path` with the secret; the status line and body.
async fn post(addr: &str, path: &str, body: &str) -> String {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\nx-webhook-secret: s3cret\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    };
    tokio::time::timeout(STEP, exchange)
        .await
        .expect("an answer")
}

async fn terminate(mut child: tokio::process::Child) -> Option<i32> {
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::timeout(STEP, child.wait())
        .await
        .expect("it stops")
        .unwrap()
        .code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_project_tests_serves_and_is_ready_for_a_space() {
    let scratch = Scratch::new("project");
    let project = scratch.0.join("my-bot");
    let created = Cli::cargo_bin("webhooks")
        .unwrap()
        .arg("new")
        .arg(&project)
        .arg("--path")
        .arg(workspace())
        .assert()
        .success();
    let stdout = String::from_utf8(created.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.starts_with(&format!(
            "Created the webhooks project `my-bot` in {}:\n  Cargo.toml\n  src/main.rs\n  Dockerfile\n  .dockerignore\n  .gitignore\n  README.md\n",
            project.display()
        )),
        "{stdout}"
    );

    let read = |file: &str| std::fs::read_to_string(project.join(file)).unwrap();
    let manifest = read("Cargo.toml");
    assert!(
        manifest.contains(&format!(
            "hf-webhooks = {{ path = {:?} }}",
            workspace().display().to_string()
        )),
        "{manifest}"
    );
    let dockerfile = read("Dockerfile");
    assert!(
        dockerfile.contains("cargo build --release && cp target/release/my-bot /server"),
        "the Dockerfile builds this project's binary: {dockerfile}"
    );
    assert!(dockerfile.contains("EXPOSE 7860"));
    assert!(read(".dockerignore").lines().any(|line| line == "target/"));
    let readme = read("README.md");
    assert!(
        readme.starts_with("---\ntitle: my-bot\n")
            && readme.contains("\nsdk: docker\napp_port: 7860\n"),
        "the Space's front matter: {readme}"
    );

    // A project of its own: the lock file only pins the versions this workspace was tested with.
    std::fs::copy(workspace().join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    let tested = succeed(cargo(&project, &["test", "--quiet"]), "cargo test").await;
    assert!(tested.contains("1 passed"), "{tested}");
    succeed(cargo(&project, &["build", "--quiet"]), "cargo build").await;
    let binary = workspace().join("target/scaffold/debug/my-bot");

    let push = serde_json::to_string(
        &webhooks::WebhookPayload::sample_push_to_main()
            .with_repo_type(webhooks::payload::RepoType::Dataset)
            .with_repo("me/my-dataset"),
    )
    .unwrap();
    let (server, addr) = serve(&binary).await;
    let answer = post(&addr, "/webhooks/on_dataset_push", &push).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(
        answer.ends_with(r#"{"dataset":"me/my-dataset"}"#),
        "{answer}"
    );
    assert_eq!(terminate(server).await, Some(0));

    // The endpoint moved to a library crate: the binary must name it.
    let main = read("src/main.rs");
    let endpoint =
        &main[main.find("use webhooks").unwrap()..main.find("webhooks::main!();").unwrap()];
    std::fs::write(
        project.join("src/lib.rs"),
        endpoint.replace("async fn on_dataset_push", "pub async fn on_dataset_push"),
    )
    .unwrap();
    std::fs::write(project.join("src/main.rs"), "webhooks::main!();\n").unwrap();
    succeed(
        cargo(&project, &["build", "--quiet"]),
        "cargo build (library)",
    )
    .await;
    let output = tokio::time::timeout(
        STEP,
        Command::new(&binary)
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .expect("it stops at once")
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr
            .contains("error: no webhook endpoints are registered, so there is nothing to serve\n")
            && stderr.contains("add `use my_crate as _;` to `main.rs`"),
        "{stderr}"
    );
    std::fs::write(
        project.join("src/main.rs"),
        "use my_bot as _;\n\nwebhooks::main!();\n",
    )
    .unwrap();
    succeed(
        cargo(&project, &["build", "--quiet"]),
        "cargo build (library, named)",
    )
    .await;
    let (server, addr) = serve(&binary).await;
    let answer = post(&addr, "/webhooks/on_dataset_push", &push).await;
    assert!(
        answer.ends_with(r#"{"dataset":"me/my-dataset"}"#),
        "{answer}"
    );
    assert_eq!(terminate(server).await, Some(0));
}

#[test]
fn new_refuses_a_directory_in_use_and_a_name_that_is_no_package_name() {
    let scratch = Scratch::new("refusals");
    let refused = Cli::cargo_bin("webhooks")
        .unwrap()
        .arg("new")
        .arg(scratch.0.join("My Bot"))
        .assert()
        .code(2);
    let stderr = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        "error: `My Bot` cannot be a package name\nhelp: use lowercase letters, digits, `-` and `_`, starting with a letter, e.g. `webhooks new my-bot`\n"
    );
    assert!(!scratch.0.join("My Bot").exists());

    let taken = scratch.0.join("taken");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let refused = Cli::cargo_bin("webhooks")
        .unwrap()
        .arg("new")
        .arg(&taken)
        .assert()
        .code(1);
    let stderr = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        format!(
            "error: {} already exists and is not empty\nhelp: choose another name, or remove it first\n",
            taken.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(taken.join("notes.txt")).unwrap(),
        "mine"
    );
}
