//! The Coolify env list ([`Plan::env`](super::Plan::env)): every variable the
//! compose file references, as `coolify.env` lists it.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct EnvVar {
    pub name: String,
    /// Value written to `coolify.env` (empty for secrets).
    pub value: String,
    pub secret: bool,
    pub required: bool,
    pub comment: String,
}

pub(crate) fn push_env(env: &mut Vec<EnvVar>, var: EnvVar) -> String {
    let reference = match (var.secret, var.required, var.name.starts_with("SERVICE_")) {
        // Coolify generates SERVICE_* variables itself.
        (_, _, true) => format!("${{{}}}", var.name),
        (_, true, _) => format!("${{{}:?{} must be set in Coolify}}", var.name, var.name),
        (_, false, _) => format!("${{{}:-{}}}", var.name, var.value),
    };
    if !env.iter().any(|e| e.name == var.name) {
        env.push(var);
    }
    reference
}
