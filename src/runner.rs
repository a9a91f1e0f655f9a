//! The one way smtp-doctor runs a project's own code (its Python, later its real SMTP
//! client): no shell, standard input closed, smtp-doctor's secrets removed from the child's
//! environment, its output read concurrently and capped, and on timeout the child killed with
//! every process it started (its process group, on Unix) and reaped.

use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Variables never passed to project code: smtp-doctor's own secrets.
pub const DENIED_ENV: [&str; 2] = ["SMTP_DOCTOR_PASSWORD", "SMTP_DOCTOR_OAUTH_TOKEN"];

/// The default cap on each of stdout and stderr.
pub const OUTPUT_CAP: usize = 1 << 20;

/// What to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The program (a path, or a name looked up in `PATH`).
    pub program: PathBuf,
    /// Its arguments (never through a shell).
    pub args: Vec<OsString>,
    /// Variables added to (or replacing in) the inherited environment.
    pub env: Vec<(OsString, OsString)>,
    /// Variables removed besides [`DENIED_ENV`].
    pub deny: Vec<OsString>,
    /// The working directory.
    pub dir: PathBuf,
    /// The time limit, after which the child and its children are killed.
    pub limit: Duration,
    /// The most bytes kept of each of stdout and stderr (the rest is read and dropped).
    pub cap: usize,
}

impl Job {
    /// `program args…` in `dir`, with the default limit of 10 s and cap of [`OUTPUT_CAP`].
    pub fn new(program: impl Into<PathBuf>, args: &[&str], dir: impl Into<PathBuf>) -> Job {
        Job {
            program: program.into(),
            args: args.iter().map(OsString::from).collect(),
            env: Vec::new(),
            deny: Vec::new(),
            dir: dir.into(),
            limit: Duration::from_secs(10),
            cap: OUTPUT_CAP,
        }
    }
}

/// How it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It exited by itself.
    Exited {
        /// Its exit status (`None` when killed by a signal).
        code: Option<i32>,
        /// Its standard output, at most the cap.
        stdout: Vec<u8>,
        /// Its standard error, at most the cap.
        stderr: Vec<u8>,
        /// Whether some output was dropped at the cap.
        truncated: bool,
    },
    /// It was still running at the time limit, and was killed with its process group.
    TimedOut {
        /// The limit.
        after: Duration,
    },
    /// The program does not exist.
    NotFound,
    /// It could not be started for another reason.
    SpawnFailed(std::io::ErrorKind),
}

/// A run as the report shows it: what ran, for how long, how it ended (no output: it may hold
/// anything).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The program as started.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// How it ended.
    pub outcome: RunStatus,
    /// How long it took, in milliseconds.
    pub ms: f64,
}

/// How a run ended, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RunStatus {
    /// It exited 0 and answered.
    Ok {
        /// Whether its output was cut at the cap.
        truncated: bool,
    },
    /// It exited 0 but its answer could not be read.
    NoAnswer {
        /// Whether its output was cut at the cap.
        truncated: bool,
    },
    /// It exited with this status (`None`: killed by a signal).
    Failed {
        /// The exit status.
        code: Option<i32>,
        /// Whether its output was cut at the cap.
        truncated: bool,
    },
    /// Killed at the time limit.
    TimedOut {
        /// The limit, in milliseconds.
        after_ms: u64,
    },
    /// No such program.
    NotFound,
    /// It could not be started.
    SpawnFailed {
        /// Why, in words.
        why: String,
    },
}

impl RunStatus {
    /// The status of an outcome, given whether its answer was usable (when it exited 0).
    pub fn of(outcome: &Outcome, answered: bool) -> RunStatus {
        match outcome {
            Outcome::Exited {
                code: Some(0),
                truncated,
                ..
            } if answered => RunStatus::Ok {
                truncated: *truncated,
            },
            Outcome::Exited {
                code: Some(0),
                truncated,
                ..
            } => RunStatus::NoAnswer {
                truncated: *truncated,
            },
            Outcome::Exited {
                code, truncated, ..
            } => RunStatus::Failed {
                code: *code,
                truncated: *truncated,
            },
            Outcome::TimedOut { after } => RunStatus::TimedOut {
                after_ms: after.as_millis() as u64,
            },
            Outcome::NotFound => RunStatus::NotFound,
            Outcome::SpawnFailed(kind) => RunStatus::SpawnFailed {
                why: kind.to_string(),
            },
        }
    }
}

/// Reads `from` to its end, keeping at most `cap` bytes; `true` when some were dropped.
fn drain(mut from: impl Read, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut truncated = false;
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                truncated |= n > room;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    (kept, truncated)
}

/// Whether the child has exited, without reaping it on Unix (so its process group id stays
/// reserved until the group is killed).
#[cfg(unix)]
fn has_exited(child: &mut Child) -> bool {
    use rustix::process::{waitid, Pid, WaitId, WaitIdOptions};
    let opts = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    !matches!(waitid(WaitId::Pid(Pid::from_child(child)), opts), Ok(None))
}

#[cfg(not(unix))]
fn has_exited(child: &mut Child) -> bool {
    !matches!(child.try_wait(), Ok(None))
}

/// Kills every process of the child's group (Unix: the group whose id is the child's pid,
/// still reserved because the child is not reaped yet), and the child itself.
fn kill_all(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_child(child),
            rustix::process::Signal::KILL,
        );
    }
    let _ = child.kill();
}

/// Runs `job` to its end or its time limit.
pub fn run(job: &Job) -> Outcome {
    let mut cmd = Command::new(&job.program);
    cmd.args(&job.args)
        .current_dir(&job.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in DENIED_ENV
        .iter()
        .map(OsString::from)
        .chain(job.deny.clone())
    {
        cmd.env_remove(name);
    }
    for (k, v) in &job.env {
        if !DENIED_ENV.iter().any(|d| k == d) && !job.deny.contains(k) {
            cmd.env(k, v);
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let started = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Outcome::NotFound,
        Err(e) => return Outcome::SpawnFailed(e.kind()),
    };
    let (tx, rx) = mpsc::channel();
    let cap = job.cap;
    let mut readers = 0;
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        readers += 1;
        std::thread::spawn(move || tx.send((true, drain(out, cap))));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        readers += 1;
        std::thread::spawn(move || tx.send((false, drain(err, cap))));
    }
    drop(tx);
    let deadline = started + job.limit;
    let mut timed_out = false;
    while !has_exited(&mut child) {
        if Instant::now() >= deadline {
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if timed_out {
        kill_all(&mut child);
        let _ = child.wait();
        return Outcome::TimedOut { after: job.limit };
    }
    // The child is gone; what it left running in its group is not wanted either (and would
    // hold the pipes open).
    kill_all(&mut child);
    let code = child.wait().ok().and_then(|s| s.code());
    let (mut stdout, mut stderr, mut truncated) = (Vec::new(), Vec::new(), false);
    let grace = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(200));
    for _ in 0..readers {
        match rx.recv_timeout(grace) {
            Ok((is_out, (bytes, cut))) => {
                truncated |= cut;
                if is_out {
                    stdout = bytes;
                } else {
                    stderr = bytes;
                }
            }
            // A process that left the group still holds a pipe: what was read is lost.
            Err(_) => {
                truncated = true;
                break;
            }
        }
    }
    Outcome::Exited {
        code,
        stdout,
        stderr,
        truncated,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Job {
        let mut job = Job::new("/bin/sh", &["-c", script], std::env::temp_dir());
        job.limit = Duration::from_secs(5);
        job
    }

    #[test]
    fn output_is_capped_and_both_streams_are_read() {
        let mut job = sh("head -c 3000000 /dev/zero; echo oops >&2; exit 3");
        job.cap = 1000;
        match run(&job) {
            Outcome::Exited {
                code,
                stdout,
                stderr,
                truncated,
            } => {
                assert_eq!(code, Some(3));
                assert_eq!(stdout.len(), 1000);
                assert_eq!(stderr, b"oops\n");
                assert!(truncated);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_sleeping_child_and_its_children_are_killed_at_the_limit() {
        let marker =
            std::env::temp_dir().join(format!("smtp-doctor-runner-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let mut job = sh(&format!("(sleep 2; touch {}) & sleep 30", marker.display()));
        job.limit = Duration::from_millis(300);
        let t = Instant::now();
        assert_eq!(
            run(&job),
            Outcome::TimedOut {
                after: Duration::from_millis(300)
            }
        );
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        std::thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "the grandchild survived the kill");
    }

    #[test]
    fn secrets_are_not_inherited_and_stdin_is_closed() {
        let mut job = sh("env; cat; echo end");
        // An inherited variable the caller denies, and a secret a caller passes by mistake.
        job.deny.push("HOME".into());
        job.env
            .push(("SMTP_DOCTOR_PASSWORD".into(), "hunter2-runner-test".into()));
        job.env.push(("ADDED".into(), "yes".into()));
        let Outcome::Exited { stdout, .. } = run(&job) else {
            panic!()
        };
        let out = String::from_utf8_lossy(&stdout);
        assert!(!out.contains("hunter2-runner-test"), "{out}");
        assert!(!out.lines().any(|l| l.starts_with("HOME=")), "{out}");
        assert!(out.contains("ADDED=yes") && out.ends_with("end\n"), "{out}");
    }

    #[test]
    fn a_missing_program_is_not_found() {
        let job = Job::new("/nonexistent/python", &[], std::env::temp_dir());
        assert_eq!(run(&job), Outcome::NotFound);
    }
}
