//! `event`: what happened (`action`) and to what (`scope`).

use serde::{Deserialize, Serialize};

pub use webhooks_core::{Action, Scope};

/// The `event` object: what happened, and to which part of the repo.
///
/// # Examples
/// ```
/// # use webhooks_runtime::payload::{Action, Event};
/// let event: Event = serde_json::from_str(r#"{"action":"update","scope":"repo.content"}"#).unwrap();
/// assert_eq!(event.action, Action::Update);
/// assert!(event.scope.is_within("repo"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Event {
    /// What happened: `create`, `update`, `delete`, `move`, or a future action.
    pub action: Action,
    /// What it happened to: `repo`, `repo.content`, `discussion`, ... (a dotted path).
    pub scope: Scope,
}
