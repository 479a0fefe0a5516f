//! cinesense: a movie recommender. Search-as-you-type (tantivy), "more like this" (TF-IDF and
//! sparse top-k cosine), an IMDb-style weighted rating, matrix factorisation with fold-in for
//! new users, and a hybrid of them, served over a REST API and to the browser app in web/.
//!
//! The house plan, lowest first; every import runs downhill and no circle runs between files
//! (tests/module_graph.rs checks both): `atomic_file`, `fnv`, `memory`, `metrics`, `records` |
//! `dataset`, `store`, `sentiment` | `models`, `clients`, `domain` | `config` | `index`, `eval` |
//! `services` | `api` | `startup`. The `cinesense` binary (src/main.rs, src/cli/) sits on top
//! and calls `startup::Application::build` to serve.

mod api;
pub mod atomic_file;
pub mod clients;
pub mod config;
pub mod dataset;
mod domain;
pub mod eval;
mod fnv;
pub mod index;
pub mod memory;
pub mod metrics;
pub mod models;
pub mod records;
pub mod sentiment;
pub mod services;
pub mod startup;
pub mod store;
