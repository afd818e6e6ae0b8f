//! The flags of `policy`.

use clap::{Args, ValueEnum};

/// `policy -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PolicyFormat {
    #[default]
    Yaml,
    Json,
}

/// `policy --action`: the binding's validationActions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
#[value(rename_all = "PascalCase")]
pub enum PolicyAction {
    /// Refuse the object (default)
    #[default]
    Deny,
    /// Admit it with a warning to the client
    Warn,
    /// Admit it and record the failure in the audit log
    Audit,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Name of the policy and of its binding
    #[arg(long, default_value = crate::policy::DEFAULT_NAME, value_parser = parse_object_name)]
    pub name: String,
    /// What a failed check does
    #[arg(long, value_enum, ignore_case = true, default_value_t = PolicyAction::Deny)]
    pub action: PolicyAction,
    /// Allow HostProcess pods only in this namespace (repeatable; default: any namespace)
    #[arg(long = "allow-namespace", value_name = "NS")]
    pub allow_namespaces: Vec<String>,
    /// Allow only HostProcess images that start with this prefix, e.g. mcr.microsoft.com/ (repeatable)
    #[arg(long = "allow-image-prefix", value_name = "PREFIX")]
    pub allow_image_prefixes: Vec<String>,
    /// Allow only this runAsUserName, case-insensitive, e.g. 'NT AUTHORITY\SYSTEM' (repeatable)
    #[arg(long = "allow-user", value_name = "NAME")]
    pub allow_users: Vec<String>,
    /// Bind the policy only in namespaces with this label, key=value (repeatable; default: every namespace)
    #[arg(long = "namespace-selector", value_name = "KEY=VALUE", value_parser = parse_label)]
    pub namespace_selector: Vec<(String, String)>,
    #[arg(short = 'o', long, value_enum, default_value_t = PolicyFormat::Yaml)]
    pub output: PolicyFormat,
}

/// A DNS subdomain (an object name): lower-case alphanumerics, '-' and '.', at most 253.
fn parse_object_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok { Ok(s.to_string()) } else { Err(format!("{s:?} is not a valid object name (lower-case DNS subdomain)")) }
}

/// `key=value` with a non-empty key.
fn parse_label(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !k.contains(['=', ',']) && !v.contains(['=', ',']) => {
            Ok((k.to_string(), v.to_string()))
        }
        _ => Err(format!("{s:?} is not key=value")),
    }
}
