//! Fuzz target: the LIST page decoder of `doctor` (`kube::collect::decode_page`): a response
//! body (JSON, from the API server: untrusted) → items appended to the list + the continue
//! token. Pods and events go through the lean types (`kube::lean`), nodes and DaemonSets
//! through the k8s-openapi ones. Any panic, timeout or out-of-memory is a bug.
//!
//! Input layout: byte 0 % 4 picks the type, byte 0 / 4 the page size asked for (× 100, 0 =
//! none); the rest is the body. Each input is decoded twice onto the same list, as two pages.
#![no_main]

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kubectl_hostprocess::kube::collect::decode_page;
use kubectl_hostprocess::kube::lean::{LeanEvent, LeanPod};
use libfuzzer_sys::fuzz_target;

fn twice<L, K>(body: &[u8], limit: usize)
where
    L: kube::Resource + serde::de::DeserializeOwned,
    K: From<L>,
{
    let mut out: Vec<K> = Vec::new();
    if decode_page::<L, K>(body, &mut out, limit).is_ok() {
        let _ = decode_page::<L, K>(body, &mut out, limit);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let limit = usize::from(selector / 4) * 100;
    match selector % 4 {
        0 => twice::<LeanPod, Pod>(body, limit),
        1 => twice::<LeanEvent, Event>(body, limit),
        2 => twice::<Node, Node>(body, limit),
        _ => twice::<DaemonSet, DaemonSet>(body, limit),
    }
});
