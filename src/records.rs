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

/// How a movie's reviews lean: `positive` of `reviews`, the live ones classified at
/// `fetched_at` (unix seconds; 0: only offline reviews).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    pub positive: u32,
    pub reviews: u32,
    pub fetched_at: i64,
}

impl Audience {
    /// Fewer reviews than this say too little to show a share or to sort by it.
    pub const TELLING: u32 = 5;

    /// Whether there are enough reviews to show the share.
    pub fn is_telling(&self) -> bool {
        self.reviews >= Self::TELLING
    }

    /// The positive share, 0..=1.
    pub fn share(&self) -> f64 {
        self.positive as f64 / self.reviews.max(1) as f64
    }

    /// The share's 95% Wilson lower bound: ranks 20 of 25 above 3 of 3.
    pub fn confident_share(&self) -> f64 {
        let n = self.reviews as f64;
        if n == 0.0 {
            return 0.0;
        }
        let (p, z) = (self.share(), 1.96f64);
        let z2 = z * z;
        (p + z2 / (2.0 * n) - z * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt()) / (1.0 + z2 / n)
    }
}
