//! The shape the code keeps (docs/ARCHITECTURE.md): no `crate::` path
//! points to a layer numbered after its own in `src/lib.rs`, and no
//! function outside tests is over 80 lines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The layers of `src/lib.rs`'s map: module name -> its number.
fn layers() -> BTreeMap<String, usize> {
    let lib = std::fs::read_to_string("src/lib.rs").unwrap();
    lib.lines()
        .filter_map(|l| {
            let l = l.strip_prefix("//! ")?.trim_start();
            let (number, rest) = l.split_once(". [`")?;
            let (name, _) = rest.split_once("`]")?;
            Some((name.to_string(), number.parse().ok()?))
        })
        .collect()
}

/// The code before the file's `#[cfg(test)]` module, which comes last.
fn outside_tests(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// The code with comments, string literals and char literals blanked (line
/// breaks kept), so that braces and paths in them are not read as code.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let end = if c == '/' && next == Some('/') {
            chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |p| i + p)
        } else if c == '/' && next == Some('*') {
            (i + 2..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                .map_or(chars.len(), |j| j + 2)
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !prev_is_ident(&chars, i) {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            let rest: String = chars[i + 2 + hashes..].iter().collect();
            rest.find(&close).map_or(chars.len(), |p| {
                i + 2 + hashes + rest[..p].chars().count() + close.len()
            })
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        } else if c == '\'' && next == Some('\\') {
            (i + 2..chars.len())
                .find(|&j| chars[j] == '\'')
                .map_or(chars.len(), |j| j + 1)
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i + 3
        } else {
            out.push(c);
            i += 1;
            continue;
        };
        let end = end.min(chars.len());
        out.extend(chars[i..end].iter().map(|&c| blank(c)));
        i = end;
    }
    out
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

#[test]
fn no_layer_uses_a_layer_numbered_after_it() {
    let layers = layers();
    assert!(layers.len() >= 14, "src/lib.rs's map: {layers:?}");
    let mut up = Vec::new();
    for path in sources(Path::new("src")) {
        let relative = path.strip_prefix("src").unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = module.trim_end_matches(".rs");
        let Some(&own) = layers.get(module) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let code = code_only(outside_tests(&text));
        for (i, _) in code.match_indices("crate::") {
            let used: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if let Some(&theirs) = layers.get(&used) {
                if theirs > own {
                    let line = code[..i].lines().count();
                    up.push(format!(
                        "{}:{line}: {module} ({own}) uses {used} ({theirs})",
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(up.is_empty(), "edges that point up:\n{}", up.join("\n"));
}

#[test]
fn no_function_outside_tests_is_over_80_lines() {
    let mut long = Vec::new();
    let mut seen = 0;
    for path in sources(Path::new("src")) {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = code_only(outside_tests(&text));
        let lines: Vec<&str> = code.lines().collect();
        let mut n = 0;
        while n < lines.len() {
            let trimmed = lines[n].trim_start();
            let is_fn =
                trimmed.split_whitespace().take(6).any(|w| w == "fn") && !trimmed.starts_with("//");
            if !is_fn {
                n += 1;
                continue;
            }
            // The body: from the first `{` to the brace that closes it,
            // unless a `;` ends the declaration first (a trait's).
            let mut depth = 0usize;
            let mut end = None;
            'scan: for (k, line) in lines.iter().enumerate().skip(n) {
                for c in line.chars() {
                    match c {
                        ';' if depth == 0 => break 'scan,
                        '{' => depth += 1,
                        '}' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                end = Some(k);
                                break 'scan;
                            }
                        }
                        _ => {}
                    }
                }
            }
            let Some(end) = end else {
                n += 1;
                continue;
            };
            seen += 1;
            let length = end - n + 1;
            if length > 80 {
                long.push(format!("{}:{}: {length} lines", path.display(), n + 1));
            }
            n = end + 1;
        }
    }
    assert!(seen > 500, "only {seen} functions found");
    assert!(
        long.is_empty(),
        "functions over 80 lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn comments_strings_and_chars_are_not_code() {
    let code =
        code_only("let a = \"{ crate::cli }\"; // }\nlet b = '{'; let r = r#\"}\"#; 'x: loop {}");
    assert!(!code.contains("crate::cli") && !code.contains("//"));
    assert_eq!(code.matches('{').count(), 1);
    assert_eq!(code.matches('}').count(), 1);
    assert_eq!(code.lines().count(), 2);
}
