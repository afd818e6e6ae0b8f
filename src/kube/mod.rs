//! Everything that talks to the API server: the client from kubectl's flags, paginated LISTs,
//! and the mapping of transport and API errors to the plugin's typed errors.

pub mod client;
pub mod collect;
pub mod lean;
pub mod logs;
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

    #[test]
    fn a_not_found_is_decided_by_status_not_by_text() {
        // A message that merely mentions NotFound is not a 404.
        let e = map_err("https://k", &Action::new("get", "pods", None), status(500, "InternalError", "NotFound?"));
        assert!(!e.is_not_found());
        let e = Error::Request("get pods: NotFound".into());
        assert!(!e.is_not_found());
    }
}
