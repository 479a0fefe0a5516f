//! What every answer carries and how the server reads requests: security headers, no caching
//! of personal answers, 413 for an oversized body, 408 for one that does not arrive, HEAD,
//! ids that are digits only.

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
        // Images from here and TMDB's image server only.
        assert!(
            csp.contains("img-src 'self' data: https://image.tmdb.org;"),
            "{path}: {csp}"
        );
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
    // Personal answers everywhere a session is sent (issue 26, finding 7): who is logged in,
    // browse and popular lists with what the member rated left out, the marks.
    for path in [
        "/api/me",
        "/api/me/ratings",
        "/api/me/recommendations",
        "/api/me/marks",
        "/api/sessions/current",
        "/api/browse?hide_rated=true",
        "/api/popular?hide_rated=true",
        "/api/hidden-gems?hide_rated=true",
    ] {
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

/// HEAD on an API route answers like its GET, without the body (it was 404).
#[tokio::test]
async fn head_answers_like_get_without_the_body() {
    let app = spawn_app().await;
    for (path, status) in [
        ("/api/movies/1", 200),
        ("/api/search?q=toy", 200),
        ("/api/health", 200),
        ("/api/movies/999999999", 404),
    ] {
        let resp = app
            .client
            .head(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert!(resp.bytes().await.unwrap().is_empty(), "{path}");
    }
}

/// A body trickled a byte at a time is cut off at the deadline with a JSON 408, instead of
/// holding the connection open for as long as the client likes (it stayed open > 110 s).
#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_gets_a_json_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let addr = app.address.trim_start_matches("http://");
    let conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = conn.into_split();
    let head = format!(
        "POST /api/sessions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{{"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let trickle = async {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    };
    let mut answer = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}}") {
                        break;
                    }
                }
            }
        }
    };
    tokio::select! {
        _ = read => {}
        _ = trickle => {}
        _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => panic!("no answer in 60 s"),
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(r#""code":"request_timeout""#), "{text}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

/// A long query string gets the JSON error naming the parameter; a request head too big to read
/// (1 MiB) is refused with 431 and the connection closed, and the server goes on answering
/// others. (actix-http writes that 431 itself, before the app sees the request, so its body is
/// empty rather than the JSON error format.)
#[tokio::test]
async fn a_huge_query_string_is_refused_and_the_server_goes_on() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let (s, body) = app
        .get(&format!("/api/search?q={}", "a".repeat(40 * 1024)))
        .await;
    assert_eq!(
        assert_error(s, &body, 400, "bad_parameter")["parameter"],
        "q"
    );
    let addr = app.address.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "GET /api/search?q={} HTTP/1.1\r\nHost: {addr}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    // The server may stop reading once it has seen too much.
    let _ = conn.write_all(head.as_bytes()).await;
    let mut answer = vec![0u8; 256];
    let n = conn.read(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");
    let (s, body) = app.get("/api/search?q=toy").await;
    assert_eq!(s, 200, "{body}");
}

/// OPTIONS answered 404; now 204 with the methods the path takes, and a method it does not take
/// is a 405 naming them. A field of the wrong type is a 400 naming the field (before: no
/// `parameter`, only serde's line and column).
#[tokio::test]
async fn options_allow_and_typed_body_errors_name_what_is_wrong() {
    let app = spawn_app().await;
    let options = |path: &'static str| {
        let (client, url) = (app.client.clone(), format!("{}{path}", app.address));
        async move {
            let resp = client.request(Method::OPTIONS, url).send().await.unwrap();
            let allow = resp
                .headers()
                .get("allow")
                .map(|v| v.to_str().unwrap().to_string());
            (resp.status().as_u16(), allow)
        }
    };
    assert_eq!(
        options("/api/me/ratings/1").await,
        (204, Some("PUT, DELETE, OPTIONS".to_string()))
    );
    assert_eq!(
        options("/api/search").await,
        (204, Some("GET, HEAD, OPTIONS".to_string()))
    );
    assert_eq!(options("/api/nothing-here").await.0, 404);
    let (s, b) = app.send(Method::DELETE, "/api/search", None, None).await;
    let err = assert_error(s, &b, 405, "method_not_allowed");
    assert!(err["message"].as_str().unwrap().contains("GET"), "{b}");

    let me = app.signup("typed", &["Comedy", "Drama", "Romance"]).await;
    for (body, field) in [(json!({"rating": "four"}), "rating"), (json!({}), "rating")] {
        let (s, b) = app
            .send(
                Method::PUT,
                "/api/me/ratings/1",
                Some(&me.token),
                Some(body),
            )
            .await;
        let err = assert_error(s, &b, 400, "bad_parameter");
        assert_eq!(err["parameter"], field, "{b}");
    }
    let (s, b) = app
        .send(
            Method::POST,
            "/api/users",
            None,
            Some(json!({"username": "typed2", "password": "a good password", "genres": ["Comedy", 7, "Drama"]})),
        )
        .await;
    let err = assert_error(s, &b, 400, "bad_parameter");
    assert_eq!(err["parameter"], "genres[1]", "{b}");
}
