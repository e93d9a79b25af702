//! Upgrades and rollbacks on the same data volume, with the REAL gateways
//! (docs/upgrades.md). Per boundary pair (a profile whose output changes
//! there, OLD → NEW, a release on each side of a boundary of the release
//! table), on the namespace harness:
//!
//! 1. OLD's render starts on an empty volume and gets real state: the
//!    profile's browsers ([`doors`]: on the LAN, on the tailnet by the
//!    sidecar's name, through Tailscale Serve, or on the domain through
//!    Coolify's proxy, the real Traefik; the gateway client, its device
//!    identity on disk) pair and are approved through `openclaw devices
//!    approve`; the user sets a key ocgen does not own with `openclaw config
//!    set`; files are written in the agent workspace. The Tailscale node
//!    logs in (serve: the bootstrap's tailscaled, state on the data volume;
//!    sidecar: the tailscale service's, state on its own volume, started as
//!    containerboot starts it with the rendered service).
//! 2. NEW's render starts on the same volume(s): it listens, the same
//!    devices are admitted without pairing again (sidecar across 2026.2.23:
//!    only because the bootstrap read the node's name and listed the tailnet
//!    origin; serve and domain on 2026.8.1: only because the proxy in front
//!    is trusted), the node did not log in again, the user's key and the
//!    workspace files are unchanged.
//! 3. OLD's render again (Coolify's Rollback): where the release table says
//!    OLD cannot read NEW's state, the bootstrap refuses at once with the
//!    message (which release last ran, how to go back) and the volume is
//!    byte-for-byte unchanged (digest of the whole tree); where it can, it
//!    starts and admits the device.
//! 4. For a refused rollback, OLD's render with `OCGEN_ROLLBACK=restore`:
//!    the snapshot comes back, the gateway listens, the device is admitted,
//!    the user's key and the workspace files are there.
//!
//! On main's bootstrap (no volume records, no `doctor --fix`) the
//! 2026.2.19 → 2026.9.6 upgrade stops with "Auth profile store … requires
//! legacy credential migration" and the rollback is not refused.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::*;
use serde_json::Value;

const CLI_LIMIT: Duration = Duration::from_secs(120);
/// The boundary pairs: (profile, old, new), each with the profile(s) whose
/// output changes there:
/// - 2026.2.23 (allowlist origins): sidecar lists the LAN origins as
///   lan-patch does, and the tailnet's, which its bootstrap reads from the
///   sidecar's node over the socket volume (and the tailscale service gets
///   that volume: Compose recreates it, so its login must survive a new
///   container); sidecar's checks include lan-patch's (the LAN browser);
/// - 2026.5.18 (private same-origin) and 2026.6.1 (shared state in SQLite, a
///   newer config refused): lan-patch;
/// - 2026.8.1 (more state in SQLite, doctor --fix, retired keys, proxy
///   attribution required): serve (trusts Tailscale Serve on loopback from
///   here, retires its `gateway.tailscale.resetOnExit`) and domain (behind
///   Coolify's proxy every request is proxied: a volume whose trust list
///   doctor lost would answer 403); lan-patch's retired key and doctor run
///   are crossed by its 2026.2.19 → 2026.9.6;
/// - the 2026.2.19 → 2026.9.6 (the oldest release with the LAN
///   workaround to the newest): lan-patch and serve.
const PAIRS: [(&str, &str, &str); 7] = [
    ("sidecar", "2026.2.22", "2026.2.23"),
    ("lan-patch", "2026.5.12", "2026.5.18"),
    ("lan-patch", "2026.5.28", "2026.6.1"),
    ("serve", "2026.7.35", "2026.8.1"),
    ("domain", "2026.7.35", "2026.8.1"),
    ("lan-patch", "2026.2.19", "2026.9.6"),
    ("serve", "2026.2.19", "2026.9.6"),
];

fn state_format(v: &str) -> u32 {
    ocgen::data::versions::find(v).expect("listed").state_format
}

/// Whether the release table says the bootstrap refuses `old` on `new`'s volume.
fn rollback_refused(old: &str, new: &str) -> bool {
    state_format(old) < state_format(new) || ocgen::data::versions::find(old).expect("listed").refuses_newer_config
}

/// Where a pair's deployment runs: a server and a laptop (lan-patch,
/// sidecar, serve), or the domain's namespaces with Coolify's proxy in front.
enum Site {
    Lan(Topology),
    Domain(Box<domain::ProxyRig>),
}

impl Site {
    fn new(profile: &'static str, old: &'static str) -> Result<Site, String> {
        if profile != "domain" {
            return Ok(Site::Lan(Topology::new()?));
        }
        // One domain pair: its namespaces' names and addresses are its own.
        let compose = render_file(case(profile, old), "docker-compose.yaml");
        Ok(Site::Domain(Box::new(domain::ProxyRig::new("up", 72, &compose))))
    }

    fn net(&self) -> Net {
        match self {
            Site::Lan(t) => Net::Named(t.server.clone()),
            Site::Domain(r) => Net::Named(r.net.server.clone()),
        }
    }
}

/// Where a user's browser reaches the gateway.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Door {
    /// The LAN address the port is published on (lan-patch, sidecar).
    Lan,
    /// The sidecar's node on the tailnet: `http://<MagicDNS name>:PORT`.
    Tailnet,
    /// Tailscale Serve's HTTPS on the tailnet (the Serve stand-in, HTTPS on
    /// 443 with a certificate each gateway's sandbox makes).
    Serve,
    /// `https://<domain>/` through Coolify's proxy.
    Domain,
}

/// The profile's browsers; their device identities on the laptop outlive the gateways.
fn doors(profile: &str) -> &'static [Door] {
    match profile {
        "lan-patch" => &[Door::Lan],
        "sidecar" => &[Door::Lan, Door::Tailnet],
        "serve" => &[Door::Serve],
        "domain" => &[Door::Domain],
        other => panic!("no browsers for {other}"),
    }
}

struct Browser<'a> {
    site: &'a Site,
    door: Door,
    dev: String,
    scratch: std::path::PathBuf,
}

impl Browser<'_> {
    fn connect(&self, g: &Gateway) -> Result<ClientResult, String> {
        // Once more when the client printed nothing (seen once under load: exit 0, no
        // output); a verdict either way is what counts.
        match self.connect_once(g) {
            Err(e) if e.contains("printed no JSON line") => self.connect_once(g),
            r => r,
        }
    }

    fn connect_once(&self, g: &Gateway) -> Result<ClientResult, String> {
        match (self.site, self.door) {
            (Site::Lan(t), Door::Serve) => {
                set_tailnet_peers(g, &tagged_browser_tailnet())?;
                let (mut serve, fp) = start_serve_https(t, g, PEER)?;
                let r = Tailnet::new(t, g, &fp).ws(&format!("https://{TAILNET_HOST}"), TOKEN, &self.dev);
                let _ = serve.stop();
                r
            }
            (Site::Lan(t), Door::Lan) => {
                let page = PageOn::lan(t, g);
                page.ws(&page.origin, TOKEN, &self.dev)
            }
            (Site::Lan(t), Door::Tailnet) => {
                let page = PageOn::tailnet(t, g, None);
                page.ws(&page.origin, TOKEN, &self.dev)
            }
            (Site::Domain(r), Door::Domain) => r.ws(&self.dev, &self.scratch),
            (_, door) => Err(format!("no {door:?} browser on this site")),
        }
    }

    /// Admitted at once (already paired): the handshake completes and health answers.
    fn admitted(&self, g: &Gateway, when: &str) -> Result<String, String> {
        let r = self.connect(g)?;
        if r.ok && r.json["response"]["ok"] == Value::Bool(true) {
            Ok(format!(
                "{when}: the paired device ({:?} browser) is admitted without pairing again",
                self.door
            ))
        } else {
            Err(format!(
                "FINDING: {when}: the device paired before ({:?} browser) is not admitted: {}",
                self.door,
                r.brief()
            ))
        }
    }

    fn pair(&self, g: &Gateway) -> Result<String, String> {
        let first = self.connect(g)?;
        if first.ok {
            return Err(format!(
                "the first connect ({:?} browser) should ask for pairing, it was admitted: {}",
                self.door,
                first.brief()
            ));
        }
        let id = match (first.json["code"].as_str(), first.json["details"]["requestId"].as_str()) {
            (Some("NOT_PAIRED"), Some(id)) => id.to_string(),
            _ => {
                return Err(format!(
                    "the first connect ({:?} browser) should ask for pairing: {}",
                    self.door,
                    first.brief()
                ));
            }
        };
        let how = g.approve_with_cli(&id)?;
        self.admitted(g, "after approval")?;
        Ok(format!(
            "{:?} browser: device paired (request {id}) and approved with `openclaw devices approve`{how}",
            self.door
        ))
    }
}

/// Every browser of the profile admitted without pairing again, the node
/// still logged in, the tailnet origin listed where the release needs it,
/// the user's key and the workspace files unchanged.
fn all_kept(browsers: &[Browser], g: &Gateway, vol: &Volume, when: &str) -> Result<Vec<String>, String> {
    let mut report = Vec::new();
    for b in browsers {
        report.push(b.admitted(g, when)?);
    }
    report.extend(tailscale_login_kept(g)?);
    report.extend(tailnet_origin_listed(g)?);
    report.push(user_key(vol)?);
    report.push(workspace(vol)?);
    Ok(report)
}

/// The node did not log in again: no `tailscale up` by this gateway's
/// bootstrap (serve: tailscaled's state on the data volume kept the login),
/// nor by the sidecar's containerboot (sidecar: its state volume and the
/// rendered service's `TS_AUTH_ONCE` kept it, though the service was started
/// anew).
fn tailscale_login_kept(g: &Gateway) -> Result<Option<String>, String> {
    if !matches!(g.case.profile, "serve" | "sidecar") {
        return Ok(None);
    }
    let ups =
        g.sb.stub_log()
            .into_iter()
            .filter(|inv| inv.first().map(String::as_str) == Some("tailscale") && inv.iter().any(|a| a == "up"))
            .count()
            + usize::from(g.sidecar_login);
    if ups == 0 {
        Ok(Some("Tailscale: the node stayed logged in (no `tailscale up`)".into()))
    } else {
        Err(format!("FINDING: the node logged in again ({ups} `tailscale up`)"))
    }
}

/// sidecar, on a release that admits only listed origins: the bootstrap asked
/// the sidecar's node for its name over the socket volume and listed
/// `http://<name>:PORT`.
fn tailnet_origin_listed(g: &Gateway) -> Result<Option<String>, String> {
    let v = g.case.version;
    if g.case.profile != "sidecar" || release::origin_check(v).admits_same_origin(TAILNET_HOST) {
        return Ok(None);
    }
    let origin = sidecar_origin("http");
    let listed = allowed_origins(g);
    let log = bootstrap_log(g);
    match log.lines().find(|l| l.contains("tailnet origin(s) listed")) {
        Some(line) if listed.contains(&origin) => Ok(Some(format!("{}; allowedOrigins {listed:?}", line.trim()))),
        _ => Err(format!(
            "FINDING: {v} admits only listed origins and the tailnet origin {origin} is not listed: allowedOrigins {listed:?}"
        )),
    }
}

fn user_key(vol: &Volume) -> Result<String, String> {
    user_key_kept(&std::fs::read_to_string(vol.join(".openclaw/openclaw.json")).map_err(|e| e.to_string())?)
}

fn workspace(vol: &Volume) -> Result<String, String> {
    workspace_unchanged(|rel| std::fs::read_to_string(vol.join(&format!(".openclaw/{rel}"))).map_err(|e| e.to_string()))
}

/// The render of `profile` on `version` started on the pair's volume(s).
fn start(
    site: &Site,
    vol: &Volume,
    ts_state: Option<&Volume>,
    profile: &'static str,
    version: &'static str,
    label: &str,
    env: Vec<(String, String)>,
) -> Result<Result<Gateway, NotListening>, String> {
    let case = case(profile, version);
    let (case, mut all_env) = match site {
        Site::Lan(t) if matches!(profile, "lan-patch" | "sidecar") => {
            (case.published_on(&t.server_addr().to_string()), vec![])
        }
        Site::Lan(_) => (case, vec![]),
        Site::Domain(r) => (case, r.gateway_env()),
    };
    all_env.extend(env);
    // An upgrade across a state format runs `openclaw doctor --fix` first: 80 s and more
    // on a loaded machine.
    let doctor =
        ocgen::data::versions::find(version).expect("listed").on_upgrade != ocgen::data::versions::OnUpgrade::None;
    let beside = Beside {
        sidecar: (profile == "sidecar").then_some(SidecarNode::Running),
        sidecar_state: ts_state.map(|v| v.path.clone()),
        env: all_env,
        volume: Some(vol.path.clone()),
        extra_wait: if doctor {
            Duration::from_secs(240)
        } else {
            Duration::ZERO
        },
    };
    start_gateway_beside(case, label, &render_bootstrap(case), &site.net(), &beside)
}

fn upgrade_pair(profile: &'static str, old: &'static str, new: &'static str) -> Result<String, String> {
    let site = Site::new(profile, old)?;
    let vol = Volume::new(&format!("{profile}-{old}-{new}"))?;
    // sidecar: the tailscale service's own state volume.
    let ts_vol = match profile {
        "sidecar" => Some(Volume::new(&format!("tailscale-{old}-{new}"))?),
        _ => None,
    };
    let ts_vol = ts_vol.as_ref();
    let laptop = tempfile::tempdir().map_err(|e| e.to_string())?;
    let browsers: Vec<Browser> = doors(profile)
        .iter()
        .map(|&door| Browser {
            site: &site,
            door,
            dev: laptop.path().join(format!("{door:?}-device")).display().to_string(),
            scratch: laptop.path().join("scratch"),
        })
        .collect();
    let mut report = Vec::new();
    let start = |version, label: &str, env| start(&site, &vol, ts_vol, profile, version, label, env);

    // 1. The old release, with the user's state.
    let g = start(old, &format!("up-{old}"), vec![])?
        .map_err(|n| format!("FINDING: {old} did not come up on an empty volume: {}", n.describe()))?;
    report.push(format!("{old}: listening after {:.1?}", g.after));
    let seeded = (|| -> Result<(), String> {
        if profile == "sidecar" {
            if !g.sidecar_login {
                return Err("the sidecar's node did not log in on an empty state volume".into());
            }
            report.push("the tailscale service's node logged in (`tailscale up`)".into());
        }
        for b in &browsers {
            report.push(b.pair(&g)?);
        }
        let value = format!("\"{USER_VALUE}\"");
        let set = g.openclaw(&["config", "set", USER_KEY, &value], &[], CLI_LIMIT)?;
        if !set.ok() {
            return Err(format!("`openclaw config set {USER_KEY}` failed: {}", set.describe()));
        }
        user_key(&vol)?;
        report.push(format!("user: `openclaw config set {USER_KEY} {value}`"));
        // As the gateway's user, in the server: what an agent writing its workspace does.
        for (rel, text) in WORKSPACE {
            let path = vol.join(&format!(".openclaw/{rel}"));
            let path = path.display().to_string();
            let argv = ["bash", "-c", WRITE_FILE, "write", &path, text];
            let ran = g.in_server(&argv, &[], CLI_LIMIT)?;
            if !ran.ok() {
                return Err(format!("writing the workspace file {rel} failed: {}", ran.describe()));
            }
        }
        report.push(format!("agent workspace: {} files written", WORKSPACE.len()));
        Ok(())
    })();
    g.finish(seeded).map_err(|e| format!("{old}: {e}"))?;

    // 2. The upgrade: the new release's render on the same volume.
    let g = start(new, &format!("up-{new}"), vec![])?.map_err(|n| {
        format!(
            "FINDING: the upgrade {old} → {new}: the gateway did not come up: {}",
            n.describe()
        )
    })?;
    report.push(format!("upgrade to {new}: listening after {:.1?}", g.after));
    let checked = all_kept(&browsers, &g, &vol, new);
    report.extend(g.finish(checked).map_err(|e| format!("{old} → {new}: {e}"))?);
    let recorded = std::fs::read_to_string(vol.join(".ocgen/last-release")).unwrap_or_default();
    if recorded.trim() != new {
        return Err(format!(
            "FINDING: .ocgen/last-release says {recorded:?} after {new} ran"
        ));
    }

    // 3. The rollback: the old release's render again.
    let refused = rollback_refused(old, new);
    let before = vol.tree_digest()?;
    let back = start(old, &format!("back-{old}"), vec![])?;
    if refused {
        let n = match back {
            Ok(g) => {
                let out = g.output();
                let _ = g.stop();
                return Err(format!(
                    "FINDING: the rollback {new} → {old} started; the release table says it must be refused:\n{out}"
                ));
            }
            Err(n) => n,
        };
        let after = vol.tree_digest()?;
        let line = rollback_refusal(&n.output, old, new);
        if n.exit.and_then(|s| s.code()) != Some(1) || line.is_err() {
            return Err(format!(
                "FINDING: the rollback {new} → {old} was not refused with the message (exit {:?}): {}",
                n.exit,
                n.describe()
            ));
        }
        let line = line.unwrap_or_default();
        if before != after {
            return Err(format!(
                "FINDING: the refused rollback {new} → {old} changed the volume"
            ));
        }
        report.push(format!(
            "rollback to {old}: refused, volume unchanged (tree digest {before:.12}): {line}"
        ));

        // 4. Restore on request.
        let g = start(
            old,
            &format!("restore-{old}"),
            vec![("OCGEN_ROLLBACK".into(), "restore".into())],
        )?
        .map_err(|n| {
            format!(
                "FINDING: the rollback {new} → {old} with OCGEN_ROLLBACK=restore did not come up: {}",
                n.describe()
            )
        })?;
        report.push(format!(
            "rollback to {old} with OCGEN_ROLLBACK=restore: listening after {:.1?}",
            g.after
        ));
        let checked = if g.output().contains("restored the state snapshot") {
            all_kept(&browsers, &g, &vol, &format!("{old} restored"))
        } else {
            Err("the bootstrap did not log the restore".into())
        };
        report.extend(g.finish(checked).map_err(|e| format!("{new} → {old} restored: {e}"))?);
        let replaced = std::fs::read_dir(vol.join(".ocgen/replaced"))
            .map(|d| d.count())
            .unwrap_or(0);
        if replaced != 1 {
            return Err(format!(
                "FINDING: the state the restore replaced is not kept in .ocgen/replaced/ ({replaced} entries)"
            ));
        }
        report.push(format!("{new}'s state set aside in .ocgen/replaced/"));
    } else {
        let g = back.map_err(|n| {
            format!(
                "FINDING: the rollback {new} → {old} (same state format) did not come up: {}",
                n.describe()
            )
        })?;
        report.push(format!(
            "rollback to {old} (same state format): listening after {:.1?}",
            g.after
        ));
        let checked = all_kept(&browsers, &g, &vol, &format!("{old} again"));
        report.extend(g.finish(checked).map_err(|e| format!("{new} → {old}: {e}"))?);
    }
    Ok(report.join("\n"))
}

fn job_name(profile: &str, old: &str, new: &str) -> String {
    format!("{profile}@{old}->{new}")
}

/// `OCGEN_UPGRADE_PAIRS` (e.g. `lan-patch@2026.2.19->2026.9.6`, comma-separated): run
/// only these pairs (the others say SKIPPED); unset: every pair.
fn selected(profile: &str, old: &str, new: &str) -> bool {
    match std::env::var("OCGEN_UPGRADE_PAIRS") {
        Ok(list) if !list.trim().is_empty() => list.split(',').any(|p| p.trim() == job_name(profile, old, new)),
        _ => true,
    }
}

fn results() -> &'static Results {
    static R: OnceLock<Results> = OnceLock::new();
    R.get_or_init(|| {
        let jobs = PAIRS
            .iter()
            .filter(|&&(profile, old, new)| selected(profile, old, new))
            .map(|&(profile, old, new)| job(job_name(profile, old, new), move || upgrade_pair(profile, old, new)))
            .collect();
        run_all("upgrade_path", jobs)
    })
}

fn pair_outcome((profile, old, new): (&str, &str, &str)) {
    if tools().is_err() {
        skipped("upgrade_path", "the real OpenClaw releases are not installed");
        return;
    }
    if !selected(profile, old, new) {
        skipped(&job_name(profile, old, new), "not in OCGEN_UPGRADE_PAIRS");
        return;
    }
    outcome(results(), &job_name(profile, old, new));
}

#[test]
fn sidecar_upgrade_and_rollback_across_2026_2_23() {
    pair_outcome(PAIRS[0]);
}

#[test]
fn upgrade_and_rollback_across_2026_5_18() {
    pair_outcome(PAIRS[1]);
}

#[test]
fn upgrade_and_rollback_across_2026_6_1() {
    pair_outcome(PAIRS[2]);
}

#[test]
fn serve_upgrade_and_rollback_across_2026_8_1() {
    pair_outcome(PAIRS[3]);
}

#[test]
fn domain_upgrade_and_rollback_across_2026_8_1() {
    pair_outcome(PAIRS[4]);
}

#[test]
fn upgrade_and_rollback_from_2026_2_19_to_2026_9_6() {
    pair_outcome(PAIRS[5]);
}

#[test]
fn serve_upgrade_and_rollback_from_2026_2_19_to_2026_9_6() {
    pair_outcome(PAIRS[6]);
}
