//! The embedded store: one SQLite file, in WAL mode.

use std::collections::HashMap;
use std::path::Path;

use lexicon_runtime::Mode;
use rusqlite::{params, Connection, OptionalExtension, ToSql, Transaction};
use serde_json::Value;

use crate::batch::{Applied, Batch, Change, Write};
use crate::error::IndexError;
use crate::query::{Filter, Page, Query, Row};
use crate::schema::{Collection, ColumnType, IndexSchema};

/// The version of the tables' layout this crate writes.
const LAYOUT: i64 = 1;

/// A store in one SQLite file.
pub struct SqliteStore {
    connection: Connection,
    schema: IndexSchema,
    /// Each collection's statements, by NSID, built once.
    statements: HashMap<String, TableSql>,
}

/// The statements that write one collection's table.
struct TableSql {
    /// Inserts or replaces a record: the fixed columns, then the typed ones.
    insert: String,
    /// Deletes a record by URI.
    delete: String,
}

impl TableSql {
    fn of(collection: &Collection) -> TableSql {
        let table = &collection.table;
        let mut names: Vec<String> = [
            "uri",
            "did",
            "rkey",
            "cid",
            "rev",
            "indexed_at",
            "record",
            "valid",
            "violations",
        ]
        .map(str::to_owned)
        .into();
        names.extend(collection.columns.iter().map(|c| format!("\"{}\"", c.name)));
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        TableSql {
            insert: format!(
                "INSERT OR REPLACE INTO \"{table}\" ({}) VALUES ({})",
                names.join(", "),
                placeholders.join(", ")
            ),
            delete: format!("DELETE FROM \"{table}\" WHERE uri = ?1"),
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("fingerprint", &self.schema.fingerprint)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the database at `path` for `schema`, in WAL mode, creating its tables.
    /// A database made for other lexicons is refused ([`IndexError::Incompatible`]).
    pub fn open(path: impl AsRef<Path>, schema: IndexSchema) -> Result<SqliteStore, IndexError> {
        let mut connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        let tx = connection.transaction()?;
        create_tables(&tx, &schema)?;
        tx.commit()?;
        let statements = schema
            .collections
            .iter()
            .map(|c| (c.nsid.clone(), TableSql::of(c)))
            .collect();
        Ok(SqliteStore {
            connection,
            schema,
            statements,
        })
    }

    /// The schema the store was opened with.
    pub fn schema(&self) -> &IndexSchema {
        &self.schema
    }

    /// Applies `batch` in one transaction, with its cursor: all of it or, on an error, none.
    pub fn apply(&mut self, batch: &Batch) -> Result<Applied, IndexError> {
        let tx = self.connection.transaction()?;
        let mut applied = Applied::default();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        for change in &batch.changes {
            match change {
                Change::Commit { did, rev, writes } => {
                    let stored: Option<String> = tx
                        .query_row("SELECT rev FROM repos WHERE did = ?1", [did], |r| r.get(0))
                        .optional()?;
                    // Revisions are TIDs, which sort as strings.
                    if stored
                        .as_deref()
                        .is_some_and(|stored| rev.as_str() <= stored)
                    {
                        applied.stale_commits += 1;
                        continue;
                    }
                    tx.execute(
                        "INSERT INTO repos (did, rev, active) VALUES (?1, ?2, 1)
                         ON CONFLICT (did) DO UPDATE SET rev = excluded.rev",
                        params![did, rev],
                    )?;
                    let mut writer = Writer {
                        schema: &self.schema,
                        statements: &self.statements,
                        tx: &tx,
                        now,
                        applied: &mut applied,
                    };
                    for write in writes {
                        writer.write(did, rev, write)?;
                    }
                    applied.commits += 1;
                }
                Change::Account {
                    did,
                    active,
                    status,
                } => {
                    tx.execute(
                        "INSERT INTO repos (did, rev, active, status) VALUES (?1, '', ?2, ?3)
                         ON CONFLICT (did) DO UPDATE SET active = excluded.active, status = excluded.status",
                        params![did, active, status],
                    )?;
                }
            }
        }
        if let Some(cursor) = &batch.cursor {
            tx.execute(
                "INSERT INTO cursors (stream, seq) VALUES (?1, ?2)
                 ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq",
                params![cursor.stream, cursor.seq],
            )?;
        }
        tx.commit()?;
        Ok(applied)
    }

    /// The stored position of `stream`, if any.
    pub fn cursor(&self, stream: &str) -> Result<Option<i64>, IndexError> {
        Ok(self
            .connection
            .query_row("SELECT seq FROM cursors WHERE stream = ?1", [stream], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The stored revision of a repository, and whether its account is active.
    pub fn repo(&self, did: &str) -> Result<Option<(String, bool)>, IndexError> {
        Ok(self
            .connection
            .query_row("SELECT rev, active FROM repos WHERE did = ?1", [did], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// A page of the records `query` selects. Records of inactive accounts are not served, nor
    /// invalid ones unless the query asks.
    pub fn records(&self, query: &Query) -> Result<Page, IndexError> {
        let table = self
            .schema
            .collection(&query.collection)
            .ok_or_else(|| IndexError::Query(format!("{} is not indexed", query.collection)))?;
        let mut conditions = vec![
            "NOT EXISTS (SELECT 1 FROM repos WHERE repos.did = t.did AND repos.active = 0)"
                .to_owned(),
        ];
        let mut values: Vec<Box<dyn ToSql>> = Vec::new();
        if !query.include_invalid {
            conditions.push("t.valid = 1".into());
        }
        match &query.filter {
            Filter::All => {}
            Filter::Did(did) => {
                values.push(Box::new(did.clone()));
                conditions.push(format!("t.did = ?{}", values.len()));
            }
            Filter::Property(property, value) => {
                let column = table
                    .columns
                    .iter()
                    .find(|c| c.property == *property)
                    .ok_or_else(|| {
                        IndexError::Query(format!("{}: {property} is not indexed", table.nsid))
                    })?;
                values.push(column_value(column.ty, value));
                conditions.push(format!("t.\"{}\" = ?{}", column.name, values.len()));
            }
            Filter::References(target) => {
                values.push(Box::new(target.clone()));
                conditions.push(format!(
                    "t.uri IN (SELECT source FROM edges WHERE target = ?{})",
                    values.len()
                ));
            }
        }
        if let Some(after) = &query.after {
            values.push(Box::new(after.clone()));
            conditions.push(format!("t.uri > ?{}", values.len()));
        }
        let limit = query.limit.max(1);
        let sql = format!(
            "SELECT t.uri, t.did, t.rkey, t.cid, t.rev, t.record, t.violations FROM \"{}\" t
             WHERE {} ORDER BY t.uri LIMIT {}",
            table.table,
            conditions.join(" AND "),
            limit + 1
        );
        let mut statement = self.connection.prepare(&sql)?;
        let mut rows = statement
            .query_map(
                rusqlite::params_from_iter(values.iter().map(|v| v.as_ref())),
                |r| {
                    let record: String = r.get(5)?;
                    let violations: Option<String> = r.get(6)?;
                    Ok(Row {
                        uri: r.get(0)?,
                        did: r.get(1)?,
                        rkey: r.get(2)?,
                        cid: r.get(3)?,
                        rev: r.get(4)?,
                        record: serde_json::from_str(&record).unwrap_or(Value::Null),
                        violations: violations
                            .and_then(|v| serde_json::from_str(&v).ok())
                            .unwrap_or_default(),
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        let cursor = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            rows.last().map(|r| r.uri.clone()).unwrap_or_default()
        });
        Ok(Page { rows, cursor })
    }
}

/// Applies record writes in a transaction, counting what it did.
struct Writer<'a> {
    schema: &'a IndexSchema,
    statements: &'a HashMap<String, TableSql>,
    tx: &'a Transaction<'a>,
    /// When the writes are indexed, in milliseconds since the Unix epoch.
    now: i64,
    applied: &'a mut Applied,
}

impl Writer<'_> {
    /// Applies one record write of a commit of `did` at `rev`.
    fn write(&mut self, did: &str, rev: &str, write: &Write) -> Result<(), IndexError> {
        let Writer {
            schema,
            statements,
            tx,
            now,
            ref mut applied,
        } = *self;
        let (collection, rkey) = match write {
            Write::Put {
                collection, rkey, ..
            }
            | Write::Delete { collection, rkey } => (collection, rkey),
        };
        let (Some(table), Some(sql)) = (schema.collection(collection), statements.get(collection))
        else {
            applied.skipped += 1;
            return Ok(());
        };
        let uri = format!("at://{did}/{collection}/{rkey}");
        tx.prepare_cached("DELETE FROM edges WHERE source = ?1")?
            .execute([&uri])?;
        let Write::Put { cid, record, .. } = write else {
            tx.prepare_cached(&sql.delete)?.execute([&uri])?;
            applied.deleted += 1;
            return Ok(());
        };
        let violations = violations(schema, collection, rkey, record);
        let violations_text =
            (!violations.is_empty()).then(|| Value::from(violations.clone()).to_string());
        let record_text = record.to_string();
        let mut values: Vec<Box<dyn ToSql>> = vec![
            Box::new(uri.clone()),
            Box::new(did.to_owned()),
            Box::new(rkey.to_owned()),
            Box::new(cid.clone()),
            Box::new(rev.to_owned()),
            Box::new(now),
            Box::new(record_text),
            Box::new(violations.is_empty()),
            Box::new(violations_text),
        ];
        values.extend(
            table
                .columns
                .iter()
                .map(|column| column_value(column.ty, &record[&column.property])),
        );
        tx.prepare_cached(&sql.insert)?
            .execute(rusqlite::params_from_iter(
                values.iter().map(|v| v.as_ref()),
            ))?;
        let mut edge = tx.prepare_cached(
        "INSERT OR REPLACE INTO edges (source, path, target, target_cid) VALUES (?1, ?2, ?3, ?4)",
    )?;
        for (path, target, target_cid) in strong_refs(record) {
            edge.execute(params![uri, path, target, target_cid])?;
        }
        applied.written += 1;
        if !violations.is_empty() {
            applied.invalid += 1;
        }
        Ok(())
    }
}

/// The record's violations of its lexicon and of its key type, as the PDS judges a write.
fn violations(schema: &IndexSchema, collection: &str, rkey: &str, record: &Value) -> Vec<String> {
    let lexicons = &schema.lexicons;
    let mut found = Vec::new();
    if let Err(e) = lexicons.validate_record_key(collection, rkey) {
        found.push(format!("record key: {e}"));
    }
    match lexicons.validate_record(collection, record, Mode::Strict) {
        Ok(()) => {}
        Err(e) => match e.violations() {
            Some(violations) => found.extend(violations.iter().map(|v| v.to_string())),
            None => found.push(e.to_string()),
        },
    }
    found
}

/// A property's value as its column holds it (null when the record lacks it or holds another
/// type).
fn column_value(ty: ColumnType, value: &Value) -> Box<dyn ToSql> {
    match ty {
        ColumnType::Text => Box::new(value.as_str().map(str::to_owned)),
        ColumnType::Integer => Box::new(value.as_i64()),
        ColumnType::Boolean => Box::new(value.as_bool()),
    }
}

/// The strongRefs in a record, wherever they are: objects of exactly a `uri` that is an AT URI
/// and a `cid` (and maybe `$type`), with their JSON paths.
fn strong_refs(record: &Value) -> Vec<(String, String, String)> {
    fn walk(value: &Value, path: String, found: &mut Vec<(String, String, String)>) {
        match value {
            Value::Object(map) => {
                let uri = map.get("uri").and_then(Value::as_str);
                let cid = map.get("cid").and_then(Value::as_str);
                let only = map.keys().all(|k| k == "uri" || k == "cid" || k == "$type");
                if let (Some(uri), Some(cid), true) = (uri, cid, only) {
                    if uri.starts_with("at://") {
                        found.push((path, uri.to_owned(), cid.to_owned()));
                        return;
                    }
                }
                for (key, value) in map {
                    walk(value, format!("{path}.{key}"), found);
                }
            }
            Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    walk(value, format!("{path}[{i}]"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(record, "$".into(), &mut found);
    found
}

/// Creates the tables (when missing) and checks that the database was made for `schema`.
fn create_tables(tx: &Transaction<'_>, schema: &IndexSchema) -> Result<(), IndexError> {
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS cursors (stream TEXT PRIMARY KEY, seq INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS repos (did TEXT PRIMARY KEY, rev TEXT NOT NULL,
             active INTEGER NOT NULL DEFAULT 1, status TEXT);
         CREATE TABLE IF NOT EXISTS edges (source TEXT NOT NULL, path TEXT NOT NULL,
             target TEXT NOT NULL, target_cid TEXT NOT NULL, PRIMARY KEY (source, path));
         CREATE INDEX IF NOT EXISTS edges_target ON edges (target);",
    )?;
    let stored: Option<String> = tx
        .query_row(
            "SELECT value FROM index_meta WHERE key = 'fingerprint'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match stored {
        Some(stored) if stored != schema.fingerprint => {
            return Err(IndexError::Incompatible {
                stored,
                reason: format!(
                    "the lexicons or indexed properties changed (now {}), and migrations between lexicon versions are not built yet",
                    schema.fingerprint
                ),
            })
        }
        Some(_) => return Ok(()),
        None => {}
    }
    for collection in &schema.collections {
        create_table(tx, collection)?;
    }
    tx.execute(
        "INSERT INTO index_meta (key, value) VALUES ('fingerprint', ?1), ('layout', ?2)",
        params![schema.fingerprint, LAYOUT.to_string()],
    )?;
    Ok(())
}

fn create_table(tx: &Transaction<'_>, collection: &Collection) -> Result<(), IndexError> {
    let table = &collection.table;
    let mut columns = vec![
        "uri TEXT PRIMARY KEY".to_owned(),
        "did TEXT NOT NULL".into(),
        "rkey TEXT NOT NULL".into(),
        "cid TEXT NOT NULL".into(),
        "rev TEXT NOT NULL".into(),
        "indexed_at INTEGER NOT NULL".into(),
        "record TEXT NOT NULL".into(),
        "valid INTEGER NOT NULL".into(),
        "violations TEXT".into(),
    ];
    for column in &collection.columns {
        let ty = match column.ty {
            ColumnType::Text => "TEXT",
            ColumnType::Integer | ColumnType::Boolean => "INTEGER",
        };
        columns.push(format!("\"{}\" {ty}", column.name));
    }
    tx.execute_batch(&format!(
        "CREATE TABLE \"{table}\" ({});
         CREATE INDEX \"{table}_did\" ON \"{table}\" (did, rkey);",
        columns.join(", ")
    ))?;
    for column in &collection.columns {
        tx.execute_batch(&format!(
            "CREATE INDEX \"{table}_{name}\" ON \"{table}\" (\"{name}\", uri);",
            name = column.name
        ))?;
    }
    Ok(())
}
