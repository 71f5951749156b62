//! Typed ids where two ids are easy to swap. Most store ports take the
//! acting (or owning) account beside an object's id, `(user_id, id)`: with
//! the account a [`UserId`], passing them in the wrong order does not
//! compile.
//!
//! An id is made from a `Uuid` only where one is read from outside (a row,
//! a URL, a job's payload), with [`UserId::from_uuid`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The id of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(Uuid);

impl UserId {
    /// A new, random id (for a new account).
    pub fn new() -> Self {
        UserId(Uuid::new_v4())
    }

    /// The id of the account `uuid` names (read from a row, a URL or a job).
    pub const fn from_uuid(uuid: Uuid) -> Self {
        UserId(uuid)
    }

    pub const fn uuid(self) -> Uuid {
        self.0
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for UserId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::from_str(s).map(UserId)
    }
}

impl From<UserId> for Uuid {
    fn from(id: UserId) -> Uuid {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_reads_and_writes_as_its_uuid() {
        let u = Uuid::new_v4();
        let id = UserId::from_uuid(u);
        assert_eq!(id.to_string(), u.to_string());
        assert_eq!(id.to_string().parse::<UserId>().ok(), Some(id));
        assert_eq!(
            serde_json::to_string(&id).ok(),
            serde_json::to_string(&u).ok()
        );
        assert!("not-a-uuid".parse::<UserId>().is_err());
        assert_ne!(UserId::new(), UserId::new());
    }
}
