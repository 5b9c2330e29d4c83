//! [`DeliveryId`]: which delivery this is, the same on every retry of it.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use http::HeaderName;

/// The header the Hub puts a delivery's id in: unique per delivery, the same on every retry of it
/// and on a replay from the webhook's activity tab.
pub const WEBHOOK_ID_HEADER: HeaderName = HeaderName::from_static("webhook-id");

/// The variable holding the delivery's id in a Hub Job started by a webhook.
pub const WEBHOOK_ID_VAR: &str = "WEBHOOK_ID";

/// The longest `Webhook-Id` accepted; longer ones are refused with 400.
pub(crate) const MAX_LEN: usize = 200;

/// The id of a delivery: the Hub's `Webhook-Id` header, the same on every retry of the delivery
/// (and on a replay from the webhook's activity tab), or an id the server made up when the sender
/// sent none (`curl`, an old replay), which starts with `local-`.
///
/// As a handler argument it tells retries of one delivery apart from new deliveries; the server
/// already uses it to run each delivery once (see the README's "Reliability" section).
///
/// # Examples
/// ```
/// use webhooks_runtime::extract::DeliveryId;
/// use webhooks_runtime::WebhookPayload;
///
/// async fn handler(id: DeliveryId, payload: WebhookPayload) -> String {
///     format!("delivery {id} about {}", payload.repo.name)
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryId {
    id: Arc<str>,
    /// Made up by this server, not sent: known from how it was made, not from its text, so that
    /// a sender's own `local-…` id is still recognised when it comes again.
    generated: bool,
}

/// How the ids the server makes up start.
const GENERATED_PREFIX: &str = "local-";

impl DeliveryId {
    /// The id as the Hub sent it (or as the server made it up).
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// Whether the server made this id up because the sender sent no `Webhook-Id`. Such an id is
    /// never sent again, so it never matches an earlier delivery.
    pub fn is_generated(&self) -> bool {
        self.generated
    }

    fn sent(id: &str) -> Self {
        Self {
            id: id.into(),
            generated: false,
        }
    }

    /// The id of the delivery that started this Hub Job, from `WEBHOOK_ID`; `None` outside such a
    /// Job.
    ///
    /// # Examples
    /// ```no_run
    /// use webhooks_runtime::extract::DeliveryId;
    ///
    /// if let Some(id) = DeliveryId::from_env() {
    ///     println!("started by delivery {id}");
    /// }
    /// ```
    pub fn from_env() -> Option<Self> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::extract::DeliveryId;
    ///
    /// let id = DeliveryId::from_env_with(|name| (name == "WEBHOOK_ID").then(|| "abc123".to_owned()));
    /// assert_eq!(id.unwrap().as_str(), "abc123");
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        lookup(WEBHOOK_ID_VAR)
            .filter(|id| !id.trim().is_empty())
            .map(|id| Self::sent(id.trim()))
    }

    /// The `Webhook-Id` a request carries: `Ok(None)` when there is none, `Err` with the reason
    /// when it cannot be an id.
    pub(crate) fn from_header(headers: &http::HeaderMap) -> Result<Option<Self>, &'static str> {
        let Some(value) = headers.get(WEBHOOK_ID_HEADER) else {
            return Ok(None);
        };
        let text = value
            .to_str()
            .map_err(|_| "the Webhook-Id header is not printable ASCII")?
            .trim();
        if text.is_empty() {
            return Err("the Webhook-Id header is empty");
        }
        if text.len() > MAX_LEN {
            return Err("the Webhook-Id header is longer than 200 characters");
        }
        Ok(Some(Self::sent(text)))
    }

    /// A new id for a delivery that came without one: `local-` followed by a random number drawn
    /// once per process and a counter, so it matches no delivery stored earlier, by this process
    /// or another.
    pub(crate) fn generate() -> Self {
        static PREFIX: OnceLock<String> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let prefix = PREFIX.get_or_init(|| {
            // The standard library seeds each hasher from the operating system's random source.
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u32(std::process::id());
            if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
                hasher.write_u128(now.as_nanos());
            }
            format!("{GENERATED_PREFIX}{:016x}", hasher.finish())
        });
        let n = COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
        // Written in a reused buffer, then copied once into its shared allocation.
        thread_local! {
            static TEXT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        TEXT.with(|text| {
            let mut text = text.borrow_mut();
            text.clear();
            text.extend_from_slice(prefix.as_bytes());
            text.push(b'-');
            crate::log::decimal(&mut text, n);
            Self {
                id: std::str::from_utf8(&text).unwrap_or("local").into(),
                generated: true,
            }
        })
    }

    /// An id as stored by the inbox, which keeps its text only: one the server made up is known
    /// by its prefix.
    pub(crate) fn from_stored(id: &str) -> Self {
        Self {
            id: id.into(),
            generated: id.starts_with(GENERATED_PREFIX),
        }
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl fmt::Debug for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.id, f)
    }
}

impl AsRef<str> for DeliveryId {
    fn as_ref(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_and_marked() {
        let a = DeliveryId::generate();
        let b = DeliveryId::generate();
        assert_ne!(a, b);
        assert!(a.is_generated());
        assert_eq!(a.as_str().split('-').count(), 3, "{a}");
        assert!(a.as_str().starts_with(GENERATED_PREFIX), "{a}");
        // Known by how it was made, not by its text.
        let mut headers = http::HeaderMap::new();
        headers.insert(WEBHOOK_ID_HEADER, a.as_str().parse().unwrap());
        let sent = DeliveryId::from_header(&headers).unwrap().unwrap();
        assert_eq!(sent.as_str(), a.as_str());
        assert!(!sent.is_generated());
        assert!(DeliveryId::from_stored(a.as_str()).is_generated());
    }

    #[test]
    fn header_values() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(DeliveryId::from_header(&headers), Ok(None));
        headers.insert(WEBHOOK_ID_HEADER, " 6572bd9a1f4e ".parse().unwrap());
        assert_eq!(
            DeliveryId::from_header(&headers).unwrap().unwrap().as_str(),
            "6572bd9a1f4e"
        );
        headers.insert(WEBHOOK_ID_HEADER, "".parse().unwrap());
        assert!(DeliveryId::from_header(&headers).is_err());
        headers.insert(WEBHOOK_ID_HEADER, "x".repeat(201).parse().unwrap());
        assert!(DeliveryId::from_header(&headers).is_err());
    }
}
