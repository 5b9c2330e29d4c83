//! The clock behind hyper's header-read timeout, one per connection.
//!
//! hyper starts the header-read timeout before every request head and drops it once the head is
//! read. With hyper-util's `TokioTimer`, that is a new tokio timer per request: allocated,
//! registered in the runtime's timer wheel on its first poll and taken out again when dropped,
//! both under the timer driver's lock. A keep-alive connection, the Hub's common case, pays that
//! for every delivery (bench/README.md, fix 5).
//!
//! [`ConnectionTimer`] keeps one tokio timer per connection instead: when hyper drops the sleep,
//! the timer goes back to the connection, still registered, and the next request head moves its
//! deadline forward, which tokio does with one atomic operation while the timer has not fired.
//! A timer left registered may fire while the connection waits for nothing; that wakes the
//! connection once, and hyper, finding nothing to do, waits again.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

type Spare = Arc<Mutex<Option<Pin<Box<tokio::time::Sleep>>>>>;

/// A [`Timer`] for one connection that reuses its tokio timer from one request to the next.
#[derive(Debug, Default)]
pub(super) struct ConnectionTimer {
    /// The connection's timer while hyper is not using it.
    spare: Spare,
}

impl Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let deadline = tokio::time::Instant::from_std(deadline);
        let spare = self
            .spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let sleep = match spare {
            Some(mut sleep) => {
                sleep.as_mut().reset(deadline);
                sleep
            }
            None => Box::pin(tokio::time::sleep_until(deadline)),
        };
        Box::pin(ReusedSleep {
            sleep: Some(sleep),
            home: Arc::clone(&self.spare),
        })
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<ReusedSleep>() {
            Some(mut reused) => {
                if let Some(inner) = reused.sleep.as_mut() {
                    inner.as_mut().reset(new_deadline.into());
                }
            }
            None => *sleep = self.sleep_until(new_deadline),
        }
    }

    fn now(&self) -> Instant {
        // tokio's clock, so that tests running with paused time see the timeout move with it.
        tokio::time::Instant::now().into_std()
    }
}

/// The connection's timer, lent to hyper for one request head; returned when dropped.
struct ReusedSleep {
    /// Always `Some` until dropped.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    home: Spare,
}

impl Future for ReusedSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.sleep.as_mut() {
            Some(sleep) => sleep.as_mut().poll(cx),
            None => Poll::Ready(()),
        }
    }
}

impl Sleep for ReusedSleep {}

impl Drop for ReusedSleep {
    fn drop(&mut self) {
        if let Some(sleep) = self.sleep.take() {
            *self.home.lock().unwrap_or_else(PoisonError::into_inner) = Some(sleep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_returned_timer_is_reused_with_its_new_deadline() {
        let timer = ConnectionTimer::default();
        let first = timer.sleep(Duration::from_secs(1));
        drop(first);
        assert!(timer.spare.lock().unwrap().is_some(), "the timer came back");

        let second = timer.sleep(Duration::from_secs(10));
        assert!(timer.spare.lock().unwrap().is_none(), "the spare was taken");
        // Past the first deadline, not the second: still pending.
        tokio::time::advance(Duration::from_secs(5)).await;
        let mut second = second;
        assert!(
            futures_poll_once(second.as_mut()).is_pending(),
            "the old deadline must not fire"
        );
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(futures_poll_once(second.as_mut()).is_ready());
    }

    #[tokio::test(start_paused = true)]
    async fn reset_moves_the_deadline_of_a_lent_timer() {
        let timer = ConnectionTimer::default();
        let mut sleep = timer.sleep(Duration::from_secs(1));
        timer.reset(&mut sleep, timer.now() + Duration::from_secs(3));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(futures_poll_once(sleep.as_mut()).is_pending());
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(futures_poll_once(sleep.as_mut()).is_ready());
    }

    fn futures_poll_once(sleep: Pin<&mut dyn Sleep>) -> Poll<()> {
        let waker = std::task::Waker::noop();
        sleep.poll(&mut Context::from_waker(waker))
    }
}
