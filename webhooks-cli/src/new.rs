//! `webhooks new NAME`: a project that serves a webhook, tests it, and deploys to a Space as it is.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::NewArgs;
use crate::{Failure, out};

/// Creates the project, then says what to do next.
pub fn run(args: &NewArgs) -> Result<(), Failure> {
    let name = package_name(&args.name)?;
    let dir = &args.name;
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(true)
    {
        return Err(
            Failure::new(format!("{} already exists and is not empty", dir.display()))
                .help("choose another name, or remove it first"),
        );
    }
    let dependency = match &args.path {
        Some(path) => {
            let path = std::path::absolute(path).map_err(|error| {
                Failure::usage(format!("cannot use --path {}: {error}", path.display()))
            })?;
            if !path.join("Cargo.toml").is_file() {
                return Err(Failure::usage(format!(
                    "{} has no Cargo.toml: --path takes a checkout of hf-webhooks",
                    path.display()
                )));
            }
            format!(
                "hf-webhooks = {{ path = {:?} }}",
                path.display().to_string()
            )
        }
        None => format!("hf-webhooks = \"{}\"", env!("CARGO_PKG_VERSION")),
    };
    let files = [
        ("Cargo.toml", cargo_toml(&name, &dependency)),
        ("src/main.rs", MAIN_RS.to_owned()),
        ("Dockerfile", DOCKERFILE.replace("{name}", &name)),
        (".dockerignore", "target/\n.git/\n*.sqlite3*\n".to_owned()),
        (".gitignore", "/target\n*.sqlite3*\n".to_owned()),
        ("README.md", readme(&name)),
    ];
    for (file, text) in &files {
        write(&dir.join(file), text)?;
    }
    let mut text = format!(
        "Created the webhooks project `{name}` in {}:\n",
        dir.display()
    );
    for (file, _) in &files {
        let _ = writeln!(text, "  {file}");
    }
    let _ = write!(
        text,
        "\nNext:\n  cd {dir}\n  cargo test                          # the endpoint's test\n  WEBHOOK_SECRET=my_secret cargo run  # serves POST http://127.0.0.1:7860/webhooks/on_dataset_push\n\nREADME.md says how to deploy it to a Space and point a Hub webhook at it.\n",
        dir = dir.display()
    );
    out(&text);
    Ok(())
}

/// The package's name: the directory's last part, if it is a valid crate name.
fn package_name(dir: &Path) -> Result<String, Failure> {
    let name = dir
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
        .to_owned();
    let valid = name
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        Ok(name)
    } else {
        Err(Failure::usage(format!(
            "`{name}` cannot be a package name"
        ))
        .help("use lowercase letters, digits, `-` and `_`, starting with a letter, e.g. `webhooks new my-bot`"))
    }
}

fn write(path: &PathBuf, text: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|error| {
            Failure::new(format!("cannot create {}: {error}", parent.display()))
        })?;
    }
    std::fs::write(path, text)
        .map_err(|error| Failure::new(format!("cannot write {}: {error}", path.display())))
}

fn cargo_toml(name: &str, dependency: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[dependencies]
# The library is imported as `webhooks`.
{dependency}
serde_json = "1"
tracing = "0.1"

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
"#
    )
}

const MAIN_RS: &str = r#"//! A Hugging Face Hub webhooks server: `cargo run`, then point a webhook at the printed URL.

use webhooks::{WebhookPayload, webhook_endpoint};

/// Runs for every push to a dataset; the Hub's other events are answered "skipped".
#[webhook_endpoint(scope = "repo.content", repo_type = "dataset")]
async fn on_dataset_push(payload: WebhookPayload) -> serde_json::Value {
    tracing::info!(dataset = %payload.repo.name, "a dataset changed");
    serde_json::json!({ "dataset": payload.repo.name })
}

webhooks::main!();

#[cfg(test)]
mod tests {
    use webhooks::WebhookPayload;
    use webhooks::payload::RepoType;
    use webhooks::test::TestClient;

    #[tokio::test]
    async fn answers_dataset_pushes_and_skips_the_rest() {
        let client = TestClient::new(webhooks::app().webhook_secret("test")).unwrap();
        let push = WebhookPayload::sample_push_to_main()
            .with_repo_type(RepoType::Dataset)
            .with_repo("me/my-dataset");
        let response = client
            .post("/webhooks/on_dataset_push")
            .secret("test")
            .json(&push)
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.json::<serde_json::Value>(),
            serde_json::json!({ "dataset": "me/my-dataset" })
        );

        let response = client
            .post("/webhooks/on_dataset_push")
            .secret("test")
            .json(&WebhookPayload::sample_discussion())
            .await;
        assert_eq!(response.json::<serde_json::Value>()["skipped"], true);
    }
}
"#;

const DOCKERFILE: &str = r#"# The Space's image: the project built in a first stage, then only its binary on a small
# Debian, running as the Space's user (uid 1000) on port 7860.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release && cp target/release/{name} /server && strip /server

FROM debian:bookworm-slim
RUN useradd --create-home --uid 1000 user
COPY --from=build /server /usr/local/bin/server
USER user
# SPACE_ID (set by the Space) makes the server listen on 0.0.0.0; SPACE_HOST gives it its URL.
ENV PORT=7860 RUST_LOG=info
EXPOSE 7860
CMD ["server"]
"#;

fn readme(name: &str) -> String {
    format!(
        r#"---
title: {name}
emoji: 🪝
colorFrom: yellow
colorTo: gray
sdk: docker
app_port: 7860
pinned: false
---

# {name}

A [Hugging Face Hub webhooks](https://huggingface.co/docs/hub/webhooks) server written with
[`hf-webhooks`](https://crates.io/crates/hf-webhooks): `src/main.rs` answers every push to a
dataset.

## Run it here

```sh
cargo test                             # the endpoint's test
WEBHOOK_SECRET=my_secret cargo run     # serves POST http://127.0.0.1:7860/webhooks/on_dataset_push
```

## Deploy it to a Space

1. Create a Space with the **Docker** SDK (https://huggingface.co/new-space), then push this
   directory to it:
   ```sh
   git init && git add . && git commit -m "webhooks server"
   git remote add space https://huggingface.co/spaces/<you>/{name}
   git push space HEAD:main
   ```
   The Space builds the `Dockerfile` (a few minutes the first time).
2. In the Space's settings, add a secret `WEBHOOK_SECRET`. For queued endpoints
   (`#[webhook_endpoint(queue)]`), also turn on persistent storage: the inbox then lives in
   `/data`.
3. The Space's logs print `POST https://<you>-{name}.hf.space/webhooks/on_dataset_push`. Create a
   webhook on the Hub with that URL and the same secret, at
   https://huggingface.co/settings/webhooks or with the `webhooks` command line:
   ```sh
   webhooks hub create --url https://<you>-{name}.hf.space/webhooks/on_dataset_push \
     --watch dataset:<you>/<your-dataset> --domain repo --secret <the secret>
   ```
4. Push to the dataset: the Space's logs show the delivery, and its page lists it.
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(package_name(Path::new("/tmp/my-bot")).unwrap(), "my-bot");
        assert_eq!(package_name(Path::new("bot_2")).unwrap(), "bot_2");
        for bad in ["My-Bot", "2bot", "my bot", ""] {
            assert!(package_name(Path::new(bad)).is_err(), "{bad}");
        }
    }
}
