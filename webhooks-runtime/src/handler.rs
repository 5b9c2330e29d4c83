//! Functions as handlers: the [`Handler`] trait, [`blocking`] for plain `fn`s, and the type-erased
//! form the router stores.
//!
//! An `async fn` whose arguments all implement [`FromDelivery`] and whose output implements
//! [`IntoResponse`] is a handler, for zero to eight arguments. A plain `fn` becomes one through
//! [`blocking`], which runs it on tokio's blocking pool so that slow synchronous work (a
//! `std::process::Command`, a blocking HTTP call, file IO) never stalls the server.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::StatusCode;

use crate::extract::{Delivery, FromDelivery};
use crate::response::{IntoResponse, Rejected, Response, error};

/// A boxed, sendable future: what a type-erased handler returns.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Something that answers a [`Delivery`]: implemented for `async fn`s of up to eight
/// [`FromDelivery`] arguments and for plain `fn`s wrapped in [`blocking`].
///
/// `Args` only tells the implementations apart; you never name it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a webhook handler",
    label = "not an `async fn` whose arguments implement `FromDelivery` and whose output implements `IntoResponse`",
    note = "a plain (non-async) `fn` must be wrapped: `webhooks::handler::blocking(my_fn)`",
    note = "each argument must implement `FromDelivery` (`WebhookPayload`, `Json<T>`, `Bytes`, `HeaderMap`, `WebhookRequest`) and the output `IntoResponse`",
    note = "the future must be `Send`: do not hold an `Rc`, a `RefCell` borrow or a `std::sync::MutexGuard` across an `.await`"
)]
pub trait Handler<Args>: Clone + Send + Sync + Sized + 'static {
    /// Builds the arguments from `delivery` and calls the function; the future converts its
    /// answer. A rejected argument's answer is the future's output.
    fn call(&self, delivery: &Delivery)
    -> Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

    /// Builds the arguments from `delivery` without calling the function: what a queued endpoint
    /// checks before it accepts a delivery. `Err` is the rejection's answer.
    fn check(&self, delivery: &Delivery) -> Result<(), Box<Response>>;

    /// Whether the server's state has what the arguments need; `Err` names the missing type.
    fn check_state(&self, state: &http::Extensions) -> Result<(), &'static str>;
}

pin_project_lite::pin_project! {
    /// A handler function's future, its output made a [`Response`] (an `async` block awaiting
    /// it would keep room for it twice: as its capture and as what it awaits).
    struct Answer<F> {
        #[pin]
        future: F,
    }
}

impl<F> Future for Answer<F>
where
    F: Future,
    F::Output: IntoResponse,
{
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        self.project()
            .future
            .poll(cx)
            .map(IntoResponse::into_response)
    }
}

/// A plain `fn` handler, run on the blocking thread pool. Build it with [`blocking`].
#[derive(Debug, Clone, Copy)]
pub struct Blocking<F>(pub F);

/// Makes a plain (non-`async`) function a handler that runs on tokio's blocking pool.
///
/// `#[webhook_endpoint]` does this by itself for a plain `fn`; call it when adding one to a
/// [`WebhooksServer`](crate::WebhooksServer) by hand.
///
/// # Examples
/// ```
/// use webhooks_runtime::handler::blocking;
/// use webhooks_runtime::{WebhookPayload, WebhooksServer};
///
/// fn goodbye(payload: WebhookPayload) -> String {
///     format!("goodbye {}", payload.repo.name)
/// }
///
/// let app = WebhooksServer::new().add_webhook("/goodbye", blocking(goodbye));
/// ```
pub fn blocking<F>(function: F) -> Blocking<F> {
    Blocking(function)
}

#[doc(hidden)]
#[derive(Debug)]
pub enum AsyncMarker {}

#[doc(hidden)]
#[derive(Debug)]
pub enum BlockingMarker {}

/// Binds each argument, named like its type, built from `delivery`; on the first that cannot be
/// built, returns (from `Handler::call`) a future ready with its rejection's answer.
macro_rules! arguments {
    ( $delivery:ident => $($arg:ident),* ) => {
        $(
            let $arg = match $arg::from_delivery($delivery) {
                Ok(value) => value,
                Err(rejection) => {
                    return Box::pin(std::future::ready(Rejected::mark(
                        rejection.into_response(),
                    )));
                }
            };
        )*
    };
}

macro_rules! impl_handler {
    ( $($arg:ident),* ) => {
        #[allow(non_snake_case, unused_variables)]
        impl<F, Fut, R, $($arg,)*> Handler<(AsyncMarker, $($arg,)*)> for F
        where
            F: Fn($($arg,)*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: IntoResponse,
            $($arg: FromDelivery + Send,)*
        {
            fn call(&self, delivery: &Delivery) -> BoxFuture<Response> {
                // The arguments are built now, so the boxed future holds the function's future
                // alone: an `async` block that built them would keep the delivery (296 bytes)
                // beside it for its whole life (1,056 bytes in all for a `WebhookPayload`
                // handler against 752: above glibc's thread cache, so a slower allocation from
                // colder memory).
                arguments!(delivery => $($arg),*);
                Box::pin(Answer {
                    future: self($($arg,)*),
                })
            }

            fn check(&self, delivery: &Delivery) -> Result<(), Box<Response>> {
                $(
                    if let Err(rejection) = $arg::from_delivery(delivery) {
                        return Err(Box::new(Rejected::mark(rejection.into_response())));
                    }
                )*
                Ok(())
            }

            fn check_state(&self, state: &http::Extensions) -> Result<(), &'static str> {
                $( $arg::check(state)?; )*
                Ok(())
            }
        }

        #[allow(non_snake_case, unused_variables)]
        impl<F, R, $($arg,)*> Handler<(BlockingMarker, $($arg,)*)> for Blocking<F>
        where
            F: Fn($($arg,)*) -> R + Clone + Send + Sync + 'static,
            R: IntoResponse + Send + 'static,
            $($arg: FromDelivery + Send + 'static,)*
        {
            fn call(&self, delivery: &Delivery) -> BoxFuture<Response> {
                // Arguments are built first, so a rejected delivery never takes a blocking thread.
                arguments!(delivery => $($arg),*);
                let function = self.0.clone();
                Box::pin(async move {
                    match tokio::task::spawn_blocking(move || function($($arg,)*)).await {
                        Ok(output) => output.into_response(),
                        // Re-raised here so the server's panic handling (500, logged) covers both kinds.
                        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "The server is shutting down."),
                    }
                })
            }

            fn check(&self, delivery: &Delivery) -> Result<(), Box<Response>> {
                $(
                    if let Err(rejection) = $arg::from_delivery(delivery) {
                        return Err(Box::new(Rejected::mark(rejection.into_response())));
                    }
                )*
                Ok(())
            }

            fn check_state(&self, state: &http::Extensions) -> Result<(), &'static str> {
                $( $arg::check(state)?; )*
                Ok(())
            }
        }
    };
}

impl_handler!();
impl_handler!(T1);
impl_handler!(T1, T2);
impl_handler!(T1, T2, T3);
impl_handler!(T1, T2, T3, T4);
impl_handler!(T1, T2, T3, T4, T5);
impl_handler!(T1, T2, T3, T4, T5, T6);
impl_handler!(T1, T2, T3, T4, T5, T6, T7);
impl_handler!(T1, T2, T3, T4, T5, T6, T7, T8);

/// A handler with its argument types erased, as the router stores it.
#[doc(hidden)]
#[derive(Clone)]
pub struct ErasedHandler(Arc<dyn Erased>);

/// [`Handler`] without its `Args`, so that it can be a trait object.
trait Erased: Send + Sync {
    fn call(&self, delivery: &Delivery) -> BoxFuture<Response>;
    fn check(&self, delivery: &Delivery) -> Result<(), Box<Response>>;
    fn check_state(&self, state: &http::Extensions) -> Result<(), &'static str>;
}

/// A handler with its three operations, picked for its `Args` when it was erased.
struct Typed<H> {
    handler: H,
    call: fn(&H, &Delivery) -> BoxFuture<Response>,
    check: fn(&H, &Delivery) -> Result<(), Box<Response>>,
    check_state: fn(&H, &http::Extensions) -> Result<(), &'static str>,
}

impl<H: Send + Sync> Erased for Typed<H> {
    fn call(&self, delivery: &Delivery) -> BoxFuture<Response> {
        (self.call)(&self.handler, delivery)
    }

    fn check(&self, delivery: &Delivery) -> Result<(), Box<Response>> {
        (self.check)(&self.handler, delivery)
    }

    fn check_state(&self, state: &http::Extensions) -> Result<(), &'static str> {
        (self.check_state)(&self.handler, state)
    }
}

impl ErasedHandler {
    /// Erases `handler`'s type.
    pub fn new<H: Handler<Args>, Args>(handler: H) -> Self {
        Self(Arc::new(Typed {
            handler,
            call: <H as Handler<Args>>::call,
            check: <H as Handler<Args>>::check,
            check_state: <H as Handler<Args>>::check_state,
        }))
    }

    /// Answers `delivery`.
    pub(crate) fn call(&self, delivery: &Delivery) -> BoxFuture<Response> {
        self.0.call(delivery)
    }

    /// Whether `delivery` can become the handler's arguments.
    pub(crate) fn check(&self, delivery: &Delivery) -> Result<(), Box<Response>> {
        self.0.check(delivery)
    }

    /// Whether the server's state has what the arguments need.
    pub(crate) fn check_state(&self, state: &http::Extensions) -> Result<(), &'static str> {
        self.0.check_state(state)
    }
}

impl std::fmt::Debug for ErasedHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ErasedHandler")
    }
}
