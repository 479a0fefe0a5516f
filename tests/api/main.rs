//! API tests: the real server on port 0 over a real index built from data/.

mod accounts;
mod browse;
mod helpers;
mod history;
mod movies;
mod personal;
mod popular;
mod protocol;
mod recommendations;
mod replicas;
mod reviews;
mod search;
mod stand_in;
mod tmdb;
