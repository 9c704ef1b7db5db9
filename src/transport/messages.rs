//! The gateway's answers outside interactions: a message that mentions
//! careerbot gets a reply in its channel, and a new post in one of the
//! `auto_answer_channels` forums gets an answer in its thread. The
//! messages themselves are built by [`crate::discord::messages`].

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serenity::builder::CreateMessage;
use serenity::http::Http;
use serenity::model::channel::{GuildChannel, Message, MessageType};
use serenity::model::id::{ChannelId, GuildId, UserId};
use tokio::sync::oneshot;

use super::metrics::Kind;
use super::service::{slot, Settings};
use crate::discord::messages::{
    asked, forum_question, forum_reply, mention_hint, mention_reply, Asked,
};
use crate::discord::render::MAX_PAGES;
use crate::live::Live;

/// How long a new post's answer waits for its first message, which
/// Discord may deliver after the thread; then the title alone is asked.
pub const STARTER_WAIT: Duration = Duration::from_secs(2);

/// How old a thread may be and still count as a new post: a thread
/// careerbot is shown later (a reconnect, being added to it) is not
/// answered.
const NEW_POST: Duration = Duration::from_secs(15 * 60);

/// How long a post is remembered (its first message, or that it was
/// answered), and how many at most.
const REMEMBER: Duration = Duration::from_secs(5 * 60);
const REMEMBER_AT_MOST: usize = 4096;

/// The forums whose new posts careerbot answers, and the posts in flight:
/// a post is its thread (THREAD_CREATE) and its first message
/// (MESSAGE_CREATE, whose id is the thread's), in either order.
#[derive(Debug, Default)]
pub struct Forums {
    channels: HashSet<ChannelId>,
    posts: Mutex<HashMap<ChannelId, (Post, Instant)>>,
}

#[derive(Debug)]
enum Post {
    /// The first message came first.
    Starter(String),
    /// The thread came first and waits for its first message.
    Waiting(oneshot::Sender<String>),
    /// Answered (or being answered): never again.
    Claimed,
}

/// What the thread's handler does next.
#[derive(Debug)]
pub enum Claim {
    /// Ask with this first message.
    Have(String),
    /// Wait (up to [`STARTER_WAIT`]) for the first message.
    Wait(oneshot::Receiver<String>),
    /// Someone already answered this post.
    Done,
}

impl Forums {
    /// Watches `channels`.
    pub fn new(channels: impl IntoIterator<Item = ChannelId>) -> Self {
        Forums {
            channels: channels.into_iter().collect(),
            posts: Mutex::default(),
        }
    }

    /// Whether any forum is watched.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// Whether a thread under `parent` is a watched forum's post.
    pub fn watches(&self, parent: Option<ChannelId>) -> bool {
        parent.is_some_and(|p| self.channels.contains(&p))
    }

    /// A post's first message arrived.
    pub fn starter(&self, thread: ChannelId, content: String, now: Instant) {
        if self.is_empty() {
            return;
        }
        let mut posts = self.lock(now);
        match posts.remove(&thread) {
            Some((Post::Waiting(waiting), at)) => {
                let _ = waiting.send(content);
                posts.insert(thread, (Post::Claimed, at));
            }
            Some(known) => {
                posts.insert(thread, known);
            }
            None if posts.len() < REMEMBER_AT_MOST => {
                posts.insert(thread, (Post::Starter(content), now));
            }
            None => {}
        }
    }

    /// The thread of a post arrived: claims it for answering.
    pub fn claim(&self, thread: ChannelId, now: Instant) -> Claim {
        let mut posts = self.lock(now);
        match posts.remove(&thread) {
            Some((Post::Starter(content), at)) => {
                posts.insert(thread, (Post::Claimed, at));
                Claim::Have(content)
            }
            Some(known) => {
                posts.insert(thread, known);
                Claim::Done
            }
            None => {
                let (tx, rx) = oneshot::channel();
                posts.insert(thread, (Post::Waiting(tx), now));
                Claim::Wait(rx)
            }
        }
    }

    /// Whether `thread` is a post careerbot answers (its thread came).
    pub fn answers(&self, thread: ChannelId) -> bool {
        self.posts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&thread)
            .is_some_and(|(post, _)| !matches!(post, Post::Starter(_)))
    }

    /// The posts, with those older than [`REMEMBER`] forgotten.
    fn lock(&self, now: Instant) -> std::sync::MutexGuard<'_, HashMap<ChannelId, (Post, Instant)>> {
        let mut posts = self.posts.lock().unwrap_or_else(|p| p.into_inner());
        if posts.len() >= REMEMBER_AT_MOST / 2 {
            posts.retain(|_, (_, at)| now.saturating_duration_since(*at) < REMEMBER);
        }
        posts
    }
}

/// What answering outside interactions needs.
pub struct Answering<'a> {
    /// Where replies are sent.
    pub http: &'a Http,
    /// The knowledge.
    pub live: &'a Live,
    /// The bounds, cooldowns and insights interactions use too.
    pub settings: &'a Settings,
    /// The watched forums.
    pub forums: &'a Forums,
}

impl Answering<'_> {
    /// MESSAGE_CREATE: remembers a post's first message, and answers a
    /// member's message that mentions `bot` (unless it is a post careerbot
    /// answers as a post) or is sent to it directly. Bots, webhooks and
    /// system messages are never answered.
    pub async fn message(&self, bot: UserId, msg: &Message) {
        let by_member = matches!(msg.kind, MessageType::Regular | MessageType::InlineReply);
        if msg.author.bot || msg.webhook_id.is_some() || !by_member {
            return;
        }
        let direct = msg.guild_id.is_none();
        let starter = !direct && msg.id.get() == msg.channel_id.get();
        if starter {
            self.forums
                .starter(msg.channel_id, msg.content.clone(), Instant::now());
        }
        let mentioned = direct || msg.mentions.iter().any(|u| u.id == bot);
        if !mentioned || (starter && self.forums.answers(msg.channel_id)) {
            return;
        }
        let asked = asked(&msg.content, bot, direct);
        if asked == Asked::Nothing {
            return;
        }
        let started = Instant::now();
        let Some(_slot) = slot(self.settings, "a mention goes unanswered").await else {
            return;
        };
        if !self.exempt(msg) {
            let pause = self.settings.cooldown;
            if let Err(left) = self
                .settings
                .cooldowns
                .try_ask(msg.author.id, pause, started)
            {
                tracing::debug!(
                    left_ms = left.as_millis() as u64,
                    "a mention within the cooldown is ignored"
                );
                self.settings.metrics.rejected("cooldown");
                return;
            }
        }
        let reply_to = (msg.channel_id, msg.id);
        let reply = match asked {
            Asked::Nothing | Asked::Empty => mention_hint(reply_to),
            Asked::Question(question) => {
                let answer = self.ask(&question, msg.guild_id, msg.author.id);
                mention_reply(&answer, msg.author.id, reply_to)
            }
        };
        self.send(msg.channel_id, reply, "the reply to a mention")
            .await;
        let took = started.elapsed();
        self.settings.metrics.interaction(Kind::mention, "", took);
    }

    /// THREAD_CREATE: answers a new post in a watched forum in its thread,
    /// or records it as a gap when it is out of scope.
    pub async fn thread(&self, thread: &GuildChannel) {
        if !self.forums.watches(thread.parent_id) || !is_new(thread) {
            return;
        }
        let Some(owner) = thread.owner_id else { return };
        let starter = match self.forums.claim(thread.id, Instant::now()) {
            Claim::Have(content) => content,
            Claim::Wait(first) => match tokio::time::timeout(STARTER_WAIT, first).await {
                Ok(Ok(content)) => content,
                _ => String::new(),
            },
            Claim::Done => return,
        };
        let started = Instant::now();
        let Some(_slot) = slot(self.settings, "a forum post goes unanswered").await else {
            return;
        };
        let question = forum_question(&thread.name, &starter);
        let answer = self.ask(&question, Some(thread.guild_id), owner);
        match forum_reply(&answer, owner) {
            Some(reply) => self.send(thread.id, reply, "a forum answer").await,
            None => tracing::info!("a forum post is out of scope: recorded as a gap"),
        }
        let took = started.elapsed();
        self.settings.metrics.interaction(Kind::forum, "", took);
    }

    /// Asks the knowledge, recording the question for `/gaps` and `/stats`.
    fn ask(&self, question: &str, guild: Option<GuildId>, user: UserId) -> crate::answer::Answer {
        let snapshot = self.live.current();
        let answer = snapshot.ask_with(question, MAX_PAGES);
        if let Some(insights) = &self.settings.insights {
            insights.question(
                guild.map(GuildId::get),
                user.get(),
                &answer,
                snapshot.version,
            );
        }
        if !answer.is_answered() {
            self.settings.metrics.unanswered();
        }
        answer
    }

    /// Whether the author holds a moderator role, which the cooldown spares.
    fn exempt(&self, msg: &Message) -> bool {
        let roles = &self.settings.policy.moderator_roles;
        msg.member
            .as_ref()
            .is_some_and(|m| m.roles.iter().any(|r| roles.contains(r)))
    }

    async fn send(&self, channel: ChannelId, message: CreateMessage, what: &str) {
        if let Err(e) = channel.send_message(self.http, message).await {
            tracing::warn!(error = %e, "could not send {what}");
        }
    }
}

/// Whether `thread` was created a moment ago, so it is a new post.
fn is_new(thread: &GuildChannel) -> bool {
    let created = thread
        .thread_metadata
        .as_ref()
        .and_then(|m| m.create_timestamp);
    let Some(created) = created else { return false };
    let now = serenity::model::Timestamp::now().unix_timestamp();
    let age = now.saturating_sub(created.unix_timestamp());
    (-60..NEW_POST.as_secs() as i64).contains(&age)
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREAD: ChannelId = ChannelId::new(1190000000000000300);

    #[test]
    fn a_post_is_answered_once_whichever_of_its_thread_and_first_message_comes_first() {
        let now = Instant::now();
        let forums = Forums::new([ChannelId::new(1)]);
        forums.starter(THREAD, "first".into(), now);
        assert!(
            !forums.answers(THREAD),
            "not known to be a watched post yet"
        );
        assert!(matches!(forums.claim(THREAD, now), Claim::Have(c) if c == "first"));
        assert!(matches!(forums.claim(THREAD, now), Claim::Done), "once");
        assert!(forums.answers(THREAD));

        let other = ChannelId::new(1190000000000000301);
        let Claim::Wait(mut first) = forums.claim(other, now) else {
            panic!("the thread came first: it waits");
        };
        forums.starter(other, "late".into(), now);
        assert_eq!(first.try_recv().as_deref(), Ok("late"));
        assert!(matches!(forums.claim(other, now), Claim::Done));
    }

    #[test]
    fn without_watched_forums_nothing_is_remembered_and_memory_stays_bounded() {
        let now = Instant::now();
        let none = Forums::default();
        none.starter(THREAD, "x".into(), now);
        assert!(!none.answers(THREAD));
        assert!(!none.watches(Some(ChannelId::new(1))) && !none.watches(None));

        let forums = Forums::new([ChannelId::new(1)]);
        for i in 1..=(REMEMBER_AT_MOST as u64 * 2) {
            forums.starter(ChannelId::new(i), String::new(), now);
        }
        let held = forums.posts.lock().unwrap().len();
        assert!(held <= REMEMBER_AT_MOST, "{held}");
        let later = now + REMEMBER + Duration::from_secs(1);
        forums.starter(ChannelId::new(999_999), String::new(), later);
        assert_eq!(forums.posts.lock().unwrap().len(), 1, "old posts forgotten");
    }
}
