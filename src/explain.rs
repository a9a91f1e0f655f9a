//! `explain`: from an error text a user pasted (a traceback, a log excerpt, one exception's
//! message) to the layer that failed, the contract's finding code, the likely causes ranked, and
//! the smtp-doctor command that confirms it.
//!
//! The text is untrusted: it is classified by `knowledge::errors::classify` (bounded,
//! pure), a host it names reaches the confirming command only once [`crate::plan::validate_host`]
//! accepted it, and nothing of the input is echoed except through [`crate::printable::escape`].

use crate::diagnosis::finding::Layer;
pub(crate) use crate::diagnosis::vocabulary::{causes_for, code_for, Cause};
use crate::diagnosis::FindingCode;
use crate::i18n::{self, ExplainWord, Lang};
pub use crate::knowledge::errors::{Classified, ErrorKind, Runtime};

/// What a pasted error text means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// What the classifier read in the text.
    pub classified: Classified,
    /// The contract's finding code, when the text says enough for one.
    pub code: Option<FindingCode>,
    /// The layer that failed.
    pub layer: Option<Layer>,
    /// The server: validated (`--host`, else the text's), in its one spelling.
    pub host: Option<String>,
    /// The port named in the text.
    pub port: Option<u16>,
    /// The likely causes, most likely first.
    pub causes: Vec<Cause>,
    /// The ports the confirming command probes.
    pub ports: Vec<u16>,
    /// The sender's domain a receiver's refusal names, validated: the confirming command
    /// checks it (`--from postmaster@DOMAIN`).
    pub sender_domain: Option<String>,
}

/// Explains `text`. `host` (from `--host`), when given, must be valid and replaces the text's.
pub fn explain(text: &str, host: Option<&str>) -> Result<Explanation, crate::plan::PlanError> {
    let classified = crate::knowledge::errors::classify(text);
    let host = match host {
        Some(h) => Some(crate::plan::validate_host(h)?.to_string()),
        None => classified
            .host
            .as_deref()
            .and_then(|h| crate::plan::validate_host(h).ok())
            .map(|h| h.to_string()),
    };
    let port = classified.port;
    let (code, layer, causes) = match classified.kind {
        Some(kind) => {
            let code = code_for(kind, port);
            let layer = code.map(FindingCode::layer).or(Some(Layer::Tcp));
            let mut causes = causes_for(kind, port);
            if classified.at_ehlo {
                // Refused in answer to EHLO: the name the client sent comes first.
                causes.retain(|c| *c != Cause::EhloNameInvalid);
                causes.insert(0, Cause::EhloNameInvalid);
            }
            (code, layer, causes)
        }
        None => (None, None, Vec::new()),
    };
    let mut ports = Vec::new();
    if let Some(p) = port {
        ports.push(p);
    }
    for p in crate::model::DEFAULT_PORTS {
        if !ports.contains(&p) {
            ports.push(p);
        }
    }
    let sender_domain = classified
        .sender_domain
        .as_deref()
        .and_then(|d| crate::plan::validate_host(d).ok())
        .filter(|d| d.ip().is_none())
        .map(|d| d.to_string());
    Ok(Explanation {
        classified,
        code,
        layer,
        host,
        port,
        causes,
        ports,
        sender_domain,
    })
}

/// The JSON spelling of a layer.
pub(crate) fn layer_str(layer: Layer) -> &'static str {
    match layer {
        Layer::Config => "config",
        Layer::Dns => "dns",
        Layer::Tcp => "tcp",
        Layer::Smtp => "smtp",
        Layer::Tls => "tls",
        Layer::Auth => "auth",
        Layer::Send => "send",
        // A receiver's refusal of the domain shows at sending.
        Layer::Domain => "send",
    }
}

impl Explanation {
    /// Whether the text was recognised.
    pub fn recognised(&self) -> bool {
        self.classified.kind.is_some()
    }

    /// The smtp-doctor command that confirms the explanation: only a validated host goes in,
    /// else the placeholder `HOST`.
    pub fn next(&self) -> String {
        let mut cmd = format!(
            "smtp-doctor check {}",
            self.host.as_deref().unwrap_or("HOST")
        );
        for p in &self.ports {
            cmd.push_str(&format!(" --port {p}"));
        }
        if let Some(from) = self.sender() {
            cmd.push_str(&format!(" --from {from}"));
        }
        cmd
    }

    /// The sender whose domain the confirming check examines, when a receiver's refusal
    /// names the domain (a validated host name: safe in a command).
    pub fn sender(&self) -> Option<String> {
        self.sender_domain
            .as_ref()
            .map(|d| format!("postmaster@{d}"))
    }

    /// The contract's JSON object (`explain --json`).
    pub fn to_json(&self, lang: Lang) -> serde_json::Value {
        let c = &self.classified;
        serde_json::json!({
            "recognised": self.recognised(),
            "code": self.code.map(FindingCode::as_str),
            "layer": self.layer.map(layer_str),
            "host": self.host,
            "port": self.port,
            "runtime": c.runtime.map(Runtime::as_str),
            "causes": self.causes.iter().map(|&k| serde_json::json!({"message": i18n::cause(lang, k)})).collect::<Vec<_>>(),
            "next": self.next(),
            "summary": c.kind.map(|k| i18n::explain_headline(lang, k)),
            "reply": c.code.map(|code| serde_json::json!({"code": code, "enhanced": c.enhanced})),
        })
    }

    /// The explanation in plain words.
    pub fn to_text(&self, lang: Lang) -> String {
        let w = |x| i18n::explain_word(lang, x);
        let mut out = String::new();
        let Some(kind) = self.classified.kind else {
            out.push_str(w(ExplainWord::NotRecognised));
            out.push('\n');
            out.push_str(w(ExplainWord::NotRecognisedHint));
            out.push_str(&format!("\n  {}\n", self.next()));
            if self.host.is_none() {
                out.push_str(&format!("  {}\n", w(ExplainWord::NoHost)));
            }
            return out;
        };
        out.push_str(i18n::explain_headline(lang, kind));
        out.push('\n');
        let mut facts = Vec::new();
        if let Some(layer) = self.layer {
            facts.push(format!("{}: {}", w(ExplainWord::Layer), layer_str(layer)));
        }
        if let Some(code) = self.code {
            facts.push(format!("{}: {}", w(ExplainWord::Code), code.as_str()));
        }
        if let Some(rt) = self.classified.runtime {
            facts.push(format!("{}: {}", w(ExplainWord::Runtime), rt.as_str()));
        }
        if let Some(h) = &self.host {
            facts.push(format!(
                "{}: {}",
                w(ExplainWord::Server),
                crate::printable::escape(h.as_bytes())
            ));
        }
        if let Some(p) = self.port {
            facts.push(format!("{}: {p}", w(ExplainWord::Port)));
        }
        if let Some(code) = self.classified.code {
            let enh = self.classified.enhanced.as_deref().unwrap_or("");
            facts.push(format!("SMTP: {code} {enh}").trim_end().to_string());
        }
        out.push_str(&format!("  {}\n\n", facts.join(" · ")));
        out.push_str(w(ExplainWord::LikelyCauses));
        out.push('\n');
        for (i, c) in self.causes.iter().enumerate() {
            out.push_str(&format!("  {}. {}\n", i + 1, i18n::cause(lang, *c)));
        }
        out.push('\n');
        out.push_str(w(ExplainWord::Confirm));
        out.push_str(&format!("\n  {}\n", self.next()));
        if self.host.is_none() {
            out.push_str(&format!("  {}\n", w(ExplainWord::NoHost)));
        }
        if matches!(self.layer, Some(Layer::Auth | Layer::Send)) {
            out.push_str(&format!("  {}\n", w(ExplainWord::LoginHint)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_layer_causes_and_texts_in_both_languages() {
        // Every kind, from the enum itself: a list written here went stale (it lacked the
        // login-required and the receivers' kinds).
        for kind in ErrorKind::ALL.iter().copied() {
            let causes = causes_for(kind, None);
            assert!(!causes.is_empty(), "{kind:?}");
            for c in causes {
                let (en, es) = (i18n::cause(Lang::En, c), i18n::cause(Lang::Es, c));
                assert!(!en.is_empty() && en != es, "{c:?}");
            }
            let (en, es) = (
                i18n::explain_headline(Lang::En, kind),
                i18n::explain_headline(Lang::Es, kind),
            );
            assert!(!en.is_empty() && en != es, "{kind:?}");
        }
    }

    #[test]
    fn a_host_that_is_not_a_host_never_reaches_the_command() {
        for text in [
            "connect ETIMEDOUT $(rm -rf ~):587",
            "Could not connect to SMTP host: a;b, port: 587",
            "Connection could not be established with host \"ssl://`id`.example.com:465\"",
        ] {
            let e = explain(text, None).unwrap();
            let next = e.next();
            assert!(
                next.starts_with("smtp-doctor check HOST") || !next.contains(['$', ';', '`', '(']),
                "{next}"
            );
        }
        assert!(explain("x", Some("a;b")).is_err());
    }

    #[test]
    fn the_greeting_on_465_is_the_starttls_mistake() {
        let e = explain("Error ETIMEDOUT: Greeting never received port 465", None).unwrap();
        assert_eq!(e.code, Some(FindingCode::ConfigStarttlsOnImplicitPort));
        let e = explain("Error ETIMEDOUT: Greeting never received", None).unwrap();
        assert_eq!(e.code, Some(FindingCode::SmtpNoGreeting));
    }
}
