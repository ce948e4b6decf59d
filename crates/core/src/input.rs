//! Parsing untrusted JSON payloads into checked values.
//!
//! Every Socket.IO event and REST body arrives as a JSON object. [`Fields`]
//! reads one field at a time and turns anything unexpected (wrong type,
//! missing, too long, out of range, a NUL character) into
//! [`DomainError::Invalid`] naming the field, so a bad payload is refused
//! before it can change anything.
//! Lengths are counted in Unicode code points, as the protocol says.

use crate::error::DomainError;
use crate::ids::MAX_ID_LEN;
use serde_json::{Map, Value};

/// A JSON object being read field by field.
#[derive(Debug)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
}

/// Why a string with a NUL character is refused: PostgreSQL cannot store
/// one, and no text of the protocol needs it, so it is `invalid` on every
/// backend alike.
fn no_nul(name: &str) -> DomainError {
    DomainError::invalid(format!("{name} must not contain NUL characters"))
}

/// Counts characters as Unicode code points.
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

impl<'a> Fields<'a> {
    /// Reads `value` as an object; anything else is `invalid`.
    pub fn of(value: &'a Value) -> Result<Self, DomainError> {
        match value {
            Value::Object(map) => Ok(Self { map }),
            _ => Err(DomainError::invalid("payload must be a JSON object")),
        }
    }

    /// A field that is absent or JSON `null` counts as not given.
    fn present(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// An optional string of `min..=max` characters.
    pub fn opt_str(
        &self,
        name: &str,
        min: usize,
        max: usize,
    ) -> Result<Option<&'a str>, DomainError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let n = char_count(s);
                if s.contains('\0') {
                    Err(no_nul(name))
                } else if n < min || n > max {
                    Err(DomainError::invalid(format!(
                        "{name} must be {min}-{max} characters"
                    )))
                } else {
                    Ok(Some(s.as_str()))
                }
            }
            Some(_) => Err(DomainError::invalid(format!("{name} must be a string"))),
        }
    }

    /// A required string of `min..=max` characters.
    pub fn str(&self, name: &str, min: usize, max: usize) -> Result<&'a str, DomainError> {
        self.opt_str(name, min, max)?
            .ok_or_else(|| DomainError::invalid(format!("{name} is required")))
    }

    /// An optional id (non-empty string of at most 128 characters).
    pub fn opt_id(&self, name: &str) -> Result<Option<&'a str>, DomainError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.contains('\0') => Err(no_nul(name)),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_ID_LEN => {
                Ok(Some(s.as_str()))
            }
            Some(_) => Err(DomainError::invalid(format!(
                "{name} must be a non-empty id string"
            ))),
        }
    }

    /// A required id.
    pub fn id(&self, name: &str) -> Result<&'a str, DomainError> {
        self.opt_id(name)?
            .ok_or_else(|| DomainError::invalid(format!("{name} is required")))
    }

    /// An optional integer within `min..=max`. Floats and strings are refused.
    pub fn opt_int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, DomainError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(DomainError::invalid(format!(
                    "{name} must be an integer between {min} and {max}"
                ))),
            },
            Some(_) => Err(DomainError::invalid(format!("{name} must be an integer"))),
        }
    }

    /// An optional number (integer or decimal) within `min..=max`.
    pub fn opt_number(&self, name: &str, min: f64, max: f64) -> Result<Option<f64>, DomainError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(v) if v.is_finite() && (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(DomainError::invalid(format!(
                    "{name} must be a number between {min} and {max}"
                ))),
            },
            Some(_) => Err(DomainError::invalid(format!("{name} must be a number"))),
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, DomainError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(DomainError::invalid(format!(
                "{name} must be true or false"
            ))),
        }
    }

    /// A required JSON object field, as it came.
    pub fn object(&self, name: &str) -> Result<&'a Map<String, Value>, DomainError> {
        match self.present(name) {
            Some(Value::Object(map)) => Ok(map),
            Some(_) => Err(DomainError::invalid(format!("{name} must be an object"))),
            None => Err(DomainError::invalid(format!("{name} is required"))),
        }
    }

    /// A required integer within `min..=max`.
    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<i64, DomainError> {
        self.opt_int(name, min, max)?
            .ok_or_else(|| DomainError::invalid(format!("{name} is required")))
    }

    /// An optional string that must be one of `allowed`, parsed by `parse`.
    pub fn opt_enum<T>(
        &self,
        name: &str,
        allowed: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, DomainError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => parse(s).map(Some).ok_or_else(|| {
                DomainError::invalid(format!("{name} must be one of: {}", allowed.join(", ")))
            }),
            Some(_) => Err(DomainError::invalid(format!(
                "{name} must be one of: {}",
                allowed.join(", ")
            ))),
        }
    }

    /// An optional array of strings, each `1..=max_len` characters, at most `max_items`.
    pub fn opt_str_list(
        &self,
        name: &str,
        max_items: usize,
        max_len: usize,
    ) -> Result<Option<Vec<String>>, DomainError> {
        let error = || {
            DomainError::invalid(format!(
                "{name} must be an array of at most {max_items} strings of 1-{max_len} characters"
            ))
        };
        match self.present(name) {
            None => Ok(None),
            Some(Value::Array(items)) if items.len() <= max_items => items
                .iter()
                .map(|item| match item {
                    Value::String(s) if s.contains('\0') => Err(no_nul(name)),
                    Value::String(s) if (1..=max_len).contains(&char_count(s)) => Ok(s.clone()),
                    _ => Err(error()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(error()),
        }
    }

    /// Checks that an id field which names the caller (`seniorId`, `senderId`,
    /// …) is either absent or equal to the caller's id: the server takes
    /// identity from the token alone.
    pub fn caller_field(&self, name: &str, caller: &str) -> Result<(), DomainError> {
        match self.present(name) {
            None => Ok(()),
            Some(Value::String(s)) if s == caller => Ok(()),
            Some(Value::String(_)) => {
                Err(DomainError::Forbidden("an id in the payload is not yours"))
            }
            Some(_) => Err(DomainError::invalid(format!("{name} must be a string"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_valid_fields() {
        let v = json!({"a": "héllo", "n": 3, "list": ["en", "fr"], "none": null});
        let f = Fields::of(&v).expect("object");
        assert_eq!(f.str("a", 1, 5).expect("str"), "héllo");
        assert_eq!(f.int("n", 0, 10).expect("int"), 3);
        assert_eq!(f.opt_str("none", 0, 5).expect("null"), None);
        assert_eq!(
            f.opt_str_list("list", 5, 5)
                .expect("list")
                .expect("some")
                .len(),
            2
        );
    }

    #[test]
    fn refuses_wrong_types_and_ranges() {
        let v = json!({"a": 1, "n": 1.5, "s": "toolong", "id": "", "big": 11});
        let f = Fields::of(&v).expect("object");
        assert!(matches!(f.str("a", 0, 9), Err(DomainError::Invalid(_))));
        assert!(matches!(f.int("n", 0, 9), Err(DomainError::Invalid(_))));
        assert!(matches!(f.str("s", 0, 3), Err(DomainError::Invalid(_))));
        assert!(matches!(f.id("id"), Err(DomainError::Invalid(_))));
        assert!(matches!(f.int("big", 0, 10), Err(DomainError::Invalid(_))));
        assert!(matches!(
            f.str("missing", 0, 3),
            Err(DomainError::Invalid(_))
        ));
        assert!(Fields::of(&json!([1])).is_err());
    }

    #[test]
    fn refuses_nul_characters_anywhere() {
        let v = json!({"content": "a\u{0}b", "id": "m\u{0}", "tags": ["ok", "\u{0}"]});
        let f = Fields::of(&v).expect("object");
        for result in [
            f.str("content", 0, 100).map(str::to_owned),
            f.id("id").map(str::to_owned),
        ] {
            match result {
                Err(DomainError::Invalid(why)) => assert!(why.contains("NUL"), "{why}"),
                other => panic!("expected invalid, got {other:?}"),
            }
        }
        assert!(matches!(
            f.opt_str_list("tags", 5, 5),
            Err(DomainError::Invalid(why)) if why == "tags must not contain NUL characters"
        ));
    }

    #[test]
    fn caller_fields_must_name_the_caller() {
        let v = json!({"seniorId": "me", "senderId": "you", "userId": 5});
        let f = Fields::of(&v).expect("object");
        assert!(f.caller_field("seniorId", "me").is_ok());
        assert!(f.caller_field("absent", "me").is_ok());
        assert!(matches!(
            f.caller_field("senderId", "me"),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            f.caller_field("userId", "me"),
            Err(DomainError::Invalid(_))
        ));
    }
}
