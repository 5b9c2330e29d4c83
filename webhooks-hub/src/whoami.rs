//! [`HubClient::whoami`]: who the token belongs to.

use serde::{Deserialize, Serialize};

use crate::client::HubClient;
use crate::error::Error;

/// The account a token belongs to (`GET /api/whoami-v2`): the fields a program acts on, and
/// every other key of the Hub's answer in [`other`](Self::other).
///
/// # Examples
/// ```
/// use webhooks_hub::WhoAmI;
///
/// let me: WhoAmI = serde_json::from_str(r#"{
///     "type": "user", "id": "5e9ecfc04957053f60648a3e", "name": "lhoestq",
///     "fullname": "Quentin Lhoest", "orgs": [{"name": "huggingface", "id": "5e67bd5b1009063689407478"}],
///     "isPro": true
/// }"#).unwrap();
/// assert_eq!(me.name, "lhoestq");
/// assert_eq!(me.orgs[0].name, "huggingface");
/// assert_eq!(me.other["isPro"], true);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WhoAmI {
    /// `user`, or `org` for an organization's token.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The account's id: what a webhook payload names as `comment.author.id`,
    /// `discussion.author.id` or `repo.owner.id`.
    pub id: String,
    /// The account's name: the namespace of its repos and Jobs.
    pub name: String,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fullname: Option<String>,
    /// The organizations the user belongs to.
    #[serde(default)]
    pub orgs: Vec<Org>,
    /// Every other key of the answer (email, plan, the token's permissions in `auth`, ...).
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// An organization in [`WhoAmI::orgs`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Org {
    /// Its name.
    pub name: String,
    /// Its id, when the Hub sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Every other key.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl HubClient {
    /// Who the token belongs to (`GET /api/whoami-v2`), asked anew on every call.
    ///
    /// # Errors
    /// [`Error::Api`] with [`ApiErrorKind::Unauthorized`](crate::ApiErrorKind::Unauthorized)
    /// for an invalid or expired token.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn run(hub: webhooks_hub::HubClient) -> Result<(), webhooks_hub::Error> {
    /// let me = hub.whoami().await?;
    /// println!("logged in as {} ({})", me.name, me.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn whoami(&self) -> Result<WhoAmI, Error> {
        self.get_json("/api/whoami-v2").await
    }
}
