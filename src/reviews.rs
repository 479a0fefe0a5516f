//! A movie's reviews with their sentiment: IMDb user reviews (scraped) and TMDB reviews,
//! merged and labelled by source, classified by the BERT model off the async executor (one
//! batch at a time), cached in the store so later visits cost nothing.

use crate::catalog::Movie;
use crate::imdb::ImdbClient;
use crate::sentiment::{Classifier, Sentiment};
use crate::store::{now, Store};
use crate::tmdb::{Fetch, TmdbClient};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReviewSentiment {
    /// "positive" or "negative"
    pub label: String,
    /// P(positive)
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Review {
    /// "imdb" or "tmdb"
    pub source: String,
    pub author: Option<String>,
    pub title: Option<String>,
    pub text: String,
    /// The reviewer's own rating out of 10, when given.
    pub rating: Option<f32>,
    pub date: Option<String>,
    pub url: Option<String>,
    pub sentiment: ReviewSentiment,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SourceStatus {
    pub name: String,
    /// ok | layout_changed | unavailable | not_found | no_id | not_configured | ...
    pub status: String,
    pub count: usize,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Summary {
    pub positive: usize,
    pub negative: usize,
    /// Mean P(positive) over the reviews (null without reviews).
    pub mean_score: Option<f32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReviewsResponse {
    pub movie_id: u32,
    pub summary: Summary,
    pub sources: Vec<SourceStatus>,
    pub reviews: Vec<Review>,
    /// Whether this answer came from the cache.
    pub cached: bool,
    /// Device that classified the reviews.
    pub device: String,
}

pub struct ReviewsService {
    pub imdb: ImdbClient,
    pub tmdb: Arc<TmdbClient>,
    pub store: Arc<Store>,
    pub classifier: Arc<dyn Classifier>,
    pub ttl_seconds: i64,
    /// One classification batch at a time: BERT uses every core.
    gate: tokio::sync::Semaphore,
}

struct Raw {
    source: &'static str,
    author: Option<String>,
    title: Option<String>,
    text: String,
    rating: Option<f32>,
    date: Option<String>,
    url: Option<String>,
}

impl ReviewsService {
    pub fn new(
        imdb: ImdbClient,
        tmdb: Arc<TmdbClient>,
        store: Arc<Store>,
        classifier: Arc<dyn Classifier>,
        ttl_seconds: i64,
    ) -> Self {
        ReviewsService {
            imdb,
            tmdb,
            store,
            classifier,
            ttl_seconds,
            gate: tokio::sync::Semaphore::new(1),
        }
    }

    pub async fn for_movie(&self, movie: &Movie) -> anyhow::Result<ReviewsResponse> {
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
        let imdb = async {
            match &movie.imdb_id {
                Some(id) => match self.imdb.reviews(id).await {
                    Ok(list) => (
                        list.into_iter()
                            .map(|r| Raw {
                                source: "imdb",
                                author: r.author,
                                title: r.title,
                                text: r.text,
                                rating: r.rating,
                                date: r.date,
                                url: r.url,
                            })
                            .collect::<Vec<_>>(),
                        SourceStatus {
                            name: "imdb".into(),
                            status: "ok".into(),
                            count: 0,
                            message: None,
                        },
                    ),
                    Err(e) => (
                        Vec::new(),
                        SourceStatus {
                            name: "imdb".into(),
                            status: e.status().into(),
                            count: 0,
                            message: Some(e.to_string()),
                        },
                    ),
                },
                None => (
                    Vec::new(),
                    SourceStatus {
                        name: "imdb".into(),
                        status: "no_id".into(),
                        count: 0,
                        message: Some("no IMDb id for this movie".into()),
                    },
                ),
            }
        };
        let tmdb = async {
            match movie.tmdb_id {
                Some(id) => {
                    let fetched = self.tmdb.reviews(id).await;
                    let status = SourceStatus {
                        name: "tmdb".into(),
                        status: fetched.status().into(),
                        count: 0,
                        message: fetched.problem().map(|p| p.message()),
                    };
                    let list = match &fetched {
                        Fetch::Fresh(r) | Fetch::Cached(r) | Fetch::Stale(r, _) => r
                            .results
                            .iter()
                            .map(|r| Raw {
                                source: "tmdb",
                                author: Some(r.author.clone()).filter(|a| !a.is_empty()),
                                title: None,
                                text: r.content.split_whitespace().collect::<Vec<_>>().join(" "),
                                rating: r.author_details.as_ref().and_then(|d| d.rating),
                                date: r.created_at.clone(),
                                url: r.url.clone(),
                            })
                            .collect(),
                        Fetch::Failed(_) => Vec::new(),
                    };
                    (list, status)
                }
                None => (
                    Vec::new(),
                    SourceStatus {
                        name: "tmdb".into(),
                        status: "no_id".into(),
                        count: 0,
                        message: None,
                    },
                ),
            }
        };
        let ((mut raw, mut imdb_status), (tmdb_raw, mut tmdb_status)) = tokio::join!(imdb, tmdb);
        imdb_status.count = raw.len();
        tmdb_status.count = tmdb_raw.len();
        raw.extend(tmdb_raw);
        raw.retain(|r| !r.text.trim().is_empty());

        let texts: Vec<String> = raw.iter().map(|r| r.text.clone()).collect();
        let labels: Vec<Sentiment> = {
            let _permit = self.gate.acquire().await?;
            let classifier = self.classifier.clone();
            tokio::task::spawn_blocking(move || classifier.classify(&texts)).await??
        };
        let reviews: Vec<Review> = raw
            .into_iter()
            .zip(&labels)
            .map(|(r, s)| Review {
                source: r.source.into(),
                author: r.author,
                title: r.title,
                text: r.text,
                rating: r.rating,
                date: r.date,
                url: r.url,
                sentiment: ReviewSentiment {
                    label: s.label.into(),
                    score: (s.score * 1e4).round() / 1e4,
                },
            })
            .collect();
        let positive = labels.iter().filter(|s| s.label == "positive").count();
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
            device: self.classifier.device_name().to_string(),
        };
        // Cache only what a source actually answered.
        if response
            .sources
            .iter()
            .any(|s| s.status == "ok" || s.status == "cached")
        {
            let (store, body) = (self.store.clone(), serde_json::to_string(&response)?);
            let _ = tokio::task::spawn_blocking(move || store.cache_put(&key, &body)).await;
        }
        Ok(response)
    }
}
