//! Who a new request is offered to, decided the same way on both backends
//! inside the transaction that stores it: the candidates the caller found
//! available, each once, less everyone who has blocked the seeker (read in
//! that transaction, so a block committed before the request is never
//! missed).

use helpline_core::UserId;
use std::collections::HashSet;

/// `candidates` in their order, without repeats and without `blockers`.
pub(crate) fn offer_targets(candidates: &[UserId], blockers: &[String]) -> Vec<UserId> {
    let mut skip: HashSet<&str> = blockers.iter().map(String::as_str).collect();
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
