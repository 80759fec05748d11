//! Generates bindings for the conformance lexicons into OUT_DIR at build time.

fn main() -> Result<(), lexicon_codegen::CompileError> {
    for (folder, module) in [
        ("cocore-upstream", "cocore_upstream"),
        ("interop-catalog", "interop"),
        // Tolerated with warnings (printed as cargo warnings): a record without `key`, a named
        // `union` def.
        ("tolerated", "tolerated"),
    ] {
        lexicon_codegen::Builder::new()
            .lexicons(format!("../data/lexicons/{folder}"))
            .file_name(format!("{module}.rs"))
            .module_path(format!("crate::{module}"))
            .compile()?;
    }
    Ok(())
}
