//! The weekly digest: what moderators should know about the week, posted
//! in their channel once a week. The schedule is a pure function of the
//! clock and what the store says was posted ([`due`]); the store makes a
//! week's digest happen once, across restarts and replicas
//! ([`Store::claim_digest`]); [`digest`] reads the week from the store.

use serde::Serialize;

use super::quality::WorseArticle;
use super::report::{self, GapGroup, Stats, DAY};
use super::store::{QuestionRecord, RatingRecord, SolutionRecord, Store, StoreError};

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

    /// The week whose digest is due at `now`, given whether a week's was
    /// `posted`: this week's, unless it was. A week the bot missed is
    /// posted when it starts again within that week; a week that is over
    /// is never posted late; a week claimed by a wrong clock, in the
    /// future, changes nothing for this one.
    pub fn due(&self, now: i64, posted: impl FnOnce(i64) -> bool) -> Option<i64> {
        let week = self.week_of(now);
        (!posted(week)).then_some(week)
    }

    /// Seconds from `now` to the next week's start.
    pub fn until_next(&self, now: i64) -> i64 {
        self.week_of(now) + 7 * DAY - now
    }
}

/// One week's digest: the 7 days before the week's start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    /// The week's start (Unix seconds): the digest covers the 7 days
    /// before it.
    pub week: i64,
    /// Questions in those 7 days.
    pub questions: usize,
    /// Questions in the 7 days before those.
    pub questions_before: usize,
    /// Share answered (any confidence) of the week's questions, 0 to 1;
    /// `None` without questions.
    pub answered_rate: Option<f64>,
    /// The largest gap groups of the week.
    pub gaps: Vec<GapGroup>,
    /// The latest solutions marked in help forums and not yet saved.
    pub solutions: Vec<SolutionRecord>,
    /// Solutions waiting, at most [`report::SOLUTIONS`] counted.
    pub solutions_waiting: usize,
    /// The week's articles rated worse than the rest.
    pub worst: Vec<WorseArticle>,
    /// The week's figures, for the chart.
    #[serde(skip)]
    pub stats: Stats,
}

/// The digest of the 7 days before `week` (a week's start) in `guild`
/// (`None`: everywhere), whenever it is built: a digest posted late in
/// its week says the same as one posted on time.
///
/// # Errors
/// When the store cannot be read.
pub fn digest(store: &Store, week: i64, guild: Option<u64>) -> Result<Digest, StoreError> {
    let start = week - 7 * DAY;
    let within = |at: i64| (start..week).contains(&at);
    let mut questions = store.questions_in(start - 7 * DAY, guild)?;
    let questions_before = questions.iter().filter(|q| q.at < start).count();
    questions.retain(|q| within(q.at));
    let mut ratings = store.ratings_in(start, guild)?;
    ratings.retain(|r| within(r.at));
    let waiting = store.solutions_in(i64::MIN, guild, Some(report::SOLUTIONS))?;
    Ok(Digest::of(
        week,
        (&questions, questions_before),
        &ratings,
        waiting,
    ))
}

impl Digest {
    /// The digest of a week with nothing recorded (a fresh install).
    pub fn empty(week: i64) -> Self {
        Digest::of(week, (&[], 0), &[], Vec::new())
    }

    /// The digest of `week` from its questions (and the count of the week
    /// before's), its ratings and the solutions `waiting`.
    fn of(
        week: i64,
        (questions, questions_before): (&[QuestionRecord], usize),
        ratings: &[RatingRecord],
        waiting: Vec<SolutionRecord>,
    ) -> Self {
        let start = week - 7 * DAY;
        // Up to the week's last moment, so the chart's days are the week's.
        let stats = report::summarize(7, start, week - 1, questions, ratings, &[]);
        let mut gaps = report::group_gaps(7, start, questions, ratings).groups;
        gaps.truncate(TOP);
        Digest {
            week,
            questions: stats.questions,
            questions_before,
            answered_rate: (stats.questions > 0).then_some(stats.answered_rate),
            gaps,
            solutions_waiting: waiting.len(),
            solutions: waiting.into_iter().take(TOP).collect(),
            worst: stats.quality.worse.iter().take(TOP).cloned().collect(),
            stats,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::{Outcome, QuestionRecord, Record};

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
        let last_week = [at(-7, 9, 0)];
        let this_week = [at(-7, 9, 0), at(0, 9, 0)];
        let posted = |weeks: &[i64]| {
            let weeks = weeks.to_vec();
            move |week: i64| weeks.contains(&week)
        };
        // Before Monday 9:00: last week's, posted already.
        assert_eq!(s.due(at(0, 8, 0), posted(&last_week)), None);
        // At 9:00: due; once posted, not again that week.
        assert_eq!(s.due(at(0, 9, 0), posted(&last_week)), Some(at(0, 9, 0)));
        assert_eq!(s.due(at(0, 9, 1), posted(&this_week)), None);
        assert_eq!(s.due(at(6, 23, 0), posted(&this_week)), None);
        // Down on Monday, started on Thursday: posted then.
        assert_eq!(s.due(at(3, 10, 0), posted(&last_week)), Some(at(0, 9, 0)));
        // Down for two weeks: only the current week is posted.
        assert_eq!(s.due(at(8, 10, 0), posted(&last_week)), Some(at(7, 9, 0)));
        // A week in 2030, claimed by a wrong clock, does not silence this one.
        assert_eq!(
            s.due(at(1, 0, 0), posted(&[at(1_200, 9, 0)])),
            Some(at(0, 9, 0))
        );
        // Never posted: this week's.
        assert_eq!(s.due(at(1, 0, 0), |_| false), Some(at(0, 9, 0)));
    }

    #[test]
    fn a_digest_covers_the_seven_days_before_its_week_in_its_server_whenever_it_is_built() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(dir.path()).expect("store");
        let asked = |at: i64, guild: Option<u64>| {
            Record::Question(QuestionRecord {
                guild,
                ..QuestionRecord::new(at, "a question", Outcome::Declined)
            })
        };
        store
            .write(&[
                asked(at(-10, 12, 0), Some(1)), // the week before
                asked(at(-3, 12, 0), Some(1)),  // the week
                asked(at(-1, 12, 0), Some(1)),  // the week
                asked(at(-1, 12, 0), Some(2)),  // another server
                asked(at(-1, 13, 0), None),     // a direct message
                asked(at(1, 12, 0), Some(1)),   // after the week began
            ])
            .expect("written");
        let d = digest(&store, at(0, 9, 0), Some(1)).expect("digest");
        assert_eq!((d.questions, d.questions_before), (2, 1));
        assert_eq!(d.answered_rate, Some(0.0));
        assert_eq!(d.gaps[0].count, 2);
        assert_eq!(
            d.stats.per_day.len(),
            8,
            "the week's days, the first partly"
        );
        let empty = digest(&store, at(-21, 9, 0), Some(1)).expect("digest");
        assert_eq!((empty.questions, empty.answered_rate), (0, None));
    }
}
