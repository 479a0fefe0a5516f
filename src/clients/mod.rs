//! Upstream services: TMDB's API and IMDb's review pages, over one kind of HTTP client.

pub mod imdb;
mod retry;
pub mod tmdb;

use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

/// One user review as an upstream gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserReview {
    pub author: Option<String>,
    pub title: Option<String>,
    pub text: String,
    /// The reviewer's own rating out of 10, when given.
    pub rating: Option<f32>,
    pub date: Option<String>,
    pub url: Option<String>,
    /// The reviewer marked it as giving the plot away: shown behind a reveal.
    #[serde(default)]
    pub spoiler: bool,
}

/// Installs the process-wide TLS provider (ring) that every reqwest client here needs; safe to
/// call more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The HTTP client both upstreams use: rustls with ring, a connect timeout and a deadline.
fn http_client(
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: &'static str,
) -> reqwest::Result<reqwest::Client> {
    install_crypto_provider();
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .user_agent(user_agent)
        .build()
}
