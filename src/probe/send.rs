//! Sending step: MAIL FROM, RCPT TO, DATA with a real, well-formed test message (RFC 5321
//! §3.3, RFC 5322), and the queue id from the final reply.

use super::command::Command;
use super::wire::{ReplyError, Wire};
use crate::model::{Broken, Reply, ReplySummary, SendObservation, SendOutcome};
use crate::plan::SendPlan;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant as Deadline;

/// Formats a Unix time as an RFC 5322 date (UTC).
pub(crate) fn rfc5322_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = crate::printable::rfc3339(unix); // YYYY-MM-DDTHH:MM:SSZ
    let (y, m, d) = (&iso[0..4], &iso[5..7], &iso[8..10]);
    let month = MONTHS[m.parse::<usize>().unwrap_or(1).saturating_sub(1)];
    let weekday = DAYS[unix.div_euclid(86_400).rem_euclid(7) as usize];
    format!(
        "{weekday}, {} {month} {y} {} +0000",
        d.trim_start_matches('0'),
        &iso[11..19]
    )
}

/// The queue id in a final 250 reply (`queued as X`, or the last word).
pub(crate) fn queue_id(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    if let Some(pos) = lower.find("queued as ") {
        return text[pos + 10..]
            .split_whitespace()
            .next()
            .map(str::to_string);
    }
    // Otherwise the longest token that looks like an id (Gmail: `OK 1700000000 d2-…wmq.1 - gsmtp`).
    text.split_whitespace()
        .skip(1)
        .filter(|w| {
            w.len() >= 8
                && w.chars().any(|c| c.is_ascii_digit())
                && w.chars().any(|c| c.is_ascii_alphabetic())
        })
        .max_by_key(|w| w.len())
        .map(str::to_string)
}

/// Builds the test message (CRLF lines, dot-stuffed, ending with `.`).
pub(crate) fn message(plan: &SendPlan, machine: &str, unix: i64, message_id: &str) -> String {
    let date = rfc5322_date(unix);
    // The machine's name comes from a file or the environment: one safe line, whatever it holds.
    let machine = &crate::printable::escape(machine.as_bytes());
    let body = [
        "This is a test message from smtp-doctor.".to_string(),
        format!("Sent from the machine \"{machine}\" at {date}."),
        "If you can read this, the application's email settings work from that machine."
            .to_string(),
    ];
    let mut m = String::new();
    for h in [
        format!("Date: {date}"),
        format!("From: <{}>", plan.from),
        format!("To: <{}>", plan.to),
        format!("Subject: smtp-doctor test message from {machine}"),
        format!("Message-ID: {message_id}"),
        "MIME-Version: 1.0".to_string(),
        "Content-Type: text/plain; charset=utf-8".to_string(),
        "Content-Transfer-Encoding: 8bit".to_string(),
    ] {
        m.push_str(&h);
        m.push_str("\r\n");
    }
    m.push_str("\r\n");
    for line in body {
        if line.starts_with('.') {
            m.push('.');
        }
        m.push_str(&line);
        m.push_str("\r\n");
    }
    m.push('.');
    m
}

/// Sends the test message on an authenticated (or open) session.
pub(crate) async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    plan: &SendPlan,
    machine: &str,
    unix: i64,
    message_id: String,
    deadline: Deadline,
) -> SendObservation {
    let mut obs = SendObservation {
        from: plan.from.to_string(),
        to: plan.to.to_string(),
        message_id: message_id.clone(),
        mail_from: None,
        rcpt_to: None,
        data: None,
        final_reply: None,
        queue_id: None,
        outcome: SendOutcome::Interrupted {
            broke: Broken::Closed,
        },
    };
    let text = message(plan, machine, unix, &message_id);
    obs.outcome = match transaction(wire, plan, &text, deadline, &mut obs).await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    obs
}

/// MAIL, RCPT, DATA and the message; each reply is kept in `obs`. `Err` is where it stopped.
async fn transaction<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    plan: &SendPlan,
    text: &str,
    deadline: Deadline,
    obs: &mut SendObservation,
) -> Result<SendOutcome, SendOutcome> {
    let mail = Command::MailFrom(&plan.from);
    let r = command(wire, &mail, deadline, &mut obs.mail_from).await?;
    if !r.is_positive() {
        return Err(SendOutcome::SenderRejected);
    }
    let rcpt = Command::RcptTo(&plan.to);
    let r = command(wire, &rcpt, deadline, &mut obs.rcpt_to).await?;
    if !r.is_positive() {
        return Err(SendOutcome::RecipientRejected);
    }
    let r = command(wire, &Command::Data, deadline, &mut obs.data).await?;
    if r.code != 354 {
        return Err(SendOutcome::MessageRejected);
    }
    wire.send(&Command::Message(text), deadline)
        .await
        .map_err(|e| SendOutcome::Interrupted { broke: e.into() })?;
    let r = wire.read_reply(deadline).await.map_err(interrupted)?;
    obs.final_reply = Some((&r).into());
    if !r.is_positive() {
        return Ok(SendOutcome::MessageRejected);
    }
    obs.queue_id = queue_id(&r.text());
    Ok(SendOutcome::Accepted)
}

/// One command; its reply is kept in `slot`.
async fn command<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    cmd: &Command<'_>,
    deadline: Deadline,
    slot: &mut Option<ReplySummary>,
) -> Result<Reply, SendOutcome> {
    let r = wire.command(cmd, deadline).await.map_err(interrupted)?;
    *slot = Some((&r).into());
    Ok(r)
}

fn interrupted(e: ReplyError) -> SendOutcome {
    SendOutcome::Interrupted { broke: e.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_queue_ids() {
        assert_eq!(rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(
            rfc5322_date(1_765_324_800),
            "Wed, 10 Dec 2025 00:00:00 +0000"
        );
        assert_eq!(
            queue_id("2.0.0 Ok: queued as 4F3A21C0B2").as_deref(),
            Some("4F3A21C0B2")
        );
        assert_eq!(
            queue_id(
                "2.0.0 OK 1700000000 d2-20020a05600c4b0200b0040b2c195523sm123456wmq.1 - gsmtp"
            )
            .as_deref(),
            Some("d2-20020a05600c4b0200b0040b2c195523sm123456wmq.1")
        );
        assert_eq!(queue_id("OK"), None);
    }

    #[test]
    fn message_is_well_formed() {
        let plan = SendPlan {
            from: crate::plan::Mailbox::parse("a@example.com").unwrap(),
            to: crate::plan::Mailbox::parse("b@example.com").unwrap(),
        };
        let m = message(&plan, "pc-01", 0, "<1.abc@smtp-doctor>");
        // A machine name cannot add a header line or end the message.
        let evil = message(&plan, "pc\r\nBcc: x@evil.test\r\n.\r\n", 0, "<1@x>");
        assert!(
            !evil.contains("\r\nBcc:") && !evil.contains("\r\n.\r\n"),
            "{evil}"
        );
        assert!(m.starts_with("Date: Thu, 1 Jan 1970 00:00:00 +0000\r\nFrom: <a@example.com>\r\n"));
        assert!(m.contains("\r\nMessage-ID: <1.abc@smtp-doctor>\r\n"));
        assert!(m.contains("\r\n\r\nThis is a test message"));
        assert!(m.ends_with("\r\n."));
        assert!(!m.contains("\n\n"), "CRLF only");
    }
}
