//! Starting the `smtp-doctor` binary from a test: one place that knows its path and what
//! every run needs around it.
//!
//! The binary recognises the machine it runs on (a container, WSL, a cloud VM, its security
//! products) and says so in its findings, so a test run on a laptop and on a CI runner would
//! see different reports. [`smtp_doctor`] starts it on a plain machine: the detection reads a
//! root that does not exist, and no Kubernetes variable. (No test needs the real machine
//! today; one that does would say so in its name and start the binary without this.)

use std::process::Command;

/// The variable that stands for `/` in the binary's machine detection (its files and the
/// security fixture `smtp-doctor-security.json`).
pub const MACHINE_ROOT: &str = "SMTP_DOCTOR_TEST_ROOT";

/// A root where nothing exists: no container, WSL, cloud VM or security product is
/// recognised there.
pub const NO_MACHINE: &str = "/nonexistent-smtp-doctor-test-root";

/// The path of the binary cargo built for these tests.
pub fn path() -> &'static str {
    // option_env, not env: a test crate built without the `cli` feature has no binary, and
    // only the tests that start it should fail for that.
    match option_env!("CARGO_BIN_EXE_smtp-doctor") {
        Some(path) => path,
        None => panic!("the smtp-doctor binary is built with the `cli` feature (a default one)"),
    }
}

/// Makes `cmd` (the binary, or a shell that `exec`s it) run on a plain machine.
pub fn on_a_plain_machine(cmd: &mut Command) -> &mut Command {
    cmd.env(MACHINE_ROOT, NO_MACHINE)
        .env_remove("KUBERNETES_SERVICE_HOST")
}

/// The binary, to run on a plain machine; the rest of the environment is the test's.
pub fn smtp_doctor() -> Command {
    let mut cmd = Command::new(path());
    on_a_plain_machine(&mut cmd);
    cmd
}

/// The binary with an empty environment but for the plain machine: a test adds the
/// variables it means the binary to see.
pub fn smtp_doctor_in_an_empty_environment() -> Command {
    let mut cmd = Command::new(path());
    cmd.env_clear();
    on_a_plain_machine(&mut cmd);
    cmd
}
