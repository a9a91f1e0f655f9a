// smtp-doctor's app-client probe (Node.js): nodemailer from the project's own node_modules
// (the folder of its package.json, nowhere else), transporter.verify() (or sendMail with
// --send-to), with the settings smtp-doctor read. Run by smtp-doctor as `node -e <this>` in the
// project folder, without NODE_OPTIONS or NODE_PATH. Everything it needs comes from
// SMTP_DOCTOR_APP_* environment variables, which it removes from its environment first; it
// prints one marked JSON line and never a password. Before the client's login it asks
// smtp-doctor (a marked line, the answer on stdin).
'use strict';
const A = {};
for (const k of Object.keys(process.env)) {
  if (k.startsWith('SMTP_DOCTOR_APP_')) {
    A[k.slice(16)] = process.env[k];
    delete process.env[k];
  }
}
const tls = require('tls');
const util = require('util');
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');
const MARK = 'SMTP_DOCTOR_APP_JSON';
const ASK = 'SMTP_DOCTOR_APP_LOGIN';
const PASSWORD = A.PASSWORD;
let started = Date.now();
const out = { outcome: 'failed', client: 'nodemailer', skipped: [], ran: [process.execPath], steps: [] };
const now = () => Number(process.hrtime.bigint()) / 1e6;
// Records how long a step of the client took (milliseconds).
const step = (name, began) => out.steps.push({ step: name, ms: Math.round((now() - began) * 10) / 10 });
// Every form in which a client sends the password.
const FORMS = (() => {
  if (!PASSWORD) return [];
  const user = A.USER || '';
  const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
  const found = [PASSWORD];
  for (const p of [PASSWORD, '\0' + user + '\0' + PASSWORD, user + '\0' + PASSWORD, 'user=' + user + '\x01auth=Bearer ' + PASSWORD + '\x01\x01']) {
    found.push(b64(p), b64(p).replace(/=+$/, ''));
  }
  if (user) found.push(b64(user), b64(user).replace(/=+$/, ''));
  return [...new Set(found)].sort((a, b) => b.length - a.length);
})();
const hide = (t) => {
  t = String(t);
  for (const f of FORMS) if (f) t = t.split(f).join('****');
  // Masked first; smtp-doctor masks again, then cuts to 2,000 characters.
  return t.slice(0, 16000);
};
const done = () => {
  for (const began of pending.values()) step('connect', began);
  pending.clear();
  out.ms = Date.now() - started;
  // Reading the bundled roots parses each of them: after the client, off its connect's path.
  out.trusted_roots = tls.rootCertificates.length;
  process.stdout.write(MARK + JSON.stringify(out) + '\n', () => process.exit(0));
};
// Asks smtp-doctor whether the login may go on this connection; resolves to its answer.
const ask = (question) => new Promise((resolve) => {
  let buf = '';
  const finish = (answer) => {
    process.stdin.removeAllListeners('data');
    process.stdin.removeAllListeners('end');
    process.stdin.pause();
    resolve(answer);
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => {
    buf += d;
    const i = buf.indexOf('\n');
    if (i >= 0) finish(buf.slice(0, i).trim());
  });
  process.stdin.on('end', () => finish(''));
  process.stdout.write(ASK + JSON.stringify(question) + '\n');
  process.stdin.resume();
});
let stopped = null;

out.version = process.versions.node;
out.program = process.execPath;
out.tls_library = 'OpenSSL ' + process.versions.openssl;
out.tls_minimum = tls.DEFAULT_MIN_VERSION;
out.trust_store = ['bundled'];
if (process.env.NODE_EXTRA_CA_CERTS) out.trust_store.push('NODE_EXTRA_CA_CERTS=' + process.env.NODE_EXTRA_CA_CERTS);
for (const flag of ['--use-openssl-ca', '--use-system-ca', '--use-bundled-ca']) {
  if (process.execArgv.includes(flag)) out.trust_store.push(flag);
}
out.proxies = Object.keys(process.env)
  .filter((k) => ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'].includes(k.toLowerCase()))
  .sort();
out.verifies_certificates = true;

// Facts of a failure, observed only: the TLS error's own code (nodemailer replaces err.code
// with its own), and whether TCP connected (a connect timeout, or a greeting that never came).
let tlsCode = null;
let connected = false;
const net = require('net');
const protoConnect = net.Socket.prototype.connect;
// When each socket's TCP connect ended (its TLS handshake is timed from there).
const tcpDone = new WeakMap();
// Connects not ended yet: a timed-out one is recorded when the answer is printed.
const pending = new Map();
net.Socket.prototype.connect = function (...args) {
  const began = now();
  let done = false;
  pending.set(this, began);
  this.once('connect', () => {
    connected = true;
    done = true;
    pending.delete(this);
    step('connect', began);
    // Its answer is on its way: smtp-doctor waits for it even when its probe did not connect.
    process.stdout.write('SMTP_DOCTOR_APP_CONNECTED\n');
    tcpDone.set(this, now());
  });
  this.once('close', () => {
    if (!done && pending.delete(this)) step('connect', began);
  });
  return protoConnect.apply(this, args);
};
const tlsConnect = tls.connect;
tls.connect = function (...args) {
  const began = now();
  const socket = tlsConnect.apply(this, args);
  socket.once('error', (e) => { tlsCode = e && e.code; });
  socket.once('secureConnect', () => step('tls', tcpDone.get(socket) || began));
  return socket;
};

const STAGES = { CONN: 'connect', EHLO: 'ehlo', HELO: 'ehlo', STARTTLS: 'starttls', 'AUTH PLAIN': 'login', 'AUTH LOGIN': 'login', API: 'login' };

// The failure's raw facts, which smtp-doctor classifies: nodemailer's code (and the system
// error's code it replaced), the TLS error's own code, the system error's name, the command
// and the reply code, whether TCP connected. Codes and names only, never a message, bounded.
function factsOf(err) {
  const name = (v) => (typeof v === 'string' && v ? v.slice(0, 80) : undefined);
  let errno = err.errno;
  if (typeof errno === 'number') {
    try { errno = util.getSystemErrorName(errno); } catch (e) { errno = undefined; }
  }
  return {
    code: name(err.code),
    original_code: name(err.originalCode),
    tls_code: name(tlsCode),
    errno: name(errno),
    command: name(err.command),
    response_code: Number.isInteger(err.responseCode) ? err.responseCode : undefined,
    connected,
  };
}

// Whether the login of the SMTPConnection nodemailer uses is gated: without it, the password is
// never handed to nodemailer (failing closed, whatever its files' layout).
let gated = false;
// The wrappers in place: a class found twice, or one inheriting a gated login, is gated once.
const guards = new WeakSet();
// Wraps the login of nodemailer's SMTPConnection: before it, smtp-doctor is asked whether
// this connection may carry the password (TLS to the very server its probe verified).
function gate(SMTPConnection) {
  const login = SMTPConnection.prototype.login;
  if (guards.has(login)) return;
  if (typeof login !== 'function') throw new Error('no login to gate');
  const guarded = function (authData, callback) {
    const socket = this._socket;
    const encrypted = !!(socket && socket.encrypted);
    let sha256 = null;
    if (encrypted && typeof socket.getPeerCertificate === 'function') {
      const cert = socket.getPeerCertificate();
      if (cert && cert.raw) sha256 = crypto.createHash('sha256').update(cert.raw).digest('hex');
    }
    const question = { host: this.options.host, port: (socket && socket.remotePort) || this.port, tls: encrypted, sha256 };
    const asked = now();
    ask(question).then((answer) => {
      step('verdict_wait', asked);
      if (answer === 'go') {
        const began = now();
        return login.call(this, authData, (...r) => { step('login', began); return callback(...r); });
      }
      stopped = answer.startsWith('stop ') ? answer.slice(5) : 'no_verdict';
      const err = new Error('smtp-doctor stopped before the login');
      err.code = 'ESMTPDOCTORSTOP';
      try { this.quit(); } catch (e) { /* closing politely is all */ }
      return callback(err);
    });
  };
  SMTPConnection.prototype.login = guarded;
  // Only a wrapper that is really in place counts (a frozen prototype ignores the assignment).
  if (SMTPConnection.prototype.login !== guarded) throw new Error('login not replaced');
  guards.add(guarded);
}

// Every SMTPConnection loaded from the package folder `root`, wherever its layout puts it: a
// module whose path has a `smtp-connection` part and which exports a class with a login.
function connections(root) {
  const found = [];
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!file.startsWith(root + path.sep)) continue;
    const parts = file.slice(root.length + 1).split(path.sep);
    if (!parts.some((p) => p === 'smtp-connection' || p === 'smtp-connection.js')) continue;
    const C = mod && mod.exports;
    if (typeof C === 'function' && C.prototype && typeof C.prototype.login === 'function') found.push(C);
  }
  return found;
}

// The package roots of every module loaded from outside Node.js itself, by path.
function loaded() {
  const roots = new Set();
  for (const file of Object.keys(require.cache)) {
    const i = file.lastIndexOf(path.sep + 'node_modules' + path.sep);
    if (i < 0) { roots.add(file); continue; }
    const rest = file.slice(i + 14).split(path.sep);
    roots.add(file.slice(0, i + 14) + (rest[0].startsWith('@') ? rest.slice(0, 2) : rest.slice(0, 1)).join(path.sep));
  }
  return [...roots].slice(0, 63);
}

async function main() {
  let nodemailer;
  // Only the project's own: node_modules beside its package.json, never a parent folder's.
  const project = process.cwd();
  const own = path.join(project, 'node_modules', 'nodemailer');
  try {
    if (!fs.existsSync(path.join(project, 'package.json')) || !fs.statSync(own).isDirectory()) throw new Error('missing');
    const where = require.resolve(own);
    nodemailer = require(where);
    try {
      const named = (d) => { try { return JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')); } catch (e) { return {}; } };
      out.library_version = named(own).version;
    } catch (e) { /* the version stays unknown */ }
    // The SMTPConnection nodemailer's transport uses, whose login is gated: under lib/ up to
    // some version, under dist/cjs/ since (10.6.1 has it there; its package.json maps lib/ to
    // it only for a require by package name, which would not be the project's own). Loading
    // nodemailer loads it too, so every one loaded from the package is gated, wherever it is.
    for (const layout of [['lib'], ['dist', 'cjs']]) {
      try { require(path.join(own, ...layout, 'smtp-connection')); } catch (e) { /* not this layout */ }
    }
    try {
      const found = connections(fs.realpathSync(own));
      for (const SMTPConnection of found) gate(SMTPConnection);
      gated = found.length > 0;
      if (gated) out.ehlo_name = new found[0]({}).name;
    } catch (e) { /* a gate not in place is no gate: the login is withheld below */ }
  } catch (e) {
    out.outcome = 'skipped';
    out.missing = 'nodemailer';
    return done();
  }
  const security = A.SECURITY || 'plain';
  // The connect's wait ends when smtp-doctor's probe gives up on the port (CONNECT_BY, wall
  // clock), so loading Node and nodemailer is not added to it, but never below the floor.
  let connectMs = Math.round(parseFloat(A.CONNECT || '3') * 1000);
  const by = parseFloat(A.CONNECT_BY || 'NaN') * 1000;
  const floor = Math.round(parseFloat(A.CONNECT_FLOOR || 'NaN') * 1000);
  if (Number.isFinite(by) && Number.isFinite(floor)) {
    connectMs = Math.min(connectMs, Math.max(floor, Math.round(by - Date.now())));
  }
  const stepMs = Math.round(parseFloat(A.STEP || '5') * 1000);
  const options = {
    host: A.HOST,
    port: parseInt(A.PORT || '587', 10),
    secure: security === 'implicit_tls',
    requireTLS: security === 'starttls',
    connectionTimeout: connectMs,
    greetingTimeout: stepMs,
    socketTimeout: stepMs,
  };
  let to = A.TO;
  if (A.USER && PASSWORD && gated) options.auth = { user: A.USER, pass: PASSWORD };
  else if (A.USER && PASSWORD) {
    // Without smtp-doctor's gate in place the password would go out unchecked: nodemailer
    // never gets it, and the login (and a message that needs it) is a step not run.
    out.skipped.push('login_not_gated');
    to = null;
  } else if (A.USER) {
    // Without the password the app has where it runs, the login (and a message that needs
    // it) is a step not run, not a failure.
    out.skipped.push('login');
    to = null;
  }
  const transporter = nodemailer.createTransport(options);
  // The client's own time starts here: loading the runtime and nodemailer is start-up.
  started = Date.now();
  out.stage = 'connect';
  try {
    if (to) {
      await transporter.sendMail({ from: A.FROM || A.TO, to: A.TO, subject: 'smtp-doctor test', text: 'A test message sent by smtp-doctor through nodemailer.' });
    } else {
      await transporter.verify();
    }
    out.outcome = 'ok';
  } catch (err) {
    if (stopped) {
      // smtp-doctor withheld the login (it knows why): not the application failing.
      out.outcome = 'stopped';
      transporter.close();
      delete out.stage;
      out.ran = out.ran.concat(loaded());
      return done();
    }
    const cmd = String(err.command || '').toUpperCase();
    if (STAGES[cmd]) out.stage = STAGES[cmd];
    else if (cmd.startsWith('MAIL') || cmd.startsWith('RCPT') || cmd === 'DATA') out.stage = 'send';
    // Its type as the report shows it is smtp-doctor's to write, from the facts.
    out.error = { message: hide(err.message || err), stage: out.stage, facts: factsOf(err) };
    if (typeof err.responseCode === 'number') out.error.smtp_code = err.responseCode;
  }
  transporter.close();
  delete out.stage;
  out.ran = out.ran.concat(loaded());
  done();
}

main().catch((e) => { out.error = { message: hide(e && e.message) }; done(); });
