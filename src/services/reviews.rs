//! A movie's reviews with their sentiment: IMDb user reviews (scraped) and TMDB reviews,
//! merged and labelled by source, classified by the BERT model off the async executor (one
//! batch at a time), cached in the store so later visits cost nothing.

use super::audience::Audiences;
use crate::clients::imdb::{FetchError, ImdbClient, ParseError};
use crate::clients::tmdb::{Fetch, TmdbClient, TmdbStatus};
use crate::clients::UserReview;
use crate::dataset::Movie;
use crate::sentiment::{Classifier, Hardware, Label, Sentiment};
use crate::store::{now, Store};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use utoipa::ToSchema;

/// Where a review comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ReviewSource {
    Imdb,
    Tmdb,
}

/// One review with its sentiment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub(crate) struct Review {
    pub source: ReviewSource,
    #[serde(flatten)]
    pub review: UserReview,
    pub sentiment: Sentiment,
}

/// How a source answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SourceState {
    Ok,
    Cached,
    Stale,
    /// The movie has no id at this source.
    NoId,
    /// The page answered but its review markup is not one the parser knows.
    LayoutChanged,
    Unavailable,
    NotFound,
    NotConfigured,
    InvalidKey,
    Timeout,
    CircuitOpen,
    RateLimited,
    UpstreamError,
    MalformedResponse,
}

impl SourceState {
    fn answered(self) -> bool {
        matches!(self, SourceState::Ok | SourceState::Cached)
    }
}

impl From<TmdbStatus> for SourceState {
    fn from(s: TmdbStatus) -> Self {
        match s {
            TmdbStatus::Ok => SourceState::Ok,
            TmdbStatus::Cached => SourceState::Cached,
            TmdbStatus::Stale => SourceState::Stale,
            TmdbStatus::NotConfigured => SourceState::NotConfigured,
            TmdbStatus::InvalidKey => SourceState::InvalidKey,
            TmdbStatus::NotFound => SourceState::NotFound,
            TmdbStatus::Timeout => SourceState::Timeout,
            TmdbStatus::CircuitOpen => SourceState::CircuitOpen,
            TmdbStatus::RateLimited => SourceState::RateLimited,
            TmdbStatus::UpstreamError => SourceState::UpstreamError,
            TmdbStatus::MalformedResponse => SourceState::MalformedResponse,
            TmdbStatus::NoTmdbId => SourceState::NoId,
        }
    }
}

impl From<&FetchError> for SourceState {
    fn from(e: &FetchError) -> Self {
        match e {
            FetchError::Parse(ParseError::LayoutChanged) => SourceState::LayoutChanged,
            FetchError::Status(404) => SourceState::NotFound,
            _ => SourceState::Unavailable,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub(crate) struct SourceStatus {
    pub name: ReviewSource,
    pub status: SourceState,
    pub count: usize,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub(crate) struct Summary {
    pub positive: usize,
    pub negative: usize,
    /// Mean P(positive) over the reviews (null without reviews).
    pub mean_score: Option<f32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub(crate) struct ReviewsResponse {
    pub movie_id: u32,
    pub summary: Summary,
    pub sources: Vec<SourceStatus>,
    pub reviews: Vec<Review>,
    /// Whether this answer came from the cache.
    pub cached: bool,
    /// Hardware that classified the reviews.
    pub device: Hardware,
}

impl ReviewsResponse {
    /// Whether any source answered (only then is the result worth keeping).
    fn answered(&self) -> bool {
        self.sources.iter().any(|s| s.status.answered())
    }
}

/// Movies whose reviews may be fetched and classified at once; more answer "busy" at once
/// instead of queueing behind them (a client that gave up still costs its fetch).
const MAX_PENDING: usize = 8;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ReviewsError {
    #[error(
        "reviews are being fetched for {MAX_PENDING} other movies; try again in a few seconds"
    )]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

pub struct ReviewsService {
    imdb: ImdbClient,
    tmdb: Arc<TmdbClient>,
    store: Arc<Store>,
    classifier: Arc<dyn Classifier>,
    /// Each movie's share of positive reviews, updated as reviews are classified.
    audiences: Arc<Audiences>,
    ttl_seconds: i64,
    /// One classification batch at a time: BERT uses every core.
    gate: tokio::sync::Semaphore,
    /// Fetches under way (at most MAX_PENDING).
    pending: AtomicUsize,
}

/// A place among the pending fetches, given back when dropped.
struct Pending<'a>(&'a AtomicUsize);

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        let before = self.0.fetch_sub(1, Ordering::AcqRel);
        crate::metrics::sentiment_pending(before.saturating_sub(1));
    }
}

impl ReviewsService {
    pub(crate) fn new(
        imdb: ImdbClient,
        tmdb: Arc<TmdbClient>,
        store: Arc<Store>,
        classifier: Arc<dyn Classifier>,
        audiences: Arc<Audiences>,
        ttl_seconds: i64,
    ) -> Self {
        ReviewsService {
            imdb,
            tmdb,
            store,
            classifier,
            audiences,
            ttl_seconds,
            gate: tokio::sync::Semaphore::new(1),
            pending: AtomicUsize::new(0),
        }
    }

    fn enter(&self) -> Result<Pending<'_>, ReviewsError> {
        let before = self.pending.fetch_add(1, Ordering::AcqRel);
        if before >= MAX_PENDING {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            return Err(ReviewsError::Busy);
        }
        crate::metrics::sentiment_pending(before + 1);
        Ok(Pending(&self.pending))
    }

    pub(crate) async fn for_movie(&self, movie: &Movie) -> Result<ReviewsResponse, ReviewsError> {
        let key = format!("reviews:{}", movie.id);
        let (store, k) = (self.store.clone(), key.clone());
        if let Ok(Ok(Some((body, at)))) =
            tokio::task::spawn_blocking(move || store.cache_get(&k)).await
        {
            if now() - at < self.ttl_seconds {
                if let Ok(mut cached) = serde_json::from_str::<ReviewsResponse>(&body) {
                    cached.cached = true;
                    return Ok(cached);
                }
            }
        }
        self.fetch(movie, key).await
    }

    /// Whether the movie's reviews were classified within their time-to-live.
    pub(crate) fn is_fresh(&self, movie_id: u32) -> bool {
        self.audiences
            .snapshot()
            .get(&movie_id)
            .is_some_and(|a| now() - a.fetched_at < self.ttl_seconds)
    }

    /// Fetches and classifies a movie's reviews whatever the cache holds (`cinesense reviews
    /// --top`): how many were classified, or None when no source answered.
    pub(crate) async fn fetch_fresh(&self, movie: &Movie) -> anyhow::Result<Option<usize>> {
        let response = self
            .fetch(movie, format!("reviews:{}", movie.id))
            .await
            .map_err(|e| match e {
                ReviewsError::Failed(e) => e,
                busy => anyhow::anyhow!("{busy}"),
            })?;
        Ok(response.answered().then_some(response.reviews.len()))
    }

    /// IMDb's user reviews of `movie`, and how IMDb answered.
    async fn from_imdb(&self, movie: &Movie) -> (Vec<(ReviewSource, UserReview)>, SourceStatus) {
        let status = |status, message| SourceStatus {
            name: ReviewSource::Imdb,
            status,
            count: 0,
            message,
        };
        let Some(id) = &movie.imdb_id else {
            let message = Some("no IMDb id for this movie".into());
            return (Vec::new(), status(SourceState::NoId, message));
        };
        match self.imdb.reviews(id).await {
            Ok(list) => (
                list.into_iter().map(|r| (ReviewSource::Imdb, r)).collect(),
                status(SourceState::Ok, None),
            ),
            Err(e) => (
                Vec::new(),
                status(SourceState::from(&e), Some(e.to_string())),
            ),
        }
    }

    /// TMDB's reviews of `movie` (a stale cache entry when TMDB fails), and how TMDB answered.
    async fn from_tmdb(&self, movie: &Movie) -> (Vec<(ReviewSource, UserReview)>, SourceStatus) {
        let Some(id) = movie.tmdb_id else {
            let status = SourceStatus {
                name: ReviewSource::Tmdb,
                status: SourceState::NoId,
                count: 0,
                message: None,
            };
            return (Vec::new(), status);
        };
        let fetched = self.tmdb.reviews(id).await;
        let status = SourceStatus {
            name: ReviewSource::Tmdb,
            status: fetched.status().into(),
            count: 0,
            message: fetched.problem().map(|p| p.message()),
        };
        let list = match &fetched {
            Fetch::Fresh(r) | Fetch::Cached(r) | Fetch::Stale(r, _) => r
                .results
                .iter()
                .map(|r| {
                    let review = UserReview {
                        author: Some(r.author.clone()).filter(|a| !a.is_empty()),
                        title: None,
                        text: r.content.split_whitespace().collect::<Vec<_>>().join(" "),
                        rating: r.author_details.as_ref().and_then(|d| d.rating),
                        date: r.created_at.clone(),
                        url: r.url.clone(),
                        spoiler: false,
                    };
                    (ReviewSource::Tmdb, review)
                })
                .collect(),
            Fetch::Failed(_) => Vec::new(),
        };
        (list, status)
    }

    /// Fetches from every source, classifies, and keeps what answered: the response in the
    /// cache under `key`, the movie's positive share in `audiences`.
    async fn fetch(&self, movie: &Movie, key: String) -> Result<ReviewsResponse, ReviewsError> {
        let _pending = self.enter()?;
        let ((mut raw, mut imdb_status), (tmdb_raw, mut tmdb_status)) =
            tokio::join!(self.from_imdb(movie), self.from_tmdb(movie));
        imdb_status.count = raw.len();
        tmdb_status.count = tmdb_raw.len();
        raw.extend(tmdb_raw);
        raw.retain(|(_, r)| !r.text.trim().is_empty());

        let texts: Vec<String> = raw.iter().map(|(_, r)| r.text.clone()).collect();
        let labels: Vec<Sentiment> = {
            let _permit = self.gate.acquire().await.map_err(anyhow::Error::from)?;
            let classifier = self.classifier.clone();
            tokio::task::spawn_blocking(move || classifier.classify(&texts))
                .await
                .map_err(anyhow::Error::from)??
        };
        let reviews: Vec<Review> = raw
            .into_iter()
            .zip(&labels)
            .map(|((source, review), s)| Review {
                source,
                review,
                sentiment: Sentiment {
                    label: s.label,
                    score: (s.score * 1e4).round() / 1e4,
                },
            })
            .collect();
        let positive = labels.iter().filter(|s| s.label == Label::Positive).count();
        let response = ReviewsResponse {
            movie_id: movie.id,
            summary: Summary {
                positive,
                negative: labels.len() - positive,
                mean_score: (!labels.is_empty())
                    .then(|| labels.iter().map(|s| s.score).sum::<f32>() / labels.len() as f32),
            },
            sources: vec![imdb_status, tmdb_status],
            reviews,
            cached: false,
            device: self.classifier.hardware(),
        };
        // Keep only what a source actually answered.
        if response.answered() {
            let body = serde_json::to_string(&response).map_err(anyhow::Error::from)?;
            let (store, audiences) = (self.store.clone(), self.audiences.clone());
            let (id, total) = (movie.id, response.reviews.len() as u32);
            let kept = tokio::task::spawn_blocking(move || {
                store.cache_put(&key, &body)?;
                audiences.record(id, positive as u32, total)
            })
            .await;
            if let Ok(Err(e)) | Err(e) = kept.map_err(anyhow::Error::from) {
                log::warn!("keeping the reviews of movie {id}: {e:#}");
            }
        }
        Ok(response)
    }
}
