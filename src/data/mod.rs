//! The data ocgen embeds and reads on first use, as a maintainer edits it:
//! the profiles (`profiles/<name>.toml`) and the OpenClaw release table
//! (`profiles/openclaw-versions.toml`).

pub mod profile;
pub mod versions;
