//! `deploy.toml`: text → span-indexed JSON → JSON-Schema check → typed
//! [`RawConfig`]. Every failure is a [`Diagnostic`] pointing at the key.
//!
//! The check is the `jsonschema` crate on the committed schema, compiled once per
//! run on first use; its errors become the diagnostics, each at its key's span.

pub mod parse;
pub mod raw;

use std::sync::LazyLock;

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
pub use parse::SpanIndex;
pub use raw::*;

/// The JSON Schema of `deploy.toml`, generated from [`RawConfig`].
pub fn json_schema() -> Value {
    let schema = schemars::schema_for!(RawConfig);
    serde_json::to_value(schema).expect("schema serializes")
}

/// The schema as the committed, pretty-printed file.
pub fn json_schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).expect("schema serializes");
    s.push('\n');
    s
}

/// The committed schema, embedded (tests/schema.rs keeps it equal to
/// [`json_schema`]); embedding saves generating it on every run.
pub const SCHEMA_TEXT: &str = include_str!("../../schema/deploy.schema.json");

static SCHEMA: LazyLock<Value> = LazyLock::new(|| serde_json::from_str(SCHEMA_TEXT).expect("embedded schema parses"));
static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        // The `regex` engine compiles our simple patterns about 2x faster than fancy-regex.
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(&SCHEMA)
        .expect("embedded schema compiles")
});

/// Fields whose values are secrets: messages never echo their content.
const SECRET_POINTERS: &[&str] = &["/gateway/token", "/tailscale/auth_key"];

/// A parsed, schema-valid `deploy.toml`.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub raw: RawConfig,
    pub spans: SpanIndex,
}

/// Parse and schema-check `deploy.toml` text.
pub fn load(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let parsed = parse::parse(text).map_err(|d| vec![d])?;
    let mut diags: Vec<Diagnostic> = VALIDATOR
        .iter_errors(&parsed.value)
        .map(|e| schema_diagnostic(&e, &parsed.spans))
        .collect();
    if !diags.is_empty() {
        diags.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
        diags.dedup();
        return Err(diags);
    }
    typed(parsed)
}

/// A schema-valid value as [`RawConfig`].
fn typed(parsed: parse::Parsed) -> Result<Loaded, Vec<Diagnostic>> {
    match serde_json::from_value::<RawConfig>(parsed.value) {
        Ok(raw) => Ok(Loaded {
            raw,
            spans: parsed.spans,
        }),
        // The schema is generated from the same types, so this is a bug in
        // ocgen; still report it as a diagnostic rather than panicking.
        Err(e) => Err(vec![
            Diagnostic::error("OC003", format!("invalid configuration: {e}")).with_span(Some(0..0)),
        ]),
    }
}

/// Dotted key name (`gateway.port`) of a JSON pointer.
pub fn dotted(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

fn schema_diagnostic(err: &jsonschema::ValidationError<'_>, spans: &SpanIndex) -> Diagnostic {
    let pointer = err.instance_path().as_str().to_string();
    let key = dotted(&pointer);
    let node = schema_node(&pointer);
    let description = node
        .and_then(|n| n.get("description"))
        .and_then(Value::as_str)
        .map(first_sentence);
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let name = unexpected.first().cloned().unwrap_or_default();
            let child = format!("{pointer}/{}", parse::escape_segment(&name));
            let known = known_keys(node);
            let table = if key.is_empty() {
                "the top level".to_string()
            } else {
                format!("[{key}]")
            };
            let mut d = Diagnostic::error("OC002", format!("unknown key `{name}` in {table}"))
                .with_span(spans.key(&child))
                .with_label("not a known key");
            d.hint = Some(match did_you_mean(&name, &known) {
                Some(s) => format!("did you mean `{s}`? known keys: {}", known.join(", ")),
                None => format!("known keys here: {}", known.join(", ")),
            });
            d
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let full = if key.is_empty() {
                name.to_string()
            } else {
                format!("{key}.{name}")
            };
            let example = match full.as_str() {
                "profile" => {
                    let [first, rest @ ..] = ProfileName::ALL.map(ProfileName::as_str);
                    let rest: Vec<String> = rest.iter().map(|p| format!("\"{p}\"")).collect();
                    format!("add `profile = \"{first}\"` (or {}) at the top", rest.join(", "))
                }
                "openclaw" | "openclaw.version" => {
                    let newest = crate::data::versions::releases()
                        .last()
                        .map_or("", |r| r.version.as_str());
                    format!("add `[openclaw]` with `version = \"{newest}\"` (see `ocgen versions`)")
                }
                _ => format!("add `{name} = …` here"),
            };
            Diagnostic::error("OC003", format!("missing required key `{full}`"))
                .with_span(spans.key(&pointer).or(Some(0..0)))
                .with_label("required here")
                .with_hint(example)
        }
        kind => {
            let secret = SECRET_POINTERS.contains(&pointer.as_str());
            let (message, label) = if secret {
                (
                    format!("`{key}` must be a `${{VAR}}` reference, not a literal secret"),
                    "literal secret refused (its value is not shown)".to_string(),
                )
            } else {
                value_problem(&key, kind, err, node)
            };
            let hint = if secret {
                Some(format!(
                    "put the secret in Coolify's environment and write e.g. `{} = \"${{{}}}\"`",
                    key.rsplit('.').next().unwrap_or(&key),
                    if pointer == "/gateway/token" {
                        "OPENCLAW_GATEWAY_TOKEN"
                    } else {
                        "TS_AUTHKEY"
                    }
                ))
            } else {
                description
            };
            Diagnostic {
                code: if secret { "OC004" } else { "OC003" },
                severity: crate::diagnostic::Severity::Error,
                message,
                span: spans.value(&pointer).or(Some(0..0)),
                label: Some(label),
                hint,
            }
        }
    }
}

fn value_problem(
    key: &str,
    kind: &ValidationErrorKind,
    err: &jsonschema::ValidationError<'_>,
    node: Option<&Value>,
) -> (String, String) {
    let key = if key.is_empty() {
        "deploy.toml".to_string()
    } else {
        format!("`{key}`")
    };
    match kind {
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                jsonschema::error::TypeKind::Single(t) => t.to_string(),
                jsonschema::error::TypeKind::Multiple(ts) => {
                    ts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" or ")
                }
            };
            let expected = expected.replace("object", "table");
            let found = type_name(err.instance());
            (
                format!("wrong type for {key}: expected {expected}, found {found}"),
                format!("expected {expected}"),
            )
        }
        ValidationErrorKind::Enum { options } => {
            let list = options
                .as_array()
                .map(|a| a.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            (
                format!("invalid value for {key}: expected one of {list}"),
                format!("expected one of {list}"),
            )
        }
        ValidationErrorKind::Pattern { pattern } => (
            format!("invalid value for {key}"),
            format!("does not match `{pattern}`"),
        ),
        ValidationErrorKind::PropertyNames { .. } => (
            format!("invalid key in {key}"),
            "keys here are dotted paths such as `agents.defaults.model`".to_string(),
        ),
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::ExclusiveMinimum { limit } => {
            (format!("{key} is too small"), format!("must be at least {limit}"))
        }
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::ExclusiveMaximum { limit } => {
            (format!("{key} is too large"), format!("must be at most {limit}"))
        }
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => match choices(node) {
            Some(list) => (
                format!("invalid value for {key}: expected one of {list}"),
                format!("expected one of {list}"),
            ),
            None => (
                format!("invalid value for {key}"),
                "not any of the accepted forms".to_string(),
            ),
        },
        _ => (
            format!("invalid value for {key}: {}", err.to_string().replace('\n', " ")),
            "invalid".to_string(),
        ),
    }
}

/// `"a", "b"` when a schema node is a choice between constants.
fn choices(node: Option<&Value>) -> Option<String> {
    let alts = node?.get("oneOf").or_else(|| node?.get("anyOf"))?.as_array()?;
    let consts: Option<Vec<String>> = alts.iter().map(|a| a.get("const").map(|c| c.to_string())).collect();
    consts.map(|c| c.join(", "))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "table",
    }
}

fn first_sentence(s: &str) -> String {
    let s = s.replace('\n', " ");
    match s.find(". ") {
        Some(i) => s[..=i].to_string(),
        None => s,
    }
}

/// The schema node describing the value at `pointer` (following `$ref`s).
fn schema_node(pointer: &str) -> Option<&'static Value> {
    let mut node: &Value = &SCHEMA;
    node = resolve(node);
    for seg in pointer.split('/').filter(|s| !s.is_empty()) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let props = node.get("properties")?;
        node = match props.get(&seg) {
            Some(n) => resolve(n),
            None => resolve(node.get("additionalProperties")?),
        };
    }
    Some(node)
}

fn resolve(node: &'static Value) -> &'static Value {
    let mut node = node;
    for _ in 0..8 {
        let Some(r) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(name) = r.strip_prefix("#/$defs/") else {
            break;
        };
        match SCHEMA.get("$defs").and_then(|d| d.get(name)) {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

fn known_keys(node: Option<&Value>) -> Vec<String> {
    node.and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The closest known key, if it is close enough to be a typo.
pub fn did_you_mean(name: &str, known: &[String]) -> Option<String> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(text: &str) -> Vec<Diagnostic> {
        load(text).expect_err("expected errors")
    }

    const MIN: &str = "profile = \"serve\"\n[openclaw]\nversion = \"2026.2.19\"\n";

    #[test]
    fn minimal_file_loads_with_defaults() {
        let l = load(MIN).unwrap();
        assert_eq!(l.raw.profile, ProfileName::Serve);
        assert_eq!(l.raw.gateway.port, 18789);
        assert_eq!(l.raw.tailscale.tag, "v1.94.2");
    }

    #[test]
    fn unknown_key_points_at_key_and_suggests() {
        let text = format!("{MIN}[gateway]\nprot = 1\n");
        let d = &errs(&text)[0];
        assert_eq!(d.code, "OC002");
        assert_eq!(&text[d.span.clone().unwrap()], "prot");
        assert!(d.hint.as_deref().unwrap().contains("did you mean `port`"), "{d:?}");
    }

    #[test]
    fn wrong_type_and_bad_enum() {
        let text = format!("{MIN}[gateway]\nport = \"x\"\n");
        let d = &errs(&text)[0];
        assert_eq!(d.code, "OC003");
        assert!(d.message.contains("expected integer, found string"), "{}", d.message);
        let d = &errs("profile = \"lan\"\n[openclaw]\nversion = \"2026.2.19\"\n")[0];
        assert!(d.message.contains("\"lan-patch\""), "{}", d.message);
    }

    #[test]
    fn literal_secret_is_refused_without_echoing_it() {
        let text = format!("{MIN}[gateway]\ntoken = \"hunter2-supersecret\"\n");
        let d = &errs(&text)[0];
        assert_eq!(d.code, "OC004");
        let all = format!("{d:?}");
        assert!(!all.contains("hunter2"), "{all}");
    }

    #[test]
    fn missing_required_keys() {
        let d = &errs("profile = \"serve\"\n")[0];
        assert_eq!(d.code, "OC003");
        assert!(d.message.contains("`openclaw`"), "{}", d.message);
    }
}
