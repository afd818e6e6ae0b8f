//! The positional parser for manifests: multi-document YAML (and JSON, a subset) into JSON
//! values, keeping the line and column of every field so findings can point at
//! `file:line:column`.
//!
//! YAML is parsed with serde-saphyr (serde_yaml is deprecated by its author; kube 5 itself
//! moved to serde-saphyr). Its `Spanned<T>` gives the location of every node.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use super::input::MAX_INPUT_BYTES;
use crate::error::{Error, Result};

/// A YAML node with the location of every value and key.
#[derive(Debug, Clone)]
enum YNode {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<YNode>>),
    Map(Vec<(Spanned<YNode>, Spanned<YNode>)>),
}

impl<'de> Deserialize<'de> for YNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = YNode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<YNode, E> {
                Ok(YNode::Null)
            }
            fn visit_none<E: de::Error>(self) -> std::result::Result<YNode, E> {
                Ok(YNode::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> std::result::Result<YNode, D2::Error> {
                YNode::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<YNode, E> {
                Ok(YNode::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<YNode, E> {
                Ok(YNode::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<YNode, E> {
                Ok(YNode::Uint(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<YNode, E> {
                Ok(YNode::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<YNode, E> {
                Ok(YNode::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<YNode, E> {
                Ok(YNode::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<YNode, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element::<Spanned<YNode>>()? {
                    v.push(x);
                }
                Ok(YNode::Seq(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<YNode, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry::<Spanned<YNode>, Spanned<YNode>>()? {
                    v.push((k, x));
                }
                Ok(YNode::Map(v))
            }
        }
        d.deserialize_any(V)
    }
}

type Pos = (u64, u64);

/// No node (a root, a first key).
const NONE: u32 = u32::MAX;

/// One node of a document: the root, a map entry (its key's position: where a reader looks
/// for the field) or a list item.
#[derive(Debug, Clone, Copy)]
struct PathNode {
    pos: Pos,
    /// A map entry (not the root or a list item).
    key: bool,
    /// The earlier entry with the same key in the same map, if any ([`NONE`]).
    prev_dup: u32,
    children: Children,
}

#[derive(Debug, Clone, Copy)]
enum Children {
    None,
    /// Index into [`PathMap::maps`].
    Map(u32),
    /// Index into [`PathMap::seqs`].
    Seq(u32),
}

/// Field path → position, for one document: a tree with one node per map entry and list item,
/// each holding only its own key, so memory stays proportional to the input (keeping every
/// node's full dotted path would cost the sum of all path lengths: gigabytes for one long key
/// above many values). Dotted paths are matched against the tree only when a finding is
/// located.
#[derive(Debug, Default, Clone)]
pub struct PathMap {
    /// In document order (the order the paths were first met); node 0 is the root.
    nodes: Vec<PathNode>,
    /// Key → its last entry, one table per map.
    maps: Vec<HashMap<Box<str>, u32>>,
    /// The items of each list, in order.
    seqs: Vec<Vec<u32>>,
}

impl PathMap {
    /// The position of `path` (`spec.containers[0].image`), or of its nearest ancestor that
    /// exists. An ancestor is `path` cut before a `.` or `[`; the root is the empty path. A key
    /// may itself hold dots (`metadata.annotations.a.b/c`): every split is tried.
    pub fn locate(&self, path: &str) -> Option<Pos> {
        if self.nodes.is_empty() {
            return None;
        }
        // The longest matched prefix wins; for one prefix, a map entry beats a list item or the
        // root, the last of duplicate entries wins, else the first node (as when every path was
        // inserted into one map: entries overwrote, other nodes did not).
        let mut best: Option<((usize, bool, i64), u32)> = None;
        let mut stack = vec![(0u32, 0usize)];
        while let Some((id, at)) = stack.pop() {
            let node = self.nodes[id as usize];
            // Only prefixes cut before a `.` or `[` (or the whole path, or the root) count.
            let cut = at == 0 || at == path.len() || matches!(path.as_bytes()[at], b'.' | b'[');
            let rank = (at, node.key, if node.key { i64::from(id) } else { -i64::from(id) });
            if cut && best.is_none_or(|(r, _)| rank > r) {
                best = Some((rank, id));
            }
            let rest = &path[at..];
            match node.children {
                Children::None => {}
                Children::Seq(s) => {
                    let Some(inner) = rest.strip_prefix('[') else { continue };
                    let Some((digits, _)) = inner.split_once(']') else { continue };
                    let Ok(i) = digits.parse::<usize>() else { continue };
                    if i.to_string() != digits {
                        continue;
                    }
                    if let Some(&child) = self.seqs[s as usize].get(i) {
                        stack.push((child, at + digits.len() + 2));
                    }
                }
                Children::Map(m) => {
                    // Keys follow a `.`, except below an empty path.
                    let (keys, from) = if at == 0 {
                        (rest, 0)
                    } else {
                        match rest.strip_prefix('.') {
                            Some(r) => (r, 1),
                            None => continue,
                        }
                    };
                    let table = &self.maps[m as usize];
                    let cuts = keys.match_indices(['.', '[']).map(|(i, _)| i);
                    for end in std::iter::once(0).chain(cuts).chain(std::iter::once(keys.len())) {
                        let Some(&last) = table.get(&keys[..end]) else { continue };
                        let mut child = last;
                        while child != NONE {
                            stack.push((child, at + from + end));
                            child = self.nodes[child as usize].prev_dup;
                        }
                    }
                }
            }
        }
        best.map(|(_, id)| self.nodes[id as usize].pos)
    }

    fn push(&mut self, pos: Pos, key: bool, prev_dup: u32) -> u32 {
        let id = u32::try_from(self.nodes.len()).expect("fewer than 2^32 nodes");
        self.nodes.push(PathNode { pos, key, prev_dup, children: Children::None });
        id
    }
}

fn key_string(k: &YNode) -> String {
    match k {
        YNode::Str(s) => s.clone(),
        YNode::Bool(b) => b.to_string(),
        YNode::Int(i) => i.to_string(),
        YNode::Uint(i) => i.to_string(),
        YNode::Float(f) => f.to_string(),
        YNode::Null => "null".into(),
        _ => String::new(),
    }
}

fn position<T>(node: &Spanned<T>) -> Pos {
    (node.referenced.line(), node.referenced.column())
}

/// The JSON value of `node` (consumed, so its strings move instead of being copied), whose
/// place in `map` is node `id`.
fn to_json(node: Spanned<YNode>, id: u32, map: &mut PathMap) -> Value {
    match node.value {
        YNode::Null => Value::Null,
        YNode::Bool(b) => Value::Bool(b),
        YNode::Int(i) => Value::from(i),
        YNode::Uint(i) => Value::from(i),
        YNode::Float(f) => serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null),
        YNode::Str(s) => Value::String(s),
        YNode::Seq(items) => {
            let s = map.seqs.len();
            map.seqs.push(Vec::with_capacity(items.len()));
            map.nodes[id as usize].children = Children::Seq(s as u32);
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                let child = map.push(position(&x), false, NONE);
                map.seqs[s].push(child);
                out.push(to_json(x, child, map));
            }
            Value::Array(out)
        }
        YNode::Map(entries) => {
            let m = map.maps.len();
            map.maps.push(HashMap::with_capacity(entries.len()));
            map.nodes[id as usize].children = Children::Map(m as u32);
            let mut obj = serde_json::Map::new();
            for (k, v) in entries {
                let key = key_string(&k.value);
                let prev = map.maps[m].get(key.as_str()).copied().unwrap_or(NONE);
                let child = map.push(position(&k), true, prev);
                map.maps[m].insert(key.clone().into_boxed_str(), child);
                let value = to_json(v, child, map);
                obj.insert(key, value);
            }
            Value::Object(obj)
        }
    }
}

/// One parsed document: its JSON value and the positions of its fields.
#[derive(Debug)]
pub struct Document {
    pub value: Value,
    pub paths: PathMap,
}

/// Parse a YAML (or JSON) manifest stream of one or more documents.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<Document>> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error::ReadInput {
            path: file.into(),
            reason: format!("file is {} bytes, larger than the {} MiB limit", text.len(), MAX_INPUT_BYTES >> 20),
        });
    }
    if text.contains('\0') {
        return Err(Error::ReadInput {
            path: file.into(),
            reason: "binary file (contains NUL bytes), not YAML or JSON".into(),
        });
    }
    let docs: Vec<Spanned<YNode>> = serde_saphyr::from_multiple(text).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        let message = e.to_string();
        let message = message.lines().next().unwrap_or("").to_string();
        Error::Parse { file: file.to_string(), line, column, message }
    })?;
    Ok(docs
        .into_iter()
        .filter(|d| !matches!(d.value, YNode::Null))
        .map(|d| {
            let mut paths = PathMap::default();
            let root = paths.push(position(&d), false, NONE);
            let value = to_json(d, root, &mut paths);
            Document { value, paths }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &str = "# header\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: x\n---\nkind: DaemonSet\napiVersion: apps/v1\nmetadata:\n  name: ds\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: c\n";

    #[test]
    fn multi_document_positions_are_absolute() {
        let docs = parse_documents("m.yaml", MULTI).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].paths.locate("spec.containers[0].image"), Some((9, 5)));
        assert_eq!(docs[1].paths.locate("spec.template.spec.hostNetwork"), Some((19, 7)));
        // a missing field resolves to its nearest ancestor
        assert_eq!(docs[1].paths.locate("spec.template.spec.os.name"), Some((18, 5)));
    }

    /// The former implementation (every node's full dotted path in a map), as the reference
    /// the tree must agree with.
    fn reference(node: &Spanned<YNode>, path: &str, map: &mut HashMap<String, Pos>) {
        map.entry(path.to_string()).or_insert(position(node));
        match &node.value {
            YNode::Seq(items) => {
                for (i, x) in items.iter().enumerate() {
                    reference(x, &format!("{path}[{i}]"), map);
                }
            }
            YNode::Map(entries) => {
                for (k, v) in entries {
                    let key = key_string(&k.value);
                    let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    map.insert(child.clone(), position(k));
                    reference(v, &child, map);
                }
            }
            _ => {}
        }
    }

    fn reference_locate(map: &HashMap<String, Pos>, path: &str) -> Option<Pos> {
        let mut p = path.to_string();
        loop {
            if let Some(pos) = map.get(&p) {
                return Some(*pos);
            }
            if p.is_empty() {
                return None;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => p.clear(),
            }
        }
    }

    /// Dotted keys, keys that look like indexes, empty keys, duplicate keys, a list at the
    /// root: the tree finds what the full-path map found, for every path and its variations.
    #[test]
    fn the_path_tree_locates_like_full_paths() {
        let docs = [
            MULTI,
            "a:\n  b: 1\na.b: 2\n\"a.b.c\": {d: [1, {e: 2}]}\n\"\": {x: 1, \"\": {y: 2}}\n\"c[0]\": 1\nc: [5, 6]\n",
            "- a: 1\n- [x, {b.c: 1, b: {c: 3}}]\n- \"\"\n",
            "metadata:\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/x: y\n    a[1]: 2\nspec:\n  containers:\n  - name: c\n    env: [{name: A, value: b}]\n",
            "k: 1\nk: 2\n",
            "1: {x: 1}\n\"1\": {y: 2}\nnull: {a: 1}\n\"null\": {b: 2}\n",
        ];
        for text in docs {
            let parsed: Vec<Spanned<YNode>> = match serde_saphyr::from_multiple(text) {
                Ok(p) => p,
                Err(_) => continue, // duplicate keys (`k` twice) are a parse error
            };
            for d in parsed.into_iter().filter(|d| !matches!(d.value, YNode::Null)) {
                let mut old = HashMap::new();
                reference(&d, "", &mut old);
                let mut tree = PathMap::default();
                let root = tree.push(position(&d), false, NONE);
                to_json(d, root, &mut tree);
                let mut queries: Vec<String> = old.keys().cloned().collect();
                for k in old.keys() {
                    for suffix in [".missing", "[0]", "[9]", ".a.b", "[01]", "x"] {
                        queries.push(format!("{k}{suffix}"));
                    }
                }
                queries.extend(["", ".", "[", "]", "zzz", "[0].", "a..b"].map(String::from));
                for q in &queries {
                    assert_eq!(tree.locate(q), reference_locate(&old, q), "{q:?} in {text:?}");
                }
            }
        }
    }

    #[test]
    fn parse_errors_carry_line_numbers() {
        let err = parse_documents("bad.yaml", "a: 1\nb: [\n").err().unwrap();
        match err {
            Error::Parse { file, line, .. } => {
                assert_eq!(file, "bad.yaml");
                assert!(line >= 2, "line {line}");
            }
            e => panic!("unexpected {e:?}"),
        }
        assert!(matches!(parse_documents("b", "a\0b"), Err(Error::ReadInput { .. })));
    }

    #[test]
    fn double_quoted_backslash_s_is_a_parse_error() {
        let e = parse_documents("u.yaml", "runAsUserName: \"NT AUTHORITY\\SYSTEM\"\n");
        assert!(matches!(e, Err(Error::Parse { line: 1, .. })), "{e:?}");
    }
}
