//! IMDb user reviews: fetch `{IMDB_BASE_URL}/title/{imdbId}/reviews/` politely and parse it.
//!
//! Parsing prefers structured data the page carries (JSON-LD reviews), then the current layout
//! (`article.user-review-item`), then the older one (`div.lister-item-content`). A page that
//! answers 200 but yields no review and does not say it has none is a `LayoutChanged` error:
//! the scraper fails loudly instead of returning an empty success.

mod parse;

pub use parse::{parse_reviews, ParseError};

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

/// A polite client: a real User-Agent, timeouts, and at most one request per second.
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

    pub async fn reviews(&self, imdb_id: &str) -> Result<Vec<UserReview>, FetchError> {
        self.pace().await;
        let url = format!("{}/title/{}/reviews/", self.base_url, imdb_id);
        let resp = self
            .http
            .get(&url)
            .header("Accept-Language", "en-US,en;q=0.8")
            .send()
            .await
            .map_err(|e| FetchError::Transport(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if status != 200 {
            log::warn!("IMDb reviews of {imdb_id}: HTTP {status}");
            return Err(FetchError::Status(status));
        }
        let html = resp
            .text()
            .await
            .map_err(|e| FetchError::Transport(e.without_url().to_string()))?;
        let reviews =
            parse_reviews(&html).inspect_err(|e| log::error!("IMDb reviews of {imdb_id}: {e}"))?;
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
