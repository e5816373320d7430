//! The seed's `status` column and the lifecycle a model version moves through.
//!
//! Forward: draft → testing → staging → production. Back: testing → draft (rework),
//! staging → testing (failed validation), production → staging (rollback). Nothing else:
//! a version reaches production only through staging, and leaves it only back to staging.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Testing,
    Staging,
    Production,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Testing,
        Status::Staging,
        Status::Production,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Testing => "testing",
            Status::Staging => "staging",
            Status::Production => "production",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The byte that leads this status's entries in the status index.
    pub fn index_byte(self) -> u8 {
        match self {
            Status::Draft => 0,
            Status::Testing => 1,
            Status::Staging => 2,
            Status::Production => 3,
        }
    }

    /// The statuses the lifecycle allows a version in `self` to move to.
    pub fn allowed_moves(self) -> &'static [Status] {
        match self {
            Status::Draft => &[Status::Testing],
            Status::Testing => &[Status::Staging, Status::Draft],
            Status::Staging => &[Status::Production, Status::Testing],
            Status::Production => &[Status::Staging],
        }
    }

    pub fn may_move_to(self, to: Status) -> bool {
        self.allowed_moves().contains(&to)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_is_reached_only_through_staging_and_left_only_to_it() {
        for from in Status::ALL {
            assert_eq!(
                from.may_move_to(Status::Production),
                from == Status::Staging,
                "{from} → production"
            );
            assert_eq!(
                Status::Production.may_move_to(from),
                from == Status::Staging,
                "production → {from}"
            );
            assert!(!from.may_move_to(from), "{from} → itself");
        }
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("Production"), None);
    }
}
