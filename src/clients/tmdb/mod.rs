//! The TMDB v3 client: server-side only, cached in the store, and never in the way.
//!
//! Every call first looks in the cache (fresh for `cache_ttl`); otherwise it asks TMDB with a
//! connect timeout, one overall deadline for the call including retries, at most `max_retries`
//! retries with jittered backoff on 5xx and transport errors, `Retry-After` honoured on 429,
//! and a bounded number of requests in flight. After repeated failures the circuit breaker
//! stops calling for a while. Whatever goes wrong, the caller gets the stale cache entry if
//! there is one and a `Problem` that says what happened, never a panic.
//!
//! The API key goes out as the `api_key` parameter (or the read token as a bearer header) and
//! nowhere else: logged URLs are only paths, and reqwest errors are stripped of their URL.

pub mod types;

/// Cache keys of poster paths: `tmdb:poster:{tmdb id}`.
const POSTER_KEY: &str = "tmdb:poster:";

use crate::store::{now, Store};
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
pub use types::*;
use utoipa::ToSchema;

/// A secret setting: shown as `***` in Debug output.
#[derive(Clone, Default, PartialEq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone)]
pub struct TmdbSettings {
    /// TMDB_API_KEY: v3 key, sent as `api_key`.
    pub api_key: Option<Secret>,
    /// TMDB_READ_TOKEN: v4 read access token, sent as a bearer header.
    pub read_token: Option<Secret>,
    /// TMDB_BASE_URL
    pub base_url: String,
    /// TMDB_IMAGE_BASE_URL
    pub image_base_url: String,
    /// TMDB_CACHE_TTL_SECONDS
    pub cache_ttl_seconds: i64,
    /// TMDB_CONNECT_TIMEOUT_MS
    pub connect_timeout: Duration,
    /// TMDB_TIMEOUT_MS: the deadline of one call, retries included.
    pub timeout: Duration,
    /// TMDB_MAX_RETRIES
    pub max_retries: u32,
    /// TMDB_MAX_IN_FLIGHT
    pub max_in_flight: usize,
    /// TMDB_BREAKER_COOLDOWN_SECONDS: how long the breaker stays open.
    pub breaker_cooldown: Duration,
    /// TMDB_ENRICH_RATE: requests per second for `cinesense enrich`.
    pub enrich_rate: f64,
    /// WATCH_REGION: whose streaming, rental and purchase offers the movie page shows.
    pub watch_region: Region,
}

/// A country as TMDB names regions: two letters of ISO 3166-1 ("US", "GB").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region(String);

impl Region {
    pub fn code(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Region {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Region(code))
        } else {
            Err(format!(
                "a region is two letters of ISO 3166-1, such as US or GB; got {raw:?}"
            ))
        }
    }
}

impl Default for TmdbSettings {
    fn default() -> Self {
        TmdbSettings {
            api_key: None,
            read_token: None,
            base_url: "https://api.themoviedb.org/3".into(),
            image_base_url: "https://image.tmdb.org/t/p/".into(),
            cache_ttl_seconds: 7 * 24 * 3600,
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(8),
            max_retries: 2,
            max_in_flight: 8,
            breaker_cooldown: Duration::from_secs(30),
            enrich_rate: 20.0,
            watch_region: Region("US".into()),
        }
    }
}

impl TmdbSettings {
    pub fn configured(&self) -> bool {
        self.api_key.is_some() || self.read_token.is_some()
    }

    /// A full image URL: `size` is a TMDB size such as `w342`.
    pub fn image_url(&self, size: &str, path: Option<&str>) -> Option<String> {
        let path = path.filter(|p| !p.is_empty())?;
        Some(format!(
            "{}/{}{}",
            self.image_base_url.trim_end_matches('/'),
            size,
            path
        ))
    }
}

/// How the TMDB part of an answer came to be, as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TmdbStatus {
    /// Just fetched.
    Ok,
    /// From the cache, within its lifetime.
    Cached,
    /// TMDB failed; an expired cache entry is served.
    Stale,
    NotConfigured,
    InvalidKey,
    NotFound,
    Timeout,
    CircuitOpen,
    RateLimited,
    UpstreamError,
    MalformedResponse,
    /// MovieLens has no TMDB id for the movie.
    NoTmdbId,
}

/// What went wrong with a TMDB call; `status()` is the word our API reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    NotConfigured,
    InvalidKey(String),
    NotFound(String),
    RateLimited,
    Timeout,
    CircuitOpen,
    Upstream(String),
    Malformed(String),
}

impl Problem {
    pub fn status(&self) -> TmdbStatus {
        match self {
            Problem::NotConfigured => TmdbStatus::NotConfigured,
            Problem::InvalidKey(_) => TmdbStatus::InvalidKey,
            Problem::NotFound(_) => TmdbStatus::NotFound,
            Problem::RateLimited => TmdbStatus::RateLimited,
            Problem::Timeout => TmdbStatus::Timeout,
            Problem::CircuitOpen => TmdbStatus::CircuitOpen,
            Problem::Upstream(_) => TmdbStatus::UpstreamError,
            Problem::Malformed(_) => TmdbStatus::MalformedResponse,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Problem::NotConfigured => {
                "TMDB is not configured (set TMDB_API_KEY or TMDB_READ_TOKEN); showing local data"
                    .into()
            }
            Problem::InvalidKey(m) => format!("TMDB rejected the API key: {m}"),
            Problem::NotFound(m) => format!("TMDB does not know this movie: {m}"),
            Problem::RateLimited => "TMDB is rate limiting us; try again shortly".into(),
            Problem::Timeout => "TMDB did not answer in time".into(),
            Problem::CircuitOpen => "TMDB failed repeatedly; not calling it for a while".into(),
            Problem::Upstream(m) => format!("TMDB failed: {m}"),
            Problem::Malformed(m) => format!("TMDB sent a response we could not read: {m}"),
        }
    }

    /// Failures that say TMDB itself is unwell (they trip the breaker).
    fn is_outage(&self) -> bool {
        matches!(
            self,
            Problem::Timeout | Problem::Upstream(_) | Problem::RateLimited
        )
    }
}

/// The outcome of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetch<T> {
    /// Just fetched from TMDB.
    Fresh(T),
    /// From the cache, within its TTL.
    Cached(T),
    /// TMDB failed; an expired cache entry is served.
    Stale(T, Problem),
    /// TMDB failed and nothing is cached.
    Failed(Problem),
}

impl<T> Fetch<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Fetch::Fresh(v) | Fetch::Cached(v) | Fetch::Stale(v, _) => Some(v),
            Fetch::Failed(_) => None,
        }
    }

    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Fetch::Stale(_, p) | Fetch::Failed(p) => Some(p),
            _ => None,
        }
    }

    /// Ok, Cached, Stale or the problem's status.
    pub fn status(&self) -> TmdbStatus {
        match self {
            Fetch::Fresh(_) => TmdbStatus::Ok,
            Fetch::Cached(_) => TmdbStatus::Cached,
            Fetch::Stale(..) => TmdbStatus::Stale,
            Fetch::Failed(p) => p.status(),
        }
    }
}

/// Consecutive outages before the breaker opens. A timeout counts as all of them: it is the
/// most expensive failure.
const BREAKER_THRESHOLD: u32 = 3;

#[derive(Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
}

pub struct TmdbClient {
    http: reqwest::Client,
    settings: TmdbSettings,
    store: Arc<Store>,
    in_flight: tokio::sync::Semaphore,
    breaker: Mutex<Breaker>,
    /// Poster paths by TMDB id, kept in memory so search never reads the store per keystroke.
    posters: RwLock<HashMap<u32, String>>,
}

impl TmdbClient {
    pub fn new(settings: TmdbSettings, store: Arc<Store>) -> anyhow::Result<Self> {
        let http = super::http_client(
            settings.connect_timeout,
            settings.timeout,
            concat!("cinesense/", env!("CARGO_PKG_VERSION")),
        )?;
        let posters = store
            .cache_entries(POSTER_KEY)?
            .into_iter()
            .filter_map(|(key, path)| Some((key[POSTER_KEY.len()..].parse().ok()?, path)))
            .collect();
        Ok(TmdbClient {
            http,
            in_flight: tokio::sync::Semaphore::new(settings.max_in_flight.max(1)),
            settings,
            store,
            breaker: Mutex::default(),
            posters: RwLock::new(posters),
        })
    }

    pub fn settings(&self) -> &TmdbSettings {
        &self.settings
    }

    /// Details with credits, keywords, videos and external ids, in one request.
    pub async fn movie(&self, tmdb_id: u32) -> Fetch<MovieDetails> {
        let fetched: Fetch<MovieDetails> = self
            .get_cached(
                &format!("tmdb:movie:{tmdb_id}"),
                &format!("/movie/{tmdb_id}"),
                &[("append_to_response", "credits,keywords,videos,external_ids")],
            )
            .await;
        // Remember the poster on its own, so search suggestions can show it cheaply.
        if let Fetch::Fresh(d) = &fetched {
            if let Some(path) = d.poster_path.clone().filter(|p| !p.is_empty()) {
                self.posters
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(tmdb_id, path.clone());
                let store = self.store.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    store.cache_put(&format!("{POSTER_KEY}{tmdb_id}"), &path)
                })
                .await;
            }
        }
        fetched
    }

    /// Poster URLs (w185) of the movies whose details this server fetched (or found cached
    /// at start); no network, no store.
    pub fn known_posters(&self, tmdb_ids: &[u32]) -> Vec<Option<String>> {
        let posters = self.posters.read().unwrap_or_else(|e| e.into_inner());
        tmdb_ids
            .iter()
            .map(|id| {
                let path = posters.get(id).map(String::as_str);
                self.settings.image_url("w185", path)
            })
            .collect()
    }

    /// Where the film streams, rents and sells, every region in one answer (cached as one,
    /// so changing `WATCH_REGION` needs no new request).
    pub async fn watch_providers(&self, tmdb_id: u32) -> Fetch<WatchProviders> {
        self.get_cached(
            &format!("tmdb:watch:{tmdb_id}"),
            &format!("/movie/{tmdb_id}/watch/providers"),
            &[],
        )
        .await
    }

    pub async fn reviews(&self, tmdb_id: u32) -> Fetch<Reviews> {
        self.get_cached(
            &format!("tmdb:reviews:{tmdb_id}"),
            &format!("/movie/{tmdb_id}/reviews"),
            &[],
        )
        .await
    }

    /// Whether a fresh cache entry exists (used by `enrich` to resume).
    pub fn is_cached_fresh(&self, key: &str) -> bool {
        matches!(self.store.cache_get(key), Ok(Some((_, at))) if now() - at < self.settings.cache_ttl_seconds)
    }

    async fn cache_get(&self, key: &str) -> Option<(String, i64)> {
        let (store, key) = (self.store.clone(), key.to_string());
        tokio::task::spawn_blocking(move || store.cache_get(&key))
            .await
            .ok()?
            .ok()?
    }

    async fn get_cached<T: DeserializeOwned>(
        &self,
        key: &str,
        path: &str,
        params: &[(&str, &str)],
    ) -> Fetch<T> {
        let cached = self
            .cache_get(key)
            .await
            .and_then(|(body, at)| serde_json::from_str::<T>(&body).ok().map(|v| (v, at)));
        let (stale, fresh) = match cached {
            Some((v, at)) if now() - at < self.settings.cache_ttl_seconds => (None, Some(v)),
            Some((v, _)) => (Some(v), None),
            None => (None, None),
        };
        if let Some(v) = fresh {
            return Fetch::Cached(v);
        }
        let outcome = self.fetch(path, params).await;
        match outcome {
            Ok(body) => match serde_json::from_str::<T>(&body) {
                Ok(v) => {
                    let (store, key) = (self.store.clone(), key.to_string());
                    let _ = tokio::task::spawn_blocking(move || store.cache_put(&key, &body)).await;
                    Fetch::Fresh(v)
                }
                Err(e) => {
                    log::warn!("TMDB {path}: malformed response: {e}");
                    self.finish(stale, Problem::Malformed(e.to_string()))
                }
            },
            Err(p) => self.finish(stale, p),
        }
    }

    fn finish<T>(&self, stale: Option<T>, p: Problem) -> Fetch<T> {
        match stale {
            Some(v) => Fetch::Stale(v, p),
            None => Fetch::Failed(p),
        }
    }

    fn breaker_open(&self) -> bool {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        match b.open_until {
            Some(t) if Instant::now() < t => true,
            Some(_) => {
                // Half-open: let this call through; one more failure re-opens.
                b.open_until = None;
                b.failures = BREAKER_THRESHOLD - 1;
                false
            }
            None => false,
        }
    }

    fn record(&self, problem: Option<&Problem>) {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        match problem {
            None => *b = Breaker::default(),
            Some(p) if p.is_outage() => {
                b.failures += if *p == Problem::Timeout {
                    BREAKER_THRESHOLD
                } else {
                    1
                };
                if b.failures >= BREAKER_THRESHOLD && b.open_until.is_none() {
                    log::warn!(
                        "TMDB circuit breaker open for {:?}",
                        self.settings.breaker_cooldown
                    );
                    b.open_until = Some(Instant::now() + self.settings.breaker_cooldown);
                }
            }
            Some(_) => {}
        }
    }

    /// GET `path` with retries, within one overall deadline; the body of a 200.
    async fn fetch(&self, path: &str, params: &[(&str, &str)]) -> Result<String, Problem> {
        if !self.settings.configured() {
            return Err(Problem::NotConfigured);
        }
        if self.breaker_open() {
            return Err(Problem::CircuitOpen);
        }
        let result = match tokio::time::timeout(
            self.settings.timeout,
            self.fetch_with_retries(path, params),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(Problem::Timeout),
        };
        if let Err(p) = &result {
            log::warn!("TMDB GET {path}: {}", p.message());
        }
        self.record(result.as_ref().err());
        result
    }

    async fn fetch_with_retries(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<String, Problem> {
        let url = format!("{}{}", self.settings.base_url.trim_end_matches('/'), path);
        let mut attempt = 0;
        loop {
            let wait = match self.attempt(&url, params).await {
                Attempt::Done(r) => return r,
                Attempt::Retry(p, wait) if attempt < self.settings.max_retries => {
                    log::info!("TMDB GET {path}: {}; retrying", p.message());
                    wait
                }
                Attempt::Retry(p, _) => return Err(p),
            };
            attempt += 1;
            let wait = wait.unwrap_or_else(|| backoff(attempt));
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, url: &str, params: &[(&str, &str)]) -> Attempt {
        let Ok(_permit) = self.in_flight.acquire().await else {
            return Attempt::Done(Err(Problem::Upstream("client shutting down".into())));
        };
        let mut req = self.http.get(url).query(params);
        if let Some(key) = &self.settings.api_key {
            req = req.query(&[("api_key", key.0.as_str())]);
        } else if let Some(token) = &self.settings.read_token {
            req = req.bearer_auth(&token.0);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Attempt::Done(Err(Problem::Timeout)),
            Err(e) => return Attempt::Retry(Problem::Upstream(e.without_url().to_string()), None),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s.min(60)));
        let body = match resp.text().await {
            Ok(b) => b,
            Err(e) => return Attempt::Retry(Problem::Upstream(e.without_url().to_string()), None),
        };
        let message = || {
            serde_json::from_str::<ErrorBody>(&body)
                .ok()
                .and_then(|b| {
                    b.status_message
                        .map(|m| format!("{m} (status_code {})", b.status_code.unwrap_or(0)))
                })
                .unwrap_or_else(|| format!("HTTP {status}"))
        };
        match status {
            200..=299 => Attempt::Done(Ok(body)),
            401 => Attempt::Done(Err(Problem::InvalidKey(message()))),
            404 => Attempt::Done(Err(Problem::NotFound(message()))),
            429 => Attempt::Retry(
                Problem::RateLimited,
                Some(retry_after.unwrap_or(Duration::from_secs(1))),
            ),
            500..=599 => Attempt::Retry(Problem::Upstream(message()), None),
            _ => Attempt::Done(Err(Problem::Upstream(message()))),
        }
    }
}

enum Attempt {
    Done(Result<String, Problem>),
    /// Worth another try, after this long (None: the usual backoff).
    Retry(Problem, Option<Duration>),
}

/// 200 ms, 400 ms, ... with ±50% jitter.
fn backoff(attempt: u32) -> Duration {
    let base = 200u64 << attempt.min(5).saturating_sub(1);
    let jitter = rand::thread_rng().gen_range(0.5..1.5);
    Duration::from_millis((base as f64 * jitter) as u64)
}
