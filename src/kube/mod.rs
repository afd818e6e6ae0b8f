//! Everything that talks to the API server: the client from kubectl's flags, paginated LISTs,
//! and the mapping of transport and API errors to the plugin's typed errors.

pub mod client;
pub mod collect;
pub mod lean;

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
        kube::Error::Api(s) => Error::Api(format!("{} {}: {} ({})", action.verb, action.resource, s.message, s.reason)),
        kube::Error::HyperError(e) => Error::Unreachable { server: server.to_string(), reason: root_cause(&e) },
        kube::Error::Service(e) => Error::Unreachable { server: server.to_string(), reason: root_cause(e.as_ref()) },
        other => Error::Api(format!("{} {}: {other}", action.verb, action.resource)),
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
