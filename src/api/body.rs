//! A request body must arrive within [`BODY_DEADLINE`]: a client trickling a body a byte at a
//! time would otherwise hold a connection and a handler open for as long as it likes. The read
//! then fails, and the JSON extractor's error handler answers 408 in the API's error format.

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_core::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long a request body may take to arrive, from the end of its headers.
pub(crate) const BODY_DEADLINE: Duration = Duration::from_secs(10);

/// The body, failing with `TimedOut` once the deadline passes.
struct Deadline {
    body: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(chunk) = Pin::new(&mut self.body).poll_next(cx) {
            return Poll::Ready(chunk);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "body too slow");
            return Poll::Ready(Some(Err(PayloadError::Io(late))));
        }
        Poll::Pending
    }
}

/// Puts the deadline on the request's body.
pub(crate) fn limit_body_time(req: &mut ServiceRequest) {
    let body = req.take_payload();
    let sleep = Box::pin(tokio::time::sleep(BODY_DEADLINE));
    req.set_payload(Payload::Stream {
        payload: Box::pin(Deadline { body, sleep }),
    });
}

/// Whether a failed body read was the deadline.
pub(crate) fn timed_out(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}
