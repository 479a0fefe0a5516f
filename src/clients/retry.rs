//! Retries with backoff, shared by the upstream clients: an attempt either settles the call or
//! says it is worth another try, after a wait it names (a `Retry-After`) or the usual jittered
//! backoff.

use rand::Rng;
use std::future::Future;
use std::time::Duration;

/// What one attempt came to.
pub(super) enum Attempt<T, E> {
    Done(Result<T, E>),
    /// Worth another try, after this long (None: the usual backoff).
    Retry(E, Option<Duration>),
}

/// Runs `attempt` until it settles, at most `max_retries` times more; `retrying` hears each
/// problem that is tried again.
pub(super) async fn with_retries<T, E, Fut>(
    max_retries: u32,
    mut attempt: impl FnMut() -> Fut,
    retrying: impl Fn(&E),
) -> Result<T, E>
where
    Fut: Future<Output = Attempt<T, E>>,
{
    let mut tries = 0;
    loop {
        let wait = match attempt().await {
            Attempt::Done(r) => return r,
            Attempt::Retry(e, wait) if tries < max_retries => {
                retrying(&e);
                wait
            }
            Attempt::Retry(e, _) => return Err(e),
        };
        tries += 1;
        tokio::time::sleep(wait.unwrap_or_else(|| backoff(tries))).await;
    }
}

/// The seconds a response's `Retry-After` asks for, at most `max`.
pub(super) fn retry_after(resp: &reqwest::Response, max: Duration) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(max))
}

/// 200 ms, 400 ms, ... with ±50% jitter.
fn backoff(attempt: u32) -> Duration {
    let base = 200u64 << attempt.min(5).saturating_sub(1);
    let jitter = rand::thread_rng().gen_range(0.5..1.5);
    Duration::from_millis((base as f64 * jitter) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn retries_until_settled_or_out_of_tries() {
        let calls = AtomicU32::new(0);
        let settled: Result<u32, &str> = with_retries(
            3,
            || async {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n < 2 {
                    Attempt::Retry("busy", Some(Duration::ZERO))
                } else {
                    Attempt::Done(Ok(n))
                }
            },
            |_| {},
        )
        .await;
        assert_eq!(settled, Ok(2));
        calls.store(0, Ordering::SeqCst);
        let heard = AtomicU32::new(0);
        let given_up: Result<u32, &str> = with_retries(
            1,
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Attempt::Retry("down", Some(Duration::ZERO))
            },
            |_| {
                heard.fetch_add(1, Ordering::SeqCst);
            },
        )
        .await;
        assert_eq!(given_up, Err("down"));
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one try and one retry");
        assert_eq!(heard.load(Ordering::SeqCst), 1);
    }
}
