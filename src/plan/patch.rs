//! The `openclaw.json` patch: the steps bootstrap.sh applies with jq, as data
//! (`super::tls` and `super::domain` add steps; the `ocgen plan` report and
//! `crate::openclaw_schema` read them).

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct PatchStep {
    pub path: String,
    pub op: PatchOp,
    /// The step as jq.
    pub jq: String,
    pub why: String,
}

/// What a patch step does to its key.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum PatchOp {
    /// Set a JSON value.
    Set(Value),
    /// Set the value of an environment variable of the container.
    SetEnv(String),
    /// Set a list: the comma-separated value of an environment variable.
    SetEnvList(String),
    /// Set a list: fixed entries, then the comma-separated entries of an
    /// environment variable (unset or empty: none).
    SetListPlusEnv {
        fixed: Vec<String>,
        var: String,
    },
    Delete,
}

impl PatchStep {
    pub(crate) fn new(path: &str, op: PatchOp, why: impl Into<String>) -> Self {
        let p = jq_path(path);
        let jq = match &op {
            PatchOp::Set(v) => format!("{p} = {v}"),
            PatchOp::SetEnv(var) => format!("{p} = $ENV.{var}"),
            PatchOp::SetEnvList(var) => format!("{p} = ($ENV.{var} | split(\",\"))"),
            PatchOp::SetListPlusEnv { fixed, var } => format!(
                "{p} = ({} + ($ENV.{var} // \"\" | split(\",\") | map(select(. != \"\"))))",
                Value::from(fixed.clone())
            ),
            PatchOp::Delete => format!("del({p})"),
        };
        PatchStep {
            path: path.into(),
            op,
            jq,
            why: why.into(),
        }
    }
}

/// `openclaw.json` as the patch leaves a fresh (`{}`) file; environment
/// values are filled by `env`.
pub fn apply_to_empty(steps: &[PatchStep], env: impl Fn(&str) -> String) -> Value {
    let mut root = Value::Object(Default::default());
    for step in steps {
        let segs: Vec<&str> = step.path.split('.').collect();
        let (last, parents) = segs.split_last().expect("paths are not empty");
        let value = match &step.op {
            PatchOp::Set(v) => Some(v.clone()),
            PatchOp::SetEnv(var) => Some(Value::String(env(var))),
            PatchOp::SetEnvList(var) => Some(Value::Array(
                env(var).split(',').map(|s| Value::String(s.to_string())).collect(),
            )),
            PatchOp::SetListPlusEnv { fixed, var } => Some(Value::Array(
                fixed
                    .iter()
                    .cloned()
                    .chain(env(var).split(',').filter(|s| !s.is_empty()).map(str::to_string))
                    .map(Value::String)
                    .collect(),
            )),
            PatchOp::Delete => None,
        };
        let mut node = &mut root;
        let mut missing = false;
        for seg in parents {
            if !node.get(*seg).is_some_and(Value::is_object) {
                if value.is_none() {
                    missing = true;
                    break;
                }
                node[*seg] = Value::Object(Default::default());
            }
            node = &mut node[*seg];
        }
        if missing {
            continue;
        }
        match value {
            Some(v) => node[*last] = v,
            None => {
                if let Some(map) = node.as_object_mut() {
                    map.remove(*last);
                }
            }
        }
    }
    root
}

/// jq path expression for a dotted path: `.gateway.remote`, `."a-b"`.
pub fn jq_path(path: &str) -> String {
    path.split('.')
        .map(|seg| {
            if !seg.is_empty()
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !seg.starts_with(|c: char| c.is_ascii_digit())
            {
                format!(".{seg}")
            } else {
                format!(".{}", Value::String(seg.to_string()))
            }
        })
        .collect()
}

pub(crate) fn set_env_list(path: &str, var: &str, why: impl Into<String>) -> PatchStep {
    PatchStep::new(path, PatchOp::SetEnvList(var.into()), why)
}

pub(super) fn set(path: &str, value: &Value, why: impl Into<String>) -> PatchStep {
    PatchStep::new(path, PatchOp::Set(value.clone()), why)
}

pub(super) fn set_env(path: &str, var: &str, why: impl Into<String>) -> PatchStep {
    PatchStep::new(path, PatchOp::SetEnv(var.into()), why)
}

pub(super) fn delete(path: &str, why: impl Into<String>) -> PatchStep {
    PatchStep::new(path, PatchOp::Delete, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_to_empty_builds_nested_objects_and_ignores_absent_deletes() {
        let steps = vec![
            set("gateway.port", &Value::from(1), "x"),
            delete("gateway.remote", "x"),
            set_env("gateway.remote.token", "T", "x"),
            delete("commands.useAccessGroups", "x"),
        ];
        let v = apply_to_empty(&steps, |var| format!("<{var}>"));
        assert_eq!(
            v,
            serde_json::json!({"gateway": {"port": 1, "remote": {"token": "<T>"}}})
        );
    }

    #[test]
    fn jq_paths_quote_odd_segments() {
        assert_eq!(jq_path("gateway.remote.url"), ".gateway.remote.url");
        assert_eq!(jq_path("a-b.c"), ".\"a-b\".c");
    }
}
