//! A borrowed look at a delivery's event and repo, without building a whole payload: what filters
//! and the activity log need.

use std::borrow::Cow;

use serde::Deserialize;

/// `event.scope`, `event.action`, `repo.name` and `repo.type` of a body, borrowed where the JSON
/// has no escapes.
#[derive(Debug, Deserialize)]
pub(crate) struct Summary<'a> {
    #[serde(borrow)]
    pub(crate) event: EventSummary<'a>,
    #[serde(borrow)]
    pub(crate) repo: RepoSummary<'a>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EventSummary<'a> {
    #[serde(borrow)]
    pub(crate) scope: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) action: Cow<'a, str>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RepoSummary<'a> {
    #[serde(borrow)]
    pub(crate) name: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    pub(crate) repo_type: Cow<'a, str>,
}

impl<'a> Summary<'a> {
    /// The summary of `body`, or `None` when it is not an event at all.
    pub(crate) fn read(body: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(body).ok()
    }
}
