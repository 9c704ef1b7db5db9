//! The commands that run the engine with no Discord: ask, check, index,
//! eval, and commands (which prints what registration sends).

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::{emit, load};
use crate::answer::Answer;
use crate::config::Config;
use crate::engine::{Engine, IndexOrigin};
use crate::eval::{evaluate, QuestionSet};
use crate::knowledge;

pub(super) fn ask(
    config: &Config,
    json: bool,
    explain: bool,
    top: usize,
    question: &[String],
) -> anyhow::Result<ExitCode> {
    let engine = load(config, false, true)?;
    let stdout = std::io::stdout();
    let color = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if !question.is_empty() {
        let joined = question.join(" ");
        let question = crate::search::question_prefix(&joined);
        if explain {
            explain_question(&engine, question);
        }
        let answer = engine.ask_with(question, top);
        print_answer(&mut out, &answer, json, color)?;
    } else {
        // One question per line; answers in the same order.
        // Lines that are not UTF-8 are read lossily rather than ending the batch.
        let mut stdin = std::io::stdin().lock();
        let mut raw = Vec::new();
        while read_question(&mut stdin, &mut raw, crate::search::MAX_QUESTION_BYTES)
            .context("cannot read a question from stdin")?
        {
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\n', '\r']);
            if explain {
                explain_question(&engine, line);
            }
            let answer = engine.ask_with(line, top);
            print_answer(&mut out, &answer, json, color)?;
        }
    }
    out.flush().context("cannot write answers")?;
    Ok(ExitCode::SUCCESS)
}

/// Reads one line of `input` into `line` (without its newline), keeping
/// its first `max` bytes (cut at a character) and discarding the rest as it
/// streams by, so a line of any length costs `max` bytes of memory. `false`
/// at the end of input.
///
/// # Errors
/// When reading fails.
pub fn read_question(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (part, used, end) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], i + 1, true),
            None => (chunk, chunk.len(), false),
        };
        let room = max.saturating_sub(line.len());
        line.extend_from_slice(&part[..part.len().min(room)]);
        input.consume(used);
        if end {
            break;
        }
    }
    if line.ends_with(b"\r") {
        line.pop();
    }
    // A character cut in two at the limit is dropped, not shown as U+FFFD.
    if let Err(e) = std::str::from_utf8(line) {
        if e.error_len().is_none() {
            line.truncate(e.valid_up_to());
        }
    }
    Ok(any)
}

fn explain_question(engine: &Engine, question: &str) {
    let understood = engine.understand(question);
    eprintln!(
        "coverage {:.2}, in scope: {}",
        understood.coverage, understood.in_scope
    );
    for c in &understood.concepts {
        let alternatives: Vec<String> = c
            .alternatives
            .iter()
            .map(|a| format!("{}@{:.2}", a.stems.join(" "), a.weight))
            .collect();
        eprintln!(
            "  {:<20} {:<24} group={:<12} weak={} -> {}",
            c.label,
            format!("{:?}", c.status),
            c.group.as_deref().unwrap_or("-"),
            c.weak,
            alternatives.join(", ")
        );
    }
}

fn print_answer(
    out: &mut impl Write,
    answer: &Answer,
    json: bool,
    color: bool,
) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, answer).context("cannot write answer")?;
        writeln!(out)?;
    } else {
        write!(out, "{}", render_text(answer, color))?;
    }
    Ok(())
}

/// A readable answer for the terminal.
pub fn render_text(answer: &Answer, color: bool) -> String {
    let (bold, plain) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let mut s = String::new();
    s.push_str(&format!("Q: {}\n\n", answer.question().trim()));
    if let Some(message) = answer.message() {
        s.push_str(message);
        s.push_str("\n\n");
    }
    for (from, to) in answer.corrections() {
        s.push_str(&format!("(read \"{from}\" as \"{to}\")\n"));
    }
    for (i, p) in answer.passages().iter().enumerate() {
        let heading = if p.section.is_empty() {
            p.article.clone()
        } else {
            format!("{} › {}", p.article, p.section)
        };
        s.push_str(&format!("[{}] {heading}\n", i + 1));
        for line in p.highlighted(bold, plain).lines() {
            s.push_str(&format!("    {line}\n"));
        }
        if let Some(source) = &p.source {
            s.push_str(&format!("    Source: {source}\n"));
        }
        s.push('\n');
    }
    if !answer.tools().is_empty() {
        s.push_str("Tools\n");
        for list in answer.tools() {
            s.push_str(&format!("  {}: {}\n", list.category, list.items.join(", ")));
        }
        s.push('\n');
    }
    if !answer.courses().is_empty() {
        s.push_str("Courses\n");
        for c in answer.courses() {
            let platform = match c.platform.as_deref() {
                Some(p) if p != c.provider => format!(" on {p}"),
                _ => String::new(),
            };
            s.push_str(&format!(
                "  - {} ({}{platform}): {}\n",
                c.title, c.provider, c.url
            ));
        }
        s.push('\n');
    }
    s
}

pub(super) fn check(
    dir: &Path,
    limits: &knowledge::Limits,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    let files = match knowledge::read_dir_with(dir, limits) {
        Ok(files) => files,
        Err(e) => return Err(e).context("cannot check knowledge base"),
    };
    let (kb, report) = knowledge::parse(&files);
    if json {
        outln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report).context("cannot write report")?
        );
    } else {
        for problem in &report.problems {
            outln!(out, "{problem}");
        }
        let passages = crate::chunk::chunk_all(&kb.articles).len();
        outln!(
            out,
            "{}: {} article(s), {passages} passage(s), {} tool categor{}, {} course(s); {} error(s), {} warning(s)",
            dir.display(),
            kb.articles.len(),
            kb.tools.len(),
            if kb.tools.len() == 1 { "y" } else { "ies" },
            kb.courses.len(),
            report.error_count(),
            report.warning_count()
        );
    }
    emit(&out)?;
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub(super) fn commands(json: bool) -> anyhow::Result<ExitCode> {
    let definitions = crate::discord::commands::definitions_json();
    let mut out = String::new();
    if json {
        out = serde_json::to_string_pretty(&definitions).context("cannot write commands")?;
        out.push('\n');
    } else {
        for command in definitions.as_array().into_iter().flatten() {
            let name = command["name"].as_str().unwrap_or("?");
            let description = command["description"].as_str().unwrap_or("");
            let shown = if command["type"].as_u64() == Some(3) {
                format!("{name} (message menu)")
            } else {
                format!("/{name}")
            };
            outln!(out, "{shown:<24} {description}");
        }
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn index(config: &Config) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    let engine = load(config, true, true)?;
    let place = match (&engine.info.origin, &engine.info.index_path) {
        (IndexOrigin::InMemory, _) | (_, None) => {
            "in memory (index directory not writable)".to_string()
        }
        (_, Some(path)) => path.display().to_string(),
    };
    outln!(
        out,
        "indexed {} passage(s) from {} article(s) in {:.1?} -> {place}",
        engine.passages.len(),
        engine.knowledge.articles.len(),
        engine.info.took
    );
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn eval(
    config: &Config,
    sets: &[PathBuf],
    json: bool,
    misses: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    let engine = load(config, false, true)?;
    for path in sets {
        let set = QuestionSet::from_file(path)?;
        let scores = evaluate(&engine, &set);
        if json {
            outln!(
                out,
                "{}",
                serde_json::json!({ "set": path.display().to_string(), "scores": scores })
            );
            continue;
        }
        outln!(
            out,
            "{}: {} questions, hit@1 {:.3}, hit@3 {:.3}, wrongly declined {}; out of scope {}, declined {:.3}",
            path.display(),
            scores.questions,
            scores.hit_at_1,
            scores.hit_at_3,
            scores.wrongly_declined,
            scores.out_of_scope,
            scores.declined
        );
        if misses {
            for m in &scores.misses {
                let rank = if m.rank == 0 {
                    "miss".to_string()
                } else {
                    format!("rank {}", m.rank)
                };
                outln!(
                    out,
                    "  {rank:>7}  {}  (first: {})",
                    m.question,
                    m.first.as_deref().unwrap_or("-")
                );
            }
        }
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_any_length_is_read_as_its_first_bytes_and_the_next_line_follows() {
        // 100 MB of one line, generated as it is read: never held whole.
        let huge = std::io::Read::take(std::io::repeat(b'a'), 100_000_000);
        let rest = std::io::Cursor::new("\u{e9}t\u{e9} salary?\r\nwhat databases?".as_bytes());
        let mut input = std::io::BufReader::new(std::io::Read::chain(huge, rest));
        let mut line = Vec::new();
        assert!(read_question(&mut input, &mut line, 2_000).unwrap());
        assert_eq!(line.len(), 2_000);
        assert!(
            line.capacity() < 64 * 1024,
            "the line was not buffered whole"
        );
        assert!(read_question(&mut input, &mut line, 2_000).unwrap());
        assert_eq!(line, b"what databases?");
        assert!(!read_question(&mut input, &mut line, 2_000).unwrap());
    }

    #[test]
    fn a_character_cut_by_the_limit_is_dropped_whole() {
        let mut input = std::io::Cursor::new("ab\u{e9}cd\n".as_bytes());
        let mut line = Vec::new();
        assert!(read_question(&mut input, &mut line, 3).unwrap());
        assert_eq!(line, b"ab");
    }
}
