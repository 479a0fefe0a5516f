//! The shape of the blend: how much of a score comes from the prior (popularity and the genres
//! picked at signup) and how much from the user's own ratings, as a function of how many there
//! are. The prior fades as ratings come in; the personal part is split between the implicit models (who
//! rated what), content similarity and MF (the stars).

use super::Components;

/// Blend settings (BLEND_*). The defaults pass the "For you" tests (tests/api/personal.rs) and
/// were checked on validation splits cut from the training data (README, "Evaluation").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlendParams {
    /// Ratings at which the prior has faded to half its weight.
    pub prior_half_at: f32,
    /// Popularity's weight that never fades.
    pub popularity_floor: f32,
    /// Share of the prior that goes to the signup genres (when the user picked any).
    pub genre: f32,
    /// Share of the personal part for content similarity to what the user rated...
    pub content: f32,
    /// ...plus, for a user with few ratings, most of the implicit share, halved at this many
    /// ratings: a handful of ratings says more about taste (what is similar to them) than
    /// about habits (who else watched them).
    pub content_half_at: f32,
    /// Share of the personal part for the MF prediction; the implicit part (EASE^R and iALS)
    /// gets the rest.
    pub mf: f32,
    /// Extra weight of the latest rating in the implicit part (0: every rating counts the same):
    /// what someone rated lately says most about what they will watch next...
    pub recent: f32,
    /// ...halved for every this many ratings further back.
    pub recent_half_at: f32,
    /// Share of iALS in the implicit part, beside EASE^R (where the build kept both).
    pub ials: f32,
    /// How far reviewers' sentiment moves a film's popularity prior
    /// (`popularity::with_audience`); 0 leaves it out.
    pub audience: f32,
}

impl Default for BlendParams {
    fn default() -> Self {
        BlendParams {
            prior_half_at: 1.0,
            popularity_floor: 0.05,
            genre: 0.5,
            content: 0.2,
            content_half_at: 10.0,
            mf: 0.1,
            recent: 10.0,
            recent_half_at: 5.0,
            ials: 0.5,
            audience: 0.0,
        }
    }
}

/// Each rating's weight in the implicit part, `ratings` oldest first: 1, plus `recent` for the
/// latest, halving every `recent_half_at` ratings further back.
pub(crate) fn recency_weights(ratings: &[(usize, f32)], p: &BlendParams) -> Vec<(usize, f32)> {
    let n = ratings.len();
    ratings
        .iter()
        .enumerate()
        .map(|(k, &(row, _))| {
            let back = (n - 1 - k) as f32;
            (
                row,
                1.0 + p.recent * 0.5f32.powf(back / p.recent_half_at.max(1e-3)),
            )
        })
        .collect()
}

/// Weights for a user with `n` ratings; they sum to 1. Without an implicit model its share
/// goes to MF.
pub(crate) fn weights_for(
    n: usize,
    has_genres: bool,
    has_implicit: bool,
    p: &BlendParams,
) -> Components {
    let prior = p.prior_half_at / (p.prior_half_at + n as f32);
    let genre_share = if has_genres { p.genre } else { 0.0 };
    let floor = p.popularity_floor;
    let personal = (1.0 - floor) * (1.0 - prior);
    let rest = (1.0 - p.content - p.mf).max(0.0);
    let content = p.content + rest * freshness(n, p);
    let implicit = personal * (1.0 - content - p.mf).max(0.0);
    let (implicit, mf) = if has_implicit {
        (implicit, personal * p.mf)
    } else {
        (0.0, personal * p.mf + implicit)
    };
    Components {
        implicit,
        content: personal * content,
        collaborative: mf,
        popularity: floor + (1.0 - floor) * prior * (1.0 - genre_share),
        genre: (1.0 - floor) * prior * genre_share,
    }
}

/// 1 for a user without ratings, fading to 0 as ratings come in (half at `content_half_at`).
pub(crate) fn freshness(n: usize, p: &BlendParams) -> f32 {
    p.content_half_at / (p.content_half_at + n as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(c: &Components) -> f32 {
        c.implicit + c.content + c.collaborative + c.popularity + c.genre
    }

    #[test]
    fn the_prior_fades_as_ratings_come_in() {
        let p = BlendParams::default();
        let none = weights_for(0, true, true, &p);
        let few = weights_for(3, true, true, &p);
        let many = weights_for(200, true, true, &p);
        for w in [&none, &few, &many] {
            assert!((sum(w) - 1.0).abs() < 1e-5, "{w:?}");
        }
        assert_eq!(none.implicit + none.content + none.collaborative, 0.0);
        assert!(none.popularity > few.popularity && few.popularity > many.popularity);
        assert!(none.genre > few.genre && few.genre > many.genre);
        assert!(many.implicit > few.implicit && many.implicit > many.popularity);
        assert!(few.content > few.implicit && many.implicit > many.content);
        assert!((many.popularity - p.popularity_floor).abs() < 0.05);
    }

    #[test]
    fn without_an_implicit_model_mf_takes_its_share() {
        let p = BlendParams::default();
        let w = weights_for(50, false, false, &p);
        assert_eq!(w.implicit, 0.0);
        assert_eq!(w.genre, 0.0);
        assert!((sum(&w) - 1.0).abs() < 1e-5);
        assert!(w.collaborative > w.content);
    }
}
