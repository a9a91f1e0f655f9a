//! The library's layers (README, "How it works"): a module may use only modules of its own
//! layer or of the layers before it. Read from the sources, so a new `use crate::…` that points
//! down the list fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// Bottom first. Modules in one layer may use each other.
const LAYERS: &[&[&str]] = &[
    &["model", "text", "files", "runner"],
    &["knowledge"],
    &["plan"],
    &["i18n", "frameworks"],
    &["probe", "engine"],
    &["diagnosis"],
    &["settings", "targets", "explain"],
    &["report", "diff", "render"],
    &["lab"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `crate::NAME` a file refers to, outside its `#[cfg(test)]` module.
fn uses(source: &str) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        found.push(name);
    }
    found
}

fn visit(dir: &Path, top: Option<&str>, out: &mut BTreeMap<String, Vec<(String, String)>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let module = top.map(str::to_string).unwrap_or_else(|| name.clone());
        if path.is_dir() {
            if module != "cli" {
                visit(&path, Some(&module), out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && !["lib", "main"].contains(&name.as_str())
        {
            let source = std::fs::read_to_string(&path).unwrap();
            for used in uses(&source) {
                out.entry(module.clone())
                    .or_default()
                    .push((used, path.display().to_string()));
            }
        }
    }
}

#[test]
fn no_module_uses_one_further_down() {
    let mut all = BTreeMap::new();
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        None,
        &mut all,
    );
    assert!(
        all.contains_key("diagnosis") && all.contains_key("probe"),
        "{all:?}"
    );
    let mut wrong = Vec::new();
    for (module, used) in &all {
        let Some(mine) = layer_of(module) else {
            wrong.push(format!(
                "{module} is in no layer: add it to LAYERS and the README"
            ));
            continue;
        };
        for (other, file) in used {
            if other == module {
                continue;
            }
            match layer_of(other) {
                Some(theirs) if theirs <= mine => {}
                Some(_) => wrong.push(format!("{file}: {module} uses {other}, a later layer")),
                None => wrong.push(format!("{file}: {other} is in no layer")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_a_wrong_use() {
    assert_eq!(
        uses("use crate::probe::x;\nfn f() { crate::report::y() }\n#[cfg(test)]\nuse crate::lab;"),
        vec!["probe", "report"]
    );
    assert!(layer_of("diagnosis") > layer_of("probe"));
}

/// Every test starts the binary through `tests/support/binary.rs`, which runs it on a plain
/// machine: a hand-built spawn forgets the machine override, and the container or cloud VM
/// the tests run in then changes the findings.
#[test]
fn the_binary_is_started_only_through_the_support_helper() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let helper = tests.join("support").join("binary.rs");
    let needle = concat!("CARGO_BIN_", "EXE_");
    let mut hand_built = Vec::new();
    for dir in [tests.clone(), tests.join("support")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") && path != helper {
                let source = std::fs::read_to_string(&path).unwrap();
                if source.contains(needle) {
                    hand_built.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        hand_built.is_empty(),
        "start the binary with support::binary::smtp_doctor(): {hand_built:?}"
    );
}
