//! Small pieces of English for the sentences careerbot writes itself.

/// "a", "a and b", "a, b and c".
pub fn natural_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(natural_list(&s(&[])), "");
        assert_eq!(natural_list(&s(&["a"])), "a");
        assert_eq!(natural_list(&s(&["a", "b"])), "a and b");
        assert_eq!(natural_list(&s(&["a", "b", "c"])), "a, b and c");
    }
}
