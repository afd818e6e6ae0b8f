//! `explain [HPnnn]`: a rule's documentation, or the list of rules.

use colored::Colorize;

use crate::checks;
use crate::cli::ExplainArgs;
use crate::error::{Error, ExitCode, Result};

pub fn run(args: &ExplainArgs) -> Result<ExitCode> {
    let text = match &args.rule {
        None => {
            let mut t = crate::output::table(&["RULE", "NAME", "SEVERITY", "SUMMARY"]);
            for r in checks::all() {
                t.add_row(vec![r.id, r.name, r.severity.as_str(), r.summary]);
            }
            crate::output::render_table(&t)
        }
        Some(id) => {
            let r = checks::find(id).ok_or_else(|| {
                Error::Usage(format!("no rule {id:?}; run `kubectl hostprocess explain` to list the rules"))
            })?;
            format!(
                "{} ({}) — {}\nDefault severity: {}\n\n{}\n",
                r.id.bold(),
                r.name,
                r.summary,
                r.severity.as_str(),
                r.doc.trim_end()
            )
        }
    };
    crate::output::print(&text)?;
    Ok(ExitCode::Ok)
}
