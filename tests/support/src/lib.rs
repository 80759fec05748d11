//! Helpers shared by the workspace's tests: reading case files and lexicon folders under
//! `tests/data/`, mutating
//! JSON values for property tests, the reference PDS (`pds`, installed by `install`) for
//! end-to-end tests, a real Postgres server (`postgres`), child processes with a time limit (`process`), a deadline for each
//! end-to-end test (`deadline`), and (feature `browser`) a browser for the PDS's OAuth sign-in
//! page.

#![forbid(unsafe_code)]

#[cfg(feature = "browser")]
pub mod browser;
pub mod deadline;
pub mod install;
pub mod pds;
pub mod postgres;
pub mod process;

use serde_json::Value;

/// The path of `relative` under `tests/data/`.
pub fn data_path(relative: &str) -> String {
    format!("{}/../data/{relative}", env!("CARGO_MANIFEST_DIR"))
}

/// Every lexicon document (`*.json`) under `dir` and its subfolders, read as JSON, in path
/// order; a file that cannot be read or parsed panics naming it.
pub fn lexicon_documents(dir: &std::path::Path) -> Vec<Value> {
    fn walk(dir: &std::path::Path, out: &mut Vec<Value>) {
        let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a folder entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.push(
                    serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
                );
            }
        }
    }
    let mut documents = Vec::new();
    walk(dir, &mut documents);
    documents
}

/// Reads a JSONL file under `tests/data/`: one JSON value per non-empty line.
pub fn jsonl(relative: &str) -> Vec<Value> {
    let full = data_path(relative);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{full}: {e}")))
        .collect()
}

/// The real records of `tests/data/cases/real-records.jsonl`, as (collection, value).
pub fn real_records() -> Vec<(String, Value)> {
    jsonl("cases/real-records.jsonl")
        .into_iter()
        .map(|c| (c["nsid"].as_str().unwrap().to_owned(), c["value"].clone()))
        .collect()
}

/// Replaces the value at a pseudo-random position of `v` (chosen by `path`) with `new`, or
/// removes the property there when `delete`.
pub fn mutate(v: &mut Value, path: &[usize], new: Value, delete: bool) {
    match (v, path.split_first()) {
        (Value::Object(map), Some((i, rest))) if !map.is_empty() => {
            let key = map.keys().nth(i % map.len()).unwrap().clone();
            if rest.is_empty() || delete && rest.len() == 1 {
                if delete {
                    map.remove(&key);
                } else {
                    map.insert(key, new);
                }
            } else {
                mutate(map.get_mut(&key).unwrap(), rest, new, delete);
            }
        }
        (Value::Array(items), Some((i, rest))) if !items.is_empty() => {
            let n = items.len();
            mutate(&mut items[i % n], rest, new, delete);
        }
        (slot, _) => *slot = new,
    }
}

/// The JSON path the reference names in its error (`"... at $.priceCeiling.amount"`), if any.
fn reference_path(verdict: &Value) -> Option<&str> {
    let error = verdict.get("error")?.as_str()?;
    let (_, path) = error.rsplit_once(" at ")?;
    path.starts_with('$').then_some(path)
}

/// For a case both refuse: when the reference names a path in its error and that path is not
/// among the paths of our violations, says so. The reference stops at its first error; we
/// report all, so its path must be one of ours. A record key error's path is the key's (`$` of
/// the key string), not one in the record, so it is not compared.
pub fn path_disagreement(case: &Value, verdict: &Value, ours: &[&str]) -> Option<String> {
    if verdict.get("errorType").and_then(Value::as_str) == Some("RecordKeyError") {
        return None;
    }
    let path = reference_path(verdict)?;
    (!ours.contains(&path)).then(|| {
        format!(
            "{} ({}): the reference refuses at {path:?}, our violations are at {ours:?}",
            case["nsid"], case["note"]
        )
    })
}

/// Copies the folder `from` to `to`, recursively (for tests that work on a copy of lexicons).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Defines `$name`: the procedure `$nsid` as a `lexicon_runtime::xrpc::Method` with raw JSON
/// input and output, to send what generated bindings refuse or do not cover (the caller's
/// crate needs `lexicon_runtime` and `serde_json`).
#[macro_export]
macro_rules! raw_json_procedure {
    ($name:ident, $nsid:literal) => {
        #[doc = concat!("`", $nsid, "` with raw JSON input and output.")]
        struct $name;

        impl ::lexicon_runtime::xrpc::Method for $name {
            const NSID: &'static str = $nsid;
            const KIND: ::lexicon_runtime::xrpc::MethodKind =
                ::lexicon_runtime::xrpc::MethodKind::Procedure;
            const HTTP_METHOD: &'static str = "POST";
            const INPUT_ENCODING: Option<&'static str> = Some("application/json");
            const OUTPUT_ENCODING: Option<&'static str> = Some("application/json");
            type Params = ::lexicon_runtime::xrpc::NoParams;
            type Input = ::serde_json::Value;
            type Output = ::serde_json::Value;
            type Error = ::lexicon_runtime::xrpc::UnlistedError;

            fn encode_input(input: &::serde_json::Value) -> Vec<u8> {
                input.to_string().into_bytes()
            }

            fn decode_input(
                bytes: &[u8],
                _: ::lexicon_runtime::Mode,
            ) -> Result<::serde_json::Value, ::lexicon_runtime::Error> {
                ::serde_json::from_slice(bytes).map_err(|e| ::lexicon_runtime::Error::Parse {
                    path: "$".into(),
                    message: e.to_string(),
                })
            }

            fn encode_output(output: &::serde_json::Value) -> Vec<u8> {
                output.to_string().into_bytes()
            }

            fn decode_output(
                bytes: &[u8],
                mode: ::lexicon_runtime::Mode,
            ) -> Result<::serde_json::Value, ::lexicon_runtime::Error> {
                <Self as ::lexicon_runtime::xrpc::Method>::decode_input(bytes, mode)
            }
        }
    };
}
