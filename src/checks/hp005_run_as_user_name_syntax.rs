//! HP005 run-as-user-name-syntax.

use super::containers::{container_windows_options, containers, pod_windows_options};
use super::evidence::{observations, with_evidence};
use super::rule::{Admission, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP005",
    name: "run-as-user-name-syntax",
    severity: Severity::Error,
    summary: "windowsOptions.runAsUserName must pass the API server's syntax checks",
    doc: r#"## What it does
Runs the API server's `runAsUserName` validation on the pod-level and every container-level
`securityContext.windowsOptions.runAsUserName`:

- not empty, no control characters, at most one backslash (`DOMAIN\user`);
- the domain is under 256 characters and is a NetBIOS name (1–15 characters, not starting with a
  dot, none of `\ / : * ? " < > |`; so `NT AUTHORITY` is valid) or a DNS name;
- the user is not empty, at most 104 characters, not only dots or spaces, and has none of
  `" / \ : ; | = , + * ? < > @ [ ]`.

The value checked is the *decoded* YAML string. In a double-quoted YAML scalar the backslash must
be doubled (`"NT AUTHORITY\\SYSTEM"`); single-quoted or plain scalars take one.

## Why is this bad?
The API server rejects the pod or the workload, e.g.

    spec.securityContext.windowsOptions.runAsUserName: Invalid value: "NT AUTHORITY\\\\SYSTEM": runAsUserName cannot contain more than one backslash

## Example
```yaml
securityContext:
  windowsOptions:
    hostProcess: true
    runAsUserName: 'NT AUTHORITY\\SYSTEM'   # single quotes: two real backslashes
```

## Use instead
```yaml
securityContext:
  windowsOptions:
    hostProcess: true
    runAsUserName: "NT AUTHORITY\\SYSTEM"   # double quotes: one backslash after decoding
```

## References
- kubernetes/kubernetes `pkg/apis/core/validation/validation.go` `validateWindowsSecurityContextOptions`
"#,
    rank: 14,
    signatures: &[],
    admission: ADMISSION,
    check,
};

/// At admission (`policy`): `validate` as regular expressions (RE2) over every pod- and
/// container-level runAsUserName. Lengths count characters here, bytes in `validate`: they differ
/// only for non-ASCII names.
pub const ADMISSION: &[Admission] = &[Admission {
    expression: r#"((variables.spec.?securityContext.?windowsOptions.?runAsUserName.hasValue() ? [variables.spec.securityContext.windowsOptions.runAsUserName] : []) + variables.containers.filter(c, c.?securityContext.?windowsOptions.?runAsUserName.hasValue()).map(c, c.securityContext.windowsOptions.runAsUserName)).all(n, size(n) > 0 && !n.matches(r'[[:cntrl:]]') && !n.matches(r'\\.*\\') && (!n.matches(r'\\') || (!n.matches(r'^[^\\]{256,}\\') && (n.matches(r'^[^.\\/:*?"<>|][^\\/:*?"<>|]{0,14}\\') || n.matches(r'^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\\')))) && n.matches(r'(^|\\)[^"/\\:;|=,+*?<>@\[\]]{1,104}$') && !n.matches(r'(^|\\)[. ]*$'))"#,
    host_process_only: false,
    field: "securityContext.windowsOptions.runAsUserName",
    fix: "use a valid account such as NT AUTHORITY\\SYSTEM (one backslash after YAML decoding) or a local group name",
}];

const MAX_DOMAIN: usize = 256;
const MAX_USER: usize = 104;

fn netbios(domain: &str) -> bool {
    const BAD: &[char] = &['\\', '/', ':', '*', '?', '"', '<', '>', '|'];
    let n = domain.chars().count();
    (1..=15).contains(&n) && !domain.starts_with('.') && !domain.contains(BAD)
}

fn dns_label(l: &str) -> bool {
    let b = l.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

fn dns(domain: &str) -> bool {
    domain.split('.').all(dns_label)
}

/// The API server's messages for a runAsUserName value (empty when valid).
pub fn validate(name: &str) -> Vec<String> {
    if name.is_empty() {
        return vec!["runAsUserName cannot be an empty string".into()];
    }
    if name.chars().any(|c| c.is_ascii_control()) {
        return vec!["runAsUserName cannot contain control characters".into()];
    }
    let parts: Vec<&str> = name.split('\\').collect();
    if parts.len() > 2 {
        return vec!["runAsUserName cannot contain more than one backslash".into()];
    }
    let (domain, user) = if parts.len() == 1 { (None, parts[0]) } else { (Some(parts[0]), parts[1]) };
    let mut out = Vec::new();
    let d = domain.unwrap_or("");
    if d.len() >= MAX_DOMAIN {
        out.push(format!("runAsUserName's Domain length must be under {MAX_DOMAIN} characters"));
    }
    if domain.is_some() && !(netbios(d) || dns(d)) {
        out.push("runAsUserName's Domain doesn't match the NetBios nor the DNS format".into());
    }
    if user.is_empty() {
        out.push("runAsUserName's User cannot be empty".into());
    } else if user.len() > MAX_USER {
        out.push(format!("runAsUserName's User length must not be longer than {MAX_USER} characters"));
    }
    if !user.is_empty() && user.chars().all(|c| c == '.' || c == ' ') {
        out.push("runAsUserName's User cannot contain only periods or spaces".into());
    }
    const BAD: &[char] = &['"', '/', '\\', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>', '@', '[', ']'];
    if user.contains(BAD) {
        out.push(r#"runAsUserName's User cannot contain the following characters: "/\:;|=,+*?<>@[]"#.into());
    }
    out
}

fn hint(name: &str) -> &'static str {
    if name.contains("\\\\") {
        " (two backslashes: in a double-quoted YAML string write `\\\\` once, in single quotes or plain scalars write one `\\`)"
    } else {
        ""
    }
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in snapshot.specs() {
        let obs = observations(snapshot, &spec);
        let live: Vec<_> =
            obs.iter().filter(|o| o.mentions(&["runAsUserName cannot", "runAsUserName's "])).cloned().collect();
        let mut found = Vec::new();
        let mut places: Vec<(String, Option<&str>, &str)> = Vec::new();
        if let Some(name) = pod_windows_options(spec.spec).and_then(|w| w.run_as_user_name.as_deref()) {
            places.push(("securityContext.windowsOptions.runAsUserName".into(), None, name));
        }
        for c in containers(spec.spec) {
            if let Some(name) = container_windows_options(&c).and_then(|w| w.run_as_user_name.as_deref()) {
                places.push((format!("{}.securityContext.windowsOptions.runAsUserName", c.path), Some(c.name), name));
            }
        }
        for (field, container, name) in places {
            for msg in validate(name) {
                let f = RULE.finding(
                    &spec,
                    &field,
                    format!("runAsUserName {name:?} is invalid, so the API server rejects the pod: {msg}{}", hint(name)),
                    "use a valid account such as \"NT AUTHORITY\\\\SYSTEM\" (double-quoted YAML), 'NT AUTHORITY\\Local service' (single-quoted) or a local group name",
                );
                found.push(match container {
                    Some(c) => f.with_container(c),
                    None => f,
                });
            }
        }
        for (i, f) in found.into_iter().enumerate() {
            out.push(if i == 0 { with_evidence(f, &live) } else { f });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{findings, pod_snapshot, rules_fired};

    #[test]
    fn validation_matches_the_api_server() {
        assert!(validate("NT AUTHORITY\\SYSTEM").is_empty());
        assert!(validate("NT AUTHORITY\\Local service").is_empty());
        assert!(validate("hpc-localgroup").is_empty());
        assert!(validate("corp.example.com\\svc").is_empty());
        assert_eq!(validate(""), ["runAsUserName cannot be an empty string"]);
        assert_eq!(validate("NT AUTHORITY\\\\SYSTEM"), ["runAsUserName cannot contain more than one backslash"]);
        assert_eq!(validate("NT AUTHORITY\tSYSTEM"), ["runAsUserName cannot contain control characters"]);
        assert_eq!(validate("NT AUTHORITY\\"), ["runAsUserName's User cannot be empty"]);
        assert_eq!(validate("..."), ["runAsUserName's User cannot contain only periods or spaces"]);
        assert_eq!(validate(".bad\\x"), ["runAsUserName's Domain doesn't match the NetBios nor the DNS format"]);
        assert_eq!(validate("a@b").len(), 1);
        assert_eq!(validate(&"u".repeat(105)).len(), 1);
    }

    #[test]
    fn fires_on_double_backslash() {
        let s = pod_snapshot(
            r#"{"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\\\SYSTEM"}},"hostNetwork":true,"containers":[{"name":"a"}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].field.as_deref(), Some("spec.securityContext.windowsOptions.runAsUserName"));
        assert!(f[0].message.contains("more than one backslash"));
    }

    #[test]
    fn quiet_on_valid_names() {
        let s = pod_snapshot(
            r#"{"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\system"}},"hostNetwork":true,
                "containers":[{"name":"a","securityContext":{"windowsOptions":{"runAsUserName":"NT AUTHORITY\\NetworkService"}}}]}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
    }
}
