//! GET /api/movies/{id} and GET /api/movies/{id}/similar

use super::params::{self, Query};
use super::{ApiError, AppState, MovieSummary};
use crate::catalog::Movie;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

fn find<'a>(state: &'a AppState, raw: &str) -> Result<(usize, &'a Movie), ApiError> {
    let id = params::id("id", raw)?;
    let catalog = &state.artifacts.catalog;
    let row = catalog.index_of(id).ok_or_else(|| ApiError::NotFound(format!("no movie with id {id}")))?;
    Ok((row, catalog.at(row)))
}

/// One movie with everything the catalog knows.
#[utoipa::path(get, path = "/api/movies/{id}",
    params(("id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 200, body = Movie), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn movie(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (_, movie) = find(&state, &path)?;
    Ok(HttpResponse::Ok().json(movie))
}

#[derive(Serialize, ToSchema)]
pub struct SimilarMovie {
    pub movie: MovieSummary,
    /// Cosine similarity of the content vectors (0..1).
    pub similarity: f32,
    /// The ranking score: similarity blended with popularity.
    pub score: f32,
    /// Why it is similar, in words.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarResponse {
    pub movie: MovieSummary,
    pub similar: Vec<SimilarMovie>,
}

/// What two movies share, in words: "Shares Animation, Children · toy, rivalry".
fn shared_reason(a: &Movie, b: &Movie) -> String {
    let genres: Vec<&str> = a.genres.iter().filter(|g| b.genres.contains(g)).map(String::as_str).collect();
    let lower = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
    let (bk, bt) = (lower(&b.keywords), lower(&b.tags));
    let mut themes: Vec<String> = lower(&a.keywords).into_iter().filter(|k| bk.contains(k)).collect();
    for t in lower(&a.tags) {
        if bt.contains(&t) && !themes.contains(&t) {
            themes.push(t);
        }
    }
    themes.truncate(4);
    match (genres.is_empty(), themes.is_empty()) {
        (false, false) => format!("Shares {} · {}", genres.join(", "), themes.join(", ")),
        (false, true) => format!("Shares {}", genres.join(", ")),
        (true, false) => format!("Shares {}", themes.join(", ")),
        (true, true) => "Similar story and title".to_string(),
    }
}

/// Content neighbours ranked by a blend of similarity and popularity.
#[utoipa::path(get, path = "/api/movies/{id}/similar",
    params(("id" = u32, Path, description = "MovieLens movieId"),
           ("limit" = Option<usize>, Query, description = "1..=100, default 10"),
           ("min_votes" = Option<u32>, Query, description = "only neighbours with at least this many ratings")),
    responses((status = 200, body = SimilarResponse), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn similar(state: web::Data<AppState>, path: web::Path<String>, query: Query) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 10)?;
    let min_votes: u32 = params::number(&query, "min_votes", 0, 0, u32::MAX)?;
    let (row, movie) = find(&state, &path)?;
    let a = &state.artifacts;
    let w = state.settings.similar_popularity_weight;
    let mut similar: Vec<SimilarMovie> = a
        .similarity
        .neighbours(row)
        .into_iter()
        .filter(|(j, _)| a.catalog.at(*j).rating_count >= min_votes)
        .map(|(j, sim)| {
            let other = a.catalog.at(j);
            SimilarMovie {
                movie: other.into(),
                similarity: sim,
                score: (1.0 - w) * sim + w * a.popularity.normalized(other.weighted_rating),
                reason: shared_reason(movie, other),
            }
        })
        .collect();
    similar.sort_by(|x, y| y.score.total_cmp(&x.score));
    similar.truncate(limit);
    Ok(HttpResponse::Ok().json(SimilarResponse { movie: movie.into(), similar }))
}
