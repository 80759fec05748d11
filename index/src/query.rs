//! Reading records back: by DID, by an indexed property, or by the record they reference,
//! a page at a time.

use serde_json::Value;

use crate::apply::ColumnValue;
use crate::error::IndexError;
use crate::schema::{Collection, IndexSchema};

/// Which records of a collection a query wants.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every record.
    All,
    /// The record at this AT URI.
    Uri(String),
    /// The records of one repository.
    Did(String),
    /// The records indexed at or after this time, in milliseconds since the Unix epoch.
    IndexedSince(i64),
    /// The records whose indexed property has this value (a string, an integer or a boolean).
    Property(String, Value),
    /// The records holding a strongRef to this AT URI.
    References(String),
    /// The records holding a strongRef to an AT URI that starts with `prefix` (`at://DID/` for
    /// any record of a repository), at the JSON path `path` of the record when given
    /// (`$.requesterAuthorization`).
    ReferencesUnder {
        /// Where in the record the strongRef is, if it matters.
        path: Option<String>,
        /// How the referenced URI starts.
        prefix: String,
    },
    /// The records every one of these selects.
    And(Vec<Filter>),
}

/// A query: records of `collection` that `filter` selects, in URI order (newest first when
/// `descending`: record keys are mostly TIDs, which sort by time), after `after` (the cursor of
/// the previous page), at most `limit` of them.
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
    /// Whether the order is descending (by default ascending).
    pub descending: bool,
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
            descending: false,
        }
    }

    /// The same query, newest first.
    pub fn newest_first(mut self) -> Query {
        self.descending = true;
        self
    }

    /// The same query, at most `limit` records a page.
    pub fn limit(mut self, limit: usize) -> Query {
        self.limit = limit;
        self
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
    /// When it was indexed, in milliseconds since the Unix epoch.
    pub indexed_at: i64,
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

/// How many of the records a query selects one repository holds, and when the first and the
/// last of them were indexed (milliseconds since the Unix epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// The repository.
    pub did: String,
    /// How many records.
    pub records: i64,
    /// When the earliest was indexed.
    pub first_indexed: i64,
    /// When the latest was indexed.
    pub last_indexed: i64,
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
/// `placeholder(n)` writes (`?1`, `$1`). It selects `uri, did, rkey, cid, rev, indexed_at,
/// violations` and then `record_columns`, one row more than the page holds (to know whether
/// another follows).
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
        let mut selection = Selection::new(schema, query, placeholder)?;
        let (order, beyond) = if query.descending {
            ("DESC", "<")
        } else {
            ("ASC", ">")
        };
        if let Some(after) = &query.after {
            let after = selection.bind(ColumnValue::Text(Some(after.clone())));
            selection.conditions.push(format!("t.uri {beyond} {after}"));
        }
        let limit = query.limit.max(1);
        let sql = format!(
            "SELECT t.uri, t.did, t.rkey, t.cid, t.rev, t.indexed_at, t.violations, {record_columns}
             FROM \"{}\" t WHERE {} ORDER BY t.uri {order} LIMIT {}",
            selection.table,
            selection.conditions.join(" AND "),
            limit + 1
        );
        Ok(Select {
            sql,
            values: selection.values,
            limit,
        })
    }

    /// The query's [`Tally`] per repository, in DID order: `did, records, first_indexed,
    /// last_indexed`. The page (`after`, `limit`, the order) does not apply.
    pub(crate) fn tally(
        schema: &IndexSchema,
        query: &Query,
        placeholder: fn(usize) -> String,
    ) -> Result<Select, IndexError> {
        let selection = Selection::new(schema, query, placeholder)?;
        let sql = format!(
            "SELECT t.did, COUNT(*), MIN(t.indexed_at), MAX(t.indexed_at)
             FROM \"{}\" t WHERE {} GROUP BY t.did ORDER BY t.did",
            selection.table,
            selection.conditions.join(" AND "),
        );
        Ok(Select {
            sql,
            values: selection.values,
            limit: usize::MAX,
        })
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

/// Which rows of a collection's table `t` a query selects: the served ones (of active
/// accounts; valid unless asked) that its filter selects.
struct Selection {
    table: String,
    conditions: Vec<String>,
    values: Vec<ColumnValue>,
    placeholder: fn(usize) -> String,
}

impl Selection {
    fn new(
        schema: &IndexSchema,
        query: &Query,
        placeholder: fn(usize) -> String,
    ) -> Result<Selection, IndexError> {
        let table = schema
            .collection(&query.collection)
            .ok_or_else(|| IndexError::Query(format!("{} is not indexed", query.collection)))?;
        let mut selection = Selection {
            table: table.table.clone(),
            conditions: vec![
                "NOT EXISTS (SELECT 1 FROM repos WHERE repos.did = t.did AND repos.active = FALSE)"
                    .to_owned(),
            ],
            values: Vec::new(),
            placeholder,
        };
        if !query.include_invalid {
            selection.conditions.push("t.valid = TRUE".into());
        }
        let filtered = condition(table, &query.filter, &mut |value| selection.bind(value))?;
        selection.conditions.extend(filtered);
        Ok(selection)
    }

    /// Binds `value` to the next placeholder, which it returns.
    fn bind(&mut self, value: ColumnValue) -> String {
        self.values.push(value);
        (self.placeholder)(self.values.len())
    }
}

/// The SQL conditions of `filter` on the table `t` (none for [`Filter::All`]), binding values
/// with `bind`.
fn condition(
    table: &Collection,
    filter: &Filter,
    bind: &mut dyn FnMut(ColumnValue) -> String,
) -> Result<Vec<String>, IndexError> {
    let text = |value: &str| ColumnValue::Text(Some(value.to_owned()));
    Ok(match filter {
        Filter::All => Vec::new(),
        Filter::Uri(uri) => vec![format!("t.uri = {}", bind(text(uri)))],
        Filter::Did(did) => vec![format!("t.did = {}", bind(text(did)))],
        Filter::IndexedSince(millis) => vec![format!(
            "t.indexed_at >= {}",
            bind(ColumnValue::Integer(Some(*millis)))
        )],
        Filter::Property(property, value) => {
            let column = table
                .columns
                .iter()
                .find(|c| c.property == *property)
                .ok_or_else(|| {
                    IndexError::Query(format!("{}: {property} is not indexed", table.nsid))
                })?;
            let value = bind(ColumnValue::of(column.ty, value));
            vec![format!("t.\"{}\" = {value}", column.name)]
        }
        Filter::References(target) => vec![format!(
            "t.uri IN (SELECT source FROM edges WHERE target = {})",
            bind(text(target))
        )],
        Filter::ReferencesUnder { path, prefix } => {
            let (first, second) = (bind(text(prefix)), bind(text(prefix)));
            let at = match path {
                Some(path) => format!(" AND path = {}", bind(text(path))),
                None => String::new(),
            };
            vec![format!(
                "t.uri IN (SELECT source FROM edges \
                 WHERE substr(target, 1, length({first})) = {second}{at})"
            )]
        }
        Filter::And(filters) => {
            let mut all = Vec::new();
            for filter in filters {
                all.extend(condition(table, filter, bind)?);
            }
            all
        }
    })
}
