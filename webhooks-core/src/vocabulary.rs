//! The Hub's words for what happened ([`Action`]), to what ([`Scope`]) and where ([`RepoType`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

crate::string_enum! {
    /// The `event.action` of a delivery.
    ///
    /// Unknown future actions parse as [`Action::Other`] instead of failing the delivery.
    pub enum Action {
        /// Something was created (a repo, a discussion, a comment).
        Create = "create",
        /// Something was updated (a push, a config change, a status change).
        Update = "update",
        /// Something was deleted.
        Delete = "delete",
        /// A repo was moved or renamed (see `movedTo`).
        Move = "move",
    }
}

crate::string_enum! {
    /// The kind of repository (`repo.type`).
    pub enum RepoType {
        /// A model repo.
        Model = "model",
        /// A dataset repo.
        Dataset = "dataset",
        /// A Space.
        Space = "space",
    }
}

/// The `event.scope` of a delivery: a dotted path such as `repo.content`.
///
/// The Hub may send narrower scopes in the future (`repo.config.dois` exists already); its rule is
/// that an unknown narrower scope is an `update` on the broader one. [`Scope::is_within`] implements
/// that rule, so `scope.is_within("repo")` stays true whatever the Hub adds below `repo`.
///
/// # Examples
/// ```
/// # use webhooks_core::Scope;
/// let scope = Scope::from("repo.config.dois");
/// assert!(scope.is_within("repo.config"));
/// assert!(scope.is_within("repo"));
/// assert!(!scope.is_within("repo.content"));
/// assert!(!Scope::from("repository").is_within("repo"));
/// assert_eq!(scope, "repo.config.dois");
/// assert_eq!(scope.parent(), Some("repo.config"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(String);

impl Scope {
    /// The scopes the Hub sends today, broadest first; narrower ones below them may come.
    pub const KNOWN: &'static [&'static str] = &[
        "repo",
        "repo.content",
        "repo.config",
        "discussion",
        "discussion.comment",
    ];

    /// The scope as the Hub wrote it, e.g. `"repo.content"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this scope is `broader` itself or a narrower scope below it
    /// (`repo.content` is within `repo`; `repository` is not).
    pub fn is_within(&self, broader: &str) -> bool {
        is_within(&self.0, broader)
    }

    /// The scope one level broader (`repo.content` → `repo`), or `None` for a top-level scope.
    pub fn parent(&self) -> Option<&str> {
        self.0.rsplit_once('.').map(|(parent, _)| parent)
    }
}

/// Whether `scope` is `broader` or below it.
pub(crate) fn is_within(scope: &str, broader: &str) -> bool {
    match scope.strip_prefix(broader) {
        Some(rest) => rest.is_empty() || rest.starts_with('.'),
        None => false,
    }
}

impl From<&str> for Scope {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for Scope {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Scope {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Scope {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl AsRef<str> for Scope {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}
