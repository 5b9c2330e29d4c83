//! The command line, as clap types: `webhooks hub ...` and `webhooks send ...`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use webhooks::hub::{Domain, WatchedItem};

/// Manage your Hugging Face Hub webhooks, and send test deliveries to a webhook receiver.
#[derive(Debug, Parser)]
#[command(name = "webhooks", version, propagate_version = true)]
#[command(after_help = "Examples:
  webhooks hub ls
  webhooks hub create --url https://example.com/hook --watch model:openai-community/gpt2
  webhooks send http://127.0.0.1:7860/webhooks/trigger_training --sample repo.content")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage your webhooks on the Hub (token: --token, HF_TOKEN or `hf auth login`; Hub:
    /// HF_ENDPOINT).
    Hub(HubArgs),
    /// Deliver a payload to a running receiver exactly as the Hub would, and print its answer.
    Send(SendArgs),
}

/// `webhooks hub`: the subcommand, and the options every subcommand takes.
#[derive(Debug, Args)]
pub struct HubArgs {
    #[command(subcommand)]
    pub command: HubCommand,
    /// A Hugging Face access token (default: HF_TOKEN, else the token file `hf auth login` writes).
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<String>,
    /// How to print the result.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Print only webhook ids (the same as --format quiet).
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

impl HubArgs {
    /// The chosen format: `--format`, else `-q`, else a table.
    pub fn format(&self) -> Format {
        match (self.format, self.quiet) {
            (Some(format), _) => format,
            (None, true) => Format::Quiet,
            (None, false) => Format::Table,
        }
    }
}

/// How `webhooks hub` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: a table, or `key: value` lines.
    Table,
    /// The webhooks as the Hub describes them, as JSON.
    Json,
    /// Only the webhook ids, one per line.
    Quiet,
}

/// `webhooks hub <command>`.
#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// List your webhooks.
    #[command(visible_alias = "list")]
    Ls,
    /// Show one webhook.
    Info {
        /// The webhook's id.
        id: String,
    },
    /// Create a webhook, sending deliveries to --url or starting the Job --job-id.
    Create(CreateArgs),
    /// Change a webhook: only the options given are changed.
    Update(UpdateArgs),
    /// Enable a disabled webhook.
    Enable {
        /// The webhook's id.
        id: String,
    },
    /// Disable a webhook: it stays, and delivers nothing until enabled again.
    Disable {
        /// The webhook's id.
        id: String,
    },
    /// Delete a webhook for good (asks first, unless --yes).
    Delete {
        /// The webhook's id.
        id: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        yes: bool,
    },
}

/// `webhooks hub create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// What to watch, as type:name (types: dataset, model, org, space, user). Repeatable.
    #[arg(long, required = true, value_name = "TYPE:NAME", value_parser = parse_watch)]
    pub watch: Vec<WatchedItem>,
    /// Where the Hub POSTs deliveries (or --job-id, not both).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Start a copy of this Job for each delivery instead of POSTing to a URL.
    #[arg(long, value_name = "JOB_ID")]
    pub job_id: Option<String>,
    /// Which events trigger the webhook: repo, discussion. Repeatable. Default: all.
    #[arg(long, value_name = "DOMAIN", value_parser = parse_domain)]
    pub domain: Vec<Domain>,
    /// The secret the Hub sends in X-Webhook-Secret with every delivery.
    #[arg(long, value_name = "SECRET")]
    pub secret: Option<String>,
}

/// `webhooks hub update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The webhook's id.
    pub id: String,
    /// The new URL.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The new Job to start for each delivery.
    #[arg(long, value_name = "JOB_ID")]
    pub job_id: Option<String>,
    /// The new watch list, as type:name; replaces the whole list. Repeatable.
    #[arg(long, value_name = "TYPE:NAME", value_parser = parse_watch)]
    pub watch: Vec<WatchedItem>,
    /// The new domains (repo, discussion); replaces them all. Repeatable.
    #[arg(long, value_name = "DOMAIN", value_parser = parse_domain)]
    pub domain: Vec<Domain>,
    /// The new secret.
    #[arg(long, value_name = "SECRET")]
    pub secret: Option<String>,
}

/// `webhooks send`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("body").required(true).args(["payload", "sample"]))]
pub struct SendArgs {
    /// The receiver's webhook URL, e.g. http://127.0.0.1:7860/webhooks/trigger_training.
    pub url: String,
    /// A payload file, e.g. one copied from the webhook's activity tab on the Hub ("-": stdin).
    /// It is sent byte for byte.
    #[arg(long, value_name = "FILE")]
    pub payload: Option<PathBuf>,
    /// A built-in sample payload of this scope.
    #[arg(long, value_name = "SCOPE", value_parser = clap::builder::PossibleValuesParser::new(webhooks::payload::Scope::KNOWN))]
    pub sample: Option<String>,
    /// The secret, sent in X-Webhook-Secret as the Hub does.
    #[arg(
        long,
        env = "WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub secret: Option<String>,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
}

/// `--watch type:name`, with the reference's messages.
fn parse_watch(text: &str) -> Result<WatchedItem, String> {
    text.parse().map_err(|error| format!("{error}"))
}

/// `--domain repo|discussion` (`discussions`, as `hf webhooks` spells it in its help, too).
fn parse_domain(text: &str) -> Result<Domain, String> {
    match text {
        "discussions" => Ok(Domain::Discussion),
        _ => {
            let domain = Domain::from(text);
            if domain.is_known() {
                Ok(domain)
            } else {
                Err(format!(
                    "Invalid domain '{text}'. Valid domains: repo, discussion."
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn domains_parse_strictly() {
        assert_eq!(parse_domain("repo"), Ok(Domain::Repo));
        assert_eq!(parse_domain("discussions"), Ok(Domain::Discussion));
        assert_eq!(
            parse_domain("community").unwrap_err(),
            "Invalid domain 'community'. Valid domains: repo, discussion."
        );
    }
}
