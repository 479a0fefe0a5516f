//! How a request carries its session, and the `AuthUser` extractor that every /api/me route
//! takes. A session is an HttpOnly, SameSite cookie for the browser or a bearer token for API
//! clients; `services::accounts` checks it.

use super::{blocking, ApiError, AppState};
use crate::records::User;
use crate::services::accounts::SESSION_SECONDS;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

const COOKIE: &str = "cinesense_session";

/// The session cookie; `secure` (COOKIE_SECURE, for a site served over HTTPS) keeps browsers
/// from ever sending it over plain HTTP.
pub(crate) fn session_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(SESSION_SECONDS))
        .finish()
}

pub(crate) fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "")
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    c.make_removal();
    c
}

/// The token a request carries: bearer header first, then the cookie.
pub(crate) fn request_token(req: &HttpRequest) -> Option<String> {
    if let Some(h) = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = h
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            return Some(t.to_string());
        }
    }
    req.cookie(COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| !t.is_empty())
}

/// The user of a live session, or 401 (for work already off the async executor).
pub(crate) fn live_session_user(s: &AppState, token: &str) -> Result<User, ApiError> {
    s.accounts.session_user(token)?.ok_or_else(|| {
        ApiError::Unauthorized("the session has expired or was ended; log in again".into())
    })
}

/// A request's session token, not yet checked: a handler that goes off the executor anyway
/// checks it there (`live_session_user`) in the same trip, where `AuthUser` would take a trip
/// of its own. Without a token: 401.
pub(crate) struct SessionToken(pub String);

impl FromRequest for SessionToken {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(request_token(req).map(SessionToken).ok_or_else(|| {
            ApiError::Unauthorized("log in first: no session cookie or bearer token".into())
        }))
    }
}

/// The logged-in user; a request without a live session is answered 401.
pub(crate) struct AuthUser(pub User);

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = request_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token.ok_or_else(|| {
                ApiError::Unauthorized("log in first: no session cookie or bearer token".into())
            })?;
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
            blocking(&state, move |s| live_session_user(s, &token))
                .await
                .map(AuthUser)
        })
    }
}
