//! The library's layers (README, "How it works"), and the command line's: a module may use
//! only modules of its own layer or of the layers before it. Read from the sources, so a new
//! `use crate::…` (or, in the binary, `super::…`) that points down the list fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// Bottom first. Modules in one layer may use each other.
const LAYERS: &[&[&str]] = &[
    &["model", "printable", "files", "runner"],
    &["knowledge"],
    &["plan"],
    &["i18n", "frameworks"],
    &["probe", "engine"],
    &["diagnosis"],
    &["settings", "targets", "explain"],
    &["report", "diff", "render"],
    &["lab", "testing"],
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

/// The crate's documentation lists its layers: it names every module of `src/lib.rs`, each in
/// the layer `LAYERS` gives it (a public module as a link, but for `lab`, which exists only with
/// its feature, and the hidden `testing`).
#[test]
fn the_layer_list_in_lib_rs_names_every_module_in_its_layer() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let doc: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .skip_while(|l| !l.contains("Layers, bottom first"))
        .collect();
    // One bullet per layer: "- [`model`], [`printable`]: …", carried on over indented lines.
    let mut bullets: Vec<String> = Vec::new();
    for line in &doc {
        if let Some(b) = line.trim_start().strip_prefix("- ") {
            bullets.push(b.to_string());
        } else if line.starts_with("   ") && !bullets.is_empty() {
            bullets.last_mut().unwrap().push_str(line);
        }
    }
    let mut wrong = Vec::new();
    for line in lib.lines().filter(|l| !l.starts_with("//")) {
        let Some(decl) = line.trim().strip_suffix(';') else {
            continue;
        };
        let name = match decl.split_whitespace().collect::<Vec<_>>()[..] {
            ["pub" | "pub(crate)", "mod", name] | ["mod", name] => name,
            _ => continue,
        };
        let bullet = bullets.iter().position(|b| {
            let head = b.split(':').next().unwrap_or("");
            head.contains(&format!("[`{name}`]"))
                || b.contains(&format!("`{name}` ("))
                || head.contains(&format!("`{name}`"))
        });
        let Some(bullet) = bullet else {
            wrong.push(format!("{name}: not named in lib.rs's layer list"));
            continue;
        };
        // testing and lab share the last bullet; the test layers are LAYERS' own.
        if name != "testing" && layer_of(name) != Some(bullet) {
            wrong.push(format!(
                "{name}: in bullet {bullet} of lib.rs, layer {:?} of LAYERS",
                layer_of(name)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The command line's modules (`src/cli`), bottom first. `args` owns every flag and every
/// usage text; the commands use it, never the reverse. `serve::allow` and `serve::request` are
/// `serve`'s pure parsers (`args` parses `--allow` and `--allow-host` with them); `cli` is
/// `src/cli/mod.rs`, the dispatch, which nothing uses.
const CLI_LAYERS: &[&[&str]] = &[
    &["usage", "serve::allow", "serve::request"],
    &["args"],
    &["output", "config", "serve_config"],
    &["check", "explain", "many", "preflight", "serve"],
    &["cli"],
];

fn cli_layer_of(module: &str) -> Option<usize> {
    CLI_LAYERS.iter().position(|l| l.contains(&module))
}

/// The `CLI_LAYERS` module of a module path (`["cli", "serve", "probe"]`): a file of
/// `serve/` is `serve` but for its two pure parsers; an item of `src/cli/mod.rs` is `cli`.
fn cli_module(path: &[String], modules: &[String]) -> String {
    match path {
        [_, serve, pure, ..] if serve == "serve" && (pure == "allow" || pure == "request") => {
            format!("serve::{pure}")
        }
        [_, name, ..] if modules.contains(name) => name.clone(),
        _ => "cli".to_string(),
    }
}

/// The module paths a file at `me` (`["cli", "serve", "probe"]`) names with `super::`,
/// `crate::cli::` or `self::`, outside its `#[cfg(test)]` module.
fn cli_uses(source: &str, me: &[String]) -> Vec<Vec<String>> {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let starts_word = at == 0 || !code[..at].ends_with(ident);
        let (mut base, mut tail): (Vec<String>, &str) = if !starts_word {
            (Vec::new(), "")
        } else if let Some(t) = rest.strip_prefix("crate::cli::") {
            (vec!["cli".to_string()], t)
        } else if rest.starts_with("super::") {
            (me.to_vec(), rest)
        } else {
            (Vec::new(), "")
        };
        if base.is_empty() {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        while let Some(t) = tail.strip_prefix("super::") {
            base.pop();
            tail = t;
        }
        let mut path = base;
        loop {
            let name: String = tail.chars().take_while(|c| ident(*c)).collect();
            if name.is_empty() {
                break;
            }
            tail = &tail[name.len()..];
            path.push(name);
            match tail.strip_prefix("::") {
                Some(t) => tail = t,
                None => break,
            }
        }
        found.push(path);
        at = code.len() - tail.len();
    }
    found
}

/// Every file of `src/cli` with its module path.
fn cli_files(dir: &Path, path: Vec<String>, out: &mut Vec<(Vec<String>, std::path::PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().path();
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let mut child = path.clone();
        if file.is_dir() {
            child.push(name);
            cli_files(&file, child, out);
        } else if file.extension().is_some_and(|e| e == "rs") {
            if name != "mod" {
                child.push(name);
            }
            out.push((child, file));
        }
    }
}

#[test]
fn no_module_of_the_command_line_uses_one_further_down() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join("cli");
    let mut files = Vec::new();
    cli_files(&dir, vec!["cli".to_string()], &mut files);
    let modules: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .filter(|m| m != "mod")
        .collect();
    assert!(modules.contains(&"args".to_string()), "{modules:?}");
    let mut wrong = Vec::new();
    for (path, file) in &files {
        let mine = cli_module(path, &modules);
        let Some(my_layer) = cli_layer_of(&mine) else {
            wrong.push(format!("{mine} is in no layer: add it to CLI_LAYERS"));
            continue;
        };
        let source = std::fs::read_to_string(file).unwrap();
        for used in cli_uses(&source, path) {
            let theirs = cli_module(&used, &modules);
            if theirs == mine {
                continue;
            }
            match cli_layer_of(&theirs) {
                Some(l) if l <= my_layer => {}
                Some(_) => wrong.push(format!(
                    "{}: {mine} uses {theirs} ({}), a later layer",
                    file.display(),
                    used.join("::")
                )),
                None => wrong.push(format!("{}: {theirs} is in no layer", file.display())),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_a_wrong_use_in_the_command_line() {
    let me = ["cli".to_string(), "args".to_string()];
    let uses = cli_uses(
        "#[command(after_help = super::explain::EXAMPLES)]\nuse super::super::x;\nfn f() { super::check_observations() }\nuse crate::cli::serve::allow::parse;\n#[cfg(test)]\nuse super::y;",
        &me,
    );
    assert_eq!(
        uses,
        vec![
            vec!["cli", "explain", "EXAMPLES"],
            vec!["x"],
            vec!["cli", "check_observations"],
            vec!["cli", "serve", "allow", "parse"],
        ]
    );
    let modules = ["explain".to_string(), "serve".to_string()];
    assert_eq!(cli_module(&uses[0], &modules), "explain");
    assert_eq!(cli_module(&uses[2], &modules), "cli");
    assert_eq!(cli_module(&uses[3], &modules), "serve::allow");
    assert!(cli_layer_of("explain") > cli_layer_of("args"));
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

/// The diagnosis decides with its own words: the message catalogue defines none of the
/// vocabularies it chooses among (what failed, the causes, the symptoms, the codes); it holds
/// their sentences, keyed by them, so a decision never depends on the catalogue's types.
#[test]
fn the_catalogue_defines_no_vocabulary_of_the_diagnosis() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join("i18n.rs")];
    for entry in std::fs::read_dir(src.join("i18n")).unwrap() {
        files.push(entry.unwrap().path());
    }
    let mut wrong = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for name in [
            "Cause",
            "Symptom",
            "ErrorKind",
            "AppErrorKind",
            "FindingCode",
            "Severity",
            "Verdict",
        ] {
            if source.contains(&format!("pub enum {name} ")) {
                wrong.push(format!("{}: defines {name}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The library's modules that are public: each is a namespace chosen on purpose (the
/// observations, the formats, the application's settings, the lab and the hidden entry points
/// for tests). Everything else a library user may rely on is one `pub use` in lib.rs; a `pub`
/// item of a private module that is not re-exported there fails `unreachable_pub`.
const PUBLIC_MODULES: &[&str] = &[
    "lab",
    "model",
    "render",
    "render::json",
    "render::markdown",
    "render::prometheus",
    "render::terminal",
    "settings",
    "testing",
    // The decoders of the machine's security answers: reached only as `testing::decode`.
    "probe::security::decode",
];

/// Every `pub mod` of the library under `src`, as its path in the crate (`render::json`).
fn public_modules(src: &Path) -> Vec<String> {
    fn walk(dir: &Path, parent: &[String], out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if parent.is_empty() && ["cli", "main"].contains(&name.as_str()) {
                continue; // the binary's own modules, not the library's
            }
            let mut here = parent.to_vec();
            if !["lib", "mod"].contains(&name.as_str()) {
                here.push(name);
            }
            if path.is_dir() {
                walk(&path, &here, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                for line in source.lines() {
                    let Some(rest) = line.trim().strip_prefix("pub mod ") else {
                        continue;
                    };
                    let module: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    let mut full = here.clone();
                    full.push(module);
                    out.push(full.join("::"));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(src, &[], &mut out);
    out.sort();
    out
}

#[test]
fn the_library_makes_public_only_its_chosen_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = public_modules(&root.join("src"));
    assert_eq!(
        found,
        {
            let mut chosen = PUBLIC_MODULES.to_vec();
            chosen.sort();
            chosen
        },
        "make a module private and re-export in lib.rs what users need, or add it here"
    );
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert!(
        lib.lines()
            .any(|l| l == "#![warn(unreachable_pub)]" || l == "#![deny(unreachable_pub)]"),
        "lib.rs must refuse `pub` items that are not exported"
    );
}

/// The names of the catalogue's rendering functions: every function of `src/i18n*` that takes
/// the language (`fn NAME(lang: Lang, …)`), the ones that turn a message into words.
fn catalogue_renderers() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join("i18n.rs")];
    for entry in std::fs::read_dir(src.join("i18n")).unwrap() {
        files.push(entry.unwrap().path());
    }
    let mut names = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(file).unwrap();
        for (i, _) in source.match_indices("fn ") {
            let rest = &source[i + 3..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let params = &rest[name.len()..];
            let takes_lang = params.starts_with('(')
                && params[..params.find(')').unwrap_or(params.len())].contains(": Lang");
            if takes_lang && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Whether `code` names `word` as a whole identifier.
fn names_identifier(code: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(word)
        .any(|(i, _)| !code[..i].ends_with(ident) && !code[i + word.len()..].starts_with(ident))
}

/// What the diagnosis says is typed (`Said`): the sentence is rendered once, where the report
/// is built for a language. So no file of `src/diagnosis` (outside its tests) calls or imports
/// one of the catalogue's rendering functions, or knows the language at all.
#[test]
fn the_diagnosis_renders_no_sentence() {
    let renderers = catalogue_renderers();
    assert!(
        ["message", "word"]
            .iter()
            .all(|n| renderers.contains(&n.to_string())),
        "{renderers:?}"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/diagnosis");
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        // `Options` carries the report's language to where the report is built; declaring
        // that field is not reading it.
        let code = source
            .split("#[cfg(test)]")
            .next()
            .unwrap_or("")
            .replace("pub lang: crate::i18n::Lang,", "");
        let code = code.as_str();
        let file = path.display();
        for word in ["Lang", "lang"] {
            if names_identifier(code, word) {
                wrong.push(format!("{file}: knows the language ({word})"));
            }
        }
        // Every mention of the catalogue, its path (`i18n::domain::word`) or its import list
        // (`i18n::domain::{message, DomainMsg};`).
        for (i, _) in code.match_indices("i18n::") {
            let rest = &code[i..];
            let path = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let item = if rest[path..].starts_with('{') {
                &rest[..rest.find(';').unwrap_or(rest.len())]
            } else {
                &rest[..path]
            };
            for name in &renderers {
                if names_identifier(item, name) {
                    wrong.push(format!("{file}: uses the catalogue's {name}: {item}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
