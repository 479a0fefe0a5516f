//! The REST API: one file per resource, one error type, one OpenAPI document.

mod accounts;
pub mod auth;
pub(crate) mod body;
mod browse;
mod client;
mod diary;
mod error;
mod health;
mod json;
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
use actix_web::dev::ResourceDef;
use actix_web::http::Method;
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
    /// How each movie's reviews lean (offline and fetched).
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
    /// How the movie's reviews lean; absent with fewer than 5 classified.
    pub audience: Option<AudienceView>,
}

/// Audience sentiment: `positive_percent` of `reviews` reviews (offline and fetched) read as
/// positive.
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

/// The /api routes being mounted, and a table of their patterns and methods for answering
/// OPTIONS (`Allow`) and a method a path does not take (405).
struct Routes {
    scope: actix_web::Scope,
    table: Vec<(ResourceDef, Method)>,
}

impl Routes {
    fn add<F, Args>(mut self, method: Method, path: &'static str, handler: F) -> Self
    where
        F: actix_web::Handler<Args>,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        self.table
            .push((ResourceDef::new(format!("/api{path}")), method.clone()));
        self.scope = self.scope.route(path, web::method(method).to(handler));
        self
    }
}

/// The methods each /api path takes.
struct AllowedMethods(Vec<(ResourceDef, Method)>);

impl AllowedMethods {
    /// "GET, HEAD, OPTIONS" for `path`; None when no route has it.
    fn allow(&self, path: &str) -> Option<String> {
        let mut methods: Vec<&str> = self
            .0
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .map(|(_, m)| m.as_str())
            .collect();
        if methods.is_empty() {
            return None;
        }
        if methods.contains(&"GET") {
            methods.push("HEAD");
        }
        methods.push("OPTIONS");
        Some(methods.join(", "))
    }
}

/// Mounts every /api route.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    use Method as M;
    let routes = Routes {
        scope: web::scope("/api"),
        table: Vec::new(),
    }
    .add(M::GET, "/health", health::health)
    .add(M::GET, "/health/ready", health::ready)
    .add(M::GET, "/openapi.json", openapi::document)
    .add(M::GET, "/genres", popular::genres)
    .add(M::GET, "/options", options::options)
    .add(M::GET, "/popular", popular::popular)
    .add(M::GET, "/hidden-gems", popular::hidden_gems)
    .add(M::GET, "/search", search::search)
    .add(M::GET, "/movies/{id}", movies::movie)
    .add(M::GET, "/movies/{id}/similar", movies::similar)
    .add(M::GET, "/movies/{id}/reviews", reviews::reviews)
    .add(
        M::GET,
        "/users/{id}/recommendations",
        users::recommendations,
    )
    .add(M::POST, "/users", accounts::signup)
    .add(M::POST, "/sessions", accounts::login)
    .add(M::DELETE, "/sessions", accounts::logout)
    .add(M::GET, "/sessions/current", accounts::current)
    .add(M::GET, "/me", accounts::me)
    .add(M::DELETE, "/me", accounts::delete_me)
    .add(M::GET, "/me/onboarding", me::onboarding)
    .add(M::GET, "/me/marks", me::marks)
    .add(M::GET, "/me/home", me::home)
    .add(M::GET, "/me/diary", diary::diary)
    .add(M::GET, "/me/diary.csv", diary::diary_csv)
    .add(M::POST, "/me/import", diary::import)
    .add(M::GET, "/me/ratings", me::ratings)
    .add(M::PUT, "/me/ratings/{movie_id}", me::put_rating)
    .add(M::DELETE, "/me/ratings/{movie_id}", me::delete_rating)
    .add(M::GET, "/me/watchlist", watchlist::list)
    .add(M::PUT, "/me/watchlist/{movie_id}", watchlist::add)
    .add(M::DELETE, "/me/watchlist/{movie_id}", watchlist::remove)
    .add(M::GET, "/me/not-interested", not_interested::list)
    .add(M::PUT, "/me/not-interested/{movie_id}", not_interested::add)
    .add(
        M::DELETE,
        "/me/not-interested/{movie_id}",
        not_interested::remove,
    )
    .add(M::GET, "/me/recommendations", me::recommendations)
    .add(M::GET, "/browse", browse::browse_catalog);
    let allowed = web::Data::new(AllowedMethods(routes.table));
    cfg.service(
        routes
            .scope
            .app_data(allowed)
            .default_service(web::to(no_route)),
    );
}

/// What no route answers: OPTIONS on a path gets its methods (204, `Allow`), another method
/// than the path takes 405 (with `Allow`), a path that is not there 404.
async fn no_route(
    req: HttpRequest,
    allowed: web::Data<AllowedMethods>,
) -> Result<HttpResponse, ApiError> {
    match allowed.allow(req.path()) {
        Some(allow) if req.method() == Method::OPTIONS => Ok(HttpResponse::NoContent()
            .insert_header((actix_web::http::header::ALLOW, allow))
            .finish()),
        Some(allow) => Err(ApiError::MethodNotAllowed {
            message: format!("{} takes {allow}, not {}", req.path(), req.method()),
            allow,
        }),
        None => Err(ApiError::NotFound(format!(
            "no API route {} {}",
            req.method(),
            req.path()
        ))),
    }
}
