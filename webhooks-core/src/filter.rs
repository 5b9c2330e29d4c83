//! What an endpoint's filter may say: `scope`, `action`, `repo_type` and `repo`, each checked
//! against what the Hub sends, with a suggestion for a near miss.
//!
//! # Examples
//! ```
//! use webhooks_core::filter;
//!
//! assert!(filter::check_scope("repo.content").is_ok());
//! assert!(filter::check_scope("repo.config.dois").is_ok()); // narrower than a known scope
//! assert_eq!(filter::check_scope("repo.contnet").unwrap_err().help(), "did you mean `repo.content`?");
//! assert!(filter::check_repo("gpt2").is_ok()); // repos without a namespace exist
//! assert!(filter::check_repo("a/b/c").is_err());
//! ```

use crate::vocabulary::is_within;
use crate::{Action, Invalid, RepoType, Scope};

/// A known scope, or a narrower one below a known scope (the Hub adds those, e.g.
/// `repo.config.dois`) that is not a near miss of a known one (`repo.contnet` is a typo).
pub fn check_scope(scope: &str) -> Result<(), Invalid> {
    if Scope::KNOWN.contains(&scope) {
        return Ok(());
    }
    let narrower = Scope::KNOWN
        .iter()
        .any(|known| is_within(scope, known) && scope.len() > known.len() + 1);
    let well_formed = !scope.split('.').any(str::is_empty);
    if narrower && well_formed && closest(scope, Scope::KNOWN).is_none() {
        return Ok(());
    }
    Err(unknown_value(scope, "scope", Scope::KNOWN))
}

/// One of the actions the Hub sends.
pub fn check_action(action: &str) -> Result<(), Invalid> {
    check_known(action, "action", Action::KNOWN.iter().map(Action::as_str))
}

/// One of the repo types the Hub sends.
pub fn check_repo_type(repo_type: &str) -> Result<(), Invalid> {
    check_known(
        repo_type,
        "repo_type",
        RepoType::KNOWN.iter().map(RepoType::as_str),
    )
}

/// A repo name as the Hub writes it: `owner/name`, or a bare `name` for the legacy repos without a
/// namespace (`gpt2`).
pub fn check_repo(repo: &str) -> Result<(), Invalid> {
    let segments: Vec<&str> = repo.split('/').collect();
    let valid = segments.len() <= 2
        && segments.iter().all(|segment| !segment.is_empty())
        && !repo.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(())
    } else {
        Err(Invalid::new(
            format!("`{repo}` is not a repo name"),
            "write the repo's full name, `owner/name` (or `name` for a repo without a namespace, such as `gpt2`), e.g. `repo = \"my-org/my-dataset\"`",
        ))
    }
}

fn check_known<'a>(
    value: &str,
    what: &str,
    known: impl Iterator<Item = &'a str>,
) -> Result<(), Invalid> {
    let known: Vec<&str> = known.collect();
    if known.contains(&value) {
        Ok(())
    } else {
        Err(unknown_value(value, what, &known))
    }
}

fn unknown_value(value: &str, what: &str, known: &[&str]) -> Invalid {
    let list = quoted_list(known);
    let help = match closest(value, known) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None => format!("use one of {list}"),
    };
    Invalid::new(
        format!("unknown {what} `{value}`; the Hub sends {list}"),
        help,
    )
}

/// `` `a`, `b`, `c` ``.
pub fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The candidate closest to `value`, when it is a plausible typo of it (an edit distance of at
/// most a third of the candidate's length).
///
/// # Examples
/// ```
/// use webhooks_core::filter::closest;
///
/// assert_eq!(closest("scopes", &["path", "scope", "action"]), Some("scope"));
/// assert_eq!(closest("kernel", &["model", "dataset", "space"]), None);
/// ```
pub fn closest<'a>(value: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (strsim::levenshtein(value, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= candidate.len().div_ceil(3).max(1))
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_for_typos() {
        assert_eq!(closest("repo.contnet", Scope::KNOWN), Some("repo.content"));
        assert_eq!(
            closest("updat", &["create", "update", "delete", "move"]),
            Some("update")
        );
        assert_eq!(
            closest("datset", &["model", "dataset", "space"]),
            Some("dataset")
        );
        assert_eq!(closest("kernel", &["model", "dataset", "space"]), None);
    }

    #[test]
    fn scopes_narrower_than_known_ones_are_accepted() {
        assert!(check_scope("repo.config.dois").is_ok());
        assert!(check_scope("discussion").is_ok());
        assert!(check_scope("repository").is_err());
        assert!(check_scope("repo.").is_err());
        assert!(check_scope("repo..x").is_err());
        assert!(check_scope("repo.contnet").is_err());
    }

    #[test]
    fn messages() {
        let invalid = check_scope("repo.contnet").unwrap_err();
        assert_eq!(
            invalid.message(),
            "unknown scope `repo.contnet`; the Hub sends `repo`, `repo.content`, `repo.config`, `discussion`, `discussion.comment`"
        );
        assert_eq!(invalid.help(), "did you mean `repo.content`?");
        assert_eq!(
            check_repo_type("datset").unwrap_err().help(),
            "did you mean `dataset`?"
        );
    }

    #[test]
    fn repo_names() {
        for good in ["gpt2", "openai-community/gpt2", "me/data.set_1"] {
            assert!(check_repo(good).is_ok(), "{good}");
        }
        for bad in ["", "/x", "x/", "a/b/c", "my org/x", "a//b"] {
            assert!(check_repo(bad).is_err(), "{bad:?}");
        }
    }
}
