//! kaifaqu-domain: the types and rules of a development-zone committee's work.
//!
//! No I/O lives here: every type validates on construction and every rule is a
//! pure function, so the store and the web layers share one definition of
//! "valid" and the rules can be property-tested.

pub mod audit;
pub mod credit_code;
pub mod indicator;
pub mod industry;
pub mod money;
pub mod password;
pub mod project;
pub mod project_code;
pub mod role;
pub mod stage;
pub mod time;
pub mod validate;
pub mod zone;

pub use role::{Permission, Role};
pub use validate::{FieldError, Invalid};
