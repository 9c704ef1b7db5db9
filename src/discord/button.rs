//! The buttons careerbot puts under its messages, as one type. A button's
//! `custom_id` is its [`Display`](std::fmt::Display) form and is read back
//! with [`FromStr`](std::str::FromStr); nothing else builds or parses ids.
//! Buttons keep no server state: the asker, the page and (for a rating)
//! the rated passage are in the id, so they work after a restart.

use std::fmt;
use std::str::FromStr;

use serenity::model::id::{ChannelId, MessageId, UserId};

use super::limits;
use crate::chunk::Passage;

/// One of careerbot's buttons.
#[derive(Debug, Clone, PartialEq)]
pub enum Button {
    /// "More answers": show `page` of the answer to its owners.
    More {
        /// Who asked, and the member it was for: they may page.
        owners: Owners,
        /// The page to show.
        page: usize,
    },
    /// 👍 (`up`) or 👎 on the passage shown at `page`. Anyone may press it.
    Rate {
        /// Who asked.
        asker: UserId,
        /// The page the rated passage was on.
        page: usize,
        /// 👍 or 👎.
        up: bool,
        /// The rated passage and its score in the answer; `None` on a
        /// button from before ratings named their passage.
        rated: Option<Rated>,
    },
    /// 🗑️ on a public answer: its owners or a moderator may delete it.
    Delete {
        /// Who asked, and the member it was for.
        owners: Owners,
        /// How the answer was posted, and so how it is deleted.
        posted: Posted,
    },
    /// A page of `/topics`, for `asker`.
    Topics {
        /// Who asked, and so may page.
        asker: UserId,
        /// The page to show.
        page: usize,
    },
    /// A page of `/gaps` over `days` days, for the moderator `asker`.
    Gaps {
        /// The moderator who asked for the report.
        asker: UserId,
        /// The page to show.
        page: usize,
        /// The period the report covers.
        days: u32,
    },
    /// "Answer this" on a `/gaps` group: opens the form to answer it.
    AnswerGap {
        /// The moderator who asked for the report.
        asker: UserId,
        /// The period the report covers.
        days: u32,
        /// Which group: [`GapKey`] of its example question.
        gap: GapKey,
    },
    /// "Save N" on a `/gaps` solution to save: opens the "Save as answer"
    /// form, prefilled from the help-forum post and its marked solution.
    SaveSolution {
        /// The moderator who asked for the report.
        asker: UserId,
        /// The period the report covers.
        days: u32,
        /// The post's thread, which names its candidate.
        thread: ChannelId,
        /// The solution listed: pressed after the post was marked anew,
        /// the button opens nothing.
        message: MessageId,
    },
}

/// Who an answer belongs to: the member who asked and, for `/ask
/// target:`, the member it was posted for. Written `asker` or
/// `asker+target` in an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owners {
    /// Who asked.
    pub asker: UserId,
    /// The member it was for, if not the asker.
    pub target: Option<UserId>,
}

impl Owners {
    /// An answer for the member who asked.
    pub fn asker(asker: UserId) -> Self {
        Owners {
            asker,
            target: None,
        }
    }

    /// Whether `user` is one of them.
    pub fn include(&self, user: UserId) -> bool {
        user == self.asker || Some(user) == self.target
    }
}

impl fmt::Display for Owners {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.target {
            Some(target) => write!(f, "{}+{target}", self.asker),
            None => write!(f, "{}", self.asker),
        }
    }
}

impl FromStr for Owners {
    type Err = UnknownButton;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let user = |id: &str| {
            id.parse::<u64>()
                .ok()
                .filter(|a| *a != 0)
                .map(UserId::new)
                .ok_or(UnknownButton)
        };
        match s.split_once('+') {
            Some((asker, target)) => Ok(Owners {
                asker: user(asker)?,
                target: Some(user(target)?),
            }),
            None => Ok(Owners::asker(user(s)?)),
        }
    }
}

/// How a public answer was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// As an interaction's response: deleted through its webhook.
    Interaction,
    /// As a channel message (a mention or a forum post): deleted as one.
    Message,
}

/// A short, fixed-length name of a longer text that a custom id cannot
/// hold: `LEN` hex digits of its BLAKE3 hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashKey<const LEN: usize>(String);

impl<const LEN: usize> HashKey<LEN> {
    /// The key of `text`.
    pub fn of(text: &str) -> Self {
        HashKey(blake3::hash(text.as_bytes()).to_hex()[..LEN].to_string())
    }
}

impl<const LEN: usize> FromStr for HashKey<LEN> {
    type Err = UnknownButton;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == LEN && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(HashKey(s.to_ascii_lowercase()))
        } else {
            Err(UnknownButton)
        }
    }
}

impl<const LEN: usize> fmt::Display for HashKey<LEN> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key of a `/gaps` group's example question, to find the group again
/// when its form opens.
pub type GapKey = HashKey<8>;

/// The key of a passage id: an id can be longer than a custom id allows.
pub type PassageKey = HashKey<16>;

impl PassageKey {
    /// The passage among `passages` whose id has this key.
    pub fn find<'a>(&self, passages: &'a [Passage]) -> Option<&'a Passage> {
        passages.iter().find(|p| PassageKey::of(&p.id) == *self)
    }
}

/// The passage a rating is about, as a button carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rated {
    /// [`PassageKey`] of the passage's id.
    pub key: PassageKey,
    /// Its score in the answer, to three decimals.
    pub score: f32,
}

impl Button {
    /// Its label in metrics: a fixed string.
    pub fn label(&self) -> &'static str {
        match self {
            Button::More { .. } => "more",
            Button::Rate { .. } => "rate",
            Button::Delete { .. } => "delete",
            Button::Topics { .. } => "topics",
            Button::Gaps { .. } => "gaps",
            Button::AnswerGap { .. } => "answer-gap",
            Button::SaveSolution { .. } => "save-solution",
        }
    }

    /// Its custom id.
    pub fn id(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Button {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Button::More { owners, page } => write!(f, "more:{owners}:{page}"),
            Button::Rate {
                asker,
                page,
                up,
                rated,
            } => {
                let kind = if *up { "rate-up" } else { "rate-down" };
                write!(f, "{kind}:{asker}:{page}")?;
                match rated {
                    Some(Rated { key, score }) => write!(f, ":{score:.3}:{key}"),
                    None => Ok(()),
                }
            }
            Button::Delete { owners, posted } => {
                let how = match posted {
                    Posted::Interaction => "i",
                    Posted::Message => "m",
                };
                write!(f, "delete:{owners}:{how}")
            }
            Button::Topics { asker, page } => write!(f, "topics:{asker}:{page}"),
            Button::Gaps { asker, page, days } => write!(f, "gaps:{asker}:{page}:{days}"),
            Button::AnswerGap { asker, days, gap } => write!(f, "gap-answer:{asker}:{days}:{gap}"),
            Button::SaveSolution {
                asker,
                days,
                thread,
                message,
            } => write!(f, "save-solution:{asker}:{days}:{thread}:{message}"),
        }
    }
}

/// A custom id that is not one of careerbot's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not one of careerbot's buttons")]
pub struct UnknownButton;

fn number<T: FromStr>(text: &str) -> Result<T, UnknownButton> {
    text.parse().map_err(|_| UnknownButton)
}

/// A period read from an id: the default when it is bad, within bounds.
/// A Discord id: a number that is not zero.
fn snowflake(text: &str) -> Result<std::num::NonZeroU64, UnknownButton> {
    std::num::NonZeroU64::new(number(text)?).ok_or(UnknownButton)
}

fn period(text: Option<&str>) -> u32 {
    text.and_then(|d| d.parse::<u32>().ok())
        .map_or(super::period::DEFAULT_DAYS, |d| {
            d.clamp(1, super::period::MAX_DAYS)
        })
}

impl FromStr for Button {
    type Err = UnknownButton;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        if id.len() > limits::CUSTOM_ID {
            return Err(UnknownButton);
        }
        let mut parts = id.split(':');
        let kind = parts.next().ok_or(UnknownButton)?;
        let owners: Owners = parts.next().ok_or(UnknownButton)?.parse()?;
        let rest: Vec<&str> = parts.collect();
        // Only "more" and "delete" buttons are ever for a second member.
        let asker = match (kind, owners.target) {
            ("more" | "delete", _) | (_, None) => owners.asker,
            _ => return Err(UnknownButton),
        };
        match (kind, rest.as_slice()) {
            ("more", [page]) => Ok(Button::More {
                owners,
                page: number(page)?,
            }),
            ("delete", [how]) => Ok(Button::Delete {
                owners,
                posted: match *how {
                    "i" => Posted::Interaction,
                    "m" => Posted::Message,
                    _ => return Err(UnknownButton),
                },
            }),
            ("topics", [page]) => Ok(Button::Topics {
                asker,
                page: number(page)?,
            }),
            ("rate-up" | "rate-down", [page, rest @ ..]) => {
                let rated = match rest {
                    [] => None,
                    [score, key] => Some(Rated {
                        score: score
                            .parse::<f32>()
                            .ok()
                            .filter(|s| s.is_finite())
                            .ok_or(UnknownButton)?,
                        key: key.parse()?,
                    }),
                    _ => return Err(UnknownButton),
                };
                Ok(Button::Rate {
                    asker,
                    page: number(page)?,
                    up: kind == "rate-up",
                    rated,
                })
            }
            // An id without its period (or with a bad one) pages the default.
            ("gaps", [page, rest @ ..]) if rest.len() <= 1 => Ok(Button::Gaps {
                asker,
                page: number(page)?,
                days: period(rest.first().copied()),
            }),
            ("gap-answer", [days, gap]) => Ok(Button::AnswerGap {
                asker,
                days: period(Some(*days)),
                gap: gap.parse()?,
            }),
            ("save-solution", [days, thread, message]) => Ok(Button::SaveSolution {
                asker,
                days: period(Some(*days)),
                thread: snowflake(thread)?.into(),
                message: snowflake(message)?.into(),
            }),
            _ => Err(UnknownButton),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(button: &Button) -> Button {
        let id = button.id();
        assert!(id.chars().count() <= limits::CUSTOM_ID, "{id}");
        id.parse().expect("its own id parses")
    }

    #[test]
    fn every_button_reads_back_from_its_id_at_the_largest_values() {
        let asker = UserId::new(u64::MAX);
        let buttons = [
            Button::More {
                owners: Owners {
                    asker,
                    target: Some(UserId::new(u64::MAX - 1)),
                },
                page: usize::MAX,
            },
            Button::Delete {
                owners: Owners {
                    asker,
                    target: Some(UserId::new(u64::MAX - 1)),
                },
                posted: Posted::Message,
            },
            Button::Delete {
                owners: Owners::asker(asker),
                posted: Posted::Interaction,
            },
            Button::AnswerGap {
                asker,
                days: crate::discord::period::MAX_DAYS,
                gap: GapKey::of("how do I negotiate a raise?"),
            },
            Button::Rate {
                asker,
                page: usize::MAX,
                up: false,
                rated: Some(Rated {
                    key: PassageKey::of(&"a-very-long-article-id#section".repeat(20)),
                    score: 98_765.5,
                }),
            },
            Button::Rate {
                asker,
                page: 3,
                up: true,
                rated: None,
            },
            Button::Gaps {
                asker,
                page: usize::MAX,
                days: u32::MAX,
            },
            Button::SaveSolution {
                asker,
                days: crate::discord::period::MAX_DAYS,
                thread: ChannelId::new(u64::MAX),
                message: MessageId::new(u64::MAX),
            },
        ];
        for button in &buttons {
            let back = round_trip(button);
            match (button, &back) {
                (Button::Gaps { days, .. }, Button::Gaps { days: read, .. }) => {
                    assert_eq!(*read, (*days).clamp(1, crate::discord::period::MAX_DAYS));
                }
                _ => assert_eq!(&back, button),
            }
        }
    }

    #[test]
    fn ids_that_are_not_careerbots_are_refused() {
        for id in [
            "",
            "more",
            "more:abc:1",
            "more:0:1",
            "more:1:1:extra",
            "rate-up:1:0:1.0",
            "rate-up:1:0:nan:0123456789abcdef",
            "rate-up:1:0:1.0:not-hex-at-all!!",
            "rate-up:1:99999999999999999999999",
            "gaps:1:0:30:1",
            "other:1:1",
            "rate-up:1+2:0",
            "gaps:1+2:0:30",
            "more:1+:0",
            "more:1+0:0",
            "delete:1:x",
            "delete:1",
            "gap-answer:1:30:nothex!!",
            "gap-answer:1:30",
            "save-solution:1:30:0:5",
            "save-solution:1:30:5:0",
            "save-solution:1:30:x:5",
            "save-solution:1:30:5",
            "save-solution:1+2:30:5:6",
        ] {
            assert_eq!(id.parse::<Button>(), Err(UnknownButton), "{id:?}");
        }
    }

    #[test]
    fn a_passage_key_finds_its_passage_and_no_other() {
        let passage = |id: &str| Passage {
            id: id.to_string(),
            article_id: String::new(),
            article: String::new(),
            section: Vec::new(),
            text: String::new(),
            spans: Vec::new(),
            source: None,
            keywords: Vec::new(),
            tags: Vec::new(),
            position: 0,
        };
        let passages = [passage("a#one"), passage("a#two")];
        let key = PassageKey::of("a#two");
        assert_eq!(key.find(&passages).map(|p| p.id.as_str()), Some("a#two"));
        assert!(PassageKey::of("a#gone").find(&passages).is_none());
    }
}
