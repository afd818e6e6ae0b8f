//! SARIF 2.1.0 for code scanning.

use serde_json::{Value, json};

use crate::checks;
use crate::finding::{Report, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(report: &Report) -> Value {
    let rules: Vec<Value> = checks::all()
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.doc, "markdown": r.doc},
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut text = f.message.clone();
            if !f.fix.is_empty() {
                text.push_str(&format!(" Fix: {}", f.fix));
            }
            let mut r = json!({
                "ruleId": f.rule,
                "ruleIndex": checks::all().iter().position(|r| r.id == f.rule).unwrap_or(0),
                "level": level(f.severity),
                "message": {"text": text},
            });
            if let Some(loc) = &f.location {
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": loc.file},
                        "region": {"startLine": loc.line, "startColumn": loc.column}
                    }
                }]);
            } else if let Some(obj) = &f.object {
                r["locations"] = json!([{"logicalLocations": [{"name": obj.name, "kind": obj.kind}]}]);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kubectl-hostprocess",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "results": results,
        }]
    })
}
