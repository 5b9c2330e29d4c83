//! The two line formats, written by hand into buffers reused from line to line:
//!
//! - `text`, what `tracing-subscriber`'s `fmt` writes by default:
//!   `2026-11-29T10:00:00.000000Z  INFO delivery{endpoint="retrain"}: target: message a=1`;
//! - `json`, one object per line, the spans' fields flattened (outermost first, then the event's
//!   own, so that a parser keeping the last of a repeated key keeps the innermost):
//!   `{"time":"...","level":"INFO","target":"...","message":"...","endpoint":"retrain","a":1}`.
//!
//! A span's fields are written out once, when they are recorded, so that each line only copies
//! them.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::Level;
use tracing::field::{Field, Visit};

/// How lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `tracing`'s usual line.
    Text,
    /// One JSON object per line.
    Json,
}

impl Format {
    /// `text` or `json`, in any case; `None` for anything else.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "text" => Some(Self::Text),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// Writes fields in a format: ` name=value` (text) or `,"name":value` (JSON). The message is
/// kept apart when there is one to keep (an event's), else written like any field.
pub(super) struct Fields<'a> {
    format: Format,
    out: &'a mut Vec<u8>,
    message: Option<&'a mut String>,
}

impl<'a> Fields<'a> {
    /// Fields written to `out`, the message to `message` if given.
    pub(super) fn new(
        format: Format,
        out: &'a mut Vec<u8>,
        message: Option<&'a mut String>,
    ) -> Self {
        Self {
            format,
            out,
            message,
        }
    }

    fn name(&mut self, name: &str) {
        match self.format {
            Format::Text => {
                self.out.push(b' ');
                self.out.extend_from_slice(name.as_bytes());
                self.out.push(b'=');
            }
            Format::Json => {
                self.out.push(b',');
                json_string(self.out, name);
                self.out.push(b':');
            }
        }
    }

    fn number(&mut self, name: &str, value: impl fmt::Display) {
        self.name(name);
        let _ = write!(self.out, "{value}");
    }

    /// A number field.
    pub(super) fn u64(&mut self, name: &str, value: u64) {
        self.name(name);
        decimal(self.out, value);
    }

    /// The message: kept apart when there is a place for it, else written as a field.
    pub(super) fn message(&mut self, message: &str) {
        match &mut self.message {
            Some(kept) => kept.push_str(message),
            None => self.str("message", message),
        }
    }

    /// A string field: quoted and escaped like `Debug` in text (as `fmt` writes it), a JSON
    /// string in JSON.
    pub(super) fn str(&mut self, name: &str, value: &str) {
        if self.format == Format::Text && !needs_escape(value) {
            // The common case, ` name="value"`, in one reservation: a delivery's line has ten
            // such fields.
            let out = &mut *self.out;
            out.reserve(name.len() + value.len() + 4);
            out.push(b' ');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"=\"");
            out.extend_from_slice(value.as_bytes());
            out.push(b'"');
            return;
        }
        self.name(name);
        match self.format {
            Format::Text => quoted(self.out, value),
            Format::Json => json_string(self.out, value),
        }
    }

    /// A flag field.
    pub(super) fn bool(&mut self, name: &str, value: bool) {
        self.number(name, value);
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message(value);
        } else {
            self.str(field.name(), value);
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.number(field.name(), value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.u64(field.name(), value);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.bool(field.name(), value);
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        if self.format == Format::Json && !value.is_finite() {
            self.name(field.name());
            self.out.extend_from_slice(b"null");
        } else {
            self.number(field.name(), value);
        }
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record_debug(field, &format_args!("{value}"));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message"
            && let Some(message) = &mut self.message
        {
            let _ = write!(message, "{value:?}");
            return;
        }
        self.name(field.name());
        match self.format {
            Format::Text => {
                let _ = write!(self.out, "{value:?}");
            }
            Format::Json => json_string(self.out, &format!("{value:?}")),
        }
    }
}

/// A span's fields, written out in the logger's format as they are recorded.
#[derive(Debug, Default)]
pub(super) struct SpanFields(pub(super) Vec<u8>);

/// The buffers one line is assembled in, reused from line to line on each thread.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    /// The line, once written.
    pub(super) line: Vec<u8>,
    message: String,
    fields: Vec<u8>,
    /// The second the cached date is of, and `YYYY-MM-DDTHH:MM:SS`.
    date: Option<(u64, [u8; 19])>,
}

impl Buffers {
    /// Starts a line: keeps the event's message, and writes its fields apart as `record` visits
    /// them.
    pub(super) fn event(&mut self, format: Format, record: impl FnOnce(&mut Fields<'_>)) {
        self.line.clear();
        self.message.clear();
        self.fields.clear();
        record(&mut Fields::new(
            format,
            &mut self.fields,
            Some(&mut self.message),
        ));
    }

    /// Starts a line of the logger's own: a message, no fields.
    pub(super) fn own(&mut self, message: &str) {
        self.line.clear();
        self.fields.clear();
        self.message.clear();
        self.message.push_str(message);
    }

    /// `2026-11-29T10:00:00.123456Z`: the date and time are formatted once a second.
    fn time(&mut self) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let seconds = now.as_secs();
        let date = match self.date {
            Some((cached, date)) if cached == seconds => date,
            _ => {
                let date = date_time(seconds);
                self.date = Some((seconds, date));
                date
            }
        };
        self.line.extend_from_slice(&date);
        // Six digits: those of a million plus the microseconds, without its leading 1.
        let mut digits = itoa::Buffer::new();
        let fraction = digits.format(1_000_000 + now.subsec_micros());
        self.line.push(b'.');
        self.line.extend_from_slice(&fraction.as_bytes()[1..]);
        self.line.push(b'Z');
    }

    /// Text: the time and the level, before the spans.
    pub(super) fn text_start(&mut self, colors: bool, level: Level) {
        self.time();
        let level = match level {
            Level::ERROR => "ERROR",
            Level::WARN => " WARN",
            Level::INFO => " INFO",
            Level::DEBUG => "DEBUG",
            Level::TRACE => "TRACE",
        };
        self.line.push(b' ');
        if colors {
            self.line.extend_from_slice(color(level).as_bytes());
            self.line.extend_from_slice(level.as_bytes());
            self.line.extend_from_slice(b"\x1b[0m");
        } else {
            self.line.extend_from_slice(level.as_bytes());
        }
        self.line.push(b' ');
    }

    /// Text: one span, `name{a=1 b="x"}:`, outermost first, its fields written out in one piece
    /// or several.
    pub(super) fn text_span(&mut self, name: &str, fields: &[&[u8]]) {
        self.line.extend_from_slice(name.as_bytes());
        let mut first = true;
        for piece in fields.iter().filter(|piece| !piece.is_empty()) {
            if first {
                // Without the space before the first field.
                self.line.push(b'{');
                self.line.extend_from_slice(&piece[1..]);
                first = false;
            } else {
                self.line.extend_from_slice(piece);
            }
        }
        if !first {
            self.line.push(b'}');
        }
        self.line.push(b':');
    }

    /// Text: the target, the message and the event's fields, after the spans.
    pub(super) fn text_end(&mut self, spans: bool, target: &str) {
        if spans {
            self.line.push(b' ');
        }
        self.line.extend_from_slice(target.as_bytes());
        self.line.extend_from_slice(b": ");
        self.line.extend_from_slice(self.message.as_bytes());
        let fields = if self.message.is_empty() {
            self.fields.strip_prefix(b" ").unwrap_or(&self.fields)
        } else {
            &self.fields
        };
        self.line.extend_from_slice(fields);
        self.line.push(b'\n');
    }

    /// JSON: the time, the level, the target and the message, before the spans' fields.
    pub(super) fn json_start(&mut self, level: Level, target: &str) {
        self.line.extend_from_slice(b"{\"time\":\"");
        self.time();
        self.line.extend_from_slice(b"\",\"level\":\"");
        self.line.extend_from_slice(level.as_str().as_bytes());
        self.line.extend_from_slice(b"\",\"target\":");
        json_string(&mut self.line, target);
        if !self.message.is_empty() {
            self.line.extend_from_slice(b",\"message\":");
            json_string(&mut self.line, &self.message);
        }
    }

    /// JSON: one span's fields, outermost span first.
    pub(super) fn json_span(&mut self, fields: &[&[u8]]) {
        for piece in fields {
            self.line.extend_from_slice(piece);
        }
    }

    /// JSON: the event's own fields, and the end of the object and of the line.
    pub(super) fn json_end(&mut self) {
        self.line.extend_from_slice(&self.fields);
        self.line.extend_from_slice(b"}\n");
    }
}

/// `"value"`, escaped like `Debug` escapes a `str` (as `fmt` writes string fields); a string
/// with nothing to escape is copied as is.
fn quoted(out: &mut Vec<u8>, value: &str) {
    if !needs_escape(value) {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        let _ = write!(out, "{value:?}");
    }
}

/// Whether `Debug` would escape something in `value` (anything but printable ASCII, `"` and `\\`).
fn needs_escape(value: &str) -> bool {
    // Without an early exit, so that the check runs on many bytes at a time.
    value.bytes().fold(false, |escaped, byte| {
        escaped | !(b' '..=b'~').contains(&byte) | (byte == b'"') | (byte == b'\\')
    })
}

/// `value` in decimal digits (`itoa`, already `serde_json`'s: several times cheaper than
/// `core::fmt`).
pub(crate) fn decimal(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// `value` as a JSON string, escaped by `serde_json`.
fn json_string(out: &mut Vec<u8>, value: &str) {
    serde_json::to_writer(out, value).expect("writing to a Vec does not fail");
}

/// `YYYY-MM-DDTHH:MM:SS` of `seconds` since the Unix epoch, in UTC.
fn date_time(seconds: u64) -> [u8; 19] {
    let text =
        humantime::format_rfc3339_seconds(UNIX_EPOCH + std::time::Duration::from_secs(seconds))
            .to_string();
    let mut date = *b"1970-01-01T00:00:00";
    if let Some(prefix) = text.as_bytes().get(..19) {
        date.copy_from_slice(prefix);
    }
    date
}

/// The ANSI colour `fmt` gives each level.
fn color(level: &str) -> &'static str {
    match level {
        "ERROR" => "\x1b[31m",
        " WARN" => "\x1b[33m",
        " INFO" => "\x1b[32m",
        "DEBUG" => "\x1b[34m",
        _ => "\x1b[35m",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_named_in_any_case() {
        assert_eq!(Format::parse("text"), Some(Format::Text));
        assert_eq!(Format::parse(" JSON\n"), Some(Format::Json));
        assert_eq!(Format::parse("logfmt"), None);
    }

    #[test]
    fn strings_are_quoted_like_debug() {
        for value in [
            "plain repo/name",
            "a \"quote\"",
            "back\\slash",
            "new\nline",
            "é",
            "",
        ] {
            let mut out = Vec::new();
            quoted(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{value:?}"));
        }
    }

    #[test]
    fn decimals() {
        for value in [0, 7, 10, 1_000_000, 1_234_567, u64::MAX] {
            let mut out = Vec::new();
            decimal(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), value.to_string());
        }
    }

    #[test]
    fn the_time_is_rfc3339_with_microseconds() {
        let mut buffers = Buffers::default();
        buffers.time();
        let text = String::from_utf8(buffers.line.clone()).unwrap();
        let parsed = humantime::parse_rfc3339(&text).unwrap();
        let skew = SystemTime::now().duration_since(parsed).unwrap();
        assert!(skew < std::time::Duration::from_secs(5), "{text}");
        assert_eq!(text.len(), "2026-11-29T10:00:00.123456Z".len(), "{text}");
        assert_eq!(date_time(0), *b"1970-01-01T00:00:00");
        assert_eq!(date_time(1_795_000_000), *b"2026-11-18T11:06:40");
    }
}
