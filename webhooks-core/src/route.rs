//! How a webhook path becomes the route it is served at.

use crate::Invalid;

/// Every webhook route starts with this.
pub const ROUTE_PREFIX: &str = "/webhooks/";

const HELP: &str = "write a path such as \"/trigger_training\" or \"ci/retrain\"";

/// The route a webhook path is served at: `/webhooks/` followed by `path` without its outer
/// slashes, as `huggingface_hub` does (`"/a/b/"` → `/webhooks/a/b`).
///
/// Unlike the reference, a path that leaves nothing after `/webhooks/`, or that holds an empty
/// segment, whitespace, a control character, `?`, `#` or `%`, is refused, saying why.
///
/// # Examples
/// ```
/// # use webhooks_core::route;
/// assert_eq!(route("trigger_training").unwrap(), "/webhooks/trigger_training");
/// assert_eq!(route("/test_webhook").unwrap(), "/webhooks/test_webhook");
/// assert_eq!(route("/a/b/").unwrap(), "/webhooks/a/b");
/// assert_eq!(
///     route("a b").unwrap_err().message(),
///     "the webhook path \"a b\" contains whitespace"
/// );
/// assert!(route("//").is_err());
/// ```
pub fn route(path: &str) -> Result<String, Invalid> {
    let trimmed = path.trim_matches('/');
    let refuse = |what: String| {
        Err(Invalid::new(
            format!("the webhook path {path:?} {what}"),
            HELP,
        ))
    };
    if trimmed.is_empty() {
        return refuse("is empty once its outer `/` are removed".into());
    }
    if trimmed.split('/').any(str::is_empty) {
        return refuse("contains an empty segment (`//`)".into());
    }
    if let Some(bad) = trimmed
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        return refuse(if bad.is_whitespace() {
            "contains whitespace".into()
        } else {
            "contains a control character".into()
        });
    }
    if let Some(bad) = trimmed.chars().find(|c| matches!(c, '?' | '#' | '%')) {
        return refuse(format!("contains `{bad}`, which cannot be part of a route"));
    }
    Ok(format!("{ROUTE_PREFIX}{trimmed}"))
}

#[cfg(test)]
mod tests {
    use super::route;

    #[test]
    fn reference_normalisation() {
        assert_eq!(route("/test_webhook").unwrap(), "/webhooks/test_webhook");
        assert_eq!(route("test_webhook").unwrap(), "/webhooks/test_webhook");
        assert_eq!(route("/a/b/").unwrap(), "/webhooks/a/b");
        assert_eq!(route("///x///").unwrap(), "/webhooks/x");
    }

    #[test]
    fn refusals_say_why() {
        let why = |path| route(path).unwrap_err().message().to_owned();
        assert_eq!(
            why(""),
            "the webhook path \"\" is empty once its outer `/` are removed"
        );
        assert!(why("//").ends_with("is empty once its outer `/` are removed"));
        assert!(why("a//b").ends_with("contains an empty segment (`//`)"));
        assert!(why("a b").ends_with("contains whitespace"));
        assert!(why("a\u{7}").ends_with("contains a control character"));
        assert!(why("a?x=1").ends_with("contains `?`, which cannot be part of a route"));
        assert!(why("a#b").contains("`#`"));
        assert!(why("a%20b").contains("`%`"));
        assert_eq!(
            route("a b").unwrap_err().help(),
            "write a path such as \"/trigger_training\" or \"ci/retrain\""
        );
    }
}
