//! A rendered Deployment's pod run on the Docker engine with the same container spec, for
//! what podman 4.3 cannot play ([`super::kube::Runtime::Docker`]; docs/kubernetes.md):
//! the pod template translated, field by field, into a Compose project, as a kubelet would
//! run it:
//!
//! - the pod's network namespace is a container of its own (`infra`, as the kubelet's
//!   sandbox), on the pod's network, named and aliased as the pod; every container of the
//!   pod joins it (`network_mode: service:infra`): one address, one loopback;
//! - each container: its image (never pulled), `command`/`args`, `workingDir`, its user
//!   (`runAsUser`/`runAsGroup` of the container, else the pod's) and the pod's `fsGroup`
//!   and `supplementalGroups` as supplementary groups, `readOnlyRootFilesystem`,
//!   `capabilities` (`drop`, `add`), `allowPrivilegeEscalation: false`
//!   (`no-new-privileges`), its env (`value`; `secretKeyRef` from the Secret's values, an
//!   `optional` one left out when the value is missing, as a kubelet does; `fieldRef`
//!   `metadata.name`/`uid`/`namespace`), its `volumeMounts` (`readOnly` kept), the pod's
//!   `terminationGracePeriodSeconds` and `restartPolicy`;
//! - the volumes: the claim a named volume made beforehand (external: `down` keeps it, as
//!   the PVC outlives the pod); an `emptyDir` a volume of the project (`down -v` removes
//!   it: a new pod gets a new one), `medium: Memory` a tmpfs; each prepared before any
//!   container starts, as the kubelet does (mode 0777, and with `fsGroup` its group and
//!   setgid), mounted without Docker's copy of the image's content (an `emptyDir` starts
//!   empty);
//! - what needs an API server cannot run here: a `projected` volume (the ServiceAccount
//!   token) is mounted as an empty directory, and said in [`PodCompose::notes`].
//!
//! Probes are not Docker healthchecks: the tests run them by their own command
//! ([`super::kube::Pod::probe`]), as the kubelet does.

use serde_json::{Map, Value, json};

/// The Compose project of a pod, and what of the spec could not be taken as it is.
pub struct PodCompose {
    pub compose: Value,
    pub notes: Vec<String>,
}

/// The service holding the pod's network namespace.
pub const INFRA: &str = "infra";
/// The one-shot service that prepares the pod's volumes before its containers start.
pub const VOLUMES: &str = "volumes";

/// The pod template `spec` of a Deployment, as a Compose project: the pod `pod` (its
/// hostname, its containers named `<pod>-<container>`), on the external network
/// `network`, the claim's volume `claim_volume` (made beforehand), the Secret's values
/// `values` (key → value).
pub fn pod_compose(spec: &Value, pod: &str, network: &str, values: &[(&str, &str)]) -> Result<PodCompose, String> {
    let mut notes = Vec::new();
    let pod_sc = &spec["securityContext"];
    let fs_group = pod_sc["fsGroup"].as_u64();
    let mut groups: Vec<String> = fs_group.iter().map(u64::to_string).collect();
    for g in pod_sc["supplementalGroups"].as_array().into_iter().flatten() {
        groups.push(g.as_u64().ok_or("supplementalGroups: not a number")?.to_string());
    }
    let containers = spec["containers"]
        .as_array()
        .filter(|c| !c.is_empty())
        .ok_or("the pod has no containers")?;
    if spec["initContainers"].as_array().is_some_and(|c| !c.is_empty()) {
        return Err("initContainers are not translated".into());
    }
    let image0 = containers[0]["image"].as_str().ok_or("containers[0] has no image")?;

    // volumes: the claim external, emptyDirs the project's own
    let mut volumes = Map::new();
    let mut prepare = Vec::new();
    let mut prepare_mounts = Vec::new();
    for v in spec["volumes"].as_array().into_iter().flatten() {
        let name = v["name"].as_str().ok_or("a volume without a name")?;
        if let Some(claim) = v["persistentVolumeClaim"]["claimName"].as_str() {
            volumes.insert(name.into(), json!({ "name": claim, "external": true }));
        } else if let Some(dir) = v.get("emptyDir") {
            let mode = if fs_group.is_some() { "2777" } else { "0777" };
            if dir["medium"] == "Memory" {
                let mut o = format!("mode={mode}");
                if let Some(g) = fs_group {
                    o.push_str(&format!(",gid={g}"));
                }
                volumes.insert(
                    name.into(),
                    json!({ "driver_opts": { "type": "tmpfs", "device": "tmpfs", "o": o } }),
                );
            } else {
                volumes.insert(name.into(), json!({}));
                let at = format!("/v/{name}");
                if let Some(g) = fs_group {
                    prepare.push(format!("chgrp {g} {at}"));
                }
                prepare.push(format!("chmod {mode} {at}"));
                prepare_mounts.push(json!({ "type": "volume", "source": name, "target": at }));
            }
        } else if v.get("projected").is_some() {
            volumes.insert(name.into(), json!({}));
            notes.push(format!(
                "the projected volume {name} (a ServiceAccount token from the API server) mounted as an empty directory: no API server here"
            ));
        } else {
            return Err(format!("the volume {name} is of a kind not translated: {v}"));
        }
    }

    let mut services = Map::new();
    services.insert(
        INFRA.into(),
        json!({
            "image": image0,
            "pull_policy": "never",
            "container_name": format!("{pod}-{INFRA}"),
            "hostname": pod,
            "entrypoint": ["sleep", "infinity"],
            "stop_signal": "SIGKILL",
            "user": "65535:65535",
            "read_only": true,
            "cap_drop": ["ALL"],
            "networks": { network: { "aliases": [pod] } },
        }),
    );
    let mut depends = json!({ INFRA: { "condition": "service_started" } });
    if !prepare.is_empty() {
        services.insert(
            VOLUMES.into(),
            json!({
                "image": image0,
                "pull_policy": "never",
                "container_name": format!("{pod}-{VOLUMES}"),
                "network_mode": "none",
                "user": "0:0",
                "entrypoint": ["/bin/sh", "-c", prepare.join(" && ")],
                "volumes": prepare_mounts,
            }),
        );
        depends[VOLUMES] = json!({ "condition": "service_completed_successfully" });
    }
    let grace = spec["terminationGracePeriodSeconds"].as_u64().unwrap_or(30);
    let restart = match spec["restartPolicy"].as_str().unwrap_or("Always") {
        "Always" => "always",
        "OnFailure" => "on-failure",
        _ => "no",
    };
    for c in containers {
        let name = c["name"].as_str().ok_or("a container without a name")?;
        let image = c["image"].as_str().ok_or_else(|| format!("{name}: no image"))?;
        let sc = &c["securityContext"];
        let pick = |key: &str| sc[key].as_u64().or_else(|| pod_sc[key].as_u64());
        let mut svc = json!({
            "image": image,
            "pull_policy": "never",
            "container_name": format!("{pod}-{name}"),
            "network_mode": format!("service:{INFRA}"),
            "depends_on": depends,
            "stop_grace_period": format!("{grace}s"),
            "restart": restart,
        });
        match (pick("runAsUser"), pick("runAsGroup")) {
            (Some(u), Some(g)) => svc["user"] = json!(format!("{u}:{g}")),
            (Some(u), None) => svc["user"] = json!(u.to_string()),
            (None, _) => {}
        }
        if !groups.is_empty() {
            svc["group_add"] = json!(groups);
        }
        if sc["readOnlyRootFilesystem"] == true {
            svc["read_only"] = json!(true);
        }
        if sc["allowPrivilegeEscalation"] == false {
            svc["security_opt"] = json!(["no-new-privileges:true"]);
        }
        if sc["privileged"] == true {
            return Err(format!("{name}: privileged is not translated"));
        }
        for (k, to) in [("drop", "cap_drop"), ("add", "cap_add")] {
            if let Some(caps) = sc["capabilities"][k].as_array() {
                svc[to] = json!(caps);
            }
        }
        if let Some(cmd) = c["command"].as_array() {
            svc["entrypoint"] = json!(cmd);
        }
        if let Some(args) = c["args"].as_array() {
            svc["command"] = json!(args);
        }
        if let Some(dir) = c["workingDir"].as_str() {
            svc["working_dir"] = json!(dir);
        }
        let mut env = Map::new();
        for e in c["env"].as_array().into_iter().flatten() {
            let key = e["name"]
                .as_str()
                .ok_or_else(|| format!("{name}: an env entry without a name"))?;
            let value = if let Some(v) = e["value"].as_str() {
                Some(v.to_string())
            } else if let Some(r) = e["valueFrom"]["secretKeyRef"].as_object() {
                let k = r["key"].as_str().unwrap_or_default();
                match values.iter().find(|(vk, _)| *vk == k) {
                    Some((_, v)) => Some(v.to_string()),
                    None if r.get("optional") == Some(&json!(true)) => None,
                    None => return Err(format!("{name}: {key}: no value for the Secret's key {k}")),
                }
            } else if let Some(path) = e["valueFrom"]["fieldRef"]["fieldPath"].as_str() {
                Some(match path {
                    "metadata.name" => pod.to_string(),
                    "metadata.namespace" => "default".to_string(),
                    "metadata.uid" => "00000000-0000-4000-8000-000000000001".to_string(),
                    _ => return Err(format!("{name}: {key}: fieldRef {path} is not translated")),
                })
            } else {
                return Err(format!("{name}: {key}: a value of a kind not translated: {e}"));
            };
            if let Some(v) = value {
                // Compose would interpolate `$`
                env.insert(key.into(), json!(v.replace('$', "$$")));
            }
        }
        if !env.is_empty() {
            svc["environment"] = Value::Object(env);
        }
        let mut mounts = Vec::new();
        for m in c["volumeMounts"].as_array().into_iter().flatten() {
            let source = m["name"]
                .as_str()
                .ok_or_else(|| format!("{name}: a mount without a name"))?;
            let target = m["mountPath"]
                .as_str()
                .ok_or_else(|| format!("{name}: {source}: no mountPath"))?;
            if !volumes.contains_key(source) {
                return Err(format!("{name}: mounts {source}, which the pod does not declare"));
            }
            if m.get("subPath").is_some() {
                return Err(format!("{name}: {source}: subPath is not translated"));
            }
            mounts.push(json!({
                "type": "volume",
                "source": source,
                "target": target,
                "read_only": m["readOnly"] == true,
                "volume": { "nocopy": true },
            }));
        }
        if !mounts.is_empty() {
            svc["volumes"] = json!(mounts);
        }
        services.insert(name.into(), svc);
    }
    Ok(PodCompose {
        compose: json!({
            "name": network,
            "services": services,
            "volumes": volumes,
            "networks": { network: { "external": true } },
        }),
        notes,
    })
}
