//! Collaborative filtering: biased matrix factorisation trained on MovieLens stars (rating
//! prediction) with fold-in of users the model never saw, and EASE^R on who rated what (ranking).
//!
//! mf (train, predict) | fold_in (new users) | ease, ials (implicit feedback) and implicit (the
//! one of them the product uses) | spark (item factors trained by Spark MLlib's ALS, imported) |
//! tune (their hyper-parameters, chosen on a validation split) | synthetic (MovieLens-shaped
//! data for benchmarks)

pub mod ease;
pub mod fold_in;
pub mod ials;
pub mod implicit;
pub mod mf;
pub mod spark;
pub mod synthetic;
pub mod tune;

pub use ease::EaseModel;
pub use fold_in::fold_in;
pub use ials::{IalsModel, IalsParams, Solve};
pub use implicit::{ImplicitModel, ImplicitPart};
pub use mf::{MfModel, MfParams, UserVector};

/// A rating for the models' tests: `user` rated `item` (4 stars; the implicit models ignore
/// stars).
#[cfg(test)]
pub(crate) fn seen(user: u32, item: u32) -> crate::dataset::Rating {
    crate::dataset::Rating {
        user,
        item,
        value: 4.0,
        timestamp: 0,
    }
}
