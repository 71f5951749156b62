//! Typed ids where two ids are easy to swap. Most store ports take the
//! acting (or owning) account beside an object's id, `(user_id, id)`, and
//! the issuing ones an issuer beside an object of that issuer,
//! `(user_id, issuer_id, id)`: with the account a [`UserId`] and the issuer
//! an [`IssuerId`], passing them in the wrong order does not compile.
//!
//! An id is made from a `Uuid` only where one is read from outside (a row,
//! a URL, a job's payload), with `from_uuid`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, random id.
            pub fn new() -> Self {
                $name(Uuid::new_v4())
            }

            /// The id `uuid` names (read from a row, a URL or a job).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                $name(uuid)
            }

            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::from_str(s).map($name)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

typed_id!(
    /// The id of an account.
    UserId
);
typed_id!(
    /// The id of an issuer.
    IssuerId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_id_reads_and_writes_as_its_uuid() {
        let u = Uuid::new_v4();
        let id = UserId::from_uuid(u);
        assert_eq!(id.to_string(), u.to_string());
        assert_eq!(id.to_string().parse::<UserId>().ok(), Some(id));
        assert_eq!(
            serde_json::to_string(&id).ok(),
            serde_json::to_string(&u).ok()
        );
        assert_eq!(Uuid::from(IssuerId::from_uuid(u)), u);
        assert!("not-a-uuid".parse::<IssuerId>().is_err());
        assert_ne!(UserId::new(), UserId::new());
    }
}
