//! A recommendation's reason in words a fan understands, from the blend component that
//! contributed most: the rated film behind it where there is one.

use super::{Profile, Scored, Signals};
use crate::models::content::cowatch_reason;

/// The blend component that contributed most to a score: it picks the reason's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    Implicit,
    Content,
    Collaborative,
    Popularity,
    Genre,
}

fn stars(r: f32) -> String {
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The reason for `s`. `content_source` holds, per row, the rated row that gave it the most
/// content score (u32::MAX: none).
pub(super) fn explain(
    signals: &Signals,
    profile: &Profile,
    content_source: &[u32],
    s: &Scored,
) -> String {
    let c = &s.components;
    let w = &s.weights;
    let parts = [
        (Driver::Implicit, c.implicit * w.implicit),
        (Driver::Content, c.content * w.content),
        (Driver::Collaborative, c.collaborative * w.collaborative),
        (Driver::Popularity, c.popularity * w.popularity),
        (Driver::Genre, c.genre * w.genre),
    ];
    let top = parts
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|p| p.0)
        .unwrap_or(Driver::Popularity);
    let catalog = signals.catalog;
    let movie = catalog.at(s.row);
    let liked_genre = movie
        .genres
        .iter()
        .find(|g| profile.genres.contains(g))
        .or_else(|| movie.genres.first());
    let stars_given = |row: usize| {
        profile
            .ratings
            .iter()
            .find(|(r, _)| *r == row)
            .map(|p| p.1)
            .unwrap_or(5.0)
    };
    match top {
        Driver::Implicit => {
            let liked: Vec<usize> = profile
                .ratings
                .iter()
                .filter(|r| r.1 >= 3.5)
                .map(|r| r.0)
                .collect();
            let source = signals
                .implicit
                .and_then(|m| m.strongest_source(&liked, s.row));
            match source {
                // "Fans of The Matrix watch it too · dystopia": what the films share, too.
                Some(src) => cowatch_reason(catalog.at(src), movie),
                None => "Watched by people with your taste".to_string(),
            }
        }
        Driver::Content => match content_source
            .get(s.row)
            .copied()
            .filter(|&b| b != u32::MAX)
        {
            Some(src) => format!(
                "Because you rated {} {} stars",
                catalog.at(src as usize).title,
                stars(stars_given(src as usize))
            ),
            None => "Similar to movies you liked".to_string(),
        },
        Driver::Collaborative => format!(
            "People who rate like you loved it (predicted {}★)",
            s.predicted_rating
                .map(|p| format!("{p:.1}"))
                .unwrap_or_default()
        ),
        Driver::Genre => match liked_genre {
            Some(g) => format!("Matches your taste for {g}"),
            None => "Matches your genres".to_string(),
        },
        Driver::Popularity => match liked_genre {
            Some(g) => format!(
                "Popular in {g} ({} ratings, {:.1}★ average)",
                movie.rating_count, movie.rating_mean
            ),
            None => format!("Popular ({} ratings)", movie.rating_count),
        },
    }
}
