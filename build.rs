//! Link the `ocgen` binary position-dependent (`-no-pie`) on GNU/Linux. As a
//! PIE it carries ~21,000 relative relocations that the dynamic loader applies
//! on every start: ~0.48 M instructions, a fifth of a whole render after the
//! schema stopped being compiled (README, Benchmarks). Packed relocations
//! (`-z pack-relative-relocs`) shrink the table but not that work (measured:
//! 415 K → 404 K). The cost: the executable's own image is not randomized
//! (ASLR still places the stack, heap and shared libraries). ocgen is a
//! short-lived file renderer that reads one trusted file; set OCGEN_PIE=1 to
//! link it as a PIE anyway.
//!
//! The data embedded in the binary (`profiles/*.toml`: the profiles and the
//! OpenClaw release table) is decoded from TOML here, at build time, into JSON
//! in `$OUT_DIR/profiles/` that the binary parses when it needs it: TOML costs
//! ~70 instructions a byte to parse, JSON a fraction of that (README,
//! Benchmarks). The TOML files stay the source a maintainer edits.
//!
//! Each OpenClaw release's config schema (`schema/openclaw/<version>.json`,
//! exported by `scripts/export-openclaw-schemas.sh`, 0.4-2.5 MB of JSON) is
//! embedded deflated: ~5-7 % of its size, inflated only by `ocgen validate`.
//! A schema file dropped into that folder is embedded by the next build.
use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    embed_data();
    embed_openclaw_schemas();
    println!("cargo:rerun-if-env-changed=OCGEN_PIE");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" && var("OCGEN_PIE").is_empty() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

fn embed_data() {
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("profiles");
    fs::create_dir_all(&out).expect("create $OUT_DIR/profiles");
    println!("cargo:rerun-if-changed=profiles");
    let mut files: Vec<_> = fs::read_dir("profiles")
        .expect("read profiles/")
        .map(|e| e.expect("profiles/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let value: serde_json::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json = serde_json::to_string(&value).expect("JSON from TOML");
        let name = path.with_extension("json");
        fs::write(out.join(name.file_name().expect("file name")), json).expect("write JSON");
        if path.file_stem().is_some_and(|s| s == "openclaw-versions") {
            split_release_table(&out, value);
        }
    }
}

/// The release table for the render path: the list of releases (82 and
/// growing) with their `engines.node` and npm overrides as Rust statics, and
/// the rules without the `measured` notes, so that resolving the one release a
/// render pins parses a few hundred bytes. The whole table
/// (`openclaw-versions.json`) serves `ocgen versions`.
fn split_release_table(out: &Path, mut table: serde_json::Value) {
    use std::fmt::Write as _;
    type Row<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);
    let obj = table.as_object_mut().expect("openclaw-versions.toml is a table");
    let listed = obj.remove("release").expect("openclaw-versions.toml: [[release]]");
    let mut rows: Vec<Row> = listed
        .as_array()
        .expect("[[release]] rows")
        .iter()
        .map(|r| {
            let row = r.as_object().expect("release row is a table");
            let v = r["version"].as_str().expect("release.version");
            if let Some(k) = row
                .keys()
                .find(|k| !["version", "engines_node", "npm_overrides"].contains(&k.as_str()))
            {
                panic!("release {v}: unknown field `{k}`");
            }
            let mut overrides: Vec<(&str, &str)> = match row.get("npm_overrides") {
                None => Vec::new(),
                Some(o) => o
                    .as_object()
                    .unwrap_or_else(|| panic!("release {v}: npm_overrides is a table"))
                    .iter()
                    .map(|(k, x)| {
                        let x = x
                            .as_str()
                            .unwrap_or_else(|| panic!("release {v}: npm_overrides.{k} is a string"));
                        (k.as_str(), x)
                    })
                    .collect(),
            };
            overrides.sort();
            (v, r["engines_node"].as_str().expect("release.engines_node"), overrides)
        })
        .collect();
    // oldest first
    rows.sort_by_key(|(v, _, _)| version_key(v));
    let mut rs = String::from(
        "/// A listed release: (version, engines.node, npm overrides as (package, version), by package).\n\
         pub type Row = (&'static str, &'static str, &'static [(&'static str, &'static str)]);\n\
         /// Oldest first.\n\
         pub static LISTED: &[Row] = &[\n",
    );
    for (v, e, o) in rows {
        let o: Vec<String> = o.iter().map(|(k, x)| format!("({k:?}, {x:?})")).collect();
        let _ = writeln!(rs, "    ({v:?}, {e:?}, &[{}]),", o.join(", "));
    }
    rs.push_str("];\n");
    fs::write(out.join("openclaw-releases.rs"), rs).expect("write openclaw-releases.rs");
    for r in obj
        .get_mut("range")
        .and_then(|r| r.as_array_mut())
        .into_iter()
        .flatten()
    {
        if let Some(r) = r.as_object_mut() {
            r.remove("measured");
        }
    }
    let rules = serde_json::to_string(&table).expect("JSON");
    fs::write(out.join("openclaw-version-rules.json"), rules).expect("write rules JSON");
}

/// `$OUT_DIR/openclaw-schemas.rs`: `SCHEMAS`, each release with a schema in
/// `schema/openclaw/` and its deflated bytes, oldest first.
fn embed_openclaw_schemas() {
    use std::fmt::Write as _;
    let dir = Path::new("schema/openclaw");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("openclaw-schemas");
    fs::create_dir_all(&out).expect("create $OUT_DIR/openclaw-schemas");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut versions: Vec<String> = fs::read_dir(dir)
        .expect("read schema/openclaw/")
        .map(|e| e.expect("schema/openclaw/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| p.file_stem().expect("file stem").to_string_lossy().into_owned())
        .collect();
    versions.sort_by_key(|v| version_key(v));
    let mut rs = String::from(
        "/// (release, its config schema deflated), oldest first.\n\
         pub static SCHEMAS: &[(&str, &[u8])] = &[\n",
    );
    for v in versions {
        let path = dir.join(format!("{v}.json"));
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_slice::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = format!("{v}.json.deflate");
        fs::write(out.join(&name), miniz_oxide::deflate::compress_to_vec(&text, 9)).expect("write deflated schema");
        let _ = writeln!(
            rs,
            "    ({v:?}, include_bytes!(concat!(env!(\"OUT_DIR\"), \"/openclaw-schemas/{name}\"))),"
        );
    }
    rs.push_str("];\n");
    fs::write(
        Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("openclaw-schemas.rs"),
        rs,
    )
    .expect("write openclaw-schemas.rs");
}

/// Orders releases by the numbers of `2026.2.19` / `2026.2.21-2`.
fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-']).map(|p| p.parse().unwrap_or(0)).collect()
}
