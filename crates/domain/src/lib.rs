//! kaifaqu-domain: the types and rules of a development-zone committee's work.
//!
//! No I/O lives here: every type validates on construction and every rule is a
//! pure function, so the store and the web layers share one definition of
//! "valid" and the rules can be property-tested.

/// An enum with a stable code and a Chinese label per variant, parsed from either.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)+ }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        $(#[$m])*
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// By code or by Chinese label.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.code() == s || v.label() == s)
            }

            /// (code, label) pairs for select boxes.
            pub fn options() -> Vec<(&'static str, &'static str)> {
                Self::ALL.iter().map(|v| (v.code(), v.label())).collect()
            }
        }
    };
}

pub mod approval;
pub mod audit;
pub mod calendar;
pub mod credit_code;
pub mod indicator;
pub mod industry;
pub mod land;
pub mod money;
pub mod password;
pub mod per_mu;
pub mod personal;
pub mod project;
pub mod project_code;
pub mod role;
pub mod safety;
pub mod stage;
pub mod target;
pub mod task;
pub mod time;
pub mod validate;
pub mod wording;
pub mod zone;

pub use role::{Permission, Role};
pub use validate::{FieldError, Invalid};
