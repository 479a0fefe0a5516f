//! GET /api/search: search-as-you-type.

use super::params::{self, Query};
use super::{ApiError, AppState};
use crate::dataset::Movie;
use crate::models::search::MAX_QUERY_CHARS;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct SearchResult {
    pub id: u32,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    pub score: f32,
    /// True when the match needed typo tolerance.
    pub fuzzy: bool,
    /// TMDB poster (w185), once the movie's details have been fetched (`enrich` or a visit).
    pub poster_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SearchResponse {
    pub query: String,
    pub results: Vec<SearchResult>,
}

/// Title matches as you type: prefix on the last word, one typo forgiven in words of 4+ letters.
#[utoipa::path(get, path = "/api/search",
    params(("q" = String, Query, description = "what was typed, at most 200 characters"),
           ("limit" = Option<usize>, Query, description = "1..=50, default 8")),
    responses((status = 200, body = SearchResponse), (status = 400, body = super::ErrorBody)))]
pub async fn search(state: web::Data<AppState>, query: Query) -> Result<HttpResponse, ApiError> {
    let limit: usize = params::number(&query, "limit", 8, 1, 50)?;
    let q = query.get("q").cloned().unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_parameter(
            "q",
            format!("query parameter `q` must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if q.trim().is_empty() {
        return Ok(HttpResponse::Ok().json(SearchResponse {
            query: q,
            results: Vec::new(),
        }));
    }
    // Run here, not on the blocking pool: a search is a fraction of a millisecond of CPU over
    // an index in memory and posters in memory, and the hand-off to another thread and back
    // cost more than that under load (the answer waited behind the worker's other work).
    let catalog = &state.artifacts.catalog;
    let hits = state.artifacts.search.search(&q, limit)?;
    let movies: Vec<&Movie> = hits.iter().map(|h| catalog.at(h.row)).collect();
    let posters = state.movies.known_posters(&movies);
    let results = hits
        .into_iter()
        .zip(posters)
        .map(|(h, poster_url)| {
            let m = catalog.at(h.row);
            SearchResult {
                id: m.id,
                title: m.title.clone(),
                original_title: m.original_title.clone(),
                year: m.year,
                genres: m.genres.clone(),
                score: h.score,
                fuzzy: h.fuzzy,
                poster_url,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(SearchResponse { query: q, results }))
}
