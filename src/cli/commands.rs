//! The commands that run the engine with no Discord: ask, check, index,
//! eval, and commands (which prints what registration sends).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::report_text::terminal_safe;
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
    let style = TextStyle::for_stdout();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if !question.is_empty() {
        let joined = question.join(" ");
        let question = crate::search::question_prefix(&joined);
        if explain {
            explain_question(&engine, question);
        }
        let answer = answer_logged(&engine, question, top);
        print_answer(&mut out, &answer, json, style)?;
    } else {
        // One question per line; answers in the same order.
        // Lines that are not UTF-8 are read lossily rather than ending the batch.
        let stdin = std::io::stdin();
        let prompt = stdin.is_terminal();
        if prompt {
            eprintln!("Ask a question and press Enter; an empty line or Ctrl-D ends.");
        }
        let mut stdin = stdin.lock();
        let mut raw = Vec::new();
        loop {
            if prompt {
                eprint!("> ");
            }
            let more = read_question(&mut stdin, &mut raw, crate::search::MAX_QUESTION_BYTES)
                .context("cannot read a question from stdin")?;
            if !more {
                break;
            }
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\n', '\r']);
            if prompt && line.trim().is_empty() {
                break;
            }
            if explain {
                explain_question(&engine, line);
            }
            let answer = answer_logged(&engine, line, top);
            print_answer(&mut out, &answer, json, style)?;
            if prompt {
                out.flush().context("cannot write answers")?;
            }
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
    let (understood, choice) = engine.trace(question);
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
    explain_blend(engine, &choice, understood.is_empty());
}

/// The semantic stage's part in the answer: the scope decision and why,
/// and each candidate's lexical and semantic contributions.
fn explain_blend(engine: &Engine, choice: &crate::answer::Choice, no_question: bool) {
    use crate::answer::Scope;
    let Some(blended) = &choice.blended else {
        let status = engine.semantic_status();
        let why = if no_question {
            "not used: there is no question in the text".to_string()
        } else if status == crate::engine::SemanticStatus::Ready {
            "not needed: the best passage holds most of the question and no other comes close"
                .to_string()
        } else {
            format!("not used ({status:?})")
        };
        eprintln!("semantic: {why}; lexical ranking only");
        return;
    };
    let calibration = engine.calibration();
    let levels = calibration.map_or(String::new(), |c| {
        format!(
            "unrelated parts of this knowledge {:.2}, related {:.2}",
            c.unrelated, c.related
        )
    });
    let why = match blended.scope {
        Scope::Confirmed => "in scope: the words answer it; ranked by words and meaning".to_string(),
        Scope::Rejected { similarity } => format!(
            "declined: the words hold little of it and their passage is {similarity:.2} similar, below {levels}"
        ),
        Scope::Rescued { similarity } => format!(
            "in scope by meaning alone: best similarity {similarity:.2}, at least {levels}"
        ),
        Scope::Declined { similarity } => format!(
            "declined: no words answer it, and the best similarity {similarity:.2} is below {levels}"
        ),
    };
    eprintln!("semantic: {why}");
    eprintln!(
        "  {:<56} {:>8} {:>8} {:>8}",
        "passage", "lexical", "semantic", "score"
    );
    for c in blended.contributions.iter().take(10) {
        let id = engine.passages.get(c.ord).map_or("?", |p| p.id.as_str());
        eprintln!(
            "  {:<56} {:>8.3} {:>8.3} {:>8.3}",
            id, c.lexical, c.semantic, c.score
        );
    }
}

/// Answers `question`, logging how (`-v`: what came back and how long it
/// took; `-vv`: how the question was read).
fn answer_logged(engine: &Engine, question: &str, top: usize) -> Answer {
    let started = std::time::Instant::now();
    let answer = engine.ask_with(question, top);
    tracing::info!(
        answered = answer.answered().is_some(),
        confidence = answer.confidence(),
        passages = answer.passages().len(),
        tools = answer.tools().len(),
        courses = answer.courses().len(),
        took_us = started.elapsed().as_micros() as u64,
        "asked"
    );
    if tracing::enabled!(tracing::Level::DEBUG) {
        let understood = engine.understand(question);
        for c in &understood.concepts {
            tracing::debug!(
                concept = %c.label,
                status = ?c.status,
                weak = c.weak,
                "read the question"
            );
        }
    }
    answer
}

fn print_answer(
    out: &mut impl Write,
    answer: &Answer,
    json: bool,
    style: TextStyle,
) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, answer).context("cannot write answer")?;
        writeln!(out)?;
    } else {
        write!(out, "{}", render_text(answer, style))?;
    }
    Ok(())
}

/// How `ask` prints text: bold highlights at a terminal (none elsewhere,
/// so a pipe gets no markup) and the width lines wrap at.
#[derive(Debug, Clone, Copy)]
pub struct TextStyle {
    /// Whether highlights are bold (ANSI), or left plain.
    pub bold: bool,
    /// The width lines are wrapped to.
    pub width: usize,
}

impl TextStyle {
    /// For stdout: at a terminal, bold and its width; elsewhere plain, at
    /// `COLUMNS` when set, else 80.
    pub fn for_stdout() -> TextStyle {
        let terminal = std::io::stdout().is_terminal();
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok());
        let width = match (terminal, columns) {
            (_, Some(c)) => c,
            (true, None) => textwrap::termwidth(),
            (false, None) => 80,
        };
        TextStyle {
            bold: terminal,
            width: width.clamp(20, 400),
        }
    }
}

/// Appends `text` wrapped to `width`: the first line after `first`, the
/// rest after `rest`. Words are never broken (an address stays whole), and
/// no line ends in a space.
fn wrapped(s: &mut String, text: &str, first: &str, rest: &str, width: usize) {
    let options = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(false);
    for line in textwrap::wrap(text, options) {
        s.push_str(line.trim_end());
        s.push('\n');
    }
}

/// An answer as text, as `ask` prints it.
pub fn render_text(answer: &Answer, style: TextStyle) -> String {
    let (bold, plain) = if style.bold {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let width = style.width;
    let mut s = String::new();
    wrapped(
        &mut s,
        &format!("Q: {}", terminal_safe(answer.question().trim())),
        "",
        "   ",
        width,
    );
    s.push('\n');
    if let Some(message) = answer.message() {
        for paragraph in message.lines() {
            wrapped(&mut s, &terminal_safe(paragraph), "", "", width);
        }
        s.push('\n');
    }
    for (from, to) in answer.corrections() {
        wrapped(
            &mut s,
            &terminal_safe(&format!("(read \"{from}\" as \"{to}\")")),
            "",
            "",
            width,
        );
    }
    for (i, p) in answer.passages().iter().enumerate() {
        let heading = if p.section.is_empty() {
            p.article.clone()
        } else {
            format!("{} › {}", p.article, p.section)
        };
        wrapped(&mut s, &format!("[{}] {heading}", i + 1), "", "    ", width);
        for line in p.highlighted(bold, plain).lines() {
            if line.trim().is_empty() {
                s.push('\n');
            } else {
                // A list item's later lines line up under its text.
                let item = line.len() - line.trim_start_matches(['-', '*', ' ']).len();
                let rest = format!("    {}", " ".repeat(item.min(8)));
                wrapped(&mut s, line.trim_end(), "    ", &rest, width);
            }
        }
        if let Some(source) = &p.source {
            wrapped(&mut s, &format!("Source: {source}"), "    ", "    ", width);
        }
        s.push('\n');
    }
    if !answer.tools().is_empty() {
        s.push_str("Tools\n");
        for list in answer.tools() {
            let line = format!("{}: {}", list.category, list.items.join(", "));
            wrapped(&mut s, &line, "  ", "    ", width);
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
            let line = format!("- {} ({}{platform}): {}", c.title, c.provider, c.url);
            wrapped(&mut s, &line, "  ", "    ", width);
        }
        s.push('\n');
    }
    s
}

pub(super) fn check(config: &Config, json: bool) -> anyhow::Result<ExitCode> {
    let dir = config.knowledge.dir.as_path();
    let limits = &config.knowledge.limits;
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
        if !report.has_errors() {
            outln!(out, "{}", semantic_line(config, &kb)?);
        }
    }
    emit(&out)?;
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What `serve` would answer with: hybrid when the passage vectors are
/// in the index directory, else lexical until they are embedded.
fn semantic_line(config: &Config, kb: &knowledge::KnowledgeBase) -> anyhow::Result<String> {
    let Some(semantic) = super::semantic(config, true)? else {
        return Ok("semantic = false: answers are lexical (words only)".to_string());
    };
    let passages = crate::chunk::chunk_all(&kb.articles);
    let index = &config.knowledge.index_dir;
    let (held, total) =
        crate::engine::Stage::cached(&semantic.model, &passages, Some(index.as_path()));
    let model = semantic.model.name();
    Ok(if held == total {
        format!(
            "semantic: {model}; hybrid: all {total} texts embedded in {}",
            index.display()
        )
    } else {
        format!(
            "semantic: {model}; lexical until embedded: {held} of {total} texts embedded in {} (`careerbot index` embeds the rest; `serve` does it in the background)",
            index.display()
        )
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
        // Saving the index is this command's whole job.
        (IndexOrigin::InMemory, _) | (_, None) => anyhow::bail!(
            "the index could not be written to {}: nothing was saved (see the warning above); \
             make it a directory careerbot can write to, or name another with --index",
            config.knowledge.index_dir.display()
        ),
        (_, Some(path)) => path.display().to_string(),
    };
    outln!(
        out,
        "indexed {} passage(s) from {} article(s) in {:.1?} -> {place}",
        engine.passages.len(),
        engine.knowledge.articles.len(),
        engine.info.took
    );
    let status = engine.semantic_status();
    if let crate::engine::SemanticStatus::Failed(why) = &status {
        anyhow::bail!("the index is built, but the passages could not be embedded: {why}");
    }
    if let Some(model) = engine.semantic_model() {
        outln!(out, "embedded with {model}: {}", status.serving());
    }
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

/// `careerbot config`: every key, its value and where it came from.
pub(super) fn show_config(loaded: &crate::config::Loaded, json: bool) -> anyhow::Result<ExitCode> {
    let entries = loaded.entries();
    let mut out = String::new();
    if json {
        let map: serde_json::Map<String, serde_json::Value> = entries
            .into_iter()
            .map(|e| {
                let entry = serde_json::json!({"value": e.value, "source": e.source.to_string()});
                (e.key, entry)
            })
            .collect();
        outln!(
            out,
            "{}",
            serde_json::to_string_pretty(&map).context("cannot write the configuration")?
        );
    } else {
        let shown: Vec<(String, String, String)> = entries
            .into_iter()
            .map(|e| {
                let value = match &e.value {
                    serde_json::Value::Null => "(not set)".to_string(),
                    serde_json::Value::String(s) if s == "[redacted]" => s.clone(),
                    v => v.to_string(),
                };
                (e.key, value, e.source.to_string())
            })
            .collect();
        let key_width = shown.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
        let value_width = shown
            .iter()
            .map(|(_, v, _)| v.chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        for (key, value, source) in shown {
            outln!(out, "{key:<key_width$} = {value:<value_width$}  # {source}");
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
