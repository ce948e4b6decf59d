//! Full-text search queries: what a client may ask for, checked at the edge
//! and reduced to plain words, so the stores never see query syntax from a
//! client (no operators, no injection into FTS5 or tsquery grammar).

use crate::error::DomainError;
use crate::ids::ConversationId;
use crate::input::char_count;

/// Longest query text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words a query may have.
pub const MAX_TERMS: usize = 16;
/// Largest page of results (also the default).
pub const MAX_RESULTS: i64 = 50;

/// A checked search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The words to find, all of them, in any order; letters and digits only.
    pub terms: Vec<String>,
    /// Only in this conversation.
    pub conversation_id: Option<ConversationId>,
    /// Only messages before this seq (with `conversation_id`, for scrolling back).
    pub before_seq: Option<i64>,
    /// At most this many results.
    pub limit: i64,
    /// Skip this many results of the ranking (for the next page).
    pub offset: i64,
}

impl SearchQuery {
    /// Builds a query from its parts; `q` is free text.
    pub fn new(
        q: &str,
        conversation_id: Option<ConversationId>,
        before_seq: Option<i64>,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<Self, DomainError> {
        if char_count(q) > MAX_QUERY_CHARS {
            return Err(DomainError::invalid(format!(
                "q must be at most {MAX_QUERY_CHARS} characters"
            )));
        }
        let terms: Vec<String> = q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .take(MAX_TERMS)
            .collect();
        if terms.is_empty() {
            return Err(DomainError::invalid("q must contain at least one word"));
        }
        if before_seq.is_some() && conversation_id.is_none() {
            return Err(DomainError::invalid("beforeSeq needs conversationId"));
        }
        let limit = limit.unwrap_or(20);
        if !(1..=MAX_RESULTS).contains(&limit) {
            return Err(DomainError::invalid(format!(
                "limit must be between 1 and {MAX_RESULTS}"
            )));
        }
        let offset = offset.unwrap_or(0);
        if !(0..=10_000).contains(&offset) {
            return Err(DomainError::invalid("offset must be between 0 and 10000"));
        }
        Ok(Self {
            terms,
            conversation_id,
            before_seq,
            limit,
            offset,
        })
    }

    /// The terms as an FTS5 query: each one quoted (so no word is read as
    /// an operator), all required.
    pub fn fts5(&self) -> String {
        self.terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The terms as text for PostgreSQL's `plainto_tsquery`, which treats
    /// every word as a required plain term.
    pub fn plain(&self) -> String {
        self.terms.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_queries_to_words() {
        let q = SearchQuery::new(
            "Grandson's \"birthday\" OR NEAR(x) -cake*",
            None,
            None,
            None,
            None,
        )
        .expect("valid");
        assert_eq!(
            q.terms,
            ["grandson", "s", "birthday", "or", "near", "x", "cake"]
        );
        assert_eq!(
            q.fts5(),
            "\"grandson\" \"s\" \"birthday\" \"or\" \"near\" \"x\" \"cake\""
        );
        assert_eq!((q.limit, q.offset), (20, 0));
        assert_eq!(
            SearchQuery::new("Café", None, None, None, None)
                .expect("valid")
                .terms,
            ["café"]
        );
    }

    #[test]
    fn refuses_empty_long_and_odd_paging() {
        assert!(SearchQuery::new("  -- ** ", None, None, None, None).is_err());
        assert!(SearchQuery::new(&"a".repeat(201), None, None, None, None).is_err());
        assert!(SearchQuery::new("x", None, Some(5), None, None).is_err());
        assert!(SearchQuery::new("x", None, None, Some(0), None).is_err());
        assert!(SearchQuery::new("x", None, None, Some(51), None).is_err());
        assert!(SearchQuery::new("x", None, None, None, Some(-1)).is_err());
    }
}
