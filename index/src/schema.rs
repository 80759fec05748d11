//! The tables a set of lexicons calls for: one per record collection, with a typed column for
//! each property queries filter on.

use lexicon_runtime::dynamic::Lexicons;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::IndexError;

/// The type of a typed column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// A string (any format).
    Text,
    /// An integer.
    Integer,
    /// A boolean.
    Boolean,
}

/// A typed column: a top-level property of a record, copied out of the record and indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The property's name in the record (`model`).
    pub property: String,
    /// Its type, from the lexicon.
    pub ty: ColumnType,
    /// The column's name in the table (`p_model`).
    pub name: String,
}

/// The table of one record collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// The collection's NSID.
    pub nsid: String,
    /// The table's name (`records_dev_cocore_compute_job`).
    pub table: String,
    /// Its typed columns.
    pub columns: Vec<Column>,
}

/// The tables of a set of lexicons, and the validator that judges their records.
#[derive(Debug, Clone)]
pub struct IndexSchema {
    pub(crate) lexicons: Lexicons,
    pub(crate) collections: Vec<Collection>,
    pub(crate) fingerprint: String,
    /// The documents as JSON text, sorted: what the database keeps to migrate from.
    pub(crate) documents: Vec<String>,
    /// The indexed properties, `(collection, property)`.
    pub(crate) indexed: Vec<(String, String)>,
}

impl IndexSchema {
    /// The schema of `documents` (lexicon documents as JSON): a table for each record
    /// collection, and a typed column for each `(collection, property)` of `indexed`, whose
    /// lexicon type must be a string, an integer or a boolean.
    pub fn new(documents: &[Value], indexed: &[(&str, &str)]) -> Result<IndexSchema, IndexError> {
        let lexicons = Lexicons::from_json_values(documents.iter())
            .map_err(|e| IndexError::Schema(format!("{e:#}")))?;
        let mut collections: Vec<Collection> = lexicons
            .collections()
            .into_iter()
            .map(|nsid| Collection {
                nsid: nsid.to_owned(),
                table: table_name(nsid),
                columns: Vec::new(),
            })
            .collect();
        for pair in collections.windows(2) {
            if pair[0].table == pair[1].table {
                return Err(IndexError::Schema(format!(
                    "{} and {} would share the table {}",
                    pair[0].nsid, pair[1].nsid, pair[0].table
                )));
            }
        }
        for (nsid, property) in indexed {
            let collection = collections
                .iter_mut()
                .find(|c| c.nsid == *nsid)
                .ok_or_else(|| {
                    IndexError::Schema(format!(
                        "{nsid} is not a record collection of these lexicons"
                    ))
                })?;
            let ty = property_type(documents, nsid, property)?;
            collection.columns.push(Column {
                property: (*property).to_owned(),
                ty,
                name: format!("p_{}", identifier(property)),
            });
        }
        let mut hasher = Sha256::new();
        let mut texts: Vec<String> = documents.iter().map(Value::to_string).collect();
        texts.sort();
        for text in &texts {
            hasher.update(text.as_bytes());
            hasher.update(b"\n");
        }
        for (nsid, property) in indexed {
            hasher.update(format!("index {nsid} {property}\n").as_bytes());
        }
        hasher.update(format!("layout {LAYOUT}\n").as_bytes());
        let fingerprint = hasher
            .finalize()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(IndexSchema {
            lexicons,
            collections,
            fingerprint,
            documents: texts,
            indexed: indexed
                .iter()
                .map(|(c, p)| ((*c).to_owned(), (*p).to_owned()))
                .collect(),
        })
    }

    /// The tables, one per record collection, sorted by NSID.
    pub fn collections(&self) -> &[Collection] {
        &self.collections
    }

    /// The table of `nsid`, if it is a record collection of these lexicons.
    pub fn collection(&self, nsid: &str) -> Option<&Collection> {
        self.collections.iter().find(|c| c.nsid == nsid)
    }

    /// A short fingerprint of the lexicons, the indexed properties and the layout of the tables,
    /// which the database keeps to know what it was made for.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// The type of `property` of `nsid`'s record, as a column can hold it.
fn property_type(
    documents: &[Value],
    nsid: &str,
    property: &str,
) -> Result<ColumnType, IndexError> {
    let doc = documents
        .iter()
        .find(|d| d["id"] == nsid)
        .ok_or_else(|| IndexError::Schema(format!("no lexicon document for {nsid}")))?;
    let schema = &doc["defs"]["main"]["record"]["properties"][property];
    match schema["type"].as_str() {
        Some("string") => Ok(ColumnType::Text),
        Some("integer") => Ok(ColumnType::Integer),
        Some("boolean") => Ok(ColumnType::Boolean),
        Some(other) => Err(IndexError::Schema(format!(
            "{nsid}: the property {property} is a {other}; a column holds a string, an integer or a boolean"
        ))),
        None => Err(IndexError::Schema(format!(
            "{nsid} has no top-level property {property}"
        ))),
    }
}

/// `records_` and the NSID, with every character but letters and digits as `_`.
fn table_name(nsid: &str) -> String {
    format!("records_{}", identifier(nsid))
}

/// The text with every character but ASCII letters and digits as `_`.
pub(crate) fn identifier(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The version of the tables' layout this crate writes.
pub(crate) const LAYOUT: i64 = 3;

/// The SQL a database speaks, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn integer(self) -> &'static str {
        match self {
            Dialect::Sqlite => "INTEGER",
            Dialect::Postgres => "BIGINT",
        }
    }

    fn boolean(self) -> &'static str {
        match self {
            Dialect::Sqlite => "INTEGER",
            Dialect::Postgres => "BOOLEAN",
        }
    }

    fn json(self) -> &'static str {
        match self {
            Dialect::Sqlite => "TEXT",
            Dialect::Postgres => "JSONB",
        }
    }
}

/// The tables every index has: what the database was made for and its migrations, the stream
/// cursors, each
/// repository's revision, record tree, sync state, account status and handle, and the
/// strongRef edges between records.
pub(crate) fn common_tables(dialect: Dialect) -> String {
    let (integer, boolean) = (dialect.integer(), dialect.boolean());
    format!(
        "CREATE TABLE IF NOT EXISTS index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS cursors (stream TEXT PRIMARY KEY, seq {integer} NOT NULL);
         CREATE TABLE IF NOT EXISTS repos (did TEXT PRIMARY KEY, rev TEXT NOT NULL,
             data TEXT, synced {boolean} NOT NULL DEFAULT FALSE,
             active {boolean} NOT NULL DEFAULT TRUE, status TEXT, handle TEXT);
         CREATE INDEX IF NOT EXISTS repos_unsynced ON repos (did) WHERE synced = FALSE;
         CREATE TABLE IF NOT EXISTS edges (source TEXT NOT NULL, path TEXT NOT NULL,
             target TEXT NOT NULL, target_cid TEXT NOT NULL, PRIMARY KEY (source, path));
         CREATE INDEX IF NOT EXISTS edges_target ON edges (target);
         CREATE TABLE IF NOT EXISTS index_migrations (version {integer} PRIMARY KEY,
             at {integer} NOT NULL, from_fingerprint TEXT NOT NULL,
             to_fingerprint TEXT NOT NULL, changes TEXT NOT NULL);"
    )
}

/// The columns of a collection's row, in the order the insert statement binds them: the
/// record's URI, DID, key, CID and revision, when it was indexed, the record, whether it is
/// valid and its violations, then (Postgres) the record as text when JSONB cannot hold it,
/// then the typed columns.
pub(crate) fn row_columns(collection: &Collection, dialect: Dialect) -> Vec<String> {
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
    if dialect == Dialect::Postgres {
        names.push("record_text".into());
    }
    names.extend(collection.columns.iter().map(|c| format!("\"{}\"", c.name)));
    names
}

/// The statement that inserts a collection's row or, when its URI is there, updates it (bound
/// in [`row_columns`] order).
pub(crate) fn upsert(collection: &Collection, dialect: Dialect) -> String {
    let names = row_columns(collection, dialect);
    let placeholders: Vec<String> = (1..=names.len())
        .map(|i| match dialect {
            Dialect::Sqlite => format!("?{i}"),
            Dialect::Postgres => format!("${i}"),
        })
        .collect();
    let updates: Vec<String> = names[1..]
        .iter()
        .map(|name| format!("{name} = excluded.{name}"))
        .collect();
    format!(
        "INSERT INTO \"{}\" ({}) VALUES ({}) ON CONFLICT (uri) DO UPDATE SET {}",
        collection.table,
        names.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
}

/// The table of a collection and its indexes: by repository, and by each typed column.
pub(crate) fn create_table(collection: &Collection, dialect: Dialect) -> String {
    let table = &collection.table;
    let (integer, boolean, json) = (dialect.integer(), dialect.boolean(), dialect.json());
    let mut columns = vec![
        "uri TEXT PRIMARY KEY".to_owned(),
        "did TEXT NOT NULL".into(),
        "rkey TEXT NOT NULL".into(),
        "cid TEXT NOT NULL".into(),
        "rev TEXT NOT NULL".into(),
        format!("indexed_at {integer} NOT NULL"),
    ];
    match dialect {
        Dialect::Sqlite => columns.push(format!("record {json} NOT NULL")),
        // JSONB cannot hold the character U+0000; such a record is kept as text.
        Dialect::Postgres => columns.push(format!("record {json}")),
    }
    columns.push(format!("valid {boolean} NOT NULL"));
    columns.push(format!("violations {json}"));
    if dialect == Dialect::Postgres {
        columns.push("record_text TEXT".into());
    }
    for column in &collection.columns {
        let ty = column_type(column.ty, dialect);
        columns.push(format!("\"{}\" {ty}", column.name));
    }
    let mut ddl = format!(
        "CREATE TABLE \"{table}\" ({});
         CREATE INDEX \"{table}_did\" ON \"{table}\" (did, uri);",
        columns.join(", ")
    );
    for column in &collection.columns {
        ddl.push_str(&format!(
            "\nCREATE INDEX \"{table}_{name}\" ON \"{table}\" (\"{name}\", uri);",
            name = column.name
        ));
    }
    ddl
}

/// The SQL type of a typed column.
pub(crate) fn column_type(ty: ColumnType, dialect: Dialect) -> &'static str {
    match ty {
        ColumnType::Text => "TEXT",
        ColumnType::Integer => dialect.integer(),
        ColumnType::Boolean => dialect.boolean(),
    }
}
