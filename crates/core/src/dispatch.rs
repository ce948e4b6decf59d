//! Who hears of an open request first (decision 0032).
//!
//! `ring_all` offers it to every eligible volunteer at once. `batched`
//! offers it to the best-ranked few, then to the next few each time the
//! widening deadline passes, until every eligible volunteer has it;
//! earlier batches keep it. The ranking, in order:
//! 1. a familiar companion: a volunteer this seeker rated 4 or 5 before,
//!    unless the seeker turned that off (`preferFamiliar` in their
//!    settings);
//! 2. a volunteer who speaks one of the seeker's languages;
//! 3. the least recently helped first (never is least recent);
//!
//! then by id, so that the order is the same on every node. What put a
//! volunteer forward is kept as the [`Reason`]s shown to them ("why this
//! came to you"). Requests made to one volunteer are not batched.

use crate::{Timestamp, UserId};
use serde::Serialize;
use std::cmp::Reverse;
use std::time::Duration;

/// How open requests are offered (`HELPLINE_DISPATCH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Every eligible volunteer at once.
    RingAll,
    /// The best-ranked few first, widening on a deadline.
    Batched(Batching),
}

/// The batched policy's two numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batching {
    /// Volunteers offered per batch (at least 1).
    pub size: usize,
    /// Time between batches (at least a second).
    pub widen_every: Duration,
}

impl Dispatch {
    /// The policy named `ring_all` or `batched`, with its numbers; a batch
    /// of 0 or a widening of 0 seconds is refused.
    pub fn new(name: &str, size: usize, widen_secs: u64) -> Result<Self, String> {
        match name {
            "ring_all" => Ok(Self::RingAll),
            "batched" if size == 0 => Err("the dispatch batch size must be at least 1".into()),
            "batched" if widen_secs == 0 => {
                Err("the dispatch widening must be at least 1 second".into())
            }
            "batched" => Ok(Self::Batched(Batching {
                size,
                widen_every: Duration::from_secs(widen_secs),
            })),
            other => Err(format!(
                "dispatch must be ring_all or batched, got {other:?}"
            )),
        }
    }

    /// The batching, when requests are batched.
    pub fn batching(self) -> Option<Batching> {
        match self {
            Self::RingAll => None,
            Self::Batched(batching) => Some(batching),
        }
    }
}

/// Why a request was offered to a volunteer early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Reason {
    /// The seeker rated them 4 or 5 before.
    Familiar,
    /// They speak this language of the seeker's (as the volunteer wrote it).
    Language {
        /// The language.
        language: String,
    },
}

/// The seeker's side of the ranking.
#[derive(Debug, Clone)]
pub struct SeekerFacts {
    /// The languages the seeker speaks.
    pub languages: Vec<String>,
    /// Whether companions the seeker rated well go first.
    pub prefer_familiar: bool,
}

impl Default for SeekerFacts {
    /// No languages, familiar companions first (the setting's default).
    fn default() -> Self {
        Self {
            languages: Vec::new(),
            prefer_familiar: true,
        }
    }
}

/// What the ranking knows of one eligible volunteer.
#[derive(Debug, Clone)]
pub struct CandidateFacts {
    /// The volunteer.
    pub volunteer: UserId,
    /// The seeker rated them 4 or 5 on an earlier request.
    pub rated_well: bool,
    /// The languages they speak.
    pub languages: Vec<String>,
    /// When they last accepted a request; `None` if never.
    pub last_helped_at: Option<Timestamp>,
}

/// A volunteer in ranked order, with what put them there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// The volunteer.
    pub volunteer: UserId,
    /// Why they rank where they do; empty when only recency did.
    pub why: Vec<Reason>,
}

/// The first language of `volunteer`'s that the seeker speaks too,
/// compared without regard to case or surrounding space.
fn shared_language(seeker: &[String], volunteer: &[String]) -> Option<String> {
    volunteer
        .iter()
        .find(|theirs| {
            seeker
                .iter()
                .any(|ours| ours.trim().eq_ignore_ascii_case(theirs.trim()))
        })
        .map(|language| language.trim().to_owned())
}

/// Ranks the eligible volunteers for a seeker, best first.
pub fn rank(seeker: &SeekerFacts, candidates: Vec<CandidateFacts>) -> Vec<Ranked> {
    let mut keyed: Vec<_> = candidates
        .into_iter()
        .map(|c| {
            let familiar = seeker.prefer_familiar && c.rated_well;
            let language = shared_language(&seeker.languages, &c.languages);
            // `None` (never helped) sorts before every time.
            let key = (
                Reverse(familiar),
                Reverse(language.is_some()),
                c.last_helped_at.map(|t| t.millis()),
            );
            let mut why = Vec::new();
            if familiar {
                why.push(Reason::Familiar);
            }
            if let Some(language) = language {
                why.push(Reason::Language { language });
            }
            (
                key,
                Ranked {
                    volunteer: c.volunteer,
                    why,
                },
            )
        })
        .collect();
    keyed.sort_by(|(a, ra), (b, rb)| a.cmp(b).then_with(|| ra.volunteer.cmp(&rb.volunteer)));
    keyed.into_iter().map(|(_, ranked)| ranked).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(
        id: &str,
        rated_well: bool,
        languages: &[&str],
        helped: Option<i64>,
    ) -> CandidateFacts {
        CandidateFacts {
            volunteer: UserId::from_trusted(id),
            rated_well,
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
            last_helped_at: helped.map(Timestamp::from_millis),
        }
    }

    fn order(ranked: &[Ranked]) -> Vec<&str> {
        ranked.iter().map(|r| r.volunteer.as_str()).collect()
    }

    #[test]
    fn familiar_then_language_then_least_recently_helped() {
        let seeker = SeekerFacts {
            languages: vec!["Hindi".into(), "en".into()],
            prefer_familiar: true,
        };
        let ranked = rank(
            &seeker,
            vec![
                candidate("recent", false, &[], Some(900)),
                candidate("never", false, &[], None),
                candidate("older", false, &[], Some(100)),
                candidate("speaker", false, &["fr", " hindi "], Some(950)),
                candidate("friend", true, &[], Some(999)),
            ],
        );
        assert_eq!(
            order(&ranked),
            ["friend", "speaker", "never", "older", "recent"]
        );
        assert_eq!(ranked[0].why, [Reason::Familiar]);
        assert_eq!(
            ranked[1].why,
            [Reason::Language {
                language: "hindi".into()
            }]
        );
        assert!(ranked[2].why.is_empty());
    }

    #[test]
    fn a_seeker_who_opted_out_gets_no_familiar_first() {
        let seeker = SeekerFacts {
            languages: vec![],
            prefer_familiar: false,
        };
        let ranked = rank(
            &seeker,
            vec![
                candidate("friend", true, &[], Some(999)),
                candidate("other", false, &[], Some(1)),
            ],
        );
        assert_eq!(order(&ranked), ["other", "friend"]);
        assert!(ranked.iter().all(|r| r.why.is_empty()));
    }

    #[test]
    fn ties_break_by_id_and_both_reasons_are_kept() {
        let seeker = SeekerFacts {
            languages: vec!["de".into()],
            prefer_familiar: true,
        };
        let ranked = rank(
            &seeker,
            vec![
                candidate("b", false, &[], None),
                candidate("a", false, &[], None),
                candidate("c", true, &["DE"], Some(5)),
            ],
        );
        assert_eq!(order(&ranked), ["c", "a", "b"]);
        assert_eq!(
            ranked[0].why,
            [
                Reason::Familiar,
                Reason::Language {
                    language: "DE".into()
                }
            ]
        );
    }

    #[test]
    fn the_policy_is_parsed_with_its_numbers() {
        assert_eq!(Dispatch::new("ring_all", 0, 0), Ok(Dispatch::RingAll));
        let batched = Dispatch::new("batched", 5, 30).expect("valid");
        assert_eq!(batched.batching().map(|b| b.size), Some(5));
        assert!(Dispatch::new("batched", 0, 30).is_err());
        assert!(Dispatch::new("batched", 5, 0).is_err());
        assert!(Dispatch::new("round_robin", 5, 30).is_err());
    }
}
