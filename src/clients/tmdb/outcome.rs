//! What a TMDB call comes back with: the value (fresh, cached or stale) or a `Problem`, and the
//! word the API reports for it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    /// For the metrics: one word per kind.
    pub(super) fn label(&self) -> &'static str {
        match self {
            Problem::NotConfigured => "not_configured",
            Problem::InvalidKey(_) => "invalid_key",
            Problem::NotFound(_) => "not_found",
            Problem::RateLimited => "rate_limited",
            Problem::Timeout => "timeout",
            Problem::CircuitOpen => "circuit_open",
            Problem::Upstream(_) => "upstream_error",
            Problem::Malformed(_) => "malformed",
        }
    }

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
    pub(super) fn is_outage(&self) -> bool {
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
