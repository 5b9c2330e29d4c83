//! Text that came from the network (a Hub answer, a receiver's answer), made safe to print: a
//! terminal must only ever show it, never act on it. Control characters (C0 such as ESC and BEL,
//! DEL, C1 such as CSI) and the Unicode bidirectional controls are written as `\u001b`-style
//! escapes, which are also valid inside a JSON string. URLs are shown with their `secret` query
//! parameter redacted.

use percent_encoding::percent_decode_str;

/// `text` on one line: every control character escaped, `\n` and `\t` included (error messages,
/// table cells, `key: value` lines).
pub fn escape_line(text: &str) -> String {
    escape(text, |_, _| false)
}

/// `text` as a body: control characters escaped except `\n`, `\t`, and a `\r` right before a
/// `\n`, so that the lines stay lines.
pub fn escape_body(text: &str) -> String {
    escape(text, |c, next| {
        c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'))
    })
}

fn escape(text: &str, keep: impl Fn(char, Option<char>) -> bool) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if needs_escape(c) && !keep(c, chars.peek().copied()) {
            escaped.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// C0, DEL and C1 controls, and the characters that reorder text on screen (Trojan Source).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `url` with the value of each `secret=` query parameter replaced by `<redacted>` (the Hub lets
/// a webhook URL carry its secret that way). Keys are compared percent-decoded, as receivers
/// read them.
pub fn redact_secret(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (url, None),
    };
    let Some((base, query)) = before_fragment.split_once('?') else {
        return url.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if percent_decode_str(key).decode_utf8_lossy() == "secret" => {
                format!("{key}=<redacted>")
            }
            _ => pair.to_owned(),
        })
        .collect();
    let mut redacted = format!("{base}?{}", query.join("&"));
    if let Some(fragment) = fragment {
        redacted.push('#');
        redacted.push_str(fragment);
    }
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_run() {
        let hostile = "a\u{1b}[2Jb\u{1b}]0;title\u{7}c\u{9b}31md\u{7f}";
        assert_eq!(
            escape_line(hostile),
            r"a\u001b[2Jb\u001b]0;title\u0007c\u009b31md\u007f"
        );
        assert_eq!(escape_line("x\ny\tz"), r"x\u000ay\u0009z");
        assert_eq!(escape_body("x\ny\tz\r\n\r"), "x\ny\tz\r\n\\u000d");
        assert_eq!(escape_line("abc\u{202e}fed"), r"abc\u202efed");
        assert_eq!(escape_line("plain é ✓"), "plain é ✓");
    }

    #[test]
    fn secrets_in_urls_are_redacted() {
        assert_eq!(
            redact_secret("http://127.0.0.1:7860/webhooks/x?secret=hunter2"),
            "http://127.0.0.1:7860/webhooks/x?secret=<redacted>"
        );
        assert_eq!(
            redact_secret("https://h/x?a=1&secret=s&b=2#frag"),
            "https://h/x?a=1&secret=<redacted>&b=2#frag"
        );
        assert_eq!(
            redact_secret("https://h/x?secr%65t=s"),
            "https://h/x?secr%65t=<redacted>"
        );
        assert_eq!(
            redact_secret("https://h/x?secrets=1"),
            "https://h/x?secrets=1"
        );
        assert_eq!(
            redact_secret("https://h/x#secret=1"),
            "https://h/x#secret=1"
        );
        assert_eq!(redact_secret("https://h/x"), "https://h/x");
    }
}
