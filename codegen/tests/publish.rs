//! `lexicon-codegen publish` against the reference PDS: the repository's lexicons published by
//! an account whose DNS record (from a table) names it, read back equal to their files,
//! published again with nothing written, changed compatibly (written, compare-and-swap) and
//! incompatibly (refused, naming the break, unless --allow-breaking), a dry run that writes
//! nothing, an authority whose record names another DID refused by name, `fetch` giving back
//! exactly what was published, and `status` saying same, older, newer, breaking and missing.

#![cfg(feature = "fetch")]

mod network;

use std::path::Path;

use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::pds::Pds;
use lexicon_xrpc::Client;
use serde_json::{json, Value};

use network::{codegen, dns_answers, publisher, repo, text, PASSWORD};

/// Copies `lexicons/` into `to`.
fn copy_lexicons(to: &Path) {
    for relative in [
        "dev/cocore/compute/job.json",
        "dev/cocore/compute/defs.json",
        "com/atproto/repo/strongRef.json",
    ] {
        let target = to.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(repo().join("lexicons").join(relative), target).unwrap();
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// The published document of `nsid` in `did`'s repository, without `$type`.
async fn published(client: &Client, did: &str, nsid: &str) -> Value {
    let record = client
        .get_record::<lexicon_xrpc::atproto::com::atproto::lexicon::schema::Schema>(did, nsid)
        .await
        .unwrap_or_else(|e| panic!("{nsid}: {e}"));
    let mut value = serde_json::to_value(&record.value).unwrap();
    value.as_object_mut().unwrap().remove("$type");
    value
}

#[tokio::test]
async fn lexicons_are_published_checked_against_what_is_live_and_fetched_back() {
    let _deadline = Deadline::start();
    let pds = Pds::start();
    let handle = "publisher.test";
    let (_, did) = publisher(&pds, handle).await;

    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("lexicons");
    copy_lexicons(&local);
    let answers = dir.path().join("dns.json");
    // cocore's authority names the account; com.atproto's has no record yet.
    dns_answers(&answers, &[("compute.cocore.dev", did.as_str())]);
    let publish = |extra: &[&str]| {
        let mut args = vec![
            "publish",
            "--pds",
            pds.url.as_str(),
            "--handle",
            handle,
            "--password",
            PASSWORD,
        ];
        args.extend_from_slice(extra);
        codegen(
            &args,
            &[
                Path::new("--lexicons"),
                &local,
                Path::new("--dns-answers"),
                &answers,
            ],
        )
    };

    // First publication: every lexicon created; a warning names the DNS record to add.
    let out = publish(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for nsid in [
        "com.atproto.repo.strongRef",
        "dev.cocore.compute.defs",
        "dev.cocore.compute.job",
    ] {
        assert!(
            stdout.contains(&format!(
                "created {nsid} at://{did}/com.atproto.lexicon.schema/{nsid} ("
            )),
            "{stdout}"
        );
    }
    assert!(
        stdout.ends_with("3 written, 0 unchanged, 0 refused\n"),
        "{stdout}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("add _lexicon.repo.atproto.com TXT \"did={did}\"")),
        "{}",
        text(&out)
    );
    let reader = Client::new(&pds.url).unwrap();
    for (nsid, relative) in [
        ("dev.cocore.compute.job", "dev/cocore/compute/job.json"),
        ("dev.cocore.compute.defs", "dev/cocore/compute/defs.json"),
        (
            "com.atproto.repo.strongRef",
            "com/atproto/repo/strongRef.json",
        ),
    ] {
        assert_eq!(
            published(&reader, &did, nsid).await,
            read(&local.join(relative)),
            "{nsid}"
        );
    }

    // Again: nothing to write.
    let out = publish(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("0 written, 3 unchanged, 0 refused"),
        "{}",
        text(&out)
    );

    // A compatible change (a new optional property): a dry run writes nothing, then it is
    // written over the version read.
    let job_path = local.join("dev/cocore/compute/job.json");
    let original = read(&job_path);
    let mut compatible = original.clone();
    compatible["defs"]["main"]["record"]["properties"]["note"] =
        json!({"type": "string", "maxLength": 100});
    write(&job_path, &compatible);
    let out = publish(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("would update dev.cocore.compute.job"),
        "{}",
        text(&out)
    );
    assert_eq!(
        published(&reader, &did, "dev.cocore.compute.job").await,
        original
    );
    let out = publish(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("updated dev.cocore.compute.job"),
        "{}",
        text(&out)
    );
    assert_eq!(
        published(&reader, &did, "dev.cocore.compute.job").await,
        compatible
    );

    // An incompatible change (a new required property): refused, naming the break.
    let mut breaking = compatible.clone();
    breaking["defs"]["main"]["record"]["properties"]["priority"] = json!({"type": "integer"});
    breaking["defs"]["main"]["record"]["required"]
        .as_array_mut()
        .unwrap()
        .push(json!("priority"));
    write(&job_path, &breaking);
    let out = publish(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("refused dev.cocore.compute.job: breaks the published version"),
        "{said}"
    );
    assert!(said.contains("priority"), "the break is named: {said}");
    assert_eq!(
        published(&reader, &did, "dev.cocore.compute.job").await,
        compatible
    );

    // `fetch` gets back exactly what was published (strongRef's authority now has its record
    // too: fetch follows the job's refs).
    dns_answers(
        &answers,
        &[
            ("compute.cocore.dev", did.as_str()),
            ("repo.atproto.com", did.as_str()),
        ],
    );
    let fetched = dir.path().join("fetched");
    let out = codegen(
        &[
            "fetch",
            "dev.cocore.compute.job",
            "--plc",
            pds.plc.as_str(),
            "--dns-answers",
        ],
        &[&answers, Path::new("--out"), &fetched],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        read(&fetched.join("dev/cocore/compute/job.json")),
        compatible
    );

    // With --allow-breaking it is written.
    let out = publish(&["--allow-breaking"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        published(&reader, &did, "dev.cocore.compute.job").await,
        breaking
    );

    // An authority whose record names another DID is refused by name.
    let other = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa";
    dns_answers(&answers, &[("compute.cocore.dev", other)]);
    write(&job_path, &compatible);
    let out = publish(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "refused dev.cocore.compute.job: _lexicon.compute.cocore.dev names {other}, not {did}"
        )),
        "{}",
        text(&out)
    );
    assert_eq!(
        published(&reader, &did, "dev.cocore.compute.job").await,
        breaking
    );

    // `status`, with both authorities' records naming the account.
    dns_answers(
        &answers,
        &[
            ("compute.cocore.dev", did.as_str()),
            ("repo.atproto.com", did.as_str()),
        ],
    );
    let status = || {
        let out = codegen(
            &[
                "status",
                "--plc",
                pds.plc.as_str(),
                "--format",
                "json",
                "--dns-answers",
            ],
            &[&answers, Path::new("--lexicons"), &local],
        );
        let report: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
        let statuses: Vec<(String, String)> = report["lexicons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["nsid"].as_str().unwrap().to_owned(),
                    l["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (out.status.code(), statuses)
    };
    let job_status = |statuses: &[(String, String)]| {
        statuses
            .iter()
            .find(|(nsid, _)| nsid == "dev.cocore.compute.job")
            .map(|(_, s)| s.clone())
            .unwrap()
    };
    // Published: `breaking`; local: `compatible` (the required property gone): each breaks the
    // other.
    let (code, statuses) = status();
    assert_eq!(
        (code, job_status(&statuses).as_str()),
        (Some(1), "breaking"),
        "{statuses:?}"
    );
    write(&job_path, &breaking);
    let (code, statuses) = status();
    assert_eq!(code, Some(0), "{statuses:?}");
    assert!(statuses.iter().all(|(_, s)| s == "same"), "{statuses:?}");
    // The local one adds an optional property: the published one is older.
    let mut newer_local = breaking.clone();
    newer_local["defs"]["main"]["record"]["properties"]["tag"] =
        json!({"type": "string", "maxLength": 10});
    write(&job_path, &newer_local);
    let (code, statuses) = status();
    assert_eq!(
        (code, job_status(&statuses).as_str()),
        (Some(1), "older"),
        "{statuses:?}"
    );
    // Published with a def more than the local file: the published one is newer.
    let mut with_def = breaking.clone();
    with_def["defs"]["urgent"] = json!({"type": "token", "description": "Run first."});
    write(&job_path, &with_def);
    let out = publish(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    write(&job_path, &breaking);
    let (code, statuses) = status();
    assert_eq!(
        (code, job_status(&statuses).as_str()),
        (Some(1), "newer"),
        "{statuses:?}"
    );
    // A lexicon not published yet.
    let fresh = json!({"lexicon": 1, "id": "dev.cocore.compute.fresh", "defs": {"main": {"type": "token", "description": "New."}}});
    write(&local.join("dev/cocore/compute/fresh.json"), &fresh);
    let (_, statuses) = status();
    assert!(
        statuses.contains(&("dev.cocore.compute.fresh".to_owned(), "missing".to_owned())),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn lexicons_are_published_with_an_oauth_session_signed_in_in_a_browser() {
    let _deadline = Deadline::start();
    let pds = Pds::start();
    let handle = "oauthlexicons.test";
    let (_, did) = publisher(&pds, handle).await;
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("lexicons");
    copy_lexicons(&local);
    let answers = dir.path().join("dns.json");
    dns_answers(
        &answers,
        &[
            ("compute.cocore.dev", did.as_str()),
            ("repo.atproto.com", did.as_str()),
        ],
    );
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"));
    command
        .args([
            "publish", "--pds", &pds.url, "--plc", &pds.plc, "--handle", handle, "--oauth",
        ])
        .arg("--lexicons")
        .arg(&local)
        .arg("--dns-answers")
        .arg(&answers);
    // The user's browser: sign in, consent, and come back to the command's loopback listener.
    let output = lexicon_test_support::browser::run_signing_in(command, handle, PASSWORD)
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("3 written, 0 unchanged, 0 refused"),
        "{}",
        text(&output)
    );
    let reader = Client::new(&pds.url).unwrap();
    assert_eq!(
        published(&reader, &did, "dev.cocore.compute.job").await,
        read(&local.join("dev/cocore/compute/job.json"))
    );
}
