//! [`RepoRef`]: which repo a call is about, and how it appears in the Hub's URLs.

use std::fmt;

use crate::RepoType;
use crate::client::segment;
use crate::error::Error;

/// A repo on the Hub: its type and its id (`owner/name`, or a bare `name` for some historic
/// models such as `gpt2`).
///
/// The API path of a repo is `/api/{type}s/{id}` (`/api/datasets/me/data`), the id keeping its
/// slash, as `huggingface_hub` builds it. A type other than model, dataset or space, and ids
/// that are empty, have more than one slash, or have a `.` or `..` part, are refused before
/// any request.
///
/// # Examples
/// ```
/// use webhooks_hub::{RepoRef, RepoType};
///
/// let repo = RepoRef::dataset("me/my-dataset");
/// assert_eq!(repo.repo_type, RepoType::Dataset);
/// assert_eq!(repo.to_string(), "dataset:me/my-dataset");
/// assert_eq!(RepoRef::new("space", "me/app"), RepoRef::space("me/app"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RepoRef {
    /// Model, dataset or space.
    pub repo_type: RepoType,
    /// `owner/name`.
    pub id: String,
}

impl RepoRef {
    /// A repo of this type (anything [`RepoType`] converts from, such as `"dataset"`).
    pub fn new(repo_type: impl Into<RepoType>, id: impl Into<String>) -> Self {
        Self {
            repo_type: repo_type.into(),
            id: id.into(),
        }
    }

    /// A model repo.
    pub fn model(id: impl Into<String>) -> Self {
        Self::new(RepoType::Model, id)
    }

    /// A dataset repo.
    pub fn dataset(id: impl Into<String>) -> Self {
        Self::new(RepoType::Dataset, id)
    }

    /// A Space.
    pub fn space(id: impl Into<String>) -> Self {
        Self::new(RepoType::Space, id)
    }

    /// `/api/{type}s/{id}`.
    pub(crate) fn api_path(&self) -> Result<String, Error> {
        Ok(format!("/api/{}/{}", self.plural()?, self.encoded_id()?))
    }

    /// The web page's path: `/{id}` for a model, `/{type}s/{id}` for the others.
    pub(crate) fn web_path(&self) -> Result<String, Error> {
        Ok(match self.repo_type {
            RepoType::Model => format!("/{}", self.encoded_id()?),
            _ => format!("/{}/{}", self.plural()?, self.encoded_id()?),
        })
    }

    fn plural(&self) -> Result<&'static str, Error> {
        match self.repo_type {
            RepoType::Model => Ok("models"),
            RepoType::Dataset => Ok("datasets"),
            RepoType::Space => Ok("spaces"),
            _ => Err(Error::InvalidArgument(format!(
                "invalid repo type `{}`: expected model, dataset or space",
                self.repo_type
            ))),
        }
    }

    /// The id's one or two parts, each a checked, percent-encoded path segment.
    fn encoded_id(&self) -> Result<String, Error> {
        let parts: Vec<&str> = self.id.split('/').collect();
        if parts.len() > 2 {
            return Err(Error::InvalidArgument(format!(
                "invalid repo id `{}`: expected `name` or `owner/name`",
                self.id
            )));
        }
        let parts = parts
            .iter()
            .map(|part| segment("repo id part", part))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(parts.join("/"))
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.repo_type, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_keep_the_owner_slash() {
        assert_eq!(
            RepoRef::model("openai-community/gpt2").api_path().unwrap(),
            "/api/models/openai-community/gpt2"
        );
        assert_eq!(
            RepoRef::dataset("me/data.v2").api_path().unwrap(),
            "/api/datasets/me/data.v2"
        );
        assert_eq!(
            RepoRef::space("me/app").api_path().unwrap(),
            "/api/spaces/me/app"
        );
        assert_eq!(
            RepoRef::model("gpt2").api_path().unwrap(),
            "/api/models/gpt2"
        );
        assert_eq!(
            RepoRef::model("a b/c?d").api_path().unwrap(),
            "/api/models/a%20b/c%3Fd"
        );
        assert_eq!(RepoRef::model("me/m").web_path().unwrap(), "/me/m");
        assert_eq!(
            RepoRef::dataset("me/d").web_path().unwrap(),
            "/datasets/me/d"
        );
    }

    #[test]
    fn bad_repos_are_refused() {
        for (repo, message) in [
            (
                RepoRef::new("collection", "me/x"),
                "invalid repo type `collection`: expected model, dataset or space",
            ),
            (
                RepoRef::model("a/b/c"),
                "invalid repo id `a/b/c`: expected `name` or `owner/name`",
            ),
            (RepoRef::model("me/"), "the repo id part is empty"),
            (RepoRef::model(""), "the repo id part is empty"),
            (
                RepoRef::model("../x"),
                "`..` is not a valid repo id part: it would change the meaning of the URL path",
            ),
        ] {
            assert_eq!(repo.api_path().unwrap_err().to_string(), message, "{repo}");
        }
    }
}
