//! Formatting: prettyplease, then rustfmt when it is available, so output is rustfmt-clean.

use std::process::{Command, Stdio};

use syn::visit_mut::VisitMut;

use crate::assemble::FileTokens;
use crate::options::RustfmtStyle;

/// Pretty-prints a file's tokens and puts the header on top; without `docs`, every `#[doc]`
/// attribute is left out of the syntax tree first.
pub fn format_file(file: &FileTokens, docs: bool) -> Result<String, String> {
    let mut parsed: syn::File = syn::parse2(file.tokens.clone()).map_err(|e| {
        format!(
            "internal error: generated code for {} does not parse: {e}",
            file.path.display()
        )
    })?;
    if !docs {
        NoDocs.visit_file_mut(&mut parsed);
    }
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
        // After the inner attributes, and after a run of `mod` declarations.
        let after_inner_attrs = line.starts_with("#![") && !next.starts_with("#![");
        let is_mod = |l: &str| {
            let l = l.trim_start();
            (l.starts_with("pub mod ") || l.starts_with("mod ")) && l.ends_with(';')
        };
        let after_mods = is_mod(line) && !is_mod(next) && item_follows;
        if (closes && item_follows && !next.trim_start().starts_with("for "))
            || after_doc_or_header
            || after_inner_attrs
            || after_mods
        {
            out.push('\n');
        }
    }
    out
}

/// Removes documentation attributes everywhere in a syntax tree.
struct NoDocs;

impl VisitMut for NoDocs {
    fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
        attrs.retain(|a| !a.path().is_ident("doc"));
    }
}

/// Runs one `rustfmt` process over all `files` (written to a scratch folder), which is much faster
/// than one process per file, with the edition and configuration file of `style`. Returns `None`
/// if rustfmt cannot be started.
pub fn rustfmt_all(
    files: &mut [crate::GeneratedFile],
    style: &RustfmtStyle,
) -> Option<Result<(), String>> {
    let program = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into());
    let scratch = match tempfile::tempdir() {
        Ok(scratch) => scratch,
        Err(e) => return Some(Err(format!("cannot make a scratch folder: {e}"))),
    };
    let dir = scratch.path();
    let result = (|| {
        let mut paths = Vec::with_capacity(files.len());
        for f in files.iter() {
            let path = dir.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap_or(dir)).map_err(|e| e.to_string())?;
            std::fs::write(&path, &f.contents).map_err(|e| e.to_string())?;
            paths.push(path);
        }
        // rustfmt follows `mod` declarations, so the top-level files reach every module once.
        let roots = files
            .iter()
            .zip(&paths)
            .filter(|(f, _)| f.path.components().count() == 1)
            .map(|(_, p)| p);
        let mut command = Command::new(&program);
        command.args(["--edition", &style.edition, "--quiet"]);
        if let Some(config) = &style.config {
            command.arg("--config-path").arg(config);
        }
        let output = match command
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
    drop(scratch);
    match result {
        Ok(true) => Some(Ok(())),
        Ok(false) => None,
        Err(e) => Some(Err(e)),
    }
}
