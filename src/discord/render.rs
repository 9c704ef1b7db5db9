//! Answers and catalog listings as Discord messages. Pure: data in,
//! builders out. Every message fits Discord's limits whatever the knowledge
//! holds (text is cut at a character boundary with "…"), and every message
//! pings nobody.

use serenity::builder::{
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateEmbedFooter,
    CreateInteractionResponseMessage,
};
use serenity::model::application::ButtonStyle;
use serenity::model::id::UserId;

use super::button::{Button, Owners, PassageKey, Posted, Rated};
use crate::answer::{Answer, AnswerPassage, CoursePointer, ToolList};
use crate::knowledge::inline::SpanKind;

pub use super::limits;

/// careerbot's embed colour.
pub const COLOUR: u32 = 0x002b_6cb0;
/// The colour of an embed that says something failed.
pub const FAILURE_COLOUR: u32 = 0x00c5_3030;
/// The footer prefix that carries the question, so buttons need no server state.
pub const QUESTION_PREFIX: &str = "Asked: ";
/// How much of the question the footer keeps (the buttons re-ask it).
pub const FOOTER_QUESTION: usize = 1800;
/// How many passages "More answers" pages through.
pub const MAX_PAGES: usize = 10;

/// Cuts `text` to at most `max` characters, ending with "…" when cut.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A passage's embed title: its article, and its section when it has one
/// (the embed may show it cut to fit).
pub fn passage_title(passage: &AnswerPassage) -> String {
    if passage.section.is_empty() {
        passage.article.clone()
    } else {
        format!("{} › {}", passage.article, passage.section)
    }
}

/// The question an answer embed's footer names ([`answer_embed`] writes
/// it): `None` for any other footer. A question cut to fit ends with "…",
/// which is dropped; one the member typed with "…" keeps it.
pub fn question_in_footer(footer: &str) -> Option<String> {
    let rest = footer.strip_prefix(QUESTION_PREFIX)?;
    let (question, _) = rest.rsplit_once(" · answer ")?;
    let cut = question.chars().count() == FOOTER_QUESTION;
    Some(
        if cut {
            question.trim_end_matches('…')
        } else {
            question
        }
        .to_string(),
    )
}

/// Mentions are allowed nowhere: no @everyone, no roles, no users, no reply ping.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

/// A member's text on one line of a report: whitespace runs (line breaks
/// too) made one space, and the invisible characters that reorder or hide
/// text (bidi controls, zero-width marks) left out, so that no text can
/// start a quote, fake a row or turn what follows around. Escape it next.
pub fn one_line(text: &str) -> String {
    let visible: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
            )
        })
        .collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes Discord Markdown so knowledge text shows as written.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '*' | '_' | '~' | '`' | '|' | '\\' | '<' | '@' | '#' | '[' | ']'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A passage's text with matched terms in bold, escaped for Discord. Links
/// with a web address are masked links, written-out addresses are left as
/// written (Discord links them), and inline code is code; none of them is
/// ever highlighted.
pub fn highlighted(passage: &AnswerPassage) -> String {
    let text = &passage.text;
    let valid = |start: usize, end: usize| {
        start <= end
            && end <= text.len()
            && text.is_char_boundary(start)
            && text.is_char_boundary(end)
    };
    // Spans and highlights never overlap (compose drops such highlights),
    // so one pass in order of start renders both.
    let mut pieces: Vec<(usize, usize, Option<&SpanKind>)> = passage
        .highlights
        .iter()
        .map(|&(s, e)| (s, e, None))
        .chain(
            passage
                .spans
                .iter()
                .map(|s| (s.start, s.end, Some(&s.kind))),
        )
        .filter(|&(s, e, _)| valid(s, e))
        .collect();
    pieces.sort_by_key(|p| p.0);
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for (start, end, kind) in pieces {
        if start < at {
            continue;
        }
        out.push_str(&escape(&text[at..start]));
        let inner = &text[start..end];
        match kind {
            None => {
                out.push_str("**");
                out.push_str(&escape(inner));
                out.push_str("**");
            }
            Some(SpanKind::Link { url: Some(url) }) => {
                out.push('[');
                out.push_str(&escape(inner));
                out.push_str("](");
                out.push_str(url);
                out.push(')');
            }
            Some(SpanKind::Url) if !inner.contains(['<', '>', '@']) => out.push_str(inner),
            Some(SpanKind::Code) => out.push_str(&code(inner)),
            Some(_) => out.push_str(&escape(inner)),
        }
        at = end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

/// Inline code for Discord: fenced with one more backtick than it holds in a row.
fn code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest == 0 {
        format!("{fence}{text}{fence}")
    } else {
        format!("{fence} {text} {fence}")
    }
}

/// ◀ Previous / Next ▶ buttons for page `page` (from 0) of `pages`, their
/// ids made by `id(page)`; no row at all when there is one page, so a
/// page update that shrank to one page loses its old buttons.
pub fn pager(page: usize, pages: usize, id: impl Fn(usize) -> String) -> Vec<CreateActionRow> {
    let mut buttons = Vec::new();
    if page > 0 {
        buttons.push(
            CreateButton::new(id(page - 1))
                .label("◀ Previous")
                .style(ButtonStyle::Secondary),
        );
    }
    if page + 1 < pages {
        buttons.push(
            CreateButton::new(id(page + 1))
                .label("Next ▶")
                .style(ButtonStyle::Primary),
        );
    }
    if buttons.is_empty() {
        Vec::new()
    } else {
        vec![CreateActionRow::Buttons(buttons)]
    }
}

/// The embed of one page of an answer (one passage), with tools and courses.
pub fn answer_embed(answer: &Answer, page: usize) -> CreateEmbed {
    let mut budget = limits::EMBED_TOTAL;
    let mut take = |text: String, max: usize| -> String {
        let text = fit(&text, max.min(budget));
        budget = budget.saturating_sub(text.chars().count());
        text
    };
    let Some(passage) = answer
        .passages()
        .get(page.min(answer.passages().len().saturating_sub(1)))
    else {
        // Only an answer with passages is rendered here; anything else says why.
        return CreateEmbed::new().colour(COLOUR).description(fit(
            answer.message().unwrap_or("I don't know that one."),
            limits::DESCRIPTION,
        ));
    };
    let title = passage_title(passage);
    let footer = format!(
        "{QUESTION_PREFIX}{} · answer {} of {}",
        fit(answer.question().trim(), FOOTER_QUESTION),
        page + 1,
        answer.passages().len()
    );
    // The footer is reserved first: the buttons read the question back from it.
    let footer = take(footer, limits::FOOTER);
    let mut embed = CreateEmbed::new()
        .colour(COLOUR)
        .title(take(title, limits::TITLE))
        .footer(CreateEmbedFooter::new(footer));
    let mut fields: Vec<(String, String)> = Vec::new();
    if !answer.tools().is_empty() {
        fields.push(("Tools".to_string(), tools_field(answer.tools())));
    }
    if !answer.courses().is_empty() {
        fields.push(("Courses".to_string(), courses_field(answer.courses())));
    }
    if let Some(source) = &passage.source {
        let (value, link) = source_field(source);
        if let Some(link) = link {
            embed = embed.url(link);
        }
        fields.push(("Source".to_string(), value));
    }
    // Fields first (they are short), then the passage gets what is left.
    for (name, value) in fields.into_iter().take(limits::FIELDS) {
        let name = take(name, limits::FIELD_NAME);
        let value = take(value, limits::FIELD_VALUE);
        if !name.is_empty() && !value.is_empty() {
            embed = embed.field(name, value, false);
        }
    }
    embed.description(take(highlighted(passage), limits::DESCRIPTION))
}

/// The Tools field: each category's tools on a line.
fn tools_field(tools: &[ToolList]) -> String {
    tools
        .iter()
        .map(|t| {
            format!(
                "**{}**: {}",
                escape(&t.category),
                escape(&t.items.join(", "))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Courses field: whole lines only, as many as fit, since a course
/// link cut to fit would be broken.
fn courses_field(courses: &[CoursePointer]) -> String {
    let mut value = String::new();
    for c in courses {
        let line = format!(
            "[{}]({}) — {}",
            escape(&c.title),
            c.url,
            escape(&c.provider)
        );
        let needed = usize::from(!value.is_empty()) + line.chars().count();
        if value.chars().count() + needed > limits::FIELD_VALUE {
            break;
        }
        if !value.is_empty() {
            value.push('\n');
        }
        value.push_str(&line);
    }
    value
}

/// The Source field, and whether the embed's title links to the source. A
/// link is never cut: one too long for the field shows its host.
fn source_field(source: &str) -> (String, Option<String>) {
    let link = crate::knowledge::is_web_url(source);
    let url = link.then(|| uri(source)).flatten();
    let url = url.filter(|u| u.len() <= limits::URL);
    let linked = url.is_some();
    let value = if link && source.chars().count() > limits::FIELD_VALUE {
        let host = crate::knowledge::web_host(source).unwrap_or_default();
        let host = escape(&fit(host, limits::FIELD_VALUE / 2));
        if linked {
            format!("{host} (linked from the title)")
        } else {
            host
        }
    } else {
        source.to_string()
    };
    (value, url)
}

/// `address` as a URI (RFC 3986, which Discord's `format: uri` asks for):
/// the host in ASCII (IDNA), and every character after it that a URI may
/// not hold (spaces, `|`, `{`, non-ASCII) percent-encoded. `None` when it
/// is not an http(s) address with a host.
fn uri(address: &str) -> Option<String> {
    let url = url::Url::parse(address).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    let origin = &url[..url::Position::AfterPort];
    let mut out = origin.to_string();
    let rest = url[url::Position::BeforePath..].as_bytes();
    let mut fragment = false;
    for (i, &byte) in rest.iter().enumerate() {
        // `%` only as an escape of two hex digits; `#` only once, to start the fragment.
        let escape = rest.len() > i + 2 && rest[i + 1..i + 3].iter().all(u8::is_ascii_hexdigit);
        let allowed = match byte {
            b'%' => escape,
            b'#' => !std::mem::replace(&mut fragment, true),
            b => b.is_ascii_alphanumeric() || b"-._~:/?@!$&'()*+,;=".contains(&b),
        };
        if allowed {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Some(out)
}

/// What an answer's buttons offer besides 👍/👎, which anyone may press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Controls {
    /// Who may page it (and delete it).
    pub owners: Owners,
    /// How a public answer was posted, for its 🗑️ button; `None` for a
    /// private answer, which its reader dismisses.
    pub delete: Option<Posted>,
}

/// The 👍 (`up`) or 👎 button, shown as `label`, for the passage at
/// `page` of `answer`.
pub(crate) fn rate_button(
    answer: &Answer,
    page: usize,
    asker: UserId,
    (up, label, style): (bool, &str, ButtonStyle),
) -> CreateButton {
    let rate = Button::Rate {
        asker,
        page,
        up,
        rated: answer.passages().get(page).map(|p| Rated {
            key: PassageKey::of(&p.id),
            score: p.score,
        }),
    };
    CreateButton::new(rate.id()).label(label).style(style)
}

/// "More answers": `page` of the answer, for its `owners`.
pub(crate) fn more_button(owners: Owners, page: usize) -> CreateButton {
    CreateButton::new(Button::More { owners, page }.id())
        .label("More answers")
        .style(ButtonStyle::Primary)
}

/// 🗑️ on an answer `posted` for `owners`.
pub(crate) fn delete_button(owners: Owners, posted: Posted) -> CreateButton {
    CreateButton::new(Button::Delete { owners, posted }.id())
        .label("🗑️")
        .style(ButtonStyle::Secondary)
}

/// Buttons under an answer: more answers (for its owners), 👍/👎 for the
/// passage shown (for anyone) and, on a public answer, 🗑️.
pub fn answer_buttons(answer: &Answer, page: usize, controls: Controls) -> Vec<CreateActionRow> {
    let page = page.min(answer.passages().len().saturating_sub(1));
    let asker = controls.owners.asker;
    let mut buttons = Vec::new();
    if page + 1 < answer.passages().len() {
        buttons.push(more_button(controls.owners, page + 1));
    }
    for rating in [
        (true, "👍", ButtonStyle::Secondary),
        (false, "👎", ButtonStyle::Secondary),
    ] {
        buttons.push(rate_button(answer, page, asker, rating));
    }
    if let Some(posted) = controls.delete {
        buttons.push(delete_button(controls.owners, posted));
    }
    buttons.truncate(limits::BUTTONS_PER_ROW);
    vec![CreateActionRow::Buttons(buttons)]
}

/// A full answer message: embed, buttons, no pings.
pub fn answer_message(
    answer: &Answer,
    page: usize,
    asker: UserId,
    ephemeral: bool,
) -> CreateInteractionResponseMessage {
    let controls = Controls {
        owners: Owners::asker(asker),
        delete: (!ephemeral).then_some(Posted::Interaction),
    };
    CreateInteractionResponseMessage::new()
        .embed(answer_embed(answer, page))
        .components(answer_buttons(answer, page, controls))
        .allowed_mentions(no_pings())
        .ephemeral(ephemeral)
}

/// A public answer posted for `target` at `asker`'s request: it mentions
/// the target, and pings the target and nobody else.
pub fn answer_for(
    answer: &Answer,
    asker: UserId,
    target: UserId,
) -> CreateInteractionResponseMessage {
    let controls = Controls {
        owners: Owners {
            asker,
            target: Some(target),
        },
        delete: Some(Posted::Interaction),
    };
    CreateInteractionResponseMessage::new()
        .content(format!(
            "<@{target}>, <@{asker}> thought this answer would help you:"
        ))
        .embed(answer_embed(answer, 0))
        .components(answer_buttons(answer, 0, controls))
        .allowed_mentions(only_pings(target))
}

/// Mentions allowed for exactly one user: no @everyone, no roles, no reply ping.
fn only_pings(user: UserId) -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .users([user])
        .replied_user(false)
}

/// A short text reply (refusals, "I don't know that one"), no pings.
pub fn notice(text: &str, ephemeral: bool) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .content(fit(text, limits::CONTENT))
        .allowed_mentions(no_pings())
        .ephemeral(ephemeral)
}

/// The reply to a question that cannot be answered.
pub fn unanswered(answer: &Answer) -> CreateInteractionResponseMessage {
    let mut text = answer
        .message()
        .unwrap_or("I don't know that one.")
        .to_string();
    if !answer.is_answered() && answer.suggestions().is_empty() {
        text.push_str(" Try /topics to see what I know.");
    }
    notice(&escape_mentions(&text), true)
}

/// The errors among knowledge `problems`, one line each, as
/// `` `file:line:column` message ``.
pub fn problem_lines(problems: &[crate::knowledge::Problem]) -> Vec<String> {
    problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| {
            format!(
                "`{}:{}:{}` {}",
                p.file,
                p.line,
                p.column,
                escape(&p.message)
            )
        })
        .collect()
}

/// An embed saying that something failed, titled `title`, with `lines`.
pub fn failure(title: &str, lines: &[String]) -> CreateEmbed {
    CreateEmbed::new()
        .colour(FAILURE_COLOUR)
        .title(title)
        .description(fit(&lines.join("\n"), limits::DESCRIPTION))
}

/// Neutralises @everyone/@here in text that is not otherwise escaped.
pub fn escape_mentions(text: &str) -> String {
    text.replace('@', "@\u{200b}")
}

/// Characters left in one embed's 6,000.
struct Budget(usize);

impl Budget {
    /// `text` cut to `max` and to what is left, which it then uses up.
    fn take(&mut self, text: &str, max: usize) -> String {
        let text = fit(text, max.min(self.0));
        self.0 = self.0.saturating_sub(text.chars().count());
        text
    }
}

/// An embed listing named groups (fields), each cut to Discord's limits;
/// groups that do not fit are counted in the footer ("…and 3 more").
pub fn listing(title: &str, description: &str, groups: &[(String, String)]) -> CreateEmbed {
    let mut budget = Budget(limits::EMBED_TOTAL);
    // Room for the "and N more" footer is kept aside.
    budget.0 -= 40;
    let mut embed = CreateEmbed::new()
        .colour(COLOUR)
        .title(budget.take(title, limits::TITLE))
        .description(budget.take(description, limits::DESCRIPTION.min(1000)));
    let mut shown = 0;
    for (name, value) in groups.iter().take(limits::FIELDS) {
        // Stop while a field can still say something useful.
        if budget.0 < 120 {
            break;
        }
        let name = budget.take(name, limits::FIELD_NAME.min(budget.0 / 3));
        let value = budget.take(value, limits::FIELD_VALUE);
        if name.is_empty() || value.is_empty() {
            break;
        }
        embed = embed.field(name, value, false);
        shown += 1;
    }
    if shown < groups.len() {
        embed = embed.footer(CreateEmbedFooter::new(format!(
            "…and {} more.",
            groups.len() - shown
        )));
    }
    embed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embed_url_is_a_uri_whatever_the_source_holds() {
        let is_uri = |u: &str| {
            u.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b))
        };
        for source in [
            "https://example.com/a|b/{c}?q=x y",
            "https://exämple.com/caf\u{e9} menu#part 2",
            "https://example.com/%7Balready%7D",
            "https://example.com/100%",
            "https://example.com/a%zzb",
            "https://example.com/#a#b",
        ] {
            let url = uri(source).expect("an http(s) address");
            assert!(is_uri(&url), "{source} -> {url}");
            assert!(url.starts_with("https://"), "{url}");
        }
        assert_eq!(
            uri("https://example.com/a b").as_deref(),
            Some("https://example.com/a%20b")
        );
        assert_eq!(
            uri("https://example.com/100%").as_deref(),
            Some("https://example.com/100%25")
        );
        assert_eq!(
            uri("https://example.com/#a#b").as_deref(),
            Some("https://example.com/#a%23b")
        );
        assert_eq!(
            uri("https://example.com/%7B").as_deref(),
            Some("https://example.com/%7B")
        );
        assert_eq!(
            uri("https://xn--exmple-cua.com/").as_deref(),
            Some("https://xn--exmple-cua.com/")
        );
        assert_eq!(uri("ftp://example.com/"), None);
        assert_eq!(uri("not a url"), None);
    }

    #[test]
    fn fit_cuts_on_characters_and_marks_the_cut() {
        assert_eq!(fit("héllo", 10), "héllo");
        assert_eq!(fit("héllo wörld", 5), "héll…");
        assert_eq!(fit("", 3), "");
        assert_eq!(fit("abc", 0), "", "no room means nothing, not an ellipsis");
    }

    #[test]
    fn escape_keeps_markdown_and_mentions_inert() {
        assert_eq!(
            escape("C# *bold* @everyone <@&1>"),
            "C\\# \\*bold\\* \\@everyone \\<\\@&1>"
        );
    }
}
