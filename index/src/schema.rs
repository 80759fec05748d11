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
        for text in texts {
            hasher.update(text.as_bytes());
            hasher.update(b"\n");
        }
        for (nsid, property) in indexed {
            hasher.update(format!("index {nsid} {property}\n").as_bytes());
        }
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

    /// A short fingerprint of the lexicons and the indexed properties, which the database
    /// keeps to know what it was made for.
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

fn identifier(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
