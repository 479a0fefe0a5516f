//! Whether the audience share means something: per movie, the share of its reviews the
//! classifier reads as positive against the reviewers' own 1-10 ratings (Pearson and
//! Spearman over movies).
//!
//! Two readings. Over all labeled reviews, 90% of which trained the classifier: not held out.
//! Over the labeled reviews training never read (the fixed held-out 10% of aclImdb train),
//! fewer per movie. The share rated 7 or more, against the same mean, is the ceiling a perfect
//! classifier would reach on each.
//!
//! Then whether the share says how a film is liked at all: the share a card shows (all of a
//! movie's classified reviews) against the catalog members' mean star rating and TMDB voters'
//! mean. A collection that sampled each film's reviews from one end of the scale agrees with
//! its own ratings and not with anyone else's.

use serde::Serialize;

/// One classified review of a movie.
#[derive(Debug, Clone, Copy)]
pub struct ReviewReading {
    /// The reviewer's own 1-10 rating (labeled reviews).
    pub rating: Option<u8>,
    /// Whether the classifier read it as positive.
    pub positive: bool,
    /// Whether the classifier trained on this text.
    pub trained_on: bool,
}

/// A movie's classified reviews, the share its card shows, and how others rate it, where
/// enough of them did.
#[derive(Debug, Clone, Copy)]
pub struct MovieReading<'a> {
    pub reviews: &'a [ReviewReading],
    /// The positive share a card shows (None: too few reviews to show one).
    pub shown: Option<f64>,
    /// The catalog members' mean star rating (None: too few ratings).
    pub members: Option<f64>,
    /// TMDB voters' mean (None: too few votes, or no TMDB data).
    pub tmdb: Option<f64>,
}

/// One comparison: how many movies, and the two coefficients.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Correlation {
    pub movies: usize,
    pub pearson: f64,
    pub spearman: f64,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Agreement {
    /// Movies with at least `min` labeled reviews: the classifier's share of them against
    /// their mean rating (most of these texts trained the classifier).
    pub labeled: Correlation,
    /// The same movies: the share rated 7+ against the mean rating (the ceiling).
    pub labeled_truth: Correlation,
    /// Movies with at least `min` labeled reviews training never read: the classifier's share
    /// of those against their mean rating.
    pub held_out: Correlation,
    /// The same movies: the share rated 7+ against the mean rating (the ceiling).
    pub held_out_truth: Correlation,
    /// Movies whose card shows a share: that share against the members' mean star rating.
    pub members: Correlation,
    /// The same share against TMDB voters' mean.
    pub tmdb: Correlation,
    /// Movies whose card shows a share.
    pub shown: usize,
    /// Of those, the ones whose share is 10% or less or 90% or more.
    pub one_sided: usize,
    /// Reviews per movie required on each side.
    pub min: usize,
}

/// Compares, over `movies`: against reviewers' ratings with at least `min` rated reviews on
/// each side; the shown shares as they are.
pub fn agreement<'a>(movies: impl IntoIterator<Item = MovieReading<'a>>, min: usize) -> Agreement {
    let (mut all, mut held) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    let (mut members, mut tmdb) = (Vec::new(), Vec::new());
    let (mut shown, mut one_sided) = (0, 0);
    for movie in movies {
        let reviews = movie.reviews;
        if let Some(share) = movie.shown {
            shown += 1;
            one_sided += usize::from(share <= 0.1 || share >= 0.9);
            members.extend(movie.members.map(|mean| (share, mean)));
            tmdb.extend(movie.tmdb.map(|mean| (share, mean)));
        }
        let rated = reviews.iter().filter(|r| r.rating.is_some());
        push(&mut all, &rated.clone().collect::<Vec<_>>(), min);
        push(
            &mut held,
            &rated.filter(|r| !r.trained_on).collect::<Vec<_>>(),
            min,
        );
    }
    Agreement {
        labeled: correlation(&all.0),
        labeled_truth: correlation(&all.1),
        held_out: correlation(&held.0),
        held_out_truth: correlation(&held.1),
        members: correlation(&members),
        tmdb: correlation(&tmdb),
        shown,
        one_sided,
        min,
    }
}

/// One movie's (classifier's share, mean rating) and (share rated 7+, mean rating), when it
/// has at least `min` rated reviews.
type Pairs = (Vec<(f64, f64)>, Vec<(f64, f64)>);
fn push(pairs: &mut Pairs, rated: &[&ReviewReading], min: usize) {
    if rated.len() < min.max(1) {
        return;
    }
    let n = rated.len() as f64;
    let mean = rated
        .iter()
        .filter_map(|r| r.rating)
        .map(f64::from)
        .sum::<f64>()
        / n;
    let positive = rated.iter().filter(|r| r.positive).count() as f64 / n;
    let rated_well = rated.iter().filter(|r| r.rating >= Some(7)).count() as f64 / n;
    pairs.0.push((positive, mean));
    pairs.1.push((rated_well, mean));
}

fn correlation(pairs: &[(f64, f64)]) -> Correlation {
    let (x, y): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    Correlation {
        movies: pairs.len(),
        pearson: pearson(&x, &y),
        spearman: pearson(&ranks(&x), &ranks(&y)),
    }
}

/// Pearson's r; 0 where either side does not vary.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return 0.0;
    }
    sxy / (sxx * syy).sqrt()
}

/// Ranks from 1, ties given their mean rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_their_rank_and_monotone_means_spearman_one() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [1.0, 4.0, 9.0, 16.0];
        assert!((pearson(&ranks(&x), &ranks(&y)) - 1.0).abs() < 1e-12);
        assert!(pearson(&x, &y) < 1.0 && pearson(&x, &y) > 0.9);
        assert_eq!(pearson(&x, &[2.0; 4]), 0.0);
    }

    #[test]
    fn a_classifier_that_follows_the_ratings_agrees_and_a_blind_one_does_not() {
        let movie = |good: usize, bad: usize, follows: bool| -> Vec<ReviewReading> {
            (0..good + bad)
                .map(|k| {
                    let liked = k < good;
                    ReviewReading {
                        rating: Some(if liked { 9 } else { 2 }),
                        positive: !follows || liked,
                        trained_on: k % 3 != 0,
                    }
                })
                .chain([ReviewReading {
                    rating: None,
                    positive: false,
                    trained_on: false,
                }])
                .collect()
        };
        let shapes = [(1, 14), (5, 10), (8, 7), (12, 3), (15, 1)];
        let following: Vec<Vec<ReviewReading>> =
            shapes.iter().map(|&(g, b)| movie(g, b, true)).collect();
        let a = agreement(readings(&following), 5);
        assert_eq!((a.labeled.movies, a.held_out.movies), (5, 5), "{a:?}");
        assert!((a.labeled.spearman - 1.0).abs() < 1e-9, "{a:?}");
        assert!(a.held_out.spearman > 0.9, "{a:?}");
        assert!((a.labeled_truth.pearson - 1.0).abs() < 1e-9);
        let blind: Vec<Vec<ReviewReading>> =
            shapes.iter().map(|&(g, b)| movie(g, b, false)).collect();
        let b = agreement(readings(&blind), 5);
        // Reading every review as positive says nothing about the ratings.
        assert_eq!(
            (b.labeled.spearman, b.held_out.pearson),
            (0.0, 0.0),
            "{b:?}"
        );
        // Too few reviews: left out.
        let few = [movie(1, 1, true)];
        assert_eq!(agreement(readings(&few), 5).labeled.movies, 0);
    }

    fn readings(movies: &[Vec<ReviewReading>]) -> impl Iterator<Item = MovieReading<'_>> {
        movies.iter().map(|reviews| MovieReading {
            reviews,
            shown: None,
            members: None,
            tmdb: None,
        })
    }

    #[test]
    fn a_share_sampled_from_one_end_of_the_scale_disagrees_with_the_members() {
        let unrated = |positive: usize, negative: usize| -> Vec<ReviewReading> {
            (0..positive + negative)
                .map(|k| ReviewReading {
                    rating: None,
                    positive: k < positive,
                    trained_on: false,
                })
                .collect()
        };
        // Shares 10%, 30%, 60%, 100% and 0% (too few reviews: not shown, not compared).
        let movies = [
            unrated(1, 9),
            unrated(3, 7),
            unrated(6, 4),
            unrated(10, 0),
            unrated(0, 4),
        ];
        let shown = [Some(0.1), Some(0.3), Some(0.6), Some(1.0), None];
        let liked = [2.0, 3.0, 3.5, 4.5, 1.0];
        let a = agreement(
            (movies.iter().zip(shown).zip(liked)).map(|((reviews, shown), mean)| MovieReading {
                reviews,
                shown,
                members: Some(mean),
                tmdb: (mean > 2.0).then_some(10.0 - 2.0 * mean),
            }),
            5,
        );
        assert_eq!((a.shown, a.one_sided), (4, 2), "{a:?}");
        assert_eq!(a.members.movies, 4);
        assert!((a.members.spearman - 1.0).abs() < 1e-9, "{a:?}");
        assert_eq!(a.tmdb.movies, 3);
        assert!((a.tmdb.spearman + 1.0).abs() < 1e-9, "{a:?}");
        // No labeled reviews: the ratings' readings are empty.
        assert_eq!(a.labeled.movies, 0);
    }
}
