//! A local stand-in for TMDB that replays the genuine recorded responses in
//! tests/fixtures/tmdb (see PROVENANCE.md there), with switchable misbehaviour.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const GOOD_KEY: &str = "k3y-S3CR3T-0123456789abcdef";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Normal,
    /// The first request gets 429 with Retry-After: 1.
    RateLimitOnce,
    /// Never answers (sleeps longer than any client timeout).
    Hang,
    /// 200 with a body that is not JSON.
    Malformed,
    /// 503 for everything.
    Down,
}

pub struct StandIn {
    pub base_url: String,
    /// Where the stand-in's image server answers (TMDB_IMAGE_BASE_URL).
    pub image_base_url: String,
    pub requests: Arc<AtomicUsize>,
    pub mode: Arc<Mutex<Mode>>,
}

impl StandIn {
    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tmdb")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Shared {
    requests: Arc<AtomicUsize>,
    mode: Arc<Mutex<Mode>>,
    limited_once: Mutex<bool>,
}

/// Fight Club's recorded details, with the appended parts as TMDB's append_to_response does.
/// Any id but 862 answers with them (id replaced); 862 answers the recorded 404 body.
async fn movie(
    req: HttpRequest,
    path: web::Path<String>,
    shared: web::Data<Shared>,
) -> HttpResponse {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let mode = *shared.mode.lock().unwrap();
    match mode {
        Mode::Hang => {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
        Mode::Malformed => {
            return HttpResponse::Ok()
                .content_type("application/json")
                .body("{\"id\": 550, \"title\": ")
        }
        Mode::Down => return HttpResponse::ServiceUnavailable().body("upstream maintenance"),
        Mode::RateLimitOnce => {
            let mut once = shared.limited_once.lock().unwrap();
            if !*once {
                *once = true;
                return HttpResponse::TooManyRequests().insert_header(("Retry-After", "1")).json(serde_json::json!({"status_code": 25, "status_message": "Your request count is over the allowed limit."}));
            }
        }
        Mode::Normal => {}
    }
    let query =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .unwrap();
    if query.get("api_key").map(String::as_str) != Some(GOOD_KEY) {
        return HttpResponse::Unauthorized().json(fixture("invalid-api-key.json"));
    }
    let segments: Vec<&str> = path.split('/').collect();
    let id: u32 = match segments[0].parse() {
        Ok(id) => id,
        Err(_) => return HttpResponse::NotFound().json(fixture("resource-not-found.json")),
    };
    if id == 862 {
        return HttpResponse::NotFound().json(fixture("resource-not-found.json"));
    }
    match segments.get(1..) {
        Some(["reviews"]) => return HttpResponse::Ok().json(fixture("movie-reviews.json")),
        Some(["watch", "providers"]) => {
            let mut providers = fixture("movie-watch-providers.json");
            providers["id"] = id.into();
            return HttpResponse::Ok().json(providers);
        }
        _ => {}
    }
    let mut details = fixture("movie-details.json");
    details["id"] = id.into();
    if let Some(append) = query.get("append_to_response") {
        for part in append.split(',') {
            let file = match part {
                "credits" => "movie-credits.json",
                "keywords" => "movie-keywords.json",
                "videos" => "movie-videos.json",
                "external_ids" => "movie-external-ids.json",
                _ => continue,
            };
            details[part] = fixture(file);
        }
    }
    HttpResponse::Ok().json(details)
}

/// TMDB's image server stand-in: every image is a plain grey square (logos and posters are
/// pictures, not data the tests read).
async fn image() -> HttpResponse {
    HttpResponse::Ok().content_type("image/svg+xml").body(
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 92 92'><rect width='92' height='92' rx='12' fill='#6b7280'/></svg>",
    )
}

pub fn spawn_stand_in() -> StandIn {
    let requests = Arc::new(AtomicUsize::new(0));
    let mode = Arc::new(Mutex::new(Mode::Normal));
    let shared = web::Data::new(Shared {
        requests: requests.clone(),
        mode: mode.clone(),
        limited_once: Mutex::new(false),
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new()
                    .app_data(shared.clone())
                    .route("/3/movie/{rest:.*}", web::get().to(movie))
                    .route("/t/p/{rest:.*}", web::get().to(image))
            })
            .workers(2)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        })
    });
    StandIn {
        base_url: format!("http://127.0.0.1:{port}/3"),
        image_base_url: format!("http://127.0.0.1:{port}/t/p/"),
        requests,
        mode,
    }
}

/// A stand-in for IMDb's review pages: tests/fixtures/imdb, chosen by title id.
pub fn spawn_imdb_stand_in() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = web::Data::new(hits.clone());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    async fn page(path: web::Path<String>, hits: web::Data<Arc<AtomicUsize>>) -> HttpResponse {
        hits.fetch_add(1, Ordering::SeqCst);
        let file = match path.as_str() {
            // Se7en's page is Fight Club's: a film with offline reviews, to merge with.
            "tt0137523" | "tt0114369" => "current-layout.html",
            "tt0114709" => "older-layout.html",
            "tt0068646" => "changed-layout.html",
            "tt0071562" => "no-reviews.html",
            "tt0110912" => "spoiler-layout.html",
            _ => return HttpResponse::NotFound().body("<html><body>404</body></html>"),
        };
        let html = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/imdb")
                .join(file),
        )
        .unwrap();
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html)
    }
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new()
                    .app_data(counter.clone())
                    .route("/title/{id}/reviews/", web::get().to(page))
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        })
    });
    (format!("http://127.0.0.1:{port}"), hits)
}
