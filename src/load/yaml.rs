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

/// Field path → position, for one document.
#[derive(Debug, Default, Clone)]
pub struct PathMap(HashMap<String, Pos>);

impl PathMap {
    /// The position of `path`, or of its nearest ancestor that exists.
    pub fn locate(&self, path: &str) -> Option<Pos> {
        let mut p = path.to_string();
        loop {
            if let Some(pos) = self.0.get(&p) {
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

fn to_json(node: &Spanned<YNode>, path: &str, map: &mut PathMap) -> Value {
    let here = (node.referenced.line(), node.referenced.column());
    map.0.entry(path.to_string()).or_insert(here);
    match &node.value {
        YNode::Null => Value::Null,
        YNode::Bool(b) => Value::Bool(*b),
        YNode::Int(i) => Value::from(*i),
        YNode::Uint(i) => Value::from(*i),
        YNode::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
        YNode::Str(s) => Value::String(s.clone()),
        YNode::Seq(items) => {
            Value::Array(items.iter().enumerate().map(|(i, x)| to_json(x, &format!("{path}[{i}]"), map)).collect())
        }
        YNode::Map(entries) => {
            let mut obj = serde_json::Map::new();
            for (k, v) in entries {
                let key = key_string(&k.value);
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                // The key's position is where a reader looks for the field.
                map.0.insert(child.clone(), (k.referenced.line(), k.referenced.column()));
                let value = to_json(v, &child, map);
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
        .iter()
        .filter(|d| !matches!(d.value, YNode::Null))
        .map(|d| {
            let mut paths = PathMap::default();
            let value = to_json(d, "", &mut paths);
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
