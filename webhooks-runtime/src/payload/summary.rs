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

impl<'a> Summary<'a> {
    /// Like [`read`](Self::read), reading `body` only up to its `event` and `repo` (the Hub
    /// writes them first), so that a long body is not read to its end. For the activity log, which
    /// shows a summary of bodies it did not parse.
    pub(crate) fn read_leading(body: &'a [u8]) -> Option<Self> {
        let mut found = None;
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        // Stopping early leaves the document unfinished, which serde_json reports as an error
        // once the summary is found: only `found` matters.
        let _ = serde::de::DeserializeSeed::deserialize(
            Leading { found: &mut found },
            &mut deserializer,
        );
        found
    }
}

/// Reads a payload's top-level object until it has seen both `event` and `repo`.
struct Leading<'s, 'a> {
    found: &'s mut Option<Summary<'a>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Leading<'_, 'de> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Leading<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a webhook payload")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut event, mut repo) = (None, None);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "event" => event = Some(map.next_value()?),
                "repo" => repo = Some(map.next_value()?),
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            if let (Some(_), Some(_)) = (&event, &repo) {
                break;
            }
        }
        if let (Some(event), Some(repo)) = (event, repo) {
            *self.found = Some(Summary { event, repo });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leading_summary_does_not_need_the_rest_of_the_body() {
        let body = br#"{"event":{"action":"update","scope":"repo.content"},"repo":{"name":"me/x","type":"dataset"},"comment":"#;
        let summary = Summary::read_leading(body).expect("event and repo are there");
        assert_eq!(summary.event.scope, "repo.content");
        assert_eq!(summary.repo.repo_type, "dataset");
        assert!(
            Summary::read(body).is_none(),
            "a full read needs the whole body"
        );
        assert!(Summary::read_leading(br#"{"event":{"action":"x","scope":"y"}}"#).is_none());
        assert!(Summary::read_leading(b"not json").is_none());
    }
}
