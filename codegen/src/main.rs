//! The `lexicon-codegen` command line: `generate` writes or checks bindings, `diff` reports
//! breaking lexicon changes, `validate` checks records, `fetch` gets published lexicons.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use lexicon_codegen::{check_files, diff, generate, write_files, Diagnostic, Layout, Options};

/// Generates Rust types with serde and validation from atproto Lexicon schemas.
#[derive(Parser)]
#[command(name = "lexicon-codegen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Text for people.
    Text,
    /// JSON for programs.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LayoutArg {
    /// `lib.rs` at the root: the output folder is a crate's `src`.
    Crate,
    /// `mod.rs` at the root: the output folder is a module of an existing crate (set
    /// --module-path to match).
    Module,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    /// Colour when writing to a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
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
    /// lexicons have errors (all are listed, each with file, line, column, JSON pointer and
    /// rule) or a file could not be written. Warnings (input the reference tooling tolerates,
    /// with what was assumed) are listed too and do not change the exit code, unless
    /// --deny-warnings.
    Generate {
        #[command(flatten)]
        settings: Settings,
        /// Where the module tree goes.
        #[arg(long, value_name = "DIR", default_value = "generated/src")]
        out: PathBuf,
        /// Write nothing; report stale, missing and extra files and exit 1 if there are any.
        #[arg(long)]
        check: bool,
        /// Output format of --check results and errors.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Colour the diff of --check.
        #[arg(long, value_enum, default_value = "auto")]
        color: Color,
        /// Print only errors.
        #[arg(long, short, conflicts_with = "verbose")]
        quiet: bool,
        /// Also list every file written or checked.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Fetch lexicons published on the network (as `com.atproto.lexicon.schema` records) into a
    /// lexicon folder, with a lockfile (or, with --check, compare the network with it).
    ///
    /// Each NSID's authority (`dev.cocore.compute.job` -> `compute.cocore.dev`) names a DID in
    /// the DNS TXT record `_lexicon.<authority>` (`did=did:plc:...`); its DID document (PLC
    /// directory, or `did:web`) names a PDS, which holds the record (key: the NSID). Each
    /// record's content is checked against its CID. Lexicons the fetched ones refer to are
    /// fetched too, from their own authorities. Documents are written as
    /// `<out>/dev/cocore/compute/job.json`, and `<out>/lexicons.lock` lists NSID, AT-URI and CID.
    ///
    /// Exit codes: 0 success (with --check: the network matches the lockfile); 1 with
    /// --check: a lexicon changed, appeared or disappeared; 2 a lexicon could not be fetched or
    /// a file written (nothing is written then).
    #[cfg(feature = "fetch")]
    Fetch {
        /// NSIDs, or globs after a whole authority (`dev.cocore.compute.*`); with --check and
        /// none given, the NSIDs of the lockfile.
        #[arg(value_name = "NSID_OR_GLOB", required_unless_present = "check")]
        patterns: Vec<String>,
        /// The lexicon folder the documents and `lexicons.lock` go into.
        #[arg(long, value_name = "DIR", default_value = "lexicons")]
        out: PathBuf,
        /// Write nothing; compare the network with the lockfile and exit 1 if they differ.
        #[arg(long)]
        check: bool,
        /// The PLC directory that resolves `did:plc` DIDs.
        #[arg(long, value_name = "URL", default_value = "https://plc.directory")]
        plc: String,
        /// Answer DNS TXT lookups from a JSON file (`{"_lexicon.compute.cocore.dev":
        /// ["did=did:plc:..."]}`) instead of DNS, for tests and mirrors.
        #[arg(long, value_name = "FILE")]
        dns_answers: Option<PathBuf>,
    },
    /// Report changes between two versions of a lexicon set that break old data or old readers.
    ///
    /// Breaking: new required properties, removed or re-classified required properties,
    /// changed types, tightened or loosened constraints (lengths, ranges, formats, const,
    /// enum, nullable, blob accept and size), removed union members, any change to a closed
    /// union, removed defs and lexicons. Fine: new optional properties, defs and lexicons,
    /// grown knownValues, new members of open unions.
    ///
    /// Exit codes: 0 no breaking change, 1 breaking changes, 2 a lexicon set has errors.
    Diff {
        /// The old lexicon folder.
        old: PathBuf,
        /// The new lexicon folder.
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Publish lexicons as `com.atproto.lexicon.schema` records (key: the NSID) in an
    /// account's repository.
    ///
    /// Logs in at --pds as --handle. For each lexicon whose authority's DNS record
    /// (`_lexicon.<authority>`) names the account's DID, or that has no such record yet (a
    /// warning names the record to add; so does a failed lookup), the lexicon is written with
    /// `putRecord` only if the published version is still the one read (compare-and-swap), or
    /// created only if there is none. Unchanged lexicons are skipped. A change that breaks the
    /// published version (the `diff` rules) is refused unless --allow-breaking; an authority
    /// whose record names another DID is refused, naming it.
    ///
    /// Exit codes: 0 every lexicon written or unchanged; 1 one was refused; 2 unreadable
    /// lexicons or answers, a failed login or request.
    #[cfg(feature = "fetch")]
    Publish {
        /// A folder of lexicon JSON files; repeat for several. [default: lexicons]
        #[arg(long = "lexicons", value_name = "DIR")]
        lexicons: Vec<PathBuf>,
        /// The account's PDS.
        #[arg(long, value_name = "URL")]
        pds: String,
        /// The account's handle or DID.
        #[arg(long, value_name = "HANDLE")]
        handle: String,
        /// The account's password (an app password), or sign in with --oauth.
        #[arg(
            long,
            value_name = "PASSWORD",
            required_unless_present = "oauth",
            conflicts_with = "oauth"
        )]
        password: Option<String>,
        /// Sign in with OAuth, as a loopback client, in a browser (it may write schema records
        /// only): the URL to open is printed on standard error.
        #[arg(long)]
        oauth: bool,
        /// The PLC directory that resolves the account's did:plc (for --oauth).
        #[arg(long, value_name = "URL", default_value = "https://plc.directory")]
        plc: String,
        /// Write nothing; print what would be written.
        #[arg(long)]
        dry_run: bool,
        /// Publish changes that break the published version.
        #[arg(long)]
        allow_breaking: bool,
        /// Answer DNS TXT lookups from a JSON file instead of DNS.
        #[arg(long, value_name = "FILE")]
        dns_answers: Option<PathBuf>,
    },
    /// Compare each local lexicon with the published one, found as `fetch` finds it.
    ///
    /// For each lexicon: `same`; `older` (the published version is older: the local one
    /// changes it compatibly); `newer` (the published one changes the local one compatibly);
    /// `breaking` (each breaks the other, with the breaks); `missing` (not published); or
    /// `unreachable` (its authority or record cannot be reached, and why).
    ///
    /// Exit codes: 0 every lexicon is the same; 1 one is not; 2 unreadable lexicons or answers.
    #[cfg(feature = "fetch")]
    Status {
        /// A folder of lexicon JSON files; repeat for several. [default: lexicons]
        #[arg(long = "lexicons", value_name = "DIR")]
        lexicons: Vec<PathBuf>,
        /// The PLC directory that resolves `did:plc` DIDs.
        #[arg(long, value_name = "URL", default_value = "https://plc.directory")]
        plc: String,
        /// Answer DNS TXT lookups from a JSON file instead of DNS.
        #[arg(long, value_name = "FILE")]
        dns_answers: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Check the DNS records that let a DID publish a lexicon set's authorities.
    ///
    /// An NSID's authority (`dev.cocore.compute.job` -> `compute.cocore.dev`) is published by
    /// the DID that the TXT record `_lexicon.<authority>` names (`did=did:plc:...`). For each
    /// authority of the lexicons: the record it needs, and whether it names --did (another DID
    /// is an error, and is named; so is a missing record, with the record to add).
    ///
    /// Exit codes: 0 every record names --did; 1 a record is missing, names another DID or
    /// several, or cannot be looked up; 2 unreadable lexicons or answers, or a bad --did.
    #[cfg(feature = "fetch")]
    CheckDns {
        /// A folder of lexicon JSON files; repeat for several. [default: lexicons]
        #[arg(long = "lexicons", value_name = "DIR")]
        lexicons: Vec<PathBuf>,
        /// The DID that publishes the lexicons.
        #[arg(long, value_name = "DID")]
        did: String,
        /// Answer DNS TXT lookups from a JSON file (`{"_lexicon.compute.cocore.dev":
        /// ["did=did:plc:..."]}`) instead of DNS.
        #[arg(long, value_name = "FILE")]
        dns_answers: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Lint lexicons before publishing them: everything generation would refuse, and what the
    /// Lexicon style guide and goat's `lex lint` advise against.
    ///
    /// Errors are what the loader refuses (an invalid NSID, lexicon version or schema, a
    /// primary type that is not `main`, a ref that does not resolve, ...). Warnings: a primary
    /// type without description, def and property names that are not lowerCamelCase letters and
    /// digits, NSID segments against the style guide, an endpoint without output, a subscription
    /// without messages, a permission set without title or permissions, unlimited or very
    /// large strings and bytes, `maxGraphemes` without `maxLength`, a closed `enum` (where
    /// `knownValues` could grow), `knownValues` that look like local refs, nullable and
    /// optional together, an undescribed token, a body without encoding, a def nothing refers
    /// to, a record key of type `any`. Each names its rule, file, line, column and JSON pointer,
    /// and what to change.
    ///
    /// Exit codes: 0 no errors (warnings are listed); 1 errors, or warnings with --deny; 2 a
    /// file or folder could not be read or is not JSON.
    Lint {
        /// A folder of lexicon JSON files; repeat for several. [default: lexicons]
        #[arg(long = "lexicons", value_name = "DIR")]
        lexicons: Vec<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        deny: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Validate records against lexicons, as the PDS would on a write, listing every violation.
    ///
    /// Each FILE is a `.json` file holding one record, a `.jsonl` file with one record per
    /// line, or a folder (every such file under it); with no FILE, standard input (one record,
    /// or one per line). A record's collection is its `$type`.
    ///
    /// Text output: one line per invalid record with every violation, and a count. JSON
    /// output: one line per record, `{"file", "line", "valid", "violations": [{"path",
    /// "message"}]}`.
    ///
    /// Exit codes: 0 every record is valid; 1 a record is invalid; 2 input that cannot be read
    /// (a file, a line that is not JSON) or lexicons with errors (all are listed).
    Validate {
        /// A folder of lexicon JSON files; repeat for several. [default: lexicons]
        #[arg(long = "lexicons", value_name = "DIR")]
        lexicons: Vec<PathBuf>,
        /// Judge as the older, lenient reference (`@atproto/lexicon`) does, for old data.
        #[arg(long)]
        lenient: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Record files (`.json`, `.jsonl`) or folders of them.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// The generation settings: each maps onto one [`Options`] setter, in [`Settings::options`].
#[derive(Args)]
struct Settings {
    /// A folder of lexicon JSON files; repeat for several. [default: lexicons]
    #[arg(long = "lexicons", value_name = "DIR")]
    lexicons: Vec<PathBuf>,
    /// Root file of the tree: `lib.rs` (crate) or `mod.rs` (a module of an existing crate).
    #[arg(long, value_enum, default_value = "crate")]
    layout: LayoutArg,
    /// Rust path of the tree's root as generated code names it, such as `crate::lexicons`
    /// when --out is the `src/lexicons` module. [default: crate]
    #[arg(long, value_name = "PATH")]
    module_path: Option<String>,
    /// Rust path by which generated code names the runtime, for crates that re-export it.
    /// [default: ::lexicon_runtime]
    #[arg(long, value_name = "PATH")]
    runtime_path: Option<String>,
    /// An attribute put on every generated struct and enum, such as '#[derive(Hash)]';
    /// repeatable.
    #[arg(long, value_name = "ATTRIBUTE")]
    type_attribute: Vec<String>,
    /// Leave out documentation comments.
    #[arg(long)]
    no_docs: bool,
    /// Leave out the builders (`Job::builder()`), which add about a third to the build
    /// time of large lexicon sets.
    #[arg(long)]
    no_builders: bool,
    /// Emit only lexicons whose NSID matches this glob (`dev.cocore.*`), and those they
    /// refer to; repeatable.
    #[arg(long, value_name = "GLOB")]
    only: Vec<String>,
    /// Do not emit lexicons whose NSID matches this glob (unless an emitted one refers to
    /// it); repeatable.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Put each namespace (`app.bsky`) behind a cargo feature (`app-bsky`).
    #[arg(long)]
    feature_gates: bool,
    /// Make warnings errors: input the reference tooling tolerates (a record without
    /// `key`, a named `union` def) is then refused.
    #[arg(long)]
    deny_warnings: bool,
    /// Use types generated elsewhere for the lexicons matching GLOB, under the Rust path
    /// that stands for the glob's fixed NSID segments, such as
    /// 'com.atproto.*=::lexicon_atproto::com::atproto': they are not generated, and refs to
    /// them use those types; repeatable.
    #[arg(long = "extern", value_name = "GLOB=PATH", value_parser = parse_extern)]
    externs: Vec<(String, String)>,
    /// Do not run rustfmt after prettyplease (rustfmt is used when it is installed).
    #[arg(long)]
    no_rustfmt: bool,
}

impl Settings {
    /// The options these arguments stand for, for output in `out`.
    fn options(self, out: &Path) -> Options {
        let mut options = lexicon_dirs(self.lexicons)
            .into_iter()
            .fold(Options::new(), Options::lexicons)
            .layout(match self.layout {
                LayoutArg::Crate => Layout::Crate,
                LayoutArg::Module => Layout::Module,
            })
            .rustfmt(!self.no_rustfmt)
            .rustfmt_config_from(out)
            .only(self.only)
            .exclude(self.exclude)
            .docs(!self.no_docs)
            .builders(!self.no_builders)
            .feature_gates(self.feature_gates)
            .deny_warnings(self.deny_warnings);
        for (glob, path) in self.externs {
            options = options.extern_path(glob, path);
        }
        if let Some(path) = self.module_path {
            options = options.module_path(path);
        }
        if let Some(path) = self.runtime_path {
            options = options.runtime_path(path);
        }
        for attribute in self.type_attribute {
            options = options.type_attribute(attribute);
        }
        options
    }
}

#[cfg(feature = "fetch")]
mod dns_command;
mod lint_command;
#[cfg(feature = "fetch")]
mod publish_command;
mod validate_command;

/// `GLOB=PATH` of `--extern`.
fn parse_extern(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((glob, path)) if !glob.is_empty() && !path.is_empty() => {
            Ok((glob.to_owned(), path.to_owned()))
        }
        _ => Err(format!(
            "expected GLOB=PATH, such as 'com.atproto.*=::lexicon_atproto::com::atproto', not {value:?}"
        )),
    }
}

/// The `--lexicons` folders, `lexicons` when none is given.
fn lexicon_dirs(dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    if dirs.is_empty() {
        vec![PathBuf::from("lexicons")]
    } else {
        dirs
    }
}

/// Where DNS answers come from: the system's resolver, or a `--dns-answers` file
/// (`{"_lexicon.compute.cocore.dev": ["did=did:plc:..."]}`); a file that cannot be read is
/// reported and exit code 2 returned.
#[cfg(feature = "fetch")]
fn dns_answers(file: Option<&Path>) -> Result<lexicon_codegen::dns::Dns, ExitCode> {
    use lexicon_codegen::dns::Dns;
    let Some(file) = file else {
        return Ok(Dns::System);
    };
    let table = std::fs::read_to_string(file)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
    table.map(Dns::Table).map_err(|e| {
        eprintln!("error: --dns-answers {}: {e}", file.display());
        ExitCode::from(2)
    })
}

/// `lexicon-codegen fetch`.
#[cfg(feature = "fetch")]
fn run_fetch(
    patterns: &[String],
    out: &Path,
    check: bool,
    plc: &str,
    dns_answers: Option<&Path>,
) -> ExitCode {
    use lexicon_codegen::fetch::Fetch;
    let fetch = match crate::dns_answers(dns_answers) {
        Ok(dns) => Fetch::new(out).plc_url(plc).dns(dns),
        Err(code) => return code,
    };
    if check {
        return match fetch.check(patterns) {
            Ok(drift) if drift.is_current() => {
                println!(
                    "{} matches the network",
                    out.join(lexicon_codegen::fetch::LOCKFILE).display()
                );
                ExitCode::SUCCESS
            }
            Ok(drift) => {
                for (nsid, then, now) in &drift.changed {
                    println!("changed: {nsid} (locked {then}, published {now})");
                }
                for nsid in &drift.added {
                    println!("added: {nsid} (published, not in the lockfile)");
                }
                for nsid in &drift.missing {
                    println!("missing: {nsid} (in the lockfile, no longer published)");
                }
                eprintln!("the network differs from the lockfile; run `lexicon-codegen fetch` to update it");
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    match fetch.run(patterns) {
        Ok(lock) => {
            for l in &lock.lexicons {
                println!("fetched: {} ({} {})", l.nsid, l.uri, l.cid);
            }
            println!("{} lexicons in {}", lock.lexicons.len(), out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        #[cfg(feature = "fetch")]
        Command::Fetch {
            patterns,
            out,
            check,
            plc,
            dns_answers,
        } => run_fetch(&patterns, &out, check, &plc, dns_answers.as_deref()),
        Command::Generate {
            settings,
            out,
            check,
            format,
            color,
            quiet,
            verbose,
        } => {
            let options = match settings.options(&out).extern_paths_from_manifest(&out) {
                Ok(options) => options,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let color = match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal(),
            };
            let out_mode = Output {
                format,
                color,
                quiet,
                verbose,
            };
            run_generate(&options, &out, check, out_mode)
        }
        Command::Diff { old, new, format } => run_diff(&old, &new, format),
        Command::Validate {
            lexicons,
            lenient,
            format,
            files,
        } => validate_command::run(lexicons, lenient, format == Format::Json, &files),
        Command::Lint {
            lexicons,
            deny,
            format,
        } => lint_command::run(lexicons, deny, format == Format::Json),
        #[cfg(feature = "fetch")]
        Command::Publish {
            lexicons,
            pds,
            handle,
            password,
            oauth: _,
            plc,
            dry_run,
            allow_breaking,
            dns_answers,
        } => publish_command::run(publish_command::Args {
            lexicons,
            pds,
            handle,
            password,
            plc,
            dry_run,
            allow_breaking,
            dns_answers,
        }),
        #[cfg(feature = "fetch")]
        Command::Status {
            lexicons,
            plc,
            dns_answers,
            format,
        } => publish_command::status(
            lexicons,
            &plc,
            dns_answers.as_deref(),
            format == Format::Json,
        ),
        #[cfg(feature = "fetch")]
        Command::CheckDns {
            lexicons,
            did,
            dns_answers,
            format,
        } => dns_command::run(
            lexicons,
            &did,
            dns_answers.as_deref(),
            format == Format::Json,
        ),
    }
}

struct Output {
    format: Format,
    color: bool,
    quiet: bool,
    verbose: bool,
}

fn colorize(diff: &str) -> String {
    diff.lines()
        .map(|l| {
            let code = if l.starts_with("+++") || l.starts_with("---") {
                "1"
            } else if l.starts_with('+') {
                "32"
            } else if l.starts_with('-') {
                "31"
            } else if l.starts_with("@@") {
                "36"
            } else {
                ""
            };
            if code.is_empty() {
                format!("{l}\n")
            } else {
                format!("\x1b[{code}m{l}\x1b[0m\n")
            }
        })
        .collect()
}

fn json_list(paths: &[PathBuf], out: &Path) -> Vec<String> {
    paths
        .iter()
        .map(|p| out.join(p).display().to_string())
        .collect()
}

/// Diagnostics as JSON objects.
fn json_diagnostics<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>) -> Vec<serde_json::Value> {
    diags
        .into_iter()
        .map(|d| {
            serde_json::json!({
                "severity": if d.is_error() { "error" } else { "warning" },
                "file": d.file.display().to_string(),
                "line": d.position.map(|p| p.0),
                "column": d.position.map(|p| p.1),
                "pointer": d.pointer,
                "rule": d.rule,
                "message": d.message,
            })
        })
        .collect()
}

fn run_generate(options: &Options, out: &Path, check: bool, o: Output) -> ExitCode {
    let (files, warnings) = match generate(options) {
        Ok(generated) => (generated.files, generated.warnings),
        Err(diags) => {
            if o.format == Format::Json {
                let (errors, warnings): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
                    diags.iter().partition(|d| d.is_error());
                println!(
                    "{}",
                    serde_json::json!({
                        "errors": json_diagnostics(errors),
                        "warnings": json_diagnostics(warnings),
                    })
                );
            } else {
                eprintln!("{diags}");
            }
            return ExitCode::from(2);
        }
    };
    // Warnings go to stderr in text, beside the result in JSON (below, for --check).
    if o.format == Format::Text && !warnings.is_empty() {
        eprintln!("{warnings}");
    }
    if check {
        let report = check_files(out, &files);
        if o.format == Format::Json {
            let stale: Vec<PathBuf> = report.stale.iter().map(|(p, _)| p.clone()).collect();
            println!(
                "{}",
                serde_json::json!({
                    "warnings": json_diagnostics(&warnings),
                    "current": report.is_current(),
                    "stale": json_list(&stale, out),
                    "missing": json_list(&report.missing, out),
                    "extra": json_list(&report.extra, out),
                })
            );
        } else {
            for (path, diff) in &report.stale {
                println!("stale: {}", out.join(path).display());
                if !o.quiet {
                    print!(
                        "{}",
                        if o.color {
                            colorize(diff)
                        } else {
                            diff.clone()
                        }
                    );
                }
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
            if o.verbose {
                for f in &files {
                    println!("checked: {}", out.join(&f.path).display());
                }
            }
        }
        if report.is_current() {
            if o.format == Format::Text && !o.quiet {
                println!("{} generated files are current", files.len());
            }
            ExitCode::SUCCESS
        } else {
            if o.format == Format::Text {
                let n = report.stale.len() + report.missing.len() + report.extra.len();
                eprintln!("{n} file(s) out of date; run `lexicon-codegen generate` to update them");
            }
            ExitCode::from(1)
        }
    } else {
        match write_files(out, &files) {
            Ok(report) => {
                if o.verbose {
                    for p in &report.written {
                        println!("written: {}", out.join(p).display());
                    }
                    for p in &report.removed {
                        println!("removed: {}", out.join(p).display());
                    }
                }
                if !o.quiet {
                    println!(
                        "{} written, {} unchanged, {} removed in {}",
                        report.written.len(),
                        report.unchanged.len(),
                        report.removed.len(),
                        out.display()
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write to {}: {e}", out.display());
                ExitCode::from(2)
            }
        }
    }
}

fn run_diff(old: &Path, new: &Path, format: Format) -> ExitCode {
    let changes = match diff(&[old.to_owned()], &[new.to_owned()]) {
        Ok(changes) => changes,
        Err(diags) => {
            eprintln!("{diags}");
            return ExitCode::from(2);
        }
    };
    let breaking = changes.iter().filter(|c| c.breaking).count();
    if format == Format::Json {
        let list: Vec<serde_json::Value> = changes
            .iter()
            .map(|c| serde_json::json!({"nsid": c.nsid, "pointer": c.pointer, "breaking": c.breaking, "message": c.message}))
            .collect();
        println!(
            "{}",
            serde_json::json!({ "breaking": breaking, "changes": list })
        );
    } else {
        for c in &changes {
            println!("{c}");
        }
        println!("{} change(s), {breaking} breaking", changes.len());
    }
    if breaking > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
