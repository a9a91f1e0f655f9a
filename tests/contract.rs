//! docs/CONTRACT.md is the output contract in the repository. Every finding code it names is a
//! code the program has (spelt the same), and every code the program has is named there or in
//! the README's table of codes: a code cannot be added, renamed or dropped without the page
//! that users and outside test suites read saying so.

use smtp_doctor::FindingCode;
use std::collections::BTreeSet;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every `layer.name` in backticks in `text` (a `*` wildcard kept as written).
fn codes_in(text: &str) -> BTreeSet<String> {
    const LAYERS: &[&str] = &[
        "dns", "tcp", "net", "smtp", "tls", "config", "auth", "send", "app", "port", "domain",
    ];
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.split_once('.').is_some_and(|(layer, name)| {
                LAYERS.contains(&layer)
                    && !name.is_empty()
                    && name.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '*'
                    })
            })
        })
        .map(str::to_string)
        .collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap()
}

#[test]
fn every_code_the_contract_names_is_a_code_of_the_program() {
    let contract = codes_in(&read("docs/CONTRACT.md"));
    assert!(contract.len() > 40, "{contract:?}");
    let program: BTreeSet<&str> = FindingCode::ALL.iter().map(|c| c.as_str()).collect();
    for code in &contract {
        let known = match code.strip_suffix('*') {
            Some(prefix) => program.iter().any(|c| c.starts_with(prefix)),
            None => program.contains(code.as_str()),
        };
        assert!(
            known,
            "docs/CONTRACT.md names {code}, which the program does not have"
        );
    }
}

#[test]
fn every_code_of_the_program_is_documented() {
    let documented: BTreeSet<String> = codes_in(&read("docs/CONTRACT.md"))
        .into_iter()
        .chain(codes_in(&read("README.md")))
        .collect();
    for code in FindingCode::ALL {
        let code = code.as_str();
        let by_wildcard = documented
            .iter()
            .any(|d| d.strip_suffix('*').is_some_and(|p| code.starts_with(p)));
        assert!(
            documented.contains(code) || by_wildcard,
            "{code} is in neither docs/CONTRACT.md nor the README's table of codes"
        );
    }
}

#[test]
fn the_check_sees_codes_in_backticks_only() {
    let found = codes_in("`tcp.filtered` and `app.*`, not tcp.refused nor `README.md` or `x.y`");
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["app.*", "tcp.filtered"]
    );
}
