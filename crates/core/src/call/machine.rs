//! The call state machine as pure transitions. The server reads a call,
//! asks [`transition`] what an event does to it, and has the store apply
//! the answer as a conditional update on the status it read; a lost race
//! re-reads and asks again. So every rule lives here, and the database only
//! guarantees that one transition out of each state wins.
//!
//! ```text
//! Ringing ──accept (callee, before deadline)──▶ Active
//! Ringing ──reject──▶ Rejected/rejected     Ringing ──busy──▶ Rejected/busy
//! Ringing ──cancel──▶ Cancelled/cancelled   Ringing ──glare──▶ Cancelled/glare
//! Ringing ──ring timeout (at/after deadline)──▶ Missed/timeout
//! Ringing ──participant gone──▶ Failed/disconnected
//! Ringing ──conversation ended──▶ Cancelled/conversation_ended
//! Active  ──hangup──▶ Ended/hangup (+duration)
//! Active  ──participant gone──▶ Failed/disconnected (+duration)
//! Active  ──conversation ended──▶ Ended/conversation_ended (+duration)
//! terminal: absorbing, every event is refused
//! ```

use super::{CallEnd, CallStatus, EndReason};
use crate::DomainError;
use crate::time::Timestamp;

/// Which participant acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The one who placed the call.
    Caller,
    /// The one who was called.
    Callee,
}

/// The state the machine needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Placed, unanswered, until the deadline.
    Ringing {
        /// The ring deadline.
        rings_until: Timestamp,
    },
    /// Accepted.
    Active {
        /// When.
        answered_at: Timestamp,
    },
    /// Terminal.
    Finished,
}

/// Something that happens to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallEvent {
    /// `call:accept` by a device of `Side`.
    Accept(Side),
    /// `call:reject`.
    Reject(Side),
    /// `call:cancel`.
    Cancel(Side),
    /// `call:hangup`.
    Hangup(Side),
    /// The sweeper found the ring deadline passed.
    RingTimeout,
    /// A watched participant stayed without devices past the grace period.
    ParticipantGone,
    /// The conversation ended.
    ConversationEnded,
    /// The other person's simultaneous invite won.
    Glare,
    /// The callee was already in a call when this one was placed.
    Busy,
}

/// What an event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `ringing → active`, answered now.
    Answer {
        /// The answer time.
        answered_at: Timestamp,
    },
    /// To a terminal status.
    End(CallEnd),
}

const ENDED: DomainError = DomainError::Conflict("the call has ended");
const NOT_RINGING: DomainError = DomainError::Conflict("the call is no longer ringing");
const NOT_ANSWERED: DomainError = DomainError::Conflict("the call has not been answered");

/// Decides what `event` at `now` does to a call in `phase`.
/// Refusals: `forbidden` for the wrong side, `conflict` for the wrong state.
pub fn transition(phase: Phase, event: CallEvent, now: Timestamp) -> Result<Step, DomainError> {
    use CallEvent::*;
    match event {
        Accept(Side::Caller) => return Err(DomainError::Forbidden("only the callee can accept")),
        Reject(Side::Caller) => return Err(DomainError::Forbidden("only the callee can decline")),
        Cancel(Side::Callee) => return Err(DomainError::Forbidden("only the caller can cancel")),
        _ => {}
    }
    let end = |status, reason, duration_secs| {
        Ok(Step::End(CallEnd {
            status,
            reason,
            ended_at: now,
            duration_secs,
        }))
    };
    match phase {
        Phase::Finished => Err(ENDED),
        Phase::Ringing { rings_until } => match event {
            Accept(_) if now < rings_until => Ok(Step::Answer { answered_at: now }),
            Accept(_) => Err(NOT_RINGING),
            Reject(_) => end(CallStatus::Rejected, EndReason::Rejected, None),
            Busy => end(CallStatus::Rejected, EndReason::Busy, None),
            Cancel(_) => end(CallStatus::Cancelled, EndReason::Cancelled, None),
            Glare => end(CallStatus::Cancelled, EndReason::Glare, None),
            RingTimeout if now >= rings_until => end(CallStatus::Missed, EndReason::Timeout, None),
            RingTimeout => Err(DomainError::Conflict("the call is still ringing")),
            ParticipantGone => end(CallStatus::Failed, EndReason::Disconnected, None),
            ConversationEnded => end(CallStatus::Cancelled, EndReason::ConversationEnded, None),
            Hangup(_) => Err(NOT_ANSWERED),
        },
        Phase::Active { answered_at } => {
            let duration = Some(((now.millis() - answered_at.millis()) / 1000).max(0));
            match event {
                Hangup(_) => end(CallStatus::Ended, EndReason::Hangup, duration),
                ParticipantGone => end(CallStatus::Failed, EndReason::Disconnected, duration),
                ConversationEnded => end(CallStatus::Ended, EndReason::ConversationEnded, duration),
                Accept(_) | Reject(_) | Cancel(_) | RingTimeout | Glare | Busy => Err(NOT_RINGING),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Exhaustive enumeration rather than random sampling: the machine is
    //! small enough to try every sequence of up to six steps, where a step
    //! is an event or the clock moving (past the ring deadline, or by a
    //! minute), so no case is left to chance.
    use super::*;
    use std::time::Duration;

    #[derive(Debug, Clone, Copy)]
    enum Move {
        Event(CallEvent),
        Tick(u64),
    }

    fn moves() -> Vec<Move> {
        use CallEvent::*;
        let mut all: Vec<Move> = [Side::Caller, Side::Callee]
            .into_iter()
            .flat_map(|s| [Accept(s), Reject(s), Cancel(s), Hangup(s)])
            .chain([RingTimeout, ParticipantGone, ConversationEnded, Glare, Busy])
            .map(Move::Event)
            .collect();
        all.push(Move::Tick(30));
        all.push(Move::Tick(61));
        all
    }

    /// Runs a sequence; returns the terminal transitions it produced.
    fn run(sequence: &[Move]) -> (Phase, Vec<CallEnd>, bool, Timestamp) {
        let start = Timestamp::from_millis(1_000_000);
        let rings_until = start.plus(Duration::from_secs(60));
        let (mut phase, mut now, mut ends, mut answered) =
            (Phase::Ringing { rings_until }, start, Vec::new(), false);
        for step in sequence {
            match *step {
                Move::Tick(secs) => now = now.plus(Duration::from_secs(secs)),
                Move::Event(event) => match transition(phase, event, now) {
                    Ok(Step::Answer { answered_at }) => {
                        assert!(matches!(phase, Phase::Ringing { .. }));
                        assert!(now < rings_until, "no answer after the deadline");
                        answered = true;
                        phase = Phase::Active { answered_at };
                    }
                    Ok(Step::End(end)) => {
                        assert!(
                            end.status != CallStatus::Ringing && end.status != CallStatus::Active
                        );
                        ends.push(end);
                        phase = Phase::Finished;
                    }
                    Err(error) => assert!(matches!(
                        error,
                        DomainError::Conflict(_) | DomainError::Forbidden(_)
                    )),
                },
            }
        }
        (phase, ends, answered, now)
    }

    fn for_every_sequence(max_len: usize, mut check: impl FnMut(&[Move])) {
        let moves = moves();
        let mut sequence = Vec::new();
        fn walk(moves: &[Move], seq: &mut Vec<Move>, left: usize, check: &mut dyn FnMut(&[Move])) {
            check(seq);
            if left == 0 {
                return;
            }
            for m in moves {
                seq.push(*m);
                walk(moves, seq, left - 1, check);
                seq.pop();
            }
        }
        walk(&moves, &mut sequence, max_len, &mut check);
    }

    #[test]
    fn at_most_one_terminal_transition_and_terminal_is_absorbing() {
        let mut count = 0u64;
        for_every_sequence(6, |sequence| {
            count += 1;
            let (phase, ends, answered, _) = run(sequence);
            assert!(ends.len() <= 1, "{sequence:?} ended twice: {ends:?}");
            assert_eq!(phase == Phase::Finished, ends.len() == 1, "{sequence:?}");
            if let Some(end) = ends.first() {
                assert_eq!(
                    end.duration_secs.is_some(),
                    answered,
                    "duration only when answered: {sequence:?}"
                );
                assert!(end.duration_secs.is_none_or(|d| d >= 0));
                if end.status == CallStatus::Ended {
                    assert!(answered, "`ended` only for answered calls: {sequence:?}");
                }
                if matches!(
                    end.status,
                    CallStatus::Missed | CallStatus::Rejected | CallStatus::Cancelled
                ) {
                    assert!(!answered, "{sequence:?}");
                }
            }
        });
        assert!(count > 1_000_000, "the enumeration ran ({count} sequences)");
    }

    #[test]
    fn every_call_ends_once_its_timers_fire() {
        for_every_sequence(5, |sequence| {
            let mut closed = sequence.to_vec();
            // The sweeper's ring timeout after the deadline, then the
            // disconnect timer: whatever happened before, the call is over.
            closed.extend([
                Move::Tick(61),
                Move::Event(CallEvent::RingTimeout),
                Move::Event(CallEvent::ParticipantGone),
            ]);
            let (phase, ends, _, _) = run(&closed);
            assert_eq!(phase, Phase::Finished, "{closed:?}");
            assert_eq!(ends.len(), 1);
        });
    }

    #[test]
    fn the_table() {
        let t0 = Timestamp::from_millis(0);
        let ringing = Phase::Ringing {
            rings_until: Timestamp::from_millis(60_000),
        };
        let at = |ms| Timestamp::from_millis(ms);
        let ended = |phase, event, now| match transition(phase, event, now) {
            Ok(Step::End(end)) => (end.status, end.reason, end.duration_secs),
            other => panic!("{other:?}"),
        };
        use CallEvent::*;
        assert_eq!(
            transition(ringing, Accept(Side::Callee), at(59_999)),
            Ok(Step::Answer {
                answered_at: at(59_999)
            })
        );
        assert_eq!(
            transition(ringing, Accept(Side::Callee), at(60_000)),
            Err(NOT_RINGING)
        );
        assert!(matches!(
            transition(ringing, Accept(Side::Caller), t0),
            Err(DomainError::Forbidden(_))
        ));
        assert_eq!(
            ended(ringing, RingTimeout, at(60_000)),
            (CallStatus::Missed, EndReason::Timeout, None)
        );
        assert!(transition(ringing, RingTimeout, at(59_999)).is_err());
        assert_eq!(
            ended(ringing, Busy, t0),
            (CallStatus::Rejected, EndReason::Busy, None)
        );
        assert_eq!(
            ended(ringing, Glare, t0),
            (CallStatus::Cancelled, EndReason::Glare, None)
        );
        assert_eq!(
            ended(ringing, ConversationEnded, t0),
            (CallStatus::Cancelled, EndReason::ConversationEnded, None)
        );
        let active = Phase::Active {
            answered_at: at(1_000),
        };
        assert_eq!(
            ended(active, Hangup(Side::Callee), at(241_999)),
            (CallStatus::Ended, EndReason::Hangup, Some(240))
        );
        assert_eq!(
            ended(active, ParticipantGone, at(11_000)),
            (CallStatus::Failed, EndReason::Disconnected, Some(10))
        );
        assert_eq!(
            ended(active, ConversationEnded, at(1_000)),
            (CallStatus::Ended, EndReason::ConversationEnded, Some(0))
        );
        assert_eq!(
            transition(Phase::Finished, Hangup(Side::Caller), t0),
            Err(ENDED)
        );
    }
}
