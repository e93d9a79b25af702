//! The schema's verdict on a `deploy.toml` without compiling the schema.
//!
//! Compiling `schema/deploy.schema.json` with `jsonschema` was 80 % of a
//! render's instructions. [`table_source`] turns the schema into a table of
//! [`Node`]s (`schema_table.rs`, committed; `UPDATE_SCHEMA=1 cargo test --test
//! schema` regenerates it and that test keeps it current), and [`accepts`]
//! walks the value over it. It only ever answers "valid" when it is sure: a
//! keyword or pattern outside what it understands makes it say "not valid",
//! and the caller then runs the real validator, which alone words the
//! diagnostics. tests/schema_verdict.rs proves both verdicts equal on every
//! fixture, starter file and fuzz mutation.

use serde_json::{Map, Value};

use super::pattern::{Inst, Pattern, StaticPattern};

/// One schema object; indexes point into [`NODES`].
#[derive(Debug)]
pub struct Node {
    /// `type` (empty: any type).
    pub types: &'static [&'static str],
    pub properties: &'static [(&'static str, usize)],
    pub additional: Additional,
    pub required: &'static [&'static str],
    /// `$ref` to another node, checked as well.
    pub reference: Option<usize>,
    pub one_of: &'static [usize],
    /// `const`, when it is a string.
    pub constant: Option<&'static str>,
    /// Index into [`PATTERNS`].
    pub pattern: Option<usize>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub items: Option<usize>,
    pub property_names: Option<usize>,
    /// A keyword this module does not evaluate: never "sure".
    pub unknown: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum Additional {
    Any,
    None,
    Schema(usize),
}

mod table {
    #[allow(unused_imports)]
    use super::{Additional, Inst, Node, StaticPattern};
    include!("schema_table.rs");
}
pub use table::{COMPILED_PATTERNS, NODES, PATTERNS};

/// Whether the schema surely accepts `value` (`false`: rejected, or not sure).
pub fn accepts(value: &Value) -> bool {
    check(0, value)
}

/// The schema's pattern `i`, compiled at build time (`None`: outside the
/// matcher's subset).
fn pattern(i: usize) -> Option<&'static StaticPattern> {
    COMPILED_PATTERNS[i].as_ref()
}

fn check(i: usize, v: &Value) -> bool {
    let n = &NODES[i];
    if n.unknown {
        return false;
    }
    if !n.types.is_empty() && !n.types.iter().any(|t| has_type(v, t)) {
        return false;
    }
    if n.reference.is_some_and(|r| !check(r, v)) {
        return false;
    }
    if !n.one_of.is_empty() && n.one_of.iter().filter(|&&o| check(o, v)).count() != 1 {
        // A branch that is "not sure" counts as failing: then so is the whole.
        return false;
    }
    if n.constant.is_some_and(|c| v.as_str() != Some(c)) {
        return false;
    }
    if let (Some(p), Value::String(s)) = (n.pattern, v) {
        match pattern(p) {
            Some(p) if p.is_match(s) => {}
            _ => return false,
        }
    }
    if let Value::Number(num) = v {
        // The limits are small integers: comparing as f64 is exact for them.
        let Some(x) = num.as_f64() else { return false };
        if n.minimum.is_some_and(|m| x < m) || n.maximum.is_some_and(|m| x > m) {
            return false;
        }
    }
    match v {
        Value::Object(map) => object(n, map),
        Value::Array(items) => n.items.is_none_or(|it| items.iter().all(|x| check(it, x))),
        _ => true,
    }
}

fn object(n: &Node, map: &Map<String, Value>) -> bool {
    if !n.required.iter().all(|r| map.contains_key(*r)) {
        return false;
    }
    for (key, value) in map {
        if let Some(names) = n.property_names {
            if !check(names, &Value::String(key.clone())) {
                return false;
            }
        }
        let ok = match n.properties.iter().find(|(k, _)| k == key) {
            Some((_, p)) => check(*p, value),
            None => match n.additional {
                Additional::Any => true,
                Additional::None => false,
                Additional::Schema(s) => check(s, value),
            },
        };
        if !ok {
            return false;
        }
    }
    true
}

fn has_type(v: &Value, t: &str) -> bool {
    match (t, v) {
        ("object", Value::Object(_))
        | ("array", Value::Array(_))
        | ("string", Value::String(_))
        | ("boolean", Value::Bool(_))
        | ("null", Value::Null)
        | ("number", Value::Number(_)) => true,
        // As jsonschema: a float with no fraction is an integer.
        ("integer", Value::Number(n)) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

/// Keywords that carry no constraint (annotations) or are handled through others.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$defs",
    "title",
    "description",
    "default",
    "examples",
    "format",
];

/// The Rust source of `schema_table.rs` for `schema` (see the module docs).
pub fn table_source(schema: &Value) -> String {
    let mut g = Generator {
        root: schema,
        nodes: Vec::new(),
        refs: Vec::new(),
        patterns: Vec::new(),
    };
    g.node(schema);
    let mut out = String::from(
        "// @generated from schema/deploy.schema.json by config::verdict::table_source;\n\
         // regenerate with `UPDATE_SCHEMA=1 cargo test --test schema`.\n\n",
    );
    out.push_str("pub static NODES: &[Node] = &[\n");
    for (i, n) in g.nodes.iter().enumerate() {
        out.push_str(&format!("    // {i}\n{n}"));
    }
    out.push_str("];\n\npub static PATTERNS: &[&str] = &[\n");
    for p in &g.patterns {
        out.push_str(&format!("    {p:?},\n"));
    }
    out.push_str("];\n\n/// [`PATTERNS`], compiled (`None`: outside the matcher's subset).\n");
    out.push_str("pub static COMPILED_PATTERNS: &[Option<StaticPattern>] = &[\n");
    for p in &g.patterns {
        match Pattern::new(p) {
            Some(c) => out.push_str(&format!("    Some({}),\n", c.source())),
            None => out.push_str("    None,\n"),
        }
    }
    out.push_str("];\n");
    out
}

struct Generator<'a> {
    root: &'a Value,
    nodes: Vec<String>,
    /// `$ref` targets already given a node.
    refs: Vec<(String, usize)>,
    patterns: Vec<String>,
}

impl Generator<'_> {
    /// Add the node for `schema` (and those it refers to); returns its index.
    fn node(&mut self, schema: &Value) -> usize {
        let index = self.nodes.len();
        self.nodes.push(String::new());
        let empty = Map::new();
        let (obj, mut unknown) = match schema {
            Value::Object(o) => (o, false),
            Value::Bool(true) => (&empty, false),
            _ => (&empty, true),
        };
        let mut f = Vec::new();
        let strs = |v: Option<&Value>| -> Option<Vec<String>> {
            match v {
                None => Some(Vec::new()),
                Some(Value::String(s)) => Some(vec![s.clone()]),
                Some(Value::Array(a)) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
                _ => None,
            }
        };
        for key in obj.keys() {
            let known = ANNOTATIONS.contains(&key.as_str())
                || [
                    "type",
                    "properties",
                    "additionalProperties",
                    "required",
                    "$ref",
                    "oneOf",
                    "const",
                    "pattern",
                    "minimum",
                    "maximum",
                    "items",
                    "propertyNames",
                ]
                .contains(&key.as_str());
            unknown |= !known;
        }
        let types = strs(obj.get("type")).unwrap_or_else(|| {
            unknown = true;
            Vec::new()
        });
        f.push(format!("types: &{types:?}"));
        let mut props = Vec::new();
        if let Some(p) = obj.get("properties") {
            match p.as_object() {
                Some(p) => {
                    for (k, v) in p {
                        props.push(format!("({k:?}, {})", self.node(v)));
                    }
                }
                None => unknown = true,
            }
        }
        f.push(format!("properties: &[{}]", props.join(", ")));
        let additional = match obj.get("additionalProperties") {
            None | Some(Value::Bool(true)) => "Additional::Any".to_string(),
            Some(Value::Bool(false)) => "Additional::None".to_string(),
            Some(s) => format!("Additional::Schema({})", self.node(s)),
        };
        f.push(format!("additional: {additional}"));
        let required = strs(obj.get("required")).unwrap_or_else(|| {
            unknown = true;
            Vec::new()
        });
        f.push(format!("required: &{required:?}"));
        let reference = match obj.get("$ref") {
            None => "None".to_string(),
            Some(r) => match self.reference(r) {
                Some(i) => format!("Some({i})"),
                None => {
                    unknown = true;
                    "None".to_string()
                }
            },
        };
        f.push(format!("reference: {reference}"));
        let mut one_of = Vec::new();
        if let Some(o) = obj.get("oneOf") {
            match o.as_array() {
                Some(a) if !a.is_empty() => one_of = a.iter().map(|s| self.node(s).to_string()).collect(),
                _ => unknown = true,
            }
        }
        f.push(format!("one_of: &[{}]", one_of.join(", ")));
        let constant = match obj.get("const") {
            None => "None".to_string(),
            Some(Value::String(s)) => format!("Some({s:?})"),
            Some(_) => {
                unknown = true;
                "None".to_string()
            }
        };
        f.push(format!("constant: {constant}"));
        let pattern = match obj.get("pattern") {
            None => "None".to_string(),
            Some(Value::String(p)) => {
                let i = match self.patterns.iter().position(|q| q == p) {
                    Some(i) => i,
                    None => {
                        self.patterns.push(p.clone());
                        self.patterns.len() - 1
                    }
                };
                format!("Some({i})")
            }
            Some(_) => {
                unknown = true;
                "None".to_string()
            }
        };
        f.push(format!("pattern: {pattern}"));
        for limit in ["minimum", "maximum"] {
            let v = match obj.get(limit) {
                None => "None".to_string(),
                Some(Value::Number(n)) if n.is_i64() || n.is_u64() => format!("Some({n}.0)"),
                Some(_) => {
                    unknown = true;
                    "None".to_string()
                }
            };
            f.push(format!("{limit}: {v}"));
        }
        for (key, field) in [("items", "items"), ("propertyNames", "property_names")] {
            let v = match obj.get(key) {
                None => "None".to_string(),
                Some(s) => format!("Some({})", self.node(s)),
            };
            f.push(format!("{field}: {v}"));
        }
        f.push(format!("unknown: {unknown}"));
        self.nodes[index] = format!("    Node {{\n        {},\n    }},\n", f.join(",\n        "));
        index
    }

    /// The node of a local `#/$defs/Name` reference.
    fn reference(&mut self, r: &Value) -> Option<usize> {
        let r = r.as_str()?;
        if let Some((_, i)) = self.refs.iter().find(|(s, _)| s == r) {
            return Some(*i);
        }
        let name = r.strip_prefix("#/$defs/")?;
        let target = self.root.get("$defs")?.get(name)?;
        // Reserve the index first: a definition may refer to itself.
        let index = self.nodes.len();
        self.refs.push((r.to_string(), index));
        let made = self.node(target);
        debug_assert_eq!(made, index);
        Some(index)
    }
}
