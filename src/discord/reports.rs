//! `/gaps` and `/stats` as Discord messages. Pure: reports in, builders out.
//! Members' questions are shown escaped, within Discord's limits, and ping
//! nobody.

use std::num::NonZeroU64;

use serenity::builder::{
    CreateActionRow, CreateButton, CreateEmbed, CreateInteractionResponseMessage,
};
use serenity::model::application::ButtonStyle;
use serenity::model::id::{ChannelId, MessageId, UserId};

use super::button::{Button, GapKey};
use super::render::{escape, fit, listing, no_pings, one_line, pager};
use crate::insights::digest::Digest;
use crate::insights::quality::{Quality, WorseArticle};
use crate::insights::report::{
    breakdown, date, datetime, passage_label, section_label, GapGroup, Gaps, Stats, DAY,
};

/// Groups on one page of `/gaps`.
pub const GAPS_PER_PAGE: usize = 5;

/// Pages a `/gaps` report has (at least one).
pub fn gaps_pages(gaps: &Gaps) -> usize {
    let groups = gaps.groups.len().div_ceil(GAPS_PER_PAGE);
    let solutions = gaps.solutions.len().div_ceil(SOLUTIONS_SHOWN);
    groups.max(solutions).max(1)
}

/// One page of `/gaps`, with buttons to the neighbouring pages that only
/// `asker` can use.
pub fn gaps_message(gaps: &Gaps, page: usize, asker: UserId) -> CreateInteractionResponseMessage {
    let pages = gaps_pages(gaps);
    let page = page.min(pages - 1);
    let mut fields: Vec<(String, String)> = groups_shown(gaps, page).map(group_field).collect();
    // The solutions first: their "Save N" buttons are always under lines
    // that were shown, however long the groups are.
    if let Some(solutions) = solutions_field(gaps, page) {
        fields.insert(0, solutions);
    }
    CreateInteractionResponseMessage::new()
        .embed(listing(
            &format!("Knowledge gaps, last {} day(s)", gaps.days),
            &gaps_description(gaps, page, pages),
            &fields,
        ))
        .allowed_mentions(no_pings())
        .ephemeral(true)
        .components(gaps_rows(gaps, (page, pages), asker))
}

/// What a `/gaps` page is about.
fn gaps_description(gaps: &Gaps, page: usize, pages: usize) -> String {
    if gaps.groups.is_empty() {
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
    }
}

/// The groups on `page`, numbered across pages.
fn groups_shown(gaps: &Gaps, page: usize) -> impl Iterator<Item = (usize, &GapGroup)> {
    gaps.groups
        .iter()
        .enumerate()
        .skip(page * GAPS_PER_PAGE)
        .take(GAPS_PER_PAGE)
}

/// The field of group number `i`: its wordings, closest passage and answer.
fn group_field((i, g): (usize, &GapGroup)) -> (String, String) {
    let name = format!(
        "{}. {}× “{}”",
        i + 1,
        g.count,
        fit(&one_line(&g.example), 150)
    );
    let mut value = vec![breakdown(g)];
    for v in g.variants.iter().take(3) {
        value.push(format!("also: “{}”", escape(&fit(&one_line(v), 150))));
    }
    value.push(match &g.closest {
        Some(p) => format!("closest: {}", escape(&passage_label(p))),
        None => "closest: no passage is close".to_string(),
    });
    if let Some(heading) = &g.answered {
        value.push(format!("✅ answered: “{}”", escape(&fit(heading, 150))));
    }
    (escape(&name), value.join("\n"))
}

/// A `/gaps` page's buttons: "Answer N" for each group shown, "Save N"
/// for each solution shown, and the pager. A page update replaces the
/// buttons too, so a report that shrank to one page loses its old ones.
fn gaps_rows(gaps: &Gaps, (page, pages): (usize, usize), asker: UserId) -> Vec<CreateActionRow> {
    let answers: Vec<CreateButton> = groups_shown(gaps, page)
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
    let saves = save_buttons(gaps, page, asker);
    let mut rows: Vec<CreateActionRow> = [answers, saves]
        .into_iter()
        .filter(|buttons| !buttons.is_empty())
        .map(CreateActionRow::Buttons)
        .collect();
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
    rows
}

/// Solutions to save on one page of `/gaps`, latest first, beside its
/// groups.
pub const SOLUTIONS_SHOWN: usize = 5;

/// The solutions to save on `page`, numbered across pages.
fn solutions_shown(
    gaps: &Gaps,
    page: usize,
) -> impl Iterator<Item = (usize, &crate::insights::SolutionRecord)> {
    gaps.solutions
        .iter()
        .enumerate()
        .skip(page * SOLUTIONS_SHOWN)
        .take(SOLUTIONS_SHOWN)
}

/// The "Solutions to save" field of `page`: each post (a channel mention,
/// which pings nobody), its title and who solved it, within a field's
/// 1,024 characters however much escaping they need.
fn solutions_field(gaps: &Gaps, page: usize) -> Option<(String, String)> {
    let lines: Vec<String> = solutions_shown(gaps, page)
        .map(|(i, s)| {
            let title = s.question.lines().next().unwrap_or("");
            format!(
                "**{}.** <#{}> “{}”, solved by {}",
                i + 1,
                s.thread,
                escape(&fit(&one_line(title), 50)),
                escape(&fit(&one_line(&s.author), 24))
            )
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    let name = format!(
        "Solutions to save ({}): press \"Save N\" to make one an answer",
        gaps.solutions.len()
    );
    Some((name, lines.join("\n")))
}

/// "Save N" for each solution on `page`, numbered as its line is.
fn save_buttons(gaps: &Gaps, page: usize, asker: UserId) -> Vec<CreateButton> {
    solutions_shown(gaps, page)
        .filter_map(|(i, s)| {
            let id = Button::SaveSolution {
                asker,
                days: gaps.days,
                thread: ChannelId::from(NonZeroU64::new(s.thread)?),
                message: MessageId::from(NonZeroU64::new(s.message)?),
            };
            Some(
                CreateButton::new(id.id())
                    .label(format!("Save {}", i + 1))
                    .style(ButtonStyle::Primary),
            )
        })
        .collect()
}

/// An article rated worse than the rest, on one line.
fn worse_line(w: &WorseArticle) -> String {
    format!(
        "{:.0}% 👎 of {} votes (the rest: {:.0}%) · {}",
        w.down_share * 100.0,
        w.votes,
        w.rest_share * 100.0,
        escape(&fit(&one_line(&w.article), 100))
    )
}

/// The articles rated worse than the rest, and those never used.
fn quality_fields(quality: &Quality) -> Vec<(String, String)> {
    let worse: Vec<String> = quality.worse.iter().map(worse_line).collect();
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
        let names: Vec<String> = quality
            .unused
            .iter()
            .map(|t| escape(&fit(&one_line(t), 80)))
            .collect();
        fields.push((
            format!("Never used ({})", quality.unused.len()),
            names.join(" · "),
        ));
    }
    fields
}

/// The weekly digest's embed: the week's questions against the week
/// before, the largest gaps, the solutions waiting and the worst-rated
/// articles. Members' words are escaped and ping nobody.
pub fn digest_embed(digest: &Digest) -> CreateEmbed {
    let change = match (digest.questions, digest.questions_before) {
        (_, 0) => String::new(),
        (now, before) => format!(
            " ({:+.0}%)",
            (now as f64 - before as f64) * 100.0 / before as f64
        ),
    };
    let answered = digest
        .answered_rate
        .map_or(String::new(), |r| format!("; {:.0}% answered", r * 100.0));
    let description = format!(
        "{} to {}: {} question(s), against {} the week before{change}{answered}.",
        date(digest.week.div_euclid(DAY) - 7),
        date(digest.week.div_euclid(DAY) - 1),
        digest.questions,
        digest.questions_before,
    );
    let or_none = |lines: Vec<String>| {
        if lines.is_empty() {
            "none".to_string()
        } else {
            lines.join("\n")
        }
    };
    let gaps = digest
        .gaps
        .iter()
        .map(|g| {
            format!(
                "{}× “{}”",
                g.count,
                escape(&fit(&one_line(&g.example), 120))
            )
        })
        .collect();
    let solutions = digest
        .solutions
        .iter()
        .map(|s| {
            let title = s.question.lines().next().unwrap_or("");
            format!(
                "<#{}> “{}”, solved by {}",
                s.thread,
                escape(&fit(&one_line(title), 60)),
                escape(&fit(&one_line(&s.author), 24))
            )
        })
        .collect();
    let worst = digest.worst.iter().map(worse_line).collect();
    let fields = vec![
        (
            "Largest gaps (answer them with /gaps)".to_string(),
            or_none(gaps),
        ),
        (
            format!("Solutions to save ({}, in /gaps)", digest.solutions_waiting),
            or_none(solutions),
        ),
        ("Rated worse than the rest".to_string(), or_none(worst)),
    ];
    listing("careerbot's week", &description, &fields)
}

/// `/stats`.
pub fn stats_message(stats: &Stats) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .embed(stats_embed(stats))
        .allowed_mentions(no_pings())
        .ephemeral(true)
}

/// The `/stats` embed, which the chart joins as its image once drawn.
pub fn stats_embed(stats: &Stats) -> CreateEmbed {
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
    let articles = article_lines(stats);
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
    let mut fields = vec![
        ("Questions per day".to_string(), or_none(days)),
        (
            "Articles: answers led · 👍 · 👎 (share) · last used".to_string(),
            or_none(articles),
        ),
        ("Most used sections".to_string(), or_none(sections)),
    ];
    fields.extend(quality_fields(&stats.quality));
    fields.push(("Reloads".to_string(), reload_lines(stats).join("\n")));
    listing(
        &format!("Usage, last {} day(s)", stats.days),
        &description,
        &fields,
    )
}

/// The most used articles, each with its answers led, 👍, 👎 (share) and
/// last use.
fn article_lines(stats: &Stats) -> Vec<String> {
    stats
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
                escape(&fit(&one_line(&a.article), 100))
            )
        })
        .collect()
}

/// The period's reloads: how many succeeded and failed, then the latest.
fn reload_lines(stats: &Stats) -> Vec<String> {
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
    reloads
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::report::group_gaps;
    use crate::insights::SolutionRecord;

    fn solution(n: u64) -> SolutionRecord {
        SolutionRecord {
            at: 1_000 - i64::try_from(n).unwrap_or(0),
            guild: Some(7),
            thread: 100 + n,
            message: 200 + n,
            question: format!("**{}** <@&1> how do I {n}?\nmore", "_".repeat(300)),
            answer: "an answer".to_string(),
            author: format!("Ada <@{n}> {}", "*".repeat(100)),
            link: format!("https://discord.com/channels/7/{}/{}", 100 + n, 200 + n),
            saved: None,
        }
    }

    #[test]
    fn solutions_to_save_are_paged_first_in_the_embed_each_line_with_its_save_button() {
        let mut gaps = group_gaps(30, 0, &[], &[]);
        gaps.solutions = (1..=7).map(solution).collect();
        assert_eq!(gaps_pages(&gaps), 2);
        for (page, expected) in [(0, 1..=5), (1, 6..=7)] {
            let message = gaps_message(&gaps, page, UserId::new(9));
            let json = serde_json::to_value(&message).expect("serializes");
            let field = &json["embeds"][0]["fields"][0];
            let name = field["name"].as_str().unwrap_or("");
            let value = field["value"].as_str().unwrap_or("");
            assert!(name.starts_with("Solutions to save (7)"), "{json:#}");
            assert!(value.chars().count() <= 1024, "{value}");
            let buttons: Vec<String> = json["components"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
                .filter(|b| {
                    b["custom_id"]
                        .as_str()
                        .is_some_and(|id| id.starts_with("save-solution:"))
                })
                .map(|b| b["label"].as_str().unwrap_or("").to_string())
                .collect();
            let labels: Vec<String> = expected.clone().map(|n| format!("Save {n}")).collect();
            assert_eq!(buttons, labels, "{json:#}");
            for n in expected {
                assert!(
                    value.contains(&format!("**{n}.** <#{}>", 100 + n)),
                    "{value}"
                );
            }
            assert!(!value.contains("<@"), "no mention markup: {value}");
        }
    }
}
