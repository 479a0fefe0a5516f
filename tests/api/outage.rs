//! PostgreSQL out of reach: the API answers 503 with Retry-After within 3 s (never 500, never
//! a hang), readiness says not ready, what needs no database goes on, and everything answers
//! again once PostgreSQL is back, without a restart. On a PostgreSQL of the test's own.

use crate::helpers::{on_postgres, spawn_app_with, wait_for_status, TestApp};
use crate::postgres::OwnPostgres;
use reqwest::Method;
use std::time::{Duration, Instant};

/// Status, Retry-After and how long the answer took.
async fn timed(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Option<String>, Duration) {
    let started = Instant::now();
    let mut req = app.client.get(format!("{}{path}", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = tokio::time::timeout(Duration::from_secs(30), req.send())
        .await
        .unwrap_or_else(|_| panic!("{path}: no answer in 30 s"))
        .expect("answer");
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let _ = resp.bytes().await;
    (status, retry, started.elapsed())
}

/// What a store outage looks like from outside, for `what` ("crashed", "frozen").
async fn assert_unavailable(app: &TestApp, token: &str, what: &str) {
    for path in ["/api/me/ratings", "/api/me/home", "/api/health/ready"] {
        let (status, retry, took) = timed(app, path, Some(token)).await;
        assert_eq!(status, 503, "{path} with PostgreSQL {what}");
        assert!(retry.is_some(), "{path}: Retry-After");
        assert!(
            took < Duration::from_secs(3),
            "{path} took {took:?} ({what})"
        );
    }
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/me/ratings/1",
            Some(token),
            Some(serde_json::json!({"rating": 4})),
        )
        .await;
    assert_eq!(status, 503, "a rating with PostgreSQL {what}: {body}");
    assert_eq!(body["error"]["code"], "unavailable");
    // What needs no database goes on (logged out: a session needs the database).
    for path in [
        "/api/health",
        "/api/search?q=toy",
        "/api/movies/1",
        "/api/movies/1/similar",
        "/api/browse?genre=Comedy",
        "/api/popular",
    ] {
        let (status, _, took) = timed(app, path, None).await;
        assert_eq!(status, 200, "{path} with PostgreSQL {what}");
        assert!(
            took < Duration::from_secs(3),
            "{path} took {took:?} ({what})"
        );
    }
}

#[tokio::test]
async fn postgres_down_or_frozen_is_503_in_time_and_recovers_without_a_restart() {
    if on_postgres() {
        return; // It runs a PostgreSQL of its own: once per suite is enough.
    }
    let Some(mut pg) = OwnPostgres::start() else {
        return;
    };
    let url = pg.url();
    let app = spawn_app_with(|s| s.database_url = url).await;
    let me = app
        .signup("outage_fan", &["Comedy", "Drama", "Romance"])
        .await;
    assert_eq!(app.rate(&me, 1, 4.5).await.0, 200);
    assert_eq!(timed(&app, "/api/health/ready", None).await.0, 200);

    pg.crash();
    assert_unavailable(&app, &me.token, "crashed").await;
    pg.resume_service();
    // Back without a restart of the app.
    wait_for_status(&app.address, "/api/health/ready", 200).await;
    let (status, body) = app
        .send(Method::GET, "/api/me/ratings", Some(&me.token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["ratings"][0]["rating"], 4.5,
        "the rating survived: {body}"
    );

    pg.freeze();
    assert_unavailable(&app, &me.token, "frozen").await;
    pg.thaw();
    // Back without a restart of the app.
    wait_for_status(&app.address, "/api/health/ready", 200).await;
    assert_eq!(app.rate(&me, 2, 3.0).await.0, 200);
}
