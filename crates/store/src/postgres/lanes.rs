//! Which of a store's append lanes ([`super::batch`]) a conversation's
//! appends go to, and how many lanes a store runs. A conversation always
//! goes to the same lane, so its appends are written in order by one task,
//! and one process's lanes never lock the same conversation.

use helpline_core::ConversationId;

/// Append tasks per store, each writing its own share of the conversations
/// (so they never wait for each other's locks): at most four, and at most
/// half the pool, which the other queries need too. In S6's store-alone
/// load on two cores, 1 / 2 / 4 lanes persisted ~26 000 / ~39 000 /
/// ~43 000 messages a second.
pub(super) fn lanes_for(max_connections: u32) -> usize {
    (max_connections as usize / 2).clamp(1, 4)
}

/// The lane of `conversation` among `lanes`: always the same one, so a
/// conversation's appends are written in order, by one task at a time.
pub(super) fn lane_of(conversation: &ConversationId, lanes: usize) -> usize {
    // FNV-1a, then MurmurHash3's finalizer: FNV's low bits alone follow
    // the last characters (the test's ids landed in two lanes of four).
    let mut hash = conversation
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^= hash >> 33;
    (hash % lanes.max(1) as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::{lane_of, lanes_for};
    use helpline_core::ConversationId;

    #[test]
    fn lanes_take_half_the_pool_up_to_four() {
        assert_eq!([1, 2, 3, 8, 9, 100].map(lanes_for), [1, 1, 1, 4, 4, 4]);
    }

    #[test]
    fn a_conversation_keeps_its_lane_and_conversations_spread() {
        let mut per_lane = [0; 4];
        for n in 0..4000 {
            let id =
                ConversationId::from_trusted(format!("0b9f3c2e-{n:04}-4e6a-9d1f-6c3b2a1e{n:04}"));
            let lane = lane_of(&id, 4);
            assert_eq!(lane, lane_of(&id, 4), "always the same lane");
            per_lane[lane] += 1;
        }
        assert!(
            per_lane.iter().all(|n| (800..1200).contains(n)),
            "{per_lane:?}"
        );
        assert_eq!(lane_of(&ConversationId::from_trusted("c"), 1), 0);
    }
}
