//! Reading records back: by DID, by an indexed property, or by the record they reference,
//! a page at a time.

use serde_json::Value;

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
