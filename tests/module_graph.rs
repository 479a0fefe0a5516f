//! The house plan holds: every `crate::` path in the library runs downhill, between the
//! top-level modules and between the model families; the handlers touch no store or client; and
//! no circle runs between files, through any `crate::`, `super::` or `self::` path. Unit tests
//! (`#[cfg(test)] mod tests`) are left out, as in ../shared/tools/module-cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The library's top-level modules, lowest first. A module may use only modules of a lower
/// layer; modules in one layer do not use each other.
const LAYERS: &[&[&str]] = &[
    &["atomic_file", "fnv", "memory", "metrics", "records"],
    &["dataset", "store", "sentiment"],
    &["models", "clients", "domain"],
    &["config"],
    &["index", "eval"],
    &["services"],
    &["api"],
    &["startup"],
];

/// The model families, lowest first, with the same rule inside `models`.
const FAMILIES: &[&[&str]] = &[
    &["holdout"],
    &["popularity", "content", "collab", "search"],
    &["hybrid"],
];

/// Top-level modules a top-level module must not use although its layer would allow it.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    ("api", "store", "handlers reach the store through a service"),
    (
        "api",
        "clients",
        "handlers reach TMDB and IMDb through a service",
    ),
];

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
            for (from, forbidden, why) in FORBIDDEN {
                if module == *from && to == *forbidden {
                    uphill.push(format!("src/{}: uses crate::{to} ({why})", rel.display()));
                }
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

/// The module path of a file under src/: `models/search/mod.rs` -> ["models", "search"].
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The text without `//` comments.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads a use tree at the start of `s` (`a::b`, `a::{b, c::d}`, `a as b`), appending every
/// full path to `out` (each prefixed by `prefix`). Returns how much it read.
fn use_tree(s: &str, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut path = prefix.to_vec();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'{' {
            i += 1;
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    return i + 1;
                }
                i += use_tree(&s[i..], &path, out);
            }
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i == start {
            out.push(path);
            return i;
        }
        let name = &s[start..i];
        if name != "self" {
            path.push(name.to_string());
        }
        if s[i..].starts_with("::") {
            i += 2;
            continue;
        }
        // `x as y`: the path is x's; skip the alias.
        let rest = &s[i..];
        let trimmed = rest.trim_start();
        if let Some(alias) = trimmed.strip_prefix("as ") {
            let alias_trimmed = alias.trim_start();
            let name_len = alias_trimmed
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(alias_trimmed.len());
            i += rest.len() - alias_trimmed.len() + name_len;
        }
        out.push(path);
        return i;
    }
}

/// Every path in `text` that starts at `crate::`, `super::` or `self::`, made absolute from
/// `module` (the file's module path).
fn local_paths(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let starts = ["crate::", "super::", "self::"]
            .iter()
            .find(|p| rest.starts_with(*p));
        let at_word_start =
            !text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
        match starts {
            Some(_) if at_word_start => {
                let mut base = module.to_vec();
                let mut j = i;
                if text[j..].starts_with("crate::") {
                    base.clear();
                    j += "crate::".len();
                } else {
                    loop {
                        if text[j..].starts_with("super::") {
                            base.pop();
                            j += "super::".len();
                        } else if text[j..].starts_with("self::") {
                            j += "self::".len();
                        } else {
                            break;
                        }
                    }
                }
                let read = use_tree(&text[j..], &base, &mut out);
                i = j + read.max(1);
            }
            _ => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    out
}

/// Names a module re-exports from its children: (module, name) -> the child's module path.
fn reexports(
    files: &BTreeMap<Vec<String>, String>,
) -> BTreeMap<(Vec<String>, String), Vec<String>> {
    let mut out = BTreeMap::new();
    for (module, text) in files {
        for line in text.split(';') {
            let line = line.trim();
            let Some(tree) = ["pub use ", "pub(crate) use ", "pub(super) use "]
                .iter()
                .find_map(|p| line.strip_prefix(p))
            else {
                continue;
            };
            let tree = tree.strip_prefix("self::").unwrap_or(tree);
            let mut paths = Vec::new();
            use_tree(tree, module, &mut paths);
            for path in paths {
                let child: Vec<String> = path[..=module.len()].to_vec();
                if path.len() > module.len() + 1 && files.contains_key(&child) {
                    let name = path.last().unwrap().clone();
                    out.insert((module.clone(), name), resolve(files, &path));
                }
            }
        }
    }
    out
}

/// The deepest module (a file) that `path` names.
fn resolve(files: &BTreeMap<Vec<String>, String>, path: &[String]) -> Vec<String> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| files.contains_key(p))
        .unwrap_or_default()
}

/// Which file each file uses: an edge for every local path, except paths to the file's own
/// ancestors' items (a module's root is shared context) and from a module to its children.
/// A name a module re-exports counts as the child that defines it.
fn file_graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut all = Vec::new();
    rust_files(src, &mut all);
    let files: BTreeMap<Vec<String>, String> = all
        .iter()
        .filter(|f| {
            let first = f.strip_prefix(src).unwrap().iter().next().unwrap();
            !matches!(first.to_str(), Some("main.rs" | "cli"))
        })
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            (
                module_of(f.strip_prefix(src).unwrap()),
                without_comments(without_tests(&text)),
            )
        })
        .collect();
    let reexported = reexports(&files);
    let mut graph = BTreeMap::new();
    for (module, text) in &files {
        let mut uses = BTreeSet::new();
        for path in local_paths(text, module) {
            let mut target = resolve(&files, &path);
            // Follow re-exports down to the file that defines the name.
            while let Some(child) = path
                .get(target.len())
                .and_then(|name| reexported.get(&(target.clone(), name.clone())))
            {
                if child == &target {
                    break;
                }
                target = child.clone();
            }
            let is_ancestor = module.starts_with(&target);
            let is_descendant = target.starts_with(module);
            if !is_ancestor && !is_descendant {
                uses.insert(target);
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// The strongly connected components with more than one file.
fn circles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    // Reachability is enough at this size: a and b are on a circle when each reaches the other.
    let reach = |from: &Vec<String>| -> BTreeSet<Vec<String>> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(m) = stack.pop() {
            for n in graph.get(&m).into_iter().flatten() {
                if seen.insert(n.clone()) {
                    stack.push(n.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<_, _> = graph.keys().map(|m| (m.clone(), reach(m))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for m in graph.keys() {
        if done.contains(m) || !reaches[m].contains(m) {
            continue;
        }
        let circle: Vec<Vec<String>> = graph
            .keys()
            .filter(|n| reaches[m].contains(*n) && reaches[*n].contains(m))
            .cloned()
            .collect();
        done.extend(circle.iter().cloned());
        out.push(circle);
    }
    out
}

#[test]
fn no_circle_between_files() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = file_graph(&src);
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(
        graph.len() > 80 && edges > 150,
        "{} files, {edges} edges: is the parser right?",
        graph.len()
    );
    let show = |m: &Vec<String>| m.join("::");
    let found: Vec<String> = circles(&graph)
        .iter()
        .map(|c| {
            let inner: Vec<String> = c
                .iter()
                .flat_map(|a| {
                    graph[a]
                        .iter()
                        .filter(|b| c.contains(b))
                        .map(move |b| format!("{} -> {}", show(a), show(b)))
                })
                .collect();
            inner.join("; ")
        })
        .collect();
    assert!(
        found.is_empty(),
        "circles between files:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_file_graph_reads_groups_supers_and_reexports() {
    let module: Vec<String> = vec!["services".into(), "reviews".into()];
    let text = "use super::{audience::{self, Audiences}, onboarding as o};\nfn f() { crate::models::hybrid::recommend(); self::x(); }";
    let paths = local_paths(text, &module);
    let show: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        show,
        [
            "services::audience",
            "services::audience::Audiences",
            "services::onboarding",
            "models::hybrid::recommend",
            "services::reviews::x"
        ]
    );
    let s = |p: &[&str]| p.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let files: BTreeMap<Vec<String>, String> = [
        (s(&["models"]), String::new()),
        (
            s(&["models", "collab"]),
            "pub use mf::{MfModel, MfParams as P};".to_string(),
        ),
        (s(&["models", "collab", "mf"]), String::new()),
    ]
    .into_iter()
    .collect();
    let r = reexports(&files);
    assert_eq!(
        r[&(s(&["models", "collab"]), "MfModel".to_string())],
        s(&["models", "collab", "mf"])
    );
    // A circle of two files, and a file that only reaches it.
    let graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = [
        (s(&["a"]), [s(&["b"])].into_iter().collect()),
        (s(&["b"]), [s(&["a"])].into_iter().collect()),
        (s(&["c"]), [s(&["a"])].into_iter().collect()),
    ]
    .into_iter()
    .collect();
    assert_eq!(circles(&graph), vec![vec![s(&["a"]), s(&["b"])]]);
}
