//! Versioned migrations between lexicon versions: the database keeps the documents and indexed
//! properties it was made for; opened with others, the evolution check of `lexicon-schema`
//! compares them. A compatible change migrates (new tables, new or dropped typed columns, every
//! stored record judged again under the new lexicons), in one transaction, recorded in
//! `index_migrations`; a breaking one is refused with its reasons.

use serde_json::Value;

use crate::apply::{now_millis, violations, ColumnValue};
use crate::error::IndexError;
use crate::schema::{self, Collection, Column, Dialect, IndexSchema, LAYOUT};

/// What the database says it was made for (its `index_meta`).
#[derive(Debug, Default)]
pub(crate) struct Made {
    pub fingerprint: Option<String>,
    pub layout: Option<String>,
    /// The documents, a JSON array of their texts.
    pub lexicons: Option<String>,
    /// The indexed properties, a JSON array of `[collection, property]`.
    pub indexed: Option<String>,
}

impl Made {
    /// Takes one `index_meta` entry (others than these four are passed over).
    pub(crate) fn set(&mut self, key: &str, value: String) {
        match key {
            "fingerprint" => self.fingerprint = Some(value),
            "layout" => self.layout = Some(value),
            "lexicons" => self.lexicons = Some(value),
            "indexed" => self.indexed = Some(value),
            _ => {}
        }
    }
}

/// What opening a database has to do.
pub(crate) enum Plan {
    /// It was made for this schema.
    Current,
    /// It is empty: make the tables.
    Create,
    /// It was made for a compatible earlier schema.
    Migrate(Migration),
}

/// The steps from the stored schema to the new one.
#[derive(Debug, Default)]
pub(crate) struct Migration {
    from: String,
    /// Tables of collections new to the database.
    new_tables: Vec<Collection>,
    /// Typed columns to add, with their table.
    new_columns: Vec<(Collection, Column)>,
    /// Typed columns to drop: `(table, column)`.
    dropped_columns: Vec<(String, String)>,
    /// Whether the lexicons changed, so every stored record is judged again.
    revalidate: bool,
    /// What changed, one line each, for `index_migrations`.
    summary: Vec<String>,
}

/// The statements a migration runs, on either database, inside the transaction that opens it.
pub(crate) trait MigrationSql {
    /// Runs DDL.
    fn batch(&mut self, sql: &str) -> Result<(), IndexError>;
    /// Up to `limit` rows of `table` after the URI `after`, in URI order: `(uri, rkey, record)`.
    fn page(
        &mut self,
        table: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, Value)>, IndexError>;
    /// Sets a row's validity and violations (when `judged`) and typed columns.
    fn rewrite(
        &mut self,
        table: &str,
        uri: &str,
        judged: Option<&[String]>,
        columns: &[(String, ColumnValue)],
    ) -> Result<(), IndexError>;
    /// Sets a key of `index_meta`.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), IndexError>;
    /// Records the migration (made at `at`, milliseconds since the Unix epoch) in
    /// `index_migrations`.
    fn record(&mut self, at: i64, from: &str, to: &str, summary: &str) -> Result<(), IndexError>;
}

/// The `index_meta` entries that say what the database was made for.
pub(crate) fn meta(schema: &IndexSchema) -> Vec<(&'static str, String)> {
    vec![
        ("fingerprint", schema.fingerprint.clone()),
        ("layout", LAYOUT.to_string()),
        (
            "lexicons",
            Value::from(schema.documents.clone()).to_string(),
        ),
        (
            "indexed",
            Value::from(
                schema
                    .indexed
                    .iter()
                    .map(|(c, p)| Value::from(vec![c.clone(), p.clone()]))
                    .collect::<Vec<_>>(),
            )
            .to_string(),
        ),
    ]
}

/// What opening a database made as `made` for `schema` has to do, or why it cannot.
pub(crate) fn plan(schema: &IndexSchema, made: Made) -> Result<Plan, IndexError> {
    let Some(fingerprint) = made.fingerprint else {
        return Ok(Plan::Create);
    };
    if fingerprint == schema.fingerprint {
        return Ok(Plan::Current);
    }
    let refuse = |reason: String| IndexError::Incompatible {
        stored: fingerprint.clone(),
        reason,
    };
    if made.layout.as_deref() != Some(LAYOUT.to_string().as_str()) {
        return Err(refuse(format!(
            "its tables are of layout {} and this version of lexicon-index writes layout {LAYOUT}: make a new database",
            made.layout.as_deref().unwrap_or("unknown")
        )));
    }
    let stored: Vec<String> = made
        .lexicons
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| refuse("it does not hold the lexicons it was made for".into()))?;
    let stored_indexed: Vec<(String, String)> = made
        .indexed
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| refuse("it does not hold the properties it indexed".into()))?;

    let mut migration = Migration {
        from: fingerprint.clone(),
        ..Migration::default()
    };
    if stored != schema.documents {
        let named = |texts: &[String], side: &str| -> Vec<(String, String)> {
            texts
                .iter()
                .enumerate()
                .map(|(i, text)| (format!("{side}/{i}.json"), text.clone()))
                .collect()
        };
        let old = lexicon_schema::evolution::load_texts(&named(&stored, "stored"))
            .map_err(|e| refuse(format!("the lexicons it was made for do not load: {e}")))?;
        let new = lexicon_schema::evolution::load_texts(&named(&schema.documents, "new"))
            .map_err(|e| IndexError::Schema(e.to_string()))?;
        let methods_only = methods_only(&stored, &schema.documents);
        let changes = lexicon_schema::evolution::compare(&old, &new);
        let breaking: Vec<String> = changes
            .iter()
            .filter(|c| c.breaking && !methods_only.contains(&c.nsid))
            .map(|c| format!("{} {}: {}", c.nsid, c.pointer, c.message))
            .collect();
        if !breaking.is_empty() {
            return Err(refuse(format!(
                "the lexicons changed in a way that breaks stored records: {}",
                breaking.join("; ")
            )));
        }
        migration.revalidate = true;
        migration.summary.extend(
            changes
                .iter()
                .map(|c| format!("{} {}: {}", c.nsid, c.pointer, c.message)),
        );
    }
    let stored_collections: Vec<String> = stored
        .iter()
        .filter_map(|text| serde_json::from_str::<Value>(text).ok())
        .filter(|doc| doc["defs"]["main"]["type"] == "record")
        .filter_map(|doc| doc["id"].as_str().map(str::to_owned))
        .collect();
    for collection in &schema.collections {
        if !stored_collections.contains(&collection.nsid) {
            migration.new_tables.push(collection.clone());
            migration
                .summary
                .push(format!("{}: a new table", collection.nsid));
            continue;
        }
        for column in &collection.columns {
            let pair = (collection.nsid.clone(), column.property.clone());
            if !stored_indexed.contains(&pair) {
                migration
                    .new_columns
                    .push((collection.clone(), column.clone()));
                migration.summary.push(format!(
                    "{}: a column for {}",
                    collection.nsid, column.property
                ));
            }
        }
    }
    for (nsid, property) in &stored_indexed {
        let kept = schema
            .collection(nsid)
            .is_some_and(|c| c.columns.iter().any(|col| col.property == *property));
        if !kept {
            let table = format!("records_{}", schema::identifier(nsid));
            migration
                .dropped_columns
                .push((table, format!("p_{}", schema::identifier(property))));
            migration
                .summary
                .push(format!("{nsid}: no column for {property}"));
        }
    }
    Ok(Plan::Migrate(migration))
}

/// The NSIDs of lexicons that define only methods (queries, procedures, subscriptions,
/// permission sets) in both versions: their changes touch no stored record.
fn methods_only(old: &[String], new: &[String]) -> Vec<String> {
    let kinds = |texts: &[String]| -> Vec<(String, bool)> {
        texts
            .iter()
            .filter_map(|text| serde_json::from_str::<Value>(text).ok())
            .filter_map(|doc| {
                let id = doc["id"].as_str()?.to_owned();
                let only = doc["defs"].as_object().is_some_and(|defs| {
                    defs.values().all(|def| {
                        matches!(
                            def["type"].as_str(),
                            Some("query" | "procedure" | "subscription" | "permission-set")
                        )
                    })
                });
                Some((id, only))
            })
            .collect()
    };
    let (old, new) = (kinds(old), kinds(new));
    old.iter()
        .chain(&new)
        .filter(|(id, _)| {
            old.iter()
                .chain(&new)
                .filter(|(i, _)| i == id)
                .all(|(_, only)| *only)
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// Runs `migration` through `sql` for `schema`.
pub(crate) fn run(
    sql: &mut impl MigrationSql,
    schema: &IndexSchema,
    migration: &Migration,
    dialect: Dialect,
) -> Result<(), IndexError> {
    for collection in &migration.new_tables {
        sql.batch(&schema::create_table(collection, dialect))?;
    }
    for (table, column) in &migration.dropped_columns {
        sql.batch(&format!(
            "DROP INDEX IF EXISTS \"{table}_{column}\"; ALTER TABLE \"{table}\" DROP COLUMN \"{column}\";"
        ))?;
    }
    for (collection, column) in &migration.new_columns {
        let table = &collection.table;
        sql.batch(&format!(
            "ALTER TABLE \"{table}\" ADD COLUMN \"{name}\" {ty};
             CREATE INDEX \"{table}_{name}\" ON \"{table}\" (\"{name}\", uri);",
            name = column.name,
            ty = schema::column_type(column.ty, dialect)
        ))?;
    }
    // Every existing table whose rows change: judged again, or new columns filled.
    for collection in &schema.collections {
        if migration
            .new_tables
            .iter()
            .any(|c| c.nsid == collection.nsid)
        {
            continue;
        }
        let filled: Vec<&Column> = migration
            .new_columns
            .iter()
            .filter(|(c, _)| c.nsid == collection.nsid)
            .map(|(_, column)| column)
            .collect();
        if !migration.revalidate && filled.is_empty() {
            continue;
        }
        let mut after = String::new();
        loop {
            let rows = sql.page(&collection.table, &after, 1000)?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.0.clone();
            for (uri, rkey, record) in &rows {
                let judged = migration
                    .revalidate
                    .then(|| violations(schema, &collection.nsid, rkey, record));
                let columns: Vec<(String, ColumnValue)> = filled
                    .iter()
                    .map(|c| (c.name.clone(), ColumnValue::of(c.ty, &record[&c.property])))
                    .collect();
                sql.rewrite(&collection.table, uri, judged.as_deref(), &columns)?;
            }
        }
    }
    for (key, value) in meta(schema) {
        sql.set_meta(key, &value)?;
    }
    sql.record(
        now_millis(),
        &migration.from,
        &schema.fingerprint,
        &migration.summary.join("\n"),
    )
}
