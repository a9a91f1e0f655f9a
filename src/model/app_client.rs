//! The application's own SMTP client, run by preflight beside smtp-doctor's probe: what its
//! runtime is and how its attempt ended. Every string here came from the child process (its
//! runtime or the server through it) and is escaped and bounded where it is taken in.

use serde::{Deserialize, Serialize};

/// Which client ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppClientKind {
    /// Django's `get_connection()` with the project's own settings, in the project's Python.
    Django,
    /// Python's `smtplib`, the way Flask-Mail uses it.
    Smtplib,
    /// `nodemailer` from the project's `node_modules`, `transporter.verify()`.
    Nodemailer,
}

impl AppClientKind {
    /// The runtime it runs in.
    pub fn runtime(self) -> AppRuntime {
        match self {
            AppClientKind::Django | AppClientKind::Smtplib => AppRuntime::Python,
            AppClientKind::Nodemailer => AppRuntime::Node,
        }
    }
}

/// A language runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppRuntime {
    /// CPython (or another Python).
    Python,
    /// Node.js.
    Node,
}

/// How the attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppOutcome {
    /// It connected (and logged in and sent, when asked) and closed cleanly.
    Ok,
    /// It raised an error.
    Failed,
    /// It was not run (see the reason).
    Skipped,
}

impl AppOutcome {
    /// The JSON spelling: `ok`, `failed`, `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            AppOutcome::Ok => "ok",
            AppOutcome::Failed => "failed",
            AppOutcome::Skipped => "skipped",
        }
    }
}

/// Why the application's client was not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SkipReason {
    /// `--no-app-client`.
    Disabled,
    /// `--no-project-code`: the project's runtime is not run at all.
    ProjectCodeOff,
    /// No client of this framework's runtime is known to smtp-doctor yet.
    NoClientFor {
        /// The framework's name (as `--framework` spells it).
        framework: String,
    },
    /// The runtime is not installed (or not on `PATH`).
    RuntimeMissing {
        /// The program looked for.
        program: String,
    },
    /// The runtime is there but the client library is not installed in the project.
    LibraryMissing {
        /// The library.
        library: String,
    },
    /// No Django project (`manage.py`) here to run the client in.
    NoProject,
    /// Django's settings could not be loaded by the project's Python (its settings run failed).
    SettingsUnreadable,
    /// The application's settings cannot describe a connection (both TLS flags set).
    SettingsConflict,
    /// The application's mail backend does not send over SMTP (console, file, locmem…).
    NotSmtpBackend {
        /// The backend's class.
        backend: String,
    },
    /// The child ran but said nothing smtp-doctor could read (crashed, killed, timed out).
    NoAnswer {
        /// How the run ended.
        run: crate::runner::RunStatus,
    },
    /// Not waited for: smtp-doctor's probe found the configured path closed at TCP, so the
    /// client could only add a warning, and it had not answered `after_ms` after the probe
    /// ended (it was stopped with everything it started).
    NotWaited {
        /// How long it was waited for after the probe ended, in milliseconds.
        after_ms: u64,
    },
}

/// A step of the application's client whose duration is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimedStep {
    /// The TCP connect (every address of the name at once).
    Connect,
    /// A TLS handshake (implicit TLS, or after STARTTLS).
    Tls,
    /// The wait for smtp-doctor's answer before the login (its probe's verdict).
    VerdictWait,
    /// The login.
    Login,
    /// The test message.
    Send,
}

/// How long one step took.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepTiming {
    /// The step.
    pub step: TimedStep,
    /// Its duration, in milliseconds.
    pub ms: f64,
}

/// Where the application's client spent its time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppTimings {
    /// From starting the runtime to the client's first call (the interpreter, the project's
    /// imports: Django's set-up, nodemailer's loading), plus its exit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_ms: Option<f64>,
    /// Each timed step, in the order the client took them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepTiming>,
}

impl AppTimings {
    /// Nothing timed.
    pub fn is_empty(&self) -> bool {
        self.startup_ms.is_none() && self.steps.is_empty()
    }
}

/// A step of the application's client that smtp-doctor may not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStep {
    /// The login (AUTH).
    Login,
    /// The test message (`--send-to`).
    Send,
}

/// Why a step of the application's client was not run: a note, never the application failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepSkip {
    /// The client's connection is not encrypted (and `--insecure-auth` was not given).
    NotEncrypted,
    /// smtp-doctor's own probe did not verify TLS for this host and port.
    NotVerified,
    /// The server showed the client another certificate than the one smtp-doctor's probe
    /// verified for this host and port.
    OtherCertificate,
    /// The client connected to another host or port than the one smtp-doctor's probe tested.
    OtherServer,
    /// smtp-doctor's probe had not finished in time to say.
    NoVerdict,
    /// No password: the application's settings hold none and none was given to smtp-doctor
    /// (the application would read it where it runs).
    NoPassword,
    /// The login before it was not run.
    LoginSkipped,
    /// smtp-doctor could not put its check before the client's login in place (the library's
    /// files are not where it looks, or its login cannot be wrapped), so the client was never
    /// given the password.
    NotGated,
}

/// A step not run, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SkippedStep {
    /// The step.
    pub step: AppStep,
    /// Why.
    pub kind: StepSkip,
}

/// What kind of error the client raised, as smtp-doctor classified it from the facts the
/// child reported (Python's exception classes, `ssl` verify codes; nodemailer's `code`,
/// `responseCode` and the TLS error code), never from its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppErrorKind {
    /// The name did not resolve.
    Dns,
    /// The connection timed out.
    Timeout,
    /// The connection was refused.
    Refused,
    /// No route to the host.
    Unreachable,
    /// This machine refused to open the connection.
    Denied,
    /// Connected, but no greeting came (or the connection closed before one).
    NoGreeting,
    /// The server closed the connection.
    Disconnected,
    /// The greeting was a 4xx/5xx.
    GreetingRejected,
    /// EHLO and HELO were rejected.
    EhloRejected,
    /// The chain does not lead to a root the runtime trusts.
    CertUntrusted,
    /// The certificate is expired or not yet valid.
    CertExpired,
    /// The certificate is not valid for the host name.
    CertNameMismatch,
    /// The runtime and the server share no TLS version.
    TlsVersion,
    /// A TLS record where plain text was expected, or the reverse ("wrong version number").
    WrongVersionNumber,
    /// Another TLS failure.
    TlsFailed,
    /// STARTTLS or AUTH is not offered.
    NotSupported,
    /// The login was rejected.
    AuthRejected,
    /// The sender was refused.
    SenderRejected,
    /// The recipient was refused.
    RecipientRejected,
    /// The message was refused after DATA.
    DataRejected,
    /// The framework refused its own settings (e.g. both TLS flags).
    Config,
    /// Anything else.
    #[serde(other)]
    Other,
}

/// The error the client raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    /// Its kind.
    pub kind: AppErrorKind,
    /// The exception's type (`ssl.SSLCertVerificationError`, `Error ESOCKET`…).
    pub error_type: String,
    /// Its message.
    pub message: String,
    /// The SMTP reply code, when the server's reply is what failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_code: Option<u16>,
    /// Where in the dialogue it happened (`connect`, `ehlo`, `starttls`, `login`, `send`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// The application's client's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppClientObservation {
    /// The client, when one was chosen.
    pub client: Option<AppClientKind>,
    /// Its runtime.
    pub runtime: Option<AppRuntime>,
    /// The interpreter, by path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// The runtime's version (`3.11.2`, `20.20.2`).
    pub version: Option<String>,
    /// The TLS library the runtime uses (`OpenSSL 3.0.11 19 Sep 2023`).
    pub tls_library: Option<String>,
    /// The client library's version (Django's, nodemailer's), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library_version: Option<String>,
    /// The name the client announced in EHLO (or would announce).
    pub ehlo_name: Option<String>,
    /// Where the runtime looks for trusted roots (files, folders, or its bundled set).
    #[serde(default)]
    pub trust_store: Vec<String>,
    /// How many roots its default trust file holds, when it could say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_roots: Option<u32>,
    /// Whether the client verifies the server's certificate at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifies_certificates: Option<bool>,
    /// The lowest TLS version it allows (`TLSv1.2`).
    pub tls_minimum: Option<String>,
    /// Proxy variables set in its environment (names only).
    #[serde(default)]
    pub proxies: Vec<String>,
    /// How it ended.
    pub outcome: AppOutcome,
    /// The error, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<AppError>,
    /// Why it was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SkipReason>,
    /// Steps it did not run (it stopped before them), with why: notes, not failures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_steps: Vec<SkippedStep>,
    /// Every program and library path it ran (the interpreter, the entry script, each package
    /// it loaded from outside the runtime's standard library), escaped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ran: Vec<String>,
    /// How long it took, in milliseconds.
    pub ms: f64,
    /// Where its time went: start-up and each step.
    #[serde(default, skip_serializing_if = "AppTimings::is_empty")]
    pub timings: AppTimings,
}

impl AppClientObservation {
    /// A client that was not run.
    pub fn skipped(client: Option<AppClientKind>, reason: SkipReason) -> AppClientObservation {
        AppClientObservation {
            client,
            runtime: client.map(AppClientKind::runtime),
            program: None,
            version: None,
            tls_library: None,
            library_version: None,
            ehlo_name: None,
            trust_store: Vec::new(),
            trusted_roots: None,
            verifies_certificates: None,
            tls_minimum: None,
            proxies: Vec::new(),
            outcome: AppOutcome::Skipped,
            error: None,
            reason: Some(reason),
            skipped_steps: Vec::new(),
            ran: Vec::new(),
            ms: 0.0,
            timings: AppTimings::default(),
        }
    }
}
