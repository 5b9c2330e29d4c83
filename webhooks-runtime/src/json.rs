//! JSON decoding that says *where* a document went wrong, for 422 answers.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

/// A JSON body that could not be decoded: the path of the failing field and what was wrong there.
///
/// # Examples
/// ```
/// # use webhooks_runtime::json::{from_slice, JsonError};
/// #[derive(Debug, serde::Deserialize)]
/// struct Owner { id: String }
/// #[derive(Debug, serde::Deserialize)]
/// struct Repo { owner: Owner }
/// let err: JsonError = from_slice::<Repo>(br#"{"owner": {}}"#).unwrap_err();
/// assert_eq!(err.path(), "owner.id");
/// assert!(err.message().starts_with("missing field `id`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    path: String,
    message: String,
}

impl JsonError {
    /// The dotted path of the failing field (`repo.owner.id`, `updatedRefs[0].ref`), or `.` for the
    /// document itself (not JSON at all, truncated, trailing bytes).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was wrong at [`path`](Self::path) (with line and column when the document is not
    /// JSON at all).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for JsonError {}

/// Decodes `bytes` as a `T`, reporting the failing field's path on error.
///
/// Trailing bytes after the document are an error, as in `serde_json::from_slice`.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    // A valid document costs what plain serde_json costs. Tracking the path costs about as much
    // again (an allocation per key), so only a document that failed pays for it, decoded a second
    // time to say where.
    decode(bytes).or_else(|_| from_slice_tracked(bytes))
}

/// Plain serde_json decoding of `bytes`, UTF-8 checked once.
///
/// A body that is UTF-8 throughout (every body the Hub sends) is checked once, with the standard
/// library's word-at-a-time check, and decoded from the `str`: serde_json's byte decoder would
/// check every string again one by one, a fifth of the decoding (callgrind: ~5k of ~27k
/// instructions for the Hub docs' 1,280-byte payload). Any other body takes the byte decoder,
/// which answers exactly as before: it accepts bytes that are not UTF-8 inside a string it
/// skips, and names the string it cannot read.
#[inline]
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// [`from_slice`] with the path of the failing field tracked: only a document that failed pays
/// for this.
///
/// `serde_path_to_error` over serde_json gives the path and serde_json's message (with line and
/// column). serde reports a missing field at its parent, while a user looks for the field itself
/// (`repo.owner.id`); which field is missing is data only in `serde_value`'s error type
/// (`DeserializerError::MissingField`), so a document that fails on its content (not on its
/// syntax) is decoded once more through `serde_value` to name it.
pub(crate) fn from_slice_tracked<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let mut path = dotted(err.path());
        if err.inner().classify() == serde_json::error::Category::Data
            && let Some(field) = missing_field::<T>(bytes, &path)
        {
            path = if path == "." {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            };
        }
        JsonError {
            path,
            message: shorten_quoted(&err.inner().to_string()),
        }
    })?;
    de.end().map_err(|err| JsonError {
        path: ".".to_owned(),
        message: err.to_string(),
    })?;
    Ok(value)
}

/// The most characters of a value an error message repeats.
const MAX_ECHO: usize = 200;

/// `message` with each quoted value (between `"` or `` ` ``) cut to [`MAX_ECHO`] characters: a
/// 422 answer repeats what was wrong, not a megabyte of it.
fn shorten_quoted(message: &str) -> String {
    let mut shortened = String::with_capacity(message.len().min(1024));
    let mut quoted: Option<(char, usize)> = None;
    for c in message.chars() {
        match quoted {
            Some((quote, _)) if c == quote => {
                quoted = None;
                shortened.push(c);
            }
            Some((quote, kept)) => {
                if kept < MAX_ECHO {
                    shortened.push(c);
                } else if kept == MAX_ECHO {
                    shortened.push('…');
                }
                quoted = Some((quote, kept + 1));
            }
            None => {
                if c == '"' || c == '`' {
                    quoted = Some((c, 0));
                }
                shortened.push(c);
            }
        }
    }
    shortened
}

/// The field a `T` is missing at `path` in `bytes`, if that is what fails there.
fn missing_field<T: DeserializeOwned>(bytes: &[u8], path: &str) -> Option<&'static str> {
    let value: serde_value::Value = serde_json::from_slice(bytes).ok()?;
    let deserializer = serde_value::ValueDeserializer::<serde_value::DeserializerError>::new(value);
    let err = serde_path_to_error::deserialize::<_, T>(deserializer).err()?;
    match err.inner() {
        serde_value::DeserializerError::MissingField(field) if dotted(err.path()) == path => {
            Some(field)
        }
        _ => None,
    }
}

/// `repo.owner.id`, `updatedRefs[0].ref`, or `.` for the document itself. Segments that are not
/// known yet (a document cut short inside an object ends at a key not read yet) are left out.
fn dotted(path: &serde_path_to_error::Path) -> String {
    let mut dotted = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => dotted.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !dotted.is_empty() {
                    dotted.push('.');
                }
                dotted.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    if dotted.is_empty() {
        dotted.push('.');
    }
    dotted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        count: u8,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        items: Vec<Item>,
    }

    #[test]
    fn names_the_index_and_field() {
        let err =
            from_slice::<Doc>(br#"{"items":[{"name":"a","count":1},{"name":"b","count":300}]}"#)
                .unwrap_err();
        assert_eq!(err.path(), "items[1].count");
        assert!(
            err.message().starts_with("invalid value: integer `300`"),
            "{err}"
        );
    }

    #[test]
    fn missing_top_level_field_has_no_leading_dot() {
        let err = from_slice::<Doc>(b"{}").unwrap_err();
        assert_eq!(err.path(), "items");
    }

    #[test]
    fn a_long_value_is_not_echoed_whole() {
        let long = "x".repeat(10_000);
        let err = from_slice::<Item>(format!(r#"{{"name":"a","count":"{long}"}}"#).as_bytes())
            .unwrap_err();
        assert_eq!(err.path(), "count");
        assert_eq!(
            err.message(),
            format!(
                "invalid type: string \"{}…\", expected u8 at line 1 column 10022",
                "x".repeat(200)
            )
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_judged_where_they_are() {
        // Inside a string the type skips: accepted, as serde_json's byte decoder accepts it.
        let doc = from_slice::<Doc>(b"{\"items\":[],\"note\":\"a\xffb\"}").unwrap();
        assert!(doc.items.is_empty());
        // Inside a string it keeps: refused at that field.
        let err =
            from_slice::<Doc>(b"{\"items\":[{\"name\":\"a\xffb\",\"count\":1}]}").unwrap_err();
        assert_eq!(err.path(), "items[0].name");
        assert!(
            err.message().starts_with("invalid unicode code point"),
            "{err}"
        );
    }

    #[test]
    fn not_json_and_trailing_bytes_point_at_the_document() {
        assert_eq!(from_slice::<Doc>(b"nope").unwrap_err().path(), ".");
        let err = from_slice::<Doc>(br#"{"items":[]} x"#).unwrap_err();
        assert_eq!(err.path(), ".");
        assert!(err.message().starts_with("trailing characters"), "{err}");
    }
}

/// A JSON body, both ways: as a handler argument it decodes the delivery into any
/// `T: DeserializeOwned` (422 naming the failing field otherwise); as a return value it answers
/// 200 with `T` serialised.
///
/// # Examples
/// ```
/// use webhooks_runtime::Json;
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// struct Minimal { event: serde_json::Value }
///
/// async fn handler(Json(body): Json<Minimal>) -> Json<Minimal> {
///     Json(body)
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> crate::IntoResponse for Json<T> {
    fn into_response(self) -> crate::Response {
        crate::response::json_response(http::StatusCode::OK, &self.0)
    }
}
