//! Sorted lists of numbers (stem ids, token positions), merged in one pass.

/// Whether `sorted` holds each value of an ascending run of values, asked
/// in order: a cursor that only moves forward, so a whole run costs one pass.
fn holds(sorted: &[u32]) -> impl FnMut(&u32) -> bool + '_ {
    let mut at = 0;
    move |&value| {
        while sorted.get(at).is_some_and(|&v| v < value) {
            at += 1;
        }
        sorted.get(at) == Some(&value)
    }
}

/// How many values `a` and `b` share (both sorted ascending, without repeats).
pub fn common(a: &[u32], b: &[u32]) -> usize {
    let mut held = holds(b);
    a.iter().filter(|value| held(value)).count()
}

/// Keeps the values of `left` that `right` holds too (both sorted ascending,
/// without repeats).
pub fn keep_common(left: &mut Vec<u32>, right: &[u32]) {
    left.retain(holds(right));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_values_are_counted_and_kept() {
        assert_eq!(common(&[1, 3, 5, 7], &[2, 3, 7, 9]), 2);
        assert_eq!(common(&[], &[1]), 0);
        let mut left = vec![1, 3, 5, 7];
        keep_common(&mut left, &[3, 4, 7]);
        assert_eq!(left, vec![3, 7]);
    }
}
