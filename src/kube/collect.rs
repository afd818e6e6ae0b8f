//! One paginated LIST per kind. Never a request per pod or per node.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::serde::de::DeserializeOwned;
use kube::Resource;
use kube::api::{Api, ListParams};

use super::lean::{LAST_APPLIED, LeanEvent, LeanPod};
use super::{Action, Kube};
use crate::error::Result;

/// Items per page by default (`--chunk-size`): one request per kind up to this many objects,
/// and a bound on what one response holds (a page of 1,000 pods is about 5 MB of JSON; up to
/// [`super::pages::AHEAD`] + 1 bodies are held at once). At 5,000 the bodies were most of
/// doctor's peak memory (86 of 123 MB of heap at 20,000 pods) and decoding the last page, which
/// no fetch overlaps, took 0.8 s. kubectl's default is 500.
pub const PAGE: u32 = 1000;

fn list_params(kube: &Kube) -> ListParams {
    match kube.chunk_size {
        0 => ListParams::default(),
        n => ListParams::default().limit(n),
    }
}

/// LIST every object of a kind (all pages), optionally in one namespace, with a selector.
pub async fn list_all<K>(kube: &Kube, namespace: Option<&str>, selector: Option<&str>, resource: &str) -> Result<Vec<K>>
where
    K: Resource<DynamicType = ()> + DeserializeOwned + Send + 'static,
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
{
    list_as::<K, K>(kube, namespace, selector, None, resource).await
}

/// LIST pods (all pages), decoded lean: see [`super::lean`].
pub async fn list_pods(kube: &Kube, namespace: Option<&str>, selector: Option<&str>) -> Result<Vec<Pod>> {
    list_as::<LeanPod, Pod>(kube, namespace, selector, None, "pods").await
}

/// Pods decoded at once when a list is not kept: a decoded pod takes about 20 KB (ten times its
/// JSON), so a page of 5,000 would be 100 MB; 500 are 10 MB.
pub const POD_BATCH: usize = 500;

/// LIST pods page by page, decoded lean: each batch of [`POD_BATCH`] pods goes to `on_page` with
/// the state `init` gives (awaited alongside the first request), on a blocking thread while the
/// next page is fetched. No more than two page bodies and one batch are held at once.
pub async fn list_pods_by_page<S: Send + 'static>(
    kube: &Kube,
    namespace: Option<&str>,
    selector: Option<&str>,
    init: impl std::future::Future<Output = Result<S>>,
    on_page: fn(&mut S, Vec<Pod>),
) -> Result<S> {
    let mut lp = list_params(kube);
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    let step = move |state: &mut S, body: &[u8]| {
        decode_in_batches::<LeanPod, Pod>(body, POD_BATCH, &mut |pods| on_page(state, pods))
    };
    let url = LeanPod::url_path(&(), namespace);
    super::pages::pipelined(kube, &url, lp, Action::new("list", "pods", namespace), init, step).await
}

/// LIST Warning events (all pages), decoded lean, each kept as `K`: the whole `Event` (a
/// support bundle) or what the checks read (`EventRecord`). Every event a check reads is a
/// Warning.
pub async fn list_warning_events<K: From<LeanEvent> + Send + 'static>(
    kube: &Kube,
    namespace: Option<&str>,
) -> Result<Vec<K>> {
    list_as::<LeanEvent, K>(kube, namespace, None, Some("type=Warning"), "events").await
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
    L: Resource<DynamicType = ()> + DeserializeOwned + 'static,
    L: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K: From<L> + Send + 'static,
{
    let mut lp = list_params(kube);
    if let Some(f) = fields {
        lp = lp.fields(f);
    }
    paginate::<L, K>(kube, L::url_path(&(), namespace), selector, lp, Action::new("list", resource, namespace)).await
}

/// LIST every object of a cluster-scoped kind (all pages).
pub async fn list_cluster<K>(kube: &Kube, selector: Option<&str>, resource: &str) -> Result<Vec<K>>
where
    K: Resource<DynamicType = ()> + DeserializeOwned + Send + 'static,
    K: Resource<Scope = k8s_openapi::ClusterResourceScope>,
{
    paginate::<K, K>(kube, K::url_path(&(), None), selector, list_params(kube), Action::new("list", resource, None))
        .await
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
    url: String,
    selector: Option<&str>,
    mut lp: ListParams,
    action: Action<'_>,
) -> Result<Vec<K>>
where
    L: Resource + DeserializeOwned + 'static,
    K: From<L> + Send + 'static,
{
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    let limit = lp.limit.unwrap_or(0) as usize;
    let step = move |out: &mut Vec<K>, body: &[u8]| decode_page::<L, K>(body, out, limit);
    let mut items = super::pages::pipelined(kube, &url, lp, action, async { Ok(Vec::new()) }, step).await?;
    // A list kept for the whole run holds no spare room: grown by doubling, 2,006 nodes took
    // room for 4,096.
    items.shrink_to_fit();
    Ok(items)
}

/// Items reserved at most from a page's `remainingItemCount`: the server's count sizes the list
/// only up to this many (4 default pages); a longer list grows as it is read.
pub const MAX_RESERVE_ITEMS: usize = 4 * PAGE as usize;

/// Decode one LIST page body (JSON): its items (as `L`, kept as `K` after [`slim`]) are
/// appended to `out`; gives the continue token, if more pages follow. `limit` is the page size
/// asked for (0: none). Everything in the body is untrusted: a bad body is an error, never a
/// panic or an allocation the body does not pay for.
pub fn decode_page<L, K>(body: &[u8], out: &mut Vec<K>, limit: usize) -> serde_json::Result<Option<String>>
where
    L: Resource + DeserializeOwned,
    K: From<L>,
{
    let mut de = serde_json::Deserializer::from_slice(body);
    let next = serde::de::DeserializeSeed::deserialize(page::Page::<L, K>::new(out, limit), &mut de)?;
    de.end()?;
    Ok(next.filter(|c| !c.is_empty()))
}

/// [`decode_page`] for a list that is not kept: the items go to `each` in batches of at most
/// `batch` (so that a page of thousands of pods is never held decoded at once).
pub fn decode_in_batches<L, K>(
    body: &[u8],
    batch: usize,
    each: &mut dyn FnMut(Vec<K>),
) -> serde_json::Result<Option<String>>
where
    L: Resource + DeserializeOwned,
    K: From<L>,
{
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let page = page::Page::<L, K>::new(&mut out, 0).in_batches(batch.max(1), each);
    let next = serde::de::DeserializeSeed::deserialize(page, &mut de)?;
    de.end()?;
    if !out.is_empty() {
        each(out);
    }
    Ok(next.filter(|c| !c.is_empty()))
}

/// Serde seeds for a LIST body: `metadata` (continue token, remaining count), `items` pushed
/// one by one, after [`slim`], onto the caller's list.
mod page {
    use std::fmt;
    use std::marker::PhantomData;

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
    use kube::Resource;
    use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    /// Items to reserve for a list of `rest` more items after a first page of `limit`.
    pub fn reserve_for(rest: usize, limit: usize) -> usize {
        rest.saturating_add(limit).min(super::MAX_RESERVE_ITEMS)
    }

    pub struct Page<'a, L, K> {
        out: &'a mut Vec<K>,
        /// The page size asked for.
        limit: usize,
        /// Hand the items over every so many (the list is not kept; never sized ahead).
        batches: Option<Batches<'a, K>>,
        wire: PhantomData<L>,
    }

    type Batches<'a, K> = (usize, &'a mut dyn FnMut(Vec<K>));

    impl<'a, L, K> Page<'a, L, K> {
        pub fn new(out: &'a mut Vec<K>, limit: usize) -> Self {
            Page { out, limit, batches: None, wire: PhantomData }
        }

        pub fn in_batches(self, size: usize, each: &'a mut dyn FnMut(Vec<K>)) -> Self {
            Page { batches: Some((size, each)), ..self }
        }
    }

    impl<'de, L: Resource + DeserializeOwned, K: From<L>> DeserializeSeed<'de> for Page<'_, L, K> {
        type Value = Option<String>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de, L: Resource + DeserializeOwned, K: From<L>> Visitor<'de> for Page<'_, L, K> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a Kubernetes LIST response")
        }
        fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Option<String>, A::Error> {
            let mut next = None;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "metadata" => {
                        let meta: ListMeta = map.next_value()?;
                        // The API server writes metadata first. On a first page that is not
                        // the last, the remaining count (given when there is no selector) sizes
                        // the whole list once: this page is full, the rest follows. The count
                        // is the server's word: it sizes at most MAX_RESERVE_ITEMS.
                        if self.out.is_empty()
                            && self.batches.is_none()
                            && let Some(rest) = meta.remaining_item_count.and_then(|n| usize::try_from(n).ok())
                        {
                            self.out.reserve_exact(reserve_for(rest, self.limit));
                        }
                        next = meta.continue_;
                    }
                    "items" => map.next_value_seed(Items::<L, K> {
                        out: self.out,
                        batches: self.batches.as_mut().map(|(n, f)| (*n, &mut **f as &mut dyn FnMut(Vec<K>))),
                        wire: PhantomData,
                    })?,
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(next)
        }
    }

    struct Items<'a, L, K> {
        out: &'a mut Vec<K>,
        batches: Option<Batches<'a, K>>,
        wire: PhantomData<L>,
    }

    impl<'de, L: Resource + DeserializeOwned, K: From<L>> DeserializeSeed<'de> for Items<'_, L, K> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_option(self)
        }
    }

    impl<'de, L: Resource + DeserializeOwned, K: From<L>> Visitor<'de> for Items<'_, L, K> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of objects or null")
        }
        fn visit_none<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            while let Some(item) = seq.next_element::<L>()? {
                self.out.push(K::from(super::slim(item)));
                if let Some((size, each)) = self.batches.as_mut()
                    && self.out.len() >= *size
                {
                    each(std::mem::take(self.out));
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::page::Page;
    use crate::kube::lean::LeanPod;
    use k8s_openapi::api::core::v1::Pod;
    use serde::de::DeserializeSeed;

    fn decode(body: &str, out: &mut Vec<Pod>, limit: usize) -> Option<String> {
        let mut de = serde_json::Deserializer::from_str(body);
        let next = Page::<LeanPod, Pod>::new(out, limit).deserialize(&mut de).unwrap();
        de.end().unwrap();
        next
    }

    const FIRST: &str = r#"{"kind": "PodList", "apiVersion": "v1",
      "metadata": {"resourceVersion": "9", "continue": "tok", "remainingItemCount": 3},
      "items": [
        {"metadata": {"name": "a", "namespace": "n", "managedFields": [{"manager": "m"}]}, "spec": {"containers": []}},
        {"metadata": {"name": "b", "namespace": "n"}}
      ]}"#;

    #[test]
    fn a_page_not_kept_is_handed_over_in_batches_and_never_sized_ahead() {
        let body = r#"{"metadata": {"continue": "t", "remainingItemCount": 100000},
          "items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}, {"metadata": {"name": "c"}},
                    {"metadata": {"name": "d"}}, {"metadata": {"name": "e"}}]}"#;
        let mut batches: Vec<(Vec<String>, usize)> = Vec::new();
        let next = super::decode_in_batches::<LeanPod, Pod>(body.as_bytes(), 2, &mut |pods| {
            batches.push((pods.iter().map(|p| p.metadata.name.clone().unwrap()).collect(), pods.capacity()))
        })
        .unwrap();
        assert_eq!(next.as_deref(), Some("t"));
        let names: Vec<Vec<String>> = batches.iter().map(|b| b.0.clone()).collect();
        assert_eq!(names, [vec!["a", "b"], vec!["c", "d"], vec!["e"]]);
        assert!(batches.iter().all(|b| b.1 <= 4), "the remaining count sized a batch: {batches:?}");
    }

    #[test]
    fn a_first_page_appends_its_items_sizes_the_list_and_gives_the_continue_token() {
        let mut out = Vec::new();
        assert_eq!(decode(FIRST, &mut out, 2).as_deref(), Some("tok"));
        let names: Vec<_> = out.iter().map(|p| p.metadata.name.clone().unwrap()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(out[0].metadata.managed_fields.is_none());
        assert!(out.capacity() >= 5, "3 remaining + a page of 2: {}", out.capacity());
        // The last page: no token, items appended after the first ones.
        let last = r#"{"metadata": {"resourceVersion": "9"}, "items": [{"metadata": {"name": "c"}}]}"#;
        assert_eq!(decode(last, &mut out, 2), None);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn null_or_missing_items_and_items_before_metadata_decode() {
        let mut out = Vec::new();
        assert_eq!(decode(r#"{"items": null, "metadata": {}}"#, &mut out, 10), None);
        assert_eq!(decode(r#"{"metadata": {}}"#, &mut out, 10), None);
        assert!(out.is_empty());
        let body = r#"{"items": [{"metadata": {"name": "x"}}], "metadata": {"continue": "t2"}}"#;
        assert_eq!(decode(body, &mut out, 10).as_deref(), Some("t2"));
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn a_huge_remaining_item_count_reserves_at_most_the_cap() {
        for rest in [i64::MAX, 1 << 62, 1 << 40, 10_000_000] {
            let body = format!(
                r#"{{"metadata": {{"continue": "t", "remainingItemCount": {rest}}}, "items": [{{"metadata": {{"name": "a"}}}}]}}"#
            );
            for limit in [0, 500, usize::MAX] {
                let mut out: Vec<Pod> = Vec::new();
                assert_eq!(decode(&body, &mut out, limit).as_deref(), Some("t"));
                assert_eq!(out.len(), 1);
                assert!(out.capacity() <= super::MAX_RESERVE_ITEMS, "{rest}/{limit}: {}", out.capacity());
            }
        }
        // A negative count reserves nothing extra.
        let mut out: Vec<Pod> = Vec::new();
        decode(r#"{"metadata": {"remainingItemCount": -5}, "items": []}"#, &mut out, 10);
        assert!(out.capacity() <= 10);
    }

    #[test]
    fn decode_page_checks_the_whole_body() {
        let mut out: Vec<Pod> = Vec::new();
        let next = super::decode_page::<LeanPod, Pod>(br#"{"metadata": {"continue": ""}, "items": []}"#, &mut out, 0);
        assert_eq!(next.unwrap(), None, "an empty token is the last page");
        assert!(super::decode_page::<LeanPod, Pod>(br#"{"items": []} x"#, &mut out, 0).is_err());
        assert!(super::decode_page::<LeanPod, Pod>(b"\xff", &mut out, 0).is_err());
    }

    #[test]
    fn a_body_that_is_not_a_list_is_an_error() {
        let mut out: Vec<Pod> = Vec::new();
        let mut de = serde_json::Deserializer::from_str(r#"[1, 2]"#);
        assert!(Page::<LeanPod, Pod>::new(&mut out, 1).deserialize(&mut de).is_err());
    }
}
