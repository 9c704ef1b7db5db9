//! The second half of "Mark solution", on either transport: the thread and
//! its forum are read from Discord (the interaction carries neither the
//! post's owner nor the forum's tags), the presser is checked against the
//! post's owner, the forum's solved tag is added to the post's tags within
//! Discord's five, and the thread is told who solved it. The deferred
//! private response then says what was done.

use serenity::builder::{Builder as _, EditInteractionResponse, EditThread};
use serenity::http::Http;
use serenity::model::channel::{Channel, ChannelType, GuildChannel};
use serenity::model::id::{ChannelId, ForumTagId, MessageId, UserId};

use super::service::Settings;
use crate::discord::gap_form;
use crate::discord::messages::solved;
use crate::discord::render::{fit, no_pings};
use crate::discord::reply::Solution;
use crate::insights::{unix_now, SolutionRecord};
use crate::knowledge::community;

/// Tags a forum post may carry (Discord's limit).
const MAX_TAGS: usize = 5;

/// Marks `solution`, then edits the deferred response (by `token`).
pub async fn finish_mark_solution(
    http: &Http,
    settings: &Settings,
    token: &str,
    solution: Solution,
) {
    let said = match mark(http, settings, &solution).await {
        Ok(said) | Err(said) => said,
    };
    let reply = EditInteractionResponse::new()
        .content(said)
        .allowed_mentions(no_pings());
    if let Err(e) = reply.execute(http, token).await {
        tracing::warn!(error = %e, "could not edit the mark-solution response");
    }
}

/// What was done, or why nothing was.
async fn mark(http: &Http, settings: &Settings, solution: &Solution) -> Result<String, String> {
    let thread = guild_channel(http, solution.thread).await?;
    let owner = thread.owner_id == Some(solution.presser);
    if !owner && !solution.moderator {
        return Err("Only the post's owner or a moderator can mark its solution.".to_string());
    }
    let tagged = tag_solved_post(http, settings, &thread).await?;
    let link = solution.message.link(solution.thread, Some(solution.guild));
    if let Err(e) = solution
        .thread
        .send_message(http, solved(&solution.author, &link))
        .await
    {
        tracing::warn!(error = %e, "could not say a post was solved");
    }
    tracing::info!(thread = %solution.thread, "a post's solution was marked");
    let recorded = record_candidate(http, settings, solution, &thread, link).await;
    let next = if recorded {
        " Moderators can save it as an answer from /gaps."
    } else {
        ""
    };
    Ok(format!("Marked as the solution. {tagged}{next}"))
}

/// Records `solution` as a solution to save, when insights are on and it
/// is one: a member's text, not marked by its own author unless a
/// moderator did. Whether it was recorded.
async fn record_candidate(
    http: &Http,
    settings: &Settings,
    solution: &Solution,
    thread: &GuildChannel,
    link: String,
) -> bool {
    let Some(insights) = &settings.insights else {
        return false;
    };
    if solution.text.is_empty() || (solution.self_marked && !solution.moderator) {
        return false;
    }
    insights.solution(SolutionRecord {
        at: unix_now(),
        guild: Some(solution.guild.get()),
        thread: solution.thread.get(),
        message: solution.message.get(),
        question: post_question(http, thread).await,
        answer: fit(&solution.text, community::MAX_ANSWER),
        author: fit(&solution.author, community::MAX_HEADING),
        link,
        saved: None,
    })
}

/// A post's question: its title, then its first message (the post's
/// starter, whose id is the thread's) when careerbot can read its text.
async fn post_question(http: &Http, thread: &GuildChannel) -> String {
    let first = http
        .get_message(thread.id, MessageId::new(thread.id.get()))
        .await
        .map(|m| m.content)
        .unwrap_or_default();
    gap_form::post_question(&gap_form::without_mentions(&thread.name), &first)
}

/// Completes a "Save as answer" form opened in a thread (`outcome`'s
/// [`Starter`](gap_form::Starter)): the thread's first message joins its question, read
/// within [`STARTER_WAIT`] so the form still opens inside Discord's 3 s;
/// otherwise the form keeps the title alone.
pub async fn read_starter(
    http: &Http,
    outcome: &mut super::service::Outcome,
    started: std::time::Instant,
) {
    let Some(starter) = outcome.starter.take() else {
        return;
    };
    // Within what is left of Discord's 3 s once the interaction waited for
    // a slot and was served, keeping room to send the form.
    let left = RESPOND_WITHIN.saturating_sub(started.elapsed());
    let wait = left.min(STARTER_WAIT);
    if wait < MIN_STARTER_WAIT {
        tracing::warn!("no time left to read a thread's first message; the form has its title");
        return;
    }
    let first = MessageId::new(starter.thread.get());
    match tokio::time::timeout(wait, http.get_message(starter.thread, first)).await {
        Ok(Ok(message)) => outcome.response = starter.form(&message.content),
        Ok(Err(e)) => tracing::debug!(error = %e, "a thread's first message is unreadable"),
        Err(_) => tracing::warn!("a thread's first message took too long; the form has its title"),
    }
}

/// How long a "Save as answer" form waits for its thread's first message
/// at most.
const STARTER_WAIT: std::time::Duration = std::time::Duration::from_millis(1200);
/// Shorter waits are not worth a request.
const MIN_STARTER_WAIT: std::time::Duration = std::time::Duration::from_millis(150);
/// When, after an interaction arrived, its form must be on its way: Discord
/// allows 3 s, and sending takes a round trip.
const RESPOND_WITHIN: std::time::Duration = std::time::Duration::from_millis(2300);

/// Tags the post `thread` solved when its `owner` said Yes to careerbot's
/// forum answer; logs what was done, or why nothing was.
pub async fn tag_solved(http: &Http, settings: &Settings, thread: ChannelId, owner: UserId) {
    let tagged = match guild_channel(http, thread).await {
        Ok(post) if post.owner_id == Some(owner) => tag_solved_post(http, settings, &post).await,
        Ok(_) => Err("the Yes was not the post's owner's".to_string()),
        Err(why) => Err(why),
    };
    match tagged {
        Ok(said) => {
            tracing::info!(%thread, said, "a post's owner said careerbot's answer solved it")
        }
        Err(why) => tracing::warn!(%thread, why, "a post's owner said Yes; it was not tagged"),
    }
}

/// Adds the forum's solved tag to the post `thread`: what was done, or why
/// nothing could be.
async fn tag_solved_post(
    http: &Http,
    settings: &Settings,
    thread: &GuildChannel,
) -> Result<String, String> {
    let forum = match thread.parent_id {
        Some(parent) => guild_channel(http, parent).await?,
        None => return Err(NOT_A_POST.to_string()),
    };
    if forum.kind != ChannelType::Forum {
        return Err(NOT_A_POST.to_string());
    }
    match solved_tag(&forum, &settings.solved_tag) {
        Some(tag) => Ok(tag_post(http, thread, tag).await),
        None => Ok(format!(
            "This forum has no tag named “{}”, so no tag was applied.",
            settings.solved_tag
        )),
    }
}

const NOT_A_POST: &str = "Mark solution works on a reply in a help-forum post.";

/// The channel `id` as a server channel, or why it cannot be read.
async fn guild_channel(http: &Http, id: ChannelId) -> Result<GuildChannel, String> {
    match http.get_channel(id).await {
        Ok(Channel::Guild(channel)) => Ok(channel),
        Ok(_) => Err(NOT_A_POST.to_string()),
        Err(e) => {
            tracing::warn!(error = %e, channel = %id, "could not read a channel");
            Err("I can't read this post right now; please try again.".to_string())
        }
    }
}

/// The forum's tag named `name`, matched case-insensitively.
fn solved_tag(forum: &GuildChannel, name: &str) -> Option<ForumTagId> {
    let name = name.trim().to_lowercase();
    forum
        .available_tags
        .iter()
        .find(|t| t.name.trim().to_lowercase() == name)
        .map(|t| t.id)
}

/// Adds `tag` to the post's tags: kept as they are when it has it, and
/// within Discord's five (the last other tag gives way). What was done,
/// or why it could not be.
async fn tag_post(http: &Http, thread: &GuildChannel, tag: ForumTagId) -> String {
    if thread.applied_tags.contains(&tag) {
        return "The post already had the solved tag.".to_string();
    }
    let mut tags: Vec<ForumTagId> = thread.applied_tags.clone();
    tags.truncate(MAX_TAGS - 1);
    tags.push(tag);
    match thread
        .id
        .edit_thread(http, EditThread::new().applied_tags(tags))
        .await
    {
        Ok(_) => "The post has the solved tag.".to_string(),
        Err(e) => {
            tracing::warn!(error = %e, "could not tag a post solved");
            "I couldn't apply the solved tag (I need Manage Threads in this forum).".to_string()
        }
    }
}
