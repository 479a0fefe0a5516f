//! "More like this" reasons in words: what two movies share (themes, genres, decade), said as
//! a fan would.

use super::tfidf::is_housekeeping;
use crate::dataset::Movie;
use std::collections::HashSet;

/// What two films have in common.
struct Shared {
    genres: Vec<String>,
    /// Keywords and tags both carry, at most four.
    themes: Vec<String>,
    /// "1990s" when both come from one decade.
    decade: Option<String>,
}

fn shared(a: &Movie, b: &Movie) -> Shared {
    let genres = a
        .genres
        .iter()
        .filter(|g| b.genres.contains(g))
        .cloned()
        .collect();
    // a's keywords that b has too, then its tags, at most four: popular films carry a thousand
    // tags, so b's are looked up in a set and a's are read only until four are found.
    let lower = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<HashSet<_>>();
    let (bk, bt) = (lower(&b.keywords), lower(&b.tags));
    let keywords = a
        .keywords
        .iter()
        .map(|k| (k.to_lowercase(), &bk))
        .filter(|(k, _)| !is_housekeeping(k));
    let tags = a.tags.iter().map(|t| (t.to_lowercase(), &bt));
    let mut themes: Vec<String> = Vec::new();
    for (theme, theirs) in keywords.chain(tags) {
        if themes.len() == 4 {
            break;
        }
        if theirs.contains(&theme) && !themes.contains(&theme) {
            themes.push(theme);
        }
    }
    let decade = match (a.year, b.year) {
        (Some(x), Some(y)) if x / 10 == y / 10 => Some(format!("{}s", x / 10 * 10)),
        _ => None,
    };
    Shared {
        genres,
        themes,
        decade,
    }
}

/// "1990s Action, Sci-Fi", "Action, Sci-Fi", "a 1990s film", or nothing.
fn kind(s: &Shared) -> Option<String> {
    match (&s.decade, s.genres.is_empty()) {
        (Some(d), false) => Some(format!("{d} {}", s.genres.join(", "))),
        (None, false) => Some(s.genres.join(", ")),
        (Some(d), true) => Some(format!("a {d} film")),
        (None, true) => None,
    }
}

/// What two movies share, in words: "Shares Animation, Children · toy, rivalry".
pub(crate) fn shared_reason(a: &Movie, b: &Movie) -> String {
    let s = shared(a, b);
    match (s.genres.is_empty(), s.themes.is_empty()) {
        (false, false) => format!("Shares {} · {}", s.genres.join(", "), s.themes.join(", ")),
        (_, true) => match kind(&s) {
            Some(k) if s.decade.is_some() && !s.genres.is_empty() => format!("Also {k}"),
            Some(_) if !s.genres.is_empty() => format!("Shares {}", s.genres.join(", ")),
            _ => "Similar story and title".to_string(),
        },
        (true, false) => format!("Shares {}", s.themes.join(", ")),
    }
}

/// Why the fans of `a` are pointed to `b`: who watched it and what the films share
/// ("Fans of The Matrix watch it too · also 1990s Action, Sci-Fi"), never the bare sentence
/// where there is anything in common to name.
pub(crate) fn cowatch_reason(a: &Movie, b: &Movie) -> String {
    let s = shared(a, b);
    let fans = format!("Fans of {} watch it too", a.title);
    if !s.themes.is_empty() {
        return format!("{fans} · {}", s.themes.join(", "));
    }
    match kind(&s) {
        Some(k) => format!("{fans} · also {k}"),
        None => fans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movie(title: &str, year: u16, genres: &[&str], keywords: &[&str]) -> Movie {
        let mut m: Movie = serde_json::from_value(serde_json::json!({
            "id": 1, "title": title, "original_title": null, "movielens_title": title,
            "year": year, "genres": genres, "imdb_id": null, "tmdb_id": null, "tags": [],
            "overview": null, "tagline": null, "keywords": keywords, "runtime_minutes": null,
            "release_date": null, "tmdb_popularity": null, "tmdb_vote_average": null,
            "tmdb_vote_count": null, "collection": null, "rating_count": 0, "rating_mean": 0.0,
            "weighted_rating": 0.0, "popularity_band": "unrated"
        }))
        .unwrap();
        m.formats = vec![];
        m
    }

    #[test]
    fn a_cowatch_reason_names_what_the_films_share() {
        let matrix = movie("The Matrix", 1999, &["Action", "Sci-Fi"], &["cyberpunk"]);
        let fight = movie("Fight Club", 1999, &["Action", "Drama"], &[]);
        let dark_city = movie("Dark City", 1998, &["Sci-Fi"], &["cyberpunk"]);
        let amelie = movie("Amélie", 2001, &["Comedy"], &[]);
        assert_eq!(
            cowatch_reason(&matrix, &fight),
            "Fans of The Matrix watch it too · also 1990s Action"
        );
        assert_eq!(
            cowatch_reason(&matrix, &dark_city),
            "Fans of The Matrix watch it too · cyberpunk"
        );
        assert_eq!(
            cowatch_reason(&matrix, &amelie),
            "Fans of The Matrix watch it too"
        );
        assert_eq!(shared_reason(&matrix, &fight), "Also 1990s Action");
        assert_eq!(
            shared_reason(&matrix, &dark_city),
            "Shares Sci-Fi · cyberpunk"
        );
    }
}
