//! Solutions to save: a help-forum post's question and the reply its owner
//! (or a moderator) marked as the solution, kept until a moderator saves
//! it as an answer from `/gaps` (or it ages out). One per post: marking
//! another reply replaces it.

use rusqlite::{params, Transaction};
use serde::Serialize;

use super::{as_i64, as_u64, Store, StoreError};

/// A marked solution, waiting to be saved as an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SolutionRecord {
    /// Unix time, seconds, of the (latest) marking.
    pub at: i64,
    /// The server.
    pub guild: Option<u64>,
    /// The post's thread: one candidate per post.
    pub thread: u64,
    /// The solving message.
    pub message: u64,
    /// The post's question: its title, then its first message when
    /// careerbot could read it.
    pub question: String,
    /// The solving message's text.
    pub answer: String,
    /// Its author's display name (never a mention).
    pub author: String,
    /// The jump link to the solving message: a saved answer with this link
    /// is this candidate, saved.
    pub link: String,
    /// When it was saved as an answer (Unix seconds); `None` while waiting.
    pub saved: Option<i64>,
}

/// An answer saved from a member's message: the candidate with its `link`
/// (if any) is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedRecord {
    /// Unix time, seconds.
    pub at: i64,
    /// The saved message's jump link.
    pub link: String,
}

/// The tables, created with the rest of the schema (from version 4): the
/// candidates, and the links of the messages saved as answers (whether
/// they were marked before or after).
pub(super) const SCHEMA_SQL: &str = "
CREATE TABLE IF NOT EXISTS solutions (
    thread INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    guild INTEGER,
    message INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    author TEXT NOT NULL,
    link TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS solutions_at ON solutions (at);
CREATE TABLE IF NOT EXISTS saved (link TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS saved_at ON saved (at);
";

/// Stores `s`, replacing the post's earlier candidate.
pub(super) fn insert(tx: &Transaction<'_>, s: &SolutionRecord) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "INSERT INTO solutions (thread, at, guild, message, question, answer, author, link)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (thread) DO UPDATE SET at = excluded.at, guild = excluded.guild,
             message = excluded.message, question = excluded.question, answer = excluded.answer,
             author = excluded.author, link = excluded.link",
    )?
    .execute(params![
        as_i64(s.thread),
        s.at,
        s.guild.map(as_i64),
        as_i64(s.message),
        s.question,
        s.answer,
        s.author,
        s.link,
    ])
}

/// Remembers `s.link` as saved: a candidate with it, marked before or
/// after, no longer waits.
pub(super) fn saved(tx: &Transaction<'_>, s: &SavedRecord) -> rusqlite::Result<usize> {
    tx.prepare_cached("INSERT OR IGNORE INTO saved (link, at) VALUES (?1, ?2)")?
        .execute(params![s.link, s.at])?;
    Ok(1)
}

/// The columns a [`SolutionRecord`] is read from, `?1` the period's start
/// and `?2` the server (`NULL`: every one). A row with a zero id (an
/// edited file) is left out: no Discord id is zero.
const SELECT: &str =
    "SELECT s.at, s.guild, s.thread, s.message, s.question, s.answer, s.author, s.link, v.at
     FROM solutions s LEFT JOIN saved v ON v.link = s.link
     WHERE s.at >= ?1 AND (?2 IS NULL OR s.guild = ?2) AND s.thread != 0 AND s.message != 0";

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<SolutionRecord> {
    Ok(SolutionRecord {
        at: r.get(0)?,
        guild: r.get::<_, Option<i64>>(1)?.map(as_u64),
        thread: as_u64(r.get(2)?),
        message: as_u64(r.get(3)?),
        question: r.get(4)?,
        answer: r.get(5)?,
        author: r.get(6)?,
        link: r.get(7)?,
        saved: r.get(8)?,
    })
}

impl Store {
    /// Solutions marked at or after `since` in `guild` (`None`:
    /// everywhere), latest first: those not yet saved, at most `limit`
    /// (`waiting`), or all.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn solutions_in(
        &self,
        since: i64,
        guild: Option<u64>,
        waiting: Option<usize>,
    ) -> Result<Vec<SolutionRecord>, StoreError> {
        let limit = waiting.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        self.query(
            &format!(
                "{SELECT} AND (?3 < 0 OR v.link IS NULL) ORDER BY s.at DESC, s.thread LIMIT ?3"
            ),
            params![since, guild.map(as_i64), limit],
            record,
        )
    }

    /// The solution marked in `thread` at or after `since` in `guild`, if
    /// it is still waiting.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn waiting_solution(
        &self,
        since: i64,
        guild: Option<u64>,
        thread: u64,
    ) -> Result<Option<SolutionRecord>, StoreError> {
        let found = self.query(
            &format!("{SELECT} AND v.link IS NULL AND s.thread = ?3"),
            params![since, guild.map(as_i64), as_i64(thread)],
            record,
        )?;
        Ok(found.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Record;
    use super::*;

    fn marked(thread: u64, message: u64, at: i64) -> SolutionRecord {
        SolutionRecord {
            at,
            guild: Some(7),
            thread,
            message,
            question: format!("post {thread}"),
            answer: format!("reply {message}"),
            author: "Ada".to_string(),
            link: format!("https://discord.com/channels/7/{thread}/{message}"),
            saved: None,
        }
    }

    #[test]
    fn a_post_has_one_candidate_which_a_save_takes_off_the_waiting_list() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(dir.path()).expect("store");
        let first = marked(1, 10, 100);
        let second = marked(1, 11, 200);
        let other = marked(2, 20, 150);
        store
            .write(&[
                Record::Solution(first),
                Record::Solution(other.clone()),
                Record::Solution(second.clone()),
            ])
            .expect("written");
        let waiting = store.solutions_in(0, Some(7), Some(10)).expect("read");
        assert_eq!(waiting, vec![second.clone(), other.clone()]);
        assert!(store
            .solutions_in(0, Some(8), Some(10))
            .expect("read")
            .is_empty());
        assert_eq!(
            store.solutions_in(160, None, Some(10)).expect("read"),
            vec![second.clone()]
        );

        // A saved answer from the first reply (replaced) or an unmarked
        // message changes nothing; the second's saves it.
        let save = |link: &str| {
            Record::Saved(SavedRecord {
                at: 300,
                link: link.to_string(),
            })
        };
        store
            .write(&[
                save("https://discord.com/channels/7/1/10"),
                save("elsewhere"),
            ])
            .expect("written");
        assert_eq!(
            store.solutions_in(0, None, Some(10)).expect("read").len(),
            2
        );
        store.write(&[save(&second.link)]).expect("written");
        assert_eq!(
            store.solutions_in(0, None, Some(10)).expect("read"),
            vec![other.clone()]
        );
        let all = store.solutions_in(0, None, None).expect("read");
        assert_eq!(all[0].saved, Some(300));
        assert_eq!(store.solutions_in(0, None, Some(0)).expect("read"), []);
        assert_eq!(
            store.waiting_solution(0, Some(7), 2).expect("read"),
            Some(other.clone())
        );
        assert_eq!(store.waiting_solution(0, Some(7), 1).expect("read"), None);
        assert_eq!(store.waiting_solution(0, Some(8), 2).expect("read"), None);

        // Marked again after it was saved, or saved before it was marked:
        // it does not wait.
        let again = SolutionRecord {
            at: 400,
            ..second.clone()
        };
        let later = marked(3, 30, 500);
        store
            .write(&[Record::Solution(again), save(&later.link)])
            .expect("written");
        store.write(&[Record::Solution(later)]).expect("written");
        assert_eq!(
            store.solutions_in(0, None, Some(10)).expect("read"),
            vec![other]
        );

        // Retention deletes candidates with the rest.
        let pruned = store
            .prune(10_000, std::time::Duration::from_secs(100))
            .expect("pruned");
        assert_eq!(pruned.solutions, 3);
        assert!(store.export().expect("export").is_empty());
    }
}
