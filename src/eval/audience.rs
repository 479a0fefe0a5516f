//! Whether the audience share means something: per movie, the share of its reviews the
//! classifier reads as positive against the reviewers' own 1-10 ratings (Pearson and
//! Spearman over movies).
//!
//! Two readings. Over all labeled reviews, 90% of which trained the classifier: not held out.
//! Over the labeled reviews training never read (the fixed held-out 10% of aclImdb train),
//! fewer per movie. The share rated 7 or more, against the same mean, is the ceiling a perfect
//! classifier would reach on each.

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
    /// Reviews per movie required on each side.
    pub min: usize,
}

/// Compares, over `movies` (each one's classified reviews), with at least `min` reviews on
/// each side.
pub fn agreement<'a>(
    movies: impl IntoIterator<Item = &'a [ReviewReading]>,
    min: usize,
) -> Agreement {
    let (mut all, mut held) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for reviews in movies {
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
        let a = agreement(following.iter().map(Vec::as_slice), 5);
        assert_eq!((a.labeled.movies, a.held_out.movies), (5, 5), "{a:?}");
        assert!((a.labeled.spearman - 1.0).abs() < 1e-9, "{a:?}");
        assert!(a.held_out.spearman > 0.9, "{a:?}");
        assert!((a.labeled_truth.pearson - 1.0).abs() < 1e-9);
        let blind: Vec<Vec<ReviewReading>> =
            shapes.iter().map(|&(g, b)| movie(g, b, false)).collect();
        let b = agreement(blind.iter().map(Vec::as_slice), 5);
        // Reading every review as positive says nothing about the ratings.
        assert_eq!(
            (b.labeled.spearman, b.held_out.pearson),
            (0.0, 0.0),
            "{b:?}"
        );
        // Too few reviews: left out.
        let few = [movie(1, 1, true)];
        assert_eq!(
            agreement(few.iter().map(Vec::as_slice), 5).labeled.movies,
            0
        );
    }
}
