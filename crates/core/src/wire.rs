//! The shape every closed set of wire names shares (request types,
//! statuses, message types, …): one enum, serialized as its name, with
//! the list of names for error messages and a parser for payloads and
//! stored rows.

/// Declares an enum whose values travel and are stored as fixed names.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value's wire name.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The wire and storage name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Parses a wire or storage name.
            pub fn parse(value: &str) -> Option<Self> {
                match value { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use wire_enum;
