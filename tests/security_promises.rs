//! SECURITY.md is a list of promises, and each promise names the tests that show it:
//! `[tests: path::name, …]` at the end of its table row, list item or paragraph. This test
//! holds the page to that: every promise (a row, an item or a paragraph of the sections after
//! "Reporting a problem") names at least one test, and every test it names exists — a Rust test
//! function (`fn name`) in that file, or, for a script of the e2e or packaging tiers, a fuzz
//! target or a crate attribute, the text of its check. A promise whose test is renamed or removed, or a new sentence with no test
//! behind it, fails here.

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The references of one promise: `[tests: a::b, c::d]`.
fn references(block: &str) -> Vec<(String, String)> {
    // A reference may be wrapped across lines like the prose around it.
    let block = block.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = Vec::new();
    let mut rest = block.as_str();
    while let Some(i) = rest.find("[tests: ") {
        let after = &rest[i + "[tests: ".len()..];
        let Some(end) = after.find(']') else { break };
        for item in after[..end].split(',') {
            let item = item.trim().trim_matches('`');
            if let Some((path, name)) = item.rsplit_once("::") {
                out.push((path.to_string(), name.to_string()));
            } else {
                out.push((item.to_string(), String::new()));
            }
        }
        rest = &after[end..];
    }
    out
}

/// Whether `name` is a test in the file at `path`.
fn exists(path: &str, name: &str) -> Result<(), String> {
    let file = Path::new(ROOT).join(path);
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{path}: {e}"))?;
    if name.is_empty() {
        return Err(format!("{path}: no test named (write path::name)"));
    }
    let identifier = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let found = if path.ends_with(".rs") && identifier {
        text.contains(&format!("fn {name}("))
    } else {
        // A script's check, a fuzz target or an attribute is named by the text that makes it.
        text.contains(name)
    };
    if found {
        Ok(())
    } else {
        Err(format!("{path}: no test `{name}`"))
    }
}

/// The promises: table rows (not the header or its rule), list items with their continuation
/// lines, and paragraphs, in every section after the first ("Reporting a problem" is a
/// procedure, not a promise).
fn promises(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut section = 0;
    let mut in_table = false;
    let flush = |current: &mut String, out: &mut Vec<String>| {
        if !current.trim().is_empty() {
            out.push(std::mem::take(current));
        }
        current.clear();
    };
    for line in page.lines() {
        if line.starts_with("## ") {
            flush(&mut current, &mut out);
            section += 1;
            continue;
        }
        if line.starts_with('#') || section < 2 {
            continue;
        }
        let t = line.trim_start();
        if !t.starts_with('|') {
            in_table = false;
        }
        if t.is_empty() {
            flush(&mut current, &mut out);
            continue;
        }
        if t.starts_with('|') {
            flush(&mut current, &mut out);
            // The first row of a table is its header, the second its rule.
            let header = !in_table;
            in_table = true;
            if !header && !t.starts_with("| ---") && !t.starts_with("|---") {
                out.push(t.to_string());
            }
            continue;
        }
        if t.starts_with("- ") {
            flush(&mut current, &mut out);
        }
        current.push_str(t);
        current.push('\n');
    }
    flush(&mut current, &mut out);
    // A lead-in that ends with a colon introduces the list below it: not a promise of its own.
    out.retain(|p| !p.trim_end().ends_with(':'));
    out
}

#[test]
fn every_promise_in_security_md_names_tests_that_exist() {
    let page = std::fs::read_to_string(Path::new(ROOT).join("SECURITY.md")).unwrap();
    let promises = promises(&page);
    assert!(promises.len() > 20, "{} promises read", promises.len());
    let mut problems = Vec::new();
    for p in &promises {
        let refs = references(p);
        if refs.is_empty() {
            problems.push(format!("no test named for: {}", p.trim()));
        }
        for (path, name) in refs {
            if let Err(e) = exists(&path, &name) {
                problems.push(e);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_check_sees_a_promise_without_a_test_and_a_test_that_is_gone() {
    let page = "## Reporting\nignored\n\n## Promises\n\n| a | b |\n| --- | --- |\n| x | y [tests: tests/security_promises.rs::references] |\n| z | no test |\n\n- an item [tests: tests/security_promises.rs::no_such_test]\n- another item\n  carried on [tests: tests/security_promises.rs::exists]\n\nA paragraph with none.\n";
    let p = promises(page);
    assert_eq!(p.len(), 5, "{p:?}");
    let missing: Vec<_> = p.iter().filter(|x| references(x).is_empty()).collect();
    assert_eq!(missing.len(), 2, "{missing:?}");
    let gone: Vec<_> = p
        .iter()
        .flat_map(|x| references(x))
        .filter(|(path, name)| exists(path, name).is_err())
        .collect();
    assert_eq!(
        gone,
        [(
            "tests/security_promises.rs".to_string(),
            "no_such_test".to_string()
        )]
    );
}

#[test]
fn unsafe_code_is_only_where_security_md_says() {
    // SECURITY.md names the places with `unsafe` (all Windows calls): a new one must be
    // argued there first.
    fn visit(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let uses = text.lines().any(|l| {
                    let code = l.split("//").next().unwrap_or("");
                    code.contains("unsafe {")
                        || code.contains("unsafe fn")
                        || code.contains("unsafe impl")
                });
                if uses {
                    let rel = path
                        .strip_prefix(ROOT)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    found.push(rel);
                }
            }
        }
    }
    let mut found = Vec::new();
    visit(&Path::new(ROOT).join("src"), &mut found);
    found.sort();
    assert_eq!(
        found,
        [
            "src/cli/output.rs",
            "src/lab.rs",
            "src/probe/security/windows.rs",
            "src/runner.rs"
        ]
    );
    let page = std::fs::read_to_string(Path::new(ROOT).join("SECURITY.md")).unwrap();
    for file in &found {
        assert!(
            page.contains(&format!("`{file}`")),
            "SECURITY.md does not name {file}"
        );
    }
}
