//! Profile moves for real: `ocgen plan --to PROFILE` says which `openclaw.json`
//! keys a move changes; here the real gateway runs the old profile's render on a
//! data volume ([`Volume`]), gets state (a device paired, a user key set with
//! `openclaw config set`, a workspace file), stops, and the new profile's render
//! starts on the same volume. What the plan does not name is kept (the device
//! still paired and admitted, the user key, the file); what it names changes
//! (the listeners, the keys), checked against `key_changes` of the two plans.
//! A move onto `domain` runs in the domain's namespaces with Coolify's proxy
//! (the real Traefik) in front: after it, the browser on `https://<domain>/`
//! gets through the proxy (the origin and the proxy's trust are the new ones).

mod common;

use std::time::Duration;

use common::*;
use ocgen::commands::move_profile::{KeyChange, key_changes};
use serde_json::Value;

const V: &str = "2026.9.6";
const CLI_LIMIT: Duration = Duration::from_secs(120);
const USER_KEY: &str = "ui.seamColor";
const USER_VALUE: &str = "#336699";
const NOTE: &str = "notes kept across a profile move\n";

fn model(profile: &str) -> ocgen::model::Model {
    let text = format!("profile = \"{profile}\"\n[openclaw]\nversion = \"{V}\"\n[gateway]\n");
    let src = ocgen::diagnostic::Source::new("deploy.toml", text);
    ocgen::load_model(&src, &Default::default()).expect("deploy.toml loads")
}

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

fn beside(case: Case, volume: &std::path::Path, proxy: Option<&domain::ProxyRig>) -> Beside {
    Beside {
        sidecar: (case.profile == "sidecar").then_some(SidecarNode::Running),
        volume: Some(volume.to_path_buf()),
        env: match proxy {
            Some(p) if case.profile == "domain" => p.gateway_env(),
            _ => vec![],
        },
        ..Default::default()
    }
}

/// After a move onto domain: the browser on `https://<domain>/` gets through
/// Coolify's proxy to the gateway (the domain's origin allowed, the proxy
/// trusted: otherwise `origin not allowed` or HTTP 403). A browser keeps its
/// device per origin, so here it is a new device: asked to pair, or admitted.
fn through_the_proxy(p: &domain::ProxyRig, g: &Gateway) -> Result<String, String> {
    let dev = g.sb.path("laptop/domain-browser").display().to_string();
    let r = p.ws(&dev, &g.sb.path("out/laptop"))?;
    if r.ok || r.json["code"] == "NOT_PAIRED" {
        Ok(format!(
            "the browser on https://{}/ through the proxy: {}",
            domain::DOMAIN,
            if r.ok {
                "admitted"
            } else {
                "asked to pair (a new device on this origin)"
            }
        ))
    } else {
        Err(format!(
            "FINDING: the browser on https://{}/ does not get through the proxy: {}",
            domain::DOMAIN,
            r.brief()
        ))
    }
}

/// A client (OpenClaw's CLI) with device identity `dev` inside the server, on loopback.
fn connect(g: &Gateway, dev: &str) -> Result<ClientResult, String> {
    let argv = client_argv(&[
        "--url",
        "ws://127.0.0.1:18789/",
        "--token",
        TOKEN,
        "--device-dir",
        dev,
        // OpenClaw's own CLI (no browser Origin to check): a device like any other.
        "--client-id",
        "cli",
        "--client-mode",
        "cli",
        "--timeout-ms",
        "20000",
    ])?;
    let env = client_env()?;
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Listening comes before the gateway takes connects ("gateway starting; retry shortly").
    let end = std::time::Instant::now() + Duration::from_secs(180);
    loop {
        let r = parse_client(g.in_server(&argv, &extra, CLI_LIMIT)?)?;
        if r.ok || r.json["code"] != "UNAVAILABLE" || std::time::Instant::now() >= end {
            return Ok(r);
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// The gateway's devices, pending and paired: `device.pair.list` (what `openclaw devices
/// list` calls) from a local operator over the gateway's WebSocket ([`Gateway::rpc`]; its
/// own device is paired on both sides of a move, on the volume), ~0.5 s against the CLI's
/// 5–7 s start-up under load.
/// Retried while the gateway is still starting (`UNAVAILABLE`, "gateway starting; retry
/// shortly": listening comes before admitting), as `connect` is.
fn devices(g: &Gateway) -> Result<Value, String> {
    let end = std::time::Instant::now() + Duration::from_secs(180);
    loop {
        let list = g.rpc("device.pair.list", &serde_json::json!({}))?;
        if list.ok {
            return Ok(list.json["response"].clone());
        }
        if list.json["code"] != "UNAVAILABLE" || std::time::Instant::now() >= end {
            return Err(format!("device.pair.list inside the server failed: {}", list.brief()));
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// The paired devices: each entry without what moves with use (last seen, tokens' use).
fn paired(g: &Gateway) -> Result<Vec<Value>, String> {
    let v = devices(g)?;
    let mut out: Vec<Value> = v["paired"].as_array().cloned().unwrap_or_default();
    for d in &mut out {
        strip_volatile(d);
    }
    out.sort_by_key(|d| d["deviceId"].to_string());
    Ok(out)
}

fn strip_volatile(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| {
                let k = k.to_ascii_lowercase();
                !(k.contains("last")
                    || k.contains("seen")
                    || k.contains("used")
                    || k.contains("updated")
                    || k == "connected")
            });
            m.values_mut().for_each(strip_volatile);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

fn pending(g: &Gateway) -> Result<usize, String> {
    Ok(devices(g)?["pending"].as_array().map(Vec::len).unwrap_or(0))
}

fn move_profile(from: &'static str, to: &'static str) -> Result<String, String> {
    let (a, b) = (case(from, V), case(to, V));
    let volume = Volume::new(&format!("move-{from}-{to}"))?;
    // Onto domain: one such move, so the namespaces' names and addresses are its own.
    let proxy = (to == "domain").then(|| domain::ProxyRig::new("mv", 70, &render_file(b, "docker-compose.yaml")));
    let net = match &proxy {
        Some(p) => Net::Named(p.net.server.clone()),
        None => Net::Private,
    };
    let mut report = Vec::new();
    // 1. The old profile, with state.
    let g = start_gateway_beside(
        a,
        &format!("move-{from}"),
        &render_bootstrap(a),
        &net,
        &beside(a, &volume.path, proxy.as_ref()),
    )?
    .map_err(|e| format!("{from} did not start: {}", e.describe()))?;
    // The client's device identity (kept by the client, as a browser keeps it).
    let laptop = tempfile::Builder::new()
        .prefix("ocgen-move-device-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    std::process::Command::new("chmod")
        .arg("0777")
        .arg(laptop.path())
        .status()
        .map_err(|e| e.to_string())?;
    let dev = laptop.path().join("device").display().to_string();
    let state = (|| -> Result<(Vec<Value>, Value), String> {
        let c = connect(&g, &dev)?;
        if !c.ok {
            return Err(format!("{from}: the device did not connect: {}", c.brief()));
        }
        let set = g.openclaw(&["config", "set", USER_KEY, USER_VALUE], &[], CLI_LIMIT)?;
        if !set.ok() {
            return Err(format!("{from}: openclaw config set failed: {}", set.describe()));
        }
        let ws = g.sb.data.join(".openclaw/workspace");
        let w = g.in_server(
            &[
                "bash",
                "-c",
                "mkdir -p \"$1\" && printf '%s' \"$2\" >\"$1/NOTES.md\"",
                "w",
                &ws.display().to_string(),
                NOTE,
            ],
            &[],
            CLI_LIMIT,
        )?;
        if !w.ok() {
            return Err(format!("{from}: writing the workspace file failed: {}", w.describe()));
        }
        let ids = paired(&g)?;
        if ids.is_empty() {
            return Err(format!("{from}: no paired device after the connect"));
        }
        Ok((ids, g.config().ok_or("no config")?))
    })();
    let (ids, before) = g.finish(state)?;
    report.push(format!(
        "{from}: device {:?} paired ({} pairing record(s): the client's and the local operator's that lists them), {USER_KEY} set, workspace/NOTES.md written",
        ids.iter()
            .filter_map(|d| d["deviceId"].as_str().map(|d| &d[..12]))
            .collect::<Vec<_>>(),
        ids.len()
    ));

    // 2. The new profile on the same volume.
    let g = start_gateway_beside(
        b,
        &format!("move-{to}"),
        &render_bootstrap(b),
        &net,
        &beside(b, &volume.path, proxy.as_ref()),
    )?
    .map_err(|e| format!("{to} on {from}'s volume did not start: {}", e.describe()))?;
    report.push(format!("{to}: listening as the profile says ({})", show(&g.table)));
    let checks = (|| -> Result<Option<String>, String> {
        let after = g.config().ok_or("no config after the move")?;
        // Kept: the user's key, the device, the file.
        if get(&after, USER_KEY) != Some(&Value::from(USER_VALUE)) {
            return Err(format!("FINDING: {USER_KEY} is not kept: {:?}", get(&after, USER_KEY)));
        }
        let now = paired(&g)?;
        if now != ids {
            return Err(format!(
                "FINDING: the paired devices changed (a new pairing?):\nbefore {ids:?}\nafter  {now:?}"
            ));
        }
        let c = connect(&g, &dev)?;
        if !c.ok || pending(&g)? != 0 {
            return Err(format!(
                "FINDING: the paired device is not admitted as it was: {}",
                c.brief()
            ));
        }
        let note =
            std::fs::read_to_string(g.sb.data.join(".openclaw/workspace/NOTES.md")).map_err(|e| e.to_string())?;
        if note != NOTE {
            return Err(format!("FINDING: the workspace file changed: {note:?}"));
        }
        // Changed: exactly the keys the plan names (values ocgen sets; env-fed ones exist).
        let changes = key_changes(
            &ocgen::plan::plan(&model(from)).bootstrap.patch,
            &ocgen::plan::plan(&model(to)).bootstrap.patch,
        );
        for ch in &changes {
            match ch {
                KeyChange::Added { path, value } | KeyChange::Changed { path, to: value, .. } => {
                    let got = get(&after, path).ok_or(format!("FINDING: the plan adds {path}, the config has none"))?;
                    if let Ok(want) = serde_json::from_str::<Value>(value) {
                        if *got != want {
                            return Err(format!("FINDING: the plan sets {path} = {value}, the config has {got}"));
                        }
                    }
                }
                KeyChange::Removed { path, .. } => {
                    if get(&after, path).is_some() {
                        return Err(format!(
                            "FINDING: the plan removes {path}, the config still has {:?}",
                            get(&after, path)
                        ));
                    }
                }
            }
        }
        // And nothing else the bootstrap owns changed: every other key is as before.
        let mut b2 = before.clone();
        let mut a2 = after.clone();
        for ch in &changes {
            let p = match ch {
                KeyChange::Added { path, .. } | KeyChange::Changed { path, .. } | KeyChange::Removed { path, .. } => {
                    path
                }
            };
            for v in [&mut b2, &mut a2] {
                strip(v, p);
            }
        }
        for v in [&mut b2, &mut a2] {
            prune(v);
            // OpenClaw's own bookkeeping (meta, wizard stamps) moves with every write.
            if let Some(m) = v.as_object_mut() {
                m.remove("meta");
            }
        }
        if a2 != b2 {
            return Err(format!(
                "FINDING: keys the plan does not name changed:\nbefore {b2}\nafter  {a2}"
            ));
        }
        proxy.as_ref().map(|p| through_the_proxy(p, &g)).transpose()
    })();
    report.extend(g.finish(checks)?);
    let n = key_changes(
        &ocgen::plan::plan(&model(from)).bootstrap.patch,
        &ocgen::plan::plan(&model(to)).bootstrap.patch,
    )
    .len();
    report.push(format!(
        "{to}: kept {USER_KEY}, the paired device (the same record: created/approved times unchanged; admitted, no new request), workspace/NOTES.md; changed the {n} keys the plan names and the listeners, nothing else"
    ));
    Ok(report.join("\n"))
}

/// Drop objects left empty by [`strip`] (a parent of only plan-named keys).
fn prune(v: &mut Value) {
    if let Some(m) = v.as_object_mut() {
        for c in m.values_mut() {
            prune(c);
        }
        m.retain(|_, c| !c.as_object().is_some_and(|o| o.is_empty()));
    }
}

fn strip(v: &mut Value, path: &str) {
    let segs: Vec<&str> = path.split('.').collect();
    let mut cur = v;
    for s in &segs[..segs.len() - 1] {
        match cur.get_mut(*s) {
            Some(n) => cur = n,
            None => return,
        }
    }
    if let Some(m) = cur.as_object_mut() {
        m.remove(segs[segs.len() - 1]);
    }
}

const MOVES: [(&str, &str); 3] = [("lan-patch", "serve"), ("sidecar", "serve"), ("lan-patch", "domain")];

#[test]
fn profile_moves_keep_what_the_plan_keeps_and_change_what_it_says() {
    if let Err(e) = tools() {
        skipped("profile_moves", &e);
        return;
    }
    let jobs = MOVES
        .iter()
        .map(|&(a, b)| job(format!("{a}->{b}"), move || move_profile(a, b)))
        .collect();
    let results = run_all("moves", jobs);
    for (a, b) in MOVES {
        eprintln!("{a}->{b}: {:?}", results[&format!("{a}->{b}")]);
    }
    for (a, b) in MOVES {
        outcome(&results, &format!("{a}->{b}"));
    }
}
