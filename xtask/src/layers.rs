//! `cargo xtask layers`: the host's layering, checked (and run by `cargo
//! xtask test` before the tests). Every `use` tree and every `crate::` /
//! `super::` path of `host/src` is resolved to the file that defines (or
//! re-exports) it; no file may reach itself again through such imports, no
//! file may be over 600 lines, and there is one clock (`fn now_ms`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Most lines one source file of the host may have.
const MAX_LINES: usize = 600;

/// The check's findings, empty when the layering holds.
pub fn check(src: &Path) -> Result<Vec<String>, String> {
    let mut files = BTreeMap::new();
    collect(src, src, &mut files)?;
    let modules: BTreeMap<Vec<String>, PathBuf> =
        files.keys().map(|p| (module_of(p), p.clone())).collect();
    let mut problems = Vec::new();
    let mut clocks = Vec::new();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (path, text) in &files {
        let lines = text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!(
                "{} has {lines} lines (at most {MAX_LINES})",
                path.display()
            ));
        }
        let code = without_tests_and_comments(text);
        if code.contains("fn now_ms(") {
            clocks.push(path.display().to_string());
        }
        let me = module_of(path);
        let children: BTreeSet<String> = code
            .lines()
            .filter_map(|l| {
                let l = l.trim_start();
                let l = l
                    .strip_prefix("pub ")
                    .or_else(|| l.strip_prefix("pub(crate) "))
                    .unwrap_or(l);
                l.strip_prefix("mod ")?
                    .strip_suffix(';')
                    .map(str::to_string)
            })
            .collect();
        for used in paths_in(&code) {
            let Some(target) = resolve(&me, &children, &used).and_then(|m| longest(&modules, &m))
            else {
                continue;
            };
            if &target != path {
                edges.entry(path.clone()).or_default().insert(target);
            }
        }
    }
    if clocks.len() != 1 {
        problems.push(format!(
            "one `fn now_ms` expected, found it in: {}",
            clocks.join(", ")
        ));
    }
    for cycle in cycles(files.keys(), &edges) {
        let names: Vec<String> = cycle.iter().map(|p| p.display().to_string()).collect();
        problems.push(format!(
            "these files import one another: {}",
            names.join(", ")
        ));
    }
    Ok(problems)
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let relative = path
                .strip_prefix(root)
                .map_err(|e| e.to_string())?
                .to_path_buf();
            out.insert(relative, text);
        }
    }
    Ok(())
}

/// `game/service/moves.rs` is `game::service::moves`; `lib.rs` the root.
fn module_of(path: &Path) -> Vec<String> {
    let mut parts: Vec<String> = path
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The code without `//` comments and without the unit-test module.
fn without_tests_and_comments(text: &str) -> String {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    code.lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a file names: the leaves of each `use` tree, and each
/// `crate::...` / `super::...` written in the code.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = find_word(rest, "use ") {
        let tail = &rest[at + 4..];
        let Some(end) = tail.find(';') else { break };
        flatten(Vec::new(), tail[..end].trim(), &mut out);
        rest = &tail[end..];
    }
    for prefix in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = find_word(rest, prefix) {
            let tail = &rest[at..];
            let len = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            out.push(split(tail[..len].trim_end_matches(':')));
            rest = &tail[len..];
        }
    }
    out
}

/// The first `word` in `text` not preceded by an identifier character.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find(word) {
        let at = from + at;
        let before = text[..at].chars().next_back();
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

fn split(path: &str) -> Vec<String> {
    path.split("::")
        .filter(|s| !s.is_empty())
        .map(|s| s.trim().to_string())
        .collect()
}

/// The leaves of a use tree such as `a::{b, c::{d, e as f}}`.
fn flatten(prefix: Vec<String>, tree: &str, out: &mut Vec<Vec<String>>) {
    for part in split_top(tree) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if let Some(open) = part.find('{') {
            let head = part[..open].trim_end_matches(':').trim();
            let inner = part[open + 1..]
                .trim_end()
                .strip_suffix('}')
                .unwrap_or(&part[open + 1..]);
            let mut p = prefix.clone();
            p.extend(split(head));
            flatten(p, inner, out);
        } else {
            let leaf = part.split(" as ").next().unwrap_or(part);
            let mut p = prefix.clone();
            p.extend(split(leaf));
            out.push(p);
        }
    }
}

/// Splits at the commas outside braces.
fn split_top(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The module a path in module `me` names (`None`: outside the crate).
fn resolve(me: &[String], children: &BTreeSet<String>, path: &[String]) -> Option<Vec<String>> {
    let first = path.first()?;
    match first.as_str() {
        "crate" => Some(path[1..].to_vec()),
        "self" => Some(me.iter().chain(&path[1..]).cloned().collect()),
        "super" => {
            let mut base = me.to_vec();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            Some(base.into_iter().chain(rest.iter().cloned()).collect())
        }
        child if children.contains(child) => Some(me.iter().chain(path).cloned().collect()),
        _ => None,
    }
}

/// The file of the longest prefix of `path` that is a module.
fn longest(modules: &BTreeMap<Vec<String>, PathBuf>, path: &[String]) -> Option<PathBuf> {
    (1..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n]).cloned())
}

/// The groups of files that reach one another (Tarjan's strongly connected
/// components of more than one file).
fn cycles<'a>(
    files: impl Iterator<Item = &'a PathBuf>,
    edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
) -> Vec<Vec<PathBuf>> {
    struct Tarjan<'e> {
        edges: &'e BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<PathBuf, usize>,
        low: BTreeMap<PathBuf, usize>,
        stack: Vec<PathBuf>,
        on_stack: BTreeSet<PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: &PathBuf) {
            let n = self.index.len();
            self.index.insert(v.clone(), n);
            self.low.insert(v.clone(), n);
            self.stack.push(v.clone());
            self.on_stack.insert(v.clone());
            let next: Vec<PathBuf> = self
                .edges
                .get(v)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            for w in &next {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v.clone(), low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v.clone(), low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(&w);
                    let done = &w == v;
                    group.push(w);
                    if done {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.found.push(group);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for f in files {
        if !t.index.contains_key(f) {
            t.visit(f);
        }
    }
    t.found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_are_flattened_to_their_leaves() {
        let mut out = Vec::new();
        flatten(Vec::new(), "crate::{a::{b, c as d}, e}", &mut out);
        assert_eq!(
            out,
            vec![
                split("crate::a::b"),
                split("crate::a::c"),
                split("crate::e")
            ]
        );
    }

    #[test]
    fn a_parent_and_a_child_that_import_each_other_are_a_cycle() {
        let dir = std::env::temp_dir().join(format!("xtask-layers-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("lib.rs"), "mod a;\nfn now_ms() {}\n").unwrap();
        std::fs::write(
            dir.join("a.rs"),
            "mod b;\npub use b::Thing;\npub struct Other;\n",
        )
        .unwrap();
        std::fs::write(dir.join("a/b.rs"), "use super::Other;\npub struct Thing;\n").unwrap();
        let problems = check(&dir).unwrap();
        std::fs::write(dir.join("a/b.rs"), "pub struct Thing;\n").unwrap();
        let fixed = check(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("a.rs") && problems[0].contains("b.rs"));
        assert!(fixed.is_empty(), "{fixed:?}");
    }
}
