//! Hub Jobs: run a command in a container on the Hub's hardware, as `huggingface_hub`'s
//! `HfApi.run_job` does, and follow it ([`JobSpec`], [`JobInfo`], [`HubClient::run_job`], ...).
//!
//! Every call is on `/api/jobs/{namespace}[/{id}[/cancel]]`; the namespace is the token's user
//! (asked once per client with `whoami`), or the one given to
//! [`HubClient::in_namespace`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::{HubClient, segment};
use crate::error::Error;

/// The hardware a Job runs on when its [`JobSpec`] does not say (as in `huggingface_hub`).
pub const DEFAULT_FLAVOR: &str = "cpu-basic";

/// The environment variable in which a Job started for a delivery gets the delivery's id
/// (the `Webhook-Id` header), as the Hub sets it for the Jobs its webhooks start.
pub const DELIVERY_ID_VAR: &str = "WEBHOOK_ID";

/// What a Job runs: an image (or a Space's image), a command, its environment and secrets, the
/// hardware and a time limit.
///
/// Build one for [`HubClient::run_job`] with [`JobSpec::image`] or [`JobSpec::space`]; the Hub
/// also describes Jobs with it ([`JobInfo::spec`], [`WebhookInfo::job`](crate::WebhookInfo)).
/// Every key of the Hub's object that has no field here is kept in [`other`](Self::other), and
/// sent back as is.
///
/// `run_job` sends it the way `huggingface_hub` does: `command`, `arguments` (default `[]`),
/// `environment` (default `{}`), `flavor` (default [`DEFAULT_FLAVOR`]), `secrets` when there
/// are any, `timeoutSeconds` when set, and `dockerImage` or `spaceId`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use webhooks_hub::JobSpec;
///
/// let job = JobSpec::image("python:3.12")
///     .command(["python", "-c", "print('hello from the Hub')"])
///     .env("MODE", "full")
///     .secret("HF_TOKEN", "hf_xxx")
///     .flavor("a10g-small")
///     .timeout(Duration::from_secs(30 * 60));
/// assert_eq!(job.docker_image.as_deref(), Some("python:3.12"));
/// assert_eq!(job.timeout_seconds, Some(1800));
///
/// // An image from a Space, as `hf jobs run hf.co/spaces/...` takes it.
/// assert_eq!(JobSpec::image("hf.co/spaces/lhoestq/duckdb").space_id.as_deref(), Some("lhoestq/duckdb"));
///
/// // What the Hub says about a webhook's Job.
/// let job: JobSpec = serde_json::from_str(
///     r#"{"dockerImage": "python:3.12", "command": ["python", "-c", "print(1)"], "flavor": "cpu-basic", "timeout": 300}"#,
/// ).unwrap();
/// assert_eq!(job.other["timeout"], 300);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobSpec {
    /// The Docker image the Job runs, when it runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_image: Option<String>,
    /// The Space whose image the Job runs, when it runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_id: Option<String>,
    /// The command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// The command's arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Vec<String>>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Map<String, Value>>,
    /// Secret environment variables (the Hub stores them encrypted and does not show them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Map<String, Value>>,
    /// The hardware flavor, e.g. `cpu-basic`, `a10g-small`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavor: Option<String>,
    /// The time limit, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Every other key of the Hub's object (tags, arch, ...), unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl JobSpec {
    /// A Job running this Docker image (`python:3.12`,
    /// `pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel`), or the image of a Space given as
    /// `hf.co/spaces/{id}` or `https://huggingface.co/spaces/{id}`.
    pub fn image(image: impl Into<String>) -> Self {
        let image = image.into();
        for prefix in [
            "https://huggingface.co/spaces/",
            "https://hf.co/spaces/",
            "huggingface.co/spaces/",
            "hf.co/spaces/",
        ] {
            if let Some(space) = image.strip_prefix(prefix) {
                return Self::space(space);
            }
        }
        Self {
            docker_image: Some(image),
            ..Self::default()
        }
    }

    /// A Job running the image of this Space (`owner/name`).
    pub fn space(space_id: impl Into<String>) -> Self {
        Self {
            space_id: Some(space_id.into()),
            ..Self::default()
        }
    }

    /// The command, e.g. `["python", "train.py"]`.
    pub fn command<S: Into<String>>(mut self, command: impl IntoIterator<Item = S>) -> Self {
        self.command = Some(command.into_iter().map(Into::into).collect());
        self
    }

    /// The command's arguments (`huggingface_hub` puts everything in the command and sends
    /// `[]`).
    pub fn arguments<S: Into<String>>(mut self, arguments: impl IntoIterator<Item = S>) -> Self {
        self.arguments = Some(arguments.into_iter().map(Into::into).collect());
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment
            .get_or_insert_with(Map::new)
            .insert(name.into(), Value::String(value.into()));
        self
    }

    /// Sets a secret environment variable (e.g. `HF_TOKEN`, for a Job that pushes to the Hub).
    pub fn secret(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.secrets
            .get_or_insert_with(Map::new)
            .insert(name.into(), Value::String(value.into()));
        self
    }

    /// The hardware, e.g. `cpu-upgrade`, `t4-small`, `a10g-small` (default
    /// [`DEFAULT_FLAVOR`]).
    pub fn flavor(mut self, flavor: impl Into<String>) -> Self {
        self.flavor = Some(flavor.into());
        self
    }

    /// Stops the Job after this long (whole seconds).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout_seconds = Some(timeout.as_secs());
        self
    }

    /// Passes the id of the delivery that starts the Job (its `Webhook-Id` header) in
    /// `WEBHOOK_ID`, as the Hub does for the Jobs its webhooks start: the same on every retry
    /// of a delivery, so the Job can tell a retry from a new event.
    pub fn delivery_id(self, delivery_id: impl Into<String>) -> Self {
        self.env(DELIVERY_ID_VAR, delivery_id)
    }

    /// The body of `POST /api/jobs/{namespace}`, with `huggingface_hub`'s defaults.
    pub(crate) fn run_body(&self) -> Result<Value, Error> {
        match (&self.docker_image, &self.space_id) {
            (Some(_), Some(_)) => {
                return Err(Error::InvalidArgument(
                    "a Job runs a Docker image or a Space, not both".into(),
                ));
            }
            (None, None) => {
                return Err(Error::InvalidArgument(
                    "a Job needs a Docker image or a Space to run: use JobSpec::image or \
                     JobSpec::space"
                        .into(),
                ));
            }
            _ => {}
        }
        let mut body = serde_json::to_value(self).expect("a JobSpec serialises");
        let fields = body.as_object_mut().expect("a JobSpec is an object");
        fields.entry("command").or_insert_with(|| json!([]));
        fields.entry("arguments").or_insert_with(|| json!([]));
        fields.entry("environment").or_insert_with(|| json!({}));
        fields
            .entry("flavor")
            .or_insert_with(|| json!(DEFAULT_FLAVOR));
        if fields
            .get("secrets")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            fields.remove("secrets");
        }
        Ok(body)
    }
}

/// A Job, as the Hub describes it: its id, what it runs, its status and its owner.
///
/// # Examples
/// ```
/// use webhooks_hub::{JobInfo, JobStage};
///
/// let job: JobInfo = serde_json::from_str(r#"{
///     "id": "687fb701029421ae5549d998", "createdAt": "2025-07-22T16:06:25.079Z",
///     "dockerImage": "python:3.12", "command": ["python", "-c", "print(1)"],
///     "arguments": [], "environment": {}, "flavor": "cpu-basic",
///     "status": {"stage": "RUNNING", "message": null},
///     "owner": {"id": "5e9ecfc04957053f60648a3e", "name": "lhoestq", "type": "user"}
/// }"#).unwrap();
/// assert_eq!(job.status.stage, JobStage::Running);
/// assert_eq!(job.spec.docker_image.as_deref(), Some("python:3.12"));
/// assert_eq!(job.owner.name, "lhoestq");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobInfo {
    /// The Job's id.
    pub id: String,
    /// When it was created, as the Hub writes it (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// What it runs.
    #[serde(flatten)]
    pub spec: JobSpec,
    /// Where it is.
    pub status: JobStatus,
    /// Whose it is.
    pub owner: JobOwner,
}

/// [`JobInfo::status`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobStatus {
    /// Running, completed, ...
    pub stage: JobStage,
    /// The Hub's explanation, e.g. for an error.
    #[serde(default)]
    pub message: Option<String>,
}

webhooks_core::string_enum! {
    /// Where a Job is (`status.stage`).
    ///
    /// # Examples
    /// ```
    /// use webhooks_hub::JobStage;
    ///
    /// assert_eq!(JobStage::from("COMPLETED"), JobStage::Completed);
    /// assert!(JobStage::Updating.is_active());
    /// assert!(!JobStage::Canceled.is_active());
    /// ```
    pub enum JobStage {
        /// Finished successfully.
        Completed = "COMPLETED",
        /// Canceled.
        Canceled = "CANCELED",
        /// Failed.
        Error = "ERROR",
        /// Deleted.
        Deleted = "DELETED",
        /// Running.
        Running = "RUNNING",
        /// Being started or changed.
        Updating = "UPDATING",
    }
}

impl JobStage {
    /// Running or updating: what `hf jobs ps` lists without `--all`.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Running | Self::Updating)
    }
}

/// [`JobInfo::owner`]: the user or organization the Job runs for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobOwner {
    /// Its id.
    pub id: String,
    /// Its name: the Job's namespace.
    pub name: String,
    /// `user` or `org`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

impl HubClient {
    /// Starts a Job (`POST /api/jobs/{namespace}`) and returns it as the Hub describes it, most
    /// often still running. The namespace is the token's user (one `whoami` per client), or the
    /// one given to [`in_namespace`](Self::in_namespace).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`], before any request, for a spec without an image or a Space,
    /// or with both.
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_hub::JobSpec;
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let job = hub
    ///     .run_job(JobSpec::image("python:3.12").command(["python", "-c", "print('hello')"]))
    ///     .await?;
    /// println!("started {}: {}", job.id, hub.job_url(&job));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run_job(&self, job: JobSpec) -> Result<JobInfo, Error> {
        let body = job.run_body()?;
        let path = self.jobs_path("").await?;
        self.post_json(&path, Some(&body)).await
    }

    /// The Jobs of the namespace (`GET /api/jobs/{namespace}`), finished ones included.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// for job in hub.list_jobs().await? {
    ///     if job.status.stage.is_active() {
    ///         println!("{} is running", job.id);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_jobs(&self) -> Result<Vec<JobInfo>, Error> {
        let path = self.jobs_path("").await?;
        self.get_json(&path).await
    }

    /// One Job (`GET /api/jobs/{namespace}/{id}`).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let job = hub.inspect_job("687fb701029421ae5549d998").await?;
    /// println!("{}: {:?}", job.status.stage, job.status.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect_job(&self, job_id: &str) -> Result<JobInfo, Error> {
        let id = segment("Job id", job_id)?;
        let path = self.jobs_path(&format!("/{id}")).await?;
        self.get_json(&path).await
    }

    /// Cancels a Job (`POST /api/jobs/{namespace}/{id}/cancel`).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// hub.cancel_job("687fb701029421ae5549d998").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cancel_job(&self, job_id: &str) -> Result<(), Error> {
        let id = segment("Job id", job_id)?;
        let path = self.jobs_path(&format!("/{id}/cancel")).await?;
        self.call(http::Method::POST, &path, None).await.map(drop)
    }

    /// The Job's page: `{endpoint}/jobs/{owner}/{id}`.
    ///
    /// # Examples
    /// ```
    /// # use webhooks_hub::{HubClient, JobInfo};
    /// # let hub = HubClient::builder().token("hf_xxx").endpoint("https://huggingface.co").build()?;
    /// # let job: JobInfo = serde_json::from_value(serde_json::json!({"id": "j1",
    /// #     "status": {"stage": "RUNNING"}, "owner": {"id": "1", "name": "me", "type": "user"}})).unwrap();
    /// assert_eq!(hub.job_url(&job), "https://huggingface.co/jobs/me/j1");
    /// # Ok::<(), webhooks_hub::Error>(())
    /// ```
    pub fn job_url(&self, job: &JobInfo) -> String {
        self.url(&format!("/jobs/{}/{}", job.owner.name, job.id))
    }

    /// `/api/jobs/{namespace}{suffix}`.
    async fn jobs_path(&self, suffix: &str) -> Result<String, Error> {
        let namespace = self.jobs_namespace().await?;
        Ok(format!(
            "/api/jobs/{}{suffix}",
            segment("namespace", &namespace)?
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_bodies_have_the_reference_defaults() {
        let body = JobSpec::image("python:3.12")
            .command(["echo", "hi"])
            .run_body()
            .unwrap();
        assert_eq!(
            body,
            json!({
                "dockerImage": "python:3.12",
                "command": ["echo", "hi"],
                "arguments": [],
                "environment": {},
                "flavor": "cpu-basic"
            })
        );
        let body = JobSpec::image("https://huggingface.co/spaces/me/app")
            .env("A", "1")
            .secret("S", "2")
            .flavor("t4-small")
            .timeout(Duration::from_millis(90_500))
            .delivery_id("d1")
            .arguments(["x"])
            .run_body()
            .unwrap();
        assert_eq!(
            body,
            json!({
                "spaceId": "me/app",
                "command": [],
                "arguments": ["x"],
                "environment": {"A": "1", "WEBHOOK_ID": "d1"},
                "secrets": {"S": "2"},
                "flavor": "t4-small",
                "timeoutSeconds": 90
            })
        );
    }

    #[test]
    fn a_job_runs_an_image_or_a_space() {
        assert_eq!(
            JobSpec::default().run_body().unwrap_err().to_string(),
            "a Job needs a Docker image or a Space to run: use JobSpec::image or JobSpec::space"
        );
        let mut both = JobSpec::image("python:3.12");
        both.space_id = Some("me/app".into());
        assert_eq!(
            both.run_body().unwrap_err().to_string(),
            "a Job runs a Docker image or a Space, not both"
        );
        for (image, space) in [
            ("hf.co/spaces/a/b", "a/b"),
            ("huggingface.co/spaces/a/b", "a/b"),
            ("https://hf.co/spaces/a/b", "a/b"),
        ] {
            assert_eq!(JobSpec::image(image).space_id.as_deref(), Some(space));
        }
        assert_eq!(
            JobSpec::image("ghcr.io/astral-sh/uv:python3.12-bookworm")
                .docker_image
                .as_deref(),
            Some("ghcr.io/astral-sh/uv:python3.12-bookworm")
        );
    }

    #[test]
    fn job_infos_keep_unknown_keys() {
        let json = json!({
            "id": "j", "createdAt": "t", "spaceId": "me/app", "command": ["x"],
            "status": {"stage": "SCHEDULING", "message": "waiting"},
            "owner": {"id": "1", "name": "me", "type": "org"},
            "tags": ["a"], "arch": "amd64"
        });
        let job: JobInfo = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(job.status.stage, JobStage::Other("SCHEDULING".into()));
        assert!(!job.status.stage.is_active());
        assert_eq!(job.spec.other["arch"], "amd64");
        assert_eq!(serde_json::to_value(&job).unwrap(), json);
    }
}
