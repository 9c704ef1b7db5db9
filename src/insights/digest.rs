//! The weekly digest: what moderators should know about the week, posted
//! in their channel once a week. The schedule is a pure function of the
//! clock and what the store says was posted ([`due`]); the store makes a
//! week's digest happen once, across restarts and replicas
//! ([`Store::claim_digest`]); [`digest`] reads the week from the store.

use serde::Serialize;

use super::quality::WorseArticle;
use super::report::{self, GapGroup, Stats, DAY};
use super::store::{SolutionRecord, Store, StoreError};

/// Hours in a day: `digest_hour` is below it.
pub const HOURS: u8 = 24;
/// Gap groups, solutions and articles a digest lists at most.
const TOP: usize = 5;
/// The weekday names `digest_weekday` takes, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// When the digest is posted: each week on `weekday` (0 is Monday) at
/// `hour` o'clock, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// 0 (Monday) to 6 (Sunday).
    pub weekday: u8,
    /// 0 to 23, UTC.
    pub hour: u8,
}

impl Schedule {
    /// The weekday `name` stands for (English, any case, or its first three
    /// letters), 0 for Monday.
    pub fn weekday(name: &str) -> Option<u8> {
        let name = name.trim().to_lowercase();
        let index = WEEKDAYS
            .iter()
            .position(|d| *d == name || (name.len() == 3 && d.starts_with(&name)))?;
        u8::try_from(index).ok()
    }

    /// The start of the digest week `now` (Unix seconds) is in: the latest
    /// scheduled time at or before `now`.
    pub fn week_of(&self, now: i64) -> i64 {
        let day = now.div_euclid(DAY);
        // 1970-01-01 was a Thursday (3, counting from Monday).
        let weekday = (day + 3).rem_euclid(7);
        let back = (weekday - i64::from(self.weekday)).rem_euclid(7);
        let slot = (day - back) * DAY + i64::from(self.hour) * 3_600;
        if slot > now {
            slot - 7 * DAY
        } else {
            slot
        }
    }

    /// The week whose digest is due at `now`, given the start of the last
    /// week posted: this week's, unless it was posted. A week the bot
    /// missed is posted when it starts again within that week; a week that
    /// is over is never posted late.
    pub fn due(&self, now: i64, last_posted: Option<i64>) -> Option<i64> {
        let week = self.week_of(now);
        (last_posted.is_none_or(|last| last < week)).then_some(week)
    }

    /// Seconds from `now` to the next week's start.
    pub fn until_next(&self, now: i64) -> i64 {
        self.week_of(now) + 7 * DAY - now
    }
}

/// One week's digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    /// The week's start (Unix seconds).
    pub week: i64,
    /// Questions in the 7 days before now.
    pub questions: usize,
    /// Questions in the 7 days before those.
    pub questions_before: usize,
    /// Share answered (any confidence) of this week's questions, 0 to 1.
    pub answered_rate: f64,
    /// The largest gap groups of the week.
    pub gaps: Vec<GapGroup>,
    /// Solutions marked in help forums and not yet saved (any week).
    pub solutions: Vec<SolutionRecord>,
    /// All of them waiting, of which `solutions` are the latest.
    pub solutions_waiting: usize,
    /// The week's articles rated worse than the rest.
    pub worst: Vec<WorseArticle>,
    /// The week's figures, for the chart.
    #[serde(skip)]
    pub stats: Stats,
}

/// The digest of the week before `now` in `guild` (`None`: everywhere).
///
/// # Errors
/// When the store cannot be read.
pub fn digest(
    store: &Store,
    now: i64,
    week: i64,
    guild: Option<u64>,
) -> Result<Digest, StoreError> {
    let stats = report::stats(store, now, 7, guild)?;
    let before = report::since(now, 7);
    let questions_before = store
        .questions_in(report::since(now, 14), guild)?
        .iter()
        .filter(|q| q.at < before)
        .count();
    let mut gaps = report::gaps(store, now, 7, guild)?;
    let waiting = store.solutions_in(report::since(now, 90), guild, Some(report::SOLUTIONS))?;
    gaps.groups.truncate(TOP);
    Ok(Digest {
        week,
        questions: stats.questions,
        questions_before,
        answered_rate: stats.answered_rate,
        gaps: gaps.groups,
        solutions_waiting: waiting.len(),
        solutions: waiting.into_iter().take(TOP).collect(),
        worst: stats.quality.worse.iter().take(TOP).cloned().collect(),
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-07 (a Monday) at `hour`:`minute` UTC, plus `days`.
    fn at(days: i64, hour: i64, minute: i64) -> i64 {
        1_796_601_600 + days * DAY + hour * 3_600 + minute * 60
    }

    #[test]
    fn the_week_starts_at_the_scheduled_weekday_and_hour_in_utc() {
        assert_eq!(report::date(at(0, 0, 0) / DAY), "2026-12-07");
        let monday_9 = Schedule {
            weekday: 0,
            hour: 9,
        };
        assert_eq!(monday_9.week_of(at(0, 9, 0)), at(0, 9, 0));
        assert_eq!(monday_9.week_of(at(0, 8, 59)), at(-7, 9, 0));
        assert_eq!(monday_9.week_of(at(6, 23, 59)), at(0, 9, 0));
        let friday_17 = Schedule {
            weekday: 4,
            hour: 17,
        };
        assert_eq!(friday_17.week_of(at(0, 12, 0)), at(-3, 17, 0));
        assert_eq!(
            friday_17.until_next(at(0, 12, 0)),
            at(4, 17, 0) - at(0, 12, 0)
        );
        assert_eq!(Schedule::weekday("Friday"), Some(4));
        assert_eq!(Schedule::weekday("sun"), Some(6));
        assert_eq!(Schedule::weekday("someday"), None);
        assert_eq!(Schedule::weekday("s"), None);
    }

    #[test]
    fn a_digest_is_due_once_a_week_catches_up_within_its_week_and_never_late() {
        let s = Schedule {
            weekday: 0,
            hour: 9,
        };
        // Before Monday 9:00: last week's, if it was not posted.
        assert_eq!(s.due(at(0, 8, 0), Some(at(-7, 9, 0))), None);
        // At 9:00: due; once posted, not again that week.
        assert_eq!(s.due(at(0, 9, 0), Some(at(-7, 9, 0))), Some(at(0, 9, 0)));
        assert_eq!(s.due(at(0, 9, 1), Some(at(0, 9, 0))), None);
        assert_eq!(s.due(at(6, 23, 0), Some(at(0, 9, 0))), None);
        // Down on Monday, started on Thursday: posted then.
        assert_eq!(s.due(at(3, 10, 0), Some(at(-7, 9, 0))), Some(at(0, 9, 0)));
        // Down for two weeks: only the current week is posted.
        assert_eq!(s.due(at(8, 10, 0), Some(at(-7, 9, 0))), Some(at(7, 9, 0)));
        // Never posted: this week's.
        assert_eq!(s.due(at(1, 0, 0), None), Some(at(0, 9, 0)));
    }
}
