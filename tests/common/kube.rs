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
//! [`Runtime::Docker`] runs a pod podman cannot play (the sidecar's: a `projected` volume)
//! with the same container spec on the Docker engine instead (tests/common/pod_compose.rs).
//!
//! [`Profile`] says what differs per profile (names, image, the Secret's values, where the
//! Tailscale node keeps its state), [`Browser`] the path a profile's users take to the
//! gateway (lan-patch: the pod's address; serve: Tailscale Serve's hop in the gateway's
//! network namespace).
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

use serde_json::{Value, json};

use super::docker::{AUTH_KEY, Engine, Out, TOKEN, engine, render_toml, root, run};
use super::net::parse_proc_net;
use super::pod_compose::{INFRA, pod_compose};
use super::tools::SYS_PATH;
use super::{PEER, PORT, TAILNET_HOST, last_json, page_args};

pub const PODMAN: &str = "/usr/bin/podman";
/// One podman command (a `kube play` or `down` included: the gateway stops in seconds).
const LIMIT: Duration = Duration::from_secs(120);
/// What `podman exec` itself adds to a probe's run (a new process in the container's
/// namespaces) beyond the probe's own `timeoutSeconds`.
const EXEC_GRACE: Duration = Duration::from_secs(3);

/// The podman of this machine with the setup above; a machine where it cannot run makes
/// the tests fail with the reason (never pass silently).
pub struct Podman {
    /// `CARGO_TARGET_TMPDIR/podman/containers.conf`: a fixed place, so no run leaves a
    /// directory behind (the setup lives in a static, which is never dropped).
    conf: PathBuf,
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
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("podman");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // written whole, then renamed over the last run's
    let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::io::Write::write_all(
        &mut file,
        format!(
            "[containers]\ndefault_ulimits = [\"nofile={hard}:{hard}\", \"nproc=4096:4096\"]\n\
             [engine]\nruntime = \"runc\"\n"
        )
        .as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    let conf = dir.join("containers.conf");
    file.persist(&conf).map_err(|e| format!("{}: {e}", conf.display()))?;
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
            .env("CONTAINERS_CONF", &self.conf)
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
// The profiles tests/kube_play.rs plays

/// The gateway's container in the Deployment.
pub const GATEWAY: &str = "openclaw";

/// A profile's base as tests/kube_play.rs plays it: its `deploy.toml`, the names of its
/// objects, its image, the Secret's values and the path its users take to the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// The gateway on the pod's address, as a LoadBalancer or NodePort Service forwards
    /// to it.
    LanPatch,
    /// The gateway on loopback only, reached through Tailscale Serve's hop in its network
    /// namespace; tailscaled in the gateway's container (uid 1000, userspace), its state
    /// on the claim, its socket on an `emptyDir`.
    Serve,
    /// The gateway beside the Tailscale container (containerboot, root, `NET_ADMIN`), the
    /// two sharing tailscaled's socket on an in-memory `emptyDir` where the release admits
    /// only listed origins; its users are tailnet peers that reach the pod's address as the
    /// node's (kernel mode), by its MagicDNS name. Not playable by podman 4.3 (a
    /// `projected` volume): run on the Docker engine ([`Runtime::Docker`]).
    Sidecar,
    /// lan-patch's pod with `gateway.trustedProxies` (the pod CIDR, [`POD_CIDR`]), behind an
    /// Ingress: its users come through the ingress controller, which no cluster here can
    /// run; its hop is made as ingress-nginx makes it ([`Browser`]). Run on the Docker
    /// engine, its pod network on the pod CIDR.
    Domain,
}

/// The domain's Ingress host.
pub const DOMAIN: &str = "openclaw.test";
/// The cluster's pod CIDR (kubeadm with Flannel), where the ingress controller's pods
/// connect from: the domain's `trusted_proxies`, and the pod network's subnet.
pub const POD_CIDR: &str = "10.244.0.0/16";
/// The browser's public address, as the ingress controller forwards it (TEST-NET-3).
pub const CLIENT_IP: &str = "203.0.113.7";

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::LanPatch => "lan-patch",
            Profile::Serve => "serve",
            Profile::Sidecar => "sidecar",
            Profile::Domain => "domain",
        }
    }

    /// The Deployment's name (every object's prefix, and the pod's network): not the
    /// default `openclaw`, which a base played by hand on this machine may hold.
    pub fn deployment(self) -> String {
        format!("ocgen-kube-play-{}", self.name())
    }

    /// podman's name for the Deployment's (only) pod.
    pub fn pod(self) -> String {
        format!("{}-pod-0", self.deployment())
    }

    /// The claim the Deployment mounts at `/data`.
    pub fn claim(self) -> String {
        format!("{}-data", self.deployment())
    }

    /// docker_e2e's image repository of the profile (in the engine's layer cache, every
    /// layer but the last few, which hold this target's bootstrap.sh).
    pub fn tag(self, version: &str) -> String {
        format!("ocgen-e2e/{}:{version}-kubernetes", self.name())
    }

    /// The deploy.toml a user writes: one line (`target`) and the image they built.
    pub fn deploy_toml(self, version: &str) -> String {
        let name = self.deployment();
        format!(
            "profile = \"{}\"\ntarget = \"kubernetes\"\n[openclaw]\nversion = \"{version}\"\n\
             [kubernetes]\nname = \"{name}\"\nsecret = \"{name}\"\nimage = \"{}\"\nstorage_class = \"local-path\"\n{}",
            self.name(),
            self.tag(version),
            match self {
                Profile::Domain => format!("domain = \"{DOMAIN}\"\ntrusted_proxies = [\"{POD_CIDR}\"]\n"),
                _ => String::new(),
            }
        )
    }

    /// The pod network's subnet, where the profile's trust depends on it (domain: the pod
    /// CIDR its `trusted_proxies` names).
    pub fn subnet(self) -> Option<&'static str> {
        (self == Profile::Domain).then_some(POD_CIDR)
    }

    /// The Secret's values (`kubectl create secret generic … --from-literal`): the
    /// gateway's token, and for serve the Tailscale auth key (only the first start uses it).
    pub fn secret_values(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Profile::LanPatch | Profile::Domain => &[("OPENCLAW_GATEWAY_TOKEN", TOKEN)],
            Profile::Serve | Profile::Sidecar => &[("OPENCLAW_GATEWAY_TOKEN", TOKEN), ("TS_AUTHKEY", AUTH_KEY)],
        }
    }

    /// Where tailscaled keeps the node's state, if the gateway's container runs one.
    pub fn tailscale_state(self) -> Option<&'static str> {
        match self {
            Profile::LanPatch | Profile::Sidecar | Profile::Domain => None,
            Profile::Serve => Some("/data/tailscale/tailscaled.state"),
        }
    }
}

/// The profile's base for `version` as `kubectl kustomize` builds it, with its image built
/// from the rendered Dockerfile on the engine and in podman's store.
pub fn prepare(profile: Profile, version: &str) -> (tempfile::TempDir, Base) {
    prepare_for(Runtime::Podman, profile, version)
}

/// [`prepare`] for `runtime`: the image in podman's store only for podman.
pub fn prepare_for(runtime: Runtime, profile: Profile, version: &str) -> (tempfile::TempDir, Base) {
    let started = Instant::now();
    let tag = profile.tag(version);
    let dir = render_toml(&profile.deploy_toml(version));
    let e = engine();
    let image = e.build(dir.path(), &tag).unwrap_or_else(|e| panic!("the image: {e}"));
    let copied = match runtime {
        Runtime::Podman => podman().image_from(e, &tag).unwrap_or_else(|e| panic!("{e}")),
        Runtime::Docker => format!("{tag} on the engine"),
    };
    eprintln!(
        "image {tag}: {:.2} GB, docker build {:.0}s; {copied}; {:.0}s in all",
        image.bytes as f64 / 1e9,
        image.secs,
        started.elapsed().as_secs_f64()
    );
    let base = Base::build(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, base)
}

/// One pod at a time (the tests of kube_play run on threads): both pods publish the
/// gateway's port on the host (`podman kube play`: "cannot listen on the TCP port: listen
/// tcp4 :18789: bind: address already in use" with two at once). Their images are prepared
/// before, at the same time.
pub fn one_pod() -> std::sync::MutexGuard<'static, ()> {
    static POD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    POD.lock().unwrap_or_else(|e| e.into_inner())
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

/// What runs a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// `podman kube play` of the base as `kubectl kustomize` builds it.
    Podman,
    /// The Deployment's pod template translated into a Compose project on the fenced
    /// Docker Engine 26, the same container spec (tests/common/pod_compose.rs): for what
    /// podman 4.3 cannot play.
    Docker,
}

/// Where a container run beside the pod ([`Pod::run_on`]) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// Another container on the pod's network: it reaches the pod on its address.
    Network,
    /// A container added to the pod for its run, in the pod's network namespace (which
    /// the gateway's container shares): it dials what the pod's containers dial on
    /// loopback. (podman refuses `--network container:` of a container in a pod to a
    /// container outside it.)
    Netns,
}

/// A base played by podman on an internal network of its own, with the podman secrets
/// and the claim's volume it needs; everything removed on drop (the volume too).
pub struct Pod {
    pub base: Base,
    pub runtime: Runtime,
    /// What of the spec the runtime could not take as it is (Docker: a `projected` volume).
    pub notes: Vec<String>,
    /// podman's name for the Deployment's (only) pod: `<name>-pod-0`
    pub name: String,
    pub network: String,
    volume: Option<String>,
    secrets: Vec<String>,
    yaml: PathBuf,
    _work: tempfile::TempDir,
}

impl Pod {
    /// The base, ready to play on `runtime`: the network `network` (internal, on
    /// `subnet`, the pod CIDR, if given), a podman secret for each Secret the manifests
    /// reference, with `values` (key → value), and the claim's volume prepared as
    /// `fsGroup` does. Docker: the pod's Compose project ([`pod_compose`]) in
    /// `compose.json`, the Secret's values in its environment. Leftovers of an
    /// interrupted run with the same names are removed first.
    pub fn new(
        runtime: Runtime,
        base: Base,
        values: &[(&str, &str)],
        network: &str,
        subnet: Option<&str>,
    ) -> Result<Pod, String> {
        let work = tempfile::Builder::new()
            .prefix("ocgen-kube-play-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let name = format!("{}-pod-0", base.name());
        let (yaml, mut secrets, notes) = match runtime {
            Runtime::Podman => {
                let yaml = work.path().join("play.yaml");
                fs::write(&yaml, base.play_text()).map_err(|e| e.to_string())?;
                let secrets: Vec<String> = base.secret_keys().into_iter().map(|(s, _)| s).collect();
                (yaml, secrets, vec![])
            }
            Runtime::Docker => {
                let project = pod_compose(base.pod_spec(), &name, network, values)?;
                let yaml = work.path().join("compose.json");
                let text = serde_json::to_string_pretty(&project.compose).map_err(|e| e.to_string())?;
                fs::write(&yaml, text).map_err(|e| e.to_string())?;
                (yaml, vec![], project.notes)
            }
        };
        secrets.dedup();
        let pod = Pod {
            name,
            runtime,
            notes,
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
        let mut create = vec!["network", "create", "--internal"];
        if let Some(subnet) = subnet {
            create.extend(["--subnet", subnet]);
        }
        create.push(network);
        ok("network create --internal", pod.cli(&create))?;
        for secret in &pod.secrets {
            let p = podman();
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
        let _ = self.cli(&["volume", "rm", "-f", volume]);
        let made = self.cli(&["volume", "create", volume]);
        if !made.ok() {
            return Err(format!("volume create {volume}: {}", made.tail(10)));
        }
        let gid = self.base.fs_group().unwrap_or(0);
        let image = self.base.containers()[0]["image"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let prepare = format!("mkdir -p -m 0700 /data/lost+found && chgrp {gid} /data && chmod 2775 /data");
        let mount = format!("{volume}:/data");
        let out = self.cli(&[
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
        if self.runtime == Runtime::Docker {
            let out = self.compose(&["up", "-d", "--no-build", "--pull", "never"]);
            return if out.ok() {
                Ok(out.secs)
            } else {
                Err(format!("compose up of the pod: {}", out.tail(15)))
            };
        }
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
        let out = match self.runtime {
            // the emptyDirs go with the pod (`-v`); the claim is external, kept
            Runtime::Docker => self.compose(&["down", "-v"]),
            Runtime::Podman => podman().podman(&["kube", "down", &self.yaml.display().to_string()]),
        };
        if out.ok() {
            Ok(out.secs)
        } else {
            Err(format!("podman kube down: {}", out.tail(15)))
        }
    }

    /// How the pod is started and stopped, for a report: `podman kube play`/`down`, or
    /// Compose `up`/`down` of the pod's project.
    pub fn verb(&self, what: &str) -> String {
        match (self.runtime, what) {
            (Runtime::Podman, _) => format!("podman kube {what}"),
            (Runtime::Docker, "down") => "compose down -v (the claim kept)".into(),
            (Runtime::Docker, _) => "compose up of the pod".into(),
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
        self.cli_for(limit, &args)
    }

    /// The runtime's CLI (`podman`, or `docker` on the engine) with `args`.
    pub fn cli(&self, args: &[&str]) -> Out {
        self.cli_for(LIMIT, args)
    }

    fn cli_for(&self, limit: Duration, args: &[&str]) -> Out {
        match self.runtime {
            Runtime::Podman => podman().podman_for(limit, args),
            Runtime::Docker => engine().docker_for(limit, args),
        }
    }

    /// Docker: Compose of the pod's project.
    fn compose(&self, args: &[&str]) -> Out {
        let dir = self.yaml.parent().unwrap_or(Path::new("."));
        let mut all = vec!["-p", &self.network, "-f", "compose.json"];
        all.extend(args);
        engine().compose_in(dir, LIMIT, &all)
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
    /// from the call, failed runs before it passed, how many of those were not run)). While nothing listens on the
    /// gateway's port in the pod's network namespace ([`listening`], read from the host),
    /// every rendered probe fails (connection refused), so such a period counts as a failed
    /// run without starting the probe's Node in the container (~0.4 s of CPU each, 20 to 30
    /// times per start, which slowed the start it waits for); from the port's first
    /// listener on, the probe runs by its own command.
    pub fn wait_started(&self, container: &str) -> Result<(f64, u64, u64), String> {
        let start = Instant::now();
        let probe = self
            .base
            .probes(container)
            .into_iter()
            .find(|p| p.kind == "startupProbe")
            .ok_or_else(|| format!("{container} declares no startupProbe"))?;
        let pid = self.pid(container);
        let mut failed = 0;
        let mut skipped = 0;
        loop {
            let at = Instant::now();
            let closed = pid.is_some_and(|pid| listening(pid, PORT) == Some(false));
            let run = if closed {
                skipped += 1;
                Err(format!(
                    "nothing listens on port {PORT} in the pod yet (connection refused)"
                ))
            } else {
                self.probe(container, &probe)
            };
            match run {
                Ok(_) => return Ok((start.elapsed().as_secs_f64(), failed, skipped)),
                Err(e) => {
                    failed += 1;
                    if failed >= probe.failure_threshold {
                        return Err(format!(
                            "{e}\nthe startup probe failed {failed} times ({skipped} of them with the port closed) in {:.0}s (failureThreshold {}); logs:\n{}",
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

    /// The host PID of a container's first process (its network namespace is the pod's),
    /// if the runtime names one.
    fn pid(&self, container: &str) -> Option<u32> {
        let out = self.cli(&["inspect", "-f", "{{.State.Pid}}", &self.container(container)]);
        out.stdout.trim().parse().ok().filter(|&p| p > 0)
    }

    /// The mount `path` is on in a container of the pod, as (mount point, filesystem type):
    /// the longest mount point in `/proc/self/mountinfo` that is the resolved `path` or one
    /// of its parents (`stat -c %m` cannot tell: podman's volumes are bind mounts of one
    /// filesystem, the same device; and podman mounts at the resolved path, e.g. `/run/…`
    /// for `/var/run/…`).
    pub fn mount_of(&self, container: &str, path: &str) -> Result<(String, String), String> {
        let longest = r#"{ m = $5; if ((p == m || index(p, (m == "/" ? m : m "/")) == 1) && length(m) > length(b)) {
            b = m; for (i = 7; $i != "-"; i++); t = $(i + 1) } } END { print b, t }"#;
        let script = r#"awk -v p="$(readlink -m -- "$1")" "$2" /proc/self/mountinfo"#;
        let out = self.exec(container, &[], &["bash", "-c", script, "mount_of", path, longest]);
        match out.stdout.split_whitespace().collect::<Vec<_>>()[..] {
            [mount, fs] => Ok((mount.to_string(), fs.to_string())),
            _ => Err(format!("no mount of {path} in {container}: {}", out.text())),
        }
    }

    /// Where Tailscale Serve proxies https:443 of the node to: the one target of the
    /// route the gateway gave it (`tailscale serve status --json` in the gateway's
    /// container; the stand-in keeps it as tailscaled does, a foreground session's or a
    /// background one): the gateway's port, or from 2026.8.1 a loopback listener of its
    /// own for Tailscale ingress, on a port it picks.
    pub fn serve_target(&self) -> Result<String, String> {
        let out = self.exec(GATEWAY, &[], &["tailscale", "serve", "status", "--json"]);
        let config: Value = serde_json::from_str(&out.stdout)
            .map_err(|e| format!("tailscale serve status --json: {e}: {}", out.text()))?;
        let web = format!("{TAILNET_HOST}:443");
        let sessions = config["Foreground"].as_object().into_iter().flat_map(|f| f.values());
        let mut targets: Vec<&str> = std::iter::once(&config)
            .chain(sessions)
            .filter_map(|c| c["Web"][&web]["Handlers"]["/"]["Proxy"].as_str())
            .collect();
        targets.dedup();
        match targets.as_slice() {
            [one] => Ok(one.trim_end_matches('/').to_string()),
            _ => Err(format!(
                "Tailscale Serve should proxy https://{web}/ to one target, it has {targets:?}: {config}"
            )),
        }
    }

    /// The pod's address on its network.
    pub fn address(&self) -> Result<String, String> {
        let (out, infra) = match self.runtime {
            Runtime::Podman => {
                let out = podman().podman(&["pod", "inspect", "--format", "{{.InfraContainerID}}", &self.name]);
                let infra = out.stdout.trim().to_string();
                (out, infra)
            }
            Runtime::Docker => {
                let infra = self.container(INFRA);
                (self.cli(&["inspect", "--format", "{{.Id}}", &infra]), infra)
            }
        };
        let format = format!(
            "{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}",
            self.network
        );
        let ip = self.cli(&["inspect", "--format", &format, &infra]);
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
        self.run_on(Join::Network, image, mounts, scratch, cmd)
    }

    /// [`Pod::run_beside`], the container joining the pod as `join` says.
    pub fn run_on(
        &self,
        join: Join,
        image: &str,
        mounts: &[(&Path, &str)],
        scratch: Option<&Path>,
        cmd: &[&str],
    ) -> Out {
        let mut args: Vec<String> = ["run", "--rm", "--pull", "never"].map(String::from).to_vec();
        match join {
            Join::Network => args.extend(["--network".into(), self.network.clone()]),
            Join::Netns => match self.runtime {
                Runtime::Podman => args.extend(["--pod".into(), self.name.clone()]),
                Runtime::Docker => args.extend(["--network".into(), format!("container:{}", self.container(INFRA))]),
            },
        }
        for (host, inside) in mounts {
            args.extend(["-v".into(), format!("{}:{inside}:ro", host.display())]);
        }
        if let Some(dir) = scratch {
            args.extend(["-v".into(), format!("{}:/scratch", dir.display())]);
        }
        args.extend(["--entrypoint".into(), cmd[0].into(), image.into()]);
        args.extend(cmd[1..].iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.cli(&args)
    }

    /// The last 30 lines a container logged.
    pub fn logs(&self, container: &str) -> String {
        self.logs_tail(container, 30)
    }

    /// The last `lines` lines a container logged.
    pub fn logs_tail(&self, container: &str, lines: u32) -> String {
        self.cli(&["logs", "--tail", &lines.to_string(), &self.container(container)])
            .text()
    }

    /// Everything of this pod's names: the pod, the volume, the secrets, the network.
    fn remove(&self) {
        match self.runtime {
            Runtime::Podman => {
                let p = podman();
                let _ = p.podman(&["kube", "down", &self.yaml.display().to_string()]);
                let _ = p.podman(&["pod", "rm", "-f", "-t", "0", &self.name]);
                for s in &self.secrets {
                    let _ = p.podman(&["secret", "rm", s]);
                }
            }
            Runtime::Docker => {
                let _ = self.compose(&["down", "-v", "--remove-orphans", "--timeout", "0"]);
            }
        }
        if let Some(v) = &self.volume {
            let _ = self.cli(&["volume", "rm", "-f", v]);
        }
        // Docker removes a `docker run --rm` container after the CLI returns (the daemon's
        // auto-remove): the last client's endpoint may hold the network for a moment
        let rm: &[&str] = match self.runtime {
            Runtime::Podman => &["network", "rm", "-f", &self.network],
            // the engine's CLI (20.10) has no `network rm -f`
            Runtime::Docker => &["network", "rm", &self.network],
        };
        for _ in 0..20 {
            let out = self.cli(rm);
            if out.ok() || !out.text().contains("active endpoints") {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// What is left on the Docker engine of a pod run there (its containers, its
    /// project's volumes, the claim's volume, the network), for a test of the cleanup.
    pub fn docker_leftovers(name: &str, volume: Option<&str>, network: &str) -> Vec<String> {
        let e = engine();
        let mut left = Vec::new();
        let filter = format!("name=^{name}-");
        let ps = e.docker(&["ps", "-a", "-q", "--filter", &filter]);
        if !ps.ok() || !ps.stdout.trim().is_empty() {
            left.push(format!("containers {name}-*: {}", ps.text().trim()));
        }
        let project = format!("label=com.docker.compose.project={network}");
        let vols = e.docker(&["volume", "ls", "-q", "--filter", &project]);
        if !vols.ok() || !vols.stdout.trim().is_empty() {
            left.push(format!("volumes of {network}: {}", vols.text().trim()));
        }
        if let Some(v) = volume
            && e.docker(&["volume", "inspect", v]).ok()
        {
            left.push(format!("volume {v}"));
        }
        if e.docker(&["network", "inspect", network]).ok() {
            left.push(format!("network {network}"));
        }
        left
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

// ---------------------------------------------------------------------------
// A browser on the profile's path

/// Where a browser's requests come from and go to.
struct Hop {
    /// where the client's container is
    join: Join,
    /// the gateway's address as the client dials it (`ADDR:PORT`)
    dial: String,
    /// the page's Host and Origin
    host: String,
    origin: String,
    /// what the hop adds to each request (`Name: value`)
    headers: Vec<String>,
}

/// A browser in containers of its own (tests/clients/gateway-client.mjs on the image's
/// Node, which has OpenClaw's `ws`), on the path the profile's users take to the gateway,
/// its device identities kept in a scratch directory:
///
/// - lan-patch: another container on the pod's network, to the pod's address (what a
///   LoadBalancer or NodePort Service forwards to);
/// - serve: Tailscale Serve's hop, as docker_e2e's serve scenario makes it: the client in
///   the pod's network namespace (the gateway's loopback) dials `127.0.0.1` with the Host, Origin and
///   `X-Forwarded-*` headers Serve sends for a tagged node
///   (tests/clients/serve-proxy.mjs: no `Tailscale-User-*` headers, so the token and the
///   device's pairing decide), to the target of the route the gateway gave Serve
///   ([`Pod::serve_target`]: on 2026.9.6 its own loopback listener for Tailscale
///   ingress, not the gateway's port).
pub struct Browser {
    profile: Profile,
    image: String,
    scratch: tempfile::TempDir,
    clients: PathBuf,
}

impl Browser {
    pub fn new(profile: Profile, version: &str) -> Browser {
        Browser {
            profile,
            image: profile.tag(version),
            scratch: tempfile::Builder::new()
                .prefix("ocgen-kube-browser-")
                .tempdir()
                .expect("temp dir"),
            clients: root().join("tests/clients"),
        }
    }

    /// The path now (the pod's address: a new play may give another).
    fn hop(&self, pod: &Pod) -> Result<Hop, String> {
        Ok(match self.profile {
            Profile::LanPatch => {
                let dial = format!("{}:{PORT}", pod.address()?);
                Hop {
                    join: Join::Network,
                    origin: format!("http://{dial}"),
                    host: dial.clone(),
                    dial,
                    headers: Vec::new(),
                }
            }
            // a tailnet peer dials the node's address; in kernel mode that is the pod's,
            // and the gateway sees the peer's address (here, the client container's)
            // the ingress controller (ingress-nginx: TLS ended, the Host kept, the client's
            // address in X-Forwarded-For and X-Real-IP) from its pod in the pod CIDR, to the
            // pod's address (the Service's endpoint)
            Profile::Domain => Hop {
                join: Join::Network,
                dial: format!("{}:{PORT}", pod.address()?),
                host: DOMAIN.into(),
                origin: format!("https://{DOMAIN}"),
                headers: vec![
                    format!("X-Forwarded-For: {CLIENT_IP}"),
                    format!("X-Real-IP: {CLIENT_IP}"),
                    format!("X-Forwarded-Host: {DOMAIN}"),
                    "X-Forwarded-Port: 443".into(),
                    "X-Forwarded-Proto: https".into(),
                    "X-Forwarded-Scheme: https".into(),
                ],
            },
            Profile::Sidecar => Hop {
                join: Join::Network,
                dial: format!("{}:{PORT}", pod.address()?),
                host: format!("{TAILNET_HOST}:{PORT}"),
                origin: format!("http://{TAILNET_HOST}:{PORT}"),
                headers: Vec::new(),
            },
            Profile::Serve => Hop {
                join: Join::Netns,
                dial: {
                    let target = pod.serve_target()?;
                    match target.strip_prefix("http://") {
                        Some(dial) => dial.to_string(),
                        None => return Err(format!("Tailscale Serve proxies to {target}, not over http://")),
                    }
                },
                host: TAILNET_HOST.into(),
                origin: format!("https://{TAILNET_HOST}"),
                headers: vec![
                    format!("X-Forwarded-For: {PEER}"),
                    format!("X-Forwarded-Host: {TAILNET_HOST}"),
                    "X-Forwarded-Proto: https".into(),
                ],
            },
        })
    }

    /// What the path is, for a report.
    pub fn path(&self, pod: &Pod) -> String {
        match self.profile {
            Profile::LanPatch => format!("from another container on {}, to the pod's address", pod.network),
            Profile::Domain => format!(
                "through the ingress controller's hop (https://{DOMAIN}/ from {CLIENT_IP}, ingress-nginx's headers, from another container on {} in the pod CIDR {POD_CIDR}) to the pod's address",
                pod.network
            ),
            Profile::Sidecar => format!(
                "a tailnet peer (another container on {}) to the node's address, the pod's, by its MagicDNS name {TAILNET_HOST}",
                pod.network
            ),
            Profile::Serve => format!(
                "through Tailscale Serve's hop (https://{TAILNET_HOST}/ -> {}, from a container in the pod's network namespace)",
                pod.serve_target().unwrap_or_else(|e| e)
            ),
        }
    }

    fn client(&self, pod: &Pod, join: Join, args: &[&str]) -> Value {
        let mut cmd = vec![
            "node",
            "/c/gateway-client.mjs",
            "--ws-from",
            "/opt/openclaw/node_modules",
        ];
        cmd.extend(args);
        let out = pod.run_on(
            join,
            &self.image,
            &[(self.clients.as_path(), "/c")],
            Some(self.scratch.path()),
            &cmd,
        );
        match last_json(&out.stdout) {
            Value::Null => json!({ "client": out.text() }),
            v => v,
        }
    }

    /// The Control UI page on the profile's path.
    pub fn page(&self, pod: &Pod) -> Result<Value, String> {
        let hop = self.hop(pod)?;
        let url = format!("http://{}/", hop.dial);
        let mut args = vec![
            "--http-get",
            "/",
            "--url",
            &url,
            "--host",
            &hop.host,
            "--timeout-ms",
            "15000",
        ];
        for h in &hop.headers {
            args.extend(["--hop-header", h]);
        }
        Ok(self.client(pod, hop.join, &args))
    }

    /// The page from another container on the pod's network, to the pod's address (for
    /// serve: what must be refused).
    pub fn page_on_pod_address(&self, pod: &Pod) -> Result<Value, String> {
        let url = format!("http://{}:{PORT}/", pod.address()?);
        Ok(self.client(
            pod,
            Join::Network,
            &["--http-get", "/", "--url", &url, "--timeout-ms", "15000"],
        ))
    }

    /// The token handshake of a page loaded on the profile's path, with the device
    /// identity `device`.
    pub fn connect(&self, pod: &Pod, token: &str, device: &str) -> Value {
        self.connect_as(pod, None, token, device)
    }

    /// [`Browser::connect`] of a page whose Origin is `origin` instead of the path's own
    /// (a page of another site).
    pub fn connect_as(&self, pod: &Pod, origin: Option<&str>, token: &str, device: &str) -> Value {
        let hop = match self.hop(pod) {
            Ok(hop) => hop,
            Err(e) => return json!({ "address": e }),
        };
        let url = format!("ws://{}/", hop.dial);
        let dev = format!("/scratch/{device}");
        let mut args = page_args(&url, &hop.host, origin.unwrap_or(&hop.origin), token, &dev);
        for h in &hop.headers {
            args.extend(["--hop-header", h]);
        }
        self.client(pod, hop.join, &args)
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

/// Whether a TCP socket listens on `port` in the network namespace of process `pid`
/// (`/proc/PID/net/tcp` and `tcp6`, [`parse_proc_net`]), read from the host without entering
/// the container; None when the process is gone (a restarted container: ask the probe).
pub fn listening(pid: u32, port: u16) -> Option<bool> {
    let mut any = false;
    for (table, v6) in [("tcp", false), ("tcp6", true)] {
        let text = fs::read_to_string(format!("/proc/{pid}/net/{table}")).ok()?;
        any |= parse_proc_net(&text, v6).iter().any(|a| a.port() == port);
    }
    Some(any)
}
