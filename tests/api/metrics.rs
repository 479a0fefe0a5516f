//! `/metrics` in the Prometheus text format, on METRICS_ADDR only: requests by route pattern
//! and status with latency histograms, and the throttle's refusals.

use crate::helpers::{spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::json;

/// The value of the sample `name{labels}` (labels as Prometheus writes them, sorted).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_on_their_own_address() {
    let app = spawn_app_with(|s| s.metrics_addr = Some("127.0.0.1:0".parse().unwrap())).await;
    let metrics = app.metrics_address.clone().expect("METRICS_ADDR was set");
    let scrape = || async { reqwest::get(&metrics).await.unwrap().text().await.unwrap() };
    let before = scrape().await;
    let search = r#"cinesense_http_requests_total{method="GET",route="/api/search",status="200"}"#;
    let movie_404 =
        r#"cinesense_http_requests_total{method="GET",route="/api/movies/{id}",status="404"}"#;
    for _ in 0..3 {
        assert_eq!(app.get("/api/search?q=toy").await.0, 200);
    }
    assert_eq!(app.get("/api/movies/999999999").await.0, 404);
    for _ in 0..6 {
        app.send(
            Method::POST,
            "/api/sessions",
            None,
            Some(json!({"username": "nobody_here", "password": "wrong password"})),
        )
        .await;
    }
    let after = scrape().await;
    let grew = |series: &str| {
        sample(&after, series).unwrap_or(0.0) - sample(&before, series).unwrap_or(0.0)
    };
    // Other tests of this binary run alongside: at least ours are counted.
    assert!(grew(search) >= 3.0, "{after}");
    assert!(grew(movie_404) >= 1.0, "{after}");
    assert!(
        grew(r#"cinesense_throttled_total{what="login"}"#) >= 1.0,
        "{after}"
    );
    assert!(
        grew(r#"cinesense_http_request_duration_seconds_count{route="/api/search"}"#) >= 3.0,
        "{after}"
    );
    assert!(after.contains("# TYPE cinesense_http_request_duration_seconds histogram"));
    // Never on the public address.
    let (status, _) = app.get("/metrics").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn without_metrics_addr_nothing_listens() {
    let app = spawn_app().await;
    assert!(app.metrics_address.is_none());
}
