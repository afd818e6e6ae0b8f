//! The guardrails of `policy`: where HostProcess pods may run, which images, which accounts.
//! Each applies to HostProcess specs only and exists only when its option is given. The message
//! (a `messageExpression`) starts with the guardrail's id and names the offending value.

use serde_json::{Value, json};

use super::{Options, cel_list, cel_string};

/// The ids the guardrail messages start with.
pub const GUARDRAIL_IDS: &[&str] = &["guardrail/namespace", "guardrail/image", "guardrail/user"];

/// The variables the guardrail validations read (only those whose option is given).
pub fn variables(o: &Options) -> Vec<Value> {
    let mut out = Vec::new();
    if !o.allow_image_prefixes.is_empty() {
        out.push(json!({
            "name": "imagesOutside",
            "expression": format!(
                "variables.containers.map(c, c.?image.orValue('')).filter(i, !{}.exists(p, i.startsWith(p)))",
                cel_list(&o.allow_image_prefixes)
            ),
        }));
    }
    if !o.allow_users.is_empty() {
        let lower: Vec<String> = o.allow_users.iter().map(|u| u.to_ascii_lowercase()).collect();
        out.push(json!({
            "name": "usersOutside",
            "expression": format!(
                "variables.containers.map(c, c.?securityContext.?windowsOptions.?runAsUserName.orValue(variables.spec.?securityContext.?windowsOptions.?runAsUserName.orValue(''))).filter(u, !(u.lowerAscii() in {}))",
                cel_list(&lower)
            ),
        }));
    }
    out
}

/// The guardrail validations (only those whose option is given).
pub fn validations(o: &Options) -> Vec<Value> {
    let mut out = Vec::new();
    if !o.allow_namespaces.is_empty() {
        let allowed = o.allow_namespaces.join(", ");
        out.push(validation(
            format!("!variables.hostProcess || request.namespace in {}", cel_list(&o.allow_namespaces)),
            format!(
                "'guardrail/namespace: HostProcess pods are not allowed in namespace ' + request.namespace + {}",
                cel_string(&format!(" (allowed: {allowed}); fix: deploy it to an allowed namespace"))
            ),
            format!("guardrail/namespace: HostProcess pods are allowed only in namespaces {allowed}"),
        ));
    }
    if !o.allow_image_prefixes.is_empty() {
        let allowed = o.allow_image_prefixes.join(", ");
        out.push(validation(
            "!variables.hostProcess || size(variables.imagesOutside) == 0",
            format!(
                "'guardrail/image: HostProcess image \"' + variables.imagesOutside[0] + '\" does not start with an allowed prefix' + {}",
                cel_string(&format!(" ({allowed}); fix: use an image from an allowed registry"))
            ),
            format!("guardrail/image: HostProcess images must start with one of {allowed}"),
        ));
    }
    if !o.allow_users.is_empty() {
        let allowed = o.allow_users.join(", ");
        out.push(validation(
            "!variables.hostProcess || size(variables.usersOutside) == 0",
            format!(
                "'guardrail/user: runAsUserName \"' + variables.usersOutside[0] + '\" is not allowed for HostProcess containers' + {}",
                cel_string(&format!(" (allowed: {allowed}; unset counts as \"\"); fix: run as an allowed account"))
            ),
            format!("guardrail/user: HostProcess containers must run as one of {allowed}"),
        ));
    }
    out
}

/// One guardrail validation: refused as `Forbidden`, its message naming the offending value.
fn validation(expression: impl Into<String>, message_expression: String, message: String) -> serde_json::Value {
    json!({"expression": expression.into(), "messageExpression": message_expression, "message": message, "reason": "Forbidden"})
}
