//! `webhooks hub ...`: one [`HubClient`] call per subcommand, printed as a table, JSON or ids.
//! The webhook commands are here; `comment` and `job ...` are in [`crate::act`].

use std::io::{BufRead, Write};

use webhooks::hub::{Domain, Error, HubClient, NewWebhook, WebhookInfo, WebhookUpdate};

use crate::act;
use crate::cli::{Format, HubArgs, HubCommand};
use crate::terminal::{escape_line, redact_secret};
use crate::{Failure, out, warn};

/// Runs one `webhooks hub` subcommand.
pub async fn run(args: HubArgs) -> Result<(), Failure> {
    let format = args.format();
    let token = args.token;
    let client = || {
        let mut builder = HubClient::builder();
        if let Some(token) = &token {
            builder = builder.token(token.as_str());
        }
        let client = builder.build().map_err(webhook_failure)?;
        if client.sends_token_unencrypted() {
            warn(&format!(
                "the Hub endpoint {} is plain HTTP: your token travels unencrypted \
                 (use https://, or HF_ENDPOINT on this machine's loopback address)",
                client.endpoint()
            ));
        }
        Ok(client)
    };
    match args.command {
        HubCommand::Comment(comment) => return act::comment(client()?, comment, format).await,
        HubCommand::Job(job) => {
            return act::job(client()?, job, format, token.as_deref()).await;
        }
        HubCommand::Ls => {
            let webhooks = client()?.list_webhooks().await.map_err(webhook_failure)?;
            print_list(&webhooks, format);
        }
        HubCommand::Info { id } => {
            let webhook = client()?.get_webhook(&id).await.map_err(webhook_failure)?;
            print_one(None, &webhook, format);
        }
        HubCommand::Create(create) => {
            let mut webhook = NewWebhook::new().watched(create.watch);
            if !create.domain.is_empty() {
                webhook = webhook.domains(create.domain);
            }
            if let Some(url) = create.url {
                webhook = webhook.url(url);
            }
            if let Some(job_id) = create.job_id {
                webhook = webhook.job_id(job_id);
            }
            if let Some(secret) = create.secret {
                webhook = webhook.secret(secret);
            }
            let created = client()?
                .create_webhook(webhook)
                .await
                .map_err(|error| match error {
                    // Both targets or none: refused before any request.
                    Error::InvalidArgument(_) => webhook_failure(error)
                        .help("pass either --url URL (your receiver) or --job-id JOB_ID"),
                    error => webhook_failure(error),
                })?;
            print_one(Some("Webhook created"), &created, format);
        }
        HubCommand::Update(update) => {
            let mut changes = WebhookUpdate::new();
            if !update.watch.is_empty() {
                changes = changes.watched(update.watch);
            }
            if !update.domain.is_empty() {
                changes = changes.domains(update.domain);
            }
            if let Some(url) = update.url {
                changes = changes.url(url);
            }
            if let Some(job_id) = update.job_id {
                changes = changes.job_id(job_id);
            }
            if let Some(secret) = update.secret {
                changes = changes.secret(secret);
            }
            if changes.is_empty() {
                return Err(Failure::usage("nothing to update")
                    .help("give at least one of --url, --job-id, --watch, --domain, --secret"));
            }
            let updated = client()?
                .update_webhook(&update.id, changes)
                .await
                .map_err(webhook_failure)?;
            print_one(Some("Webhook updated"), &updated, format);
        }
        HubCommand::Enable { id } => {
            let webhook = client()?
                .enable_webhook(&id)
                .await
                .map_err(webhook_failure)?;
            print_short("Webhook enabled", &webhook, format);
        }
        HubCommand::Disable { id } => {
            let webhook = client()?
                .disable_webhook(&id)
                .await
                .map_err(webhook_failure)?;
            print_short("Webhook disabled", &webhook, format);
        }
        HubCommand::Delete { id, yes } => {
            if !yes && !confirm(&format!("Are you sure you want to delete webhook '{id}'?")) {
                return Err(Failure::new("Aborted.").help("pass --yes to delete without asking"));
            }
            client()?
                .delete_webhook(&id)
                .await
                .map_err(webhook_failure)?;
            match format {
                Format::Table => out(&format!("Webhook deleted: {}\n", escape_line(&id))),
                Format::Json => out(&format!(
                    "{}\n",
                    serde_json::json!({ "id": id, "deleted": true })
                )),
                Format::Quiet => out(&format!("{}\n", escape_line(&id))),
            }
        }
    }
    Ok(())
}

/// What a command was about, for the help line of its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// Webhooks (`ls`, `info`, `create`, ...).
    Webhooks,
    /// A discussion or pull request (`comment`).
    Discussion,
    /// Jobs (`job ...`).
    Jobs,
}

fn webhook_failure(error: Error) -> Failure {
    hub_failure(error, Topic::Webhooks)
}

/// A library error as the command line reports it, with what to do about it.
pub fn hub_failure(error: Error, topic: Topic) -> Failure {
    let failure = match &error {
        Error::InvalidArgument(_) => return Failure::usage(error.to_string()),
        _ => Failure::new(error.to_string()),
    };
    match &error {
        Error::MissingToken { .. } => failure.help(
            "create a token at https://huggingface.co/settings/tokens, then set HF_TOKEN, pass \
             --token, or run `hf auth login`",
        ),
        _ if error.is_unauthorized() => {
            failure.help("check the token (--token, HF_TOKEN or the `hf auth login` token file)")
        }
        _ if error.is_forbidden() => failure.help(match topic {
            Topic::Webhooks => {
                "the token may not be allowed to manage webhooks: use one with write access"
            }
            Topic::Discussion => {
                "the token may not be allowed to write in this repo's discussions: use one with \
                 write access"
            }
            Topic::Jobs => {
                "the token may not be allowed to run Jobs in this namespace: use one with write \
                 access, and check --namespace"
            }
        }),
        _ if error.is_not_found() => failure.help(match topic {
            Topic::Webhooks => "`webhooks hub ls` lists your webhooks and their ids",
            Topic::Discussion => "check the repo, its --repo-type and the discussion's number",
            Topic::Jobs => "`webhooks hub job ls --all` lists your Jobs and their ids",
        }),
        Error::Connection { .. } | Error::Timeout { .. } => {
            failure.help("check your connection, and HF_ENDPOINT if you set it")
        }
        _ => failure,
    }
}

/// Asks on stderr; `y` or `yes` on stdin says yes, anything else (or no input) says no.
fn confirm(question: &str) -> bool {
    eprint!("{} [y/N]: ", escape_line(question));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

fn print_list(webhooks: &[WebhookInfo], format: Format) {
    match format {
        Format::Json => out(&format!("{}\n", to_json(&webhooks))),
        Format::Quiet => out(&webhooks
            .iter()
            .map(|w| format!("{}\n", escape_line(&w.id)))
            .collect::<String>()),
        Format::Table if webhooks.is_empty() => out("No webhooks.\n"),
        Format::Table => {
            let rows: Vec<[String; 5]> = webhooks
                .iter()
                .map(|webhook| {
                    [
                        webhook.id.clone(),
                        redact_secret(&webhook.target()),
                        webhook.disabled.to_string(),
                        domains(webhook),
                        watched(webhook),
                    ]
                })
                .collect();
            out(&table(
                ["ID", "TARGET", "DISABLED", "DOMAINS", "WATCHED"],
                &rows,
            ));
        }
    }
}

/// `info`, `create`, `update`: the whole webhook.
fn print_one(headline: Option<&str>, webhook: &WebhookInfo, format: Format) {
    match format {
        Format::Json => out(&format!("{}\n", to_json(webhook))),
        Format::Quiet => out(&format!("{}\n", escape_line(&webhook.id))),
        Format::Table => {
            let mut text = String::new();
            if let Some(headline) = headline {
                text.push_str(&format!("{headline}: {}\n", escape_line(&webhook.id)));
            }
            text.push_str(&details(webhook));
            out(&text);
        }
    }
}

/// `enable`, `disable`: one line, unless JSON is asked for.
fn print_short(headline: &str, webhook: &WebhookInfo, format: Format) {
    match format {
        Format::Json => out(&format!("{}\n", to_json(webhook))),
        Format::Quiet => out(&format!("{}\n", escape_line(&webhook.id))),
        Format::Table => out(&format!("{headline}: {}\n", escape_line(&webhook.id))),
    }
}

/// `key: value` lines; the secret, and a `?secret=` in the URL, are only said to be set
/// (`--format json` shows them).
fn details(webhook: &WebhookInfo) -> String {
    let mut lines = vec![("id", webhook.id.clone())];
    if let Some(url) = &webhook.url {
        lines.push(("url", redact_secret(url)));
    }
    if let Some(job) = &webhook.job {
        lines.push(("job", serde_json::to_string(job).unwrap_or_default()));
    }
    lines.push(("watched", watched(webhook)));
    lines.push(("domains", domains(webhook)));
    let secret = match webhook.secret {
        Some(_) => "set (shown with --format json)",
        None => "none",
    };
    lines.push(("secret", secret.to_owned()));
    lines.push(("disabled", webhook.disabled.to_string()));
    lines
        .into_iter()
        .map(|(key, value)| format!("{:<10}{}\n", format!("{key}:"), escape_line(&value)))
        .collect()
}

fn watched(webhook: &WebhookInfo) -> String {
    let items: Vec<String> = webhook.watched.iter().map(ToString::to_string).collect();
    items.join(", ")
}

fn domains(webhook: &WebhookInfo) -> String {
    let domains: Vec<&str> = webhook.domains.iter().map(Domain::as_str).collect();
    domains.join(", ")
}

/// Left-aligned columns two spaces apart, the last one not padded; each cell on one line, its
/// control characters escaped.
pub fn table<const N: usize>(headers: [&str; N], rows: &[[String; N]]) -> String {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|row| row.each_ref().map(|cell| escape_line(cell)))
        .collect();
    let mut widths = headers.map(|header| header.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut line = String::new();
        for (index, cell) in cells.iter().enumerate() {
            if index + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = widths[index] - cell.chars().count() + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        line.truncate(line.trim_end().len());
        line.push('\n');
        line
    };
    let mut text = line(headers.to_vec());
    for row in &rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    text
}

/// Pretty JSON.
pub fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("Hub answers serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_their_columns() {
        let rows = [
            ["a".to_owned(), "long value".to_owned()],
            ["longer id".to_owned(), "".to_owned()],
        ];
        assert_eq!(
            table(["ID", "TARGET"], &rows),
            "ID         TARGET\na          long value\nlonger id\n"
        );
    }
}
