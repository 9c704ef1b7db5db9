//! The gateway's answers outside interactions: a message that mentions
//! careerbot gets a reply in its channel, and a new post in one of the
//! `auto_answer_channels` forums gets an answer in its thread. The
//! messages themselves are built by [`crate::discord::messages`].

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serenity::builder::CreateMessage;
use serenity::http::Http;
use serenity::model::channel::{ChannelType, GuildChannel, Message, MessageType};
use serenity::model::id::{ChannelId, GuildId, UserId};
use tokio::sync::oneshot;

use super::metrics::Kind;
use super::service::{slot, Settings};
use crate::discord::messages::{
    answered_in, asked, followed_up, forum_question, forum_reply, mention_hint, mention_reply,
    repeats, Asked,
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
/// answered): longer than a thread counts as new, so a post is never
/// answered twice. And how many at most.
const REMEMBER: Duration = Duration::from_secs(20 * 60);
const REMEMBER_AT_MOST: usize = 4096;

/// How often what is remembered is swept for posts older than [`REMEMBER`].
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// A post's first message as careerbot saw it: its text when a member
/// wrote it, `None` when a bot or a webhook did (such posts are not
/// answered).
pub type First = Option<String>;

/// The forums whose new posts careerbot answers, and the posts in flight:
/// a post is its thread (THREAD_CREATE) and its first message
/// (MESSAGE_CREATE, whose id is the thread's), in either order, and
/// each handled on a task of its own.
#[derive(Debug, Default)]
pub struct Forums {
    channels: HashSet<ChannelId>,
    posts: Mutex<Posts>,
}

#[derive(Debug, Default)]
struct Posts {
    posts: HashMap<ChannelId, (Post, Instant)>,
    swept: Option<Instant>,
}

#[derive(Debug)]
enum Post {
    /// The first message came first; `claimed` tells a mention of
    /// careerbot in it that the post is answered as a post.
    Starter {
        first: First,
        claimed: Option<oneshot::Sender<()>>,
    },
    /// The thread came first and waits for its first message.
    Waiting(oneshot::Sender<First>),
    /// Answered (or being answered), or not to be: never again.
    Claimed,
}

/// What the thread's handler does next.
#[derive(Debug)]
pub enum Claim {
    /// Ask with this first message.
    Have(First),
    /// Wait (up to [`STARTER_WAIT`]) for the first message.
    Wait(oneshot::Receiver<First>),
    /// Someone already answered this post.
    Done,
}

/// What a first message's arrival means for a mention of careerbot in it.
#[derive(Debug)]
pub enum Arrived {
    /// Its post is answered as a post: the mention gets no reply of its own.
    Claimed,
    /// Its thread has not come yet. This says when the post is claimed;
    /// it closes when its thread turns out not to be a watched post.
    Pending(oneshot::Receiver<()>),
    /// Not a watched post, as far as anyone can tell.
    Unknown,
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
    pub fn starter(&self, thread: ChannelId, first: First, now: Instant) -> Arrived {
        if self.is_empty() {
            return Arrived::Unknown;
        }
        let mut posts = self.lock(now);
        match posts.remove(&thread) {
            Some((Post::Waiting(waiting), at)) => {
                let _ = waiting.send(first);
                posts.insert(thread, (Post::Claimed, at));
                Arrived::Claimed
            }
            Some((Post::Claimed, at)) => {
                posts.insert(thread, (Post::Claimed, at));
                Arrived::Claimed
            }
            Some(known) => {
                posts.insert(thread, known);
                Arrived::Unknown
            }
            None => {
                let (tx, rx) = oneshot::channel();
                let claimed = Some(tx);
                posts.remember(thread, Post::Starter { first, claimed }, now);
                Arrived::Pending(rx)
            }
        }
    }

    /// The thread of a watched post arrived: claims it for answering.
    pub fn claim(&self, thread: ChannelId, now: Instant) -> Claim {
        let mut posts = self.lock(now);
        match posts.remove(&thread) {
            Some((Post::Starter { first, claimed }, at)) => {
                if let Some(claimed) = claimed {
                    let _ = claimed.send(());
                }
                posts.insert(thread, (Post::Claimed, at));
                Claim::Have(first)
            }
            Some(known) => {
                posts.insert(thread, known);
                Claim::Done
            }
            None => {
                let (tx, rx) = oneshot::channel();
                posts.remember(thread, Post::Waiting(tx), now);
                Claim::Wait(rx)
            }
        }
    }

    /// The thread is not a watched post: forgets its first message (a
    /// mention waiting in it goes ahead).
    pub fn forget(&self, thread: ChannelId, now: Instant) {
        let mut posts = self.lock(now);
        if let Some((Post::Starter { .. }, _)) = posts.get(&thread) {
            posts.remove(&thread);
        }
    }

    /// The posts, with those older than [`REMEMBER`] forgotten (swept at
    /// most every [`SWEEP_EVERY`], and whenever full).
    fn lock(&self, now: Instant) -> std::sync::MutexGuard<'_, Posts> {
        let mut posts = self.posts.lock().unwrap_or_else(|p| p.into_inner());
        let due = posts
            .swept
            .is_none_or(|at| now.saturating_duration_since(at) >= SWEEP_EVERY);
        if due || posts.len() >= REMEMBER_AT_MOST {
            posts
                .posts
                .retain(|_, (_, at)| now.saturating_duration_since(*at) < REMEMBER);
            posts.swept = Some(now);
        }
        posts
    }
}

impl Posts {
    /// Remembers a post not remembered yet; when [`REMEMBER_AT_MOST`] are,
    /// the oldest is forgotten first, so a flood of posts can neither grow
    /// the memory nor keep the next post from being remembered.
    fn remember(&mut self, thread: ChannelId, post: Post, now: Instant) {
        if self.posts.len() >= REMEMBER_AT_MOST {
            let oldest = self
                .posts
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(t, _)| *t);
            if let Some(oldest) = oldest {
                self.posts.remove(&oldest);
            }
        }
        self.posts.insert(thread, (post, now));
    }
}

impl std::ops::Deref for Posts {
    type Target = HashMap<ChannelId, (Post, Instant)>;

    fn deref(&self) -> &Self::Target {
        &self.posts
    }
}

impl std::ops::DerefMut for Posts {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.posts
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
    /// member's message that mentions `bot`, is sent to it directly, or
    /// replies to one of its answers (a follow-up), unless it is the first
    /// message of a post careerbot answers as a post. Bots, webhooks and
    /// system messages are never answered.
    pub async fn message(&self, bot: UserId, msg: &Message) {
        let by_member = !msg.author.bot
            && msg.webhook_id.is_none()
            && matches!(msg.kind, MessageType::Regular | MessageType::InlineReply);
        let direct = msg.guild_id.is_none();
        let arrived = if !direct && msg.id.get() == msg.channel_id.get() {
            let first = by_member.then(|| msg.content.clone());
            self.forums.starter(msg.channel_id, first, Instant::now())
        } else {
            Arrived::Unknown
        };
        if !by_member {
            return;
        }
        let replied = msg.referenced_message.as_deref();
        let mentioned = direct || msg.mentions.iter().any(|u| u.id == bot);
        let asked = match replied.and_then(|r| answered_in(r, bot)) {
            Some(earlier) => followed_up(&msg.content, bot, earlier, direct),
            None if mentioned => asked(&msg.content, bot, direct),
            None => return,
        };
        if asked == Asked::Nothing || answered_as_post(arrived).await {
            return;
        }
        let started = Instant::now();
        // The slot covers the answering, not the wait on Discord: a channel
        // Discord throttles must not hold slots that other channels need.
        let reply = {
            let Some(_slot) = slot(self.settings, "a mention goes unanswered").await else {
                return;
            };
            if !self.exempt(msg) {
                let pause = self.settings.cooldown;
                let asker = msg.author.id;
                if let Err(left) = self.settings.cooldowns.try_ask(asker, pause, started) {
                    let left_ms = left.as_millis() as u64;
                    tracing::debug!(left_ms, "a mention within the cooldown is ignored");
                    self.settings.metrics.rejected("cooldown");
                    return;
                }
            }
            let Some(reply) = self.reply(asked, msg) else {
                return;
            };
            reply
        };
        self.send(msg.channel_id, reply, "the reply to a mention")
            .await;
        let took = started.elapsed();
        self.settings.metrics.interaction(Kind::mention, "", took);
    }

    /// The reply to what `msg` asked: an answer, a hint for an empty
    /// mention, or nothing for a follow-up careerbot cannot answer (a
    /// reply is not asked for an "I don't know"), unless it names careerbot:
    /// then it is answered as a mention.
    fn reply(&self, asked: Asked, msg: &Message) -> Option<CreateMessage> {
        let reply_to = (msg.channel_id, msg.id);
        match asked {
            Asked::Nothing | Asked::Empty => Some(mention_hint(reply_to)),
            Asked::Question(question) => {
                let answer = self.ask(&question, msg.guild_id, msg.author.id);
                Some(mention_reply(&answer, msg.author.id, reply_to))
            }
            Asked::FollowUp {
                earlier,
                question,
                named,
            } => {
                let carried = self.live.current().follow_up(&earlier, &question);
                let answer = carried.map(|q| self.ask(&q, msg.guild_id, msg.author.id));
                let replied = msg.referenced_message.as_deref();
                let new =
                    answer.filter(|a| a.is_answered() && !replied.is_some_and(|r| repeats(a, r)));
                match new {
                    Some(answer) => Some(mention_reply(&answer, msg.author.id, reply_to)),
                    None if named => self.reply(Asked::Question(question), msg),
                    None => {
                        tracing::debug!("a follow-up with nothing new to answer gets no reply");
                        None
                    }
                }
            }
        }
    }

    /// THREAD_CREATE: answers a member's new post in a watched forum in
    /// its thread, or records it as a gap when it is out of scope.
    /// `parent`, when known, is the kind of channel the thread is in: only
    /// forums have posts.
    pub async fn thread(&self, bot: UserId, parent: Option<ChannelType>, thread: &GuildChannel) {
        let forum = parent.is_none_or(|kind| kind == ChannelType::Forum);
        let now = Instant::now();
        if !self.forums.watches(thread.parent_id) || !forum || !is_new(thread) {
            self.forums.forget(thread.id, now);
            return;
        }
        let Some(owner) = thread.owner_id.filter(|owner| *owner != bot) else {
            return;
        };
        // Whether the first message came: who wrote it (a member, or a bot
        // or a webhook) is known only then.
        let mut heard = true;
        let first = match self.forums.claim(thread.id, now) {
            Claim::Have(first) => first,
            Claim::Wait(first) => match tokio::time::timeout(STARTER_WAIT, first).await {
                Ok(Ok(first)) => first,
                // Not come in time: the title alone.
                _ => {
                    heard = false;
                    Some(String::new())
                }
            },
            Claim::Done => return,
        };
        let Some(first) = first else {
            tracing::debug!("a post opened by a bot or a webhook is not answered");
            return;
        };
        let started = Instant::now();
        let reply = {
            let Some(_slot) = slot(self.settings, "a forum post goes unanswered").await else {
                return;
            };
            let question = forum_question(&thread.name, &first);
            let answer = self.ask(&question, Some(thread.guild_id), owner);
            forum_reply(&answer, owner)
        };
        match reply {
            Some(reply) => self.send(thread.id, reply, "a forum answer").await,
            None => {
                tracing::info!("a forum post is out of scope: recorded as a gap");
                // Only for a post a member is known to have written.
                let helpers = heard && !self.settings.policy.helper_roles.is_empty();
                let calls = &self.settings.helper_calls;
                if helpers && calls.first(thread.id, owner, Instant::now()) {
                    let call = super::HelperCall {
                        thread: thread.id,
                        owner,
                        answer: None,
                    };
                    super::call_helpers(self.http, self.settings, call).await;
                }
            }
        }
        let took = started.elapsed();
        self.settings.metrics.interaction(Kind::forum, "", took);
    }

    /// Asks the knowledge, recording the question for `/gaps` and `/stats`.
    fn ask(&self, question: &str, guild: Option<GuildId>, user: UserId) -> crate::answer::Answer {
        let snapshot = self.live.current();
        let answer = super::service::off_the_runtime(|| snapshot.ask_with(question, MAX_PAGES));
        let guild = guild.map(GuildId::get);
        self.settings
            .asked(guild, user.get(), &answer, snapshot.version);
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

/// Whether a mention in a post's first message is left to the post's
/// answer: when its thread has claimed it, or does within [`STARTER_WAIT`].
async fn answered_as_post(arrived: Arrived) -> bool {
    match arrived {
        Arrived::Claimed => true,
        Arrived::Pending(claimed) => matches!(
            tokio::time::timeout(STARTER_WAIT, claimed).await,
            Ok(Ok(()))
        ),
        Arrived::Unknown => false,
    }
}

/// Whether `thread` was created a moment ago, so it is a new post: by
/// its metadata's `create_timestamp`, or else by its id, a snowflake made
/// when the thread was. (Discord's `newly_created` says the same, but
/// serenity 0.12 drops it when it reads the thread.)
fn is_new(thread: &GuildChannel) -> bool {
    let created = thread
        .thread_metadata
        .as_ref()
        .and_then(|m| m.create_timestamp)
        .unwrap_or_else(|| thread.id.created_at());
    let now = serenity::model::Timestamp::now().unix_timestamp();
    let age = now.saturating_sub(created.unix_timestamp());
    (-60..NEW_POST.as_secs() as i64).contains(&age)
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREAD: ChannelId = ChannelId::new(1190000000000000300);

    fn member(text: &str) -> First {
        Some(text.to_string())
    }

    #[test]
    fn a_post_is_answered_once_whichever_of_its_thread_and_first_message_comes_first() {
        let now = Instant::now();
        let forums = Forums::new([ChannelId::new(1)]);
        let Arrived::Pending(mut claimed) = forums.starter(THREAD, member("first"), now) else {
            panic!("the first message came first: a mention in it waits");
        };
        assert!(claimed.try_recv().is_err(), "not claimed yet");
        assert!(matches!(forums.claim(THREAD, now), Claim::Have(Some(c)) if c == "first"));
        assert_eq!(claimed.try_recv(), Ok(()), "a mention in it is told");
        assert!(matches!(forums.claim(THREAD, now), Claim::Done), "once");
        assert!(matches!(
            forums.starter(THREAD, member("again"), now),
            Arrived::Claimed
        ));

        let other = ChannelId::new(1190000000000000301);
        let Claim::Wait(mut first) = forums.claim(other, now) else {
            panic!("the thread came first: it waits");
        };
        let arrived = forums.starter(other, member("late"), now);
        assert!(matches!(arrived, Arrived::Claimed), "{arrived:?}");
        assert_eq!(first.try_recv(), Ok(member("late")));
        assert!(matches!(forums.claim(other, now), Claim::Done));
    }

    #[test]
    fn a_bot_s_post_is_claimed_with_no_text_and_an_unwatched_one_is_forgotten() {
        let now = Instant::now();
        let forums = Forums::new([ChannelId::new(1)]);
        let _ = forums.starter(THREAD, None, now);
        assert!(matches!(forums.claim(THREAD, now), Claim::Have(None)));

        let unwatched = ChannelId::new(1190000000000000302);
        let Arrived::Pending(mut claimed) = forums.starter(unwatched, member("hi"), now) else {
            panic!("pending");
        };
        forums.forget(unwatched, now);
        assert!(
            matches!(
                claimed.try_recv(),
                Err(oneshot::error::TryRecvError::Closed)
            ),
            "a mention waiting in it goes ahead at once"
        );
        assert!(matches!(forums.claim(unwatched, now), Claim::Wait(_)));
    }

    /// A forum thread as THREAD_CREATE carries it, with `id`, and without
    /// `create_timestamp` (threads made before 2022 have none).
    fn thread(id: u64) -> GuildChannel {
        serde_json::from_value(serde_json::json!({
            "id": id.to_string(), "type": 11, "guild_id": "1190000000000000100",
            "parent_id": "1190000000000000210", "owner_id": "1190000000000000500",
            "name": "How do I start?", "last_message_id": id.to_string(),
            "rate_limit_per_user": 0, "flags": 0, "message_count": 0, "member_count": 1,
            "thread_metadata": { "archived": false, "auto_archive_duration": 4320,
                                 "archive_timestamp": "2026-01-01T00:00:00.000000+00:00",
                                 "locked": false },
            "newly_created": true
        }))
        .expect("a thread")
    }

    #[test]
    fn a_thread_without_create_timestamp_is_new_by_its_snowflake() {
        let discord_epoch_ms = 1_420_070_400_000_u64;
        let snowflake = |unix_ms: u64| (unix_ms - discord_epoch_ms) << 22;
        let now_ms = serenity::model::Timestamp::now().unix_timestamp() as u64 * 1000;
        assert!(is_new(&thread(snowflake(now_ms))), "made a moment ago");
        let old = now_ms - 2 * NEW_POST.as_millis() as u64;
        assert!(
            !is_new(&thread(snowflake(old))),
            "an old thread careerbot is shown late"
        );
    }

    #[test]
    fn after_thousands_of_answered_posts_a_new_post_is_still_answered_once() {
        let now = Instant::now();
        let forums = Forums::new([ChannelId::new(1)]);
        for i in 1..=4_200u64 {
            let at = now + Duration::from_millis(i);
            assert!(matches!(
                forums.claim(ChannelId::new(i), at),
                Claim::Wait(_)
            ));
        }
        assert!(forums.posts.lock().unwrap().len() <= REMEMBER_AT_MOST);
        let at = now + Duration::from_secs(5);
        let Arrived::Pending(mut claimed) = forums.starter(THREAD, member("first"), at) else {
            panic!("its first message is remembered");
        };
        assert!(matches!(forums.claim(THREAD, at), Claim::Have(Some(c)) if c == "first"));
        assert_eq!(
            claimed.try_recv(),
            Ok(()),
            "a mention in it gets no reply of its own"
        );
    }

    #[test]
    fn without_watched_forums_nothing_is_remembered_and_memory_stays_bounded() {
        let now = Instant::now();
        let none = Forums::default();
        assert!(matches!(
            none.starter(THREAD, member("x"), now),
            Arrived::Unknown
        ));
        assert!(none.posts.lock().unwrap().is_empty());
        assert!(!none.watches(Some(ChannelId::new(1))) && !none.watches(None));

        let forums = Forums::new([ChannelId::new(1)]);
        for i in 1..=(REMEMBER_AT_MOST as u64 * 2) {
            let _ = forums.starter(ChannelId::new(i), member(""), now);
        }
        let held = forums.posts.lock().unwrap().len();
        assert!(held <= REMEMBER_AT_MOST, "{held}");
        let soon = now + SWEEP_EVERY;
        let full = forums.starter(ChannelId::new(999_998), member(""), soon);
        assert!(
            matches!(full, Arrived::Pending(_)),
            "full: the oldest is forgotten for it"
        );
        assert_eq!(
            forums.posts.lock().unwrap().len(),
            held,
            "no more than before"
        );
        let later = now + REMEMBER + Duration::from_secs(1);
        let _ = forums.starter(ChannelId::new(999_999), member(""), later);
        assert_eq!(
            forums.posts.lock().unwrap().len(),
            2,
            "old posts forgotten; the one from `soon` is not old yet"
        );
        assert!(
            REMEMBER > NEW_POST,
            "a post is remembered while it counts as new"
        );
    }
}
