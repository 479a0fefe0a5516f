//! Accounts: sign-up, log-in with its throttle, and sessions. Passwords are argon2 hashes;
//! the store keeps only a hash of each session token. Every method blocks (argon2, SQLite):
//! call them off the async executor.

use crate::domain::{GenreChoice, Password, Username};
use crate::store::{self, CreateUserError, Store, User};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use blake2::{Blake2b512, Digest};
use rand::RngCore;
use std::sync::{Arc, OnceLock};

/// How long a session lives.
pub(crate) const SESSION_SECONDS: i64 = 30 * 24 * 3600;

/// Failed logins in a row before each further try must wait (1 s, doubling, at most 5 min).
const FREE_FAILURES: i64 = 5;
const MAX_LOCK_SECONDS: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub(crate) enum SignupError {
    #[error("the username {0:?} is taken")]
    Taken(String),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum LoginError {
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("too many failed logins for this username; try again in {retry_after_seconds} s")]
    Throttled { retry_after_seconds: u64 },
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

pub struct Accounts {
    store: Arc<Store>,
}

impl Accounts {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        Accounts { store }
    }

    pub(crate) fn signup(
        &self,
        username: &Username,
        password: &Password,
        genres: GenreChoice,
    ) -> Result<User, SignupError> {
        let hash = hash_password(password)?;
        self.store
            .create_user(username.as_str(), &hash, &genres.into_vec())
            .map_err(|e| match e {
                CreateUserError::Taken => SignupError::Taken(username.as_str().to_string()),
                CreateUserError::Other(e) => SignupError::Store(e),
            })
    }

    /// Checks a password. After `FREE_FAILURES` failures in a row for a username each further
    /// try must wait; unknown names take as long as known ones.
    pub(crate) fn login(&self, username: &str, password: &str) -> Result<User, LoginError> {
        let username = username.trim();
        let (failures, last) = self.store.login_failures(username)?;
        if failures >= FREE_FAILURES {
            let wait = (1i64 << (failures - FREE_FAILURES).min(16)).min(MAX_LOCK_SECONDS);
            let left = last + wait - store::now();
            if left > 0 {
                return Err(LoginError::Throttled {
                    retry_after_seconds: left as u64,
                });
            }
        }
        let found = self.store.user_with_hash(username)?;
        let ok = match &found {
            Some((_, hash)) => verify_password(password, hash),
            None => {
                verify_password(password, dummy_hash());
                false
            }
        };
        match (ok, found) {
            (true, Some((user, _))) => {
                self.store.clear_login_failures(username)?;
                Ok(user)
            }
            _ => {
                self.store.record_login_failure(username)?;
                Err(LoginError::WrongCredentials)
            }
        }
    }

    /// A new session for a user; returns its token.
    pub(crate) fn start_session(&self, user_id: i64) -> anyhow::Result<String> {
        let token = new_token();
        self.store
            .create_session(&token_hash(&token), user_id, SESSION_SECONDS)?;
        Ok(token)
    }

    pub(crate) fn end_session(&self, token: &str) -> anyhow::Result<()> {
        self.store.delete_session(&token_hash(token))?;
        Ok(())
    }

    /// The user of a live session.
    pub(crate) fn session_user(&self, token: &str) -> anyhow::Result<Option<User>> {
        self.store.session_user(&token_hash(token))
    }
}

fn hash_password(p: &Password) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(p.as_str().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Verified against for unknown usernames, so both answers take the same time.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        hash_password(&Password::parse("not a real password").expect("valid")).expect("hash")
    })
}

/// A new random session token (256 bits, hex).
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the store keeps of a token.
fn token_hash(token: &str) -> String {
    Blake2b512::digest(token.as_bytes())
        .iter()
        .take(32)
        .map(|b| format!("{b:02x}"))
        .collect()
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
