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

mod breaker;
mod outcome;
mod settings;
pub mod types;

/// Cache keys of poster paths: `tmdb:poster:{tmdb id}`.
const POSTER_KEY: &str = "tmdb:poster:";

use super::retry::{retry_after, with_retries, Attempt};
use crate::store::{now, Store};
use breaker::Breaker;
pub use outcome::{Fetch, Problem, TmdbStatus};
use serde::de::DeserializeOwned;
pub use settings::{Region, Secret, TmdbSettings};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
pub use types::*;

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
            breaker: Mutex::new(Breaker::new(settings.breaker_cooldown)),
            settings,
            store,
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
    /// Every movie's details in the cache, fresh or not (blocking: for `cinesense enrich`).
    pub fn cached_movies(&self) -> anyhow::Result<Vec<MovieDetails>> {
        Ok(self
            .store
            .cache_entries("tmdb:movie:")?
            .into_iter()
            .filter_map(|(_, body)| serde_json::from_str::<MovieDetails>(&body).ok())
            .collect())
    }

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

    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.breaker.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn finish<T>(&self, stale: Option<T>, p: Problem) -> Fetch<T> {
        match stale {
            Some(v) => Fetch::Stale(v, p),
            None => Fetch::Failed(p),
        }
    }

    /// GET `path` with retries, within one overall deadline; the body of a 200.
    async fn fetch(&self, path: &str, params: &[(&str, &str)]) -> Result<String, Problem> {
        if !self.settings.configured() {
            return Err(Problem::NotConfigured);
        }
        if self.breaker().is_open() {
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
        crate::metrics::upstream_call("tmdb", result.as_ref().err().map_or("ok", Problem::label));
        self.breaker().record(result.as_ref().err());
        result
    }

    async fn fetch_with_retries(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<String, Problem> {
        let url = format!("{}{}", self.settings.base_url.trim_end_matches('/'), path);
        with_retries(
            self.settings.max_retries,
            || self.attempt(&url, params),
            |p: &Problem| log::info!("TMDB GET {path}: {}; retrying", p.message()),
        )
        .await
    }

    async fn attempt(&self, url: &str, params: &[(&str, &str)]) -> Attempt<String, Problem> {
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
        let retry_after = retry_after(&resp, Duration::from_secs(60));
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
