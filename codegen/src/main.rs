//! The `lexicon-codegen` command line: `generate` writes or checks bindings.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use lexicon_codegen::{generate, write, Options};

/// Generates Rust types with serde and validation from atproto Lexicon schemas.
#[derive(Parser)]
#[command(name = "lexicon-codegen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate Rust bindings from lexicon folders (or, with --check, verify they are current).
    ///
    /// Reads every *.json under each --lexicons folder (documents are identified by their `id`,
    /// not their path), checks them, and writes one Rust file per lexicon under --out, in
    /// folders that follow the NSIDs, plus `lib.rs` and `mod.rs` files. Files are written whole
    /// and only when their content changed; generated files whose lexicon is gone are removed.
    ///
    /// Exit codes: 0 success (with --check: bindings are current); 1 with --check: bindings
    /// are stale, missing or extra (a unified diff of each stale file is printed); 2 the
    /// lexicons have errors (all are listed, each with file, JSON pointer and rule) or a file
    /// could not be written.
    Generate {
        /// A folder of lexicon JSON files; repeat for several. [default: lexicons]
        #[arg(long = "lexicons", value_name = "DIR")]
        lexicons: Vec<PathBuf>,
        /// Where the module tree goes.
        #[arg(long, value_name = "DIR", default_value = "generated/src")]
        out: PathBuf,
        /// Write nothing; report stale, missing and extra files and exit 1 if there are any.
        #[arg(long)]
        check: bool,
        /// Do not run rustfmt after prettyplease (rustfmt is used when it is installed).
        #[arg(long)]
        no_rustfmt: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate {
            lexicons,
            out,
            check,
            no_rustfmt,
        } => {
            let lexicons = if lexicons.is_empty() {
                vec![PathBuf::from("lexicons")]
            } else {
                lexicons
            };
            let mut options = Options::new(lexicons);
            options.rustfmt = !no_rustfmt;
            run_generate(&options, &out, check)
        }
    }
}

fn run_generate(options: &Options, out: &std::path::Path, check: bool) -> ExitCode {
    let files = match generate(options) {
        Ok(files) => files,
        Err(diags) => {
            eprintln!("{diags}");
            return ExitCode::from(2);
        }
    };
    if check {
        let report = write::check_files(out, &files);
        for (path, diff) in &report.stale {
            println!("stale: {}", out.join(path).display());
            print!("{diff}");
        }
        for path in &report.missing {
            println!("missing: {}", out.join(path).display());
        }
        for path in &report.extra {
            println!(
                "extra: {} (generated, but no lexicon produces it now)",
                out.join(path).display()
            );
        }
        if report.is_current() {
            println!("{} generated files are current", files.len());
            ExitCode::SUCCESS
        } else {
            let n = report.stale.len() + report.missing.len() + report.extra.len();
            eprintln!("{n} file(s) out of date; run `lexicon-codegen generate` to update them");
            ExitCode::from(1)
        }
    } else {
        match write::write_files(out, &files) {
            Ok(report) => {
                println!(
                    "{} written, {} unchanged, {} removed in {}",
                    report.written.len(),
                    report.unchanged.len(),
                    report.removed.len(),
                    out.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write to {}: {e}", out.display());
                ExitCode::from(2)
            }
        }
    }
}
