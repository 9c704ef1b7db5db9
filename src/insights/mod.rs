//! Moderator insights: what members asked that the knowledge base could not
//! answer, how they rated answers, and how the knowledge was reloaded.
//!
//! The [`Recorder`] takes records on the answer path without waiting: each
//! goes into a bounded queue, and one writer thread stores them in batches
//! in the [`Store`] (SQLite). A record is *acknowledged* when its batch has
//! committed; [`Recorder::committed`] counts those, and `/metrics` shows the
//! count as `careerbot_insights_committed_total`. Closing the recorder
//! stores everything queued. [`report`] turns the store into `/gaps` and
//! `/stats`.

pub mod chart;
pub mod digest;
pub mod quality;
pub mod report;
pub mod store;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use prometheus_client::metrics::counter::Counter;

pub use store::{
    Outcome, PassageRef, Pruned, QuestionRecord, RatingRecord, Record, ReloadRecord, SavedRecord,
    SolutionRecord, Store, StoreError,
};

use crate::answer::{Answer, Status};

/// Records waiting for the writer at most; more are dropped (and counted)
/// rather than slow an answer.
const QUEUE: usize = 65_536;
/// Records stored in one transaction at most.
const BATCH: usize = 4_096;
/// How long the writer gathers records before committing them.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// How often the writer applies retention while running.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);
/// How long a report waits for the writer to commit what was recorded
/// just before it, well inside Discord's 3 s.
pub const READ_WAIT: Duration = Duration::from_millis(500);

/// The current time as Unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// How the recorder runs, from the config.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the database lives.
    pub data_dir: PathBuf,
    /// Records older than this are deleted.
    pub max_age: Duration,
    /// Whether records carry the member's user id.
    pub record_users: bool,
    /// Answers whose confidence is below this are recorded as low confidence.
    pub low_confidence: f32,
}

/// What became of a 👍/👎.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote {
    /// Counted: this member's first vote on this answer.
    Recorded,
    /// This member's earlier vote on this answer is replaced by this one.
    Changed,
    /// This member already voted the same on this answer; nothing changes.
    Unchanged,
}

/// How long handled interaction ids are kept at least: well past the
/// default signature window (±300 s), so a replay after a restart is still
/// refused. A longer window keeps them as long as their signature could be
/// accepted ([`Recorder::handled`]).
pub const INTERACTIONS_KEPT: i64 = 3_600;

enum Message {
    Record(Box<Record>),
    /// A signed interaction handled at (id, Unix seconds), to be kept for
    /// at least the seconds given.
    Seen(u64, i64, i64),
    /// Store everything queued before this, then answer.
    Flush(mpsc::Sender<()>),
}

/// Counters the recorder updates, shown in `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// Records committed to the store (acknowledged).
    pub committed: Counter,
    /// Records lost: the queue was full, or the store refused a batch.
    pub dropped: Counter,
}

/// Takes records without blocking and stores them in the background.
#[derive(Debug)]
pub struct Recorder {
    queue: Mutex<Option<SyncSender<Message>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    votes: Mutex<HashMap<String, bool>>,
    secret: [u8; 32],
    options: Options,
    counters: Counters,
    reader: Mutex<Store>,
}

impl Recorder {
    /// Opens the store, applies retention once, and starts the writer.
    ///
    /// # Errors
    /// When the store cannot be opened or read.
    pub fn start(options: Options, counters: Counters) -> Result<Arc<Recorder>, StoreError> {
        let mut store = Store::open(&options.data_dir)?;
        let pruned = store.prune(unix_now(), options.max_age)?;
        if pruned != Pruned::default() {
            tracing::info!(?pruned, "insights retention applied");
        }
        let secret = store.secret()?;
        let votes: HashMap<String, bool> = store.votes()?.into_iter().collect();
        let reader = Store::open(&options.data_dir)?;
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let writer = {
            let counters = counters.clone();
            let max_age = options.max_age;
            std::thread::Builder::new()
                .name("careerbot-insights".into())
                .spawn(move || write_loop(store, &rx, &counters, max_age))
                .map_err(|source| StoreError::Directory {
                    path: options.data_dir.clone(),
                    source,
                })?
        };
        tracing::info!(
            path = %reader.path().display(),
            votes = votes.len(),
            "insights store open"
        );
        Ok(Arc::new(Recorder {
            queue: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            votes: Mutex::new(votes),
            secret,
            options,
            counters,
            reader: Mutex::new(reader),
        }))
    }

    /// The options it runs with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Records acknowledged: committed to the store.
    pub fn committed(&self) -> u64 {
        self.counters.committed.get()
    }

    /// Records lost: the queue was full, or the store refused a batch.
    pub fn dropped(&self) -> u64 {
        self.counters.dropped.get()
    }

    /// The writer's queue, unless closed. Cloned so that nobody holds the
    /// lock while sending.
    fn sender(&self) -> Option<SyncSender<Message>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Queues `record` without waiting; whether it was queued.
    fn send(&self, record: Record) -> bool {
        let sent = match self.sender() {
            Some(tx) => match tx.try_send(Message::Record(Box::new(record))) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    tracing::warn!("insights queue full; a record was dropped");
                    false
                }
                Err(TrySendError::Disconnected(_)) => false,
            },
            None => false,
        };
        if !sent {
            self.counters.dropped.inc();
        }
        sent
    }

    fn user(&self, user: u64) -> Option<u64> {
        self.options.record_users.then_some(user)
    }

    /// How `answer` is recorded: its outcome, given the confidence bar.
    pub fn outcome(&self, answer: &Answer) -> Outcome {
        match answer.status() {
            Status::Answered if answer.confidence() < self.options.low_confidence => {
                Outcome::LowConfidence
            }
            Status::Answered => Outcome::Answered,
            Status::OutOfScope => Outcome::Declined,
            Status::Empty => Outcome::Empty,
        }
    }

    /// Records a question and how it was answered, without waiting. Only
    /// the part of the question the engine reads is kept.
    pub fn question(&self, guild: Option<u64>, user: u64, answer: &Answer, version: u64) {
        let best = answer.passages().first();
        self.send(Record::Question(QuestionRecord {
            at: unix_now(),
            guild,
            user: self.user(user),
            question: crate::search::question_prefix(answer.question()).to_string(),
            outcome: self.outcome(answer),
            passage: best.map(|p| PassageRef {
                id: p.id.clone(),
                article: p.article.clone(),
                section: p.section.clone(),
            }),
            score: best.map(|p| p.score),
            confidence: answer.is_answered().then_some(answer.confidence()),
            version,
        }));
    }

    /// Records a 👍 (`up`) or 👎 by `user` on the answer identified by
    /// `answer_key`, of the passage it showed (with its score). A member
    /// has one vote per answer: voting again the other way changes it.
    pub fn rate(
        &self,
        guild: Option<u64>,
        user: u64,
        answer_key: &str,
        question: &str,
        passage: Option<(PassageRef, f32)>,
        up: bool,
    ) -> Vote {
        let vote = self.key(user, answer_key.as_bytes());
        let before = self
            .votes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(vote.clone(), up);
        let outcome = match before {
            None => Vote::Recorded,
            Some(same) if same == up => return Vote::Unchanged,
            Some(_) => Vote::Changed,
        };
        let (passage, score) = passage.map_or((None, None), |(p, s)| (Some(p), Some(s)));
        let queued = self.send(Record::Rating(RatingRecord {
            at: unix_now(),
            guild,
            user: self.user(user),
            vote: vote.clone(),
            question: crate::search::question_prefix(question).to_string(),
            passage,
            score,
            up,
        }));
        if !queued {
            // Not stored, so not cast: the member's earlier vote stands.
            let mut votes = self.votes.lock().unwrap_or_else(|p| p.into_inner());
            match before {
                Some(earlier) => votes.insert(vote, earlier),
                None => votes.remove(&vote),
            };
        }
        outcome
    }

    /// A keyed hash of `user` and `what`: it tells one member's records
    /// apart without naming the member (the key never leaves the store).
    pub fn key(&self, user: u64, what: &[u8]) -> String {
        let mut hasher = blake3::Hasher::new_keyed(&self.secret);
        hasher.update(&user.to_le_bytes());
        hasher.update(what);
        hasher.finalize().to_hex()[..32].to_string()
    }

    /// Remembers a signed interaction as handled now, so that its replay
    /// is refused after a restart too (`transport::replay` reads it back),
    /// for [`INTERACTIONS_KEPT`] or `kept`, whichever is longer (as long as
    /// its signature could still be accepted). Stored within
    /// [`FLUSH_EVERY`].
    pub fn handled(&self, interaction: u64, kept: Duration) {
        let kept = i64::try_from(kept.as_secs()).unwrap_or(i64::MAX);
        if let Some(tx) = self.sender() {
            if tx
                .try_send(Message::Seen(interaction, unix_now(), kept))
                .is_err()
            {
                tracing::warn!(
                    "insights queue full; a handled interaction is remembered only in memory"
                );
            }
        }
    }

    /// Records a reload and its result.
    pub fn reload(&self, record: ReloadRecord) {
        self.send(Record::Reload(record));
    }

    /// Records a help-forum post's marked solution, waiting to be saved;
    /// whether it was queued.
    pub fn solution(&self, record: SolutionRecord) -> bool {
        self.send(Record::Solution(record))
    }

    /// Records that the message with jump link `link` was saved as an
    /// answer: a solution waiting with that link is waiting no more.
    pub fn saved(&self, link: &str) {
        self.send(Record::Saved(SavedRecord {
            at: unix_now(),
            link: link.to_string(),
        }));
    }

    /// Waits until everything recorded so far is committed (or the writer
    /// has stopped).
    pub fn flush(&self) {
        self.flush_within(None);
    }

    /// [`flush`](Self::flush), waiting at most `wait` when given; whether
    /// everything was committed.
    fn flush_within(&self, wait: Option<Duration>) -> bool {
        let (tx, rx) = mpsc::channel();
        let sent = self
            .sender()
            .is_some_and(|q| q.send(Message::Flush(tx)).is_ok());
        match (sent, wait) {
            (false, _) => true,
            (true, None) => rx.recv().is_ok(),
            (true, Some(wait)) => rx.recv_timeout(wait).is_ok(),
        }
    }

    /// Runs `read` on the store, over the reader's own connection, once
    /// what was recorded so far is committed, or after [`READ_WAIT`] if
    /// the writer is held up (another process holding SQLite's write lock,
    /// say): then it reads what is committed. A WAL reader never waits for
    /// a writer, so a report never queues behind the writer's retries.
    ///
    /// # Errors
    /// What `read` returns.
    pub fn read<T>(
        &self,
        read: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if !self.flush_within(Some(READ_WAIT)) {
            tracing::info!("the insights writer is held up; reporting what is committed");
        }
        let store = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        read(&store)
    }

    /// Stores everything queued and stops the writer. Records taken after
    /// this are dropped. Idempotent.
    pub fn close(&self) {
        drop(self.queue.lock().unwrap_or_else(|p| p.into_inner()).take());
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(writer) = writer {
            if writer.join().is_err() {
                tracing::error!("the insights writer panicked");
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.close();
    }
}

/// The writer: gathers records for up to [`FLUSH_EVERY`] (or [`BATCH`]
/// records), commits them in one transaction, and applies retention every
/// [`PRUNE_EVERY`]. Ends when every sender is gone, after storing the rest.
fn write_loop(mut store: Store, rx: &Receiver<Message>, counters: &Counters, max_age: Duration) {
    let mut pending = Pending::default();
    let mut last_prune = Instant::now();
    loop {
        // Idle: block until something arrives, waking for retention.
        let first = match rx.recv_timeout(PRUNE_EVERY) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut open = true;
        if let Some(first) = first {
            pending.take(first);
            let deadline = Instant::now() + FLUSH_EVERY;
            while pending.len() < BATCH && pending.waiting.is_empty() {
                let left = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left) {
                    Ok(m) => pending.take(m),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
            // A flush also covers what was queued behind it.
            while let Ok(m) = rx.try_recv() {
                pending.take(m);
                if pending.len() >= BATCH {
                    break;
                }
            }
        }
        commit_all(&mut store, &mut pending, counters);
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = Instant::now();
            match store.prune(unix_now(), max_age) {
                Ok(pruned) if pruned != Pruned::default() => {
                    tracing::info!(?pruned, "insights retention applied");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "insights retention failed"),
            }
        }
        if !open {
            break;
        }
    }
    // Every sender is gone: store what is left.
    while let Ok(m) = rx.try_recv() {
        pending.take(m);
    }
    commit_all(&mut store, &mut pending, counters);
}

/// What the writer has gathered for its next commit.
#[derive(Default)]
struct Pending {
    records: Vec<Record>,
    seen: Vec<(u64, i64)>,
    /// The longest any of `seen` must be kept, in seconds.
    kept: i64,
    waiting: Vec<mpsc::Sender<()>>,
}

impl Pending {
    fn take(&mut self, message: Message) {
        match message {
            Message::Record(r) => self.records.push(*r),
            Message::Seen(id, at, kept) => {
                self.seen.push((id, at));
                self.kept = self.kept.max(kept);
            }
            Message::Flush(w) => self.waiting.push(w),
        }
    }

    fn len(&self) -> usize {
        self.records.len() + self.seen.len()
    }
}

/// Commits what is pending, then answers whoever waits for it.
fn commit_all(store: &mut Store, pending: &mut Pending, counters: &Counters) {
    commit(store, &mut pending.records, counters);
    if !pending.seen.is_empty() {
        let forget_before = unix_now().saturating_sub(pending.kept.max(INTERACTIONS_KEPT));
        if let Err(e) = store.remember_interactions(&pending.seen, forget_before) {
            tracing::warn!(error = %e, count = pending.seen.len(), "handled interactions not stored; their replays after a restart are refused only in memory");
        }
        pending.seen.clear();
    }
    for w in pending.waiting.drain(..) {
        let _ = w.send(());
    }
}

/// Stores `pending` in batches, retrying a failed batch twice before
/// counting it as dropped.
fn commit(store: &mut Store, pending: &mut Vec<Record>, counters: &Counters) {
    for batch in pending.chunks(BATCH) {
        let mut attempt = 0;
        loop {
            match store.write(batch) {
                Ok(written) => {
                    counters.committed.inc_by(batch.len() as u64);
                    tracing::debug!(
                        stored = written.stored,
                        duplicate_votes = written.duplicate_votes,
                        "insights committed"
                    );
                    break;
                }
                Err(e) if attempt < 2 => {
                    attempt += 1;
                    tracing::warn!(error = %e, attempt, "insights write failed; retrying");
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => {
                    counters.dropped.inc_by(batch.len() as u64);
                    tracing::error!(error = %e, records = batch.len(), "insights write failed; records dropped");
                    break;
                }
            }
        }
    }
    pending.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(dir: &std::path::Path) -> Options {
        Options {
            data_dir: dir.to_path_buf(),
            max_age: Duration::from_secs(90 * 86_400),
            record_users: false,
            low_confidence: 0.6,
        }
    }

    #[test]
    fn handled_ids_are_kept_as_long_as_their_signature_could_be_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let counters = Counters::default();
        let two_hours_ago = unix_now() - 7_200;
        // A window of two days keeps an id handled two hours ago.
        let mut long = Pending::default();
        long.take(Message::Seen(1, two_hours_ago, 2 * 86_400));
        long.take(Message::Seen(2, unix_now(), 2 * 86_400));
        commit_all(&mut store, &mut long, &counters);
        assert!(store.has_interaction(1).unwrap());
        // The default keeps it an hour: the next commit forgets it.
        let mut short = Pending::default();
        short.take(Message::Seen(3, unix_now(), 600));
        commit_all(&mut store, &mut short, &counters);
        assert!(!store.has_interaction(1).unwrap());
        assert!(store.has_interaction(2).unwrap() && store.has_interaction(3).unwrap());
    }

    #[test]
    fn a_report_does_not_queue_behind_a_writer_another_process_holds_up() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(options(dir.path()), Counters::default()).unwrap();
        let reload = |at| ReloadRecord {
            at,
            cause: "reload".into(),
            ok: true,
            version: 1,
            took_ms: 1,
            error: None,
            who: None,
            what: None,
        };
        recorder.reload(reload(1));
        recorder.flush();
        // Another process takes SQLite's write lock and keeps it.
        let other = rusqlite::Connection::open(dir.path().join(store::FILE)).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        recorder.reload(reload(2));
        let recorder = Arc::new(recorder);
        let (tx, rx) = mpsc::channel();
        let reader = Arc::clone(&recorder);
        std::thread::spawn(move || {
            let _ = tx.send(reader.read(|s| s.reloads_since(0)));
        });
        // The writer waits out its busy timeout three times (over 15 s).
        let read = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the report does not wait for the writer")
            .expect("the report reads");
        assert_eq!(read.len(), 1, "what was committed");
        other.execute_batch("COMMIT").unwrap();
        recorder.close();
        assert_eq!(recorder.read(|s| s.reloads_since(0)).unwrap().len(), 2);
    }

    #[test]
    fn a_member_has_one_vote_per_answer_which_a_second_press_changes_even_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(options(dir.path()), Counters::default()).unwrap();
        assert_eq!(
            recorder.rate(Some(1), 42, "m1:0", "q", None, true),
            Vote::Recorded
        );
        assert_eq!(
            recorder.rate(Some(1), 42, "m1:0", "q", None, true),
            Vote::Unchanged
        );
        assert_eq!(
            recorder.rate(Some(1), 43, "m1:0", "q", None, false),
            Vote::Recorded
        );
        assert_eq!(
            recorder.rate(Some(1), 42, "m1:1", "q", None, false),
            Vote::Recorded
        );
        recorder.close();
        assert_eq!(recorder.committed(), 3);
        let again = Recorder::start(options(dir.path()), Counters::default()).unwrap();
        assert_eq!(
            again.rate(Some(1), 42, "m1:0", "q", None, true),
            Vote::Unchanged,
            "the vote is remembered across a restart"
        );
        assert_eq!(
            again.rate(Some(1), 42, "m1:0", "q", None, false),
            Vote::Changed,
            "voting the other way changes it"
        );
        let ratings = again.read(|s| s.ratings_since(0)).unwrap();
        assert_eq!(ratings.len(), 3, "a changed vote replaces the first");
        assert_eq!(
            ratings.iter().filter(|r| r.up).count(),
            0,
            "member 42's 👍 on m1 became 👎"
        );
        assert!(
            ratings.iter().all(|r| r.user.is_none()),
            "no user ids unless opted in"
        );
        let member = 1_190_000_000_000_000_500_u64;
        assert_eq!(
            again.rate(None, member, "m2:0", "q", None, true),
            Vote::Recorded
        );
        let votes = again.read(|s| s.ratings_since(0)).unwrap();
        let vote = &votes.last().unwrap().vote;
        assert_eq!(vote.len(), 32);
        assert!(
            !vote.contains(&member.to_string()) && !vote.contains(&format!("{member:x}")),
            "a vote key does not carry the member's id: {vote}"
        );
    }

    #[test]
    fn flush_makes_everything_recorded_visible_and_close_stores_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(options(dir.path()), Counters::default()).unwrap();
        for version in 1..=3 {
            recorder.reload(ReloadRecord {
                at: unix_now(),
                cause: "watch".into(),
                ok: version != 2,
                version,
                took_ms: 1,
                error: None,
                who: None,
                what: None,
            });
        }
        assert_eq!(recorder.read(|s| s.reloads_since(0)).unwrap().len(), 3);
        for _ in 0..10 {
            recorder.reload(ReloadRecord {
                at: unix_now(),
                cause: "SIGHUP".into(),
                ok: true,
                version: 4,
                took_ms: 1,
                error: None,
                who: None,
                what: None,
            });
        }
        recorder.close();
        recorder.close();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.reloads_since(0).unwrap().len(), 13);
    }
}
