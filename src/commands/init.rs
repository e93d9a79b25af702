//! `ocgen init`: write a commented starter deploy.toml, never over a file.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Exit;
use super::report::fail;
use crate::config::ProfileName;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Profile the starter file selects
    #[arg(long, value_enum, default_value = "lan-patch")]
    pub profile: ProfileName,
    /// Where to write it
    #[arg(default_value = "deploy.toml")]
    pub path: PathBuf,
}

pub fn run(args: &InitArgs) -> Exit {
    let (profile, path) = (args.profile, args.path.as_path());
    let text = crate::render::starter(profile);
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return fail(
                &format!("{} already exists; ocgen init never overwrites a file", path.display()),
                Some("edit it, or write the starter elsewhere: `ocgen init other.toml`"),
            );
        }
        Err(e) => {
            return fail(
                &format!("cannot create {}: {e}", path.display()),
                Some("check the directory exists and is writable"),
            );
        }
    };
    if let Err(e) = file.write_all(text.as_bytes()) {
        drop(file);
        let _ = std::fs::remove_file(path);
        return fail(&format!("cannot write {}: {e}", path.display()), None);
    }
    eprintln!(
        "wrote {} (profile {profile}); next: `ocgen render -c {}`",
        path.display(),
        path.display()
    );
    Exit::Ok
}
