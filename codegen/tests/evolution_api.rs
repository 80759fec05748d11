//! Changes that `lexicon-codegen diff` calls non-breaking break no Rust code: a crate written
//! against the bindings of `lexicons/` compiles unchanged against the bindings of the whole
//! upstream cocore set, and of synthetic additions of each kind (a new optional property, a new
//! `knownValues` entry, a new member of an open union, a new def); and code written against
//! `lexicon-xrpc`'s bindings (generated without builders) compiles against a new optional
//! property, because no struct literal of generated types compiles outside them.

use lexicon_test_support::copy_dir;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn codegen(args: &[&Path], first: &[&str]) -> Output {
    lexicon_test_support::process::output(
        Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"))
            .args(first)
            .args(args),
        lexicon_test_support::process::CLI_LIMIT,
    )
}

/// A lexicon with an open union and an open set of known values, beside the cocore ones.
const THING: &str = r##"{"lexicon": 1, "id": "test.evolution.thing", "defs": {
  "main": {"type": "record", "key": "tid", "record": {"type": "object", "required": ["part", "kind"], "properties": {
    "part": {"type": "union", "refs": ["#a", "#b"]},
    "kind": {"type": "string", "knownValues": ["x", "y"]}}}},
  "a": {"type": "object", "properties": {"n": {"type": "integer"}}},
  "b": {"type": "object", "properties": {"s": {"type": "string"}}}}}"##;

/// The user's code, written against the bindings of `lexicons/` plus `THING`.
const USER: &str = r##"
use bindings::com::atproto::repo::strong_ref::StrongRef;
use bindings::dev::cocore::compute::defs::{Money, TrustLevel};
use bindings::dev::cocore::compute::job::Job;
use bindings::test::evolution::thing::{Thing, ThingA, ThingKind, ThingPart};
use lexicon_runtime::{AtUri, Cid, Datetime, ValidationErrors};

pub fn job(when: Datetime) -> Result<Job, ValidationErrors> {
    let uri: AtUri = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3l4m5n6o7p2qa"
        .parse()
        .unwrap();
    let cid: Cid = "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq".parse().unwrap();
    Job::builder()
        .model("llama")
        .input_commitment("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        .max_tokens_out(1024)
        .price_ceiling(Money::builder().amount(250).currency("USD").build()?)
        .accepted_trust_level(TrustLevel::HardwareAttested)
        .payment_authorization(StrongRef::builder().uri(uri).cid(cid).build()?)
        .nonce("0123456789abcdef0123456789abcdef")
        .expires_at(when.clone())
        .created_at(when)
        .build()
}

pub fn summary(job: &Job) -> (String, i64, &'static str) {
    let trust = match &job.accepted_trust_level {
        TrustLevel::SelfAttested => "self",
        TrustLevel::HardwareAttested => "hardware",
        _ => "other",
    };
    (job.model.clone(), job.price_ceiling.amount, trust)
}

pub fn thing() -> Result<Thing, ValidationErrors> {
    Thing::builder()
        .part(ThingA::builder().n(1).build()?)
        .kind(ThingKind::X)
        .build()
}

pub fn part(thing: &Thing) -> &'static str {
    match (&thing.part, &thing.kind) {
        (ThingPart::ThingA(a), ThingKind::X) if a.n == Some(1) => "a1x",
        (ThingPart::B(_), _) => "b",
        _ => "other",
    }
}

pub fn parse(json: &str) -> Result<Job, lexicon_runtime::Error> {
    Job::from_json(json)
}
"##;

/// Edits `THING` as a synthetic change of one kind.
fn thing_with(change: &str) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(THING).unwrap();
    let defs = &mut doc["defs"];
    match change {
        "optional property" => {
            defs["main"]["record"]["properties"]["note"] = serde_json::json!({"type": "string"});
        }
        "known value" => {
            defs["main"]["record"]["properties"]["kind"]["knownValues"] =
                serde_json::json!(["x", "y", "z"]);
        }
        "union member" => {
            defs["main"]["record"]["properties"]["part"]["refs"] =
                serde_json::json!(["#a", "#b", "#c"]);
            defs["c"] = serde_json::json!({"type": "object", "properties": {}});
        }
        "new def" => defs["d"] = serde_json::json!({"type": "object", "properties": {}}),
        other => panic!("no change {other}"),
    }
    doc.to_string()
}

/// A bindings crate and a user crate that depends on it, in a temporary workspace.
fn workspace(user_code: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let runtime = repo().join("runtime");
    fs::create_dir_all(root.join("bindings/src")).unwrap();
    fs::write(
        root.join("bindings/Cargo.toml"),
        format!(
            "[package]\nname = \"bindings\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\nlexicon-runtime = {{ path = {:?} }}\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    fs::create_dir_all(root.join("user/src")).unwrap();
    fs::write(
        root.join("user/Cargo.toml"),
        format!(
            "[package]\nname = \"user\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\nbindings = {{ path = \"../bindings\" }}\nlexicon-runtime = {{ path = {:?} }}\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    fs::write(
        root.join("user/src/lib.rs"),
        format!("#![deny(warnings)]\n{user_code}"),
    )
    .unwrap();
    fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"user\", \"bindings\"]\n",
    )
    .unwrap();
    dir
}

/// Generates the bindings crate from `set` (with `flags`), then builds the user's crate.
fn build_user(root: &Path, set: &Path, flags: &[&str], what: &str) -> Output {
    let out_dir = root.join("bindings/src");
    let mut first = vec!["generate", "--no-rustfmt", "--quiet"];
    first.extend_from_slice(flags);
    first.extend(["--out", out_dir.to_str().unwrap(), "--lexicons"]);
    let out = codegen(&[set], &first);
    assert!(out.status.success(), "{what}: {}", text(&out));
    lexicon_test_support::process::output(
        Command::new(env!("CARGO"))
            .args(["build", "--offline", "--quiet"])
            .env("CARGO_TARGET_DIR", repo().join("target/evolution-user"))
            .current_dir(root.join("user")),
        lexicon_test_support::process::CARGO_LIMIT,
    )
}

/// `diff` calls the change from `old` to `new` non-breaking.
fn assert_non_breaking(old: &Path, new: &Path, what: &str) {
    let diff = codegen(&[old, new], &["diff"]);
    assert_eq!(
        diff.status.code(),
        Some(0),
        "diff calls {what} non-breaking: {}",
        text(&diff)
    );
}

#[test]
fn code_written_against_old_bindings_compiles_against_non_breaking_changes() {
    let dir = workspace(USER);
    let root = dir.path();
    let lexicon_set = |name: &str, base: &Path, thing: &str| -> PathBuf {
        let set = root.join("sets").join(name);
        copy_dir(base, &set);
        fs::create_dir_all(set.join("test")).unwrap();
        fs::write(set.join("test/thing.json"), thing).unwrap();
        set
    };
    let baseline = lexicon_set("baseline", &repo().join("lexicons"), THING);
    let mut changed = vec![(
        "upstream cocore set".to_owned(),
        lexicon_set(
            "upstream",
            &repo().join("tests/data/lexicons/cocore-upstream-all"),
            THING,
        ),
    )];
    for change in [
        "optional property",
        "known value",
        "union member",
        "new def",
    ] {
        let name = change.replace(' ', "-");
        changed.push((
            change.to_owned(),
            lexicon_set(&name, &repo().join("lexicons"), &thing_with(change)),
        ));
    }
    let build_against = |set: &Path, what: &str| {
        let build = build_user(root, set, &[], what);
        assert!(
            build.status.success(),
            "the user's code does not compile against {what}: {}",
            text(&build)
        );
    };
    build_against(&baseline, "the bindings it was written against");
    for (what, set) in &changed {
        assert_non_breaking(&baseline, set, what);
        build_against(set, what);
    }
}

/// Code written against `lexicon-xrpc`'s bindings (generated as it generates them, without
/// builders): it builds an input with `new` and sets an optional property on it, and reads an
/// output.
const XRPC_USER: &str = r##"
use bindings::com::atproto::repo::create_record::{Input, Output};
use bindings::com::atproto::repo::strong_ref::StrongRef;
use lexicon_runtime::{AtIdentifier, AtUri, Cid, Nsid, RecordKey, Unknown};

pub fn input(record: Unknown) -> Input {
    let repo: AtIdentifier = "alice.test".parse().unwrap();
    let collection: Nsid = "dev.cocore.compute.job".parse().unwrap();
    let mut input = Input::new(repo, collection, record);
    input.rkey = Some("3l4m5n6o7p2qa".parse::<RecordKey>().unwrap());
    input
}

pub fn reference(out: &Output) -> StrongRef {
    StrongRef::new(out.uri.clone(), out.cid.clone())
}

pub fn parts(r: &StrongRef) -> (&AtUri, &Cid) {
    (&r.uri, &r.cid)
}
"##;

/// The same code with a struct literal, which `#[non_exhaustive]` refuses outside the bindings
/// crate whether or not builders are generated: no code can depend on the set of fields.
const XRPC_LITERAL: &str = r##"
use bindings::com::atproto::repo::strong_ref::StrongRef;

pub fn reference(uri: lexicon_runtime::AtUri, cid: lexicon_runtime::Cid) -> StrongRef {
    StrongRef { uri, cid, extra: Default::default() }
}
"##;

#[test]
fn code_written_against_xrpc_bindings_compiles_when_an_optional_property_is_added() {
    let dir = workspace(XRPC_USER);
    let root = dir.path();
    let baseline = root.join("sets/baseline");
    copy_dir(&repo().join("atproto/lexicons"), &baseline);
    let grown = root.join("sets/grown");
    copy_dir(&baseline, &grown);
    // An optional property on a method input and on a shared object.
    for (file, pointer) in [
        (
            "com/atproto/repo/createRecord.json",
            "/defs/main/input/schema/properties",
        ),
        ("com/atproto/repo/strongRef.json", "/defs/main/properties"),
    ] {
        let path = grown.join(file);
        let mut doc: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        doc.pointer_mut(pointer).unwrap()["note"] = serde_json::json!({"type": "string"});
        fs::write(&path, doc.to_string()).unwrap();
    }
    assert_non_breaking(&baseline, &grown, "an optional property");
    for (set, what) in [
        (&baseline, "the bindings"),
        (&grown, "an optional property"),
    ] {
        let build = build_user(root, set, &["--no-builders"], what);
        assert!(
            build.status.success(),
            "the user's code does not compile against {what}: {}",
            text(&build)
        );
    }
    fs::write(
        root.join("user/src/lib.rs"),
        format!("#![deny(warnings)]\n{XRPC_LITERAL}"),
    )
    .unwrap();
    let literal = build_user(root, &baseline, &["--no-builders"], "a struct literal");
    assert!(
        !literal.status.success() && text(&literal).contains("non-exhaustive"),
        "a struct literal of generated bindings must not compile outside them: {}",
        text(&literal)
    );
}
