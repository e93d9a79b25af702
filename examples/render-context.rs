//! Print the template context `ocgen render` uses for a deploy.toml, as JSON:
//! the data scripts/bench-render.sh hands to minijinja-cli so both render the
//! same four templates with the same context.
//!
//! `cargo run --release --example render-context -- examples/deploy.toml`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: render-context DEPLOY_TOML");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let model = ocgen::decode(&path, bytes)
        .map_err(|(_, d)| d)
        .and_then(|source| ocgen::load_model(&source, &Default::default()));
    match model {
        Ok(model) => {
            let plan = ocgen::plan::plan(&model);
            println!("{}", serde_json::to_string_pretty(&plan).expect("the plan serializes"));
            ExitCode::SUCCESS
        }
        Err(diags) => {
            for d in diags {
                eprintln!("{}: {}", d.code, d.message);
            }
            ExitCode::from(2)
        }
    }
}
