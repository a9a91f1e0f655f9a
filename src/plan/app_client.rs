//! The application's own client, as preflight will run it beside smtp-doctor's probe.

use super::{Secret, SendPlan};
use crate::model::{AppClientKind, Security, SkipReason};
use std::path::PathBuf;
use std::time::Duration;

/// Run the application's client, or say why not.
#[derive(Debug, Clone)]
pub enum AppClientStep {
    /// Run it.
    Run(Box<AppClientPlan>),
    /// Do not: the report says why.
    Skip(Option<AppClientKind>, SkipReason),
}

/// How to run the application's client.
#[derive(Debug, Clone)]
pub struct AppClientPlan {
    /// Which client.
    pub client: AppClientKind,
    /// The interpreters to try, in order (the next only when one does not exist).
    pub programs: Vec<PathBuf>,
    /// The project folder (the child's working directory).
    pub dir: PathBuf,
    /// The server, as the application's settings name it (Django reads its own).
    pub host: String,
    /// The port.
    pub port: u16,
    /// The TLS mode.
    pub security: Security,
    /// The application's own timeout, in seconds, when it sets one.
    pub timeout: Option<f64>,
    /// The login user.
    pub user: Option<String>,
    /// The password for the client's login: it reaches the child's environment only. For
    /// smtplib and nodemailer the application's own, else the one given to smtp-doctor; for
    /// Django the one given to smtp-doctor, used only when Django's settings hold none.
    pub password: Option<Secret>,
    /// Every secret smtp-doctor knows in this run (the application's password, the one given
    /// to smtp-doctor): masked in whatever the child reports, in every encoding a client sends.
    pub mask: Vec<Secret>,
    /// `--insecure-auth`: the client may log in without the TLS smtp-doctor's probe verified.
    pub insecure_auth: bool,
    /// Send a test message through the client, when set.
    pub send: Option<SendPlan>,
    /// How long a connect is waited for inside the child.
    pub connect_wait: Duration,
    /// The shortest the child's connect wait may get when it ends with the probe's own wait
    /// instead of running its full length after the runtime's start-up; equal to
    /// `connect_wait` when the user set the timeout (then the wait is never shortened).
    pub connect_floor: Duration,
    /// How long each later step is waited for inside the child.
    pub step: Duration,
    /// The whole run's limit, after which the child is killed.
    pub limit: Duration,
    /// Django: the project's Python that read the settings, waiting to run the client (it is
    /// not started again).
    pub session: Option<std::sync::Arc<crate::runner::Session>>,
}
