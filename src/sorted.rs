//! Sorted lists of numbers (stem ids, token positions), merged in one pass.

use std::cmp::Ordering;

/// How many values `a` and `b` share (both sorted ascending, without repeats).
pub fn common(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Keeps the values of `left` that `right` holds too (both sorted ascending).
pub fn keep_common(left: &mut Vec<u32>, right: &[u32]) {
    let (mut i, mut j, mut kept) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        match left[i].cmp(&right[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                left[kept] = left[i];
                kept += 1;
                i += 1;
                j += 1;
            }
        }
    }
    left.truncate(kept);
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
