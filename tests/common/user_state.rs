//! The state a user gives a deployment before an upgrade and a rollback, and what must
//! be true of it afterwards: shared by the namespace harness (tests/upgrade_path.rs) and
//! the Docker engine (tests/docker_e2e.rs). Each reads the volume its own way (a host
//! path, or `docker exec`), so the checks take the file's text.

use serde_json::Value;

/// A key ocgen does not own, set with `openclaw config set`.
pub const USER_KEY: &str = "ui.seamColor";
pub const USER_VALUE: &str = "#0a7e4f";
/// Agent-workspace files (relative to the state directory) and their contents.
pub const WORKSPACE: [(&str, &str); 2] = [
    ("workspace/ocgen-upgrade/NOTES.md", "# notes kept across upgrades\n"),
    (
        "workspace/ocgen-upgrade/memory/2026-12-02.md",
        "- the user's memory file, with \"quotes\" and $dollars\n",
    ),
];
/// `bash -c WRITE_FILE write PATH TEXT`: what an agent writing its workspace does.
pub const WRITE_FILE: &str = "mkdir -p -- \"$(dirname -- \"$1\")\" && printf '%s' \"$2\" >\"$1\"";

/// The user's key in `openclaw.json` (its text) is still [`USER_VALUE`].
pub fn user_key_kept(config: &str) -> Result<String, String> {
    let v: Value = serde_json::from_str(config).map_err(|e| format!("openclaw.json: {e}"))?;
    match v.pointer("/ui/seamColor").and_then(Value::as_str) {
        Some(s) if s == USER_VALUE => Ok(format!("{USER_KEY} = {s} kept")),
        other => Err(format!("FINDING: the user's {USER_KEY} is {other:?}, not {USER_VALUE}")),
    }
}

/// Every [`WORKSPACE`] file byte for byte; `read` gives a file's text by its path
/// relative to the state directory.
pub fn workspace_unchanged(read: impl Fn(&str) -> Result<String, String>) -> Result<String, String> {
    for (rel, text) in WORKSPACE {
        let got = read(rel).map_err(|e| format!("FINDING: workspace file {rel}: {e}"))?;
        if got != text {
            return Err(format!("FINDING: workspace file {rel} changed: {got:?}"));
        }
    }
    Ok(format!("{} workspace files unchanged", WORKSPACE.len()))
}

/// The bootstrap's refusal of a rollback from `new` to `old` in `output` (its log): the
/// line that says which release last ran, that nothing changed, and both ways back.
pub fn rollback_refusal(output: &str, old: &str, new: &str) -> Result<String, String> {
    let wanted = [
        format!("refusing to start OpenClaw {old} on this volume: it last ran OpenClaw {new}"),
        "Nothing on the volume was changed".to_string(),
        format!("pin {new} again"),
        "OCGEN_ROLLBACK=restore".to_string(),
    ];
    let line = output.lines().find(|l| l.contains("refusing to start")).unwrap_or("");
    match wanted.iter().find(|w| !line.contains(w.as_str())) {
        None => Ok(line.trim().to_string()),
        Some(w) => Err(format!("no refusal line saying {w:?} in:\n{output}")),
    }
}
