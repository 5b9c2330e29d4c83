//! [`DeliverySpan`]: what a delivery's log lines carry (its endpoint, its id, and once the payload
//! is read its scope, action and repo).
//!
//! With an application's own `tracing` subscriber it is a `tracing` span, which that subscriber
//! sees like any other. With the server's logger it is the logger's own, lighter span: its fields
//! are written out once, and a thread-local says which delivery the thread is working for while a
//! handler is polled, so that every line logged meanwhile (the handler's own included) carries
//! them. A `tracing` span costs several times more per delivery (a slot in the registry, a lookup
//! per recorded field, locks on entering and leaving), which the access log at full speed cannot
//! afford (see `bench/README.md`).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use tracing::Span;
use tracing::field::Empty;

use super::format::Fields;
use super::{Logger, logger};

/// A delivery's span; see the module's documentation.
#[derive(Debug, Clone)]
pub(crate) enum DeliverySpan {
    /// Nothing is logged at `INFO`, or the request is not a delivery.
    Off,
    /// A `tracing` span, for the application's own subscriber.
    Tracing(Span),
    /// The server logger's own span.
    Own(Arc<OwnSpan>),
}

/// The server logger's span: its name, and its fields written out in the log's format.
///
/// The fields are kept inline (a delivery's are some 60 bytes each time), so that a span is one
/// allocation, its `Arc`, rather than three.
#[derive(Debug)]
pub(crate) struct OwnSpan {
    pub(super) name: &'static str,
    /// The fields known from the start.
    fields: Written,
    /// The payload's fields, once the handler's `WebhookPayload` is read.
    payload: OnceLock<Written>,
}

impl OwnSpan {
    fn new(logger: &Logger, name: &'static str, write: impl FnOnce(&mut Fields<'_>)) -> Self {
        Self {
            name,
            fields: Written::new(logger, write),
            payload: OnceLock::new(),
        }
    }

    /// Its fields, in the pieces they were written in.
    pub(super) fn fields(&self) -> [&[u8]; 2] {
        [
            self.fields.as_slice(),
            self.payload.get().map_or(&[][..], Written::as_slice),
        ]
    }
}

/// The most bytes of fields a span keeps inline.
const INLINE: usize = 126;

/// Fields written out: inline up to [`INLINE`] bytes, on the heap beyond.
#[derive(Debug)]
enum Written {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

thread_local! {
    /// Where fields are written before they are kept, reused from span to span.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Written {
    fn new(logger: &Logger, write: impl FnOnce(&mut Fields<'_>)) -> Self {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => Self::write_into(&mut scratch, logger, write),
            Err(_) => Self::write_into(&mut Vec::new(), logger, write),
        })
    }

    /// What `write` writes, in `scratch`, then kept.
    fn write_into(
        scratch: &mut Vec<u8>,
        logger: &Logger,
        write: impl FnOnce(&mut Fields<'_>),
    ) -> Self {
        scratch.clear();
        write(&mut Fields::new(logger.format, scratch, None));
        Self::of(scratch)
    }

    fn of(written: &[u8]) -> Self {
        match u8::try_from(written.len()) {
            Ok(len) if written.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..written.len()].copy_from_slice(written);
                Self::Inline { len, bytes }
            }
            _ => Self::Heap(written.into()),
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(bytes) => bytes,
        }
    }
}

thread_local! {
    /// The delivery this thread works for now, with the server's logger.
    static CURRENT: RefCell<Option<Arc<OwnSpan>>> = const { RefCell::new(None) };
}

/// Runs `f` with the delivery this thread works for now, if any.
pub(super) fn with_current<T>(f: impl FnOnce(Option<&OwnSpan>) -> T) -> T {
    CURRENT.with(|current| match current.try_borrow() {
        Ok(current) => f(current.as_deref()),
        Err(_) => f(None),
    })
}

/// Whether the installed filter wants deliveries' spans: their level is `INFO`.
pub(super) fn wanted() -> bool {
    tracing::enabled!(tracing::Level::INFO)
}

impl DeliverySpan {
    /// A delivery from the network, its id read from the request (none when it cannot be one).
    pub(crate) fn delivery(endpoint: &str, id: Option<&str>) -> Self {
        match logger() {
            Some(logger) if logger.spans_on() => Self::own(logger, "delivery", |fields| {
                fields.str("endpoint", endpoint);
                if let Some(id) = id {
                    fields.str("delivery", id);
                }
            }),
            Some(_) => Self::Off,
            None => Self::tracing(tracing::info_span!(
                "delivery",
                endpoint,
                delivery = id,
                scope = Empty,
                action = Empty,
                repo = Empty,
            )),
        }
    }

    /// An attempt at a queued delivery.
    pub(crate) fn queued(endpoint: &str, id: &str, attempt: u32) -> Self {
        match logger() {
            Some(logger) if logger.spans_on() => Self::own(logger, "queued", |fields| {
                fields.str("endpoint", endpoint);
                fields.str("delivery", id);
                fields.u64("attempt", u64::from(attempt));
            }),
            Some(_) => Self::Off,
            None => Self::tracing(tracing::info_span!(
                "queued",
                endpoint,
                delivery = id,
                attempt,
                scope = Empty,
                action = Empty,
                repo = Empty,
            )),
        }
    }

    /// A replay of a recorded delivery from the deliveries API.
    pub(crate) fn replay(endpoint: &str, id: &str, of: u64) -> Self {
        match logger() {
            Some(logger) if logger.spans_on() => Self::own(logger, "replay", |fields| {
                fields.str("endpoint", endpoint);
                fields.str("delivery", id);
                fields.u64("of", of);
            }),
            Some(_) => Self::Off,
            None => Self::tracing(tracing::info_span!(
                "replay",
                endpoint,
                delivery = id,
                of,
                scope = Empty,
                action = Empty,
                repo = Empty,
            )),
        }
    }

    fn own(logger: &Logger, name: &'static str, write: impl FnOnce(&mut Fields<'_>)) -> Self {
        Self::Own(Arc::new(OwnSpan::new(logger, name, write)))
    }

    fn tracing(span: Span) -> Self {
        if span.is_disabled() {
            Self::Off
        } else {
            Self::Tracing(span)
        }
    }

    /// Whether there is no span (its fields are then nowhere).
    pub(crate) fn is_off(&self) -> bool {
        matches!(self, Self::Off)
    }

    /// The `tracing` span, when it is one.
    pub(crate) fn as_tracing(&self) -> Option<&Span> {
        match self {
            Self::Tracing(span) => Some(span),
            _ => None,
        }
    }

    /// The server logger's span, when it is one.
    pub(crate) fn as_own(&self) -> Option<&OwnSpan> {
        match self {
            Self::Own(span) => Some(span),
            _ => None,
        }
    }

    /// Makes this the current span until the guard is dropped.
    pub(crate) fn enter(&self) -> Entered<'_> {
        match self {
            Self::Off => Entered::Off,
            Self::Tracing(span) => Entered::Tracing(span.enter()),
            Self::Own(span) => Entered::Own(CURRENT.with(|current| {
                current
                    .try_borrow_mut()
                    .ok()
                    .map(|mut current| current.replace(Arc::clone(span)))
            })),
        }
    }

    /// Runs `f` in this span.
    pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        let _entered = self.enter();
        f()
    }

    /// `future`, polled in this span.
    pub(crate) fn instrument<F: Future + Unpin>(&self, future: F) -> Instrumented<F> {
        Instrumented {
            span: self.clone(),
            future,
        }
    }
}

/// While it lives, its span is the current one.
pub(crate) enum Entered<'a> {
    Off,
    /// Held for its `Drop`, which leaves the span.
    Tracing(#[allow(dead_code)] tracing::span::Entered<'a>),
    /// The span that was current before (`None` inside: there was none; outside: the thread's
    /// current span could not be changed, so it is left as it is).
    Own(Option<Option<Arc<OwnSpan>>>),
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        if let Self::Own(Some(previous)) = self {
            let previous = previous.take();
            CURRENT.with(|current| {
                if let Ok(mut current) = current.try_borrow_mut() {
                    *current = previous;
                }
            });
        }
    }
}

/// A future polled in a span.
#[derive(Debug)]
pub(crate) struct Instrumented<F> {
    span: DeliverySpan,
    future: F,
}

impl<F: Future + Unpin> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let _entered = this.span.enter();
        Pin::new(&mut this.future).poll(cx)
    }
}

/// Records the payload's scope, action and repo in the current delivery's span.
pub(crate) fn record_payload(scope: &str, action: &str, repo: &str) {
    if let Some(logger) = logger() {
        CURRENT.with(|current| {
            let Ok(current) = current.try_borrow() else {
                return;
            };
            if let Some(span) = current.as_deref() {
                span.payload.get_or_init(|| {
                    Written::new(logger, |fields| {
                        fields.str("scope", scope);
                        fields.str("action", action);
                        fields.str("repo", repo);
                    })
                });
            }
        });
        return;
    }
    // (Checking the level first spares looking up the current span when INFO is off.)
    if !tracing::level_enabled!(tracing::Level::INFO) {
        return;
    }
    let span = Span::current();
    let Some(metadata) = span.metadata() else {
        return;
    };
    // The three at once: each `record` costs a lookup of the span.
    let fields = metadata.fields();
    if let (Some(scope_field), Some(action_field), Some(repo_field)) = (
        fields.field("scope"),
        fields.field("action"),
        fields.field("repo"),
    ) {
        let values: [(&tracing::field::Field, Option<&dyn tracing::Value>); 3] = [
            (&scope_field, Some(&scope)),
            (&action_field, Some(&action)),
            (&repo_field, Some(&repo)),
        ];
        span.record_all(&fields.value_set(&values));
    }
}
