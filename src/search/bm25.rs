//! tantivy's BM25, as careerbot's own scorers compute it: the same
//! constants, idf and length normalisation, and the same float operations
//! in the same order, so their scores equal tantivy's to the bit.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::Score;

/// tantivy's BM25 term-frequency saturation.
pub(super) const K1: Score = 1.2;
/// tantivy's BM25 length normalisation.
pub(super) const B: Score = 0.75;

/// tantivy's idf: `ln(1 + (N - n + 0.5) / (n + 0.5))`.
pub(super) fn idf(doc_freq: u64, doc_count: u64) -> Score {
    let x = (doc_count.saturating_sub(doc_freq) as Score + 0.5) / (doc_freq as Score + 0.5);
    (1.0 + x).ln()
}

/// tantivy's length normalisation per fieldnorm code
/// (`cached_tf_component`), for a field whose documents hold
/// `average_fieldnorm` tokens on average: a term occurring `tf` times
/// scores `weight * tf / (tf + norm)`.
pub(super) fn tf_norms(average_fieldnorm: Score) -> [Score; 256] {
    let mut norms = [0.0; 256];
    for (id, norm) in norms.iter_mut().enumerate() {
        let fieldnorm = FieldNormReader::id_to_fieldnorm(id as u8);
        *norm = K1 * (1.0 - B + B * fieldnorm as Score / average_fieldnorm);
    }
    norms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rarer_term_weighs_more_and_a_longer_field_saturates_later() {
        assert!(idf(1, 100) > idf(50, 100));
        assert!(
            idf(100, 100) > 0.0,
            "a term in every document still counts a little"
        );
        let norms = tf_norms(10.0);
        let short = norms[usize::from(FieldNormReader::fieldnorm_to_id(2))];
        let long = norms[usize::from(FieldNormReader::fieldnorm_to_id(40))];
        assert!(short < long);
    }
}
