//! What an operator watches, in the Prometheus text format: requests by route and status with
//! their latency, store failures and waits for a PostgreSQL connection, upstream (TMDB, IMDb)
//! calls by outcome and the TMDB breaker, the login and signup throttle's refusals, and the
//! sentiment queue. One registry per process; `startup` serves it on METRICS_ADDR only (never
//! on the public address). Everything else records through the functions here.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use std::sync::OnceLock;
use std::time::Duration;

struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    failures: IntCounterVec,
    pool_wait: HistogramVec,
    upstream: IntCounterVec,
    breaker_open: IntGauge,
    throttled: IntCounterVec,
    sentiment_pending: IntGauge,
}

fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(|| {
        let registry = Registry::new_custom(Some("cinesense".into()), None)
            .expect("a valid prefix");
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry.register(Box::new(c.clone())).expect("registered once");
            c
        };
        let histogram = |name: &str, help: &str, labels: &[&str], buckets: Vec<f64>| {
            let h = HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels)
                .expect("valid metric");
            registry.register(Box::new(h.clone())).expect("registered once");
            h
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("valid metric");
            registry.register(Box::new(g.clone())).expect("registered once");
            g
        };
        let seconds = vec![
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        Metrics {
            requests: counter(
                "http_requests_total",
                "HTTP requests answered, by route pattern, method and status",
                &["route", "method", "status"],
            ),
            latency: histogram(
                "http_request_duration_seconds",
                "Time to answer an HTTP request, by route pattern",
                &["route"],
                seconds.clone(),
            ),
            failures: counter(
                "request_failures_total",
                "Requests failed below the API: the store out of reach (503) or an internal error (500)",
                &["kind"],
            ),
            pool_wait: histogram(
                "store_pool_wait_seconds",
                "Time a PostgreSQL call waited for a connection",
                &["outcome"],
                seconds,
            ),
            upstream: counter(
                "upstream_calls_total",
                "Calls to TMDB and IMDb, by outcome",
                &["service", "outcome"],
            ),
            breaker_open: gauge(
                "tmdb_breaker_open",
                "1 while the TMDB circuit breaker is open",
            ),
            throttled: counter(
                "throttled_total",
                "Logins and signups refused with 429 by the throttle",
                &["what"],
            ),
            sentiment_pending: gauge(
                "sentiment_pending",
                "Review fetches and classifications queued or running",
            ),
            registry,
        }
    })
}

/// A request answered: `route` is its pattern (`/api/movies/{id}`), so labels stay few.
pub(crate) fn request(route: &str, method: &str, status: u16, took: Duration) {
    let m = metrics();
    m.requests
        .with_label_values(&[route, method, &status.to_string()])
        .inc();
    m.latency
        .with_label_values(&[route])
        .observe(took.as_secs_f64());
}

/// A request failed below the API: the store out of reach, or anything else.
pub(crate) fn request_failure(store_unavailable: bool) {
    let kind = if store_unavailable {
        "store_unavailable"
    } else {
        "internal"
    };
    metrics().failures.with_label_values(&[kind]).inc();
}

/// A PostgreSQL call's wait for a connection, and whether it got one.
pub(crate) fn pool_wait(took: Duration, got_one: bool) {
    let outcome = if got_one { "ok" } else { "timeout" };
    metrics()
        .pool_wait
        .with_label_values(&[outcome])
        .observe(took.as_secs_f64());
}

/// One call to an upstream service settled (`outcome`: ok, not_found, timeout, ...).
pub(crate) fn upstream_call(service: &str, outcome: &str) {
    metrics()
        .upstream
        .with_label_values(&[service, outcome])
        .inc();
}

pub(crate) fn tmdb_breaker(open: bool) {
    metrics().breaker_open.set(i64::from(open));
}

/// A login or signup refused by the throttle.
pub(crate) fn throttled(what: &str) {
    metrics().throttled.with_label_values(&[what]).inc();
}

pub(crate) fn sentiment_pending(n: usize) {
    metrics().sentiment_pending.set(n as i64);
}

/// Everything, in the Prometheus text format.
pub fn render() -> String {
    let mut out = Vec::new();
    let families = metrics().registry.gather();
    if let Err(e) = TextEncoder::new().encode(&families, &mut out) {
        log::warn!("metrics: {e}");
    }
    String::from_utf8(out).unwrap_or_default()
}
