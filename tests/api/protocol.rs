//! What every answer carries and how the server reads requests: security headers, no caching
//! of personal answers, 413 for an oversized body, ids that are digits only.

use crate::helpers::{assert_error, spawn_app};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/api/movies/1", "/api/search?q=toy", "/api/movies/abc"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        let h = resp.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(
            h.get("cache-control").is_none_or(|v| v != "no-store"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn personal_answers_and_tokens_are_never_cached() {
    let app = spawn_app().await;
    let signup = app
        .client
        .post(format!("{}/api/users", app.address))
        .json(&json!({"username": "frank", "password": "a good password", "genres": ["Comedy", "Drama", "Romance"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status().as_u16(), 201);
    assert_eq!(signup.headers()["cache-control"], "no-store");
    let token = signup.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    for path in ["/api/me", "/api/me/ratings", "/api/me/recommendations"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        assert_eq!(resp.headers()["cache-control"], "no-store", "{path}");
    }
    let login = app
        .client
        .post(format!("{}/api/sessions", app.address))
        .json(&json!({"username": "frank", "password": "a good password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.headers()["cache-control"], "no-store");
}

/// A 10 MB JSON body answered 400; it is too large, and says so in the JSON error format.
#[tokio::test]
async fn an_oversized_body_is_a_413_in_the_error_format() {
    let app = spawn_app().await;
    let big =
        json!({"username": "x".repeat(10 << 20), "password": "a good password", "genres": []});
    let (status, body) = app.send(Method::POST, "/api/users", None, Some(big)).await;
    assert_error(status, &body, 413, "payload_too_large");
}

/// `/api/movies/+1` and `/api/movies/%201` were read as movie 1.
#[tokio::test]
async fn an_id_is_digits_only() {
    let app = spawn_app().await;
    for raw in ["+1", "%201", "1%20", "-1", "1.0", "0x1"] {
        let (status, body) = app.get(&format!("/api/movies/{raw}")).await;
        assert_error(status, &body, 400, "bad_parameter");
    }
    let (status, _) = app.get("/api/movies/1").await;
    assert_eq!(status, 200);
}

/// A member with thousands of ratings got them all in one 2 MB answer: now a page at a time.
#[tokio::test]
async fn ratings_come_a_page_at_a_time() {
    let app = spawn_app().await;
    let me = app.signup("gina", &["Comedy", "Drama", "Romance"]).await;
    for id in [1u32, 2, 3] {
        let (s, b) = app.rate(&me, id, 4.0).await;
        assert_eq!(s, 200, "{b}");
    }
    let page = |q: &'static str| {
        let (app, token) = (&app, me.token.clone());
        async move {
            app.send(
                Method::GET,
                &format!("/api/me/ratings{q}"),
                Some(&token),
                None,
            )
            .await
        }
    };
    let (s, first) = page("?limit=2").await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["ratings"].as_array().unwrap().len(), 2);
    assert_eq!(
        (first["total"].as_u64(), first["next_offset"].as_u64()),
        (Some(3), Some(2))
    );
    let (_, second) = page("?limit=2&offset=2").await;
    assert_eq!(second["ratings"].as_array().unwrap().len(), 1);
    assert!(second["next_offset"].is_null(), "{second}");
    let (_, all) = page("").await;
    assert_eq!(all["ratings"].as_array().unwrap().len(), 3);
    for bad in ["?offset=-1", "?limit=0", "?limit=1000"] {
        let (s, b) = page(bad).await;
        assert_error(s, &b, 400, "bad_parameter");
    }
}
