// smtp-doctor's app-client probe (Node.js): nodemailer from the project's node_modules,
// transporter.verify() (or sendMail with --send-to), with the settings smtp-doctor read.
// Run by smtp-doctor as `node -e <this>` in the project folder. Everything it needs comes
// from SMTP_DOCTOR_APP_* environment variables, which it removes from its environment first;
// it prints one marked JSON line and never the password.
'use strict';
const tls = require('tls');
const util = require('util');
const path = require('path');
const MARK = 'SMTP_DOCTOR_APP_JSON';
const A = {};
for (const k of Object.keys(process.env)) {
  if (k.startsWith('SMTP_DOCTOR_APP_')) {
    A[k.slice(16)] = process.env[k];
    delete process.env[k];
  }
}
const PASSWORD = A.PASSWORD;
const started = Date.now();
const out = { outcome: 'failed', client: 'nodemailer' };
const hide = (t) => {
  t = String(t);
  if (PASSWORD) t = t.split(PASSWORD).join('****');
  return t.slice(0, 2000);
};
const done = () => {
  out.ms = Date.now() - started;
  process.stdout.write(MARK + JSON.stringify(out) + '\n');
};

out.version = process.versions.node;
out.program = process.execPath;
out.tls_library = 'OpenSSL ' + process.versions.openssl;
out.tls_minimum = tls.DEFAULT_MIN_VERSION;
out.trusted_roots = tls.rootCertificates.length;
out.trust_store = ['bundled'];
if (process.env.NODE_EXTRA_CA_CERTS) out.trust_store.push('NODE_EXTRA_CA_CERTS=' + process.env.NODE_EXTRA_CA_CERTS);
const opts = process.env.NODE_OPTIONS || '';
for (const flag of ['--use-openssl-ca', '--use-system-ca', '--use-bundled-ca']) {
  if (opts.includes(flag) || process.execArgv.includes(flag)) out.trust_store.push(flag);
}
out.proxies = Object.keys(process.env)
  .filter((k) => ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'].includes(k.toLowerCase()))
  .sort();
out.verifies_certificates = true;

// The TLS error's own code (nodemailer replaces err.code with its own): observed, not changed.
// Whether TCP connected tells a connect timeout from a greeting that never came; the TLS
// error's own code is kept (older nodemailer replaces err.code with its own). Observed only.
let tlsCode = null;
let connected = false;
const net = require('net');
const protoConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  this.once('connect', () => { connected = true; });
  return protoConnect.apply(this, args);
};
const tlsConnect = tls.connect;
tls.connect = function (...args) {
  const socket = tlsConnect.apply(this, args);
  socket.once('error', (e) => { tlsCode = e && e.code; });
  return socket;
};

const TLS_KINDS = {
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'cert_untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'cert_untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'cert_untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'cert_untrusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'cert_untrusted',
  CERT_UNTRUSTED: 'cert_untrusted',
  CERT_HAS_EXPIRED: 'cert_expired',
  CERT_NOT_YET_VALID: 'cert_expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'cert_name_mismatch',
  ERR_SSL_WRONG_VERSION_NUMBER: 'wrong_version_number',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'tls_version',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'tls_version',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'tls_version',
};
const ERRNO_KINDS = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EACCES: 'denied',
  EPERM: 'denied',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
};
const STAGES = { CONN: 'connect', EHLO: 'ehlo', HELO: 'ehlo', STARTTLS: 'starttls', 'AUTH PLAIN': 'login', 'AUTH LOGIN': 'login', API: 'login' };

function kindOf(err) {
  if (!tlsCode && err.originalCode && TLS_KINDS[err.originalCode]) tlsCode = err.originalCode;
  if (tlsCode && TLS_KINDS[tlsCode]) return TLS_KINDS[tlsCode];
  if (tlsCode && String(tlsCode).startsWith('ERR_SSL')) return 'tls_failed';
  const sys = typeof err.errno === 'number' ? util.getSystemErrorName(err.errno) : err.errno;
  if (err.code === 'EDNS' || sys === 'ENOTFOUND' || sys === 'EAI_AGAIN') return 'dns';
  if (sys && ERRNO_KINDS[sys]) return ERRNO_KINDS[sys];
  const cmd = String(err.command || '').toUpperCase();
  switch (err.code) {
    case 'EAUTH': return err.responseCode ? 'auth_rejected' : 'not_supported';
    case 'ETIMEDOUT': return connected ? 'no_greeting' : 'timeout';
    case 'EENVELOPE':
      return cmd.startsWith('RCPT') ? 'recipient_rejected' : 'sender_rejected';
    case 'EMESSAGE': return 'data_rejected';
    case 'ETLS': return 'not_supported';
    case 'EPROTOCOL':
      if (cmd === 'EHLO' || cmd === 'HELO') return 'ehlo_rejected';
      return 'other';
    case 'ECONNECTION':
      if (cmd === 'CONN' && err.responseCode) return 'greeting_rejected';
      return 'disconnected';
    default: return 'other';
  }
}

async function main() {
  let nodemailer;
  try {
    const where = require.resolve('nodemailer', { paths: [process.cwd()] });
    nodemailer = require(where);
    try {
      const fs = require('fs');
      const named = (d) => { try { return JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')); } catch (e) { return {}; } };
      let dir = path.dirname(where);
      while (named(dir).name !== 'nodemailer' && path.dirname(dir) !== dir) dir = path.dirname(dir);
      out.library_version = named(dir).version;
      const SMTPConnection = require(require.resolve('nodemailer/lib/smtp-connection', { paths: [process.cwd()] }));
      out.ehlo_name = new SMTPConnection({}).name;
    } catch (e) { /* older layouts: the name stays unknown */ }
  } catch (e) {
    out.outcome = 'skipped';
    out.missing = 'nodemailer';
    return done();
  }
  const security = A.SECURITY || 'plain';
  const connectMs = Math.round(parseFloat(A.CONNECT || '3') * 1000);
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
  if (A.USER) options.auth = { user: A.USER, pass: PASSWORD || '' };
  const transporter = nodemailer.createTransport(options);
  out.stage = 'connect';
  try {
    if (A.TO) {
      await transporter.sendMail({ from: A.FROM || A.TO, to: A.TO, subject: 'smtp-doctor test', text: 'A test message sent by smtp-doctor through nodemailer.' });
    } else {
      await transporter.verify();
    }
    out.outcome = 'ok';
  } catch (err) {
    const cmd = String(err.command || '').toUpperCase();
    if (STAGES[cmd]) out.stage = STAGES[cmd];
    else if (cmd.startsWith('MAIL') || cmd.startsWith('RCPT') || cmd === 'DATA') out.stage = 'send';
    out.error = {
      kind: kindOf(err),
      error_type: 'Error' + (err.code ? ' ' + err.code : '') + (tlsCode ? ' (' + tlsCode + ')' : ''),
      message: hide(err.message || err),
      stage: out.stage,
    };
    if (typeof err.responseCode === 'number') out.error.smtp_code = err.responseCode;
  }
  transporter.close();
  delete out.stage;
  done();
}

main().catch((e) => { out.error = { kind: 'other', error_type: 'Error', message: hide(e && e.message) }; done(); });
