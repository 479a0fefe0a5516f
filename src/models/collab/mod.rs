//! Collaborative filtering: biased matrix factorisation trained on MovieLens ratings and fold-in
//! of users the model never saw.
//!
//! mf (train, predict) | fold_in (new users) | synthetic (MovieLens-shaped data for benchmarks)

pub mod fold_in;
pub mod mf;
pub mod synthetic;

pub use fold_in::fold_in;
pub use mf::{MfModel, MfParams, UserVector};
