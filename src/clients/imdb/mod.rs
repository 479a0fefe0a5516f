//! IMDb user reviews: fetch `{IMDB_BASE_URL}/title/{imdbId}/reviews/` politely and parse it.
//!
//! Parsing prefers structured data the page carries (JSON-LD reviews), then the current layout
//! (`article.user-review-item`), then the older one (`div.lister-item-content`). A page that
//! answers 200 but yields no review and does not say it has none is a `LayoutChanged` error:
//! the scraper fails loudly instead of returning an empty success.

mod parse;

pub use parse::{parse_reviews, ParseError};

use super::retry::{retry_after, with_retries, Attempt};
use super::UserReview;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("IMDb answered HTTP {0}")]
    Status(u16),
    #[error("IMDb could not be reached: {0}")]
    Transport(String),
    #[error(transparent)]
    Parse(#[from] ParseError),
}

impl FetchError {
    /// For the metrics: one word per kind.
    fn label(&self) -> &'static str {
        match self {
            FetchError::Status(404) => "not_found",
            FetchError::Status(429) => "rate_limited",
            FetchError::Status(_) => "upstream_error",
            FetchError::Transport(_) => "transport_error",
            FetchError::Parse(_) => "parse_error",
        }
    }
}

/// Tries after the first when IMDb fails for a moment (a transport error, 429 or 5xx).
const MAX_RETRIES: u32 = 1;

/// A polite client: a real User-Agent, timeouts, at most one request per second, and one retry.
pub struct ImdbClient {
    http: reqwest::Client,
    base_url: String,
    last_request: Mutex<Option<Instant>>,
    min_interval: Duration,
}

impl ImdbClient {
    pub fn new(base_url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let http = super::http_client(
            Duration::from_secs(3),
            timeout,
            concat!(
                "Mozilla/5.0 (compatible; cinesense/",
                env!("CARGO_PKG_VERSION"),
                "; movie recommender)"
            ),
        )?;
        Ok(ImdbClient {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            last_request: Mutex::new(None),
            min_interval: Duration::from_secs(1),
        })
    }

    /// Waits until a second has passed since the previous request.
    async fn pace(&self) {
        let wait = {
            let mut last = self.last_request.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let next = last
                .map(|t| t + self.min_interval)
                .filter(|t| *t > now)
                .unwrap_or(now);
            *last = Some(next);
            next - now
        };
        tokio::time::sleep(wait).await;
    }

    /// One polite GET of the page: a transport error or a 5xx is worth another try (after
    /// `Retry-After`, or the backoff; the pace holds either way).
    async fn page(&self, url: &str) -> Attempt<String, FetchError> {
        self.pace().await;
        let transport = |e: reqwest::Error| FetchError::Transport(e.without_url().to_string());
        let resp = match self
            .http
            .get(url)
            .header("Accept-Language", "en-US,en;q=0.8")
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Attempt::Done(Err(transport(e))),
            Err(e) => return Attempt::Retry(transport(e), None),
        };
        let status = resp.status().as_u16();
        if status != 200 {
            let retry_after = retry_after(&resp, Duration::from_secs(10));
            return match status {
                429 | 500..=599 => Attempt::Retry(FetchError::Status(status), retry_after),
                _ => Attempt::Done(Err(FetchError::Status(status))),
            };
        }
        match resp.text().await {
            Ok(html) => Attempt::Done(Ok(html)),
            Err(e) => Attempt::Retry(transport(e), None),
        }
    }

    pub async fn reviews(&self, imdb_id: &str) -> Result<Vec<UserReview>, FetchError> {
        let url = format!("{}/title/{}/reviews/", self.base_url, imdb_id);
        let html = with_retries(
            MAX_RETRIES,
            || self.page(&url),
            |e| log::info!("IMDb reviews of {imdb_id}: {e}; retrying"),
        )
        .await
        .inspect_err(|e| {
            log::warn!("IMDb reviews of {imdb_id}: {e}");
            crate::metrics::upstream_call("imdb", e.label());
        })?;
        let reviews = parse_reviews(&html).inspect_err(|e| {
            log::error!("IMDb reviews of {imdb_id}: {e}");
            crate::metrics::upstream_call("imdb", "parse_error");
        })?;
        crate::metrics::upstream_call("imdb", "ok");
        Ok(reviews
            .into_iter()
            .map(|mut r| {
                if let Some(u) = r.url.as_mut().filter(|u| u.starts_with('/')) {
                    *u = format!("{}{}", self.base_url, u);
                }
                r
            })
            .collect())
    }
}
