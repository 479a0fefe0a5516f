//! The REST API: one file per resource, one error type, one OpenAPI document.

mod accounts;
pub mod auth;
pub(crate) mod body;
mod browse;
mod diary;
mod error;
mod health;
mod me;
mod movie_lists;
mod movies;
mod not_interested;
pub mod openapi;
mod options;
mod params;
mod popular;
mod reviews;
mod search;
mod users;
mod watchlist;

pub(crate) use error::{ApiError, ErrorBody};

use crate::config::Settings;
use crate::dataset::{Movie, PopularityBand};
use crate::index::Artifacts;
use crate::records::Audience;
use crate::services::accounts::Accounts;
use crate::services::audience::Audiences;
use crate::services::browse::Browser;
use crate::services::history::History;
use crate::services::members::Members;
use crate::services::movies::Movies;
use crate::services::recommendations::Recommendations;
use crate::services::reviews::ReviewsService;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// What every handler reads: the loaded index and the services, built by
/// `startup::Application`, immutable after start. Handlers reach the store and the upstream
/// clients only through the services.
pub struct AppState {
    pub(crate) artifacts: Arc<Artifacts>,
    pub(crate) recommendations: Arc<Recommendations>,
    pub(crate) accounts: Accounts,
    pub(crate) members: Members,
    /// Imports of Letterboxd and IMDb exports.
    pub(crate) history: History,
    pub(crate) movies: Movies,
    pub(crate) browser: Browser,
    /// Reviews with sentiment; None when the sentiment model could not be loaded.
    pub(crate) reviews: Option<Arc<ReviewsService>>,
    /// How each movie's fetched reviews lean.
    pub(crate) audiences: Arc<Audiences>,
    pub(crate) settings: Settings,
}

impl AppState {
    /// A movie as lists show it, with its audience sentiment when its reviews say enough.
    pub(crate) fn summary(&self, m: &Movie) -> MovieSummary {
        MovieSummary {
            id: m.id,
            title: m.title.clone(),
            year: m.year,
            genres: m.genres.clone(),
            rating_count: m.rating_count,
            rating_mean: (m.rating_mean * 100.0).round() / 100.0,
            weighted_rating: (m.weighted_rating * 1000.0).round() / 1000.0,
            popularity_band: m.popularity_band,
            audience: self.audiences.telling(m.id).map(AudienceView::from),
        }
    }
}

/// Runs blocking work (SQLite, argon2, model scoring) off the async executor.
async fn blocking<T: Send + 'static>(
    state: &web::Data<AppState>,
    work: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let state = state.clone();
    web::block(move || work(&state)).await?
}

/// A movie in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct MovieSummary {
    pub id: u32,
    pub title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    pub rating_count: u32,
    pub rating_mean: f32,
    pub weighted_rating: f32,
    pub popularity_band: PopularityBand,
    /// How the movie's fetched reviews lean; absent until at least 5 were classified.
    pub audience: Option<AudienceView>,
}

/// Audience sentiment: `positive_percent` of `reviews` fetched reviews read as positive.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub(crate) struct AudienceView {
    pub positive_percent: u8,
    pub reviews: u32,
}

impl From<Audience> for AudienceView {
    fn from(a: Audience) -> Self {
        AudienceView {
            positive_percent: (a.share() * 100.0).round() as u8,
            reviews: a.reviews,
        }
    }
}

/// Mounts every /api route.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .route("/health", web::get().to(health::health))
            .route("/openapi.json", web::get().to(openapi::document))
            .route("/genres", web::get().to(popular::genres))
            .route("/options", web::get().to(options::options))
            .route("/popular", web::get().to(popular::popular))
            .route("/hidden-gems", web::get().to(popular::hidden_gems))
            .route("/search", web::get().to(search::search))
            .route("/movies/{id}", web::get().to(movies::movie))
            .route("/movies/{id}/similar", web::get().to(movies::similar))
            .route("/movies/{id}/reviews", web::get().to(reviews::reviews))
            .route(
                "/users/{id}/recommendations",
                web::get().to(users::recommendations),
            )
            .route("/users", web::post().to(accounts::signup))
            .route("/sessions", web::post().to(accounts::login))
            .route("/sessions", web::delete().to(accounts::logout))
            .route("/sessions/current", web::get().to(accounts::current))
            .route("/me", web::get().to(accounts::me))
            .route("/me", web::delete().to(accounts::delete_me))
            .route("/me/onboarding", web::get().to(me::onboarding))
            .route("/me/marks", web::get().to(me::marks))
            .route("/me/home", web::get().to(me::home))
            .route("/me/diary", web::get().to(diary::diary))
            .route("/me/diary.csv", web::get().to(diary::diary_csv))
            .route("/me/import", web::post().to(diary::import))
            .route("/me/ratings", web::get().to(me::ratings))
            .route("/me/ratings/{movie_id}", web::put().to(me::put_rating))
            .route(
                "/me/ratings/{movie_id}",
                web::delete().to(me::delete_rating),
            )
            .route("/me/watchlist", web::get().to(watchlist::list))
            .route("/me/watchlist/{movie_id}", web::put().to(watchlist::add))
            .route(
                "/me/watchlist/{movie_id}",
                web::delete().to(watchlist::remove),
            )
            .route("/me/not-interested", web::get().to(not_interested::list))
            .route(
                "/me/not-interested/{movie_id}",
                web::put().to(not_interested::add),
            )
            .route(
                "/me/not-interested/{movie_id}",
                web::delete().to(not_interested::remove),
            )
            .route("/me/recommendations", web::get().to(me::recommendations))
            .route("/browse", web::get().to(browse::browse_catalog))
            .default_service(web::to(not_found)),
    );
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no API route {} {}",
        req.method(),
        req.path()
    )))
}
