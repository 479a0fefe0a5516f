//! Passwords (argon2), session tokens, and the `AuthUser` extractor that every /api/me route
//! takes. A session is an HttpOnly, SameSite cookie for the browser or a bearer token for API
//! clients; the store keeps only a hash of the token.

use super::{ApiError, AppState};
use crate::domain::Password;
use crate::store::User;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use blake2::{Blake2b512, Digest};
use rand::RngCore;
use std::future::Future;
use std::pin::Pin;

pub const COOKIE: &str = "cinesense_session";
pub const SESSION_SECONDS: i64 = 30 * 24 * 3600;

pub fn hash_password(p: &Password) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(p.as_str().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?
        .to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random session token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    Blake2b512::digest(token.as_bytes())
        .iter()
        .take(32)
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn session_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(SESSION_SECONDS))
        .finish()
}

pub fn removal_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    c.make_removal();
    c
}

/// The token a request carries: bearer header first, then the cookie.
pub fn request_token(req: &HttpRequest) -> Option<String> {
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

/// The logged-in user; a request without a live session is answered 401.
pub struct AuthUser(pub User);

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
            let hash = token_hash(&token);
            let user = web::block(move || state.store.session_user(&hash))
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))??;
            user.map(AuthUser).ok_or_else(|| {
                ApiError::Unauthorized("the session has expired or was ended; log in again".into())
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_tokens_differ() {
        let p = Password::parse("correct horse").unwrap();
        let h = hash_password(&p).unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse!", &h));
        assert_ne!(new_token(), new_token());
        assert_eq!(token_hash("a").len(), 64);
    }
}
