//! API tests: the real server on port 0 over a real index built from data/.

mod accounts;
mod balancer;
mod browse;
mod helpers;
mod history;
mod metrics;
mod movies;
mod outage;
mod personal;
mod popular;
#[path = "../common/postgres.rs"]
mod postgres;
#[path = "../common/privileges.rs"]
mod privileges;
mod protocol;
mod recommendations;
mod replicas;
mod reviews;
mod search;
#[allow(dead_code)]
#[path = "../common/server.rs"]
mod server;
mod stand_in;
mod tmdb;
