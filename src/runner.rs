//! The one way smtp-doctor runs a project's own code (its Python, its real SMTP client): no
//! shell, standard input closed (or, for a job that asks questions, answered line by line),
//! smtp-doctor's secrets removed from the child's environment, its output read concurrently and
//! capped, and at its end (exit or time limit) the child killed with every process it started
//! and reaped. Every process: on Linux smtp-doctor is a child subreaper, so what a child starts
//! in a session of its own comes back to smtp-doctor when the child exits and is killed too; on
//! other Unix systems the child's process group (a `setsid` grandchild escapes it); on Windows
//! the child is in a job object that kills every process in it when closed.

use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// Variables never passed to project code: smtp-doctor's own secrets.
pub(crate) const DENIED_ENV: [&str; 2] = ["SMTP_DOCTOR_PASSWORD", "SMTP_DOCTOR_OAUTH_TOKEN"];

/// The default cap on each of stdout and stderr.
pub(crate) const OUTPUT_CAP: usize = 1 << 20;

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct Job {
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
    /// Answers the child's questions: called with each line it prints on stdout (without the
    /// line end); what it returns is written to the child's stdin. Without it, stdin is closed.
    pub answer: Option<Answerer>,
    /// Set by the caller when the run is no longer wanted: the child is then killed with every
    /// process it started, as at the time limit (the outcome is [`Outcome::TimedOut`] with the
    /// time it ran).
    pub stop: Option<Arc<AtomicBool>>,
}

/// What answers one line of a child's output: the bytes to write to its stdin, if any.
pub(crate) type AnswerFn = dyn Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync;

/// A function answering a child's output lines (see [`Job::answer`]).
#[derive(Clone)]
pub(crate) struct Answerer(pub Arc<AnswerFn>);

impl std::fmt::Debug for Answerer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Answerer")
    }
}

impl Job {
    /// `program args…` in `dir`, with the default limit of 10 s and cap of [`OUTPUT_CAP`].
    pub(crate) fn new(program: impl Into<PathBuf>, args: &[&str], dir: impl Into<PathBuf>) -> Job {
        Job {
            program: program.into(),
            args: args.iter().map(OsString::from).collect(),
            env: Vec::new(),
            deny: Vec::new(),
            dir: dir.into(),
            limit: Duration::from_secs(10),
            cap: OUTPUT_CAP,
            answer: None,
            stop: None,
        }
    }
}

/// How it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
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
    pub(crate) fn of(outcome: &Outcome, answered: bool) -> RunStatus {
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

/// What a reader kept so far, shared with the waiting thread (which takes it when the child
/// has exited, even if a process that escaped still holds the pipe open).
#[derive(Default)]
struct Kept {
    bytes: Vec<u8>,
    truncated: bool,
}

/// The longest line handed to an [`Answerer`].
const QUESTION_CAP: usize = 64 * 1024;

/// Reads `from` to its end into `kept`, keeping at most `cap` bytes; with `answer`, each line
/// is handed to it and its reply written to `stdin`.
fn drain(
    mut from: impl Read,
    cap: usize,
    kept: &Mutex<Kept>,
    answer: Option<(Answerer, std::process::ChildStdin)>,
) {
    use std::io::Write;
    let mut buf = [0u8; 16 * 1024];
    let mut line: Vec<u8> = Vec::new();
    let mut answer = answer;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        {
            let mut k = kept.lock().unwrap_or_else(|e| e.into_inner());
            let room = cap.saturating_sub(k.bytes.len());
            k.bytes.extend_from_slice(&buf[..n.min(room)]);
            k.truncated |= n > room;
        }
        let Some((answerer, stdin)) = answer.as_mut() else {
            continue;
        };
        for &b in &buf[..n] {
            if b != b'\n' {
                if line.len() < QUESTION_CAP {
                    line.push(b);
                }
                continue;
            }
            let question = std::mem::take(&mut line);
            let question = question.strip_suffix(b"\r").unwrap_or(&question);
            if let Some(reply) = (answerer.0)(question) {
                if stdin.write_all(&reply).and_then(|_| stdin.flush()).is_err() {
                    answer = None;
                    break;
                }
            }
        }
    }
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
/// still reserved because the child is not reaped yet), the child itself, and on Linux every
/// process that came back to smtp-doctor as their subreaper (what left the group).
fn kill_all(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_child(child),
            rustix::process::Signal::KILL,
        );
    }
    let _ = child.kill();
    #[cfg(target_os = "linux")]
    reaper::kill_orphans();
}

/// Windows: the child in a job object that kills every process in it when it is closed (at
/// the child's exit or time limit). A process the child starts before it is assigned (the
/// first instants) is not in the job; std cannot start it suspended.
#[cfg(windows)]
#[allow(unsafe_code)]
mod windows_job {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation,
        SetInformationJobObject, TerminateJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    };

    /// The job; terminated and closed when dropped.
    pub(super) struct Contained(HANDLE);

    impl Drop for Contained {
        fn drop(&mut self) {
            // SAFETY: the handle came from CreateJobObjectW and is closed once, here.
            unsafe {
                TerminateJobObject(self.0, 1);
                CloseHandle(self.0);
            }
        }
    }

    pub(super) fn contain(child: &std::process::Child) -> Option<Contained> {
        // SAFETY: plain Win32 calls on a handle this function owns and the child's own handle,
        // which lives as long as `child`; the limit structure is zeroed and then filled.
        unsafe {
            let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
            if job.is_null() {
                return None;
            }
            let contained = Contained(job);
            let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
            info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
            let size = std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32;
            let set = SetInformationJobObject(
                job,
                JobObjectExtendedLimitInformation,
                &info as *const _ as *const std::ffi::c_void,
                size,
            );
            if set == 0 || AssignProcessToJobObject(job, child.as_raw_handle() as HANDLE) == 0 {
                return None;
            }
            Some(contained)
        }
    }
}

/// Linux: smtp-doctor as the child subreaper of what it runs. A process that a child started
/// and that outlives it (a daemon, `setsid sh -c …`) is re-parented to smtp-doctor instead of
/// init, so it can be found (its parent is smtp-doctor, and it is not one of the children the
/// runner started) and killed with whatever it started in turn.
#[cfg(target_os = "linux")]
mod reaper {
    use rustix::process::{getpid, kill_process, set_child_subreaper, Pid, Signal};
    use std::collections::BTreeSet;
    use std::sync::{Mutex, Once};

    /// The children the runner started and has not reaped yet: never taken for orphans.
    static CHILDREN: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

    /// Once per process, before the first child.
    pub(super) fn become_subreaper() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            let _ = set_child_subreaper(Some(getpid()));
        });
    }

    /// Starts `cmd` and records its child, under the lock a sweep holds: a child started
    /// while another thread sweeps is never taken for an orphan.
    pub(super) fn spawn(cmd: &mut std::process::Command) -> std::io::Result<std::process::Child> {
        let mut children = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
        let child = cmd.spawn()?;
        children.insert(child.id());
        Ok(child)
    }

    pub(super) fn reaped(pid: u32) {
        CHILDREN
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&pid);
    }

    /// The processes whose parent is smtp-doctor and that the runner did not start.
    fn orphans(ours: &BTreeSet<u32>) -> Vec<u32> {
        let me = std::process::id();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| !ours.contains(pid))
            .filter(|pid| parent(*pid) == Some(me))
            .collect()
    }

    /// The parent of `pid`, from `/proc/PID/stat` (after the command name, which may hold
    /// anything: the last `)`).
    fn parent(pid: u32) -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = &stat[stat.rfind(')')? + 1..];
        rest.split_whitespace().nth(1)?.parse().ok()
    }

    /// Kills and reaps every orphan, and the orphans their death re-parents in turn, until none
    /// is left (bounded: a fork bomb is killed faster than it forks, but not forever).
    pub(super) fn kill_orphans() {
        for _ in 0..200 {
            let ours = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
            let found = orphans(&ours);
            if found.is_empty() {
                return;
            }
            for pid in found {
                let Some(p) = Pid::from_raw(pid as i32) else {
                    continue;
                };
                let _ = kill_process(p, Signal::KILL);
                let _ = rustix::process::waitpid(Some(p), rustix::process::WaitOptions::empty());
            }
        }
    }
}

/// Runs `job` to its end or its time limit.
pub(crate) fn run(job: &Job) -> Outcome {
    let mut cmd = Command::new(&job.program);
    cmd.args(&job.args)
        .current_dir(&job.dir)
        .stdin(if job.answer.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
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
    #[cfg(target_os = "linux")]
    reaper::become_subreaper();
    let started = Instant::now();
    #[cfg(target_os = "linux")]
    let spawned = reaper::spawn(&mut cmd);
    #[cfg(not(target_os = "linux"))]
    let spawned = cmd.spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Outcome::NotFound,
        Err(e) => return Outcome::SpawnFailed(e.kind()),
    };
    #[cfg(windows)]
    let job_object = windows_job::contain(&child);
    let (tx, rx) = mpsc::channel::<()>();
    let cap = job.cap;
    let mut readers = 0;
    let out_kept = Arc::new(Mutex::new(Kept::default()));
    let err_kept = Arc::new(Mutex::new(Kept::default()));
    let answer = job.answer.clone().zip(child.stdin.take());
    if let Some(out) = child.stdout.take() {
        let (tx, kept) = (tx.clone(), out_kept.clone());
        readers += 1;
        std::thread::spawn(move || {
            drain(out, cap, &kept, answer);
            tx.send(())
        });
    }
    if let Some(err) = child.stderr.take() {
        let (tx, kept) = (tx.clone(), err_kept.clone());
        readers += 1;
        std::thread::spawn(move || {
            drain(err, cap, &kept, None);
            tx.send(())
        });
    }
    drop(tx);
    let deadline = started + job.limit;
    let mut timed_out = None;
    let stopped = || job.stop.as_ref().is_some_and(|s| s.load(Ordering::Acquire));
    while !has_exited(&mut child) {
        if Instant::now() >= deadline {
            timed_out = Some(job.limit);
            break;
        }
        if stopped() {
            timed_out = Some(started.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if let Some(after) = timed_out {
        kill_all(&mut child);
        #[cfg(windows)]
        drop(job_object);
        let _ = child.wait();
        #[cfg(target_os = "linux")]
        reaper::reaped(child.id());
        return Outcome::TimedOut { after };
    }
    // The child is gone; what it left running is not wanted either (and would hold the pipes
    // open).
    kill_all(&mut child);
    #[cfg(windows)]
    drop(job_object);
    let code = child.wait().ok().and_then(|s| s.code());
    #[cfg(target_os = "linux")]
    reaper::reaped(child.id());
    // With every process killed the pipes close at once; where one escaped (a `setsid`
    // grandchild on macOS) the wait for their end is short, and what was read is kept.
    let grace = deadline
        .saturating_duration_since(Instant::now())
        .clamp(Duration::from_millis(200), Duration::from_secs(1));
    let mut truncated = false;
    for _ in 0..readers {
        if rx.recv_timeout(grace).is_err() {
            truncated = true;
            break;
        }
    }
    let take = |kept: &Mutex<Kept>| {
        let mut k = kept.lock().unwrap_or_else(|e| e.into_inner());
        (std::mem::take(&mut k.bytes), k.truncated)
    };
    let (stdout, cut_out) = take(&out_kept);
    let (stderr, cut_err) = take(&err_kept);
    truncated |= cut_out | cut_err;
    Outcome::Exited {
        code,
        stdout,
        stderr,
        truncated,
    }
}

/// What a session's child tells the thread that runs it.
enum Event {
    /// Its marked line.
    Marked(Vec<u8>),
    /// The run ended.
    Ended(Outcome),
}

/// What the caller sends on: the line the child waits for and what answers its questions from
/// then on.
struct Resume {
    line: Vec<u8>,
    answer: Answerer,
}

/// A child started once that printed a marked line and now waits for its next word on stdin
/// (Django's Python: it printed the settings and waits to run Django's own client in the same
/// process, its inputs, the password among them, only in that word). Dropped, its stdin gets
/// `quit` and it is stopped with everything it started.
pub struct Session {
    /// The program that runs.
    pub(crate) program: PathBuf,
    /// How long it took to print its marked line, in milliseconds.
    pub(crate) ready_ms: f64,
    go: Mutex<Option<mpsc::Sender<Resume>>>,
    events: Mutex<mpsc::Receiver<Event>>,
    stop: Arc<AtomicBool>,
    /// Whether its end was seen.
    ended: AtomicBool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("program", &self.program)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Sends `line` (the client's inputs) and from then on answers its questions with
    /// `answer`; then waits for the run's end, stopping it when `stopped` says so or at
    /// `limit`. `None` when the session was already used or had ended.
    pub(crate) fn resume(
        &self,
        line: Vec<u8>,
        answer: Answerer,
        limit: Duration,
        stopped: &dyn Fn() -> bool,
    ) -> Option<Outcome> {
        let go = self.go.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        go.send(Resume { line, answer }).ok()?;
        drop(go);
        let until = Instant::now() + limit;
        let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match events.recv_timeout(Duration::from_millis(5)) {
                Ok(Event::Ended(outcome)) => {
                    self.ended.store(true, Ordering::Release);
                    return Some(outcome);
                }
                Ok(Event::Marked(_)) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.ended.store(true, Ordering::Release);
                    return None;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if Instant::now() >= until {
                        self.stop.store(true, Ordering::Release);
                        let _ = wait_end(&events);
                        self.ended.store(true, Ordering::Release);
                        return Some(Outcome::TimedOut { after: limit });
                    }
                    if stopped() {
                        self.stop.store(true, Ordering::Release);
                    }
                }
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Told to exit (its word is `quit`), and stopped: nothing it started outlives the run.
        drop(self.go.lock().unwrap_or_else(|e| e.into_inner()).take());
        self.stop.store(true, Ordering::Release);
        if !self.ended.load(Ordering::Acquire) {
            let _ = wait_end(&self.events.lock().unwrap_or_else(|e| e.into_inner()));
        }
    }
}

/// How a session started.
pub(crate) enum Started {
    /// It printed its marked line (given here) and waits for its word.
    Ready(Session, Vec<u8>),
    /// It ended first, or did not print the line within the wait (then it was stopped).
    Ended(Outcome),
}

/// Starts `job` as a [`Session`]: waits at most `wait` for a line of its stdout that starts
/// with `marker`. The job's own limit is the backstop of the whole session; its answerer and
/// stop flag are the session's.
pub(crate) fn start_session(mut job: Job, marker: &'static str, wait: Duration) -> Started {
    let started = Instant::now();
    let (tx, events) = mpsc::channel::<Event>();
    let (go_tx, go_rx) = mpsc::channel::<Resume>();
    let stop = Arc::new(AtomicBool::new(false));
    job.answer = Some(session_answerer(marker, tx.clone(), go_rx));
    job.stop = Some(stop.clone());
    let program = job.program.clone();
    std::thread::spawn(move || {
        let outcome = run(&job);
        drop(job);
        let _ = tx.send(Event::Ended(outcome));
    });
    match events.recv_timeout(wait) {
        Ok(Event::Marked(line)) => Started::Ready(
            Session {
                program,
                ready_ms: started.elapsed().as_secs_f64() * 1000.0,
                go: Mutex::new(Some(go_tx)),
                events: Mutex::new(events),
                stop,
                ended: AtomicBool::new(false),
            },
            line,
        ),
        Ok(Event::Ended(outcome)) => Started::Ended(outcome),
        Err(_) => {
            // Not answered within the wait: stopped with everything it started.
            stop.store(true, Ordering::Release);
            drop(go_tx);
            let _ = wait_end(&events);
            Started::Ended(Outcome::TimedOut { after: wait })
        }
    }
}

/// Waits for the run's end (bounded).
fn wait_end(events: &mpsc::Receiver<Event>) -> Option<Outcome> {
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        match events.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(Event::Ended(outcome)) => return Some(outcome),
            Ok(Event::Marked(_)) => continue,
            Err(_) => return None,
        }
    }
}

/// Answers a session's output: its marked line goes to the caller, and its stdin gets the
/// caller's word once it is given (or `quit` when none will come); after that word, every line
/// goes to the caller's answerer.
fn session_answerer(
    marker: &'static str,
    tx: mpsc::Sender<Event>,
    go: mpsc::Receiver<Resume>,
) -> Answerer {
    let tx = Mutex::new(tx);
    let go = Mutex::new(go);
    let client: Mutex<Option<Answerer>> = Mutex::new(None);
    Answerer(Arc::new(move |line: &[u8]| {
        if let Some(answer) = client.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return (answer.0)(line);
        }
        if !line.starts_with(marker.as_bytes()) {
            return None;
        }
        let _ = tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(Event::Marked(line.to_vec()));
        // The child waits on its stdin for this word: so may its output's reader.
        let next = go.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match next {
            Ok(resume) => {
                *client.lock().unwrap_or_else(|e| e.into_inner()) = Some(resume.answer);
                Some(resume.line)
            }
            Err(_) => Some(b"quit\n".to_vec()),
        }
    }))
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

    #[cfg(target_os = "linux")]
    #[test]
    fn what_a_child_starts_in_its_own_session_dies_with_it_and_does_not_hold_the_run() {
        let pidfile =
            std::env::temp_dir().join(format!("smtp-doctor-runner-setsid-{}", std::process::id()));
        let _ = std::fs::remove_file(&pidfile);
        let mut job = sh(&format!(
            "setsid sh -c 'echo $$ > {}; exec sleep 45' & sleep 0.3; echo answer",
            pidfile.display()
        ));
        job.limit = Duration::from_secs(40);
        let t = Instant::now();
        let Outcome::Exited { code, stdout, .. } = run(&job) else {
            panic!()
        };
        // Well before the limit: the run ends with the child, not with the grandchild's pipe.
        assert!(t.elapsed() < job.limit / 2, "{:?}", t.elapsed());
        assert_eq!((code, stdout), (Some(0), b"answer\n".to_vec()));
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        let dead = |s: &str| {
            s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        };
        let alive = std::fs::read_to_string(&stat).is_ok_and(|s| !dead(&s));
        if alive {
            let _ = std::process::Command::new("kill")
                .args(["-9", pid.trim()])
                .status();
        }
        assert!(!alive, "the setsid grandchild {pid} survived");
        let _ = std::fs::remove_file(&pidfile);
    }

    #[test]
    fn a_question_on_stdout_is_answered_on_stdin() {
        let mut job =
            sh("echo ASK 1; read a; echo got $a; echo other; echo ASK 2; read b; echo got $b");
        job.answer = Some(Answerer(Arc::new(|line: &[u8]| {
            line.starts_with(b"ASK").then(|| b"yes\n".to_vec())
        })));
        let Outcome::Exited { stdout, .. } = run(&job) else {
            panic!()
        };
        assert_eq!(
            String::from_utf8_lossy(&stdout),
            "ASK 1\ngot yes\nother\nASK 2\ngot yes\n"
        );
    }

    #[test]
    fn a_run_no_longer_wanted_is_stopped_with_what_it_started() {
        let marker =
            std::env::temp_dir().join(format!("smtp-doctor-runner-stop-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let mut job = sh(&format!("(sleep 1; touch {}) & sleep 30", marker.display()));
        job.limit = Duration::from_secs(60);
        let stop = Arc::new(AtomicBool::new(false));
        job.stop = Some(stop.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            stop.store(true, Ordering::Release);
        });
        match run(&job) {
            Outcome::TimedOut { after } => assert!(after < job.limit, "{after:?}"),
            other => panic!("{other:?}"),
        }
        std::thread::sleep(Duration::from_millis(1300));
        assert!(!marker.exists(), "the grandchild survived the stop");
    }

    #[test]
    fn a_session_prints_its_line_then_waits_for_its_word_or_is_stopped() {
        let job = sh("echo noise; echo MARK ready; read w; echo got $w");
        let Started::Ready(session, line) = start_session(job, "MARK", Duration::from_secs(5))
        else {
            panic!("no marked line")
        };
        assert_eq!(line, b"MARK ready");
        let none = Answerer(Arc::new(|_: &[u8]| None));
        match session.resume(b"go\n".to_vec(), none, Duration::from_secs(5), &|| false) {
            Some(Outcome::Exited { stdout, .. }) => {
                assert!(String::from_utf8_lossy(&stdout).ends_with("got go\n"))
            }
            other => panic!("{other:?}"),
        }
        // No marked line within the wait: stopped there.
        let started = start_session(sh("sleep 30"), "MARK", Duration::from_millis(200));
        assert!(matches!(started, Started::Ended(Outcome::TimedOut { .. })));
    }

    #[test]
    fn a_missing_program_is_not_found() {
        let job = Job::new("/nonexistent/python", &[], std::env::temp_dir());
        assert_eq!(run(&job), Outcome::NotFound);
    }
}
