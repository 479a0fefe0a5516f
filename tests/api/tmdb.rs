//! TMDB through the API, against the local stand-in that replays recorded responses.

use crate::helpers::{captured_logs, spawn_app_with, test_settings, TestApp};
use crate::stand_in::{spawn_stand_in, Mode, StandIn, GOOD_KEY};
use cinesense::clients::tmdb::Secret;
use cinesense::dataset::tmdb_snapshot;
use cinesense::index::{self, Freshness};
use std::time::{Duration, Instant};

const FIGHT_CLUB: u32 = 2959;

async fn app_with(stand_in: &StandIn, key: &str, timeout_ms: u64, ttl: i64) -> TestApp {
    let (url, key) = (stand_in.base_url.clone(), key.to_string());
    spawn_app_with(move |s| {
        s.tmdb.base_url = url;
        s.tmdb.image_base_url = "https://images.example/t/p/".into();
        s.tmdb.api_key = Some(Secret(key));
        s.tmdb.timeout = Duration::from_millis(timeout_ms);
        s.tmdb.cache_ttl_seconds = ttl;
    })
    .await
}

/// GET the movie page's data; asserts 200 and that the key is not in the body.
async fn movie(app: &TestApp, id: u32) -> serde_json::Value {
    let resp = app
        .client
        .get(format!("{}/api/movies/{id}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    for (name, value) in resp.headers() {
        assert!(
            !value.to_str().unwrap_or("").contains(GOOD_KEY),
            "key in header {name}"
        );
    }
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains(GOOD_KEY) && !text.contains("wrong-key-123"),
        "the key leaked into a response"
    );
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn fight_club_gets_poster_cast_and_director_then_comes_from_cache() {
    let stand_in = spawn_stand_in();
    let app = app_with(&stand_in, GOOD_KEY, 3000, 3600).await;
    let m = movie(&app, FIGHT_CLUB).await;
    assert_eq!(m["tmdb"]["status"], "ok", "{m}");
    assert_eq!(m["title"], "Fight Club");
    assert_eq!(
        m["poster_url"],
        "https://images.example/t/p/w342/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg"
    );
    assert_eq!(m["cast"][0]["name"], "Edward Norton");
    assert_eq!(m["cast"][0]["character"], "Narrator");
    assert_eq!(m["director"], "David Fincher");
    assert_eq!(m["runtime_minutes"], 139);
    assert_eq!(m["tagline"], "Mischief. Mayhem. Soap.");
    assert!(m["trailer_key"].is_string());
    let again = movie(&app, FIGHT_CLUB).await;
    assert_eq!(again["tmdb"]["status"], "cached");
    // Search suggestions now carry the poster, without asking TMDB.
    let (_, found) = app.get("/api/search?q=fight%20club&limit=1").await;
    assert_eq!(
        found["results"][0]["poster_url"],
        "https://images.example/t/p/w185/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg"
    );
    assert_eq!(
        stand_in.count(),
        2,
        "a movie page costs TMDB two calls (details, where to watch) per TTL"
    );
    assert!(!captured_logs().contains(GOOD_KEY), "the key was logged");
}

/// The names in one list of `where_to_watch`.
fn names(m: &serde_json::Value, list: &str) -> Vec<String> {
    m["where_to_watch"][list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {m}"))
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn where_to_watch_shows_the_regions_offers_in_tmdbs_order() {
    let stand_in = spawn_stand_in();
    let app = app_with(&stand_in, GOOD_KEY, 3000, 3600).await;
    let m = movie(&app, FIGHT_CLUB).await;
    let w = &m["where_to_watch"];
    assert_eq!(w["region"], "US", "{m}");
    assert_eq!(
        w["link"],
        "https://www.themoviedb.org/movie/550-fight-club/watch?locale=US"
    );
    assert_eq!(names(&m, "stream"), ["Peacock Premium"]);
    assert_eq!(
        names(&m, "rent"),
        [
            "Apple TV",
            "Amazon Video",
            "Google Play Movies",
            "YouTube",
            "Vudu",
            "Microsoft Store",
            "DIRECTV"
        ]
    );
    assert_eq!(names(&m, "buy").len(), 8);
    assert!(names(&m, "free").is_empty());
    assert_eq!(
        w["stream"][0]["logo_url"],
        "https://images.example/t/p/w92/drPlq5beqXtBaP7MNs8W616YRhm.jpg"
    );

    // Another region (the server's WATCH_REGION): that region's offers, here only a shop.
    let (url, images) = (stand_in.base_url.clone(), stand_in.image_base_url.clone());
    let albania = spawn_app_with(move |s| {
        s.tmdb.base_url = url;
        s.tmdb.image_base_url = images;
        s.tmdb.api_key = Some(Secret(GOOD_KEY.into()));
        s.tmdb.watch_region = "al".parse().unwrap();
    })
    .await;
    let m = movie(&albania, FIGHT_CLUB).await;
    assert_eq!(m["where_to_watch"]["region"], "AL", "{m}");
    assert!(names(&m, "stream").is_empty() && names(&m, "rent").is_empty());
    assert_eq!(names(&m, "buy"), ["Rakuten TV"]);
    assert_eq!(
        m["where_to_watch"]["buy"][0]["logo_url"],
        format!(
            "{}w92/bZvc9dXrXNly7cA0V4D9pR8yJwm.jpg",
            stand_in.image_base_url
        )
    );

    // A region with no offers: nothing to show, and the rest of the page as usual.
    let (url, key) = (stand_in.base_url.clone(), GOOD_KEY.to_string());
    let france = spawn_app_with(move |s| {
        s.tmdb.base_url = url;
        s.tmdb.api_key = Some(Secret(key));
        s.tmdb.watch_region = "FR".parse().unwrap();
    })
    .await;
    let m = movie(&france, FIGHT_CLUB).await;
    assert!(m["where_to_watch"].is_null(), "{m}");
    assert_eq!(m["director"], "David Fincher");
}

#[tokio::test]
async fn an_invalid_key_still_renders_local_data_with_the_status() {
    let stand_in = spawn_stand_in();
    let app = app_with(&stand_in, "wrong-key-123", 3000, 3600).await;
    let m = movie(&app, FIGHT_CLUB).await;
    assert_eq!(m["tmdb"]["status"], "invalid_key", "{m}");
    assert!(
        m["tmdb"]["message"]
            .as_str()
            .unwrap()
            .contains("Invalid API key"),
        "{m}"
    );
    assert_eq!(m["title"], "Fight Club");
    assert!(
        m["overview"].as_str().unwrap().len() > 20,
        "local overview kept"
    );
    assert!(m["poster_url"].is_null());
    assert!(
        !captured_logs().contains("wrong-key-123"),
        "the key was logged"
    );
}

#[tokio::test]
async fn an_unknown_tmdb_id_is_not_found_not_an_error() {
    let stand_in = spawn_stand_in();
    let app = app_with(&stand_in, GOOD_KEY, 3000, 3600).await;
    let m = movie(&app, 1).await; // Toy Story: tmdbId 862, which the stand-in answers 404 with status_code 34
    assert_eq!(m["tmdb"]["status"], "not_found", "{m}");
    assert!(
        m["tmdb"]["message"]
            .as_str()
            .unwrap()
            .contains("status_code 34"),
        "{m}"
    );
    assert_eq!(m["title"], "Toy Story");
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let stand_in = spawn_stand_in();
    stand_in.set(Mode::RateLimitOnce);
    let app = app_with(&stand_in, GOOD_KEY, 5000, 3600).await;
    let started = Instant::now();
    let m = movie(&app, FIGHT_CLUB).await;
    assert_eq!(m["tmdb"]["status"], "ok", "{m}");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After not honoured: {:?}",
        started.elapsed()
    );
    // Details and where to watch, one of them twice.
    assert_eq!(stand_in.count(), 3);
}

#[tokio::test]
async fn a_silent_upstream_costs_one_timeout_then_the_breaker_answers() {
    let stand_in = spawn_stand_in();
    stand_in.set(Mode::Hang);
    let app = app_with(&stand_in, GOOD_KEY, 1000, 3600).await;
    let started = Instant::now();
    let m = movie(&app, FIGHT_CLUB).await;
    let first = started.elapsed();
    assert_eq!(m["tmdb"]["status"], "timeout", "{m}");
    assert!(first < Duration::from_millis(2500), "took {first:?}");
    assert_eq!(m["title"], "Fight Club");
    let started = Instant::now();
    let m = movie(&app, FIGHT_CLUB).await;
    assert_eq!(m["tmdb"]["status"], "circuit_open", "{m}");
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "the breaker should answer at once"
    );
}

#[tokio::test]
async fn malformed_json_is_a_handled_error() {
    let stand_in = spawn_stand_in();
    stand_in.set(Mode::Malformed);
    let app = app_with(&stand_in, GOOD_KEY, 3000, 3600).await;
    let m = movie(&app, FIGHT_CLUB).await;
    assert_eq!(m["tmdb"]["status"], "malformed_response", "{m}");
    assert_eq!(m["title"], "Fight Club");
}

#[tokio::test]
async fn stale_cache_is_served_when_tmdb_is_down() {
    let stand_in = spawn_stand_in();
    let app = app_with(&stand_in, GOOD_KEY, 3000, 0).await; // every entry is immediately stale
    assert_eq!(movie(&app, FIGHT_CLUB).await["tmdb"]["status"], "ok");
    stand_in.set(Mode::Down);
    let m = movie(&app, FIGHT_CLUB).await;
    assert_eq!(m["tmdb"]["status"], "stale", "{m}");
    assert_eq!(m["director"], "David Fincher");
}

#[tokio::test]
async fn without_a_key_pages_say_tmdb_is_not_configured() {
    let app = spawn_app_with(|_| {}).await;
    let m = movie(&app, FIGHT_CLUB).await;
    assert_eq!(m["tmdb"]["status"], "not_configured");
    assert!(m["tmdb"]["message"]
        .as_str()
        .unwrap()
        .contains("TMDB_API_KEY"));
    assert!(m["where_to_watch"].is_null(), "{m}");
}

#[tokio::test]
async fn enrich_fetches_a_few_movies_and_resumes() {
    let stand_in = spawn_stand_in();
    let dir = tempfile::tempdir().unwrap();
    let mut s = test_settings();
    s.database_url = dir.path().join("store.sqlite").display().to_string();
    s.tmdb_snapshot = dir.path().join("tmdb-snapshot.jsonl");
    s.tmdb.base_url = stand_in.base_url.clone();
    s.tmdb.api_key = Some(Secret(GOOD_KEY.into()));
    s.tmdb.enrich_rate = 50.0;
    let services = cinesense::startup::Services::open(&s, &Default::default(), None).unwrap();
    let first = cinesense::services::enrich::enrich(services.tmdb(), &s, Some(5), true)
        .await
        .unwrap();
    assert_eq!(
        (first.candidates, first.fetched, first.not_found),
        (5, 4, 1),
        "{first:?}"
    );
    let again = cinesense::services::enrich::enrich(services.tmdb(), &s, Some(5), true)
        .await
        .unwrap();
    assert_eq!(again.already_cached, 4, "{again:?}");
    assert_eq!(again.fetched, 0);
    let store = cinesense::store::Store::open(&s.database().unwrap()).unwrap();
    assert_eq!(store.cache_entries("tmdb:movie:").unwrap().len(), 4);
    // The snapshot the next build reads holds the four movies with their overviews.
    assert_eq!(again.in_snapshot, 4);
    let snapshot = tmdb_snapshot::read(&s.tmdb_snapshot).unwrap();
    assert_eq!(snapshot.len(), 4);
    assert!(snapshot
        .values()
        .all(|m| m.overview.as_deref().is_some_and(|o| !o.is_empty())));
    // Without a key, enrich says what to do.
    s.tmdb.api_key = None;
    let err = cinesense::services::enrich::enrich(services.tmdb(), &s, Some(5), true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("TMDB_API_KEY"));
}

#[tokio::test]
async fn browsing_movie_pages_never_makes_the_index_stale() {
    let stand_in = spawn_stand_in();
    let app = app_with(&stand_in, GOOD_KEY, 3000, 3600).await;
    assert_eq!(index::freshness(&app.settings).unwrap(), Freshness::Fresh);
    let m = movie(&app, FIGHT_CLUB).await;
    assert_eq!(m["tmdb"]["status"], "ok", "{m}");
    // The visit cached TMDB's details in the app's store...
    assert!(!app.store.cache_entries("tmdb:movie:").unwrap().is_empty());
    // ...and the index built for the same settings is still the one to serve.
    assert_eq!(index::freshness(&app.settings).unwrap(), Freshness::Fresh);
}
