//! The records the store keeps, as plain data: a user, one of their ratings, the lists a movie
//! can be on, and how a movie's reviews lean. A leaf, so the store, the services and the API's
//! views share them without the API reaching into the store.

/// A registered user as the store keeps it (the password hash never leaves the store but for
/// logging in).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub genres: Vec<String>,
    pub created_at: i64,
}

/// One of the user's ratings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UserRating {
    pub movie_id: u32,
    pub rating: f32,
    pub updated_at: i64,
}

/// The lists of movies a user keeps, each a table of (user, movie, added at).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MovieList {
    /// Films the user means to see.
    Watchlist,
    /// Films the user does not want suggested.
    NotInterested,
}

/// How a movie's fetched reviews lean: `positive` of `reviews`, classified at `fetched_at`
/// (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    pub positive: u32,
    pub reviews: u32,
    pub fetched_at: i64,
}
