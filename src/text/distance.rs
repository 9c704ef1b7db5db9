//! Edit distance between words, in characters: one table walk for both
//! Levenshtein distance and the optimal string alignment distance (where
//! swapping two adjacent characters is one edit, as the Levenshtein
//! automaton with transpositions counts). Typo correction and "did you
//! mean" both use it.

/// Which edits count as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edits {
    /// Insert, delete or substitute a character (Levenshtein).
    Levenshtein,
    /// Those, and swapping two adjacent characters (optimal string alignment).
    WithSwaps,
}

/// The distance of `a` and `b` if it is at most `max`. Stops as soon as a
/// row of the table exceeds `max`: every later cell costs at least as much
/// (a swap from the row before costs no less than the substitution that
/// reached this row).
pub fn within(a: &[char], b: &[char], max: usize, edits: Edits) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // Three rows: a swap reads the row before the previous one. Words are
    // short, so the rows usually fit on the stack.
    const WIDTH: usize = 64;
    let width = b.len() + 1;
    let mut stack = [0usize; 3 * WIDTH];
    let mut heap = Vec::new();
    let rows: &mut [usize] = if width <= WIDTH {
        &mut stack
    } else {
        heap.resize(3 * width, 0);
        &mut heap
    };
    let (mut before, mut prev, mut cur) = (0, width, 2 * width);
    for (j, cell) in rows[prev..prev + width].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[cur] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[prev + j - 1] + cost)
                .min(rows[prev + j] + 1)
                .min(rows[cur + j - 1] + 1);
            if edits == Edits::WithSwaps
                && i > 1
                && j > 1
                && a[i - 1] == b[j - 2]
                && a[i - 2] == b[j - 1]
            {
                d = d.min(rows[before + j - 2] + 1);
            }
            rows[cur + j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        (before, prev, cur) = (prev, cur, before);
    }
    Some(rows[prev + b.len()]).filter(|d| *d <= max)
}

/// The Levenshtein distance of `a` and `b`.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    within(&a, &b, usize::MAX, Edits::Levenshtein).unwrap_or(usize::MAX)
}

/// The one of `candidates` closest to `word`, if one is within `max`
/// edits (the first of equally close ones in sort order).
pub fn closest<'k>(word: &str, candidates: &[&'k str], max: usize) -> Option<&'k str> {
    closest_by(word, candidates, |_| max, Edits::Levenshtein)
}

/// The one of `candidates` closest to `word` counting `edits`, if one is
/// within `max(candidate)` edits of it (the first of equally close ones in
/// sort order).
pub fn closest_by<'k>(
    word: &str,
    candidates: &[&'k str],
    max: impl Fn(&str) -> usize,
    edits: Edits,
) -> Option<&'k str> {
    let word: Vec<char> = word.chars().collect();
    candidates
        .iter()
        .filter_map(|k| {
            let chars: Vec<char> = k.chars().collect();
            within(&word, &chars, max(k), edits).map(|d| (d, *k))
        })
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook Levenshtein table, with no early exit.
    fn reference(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, cb) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    const WORDS: [&str; 14] = [
        "",
        "salary",
        "salery",
        "compensation",
        "compensaton",
        "résumé",
        "resume",
        "kubernetes",
        "kubernets",
        "developer",
        "devloper",
        "ab",
        "ba",
        "a-word-longer-than-sixty-four-characters-so-its-rows-go-on-the-heap-x",
    ];

    #[test]
    fn bounded_levenshtein_agrees_with_the_textbook_table() {
        for a in WORDS {
            for b in WORDS {
                let full = reference(a, b);
                assert_eq!(levenshtein(a, b), full, "{a} {b}");
                let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                for max in 0..4 {
                    assert_eq!(
                        within(&ca, &cb, max, Edits::Levenshtein),
                        (full <= max).then_some(full),
                        "{a} {b} {max}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_swap_of_neighbours_is_one_edit_only_when_swaps_count() {
        let (a, b): (Vec<char>, Vec<char>) = ("ab".chars().collect(), "ba".chars().collect());
        assert_eq!(within(&a, &b, 2, Edits::Levenshtein), Some(2));
        assert_eq!(within(&a, &b, 2, Edits::WithSwaps), Some(1));
    }

    #[test]
    fn closest_suggests_a_near_key_and_nothing_far() {
        let keys = ["cooldown_seconds", "max_in_flight", "insights"];
        assert_eq!(
            closest("cooldown_second", &keys, 2),
            Some("cooldown_seconds")
        );
        assert_eq!(closest("unrelated", &keys, 2), None);
    }
}
