//! Accounts: sign-up, log-in with its throttle, and sessions. Passwords are argon2 hashes;
//! the store keeps only a hash of each session token. Every method blocks (argon2, SQLite):
//! call them off the async executor.

use crate::domain::{GenreChoice, Password, Username};
use crate::records::User;
use crate::store::{Attempt, CreateUserError, Store};
use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use blake2::{Blake2b512, Digest};
use rand::RngCore;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// How long a session lives.
pub(crate) const SESSION_SECONDS: i64 = 30 * 24 * 3600;

/// Failed logins in a row for one username from one address before each further try must
/// wait (2 s, doubling, at most 5 min).
const FREE_FAILURES: i64 = 5;
/// Failed logins from one address, whatever the usernames, before each further try must wait
/// (guessing a common password for many accounts).
const FREE_FAILURES_PER_ADDRESS: i64 = 20;
const MAX_LOCK_SECONDS: i64 = 300;
/// The longest password signup takes (`domain::Password`).
const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, thiserror::Error)]
pub(crate) enum SignupError {
    #[error("the username {0:?} is taken")]
    Taken(String),
    #[error("too many signups from this address; try again in {retry_after_seconds} s")]
    Throttled { retry_after_seconds: u64 },
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum LoginError {
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("too many failed logins; try again in {retry_after_seconds} s")]
    Throttled { retry_after_seconds: u64 },
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

pub struct Accounts {
    store: Arc<Store>,
    /// Signups from one address before each further one waits.
    signups_per_address: i64,
}

impl Accounts {
    pub(crate) fn new(store: Arc<Store>, signups_per_address: i64) -> Self {
        Accounts {
            store,
            signups_per_address,
        }
    }

    /// A new account. Each signup from `client` counts; past `signups_per_address` of them
    /// (forgotten after an hour's quiet), each further one waits.
    pub(crate) fn signup(
        &self,
        username: &Username,
        password: &Password,
        genres: GenreChoice,
        client: &str,
    ) -> Result<User, SignupError> {
        let limits = [(Attempt::Signup, self.signups_per_address)];
        if let Some(left) = self
            .store
            .count_attempt(&limits, client, MAX_LOCK_SECONDS)?
        {
            return Err(SignupError::Throttled {
                retry_after_seconds: left,
            });
        }
        let hash = hash_password(password)?;
        self.store
            .create_user(username.as_str(), &hash, &genres.into_vec())
            .map_err(|e| match e {
                CreateUserError::Taken => SignupError::Taken(username.as_str().to_string()),
                CreateUserError::Other(e) => SignupError::Store(e),
            })
    }

    /// Checks a password. After `FREE_FAILURES` failures in a row for a username from one
    /// client (address), or `FREE_FAILURES_PER_ADDRESS` from it for any usernames, each
    /// further try from that client must wait; other clients, the account's owner among them,
    /// are not held up. Unknown names take as long as known ones.
    pub(crate) fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<User, LoginError> {
        // What could never have signed up cannot log in: refused before the store (a NUL or
        // 3,000 characters reached PostgreSQL and answered 500) and before any hashing, and
        // not kept as a failed name.
        let Ok(username) = Username::parse(username) else {
            return Err(LoginError::WrongCredentials);
        };
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(LoginError::WrongCredentials);
        }
        let username = username.as_str();
        let limits = [
            (Attempt::AnyLogin, FREE_FAILURES_PER_ADDRESS),
            (Attempt::Login(username), FREE_FAILURES),
        ];
        if let Some(left) = self
            .store
            .count_attempt(&limits, client, MAX_LOCK_SECONDS)?
        {
            return Err(LoginError::Throttled {
                retry_after_seconds: left,
            });
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
                self.store.clear_login_failures(username, client)?;
                Ok(user)
            }
            // `count_attempt` counted the failure already.
            _ => Err(LoginError::WrongCredentials),
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

/// At most this many argon2 computations at once, each in one of the gate's own 19 MiB
/// buffers: logins beyond it wait their turn, and a crowd of them never takes more memory.
/// (argon2's own `hash_password` allocates its blocks per call; with the allocator tuned for
/// the sentiment engine (`main.rs`), glibc kept every thread's freed 19 MiB: 200 parallel
/// logins held 3.8 GiB.)
fn hashing_gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Gate::new(cores.clamp(2, 8))
    })
}

/// argon2 memory: `Params::default()`'s 19 MiB of 1 KiB blocks.
type Memory = Vec<Block>;

/// A counting semaphore for blocking code that hands each holder one of `limit` buffers,
/// made when first needed and kept for good.
struct Gate {
    limit: usize,
    state: Mutex<GateState>,
    freed: Condvar,
    /// The most ever busy at once (tests read it).
    peak: AtomicUsize,
}

#[derive(Default)]
struct GateState {
    busy: usize,
    /// Buffers not in use.
    spare: Vec<Memory>,
}

/// A place in the gate and its buffer, given back when dropped.
struct Pass<'a> {
    gate: &'a Gate,
    memory: Option<Memory>,
}

impl Gate {
    fn new(limit: usize) -> Self {
        Gate {
            limit,
            state: Mutex::new(GateState::default()),
            freed: Condvar::new(),
            peak: AtomicUsize::new(0),
        }
    }

    fn enter(&self) -> Pass<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.busy >= self.limit {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.busy += 1;
        self.peak.fetch_max(state.busy, Ordering::Relaxed);
        let memory = state.spare.pop();
        Pass { gate: self, memory }
    }
}

impl Pass<'_> {
    /// The buffer, at least `blocks` long (made on first use).
    fn memory(&mut self, blocks: usize) -> &mut [Block] {
        let m = self.memory.get_or_insert_with(Vec::new);
        if m.len() < blocks {
            m.resize(blocks, Block::default());
        }
        &mut m[..blocks]
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut state = self.gate.state.lock().unwrap_or_else(|e| e.into_inner());
        state.busy -= 1;
        if let Some(m) = self.memory.take() {
            state.spare.push(m);
        }
        drop(state);
        self.gate.freed.notify_one();
    }
}

/// The stored form of a password: argon2id with the default parameters, as a PHC string.
fn hash_password(p: &Password) -> anyhow::Result<String> {
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    {
        let mut pass = hashing_gate().enter();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(
                p.as_str().as_bytes(),
                salt_bytes,
                &mut out,
                pass.memory(params.block_count()),
            )
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?;
    }
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("{e}"))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` is the one `hash` (a PHC string) was made from. Hashes asking for more
/// memory than the default are refused: every stored hash uses the default.
fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(h.algorithm), Params::try_from(&h))
    else {
        return false;
    };
    let version = match h.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    if params.block_count() > Params::default().block_count() {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let mut pass = hashing_gate().enter();
    let blocks = params.block_count();
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt_bytes,
        &mut out,
        pass.memory(blocks),
    );
    drop(pass);
    // Output compares in constant time.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// Verified against for unknown usernames, so both answers take the same time.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        hash_password(
            &Password::parse(
                "not a real password",
                &Username::parse("nobody").expect("valid"),
            )
            .expect("valid"),
        )
        .expect("hash")
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
        let p = Password::parse("correct horse", &Username::parse("tester").unwrap()).unwrap();
        let h = hash_password(&p).unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse!", &h));
        assert_ne!(new_token(), new_token());
        assert_eq!(token_hash("a").len(), 64);
    }

    /// 200 logins at once took the server from 1.4 GB to 4.7 GB: argon2 holds 19 MiB per
    /// computation. However many arrive, at most the gate's limit hash at once.
    #[test]
    fn hashing_is_bounded_however_many_log_in_at_once() {
        let hash = hash_password(
            &Password::parse("correct horse", &Username::parse("tester").unwrap()).unwrap(),
        )
        .unwrap();
        let threads: Vec<_> = (0..24)
            .map(|i| {
                let hash = hash.clone();
                std::thread::spawn(move || verify_password(&format!("guess {i}"), &hash))
            })
            .collect();
        for t in threads {
            assert!(!t.join().unwrap());
        }
        let gate = hashing_gate();
        let peak = gate.peak.load(Ordering::Relaxed);
        assert!(
            peak >= 1 && peak <= gate.limit,
            "peak {peak}, limit {}",
            gate.limit
        );
        assert!(gate.limit <= 8);
        // A gate of its own (the shared one serves other tests at the same time): every pass
        // is given back.
        let own = std::sync::Arc::new(Gate::new(3));
        let threads: Vec<_> = (0..12)
            .map(|_| {
                let own = own.clone();
                std::thread::spawn(move || {
                    let mut pass = own.enter();
                    pass.memory(8)[0] = Block::default();
                    std::thread::sleep(std::time::Duration::from_millis(2));
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(own.peak.load(Ordering::Relaxed) <= 3);
        let state = own.state.lock().unwrap();
        assert_eq!(state.busy, 0);
        // No more buffers than places, however many came through.
        assert!(
            !state.spare.is_empty() && state.spare.len() <= 3,
            "{}",
            state.spare.len()
        );
    }

    /// Hashes stored before the gate kept its own memory (argon2's `PasswordHasher`) still
    /// verify, and the new ones verify with argon2's own verifier.
    #[test]
    fn hashes_match_argon2s_own() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut OsRng);
        let old = Argon2::default()
            .hash_password(b"a good password", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("a good password", &old));
        assert!(!verify_password("a good passworD", &old));
        let new = hash_password(
            &Password::parse("another password", &Username::parse("tester").unwrap()).unwrap(),
        )
        .unwrap();
        assert!(new.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{new}");
        let parsed = PasswordHash::new(&new).unwrap();
        assert!(Argon2::default()
            .verify_password(b"another password", &parsed)
            .is_ok());
        assert!(!verify_password("nope", "not a hash"));
    }
}
