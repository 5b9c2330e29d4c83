//! Reading a request body whole: within the size limit (413, before reading when the declared
//! length already exceeds it) and the read timeout (408).
//!
//! A delivery's body nearly always arrives with its head, and hyper hands it over as one chunk;
//! that chunk is then the body, without a copy or an intermediate list. The read timeout's timer
//! is only armed when the body is not all there yet.

use std::future::poll_fn;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use http::header::{CONNECTION, HeaderValue};
use http_body::Body;

use crate::response::{Response, error};
use crate::service::Settings;

/// A body's error, whatever its type.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Reads the whole body, refusing (413) as soon as it exceeds the limit and giving up (408) on a
/// body that does not arrive within the read timeout.
pub(crate) async fn read_body<B>(body: B, settings: &Settings) -> Result<Bytes, Response>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let limit = settings.body_limit;
    // The declared length, as hyper read it from `content-length` (0 for a chunked body).
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large(limit));
    }
    let mut body = pin!(body);
    let mut collected = Collected::default();
    let mut read = |cx: &mut Context<'_>| collected.poll_read(body.as_mut(), cx, limit);
    // Usually the body is all there: read it without arming a timer.
    let outcome = match poll_fn(|cx| Poll::Ready(read(cx))).await {
        Poll::Ready(outcome) => outcome,
        Poll::Pending => {
            match tokio::time::timeout(settings.body_read_timeout, poll_fn(&mut read)).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    let mut response = error(
                        StatusCode::REQUEST_TIMEOUT,
                        &format!(
                            "The request body did not arrive within {:?}.",
                            settings.body_read_timeout
                        ),
                    );
                    response
                        .headers_mut()
                        .insert(CONNECTION, HeaderValue::from_static("close"));
                    return Err(response);
                }
            }
        }
    };
    outcome.map_err(|err| match err {
        ReadError::TooLarge => too_large(limit),
        ReadError::Body(err) => error(
            StatusCode::BAD_REQUEST,
            &format!("Could not read the request body: {err}"),
        ),
    })
}

fn too_large(limit: usize) -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("The request body is larger than the limit of {limit} bytes."),
    )
}

enum ReadError {
    TooLarge,
    Body(BoxError),
}

/// The body read so far: the first chunk as hyper handed it over, then (only when a second chunk
/// comes) everything copied into one buffer.
#[derive(Default)]
struct Collected {
    first: Option<Bytes>,
    rest: BytesMut,
    len: usize,
}

impl Collected {
    fn poll_read<B>(
        &mut self,
        mut body: Pin<&mut B>,
        cx: &mut Context<'_>,
        limit: usize,
    ) -> Poll<Result<Bytes, ReadError>>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        loop {
            match ready!(body.as_mut().poll_frame(cx)) {
                None => return Poll::Ready(Ok(self.take())),
                Some(Err(err)) => return Poll::Ready(Err(ReadError::Body(err.into()))),
                Some(Ok(frame)) => {
                    // Trailers carry nothing a delivery needs.
                    let Ok(data) = frame.into_data() else {
                        continue;
                    };
                    self.len += data.len();
                    if self.len > limit {
                        return Poll::Ready(Err(ReadError::TooLarge));
                    }
                    self.push(data);
                }
            }
        }
    }

    fn push(&mut self, data: Bytes) {
        if data.is_empty() {
            return;
        }
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(data);
            return;
        }
        if let Some(first) = self.first.take() {
            self.rest.reserve(first.len() + data.len());
            self.rest.extend_from_slice(&first);
        }
        self.rest.extend_from_slice(&data);
    }

    fn take(&mut self) -> Bytes {
        match self.first.take() {
            Some(first) => first,
            None => std::mem::take(&mut self.rest).freeze(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(chunks: &[&'static [u8]]) -> Bytes {
        let mut collected = Collected::default();
        for chunk in chunks {
            collected.push(Bytes::from_static(chunk));
        }
        collected.take()
    }

    #[test]
    fn one_chunk_is_the_body_itself_and_more_are_joined_in_order() {
        let only: &'static [u8] = b"{\"event\":{}}";
        let body = collect(&[only]);
        assert_eq!(body.as_ptr(), only.as_ptr(), "no copy of a single chunk");
        assert_eq!(collect(&[b"{\"ev", b"", b"ent\"", b":{}}"]), only);
        assert_eq!(collect(&[]), Bytes::new());
        assert_eq!(collect(&[b"", b"x"]), Bytes::from_static(b"x"));
    }
}
