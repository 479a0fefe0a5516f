//! Collaborative filtering: biased matrix factorisation trained on MovieLens stars (rating
//! prediction) with fold-in of users the model never saw, and EASE^R on who rated what (ranking).
//!
//! mf (train, predict) | fold_in (new users) | ease (implicit feedback) | synthetic
//! (MovieLens-shaped data for benchmarks)

pub mod ease;
pub mod fold_in;
pub mod mf;
pub mod synthetic;

pub use ease::EaseModel;
pub use fold_in::fold_in;
pub use mf::{MfModel, MfParams, UserVector};
