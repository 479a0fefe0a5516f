//! /api/me/not-interested: films the user does not want to see suggested. They leave the
//! user's recommendations from then on (the web app also drops them from every other list).

use super::auth::AuthUser;
use super::movie_lists;
use super::{blocking, ApiError, AppState, MovieSummary};
use crate::records::MovieList;
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
    movie_lists::add(MovieList::NotInterested, state, user, path).await
}

/// Interested again (an undo).
#[utoipa::path(delete, path = "/api/me/not-interested/{movie_id}", params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub(crate) async fn remove(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    movie_lists::remove(MovieList::NotInterested, state, user, path).await
}

/// The films the user is not interested in, newest first.
#[utoipa::path(get, path = "/api/me/not-interested", responses((status = 200, body = NotInterestedResponse), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let uid = user.0.id;
    let list = blocking(&state, move |s| {
        Ok(s.members.list(MovieList::NotInterested, uid)?)
    })
    .await?;
    let c = &state.artifacts.catalog;
    Ok(HttpResponse::Ok().json(NotInterestedResponse {
        movies: list
            .into_iter()
            .filter_map(|(id, _)| c.get(id).map(|m| state.summary(m)))
            .collect(),
    }))
}
