//! Generates bindings of the whole upstream cocore lexicon set (`tests/data/lexicons/
//! cocore-upstream-all`: paymentAuthorization, provider, receipt, ...) into OUT_DIR, and copies
//! the Rust code of the README's "Publish a job" and "Read and verify records" sections into
//! OUT_DIR/readme.rs, that of "Serve a lexicon" into OUT_DIR/readme_serve.rs, that of "Sign in"
//! into OUT_DIR/readme_sign_in.rs and that of "Read
//! the network" into OUT_DIR/readme_network.rs, so that the tests compile and run that code as
//! written.

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Paths are relative to the package's folder, where cargo runs build scripts.
    lexicon_codegen::Builder::new()
        .lexicons("../data/lexicons/cocore-upstream-all")
        .file_name("cocore.rs")
        .builders(false)
        .extern_path("com.atproto.*", "::lexicon_atproto::com::atproto")
        .compile()?;
    // A small lexicon set of every method kind (a query with array parameters, a JSON
    // procedure, a procedure taking an image, a subscription) for the XRPC server tests.
    lexicon_codegen::Builder::new()
        .lexicons("../data/lexicons/xrpc-shelf")
        .file_name("shelf.rs")
        .module_path("crate::shelf")
        .builders(false)
        .compile()?;

    let readme_path = Path::new("../../README.md");
    println!("cargo:rerun-if-changed={}", readme_path.display());
    let readme = std::fs::read_to_string(readme_path)?;
    let mut code = String::new();
    for section in ["## Publish a job", "## Read and verify records"] {
        code.push_str(&rust_blocks(&readme, section)?);
    }
    let out = std::env::var("OUT_DIR")?;
    std::fs::write(Path::new(&out).join("readme.rs"), code)?;
    let serve = rust_blocks(&readme, "## Serve a lexicon")?;
    std::fs::write(Path::new(&out).join("readme_serve.rs"), serve)?;
    let sign_in = rust_blocks(&readme, "## Sign in")?;
    std::fs::write(Path::new(&out).join("readme_sign_in.rs"), sign_in)?;
    let network = rust_blocks(&readme, "## Read the network")?;
    std::fs::write(Path::new(&out).join("readme_network.rs"), network)?;
    Ok(())
}

/// The ```rust blocks of one README section (up to the next heading of the same level).
fn rust_blocks(readme: &str, heading: &str) -> Result<String, String> {
    let start = readme
        .lines()
        .position(|l| l.trim_end() == heading)
        .ok_or_else(|| format!("README.md has no section {heading:?}"))?;
    let mut code = format!("// README.md, {heading}\n");
    let mut in_block = false;
    let mut found = false;
    for line in readme.lines().skip(start + 1) {
        if !in_block && line.starts_with("## ") {
            break;
        }
        if in_block {
            if line.trim_end() == "```" {
                in_block = false;
            } else {
                code.push_str(line);
                code.push('\n');
            }
        } else if line.trim_end() == "```rust" {
            in_block = true;
            found = true;
        }
    }
    if found {
        Ok(code)
    } else {
        Err(format!(
            "README.md's section {heading:?} has no ```rust block"
        ))
    }
}
