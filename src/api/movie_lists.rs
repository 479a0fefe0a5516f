//! What the watchlist and "not interested" share: putting a movie on a user's list and taking
//! it off (their handlers, with their own documentation, are in watchlist.rs and
//! not_interested.rs).

use super::auth::AuthUser;
use super::me::movie_row;
use super::{blocking, ApiError, AppState};
use crate::records::MovieList;
use actix_web::{web, HttpResponse};

pub(super) async fn add(
    list: MovieList,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, _) = movie_row(&state, &path)?;
    let uid = user.0.id;
    blocking(&state, move |s| Ok(s.members.add_to_list(list, uid, id)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) async fn remove(
    list: MovieList,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, _) = movie_row(&state, &path)?;
    let uid = user.0.id;
    if !blocking(&state, move |s| {
        Ok(s.members.remove_from_list(list, uid, id)?)
    })
    .await?
    {
        let name = match list {
            MovieList::Watchlist => "watchlist",
            MovieList::NotInterested => "not-interested list",
        };
        return Err(ApiError::NotFound(format!(
            "movie {id} is not on your {name}"
        )));
    }
    Ok(HttpResponse::NoContent().finish())
}
