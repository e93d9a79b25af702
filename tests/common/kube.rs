//! `podman kube play` (Debian's podman 4.3) of a rendered Kubernetes base, for
//! tests/kube_play.rs: the manifests as `kubectl kustomize` builds them, run with real
//! containers, and what the setup must do for podman on this machine
//! (docs/kubernetes.md, "podman kube play"):
//!
//! - rlimits: podman as root gives every container root's default `nofile`/`nproc`, which
//!   the OCI runtime cannot set without `CAP_SYS_RESOURCE` (this machine is itself a
//!   container): a `containers.conf` (`CONTAINERS_CONF`) with `default_ulimits` inside
//!   this process's hard limits, for every podman command here ([`podman`]);
//! - the runtime: podman's default, crun, refuses this machine's cgroup layout ("cgroups in
//!   hybrid mode not supported, drop all controllers from cgroupv2": v1 controllers beside a
//!   cgroup2 mount); the same `containers.conf` names Debian's runc, which runs there;
//! - `secretKeyRef`: podman 4.3 reads the podman secret named by `secretKeyRef.name` as a
//!   JSON map of key → base64(value) ([`Pod::new`]);
//! - `fsGroup`: podman 4.3 does not apply it to the claim's volume, and on a volume's
//!   first mount gives its root the image's `/data` owner (root, 0755); `kube play` also
//!   refuses a claim whose volume exists (the second play). So the claim is left out of
//!   what podman plays, and its volume is created and prepared as a kubelet's `fsGroup`
//!   does (group, setgid, group-writable) by a throwaway container of the same image, whose
//!   mount is the volume's first: the pod's first start then finds it ready.
//!
//! The pod sits on an internal podman network of its own (no route out: the gateway's
//! start-up fetches fail at once, as on the fenced Docker engine); nothing is sent from the
//! host to a container: checks run inside containers ([`Pod::exec`] in the pod,
//! [`Pod::run_beside`] in another container on the pod's network).
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::docker::{Engine, Out, run};
use super::tools::SYS_PATH;

pub const PODMAN: &str = "/usr/bin/podman";
/// One podman command (a `kube play` or `down` included: the gateway stops in seconds).
const LIMIT: Duration = Duration::from_secs(120);
/// What `podman exec` itself adds to a probe's run (a new process in the container's
/// namespaces) beyond the probe's own `timeoutSeconds`.
const EXEC_GRACE: Duration = Duration::from_secs(3);

/// The podman of this machine with the setup above; a machine where it cannot run makes
/// the tests fail with the reason (never pass silently).
pub struct Podman {
    conf: tempfile::TempDir,
}

/// Podman, checked (`podman info`) once per test process.
pub fn podman() -> &'static Podman {
    static P: OnceLock<Result<Podman, String>> = OnceLock::new();
    match P.get_or_init(start_podman) {
        Ok(p) => p,
        Err(e) => panic!("the podman kube play tests cannot run on this machine: {e}"),
    }
}

/// This process's hard limit on open files (`/proc/self/limits`).
fn hard_nofile() -> Result<u64, String> {
    let limits = fs::read_to_string("/proc/self/limits").map_err(|e| format!("/proc/self/limits: {e}"))?;
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(4))
        .and_then(|h| h.parse().ok())
        .ok_or_else(|| format!("no hard `Max open files` in /proc/self/limits:\n{limits}"))
}

fn start_podman() -> Result<Podman, String> {
    if !Path::new(PODMAN).exists() {
        return Err(format!(
            "{PODMAN} is not installed: run scripts/install-test-tools.sh (Debian's podman and catatonit)"
        ));
    }
    let hard = hard_nofile()?;
    let conf = tempfile::Builder::new()
        .prefix("ocgen-podman-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    fs::write(
        conf.path().join("containers.conf"),
        format!(
            "[containers]\ndefault_ulimits = [\"nofile={hard}:{hard}\", \"nproc=4096:4096\"]\n\
             [engine]\nruntime = \"runc\"\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let p = Podman { conf };
    let info = p.podman(&["info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.NetworkBackend}}"]);
    if !info.ok() {
        return Err(format!("`podman info` failed:\n{}", info.tail(15)));
    }
    Ok(p)
}

impl Podman {
    /// `podman ARGS…` with this setup's `containers.conf`, within `limit`.
    pub fn podman_for(&self, limit: Duration, args: &[&str]) -> Out {
        let mut c = Command::new(PODMAN);
        c.env_clear()
            .env("PATH", SYS_PATH)
            .env("HOME", std::env::temp_dir())
            .env("CONTAINERS_CONF", self.conf.path().join("containers.conf"))
            .args(args);
        run(&mut c, limit)
    }

    pub fn podman(&self, args: &[&str]) -> Out {
        self.podman_for(LIMIT, args)
    }

    /// The image ID podman has for `name` (without `sha256:`), if any.
    fn image_id(&self, name: &str) -> Option<String> {
        let out = self.podman(&["image", "inspect", "--format", "{{.Id}}", name]);
        out.ok().then(|| out.stdout.trim().to_string())
    }

    /// The image `tag` of the Docker `engine`, in podman's store: the same image (the same
    /// ID: the digest of its config, which names every layer). Copied with
    /// `docker save | podman load` only when podman does not have that ID under the tag
    /// yet (then the image it replaces is removed); a report of what it did.
    pub fn image_from(&self, engine: &Engine, tag: &str) -> Result<String, String> {
        let id = engine.image_id(tag)?;
        let id = id.trim_start_matches("sha256:");
        let had = self.image_id(tag);
        if had.as_deref() == Some(id) {
            return Ok(format!("{tag} already in podman's store (image {})", &id[..12]));
        }
        let out = engine.save_into(tag, &[], &[PODMAN, "load", "-q"]);
        if !out.ok() {
            return Err(format!("docker save {tag} | podman load: {}", out.tail(10)));
        }
        let loaded = self.image_id(tag);
        if loaded.as_deref() != Some(id) {
            return Err(format!(
                "podman load gave {tag} the image {loaded:?}, the engine's is {id}"
            ));
        }
        if let Some(old) = had {
            // the image the tag named before, now untagged (fails harmlessly if in use)
            let _ = self.podman(&["rmi", &old]);
        }
        Ok(format!(
            "docker save | podman load of {tag}: {:.0}s (image {})",
            out.secs,
            &id[..12]
        ))
    }
}

// ---------------------------------------------------------------------------
// The base as the cluster gets it

/// A probe the manifest declares (`exec` probes: the only kind ocgen renders).
#[derive(Debug, Clone)]
pub struct Probe {
    /// `startupProbe`, `readinessProbe` or `livenessProbe`
    pub kind: &'static str,
    pub command: Vec<String>,
    pub period: u64,
    pub timeout: u64,
    pub failure_threshold: u64,
}

pub const PROBE_KINDS: [&str; 3] = ["startupProbe", "readinessProbe", "livenessProbe"];

/// `kubectl kustomize` of a rendered base: its text and its documents.
#[derive(Clone)]
pub struct Base {
    pub text: String,
    docs: Vec<Value>,
}

/// The documents of a multi-document YAML stream (split at `---` lines).
fn split_docs(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line == "---" {
            docs.push(String::new());
        } else {
            let d = docs.last_mut().unwrap();
            d.push_str(line);
            d.push('\n');
        }
    }
    docs.retain(|d| !d.trim().is_empty());
    docs
}

impl Base {
    /// `kubectl kustomize DIR` (Debian's kubernetes-client), as `kubectl apply -k` builds it.
    pub fn build(dir: &Path) -> Result<Base, String> {
        let out = run(Command::new("kubectl").arg("kustomize").arg(dir), LIMIT);
        if !out.ok() {
            return Err(format!("kubectl kustomize {}: {}", dir.display(), out.text()));
        }
        Base::parse(out.stdout)
    }

    pub fn parse(text: String) -> Result<Base, String> {
        let docs = split_docs(&text)
            .iter()
            .map(|d| serde_saphyr::from_str(d).map_err(|e| format!("{e}:\n{d}")))
            .collect::<Result<Vec<Value>, String>>()?;
        Ok(Base { text, docs })
    }

    /// The same base with `from` replaced by `to` everywhere (a broken manifest for a
    /// negative control); Err when `from` is not there.
    pub fn mutated(&self, from: &str, to: &str) -> Result<Base, String> {
        if !self.text.contains(from) {
            return Err(format!(
                "the base does not contain {from:?}: the negative control is stale"
            ));
        }
        Base::parse(self.text.replace(from, to))
    }

    pub fn deployment(&self) -> &Value {
        self.docs
            .iter()
            .find(|d| d["kind"] == "Deployment")
            .expect("the base has no Deployment")
    }

    pub fn name(&self) -> &str {
        self.deployment()["metadata"]["name"].as_str().expect("metadata.name")
    }

    fn pod_spec(&self) -> &Value {
        &self.deployment()["spec"]["template"]["spec"]
    }

    pub fn containers(&self) -> Vec<&Value> {
        self.pod_spec()["containers"].as_array().into_iter().flatten().collect()
    }

    pub fn container(&self, name: &str) -> &Value {
        self.containers()
            .into_iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("the Deployment has no container {name}"))
    }

    /// The probes a container declares, in [`PROBE_KINDS`]' order.
    pub fn probes(&self, container: &str) -> Vec<Probe> {
        let c = self.container(container);
        PROBE_KINDS
            .iter()
            .filter(|k| !c[**k].is_null())
            .map(|k| {
                let p = &c[*k];
                Probe {
                    kind: k,
                    command: p["exec"]["command"]
                        .as_array()
                        .unwrap_or_else(|| panic!("{container}'s {k} is not an exec probe: {p}"))
                        .iter()
                        .map(|a| a.as_str().expect("a probe argument").to_string())
                        .collect(),
                    // Kubernetes' defaults where the manifest leaves one out
                    period: p["periodSeconds"].as_u64().unwrap_or(10),
                    timeout: p["timeoutSeconds"].as_u64().unwrap_or(1),
                    failure_threshold: p["failureThreshold"].as_u64().unwrap_or(3),
                }
            })
            .collect()
    }

    /// The claim the pod mounts (`persistentVolumeClaim.claimName`), if any.
    pub fn claim(&self) -> Option<String> {
        self.pod_spec()["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
            .map(str::to_string)
    }

    /// Every (Secret, key) a container's env reads (`secretKeyRef`).
    pub fn secret_keys(&self) -> Vec<(String, String)> {
        let mut keys: Vec<(String, String)> = self
            .containers()
            .iter()
            .flat_map(|c| c["env"].as_array().into_iter().flatten())
            .filter_map(|e| {
                let r = &e["valueFrom"]["secretKeyRef"];
                Some((r["name"].as_str()?.to_string(), r["key"].as_str()?.to_string()))
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// The pod's `securityContext.fsGroup`.
    pub fn fs_group(&self) -> Option<u64> {
        self.pod_spec()["securityContext"]["fsGroup"].as_u64()
    }

    /// What podman plays: every document but the PersistentVolumeClaim (its volume is
    /// made beforehand, see the module's doc).
    fn play_text(&self) -> String {
        split_docs(&self.text)
            .into_iter()
            .zip(&self.docs)
            .filter(|(_, d)| d["kind"] != "PersistentVolumeClaim")
            .map(|(t, _)| t)
            .collect::<Vec<_>>()
            .join("---\n")
    }
}

// ---------------------------------------------------------------------------
// The pod

/// A base played by podman on an internal network of its own, with the podman secrets
/// and the claim's volume it needs; everything removed on drop (the volume too).
pub struct Pod {
    pub base: Base,
    /// podman's name for the Deployment's (only) pod: `<name>-pod-0`
    pub name: String,
    pub network: String,
    volume: Option<String>,
    secrets: Vec<String>,
    yaml: PathBuf,
    _work: tempfile::TempDir,
}

impl Pod {
    /// The base, ready to play: the network `network` (internal), a podman secret for
    /// each Secret the manifests reference, with `values` (key → value), and the claim's
    /// volume prepared as `fsGroup` does. Leftovers of an interrupted run with the same
    /// names are removed first.
    pub fn new(base: Base, values: &[(&str, &str)], network: &str) -> Result<Pod, String> {
        let p = podman();
        let work = tempfile::Builder::new()
            .prefix("ocgen-kube-play-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let yaml = work.path().join("play.yaml");
        fs::write(&yaml, base.play_text()).map_err(|e| e.to_string())?;
        let mut secrets: Vec<String> = base.secret_keys().into_iter().map(|(s, _)| s).collect();
        secrets.dedup();
        let pod = Pod {
            name: format!("{}-pod-0", base.name()),
            network: network.into(),
            volume: base.claim(),
            secrets,
            yaml,
            base,
            _work: work,
        };
        pod.remove();
        let ok = |what: &str, out: Out| {
            if out.ok() {
                Ok(())
            } else {
                Err(format!("{what}: {}", out.tail(10)))
            }
        };
        ok(
            "podman network create --internal",
            p.podman(&["network", "create", "--internal", network]),
        )?;
        for secret in &pod.secrets {
            let mut map = serde_json::Map::new();
            for (_, key) in pod.base.secret_keys().iter().filter(|(s, _)| s == secret) {
                let value = values
                    .iter()
                    .find(|(k, _)| k == key)
                    .ok_or_else(|| format!("no value for the Secret's key {key}"))?
                    .1;
                map.insert(key.clone(), base64(value)?.into());
            }
            let file = pod._work.path().join(format!("secret-{secret}.json"));
            fs::write(&file, Value::Object(map).to_string()).map_err(|e| e.to_string())?;
            ok(
                "podman secret create",
                p.podman(&["secret", "create", secret, &file.display().to_string()]),
            )?;
        }
        pod.fresh_volume()?;
        Ok(pod)
    }

    /// The claim's volume (if the pod mounts one), made afresh (an existing one removed:
    /// only while the pod is down): created, and prepared as `fsGroup` does by its first
    /// mount, a throwaway container of the pod's image as root (lost+found as on an ext4
    /// volume).
    pub fn fresh_volume(&self) -> Result<(), String> {
        let Some(volume) = &self.volume else {
            return Ok(());
        };
        let p = podman();
        let _ = p.podman(&["volume", "rm", "-f", volume]);
        let made = p.podman(&["volume", "create", volume]);
        if !made.ok() {
            return Err(format!("podman volume create {volume}: {}", made.tail(10)));
        }
        let gid = self.base.fs_group().unwrap_or(0);
        let image = self.base.containers()[0]["image"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let prepare = format!("mkdir -p -m 0700 /data/lost+found && chgrp {gid} /data && chmod 2775 /data");
        let mount = format!("{volume}:/data");
        let out = p.podman(&[
            "run",
            "--rm",
            "--pull",
            "never",
            "--network",
            "none",
            "--user",
            "0:0",
            "-v",
            &mount,
            "--entrypoint",
            "/bin/sh",
            &image,
            "-c",
            &prepare,
        ]);
        if out.ok() {
            Ok(())
        } else {
            Err(format!("preparing the volume {volume}: {}", out.tail(10)))
        }
    }

    /// `podman kube play` on the pod's network; seconds it took.
    pub fn play(&self) -> Result<f64, String> {
        let out = podman().podman(&[
            "kube",
            "play",
            "--network",
            &self.network,
            &self.yaml.display().to_string(),
        ]);
        if out.ok() {
            Ok(out.secs)
        } else {
            Err(format!("podman kube play: {}", out.tail(15)))
        }
    }

    /// `podman kube down` (the volume stays); seconds it took.
    pub fn down(&self) -> Result<f64, String> {
        let out = podman().podman(&["kube", "down", &self.yaml.display().to_string()]);
        if out.ok() {
            Ok(out.secs)
        } else {
            Err(format!("podman kube down: {}", out.tail(15)))
        }
    }

    /// podman's name for a container of the pod.
    pub fn container(&self, name: &str) -> String {
        format!("{}-{name}", self.name)
    }

    /// `podman exec` in a container of the pod, as its user, with extra `env`.
    pub fn exec(&self, container: &str, env: &[(&str, &str)], cmd: &[&str]) -> Out {
        self.exec_for(LIMIT, container, env, cmd)
    }

    fn exec_for(&self, limit: Duration, container: &str, env: &[(&str, &str)], cmd: &[&str]) -> Out {
        let ctr = self.container(container);
        let env: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["exec"];
        for e in &env {
            args.extend(["-e", e]);
        }
        args.push(&ctr);
        args.extend(cmd);
        podman().podman_for(limit, &args)
    }

    /// A probe by its own command, as the kubelet runs it (in the container, as its
    /// user), within its `timeoutSeconds`: Ok(seconds) when it exits 0.
    pub fn probe(&self, container: &str, probe: &Probe) -> Result<f64, String> {
        let cmd: Vec<&str> = probe.command.iter().map(String::as_str).collect();
        let limit = Duration::from_secs(probe.timeout) + EXEC_GRACE;
        let out = self.exec_for(limit, container, &[], &cmd);
        if out.ok() {
            Ok(out.secs)
        } else {
            Err(format!(
                "{} of {container} failed (exit {:?} after {:.1}s): {}",
                probe.kind,
                out.code,
                out.secs,
                out.tail(3)
            ))
        }
    }

    /// The startup probe run every `periodSeconds` until it passes, at most
    /// `failureThreshold` times (where a kubelet would restart the container): Ok((seconds
    /// from the call, failed runs before it passed)).
    pub fn wait_started(&self, container: &str) -> Result<(f64, u64), String> {
        let start = Instant::now();
        let probe = self
            .base
            .probes(container)
            .into_iter()
            .find(|p| p.kind == "startupProbe")
            .ok_or_else(|| format!("{container} declares no startupProbe"))?;
        let mut failed = 0;
        loop {
            let at = Instant::now();
            match self.probe(container, &probe) {
                Ok(_) => return Ok((start.elapsed().as_secs_f64(), failed)),
                Err(e) => {
                    failed += 1;
                    if failed >= probe.failure_threshold {
                        return Err(format!(
                            "{e}\nthe startup probe failed {failed} times in {:.0}s (failureThreshold {}); logs:\n{}",
                            start.elapsed().as_secs_f64(),
                            probe.failure_threshold,
                            self.logs(container)
                        ));
                    }
                }
            }
            std::thread::sleep(Duration::from_secs(probe.period).saturating_sub(at.elapsed()));
        }
    }

    /// The pod's address on its network.
    pub fn address(&self) -> Result<String, String> {
        let out = podman().podman(&["pod", "inspect", "--format", "{{.InfraContainerID}}", &self.name]);
        let infra = out.stdout.trim().to_string();
        let format = format!(
            "{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}",
            self.network
        );
        let ip = podman().podman(&["inspect", "--format", &format, &infra]);
        let ip = ip.stdout.trim().to_string();
        if ip.is_empty() {
            Err(format!(
                "no address of {} on {}: {}",
                self.name,
                self.network,
                out.text()
            ))
        } else {
            Ok(ip)
        }
    }

    /// `podman run --rm` of `image` in another container on the pod's network, with
    /// `mounts` read-only and `scratch` (if any) read-write at `/scratch`.
    pub fn run_beside(&self, image: &str, mounts: &[(&Path, &str)], scratch: Option<&Path>, cmd: &[&str]) -> Out {
        let mut args: Vec<String> = ["run", "--rm", "--pull", "never", "--network", &self.network]
            .map(String::from)
            .to_vec();
        for (host, inside) in mounts {
            args.extend(["-v".into(), format!("{}:{inside}:ro", host.display())]);
        }
        if let Some(dir) = scratch {
            args.extend(["-v".into(), format!("{}:/scratch", dir.display())]);
        }
        args.extend(["--entrypoint".into(), cmd[0].into(), image.into()]);
        args.extend(cmd[1..].iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        podman().podman(&args)
    }

    /// The last 30 lines a container logged.
    pub fn logs(&self, container: &str) -> String {
        self.logs_tail(container, 30)
    }

    /// The last `lines` lines a container logged.
    pub fn logs_tail(&self, container: &str, lines: u32) -> String {
        podman()
            .podman(&["logs", "--tail", &lines.to_string(), &self.container(container)])
            .text()
    }

    /// Everything of this pod's names: the pod, the volume, the secrets, the network.
    fn remove(&self) {
        let p = podman();
        let _ = p.podman(&["kube", "down", &self.yaml.display().to_string()]);
        let _ = p.podman(&["pod", "rm", "-f", "-t", "0", &self.name]);
        if let Some(v) = &self.volume {
            let _ = p.podman(&["volume", "rm", "-f", v]);
        }
        for s in &self.secrets {
            let _ = p.podman(&["secret", "rm", s]);
        }
        let _ = p.podman(&["network", "rm", "-f", &self.network]);
    }

    /// What is left of this pod's names after the drop (for a test of the cleanup).
    pub fn leftovers(name: &str, volume: Option<&str>, secrets: &[&str], network: &str) -> Vec<String> {
        let p = podman();
        let mut left = Vec::new();
        let mut check = |kind: &str, args: &[&str]| {
            if p.podman(args).ok() {
                left.push(format!("{kind} {}", args.last().unwrap()));
            }
        };
        check("pod", &["pod", "exists", name]);
        if let Some(v) = volume {
            check("volume", &["volume", "exists", v]);
        }
        for s in secrets {
            check("secret", &["secret", "inspect", s]);
        }
        check("network", &["network", "exists", network]);
        left
    }
}

impl Drop for Pod {
    fn drop(&mut self) {
        self.remove();
    }
}

/// base64 of a value, by coreutils' `base64` (for podman's secret map).
fn base64(value: &str) -> Result<String, String> {
    let out = run(
        Command::new("/bin/bash").args(["-c", "printf %s \"$1\" | base64 -w0", "bash", value]),
        LIMIT,
    );
    if out.ok() {
        Ok(out.stdout.trim().to_string())
    } else {
        Err(format!("base64: {}", out.text()))
    }
}
