//! The insights database's schema and its upgrades. The version is
//! SQLite's `user_version`; each step brings a file from the version
//! before it and is idempotent (tables and indexes `IF NOT EXISTS`,
//! columns added when missing), so a file an older careerbot wrote, at any
//! version, gains what it lacks and keeps its records. Only a file older
//! than [`SCHEMA`] is written to, so a reader opening the store beside a
//! running bot takes no write lock.
//!
//! `rusqlite_migration` does this job, but its latest release (2.6.0)
//! needs rusqlite 0.40 and careerbot is on 0.43: two `libsqlite3-sys`
//! cannot link into one binary.

use std::path::Path;

use rusqlite::Connection;

use super::{solutions, sqlite_error, StoreError};

/// The schema this careerbot writes.
pub(super) const SCHEMA: i64 = 5;

/// The tables of schema 1 and 2: questions, ratings and reloads, and the
/// handled interaction ids (schema 2) the replay guard reads.
pub(super) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS interactions (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS interactions_at ON interactions (at);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    guild INTEGER,
    user INTEGER,
    question TEXT NOT NULL,
    outcome TEXT NOT NULL,
    passage TEXT,
    article TEXT,
    section TEXT,
    score REAL,
    confidence REAL,
    version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_at ON questions (at);
CREATE TABLE IF NOT EXISTS ratings (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    guild INTEGER,
    user INTEGER,
    vote TEXT NOT NULL UNIQUE,
    question TEXT NOT NULL,
    passage TEXT,
    article TEXT,
    section TEXT,
    score REAL,
    up INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ratings_at ON ratings (at);
CREATE TABLE IF NOT EXISTS reloads (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    cause TEXT NOT NULL,
    ok INTEGER NOT NULL,
    version INTEGER NOT NULL,
    took_ms INTEGER NOT NULL,
    error TEXT,
    who TEXT,
    what TEXT
);
CREATE INDEX IF NOT EXISTS reloads_at ON reloads (at);
";

/// The weeks whose digest was posted (schema 5).
const DIGESTS: &str =
    "CREATE TABLE IF NOT EXISTS digests (week INTEGER PRIMARY KEY, at INTEGER NOT NULL);";

/// One step: the version it brings a file to, and what it does.
type Step = (i64, fn(&Connection) -> rusqlite::Result<()>);

/// Every step, oldest first.
const STEPS: [Step; 4] = [
    // 1 and 2: the records, and the handled interaction ids.
    (2, |conn| conn.execute_batch(TABLES)),
    // 3: who asked for a reload and what it changed.
    (3, |conn| {
        add_missing_columns(conn, "reloads", &["who", "what"])
    }),
    // 4: the solutions marked in help forums, and those saved.
    (4, |conn| conn.execute_batch(solutions::SCHEMA_SQL)),
    // 5: the weeks whose digest was posted.
    (5, |conn| conn.execute_batch(DIGESTS)),
];

/// Brings the database at `path` (open as `conn`) to [`SCHEMA`].
///
/// # Errors
/// When SQLite fails, or the file was written by a newer careerbot.
pub(super) fn upgrade(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let sqlite = sqlite_error(path);
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(&sqlite)?;
    if found > SCHEMA {
        return Err(StoreError::Newer {
            path: path.to_path_buf(),
            found,
        });
    }
    if found == SCHEMA {
        return Ok(());
    }
    // Every step runs, however old the file: a step is idempotent, and an
    // early version's tables may lack what a later step assumed.
    for (_, step) in STEPS {
        step(conn).map_err(&sqlite)?;
    }
    conn.pragma_update(None, "user_version", SCHEMA)
        .map_err(&sqlite)
}

/// Adds each of `columns` (as TEXT) that `table` lacks.
fn add_missing_columns(conn: &Connection, table: &str, columns: &[&str]) -> rusqlite::Result<()> {
    let existing: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")?
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for column in columns {
        if !existing.iter().any(|c| c == column) {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} TEXT"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_end_at_the_schema_and_every_version_upgrades() {
        assert_eq!(STEPS.last().map(|(v, _)| *v), Some(SCHEMA));
        assert!(STEPS.windows(2).all(|w| w[0].0 < w[1].0));
        // Schema 2's reloads had no `who` and `what`.
        let tables_2 = TABLES.replace(",\n    who TEXT,\n    what TEXT", "");
        assert_ne!(tables_2, TABLES);
        for version in 0..SCHEMA {
            let conn = Connection::open_in_memory().unwrap();
            // A file at `version`: the steps up to it applied.
            if version >= 2 {
                conn.execute_batch(&tables_2).unwrap();
            }
            for (_, step) in STEPS.iter().filter(|(v, _)| (3..=version).contains(v)) {
                step(&conn).unwrap();
            }
            conn.pragma_update(None, "user_version", version).unwrap();
            upgrade(&conn, Path::new("test")).unwrap();
            upgrade(&conn, Path::new("test")).unwrap();
            let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
            let tables = count(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('questions', 'digests', 'solutions')",
            );
            assert_eq!(tables, 3, "from version {version}");
            let columns = count(
                "SELECT count(*) FROM pragma_table_info('reloads') WHERE name IN ('who', 'what')",
            );
            assert_eq!(columns, 2, "from version {version}");
        }
    }
}
