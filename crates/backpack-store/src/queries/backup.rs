//! The portable backup (`BackupStore`) and the check that its format covers
//! the live schema.

use backpack_domain::backup::TableDump;

use super::super::{SNAPSHOT, TABLES_SQL};
use super::*;
use crate::{Ty, TABLES};

#[async_trait]
impl BackupStore for Store {
    async fn export_all(&self) -> StoreResult<Vec<TableDump>> {
        // A read transaction: a snapshot that does not hold the writer.
        let mut tx = self.read.begin().await.map_err(map_err)?;
        let snapshot: Option<&str> = SNAPSHOT;
        if let Some(sql) = snapshot {
            sqlx::query(sql).execute(&mut *tx).await.map_err(map_err)?;
        }
        let mut out = Vec::new();
        for (table, cols) in TABLES {
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let rows = sqlx::query(&format!(
                "SELECT {} FROM {table} ORDER BY {}",
                names.join(", "),
                names[0]
            ))
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
            let mut dump = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut obj = serde_json::Map::new();
                for (name, ty) in cols.iter() {
                    let v = match ty {
                        Ty::Text => opt_text(r, name)?.map(serde_json::Value::from),
                        Ty::Int => opt_int(r, name)?.map(serde_json::Value::from),
                    };
                    obj.insert((*name).to_owned(), v.unwrap_or(serde_json::Value::Null));
                }
                dump.push(obj);
            }
            out.push(TableDump {
                table: (*table).to_owned(),
                rows: dump,
            });
        }
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn import_all(&self, tables: &[TableDump]) -> StoreResult<()> {
        if !self.is_empty().await? {
            return Err(StoreError::Conflict(Conflict::NotEmpty));
        }
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        for (table, cols) in TABLES {
            let Some(dump) = tables.iter().find(|d| d.table == *table) else {
                continue;
            };
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                params.join(", ")
            );
            for row in &dump.rows {
                let mut q = sqlx::query(&sql);
                for (name, ty) in cols.iter() {
                    let v = row.get(*name).unwrap_or(&serde_json::Value::Null);
                    q = match ty {
                        Ty::Text => q.bind(match v {
                            serde_json::Value::Null => None,
                            serde_json::Value::String(s) => Some(s.clone()),
                            other => {
                                return Err(backend_err(format!(
                                    "{table}.{name}: expected text, found {other}"
                                )))
                            }
                        }),
                        Ty::Int => q.bind(match v {
                            serde_json::Value::Null => None,
                            serde_json::Value::Number(n) => Some(n.as_i64().ok_or_else(|| {
                                backend_err(format!("{table}.{name}: not an integer"))
                            })?),
                            other => {
                                return Err(backend_err(format!(
                                    "{table}.{name}: expected an integer, found {other}"
                                )))
                            }
                        }),
                    };
                }
                q.execute(&mut *tx).await.map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(map_err)
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        Ok(self.count_users().await? == 0)
    }
}

impl Store {
    /// Columns the live schema has that the backup format does
    /// not list (`table.column`), or listed ones it lacks: must be
    /// empty, or a backup would lose data.
    pub async fn backup_schema_drift(&self) -> StoreResult<Vec<String>> {
        use sqlx::{Column, Executor};
        let mut drift = Vec::new();
        // Every table of the database must be in the backup format.
        let live_tables = sqlx::query(TABLES_SQL)
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        for r in &live_tables {
            let name = text(r, "name")?;
            if !TABLES.iter().any(|(t, _)| *t == name) {
                drift.push(format!("{name} (a table not in the backup format)"));
            }
        }
        for (table, cols) in TABLES {
            let d = (&self.read)
                .describe(&format!("SELECT * FROM {table}"))
                .await
                .map_err(map_err)?;
            let live: Vec<String> = d.columns().iter().map(|c| c.name().to_owned()).collect();
            for name in &live {
                if !cols.iter().any(|(n, _)| n == name) {
                    drift.push(format!("{table}.{name} (not in the backup format)"));
                }
            }
            for (name, _) in cols.iter() {
                if !live.iter().any(|l| l == name) {
                    drift.push(format!("{table}.{name} (not in the database)"));
                }
            }
        }
        Ok(drift)
    }
}
