//! `policy`: print the ValidatingAdmissionPolicy and its binding (offline, no cluster needed).

use crate::cli::{PolicyAction, PolicyArgs, PolicyFormat};
use crate::error::{Error, ExitCode, Result};
use crate::policy::{self, Action, Options};

impl From<PolicyAction> for Action {
    fn from(a: PolicyAction) -> Self {
        match a {
            PolicyAction::Deny => Action::Deny,
            PolicyAction::Warn => Action::Warn,
            PolicyAction::Audit => Action::Audit,
        }
    }
}

/// The plain options of the flags; an empty allow-list value is a usage error.
pub fn options(a: &PolicyArgs) -> Result<Options> {
    for (flag, values) in [
        ("--allow-namespace", &a.allow_namespaces),
        ("--allow-image-prefix", &a.allow_image_prefixes),
        ("--allow-user", &a.allow_users),
    ] {
        if values.iter().any(|v| v.trim().is_empty()) {
            return Err(Error::Usage(format!("{flag} needs a non-empty value")));
        }
    }
    Ok(Options {
        name: a.name.clone(),
        action: a.action.into(),
        allow_namespaces: a.allow_namespaces.clone(),
        allow_image_prefixes: a.allow_image_prefixes.clone(),
        allow_users: a.allow_users.clone(),
        namespace_selector: a.namespace_selector.clone(),
    })
}

/// The text `policy` prints: two YAML documents, or a JSON `v1` List of the two objects.
pub fn render(a: &PolicyArgs) -> Result<String> {
    let [p, b] = policy::objects(&options(a)?);
    match a.output {
        PolicyFormat::Yaml => Ok(format!("{}---\n{}", crate::output::yaml(&p)?, crate::output::yaml(&b)?)),
        PolicyFormat::Json => {
            crate::output::json(&serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [p, b]}))
        }
    }
}

pub fn run(a: &PolicyArgs) -> Result<ExitCode> {
    crate::output::print(&render(a)?)?;
    Ok(ExitCode::Ok)
}
