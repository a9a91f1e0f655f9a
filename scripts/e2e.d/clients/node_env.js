// nodemailer's effective options of ./transport.json, as Django EMAIL_* lines for preflight
// (which has no nodemailer reader yet). nodemailer tests the flags for truth, as here: secure
// is implicit TLS; otherwise STARTTLS unless ignoreTLS.
const o = JSON.parse(require("fs").readFileSync("transport.json", "utf8"));
const lines = [
  `EMAIL_HOST=${o.host || "localhost"}`,
  `EMAIL_PORT=${o.port || (o.secure ? 465 : 587)}`,
  `EMAIL_USE_SSL=${o.secure ? "True" : "False"}`,
  `EMAIL_USE_TLS=${!o.secure && !o.ignoreTLS ? "True" : "False"}`,
];
if (o.auth && o.auth.user) lines.push(`EMAIL_HOST_USER=${o.auth.user}`);
if (o.auth && o.auth.pass) lines.push(`EMAIL_HOST_PASSWORD=${o.auth.pass}`);
if (o.connectionTimeout) lines.push(`EMAIL_TIMEOUT=${o.connectionTimeout / 1000}`);
console.log(lines.join("\n"));
