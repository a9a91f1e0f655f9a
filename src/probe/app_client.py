# smtp-doctor's app-client probe (Python). Run by smtp-doctor as
#   python manage.py shell -c <this>   (Django: get_connection() with the project's settings)
#   python -c <this>                   (smtplib, the way Flask-Mail uses it)
# Everything it needs comes from SMTP_DOCTOR_APP_* environment variables, which it removes
# from its environment first; it prints one marked JSON line and never the password.
import json
import os
import socket
import ssl
import sys
import time

MARK = "SMTP_DOCTOR_APP_JSON"
E = os.environ
ARGS = {k: E.pop(k) for k in list(E) if k.startswith("SMTP_DOCTOR_APP_")}
MODE = ARGS.get("SMTP_DOCTOR_APP_MODE", "smtplib")
PASSWORD = ARGS.get("SMTP_DOCTOR_APP_PASSWORD")
CONNECT = float(ARGS.get("SMTP_DOCTOR_APP_CONNECT", "3"))
STEP = float(ARGS.get("SMTP_DOCTOR_APP_STEP", "5"))
out = {"outcome": "failed"}
state = {"stage": "connect", "ehlo": None, "code": None}


def hide(text):
    text = str(text)
    if PASSWORD:
        text = text.replace(PASSWORD, "****")
    return text[:2000]


def runtime():
    out["version"] = sys.version.split()[0]
    out["program"] = sys.executable
    out["tls_library"] = ssl.OPENSSL_VERSION
    paths = ssl.get_default_verify_paths()
    store = []
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        if E.get(name):
            store.append(name + "=" + E[name])
    for p in (paths.cafile, paths.capath):
        if p and p not in (E.get("SSL_CERT_FILE"), E.get("SSL_CERT_DIR")):
            store.append(p)
    if not store:
        store.append(paths.openssl_cafile)
    out["trust_store"] = store
    try:
        ctx = ssl.create_default_context()
        out["trusted_roots"] = ctx.cert_store_stats().get("x509_ca")
        v = ctx.minimum_version
        out["tls_minimum"] = None if v == ssl.TLSVersion.MINIMUM_SUPPORTED else v.name.replace("_", ".")
    except Exception:
        pass
    out["proxies"] = sorted(k for k in E if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"))


def watch():
    """Records the stage and the EHLO name the client really sends; changes nothing."""
    import smtplib

    def wrap(name, stage):
        orig = getattr(smtplib.SMTP, name)

        def inner(self, *a, **k):
            outer = state["stage"]
            state["stage"] = stage
            if stage == "ehlo":
                state["ehlo"] = (a[0] if a else k.get("name")) or self.local_hostname or socket.getfqdn()
            answer = orig(self, *a, **k)
            if stage == "ehlo" and outer in ("starttls", "login", "send"):
                # The EHLO that login(), starttls() and sendmail() send first: back to theirs.
                state["stage"] = outer
            return answer

        setattr(smtplib.SMTP, name, inner)

    for name, stage in (("connect", "connect"), ("ehlo", "ehlo"), ("helo", "ehlo"), ("starttls", "starttls"),
                        ("login", "login"), ("sendmail", "send")):
        wrap(name, stage)
    orig_cc = socket.create_connection

    def create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, *a, **k):
        # Bounded like smtp-doctor's own connect, then each read like its steps.
        t = CONNECT if timeout in (None, socket._GLOBAL_DEFAULT_TIMEOUT) else min(timeout, CONNECT)
        s = orig_cc(address, t, *a, **k)
        s.settimeout(STEP if timeout in (None, socket._GLOBAL_DEFAULT_TIMEOUT) else min(timeout, STEP))
        state["stage"] = "greeting"
        return s

    socket.create_connection = create_connection
    return smtplib


# Windows socket errors that Python leaves without an errno it maps.
WINSOCK = {10060: "timeout", 10061: "refused", 10051: "unreachable", 10065: "unreachable", 10013: "denied"}


def kind_of(e, smtplib):
    import errno

    if isinstance(e, ssl.SSLCertVerificationError):
        code = getattr(e, "verify_code", None)
        if code in (9, 10):
            return "cert_expired"
        if code == 62:
            return "cert_name_mismatch"
        return "cert_untrusted"
    if isinstance(e, ssl.CertificateError):
        return "cert_name_mismatch"
    if isinstance(e, ssl.SSLError):
        reason = getattr(e, "reason", None) or ""
        if reason == "WRONG_VERSION_NUMBER":
            return "wrong_version_number"
        if reason in ("UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE",
                      "VERSION_TOO_LOW", "VERSION_TOO_HIGH"):
            return "tls_version"
        return "tls_failed"
    for cls, kind in ((smtplib.SMTPHeloError, "ehlo_rejected"),
                      (smtplib.SMTPAuthenticationError, "auth_rejected"),
                      (smtplib.SMTPNotSupportedError, "not_supported"),
                      (smtplib.SMTPSenderRefused, "sender_rejected"),
                      (smtplib.SMTPRecipientsRefused, "recipient_rejected"),
                      (smtplib.SMTPDataError, "data_rejected"),
                      (smtplib.SMTPConnectError, "greeting_rejected")):
        if isinstance(e, cls):
            return kind
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return "no_greeting" if state["stage"] == "greeting" else "disconnected"
    if isinstance(e, smtplib.SMTPResponseException) and state["stage"] == "ehlo":
        return "ehlo_rejected"
    if isinstance(e, socket.gaierror):
        return "dns"
    if isinstance(e, (TimeoutError, socket.timeout)):
        return "timeout" if state["stage"] == "connect" else "no_greeting"
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if isinstance(e, OSError) and e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "unreachable"
    if isinstance(e, OSError) and e.errno in (errno.EACCES, errno.EPERM, getattr(errno, "WSAEACCES", -1)):
        return "denied"
    winerror = getattr(e, "winerror", None) if isinstance(e, OSError) else None
    if winerror in WINSOCK:
        return WINSOCK[winerror]
    if isinstance(e, ValueError):
        return "config"
    return "other"


def message():
    return ("Subject: smtp-doctor test\r\nFrom: %s\r\nTo: %s\r\n\r\nA test message sent by smtp-doctor "
            "through the application's own client.\r\n") % (ARGS.get("SMTP_DOCTOR_APP_FROM"),
                                                             ARGS.get("SMTP_DOCTOR_APP_TO"))


def django_client():
    from django import get_version
    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection
    from django.core.mail.utils import DNS_NAME

    out["client"] = "django"
    out["library_version"] = get_version()
    conn = get_connection()
    backend = type(conn).__module__ + "." + type(conn).__name__
    if not hasattr(conn, "ssl_context") and not hasattr(conn, "use_ssl"):
        out["outcome"] = "skipped"
        out["backend"] = backend
        return
    out["ehlo_name"] = str(DNS_NAME)
    out["verifies_certificates"] = bool(conn.use_tls or conn.use_ssl)
    to = ARGS.get("SMTP_DOCTOR_APP_TO")
    if to:
        sender = ARGS.get("SMTP_DOCTOR_APP_FROM") or settings.DEFAULT_FROM_EMAIL
        EmailMessage("smtp-doctor test", "A test message sent by smtp-doctor through Django.",
                     sender, [to], connection=conn).send()
    else:
        conn.open()
        if conn.connection is not None:
            # What sending does first; open() alone skips EHLO when there is no TLS or login.
            conn.connection.ehlo_or_helo_if_needed()
        conn.close()
    out["outcome"] = "ok"


def smtplib_client(smtplib):
    # Flask-Mail 0.10: SMTP_SSL or SMTP, starttls() and login() without an SSL context.
    out["client"] = "smtplib"
    out["verifies_certificates"] = False
    out["ehlo_name"] = socket.getfqdn()
    host = ARGS.get("SMTP_DOCTOR_APP_HOST")
    port = int(ARGS.get("SMTP_DOCTOR_APP_PORT", "25"))
    security = ARGS.get("SMTP_DOCTOR_APP_SECURITY", "plain")
    timeout = ARGS.get("SMTP_DOCTOR_APP_TIMEOUT")
    kw = {"timeout": float(timeout)} if timeout else {}
    s = (smtplib.SMTP_SSL if security == "implicit_tls" else smtplib.SMTP)(host, port, **kw)
    if security == "starttls":
        s.starttls()
    user = ARGS.get("SMTP_DOCTOR_APP_USER")
    if user and PASSWORD:
        s.login(user, PASSWORD)
    s.ehlo_or_helo_if_needed()
    to = ARGS.get("SMTP_DOCTOR_APP_TO")
    if to:
        s.sendmail(ARGS.get("SMTP_DOCTOR_APP_FROM") or to, [to], message())
    s.quit()
    out["outcome"] = "ok"


def main():
    started = time.monotonic()
    runtime()
    smtplib = watch()
    try:
        if MODE == "django":
            django_client()
        else:
            smtplib_client(smtplib)
    except BaseException as e:  # noqa: B902 - every failure is the answer
        t = type(e)
        name = t.__qualname__ if t.__module__ == "builtins" else t.__module__ + "." + t.__qualname__
        out["outcome"] = "failed"
        out["error"] = {"kind": kind_of(e, smtplib), "error_type": name, "message": hide(e),
                        "stage": state["stage"]}
        code = getattr(e, "smtp_code", None)
        if isinstance(e, smtplib.SMTPRecipientsRefused) and e.recipients:
            code = list(e.recipients.values())[0][0]
        if isinstance(code, int):
            out["error"]["smtp_code"] = code
    if state["ehlo"]:
        out["ehlo_name"] = state["ehlo"]
    out["ms"] = (time.monotonic() - started) * 1000.0
    print(MARK + json.dumps(out, default=str), flush=True)


main()
