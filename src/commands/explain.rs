//! `ocgen explain [CODE]`: one diagnostic code from the registry
//! ([`crate::lint::codes`]), or the list of them all.

use clap::Args;

use super::Exit;
use super::report::fail;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Code or rule name; omit to list every code
    pub code: Option<String>,
}

pub fn run(args: &ExplainArgs) -> Exit {
    match args.code.as_deref() {
        None => {
            for c in crate::lint::CODES {
                println!("{}  {:<7}  {:<32} {}", c.code, c.severity.as_str(), c.name, c.summary);
            }
            Exit::Ok
        }
        Some(code) => match crate::lint::find(code) {
            Some(c) => {
                println!(
                    "{} ({}, {}): {}\n\n{}",
                    c.code,
                    c.name,
                    c.severity.as_str(),
                    c.summary,
                    c.explanation()
                );
                Exit::Ok
            }
            None => fail(
                &format!("unknown code `{code}`"),
                Some("`ocgen explain` lists every code"),
            ),
        },
    }
}
