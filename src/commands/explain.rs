//! `explain [HPnnn|NAME|SIGNATURE]`: a rule's documentation (with its log signatures), one log
//! signature, or the list of rules.

use crate::checks;
use crate::cli::ExplainArgs;
use crate::error::{Error, ExitCode, Result};
use crate::output::explain::{rule_doc, rule_table, signature_doc};

pub fn run(args: &ExplainArgs) -> Result<ExitCode> {
    let text = match &args.rule {
        None => rule_table(checks::all()),
        Some(id) => match checks::find(id) {
            Some(r) => rule_doc(r),
            None => {
                let (rule, sig) = checks::all()
                    .iter()
                    .find_map(|r| r.signatures.iter().find(|s| s.id == id.as_str()).map(|s| (*r, s)))
                    .ok_or_else(|| {
                        Error::Usage(format!("no rule {id:?}; run `kubectl hostprocess explain` to list the rules"))
                    })?;
                signature_doc(rule, sig)
            }
        },
    };
    crate::output::print(&text)?;
    Ok(ExitCode::Ok)
}
