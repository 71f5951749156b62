//! The portable form of a database in a backup: every table as JSON rows.
//! The same dump restores into SQLite or PostgreSQL.

use serde::{Deserialize, Serialize};

/// One table's rows, each a JSON object of column → value (text, integer or null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDump {
    pub table: String,
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
}
