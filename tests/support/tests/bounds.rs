//! Every wait of the test harness has a bound: a child process that never exits is stopped at
//! its limit, and the reference PDS's install fails, naming the registry, when the registry
//! accepts connections and never answers (on a copy of the harness folder, so the real install
//! is untouched), then fails at once for the rest of the run.

use std::fs::File;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lexicon_test_support::deadline::{waiting_for, Deadline};
use lexicon_test_support::install::{harness_dir, Install, InstallError};
use lexicon_test_support::process::{Bounded, ProcessError};

/// A loopback "registry" that accepts every connection and never answers, until dropped.
struct StalledRegistry {
    url: String,
    stop: Arc<AtomicBool>,
}

impl StalledRegistry {
    fn start() -> StalledRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        thread::spawn(move || {
            let mut held = Vec::new();
            // Bounded: it ends when the test drops it, and after five minutes in any case.
            let started = Instant::now();
            while !stopped.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(300) {
                match listener.accept() {
                    Ok((socket, _)) => held.push(socket),
                    Err(_) => thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        StalledRegistry { url, stop }
    }
}

impl Drop for StalledRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A copy of the harness's package files in a new folder, with an empty npm cache beside it.
fn harness_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["package.json", "package-lock.json"] {
        std::fs::copy(harness_dir().join(name), dir.path().join(name)).unwrap();
    }
    dir
}

fn install_in(dir: &Path, registry: &StalledRegistry) -> Install {
    Install::new(dir)
        .registry(&registry.url)
        .cache(dir.join("npm-cache"))
}

#[test]
fn a_child_that_never_exits_is_stopped_at_its_limit_with_its_group() {
    let started = Instant::now();
    // The shell leaves a grandchild holding the output pipes: it is stopped with the group.
    let mut command = Command::new("sh");
    command.args(["-c", "echo started; sleep 600 & sleep 600"]);
    let error = Bounded::new(&mut command, "a sleeper", Duration::from_secs(1))
        .hint("it never ends")
        .run()
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(error, ProcessError::TimedOut { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with("a sleeper gave no result within 1 s and was stopped; it never ends"),
        "{message}"
    );
    assert!(message.ends_with("started"), "{message}");
}

#[test]
fn a_child_that_fails_is_named_with_its_output() {
    let mut command = Command::new("sh");
    command.args(["-c", "echo nothing to see >&2; exit 3"]);
    let error = Bounded::new(&mut command, "a failure", Duration::from_secs(30))
        .run()
        .unwrap_err();
    assert!(matches!(error, ProcessError::Failed { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("a failure failed (exit status: 3)"),
        "{error}"
    );
    assert!(error.to_string().ends_with("nothing to see"), "{error}");

    let mut missing = Command::new("/nonexistent/program");
    let error = Bounded::new(&mut missing, "a missing program", Duration::from_secs(30))
        .hint("install it")
        .run()
        .unwrap_err();
    assert!(matches!(error, ProcessError::Spawn { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("a missing program could not start"),
        "{error}"
    );
}

#[test]
fn a_stalled_registry_fails_the_install_within_its_bound_then_at_once() {
    let registry = StalledRegistry::start();
    let dir = harness_copy();
    let limit = Duration::from_secs(15);
    let started = Instant::now();
    let error = install_in(dir.path(), &registry)
        .step_limit(limit)
        .run()
        .unwrap_err();
    let took = started.elapsed();
    assert!(took < limit + Duration::from_secs(15), "took {took:?}");
    assert!(
        matches!(error, InstallError::Step(ProcessError::TimedOut { .. })),
        "{error:?}"
    );
    let message = error.to_string();
    let first = message.lines().next().unwrap();
    assert!(
        first.starts_with("npm ci (installing the reference PDS into"),
        "{first}"
    );
    assert!(first.contains("gave no result within 15 s"), "{first}");
    assert!(
        first.contains(&format!(
            "check that the npm registry {} answers",
            registry.url
        )),
        "{first}"
    );

    // Another test of the same run does not install again: it fails at once, saying the same.
    let started = Instant::now();
    let again = install_in(dir.path(), &registry).run().unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(again, InstallError::Earlier(_)), "{again:?}");
    assert!(again.to_string().starts_with(&message), "{again}");
}

#[test]
fn a_process_waiting_on_the_install_lock_gives_up_at_its_bound() {
    let dir = harness_copy();
    let held = File::create(dir.path().join(".install.lock")).unwrap();
    held.lock().unwrap();
    let started = Instant::now();
    let error = Install::new(dir.path())
        .lock_wait(Duration::from_secs(1))
        .run()
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(error, InstallError::LockWait { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("waited 1 s for another test process installing the reference PDS"),
        "{error}"
    );
}

#[test]
#[ignore = "run by the_watchdog_ends_a_hung_test_process, in a process of its own"]
fn hangs_past_a_short_deadline() {
    let _deadline = Deadline::after(Duration::from_millis(300), "it is meant to hang");
    let _step = waiting_for("a reply that never comes");
    thread::sleep(Duration::from_secs(60));
}

#[test]
fn the_watchdog_ends_a_hung_test_process() {
    let _deadline = Deadline::start();
    let started = Instant::now();
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--ignored", "--exact", "hangs_past_a_short_deadline"]);
    let output = lexicon_test_support::process::output(&mut command, Duration::from_secs(30));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(101));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: test hangs_past_a_short_deadline (in bounds-"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "ran past its deadline of 0.3 s, given because it is meant to hang, waiting for a \
             reply that never comes"
        ),
        "{stderr}"
    );
}
