//! The logger: formats each line where it happens, with the fields of the spans it happened in,
//! and hands it to the writer thread. Events reach it through its `tracing` layer; access lines
//! are written to it directly.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::{LookupSpan, Scope};

use super::format::{Buffers, Fields, Format, SpanFields};
use super::span::{self, OwnSpan};
use super::writer::Writer;

/// The target of access lines.
const ACCESS_TARGET: &str = "webhooks::access";

/// The target of the logger's own lines.
const OWN_TARGET: &str = "webhooks::log";

/// Where lines go, and how they are written.
#[derive(Debug)]
pub(crate) struct Logger {
    pub(super) format: Format,
    colors: bool,
    writer: Writer,
    /// What the installed filter says of access lines and of deliveries' spans, read once it is
    /// installed (`main!()`'s filter is fixed from then on; asking it costs some 100
    /// instructions a request, each).
    access_on: AtomicBool,
    spans_on: AtomicBool,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// Runs `write` with this thread's buffers (fresh ones when a line is logged while another one is
/// being written, by a `Debug` implementation).
fn with_buffers(write: impl Fn(&mut Buffers)) {
    BUFFERS.with(|buffers| match buffers.try_borrow_mut() {
        Ok(mut buffers) => write(&mut buffers),
        Err(_) => write(&mut Buffers::default()),
    });
}

impl Logger {
    pub(super) fn new(format: Format, colors: bool, writer: Writer) -> Self {
        Self {
            format,
            colors,
            writer,
            access_on: AtomicBool::new(false),
            spans_on: AtomicBool::new(false),
        }
    }

    /// Reads what the filter just installed says of access lines and deliveries' spans.
    pub(super) fn read_filter(&self) {
        self.access_on
            .store(super::access_wanted(), Ordering::Relaxed);
        self.spans_on.store(span::wanted(), Ordering::Relaxed);
    }

    /// Whether access lines are written.
    pub(super) fn access_on(&self) -> bool {
        self.access_on.load(Ordering::Relaxed)
    }

    /// Whether deliveries have spans.
    pub(super) fn spans_on(&self) -> bool {
        self.spans_on.load(Ordering::Relaxed)
    }

    /// The lines dropped so far because stderr did not keep up.
    pub(super) fn dropped(&self) -> u64 {
        self.writer.dropped()
    }

    /// The warning that `dropped` lines were dropped, as a line of the log.
    pub(super) fn dropped_report(format: Format, colors: bool, dropped: u64) -> Vec<u8> {
        let mut buffers = Buffers::default();
        buffers.own(&format!(
            "{dropped} log line(s) were dropped because stderr did not keep up with the server"
        ));
        finish::<tracing_subscriber::Registry>(
            format,
            colors,
            &mut buffers,
            Level::WARN,
            OWN_TARGET,
            None,
            None,
        );
        buffers.line
    }

    /// The access line of one request: `answered` with its method, path, status and time taken,
    /// in the delivery's span if it has one.
    pub(crate) fn access(
        &self,
        span: Option<&OwnSpan>,
        method: &str,
        path: &str,
        status: u16,
        latency_us: u64,
        skipped: bool,
    ) {
        with_buffers(|buffers| {
            buffers.event(self.format, |fields| {
                fields.message("answered");
                fields.str("method", method);
                fields.str("path", path);
                fields.u64("status", u64::from(status));
                fields.u64("latency_us", latency_us);
                if skipped {
                    fields.bool("skipped", true);
                }
            });
            finish::<tracing_subscriber::Registry>(
                self.format,
                self.colors,
                buffers,
                Level::INFO,
                ACCESS_TARGET,
                span,
                None,
            );
            self.write(&buffers.line);
        });
    }

    /// Hands `line` to the writer thread.
    fn write(&self, line: &[u8]) {
        self.writer.write(line);
    }
}

/// Writes the line started in `buffers`: the server's span if any, then `tracing`'s spans
/// (outermost first), then the event.
fn finish<'a, S>(
    format: Format,
    colors: bool,
    buffers: &mut Buffers,
    level: Level,
    target: &str,
    own: Option<&OwnSpan>,
    scope: Option<Scope<'a, S>>,
) where
    S: LookupSpan<'a>,
{
    match format {
        Format::Text => {
            buffers.text_start(colors, level);
            let spans = own.is_some() || scope.is_some();
            if let Some(own) = own {
                buffers.text_span(own.name, &own.fields());
            }
            for span in scope.into_iter().flat_map(Scope::from_root) {
                let extensions = span.extensions();
                let fields = extensions.get::<SpanFields>().map_or(&[][..], |f| &f.0);
                buffers.text_span(span.name(), &[fields]);
            }
            buffers.text_end(spans, target);
        }
        Format::Json => {
            buffers.json_start(level, target);
            if let Some(own) = own {
                buffers.json_span(&own.fields());
            }
            for span in scope.into_iter().flat_map(Scope::from_root) {
                let extensions = span.extensions();
                let fields = extensions.get::<SpanFields>().map_or(&[][..], |f| &f.0);
                buffers.json_span(&[fields]);
            }
            buffers.json_end();
        }
    }
}

/// The logger's `tracing` layer: keeps each span's fields written out, and writes each event.
pub(super) struct Layer(pub(super) &'static Logger);

impl<S> tracing_subscriber::Layer<S> for Layer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = SpanFields::default();
        attrs.record(&mut Fields::new(self.0.format, &mut fields.0, None));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(&mut Fields::new(self.0.format, &mut fields.0, None));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let logger = self.0;
        let metadata = event.metadata();
        span::with_current(|own| {
            with_buffers(|buffers| {
                buffers.event(logger.format, |fields| event.record(fields));
                let scope = ctx.event_scope(event);
                finish(
                    logger.format,
                    logger.colors,
                    buffers,
                    *metadata.level(),
                    metadata.target(),
                    own,
                    scope,
                );
                logger.write(&buffers.line);
            });
        });
    }
}
