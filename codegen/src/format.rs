//! Formatting: prettyplease, then rustfmt when it is available, so output is rustfmt-clean.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::assemble::FileTokens;

/// Pretty-prints a file's tokens and puts the header on top.
pub fn format_file(file: &FileTokens) -> Result<String, String> {
    let parsed: syn::File = syn::parse2(file.tokens.clone()).map_err(|e| {
        format!(
            "internal error: generated code for {} does not parse: {e}",
            file.path.display()
        )
    })?;
    Ok(format!(
        "{}\n{}",
        file.header,
        space_items(&prettyplease::unparse(&parsed))
    ))
}

/// Puts a blank line between consecutive items (prettyplease puts none), as people write them.
fn space_items(code: &str) -> String {
    const STARTS: [&str; 12] = [
        "pub ", "impl", "fn ", "#[", "///", "struct ", "enum ", "const ", "type ", "mod ", "use ",
        "for ",
    ];
    let lines: Vec<&str> = code.lines().collect();
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(next) = lines.get(i + 1) else {
            continue;
        };
        let indent = line.len() - line.trim_start().len();
        let next_indent = next.len() - next.trim_start().len();
        let closes = matches!(line.trim(), "}" | "};")
            || (line.ends_with(';') && next.trim_start().starts_with("///"));
        let item_follows =
            next_indent == indent && STARTS.iter().any(|s| next.trim_start().starts_with(s));
        let after_doc_or_header = line.starts_with("//!") && !next.starts_with("//!");
        if (closes && item_follows && !next.trim_start().starts_with("for ")) || after_doc_or_header
        {
            out.push('\n');
        }
    }
    out
}

/// Runs `rustfmt` (or `$RUSTFMT`) over `source`, if it can be started; `None` if it cannot.
pub fn rustfmt(source: &str) -> Option<Result<String, String>> {
    let program = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into());
    let mut child = Command::new(program)
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().ok()?;
    let _ = writer.join();
    Some(if output.status.success() {
        String::from_utf8(output.stdout).map_err(|e| e.to_string())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    })
}
