//! A deadline for each end-to-end test. A test that talks to a server or a child process
//! starts one ([`Deadline::start`], or [`Deadline::after`] with its reason when it needs
//! longer); a watchdog thread ends the test process if the test is still running when the
//! deadline passes, printing the test's name and what it was waiting for, so a hang fails the
//! run instead of holding it. The helpers here say what they wait for ([`waiting_for`]), and
//! the reference PDS's install, which has bounds of its own, stops every clock while it runs
//! ([`pause_all`]).

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A test's deadline unless it says why it needs another.
pub const DEFAULT: Duration = Duration::from_secs(240);

/// What a watchdog does when its test runs past the deadline: it is given the message.
type OnExpiry = Box<dyn FnOnce(String) + Send>;

/// A running test's deadline; dropping it (when the test ends) stops its watchdog.
#[must_use = "the deadline lasts as long as this value: bind it to `_deadline`"]
pub struct Deadline {
    watch: Arc<Watch>,
    previous: Option<Arc<Watch>>,
}

struct Watch {
    test: String,
    limit: Duration,
    why: Option<String>,
    started: Instant,
    paused_at_start: Duration,
    state: Mutex<State>,
    ended: Condvar,
}

#[derive(Default)]
struct State {
    ended: bool,
    /// What the test is waiting for, outermost first.
    steps: Vec<String>,
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Watch>>> = const { RefCell::new(None) };
}

impl Deadline {
    /// The current test's deadline, [`DEFAULT`] from now.
    pub fn start() -> Deadline {
        Deadline::watch(DEFAULT, None, Box::new(expire))
    }

    /// A deadline of `limit` for a test that needs another than [`DEFAULT`], saying why.
    pub fn after(limit: Duration, why: &str) -> Deadline {
        Deadline::watch(limit, Some(why.to_owned()), Box::new(expire))
    }

    /// A deadline of `limit` whose watchdog calls `on_expiry` with its message instead of
    /// ending the process (for testing the watchdog itself).
    pub fn with_action(limit: Duration, on_expiry: impl FnOnce(String) + Send + 'static) -> Self {
        Deadline::watch(limit, None, Box::new(on_expiry))
    }

    fn watch(limit: Duration, why: Option<String>, on_expiry: OnExpiry) -> Deadline {
        let watch = Arc::new(Watch {
            test: test_name(),
            limit,
            why,
            started: Instant::now(),
            paused_at_start: paused_total(),
            state: Mutex::new(State::default()),
            ended: Condvar::new(),
        });
        let watched = Arc::clone(&watch);
        thread::Builder::new()
            .name(format!("deadline of {}", watch.test))
            .spawn(move || watched.run(on_expiry))
            .expect("starting a test's watchdog thread");
        let previous = CURRENT.with(|current| current.replace(Some(Arc::clone(&watch))));
        Deadline { watch, previous }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.watch.lock().ended = true;
        self.watch.ended.notify_all();
        CURRENT.with(|current| *current.borrow_mut() = self.previous.take());
    }
}

impl Watch {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The time the test has used: since it started, less the time every clock was paused.
    fn used(&self) -> Duration {
        let paused = paused_total().saturating_sub(self.paused_at_start);
        self.started.elapsed().saturating_sub(paused)
    }

    fn run(&self, on_expiry: OnExpiry) {
        let mut state = self.lock();
        while !state.ended {
            let used = self.used();
            if used >= self.limit {
                let message = self.message(&state.steps);
                drop(state);
                on_expiry(message);
                return;
            }
            // Wakes at the deadline (later if a pause moved it) or when the test ends.
            let wait = (self.limit - used).max(Duration::from_millis(10));
            state = self
                .ended
                .wait_timeout(state, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn message(&self, steps: &[String]) -> String {
        let waiting = match steps.last() {
            Some(step) => format!("waiting for {step}"),
            None => "in the test's own code (no helper step was running)".to_owned(),
        };
        let why = self
            .why
            .as_deref()
            .map(|why| format!(", given because {why}"))
            .unwrap_or_default();
        format!(
            "test {} ran past its deadline of {} s{why}, {waiting}; a hang is a bug: \
             see what that step talks to",
            self.test,
            self.limit.as_secs_f64()
        )
    }
}

/// The watchdog's default action: say which test hung and on what, then end the process
/// (a thread cannot fail another thread's test, and a hung test holds the whole run).
fn expire(message: String) {
    // Straight to the process's stderr: `eprintln!` would go to the test's captured output,
    // which nobody prints once the process exits.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "\nerror: {message}; stopping the test process"
    );
    std::process::exit(101);
}

/// The test's name: libtest runs each test on a thread named after it.
fn test_name() -> String {
    let binary = std::env::args()
        .next()
        .and_then(|path| {
            std::path::Path::new(&path)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let thread = thread::current();
    let name = thread.name().unwrap_or("(unnamed thread)");
    format!("{name} (in {binary})")
}

/// Marks what the current test is waiting for until the returned guard is dropped; the
/// message of a deadline that passes meanwhile names it. Does nothing outside a deadline.
pub fn waiting_for(step: &str) -> Step {
    let watch = CURRENT.with(|current| current.borrow().clone());
    if let Some(watch) = &watch {
        watch.lock().steps.push(step.to_owned());
    }
    Step { watch }
}

/// A step a test waits for; see [`waiting_for`].
#[must_use = "the step lasts as long as this value"]
pub struct Step {
    watch: Option<Arc<Watch>>,
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some(watch) = &self.watch {
            watch.lock().steps.pop();
        }
    }
}

/// Time during which no test's clock runs: the total of closed pauses, and how many are open
/// with the start of the earliest.
struct Pauses {
    closed: Duration,
    open: usize,
    since: Option<Instant>,
}

static PAUSES: Mutex<Pauses> = Mutex::new(Pauses {
    closed: Duration::ZERO,
    open: 0,
    since: None,
});

fn pauses() -> std::sync::MutexGuard<'static, Pauses> {
    PAUSES.lock().unwrap_or_else(|e| e.into_inner())
}

/// The total time every clock has been paused so far in this process.
fn paused_total() -> Duration {
    let pauses = pauses();
    pauses.closed + pauses.since.map_or(Duration::ZERO, |since| since.elapsed())
}

/// Stops the clock of every test in the process until the guard is dropped: for a step with
/// bounds of its own that other tests wait on too (the reference PDS's install).
pub fn pause_all() -> Pause {
    let mut pauses = pauses();
    pauses.open += 1;
    if pauses.open == 1 {
        pauses.since = Some(Instant::now());
    }
    Pause(())
}

/// A pause of every test's clock; see [`pause_all`].
#[must_use = "the pause lasts as long as this value"]
pub struct Pause(());

impl Drop for Pause {
    fn drop(&mut self) {
        let mut pauses = pauses();
        pauses.open -= 1;
        if pauses.open == 0 {
            if let Some(since) = pauses.since.take() {
                pauses.closed += since.elapsed();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    fn watched(limit: Duration) -> (Deadline, mpsc::Receiver<String>) {
        let (sender, receiver) = mpsc::channel();
        let deadline = Deadline::with_action(limit, move |message| {
            let _ = sender.send(message);
        });
        (deadline, receiver)
    }

    #[test]
    fn a_test_past_its_deadline_is_named_with_what_it_waits_for() {
        let (_deadline, expired) = watched(Duration::from_millis(200));
        let _step = waiting_for("the PDS to answer createRecord");
        let message = expired
            .recv_timeout(Duration::from_secs(10))
            .expect("the watchdog fires");
        assert!(
            message.starts_with(
                "test deadline::tests::a_test_past_its_deadline_is_named_with_what_it_waits_for"
            ),
            "{message}"
        );
        assert!(
            message.contains("waiting for the PDS to answer createRecord"),
            "{message}"
        );
    }

    #[test]
    fn a_test_that_ends_in_time_is_not_stopped() {
        let (deadline, expired) = watched(Duration::from_millis(300));
        drop(deadline);
        assert!(expired.recv_timeout(Duration::from_millis(600)).is_err());
    }

    #[test]
    fn a_pause_moves_the_deadline_and_an_ended_step_is_not_named() {
        let (_deadline, expired) = watched(Duration::from_millis(300));
        drop(waiting_for("a step that ended"));
        {
            let _pause = pause_all();
            assert!(expired.recv_timeout(Duration::from_millis(600)).is_err());
        }
        let message = expired
            .recv_timeout(Duration::from_secs(10))
            .expect("the watchdog fires once the pause ends");
        assert!(message.contains("in the test's own code"), "{message}");
    }
}
