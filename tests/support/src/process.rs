//! Child processes with a time limit. Every program a test starts (npm, Node scripts, the
//! workspace's own binaries, cargo) runs through [`Bounded`]: it gets its own process group,
//! its output is collected on threads, and when the limit passes the whole group is killed and
//! the run fails naming the step, how long it waited and what to check. Nothing here waits
//! without a bound.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use wait_timeout::ChildExt;

/// How long the threads reading a killed child's output may take to see it close.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// How much of a failed child's output an error keeps (its last lines).
const TAIL_LINES: usize = 30;

/// Why a bounded child process did not give an output.
#[derive(Debug)]
pub enum ProcessError {
    /// The program could not be started.
    Spawn {
        /// The step, as the user would name it (`npm ci`).
        what: String,
        /// The program.
        program: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The program ran past its limit; its process group was killed.
    TimedOut {
        /// The step.
        what: String,
        /// The limit it ran past.
        limit: Duration,
        /// What to check.
        hint: String,
        /// The last lines it wrote to stderr and stdout before it was killed.
        tail: String,
    },
    /// The program exited unsuccessfully.
    Failed {
        /// The step.
        what: String,
        /// Its exit status.
        status: ExitStatus,
        /// What to check.
        hint: String,
        /// The last lines it wrote to stderr (or stdout, when stderr was empty).
        tail: String,
    },
}

impl std::fmt::Display for ProcessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProcessError::Spawn {
                what,
                program,
                source,
            } => write!(
                f,
                "{what} could not start ({program}: {source}); check that {program} is installed \
                 and on PATH"
            ),
            ProcessError::TimedOut {
                what,
                limit,
                hint,
                tail,
            } => {
                write!(
                    f,
                    "{what} gave no result within {} s and was stopped; {hint}",
                    limit.as_secs_f64()
                )?;
                write_tail(f, "its last output", tail)
            }
            ProcessError::Failed {
                what,
                status,
                hint,
                tail,
            } => {
                write!(f, "{what} failed ({status}); {hint}")?;
                write_tail(f, "its last output", tail)
            }
        }
    }
}

fn write_tail(f: &mut std::fmt::Formatter<'_>, label: &str, tail: &str) -> std::fmt::Result {
    if tail.trim().is_empty() {
        Ok(())
    } else {
        write!(f, "\n{label}:\n{tail}")
    }
}

impl std::error::Error for ProcessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProcessError::Spawn { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A child process to run to completion within a time limit.
pub struct Bounded<'a> {
    command: &'a mut Command,
    what: String,
    limit: Duration,
    hint: String,
    stdin: Option<Vec<u8>>,
}

impl<'a> Bounded<'a> {
    /// `command`, named `what` in messages (`npm ci`, `xrpc-client.mjs`), stopped after `limit`.
    pub fn new(command: &'a mut Command, what: impl Into<String>, limit: Duration) -> Self {
        Bounded {
            command,
            what: what.into(),
            limit,
            hint: "see the output below".to_owned(),
            stdin: None,
        }
    }

    /// What a user should check when the step fails (the rest of the message's first line).
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    /// Bytes written to the child's stdin (which is closed after them).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs the child and returns its output when it exits successfully within the limit.
    pub fn run(mut self) -> Result<Output, ProcessError> {
        let output = self.output()?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(ProcessError::Failed {
                tail: tail_of(&output),
                what: self.what,
                status: output.status,
                hint: self.hint,
            })
        }
    }

    /// Runs the child and returns its output, successful or not, when it exits within the limit.
    pub fn output(&mut self) -> Result<Output, ProcessError> {
        let _step = crate::deadline::waiting_for(&self.what);
        let mut child = self
            .command
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|source| ProcessError::Spawn {
                what: self.what.clone(),
                program: self.command.get_program().to_string_lossy().into_owned(),
                source,
            })?;
        if let (Some(bytes), Some(mut pipe)) = (self.stdin.clone(), child.stdin.take()) {
            // On a thread: a child that does not read its stdin must not block us.
            thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = match child.wait_timeout(self.limit) {
            Ok(Some(status)) => Some(status),
            Ok(None) => None,
            Err(source) => {
                kill_group(&mut child);
                return Err(ProcessError::Spawn {
                    what: self.what.clone(),
                    program: self.command.get_program().to_string_lossy().into_owned(),
                    source,
                });
            }
        };
        let Some(status) = status else {
            kill_group(&mut child);
            let output = Output {
                status: ExitStatus::default(),
                stdout: collect(stdout),
                stderr: collect(stderr),
            };
            return Err(ProcessError::TimedOut {
                what: self.what.clone(),
                limit: self.limit,
                hint: self.hint.clone(),
                tail: tail_of(&output),
            });
        };
        // The child has exited (and is reaped, so its group id may no longer be ours to
        // signal): anything it left behind holding the pipes is waited for at most DRAIN_LIMIT.
        Ok(Output {
            status,
            stdout: collect(stdout),
            stderr: collect(stderr),
        })
    }
}

/// Kills the child's whole process group (npm's scripts, node-gyp's compilers) and reaps it.
fn kill_group(child: &mut Child) {
    let pid = rustix::process::Pid::from_child(child);
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads a pipe to its end on a thread; the receiver gets everything read.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = sender.send(bytes);
        });
    }
    receiver
}

/// What a drained pipe gave, or nothing when a stray process still holds it open.
fn collect(receiver: mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
    receiver.recv_timeout(DRAIN_LIMIT).unwrap_or_default()
}

/// The last lines of a child's stderr, or of its stdout when stderr is empty.
fn tail_of(output: &Output) -> String {
    let text = if output.stderr.iter().all(u8::is_ascii_whitespace) {
        String::from_utf8_lossy(&output.stdout)
    } else {
        String::from_utf8_lossy(&output.stderr)
    };
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
}

/// Runs `command` (stdin empty) and returns its output, successful or not; panics, naming the
/// program and its first arguments, when it cannot start or runs past `limit`. For tests that
/// check the exit status themselves.
pub fn output(command: &mut Command, limit: Duration) -> Output {
    let what = describe(command);
    Bounded::new(command, what, limit)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The program's file name and its first two arguments: `lexicon-codegen generate --lexicons`.
fn describe(command: &Command) -> String {
    let program = std::path::Path::new(command.get_program())
        .file_name()
        .unwrap_or(command.get_program())
        .to_string_lossy()
        .into_owned();
    command.get_args().take(2).fold(program, |text, arg| {
        format!("{text} {}", arg.to_string_lossy())
    })
}

/// How long a run of one of the workspace's own command-line programs may take.
pub const CLI_LIMIT: Duration = Duration::from_secs(120);

/// How long a `cargo build` that a test starts may take (it may compile dependencies).
pub const CARGO_LIMIT: Duration = Duration::from_secs(900);
