//! Answering a gap from Discord: the form "Answer this" opens under a
//! `/gaps` group (a modal with the question, the answer and an optional
//! heading), and the same form "Save as answer" opens on a member's
//! message, prefilled and crediting its author; reading either back when it
//! is submitted, and the reply once the answer is written and the
//! knowledge reloaded. Pure.

use serenity::builder::{
    CreateActionRow, CreateEmbed, CreateInputText, CreateInteractionResponse, CreateModal,
    EditInteractionResponse,
};
use serenity::model::application::{ActionRowComponent, InputTextStyle, ModalInteraction};
use serenity::model::id::{ChannelId, MessageId};

use super::render::{self, escape, fit, limits, no_pings};
use crate::knowledge::community::{self, CommunityAnswer};
use crate::live::{EditError, ReloadSummary};

/// The form's custom id.
pub const FORM: &str = "gap-answer-form";
/// Its question field: a phrasing of the answer.
pub const QUESTION: &str = "question";
/// Its answer field.
pub const ANSWER: &str = "answer";
/// Its heading field.
pub const HEADING: &str = "heading";

/// Longest answer: one passage ([`community::MAX_ANSWER`]).
const MAX_ANSWER: u16 = community::MAX_ANSWER as u16;
/// Longest heading ([`community::MAX_HEADING`]).
const MAX_HEADING: u16 = community::MAX_HEADING as u16;

/// The form to answer `question`, opened by "Answer this".
pub fn form(question: &str) -> CreateInteractionResponse {
    modal(
        FORM.to_string(),
        "Answer this gap",
        &Prefill {
            question: question.to_string(),
            ..Prefill::default()
        },
    )
}

/// What a form opens with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefill {
    /// The question, in members' words.
    pub question: String,
    /// The answer.
    pub answer: String,
    /// The heading.
    pub heading: String,
}

/// The form with `custom_id`, titled `title`, opened with `prefill`, each
/// value cut to what its field takes (Discord refuses a longer one).
fn modal(custom_id: String, title: &str, prefill: &Prefill) -> CreateInteractionResponse {
    let value = |text: &str, max: u16| fit(text.trim(), usize::from(max));
    let with = |input: CreateInputText, text: String| {
        if text.is_empty() {
            input
        } else {
            input.value(text)
        }
    };
    let fields = vec![
        with(
            CreateInputText::new(
                InputTextStyle::Paragraph,
                "Question (members' words)",
                QUESTION,
            )
            .min_length(1)
            .max_length(limits::QUESTION)
            .required(true),
            value(&prefill.question, limits::QUESTION),
        ),
        with(
            CreateInputText::new(InputTextStyle::Paragraph, "Answer (Markdown)", ANSWER)
                .placeholder("What careerbot should answer when a member asks this")
                .min_length(1)
                .max_length(MAX_ANSWER)
                .required(true),
            value(&prefill.answer, MAX_ANSWER),
        ),
        with(
            CreateInputText::new(InputTextStyle::Short, "Heading (optional)", HEADING)
                .placeholder("The section's title; the question when left empty")
                .max_length(MAX_HEADING)
                .required(false),
            value(&prefill.heading, MAX_HEADING),
        ),
    ];
    CreateInteractionResponse::Modal(
        CreateModal::new(custom_id, title)
            .components(fields.into_iter().map(CreateActionRow::InputText).collect()),
    )
}

/// `text` without Discord's mention and custom emoji markup (`<@1>`,
/// `<@!1>`, `<@&1>`, `<#1>`, `<:name:1>`, `<a:name:1>`): a question that
/// named careerbot ("@careerbot how do I…") is saved as the question, and
/// a heading never shows `<@1190…>`. Punctuation that followed the markup
/// closes up to the word before it ("my offer <@1>." is "my offer.").
pub fn without_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        match after.find('>').filter(|&end| is_markup(&after[1..end])) {
            Some(end) => {
                rest = &after[end + 1..];
                if rest.starts_with(['.', ',', '!', '?', ';', ':', ')']) {
                    out.truncate(out.trim_end().len());
                }
            }
            None => {
                out.push('<');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    crate::knowledge::squash(&out)
}

/// Whether `inner` (between `<` and `>`) is mention or custom emoji markup.
fn is_markup(inner: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(id) = inner
        .strip_prefix("@&")
        .or_else(|| inner.strip_prefix("@!"))
        .or_else(|| inner.strip_prefix('@'))
        .or_else(|| inner.strip_prefix('#'))
    {
        return digits(id);
    }
    let emoji = inner.strip_prefix("a:").or_else(|| inner.strip_prefix(':'));
    emoji
        .and_then(|e| e.rsplit_once(':'))
        .is_some_and(|(name, id)| !name.is_empty() && name.len() <= 32 && digits(id))
}

/// A help-forum post's question, as a form takes it: its `title`, then its
/// `first` message without mention markup (when it has text), within the
/// question field.
pub fn post_question(title: &str, first: &str) -> String {
    let title = title.trim();
    let first = without_mentions(first);
    let question = if first.is_empty() {
        title.to_string()
    } else {
        format!("{title}\n\n{first}")
    };
    fit(&question, usize::from(limits::QUESTION))
}

/// A "Save as answer" form on a message in a thread that replies to
/// nothing: its question is the thread's title, and its first message
/// once the transport has read it (the interaction does not carry it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Starter {
    /// The thread, whose first message has the thread's id.
    pub thread: ChannelId,
    /// The form as the interaction alone fills it (the title).
    pub prefill: Prefill,
    /// The message it saves.
    pub source: Source,
}

impl Starter {
    /// The form with the thread's `first` message added to the question.
    pub fn form(&self, first: &str) -> CreateInteractionResponse {
        let prefill = Prefill {
            question: post_question(&self.prefill.question, first),
            ..self.prefill.clone()
        };
        save_form(&prefill, &self.source)
    }
}

/// A heading from a question: its first line up to its first question
/// mark, without Markdown's line markers, capitalized, within the heading's
/// limit.
pub fn heading_of(question: &str) -> String {
    let line = question
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches(['#', '>', '-', '*', ' '])
                .trim()
        })
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let sentence = match line.find('?') {
        Some(end) => &line[..=end],
        None => line,
    };
    let mut chars = sentence.chars();
    let capitalized: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    fit(&capitalized, community::MAX_HEADING)
}

/// The "Save as answer" form's custom id starts with this, followed by
/// the [`Source`]: `save-answer:{channel}:{message}:{author}`.
pub const SAVE_FORM: &str = "save-answer";

/// The member's message a "Save as answer" form saves, and its author's
/// display name, carried in the form's custom id to the submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The channel (or thread) it is in.
    pub channel: ChannelId,
    /// The message.
    pub message: MessageId,
    /// Its author's display name, as the entry credits them.
    pub author: String,
}

impl Source {
    /// The form's custom id: the author's name is cut to fit Discord's 100
    /// characters.
    fn id(&self) -> String {
        let head = format!("{SAVE_FORM}:{}:{}:", self.channel, self.message);
        let room = limits::CUSTOM_ID.saturating_sub(head.chars().count());
        format!(
            "{head}{}",
            self.author.chars().take(room).collect::<String>()
        )
    }

    /// The source a custom id names; `None` for any other id, or one whose
    /// ids are not snowflakes.
    pub fn parse(id: &str) -> Option<Source> {
        let rest = id.strip_prefix(SAVE_FORM)?.strip_prefix(':')?;
        let mut parts = rest.splitn(3, ':');
        let snowflake = |part: Option<&str>| part?.parse::<u64>().ok().filter(|n| *n != 0);
        let channel = snowflake(parts.next())?;
        let message = snowflake(parts.next())?;
        Some(Source {
            channel: ChannelId::new(channel),
            message: MessageId::new(message),
            author: parts.next().unwrap_or("").to_string(),
        })
    }
}

/// The "Save as answer" form on the message `source`, opened with `prefill`.
pub fn save_form(prefill: &Prefill, source: &Source) -> CreateInteractionResponse {
    modal(source.id(), "Save as answer", prefill)
}

/// Whether a submitted form's custom id is one of careerbot's forms.
pub fn is_form(custom_id: &str) -> bool {
    custom_id == FORM || Source::parse(custom_id).is_some()
}

/// The value of the form's field `id` (empty when absent).
fn field<'a>(modal: &'a ModalInteraction, id: &str) -> &'a str {
    modal
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|c| match c {
            ActionRowComponent::InputText(input) if input.custom_id == id => input.value.as_deref(),
            _ => None,
        })
        .unwrap_or("")
}

/// The answer a submitted form holds: by the moderator who wrote it, or,
/// for a saved message, by the message's author.
///
/// # Errors
/// The sentence to show when it holds no question or no answer.
pub fn read(modal: &ModalInteraction) -> Result<CommunityAnswer, &'static str> {
    let answer = CommunityAnswer {
        question: fit(field(modal, QUESTION).trim(), usize::from(limits::QUESTION)),
        heading: field(modal, HEADING).trim().to_string(),
        answer: field(modal, ANSWER).to_string(),
        by: modal.member.as_ref().map_or_else(
            || modal.user.display_name().to_string(),
            |m| m.display_name().to_string(),
        ),
        at: String::new(),
        link: String::new(),
    };
    // A saved message credits its author, with a link to where they wrote it.
    let answer = match Source::parse(&modal.data.custom_id) {
        Some(source) => CommunityAnswer {
            by: source.author.clone(),
            link: source.message.link(source.channel, modal.guild_id),
            ..answer
        },
        None => answer,
    };
    if answer.question.is_empty() {
        return Err("The form had no question: nothing was written.");
    }
    if answer.answer.trim().is_empty() {
        return Err("The form had no answer: nothing was written.");
    }
    // Discord enforces the form's limit; a forged submit is refused, not cut.
    if answer.answer.chars().count() > usize::from(MAX_ANSWER) {
        return Err("The answer is longer than the form allows: nothing was written.");
    }
    Ok(answer)
}

/// The reply that replaces the deferred response to a submitted form.
pub fn written(
    answer: &CommunityAnswer,
    result: &Result<ReloadSummary, EditError>,
) -> EditInteractionResponse {
    let question = escape(&fit(&answer.question, 200));
    // A saved message is its author's answer, not the moderator's.
    let whose = match (answer.link.is_empty(), answer.by.trim()) {
        (true, _) => "your".to_string(),
        (false, "") => "this".to_string(),
        (false, by) => format!("{}'s", escape(&fit(by, 100))),
    };
    let embed = match result {
        Ok(summary) => CreateEmbed::new()
            .colour(render::COLOUR)
            .title("Answer added")
            .description(fit(
                &format!(
                    "Added to `{}` and now serving version {} ({} passage(s)). The next member who asks “{question}” gets {whose} answer.",
                    community::FILE,
                    summary.version,
                    summary.passages
                ),
                limits::DESCRIPTION,
            )),
        Err(error) => {
            let mut lines = vec![match error {
                EditError::Invalid(_) => "The knowledge base would not load with this answer, so nothing was written:".to_string(),
                other => escape(&other.to_string()),
            }];
            lines.extend(render::problem_lines(error.problems()));
            render::failure("Answer not added: still serving the previous knowledge", &lines)
        }
    };
    EditInteractionResponse::new()
        .embed(embed)
        .allowed_mentions(no_pings())
}
