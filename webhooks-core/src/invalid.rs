//! [`Invalid`]: a value that breaks one of the rules, with what to write instead.

use std::fmt;

/// A value refused by one of this crate's rules: what is wrong, and what to write instead.
///
/// The attribute shows it as a compile error (`message`, then `help: ...`); the server as a
/// startup error with the same two parts.
///
/// # Examples
/// ```
/// let invalid = webhooks_core::filter::check_action("publsh").unwrap_err();
/// assert_eq!(invalid.message(), "unknown action `publsh`; the Hub sends `create`, `update`, `delete`, `move`");
/// assert_eq!(invalid.help(), "use one of `create`, `update`, `delete`, `move`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    message: String,
    help: String,
}

impl Invalid {
    /// A refusal saying `message`, with `help`.
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            help: help.into(),
        }
    }

    /// What is wrong, in one line.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to write instead, in one line.
    pub fn help(&self) -> &str {
        &self.help
    }
}

/// The message alone; the help is [`Invalid::help`].
impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}
