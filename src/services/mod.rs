//! What the API's handlers call: the work between a request and the models, clients and store.

pub mod accounts;
pub mod enrich;
pub mod onboarding;
pub mod recommendations;
pub mod reviews;
