//! Top-k cosine similarity between unit-length sparse rows, without the dense n x n matrix.
//!
//! For each row, scores are accumulated over the postings of its terms (an inverted index, the
//! transpose of the feature matrix), then the k best are kept. Rows run in parallel with rayon;
//! memory is O(nnz + n·k).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sprs::CsMat;

/// The k nearest neighbours of every movie, as a sparse n x n matrix (sprs, CSR).
#[derive(Debug, Clone)]
pub struct SimilarityMatrix {
    pub k: usize,
    pub matrix: CsMat<f32>,
}

/// Serialised form of the matrix (CSR arrays).
#[derive(Serialize, Deserialize)]
struct Stored {
    k: usize,
    n: usize,
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<f32>,
}

impl SimilarityMatrix {
    /// Neighbours of row `i`, best first: (row, cosine).
    pub(crate) fn neighbours(&self, i: usize) -> Vec<(usize, f32)> {
        let Some(row) = self.matrix.outer_view(i) else {
            return Vec::new();
        };
        let mut out: Vec<(usize, f32)> = row.iter().map(|(j, &s)| (j, s)).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Cosine between two rows if `j` is among `i`'s neighbours.
    pub fn get(&self, i: usize, j: usize) -> Option<f32> {
        self.matrix.get(i, j).copied()
    }

    pub(crate) fn rows(&self) -> usize {
        self.matrix.rows()
    }

    pub(crate) fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
        let (indptr, indices, data) = self.matrix.clone().into_raw_storage();
        Ok(bincode::serialize(&Stored {
            k: self.k,
            n: self.matrix.rows(),
            indptr,
            indices,
            data,
        })?)
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> anyhow::Result<Self> {
        let s: Stored = bincode::deserialize(bytes)?;
        let matrix = CsMat::try_new((s.n, s.n), s.indptr, s.indices, s.data)
            .map_err(|(_, _, _, e)| anyhow::anyhow!("similarity matrix is corrupt: {e}"))?;
        Ok(SimilarityMatrix { k: s.k, matrix })
    }
}

/// Top-k neighbours of every row of `features` by dot product (rows of length at most 1, so
/// the similarity is at most 1: a cosine for fully described movies, less for the others).
pub fn top_k_cosine(features: &CsMat<f32>, k: usize) -> SimilarityMatrix {
    let n = features.rows();
    let features = features.to_csr();
    let postings: CsMat<f32> = features.transpose_view().to_csr();
    let chunk = 64;
    let rows: Vec<Vec<(usize, f32)>> = (0..n)
        .into_par_iter()
        .with_min_len(chunk)
        .map_init(
            || {
                (
                    vec![0f32; n],
                    Vec::<usize>::new(),
                    Vec::<(usize, f32)>::new(),
                )
            },
            |(acc, touched, best), i| {
                let row = features.outer_view(i).expect("row in range");
                for (term, &w) in row.iter() {
                    let Some(list) = postings.outer_view(term) else {
                        continue;
                    };
                    for (j, &w2) in list.iter() {
                        if acc[j] == 0.0 {
                            touched.push(j);
                        }
                        acc[j] += w * w2;
                    }
                }
                // Candidates go to a per-thread scratch buffer; each row keeps only its k.
                best.clear();
                best.extend(touched.iter().filter(|&&j| j != i).map(|&j| (j, acc[j])));
                for &j in touched.iter() {
                    acc[j] = 0.0;
                }
                touched.clear();
                if best.len() > k {
                    best.select_nth_unstable_by(k - 1, |a, b| {
                        b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
                    });
                    best.truncate(k);
                }
                let mut row: Vec<(usize, f32)> = best.to_vec();
                row.sort_unstable_by_key(|p| p.0);
                row
            },
        )
        .collect();
    let mut indptr = Vec::with_capacity(n + 1);
    let mut indices = Vec::new();
    let mut data = Vec::new();
    indptr.push(0);
    for row in rows {
        for (j, s) in row {
            indices.push(j);
            data.push(s.min(1.0));
        }
        indptr.push(indices.len());
    }
    SimilarityMatrix {
        k,
        matrix: CsMat::new((n, n), indptr, indices, data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sprs::TriMat;

    fn unit_rows(rows: &[&[(usize, f32)]], cols: usize) -> CsMat<f32> {
        let mut tri = TriMat::new((rows.len(), cols));
        for (i, r) in rows.iter().enumerate() {
            let norm = r.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
            for &(c, v) in r.iter() {
                tri.add_triplet(i, c, v / norm);
            }
        }
        tri.to_csr()
    }

    #[test]
    fn finds_the_nearest_rows_and_skips_itself() {
        let m = unit_rows(
            &[
                &[(0, 1.0), (1, 1.0)],
                &[(0, 1.0), (1, 0.9)],
                &[(2, 1.0)],
                &[(1, 1.0), (2, 1.0)],
            ],
            3,
        );
        let sim = top_k_cosine(&m, 2);
        let n0 = sim.neighbours(0);
        assert_eq!(n0.len(), 2);
        assert_eq!(n0[0].0, 1);
        assert!(n0[0].1 > 0.99);
        assert!(n0.iter().all(|(j, _)| *j != 0));
        // row 2 shares nothing with rows 0 and 1
        assert_eq!(sim.neighbours(2), vec![(3, sim.get(2, 3).unwrap())]);
        let back = SimilarityMatrix::from_bytes(&sim.to_bytes().unwrap()).unwrap();
        assert_eq!(back.neighbours(0), n0);
    }
}
