//! Django's effective settings, asked of the project's own Python.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Runs the project's own Python to ask Django for its effective email settings.
pub(super) fn effective_settings(dir: &Path, keys: &[&str]) -> Option<BTreeMap<String, String>> {
    let candidates = [
        dir.join(".venv/bin/python"),
        dir.join("venv/bin/python"),
        dir.join("env/bin/python"),
        dir.join(".venv/Scripts/python.exe"),
        dir.join("venv/Scripts/python.exe"),
        PathBuf::from("python3"),
        PathBuf::from("python"),
    ];
    // The keys are our own constants (upper-case names), so they are safe inside the literal.
    let keys: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
    let script = format!(
        "import json\nfrom django.conf import settings as s\nkeys=[{}]\nprint('SMTP_DOCTOR_JSON'+json.dumps({{k: getattr(s,k,None) for k in keys}}, default=str))",
        keys.join(",")
    );
    for python in candidates {
        if python.components().count() > 1 && !python.exists() {
            continue;
        }
        let child = std::process::Command::new(&python)
            .arg("manage.py")
            .arg("shell")
            .arg("-c")
            .arg(&script)
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn();
        let Ok(child) = child else { continue };
        let Ok(out) = child.wait_with_output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(json) = text
            .lines()
            .find_map(|l| l.strip_prefix("SMTP_DOCTOR_JSON"))
        else {
            continue;
        };
        let Ok(map) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(json) else {
            continue;
        };
        return Some(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let s = match v {
                        serde_json::Value::String(s) => s,
                        serde_json::Value::Bool(b) => if b { "True" } else { "False" }.to_string(),
                        other => other.to_string(),
                    };
                    (k, s)
                })
                .collect(),
        );
    }
    None
}
