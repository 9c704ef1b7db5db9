//! The insights database: SQLite (bundled, WAL journal, `synchronous=FULL`),
//! so a committed record survives a crash of the process or the machine.
//! Records are only ever appended; the one delete is retention.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

mod records;
mod schema;
mod solutions;

pub use records::{
    Outcome, PassageRef, Pruned, QuestionRecord, RatingRecord, Record, ReloadRecord, Written,
};
pub use solutions::{SavedRecord, SolutionRecord};

/// The database file inside the data directory.
pub const FILE: &str = "insights.sqlite3";

/// Why the insights store cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory cannot be created.
    #[error("cannot create the data directory {path}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// SQLite refused (a corrupt or foreign file, a full disk, a lock).
    #[error("insights database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// The file was written by a newer careerbot.
    #[error(
        "insights database {path} has schema {found}; this careerbot knows up to {}",
        schema::SCHEMA
    )]
    Newer {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
    },
}

/// An open insights database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Makes the data directory (0700) and the database file (0600) private to
/// careerbot's user before SQLite opens it: members' questions and the vote
/// secret live there. SQLite gives its `-wal` and `-shm` files the
/// database's mode; ones left wider by an older version are tightened too.
fn private_files(data_dir: &Path, database: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)?;
        let private_dir = std::fs::Permissions::from_mode(0o700);
        if std::fs::metadata(data_dir)?.permissions().mode() & 0o077 != 0 {
            if let Err(e) = std::fs::set_permissions(data_dir, private_dir) {
                tracing::warn!(path = %data_dir.display(), error = %e, "the data directory is readable by other users");
            }
        }
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(database)
        {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            let file = Path::new(&name);
            match std::fs::metadata(file) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                    if let Err(e) =
                        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
                    {
                        tracing::warn!(path = %file.display(), error = %e, "an insights file is readable by other users");
                    }
                }
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(data_dir)?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`.
    ///
    /// # Errors
    /// When the directory cannot be created, or the file is not a usable
    /// insights database.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join(FILE);
        private_files(data_dir, &path).map_err(|source| StoreError::Directory {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let sqlite = sqlite_error(&path);
        let conn = Connection::open(&path).map_err(&sqlite)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(&sqlite)?;
        // WAL lets `careerbot gaps` read while the bot writes; FULL syncs
        // the log at every commit, so a commit survives power loss too.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&sqlite)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(&sqlite)?;
        // Deleted records (retention) are overwritten, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(&sqlite)?;
        schema::upgrade(&conn, &path)?;
        drop(sqlite);
        Ok(Store { conn, path })
    }

    /// How long a statement waits for another connection's lock before it
    /// fails (5 s unless set).
    ///
    /// # Errors
    /// When SQLite refuses the setting.
    pub fn set_busy_timeout(&self, wait: Duration) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(wait)
            .map_err(sqlite_error(&self.path))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rows `sql` selects with `params`, each made by `row`.
    fn query<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let sqlite = sqlite_error(&self.path);
        let mut stmt = self.conn.prepare_cached(sql).map_err(&sqlite)?;
        let rows = stmt.query_map(params, row).map_err(&sqlite)?;
        rows.collect::<Result<_, _>>().map_err(sqlite)
    }

    /// The store's secret for vote keys, made on first use and kept only in
    /// the database: a vote key names no member, though whoever holds the
    /// file can check a guessed member and message against it.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn secret(&self) -> Result<[u8; 32], StoreError> {
        let found: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'vote_secret'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sqlite_error(&self.path))?;
        if let Some(key) = found.and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok()) {
            return Ok(key);
        }
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // No OS randomness: fall back to a hash of time and process.
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            key = *blake3::hash(seed.as_bytes()).as_bytes();
        }
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('vote_secret', ?1)",
                params![key.to_vec()],
            )
            .map_err(sqlite_error(&self.path))?;
        Ok(key)
    }

    /// Stores `records` in one transaction: all or none.
    ///
    /// # Errors
    /// When SQLite fails; then nothing of the batch is stored.
    pub fn write(&mut self, records: &[Record]) -> Result<Written, StoreError> {
        let sqlite = sqlite_error(&self.path);
        let tx = self.conn.transaction().map_err(&sqlite)?;
        let mut written = Written::default();
        {
            let mut question = tx
                .prepare_cached(
                    "INSERT INTO questions (at, guild, user, question, outcome, passage, article, section, score, confidence, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(&sqlite)?;
            let mut rating = tx
                .prepare_cached(
                    "INSERT INTO ratings (at, guild, user, vote, question, passage, article, section, score, up)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (vote) DO UPDATE SET at = excluded.at, up = excluded.up
                     WHERE up != excluded.up",
                )
                .map_err(&sqlite)?;
            let mut reload = tx
                .prepare_cached(
                    "INSERT INTO reloads (at, cause, ok, version, took_ms, error, who, what) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(&sqlite)?;
            for record in records {
                let inserted = match record {
                    Record::Question(q) => insert_question(&mut question, q),
                    Record::Rating(r) => insert_rating(&mut rating, r),
                    Record::Reload(r) => insert_reload(&mut reload, r),
                    Record::Solution(s) => solutions::insert(&tx, s),
                    Record::Saved(s) => solutions::saved(&tx, s),
                }
                .map_err(&sqlite)?;
                // A vote repeated unchanged is not stored again; a changed
                // vote replaces the member's first one.
                if inserted == 1 {
                    written.stored += 1;
                } else {
                    written.duplicate_votes += 1;
                }
            }
        }
        tx.commit().map_err(&sqlite)?;
        Ok(written)
    }

    /// Deletes every record older than `max_age` at `now` (Unix seconds),
    /// and nothing else.
    ///
    /// # Errors
    /// When SQLite fails; then nothing is deleted.
    pub fn prune(&mut self, now: i64, max_age: Duration) -> Result<Pruned, StoreError> {
        let cutoff = now.saturating_sub(i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX));
        let sqlite = sqlite_error(&self.path);
        let tx = self.conn.transaction().map_err(&sqlite)?;
        let pruned = Pruned {
            questions: tx
                .execute("DELETE FROM questions WHERE at < ?1", [cutoff])
                .map_err(&sqlite)?,
            ratings: tx
                .execute("DELETE FROM ratings WHERE at < ?1", [cutoff])
                .map_err(&sqlite)?,
            reloads: tx
                .execute("DELETE FROM reloads WHERE at < ?1", [cutoff])
                .map_err(&sqlite)?,
            solutions: tx
                .execute("DELETE FROM solutions WHERE at < ?1", [cutoff])
                .map_err(&sqlite)?,
        };
        tx.execute("DELETE FROM saved WHERE at < ?1", [cutoff])
            .map_err(&sqlite)?;
        tx.commit().map_err(&sqlite)?;
        Ok(pruned)
    }

    /// Remembers signed interactions as handled at `at` (Unix seconds), so
    /// a restarted endpoint still refuses their replays; deletes those
    /// older than `forget_before`.
    ///
    /// # Errors
    /// When SQLite fails; then nothing is stored.
    pub fn remember_interactions(
        &mut self,
        seen: &[(u64, i64)],
        forget_before: i64,
    ) -> Result<(), StoreError> {
        let sqlite = sqlite_error(&self.path);
        let tx = self.conn.transaction().map_err(&sqlite)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT OR IGNORE INTO interactions (id, at) VALUES (?1, ?2)")
                .map_err(&sqlite)?;
            for (id, at) in seen {
                insert.execute(params![as_i64(*id), at]).map_err(&sqlite)?;
            }
        }
        tx.execute("DELETE FROM interactions WHERE at < ?1", [forget_before])
            .map_err(&sqlite)?;
        tx.commit().map_err(&sqlite)
    }

    /// Whether interaction `id` is stored as handled (by any process).
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn has_interaction(&self, id: u64) -> Result<bool, StoreError> {
        let found = self.query(
            "SELECT 1 FROM interactions WHERE id = ?1",
            [as_i64(id)],
            |r| r.get::<_, i64>(0),
        )?;
        Ok(!found.is_empty())
    }

    /// Every vote key stored and whether it is 👍, so a restarted bot
    /// still knows each member's vote.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn votes(&self) -> Result<Vec<(String, bool)>, StoreError> {
        self.query("SELECT vote, up FROM ratings", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    }

    /// Questions asked at or after `since` (Unix seconds), in every
    /// server and in direct messages, oldest first.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn questions_since(&self, since: i64) -> Result<Vec<QuestionRecord>, StoreError> {
        self.questions_in(since, None)
    }

    /// Questions asked at or after `since` in `guild` (`None`: everywhere),
    /// oldest first.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn questions_in(
        &self,
        since: i64,
        guild: Option<u64>,
    ) -> Result<Vec<QuestionRecord>, StoreError> {
        self.query(
            "SELECT at, guild, user, question, outcome, passage, article, section, score, confidence, version
             FROM questions WHERE at >= ?1 AND (?2 IS NULL OR guild = ?2) ORDER BY id",
            params![since, guild.map(as_i64)],
            |r| {
                Ok(QuestionRecord {
                    at: r.get(0)?,
                    guild: r.get::<_, Option<i64>>(1)?.map(as_u64),
                    user: r.get::<_, Option<i64>>(2)?.map(as_u64),
                    question: r.get(3)?,
                    outcome: Outcome::parse(&r.get::<_, String>(4)?),
                    passage: passage_ref(r.get(5)?, r.get(6)?, r.get(7)?),
                    score: r.get::<_, Option<f64>>(8)?.map(|s| s as f32),
                    confidence: r.get::<_, Option<f64>>(9)?.map(|s| s as f32),
                    version: as_u64(r.get(10)?),
                })
            },
        )
    }

    /// Ratings cast at or after `since`, everywhere, oldest first.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn ratings_since(&self, since: i64) -> Result<Vec<RatingRecord>, StoreError> {
        self.ratings_in(since, None)
    }

    /// Ratings cast at or after `since` in `guild` (`None`: everywhere),
    /// oldest first.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn ratings_in(
        &self,
        since: i64,
        guild: Option<u64>,
    ) -> Result<Vec<RatingRecord>, StoreError> {
        self.query(
            "SELECT at, guild, user, vote, question, passage, article, section, score, up
             FROM ratings WHERE at >= ?1 AND (?2 IS NULL OR guild = ?2) ORDER BY id",
            params![since, guild.map(as_i64)],
            |r| {
                Ok(RatingRecord {
                    at: r.get(0)?,
                    guild: r.get::<_, Option<i64>>(1)?.map(as_u64),
                    user: r.get::<_, Option<i64>>(2)?.map(as_u64),
                    vote: r.get(3)?,
                    question: r.get(4)?,
                    passage: passage_ref(r.get(5)?, r.get(6)?, r.get(7)?),
                    score: r.get::<_, Option<f64>>(8)?.map(|s| s as f32),
                    up: r.get(9)?,
                })
            },
        )
    }

    /// Reloads at or after `since`, oldest first.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn reloads_since(&self, since: i64) -> Result<Vec<ReloadRecord>, StoreError> {
        self.query(
            "SELECT at, cause, ok, version, took_ms, error, who, what FROM reloads WHERE at >= ?1 ORDER BY id",
            [since],
            |r| {
                Ok(ReloadRecord {
                    at: r.get(0)?,
                    cause: r.get(1)?,
                    ok: r.get(2)?,
                    version: as_u64(r.get(3)?),
                    took_ms: as_u64(r.get(4)?),
                    error: r.get(5)?,
                    who: r.get(6)?,
                    what: r.get(7)?,
                })
            },
        )
    }

    /// Claims the digest of the week starting `week` for this process, at
    /// `at`: true when no process (this one before a restart, or another
    /// replica sharing the directory) claimed it before. The claim is one
    /// row insert, so two processes never both get it.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn claim_digest(&self, week: i64, at: i64) -> Result<bool, StoreError> {
        let inserted = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO digests (week, at) VALUES (?1, ?2)",
                params![week, at],
            )
            .map_err(sqlite_error(&self.path))?;
        Ok(inserted == 1)
    }

    /// Gives up the claim on `week` (its digest could not be posted), so a
    /// later try may post it.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn release_digest(&self, week: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM digests WHERE week = ?1", [week])
            .map_err(sqlite_error(&self.path))?;
        Ok(())
    }

    /// Whether the digest of the week starting `week` was posted (or is
    /// being posted).
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn digest_posted(&self, week: i64) -> Result<bool, StoreError> {
        let found = self.query("SELECT 1 FROM digests WHERE week = ?1", [week], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(!found.is_empty())
    }

    /// Every record, kind by kind, each oldest first: what `careerbot
    /// export` writes as JSON Lines.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn export(&self) -> Result<Vec<Record>, StoreError> {
        let mut out: Vec<Record> = Vec::new();
        out.extend(
            self.questions_since(i64::MIN)?
                .into_iter()
                .map(Record::Question),
        );
        out.extend(
            self.ratings_since(i64::MIN)?
                .into_iter()
                .map(Record::Rating),
        );
        out.extend(
            self.reloads_since(i64::MIN)?
                .into_iter()
                .map(Record::Reload),
        );
        out.extend(
            self.solutions_in(i64::MIN, None, None)?
                .into_iter()
                .rev()
                .map(Record::Solution),
        );
        Ok(out)
    }
}

/// Wraps SQLite's errors with the database file they came from.
fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn passage_ref(
    id: Option<String>,
    article: Option<String>,
    section: Option<String>,
) -> Option<PassageRef> {
    id.map(|id| PassageRef {
        id,
        article: article.unwrap_or_default(),
        section: section.unwrap_or_default(),
    })
}

/// Discord ids and versions fit SQLite's signed integers bit for bit.
fn as_i64(n: u64) -> i64 {
    n as i64
}

fn as_u64(n: i64) -> u64 {
    n as u64
}

fn insert_question(
    statement: &mut rusqlite::CachedStatement<'_>,
    q: &QuestionRecord,
) -> rusqlite::Result<usize> {
    let p = q.passage.as_ref();
    statement.execute(params![
        q.at,
        q.guild.map(as_i64),
        q.user.map(as_i64),
        q.question,
        q.outcome.as_str(),
        p.map(|p| &p.id),
        p.map(|p| &p.article),
        p.map(|p| &p.section),
        q.score.map(f64::from),
        q.confidence.map(f64::from),
        as_i64(q.version),
    ])
}

fn insert_rating(
    statement: &mut rusqlite::CachedStatement<'_>,
    r: &RatingRecord,
) -> rusqlite::Result<usize> {
    let p = r.passage.as_ref();
    statement.execute(params![
        r.at,
        r.guild.map(as_i64),
        r.user.map(as_i64),
        r.vote,
        r.question,
        p.map(|p| &p.id),
        p.map(|p| &p.article),
        p.map(|p| &p.section),
        r.score.map(f64::from),
        r.up,
    ])
}

fn insert_reload(
    statement: &mut rusqlite::CachedStatement<'_>,
    r: &ReloadRecord,
) -> rusqlite::Result<usize> {
    statement.execute(params![
        r.at,
        r.cause,
        r.ok,
        as_i64(r.version),
        as_i64(r.took_ms),
        r.error,
        r.who,
        r.what,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_data_directory_and_every_database_file_are_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let mut store = Store::open(&data).unwrap();
        store
            .write(&[question(1, "what is the salary?", Outcome::Answered)])
            .unwrap();
        assert_eq!(mode(&data), 0o700);
        let files: Vec<_> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(files.len() >= 2, "the database and its WAL: {files:?}");
        for file in &files {
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
        drop(store);
        // Files an older version left readable are tightened on open.
        for file in files.iter().chain([&data]).filter(|f| f.exists()) {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        drop(Store::open(&data).unwrap());
        assert_eq!(mode(&data), 0o700);
        for file in files.iter().filter(|f| f.exists()) {
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
    }

    fn question(at: i64, text: &str, outcome: Outcome) -> Record {
        Record::Question(QuestionRecord {
            guild: Some(u64::MAX - 1),
            ..QuestionRecord::new(at, text, outcome)
        })
    }

    #[test]
    fn records_round_trip_through_a_reopened_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let rating = Record::Rating(RatingRecord {
            at: 20,
            guild: None,
            user: Some(7),
            vote: "v1".into(),
            question: "salary?".into(),
            passage: Some(PassageRef {
                id: "a#1".into(),
                article: "A".into(),
                section: "Pay".into(),
            }),
            score: Some(2.5),
            up: false,
        });
        let written = store
            .write(&[
                question(10, "who won the cup", Outcome::Declined),
                rating.clone(),
                rating,
            ])
            .unwrap();
        assert_eq!(written.stored, 2);
        assert_eq!(written.duplicate_votes, 1, "the same vote is stored once");
        let secret = store.secret().unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.secret().unwrap(), secret, "the vote secret persists");
        let all = store.export().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], question(10, "who won the cup", Outcome::Declined));
        assert!(matches!(&all[1], Record::Rating(r) if !r.up && r.user == Some(7)));
        assert_eq!(store.votes().unwrap(), vec![("v1".to_string(), false)]);
    }

    #[test]
    fn retention_deletes_what_is_old_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let day = 86_400;
        let now = 100 * day;
        let reload = |at| {
            Record::Reload(ReloadRecord {
                at,
                cause: "SIGHUP".into(),
                ok: true,
                version: 2,
                took_ms: 5,
                error: None,
                who: None,
                what: None,
            })
        };
        let rating = |at, vote: &str| {
            Record::Rating(RatingRecord {
                at,
                guild: None,
                user: None,
                vote: vote.into(),
                question: "salary?".into(),
                passage: None,
                score: None,
                up: true,
            })
        };
        store
            .write(&[
                question(now - 31 * day, "old", Outcome::Declined),
                question(now - 30 * day, "exactly at the limit", Outcome::Declined),
                question(now - day, "recent", Outcome::LowConfidence),
                reload(now - 40 * day),
                reload(now),
                rating(now - 30 * day - 1, "old vote"),
                rating(now - 29 * day, "new vote"),
            ])
            .unwrap();
        let pruned = store
            .prune(now, Duration::from_secs(30 * day as u64))
            .unwrap();
        assert_eq!(
            pruned,
            Pruned {
                questions: 1,
                ratings: 1,
                reloads: 1,
                solutions: 0
            }
        );
        assert_eq!(
            store
                .votes()
                .unwrap()
                .into_iter()
                .map(|(v, _)| v)
                .collect::<Vec<_>>(),
            vec!["new vote".to_string()]
        );
        let left: Vec<String> = store
            .questions_since(i64::MIN)
            .unwrap()
            .into_iter()
            .map(|q| q.question)
            .collect();
        assert_eq!(left, vec!["exactly at the limit", "recent"]);
        assert_eq!(store.reloads_since(i64::MIN).unwrap().len(), 1);
    }

    #[test]
    fn a_schema_3_store_gains_the_solutions_and_keeps_its_records() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(FILE)).unwrap();
            conn.execute_batch(schema::TABLES).unwrap();
            conn.execute(
                "INSERT INTO questions (at, question, outcome, version) VALUES (5, 'kept?', 'declined', 1)",
                [],
            )
            .unwrap();
            conn.pragma_update(None, "user_version", 3).unwrap();
        }
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.questions_since(0).unwrap()[0].question, "kept?");
        let marked = SolutionRecord {
            at: 6,
            guild: None,
            thread: 1,
            message: 2,
            question: "q".to_string(),
            answer: "a".to_string(),
            author: "Ada".to_string(),
            link: "l".to_string(),
            saved: None,
        };
        store.write(&[Record::Solution(marked.clone())]).unwrap();
        assert_eq!(store.solutions_in(0, None, Some(5)).unwrap(), vec![marked]);
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema::SCHEMA);
    }

    #[test]
    fn a_weeks_digest_is_claimed_once_across_processes_and_released_when_not_posted() {
        let dir = tempfile::tempdir().unwrap();
        let one = Store::open(dir.path()).unwrap();
        let two = Store::open(dir.path()).unwrap();
        assert!(!one.digest_posted(700).unwrap());
        assert!(one.claim_digest(700, 701).unwrap());
        assert!(!two.claim_digest(700, 702).unwrap(), "the other replica");
        assert!(!one.claim_digest(700, 703).unwrap(), "after a restart");
        assert!(two.digest_posted(700).unwrap());
        two.release_digest(700).unwrap();
        assert!(
            two.claim_digest(700, 704).unwrap(),
            "a failed post is tried again"
        );
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), b"this is not sqlite, just text").unwrap();
        let err = Store::open(dir.path()).unwrap_err();
        assert!(err.to_string().contains(FILE), "{err}");
    }
}
