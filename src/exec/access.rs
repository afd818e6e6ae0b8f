//! Before any pod exists: may we do what exec needs (SelfSubjectAccessReview), and does the
//! namespace's Pod Security admit the pod (server-side dry-run create)?

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};

use crate::error::{Error, Result};
use crate::kube::{Action, Kube};

/// What exec does with pods: (verb, resource, subresource).
pub fn needs(interactive: bool) -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    let mut needs = vec![
        ("create", "pods", None),
        ("delete", "pods", None),
        ("watch", "pods", None),
        ("create", "pods", Some("exec")),
    ];
    if interactive {
        needs.push(("get", "pods", Some("exec")));
    }
    needs
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

/// Check with SelfSubjectAccessReview that we may do everything exec needs.
pub async fn check_rbac(kube: &Kube, namespace: &str, interactive: bool) -> Result<()> {
    let api: Api<SelfSubjectAccessReview> = Api::all(kube.client.clone());
    for (verb, resource, sub) in needs(interactive) {
        let r = kube
            .call(
                Action::new("create", "selfsubjectaccessreviews", None),
                api.create(&PostParams::default(), &review(namespace, verb, resource, sub)),
            )
            .await?;
        if let Some(e) = denial(namespace, verb, resource, sub, r) {
            return Err(e);
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
    fn interactive_sessions_also_need_get_on_exec() {
        assert_eq!(needs(false).len(), 4);
        assert!(needs(false).contains(&("create", "pods", Some("exec"))));
        assert_eq!(needs(true).last(), Some(&("get", "pods", Some("exec"))));
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
