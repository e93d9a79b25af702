//! Profiles as data (`profiles/<name>.toml`), embedded in the binary.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::config::ProfileName;

/// Where tailscaled runs for a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TailscalePlacement {
    None,
    Sidecar,
    InContainer,
}

/// One `openclaw.json` setting a profile wants.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSetting {
    pub path: String,
    pub value: serde_json::Value,
    pub why: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: ProfileName,
    pub summary: String,
    /// `gateway.bind` the profile uses.
    pub bind: crate::config::BindMode,
    /// Why (a comment in bootstrap.sh).
    pub bind_why: String,
    /// Whether the gateway port is published on the host.
    pub publish_port: bool,
    pub tailscale: TailscalePlacement,
    /// Whether the profile applies the LAN sub-agent workaround on releases that need it.
    pub lan_workaround: bool,
    #[serde(default)]
    pub config: Vec<ConfigSetting>,
    /// Operator steps when moving a deployment to this profile.
    #[serde(default)]
    pub steps_in: Vec<Step>,
}

/// `profiles/<name>.toml`, embedded as a maintainer edits it.
macro_rules! embedded {
    ($name:literal) => {
        ($name, include_str!(concat!("../../profiles/", $name, ".toml")))
    };
}
const SOURCES: [(&str, &str); 4] = [
    embedded!("lan-patch"),
    embedded!("sidecar"),
    embedded!("serve"),
    embedded!("domain"),
];

/// Each profile is parsed on first use: a render needs only its own.
static PROFILES: [OnceLock<Profile>; ProfileName::ALL.len()] = [const { OnceLock::new() }; ProfileName::ALL.len()];

pub fn get(name: ProfileName) -> &'static Profile {
    let i = ProfileName::ALL
        .iter()
        .position(|p| *p == name)
        .expect("ALL lists every profile");
    PROFILES[i].get_or_init(|| {
        let (file, text) = SOURCES[i];
        let p: Profile = toml::from_str(text).unwrap_or_else(|e| panic!("embedded profile profiles/{file}.toml: {e}"));
        assert_eq!(p.name, name, "profile file {file} holds profile {name}");
        p
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_loads() {
        for name in ProfileName::ALL {
            assert_eq!(get(name).name, name);
        }
        assert_eq!(get(ProfileName::Serve).tailscale, TailscalePlacement::InContainer);
        assert!(!get(ProfileName::Serve).publish_port);
    }
}
