//! Generated code as a module of an existing crate, with the command line's settings
//! (`--layout module`, `--module-path`, `--runtime-path`, `--type-attribute`, `--no-docs`,
//! `--no-builders`), and
//! the crate's own `rustfmt.toml`: the host crate builds, and after `cargo fmt` the drift check
//! is clean (the generator formats as `cargo fmt` does).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn codegen(args: &[&str], cwd: &Path) -> Output {
    lexicon_test_support::process::output(
        Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"))
            .args(args)
            .current_dir(cwd),
        lexicon_test_support::process::CLI_LIMIT,
    )
}

fn cargo(args: &[&str], cwd: &Path) -> Output {
    lexicon_test_support::process::output(
        Command::new(env!("CARGO"))
            .args(args)
            // Shared between runs, so that the runtime and serde are compiled once.
            .env("CARGO_TARGET_DIR", repo().join("target/module-layout-host"))
            .current_dir(cwd),
        lexicon_test_support::process::CARGO_LIMIT,
    )
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const FLAGS: &[&str] = &[
    "--out",
    "src/lexicons",
    "--layout",
    "module",
    "--module-path",
    "crate::lexicons",
    "--runtime-path",
    "crate::rt",
    "--type-attribute",
    "#[allow(clippy::all)]",
    "--no-docs",
    "--no-builders",
];

#[test]
fn a_module_of_an_existing_crate_builds_and_stays_formatted() {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path();
    let runtime = repo().join("runtime");
    fs::write(
        host.join("Cargo.toml"),
        format!(
            "[package]\nname = \"host\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\nlexicon-runtime = {{ path = {:?} }}\n\n[workspace]\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    // A style unlike rustfmt's defaults, so that a pass that ignored it would show.
    fs::write(
        host.join("rustfmt.toml"),
        "hard_tabs = true\nmax_width = 80\n",
    )
    .unwrap();
    fs::create_dir_all(host.join("src")).unwrap();
    fs::write(
        host.join("src/lib.rs"),
        "//! A crate that re-exports the runtime and holds generated code in a module.\n\n\
         pub use lexicon_runtime as rt;\n\npub mod lexicons;\n\n\
         /// The model a job asks for.\npub fn model(json: &str) -> Result<String, rt::Error> {\n\
         \tOk(lexicons::dev::cocore::compute::job::Job::from_json(json)?.model)\n}\n",
    )
    .unwrap();
    let lexicons = repo().join("lexicons");
    let mut args = vec!["generate", "--lexicons", lexicons.to_str().unwrap()];
    args.extend(FLAGS);
    let out = codegen(&args, host);
    assert!(out.status.success(), "{}", text(&out));

    let root = host.join("src/lexicons");
    assert!(root.join("mod.rs").is_file(), "the tree's root is mod.rs");
    assert!(!root.join("lib.rs").exists());
    let job = fs::read_to_string(root.join("dev/cocore/compute/job.rs")).unwrap();
    assert!(
        job.contains("crate::rt::__private::check"),
        "the runtime path"
    );
    assert!(
        job.contains("crate::lexicons::dev::cocore::compute::defs::Money"),
        "the module path"
    );
    assert!(job.contains("#[allow(clippy::all)]"), "the type attribute");
    assert!(!job.contains("///") && !job.contains("//!"), "no docs");
    assert!(!job.contains("JobBuilder"), "no builders");
    assert!(
        job.lines().any(|l| l.starts_with('\t')),
        "the crate's rustfmt.toml (hard tabs)"
    );

    let build = cargo(&["build", "--offline", "--quiet"], host);
    assert!(
        build.status.success(),
        "the host crate builds: {}",
        text(&build)
    );

    let fmt = cargo(&["fmt"], host);
    assert!(fmt.status.success(), "{}", text(&fmt));
    let mut args = vec![
        "generate",
        "--check",
        "--lexicons",
        lexicons.to_str().unwrap(),
    ];
    args.extend(FLAGS);
    let check = codegen(&args, host);
    assert_eq!(
        check.status.code(),
        Some(0),
        "cargo fmt then --check: {}",
        text(&check)
    );
}
