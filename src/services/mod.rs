//! What the API's handlers call: the work between a request and the models, clients and store.

pub(crate) mod accounts;
pub mod audience;
pub(crate) mod browse;
pub(crate) mod diary;
pub mod enrich;
pub(crate) mod history;
pub(crate) mod home;
pub mod members;
pub mod movies;
pub(crate) mod onboarding;
pub mod recommendations;
pub mod reviews;
pub mod top_reviews;

/// Whether a service's error is the store out of reach (the API answers 503 then).
pub(crate) fn store_unavailable(e: &anyhow::Error) -> bool {
    crate::store::is_unavailable(e)
}
