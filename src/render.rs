//! Templates (embedded) → the four files, all in memory.

use std::sync::LazyLock;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::plan::Plan;

/// Templates, embedded so `ocgen` works from any directory.
const TEMPLATES: &[(&str, &str)] = &[
    ("Dockerfile.j2", include_str!("../templates/Dockerfile.j2")),
    (
        "docker-compose.yaml.j2",
        include_str!("../templates/docker-compose.yaml.j2"),
    ),
    ("bootstrap.sh.j2", include_str!("../templates/bootstrap.sh.j2")),
    ("coolify.env.j2", include_str!("../templates/coolify.env.j2")),
    ("deploy.toml.j2", include_str!("../templates/deploy.toml.j2")),
    ("parts/header.j2", include_str!("../templates/parts/header.j2")),
    (
        "bootstrap/tailscale.sh.j2",
        include_str!("../templates/bootstrap/tailscale.sh.j2"),
    ),
    (
        "bootstrap/sidecar.sh.j2",
        include_str!("../templates/bootstrap/sidecar.sh.j2"),
    ),
    (
        "bootstrap/domain.sh.j2",
        include_str!("../templates/bootstrap/domain.sh.j2"),
    ),
    (
        "bootstrap/volume.sh.j2",
        include_str!("../templates/bootstrap/volume.sh.j2"),
    ),
    ("dockerfile/base.j2", include_str!("../templates/dockerfile/base.j2")),
    (
        "dockerfile/runtimes.j2",
        include_str!("../templates/dockerfile/runtimes.j2"),
    ),
    (
        "dockerfile/browser-deps.j2",
        include_str!("../templates/dockerfile/browser-deps.j2"),
    ),
    (
        "dockerfile/openclaw-install.j2",
        include_str!("../templates/dockerfile/openclaw-install.j2"),
    ),
    (
        "dockerfile/tailscale-install.j2",
        include_str!("../templates/dockerfile/tailscale-install.j2"),
    ),
    (
        "dockerfile/tailscale-cli.j2",
        include_str!("../templates/dockerfile/tailscale-cli.j2"),
    ),
    ("dockerfile/final.j2", include_str!("../templates/dockerfile/final.j2")),
    (
        "kubernetes/kustomization.yaml.j2",
        include_str!("../templates/kubernetes/kustomization.yaml.j2"),
    ),
    (
        "kubernetes/deployment.yaml.j2",
        include_str!("../templates/kubernetes/deployment.yaml.j2"),
    ),
    (
        "kubernetes/pvc.yaml.j2",
        include_str!("../templates/kubernetes/pvc.yaml.j2"),
    ),
    (
        "kubernetes/service.yaml.j2",
        include_str!("../templates/kubernetes/service.yaml.j2"),
    ),
    (
        "kubernetes/ingress.yaml.j2",
        include_str!("../templates/kubernetes/ingress.yaml.j2"),
    ),
    (
        "kubernetes/rbac.yaml.j2",
        include_str!("../templates/kubernetes/rbac.yaml.j2"),
    ),
];

/// The output files of `target = "coolify"`: name on disk, template, Unix mode.
pub const OUTPUTS: &[(&str, &str, u32)] = &[
    ("Dockerfile", "Dockerfile.j2", 0o644),
    ("docker-compose.yaml", "docker-compose.yaml.j2", 0o644),
    ("bootstrap.sh", "bootstrap.sh.j2", 0o755),
    ("coolify.env", "coolify.env.j2", 0o644),
];

/// The output files of `target = "kubernetes"`: the same image (Dockerfile,
/// bootstrap.sh) and a Kustomize base; a manifest the plan leaves out
/// ([`Kubernetes::resources`](crate::plan::Kubernetes::resources)) is not written.
pub const KUBERNETES_OUTPUTS: &[(&str, &str, u32)] = &[
    ("Dockerfile", "Dockerfile.j2", 0o644),
    ("bootstrap.sh", "bootstrap.sh.j2", 0o755),
    ("kustomization.yaml", "kubernetes/kustomization.yaml.j2", 0o644),
    ("deployment.yaml", "kubernetes/deployment.yaml.j2", 0o644),
    ("pvc.yaml", "kubernetes/pvc.yaml.j2", 0o644),
    ("service.yaml", "kubernetes/service.yaml.j2", 0o644),
    ("ingress.yaml", "kubernetes/ingress.yaml.j2", 0o644),
    ("rbac.yaml", "kubernetes/rbac.yaml.j2", 0o644),
];

/// The files a plan renders to, in order.
pub fn outputs(plan: &Plan) -> Vec<(&'static str, &'static str, u32)> {
    match &plan.kubernetes {
        None => OUTPUTS.to_vec(),
        Some(k) => KUBERNETES_OUTPUTS
            .iter()
            .filter(|(name, _, _)| {
                !name.ends_with(".yaml") || *name == "kustomization.yaml" || k.resources.contains(name)
            })
            .copied()
            .collect(),
    }
}

/// One rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub name: &'static str,
    pub contents: String,
    pub mode: u32,
}

/// Quote a string for POSIX shells: as it is when it is plainly safe, else
/// `'…'` with embedded quotes escaped.
pub fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("default delimiters are valid"),
    );
    // `.yaml` templates escape every value as JSON, so any string is a valid YAML scalar.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".yaml.j2") {
            AutoEscape::Json
        } else {
            AutoEscape::None
        }
    });
    env.add_filter("sq", |s: String| shell_quote(&s));
    // Compiled on first use: a render compiles only the templates it includes
    // (never deploy.toml.j2, nor the profile's unused parts).
    env.set_loader(|name| Ok(TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, s)| s.to_string())));
    env
});

/// Render every file of the plan's target. An error here is a bug in ocgen's templates.
pub fn render(plan: &Plan) -> Result<Vec<RenderedFile>, minijinja::Error> {
    let ctx = minijinja::Value::from(minijinja::value::Serde(plan));
    outputs(plan)
        .into_iter()
        .map(|(name, template, mode)| {
            let contents = ENV.get_template(template)?.render(&ctx)?;
            Ok(RenderedFile {
                name,
                contents: tidy(&contents),
                mode,
            })
        })
        .collect()
}

/// The starter `deploy.toml` of `ocgen init`.
pub fn starter(profile: crate::config::ProfileName) -> String {
    let latest = crate::data::versions::releases()
        .last()
        .map(|r| r.version.as_str())
        .unwrap_or_default();
    let ctx = minijinja::context! {
        profile => profile.as_str(),
        version => latest,
        publishes => crate::data::profile::get(profile).publish_port,
        domain => profile == crate::config::ProfileName::Domain,
    };
    let text = ENV.get_template("deploy.toml.j2").and_then(|t| t.render(ctx));
    tidy(&text.unwrap_or_else(|e| panic!("ocgen template bug: {e:#}")))
}

/// Collapse runs of blank lines left by conditional blocks and end with one newline.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_escapes_quotes() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(shell_quote("out/dir"), "out/dir");
        assert_eq!(shell_quote("my dir"), "'my dir'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("a\n\n\n\nb  \n\n"), "a\n\nb\n");
    }
}
