//! Formatting: prettyplease, then rustfmt when it is available, so output is rustfmt-clean.

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

/// Runs one `rustfmt` process over all `files` (written to a scratch folder), which is much faster
/// than one process per file. Returns `None` if rustfmt cannot be started.
pub fn rustfmt_all(files: &mut [crate::GeneratedFile]) -> Option<Result<(), String>> {
    let program = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("lexicon-codegen-{}-{nanos}", std::process::id()));
    let result = (|| {
        let mut paths = Vec::with_capacity(files.len());
        for f in files.iter() {
            let path = dir.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap_or(&dir)).map_err(|e| e.to_string())?;
            std::fs::write(&path, &f.contents).map_err(|e| e.to_string())?;
            paths.push(path);
        }
        // rustfmt follows `mod` declarations, so the top-level files reach every module once.
        let roots = files
            .iter()
            .zip(&paths)
            .filter(|(f, _)| f.path.components().count() == 1)
            .map(|(_, p)| p);
        let output = match Command::new(&program)
            .args(["--edition", "2021", "--quiet"])
            .args(roots)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
        {
            Ok(output) => output,
            Err(_) => return Ok(false),
        };
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        for (f, path) in files.iter_mut().zip(&paths) {
            f.contents = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        }
        Ok(true)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(true) => Some(Ok(())),
        Ok(false) => None,
        Err(e) => Some(Err(e)),
    }
}

/// Removes documentation comments (`///`, `//!`) from formatted code.
pub fn strip_docs(code: &str) -> String {
    code.lines()
        .filter(|l| !(l.trim_start().starts_with("///") || l.trim_start().starts_with("//!")))
        .map(|l| format!("{l}\n"))
        .collect()
}
