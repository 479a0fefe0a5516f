//! GET /api/movies/{id} and GET /api/movies/{id}/similar

use super::params::{self, Query};
use super::{ApiError, AppState, AudienceView, MovieSummary};
use crate::dataset::Movie;
use crate::services::movies::MoviePage;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

fn find<'a>(state: &'a AppState, raw: &str) -> Result<(usize, &'a Movie), ApiError> {
    let id = params::id("id", raw)?;
    let catalog = &state.artifacts.catalog;
    let row = catalog
        .index_of(id)
        .ok_or_else(|| ApiError::NotFound(format!("no movie with id {id}")))?;
    Ok((row, catalog.at(row)))
}

/// A movie page with how its reviews lean.
#[derive(Serialize, ToSchema)]
pub(crate) struct MovieResponse {
    #[serde(flatten)]
    pub page: MoviePage,
    /// How the movie's reviews lean; absent with fewer than 5 classified.
    pub audience: Option<AudienceView>,
}

/// One movie with everything the catalog knows, merged with TMDB details when available.
#[utoipa::path(get, path = "/api/movies/{id}",
    params(("id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 200, body = MovieResponse), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn movie(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (_, movie) = find(&state, &path)?;
    let audience = state.audiences.telling(movie.id).map(AudienceView::from);
    let page = state.movies.page(movie).await;
    Ok(HttpResponse::Ok().json(MovieResponse { page, audience }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SimilarMovie {
    pub movie: MovieSummary,
    /// Cosine similarity of the content vectors (0..1).
    pub similarity: f32,
    /// The ranking score: similarity blended with popularity.
    pub score: f32,
    /// Why it is similar, in words.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SimilarResponse {
    pub movie: MovieSummary,
    pub similar: Vec<SimilarMovie>,
}

/// Content neighbours ranked by a blend of similarity and popularity.
#[utoipa::path(get, path = "/api/movies/{id}/similar",
    params(("id" = u32, Path, description = "MovieLens movieId"),
           ("limit" = Option<usize>, Query, description = "1..=100, default 10"),
           ("min_votes" = Option<u32>, Query, description = "only neighbours with at least this many ratings")),
    responses((status = 200, body = SimilarResponse), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn similar(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 10)?;
    let min_votes: u32 = params::number(&query, "min_votes", 0, 0, u32::MAX)?;
    let (row, movie) = find(&state, &path)?;
    let catalog = &state.artifacts.catalog;
    let similar = state
        .recommendations
        .similar_movies(row, min_votes, limit)
        .into_iter()
        .map(|n| SimilarMovie {
            movie: state.summary(catalog.at(n.row)),
            similarity: n.similarity,
            score: n.score,
            reason: n.reason,
        })
        .collect();
    Ok(HttpResponse::Ok().json(SimilarResponse {
        movie: state.summary(movie),
        similar,
    }))
}
