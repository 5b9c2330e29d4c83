//! The payload model against every fixture: typed access, lossless round trips, tolerance of what
//! the Hub may add, and clear refusals.

mod common;

use common::{fixture, fixture_names};
use serde_json::{Value, json};
use webhooks::WebhookPayload;
use webhooks::payload::{Action, DiscussionStatus, PayloadError, RepoType, Scope};

fn parse(name: &str) -> WebhookPayload {
    WebhookPayload::from_slice(&fixture(name)).unwrap_or_else(|err| panic!("{name}: {err}"))
}

#[test]
fn every_fixture_round_trips_losslessly() {
    let names = fixture_names();
    assert_eq!(names.len(), 9);
    for name in names {
        let original: Value = serde_json::from_slice(&fixture(&name)).unwrap();
        let payload = parse(&name);
        let written = serde_json::to_value(&payload).unwrap();
        assert_eq!(written, original, "{name}");
        let again: WebhookPayload = serde_json::from_value(written).unwrap();
        assert_eq!(again, payload, "{name}");
    }
}

#[test]
fn discussion_with_comment() {
    let payload = parse("discussion__create__hfhub-test.json");
    assert_eq!(payload.event.scope, "discussion");
    assert_eq!(payload.event.action, Action::Create);
    let discussion = payload.discussion.unwrap();
    assert_eq!(discussion.num, 19);
    assert!(discussion.is_pull_request);
    assert_eq!(discussion.status, DiscussionStatus::Open);
    assert_eq!(discussion.changes.unwrap().base, "refs/heads/main");
    let comment = payload.comment.unwrap();
    assert_eq!(
        comment.content.as_deref(),
        Some("Add co2 emissions information to the model card")
    );
    assert!(!comment.hidden);
    assert_eq!(comment.url.api, None);
    assert_eq!(payload.repo.head_sha, None);
}

#[test]
fn discussion_without_comment() {
    let payload = parse("discussion__update__hfhub-test.json");
    assert!(payload.comment.is_none());
    assert!(payload.discussion.is_some());
}

#[test]
fn repo_content_with_updated_refs() {
    let payload = parse("repo.content__update__hfhub-test.json");
    assert_eq!(payload.repo.repo_type, RepoType::Space);
    assert_eq!(
        payload.repo.subdomain.as_deref(),
        Some("wauplin-gradio-user-history")
    );
    assert_eq!(
        payload.repo.head_sha.as_deref(),
        Some("5e7f29fffcc579cb52539fddb14a1a4f85f39e44")
    );
    let refs = payload.updated_refs.unwrap();
    assert_eq!(refs[0].reference, "refs/pr/5");
    assert_eq!(refs[0].old_sha, None);
    assert!(refs[0].is_created());
    assert_eq!(refs[0].branch(), None);

    let payload = parse("repo.content__update__hub-docs-composed.json");
    let refs = payload.updated_refs.unwrap();
    assert_eq!(refs[0].branch(), Some("main"));
    assert!(!refs[0].is_created() && !refs[0].is_deleted());
}

#[test]
fn repo_config_keeps_updated_config() {
    let payload = parse("repo.config__update__hub-docs-composed.json");
    assert_eq!(payload.updated_config.unwrap().private, Some(false));
}

#[test]
fn fields_the_hub_may_add_are_tolerated() {
    let mut value: Value =
        serde_json::from_slice(&fixture("repo.config__update__hub-docs-composed.json")).unwrap();
    value["event"] = json!({"action": "archive", "scope": "repo.config.dois"});
    value["repo"]["type"] = json!("kernel");
    value["repo"]["tags"] = json!(["text-generation"]);
    value["updatedConfig"] = json!({"private": true, "gated": "auto"});
    value["brandNew"] = json!(1);
    let payload = WebhookPayload::from_slice(value.to_string().as_bytes()).unwrap();
    assert_eq!(payload.event.action, Action::Other("archive".into()));
    assert_eq!(payload.repo.repo_type, RepoType::Other("kernel".into()));
    assert!(payload.event.scope.is_within("repo.config"));
    assert!(payload.event.scope.is_within("repo"));
    assert_eq!(payload.event.scope.parent(), Some("repo.config"));
    assert_eq!(payload.repo.tags, Some(vec!["text-generation".to_owned()]));
    let config = payload.updated_config.clone().unwrap();
    assert_eq!(config.other["gated"], "auto");
    // Known and unknown values alike are written back as the Hub sent them; unknown keys are not.
    let written = serde_json::to_value(&payload).unwrap();
    assert_eq!(
        written["event"],
        json!({"action": "archive", "scope": "repo.config.dois"})
    );
    assert_eq!(written["repo"]["type"], "kernel");
    assert_eq!(
        written["updatedConfig"],
        json!({"private": true, "gated": "auto"})
    );
    assert!(written.get("brandNew").is_none());
}

#[test]
fn scopes_nest_by_dotted_prefix() {
    let scope = Scope::from("repo.content");
    assert!(scope.is_within("repo") && scope.is_within("repo.content"));
    assert!(!scope.is_within("repo.config") && !scope.is_within("discussion"));
    assert!(!Scope::from("repository").is_within("repo"));
    assert_eq!(Scope::from("repo").parent(), None);
    assert_eq!(serde_json::to_string(&scope).unwrap(), r#""repo.content""#);
}

#[test]
fn refusals_name_the_problem() {
    let err = WebhookPayload::from_slice(br#"{"event": "add", "scope": "repo"}"#).unwrap_err();
    assert_eq!(err, PayloadError::LegacyVersion2);
    let mut value: Value =
        serde_json::from_slice(&fixture("discussion__create__hfhub-test.json")).unwrap();
    value["webhook"]["version"] = json!(2);
    let err = WebhookPayload::from_slice(value.to_string().as_bytes()).unwrap_err();
    assert_eq!(err, PayloadError::UnsupportedVersion(2));
    assert_eq!(err.path(), "webhook.version");
    value["repo"]["private"] = json!(null);
    value["webhook"]["version"] = json!(3);
    let err = WebhookPayload::from_slice(value.to_string().as_bytes()).unwrap_err();
    assert_eq!(err.path(), "repo.private");
    assert!(err.to_string().starts_with(
        "invalid webhook payload at `repo.private`: invalid type: null, expected a boolean"
    ));
}

/// Bytes that are not UTF-8 are judged where they are: inside a string the model skips they do
/// not matter (as with serde_json's byte decoder), inside a string it keeps they are refused with
/// the field's path.
#[test]
fn bytes_that_are_not_utf8_are_judged_where_they_are() {
    let mut value: Value =
        serde_json::from_slice(&fixture("discussion__create__hfhub-test.json")).unwrap();
    value["notAField"] = json!("MARK");
    let text = value.to_string();
    let skipped = text.replace("MARK", "a\u{e9}").into_bytes();
    let skipped_raw = not_utf8_at_mark(&text);
    assert!(std::str::from_utf8(&skipped_raw).is_err());
    let accepted = WebhookPayload::from_slice(&skipped_raw).unwrap();
    assert_eq!(accepted, WebhookPayload::from_slice(&skipped).unwrap());
    assert_eq!(accepted.repo.name, "gpt2");

    value.as_object_mut().unwrap().remove("notAField");
    value["repo"]["name"] = json!("MARK");
    let kept_raw = not_utf8_at_mark(&value.to_string());
    let err = WebhookPayload::from_slice(&kept_raw).unwrap_err();
    assert_eq!(err.path(), "repo.name");
    assert!(
        err.to_string()
            .starts_with("invalid webhook payload at `repo.name`: invalid unicode code point"),
        "{err}"
    );
}

/// `text` with its `MARK` replaced by `a` and a byte that is never UTF-8.
fn not_utf8_at_mark(text: &str) -> Vec<u8> {
    let mut bytes = text.replace("MARK", "a@").into_bytes();
    let at = bytes.iter().position(|&byte| byte == b'@').unwrap();
    bytes[at] = 0xff;
    bytes
}
