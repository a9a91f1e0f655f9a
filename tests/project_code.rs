//! The project's own code (its `.venv/bin/python manage.py shell`) is run
//! through one runner: announced in the report, bounded in time and output, killed with its
//! children, without smtp-doctor's secrets, tried once; and bounded reads of every file the
//! command line names (items 8, 9). Linux only: the fake interpreters are shell scripts and
//! processes and memory are watched in /proc.
#![cfg(target_os = "linux")]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A fresh project folder with `manage.py`.
fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-pc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".venv/bin")).unwrap();
    std::fs::write(dir.join("manage.py"), "# a Django project\n").unwrap();
    dir
}

/// Writes an executable shell script.
fn script(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A loopback port nothing listens on: the probe is refused at once.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The answer a real `manage.py shell -c` prints for the runtime query.
fn answer(host: &str, port: u16) -> String {
    format!("echo 'SMTP_DOCTOR_JSON{{\"EMAIL_HOST\": \"{host}\", \"EMAIL_PORT\": {port}, \"EMAIL_USE_TLS\": false, \"EMAIL_TIMEOUT\": 5}}'")
}

struct Run {
    out: Output,
    took: Duration,
    /// The largest VmHWM seen, in KiB.
    peak_kib: u64,
}

/// Runs smtp-doctor in `dir`, killing it after `deadline` (so a hang fails instead of hanging).
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)], deadline: Duration) -> Run {
    run_with(dir, args, env, deadline, Stdio::null())
}

fn run_with(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    deadline: Duration,
    stdin: Stdio,
) -> Run {
    let mut cmd = support::binary::smtp_doctor();
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("EMAIL_") || k.starts_with("SMTP_") || k.starts_with("MAIL_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            r.read_to_end(&mut v).ok();
            v
        })
    };
    let (o, e) = (read(Box::new(stdout)), read(Box::new(stderr)));
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > deadline {
            child.kill().ok();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    let took = started.elapsed();
    Run {
        out: Output {
            status,
            stdout: o.join().unwrap(),
            stderr: e.join().unwrap(),
        },
        took,
        peak_kib,
    }
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_slice(&run.out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {} / {}",
            String::from_utf8_lossy(&run.out.stdout),
            String::from_utf8_lossy(&run.out.stderr)
        )
    })
}

/// Whether the process still runs, a second after its kill was sent (SIGKILL is delivered
/// asynchronously; a zombie waiting for init to reap it is dead).
fn pid_alive(pid: &str) -> bool {
    let stat = format!("/proc/{}/stat", pid.trim());
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(1) {
        match std::fs::read_to_string(&stat) {
            Err(_) => return false,
            Ok(s)
                if s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z') =>
            {
                return false
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    true
}

#[test]
fn a_sleeping_manage_py_is_killed_with_its_children_at_the_time_limit() {
    let dir = project("sleep");
    let pids = dir.join("pids");
    script(
        &dir.join(".venv/bin/python"),
        &format!(
            "sleep 30 &\necho $! > {p}\necho $$ >> {p}\nsleep 30",
            p = pids.display()
        ),
    );
    std::fs::write(
        dir.join(".env"),
        format!("EMAIL_HOST=127.0.0.1\nEMAIL_PORT={}\n", closed_port()),
    )
    .unwrap();
    let run = run_in(
        &dir,
        &["preflight", "--json", "--timeout", "1"],
        &[],
        Duration::from_secs(40),
    );
    let v = json(&run);
    assert!(
        run.took < Duration::from_secs(4),
        "the 1 s limit held: took {:?}",
        run.took
    );
    assert_eq!(v["runtime"]["run"]["outcome"]["kind"], "timed_out", "{v}");
    assert_eq!(v["runtime"]["run"]["outcome"]["after_ms"], 1000);
    let pids = std::fs::read_to_string(&pids).unwrap();
    for pid in pids.lines() {
        assert!(
            !pid_alive(pid),
            "process {pid} of the project's group survived"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_manage_py_that_leaves_a_process_in_its_own_session_does_not_outlive_or_hold_the_run() {
    let dir = project("setsid");
    let pids = dir.join("pids");
    // It answers, leaves a process in a session of its own (out of its process group, holding
    // the output pipes), and exits.
    script(
        &dir.join(".venv/bin/python"),
        &format!(
            "setsid sh -c 'echo $$ > {p}; exec sleep 45' &\nsleep 0.3\n{}",
            answer("127.0.0.1", closed_port()),
            p = pids.display()
        ),
    );
    let run = run_in(
        &dir,
        &["preflight", "--json", "--timeout", "20", "--no-app-client"],
        &[],
        Duration::from_secs(60),
    );
    let v = json(&run);
    assert_eq!(v["runtime"]["run"]["outcome"]["kind"], "ok", "{v}");
    // The limit is 20 s: the run ends with the child, not with the left-behind process.
    assert!(run.took < Duration::from_secs(10), "took {:?}", run.took);
    let pid = std::fs::read_to_string(&pids).unwrap();
    let survived = pid_alive(&pid);
    if survived {
        let _ = Command::new("kill").args(["-9", pid.trim()]).status();
    }
    assert!(!survived, "process {pid} outlived smtp-doctor");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_manage_py_printing_400_mb_costs_no_memory() {
    let dir = project("flood");
    script(&dir.join(".venv/bin/python"), "head -c 400000000 /dev/zero");
    std::fs::write(
        dir.join(".env"),
        format!("EMAIL_HOST=127.0.0.1\nEMAIL_PORT={}\n", closed_port()),
    )
    .unwrap();
    let run = run_in(
        &dir,
        &["preflight", "--json", "--timeout", "5"],
        &[],
        Duration::from_secs(60),
    );
    let v = json(&run);
    assert!(
        run.peak_kib < 64 * 1024,
        "peak RSS {} KiB for 400 MB of child output",
        run.peak_kib
    );
    assert_eq!(v["runtime"]["run"]["outcome"]["kind"], "no_answer", "{v}");
    assert_eq!(v["runtime"]["run"]["outcome"]["truncated"], true, "{v}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn project_code_never_sees_the_password_and_is_tried_once() {
    let dir = project("secret");
    let port = closed_port();
    let envs = dir.join("env-seen");
    let count = dir.join("count");
    // The project's Python fails; python3 and python on PATH would be tried after it.
    script(
        &dir.join(".venv/bin/python"),
        &format!(
            "env > {}\necho venv >> {}\nexit 1",
            envs.display(),
            count.display()
        ),
    );
    let bin = dir.join("bin");
    for name in ["python3", "python"] {
        script(
            &bin.join(name),
            &format!("echo {name} >> {}\nexit 1", count.display()),
        );
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::fs::write(
        dir.join(".env"),
        format!("EMAIL_HOST=127.0.0.1\nEMAIL_PORT={port}\nEMAIL_HOST_USER=alice\n"),
    )
    .unwrap();
    let run = run_in(
        &dir,
        &["preflight", "--json", "--timeout", "2"],
        &[
            ("PATH", path.as_str()),
            ("SMTP_DOCTOR_PASSWORD", "hunter2-in-env"),
            ("SMTP_DOCTOR_OAUTH_TOKEN", "ya29-token-in-env"),
        ],
        Duration::from_secs(30),
    );
    let v = json(&run);
    let seen = std::fs::read_to_string(&envs).unwrap();
    assert!(seen.contains("PATH="), "the child got an environment");
    assert!(!seen.contains("hunter2-in-env") && !seen.contains("SMTP_DOCTOR_PASSWORD"));
    assert!(!seen.contains("ya29-token-in-env") && !seen.contains("SMTP_DOCTOR_OAUTH_TOKEN"));
    assert_eq!(
        std::fs::read_to_string(&count).unwrap(),
        "venv\n",
        "tried once, not again with python3 and python"
    );
    let r = &v["runtime"]["run"];
    assert_eq!(r["outcome"]["kind"], "failed", "{v}");
    assert_eq!(r["outcome"]["code"], 1);
    assert!(
        r["program"].as_str().unwrap().ends_with(".venv/bin/python"),
        "{r}"
    );
    assert_eq!(r["args"][0], "manage.py");
    assert!(r["ms"].as_f64().is_some());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_run_is_announced_and_django_beats_a_stale_env_file() {
    let dir = project("stale");
    let port = closed_port();
    script(&dir.join(".venv/bin/python"), &answer("127.0.0.1", port));
    std::fs::write(
        dir.join(".env"),
        // The same values spelled differently (false / False, 5.0 / 5) are not stale.
        "EMAIL_HOST=stale.invalid\nEMAIL_PORT=2525\nEMAIL_USE_TLS=false\nEMAIL_TIMEOUT=5.0\n",
    )
    .unwrap();
    let run = run_in(
        &dir,
        &["preflight", "--json", "--timeout", "2"],
        &[],
        Duration::from_secs(30),
    );
    let v = json(&run);
    assert_eq!(v["configured"]["host"], "127.0.0.1", "{v}");
    assert_eq!(v["configured"]["port"], port);
    assert_eq!(v["runtime"]["run"]["outcome"]["kind"], "ok", "{v}");
    let shadowed = v["shadowed"]
        .as_array()
        .expect("the stale values are shown");
    let names: Vec<&str> = shadowed
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["EMAIL_HOST", "EMAIL_PORT"], "{v}");
    let host = shadowed.iter().find(|s| s["name"] == "EMAIL_HOST").unwrap();
    assert_eq!(host["value"], "stale.invalid");
    assert_eq!(host["used"], "127.0.0.1");
    assert!(host["origin"]["path"].as_str().unwrap().ends_with(".env"));

    for (lang, ran, unused) in [("en", "ran", "not used"), ("es", "ejecutó", "no se usa")] {
        let run = run_in(
            &dir,
            &["preflight", "--timeout", "2", "--lang", lang],
            &[],
            Duration::from_secs(30),
        );
        let text = String::from_utf8_lossy(&run.out.stdout);
        assert!(text.contains(".venv/bin/python manage.py shell"), "{text}");
        assert!(text.contains(ran), "{lang}: {text}");
        assert!(
            text.contains("stale.invalid") && text.contains(unused),
            "{lang}: {text}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn with_no_project_code_nothing_runs_and_the_report_says_so() {
    let dir = project("optout");
    let count = dir.join("count");
    script(
        &dir.join(".venv/bin/python"),
        &format!("echo ran >> {}", count.display()),
    );
    std::fs::write(
        dir.join(".env"),
        format!("EMAIL_HOST=127.0.0.1\nEMAIL_PORT={}\n", closed_port()),
    )
    .unwrap();
    let help = run_in(&dir, &["preflight", "--help"], &[], Duration::from_secs(10));
    assert!(String::from_utf8_lossy(&help.out.stdout).contains("--no-project-code"));
    let run = run_in(
        &dir,
        &["preflight", "--json", "--timeout", "1", "--no-project-code"],
        &[],
        Duration::from_secs(30),
    );
    let v = json(&run);
    assert!(!count.exists(), "the project's Python ran");
    assert_eq!(v["runtime"]["kind"], "disabled", "{v}");
    let text = run_in(
        &dir,
        &["preflight", "--timeout", "1", "--no-project-code"],
        &[],
        Duration::from_secs(30),
    );
    let text = String::from_utf8_lossy(&text.out.stdout);
    assert!(text.contains("read as text"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A usage error: exit 2, one line on stderr naming `needle`, nothing on stdout, no hang.
fn assert_usage_error(run: &Run, what: &str, needle: &str) {
    let err = String::from_utf8_lossy(&run.out.stderr);
    assert_eq!(
        run.out.status.code(),
        Some(2),
        "{what}: {err} (took {:?})",
        run.took
    );
    assert!(run.out.stdout.is_empty(), "{what}: stdout must stay empty");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{what}: one line: {err:?}"
    );
    assert!(
        err.contains(needle),
        "{what}: {err:?} should name {needle:?}"
    );
}

#[test]
fn every_file_named_on_the_command_line_is_bounded_and_must_be_a_regular_file() {
    // Regression: /dev/zero was read until allocation failed, a FIFO without a writer
    // hung forever, --password-stdin </dev/zero aborted.
    let dir = project("reads");
    std::fs::remove_file(dir.join("manage.py")).unwrap();
    let fifo = dir.join("fifo");
    rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR).unwrap();
    let fifo = fifo.to_str().unwrap();
    let big = dir.join("big.txt");
    std::fs::write(&big, "127.0.0.1\n".repeat(200_000)).unwrap();
    let big = big.to_str().unwrap();
    let huge = dir.join("huge.json");
    std::fs::write(&huge, vec![b' '; 9 << 20]).unwrap();
    let huge = huge.to_str().unwrap();
    let port = closed_port().to_string();
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "--targets", "/dev/zero"],
            "/dev/zero: not a regular file",
        ),
        (&["check", "--targets", fifo], "not a regular file (a FIFO)"),
        (
            &["check", "--targets", big],
            "larger than the limit of 1 MiB",
        ),
        (
            &["check", "127.0.0.1", "--ca-file", "/dev/zero"],
            "/dev/zero",
        ),
        (&["check", "127.0.0.1", "--ca-file", fifo], "a FIFO"),
        (
            &["preflight", "--host", "127.0.0.1", "--env-file", fifo],
            "a FIFO",
        ),
        (
            &[
                "preflight",
                "--host",
                "127.0.0.1",
                "--env-file",
                "/dev/zero",
            ],
            "a device",
        ),
        (&["diff", "/dev/zero", fifo], "/dev/zero"),
        (&["diff", huge, big], "larger than the limit of 8 MiB"),
    ];
    for (args, needle) in cases {
        let run = run_in(&dir, args, &[], Duration::from_secs(20));
        assert_usage_error(&run, &format!("{args:?}"), needle);
    }
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let run = run_with(
        &dir,
        &[
            "check",
            "127.0.0.1",
            "--port",
            &port,
            "--user",
            "u",
            "--password-stdin",
        ],
        &[],
        Duration::from_secs(20),
        Stdio::from(zero),
    );
    assert_usage_error(&run, "--password-stdin </dev/zero", "64 KiB");
    // A settings file symlinked to /dev/zero is an error naming it, not 1 GB read and skipped.
    std::os::unix::fs::symlink("/dev/zero", dir.join("application.properties")).unwrap();
    let run = run_in(&dir, &["preflight", "--json"], &[], Duration::from_secs(20));
    assert_usage_error(
        &run,
        "application.properties -> /dev/zero",
        "application.properties",
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn settings_with_a_latin1_byte_are_read_not_replaced_by_localhost() {
    // Regression: one Latin-1 byte made the file be skipped and localhost:25 tested.
    let port = closed_port();
    let dir = project("latin1");
    std::fs::create_dir_all(dir.join("shop")).unwrap();
    let mut py = b"# Configuraci\xf3n del correo\n".to_vec();
    py.extend(format!("EMAIL_HOST = '127.0.0.1'\nEMAIL_PORT = {port}\n").as_bytes());
    std::fs::write(dir.join("shop/settings.py"), py).unwrap();
    let run = run_in(
        &dir,
        &["preflight", "--json", "--no-project-code", "--timeout", "1"],
        &[],
        Duration::from_secs(20),
    );
    let v = json(&run);
    assert_eq!(v["configured"]["host"], "127.0.0.1", "{v}");
    assert_eq!(v["configured"]["port"], port);

    let dir2 = project("latin1-spring");
    std::fs::remove_file(dir2.join("manage.py")).unwrap();
    let mut props = b"# r\xe9glages\nspring.mail.host=127.0.0.1\n".to_vec();
    props.extend(format!("spring.mail.port={port}\nspring.mail.username=jos").as_bytes());
    props.extend(b"\xe9\n");
    std::fs::write(dir2.join("application.properties"), props).unwrap();
    let run = run_in(
        &dir2,
        &["preflight", "--json", "--timeout", "1"],
        &[("SMTP_DOCTOR_PASSWORD", "x")],
        Duration::from_secs(20),
    );
    let v = json(&run);
    assert_eq!(v["configured"]["host"], "127.0.0.1", "{v}");
    let user = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "spring.mail.username")
        .unwrap();
    assert_eq!(user["value"], "josé", "read as ISO-8859-1, as Java does");

    let run = run_in(
        &dir2,
        &["preflight", "--django", "/nonexistent/shop"],
        &[],
        Duration::from_secs(20),
    );
    assert_usage_error(&run, "--django /nonexistent", "/nonexistent/shop");
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&dir2).ok();
}

#[test]
fn without_a_virtualenv_python3_then_python_is_run_once() {
    let dir = project("path");
    std::fs::remove_dir_all(dir.join(".venv")).unwrap();
    let port = closed_port();
    let count = dir.join("count");
    // No python3 on this PATH: python, and only it, answers.
    let bin = dir.join("bin");
    script(
        &bin.join("python"),
        &format!(
            "echo python >> {}\n{}",
            count.display(),
            answer("127.0.0.1", port)
        ),
    );
    let path = bin.display().to_string();
    let run = run_in(
        &dir,
        &["preflight", "--json", "--timeout", "2"],
        &[("PATH", path.as_str())],
        Duration::from_secs(30),
    );
    let v = json(&run);
    // Once: the process that read the settings is the one that runs the application's own
    // client; never python3 after python, nor python again after one ran.
    assert_eq!(std::fs::read_to_string(&count).unwrap(), "python\n");
    assert_eq!(v["app_client"]["program"], "python", "{v}");
    assert_eq!(v["app_client"]["outcome"], "skipped", "{v}");
    assert_eq!(v["app_client"]["skip"]["kind"], "no_answer", "{v}");
    assert_eq!(v["runtime"]["run"]["program"], "python", "{v}");
    assert_eq!(v["runtime"]["run"]["outcome"]["kind"], "ok");
    assert_eq!(v["configured"]["port"], port);
    std::fs::remove_dir_all(&dir).ok();
}
