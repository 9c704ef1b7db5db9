//! Answering a gap from Discord: the form "Answer this" opens under a
//! `/gaps` group (a modal with the question, the answer and an optional
//! heading), reading it back when it is submitted, and the reply once the
//! answer is written and the knowledge reloaded. Pure.

use serenity::builder::{
    CreateActionRow, CreateEmbed, CreateInputText, CreateInteractionResponse, CreateModal,
    EditInteractionResponse,
};
use serenity::model::application::{ActionRowComponent, InputTextStyle, ModalInteraction};

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

/// The form to answer `question`, opened by "Answer this".
pub fn form(question: &str) -> CreateInteractionResponse {
    let question = fit(question.trim(), usize::from(limits::QUESTION));
    let fields = vec![
        CreateInputText::new(
            InputTextStyle::Paragraph,
            "Question (members' words)",
            QUESTION,
        )
        .value(question)
        .min_length(1)
        .max_length(limits::QUESTION)
        .required(true),
        CreateInputText::new(InputTextStyle::Paragraph, "Answer (Markdown)", ANSWER)
            .placeholder("What careerbot should answer when a member asks this")
            .min_length(1)
            .max_length(MAX_ANSWER)
            .required(true),
        CreateInputText::new(InputTextStyle::Short, "Heading (optional)", HEADING)
            .placeholder("The section's title; the question when left empty")
            .max_length(community::MAX_HEADING as u16)
            .required(false),
    ];
    CreateInteractionResponse::Modal(
        CreateModal::new(FORM, "Answer this gap")
            .components(fields.into_iter().map(CreateActionRow::InputText).collect()),
    )
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

/// The answer a submitted form holds.
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
    let embed = match result {
        Ok(summary) => CreateEmbed::new()
            .colour(render::COLOUR)
            .title("Answer added")
            .description(fit(
                &format!(
                    "Added to `{}` and now serving version {} ({} passage(s)). The next member who asks “{question}” gets your answer.",
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
