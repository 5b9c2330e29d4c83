//! Properties of the payload parser, checked on generated inputs: it never panics,
//! whatever the bytes; every valid version-3 payload parses and serialises back to the same JSON;
//! and a payload missing a required field, or with a field of the wrong type, is refused with an
//! error naming that field.

mod common;

use std::sync::LazyLock;

use common::{fixture, fixture_names};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Map, Value, json};
use webhooks::WebhookPayload;
use webhooks::payload::PayloadError;

/// Every fixture payload, read once.
static FIXTURES: LazyLock<Vec<Vec<u8>>> =
    LazyLock::new(|| fixture_names().iter().map(|name| fixture(name)).collect());

const ACTIONS: &[&str] = &["create", "update", "delete", "move"];
const SCOPES: &[&str] = &[
    "repo",
    "repo.content",
    "repo.config",
    "repo.config.dois",
    "discussion",
    "discussion.comment",
];
const REPO_TYPES: &[&str] = &["model", "dataset", "space"];
const STATUSES: &[&str] = &["open", "closed", "draft", "merged"];

/// Checks what every refusal must give: a field path and a message.
fn check_error(err: &PayloadError) -> Result<(), TestCaseError> {
    prop_assert!(!err.path().is_empty(), "empty path in {err:?}");
    prop_assert!(!err.to_string().is_empty(), "empty message in {err:?}");
    Ok(())
}

/// Parses `bytes`, which must not panic; a refusal must name a path and say something, and an
/// accepted payload must survive its own round trip.
fn parse_anything(bytes: &[u8]) -> Result<(), TestCaseError> {
    match WebhookPayload::from_slice(bytes) {
        Ok(payload) => {
            let written = serde_json::to_vec(&payload).unwrap();
            let again = WebhookPayload::from_slice(&written);
            prop_assert_eq!(again.as_ref(), Ok(&payload));
        }
        Err(err) => check_error(&err)?,
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Any string: printable Unicode, any `char` at all (controls, NUL, astral planes), or the kind
/// of ASCII the Hub sends.
fn string() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        vec(any::<char>(), 0..12).prop_map(String::from_iter),
        "[a-z0-9]{1,12}(/[a-zA-Z0-9._-]{1,12})?",
    ]
    .boxed()
}

/// One of the known values of an open string set, or anything else.
fn open_set(known: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![select(known).prop_map(str::to_owned), string()].boxed()
}

/// Any JSON value, nested a few levels.
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        string().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::from),
            btree_map(string(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
    .boxed()
}

/// An object from `(key, value)` pairs, leaving out the absent (`None`) ones.
fn object(fields: impl IntoIterator<Item = (&'static str, Option<Value>)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_owned(), value?)))
            .collect(),
    )
}

fn object_id() -> impl Strategy<Value = Value> {
    string().prop_map(|id| json!({ "id": id }))
}

fn url() -> impl Strategy<Value = Value> {
    (string(), option::of(string()))
        .prop_map(|(web, api)| object([("web", Some(web.into())), ("api", api.map(Value::from))]))
}

fn event() -> impl Strategy<Value = Value> {
    (open_set(ACTIONS), open_set(SCOPES))
        .prop_map(|(action, scope)| json!({ "action": action, "scope": scope }))
}

fn repo() -> impl Strategy<Value = Value> {
    (
        (string(), string(), open_set(REPO_TYPES), any::<bool>()),
        (object_id(), url()),
        (
            option::of(string()),
            option::of(string()),
            option::of(vec(string(), 0..4)),
        ),
    )
        .prop_map(
            |((id, name, repo_type, private), (owner, url), (head_sha, subdomain, tags))| {
                object([
                    ("id", Some(id.into())),
                    ("name", Some(name.into())),
                    ("type", Some(repo_type.into())),
                    ("private", Some(private.into())),
                    ("owner", Some(owner)),
                    ("url", Some(url)),
                    ("headSha", head_sha.map(Value::from)),
                    ("subdomain", subdomain.map(Value::from)),
                    ("tags", tags.map(Value::from)),
                ])
            },
        )
}

fn discussion() -> impl Strategy<Value = Value> {
    let changes = (string(), option::of(string())).prop_map(|(base, merge)| {
        object([
            ("base", Some(base.into())),
            ("mergeCommitId", merge.map(Value::from)),
        ])
    });
    (
        (string(), any::<u64>(), object_id(), string(), url()),
        (
            any::<bool>(),
            open_set(STATUSES),
            option::of(changes),
            option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |((id, num, author, title, url), (pull_request, status, changes, pinned))| {
                object([
                    ("id", Some(id.into())),
                    ("num", Some(num.into())),
                    ("author", Some(author)),
                    ("title", Some(title.into())),
                    ("url", Some(url)),
                    ("isPullRequest", Some(pull_request.into())),
                    ("status", Some(status.into())),
                    ("changes", changes),
                    ("pinned", pinned.map(Value::from)),
                ])
            },
        )
}

fn comment() -> impl Strategy<Value = Value> {
    (
        string(),
        object_id(),
        any::<bool>(),
        url(),
        option::of(string()),
    )
        .prop_map(|(id, author, hidden, url, content)| {
            object([
                ("id", Some(id.into())),
                ("author", Some(author)),
                ("hidden", Some(hidden.into())),
                ("url", Some(url)),
                ("content", content.map(Value::from)),
            ])
        })
}

fn moved_to() -> impl Strategy<Value = Value> {
    (string(), object_id()).prop_map(|(name, owner)| json!({ "name": name, "owner": owner }))
}

/// `updatedRefs`: `oldSha` / `newSha` are always sent, `null` for a created / deleted ref.
fn updated_refs() -> impl Strategy<Value = Value> {
    let reference = (string(), option::of(string()), option::of(string())).prop_map(
        |(reference, old, new)| json!({ "ref": reference, "oldSha": old, "newSha": new }),
    );
    vec(reference, 0..4).prop_map(Value::from)
}

/// `updatedConfig`: `private` when it changed, and any other key the Hub may add.
fn updated_config() -> impl Strategy<Value = Value> {
    let others = btree_map(
        string().prop_filter("`private` is the typed key", |key| key != "private"),
        json_value(),
        0..4,
    );
    (option::of(any::<bool>()), others).prop_map(|(private, others)| {
        let mut config: Map<String, Value> = others.into_iter().collect();
        if let Some(private) = private {
            config.insert("private".to_owned(), private.into());
        }
        Value::Object(config)
    })
}

/// A valid version-3 payload, as the Hub could send it.
fn payload() -> impl Strategy<Value = Value> {
    (
        (event(), repo(), string()),
        (
            option::of(discussion()),
            option::of(comment()),
            option::of(moved_to()),
            option::of(updated_refs()),
            option::of(updated_config()),
        ),
    )
        .prop_map(
            |((event, repo, webhook_id), (discussion, comment, moved_to, refs, config))| {
                object([
                    ("event", Some(event)),
                    ("repo", Some(repo)),
                    ("webhook", Some(json!({ "id": webhook_id, "version": 3 }))),
                    ("discussion", discussion),
                    ("comment", comment),
                    ("movedTo", moved_to),
                    ("updatedRefs", refs),
                    ("updatedConfig", config),
                ])
            },
        )
}

/// An edit of a document's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bytes that JSON gives a meaning to make the parser go further than random bytes do.
    let byte = prop_oneof![
        any::<u8>(),
        select(b"{}[]\",:-+.0123456789eEtrufalsn \\/u".to_vec()),
    ];
    prop_oneof![
        (any::<Index>(), 1..=u8::MAX).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        (any::<Index>(), byte).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
        any::<Index>().prop_map(Mutation::Delete),
    ]
}

fn mutate(bytes: &mut Vec<u8>, mutation: &Mutation) {
    match *mutation {
        Mutation::Flip(at, bits) if !bytes.is_empty() => {
            let at = at.index(bytes.len());
            bytes[at] ^= bits;
        }
        Mutation::Insert(at, byte) => {
            let at = at.index(bytes.len() + 1);
            bytes.insert(at, byte);
        }
        Mutation::Delete(at) if !bytes.is_empty() => {
            bytes.remove(at.index(bytes.len()));
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Required fields

/// Every required field present in `payload`: its dotted path as an error names it, and its JSON
/// pointer.
fn required_fields(payload: &Value) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut add = |path: &str, pointer: &str, keys: &[&str]| {
        for key in keys {
            let dotted = if path.is_empty() {
                (*key).to_owned()
            } else {
                format!("{path}.{key}")
            };
            fields.push((dotted, format!("{pointer}/{key}")));
        }
    };
    add("", "", &["event", "repo", "webhook"]);
    add("event", "/event", &["action", "scope"]);
    add(
        "repo",
        "/repo",
        &["id", "name", "type", "private", "owner", "url"],
    );
    add("repo.owner", "/repo/owner", &["id"]);
    add("repo.url", "/repo/url", &["web"]);
    add("webhook", "/webhook", &["id", "version"]);
    if let Some(discussion) = payload.get("discussion") {
        add(
            "discussion",
            "/discussion",
            &[
                "id",
                "num",
                "author",
                "title",
                "url",
                "isPullRequest",
                "status",
            ],
        );
        add("discussion.author", "/discussion/author", &["id"]);
        add("discussion.url", "/discussion/url", &["web"]);
        if discussion.get("changes").is_some() {
            add("discussion.changes", "/discussion/changes", &["base"]);
        }
    }
    if payload.get("comment").is_some() {
        add("comment", "/comment", &["id", "author", "hidden", "url"]);
        add("comment.author", "/comment/author", &["id"]);
        add("comment.url", "/comment/url", &["web"]);
    }
    if payload.get("movedTo").is_some() {
        add("movedTo", "/movedTo", &["name", "owner"]);
        add("movedTo.owner", "/movedTo/owner", &["id"]);
    }
    let refs = payload.get("updatedRefs").and_then(Value::as_array);
    for index in 0..refs.map_or(0, Vec::len) {
        add(
            &format!("updatedRefs[{index}]"),
            &format!("/updatedRefs/{index}"),
            &["ref"],
        );
    }
    fields
}

/// Splits a JSON pointer into its parent's pointer and its last key.
fn split_pointer(pointer: &str) -> (&str, &str) {
    pointer.rsplit_once('/').unwrap()
}

/// A value of another JSON type than `value`, that no required field accepts.
fn wrong_type(value: &Value) -> Value {
    match value {
        Value::String(_) => json!(42),
        Value::Bool(_) | Value::Number(_) => json!("3"),
        _ => json!(true),
    }
}

/// Every object of `payload` where the model ignores unknown keys (all but `updatedConfig`, which
/// keeps them), as JSON pointers.
fn closed_objects(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key != "updatedConfig" {
                    closed_objects(child, format!("{pointer}/{key}"), out);
                }
            }
            out.push(pointer);
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                closed_objects(child, format!("{pointer}/{index}"), out);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..2048)) {
        parse_anything(&bytes)?;
    }

    #[test]
    fn json_like_noise_never_panics(
        bytes in vec(select(b"{}[]\",:-.0123456789eEtrufalsn \\".to_vec()), 0..512),
    ) {
        parse_anything(&bytes)?;
    }

    #[test]
    fn arbitrary_json_documents_never_panic(document in json_value()) {
        parse_anything(&serde_json::to_vec(&document).unwrap())?;
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in any::<Index>(),
        mutations in vec(mutation(), 1..8),
    ) {
        let mut bytes = which.get(&FIXTURES).clone();
        for mutation in &mutations {
            mutate(&mut bytes, mutation);
        }
        parse_anything(&bytes)?;
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing(
        depth in 100usize..20_000,
        place in 0usize..3,
        open in select(vec![b'[', b'{']),
    ) {
        let nested: Vec<u8> = if open == b'[' {
            [vec![b'['; depth], vec![b']'; depth]].concat()
        } else {
            [b"{\"a\":".repeat(depth), b"0".to_vec(), vec![b'}'; depth]].concat()
        };
        let mut document = FIXTURES[0].clone();
        let at = document.iter().rposition(|&byte| byte == b'}').unwrap();
        let key: &[u8] = match place {
            0 => b",\"unknownKey\":",
            1 => b",\"updatedConfig\":{\"other\":",
            _ => b",\"updatedRefs\":",
        };
        let close: &[u8] = if place == 1 { b"}" } else { b"" };
        document.splice(at..at, [key, &nested, close].concat());
        parse_anything(&document)?;
        parse_anything(&nested)?;
    }

    #[test]
    fn valid_payloads_parse_and_round_trip(payload in payload()) {
        let bytes = serde_json::to_vec(&payload).unwrap();
        let parsed = WebhookPayload::from_slice(&bytes);
        prop_assert!(parsed.is_ok(), "{:?}", parsed);
        let parsed = parsed.unwrap();
        // As read by serde_json itself, so that float parsing is the same on both sides.
        let expected: Value = serde_json::from_slice(&bytes).unwrap();
        let written = serde_json::to_value(&parsed).unwrap();
        prop_assert_eq!(&written, &expected);
        let again: WebhookPayload = serde_json::from_value(written).unwrap();
        prop_assert_eq!(again, parsed);
    }

    #[test]
    fn unknown_keys_are_ignored(
        payload in payload(),
        extra in json_value(),
        which in any::<Index>(),
        key in string(),
    ) {
        let original = WebhookPayload::from_slice(&serde_json::to_vec(&payload).unwrap()).unwrap();
        let mut objects = Vec::new();
        closed_objects(&payload, String::new(), &mut objects);
        let pointer = which.get(&objects);
        let mut changed = payload.clone();
        let target = changed.pointer_mut(pointer).unwrap().as_object_mut().unwrap();
        target.insert(format!("unknown {key}"), extra);
        let parsed = WebhookPayload::from_slice(&serde_json::to_vec(&changed).unwrap());
        prop_assert_eq!(parsed, Ok(original), "with an unknown key in `{}`", pointer);
    }

    #[test]
    fn a_missing_required_field_is_named(payload in payload()) {
        for (path, pointer) in required_fields(&payload) {
            let (parent, key) = split_pointer(&pointer);
            let mut broken = payload.clone();
            let removed = broken.pointer_mut(parent).unwrap().as_object_mut().unwrap().remove(key);
            prop_assert!(removed.is_some(), "{} is not in the payload", pointer);
            let err = WebhookPayload::from_slice(&serde_json::to_vec(&broken).unwrap());
            let Err(err) = err else {
                return Err(TestCaseError::fail(format!("parsed without `{path}`")));
            };
            check_error(&err)?;
            prop_assert_eq!(err.path(), path.as_str(), "{}", err);
            prop_assert!(err.to_string().contains(&path), "{}", err);
        }
    }

    #[test]
    fn a_required_field_of_the_wrong_type_is_named(payload in payload()) {
        for (path, pointer) in required_fields(&payload) {
            let mut broken = payload.clone();
            let field = broken.pointer_mut(&pointer).unwrap();
            *field = wrong_type(field);
            let Err(err) = WebhookPayload::from_slice(&serde_json::to_vec(&broken).unwrap()) else {
                return Err(TestCaseError::fail(format!("parsed with a wrong `{path}`")));
            };
            check_error(&err)?;
            prop_assert_eq!(err.path(), path.as_str(), "{}", err);
        }
    }
}
