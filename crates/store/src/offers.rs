//! Who a new request is offered to, decided the same way on both backends
//! inside the transaction that stores it: the candidates the caller found
//! available, each once, less everyone on the other side of a block with
//! the seeker, whichever of them blocked (read in that transaction, so a
//! block committed before the request is never missed). The SQL here is
//! the same on both backends (SQLite reads `$1` as the first parameter).

use helpline_core::UserId;
use std::collections::HashSet;

/// Everyone on the other side of a block with the person `$1`: those who
/// blocked them and those they blocked.
pub(crate) const BLOCK_PARTIES: &str = "SELECT blocker_id FROM blocks WHERE blocked_id = $1 \
     UNION SELECT blocked_id FROM blocks WHERE blocker_id = $1";

/// Whether `$1` and `$2` are on the two sides of a block, either way.
pub(crate) const BLOCKED_EITHER_WAY: &str = "SELECT EXISTS (SELECT 1 FROM blocks \
     WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1))";

/// `candidates` in their order, without repeats and without `excluded`
/// (the seeker's [`BLOCK_PARTIES`]).
pub(crate) fn offer_targets(candidates: &[UserId], excluded: &[String]) -> Vec<UserId> {
    let mut skip: HashSet<&str> = excluded.iter().map(String::as_str).collect();
    candidates
        .iter()
        .filter(|candidate| skip.insert(candidate.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<UserId> {
        names.iter().map(|n| UserId::from_trusted(*n)).collect()
    }

    #[test]
    fn keeps_order_drops_repeats_and_blockers() {
        let offered = offer_targets(&ids(&["c", "a", "b", "a", "d"]), &["b".to_owned()]);
        assert_eq!(offered, ids(&["c", "a", "d"]));
    }

    #[test]
    fn nobody_left_when_everyone_blocked() {
        let blockers = vec!["a".to_owned(), "b".to_owned()];
        assert!(offer_targets(&ids(&["a", "b"]), &blockers).is_empty());
        assert!(offer_targets(&[], &blockers).is_empty());
    }
}
