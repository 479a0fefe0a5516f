//! Two `serve` replicas on one PostgreSQL database, as behind a load balancer: whatever one
//! writes or decides, the other sees.

use crate::helpers::{assert_error, spawn_app_with, TestApp};
use cinesense::store::scratch::ScratchDatabase;
use reqwest::Method;
use serde_json::json;

async fn two_replicas(test: &str) -> Option<(ScratchDatabase, TestApp, TestApp)> {
    let db = ScratchDatabase::create(test)?;
    let a = spawn_app_with(|s| s.database_url = db.url.clone()).await;
    let b = spawn_app_with(|s| s.database_url = db.url.clone()).await;
    assert_ne!(a.address, b.address);
    Some((db, a, b))
}

#[tokio::test]
async fn a_rating_and_a_session_from_one_replica_work_on_the_other() {
    let Some((_db, a, b)) = two_replicas("replicas_share_data").await else {
        return;
    };
    let fay = a.signup("fay", &["Comedy", "Drama", "Romance"]).await;
    // The session made by A is good on B.
    let (s, me) = b.send(Method::GET, "/api/me", Some(&fay.token), None).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["username"], "fay");
    // A rating written through A is read through B, and changes B's recommendations.
    let (_, before) = b
        .send(
            Method::GET,
            "/api/me/recommendations?limit=20",
            Some(&fay.token),
            None,
        )
        .await;
    let (s, body) = a.rate(&fay, 2571, 5.0).await;
    assert_eq!(s, 200, "{body}");
    let (s, page) = b
        .send(Method::GET, "/api/me/ratings", Some(&fay.token), None)
        .await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["ratings"][0]["movie"]["id"], 2571, "{page}");
    let (_, after) = b
        .send(
            Method::GET,
            "/api/me/recommendations?limit=20",
            Some(&fay.token),
            None,
        )
        .await;
    assert_ne!(
        before, after,
        "B recommends from the rating written through A"
    );
    // Logging out on B ends the session on A too.
    let (s, _) = b
        .send(Method::DELETE, "/api/sessions", Some(&fay.token), None)
        .await;
    assert_eq!(s, 204);
    let (s, body) = a.send(Method::GET, "/api/me", Some(&fay.token), None).await;
    assert_error(s, &body, 401, "unauthorized");
}

/// Five wrong passwords through A: the next try through B waits, as it would on A.
#[tokio::test]
async fn login_throttling_is_shared_by_the_replicas() {
    let Some((_db, a, b)) = two_replicas("replicas_share_throttle").await else {
        return;
    };
    a.signup("gus", &["Comedy", "Drama", "Romance"]).await;
    let wrong = json!({"username": "gus", "password": "wrong password"});
    for _ in 0..5 {
        let (s, body) = a
            .send(Method::POST, "/api/sessions", None, Some(wrong.clone()))
            .await;
        assert_error(s, &body, 401, "unauthorized");
    }
    let (s, body) = b
        .send(Method::POST, "/api/sessions", None, Some(wrong))
        .await;
    assert_error(s, &body, 429, "too_many_requests");
    // And a username taken through A is taken on B.
    let (s, body) = b
        .send(
            Method::POST,
            "/api/users",
            None,
            Some(json!({"username": "GUS", "password": "a good password", "genres": ["Comedy", "Drama", "Romance"]})),
        )
        .await;
    assert_eq!(s, 409, "{body}");
}
