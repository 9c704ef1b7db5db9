//! `/gaps` and `/stats` as Discord messages. Pure: reports in, builders out.
//! Members' questions are shown escaped, within Discord's limits, and ping
//! nobody.

use serenity::builder::{CreateActionRow, CreateButton, CreateInteractionResponseMessage};
use serenity::model::application::ButtonStyle;
use serenity::model::id::{ChannelId, UserId};

use super::button::{Button, GapKey};
use super::render::{escape, fit, listing, no_pings, pager};
use crate::insights::quality::Quality;
use crate::insights::report::{breakdown, datetime, passage_label, section_label, Gaps, Stats};

/// Groups on one page of `/gaps`.
pub const GAPS_PER_PAGE: usize = 5;

/// Pages a `/gaps` report has (at least one).
pub fn gaps_pages(gaps: &Gaps) -> usize {
    gaps.groups.len().div_ceil(GAPS_PER_PAGE).max(1)
}

/// One page of `/gaps`, with buttons to the neighbouring pages that only
/// `asker` can use.
pub fn gaps_message(gaps: &Gaps, page: usize, asker: UserId) -> CreateInteractionResponseMessage {
    let pages = gaps_pages(gaps);
    let page = page.min(pages - 1);
    let description = if gaps.groups.is_empty() {
        format!(
            "Nothing went unanswered or was rated down in the last {} day(s).",
            gaps.days
        )
    } else {
        format!(
            "{} group(s) of similar questions from {} record(s): declined, answered with low confidence, or rated 👎. Page {} of {pages}.\nPress \"Answer N\" to answer group N here, or add an article or keywords that answer them, then /reload.",
            gaps.groups.len(),
            gaps.records,
            page + 1
        )
    };
    // The groups on this page, numbered across pages.
    let shown = || {
        gaps.groups
            .iter()
            .enumerate()
            .skip(page * GAPS_PER_PAGE)
            .take(GAPS_PER_PAGE)
    };
    let mut fields: Vec<(String, String)> = shown()
        .map(|(i, g)| {
            let name = format!("{}. {}× “{}”", i + 1, g.count, fit(&g.example, 150));
            let mut value = vec![breakdown(g)];
            for v in g.variants.iter().take(3) {
                value.push(format!("also: “{}”", escape(&fit(v, 150))));
            }
            value.push(match &g.closest {
                Some(p) => format!("closest: {}", escape(&passage_label(p))),
                None => "closest: no passage is close".to_string(),
            });
            if let Some(heading) = &g.answered {
                value.push(format!("✅ answered: “{}”", escape(&fit(heading, 150))));
            }
            (escape(&name), value.join("\n"))
        })
        .collect();
    fields.extend(solutions_field(gaps));
    let message = CreateInteractionResponseMessage::new()
        .embed(listing(
            &format!("Knowledge gaps, last {} day(s)", gaps.days),
            &description,
            &fields,
        ))
        .allowed_mentions(no_pings())
        .ephemeral(true);
    // "Answer this" for each group shown, numbered as the fields are.
    let answers: Vec<CreateButton> = shown()
        .map(|(i, g)| {
            let id = Button::AnswerGap {
                asker,
                days: gaps.days,
                gap: GapKey::of(&g.example),
            };
            CreateButton::new(id.id())
                .label(format!("Answer {}", i + 1))
                .style(ButtonStyle::Success)
        })
        .collect();
    let mut rows = Vec::new();
    if !answers.is_empty() {
        rows.push(CreateActionRow::Buttons(answers));
    }
    if !gaps.solutions.is_empty() {
        rows.push(CreateActionRow::Buttons(save_buttons(gaps, asker)));
    }
    // A page update replaces the buttons too, so a report that shrank to
    // one page loses its old ones.
    if pages > 1 {
        rows.extend(pager(page, pages, |to| {
            Button::Gaps {
                asker,
                page: to,
                days: gaps.days,
            }
            .id()
        }));
    }
    message.components(rows)
}

/// Solutions to save that `/gaps` shows (the latest), on every page.
pub const SOLUTIONS_SHOWN: usize = 5;

/// The "Solutions to save" field: each post (a channel mention, which
/// pings nobody), its title and who solved it.
fn solutions_field(gaps: &Gaps) -> Option<(String, String)> {
    if gaps.solutions.is_empty() {
        return None;
    }
    let lines: Vec<String> = gaps
        .solutions
        .iter()
        .take(SOLUTIONS_SHOWN)
        .enumerate()
        .map(|(i, s)| {
            let title = s.question.lines().next().unwrap_or("");
            format!(
                "**{}.** <#{}> “{}”, solved by {}",
                i + 1,
                s.thread,
                escape(&fit(title, 80)),
                escape(&fit(&s.author, 32))
            )
        })
        .collect();
    let name = format!(
        "Solutions to save ({}): press \"Save N\" to make one an answer",
        gaps.solutions.len()
    );
    Some((name, lines.join("\n")))
}

/// "Save N" for each solution shown, numbered as its line is.
fn save_buttons(gaps: &Gaps, asker: UserId) -> Vec<CreateButton> {
    gaps.solutions
        .iter()
        .take(SOLUTIONS_SHOWN)
        .enumerate()
        .map(|(i, s)| {
            let id = Button::SaveSolution {
                asker,
                days: gaps.days,
                thread: ChannelId::new(s.thread),
            };
            CreateButton::new(id.id())
                .label(format!("Save {}", i + 1))
                .style(ButtonStyle::Primary)
        })
        .collect()
}

/// The articles rated worse than the rest, and those never used.
fn quality_fields(quality: &Quality) -> Vec<(String, String)> {
    let worse: Vec<String> = quality
        .worse
        .iter()
        .map(|w| {
            format!(
                "{:.0}% 👎 of {} votes (the rest: {:.0}%) · {}",
                w.down_share * 100.0,
                w.votes,
                w.rest_share * 100.0,
                escape(&fit(&w.article, 100))
            )
        })
        .collect();
    let mut fields = vec![(
        format!(
            "Rated worse than the rest (at least {} votes)",
            crate::insights::quality::MIN_VOTES
        ),
        if worse.is_empty() {
            "none".to_string()
        } else {
            worse.join("\n")
        },
    )];
    if !quality.unused.is_empty() {
        let names: Vec<String> = quality.unused.iter().map(|t| escape(&fit(t, 80))).collect();
        fields.push((
            format!("Never used ({})", quality.unused.len()),
            names.join(" · "),
        ));
    }
    fields
}

/// `/stats`.
pub fn stats_message(stats: &Stats) -> CreateInteractionResponseMessage {
    let description = format!(
        "{} question(s), {:.0}% answered: {} with confidence, {} with low confidence, {} declined.",
        stats.questions,
        stats.answered_rate * 100.0,
        stats.answered,
        stats.low_confidence,
        stats.declined
    );
    let or_none = |lines: Vec<String>| {
        if lines.is_empty() {
            "none yet".to_string()
        } else {
            lines.join("\n")
        }
    };
    // The latest days first: the field keeps what fits.
    let days: Vec<String> = stats
        .per_day
        .iter()
        .rev()
        .filter(|d| d.questions > 0)
        .take(14)
        .map(|d| format!("`{}` {} ({} answered)", d.date, d.questions, d.answered))
        .collect();
    let articles = stats
        .quality
        .articles
        .iter()
        .take(10)
        .map(|a| {
            let share = a
                .down_share
                .map_or(String::new(), |s| format!(" ({:.0}%)", s * 100.0));
            format!(
                "{} · 👍 {} · 👎 {}{share} · {} · {}",
                a.first,
                a.up,
                a.down,
                a.last_used.as_deref().unwrap_or("not used"),
                escape(&fit(&a.article, 100))
            )
        })
        .collect();
    let sections = stats
        .sections
        .iter()
        .map(|u| {
            format!(
                "{} · {}",
                u.count,
                escape(&section_label(&u.article, &u.section))
            )
        })
        .collect();
    let mut reloads = vec![format!(
        "{} ok, {} failed",
        stats.reloads.ok, stats.reloads.failed
    )];
    reloads.extend(stats.reloads.latest.iter().map(|r| {
        format!(
            "`{}` {} {} (version {}, {} ms)",
            datetime(r.at),
            escape(&r.cause),
            if r.ok { "ok" } else { "failed" },
            r.version,
            r.took_ms
        )
    }));
    let mut fields = vec![
        ("Questions per day".to_string(), or_none(days)),
        (
            "Articles: answers led · 👍 · 👎 (share) · last used".to_string(),
            or_none(articles),
        ),
        ("Most used sections".to_string(), or_none(sections)),
    ];
    fields.extend(quality_fields(&stats.quality));
    fields.push(("Reloads".to_string(), reloads.join("\n")));
    CreateInteractionResponseMessage::new()
        .embed(listing(
            &format!("Usage, last {} day(s)", stats.days),
            &description,
            &fields,
        ))
        .allowed_mentions(no_pings())
        .ephemeral(true)
}
