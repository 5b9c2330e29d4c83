//! The writer thread: lines are appended to a shared buffer under a lock, and a thread writes the
//! whole buffer to stderr every few milliseconds.
//!
//! Why not a channel of lines with a thread waiting on it (`tracing-appender`'s non-blocking
//! writer, which this replaced)? That thread wakes up for almost every line under load, and each
//! wake-up is a context switch on the cores that serve requests: measured with the access log on,
//! it cost a third of the throughput (`bench/README.md`). Here a line costs a lock and a copy; the
//! thread wakes up at most once per [`GATHER`], and writes everything gathered meanwhile in one
//! call.
//!
//! When stderr does not keep up (a full pipe nobody reads), the buffer grows to its bound, then
//! lines are dropped and counted rather than stalling deliveries; once stderr moves again, the
//! thread says how many were dropped.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the thread lets lines gather before writing them, once one is waiting.
const GATHER: Duration = Duration::from_millis(5);

/// How long the last flush may take at exit, when stderr does not move.
const LAST_FLUSH: Duration = Duration::from_secs(5);

/// Writes the report of `n` dropped lines, in the log's format.
pub(super) type Report = Box<dyn Fn(u64) -> Vec<u8> + Send>;

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// The thread waits on it for lines, the last flush for the thread.
    wake: Condvar,
    /// At most this many bytes wait.
    capacity: usize,
    /// Lines dropped because the buffer was full.
    dropped: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    pending: Vec<u8>,
    /// The thread waits for a line (so the next line wakes it up).
    idle: bool,
    /// The program is ending: write what is left, then stop.
    closing: bool,
    /// The thread stopped.
    done: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where lines are written from any thread.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    shared: Arc<Shared>,
}

/// Stops the thread once it wrote every line.
#[derive(Debug)]
pub(crate) struct Closer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A writer to `out` whose buffer holds at most `capacity` bytes, and its closer.
pub(super) fn spawn(
    out: impl Write + Send + 'static,
    capacity: usize,
    report: Report,
) -> std::io::Result<(Writer, Closer)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        wake: Condvar::new(),
        capacity,
        dropped: AtomicU64::new(0),
    });
    let thread = std::thread::Builder::new()
        .name("webhooks-log".to_owned())
        .spawn({
            let shared = Arc::clone(&shared);
            move || run(&shared, out, &report)
        })?;
    Ok((
        Writer {
            shared: Arc::clone(&shared),
        },
        Closer {
            shared,
            thread: Some(thread),
        },
    ))
}

impl Writer {
    /// Queues `line`, or drops and counts it when the buffer is full.
    pub(crate) fn write(&self, line: &[u8]) {
        let mut state = self.shared.lock();
        if state.pending.len() + line.len() > self.shared.capacity {
            drop(state);
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        state.pending.extend_from_slice(line);
        if state.idle {
            state.idle = false;
            drop(state);
            self.shared.wake.notify_all();
        }
    }

    /// The lines dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for Closer {
    /// Writes what is left (waiting at most [`LAST_FLUSH`] for stderr), then stops the thread.
    fn drop(&mut self) {
        let deadline = Instant::now() + LAST_FLUSH;
        let mut state = self.shared.lock();
        state.closing = true;
        self.shared.wake.notify_all();
        while !state.done {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            state = self
                .shared
                .wake
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        drop(state);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread: waits for a line, lets more gather, writes them all; says how many were dropped
/// once a write goes through after some were.
fn run(shared: &Shared, mut out: impl Write, report: &Report) {
    let mut batch = Vec::new();
    let mut reported = 0;
    loop {
        let mut state = shared.lock();
        while state.pending.is_empty() && !state.closing {
            state.idle = true;
            state = shared
                .wake
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if !state.closing {
            drop(state);
            std::thread::sleep(GATHER);
            state = shared.lock();
        }
        std::mem::swap(&mut state.pending, &mut batch);
        let closing = state.closing && batch.is_empty();
        drop(state);
        if closing {
            break;
        }
        let written = out.write_all(&batch).and_then(|()| out.flush()).is_ok();
        batch.clear();
        let dropped = shared.dropped.load(Ordering::Relaxed);
        if written && dropped > reported {
            let _ = out.write_all(&report(dropped - reported));
            let _ = out.flush();
            reported = dropped;
        }
    }
    shared.lock().done = true;
    shared.wake.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what is written, or blocks every write until released.
    #[derive(Clone, Default)]
    struct Out {
        written: Arc<Mutex<Vec<u8>>>,
        blocked: Arc<(Mutex<bool>, Condvar)>,
    }

    impl Write for Out {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let (blocked, released) = &*self.blocked;
            let mut blocked = blocked.lock().unwrap();
            while *blocked {
                blocked = released.wait(blocked).unwrap();
            }
            self.written.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Out {
        fn text(&self) -> String {
            String::from_utf8(self.written.lock().unwrap().clone()).unwrap()
        }
        fn block(&self, blocked: bool) {
            *self.blocked.0.lock().unwrap() = blocked;
            self.blocked.1.notify_all();
        }
    }

    fn report() -> Report {
        Box::new(|n| format!("dropped {n}\n").into_bytes())
    }

    #[test]
    fn every_line_is_written_by_the_last_flush() {
        let out = Out::default();
        let (writer, closer) = spawn(out.clone(), 1 << 20, report()).unwrap();
        for n in 0..10_000 {
            writer.write(format!("line {n}\n").as_bytes());
        }
        drop(closer);
        let text = out.text();
        assert_eq!(text.lines().count(), 10_000);
        assert!(text.ends_with("line 9999\n"));
        assert_eq!(writer.dropped(), 0);
    }

    #[test]
    fn a_stuck_output_drops_lines_counts_them_and_says_so_once_it_moves() {
        let out = Out::default();
        out.block(true);
        let (writer, closer) = spawn(out.clone(), 100, report()).unwrap();
        // The first line is taken by the thread, which blocks writing it; ten more fill the buffer.
        writer.write(b"first\n");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !writer.shared.lock().pending.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        for _ in 0..30 {
            writer.write(b"0123456789\n");
        }
        assert_eq!(writer.dropped(), 21);
        out.block(false);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !writer.shared.lock().pending.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        writer.write(b"after\n");
        drop(closer);
        let text = out.text();
        assert_eq!(text.matches("0123456789").count(), 9, "{text}");
        assert!(text.starts_with("first\n"), "{text}");
        assert!(text.contains("dropped 21\n"), "{text}");
        assert_eq!(
            text,
            format!("first\ndropped 21\n{}after\n", "0123456789\n".repeat(9))
        );
    }
}
