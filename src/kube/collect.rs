//! One paginated LIST per kind. Never a request per pod or per node.

use k8s_openapi::serde::de::DeserializeOwned;
use kube::Resource;
use kube::api::{Api, ListParams};

use k8s_openapi::api::core::v1::{Event, Pod};

use super::lean::{LAST_APPLIED, LeanEvent, LeanPod};
use super::{Action, Kube};
use crate::error::Result;

/// Items per page. Large pages keep the request count flat (one request per kind up to this
/// many objects) while bounding what one response holds.
pub const PAGE: u32 = 5000;

/// LIST every object of a kind (all pages), optionally in one namespace, with a selector.
pub async fn list_all<K>(kube: &Kube, namespace: Option<&str>, selector: Option<&str>, resource: &str) -> Result<Vec<K>>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
{
    list_as::<K, K>(kube, namespace, selector, None, resource).await
}

/// LIST pods (all pages), decoded lean: see [`super::lean`].
pub async fn list_pods(kube: &Kube, namespace: Option<&str>, selector: Option<&str>) -> Result<Vec<Pod>> {
    list_as::<LeanPod, Pod>(kube, namespace, selector, None, "pods").await
}

/// LIST Warning events (all pages), decoded lean. Every event a check reads is a Warning.
pub async fn list_warning_events(kube: &Kube, namespace: Option<&str>) -> Result<Vec<Event>> {
    list_as::<LeanEvent, Event>(kube, namespace, None, Some("type=Warning"), "events").await
}

/// LIST as `L` (the wire type), keep as `K`.
async fn list_as<L, K>(
    kube: &Kube,
    namespace: Option<&str>,
    selector: Option<&str>,
    fields: Option<&str>,
    resource: &str,
) -> Result<Vec<K>>
where
    L: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
    L: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K: From<L>,
{
    let api: Api<L> = match namespace {
        Some(ns) => Api::namespaced(kube.client.clone(), ns),
        None => Api::all(kube.client.clone()),
    };
    let mut lp = ListParams::default().limit(PAGE);
    if let Some(f) = fields {
        lp = lp.fields(f);
    }
    paginate(kube, api, selector, lp, Action::new("list", resource, namespace)).await
}

/// LIST every object of a cluster-scoped kind (all pages).
pub async fn list_cluster<K>(kube: &Kube, selector: Option<&str>, resource: &str) -> Result<Vec<K>>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
    K: Resource<Scope = k8s_openapi::ClusterResourceScope>,
{
    let api: Api<K> = Api::all(kube.client.clone());
    paginate(kube, api, selector, ListParams::default().limit(PAGE), Action::new("list", resource, None)).await
}

/// GET one cluster-scoped object by name; `None` when there is none.
pub async fn get_cluster<K>(kube: &Kube, name: &str, resource: &str) -> Result<Option<K>>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
    K: Resource<Scope = k8s_openapi::ClusterResourceScope>,
{
    let api: Api<K> = Api::all(kube.client.clone());
    Ok(kube.call(Action::new("get", resource, None), api.get_opt(name)).await?.map(slim))
}

/// Drop what no check reads and what makes objects large: managedFields and kubectl's
/// last-applied-configuration copy of the whole object.
fn slim<K: Resource>(mut k: K) -> K {
    let meta = k.meta_mut();
    meta.managed_fields = None;
    if let Some(a) = meta.annotations.as_mut() {
        a.remove(LAST_APPLIED);
    }
    k
}

async fn paginate<L, K>(
    kube: &Kube,
    api: Api<L>,
    selector: Option<&str>,
    mut lp: ListParams,
    action: Action<'_>,
) -> Result<Vec<K>>
where
    L: Resource + Clone + DeserializeOwned + std::fmt::Debug,
    K: From<L>,
{
    let mut out = Vec::new();
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    loop {
        let page = kube.call(action.clone(), api.list(&lp)).await?;
        let next = page.metadata.continue_.clone().filter(|c| !c.is_empty());
        out.extend(page.items.into_iter().map(slim).map(K::from));
        match next {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    Ok(out)
}
