//! The command line, as clap types: `webhooks hub ...` (webhooks, `comment`, `job ...`) and
//! `webhooks send ...`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use webhooks::hub::{Domain, RepoType, WatchedItem};

/// Manage your Hugging Face Hub webhooks, act on the Hub (comments, Jobs), and send test
/// deliveries to a webhook receiver.
#[derive(Debug, Parser)]
#[command(name = "webhooks", version, propagate_version = true)]
#[command(after_help = "Examples:
  webhooks hub ls
  webhooks hub create --url https://example.com/hook --watch model:openai-community/gpt2
  webhooks hub comment me/my-model 3 'Thanks, merged!'
  webhooks hub job run python:3.12 -- python -c 'print(1)'
  webhooks send http://127.0.0.1:7860/webhooks/trigger_training --sample repo.content")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage your webhooks, comment on discussions and run Jobs on the Hub (token: --token,
    /// HF_TOKEN or `hf auth login`; Hub: HF_ENDPOINT).
    Hub(HubArgs),
    /// Deliver a payload to a running receiver exactly as the Hub would, and print its answer.
    Send(SendArgs),
    /// Create a new webhooks project: an endpoint, its test, and what a Space needs to run it.
    New(NewArgs),
}

/// `webhooks new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The project's directory; its last part is the package's name.
    pub name: PathBuf,
    /// Depend on the `hf-webhooks` checkout at this path instead of crates.io (to work offline, or
    /// on an unreleased version).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
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
    /// Print only ids (the same as --format quiet).
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
    /// What the Hub answered (webhooks, Jobs, the comment), as JSON.
    Json,
    /// Only the ids, one per line.
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
    /// Comment on a discussion or pull request.
    Comment(CommentArgs),
    /// Run and manage Jobs on the Hub (what `hf jobs` does).
    #[command(subcommand, visible_alias = "jobs")]
    Job(JobCommand),
}

/// `webhooks hub comment`.
#[derive(Debug, Args)]
pub struct CommentArgs {
    /// The repo, as owner/name.
    pub repo: String,
    /// The discussion's or pull request's number.
    #[arg(value_parser = clap::value_parser!(u64).range(1..))]
    pub num: u64,
    /// The comment, in Markdown.
    pub text: String,
    /// The repo's type.
    #[arg(long, value_enum, default_value_t = RepoKind::Model)]
    pub repo_type: RepoKind,
}

/// `--repo-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RepoKind {
    /// A model.
    Model,
    /// A dataset.
    Dataset,
    /// A Space.
    Space,
}

impl From<RepoKind> for RepoType {
    fn from(kind: RepoKind) -> Self {
        match kind {
            RepoKind::Model => RepoType::Model,
            RepoKind::Dataset => RepoType::Dataset,
            RepoKind::Space => RepoType::Space,
        }
    }
}

/// `webhooks hub job <command>`, with the words of `hf jobs`.
#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Start a Job: IMAGE (a Docker image, or hf.co/spaces/OWNER/NAME) running the command.
    Run(JobRunArgs),
    /// List the running Jobs (every Job with --all).
    #[command(visible_alias = "ps")]
    Ls {
        /// Every Job, finished ones too.
        #[arg(short, long)]
        all: bool,
        #[command(flatten)]
        namespace: NamespaceArg,
    },
    /// Show Jobs.
    Inspect {
        /// The Jobs' ids.
        #[arg(required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        namespace: NamespaceArg,
    },
    /// Cancel a Job.
    Cancel {
        /// The Job's id.
        id: String,
        #[command(flatten)]
        namespace: NamespaceArg,
    },
}

/// `--namespace`.
#[derive(Debug, Args)]
pub struct NamespaceArg {
    /// The user or organization whose Jobs these are (default: the token's user).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

/// `webhooks hub job run`.
#[derive(Debug, Args)]
pub struct JobRunArgs {
    /// The Docker image (python:3.12), or a Space's image (hf.co/spaces/OWNER/NAME).
    pub image: String,
    /// The command and its arguments; put them after `--` when they start with `-`.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
    /// An environment variable, KEY=VALUE, or KEY to pass this shell's value. Repeatable.
    #[arg(short, long = "env", value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
    /// A secret environment variable, KEY=VALUE, or KEY to pass this shell's value
    /// (`--secrets HF_TOKEN` passes your token). Repeatable.
    #[arg(short, long = "secrets", value_name = "KEY[=VALUE]")]
    pub secrets: Vec<String>,
    /// The hardware, e.g. cpu-basic (the default), cpu-upgrade, t4-small, a10g-small.
    #[arg(long, value_name = "FLAVOR")]
    pub flavor: Option<String>,
    /// The longest the Job may run: seconds, or a number with s, m, h or d (30m, 1.5h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<u64>,
    #[command(flatten)]
    pub namespace: NamespaceArg,
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
    /// With --sample: about a repo of this type (its URLs follow).
    #[arg(long, value_name = "TYPE", conflicts_with = "payload", value_parser = ["model", "dataset", "space"])]
    pub repo_type: Option<String>,
    /// With --sample: about this repo (`owner/name`).
    #[arg(long, value_name = "REPO", conflicts_with = "payload")]
    pub repo: Option<String>,
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

/// `--timeout`: seconds, or a number with a unit `s`, `m`, `h` or `d`, as `hf jobs run` reads
/// it (`1.5h` is 5400).
fn parse_duration(text: &str) -> Result<u64, String> {
    let invalid = || format!("invalid duration '{text}': expected e.g. 300, 30m, 1.5h or 2d");
    let (number, factor) = match text.char_indices().last() {
        Some((at, 's')) => (&text[..at], 1.0),
        Some((at, 'm')) => (&text[..at], 60.0),
        Some((at, 'h')) => (&text[..at], 3600.0),
        Some((at, 'd')) => (&text[..at], 86400.0),
        _ => (text, 1.0),
    };
    let number: f64 = number.trim().parse().map_err(|_| invalid())?;
    let seconds = number * factor;
    if !seconds.is_finite() || seconds < 1.0 {
        return Err(invalid());
    }
    Ok(seconds as u64)
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
    fn durations_read_like_hf_jobs() {
        assert_eq!(parse_duration("300"), Ok(300));
        assert_eq!(parse_duration("45s"), Ok(45));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("1.5h"), Ok(5400));
        assert_eq!(parse_duration("2d"), Ok(172_800));
        for bad in ["", "m", "5x", "-1", "0", "NaNh"] {
            assert_eq!(
                parse_duration(bad).unwrap_err(),
                format!("invalid duration '{bad}': expected e.g. 300, 30m, 1.5h or 2d")
            );
        }
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
