// Sends one message the way a Node app does: nodemailer.createTransport(options) with the
// options of ./transport.json. Prints "sent", or the error nodemailer gives.
const fs = require("fs");
const nodemailer = require("nodemailer");
const options = JSON.parse(fs.readFileSync("transport.json", "utf8"));
nodemailer
  .createTransport(options)
  .sendMail({ from: "app@e2e.test", to: process.argv[3], subject: process.argv[2],
              text: "sent by the smtp-doctor e2e client tier" })
  .then(() => { console.log("sent"); process.exit(0); })
  .catch((e) => {
    // an AggregateError (every address failed) has no message of its own: its errors have
    const message = e.message || (e.errors || []).map((x) => x.message).join("; ");
    console.log(`${e.name}${e.code ? " " + e.code : ""}: ${message}`);
    process.exit(1);
  });
