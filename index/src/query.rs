//! Reading records back: by DID, by an indexed property, or by the record they reference,
//! a page at a time.

use serde_json::Value;

use crate::apply::ColumnValue;
use crate::error::IndexError;
use crate::schema::IndexSchema;

/// Which records of a collection a query wants.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every record.
    All,
    /// The records of one repository.
    Did(String),
    /// The records whose indexed property has this value (a string, an integer or a boolean).
    Property(String, Value),
    /// The records holding a strongRef to this AT URI.
    References(String),
}

/// A query: records of `collection` that `filter` selects, in URI order, after `after` (the
/// cursor of the previous page), at most `limit` of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The collection's NSID.
    pub collection: String,
    /// Which records.
    pub filter: Filter,
    /// The previous page's cursor.
    pub after: Option<String>,
    /// The most records on the page.
    pub limit: usize,
    /// Whether records that break their lexicon are served too (with their violations); by
    /// default they are not.
    pub include_invalid: bool,
}

impl Query {
    /// The first page (50 records) of `collection`'s records that `filter` selects, valid
    /// ones only.
    pub fn new(collection: impl Into<String>, filter: Filter) -> Query {
        Query {
            collection: collection.into(),
            filter,
            after: None,
            limit: 50,
            include_invalid: false,
        }
    }
}

/// A stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `at://<did>/<collection>/<rkey>`.
    pub uri: String,
    /// The repository.
    pub did: String,
    /// The record key.
    pub rkey: String,
    /// The CID of the record's content.
    pub cid: String,
    /// The revision of the commit that wrote it.
    pub rev: String,
    /// The record, as JSON.
    pub record: Value,
    /// Its violations of the lexicon (none for a valid record).
    pub violations: Vec<String>,
}

impl Row {
    /// Whether the record is valid under its lexicon.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }

    /// The record as its generated type.
    pub fn decode<R: lexicon_runtime::record::Record>(&self) -> Result<R, lexicon_runtime::Error> {
        lexicon_runtime::json::from_json(&self.record.to_string())
    }
}

/// A page of records, and the cursor of the next page (none after the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The records.
    pub rows: Vec<Row>,
    /// Where the next page starts.
    pub cursor: Option<String>,
}

/// A query as SQL: the statement and its parameters, for a database whose `n`th placeholder
/// `placeholder(n)` writes (`?1`, `$1`). It selects `uri, did, rkey, cid, rev, violations` and
/// then `record_columns`, one row more than the page holds (to know whether another follows).
pub(crate) struct Select {
    pub sql: String,
    pub values: Vec<ColumnValue>,
    /// The most rows on the page.
    pub limit: usize,
}

impl Select {
    pub(crate) fn new(
        schema: &IndexSchema,
        query: &Query,
        placeholder: fn(usize) -> String,
        record_columns: &str,
    ) -> Result<Select, IndexError> {
        let table = schema
            .collection(&query.collection)
            .ok_or_else(|| IndexError::Query(format!("{} is not indexed", query.collection)))?;
        let mut conditions = vec![
            "NOT EXISTS (SELECT 1 FROM repos WHERE repos.did = t.did AND repos.active = FALSE)"
                .to_owned(),
        ];
        let mut values = Vec::new();
        let mut bind = |value: ColumnValue| {
            values.push(value);
            placeholder(values.len())
        };
        if !query.include_invalid {
            conditions.push("t.valid = TRUE".into());
        }
        match &query.filter {
            Filter::All => {}
            Filter::Did(did) => {
                conditions.push(format!(
                    "t.did = {}",
                    bind(ColumnValue::Text(Some(did.clone())))
                ));
            }
            Filter::Property(property, value) => {
                let column = table
                    .columns
                    .iter()
                    .find(|c| c.property == *property)
                    .ok_or_else(|| {
                        IndexError::Query(format!("{}: {property} is not indexed", table.nsid))
                    })?;
                let value = ColumnValue::of(column.ty, value);
                conditions.push(format!("t.\"{}\" = {}", column.name, bind(value)));
            }
            Filter::References(target) => {
                let target = bind(ColumnValue::Text(Some(target.clone())));
                conditions.push(format!(
                    "t.uri IN (SELECT source FROM edges WHERE target = {target})"
                ));
            }
        }
        if let Some(after) = &query.after {
            conditions.push(format!(
                "t.uri > {}",
                bind(ColumnValue::Text(Some(after.clone())))
            ));
        }
        let limit = query.limit.max(1);
        let sql = format!(
            "SELECT t.uri, t.did, t.rkey, t.cid, t.rev, t.violations, {record_columns} FROM \"{}\" t
             WHERE {} ORDER BY t.uri LIMIT {}",
            table.table,
            conditions.join(" AND "),
            limit + 1
        );
        Ok(Select { sql, values, limit })
    }

    /// The page of `rows` (read with one row to spare) and the next page's cursor.
    pub(crate) fn page(&self, mut rows: Vec<Row>) -> Page {
        let cursor = (rows.len() > self.limit).then(|| {
            rows.truncate(self.limit);
            rows.last().map(|r| r.uri.clone()).unwrap_or_default()
        });
        Page { rows, cursor }
    }
}
