//! A movie's reviews with their sentiment: IMDb user reviews (scraped) and TMDB reviews,
//! classified by the BERT model off the async executor (one batch at a time) and cached in the
//! store, merged with the offline IMDb reviews the index carries (classified at build),
//! deduplicated, labelled by source, newest first.
//!
//! A movie with offline reviews is answered at once, whatever IMDb and TMDB do: what the cache
//! holds is added, and when it is missing or old the live sources are asked in the background
//! (`pending` until they answer; ask again). A movie without them waits for the live sources.

use super::audience::Audiences;
use crate::clients::imdb::{FetchError, ImdbClient, ParseError};
use crate::clients::tmdb::{Fetch, TmdbClient, TmdbStatus};
use crate::clients::UserReview;
use crate::dataset::Movie;
use crate::fnv::Fnv;
use crate::index::{ClassifiedReview, OfflineReviews};
use crate::sentiment::{Classifier, Hardware, Label, Sentiment};
use crate::store::{now, Store};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// Where a review comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReviewSource {
    Imdb,
    Tmdb,
    /// IMDb user reviews collected in 2011 (the Large Movie Review Dataset), shipped with the
    /// data and classified at build.
    ImdbArchive,
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
    /// Being asked now; ask again in a few seconds.
    Pending,
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

/// How long a live fetch that got no answer is believed before a movie with offline reviews
/// asks again.
const RETRY_FAILED_AFTER: Duration = Duration::from_secs(60);

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
    /// The index's offline reviews, classified at build.
    offline: Arc<OfflineReviews>,
    /// Movies whose live reviews are being fetched in the background.
    refreshing: Mutex<HashSet<u32>>,
    /// Movies whose last live fetch got no answer, when, and how each source failed: for
    /// `RETRY_FAILED_AFTER` their offline reviews are served with that, not asked again.
    failed: Mutex<HashMap<u32, (Instant, Vec<SourceStatus>)>>,
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
        offline: Arc<OfflineReviews>,
        imdb: ImdbClient,
        tmdb: Arc<TmdbClient>,
        store: Arc<Store>,
        classifier: Arc<dyn Classifier>,
        audiences: Arc<Audiences>,
        ttl_seconds: i64,
    ) -> Self {
        ReviewsService {
            offline,
            refreshing: Mutex::new(HashSet::new()),
            failed: Mutex::new(HashMap::new()),
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

    /// The movie's reviews: offline ones at once with what the cache holds (refreshed in the
    /// background when missing or old); without offline ones, the live sources' answer.
    pub(crate) async fn for_movie(
        self: &Arc<Self>,
        movie: &Movie,
    ) -> Result<ReviewsResponse, ReviewsError> {
        let offline = self.offline_reviews(movie.id);
        let cached = self.cached(movie.id).await;
        let live = match cached {
            Some((mut live, true)) => {
                live.cached = true;
                live
            }
            _ if offline.is_empty() => self.fetch(movie).await?,
            stale => {
                let mut live = stale.map_or_else(|| self.unasked(movie), |(live, _)| live);
                match self.recent_failure(movie.id) {
                    Some(sources) => live.sources = sources,
                    None => {
                        self.refresh_in_background(movie);
                        for source in &mut live.sources {
                            if !matches!(
                                source.status,
                                SourceState::NoId | SourceState::NotConfigured
                            ) {
                                source.status = SourceState::Pending;
                                source.message = None;
                            }
                        }
                    }
                }
                live
            }
        };
        Ok(with_offline(live, offline))
    }

    /// The live sources' last answer for the movie, and whether it is within its time-to-live.
    async fn cached(&self, movie_id: u32) -> Option<(ReviewsResponse, bool)> {
        let store = self.store.clone();
        let (body, at) = tokio::task::spawn_blocking(move || store.cache_get(&cache_key(movie_id)))
            .await
            .ok()?
            .ok()??;
        let live = serde_json::from_str::<ReviewsResponse>(&body).ok()?;
        Some((live, now() - at < self.ttl_seconds))
    }

    /// The movie's offline reviews that carry a sentiment.
    fn offline_reviews(&self, movie_id: u32) -> Vec<Review> {
        let Some(list) = self.offline.get(&movie_id) else {
            return Vec::new();
        };
        list.iter().filter_map(offline_review).collect()
    }

    /// What the live sources will be asked, before they answered.
    fn unasked(&self, movie: &Movie) -> ReviewsResponse {
        let status = |name, status| SourceStatus {
            name,
            status,
            count: 0,
            message: None,
        };
        let imdb = match movie.imdb_id {
            Some(_) => SourceState::Pending,
            None => SourceState::NoId,
        };
        let tmdb = match movie.tmdb_id {
            _ if !self.tmdb.settings().configured() => SourceState::NotConfigured,
            Some(_) => SourceState::Pending,
            None => SourceState::NoId,
        };
        ReviewsResponse {
            movie_id: movie.id,
            summary: summary(&[]),
            sources: vec![
                status(ReviewSource::Imdb, imdb),
                status(ReviewSource::Tmdb, tmdb),
            ],
            reviews: Vec::new(),
            cached: false,
            device: self.classifier.hardware(),
        }
    }

    /// How the sources failed, when the movie's last live fetch got no answer lately.
    fn recent_failure(&self, movie_id: u32) -> Option<Vec<SourceStatus>> {
        let failed = lock(&self.failed);
        let (at, sources) = failed.get(&movie_id)?;
        (at.elapsed() < RETRY_FAILED_AFTER).then(|| sources.clone())
    }

    /// Fetches the movie's live reviews on the runtime, unless that is already under way.
    fn refresh_in_background(self: &Arc<Self>, movie: &Movie) {
        if !lock(&self.refreshing).insert(movie.id) {
            return;
        }
        let refreshing = Refreshing(self.clone(), movie.id);
        let movie = movie.clone();
        tokio::spawn(async move {
            if let Err(e) = refreshing.0.fetch(&movie).await {
                log::info!("fetching the reviews of movie {}: {e:#}", movie.id);
            }
            drop(refreshing);
        });
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
        let response = self.fetch(movie).await.map_err(|e| match e {
            ReviewsError::Failed(e) => e,
            busy => anyhow::anyhow!("{busy}"),
        })?;
        Ok(response.answered().then_some(response.reviews.len()))
    }

    /// IMDb's user reviews of `movie`, and how IMDb answered.
    async fn imdb_reviews(&self, movie: &Movie) -> (Vec<(ReviewSource, UserReview)>, SourceStatus) {
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
    async fn tmdb_reviews(&self, movie: &Movie) -> (Vec<(ReviewSource, UserReview)>, SourceStatus) {
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
    /// cache, the counts of the reviews the offline ones do not hold in `audiences`.
    async fn fetch(&self, movie: &Movie) -> Result<ReviewsResponse, ReviewsError> {
        let _pending = self.enter()?;
        let ((mut raw, mut imdb_status), (tmdb_raw, mut tmdb_status)) =
            tokio::join!(self.imdb_reviews(movie), self.tmdb_reviews(movie));
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
            .map(|((source, review), &s)| Review {
                source,
                review,
                sentiment: rounded(s),
            })
            .collect();
        let response = ReviewsResponse {
            movie_id: movie.id,
            summary: summary(&reviews),
            sources: vec![imdb_status, tmdb_status],
            reviews,
            cached: false,
            device: self.classifier.hardware(),
        };
        {
            let mut failed = lock(&self.failed);
            failed.retain(|_, (at, _)| at.elapsed() < RETRY_FAILED_AFTER);
            if response.answered() {
                failed.remove(&movie.id);
            } else {
                failed.insert(movie.id, (Instant::now(), response.sources.clone()));
            }
        }
        // Keep only what a source actually answered.
        if response.answered() {
            let body = serde_json::to_string(&response).map_err(anyhow::Error::from)?;
            let (store, audiences) = (self.store.clone(), self.audiences.clone());
            let offline: HashSet<u64> = self
                .offline_reviews(movie.id)
                .iter()
                .map(|r| text_key(&r.review.text))
                .collect();
            let new: Vec<Label> = response
                .reviews
                .iter()
                .filter(|r| !offline.contains(&text_key(&r.review.text)))
                .map(|r| r.sentiment.label)
                .collect();
            let positive = new.iter().filter(|&&l| l == Label::Positive).count() as u32;
            let (id, total) = (movie.id, new.len() as u32);
            let kept = tokio::task::spawn_blocking(move || {
                store.cache_put(&cache_key(id), &body)?;
                audiences.record(id, positive, total)
            })
            .await;
            if let Ok(Err(e)) | Err(e) = kept.map_err(anyhow::Error::from) {
                log::warn!("keeping the reviews of movie {id}: {e:#}");
            }
        }
        Ok(response)
    }
}

/// Gives the movie's place among the background fetches back when the fetch ends.
struct Refreshing(Arc<ReviewsService>, u32);

impl Drop for Refreshing {
    fn drop(&mut self) {
        lock(&self.0.refreshing).remove(&self.1);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn cache_key(movie_id: u32) -> String {
    format!("reviews:{movie_id}")
}

/// An offline review as the panel shows it; None when the model never read it.
fn offline_review(c: &ClassifiedReview) -> Option<Review> {
    let sentiment = c.sentiment?;
    let review = UserReview {
        author: None,
        title: None,
        text: crate::dataset::reviews::readable(&c.review.text),
        rating: c.review.rating.map(f32::from),
        date: None,
        url: None,
        spoiler: false,
    };
    Some(Review {
        source: ReviewSource::ImdbArchive,
        review,
        sentiment: rounded(sentiment),
    })
}

fn rounded(s: Sentiment) -> Sentiment {
    Sentiment {
        label: s.label,
        score: (s.score * 1e4).round() / 1e4,
    }
}

fn summary(reviews: &[Review]) -> Summary {
    let positive = reviews
        .iter()
        .filter(|r| r.sentiment.label == Label::Positive)
        .count();
    Summary {
        positive,
        negative: reviews.len() - positive,
        mean_score: (!reviews.is_empty())
            .then(|| reviews.iter().map(|r| r.sentiment.score).sum::<f32>() / reviews.len() as f32),
    }
}

/// The live answer with the offline reviews it does not already hold, newest first (offline
/// reviews carry no date: they come last), the summary over all.
fn with_offline(mut live: ReviewsResponse, offline: Vec<Review>) -> ReviewsResponse {
    live.reviews
        .sort_by_key(|r| std::cmp::Reverse(r.review.date.as_deref().and_then(date_key)));
    if !offline.is_empty() {
        let seen: HashSet<u64> = live
            .reviews
            .iter()
            .map(|r| text_key(&r.review.text))
            .collect();
        let archive: Vec<Review> = offline
            .into_iter()
            .filter(|r| !seen.contains(&text_key(&r.review.text)))
            .collect();
        live.sources.push(SourceStatus {
            name: ReviewSource::ImdbArchive,
            status: SourceState::Ok,
            count: archive.len(),
            message: None,
        });
        live.reviews.extend(archive);
    }
    live.summary = summary(&live.reviews);
    live
}

/// The same review whatever its spacing, case or punctuation.
fn text_key(text: &str) -> u64 {
    let mut h = Fnv::default();
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        for l in c.to_lowercase() {
            h.update(l.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
    h.value()
}

/// A review date as (year, month, day), to sort by: "2024-01-05T…" (TMDB), "Jan 5, 2020" and
/// "12 March 2019" (IMDb's layouts). None for anything else.
fn date_key(date: &str) -> Option<(u32, u32, u32)> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let number = |w: &str| w.parse::<u32>().ok();
    if let Some(day) = date.get(..10).filter(|d| d.as_bytes()[4] == b'-') {
        let mut parts = day.split('-').map(number);
        return Some((parts.next()??, parts.next()??, parts.next()??));
    }
    let words: Vec<&str> = date
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let month = words.iter().find_map(|w| {
        let w = w.to_ascii_lowercase();
        MONTHS.iter().position(|m| w.starts_with(m))
    })? as u32
        + 1;
    let numbers: Vec<u32> = words.iter().filter_map(|w| number(w)).collect();
    let year = *numbers.iter().find(|&&n| n > 31)?;
    let day = *numbers.iter().find(|&&n| (1..=31).contains(&n))?;
    Some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_every_layout_sort_newest_first() {
        assert_eq!(date_key("Jan 5, 2020"), Some((2020, 1, 5)));
        assert_eq!(date_key("12 March 2019"), Some((2019, 3, 12)));
        assert_eq!(date_key("2021-07-30T10:01:02.123Z"), Some((2021, 7, 30)));
        assert_eq!(date_key("yesterday"), None);
        assert!(date_key("Jan 5, 2020") > date_key("12 March 2019"));
    }

    #[test]
    fn the_same_text_is_one_review_whatever_its_spacing() {
        assert_eq!(
            text_key("Great film!\nLoved it."),
            text_key("great film  loved it")
        );
        assert_ne!(text_key("Great film"), text_key("Great films"));
    }

    fn review(source: ReviewSource, text: &str, date: Option<&str>, p: f32) -> Review {
        Review {
            source,
            review: UserReview {
                author: None,
                title: None,
                text: text.into(),
                rating: None,
                date: date.map(String::from),
                url: None,
                spoiler: false,
            },
            sentiment: Sentiment::from_probability(p),
        }
    }

    #[test]
    fn live_reviews_come_first_newest_first_and_offline_copies_are_dropped() {
        let live = ReviewsResponse {
            movie_id: 1,
            summary: summary(&[]),
            sources: vec![],
            reviews: vec![
                review(ReviewSource::Imdb, "Old but gold.", Some("3 May 2001"), 0.9),
                review(
                    ReviewSource::Tmdb,
                    "Fresh take",
                    Some("2023-02-01T00:00:00Z"),
                    0.8,
                ),
                review(
                    ReviewSource::Imdb,
                    "Dull, dull, dull",
                    Some("Jan 5, 2020"),
                    0.1,
                ),
            ],
            cached: false,
            device: Hardware::Cpu,
        };
        let offline = vec![
            review(ReviewSource::ImdbArchive, "old but GOLD", None, 0.9),
            review(ReviewSource::ImdbArchive, "A classic.", None, 0.7),
        ];
        let merged = with_offline(live, offline);
        let texts: Vec<&str> = merged
            .reviews
            .iter()
            .map(|r| r.review.text.as_str())
            .collect();
        assert_eq!(
            texts,
            [
                "Fresh take",
                "Dull, dull, dull",
                "Old but gold.",
                "A classic."
            ]
        );
        assert_eq!((merged.summary.positive, merged.summary.negative), (3, 1));
        let archive = merged.sources.last().unwrap();
        assert_eq!(
            (archive.name, archive.count),
            (ReviewSource::ImdbArchive, 1)
        );
    }
}
