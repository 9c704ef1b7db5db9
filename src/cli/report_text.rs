//! The moderators' reports as a terminal shows them: `careerbot gaps`,
//! `stats`, `stats --articles` and `digest` without `--json`. The same
//! reports' Discord text is in `discord::reports`. Members' words pass
//! through [`terminal_safe`] first.

use std::fmt::Write as _;

use crate::insights::digest::Digest;
use crate::insights::report::{
    breakdown, date, datetime, passage_label, section_label, Gaps, Stats, DAY,
};

/// `text` as a terminal shows it harmlessly: control characters (escape
/// sequences, OSC titles and links, carriage returns, line breaks) and the
/// invisible formatting characters that reorder or hide text (bidi
/// overrides and isolates, zero-width marks) are written as `\u{..}`
/// escapes instead of acting on the moderator's terminal.
pub(super) fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| c.is_control() || crate::text::is_invisible_format(c);
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The `/gaps` report as plain text: at most `limit` groups and solutions.
pub(super) fn gaps_text(gaps: &Gaps, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Knowledge gaps, last {} day(s): {} group(s) from {} record(s)",
        gaps.days,
        gaps.groups.len(),
        gaps.records
    );
    if gaps.groups.is_empty() {
        let _ = writeln!(out, "Nothing went unanswered or was rated down.");
    }
    for (i, g) in gaps.groups.iter().take(limit).enumerate() {
        let _ = writeln!(
            out,
            "\n{:>3}. {}× “{}”  ({})",
            i + 1,
            g.count,
            terminal_safe(&g.example),
            breakdown(g)
        );
        for v in &g.variants {
            let _ = writeln!(out, "       also: “{}”", terminal_safe(v));
        }
        match &g.closest {
            Some(p) => {
                let _ = writeln!(out, "       closest: {}", terminal_safe(&passage_label(p)));
            }
            None => {
                let _ = writeln!(out, "       closest: no passage is close");
            }
        }
        if let Some(heading) = &g.answered {
            let _ = writeln!(out, "       answered: “{}”", terminal_safe(heading));
        }
    }
    if gaps.groups.len() > limit {
        let _ = writeln!(out, "\n… and {} more (--limit)", gaps.groups.len() - limit);
    }
    solutions_text(gaps, &mut out, limit);
    out
}

/// The solutions waiting to be saved, as plain text, at most `limit`.
fn solutions_text(gaps: &Gaps, out: &mut String, limit: usize) {
    if gaps.solutions.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nSolutions to save: {} marked in help forums (save them with /gaps in Discord)",
        gaps.solutions.len()
    );
    for (i, s) in gaps.solutions.iter().take(limit).enumerate() {
        let title = s.question.lines().next().unwrap_or("");
        let _ = writeln!(
            out,
            "\n{:>3}. “{}”  ({})\n       solved by {}: {}",
            i + 1,
            terminal_safe(title),
            datetime(s.at),
            terminal_safe(&s.author),
            terminal_safe(&s.link)
        );
    }
}

/// The `/stats` report as plain text.
pub(super) fn stats_text(stats: &Stats) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Usage, last {} day(s): {} question(s), {:.0}% answered ({} with confidence, {} low confidence, {} declined)",
        stats.days,
        stats.questions,
        stats.answered_rate * 100.0,
        stats.answered,
        stats.low_confidence,
        stats.declined
    );
    let _ = writeln!(out, "\nQuestions per day (answered):");
    for d in stats.per_day.iter().filter(|d| d.questions > 0) {
        let _ = writeln!(out, "  {}  {:>5}  ({})", d.date, d.questions, d.answered);
    }
    let _ = writeln!(out, "\nMost used articles:");
    for u in &stats.articles {
        let _ = writeln!(out, "  {:>5}  {}", u.count, terminal_safe(&u.article));
    }
    let _ = writeln!(out, "\nMost used sections:");
    for u in &stats.sections {
        let _ = writeln!(
            out,
            "  {:>5}  {}",
            u.count,
            terminal_safe(&section_label(&u.article, &u.section))
        );
    }
    let _ = writeln!(out, "\nRatings per article (👍/👎):");
    for r in &stats.ratings {
        let _ = writeln!(
            out,
            "  {:>4} / {:<4} {}",
            r.up,
            r.down,
            terminal_safe(&r.article)
        );
    }
    let _ = writeln!(
        out,
        "\nReloads: {} ok, {} failed",
        stats.reloads.ok, stats.reloads.failed
    );
    for r in &stats.reloads.latest {
        let _ = writeln!(
            out,
            "  {}  {:<8} {} (version {}, {} ms){}",
            datetime(r.at),
            terminal_safe(&r.cause),
            if r.ok { "ok" } else { "failed" },
            r.version,
            r.took_ms,
            r.error
                .as_deref()
                .map_or(String::new(), |e| format!(": {}", terminal_safe(e)))
        );
    }
    out
}

/// The knowledge's quality per article, for a terminal.
pub(super) fn articles_table(stats: &Stats) -> String {
    let q = &stats.quality;
    let percent =
        |share: Option<f64>| share.map_or("-".to_string(), |s| format!("{:.0}%", s * 100.0));
    let mut out = format!(
        "Articles, last {} day(s): {} used or rated; 👎 share {} of all votes\n\n{:>6} {:>5} {:>5} {:>6}  {:<10}  article\n",
        stats.days,
        q.articles.len(),
        percent(q.down_share),
        "first",
        "👍",
        "👎",
        "👎 %",
        "last used"
    );
    for a in &q.articles {
        let _ = writeln!(
            out,
            "{:>6} {:>5} {:>5} {:>6}  {:<10}  {}",
            a.first,
            a.up,
            a.down,
            percent(a.down_share),
            a.last_used.as_deref().unwrap_or("-"),
            terminal_safe(&a.article)
        );
    }
    let _ = writeln!(out, "\nNever used ({}):", q.unused.len());
    for title in &q.unused {
        let _ = writeln!(out, "  {}", terminal_safe(title));
    }
    let _ = writeln!(
        out,
        "\nRated worse than the rest (at least {} votes, 👎 share above the rest's at the low end of its 95% interval):",
        crate::insights::quality::MIN_VOTES
    );
    if q.worse.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for w in &q.worse {
        let _ = writeln!(
            out,
            "  {:.0}% 👎 of {} votes (at least {:.0}%; the rest {:.0}%)  {}",
            w.down_share * 100.0,
            w.votes,
            w.lower_bound * 100.0,
            w.rest_share * 100.0,
            terminal_safe(&w.article)
        );
    }
    out
}

/// The digest for a terminal.
pub(super) fn digest_text(digest: &Digest) -> String {
    let mut out = format!(
        "careerbot's week, {} to {}: {} question(s), {} the week before; {} answered\n",
        date(digest.week.div_euclid(DAY) - 7),
        date(digest.week.div_euclid(DAY) - 1),
        digest.questions,
        digest.questions_before,
        digest
            .answered_rate
            .map_or("none".to_string(), |r| format!("{:.0}%", r * 100.0))
    );
    let _ = writeln!(out, "\nLargest gaps:");
    for g in &digest.gaps {
        let _ = writeln!(out, "  {:>3}× “{}”", g.count, terminal_safe(&g.example));
    }
    let _ = writeln!(out, "\nSolutions to save ({}):", digest.solutions_waiting);
    for s in &digest.solutions {
        let title = s.question.lines().next().unwrap_or("");
        let _ = writeln!(
            out,
            "  “{}”, solved by {}",
            terminal_safe(title),
            terminal_safe(&s.author)
        );
    }
    let _ = writeln!(out, "\nRated worse than the rest:");
    for w in &digest.worst {
        let _ = writeln!(
            out,
            "  {:.0}% 👎 of {} votes  {}",
            w.down_share * 100.0,
            w.votes,
            terminal_safe(&w.article)
        );
    }
    out
}
