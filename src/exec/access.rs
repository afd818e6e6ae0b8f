//! Before any pod exists: may we do what exec needs (SelfSubjectAccessReview), and does the
//! namespace's Pod Security admit the pod (server-side dry-run create)?

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};

use crate::error::{Error, Result};
use crate::kube::{Action, Kube};

/// One permission a run uses: (verb, resource, subresource).
pub type Need = (&'static str, &'static str, Option<&'static str>);

/// What every exec run does with pods, one-shot and `-it` alike:
/// - `create pods`: the throwaway pod (and the server-side dry-run before it);
/// - `list pods` + `watch pods`: the watch that follows the pod to Running (a watch starts with a LIST);
/// - `delete pods`: the cleanup on every path;
/// - `create pods/exec` + `get pods/exec`: the command runs over a websocket, which is a GET on
///   `pods/exec`; API servers from 1.30 on also require `create` on it for a websocket upgrade.
pub fn needs() -> Vec<Need> {
    vec![
        ("create", "pods", None),
        ("list", "pods", None),
        ("watch", "pods", None),
        ("delete", "pods", None),
        ("create", "pods", Some("exec")),
        ("get", "pods", Some("exec")),
    ]
}

/// What the run uses if allowed, and does without otherwise: the events that show progress and
/// explain a start failure.
pub fn wants() -> Vec<Need> {
    vec![("list", "events", None), ("watch", "events", None)]
}

fn review(namespace: &str, verb: &str, resource: &str, sub: Option<&str>) -> SelfSubjectAccessReview {
    SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some(namespace.to_string()),
                verb: Some(verb.to_string()),
                resource: Some(resource.to_string()),
                subresource: sub.map(str::to_string),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The error for an answered review that does not allow the access; `None` when allowed.
pub fn denial(
    namespace: &str,
    verb: &str,
    resource: &str,
    sub: Option<&str>,
    answer: SelfSubjectAccessReview,
) -> Option<Error> {
    if answer.status.as_ref().map(|s| s.allowed).unwrap_or(false) {
        return None;
    }
    let res = match sub {
        Some(s) => format!("{resource}/{s}"),
        None => resource.to_string(),
    };
    Some(Error::Forbidden {
        verb: verb.to_string(),
        resource: res,
        scope: format!(" in namespace {namespace}"),
        message: answer
            .status
            .and_then(|s| s.reason)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "not allowed by RBAC".into()),
    })
}

/// Check with SelfSubjectAccessReview that we may do everything exec needs (the reviews are
/// sent together; a fixed set, not one per object). A missing permission of [`wants`] is a
/// warning on stderr.
pub async fn check_rbac(kube: &Kube, namespace: &str) -> Result<()> {
    let api: Api<SelfSubjectAccessReview> = Api::all(kube.client.clone());
    let all: Vec<(Need, bool)> =
        needs().into_iter().map(|n| (n, true)).chain(wants().into_iter().map(|n| (n, false))).collect();
    let pp = PostParams::default();
    let reviews: Vec<SelfSubjectAccessReview> =
        all.iter().map(|((verb, resource, sub), _)| review(namespace, verb, resource, *sub)).collect();
    let answers = futures::future::join_all(
        reviews.iter().map(|r| kube.call(Action::new("create", "selfsubjectaccessreviews", None), api.create(&pp, r))),
    )
    .await;
    for (((verb, resource, sub), required), answer) in all.into_iter().zip(answers) {
        if let Some(e) = denial(namespace, verb, resource, sub, answer?) {
            if required {
                return Err(e);
            }
            crate::stderr_line!("warning: {e}; the pod's events will not be shown or used to explain a failure");
        }
    }
    Ok(())
}

/// Server-side dry-run create: admission (Pod Security) answers without creating anything.
pub async fn check_pod_security(kube: &Kube, namespace: &str, pod: &Pod) -> Result<()> {
    let api: Api<Pod> = Api::namespaced(kube.client.clone(), namespace);
    let pp = PostParams { dry_run: true, ..Default::default() };
    kube.call(Action::new("create", "pods", Some(namespace)), api.create(&pp, pod))
        .await
        .map(|_| ())
        .map_err(|e| admission_error(namespace, e))
}

/// What a refused dry-run create means for exec: Pod Security, a missing namespace, or the
/// error as it is.
pub fn admission_error(namespace: &str, e: Error) -> Error {
    match e {
        Error::Forbidden { message, .. } if message.contains("PodSecurity") => {
            Error::PodSecurity { namespace: namespace.to_string(), message }
        }
        e if e.is_not_found() => Error::Usage(format!(
            "namespace \"{namespace}\" does not exist (pass -n with a namespace whose Pod Security level is privileged)"
        )),
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    fn answer(allowed: bool, reason: Option<&str>) -> SelfSubjectAccessReview {
        serde_json::from_value(serde_json::json!({"spec": {}, "status": {"allowed": allowed, "reason": reason}}))
            .unwrap()
    }

    #[test]
    fn every_run_needs_what_the_watch_and_the_exec_stream_use() {
        let n = needs();
        for need in [
            ("create", "pods", None),
            ("list", "pods", None),
            ("watch", "pods", None),
            ("delete", "pods", None),
            ("create", "pods", Some("exec")),
            ("get", "pods", Some("exec")),
        ] {
            assert!(n.contains(&need), "{need:?} missing from {n:?}");
        }
        assert_eq!(n.len(), 6);
        // Events only improve the messages: wanted, not needed.
        assert!(wants().contains(&("watch", "events", None)));
        assert!(!n.iter().any(|(_, r, _)| *r == "events"));
        let r = review("ops", "create", "pods", Some("exec"));
        let a = r.spec.resource_attributes.unwrap();
        assert_eq!((a.namespace.as_deref(), a.subresource.as_deref()), (Some("ops"), Some("exec")));
    }

    #[test]
    fn a_denied_review_is_forbidden_with_its_reason() {
        assert!(denial("ops", "create", "pods", None, answer(true, None)).is_none());
        let e = denial("ops", "create", "pods", Some("exec"), answer(false, None)).unwrap();
        assert_eq!(e.to_string(), "forbidden: cannot create pods/exec in namespace ops: not allowed by RBAC");
        assert_eq!(e.exit_code(), ExitCode::Cluster);
        let e = denial("ops", "delete", "pods", None, answer(false, Some("no binding"))).unwrap();
        assert_eq!(e.to_string(), "forbidden: cannot delete pods in namespace ops: no binding");
    }

    #[test]
    fn dry_run_refusals_name_pod_security_or_the_namespace() {
        let forbidden = |message: &str| Error::Forbidden {
            verb: "create".into(),
            resource: "pods".into(),
            scope: " in namespace ops".into(),
            message: message.into(),
        };
        let e = admission_error("ops", forbidden("violates PodSecurity \"baseline:latest\": host namespaces"));
        assert!(matches!(e, Error::PodSecurity { .. }));
        assert_eq!(e.exit_code(), ExitCode::Cluster);
        let e = admission_error("ops", forbidden("RBAC says no"));
        assert!(matches!(e, Error::Forbidden { .. }));
        let missing = Error::Api {
            action: "create pods".into(),
            code: 404,
            reason: "NotFound".into(),
            message: "namespaces \"ops\" not found".into(),
        };
        let e = admission_error("ops", missing);
        assert_eq!(e.exit_code(), ExitCode::Usage);
        assert!(e.to_string().starts_with("namespace \"ops\" does not exist"), "{e}");
        let conflict =
            Error::Api { action: "create pods".into(), code: 409, reason: "AlreadyExists".into(), message: "x".into() };
        assert!(matches!(admission_error("ops", conflict), Error::Api { code: 409, .. }));
    }
}
