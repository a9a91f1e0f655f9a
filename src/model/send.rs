//! The test message as observed.

use super::Broken;
use super::ReplySummary;
use serde::{Deserialize, Serialize};

/// Which step stopped the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum SendOutcome {
    /// Accepted for delivery.
    Accepted,
    /// MAIL FROM refused.
    SenderRejected,
    /// RCPT TO refused.
    RecipientRejected,
    /// DATA, or the message after it, refused.
    MessageRejected,
    /// The dialogue broke off.
    Interrupted {
        /// What happened.
        broke: Broken,
    },
}

/// The sending step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendObservation {
    /// Envelope sender.
    pub from: String,
    /// Envelope recipient.
    pub to: String,
    /// The Message-ID header we set.
    pub message_id: String,
    /// Reply to MAIL FROM.
    pub mail_from: Option<ReplySummary>,
    /// Reply to RCPT TO.
    pub rcpt_to: Option<ReplySummary>,
    /// Reply to DATA (354) and to the message (250).
    pub data: Option<ReplySummary>,
    /// The final reply.
    pub final_reply: Option<ReplySummary>,
    /// The queue id the server gave, when it says one.
    pub queue_id: Option<String>,
    /// How it ended.
    pub outcome: SendOutcome,
}
