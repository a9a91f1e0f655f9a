//! Texts about the application's own client: its step line, its divergence findings and their
//! fixes, in English and Spanish. Every value shown here was escaped where it was taken in.

use super::Lang;
use crate::model::{
    AppClientKind, AppClientObservation, AppErrorKind, AppRuntime, AppStep, SkipReason,
    SkippedStep, StepSkip,
};

/// A message about the application's client.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AppMsg {
    /// Its runtime does not trust the chain smtp-doctor trusts.
    TrustStoreMissingCa {
        /// `Python 3.11.2 (/p/.venv/bin/python)`.
        who: String,
        /// Its trust store, as it said.
        store: String,
        /// How many roots it holds, when known.
        roots: Option<u32>,
    },
    /// The server refused the name the client announces in EHLO.
    EhloNameRefused {
        /// The name.
        name: String,
        /// The reply code, when known.
        code: Option<u16>,
    },
    /// The name the client announces in EHLO is not a valid host name (accepted this time).
    EhloNameInvalid {
        /// The name.
        name: String,
    },
    /// The runtime and the server share no TLS version.
    TlsVersion {
        /// The runtime.
        who: String,
        /// Its TLS library.
        library: String,
    },
    /// The runtime cannot connect where smtp-doctor can.
    ConnectionBlocked {
        /// The runtime.
        who: String,
        /// How it failed.
        kind: AppErrorKind,
    },
    /// The application's login is rejected where smtp-doctor's is accepted.
    LoginRejected {
        /// The reply code.
        code: Option<u16>,
    },
    /// The application's client fails in another way where smtp-doctor's probe works.
    ClientFailed {
        /// The runtime.
        who: String,
    },
    /// The application's client works where smtp-doctor's probe fails.
    ClientWorks {
        /// The runtime.
        who: String,
        /// Whether the client verifies certificates (`Some(false)`: it does not).
        verifies: Option<bool>,
    },
    /// Fix: make the runtime trust the CA.
    RecTrustStore {
        /// The runtime.
        runtime: AppRuntime,
    },
    /// Fix: announce a valid EHLO name.
    RecEhloName {
        /// The client.
        client: AppClientKind,
        /// A valid name to use.
        valid: String,
    },
    /// Fix: a TLS version both accept.
    RecTlsVersion,
    /// Fix: let the runtime's program through.
    RecAllowProgram {
        /// The program.
        program: String,
        /// The port.
        port: u16,
    },
    /// Fix: the application's real credentials.
    RecCheckAppCredentials,
    /// Fix: start from the application's error.
    RecReadAppError,
}

/// `Python 3.11.2 (/p/.venv/bin/python)`, or the runtime's name alone.
pub(crate) fn who(obs: &AppClientObservation) -> String {
    who_of(obs.runtime, obs.version.as_deref(), obs.program.as_deref())
}

/// The same, from its parts.
pub(crate) fn who_of(
    runtime: Option<AppRuntime>,
    version: Option<&str>,
    program: Option<&str>,
) -> String {
    let mut s = match runtime {
        Some(AppRuntime::Python) => "Python",
        Some(AppRuntime::Node) => "Node.js",
        None => "?",
    }
    .to_string();
    if let Some(v) = version {
        s.push(' ');
        s.push_str(v);
    }
    if let Some(p) = program {
        s.push_str(&format!(" ({p})"));
    }
    s
}

fn kind(lang: Lang, kind: AppErrorKind) -> &'static str {
    use AppErrorKind as K;
    match (kind, lang) {
        (K::Timeout, Lang::En) => "its connection times out",
        (K::Timeout, Lang::Es) => "su conexión agota el tiempo",
        (K::Refused, Lang::En) => "its connection is refused",
        (K::Refused, Lang::Es) => "su conexión es rechazada",
        (K::Unreachable, Lang::En) => "it has no route to the server",
        (K::Unreachable, Lang::Es) => "no tiene ruta al servidor",
        (K::Denied, Lang::En) => "this machine does not let it open the connection",
        (K::Denied, Lang::Es) => "esta máquina no le deja abrir la conexión",
        (K::Dns, Lang::En) => "it cannot resolve the server's name",
        (K::Dns, Lang::Es) => "no puede resolver el nombre del servidor",
        (_, Lang::En) => "it cannot connect",
        (_, Lang::Es) => "no puede conectarse",
    }
}

/// The text of `msg`.
pub(crate) fn message(lang: Lang, msg: &AppMsg) -> String {
    use AppMsg as M;
    use Lang::{En, Es};
    let roots = |r: &Option<u32>, lang: Lang| match (r, lang) {
        (Some(n), En) => format!(", {n} roots"),
        (Some(n), Es) => format!(", {n} raíces"),
        (None, _) => String::new(),
    };
    let code = |c: &Option<u16>| c.map(|c| format!(" ({c})")).unwrap_or_default();
    match (msg, lang) {
        (M::TrustStoreMissingCa { who, store, roots: r }, En) => format!("smtp-doctor's probe of the configured path works, but the application's own client does not: its runtime, {who}, does not trust the server's certificate. Its trust store ({store}{}) lacks the CA that smtp-doctor trusts (the system's store, or --ca-file).", roots(r, En)),
        (M::TrustStoreMissingCa { who, store, roots: r }, Es) => format!("La prueba de smtp-doctor de la ruta configurada funciona, pero el cliente propio de la aplicación no: su entorno, {who}, no confía en el certificado del servidor. Su almacén de confianza ({store}{}) no tiene la CA en la que smtp-doctor confía (la del sistema, o --ca-file).", roots(r, Es)),
        (M::EhloNameRefused { name, code: c }, En) => format!("The server refuses the name the application's client announces in EHLO{}: \"{name}\". smtp-doctor announces a valid name and is accepted; the application is not. A host name may hold only letters, digits, hyphens and dots (no underscore or space).", code(c)),
        (M::EhloNameRefused { name, code: c }, Es) => format!("El servidor rechaza el nombre que el cliente de la aplicación anuncia en EHLO{}: \"{name}\". smtp-doctor anuncia un nombre válido y es aceptado; la aplicación no. Un nombre de host solo puede tener letras, dígitos, guiones y puntos (ni guion bajo ni espacios).", code(c)),
        (M::EhloNameInvalid { name }, En) => format!("The application's client announces \"{name}\" in EHLO, which is not a valid host name: this server accepted it, but stricter ones (and Gmail at times) refuse it."),
        (M::EhloNameInvalid { name }, Es) => format!("El cliente de la aplicación anuncia \"{name}\" en EHLO, que no es un nombre de host válido: este servidor lo aceptó, pero otros más estrictos (y Gmail a veces) lo rechazan."),
        (M::TlsVersion { who, library }, En) => format!("smtp-doctor negotiates TLS with the server, but the application's runtime, {who} with {library}, shares no TLS version with it: one of them is too old for the other."),
        (M::TlsVersion { who, library }, Es) => format!("smtp-doctor negocia TLS con el servidor, pero el entorno de la aplicación, {who} con {library}, no comparte ninguna versión de TLS con él: uno de los dos es demasiado antiguo para el otro."),
        (M::ConnectionBlocked { who, kind: k }, En) => format!("smtp-doctor reaches the server from this machine, but the application's runtime, {who}, does not: {}. Something treats that program differently: a firewall or antivirus rule per program (a mail shield), or a proxy or resolver in its environment.", kind(En, *k)),
        (M::ConnectionBlocked { who, kind: k }, Es) => format!("smtp-doctor llega al servidor desde esta máquina, pero el entorno de la aplicación, {who}, no: {}. Algo trata a ese programa de otro modo: una regla de firewall o antivirus por programa (un escudo de correo), o un proxy o resolvedor en su entorno.", kind(Es, *k)),
        (M::LoginRejected { code: c }, En) => format!("smtp-doctor's login with the settings it read is accepted, but the application's own login is rejected{}: the credentials the application really uses are not the ones smtp-doctor read.", code(c)),
        (M::LoginRejected { code: c }, Es) => format!("El inicio de sesión de smtp-doctor con los ajustes que leyó es aceptado, pero el de la aplicación es rechazado{}: las credenciales que la aplicación usa de verdad no son las que leyó smtp-doctor.", code(c)),
        (M::ClientFailed { who }, En) => format!("smtp-doctor's probe of the configured path works, but the application's own client, in {who}, fails (see the evidence): the difference is in the application's runtime."),
        (M::ClientFailed { who }, Es) => format!("La prueba de smtp-doctor de la ruta configurada funciona, pero el cliente propio de la aplicación, en {who}, falla (vea la evidencia): la diferencia está en el entorno de la aplicación."),
        (M::ClientWorks { who, verifies }, En) => format!("The application's own client, in {who}, works where smtp-doctor's probe does not: the configured path works for the application, and the finding above comes from how smtp-doctor's own client differs.{}", if *verifies == Some(false) { " The application's client does not verify the server's certificate: it would also send the password to whoever answers in the server's place." } else { "" }),
        (M::ClientWorks { who, verifies }, Es) => format!("El cliente propio de la aplicación, en {who}, funciona donde la prueba de smtp-doctor no: la ruta configurada funciona para la aplicación, y el hallazgo anterior viene de cómo difiere el cliente de smtp-doctor.{}", if *verifies == Some(false) { " El cliente de la aplicación no verifica el certificado del servidor: también enviaría la contraseña a quien responda en lugar del servidor." } else { "" }),
        (M::RecTrustStore { runtime: AppRuntime::Python }, En) => "Make the application's Python trust the system's store: install truststore into its environment and call it where the application starts (settings.py, manage.py or the app factory). On a python.org build for macOS, running \"Install Certificates.command\" in its folder installs a CA bundle instead. For a private CA, point SSL_CERT_FILE at a bundle that holds it.".into(),
        (M::RecTrustStore { runtime: AppRuntime::Python }, Es) => "Haga que el Python de la aplicación confíe en el almacén del sistema: instale truststore en su entorno y llámelo donde arranca la aplicación (settings.py, manage.py o la fábrica de la app). En un Python de python.org para macOS, ejecutar \"Install Certificates.command\" en su carpeta instala un paquete de CA. Para una CA privada, apunte SSL_CERT_FILE a un paquete que la contenga.".into(),
        (M::RecTrustStore { runtime: AppRuntime::Node }, En) => "Make the application's Node.js trust the CA: set NODE_EXTRA_CA_CERTS to a PEM file that holds it before the application starts (Node.js 22.15 and 23.8 or later can use the system's store with --use-system-ca).".into(),
        (M::RecTrustStore { runtime: AppRuntime::Node }, Es) => "Haga que el Node.js de la aplicación confíe en la CA: defina NODE_EXTRA_CA_CERTS con un archivo PEM que la contenga antes de arrancar la aplicación (Node.js 22.15 y 23.8 o posteriores pueden usar el almacén del sistema con --use-system-ca).".into(),
        (M::RecEhloName { client: AppClientKind::Django, valid }, En) => format!("Announce a valid name: give this machine a host name without underscores or spaces (e.g. {valid}), or set Django's EHLO name in settings.py."),
        (M::RecEhloName { client: AppClientKind::Django, valid }, Es) => format!("Anuncie un nombre válido: dé a esta máquina un nombre de host sin guiones bajos ni espacios (p. ej. {valid}), o fije el nombre EHLO de Django en settings.py."),
        (M::RecEhloName { client: AppClientKind::Smtplib, valid }, En) => format!("Announce a valid name: give this machine a host name without underscores or spaces (e.g. {valid}); code that builds smtplib.SMTP itself can pass local_hostname."),
        (M::RecEhloName { client: AppClientKind::Smtplib, valid }, Es) => format!("Anuncie un nombre válido: dé a esta máquina un nombre de host sin guiones bajos ni espacios (p. ej. {valid}); el código que crea smtplib.SMTP puede pasar local_hostname."),
        (M::RecEhloName { client: AppClientKind::Nodemailer, valid }, En) => format!("Announce a valid name: set the transport's name option (e.g. {valid}), or give this machine a valid host name."),
        (M::RecEhloName { client: AppClientKind::Nodemailer, valid }, Es) => format!("Anuncie un nombre válido: fije la opción name del transporte (p. ej. {valid}), o dé a esta máquina un nombre de host válido."),
        (M::RecTlsVersion, En) => "Upgrade the application's runtime (its TLS library), or, when the server is the old one, ask its administrator to enable TLS 1.2 or later.".into(),
        (M::RecTlsVersion, Es) => "Actualice el entorno de la aplicación (su biblioteca TLS) o, si el antiguo es el servidor, pida a su administrador que active TLS 1.2 o posterior.".into(),
        (M::RecAllowProgram { program, port }, En) => format!("Let the application's program ({program}) connect out on TCP {port} in the firewall or antivirus (its mail shield), or remove the proxy variables from its environment."),
        (M::RecAllowProgram { program, port }, Es) => format!("Permita que el programa de la aplicación ({program}) se conecte por TCP {port} en el firewall o el antivirus (su escudo de correo), o quite las variables de proxy de su entorno."),
        (M::RecCheckAppCredentials, En) => "Check the user and password the application really uses (another settings file, an environment variable where it runs, a stale value) and correct them.".into(),
        (M::RecCheckAppCredentials, Es) => "Revise el usuario y la contraseña que la aplicación usa de verdad (otro archivo de ajustes, una variable de entorno donde se ejecuta, un valor antiguo) y corríjalos.".into(),
        (M::RecReadAppError, En) => "Start from the application's own error (the evidence); smtp-doctor explain classifies it.".into(),
        (M::RecReadAppError, Es) => "Parta del error de la propia aplicación (la evidencia); smtp-doctor explain lo clasifica.".into(),
    }
}

/// What the report's line for the application's client is made of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepLine<'a> {
    /// The client.
    pub client: Option<AppClientKind>,
    /// Its runtime, as [`who_of`] says it.
    pub who: &'a str,
    /// Its TLS library.
    pub tls_library: Option<&'a str>,
    /// Its EHLO name.
    pub ehlo_name: Option<&'a str>,
    /// How it ended.
    pub outcome: crate::model::AppOutcome,
    /// Why it was skipped, as [`skipped`] says it.
    pub reason: Option<&'a str>,
    /// The steps it did not run, as [`skipped_step`] says each.
    pub skipped: &'a [String],
}

/// The report's line for the application's client.
pub(crate) fn step(lang: Lang, line: &StepLine) -> String {
    use crate::model::AppOutcome;
    let label = match lang {
        Lang::En => "The application's own client",
        Lang::Es => "El cliente propio de la aplicación",
    };
    let client = match line.client {
        Some(AppClientKind::Django) => "Django get_connection()",
        Some(AppClientKind::Smtplib) => "smtplib (Flask-Mail)",
        Some(AppClientKind::Nodemailer) => "nodemailer verify()",
        None => "—",
    };
    let tls = line
        .tls_library
        .map(|t| format!(", {t}"))
        .unwrap_or_default();
    let ehlo = line
        .ehlo_name
        .map(|n| format!(", EHLO {n}"))
        .unwrap_or_default();
    let who = line.who;
    let reason = line.reason.unwrap_or("");
    let notes = line.skipped.join("; ");
    let rest = match (line.outcome, lang) {
        (AppOutcome::Ok, Lang::En) if !notes.is_empty() => {
            format!("{client} in {who}{tls}{ehlo}: works as far as it ran; {notes}")
        }
        (AppOutcome::Ok, Lang::Es) if !notes.is_empty() => {
            format!("{client} en {who}{tls}{ehlo}: funciona hasta donde llegó; {notes}")
        }
        (AppOutcome::Ok, Lang::En) => format!("{client} in {who}{tls}{ehlo}: works"),
        (AppOutcome::Ok, Lang::Es) => format!("{client} en {who}{tls}{ehlo}: funciona"),
        (AppOutcome::Failed, Lang::En) => format!("{client} in {who}{tls}{ehlo}: fails"),
        (AppOutcome::Failed, Lang::Es) => format!("{client} en {who}{tls}{ehlo}: falla"),
        (AppOutcome::Skipped, Lang::En) => format!("skipped, because {reason}"),
        (AppOutcome::Skipped, Lang::Es) => format!("omitido, porque {reason}"),
    };
    format!("{label}: {rest}")
}

/// The line of the client's timings (`-v`): start-up, then each step.
pub(crate) fn timings(lang: Lang, t: &crate::model::AppTimings) -> String {
    use crate::model::TimedStep as T;
    let mut parts = Vec::new();
    if let Some(ms) = t.startup_ms {
        let word = match lang {
            Lang::En => "start-up",
            Lang::Es => "arranque",
        };
        parts.push(format!("{word} {ms:.0} ms"));
    }
    for s in &t.steps {
        let word = match (s.step, lang) {
            (T::Connect, Lang::En) => "connect",
            (T::Connect, Lang::Es) => "conexión",
            (T::Tls, _) => "TLS",
            (T::VerdictWait, Lang::En) => "wait for the probe's verdict",
            (T::VerdictWait, Lang::Es) => "espera al veredicto de la sonda",
            (T::Login, Lang::En) => "login",
            (T::Login, Lang::Es) => "inicio de sesión",
            (T::Send, Lang::En) => "message",
            (T::Send, Lang::Es) => "mensaje",
        };
        parts.push(format!("{word} {:.0} ms", s.ms));
    }
    let label = match lang {
        Lang::En => "Timings",
        Lang::Es => "Tiempos",
    };
    format!("{label}: {}", parts.join(", "))
}

/// The label before the paths the application's client ran.
pub(crate) fn ran_label(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Ran",
        Lang::Es => "Ejecutó",
    }
}

/// A step the client did not run, and why, as a clause.
pub(crate) fn skipped_step(lang: Lang, s: &SkippedStep) -> String {
    use StepSkip as K;
    let step = match (s.step, lang) {
        (AppStep::Login, Lang::En) => "its login was not run",
        (AppStep::Login, Lang::Es) => "su inicio de sesión no se ejecutó",
        (AppStep::Send, Lang::En) => "its test message was not sent",
        (AppStep::Send, Lang::Es) => "su mensaje de prueba no se envió",
    };
    let why = match (s.kind, lang) {
        (K::NotEncrypted, Lang::En) => "the connection is not encrypted, and smtp-doctor lets the application's client send the password only over TLS its own probe verified (or with --insecure-auth)",
        (K::NotEncrypted, Lang::Es) => "la conexión no está cifrada, y smtp-doctor solo deja que el cliente de la aplicación envíe la contraseña por un TLS que su propia prueba verificó (o con --insecure-auth)",
        (K::NotVerified, Lang::En) => "smtp-doctor's own probe did not verify TLS for this host and port, so the password would go to a server nobody verified (--insecure-auth to send it anyway)",
        (K::NotVerified, Lang::Es) => "la propia prueba de smtp-doctor no verificó TLS para este host y puerto, así que la contraseña iría a un servidor que nadie verificó (--insecure-auth para enviarla de todos modos)",
        (K::OtherCertificate, Lang::En) => "the server showed the application's client another certificate than the one smtp-doctor's probe verified for this host and port",
        (K::OtherCertificate, Lang::Es) => "el servidor mostró al cliente de la aplicación otro certificado que el que la prueba de smtp-doctor verificó para este host y puerto",
        (K::OtherServer, Lang::En) => "the application's client connected to another host or port than the one smtp-doctor's probe tested",
        (K::OtherServer, Lang::Es) => "el cliente de la aplicación se conectó a otro host o puerto que el que probó smtp-doctor",
        (K::NoVerdict, Lang::En) => "smtp-doctor's probe had not finished in time to say whether TLS verified",
        (K::NoVerdict, Lang::Es) => "la prueba de smtp-doctor no terminó a tiempo para decir si TLS se verificó",
        (K::NoPassword, Lang::En) => "there is no password: the application's settings hold none (it reads it where it runs) and none was given to smtp-doctor (SMTP_DOCTOR_PASSWORD or --password-stdin)",
        (K::NoPassword, Lang::Es) => "no hay contraseña: los ajustes de la aplicación no tienen ninguna (la lee donde se ejecuta) y no se le dio ninguna a smtp-doctor (SMTP_DOCTOR_PASSWORD o --password-stdin)",
        (K::LoginSkipped, Lang::En) => "the login before it was not run",
        (K::LoginSkipped, Lang::Es) => "el inicio de sesión previo no se ejecutó",
        (K::NotGated, Lang::En) => "smtp-doctor could not put its check before the login in place in the application's mail library (its files are not where smtp-doctor looks for them, or its login cannot be wrapped), so the client was never given the password",
        (K::NotGated, Lang::Es) => "smtp-doctor no pudo poner su comprobación previa al inicio de sesión en la biblioteca de correo de la aplicación (sus archivos no están donde smtp-doctor los busca, o su inicio de sesión no se puede envolver), así que el cliente nunca recibió la contraseña",
    };
    format!("{step}: {why}")
}

/// Why the client was not run, as a clause.
pub(crate) fn skipped(lang: Lang, reason: &SkipReason) -> String {
    use SkipReason as R;
    match (reason, lang) {
        (R::Disabled, Lang::En) => "--no-app-client was given".into(),
        (R::Disabled, Lang::Es) => "se indicó --no-app-client".into(),
        (R::ProjectCodeOff, Lang::En) => "--no-project-code was given".into(),
        (R::ProjectCodeOff, Lang::Es) => "se indicó --no-project-code".into(),
        (R::NoClientFor { framework }, Lang::En) => {
            format!("smtp-doctor cannot run {framework}'s client yet")
        }
        (R::NoClientFor { framework }, Lang::Es) => {
            format!("smtp-doctor aún no sabe ejecutar el cliente de {framework}")
        }
        (R::RuntimeMissing { program }, Lang::En) => {
            format!("{program} is not installed (or not on PATH)")
        }
        (R::RuntimeMissing { program }, Lang::Es) => {
            format!("{program} no está instalado (o no está en el PATH)")
        }
        (R::LibraryMissing { library }, Lang::En) => {
            format!("{library} is not installed in the project")
        }
        (R::LibraryMissing { library }, Lang::Es) => {
            format!("{library} no está instalado en el proyecto")
        }
        (R::NoProject, Lang::En) => "there is no Django project (manage.py) here".into(),
        (R::NoProject, Lang::Es) => "aquí no hay un proyecto Django (manage.py)".into(),
        (R::SettingsUnreadable, Lang::En) => {
            "the project's Python could not load its Django settings".into()
        }
        (R::SettingsUnreadable, Lang::Es) => {
            "el Python del proyecto no pudo cargar sus ajustes de Django".into()
        }
        (R::SettingsConflict, Lang::En) => {
            "the settings ask for STARTTLS and implicit TLS at once".into()
        }
        (R::SettingsConflict, Lang::Es) => {
            "los ajustes piden STARTTLS y TLS implícito a la vez".into()
        }
        (R::NotSmtpBackend { backend }, Lang::En) => {
            format!("the mail backend is {backend}, which does not send over SMTP")
        }
        (R::NotSmtpBackend { backend }, Lang::Es) => {
            format!("el backend de correo es {backend}, que no envía por SMTP")
        }
        (R::NoAnswer { run }, Lang::En) => {
            format!("the client gave no answer ({})", run_status(Lang::En, run))
        }
        (R::NoAnswer { run }, Lang::Es) => {
            format!("el cliente no respondió ({})", run_status(Lang::Es, run))
        }
        (R::NotWaited { after_ms }, Lang::En) => format!(
            "not waited for: the configured port did not connect for smtp-doctor's probe, so the client could only add a warning, and it had not answered {:.1} s after the probe ended",
            *after_ms as f64 / 1000.0
        ),
        (R::NotWaited { after_ms }, Lang::Es) => format!(
            "no se esperó: el puerto configurado no conectó para la sonda de smtp-doctor, así que el cliente solo podía añadir un aviso, y no había respondido {:.1} s después de que la sonda terminara",
            *after_ms as f64 / 1000.0
        ),
    }
}

fn run_status(lang: Lang, run: &crate::runner::RunStatus) -> String {
    use crate::runner::RunStatus as S;
    match (run, lang) {
        (S::TimedOut { after_ms }, Lang::En) => {
            format!("killed at the {:.1} s limit", *after_ms as f64 / 1000.0)
        }
        (S::TimedOut { after_ms }, Lang::Es) => format!(
            "terminado en el límite de {:.1} s",
            *after_ms as f64 / 1000.0
        ),
        (S::Failed { code: Some(c), .. }, Lang::En) => format!("exit status {c}"),
        (S::Failed { code: Some(c), .. }, Lang::Es) => format!("código de salida {c}"),
        (S::Failed { code: None, .. }, Lang::En) => "killed by a signal".into(),
        (S::Failed { code: None, .. }, Lang::Es) => "terminado por una señal".into(),
        (S::SpawnFailed { why }, Lang::En) => format!("could not start: {why}"),
        (S::SpawnFailed { why }, Lang::Es) => format!("no pudo arrancar: {why}"),
        (_, Lang::En) => "its output could not be read".into(),
        (_, Lang::Es) => "no se pudo leer su salida".into(),
    }
}
