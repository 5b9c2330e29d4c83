//! Acting on the delivery a handler received: [`HubClient::reply`] answers the discussion it is
//! about, [`HubClient::run_job_for`] hands it to a Hub Job.
//!
//! Both take the payload as anything that serialises to the Hub's payload JSON (version 3): the
//! `webhooks` crate's `WebhookPayload` (which serialises back to the Hub's JSON), a
//! `serde_json::Value`, or your own type. They read the few fields they need from it (`repo.name`,
//! `repo.type`, `discussion.num`), so this crate needs no server types.

use serde::{Deserialize, Serialize};

use crate::client::HubClient;
use crate::discussions::DiscussionComment;
use crate::error::Error;
use crate::jobs::{JobInfo, JobSpec};
use crate::repo::RepoRef;

/// The environment variable holding the payload's JSON in a Job started for a delivery (what
/// `WebhookPayload::from_env()` reads).
pub const PAYLOAD_VAR: &str = "WEBHOOK_PAYLOAD";
/// The environment variable holding the repo's id (`owner/name`) in such a Job.
pub const REPO_ID_VAR: &str = "WEBHOOK_REPO_ID";
/// The environment variable holding the repo's type (`model`, `dataset`, `space`) in such a Job.
pub const REPO_TYPE_VAR: &str = "WEBHOOK_REPO_TYPE";

/// What acting on a delivery needs from its payload.
#[derive(Debug)]
struct Delivery {
    json: String,
    repo: RepoRef,
    discussion_num: Option<u64>,
}

impl Delivery {
    fn read(payload: &impl Serialize) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct Fields {
            repo: Repo,
            #[serde(default)]
            discussion: Option<Discussion>,
        }
        #[derive(Deserialize)]
        struct Repo {
            name: String,
            #[serde(rename = "type")]
            repo_type: String,
        }
        #[derive(Deserialize)]
        struct Discussion {
            num: u64,
        }
        let json = serde_json::to_string(payload).map_err(|error| {
            Error::InvalidArgument(format!("the payload cannot be serialised: {error}"))
        })?;
        let fields: Fields = serde_json::from_str(&json).map_err(|error| {
            Error::InvalidArgument(format!(
                "not a webhook payload (it needs `repo.name` and `repo.type`): {error}"
            ))
        })?;
        Ok(Self {
            repo: RepoRef::new(fields.repo.repo_type, fields.repo.name),
            discussion_num: fields.discussion.map(|discussion| discussion.num),
            json,
        })
    }
}

impl HubClient {
    /// Comments `text` in the discussion or pull request a `discussion` or `discussion.comment`
    /// payload is about: [`comment_discussion`](Self::comment_discussion) on its repo and
    /// number.
    ///
    /// A bot must not answer its own comments (each reply would be a new delivery): compare
    /// `comment.author.id` with [`whoami`](Self::whoami)'s `id` first.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`], before any request, for a payload without a `discussion` or
    /// a `repo`.
    ///
    /// # Examples
    /// ```no_run
    /// use serde_json::json;
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// // In a handler, `payload` is the `WebhookPayload` the server parsed.
    /// let payload = json!({
    ///     "event": {"action": "create", "scope": "discussion"},
    ///     "repo": {"type": "model", "name": "me/my-model"},
    ///     "discussion": {"num": 4}
    /// });
    /// hub.reply(&payload, "Thanks! A maintainer will look at it.").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn reply(
        &self,
        payload: &impl Serialize,
        text: &str,
    ) -> Result<DiscussionComment, Error> {
        let delivery = Delivery::read(payload)?;
        let Some(num) = delivery.discussion_num else {
            return Err(Error::InvalidArgument(
                "the payload has no `discussion`: `reply` answers `discussion` and \
                 `discussion.comment` events"
                    .into(),
            ));
        };
        self.comment_discussion(&delivery.repo, num, text).await
    }

    /// Starts `job` for a delivery: the payload's JSON in `WEBHOOK_PAYLOAD`, its repo in
    /// `WEBHOOK_REPO_ID` and `WEBHOOK_REPO_TYPE`, as the Hub passes them to the Jobs its
    /// webhooks start, so that `WebhookPayload::from_env()` reads them in the Job. Add the
    /// delivery's id (its `Webhook-Id` header) with [`JobSpec::delivery_id`].
    ///
    /// The server answers at once and the Job does the heavy work on Hub hardware.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`], before any request, for a payload without a `repo`; then as
    /// [`run_job`](Self::run_job).
    ///
    /// # Examples
    /// ```no_run
    /// use serde_json::json;
    /// use webhooks_hub::JobSpec;
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let payload = json!({"repo": {"type": "dataset", "name": "me/my-dataset"}});
    /// let job = hub
    ///     .run_job_for(
    ///         &payload,
    ///         JobSpec::image("python:3.12")
    ///             .command(["python", "-c", "import os; print(os.environ['WEBHOOK_PAYLOAD'])"])
    ///             .delivery_id("a delivery's Webhook-Id"),
    ///     )
    ///     .await?;
    /// println!("{}", hub.job_url(&job));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run_job_for(
        &self,
        payload: &impl Serialize,
        job: JobSpec,
    ) -> Result<JobInfo, Error> {
        let delivery = Delivery::read(payload)?;
        let job = job
            .env(REPO_ID_VAR, delivery.repo.id)
            .env(REPO_TYPE_VAR, delivery.repo.repo_type.as_str())
            .env(PAYLOAD_VAR, delivery.json);
        self.run_job(job).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_fields_come_from_the_payload_json() {
        let delivery = Delivery::read(&json!({
            "repo": {"type": "space", "name": "me/app", "private": false},
            "discussion": {"num": 7, "title": "t"}
        }))
        .unwrap();
        assert_eq!(delivery.repo, RepoRef::space("me/app"));
        assert_eq!(delivery.discussion_num, Some(7));
        assert_eq!(
            delivery.json,
            r#"{"discussion":{"num":7,"title":"t"},"repo":{"name":"me/app","private":false,"type":"space"}}"#
        );

        let error = Delivery::read(&json!({"event": {}})).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("not a webhook payload (it needs `repo.name` and `repo.type`): "),
            "{error}"
        );
    }
}
