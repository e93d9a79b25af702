//! Parse `deploy.toml` into a JSON value plus an index from JSON pointers to
//! source spans, so that schema and domain errors can point at the key.

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::{Map, Number, Value};
use toml::de::{DeTable, DeValue};

use crate::diagnostic::Diagnostic;

/// Where a key and its value stand in the source.
#[derive(Debug, Clone)]
pub struct Spans {
    pub key: Range<usize>,
    pub value: Range<usize>,
}

/// Pointer (`/gateway/port`) → spans.
#[derive(Debug, Default, Clone)]
pub struct SpanIndex {
    map: BTreeMap<String, Spans>,
}

impl SpanIndex {
    /// The value's span for a JSON pointer, falling back to the nearest
    /// ancestor table that exists (e.g. a missing key points at its table); the
    /// root pointer `""` is the whole document.
    pub fn value(&self, pointer: &str) -> Option<Range<usize>> {
        self.lookup(pointer).map(|s| s.value.clone())
    }

    /// The key's span for a JSON pointer (with the same fallback).
    pub fn key(&self, pointer: &str) -> Option<Range<usize>> {
        self.lookup(pointer).map(|s| s.key.clone())
    }

    /// Whether the user wrote this key.
    pub fn contains(&self, pointer: &str) -> bool {
        self.map.contains_key(pointer)
    }

    fn lookup(&self, pointer: &str) -> Option<&Spans> {
        let mut p = pointer;
        loop {
            if let Some(s) = self.map.get(p) {
                return Some(s);
            }
            // Climb to the nearest table the user wrote, never to the document
            // itself: a key that is only a default (no table of it written) has no
            // place in the file, and callers fall back to a key that has one.
            match p.rfind('/') {
                Some(i) if i > 0 => p = &p[..i],
                _ => return None,
            }
        }
    }
}

/// Escape one JSON pointer segment.
pub fn escape_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

pub struct Parsed {
    pub value: Value,
    pub spans: SpanIndex,
}

/// Parse TOML text. Syntax errors become one `OC001` diagnostic.
pub fn parse(text: &str) -> Result<Parsed, Diagnostic> {
    let table = DeTable::parse(text).map_err(|e| {
        Diagnostic::error("OC001", format!("invalid TOML: {}", first_line(e.message())))
            .with_span(e.span())
            .with_label("here")
            .with_hint("fix the TOML syntax; see https://toml.io for the format")
    })?;
    let mut spans = SpanIndex::default();
    let root_span = table.span();
    spans.map.insert(
        String::new(),
        Spans {
            key: 0..0,
            value: root_span,
        },
    );
    let value = table_to_json(table.get_ref(), "", &mut spans);
    Ok(Parsed { value, spans })
}

fn first_line(s: &str) -> &str {
    s.trim().lines().next().unwrap_or("")
}

fn table_to_json(table: &DeTable<'_>, prefix: &str, spans: &mut SpanIndex) -> Value {
    let mut map = Map::new();
    for (k, v) in table {
        let name = k.get_ref().to_string();
        let pointer = format!("{prefix}/{}", escape_segment(&name));
        spans.map.insert(
            pointer.clone(),
            Spans {
                key: k.span(),
                value: v.span(),
            },
        );
        map.insert(name, value_to_json(v.get_ref(), &pointer, spans));
    }
    Value::Object(map)
}

fn value_to_json(value: &DeValue<'_>, pointer: &str, spans: &mut SpanIndex) -> Value {
    match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Number(n.into()),
            // Out of i64 range: keep as a number-like string so the schema
            // reports a type error instead of us panicking.
            Err(_) => Value::String(i.as_str().to_string()),
        },
        DeValue::Float(f) => {
            let parsed: Option<f64> = f.as_str().replace('_', "").parse().ok();
            match parsed.and_then(Number::from_f64) {
                Some(n) => Value::Number(n),
                None => Value::String(f.as_str().to_string()),
            }
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{pointer}/{i}");
                    spans.map.insert(
                        p.clone(),
                        Spans {
                            key: item.span(),
                            value: item.span(),
                        },
                    );
                    value_to_json(item.get_ref(), &p, spans)
                })
                .collect(),
        ),
        DeValue::Table(t) => table_to_json(t, pointer, spans),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "profile = \"serve\"\n[gateway]\nport = 80\n";
        let p = parse(text).unwrap();
        assert_eq!(p.value["gateway"]["port"], 80);
        let v = p.spans.value("/gateway/port").unwrap();
        assert_eq!(&text[v], "80");
        let k = p.spans.key("/gateway/port").unwrap();
        assert_eq!(&text[k], "port");
        // Missing keys fall back to their table.
        assert_eq!(p.spans.key("/gateway/nope"), p.spans.key("/gateway"));
    }

    #[test]
    fn integers_in_other_radixes_and_huge_ones_do_not_panic() {
        let p = parse("a = 0x10\nb = 1_000\nc = 0o17\n").unwrap();
        assert_eq!(p.value["a"], 16);
        assert_eq!(p.value["b"], 1000);
        assert_eq!(p.value["c"], 15);
        let p = parse("a = nan\nb = inf\n").unwrap();
        assert!(p.value["a"].is_string());
    }

    #[test]
    fn syntax_error_has_a_span() {
        let d = parse("profile = \n").err().unwrap();
        assert_eq!(d.code, "OC001");
        assert!(d.span.is_some());
    }
}
