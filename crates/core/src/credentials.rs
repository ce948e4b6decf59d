//! Volunteers' credentials: with `HELPLINE_REQUIRE_CREDENTIALS` on, a
//! request on a sensitive topic (health, emotional) is offered only to
//! volunteers credentialed for that topic, and only they may take it.
//! Support sets a volunteer's credentials; this module owns which topics
//! need one and the checked payload.

use crate::error::DomainError;
use crate::input::Fields;
use crate::request::Topic;

/// The topics a volunteer can be credentialed for, in the order listed.
pub const CREDENTIALED_TOPICS: [Topic; 2] = [Topic::Emotional, Topic::Health];

/// Whether, with credentials required, a request on `topic` needs a
/// volunteer credentialed for it.
pub fn needs_credential(topic: Option<Topic>) -> Option<Topic> {
    topic.filter(|t| CREDENTIALED_TOPICS.contains(t))
}

/// `PUT /api/volunteers/{id}/credentials` `{"topics":[…]}`: the whole set,
/// each a credentialed topic, repeats ignored; `[]` clears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialTopics {
    /// The topics, in [`CREDENTIALED_TOPICS`] order, each once.
    pub topics: Vec<Topic>,
}

impl CredentialTopics {
    /// Parses the body.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let bad = || DomainError::invalid("topics must be an array of: emotional, health");
        let named = fields
            .opt_str_list("topics", CREDENTIALED_TOPICS.len() * 4, 16)
            .map_err(|_| bad())?
            .ok_or_else(bad)?;
        let mut topics = Vec::new();
        for name in &named {
            let topic = Topic::parse(name)
                .and_then(|t| needs_credential(Some(t)))
                .ok_or_else(bad)?;
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        topics.sort_by_key(|t| CREDENTIALED_TOPICS.iter().position(|c| c == t));
        Ok(Self { topics })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: serde_json::Value) -> Result<Vec<Topic>, DomainError> {
        CredentialTopics::parse(&Fields::of(&body)?).map(|c| c.topics)
    }

    #[test]
    fn only_sensitive_topics_need_a_credential() {
        assert_eq!(needs_credential(Some(Topic::Health)), Some(Topic::Health));
        assert_eq!(
            needs_credential(Some(Topic::Emotional)),
            Some(Topic::Emotional)
        );
        assert_eq!(needs_credential(Some(Topic::Daily)), None);
        assert_eq!(needs_credential(None), None);
    }

    #[test]
    fn the_payload_is_a_set_of_credentialed_topics() {
        assert_eq!(
            parse(json!({"topics": ["health", "emotional", "health"]})).ok(),
            Some(vec![Topic::Emotional, Topic::Health])
        );
        assert_eq!(parse(json!({"topics": []})).ok(), Some(vec![]));
        for bad in [
            json!({}),
            json!({"topics": "health"}),
            json!({"topics": ["daily"]}),
            json!({"topics": ["cooking"]}),
            json!({"topics": [1]}),
            json!({"topics": vec!["health"; 9]}),
        ] {
            assert!(
                matches!(parse(bad.clone()), Err(DomainError::Invalid(_))),
                "{bad}"
            );
        }
    }
}
