//! Collaborative filtering: biased matrix factorisation trained on MovieLens ratings, fold-in
//! of users the model never saw, and the evaluation that compares it with the baselines.
//!
//! data (ratings with dense ids) | mf (train, predict) | fold_in (new users) | eval (CV, ranking)

pub mod data;
pub mod eval;
pub mod fold_in;
pub mod mf;
pub mod synthetic;

pub use data::{Rating, Ratings};
pub use fold_in::fold_in;
pub use mf::{MfModel, MfParams, UserVector};
