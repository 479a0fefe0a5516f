//! The held-out split and rank metrics that evaluation and tuning share: each user's latest
//! rating held out, and NDCG of the rank it got. A leaf: it reads only the dataset's `Rating`.

use crate::dataset::Rating;

/// Per-user leave-one-out split: the latest rating of every user with at least 2 is held out.
/// Returns (the rest, the held-out ratings).
pub fn leave_latest_out(entries: &[Rating], n_users: usize) -> (Vec<Rating>, Vec<Rating>) {
    let mut by_user: Vec<Vec<Rating>> = vec![Vec::new(); n_users];
    for r in entries {
        by_user[r.user as usize].push(*r);
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for mut list in by_user {
        list.sort_by_key(|r| (r.timestamp, r.item));
        if list.len() >= 2 {
            test.push(list.pop().expect("non-empty"));
        }
        train.extend(list);
    }
    (train, test)
}

/// NDCG@k of one relevant item ranked `rank` (0 = first).
pub fn ndcg_at(rank: usize, k: usize) -> f64 {
    if rank < k {
        1.0 / ((rank + 2) as f64).log2()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(user: u32, item: u32, timestamp: i64) -> Rating {
        Rating {
            user,
            item,
            value: 4.0,
            timestamp,
        }
    }

    #[test]
    fn the_latest_rating_of_each_user_with_two_is_held_out() {
        let entries = [r(0, 1, 5), r(0, 2, 9), r(0, 3, 1), r(1, 4, 3)];
        let (rest, held) = leave_latest_out(&entries, 2);
        assert_eq!(held, vec![r(0, 2, 9)]);
        assert_eq!(rest.len(), 3);
        assert!(
            rest.contains(&r(1, 4, 3)),
            "a user with one rating keeps it"
        );
    }

    #[test]
    fn ndcg_is_one_at_the_top_and_zero_past_k() {
        assert_eq!(ndcg_at(0, 10), 1.0);
        assert!((ndcg_at(1, 10) - 1.0 / 3f64.log2()).abs() < 1e-12);
        assert_eq!(ndcg_at(10, 10), 0.0);
    }
}
