//! Accounts and sessions: POST /api/users, POST and DELETE /api/sessions, GET and DELETE /api/me.

use super::auth::{self, AuthUser};
use super::client::client_address;
use super::json::JsonBody;
use super::{blocking, ApiError, AppState};
use crate::domain::{GenreChoice, Password, Username};
use crate::records::User;
use crate::services::accounts::{LoginError, SignupError};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub(crate) struct SignupRequest {
    pub username: String,
    pub password: String,
    /// At least 3 names from /api/genres.
    pub genres: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A user as the API shows it: never the password hash.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserView {
    pub id: i64,
    pub username: String,
    pub genres: Vec<String>,
    pub created_at: i64,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            username: u.username,
            genres: u.genres,
            created_at: u.created_at,
        }
    }
}

/// Answer to signup and login. The token is for API clients (Authorization: Bearer);
/// browsers get the same session as an HttpOnly cookie.
#[derive(Serialize, ToSchema)]
pub(crate) struct SessionResponse {
    pub user: UserView,
    pub token: String,
}

async fn start_session(
    state: &web::Data<AppState>,
    user: User,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, ApiError> {
    let id = user.id;
    let token = blocking(state, move |s| Ok(s.accounts.start_session(id)?)).await?;
    Ok(HttpResponse::build(status)
        .cookie(auth::session_cookie(&token, state.settings.cookie_secure))
        .json(SessionResponse {
            user: user.into(),
            token,
        }))
}

/// A login or signup the throttle refused: 429 with Retry-After, counted in the metrics.
fn throttled(what: &str, message: String, retry_after_seconds: u64) -> ApiError {
    crate::metrics::throttled(what);
    ApiError::TooManyRequests {
        message,
        retry_after_seconds,
    }
}

/// Sign up with a username, a password and at least 3 genres; logs the new user in. Past 10
/// signups from one address within the hour (SIGNUPS_PER_ADDRESS), each further one waits (429).
#[utoipa::path(post, path = "/api/users", request_body = SignupRequest,
    responses((status = 201, body = SessionResponse), (status = 400, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 429, body = super::ErrorBody)))]
pub async fn signup(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let username =
        Username::parse(&body.username).map_err(|m| ApiError::bad_parameter("username", m))?;
    let password = Password::parse(&body.password, &username)
        .map_err(|m| ApiError::bad_parameter("password", m))?;
    let genres = GenreChoice::parse(&body.genres, &state.artifacts.catalog)
        .map_err(|m| ApiError::bad_parameter("genres", m))?;
    let client = client_address(&req, &state.settings.trusted_proxies);
    let user = blocking(&state, move |s| {
        s.accounts
            .signup(&username, &password, genres, &client)
            .map_err(|e| match e {
                SignupError::Taken(_) => ApiError::Conflict(e.to_string()),
                SignupError::Throttled {
                    retry_after_seconds,
                } => throttled("signup", e.to_string(), retry_after_seconds),
                SignupError::Store(e) => e.into(),
            })
    })
    .await?;
    log::info!("new user {}", user.id);
    start_session(&state, user, actix_web::http::StatusCode::CREATED).await
}

/// Log in. After 5 failures in a row for a username from one client address, or 20 from it
/// for any usernames, each further try from it waits (429, Retry-After); other addresses are
/// not held up. Behind a balancer listed in TRUSTED_PROXIES the address is the forwarded one.
#[utoipa::path(post, path = "/api/sessions", request_body = LoginRequest,
    responses((status = 200, body = SessionResponse), (status = 401, body = super::ErrorBody), (status = 429, body = super::ErrorBody)))]
pub(crate) async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password } = body.0;
    // Failures count per client address: a stranger's guesses never lock the owner out.
    let client = client_address(&req, &state.settings.trusted_proxies);
    let user = blocking(&state, move |s| {
        s.accounts
            .login(&username, &password, &client)
            .map_err(|e| match e {
                LoginError::WrongCredentials => ApiError::Unauthorized(e.to_string()),
                LoginError::Throttled {
                    retry_after_seconds,
                } => throttled("login", e.to_string(), retry_after_seconds),
                LoginError::Store(e) => e.into(),
            })
    })
    .await?;
    start_session(&state, user, actix_web::http::StatusCode::OK).await
}

/// Log out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/sessions", responses((status = 204), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    _user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = auth::request_token(&req) {
        blocking(&state, move |s| Ok(s.accounts.end_session(&token)?)).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(auth::removal_cookie(state.settings.cookie_secure))
        .finish())
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CurrentSession {
    /// The logged-in user, or null without a live session.
    pub user: Option<UserView>,
}

/// Who is logged in, without an error when nobody is (for the browser app's first paint).
#[utoipa::path(get, path = "/api/sessions/current", responses((status = 200, body = CurrentSession)))]
pub async fn current(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let user = match auth::request_token(&req) {
        Some(token) => blocking(&state, move |s| Ok(s.accounts.session_user(&token)?)).await?,
        None => None,
    };
    Ok(HttpResponse::Ok().json(CurrentSession {
        user: user.map(UserView::from),
    }))
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/me", responses((status = 200, body = UserView), (status = 401, body = super::ErrorBody)))]
pub async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(UserView::from(user.0))
}

/// Delete the account with its sessions, ratings and watchlist.
#[utoipa::path(delete, path = "/api/me", responses((status = 204), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn delete_me(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let id = user.0.id;
    blocking(&state, move |s| Ok(s.members.delete(id)?)).await?;
    log::info!("user {id} deleted their account");
    Ok(HttpResponse::NoContent()
        .cookie(auth::removal_cookie(state.settings.cookie_secure))
        .finish())
}
