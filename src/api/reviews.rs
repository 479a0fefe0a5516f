//! GET /api/movies/{id}/reviews: reviews from IMDb and TMDB with their sentiment.

use super::params;
use super::{ApiError, AppState};
use crate::services::reviews::{ReviewsError, ReviewsResponse};
use actix_web::{web, HttpResponse};

/// The first call for a movie fetches and classifies (a few seconds); later calls come from the
/// cache. A source that failed is reported in `sources[].status` (`layout_changed` when IMDb's
/// page could not be read), never as an empty success.
#[utoipa::path(get, path = "/api/movies/{id}/reviews",
    params(("id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 200, body = ReviewsResponse), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
pub async fn reviews(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = params::id("id", &path)?;
    let movie = state
        .artifacts
        .catalog
        .get(id)
        .ok_or_else(|| ApiError::NotFound(format!("no movie with id {id}")))?
        .clone();
    let service = state.reviews.clone().ok_or_else(|| {
        ApiError::Unavailable("the sentiment model is not loaded; see the server log".into())
    })?;
    let response = service.for_movie(&movie).await.map_err(|e| match e {
        ReviewsError::Busy => ApiError::Busy {
            message: "Reviews are busy loading for other movies; try again in a few seconds."
                .into(),
            retry_after_seconds: 5,
        },
        ReviewsError::Failed(e) => e.into(),
    })?;
    Ok(HttpResponse::Ok().json(response))
}
