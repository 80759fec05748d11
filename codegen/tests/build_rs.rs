//! The build-script workflow: a copy of `examples/build-rs` built with cargo. Touching a lexicon
//! (or adding one) reruns the build script; building again without a change does not.

use lexicon_test_support::copy_dir;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// Builds the project and returns how many times its build script has run so far.
fn build(project: &Path) -> u32 {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = lexicon_test_support::process::output(
        Command::new(cargo)
            .args(["build", "--quiet", "--message-format=json"])
            .current_dir(project)
            .env("CARGO_TARGET_DIR", repo().join("target/build-rs-rerun")),
        lexicon_test_support::process::CARGO_LIMIT,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let out_dir = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["reason"] == "build-script-executed"
                && m["package_id"]
                    .as_str()
                    .is_some_and(|p| p.contains("build-rs-example"))
        })
        .filter_map(|m| m["out_dir"].as_str().map(PathBuf::from))
        .next_back()
        .expect("the build script's out dir");
    std::fs::read_to_string(out_dir.join("build-runs"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn build_script_reruns_only_when_lexicons_change() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("examples/build-rs");
    copy_dir(&repo().join("examples/build-rs"), &project);
    copy_dir(&repo().join("lexicons"), &dir.path().join("lexicons"));
    // Point the path dependencies at this repository and detach from its workspace.
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    let manifest = manifest.replace(
        "../../runtime",
        &repo().join("runtime").display().to_string(),
    );
    let manifest = manifest.replace(
        "../../codegen",
        &repo().join("codegen").display().to_string(),
    );
    let manifest = manifest.replace(
        "../../atproto",
        &repo().join("atproto").display().to_string(),
    );
    std::fs::write(
        project.join("Cargo.toml"),
        format!("{manifest}\n[workspace]\n"),
    )
    .unwrap();

    let first = build(&project);
    assert_eq!(build(&project), first, "no change, no rerun");

    std::thread::sleep(std::time::Duration::from_millis(1100));
    let job = dir.path().join("lexicons/dev/cocore/compute/job.json");
    std::fs::write(&job, std::fs::read_to_string(&job).unwrap()).unwrap();
    assert_eq!(
        build(&project),
        first + 1,
        "a touched lexicon reruns the script"
    );

    std::thread::sleep(std::time::Duration::from_millis(1100));
    let new = dir.path().join("lexicons/dev/cocore/compute/extra.json");
    std::fs::write(
        &new,
        r#"{"lexicon":1,"id":"dev.cocore.compute.extra","defs":{"main":{"type":"token"}}}"#,
    )
    .unwrap();
    assert_eq!(
        build(&project),
        first + 2,
        "an added lexicon reruns the script"
    );
    assert_eq!(build(&project), first + 2);
}

#[test]
fn errors_are_cargo_error_lines_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = lexicon_codegen::Builder::new()
        .lexicons(repo().join("tests/data/bad-lexicons/unresolved-ref"))
        .out_dir(&out)
        .compile();
    let Err(lexicon_codegen::CompileError::Lexicons(diags)) = result else {
        panic!("expected lexicon errors")
    };
    assert_eq!(diags.iter().next().unwrap().position, Some((5, 82)));
    assert!(
        !out.join("lexicons.rs").exists(),
        "nothing is written on error"
    );
}

#[test]
fn builder_options_shape_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = lexicon_codegen::Builder::new()
        .lexicons(repo().join("lexicons"))
        .only(["dev.cocore.compute.defs"])
        .out_dir(dir.path())
        .file_name("cocore.rs")
        .module_path("crate::cocore")
        .runtime_path("::my_crate::runtime")
        .type_attribute("#[allow(missing_docs)]")
        .docs(false)
        .compile()
        .expect("generates");
    let code = std::fs::read_to_string(path).unwrap();
    assert!(code.contains("pub mod defs"), "the selected lexicon");
    assert!(!code.contains("pub mod job"), "not selected");
    assert!(!code.contains("///"), "no docs");
    assert!(code.contains("::my_crate::runtime::Validate"));
    assert!(code.contains("#[allow(missing_docs)]"));
    assert!(
        !code.contains("#!["),
        "no inner attributes in a file for include!"
    );
    let bad = lexicon_codegen::Builder::new()
        .lexicons(repo().join("lexicons"))
        .runtime_path("not a path")
        .out_dir(dir.path())
        .compile();
    match bad {
        Err(lexicon_codegen::CompileError::Config(problems)) => {
            let origins: Vec<_> = problems.iter().map(|d| d.origin).collect();
            assert_eq!(origins, [lexicon_codegen::Origin::Setting("runtime path")]);
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn several_compiles_into_one_out_dir_keep_each_others_files() {
    let dir = tempfile::tempdir().unwrap();
    let compile = |only: &str, file: &str| {
        lexicon_codegen::Builder::new()
            .lexicons(repo().join("lexicons"))
            .only([only])
            .out_dir(dir.path())
            .file_name(file)
            .compile()
            .expect("generates")
    };
    let defs = compile("dev.cocore.compute.defs", "defs.rs");
    let job = compile("dev.cocore.compute.job", "job.rs");
    assert!(
        defs.exists(),
        "the second compile left the first file alone"
    );
    assert!(job.exists());
}

#[test]
fn a_write_error_says_what_failed_and_keeps_the_io_error_as_its_source() {
    use std::error::Error as _;
    let io = lexicon_codegen::CompileError::from(std::io::Error::other("disk full"));
    assert_eq!(io.to_string(), "cannot write generated code: disk full");
    let source = io.source().expect("the I/O error");
    assert!(source.downcast_ref::<std::io::Error>().is_some());
}
