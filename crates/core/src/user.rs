//! Accounts: roles, the public user shape, and the rules for new accounts.

use crate::error::DomainError;
use crate::ids::UserId;
use crate::input::{Fields, char_count};
use crate::time::Timestamp;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// A volunteer's stated availability.
    Availability {
        /// Takes requests.
        Available = "available",
        /// Connected but not taking requests.
        Away = "away",
    }
);

/// What a person is on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Asks for company or help (a senior, a client).
    Seeker,
    /// Answers requests (the companion).
    Volunteer,
    /// Staff; created only from the command line.
    Support,
    /// A family member or carer: sees, with a seeker's consent, when they
    /// last had contact and any open safety alert, and does nothing else.
    Caregiver,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 4] = [
        Role::Seeker,
        Role::Volunteer,
        Role::Support,
        Role::Caregiver,
    ];

    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Seeker => "seeker",
            Role::Volunteer => "volunteer",
            Role::Support => "support",
            Role::Caregiver => "caregiver",
        }
    }

    /// Parses a wire or storage name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

/// A user as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Opaque id; the `sub` of the user's tokens.
    pub id: UserId,
    /// Unique login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// What the user is on the platform.
    pub role: Role,
    /// Languages the user speaks (free-form tags such as `en`, `Français`).
    pub languages: Vec<String>,
    /// When the account was created.
    pub created_at: Timestamp,
    /// A volunteer's chosen availability, kept while they are offline (read
    /// with the account when they connect; not part of the account's JSON).
    #[serde(skip)]
    pub availability: Availability,
}

/// A checked request to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// 3–32 of `a-z 0-9 _ . -`.
    pub username: String,
    /// 8–128 characters; hashed before it is stored.
    pub password: String,
    /// 1–64 characters after trimming.
    pub display_name: String,
    /// The role the account gets.
    pub role: Role,
    /// At most 20 tags of 1–35 characters.
    pub languages: Vec<String>,
}

/// Checks a username: 3–32 of `a-z 0-9 _ . -`.
pub fn check_username(username: &str) -> Result<(), DomainError> {
    let ok = (3..=32).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "username must be 3-32 characters of a-z 0-9 _ . -",
        ))
    }
}

/// Checks a password: 8–128 characters.
pub fn check_password(password: &str) -> Result<(), DomainError> {
    if (8..=128).contains(&char_count(password)) {
        Ok(())
    } else {
        Err(DomainError::invalid("password must be 8-128 characters"))
    }
}

/// Trims and checks a display name: 1–64 characters.
pub fn check_display_name(display_name: &str) -> Result<String, DomainError> {
    let trimmed = display_name.trim();
    if (1..=64).contains(&char_count(trimmed)) {
        Ok(trimmed.to_owned())
    } else {
        Err(DomainError::invalid("displayName must be 1-64 characters"))
    }
}

impl NewAccount {
    /// Builds an account from already separated values (the command line).
    pub fn new(
        username: &str,
        password: &str,
        display_name: &str,
        role: Role,
        languages: Vec<String>,
    ) -> Result<Self, DomainError> {
        check_username(username)?;
        check_password(password)?;
        let display_name = check_display_name(display_name)?;
        Ok(Self {
            username: username.to_owned(),
            password: password.to_owned(),
            display_name,
            role,
            languages,
        })
    }

    /// Parses a self-registration body; seekers, volunteers and caregivers
    /// may register (support accounts come from the command line only).
    pub fn parse_registration(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let username = fields.str("username", 0, 64)?;
        let password = fields.str("password", 0, 1024)?;
        let display_name = fields.str("displayName", 0, 1024)?;
        let role = fields
            .opt_enum(
                "role",
                &["seeker", "volunteer", "caregiver"],
                |r| match Role::parse(r) {
                    Some(Role::Support) | None => None,
                    some => some,
                },
            )?
            .ok_or_else(|| DomainError::invalid("role is required"))?;
        let languages = fields
            .opt_str_list("languages", 20, 35)?
            .unwrap_or_default();
        Self::new(username, password, display_name, role, languages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn usernames() {
        assert!(check_username("ann.b-c_1").is_ok());
        for bad in ["ab", "Ann", "a b", "ünï", &"x".repeat(33)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registration_refuses_support_and_bad_fields() {
        let ok =
            json!({"username":"ann","password":"longenough","displayName":" Ann ","role":"seeker"});
        let acc = NewAccount::parse_registration(&Fields::of(&ok).expect("obj")).expect("valid");
        assert_eq!(acc.display_name, "Ann");
        let support =
            json!({"username":"ann","password":"longenough","displayName":"A","role":"support"});
        assert!(NewAccount::parse_registration(&Fields::of(&support).expect("obj")).is_err());
        let carer = json!({"username":"kim","password":"longenough","displayName":"Kim","role":"caregiver"});
        let carer = NewAccount::parse_registration(&Fields::of(&carer).expect("obj"));
        assert_eq!(carer.map(|a| a.role).ok(), Some(Role::Caregiver));
        let short = json!({"username":"ann","password":"short","displayName":"A","role":"seeker"});
        assert!(NewAccount::parse_registration(&Fields::of(&short).expect("obj")).is_err());
        let blank =
            json!({"username":"ann","password":"longenough","displayName":"  ","role":"seeker"});
        assert!(NewAccount::parse_registration(&Fields::of(&blank).expect("obj")).is_err());
    }
}
