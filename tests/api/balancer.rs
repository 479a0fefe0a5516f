//! Two replicas behind a reverse proxy, as the README sets them up: the proxy (written here on
//! actix-web and reqwest, doing what the README's HAProxy config does) sends each request to a
//! replica whose readiness check passes and appends the client's address to X-Forwarded-For;
//! the replicas trust it (TRUSTED_PROXIES). Through it: a stranger's guesses do not lock the
//! owner out (finding 2), and with PostgreSQL down clients get 503 in time and everything
//! answers again once it is back (finding 3). On a PostgreSQL of the test's own.

use crate::helpers::{on_postgres, spawn_app_with, wait_for_status, TestApp};
use crate::postgres::OwnPostgres;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The replicas behind the proxy and which of them passed their last readiness check.
struct Upstreams {
    addresses: Vec<String>,
    ready: Vec<AtomicBool>,
    next: AtomicUsize,
    client: reqwest::Client,
}

impl Upstreams {
    /// Round robin over the ready ones.
    fn pick(&self) -> Option<&str> {
        let n = self.addresses.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| (start + i) % n)
            .find(|&i| self.ready[i].load(Ordering::Relaxed))
            .map(|i| self.addresses[i].as_str())
    }
}

/// Every 200 ms, GET /api/health/ready on each replica (1 s timeout), as HAProxy's
/// `option httpchk` does.
async fn check_readiness(up: Arc<Upstreams>) {
    loop {
        for (i, address) in up.addresses.iter().enumerate() {
            let ok = up
                .client
                .get(format!("{address}/api/health/ready"))
                .timeout(Duration::from_secs(1))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            up.ready[i].store(ok, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn forward(req: HttpRequest, body: web::Bytes, up: web::Data<Upstreams>) -> HttpResponse {
    let Some(upstream) = up.pick() else {
        return HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(json!({"error": {"code": "unavailable", "message": "no replica is ready"}}));
    };
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let forwarded_for = match req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
    {
        Some(earlier) => format!("{earlier}, {peer}"),
        None => peer,
    };
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
    let mut out = up
        .client
        .request(method, format!("{upstream}{}", req.uri()))
        .header("X-Forwarded-For", forwarded_for)
        .timeout(Duration::from_secs(30))
        .body(body.to_vec());
    for (name, value) in req.headers() {
        let name = name.as_str();
        if !["host", "connection", "x-forwarded-for", "content-length"].contains(&name) {
            out = out.header(name, value.as_bytes());
        }
    }
    let Ok(resp) = out.send().await else {
        return HttpResponse::BadGateway().finish();
    };
    let mut answer =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(resp.status().as_u16()).unwrap());
    for (name, value) in resp.headers() {
        if !["connection", "transfer-encoding", "content-length"].contains(&name.as_str()) {
            answer.append_header((name.as_str(), value.as_bytes()));
        }
    }
    answer.body(resp.bytes().await.unwrap_or_default())
}

/// Starts the proxy in front of `replicas`; its address.
fn start_proxy(replicas: &[&TestApp]) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let up = Arc::new(Upstreams {
        addresses: replicas.iter().map(|r| r.address.clone()).collect(),
        ready: replicas.iter().map(|_| AtomicBool::new(false)).collect(),
        next: AtomicUsize::new(0),
        client: reqwest::Client::new(),
    });
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            actix_web::rt::spawn(check_readiness(up.clone()));
            let data = web::Data::from(up);
            HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .default_service(web::to(forward))
            })
            .workers(2)
            .listen(listener)
            .unwrap()
            .run()
            .await
        })
    });
    format!("http://127.0.0.1:{port}")
}

/// A client on its own local address (all of 127.0.0.0/8 reaches the proxy).
fn client_at(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(Some(address.parse().unwrap()))
        .build()
        .unwrap()
}

async fn login(client: &reqwest::Client, proxy: &str, password: &str) -> u16 {
    client
        .post(format!("{proxy}/api/sessions"))
        .json(&json!({"username": "balanced", "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn two_replicas_behind_a_proxy_keep_owners_in_and_say_503_while_postgres_is_down() {
    if on_postgres() {
        return; // It runs a PostgreSQL of its own: once per suite is enough.
    }
    let Some(mut pg) = OwnPostgres::start() else {
        return;
    };
    let url = pg.url();
    let replica = || {
        let url = url.clone();
        spawn_app_with(move |s| {
            s.database_url = url;
            s.trusted_proxies = "127.0.0.1".parse().unwrap();
        })
    };
    let (a, b) = (replica().await, replica().await);
    let proxy = start_proxy(&[&a, &b]);
    wait_for_status(&proxy, "/api/health/ready", 200).await;
    let (status, body) = a
        .send(
            reqwest::Method::POST,
            "/api/users",
            None,
            Some(json!({"username": "balanced", "password": "a good password", "genres": ["Comedy", "Drama", "Romance"]})),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // A stranger guesses through the proxy, on both replicas (round robin).
    let stranger = client_at("127.0.0.2");
    let mut guesses = Vec::new();
    for _ in 0..7 {
        guesses.push(login(&stranger, &proxy, "wrong password").await);
    }
    assert_eq!(&guesses[..5], [401; 5], "{guesses:?}");
    assert_eq!(&guesses[5..], [429; 2], "the stranger waits: {guesses:?}");
    // The owner, through the same proxy, gets in on either replica.
    let owner = client_at("127.0.0.3");
    assert_eq!(login(&owner, &proxy, "a good password").await, 200);
    assert_eq!(login(&owner, &proxy, "a good password").await, 200);

    // PostgreSQL crashes: 503 with Retry-After within 3 s through the proxy, both replicas
    // not ready; the catalog still answers where the proxy has no replica (none is ready).
    pg.crash();
    for _ in 0..4 {
        let started = Instant::now();
        let resp = owner
            .post(format!("{proxy}/api/sessions"))
            .json(&json!({"username": "balanced", "password": "a good password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 503);
        assert!(resp.headers().contains_key("retry-after"));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
    for replica in [&a, &b] {
        assert_eq!(replica.get("/api/health/ready").await.0, 503);
        assert_eq!(replica.get("/api/search?q=alien").await.0, 200);
    }

    // Back without restarting anything.
    pg.resume_service();
    wait_for_status(&proxy, "/api/health/ready", 200).await;
    assert_eq!(login(&owner, &proxy, "a good password").await, 200);
}
