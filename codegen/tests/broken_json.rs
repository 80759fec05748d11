//! Broken JSON text (truncated, control characters, invalid UTF-8, CRLF line ends, tabs) through
//! the command line, in a debug build (overflow checks on): never a panic, always exit code 2 with
//! every diagnostic rendered, or a clean run.

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;

const JOB: &str = include_str!("../../lexicons/dev/cocore/compute/job.json");
const DEFS: &str = include_str!("../../lexicons/dev/cocore/compute/defs.json");
const STRONG_REF: &str = include_str!("../../lexicons/com/atproto/repo/strongRef.json");

/// One way of breaking a document's bytes.
#[derive(Debug, Clone)]
enum Damage {
    /// Cut the text at this fraction of its length.
    Truncate(f64),
    /// Insert this byte (a control character, a raw newline or tab, or a byte that is never
    /// UTF-8) at this fraction of the length.
    Insert(f64, u8),
    /// Line ends become CRLF.
    Crlf,
    /// Indentation becomes tabs.
    Tabs,
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0.0..1.0f64).prop_map(Damage::Truncate),
        (
            0.0..1.0f64,
            prop_oneof![3 => Just(b'\n'), 1 => Just(b'\r'), 2 => 0u8..0x20, 1 => Just(0x7f), 2 => 0x80u8..=0xff]
        )
            .prop_map(|(at, b)| Damage::Insert(at, b)),
        Just(Damage::Crlf),
        Just(Damage::Tabs),
    ]
}

fn apply(text: &[u8], damages: &[Damage]) -> Vec<u8> {
    let mut bytes = text.to_vec();
    for d in damages {
        let at = |f: f64, len: usize| ((len as f64) * f) as usize;
        match d {
            Damage::Truncate(f) => bytes.truncate(at(*f, bytes.len())),
            Damage::Insert(f, b) => {
                let i = at(*f, bytes.len()).min(bytes.len());
                bytes.insert(i, *b);
            }
            Damage::Crlf => {
                bytes = String::from_utf8_lossy(&bytes)
                    .replace('\n', "\r\n")
                    .into_bytes()
            }
            Damage::Tabs => {
                bytes = String::from_utf8_lossy(&bytes)
                    .replace("  ", "\t")
                    .into_bytes()
            }
        }
    }
    bytes
}

/// Runs `lexicon-codegen generate` on the folder with these arguments; returns the exit code
/// and what was printed.
fn run(lexicons: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let output = lexicon_test_support::process::output(
        Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"))
            .args(["generate", "--no-rustfmt", "--lexicons"])
            .arg(lexicons)
            .arg("--out")
            .arg(out)
            .args(extra),
        lexicon_test_support::process::CLI_LIMIT,
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn broken_json_never_panics_the_cli(which in 0usize..3, damages in prop::collection::vec(damage(), 1..4)) {
        let dir = tempfile::tempdir().unwrap();
        let lexicons = dir.path().join("lexicons");
        std::fs::create_dir(&lexicons).unwrap();
        for (i, text) in [JOB, DEFS, STRONG_REF].iter().enumerate() {
            let bytes = if i == which { apply(text.as_bytes(), &damages) } else { text.as_bytes().to_vec() };
            std::fs::write(lexicons.join(format!("{i}.json")), bytes).unwrap();
        }
        let out = dir.path().join("out");
        for extra in [&["--check"][..], &["--check", "--format", "json"][..], &[][..]] {
            let (code, text) = run(&lexicons, &out, extra);
            prop_assert!(!text.contains("panicked"), "{text}");
            prop_assert!(matches!(code, 0..=2), "exit code {code}: {text}");
            if code == 2 && !extra.contains(&"json") {
                prop_assert!(text.contains("error["), "{text}");
            }
        }
    }
}

#[test]
fn a_raw_newline_in_a_string_points_at_the_end_of_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.json"),
        "{\"lexicon\": 1, \"id\": \"a.b.c\", \"defs\": {\"main\": {\"type\": \"token\", \"description\": \"x\n\"}}}",
    )
    .unwrap();
    let (code, text) = run(dir.path(), &dir.path().join("out"), &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("a.json:1:83"), "{text}");
    assert!(text.contains("control character"), "{text}");
}

#[test]
fn control_characters_in_the_shown_line_are_replaced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.json"),
        "{\"lexicon\": 1, \"id\": \"a.b.c\x1b[31m\", \"defs\": {\"main\": {\"type\": \"token\"}}}",
    )
    .unwrap();
    let (code, text) = run(dir.path(), &dir.path().join("out"), &[]);
    assert_eq!(code, 2, "{text}");
    assert!(!text.contains('\x1b'), "{text}");
    assert!(text.contains('\u{fffd}'), "{text}");
}
