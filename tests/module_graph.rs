//! The house plan holds: every `crate::` path in the library runs downhill, between the
//! top-level modules and between the model families. Unit tests (`#[cfg(test)] mod tests`) are
//! left out, as in ../shared/tools/module-cycles.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The library's top-level modules, lowest first. A module may use only modules of a lower
/// layer; modules in one layer do not use each other.
const LAYERS: &[&[&str]] = &[
    &["fnv", "jsonl"],
    &["dataset", "store", "sentiment"],
    &["models", "clients", "domain"],
    &["config", "eval"],
    &["index"],
    &["services"],
    &["api"],
    &["startup"],
];

/// The model families, lowest first, with the same rule inside `models`.
const FAMILIES: &[&[&str]] = &[&["popularity", "content", "collab", "search"], &["hybrid"]];

fn layer_of(layers: &[&[&str]], name: &str) -> Option<usize> {
    layers.iter().position(|l| l.contains(&name))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its unit-test module.
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// `a::b` for every `crate::a::b` in the text (`b` empty when the path stops at `a`).
fn crate_paths(text: &str) -> BTreeSet<(String, String)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        if text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `my_crate::`
        }
        let rest = &text[i + "crate::".len()..];
        assert!(
            !rest.starts_with('{'),
            "write `use crate::a::...;` once per module so this check can read it"
        );
        let first = ident(rest);
        let second = rest[first.len()..]
            .strip_prefix("::")
            .map(ident)
            .unwrap_or_default();
        out.insert((first, second));
    }
    out
}

#[test]
fn every_import_runs_downhill() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut uphill = Vec::new();
    let mut checked = 0;
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let module = parts[0].as_str();
        if matches!(module, "lib" | "main" | "cli") {
            continue; // the crate roots and the binary's own modules sit above everything
        }
        let Some(layer) = layer_of(LAYERS, module) else {
            panic!("src/{} is in no layer of LAYERS: add it", rel.display());
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (to, inner) in crate_paths(without_tests(&text)) {
            checked += 1;
            if to == module {
                // Inside `models`, families only use lower families.
                if module == "models" && parts.len() > 1 && !inner.is_empty() {
                    let (from_family, to_family) = (parts[1].as_str(), inner.as_str());
                    if from_family != to_family {
                        let (a, b) = (
                            layer_of(FAMILIES, from_family),
                            layer_of(FAMILIES, to_family),
                        );
                        if a.is_none() || b.is_none() || b >= a {
                            uphill.push(format!(
                                "src/{}: models::{from_family} uses models::{to_family}",
                                rel.display()
                            ));
                        }
                    }
                }
                continue;
            }
            match layer_of(LAYERS, &to) {
                Some(l) if l < layer => {}
                _ => uphill.push(format!("src/{}: {module} uses crate::{to}", rel.display())),
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} crate paths found: is the parser right?"
    );
    assert!(
        uphill.is_empty(),
        "imports that run uphill or sideways:\n{}",
        uphill.join("\n")
    );
}

#[test]
fn the_parser_sees_paths_and_skips_unit_tests() {
    let text = "use crate::models::hybrid::Signals;\nfn f() { crate::fnv::Fnv::default(); }\n\
                #[cfg(test)]\nmod tests { use crate::api::AppState; }";
    let paths = crate_paths(without_tests(text));
    let expected: BTreeSet<(String, String)> = [("models", "hybrid"), ("fnv", "Fnv")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(paths, expected);
}
