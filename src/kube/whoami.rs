//! Who the API server says the current user is: one `SelfSubjectReview`
//! (authentication.k8s.io/v1, `POST selfsubjectreviews`, Kubernetes 1.28+) per run.

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};

use super::{Action, Kube};
use crate::error::{Error, Result};

/// What the server said about the current user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The user name, as the server authenticated it (impersonation included).
    User(String),
    /// The server does not serve `SelfSubjectReview` (older than 1.28, or the API is disabled),
    /// or it returned no name: the reason, to say so.
    Unknown(String),
}

impl Identity {
    pub fn name(&self) -> Option<&str> {
        match self {
            Identity::User(n) => Some(n),
            Identity::Unknown(_) => None,
        }
    }
}

/// One `POST selfsubjectreviews`. A server that does not serve the API (404, or the resource
/// unknown) gives [`Identity::Unknown`]; other failures (unreachable, 401) are errors.
pub async fn whoami(kube: &Kube) -> Result<Identity> {
    let api: Api<SelfSubjectReview> = Api::all(kube.client.clone());
    let action = Action::new("create", "selfsubjectreviews.authentication.k8s.io", None);
    match kube.call(action, api.create(&PostParams::default(), &SelfSubjectReview::default())).await {
        Ok(review) => Ok(identity_of(&review)),
        Err(e) if e.is_not_found() => Ok(Identity::Unknown(
            "the API server does not serve SelfSubjectReview (authentication.k8s.io/v1, Kubernetes 1.28+)".into(),
        )),
        // A server that forbids a user to ask who they are is unusual, but not a reason to stop.
        Err(e @ Error::Forbidden { .. }) => Ok(Identity::Unknown(e.to_string())),
        Err(e) => Err(e),
    }
}

/// The user name in a review's status.
pub fn identity_of(review: &SelfSubjectReview) -> Identity {
    match review.status.as_ref().and_then(|s| s.user_info.as_ref()).and_then(|u| u.username.clone()) {
        Some(name) if !name.is_empty() => Identity::User(name),
        _ => Identity::Unknown("the SelfSubjectReview answer has no user name".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_name_comes_from_the_review_status() {
        let review: SelfSubjectReview = serde_json::from_value(serde_json::json!({
            "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
            "status": {"userInfo": {"username": "system:serviceaccount:ops:bob", "groups": ["system:authenticated"]}}
        }))
        .unwrap();
        assert_eq!(identity_of(&review), Identity::User("system:serviceaccount:ops:bob".into()));
        assert_eq!(identity_of(&review).name(), Some("system:serviceaccount:ops:bob"));
        let empty: SelfSubjectReview = serde_json::from_value(serde_json::json!({"status": {"userInfo": {}}})).unwrap();
        assert!(matches!(identity_of(&empty), Identity::Unknown(_)));
        assert_eq!(identity_of(&empty).name(), None);
    }
}
