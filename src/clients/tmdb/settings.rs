//! The TMDB client's settings: the key (kept out of logs), the servers, timeouts, retries and
//! the region whose streaming offers the movie page shows.

use std::time::Duration;

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
