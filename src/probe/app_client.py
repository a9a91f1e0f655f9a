# smtp-doctor's app-client probe (Python). Run by smtp-doctor as `python -I -c <this>` in the
# project folder: isolated mode, so only the standard library and the interpreter's own
# packages (the project's venv) can be imported, never a file of the current folder.
#   Django: it takes its inputs out of the environment, then runs the project's manage.py as
#           `manage.py shell -c` would, and get_connection() with the project's settings.
#   smtplib: the way Flask-Mail uses it.
# Everything it needs comes from SMTP_DOCTOR_APP_* environment variables, which it removes
# from its environment before anything else runs; it prints one marked JSON line and never a
# password. Before the client's login it asks smtp-doctor (a marked line, the answer on stdin).
import os

E = os.environ
ARGS = {k: E.pop(k) for k in list(E) if k.startswith("SMTP_DOCTOR_APP_")}

import base64  # noqa: E402 - the standard library only, after the secrets are out
import hashlib  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import sys  # noqa: E402
import sysconfig  # noqa: E402
import time  # noqa: E402

MARK = "SMTP_DOCTOR_APP_JSON"
ASK = "SMTP_DOCTOR_APP_LOGIN"
CONNECTED = "SMTP_DOCTOR_APP_CONNECTED"
MODE = ARGS.get("SMTP_DOCTOR_APP_MODE", "smtplib")


def inputs():
    global PASSWORD, CONNECT, CONNECT_BY, CONNECT_FLOOR, STEP
    PASSWORD = ARGS.get("SMTP_DOCTOR_APP_PASSWORD")
    CONNECT = float(ARGS.get("SMTP_DOCTOR_APP_CONNECT", "3"))
    CONNECT_BY = ARGS.get("SMTP_DOCTOR_APP_CONNECT_BY")
    CONNECT_FLOOR = float(ARGS.get("SMTP_DOCTOR_APP_CONNECT_FLOOR", CONNECT))
    STEP = float(ARGS.get("SMTP_DOCTOR_APP_STEP", "5"))


def connect_wait():
    """The connect's wait: it ends when smtp-doctor's probe gives up on the port (CONNECT_BY, wall
    clock), so this interpreter's start-up is not added to it, but is never below the floor."""
    try:
        left = float(CONNECT_BY) - time.time()
    except (TypeError, ValueError):
        return CONNECT
    return min(CONNECT, max(CONNECT_FLOOR, left))


inputs()
out = {"outcome": "failed", "skipped": [], "ran": [], "steps": []}
state = {"stage": "connect", "ehlo": None, "code": None}
# (user, password) pairs whose every encoding is masked in what is reported.
SECRETS = []


class Stopped(Exception):
    """smtp-doctor said not to log in (its reason is the argument)."""


def forms(user, password):
    """Every form in which a client sends the password, or Python prints it back."""
    user = user or ""
    b64 = lambda s: base64.b64encode(s.encode("utf-8", "surrogateescape")).decode()  # noqa: E731
    found = [password, repr(password)[1:-1], repr(password.encode("utf-8", "surrogateescape"))[2:-1]]
    for payload in (password, "\0%s\0%s" % (user, password), "%s\0%s" % (user, password),
                    "user=%s\x01auth=Bearer %s\x01\x01" % (user, password)):
        found += [b64(payload), b64(payload).rstrip("=")]
    if user:
        found += [b64(user), b64(user).rstrip("=")]
    return found


def hide(text):
    text = str(text)
    every = []
    for user, password in SECRETS + [(ARGS.get("SMTP_DOCTOR_APP_USER"), PASSWORD)]:
        if password:
            every += forms(user, password)
    for f in sorted(set(every), key=len, reverse=True):
        if f:
            text = text.replace(f, "****")
    # Masked first; smtp-doctor masks again, then cuts to 2,000 characters.
    return text[:16000]


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
            if name == "login":
                asked = time.monotonic()
                gate(self)
                step("verdict_wait", asked)
            if stage == "ehlo":
                state["ehlo"] = (a[0] if a else k.get("name")) or self.local_hostname or socket.getfqdn()
            began = time.monotonic()
            try:
                answer = orig(self, *a, **k)
            finally:
                if name in ("login", "sendmail"):
                    step(stage, began)
            if stage == "ehlo" and outer in ("starttls", "login", "send"):
                # The EHLO that login(), starttls() and sendmail() send first: back to theirs.
                state["stage"] = outer
            return answer

        setattr(smtplib.SMTP, name, inner)

    for name, stage in (("connect", "connect"), ("ehlo", "ehlo"), ("helo", "ehlo"), ("starttls", "starttls"),
                        ("login", "login"), ("sendmail", "send")):
        wrap(name, stage)
    orig_cc = socket.create_connection

    def create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, *a, **k):
        # Bounded like smtp-doctor's own connect, then each read like its steps.
        wait = connect_wait()
        t = wait if timeout in (None, socket._GLOBAL_DEFAULT_TIMEOUT) else min(timeout, wait)
        began = time.monotonic()
        try:
            if os.name == "nt" or a or k:
                s = orig_cc(address, t, source_address, *a, **k)
            else:
                s = race(address, t, source_address)
        finally:
            step("connect", began)
        s.settimeout(STEP if timeout in (None, socket._GLOBAL_DEFAULT_TIMEOUT) else min(timeout, STEP))
        state["stage"] = "greeting"
        # Its answer is on its way: smtp-doctor waits for it even when its probe did not connect.
        print(CONNECTED, flush=True)
        return s

    socket.create_connection = create_connection
    orig_wrap = ssl.SSLContext.wrap_socket

    def wrap_socket(self, *a, **k):
        # The handshake (STARTTLS's or implicit TLS's), timed; changes nothing.
        began = time.monotonic()
        try:
            return orig_wrap(self, *a, **k)
        finally:
            step("tls", began)

    ssl.SSLContext.wrap_socket = wrap_socket
    return smtplib


def step(name, began):
    """Records how long a step of the client took (milliseconds)."""
    out["steps"].append({"step": name, "ms": round((time.monotonic() - began) * 1000.0, 1)})


def race(address, wait, source_address=None):
    """The connect smtp-doctor's probe makes: every address of the name at once (IPv6 and IPv4),
    the first that connects wins, one wait for all, so a dropped port costs one wait, not one per
    address as socket.create_connection's sequential tries do. Its failure is the one
    create_connection would raise (that of the last address), with the same exception classes."""
    import errno
    import selectors

    host, port = address[0], address[1]
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    deadline = time.monotonic() + wait
    sel = selectors.DefaultSelector()
    errors = [None] * len(infos)
    socks = []
    winner = None
    try:
        for i, (family, kind, proto, _, sockaddr) in enumerate(infos):
            try:
                s = socket.socket(family, kind, proto)
            except OSError as e:
                errors[i] = e
                continue
            socks.append(s)
            try:
                s.setblocking(False)
                if source_address:
                    s.bind(source_address)
                err = s.connect_ex(sockaddr)
            except OSError as e:
                errors[i] = e
                continue
            if err == 0:
                winner = s
                break
            if err in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
                sel.register(s, selectors.EVENT_WRITE, i)
            else:
                errors[i] = OSError(err, os.strerror(err))
        while winner is None and sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, _ in sel.select(left):
                sel.unregister(key.fileobj)
                err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err == 0:
                    winner = key.fileobj
                    break
                errors[key.data] = OSError(err, os.strerror(err))
    finally:
        sel.close()
        for s in socks:
            if s is not winner:
                s.close()
    if winner is not None:
        winner.setblocking(True)
        return winner
    if not infos:
        raise OSError("getaddrinfo returns an empty list")
    last = errors[-1]
    raise last if last is not None else socket.timeout("timed out")


def gate(smtp):
    """Before the client's own login: asks smtp-doctor whether this connection may carry the
    password (TLS to the very server its probe verified), and stops the client when not."""
    sock = smtp.sock
    tls = isinstance(sock, ssl.SSLSocket)
    sha = None
    if tls:
        der = sock.getpeercert(binary_form=True)
        sha = hashlib.sha256(der).hexdigest() if der else None
    try:
        port = sock.getpeername()[1]
    except (OSError, AttributeError, IndexError):
        port = None
    print(ASK + json.dumps({"host": getattr(smtp, "_host", None), "port": port, "tls": tls, "sha256": sha}),
          flush=True)
    answer = sys.stdin.readline().strip()
    if answer == "go":
        return
    try:
        smtp.quit()
    except Exception:  # noqa: B902 - a polite goodbye, nothing depends on it
        smtp.close()
    raise Stopped(answer[5:] if answer.startswith("stop ") else "no_verdict")


def ran():
    """The interpreter, smtplib, the entry script and every package loaded from outside the
    standard library (the project's and its venv's), by path."""
    paths = [sys.executable] + (out.get("ran") or [])
    where = sysconfig.get_paths()
    std = {os.path.realpath(where[k]) for k in ("stdlib", "platstdlib")}
    # A venv's site-packages lies inside its platstdlib: packages there are not the stdlib.
    site = {os.path.realpath(where[k]) for k in ("purelib", "platlib")}
    under = lambda p, dirs: any(p.startswith(d + os.sep) for d in dirs)  # noqa: E731
    seen = set()
    for name, mod in sorted(sys.modules.items()):
        top = name.split(".")[0]
        if top in seen:
            continue
        f = getattr(sys.modules.get(top), "__file__", None)
        if not f:
            continue
        seen.add(top)
        real = os.path.realpath(f)
        if top != "smtplib" and under(real, std) and not under(real, site):
            continue
        if os.path.basename(real) == "__init__.py":
            real = os.path.dirname(real)
        paths.append(real)
    every = []
    for p in paths:
        if p not in every:
            every.append(p)
    return every[:64]


# The modules whose exception classes smtp-doctor knows: a class from elsewhere (Django's
# backend, a project's own) is classified by the ones of these it derives from.
KNOWN_MODULES = ("builtins", "smtplib", "ssl", "socket")


def facts_of(e):
    """The failure's raw facts, which smtp-doctor classifies: the exception's class and its
    bases from KNOWN_MODULES, most specific first, and its codes (the certificate check's
    verify_code, the ssl reason, the errno's name, the Windows error). Bounded, never its
    message (which may echo a secret): names and numbers only."""
    import errno

    try:
        return _facts_of(e, errno)
    except Exception:  # noqa: B902 - without its facts the failure is "other", never a crash
        return {}


def _facts_of(e, errno):
    types = [c.__module__ + "." + c.__qualname__ for c in type(e).__mro__
             if c is not object and c.__module__ in KNOWN_MODULES]
    facts = {"types": [t[:80] for t in types[:16]]}
    code = getattr(e, "verify_code", None)
    if isinstance(code, int):
        facts["verify_code"] = code
    reason = getattr(e, "reason", None)
    if isinstance(e, ssl.SSLError) and isinstance(reason, str):
        facts["reason"] = reason[:80]
    # An ssl error's errno is OpenSSL's error class and a gaierror's the resolver's EAI code,
    # not the system's errno: only the system's is named.
    if isinstance(e, OSError) and not isinstance(e, (ssl.SSLError, socket.gaierror)):
        if isinstance(e.errno, int) and e.errno in errno.errorcode:
            facts["errno"] = errno.errorcode[e.errno]
        winerror = getattr(e, "winerror", None)
        if isinstance(winerror, int):
            facts["winerror"] = winerror
    return facts


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
    SECRETS.append((getattr(settings, "EMAIL_HOST_USER", None), getattr(settings, "EMAIL_HOST_PASSWORD", None)))
    # The password given to smtp-doctor, when the settings hold none (the app reads it where it
    # runs, from a secret store).
    given = {"password": PASSWORD} if PASSWORD and not getattr(settings, "EMAIL_HOST_PASSWORD", None) else {}
    conn = get_connection(**given)
    backend = type(conn).__module__ + "." + type(conn).__name__
    if not hasattr(conn, "ssl_context") and not hasattr(conn, "use_ssl"):
        out["outcome"] = "skipped"
        out["backend"] = backend
        return
    out["ehlo_name"] = str(DNS_NAME)
    out["verifies_certificates"] = bool(conn.use_tls or conn.use_ssl)
    SECRETS.append((getattr(conn, "username", None), getattr(conn, "password", None)))
    to = ARGS.get("SMTP_DOCTOR_APP_TO")
    if getattr(conn, "username", None) and not getattr(conn, "password", None):
        # Django logs in only with both: without the password the app has where it runs, the
        # login (and a message that needs it) is a step not run, not a failure.
        out["skipped"].append("login")
        to = None
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
    # The name smtplib would announce, looked up beside the connect (a reverse lookup can take
    # longer than the connect itself): used only when the client never got to EHLO.
    fqdn = {}
    import threading

    lookup = threading.Thread(target=lambda: fqdn.setdefault("name", socket.getfqdn()), daemon=True)
    lookup.start()
    state["fqdn"] = (lookup, fqdn)
    host = ARGS.get("SMTP_DOCTOR_APP_HOST")
    port = int(ARGS.get("SMTP_DOCTOR_APP_PORT", "25"))
    security = ARGS.get("SMTP_DOCTOR_APP_SECURITY", "plain")
    timeout = ARGS.get("SMTP_DOCTOR_APP_TIMEOUT")
    kw = {"timeout": float(timeout)} if timeout else {}
    s = (smtplib.SMTP_SSL if security == "implicit_tls" else smtplib.SMTP)(host, port, **kw)
    if security == "starttls":
        s.starttls()
    user = ARGS.get("SMTP_DOCTOR_APP_USER")
    to = ARGS.get("SMTP_DOCTOR_APP_TO")
    if user and PASSWORD:
        s.login(user, PASSWORD)
    elif user:
        out["skipped"].append("login")
        to = None
    s.ehlo_or_helo_if_needed()
    if to:
        s.sendmail(ARGS.get("SMTP_DOCTOR_APP_FROM") or to, [to], message())
    s.quit()
    out["outcome"] = "ok"


def main(client):
    started = time.monotonic()
    smtplib = watch()
    try:
        client(smtplib)
    except Stopped:
        # smtp-doctor withheld the login (it knows why): not the application failing.
        out["outcome"] = "stopped"
    except BaseException as e:  # noqa: B902 - every failure is the answer
        t = type(e)
        name = t.__qualname__ if t.__module__ == "builtins" else t.__module__ + "." + t.__qualname__
        out["outcome"] = "failed"
        out["error"] = {"error_type": name, "message": hide(e), "stage": state["stage"], "facts": facts_of(e)}
        code = getattr(e, "smtp_code", None)
        if isinstance(e, smtplib.SMTPRecipientsRefused) and e.recipients:
            code = list(e.recipients.values())[0][0]
        if isinstance(code, int):
            out["error"]["smtp_code"] = code
    out["ms"] = (time.monotonic() - started) * 1000.0
    # What the runtime is (its trust store loads the CA bundle): after the client, off its path.
    runtime()
    if state["ehlo"]:
        out["ehlo_name"] = state["ehlo"]
    elif state.get("fqdn"):
        lookup, fqdn = state["fqdn"]
        lookup.join(1.0)
        if fqdn.get("name"):
            out["ehlo_name"] = fqdn["name"]
    out["ran"] = ran()
    print(MARK + json.dumps(out, default=str), flush=True)


def django_session():
    """With SMTP_DOCTOR_APP_KEYS: prints Django's effective settings of those names (marked),
    then waits for smtp-doctor's word on stdin: `go {inputs}` runs Django's client in this same
    process (the project's Python starts once), with the inputs of that word (the password
    given to smtp-doctor among them: it never was in the environment); anything else exits."""
    keys = ARGS.get("SMTP_DOCTOR_APP_KEYS")
    if keys is not None:
        from django.conf import settings as s

        names = [k for k in keys.split(",") if k]
        # The sender settings only when the project sets them: Django's own defaults
        # (webmaster@localhost, root@localhost) are what it sends when the code passes no
        # sender, not the application's choice, and their domain is nobody's to fix.
        senders = ("DEFAULT_FROM_EMAIL", "SERVER_EMAIL")
        overridden = getattr(s, "is_overridden", lambda _k: True)
        answer = {k: (getattr(s, k, None) if k not in senders or overridden(k) else None) for k in names}
        print("SMTP_DOCTOR_JSON" + json.dumps(answer, default=str), flush=True)
        word = sys.stdin.readline()
        if not word.startswith("go "):
            return
        given = json.loads(word[3:])
        ARGS.update({k: v for k, v in given.items() if k.startswith("SMTP_DOCTOR_APP_") and isinstance(v, str)})
        inputs()
    main(lambda smtplib: django_client())


def django_bootstrap():
    """Runs the project's manage.py as `manage.py shell -c` does, with this script's client as
    the command: the project's code starts only now, with the inputs already out of the
    environment. The project folder goes on sys.path as manage.py's own run would put it."""
    import runpy
    import types

    entry = types.ModuleType("_smtp_doctor_app")
    entry.run = django_session
    sys.modules["_smtp_doctor_app"] = entry
    manage = os.path.join(os.getcwd(), "manage.py")
    out["ran"] = [manage]
    sys.path.insert(0, os.getcwd())
    sys.argv = [manage, "shell", "-c", "import _smtp_doctor_app; _smtp_doctor_app.run()"]
    try:
        runpy.run_path(manage, run_name="__main__")
    except SystemExit:
        pass


if MODE == "django":
    django_bootstrap()
else:
    main(smtplib_client)
