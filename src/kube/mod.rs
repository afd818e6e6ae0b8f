//! Everything that talks to the API server: the client from kubectl's flags, paginated LISTs,
//! and the mapping of transport and API errors to the plugin's typed errors.

pub mod body;
pub mod client;
pub mod collect;
pub mod lean;
pub mod logs;
pub mod node_logs;
pub mod pages;
pub mod proxy;
pub mod whoami;

pub use client::{Kube, connect};

use crate::error::Error;

/// What a request was doing, to name it in an error: `list nodes`, `create pods in ns`.
#[derive(Debug, Clone)]
pub struct Action<'a> {
    pub verb: &'a str,
    pub resource: &'a str,
    pub namespace: Option<&'a str>,
}

impl<'a> Action<'a> {
    pub fn new(verb: &'a str, resource: &'a str, namespace: Option<&'a str>) -> Self {
        Action { verb, resource, namespace }
    }
}

/// Turn a kube error into the plugin's error for this action.
pub fn map_err(server: &str, action: &Action<'_>, e: kube::Error) -> Error {
    match e {
        kube::Error::Api(s) if s.code == 403 => Error::Forbidden {
            verb: action.verb.to_string(),
            resource: action.resource.to_string(),
            scope: match action.namespace {
                Some(ns) => format!(" in namespace {ns}"),
                None => String::new(),
            },
            message: s.message.clone(),
        },
        kube::Error::Api(s) if s.code == 401 => {
            Error::Unauthorized { server: server.to_string(), message: s.message.clone() }
        }
        kube::Error::Api(s) if is_rejected_input(action, &s) => {
            let flags = flags_for(action, &s);
            let s = *s;
            Error::Rejected {
                action: format!("{} {}", action.verb, action.resource),
                code: s.code,
                reason: s.reason,
                message: s.message,
                flags,
            }
        }
        kube::Error::Api(s) => {
            let s = *s;
            Error::Api {
                action: format!("{} {}", action.verb, action.resource),
                code: s.code,
                reason: s.reason,
                message: s.message,
            }
        }
        kube::Error::HyperError(e) => Error::Unreachable { server: server.to_string(), reason: root_cause(&e) },
        kube::Error::Service(e) => Error::Unreachable { server: server.to_string(), reason: root_cause(e.as_ref()) },
        other => Error::Request(format!("{} {}: {other}", action.verb, action.resource)),
    }
}

/// A 422/Invalid (the object the user's flags shaped) or a 400/BadRequest on a plain request (a
/// selector): the user's input, not the cluster. Decided by code and reason, never by message
/// text. A 400 on a subresource (`pods/exec`, `pods/log`: "container not running") is the
/// cluster's state and stays an API error.
fn is_rejected_input(action: &Action<'_>, s: &kube::core::Status) -> bool {
    let invalid = s.code == 422 || s.reason == "Invalid";
    let bad_request = s.code == 400 || s.reason == "BadRequest";
    invalid || (bad_request && !action.resource.contains('/'))
}

/// The flags that shaped the fields the server refused (`details.causes[].field`); for a LIST,
/// the label selector.
fn flags_for(action: &Action<'_>, s: &kube::core::Status) -> Vec<String> {
    let mut flags: Vec<String> = Vec::new();
    let fields = s.details.iter().flat_map(|d| d.causes.iter()).map(|c| c.field.as_str());
    for field in fields {
        let flag = if field.starts_with("metadata.labels") {
            "--label"
        } else if field.starts_with("metadata.annotations") {
            "--annotation"
        } else if field.contains(".env[") || field.ends_with(".env") {
            "--env"
        } else if field.ends_with(".image") {
            "--image"
        } else {
            continue;
        };
        if !flags.iter().any(|f| f == flag) {
            flags.push(flag.to_string());
        }
    }
    if flags.is_empty() && action.verb == "list" {
        flags.push("-l/--selector".to_string());
    }
    flags
}

/// The innermost cause of an error chain: "connection refused" rather than "client error (Connect)".
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let s = cur.to_string();
    if s.contains("elapsed") || s.to_lowercase().contains("timed out") { "request timed out".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    fn status(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(kube::core::Status::failure(message, reason).with_code(code).boxed())
    }

    #[test]
    fn forbidden_names_the_verb_resource_and_namespace() {
        let e = map_err("https://k", &Action::new("create", "pods", Some("ops")), status(403, "Forbidden", "no"));
        assert!(matches!(&e, Error::Forbidden { verb, resource, .. } if verb == "create" && resource == "pods"));
        assert_eq!(e.to_string(), "forbidden: cannot create pods in namespace ops: no");
        assert_eq!(e.exit_code(), ExitCode::Cluster);
        let e = map_err("https://k", &Action::new("list", "nodes", None), status(403, "Forbidden", "no"));
        assert_eq!(e.to_string(), "forbidden: cannot list nodes: no");
    }

    #[test]
    fn unauthorized_names_the_server() {
        let e = map_err("https://k", &Action::new("list", "nodes", None), status(401, "Unauthorized", "bad token"));
        assert!(matches!(e, Error::Unauthorized { .. }));
        assert_eq!(e.to_string(), "unauthorized: the API server at https://k rejected the credentials: bad token");
        assert_eq!(e.exit_code(), ExitCode::Cluster);
    }

    #[test]
    fn other_statuses_keep_code_and_reason() {
        let e = map_err(
            "https://k",
            &Action::new("delete", "pods", Some("ops")),
            status(404, "NotFound", "pods \"p\" not found"),
        );
        assert!(matches!(&e, Error::Api { code: 404, reason, .. } if reason == "NotFound"));
        assert!(e.is_not_found());
        assert!(!e.is_already_exists());
        assert_eq!(e.to_string(), "API request failed: delete pods: pods \"p\" not found (NotFound)");
        assert_eq!(e.exit_code(), ExitCode::Cluster);
        assert_eq!(e.hint(), "retry with -v for details");

        let e = map_err("https://k", &Action::new("create", "pods", None), status(409, "AlreadyExists", "exists"));
        assert!(matches!(e, Error::Api { code: 409, .. }));
        assert!(e.is_already_exists());
        assert!(!e.is_not_found());
        assert_eq!(e.to_string(), "API request failed: create pods: exists (AlreadyExists)");
    }

    fn invalid(fields: &[&str]) -> kube::Error {
        let causes: Vec<_> = fields
            .iter()
            .map(|f| serde_json::json!({"reason": "FieldValueInvalid", "message": "m", "field": f}))
            .collect();
        let s: kube::core::Status = serde_json::from_value(serde_json::json!({
            "status": "Failure", "code": 422, "reason": "Invalid", "message": "Pod \"p\" is invalid",
            "details": {"name": "p", "kind": "Pod", "causes": causes},
        }))
        .unwrap();
        kube::Error::Api(s.boxed())
    }

    #[test]
    fn a_refused_flag_value_is_a_usage_error_naming_the_flag() {
        let create = Action::new("create", "pods", Some("ops"));
        let e = map_err("https://k", &create, invalid(&["metadata.labels", "spec.containers[0].env[0].name"]));
        assert!(matches!(&e, Error::Rejected { flags, .. } if flags == &["--label", "--env"]), "{e:?}");
        assert_eq!(e.exit_code(), ExitCode::Usage);
        assert_eq!(e.hint(), "fix the value of --label / --env and run again");
        let e = map_err("https://k", &create, invalid(&["metadata.annotations"]));
        assert!(matches!(&e, Error::Rejected { flags, .. } if flags == &["--annotation"]), "{e:?}");
        // A field no flag shapes: still the user's request, no flag named.
        let e = map_err("https://k", &create, invalid(&["spec.nodeName"]));
        assert!(matches!(&e, Error::Rejected { flags, .. } if flags.is_empty()), "{e:?}");

        // A bad selector on a LIST: 400 BadRequest, no causes.
        let list = Action::new("list", "nodes", None);
        let e = map_err("https://k", &list, status(400, "BadRequest", "unable to parse requirement"));
        assert!(matches!(&e, Error::Rejected { flags, .. } if flags == &["-l/--selector"]), "{e:?}");
        assert_eq!(e.exit_code(), ExitCode::Usage);
        assert_eq!(e.to_string(), "the API server rejected list nodes: unable to parse requirement (BadRequest)");
    }

    #[test]
    fn a_bad_request_on_a_subresource_is_the_cluster_state() {
        // "container not running" on exec/logs is not the user's flag.
        let e = map_err(
            "https://k",
            &Action::new("create", "pods/exec", Some("ops")),
            status(400, "BadRequest", "container c is waiting"),
        );
        assert!(matches!(e, Error::Api { code: 400, .. }), "{e:?}");
        assert_eq!(e.exit_code(), ExitCode::Cluster);
        // Decided by code/reason, not by the text.
        let e = map_err("https://k", &Action::new("list", "pods", None), status(500, "InternalError", "Invalid"));
        assert!(matches!(e, Error::Api { code: 500, .. }), "{e:?}");
    }

    #[test]
    fn a_not_found_is_decided_by_status_not_by_text() {
        // A message that merely mentions NotFound is not a 404.
        let e = map_err("https://k", &Action::new("get", "pods", None), status(500, "InternalError", "NotFound?"));
        assert!(!e.is_not_found());
        let e = Error::Request("get pods: NotFound".into());
        assert!(!e.is_not_found());
    }
}
