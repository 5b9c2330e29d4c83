//! Hub Jobs: a webhook can start a Job instead of calling a URL, and the Job receives the payload
//! in its environment. [`WebhookPayload::from_env`] reads it, so the same handler code runs in a
//! server and in a Job.

use std::fmt;

use super::{PayloadError, WebhookPayload};

/// The variable holding the payload's JSON in a Job started by a webhook.
pub const PAYLOAD_VAR: &str = "WEBHOOK_PAYLOAD";
/// The variable holding the repo's name (`owner/name`) in such a Job.
pub const REPO_ID_VAR: &str = "WEBHOOK_REPO_ID";
/// The variable holding the repo's type (`model`, `dataset`, `space`) in such a Job.
pub const REPO_TYPE_VAR: &str = "WEBHOOK_REPO_TYPE";

impl WebhookPayload {
    /// The payload of the webhook that started this Hub Job, from `WEBHOOK_PAYLOAD`.
    ///
    /// When the Job also has `WEBHOOK_REPO_ID` and `WEBHOOK_REPO_TYPE`, they must agree with the
    /// payload, so a Job started by hand with a stale payload fails loudly instead of working on
    /// the wrong repo.
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_runtime::WebhookPayload;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let payload = WebhookPayload::from_env()?;
    ///     println!("triggered by {} on {}", payload.event.scope, payload.repo.name);
    ///     Ok(())
    /// }
    /// ```
    pub fn from_env() -> Result<Self, FromEnvError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` (for tests).
    ///
    /// # Examples
    /// ```
    /// # use webhooks_runtime::WebhookPayload;
    /// # use webhooks_runtime::payload::FromEnvError;
    /// let json = WebhookPayload::sample_json("repo.content").unwrap();
    /// let env = |name: &str| match name {
    ///     "WEBHOOK_PAYLOAD" => Some(json.to_owned()),
    ///     "WEBHOOK_REPO_ID" => Some("someone/else".to_owned()),
    ///     _ => None,
    /// };
    /// let err = WebhookPayload::from_env_with(env).unwrap_err();
    /// assert!(matches!(err, FromEnvError::Mismatch { .. }));
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, FromEnvError> {
        let json = lookup(PAYLOAD_VAR)
            .filter(|json| !json.is_empty())
            .ok_or(FromEnvError::Missing)?;
        let payload = Self::from_slice(json.as_bytes()).map_err(FromEnvError::Invalid)?;
        if let Some(repo) = lookup(REPO_ID_VAR).filter(|repo| !repo.is_empty())
            && repo != payload.repo.name
        {
            return Err(FromEnvError::Mismatch {
                variable: REPO_ID_VAR,
                value: repo,
                payload: payload.repo.name,
            });
        }
        if let Some(repo_type) = lookup(REPO_TYPE_VAR).filter(|repo_type| !repo_type.is_empty())
            && repo_type != payload.repo.repo_type.as_str()
        {
            return Err(FromEnvError::Mismatch {
                variable: REPO_TYPE_VAR,
                value: repo_type,
                payload: payload.repo.repo_type.to_string(),
            });
        }
        Ok(payload)
    }
}

/// Why [`WebhookPayload::from_env`] found no usable payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FromEnvError {
    /// `WEBHOOK_PAYLOAD` is not set (or empty).
    Missing,
    /// `WEBHOOK_PAYLOAD` is not a valid payload.
    Invalid(PayloadError),
    /// `WEBHOOK_REPO_ID` or `WEBHOOK_REPO_TYPE` disagrees with the payload.
    Mismatch {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What the payload says.
        payload: String,
    },
}

impl fmt::Display for FromEnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => write!(
                f,
                "{PAYLOAD_VAR} is not set: this program expects to run as a Hub Job started by a webhook \
                 (to try it locally, set {PAYLOAD_VAR} to a payload's JSON)"
            ),
            Self::Invalid(err) => write!(f, "{PAYLOAD_VAR} is not a valid webhook payload: {err}"),
            Self::Mismatch {
                variable,
                value,
                payload,
            } => {
                write!(
                    f,
                    "{variable} is {value:?} but {PAYLOAD_VAR} is about {payload:?}"
                )
            }
        }
    }
}

impl std::error::Error for FromEnvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid(err) => Some(err),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn reads_and_checks_the_job_environment() {
        let json = WebhookPayload::sample_json("repo.content").unwrap();
        let payload = WebhookPayload::from_env_with(env(&[
            (PAYLOAD_VAR, json),
            (REPO_ID_VAR, "Wauplin/gradio-user-history"),
            (REPO_TYPE_VAR, "space"),
        ]))
        .unwrap();
        assert_eq!(payload, WebhookPayload::sample_repo_content());

        assert_eq!(
            WebhookPayload::from_env_with(env(&[])),
            Err(FromEnvError::Missing)
        );
        let err =
            WebhookPayload::from_env_with(env(&[(PAYLOAD_VAR, json), (REPO_TYPE_VAR, "model")]))
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "WEBHOOK_REPO_TYPE is \"model\" but WEBHOOK_PAYLOAD is about \"space\""
        );
        let err = WebhookPayload::from_env_with(env(&[(PAYLOAD_VAR, "{")])).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "WEBHOOK_PAYLOAD is not a valid webhook payload: invalid webhook payload at `.`"
            ),
            "{err}"
        );
    }
}
