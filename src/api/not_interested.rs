//! /api/me/not-interested: films the user does not want to see suggested. They leave the
//! user's recommendations from then on (the web app also drops them from every other list).

use super::auth::AuthUser;
use super::me::movie_row;
use super::{blocking, ApiError, AppState, MovieSummary};
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct NotInterestedResponse {
    /// Newest first.
    pub movies: Vec<MovieSummary>,
}

/// Not interested in a movie: it is no longer recommended to this user.
#[utoipa::path(put, path = "/api/me/not-interested/{movie_id}", params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub(crate) async fn add(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, _) = movie_row(&state, &path)?;
    let uid = user.0.id;
    blocking(&state, move |s| Ok(s.store.hide_movie(uid, id)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Interested again (an undo).
#[utoipa::path(delete, path = "/api/me/not-interested/{movie_id}", params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub(crate) async fn remove(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, _) = movie_row(&state, &path)?;
    let uid = user.0.id;
    if !blocking(&state, move |s| Ok(s.store.unhide_movie(uid, id)?)).await? {
        return Err(ApiError::NotFound(format!(
            "movie {id} is not on your not-interested list"
        )));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The films the user is not interested in, newest first.
#[utoipa::path(get, path = "/api/me/not-interested", responses((status = 200, body = NotInterestedResponse), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let uid = user.0.id;
    let list = blocking(&state, move |s| Ok(s.store.hidden_movies(uid)?)).await?;
    let c = &state.artifacts.catalog;
    Ok(HttpResponse::Ok().json(NotInterestedResponse {
        movies: list
            .into_iter()
            .filter_map(|(id, _)| c.get(id).map(Into::into))
            .collect(),
    }))
}
