//! Each OpenClaw release's config schema (`schema/openclaw/<version>.json`,
//! exported by `scripts/export-openclaw-schemas.sh`, 0.4-2.5 MB of JSON) is
//! embedded deflated: ~5-7 % of its size, inflated only by `ocgen validate`.
//! A schema file dropped into that folder is embedded by the next build.
use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    embed_openclaw_schemas();
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
