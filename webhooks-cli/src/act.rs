//! `webhooks hub comment` and `webhooks hub job run|ls|inspect|cancel`: acting on the Hub, with
//! the words of `hf jobs`.

use webhooks::hub::{HubClient, JobInfo, JobSpec, RepoRef, Token};

use crate::cli::{CommentArgs, Format, JobCommand, JobRunArgs};
use crate::hub::{Topic, hub_failure, table, to_json};
use crate::terminal::escape_line;
use crate::{Failure, out};

/// `webhooks hub comment REPO NUM TEXT`.
pub async fn comment(client: HubClient, args: CommentArgs, format: Format) -> Result<(), Failure> {
    let repo = RepoRef::new(args.repo_type, args.repo);
    let comment = client
        .comment_discussion(&repo, args.num, &args.text)
        .await
        .map_err(|error| hub_failure(error, Topic::Discussion))?;
    match format {
        Format::Json => out(&format!("{}\n", to_json(&comment))),
        Format::Quiet => out(&format!("{}\n", escape_line(&comment.id))),
        Format::Table => {
            let url = client
                .discussion_url(&repo, args.num)
                .map_err(|error| hub_failure(error, Topic::Discussion))?;
            out(&format!(
                "Comment posted: {}\nView at: {}#{}\n",
                escape_line(&comment.id),
                escape_line(&url),
                escape_line(&comment.id)
            ));
        }
    }
    Ok(())
}

/// `webhooks hub job ...`.
pub async fn job(
    client: HubClient,
    command: JobCommand,
    format: Format,
    token: Option<&str>,
) -> Result<(), Failure> {
    let failure = |error| hub_failure(error, Topic::Jobs);
    match command {
        JobCommand::Run(args) => {
            let client = in_namespace(client, args.namespace.namespace.clone());
            let job = client.run_job(spec(args, token)?).await.map_err(failure)?;
            match format {
                Format::Json => out(&format!("{}\n", to_json(&job))),
                Format::Quiet => out(&format!("{}\n", escape_line(&job.id))),
                Format::Table => out(&format!(
                    "Job started with ID: {}\nView at: {}\n",
                    escape_line(&job.id),
                    escape_line(&client.job_url(&job))
                )),
            }
        }
        JobCommand::Ls { all, namespace } => {
            let client = in_namespace(client, namespace.namespace);
            let jobs: Vec<JobInfo> = client
                .list_jobs()
                .await
                .map_err(failure)?
                .into_iter()
                .filter(|job| all || job.status.stage.is_active())
                .collect();
            match format {
                Format::Json => out(&format!("{}\n", to_json(&jobs))),
                Format::Quiet => out(&ids(&jobs)),
                Format::Table if jobs.is_empty() => out("No jobs found\n"),
                Format::Table => {
                    let rows: Vec<[String; 5]> = jobs
                        .iter()
                        .map(|job| {
                            [
                                job.id.clone(),
                                image(job),
                                command_line(job),
                                created(job),
                                job.status.stage.to_string(),
                            ]
                        })
                        .collect();
                    out(&table(
                        ["JOB ID", "IMAGE/SPACE", "COMMAND", "CREATED", "STATUS"],
                        &rows,
                    ));
                }
            }
        }
        JobCommand::Inspect {
            ids: job_ids,
            namespace,
        } => {
            let client = in_namespace(client, namespace.namespace);
            let mut jobs = Vec::with_capacity(job_ids.len());
            for id in &job_ids {
                jobs.push(client.inspect_job(id).await.map_err(failure)?);
            }
            match format {
                Format::Json => out(&format!("{}\n", to_json(&jobs))),
                Format::Quiet => out(&ids(&jobs)),
                Format::Table => {
                    let blocks: Vec<String> =
                        jobs.iter().map(|job| details(&client, job)).collect();
                    out(&blocks.join("\n"));
                }
            }
        }
        JobCommand::Cancel { id, namespace } => {
            let client = in_namespace(client, namespace.namespace);
            client.cancel_job(&id).await.map_err(failure)?;
            match format {
                Format::Table => out(&format!("Job canceled: {}\n", escape_line(&id))),
                Format::Json => out(&format!(
                    "{}\n",
                    serde_json::json!({ "id": id, "canceled": true })
                )),
                Format::Quiet => out(&format!("{}\n", escape_line(&id))),
            }
        }
    }
    Ok(())
}

fn in_namespace(client: HubClient, namespace: Option<String>) -> HubClient {
    match namespace {
        Some(namespace) => client.in_namespace(namespace),
        None => client,
    }
}

/// The Job `webhooks hub job run` starts.
fn spec(args: JobRunArgs, token: Option<&str>) -> Result<JobSpec, Failure> {
    let mut spec = JobSpec::image(args.image).command(args.command);
    for variable in &args.env {
        let (name, value) = variable_value(variable, "--env", None)?;
        spec = spec.env(name, value);
    }
    for variable in &args.secrets {
        let (name, value) = variable_value(variable, "--secrets", token)?;
        spec = spec.secret(name, value);
    }
    if let Some(flavor) = args.flavor {
        spec = spec.flavor(flavor);
    }
    if let Some(seconds) = args.timeout {
        spec = spec.timeout(std::time::Duration::from_secs(seconds));
    }
    Ok(spec)
}

/// `KEY=VALUE`, or `KEY` for this process's value of `KEY`; for a secret `HF_TOKEN`, the token
/// the command uses (`--token`, `HF_TOKEN` or the `hf auth login` file), as `hf jobs run` does.
fn variable_value(
    variable: &str,
    flag: &str,
    token: Option<&str>,
) -> Result<(String, String), Failure> {
    if let Some((name, value)) = variable.split_once('=') {
        if name.is_empty() {
            return Err(Failure::usage(format!(
                "{flag} {variable}: expected KEY=VALUE or KEY"
            )));
        }
        return Ok((name.to_owned(), value.to_owned()));
    }
    if variable.is_empty() {
        return Err(Failure::usage(format!("{flag}: expected KEY=VALUE or KEY")));
    }
    if let Ok(value) = std::env::var(variable) {
        return Ok((variable.to_owned(), value));
    }
    if flag == "--secrets" && variable == "HF_TOKEN" {
        let token = match token {
            Some(token) => Some(Token::new(token)),
            None => Token::from_env().map_err(|error| Failure::new(error.to_string()))?,
        };
        if let Some(token) = token {
            return Ok((variable.to_owned(), token.expose().to_owned()));
        }
    }
    Err(Failure::usage(format!(
        "{flag} {variable}: `{variable}` is not set in this environment"
    ))
    .help(format!("pass {flag} {variable}=VALUE")))
}

fn ids(jobs: &[JobInfo]) -> String {
    jobs.iter()
        .map(|job| format!("{}\n", escape_line(&job.id)))
        .collect()
}

/// The image, or `space:{id}` for a Space's image.
fn image(job: &JobInfo) -> String {
    match (&job.spec.docker_image, &job.spec.space_id) {
        (Some(image), _) => image.clone(),
        (None, Some(space)) => format!("hf.co/spaces/{space}"),
        (None, None) => "N/A".to_owned(),
    }
}

fn command_line(job: &JobInfo) -> String {
    let words: Vec<&str> = job
        .spec
        .command
        .iter()
        .chain(&job.spec.arguments)
        .flatten()
        .map(String::as_str)
        .collect();
    if words.is_empty() {
        "N/A".to_owned()
    } else {
        words.join(" ")
    }
}

/// `2026-01-05 10:00:00` from the Hub's `2026-01-05T10:00:00.000Z`, as `hf jobs ps` shows it.
fn created(job: &JobInfo) -> String {
    match job.created_at.as_deref() {
        Some(at) if at.len() >= 19 && at.as_bytes()[10] == b'T' && at.is_char_boundary(19) => {
            format!("{} {}", &at[..10], &at[11..19])
        }
        Some(at) => at.to_owned(),
        None => "N/A".to_owned(),
    }
}

/// `key: value` lines about one Job.
fn details(client: &HubClient, job: &JobInfo) -> String {
    let mut status = job.status.stage.to_string();
    if let Some(message) = &job.status.message {
        status.push_str(&format!(" ({message})"));
    }
    let lines = [
        ("id", job.id.clone()),
        ("status", status),
        ("image", image(job)),
        ("command", command_line(job)),
        (
            "flavor",
            job.spec.flavor.clone().unwrap_or_else(|| "N/A".to_owned()),
        ),
        ("created", created(job)),
        ("owner", job.owner.name.clone()),
        ("url", client.job_url(job)),
    ];
    lines
        .into_iter()
        .map(|(key, value)| format!("{:<9}{}\n", format!("{key}:"), escape_line(&value)))
        .collect()
}
