//! The circuit breaker: after repeated outages TMDB is not called for a while (a timeout
//! counts as all of them: it is the most expensive failure); then one call is let through, and
//! one more failure re-opens it.

use super::outcome::Problem;
use std::time::{Duration, Instant};

/// Consecutive outages before the breaker opens.
const BREAKER_THRESHOLD: u32 = 3;

pub(super) struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
    cooldown: Duration,
}

impl Breaker {
    pub(super) fn new(cooldown: Duration) -> Self {
        Breaker {
            failures: 0,
            open_until: None,
            cooldown,
        }
    }

    /// Whether calls are held back now (a call let through while half-open counts).
    pub(super) fn is_open(&mut self) -> bool {
        match self.open_until {
            Some(t) if Instant::now() < t => true,
            Some(_) => {
                // Half-open: let this call through; one more failure re-opens.
                self.open_until = None;
                self.failures = BREAKER_THRESHOLD - 1;
                crate::metrics::tmdb_breaker(false);
                false
            }
            None => false,
        }
    }

    /// Counts a call's outcome: None for a success.
    pub(super) fn record(&mut self, problem: Option<&Problem>) {
        match problem {
            None => {
                self.failures = 0;
                self.open_until = None;
                crate::metrics::tmdb_breaker(false);
            }
            Some(p) if p.is_outage() => {
                self.failures += if *p == Problem::Timeout {
                    BREAKER_THRESHOLD
                } else {
                    1
                };
                if self.failures >= BREAKER_THRESHOLD && self.open_until.is_none() {
                    log::warn!("TMDB circuit breaker open for {:?}", self.cooldown);
                    self.open_until = Some(Instant::now() + self.cooldown);
                    crate::metrics::tmdb_breaker(true);
                }
            }
            Some(_) => {}
        }
    }
}
