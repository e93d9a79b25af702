//! What the tests expect of an OpenClaw release beyond what ocgen's release
//! table decides. ocgen's own rules come from the table
//! (`ocgen::data::versions::find`); the facts here only steer the checks, and each
//! was placed by grepping every release's published `dist/` (the marker is
//! quoted) and is checked on both sides by the CI releases.

use ocgen::data::versions::{OriginCheck, find, version_key};

fn at_least(version: &str, first: &str) -> bool {
    version_key(version) >= version_key(first)
}

/// ocgen's table row of a listed release.
pub fn row(version: &str) -> &'static ocgen::data::versions::Release {
    find(version).unwrap_or_else(|| panic!("{version} is not in profiles/openclaw-versions.toml"))
}

/// Which browser origins the release admits on its own.
pub fn origin_check(version: &str) -> OriginCheck {
    row(version).origin_check
}

/// `openclaw config validate --json` exists (`command("validate")` in the
/// config CLI: 2026.3.2 on); older releases schema-check the whole file on
/// `openclaw config get`.
pub fn has_config_validate(version: &str) -> bool {
    at_least(version, "2026.3.2")
}
