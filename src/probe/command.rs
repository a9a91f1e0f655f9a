//! The lines the probe sends: each a command (or a step of one) whose `Display` is the text
//! on the wire (without CRLF) and whose [`Command::shown`] form is what the transcript keeps.
//! Secrets exist only in the wire text: the shown form, and `Debug`, replace them.

use crate::plan::Mailbox;
use base64::prelude::{Engine as _, BASE64_STANDARD};
use std::borrow::Cow;
use std::fmt;

/// What stands for a secret in the transcript.
const HIDDEN: &str = "****";

/// One line the probe sends.
#[derive(Clone, Copy)]
pub(crate) enum Command<'a> {
    /// `EHLO name` (RFC 5321 §4.1.1.1).
    Ehlo(&'a str),
    /// `HELO name`, when EHLO was refused.
    Helo(&'a str),
    /// `STARTTLS` (RFC 3207).
    Starttls,
    /// `QUIT`.
    Quit,
    /// `MAIL FROM:<sender>`.
    MailFrom(&'a Mailbox),
    /// `RCPT TO:<recipient>`.
    RcptTo(&'a Mailbox),
    /// `DATA`.
    Data,
    /// The message after DATA: headers, body and the final dot, already dot-stuffed.
    Message(&'a str),
    /// `AUTH PLAIN` with its initial response (RFC 4616): `\0user\0secret` in base64.
    AuthPlain {
        /// The user name.
        user: &'a str,
        /// The password.
        secret: &'a str,
    },
    /// `AUTH LOGIN`; the user name and the password follow as [`Command::LoginUser`] and
    /// [`Command::LoginSecret`].
    AuthLogin,
    /// The user name in base64, answering AUTH LOGIN's first challenge.
    LoginUser(&'a str),
    /// The password in base64, answering AUTH LOGIN's second challenge.
    LoginSecret(&'a str),
    /// `AUTH XOAUTH2` with its initial response: the user and the bearer token, in base64.
    AuthXoauth2 {
        /// The user name.
        user: &'a str,
        /// The OAuth 2.0 access token.
        token: &'a str,
    },
    /// An empty line: the answer to XOAUTH2's error challenge, asking for the final reply.
    Empty,
}

impl Command<'_> {
    /// What the transcript shows of this line: the wire text, with any secret replaced.
    pub(crate) fn shown(&self) -> Cow<'static, str> {
        match self {
            Command::AuthPlain { .. } => "AUTH PLAIN ****".into(),
            Command::AuthXoauth2 { .. } => "AUTH XOAUTH2 ****".into(),
            Command::LoginUser(user) => format!("{} (user name, base64)", base64(user)).into(),
            Command::LoginSecret(_) => HIDDEN.into(),
            Command::Message(_) => "(message headers and body)\r\n.".into(),
            other => other.to_string().into(),
        }
    }
}

/// AUTH PLAIN's initial response before base64 (RFC 4616): `\0user\0secret`.
pub(crate) fn plain_response(user: &str, secret: &str) -> String {
    format!("\0{user}\0{secret}")
}

/// AUTH XOAUTH2's initial response before base64: the user and the bearer token.
pub(crate) fn xoauth2_response(user: &str, token: &str) -> String {
    format!("user={user}\x01auth=Bearer {token}\x01\x01")
}

fn base64(text: &str) -> String {
    BASE64_STANDARD.encode(text.as_bytes())
}

impl fmt::Display for Command<'_> {
    /// The line as sent, secrets included: for the socket only, never for a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Ehlo(name) => write!(f, "EHLO {name}"),
            Command::Helo(name) => write!(f, "HELO {name}"),
            Command::Starttls => f.write_str("STARTTLS"),
            Command::Quit => f.write_str("QUIT"),
            Command::MailFrom(from) => write!(f, "MAIL FROM:<{from}>"),
            Command::RcptTo(to) => write!(f, "RCPT TO:<{to}>"),
            Command::Data => f.write_str("DATA"),
            Command::Message(text) => f.write_str(text),
            Command::AuthPlain { user, secret } => {
                write!(f, "AUTH PLAIN {}", base64(&plain_response(user, secret)))
            }
            Command::AuthLogin => f.write_str("AUTH LOGIN"),
            Command::LoginUser(user) => f.write_str(&base64(user)),
            Command::LoginSecret(secret) => f.write_str(&base64(secret)),
            Command::AuthXoauth2 { user, token } => {
                write!(f, "AUTH XOAUTH2 {}", base64(&xoauth2_response(user, token)))
            }
            Command::Empty => Ok(()),
        }
    }
}

impl fmt::Debug for Command<'_> {
    /// The shown form: a command printed for debugging never carries its secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({:?})", self.shown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_text_and_what_the_transcript_shows() {
        let from = Mailbox::parse("a@example.com").unwrap();
        let cases = [
            (Command::Ehlo("pc.local"), "EHLO pc.local", "EHLO pc.local"),
            (Command::Helo("pc.local"), "HELO pc.local", "HELO pc.local"),
            (Command::Starttls, "STARTTLS", "STARTTLS"),
            (Command::Quit, "QUIT", "QUIT"),
            (
                Command::MailFrom(&from),
                "MAIL FROM:<a@example.com>",
                "MAIL FROM:<a@example.com>",
            ),
            (
                Command::RcptTo(&from),
                "RCPT TO:<a@example.com>",
                "RCPT TO:<a@example.com>",
            ),
            (Command::Data, "DATA", "DATA"),
            (
                Command::Message("Subject: x\r\n\r\nhi\r\n."),
                "Subject: x\r\n\r\nhi\r\n.",
                "(message headers and body)\r\n.",
            ),
            (
                Command::AuthPlain {
                    user: "me",
                    secret: "pw",
                },
                "AUTH PLAIN AG1lAHB3",
                "AUTH PLAIN ****",
            ),
            (Command::AuthLogin, "AUTH LOGIN", "AUTH LOGIN"),
            (Command::LoginUser("me"), "bWU=", "bWU= (user name, base64)"),
            (Command::LoginSecret("pw"), "cHc=", "****"),
            (
                Command::AuthXoauth2 {
                    user: "me",
                    token: "t",
                },
                "AUTH XOAUTH2 dXNlcj1tZQFhdXRoPUJlYXJlciB0AQE=",
                "AUTH XOAUTH2 ****",
            ),
            (Command::Empty, "", ""),
        ];
        for (cmd, wire, shown) in cases {
            assert_eq!(cmd.to_string(), wire);
            assert_eq!(cmd.shown(), shown);
        }
    }

    #[test]
    fn debug_never_shows_a_secret() {
        for cmd in [
            Command::AuthPlain {
                user: "me",
                secret: "hunter2",
            },
            Command::LoginSecret("hunter2"),
            Command::AuthXoauth2 {
                user: "me",
                token: "hunter2",
            },
        ] {
            let debug = format!("{cmd:?}");
            assert!(!debug.contains("hunter2"), "{debug}");
            assert!(!debug.contains(&base64("hunter2")), "{debug}");
            assert!(!debug.contains(&cmd.to_string()), "{debug}");
        }
    }
}
