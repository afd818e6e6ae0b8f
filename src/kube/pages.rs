//! Pipelined LIST pagination: page N is decoded on a blocking thread while page N+1 is in flight.
//!
//! The API server writes a list's `metadata` (with the continue token) before its `items`, so the
//! token is read from the head of a body without decoding the items ([`head_continue`]); the next
//! request leaves at once and decoding overlaps with it. The token the full decode finds must be
//! the one read from the head, or the page is refused. A body whose head has no `metadata` (not
//! what an API server sends, but the body is untrusted) is decoded first, then the next page asked
//! for: slower, same result.

use std::collections::VecDeque;
use std::future::Future;

use kube::api::ListParams;

use super::body::{Body, read_body};
use super::{Action, Kube};
use crate::error::{Error, Result};

/// Largest LIST page body read (a page of 1,000 pods is about 5 MB): a server that sends more
/// (or never stops) ends the request with an error instead of exhausting memory.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024 * 1024;

/// What the head of a LIST body says about the next page.
#[derive(Debug, PartialEq, Eq)]
pub enum Head {
    /// The list's metadata came first: the continue token (`None` on the last page).
    Next(Option<String>),
    /// No metadata before the items (or the head is not a JSON object): decode to know.
    Unknown,
}

/// The continue token at the head of a LIST body, without decoding its items.
pub fn head_continue(body: &[u8]) -> Head {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    // The visitor stops at the first key after `metadata` (or at `items`), with an error that
    // only means "stopped": what it found is in `found`.
    let _ = serde::Deserializer::deserialize_map(&mut de, head::HeadVisitor { found: &mut found });
    match found {
        Some(meta) => Head::Next(meta.continue_.filter(|c| !c.is_empty())),
        None => Head::Unknown,
    }
}

mod head {
    use std::fmt;

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
    use serde::de::{Error as _, IgnoredAny, MapAccess, Visitor};

    pub struct HeadVisitor<'a> {
        pub found: &'a mut Option<ListMeta>,
    }

    impl<'de> Visitor<'de> for HeadVisitor<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a Kubernetes LIST response")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "kind" | "apiVersion" => {
                        map.next_value::<IgnoredAny>()?;
                    }
                    "metadata" => {
                        *self.found = Some(map.next_value()?);
                        return Err(A::Error::custom("stop"));
                    }
                    _ => return Err(A::Error::custom("stop")),
                }
            }
            Ok(())
        }
    }
}

/// GET one LIST page, its body read whole (at most [`MAX_PAGE_BYTES`]).
async fn fetch(kube: &Kube, url: &str, lp: &ListParams, action: &Action<'_>) -> Result<Vec<u8>> {
    let get = async {
        let mut req = kube::core::Request::new(url).list(lp).map_err(kube::Error::BuildRequest)?;
        req.extensions_mut().insert("list");
        let stream = kube.client.request_stream(req).await?;
        match read_body(stream, MAX_PAGE_BYTES).await.map_err(kube::Error::ReadEvents)? {
            Body::Whole(b) => Ok(b),
            Body::Cut(_) => Err(kube::Error::ReadEvents(std::io::Error::other(format!(
                "the LIST page is larger than {} MiB (use a smaller --chunk-size)",
                MAX_PAGE_BYTES >> 20
            )))),
        }
    };
    kube.call(action.clone(), get).await
}

/// Page bodies fetched ahead of the step while `init` runs: no more than this many bodies are
/// held at once (a page of 1,000 pods is about 5 MB of JSON).
pub const AHEAD: usize = 2;

/// LIST every page of `url`, in order. Each body goes to `step` with the state on a blocking
/// thread while the next page is fetched. `init` gives the state; while it runs, the first
/// [`AHEAD`] pages are fetched (doctor's pod pages wait for the small kinds there).
/// `step` gives the continue token the body holds.
pub async fn pipelined<S, F>(
    kube: &Kube,
    url: &str,
    lp: ListParams,
    action: Action<'_>,
    init: impl Future<Output = Result<S>>,
    step: F,
) -> Result<S>
where
    S: Send + 'static,
    F: Fn(&mut S, &[u8]) -> serde_json::Result<Option<String>> + Send + Copy + 'static,
{
    let (mut ahead, mut state) = fetch_ahead(kube, url, &lp, &action, init).await?;
    while let Some(body) = ahead.pop_front() {
        let head = head_continue(&body);
        // The next page is asked for now unless it was fetched ahead.
        let next_lp = match &head {
            Head::Next(Some(token)) if ahead.is_empty() => Some(lp.clone().continue_token(token)),
            _ => None,
        };
        let run = run_step(state, body, step, &action, &kube.server);
        let (stepped, fetched) = tokio::join!(run, async {
            match &next_lp {
                Some(p) => fetch(kube, url, p, &action).await.map(Some),
                None => Ok(None),
            }
        });
        let (s, token) = stepped?;
        state = s;
        match (head, token, fetched?) {
            (Head::Next(peeked), token, _) if peeked != token => {
                return Err(bad_page(&kube.server, &action, "its continue token differs from its metadata's"));
            }
            (Head::Next(_), _, Some(next)) => ahead.push_back(next),
            (Head::Next(_), _, None) => {}
            // The head did not say: ask for the next page now that the decode did.
            (Head::Unknown, Some(token), _) => {
                ahead.push_back(fetch(kube, url, &lp.clone().continue_token(&token), &action).await?)
            }
            (Head::Unknown, None, _) => {}
        }
    }
    Ok(state)
}

/// The first pages, fetched one after the other while `init` runs: at least the first, at most
/// [`AHEAD`], and none after a page whose head does not give the next one. The request in flight
/// when `init` ends is awaited, not dropped.
async fn fetch_ahead<S>(
    kube: &Kube,
    url: &str,
    lp: &ListParams,
    action: &Action<'_>,
    init: impl Future<Output = Result<S>>,
) -> Result<(VecDeque<Vec<u8>>, S)> {
    let mut init = std::pin::pin!(init);
    let mut ahead = VecDeque::new();
    let mut next = Some(lp.clone());
    loop {
        let Some(p) = next.take().filter(|_| ahead.len() < AHEAD) else {
            let state = init.await?;
            return Ok((ahead, state));
        };
        let mut get = std::pin::pin!(fetch(kube, url, &p, action));
        let mut state = None;
        let body = tokio::select! {
            s = &mut init => {
                state = Some(s?);
                get.await?
            }
            b = &mut get => b?,
        };
        if let Head::Next(Some(token)) = head_continue(&body) {
            next = Some(lp.clone().continue_token(&token));
        }
        ahead.push_back(body);
        if let Some(state) = state {
            return Ok((ahead, state));
        }
    }
}

/// Run one step on a blocking thread, the state moved there and back.
async fn run_step<S, F>(
    mut state: S,
    body: Vec<u8>,
    step: F,
    action: &Action<'_>,
    server: &str,
) -> Result<(S, Option<String>)>
where
    S: Send + 'static,
    F: Fn(&mut S, &[u8]) -> serde_json::Result<Option<String>> + Send + 'static,
{
    let joined = tokio::task::spawn_blocking(move || {
        let token = step(&mut state, &body);
        // The body is freed here, on the blocking thread, not on the runtime.
        drop(body);
        token.map(|t| (state, t))
    })
    .await;
    match joined {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(e)) => Err(super::map_err(server, action, kube::Error::SerdeError(e))),
        // A panic in the step is a panic of doctor's, as if it had run here.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

fn bad_page(server: &str, action: &Action<'_>, why: &str) -> Error {
    super::map_err(server, action, kube::Error::ReadEvents(std::io::Error::other(format!("a LIST page: {why}"))))
}

#[cfg(test)]
mod tests {
    use super::{Head, head_continue};

    #[test]
    fn the_token_is_read_from_the_head_without_the_items() {
        let body =
            br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"tok"},"items":[{"#;
        // The items are cut short: only the head is read.
        assert_eq!(head_continue(body), Head::Next(Some("tok".into())));
        let last = br#"{"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[]}"#;
        assert_eq!(head_continue(last), Head::Next(None));
        let empty_token = br#"{"metadata":{"continue":""},"items":[]}"#;
        assert_eq!(head_continue(empty_token), Head::Next(None));
    }

    #[test]
    fn a_head_without_metadata_first_is_unknown() {
        assert_eq!(head_continue(br#"{"items":[],"metadata":{"continue":"x"}}"#), Head::Unknown);
        assert_eq!(head_continue(b"not json"), Head::Unknown);
        assert_eq!(head_continue(br#"{"metadata":{"continue":5}}"#), Head::Unknown);
        assert_eq!(head_continue(b""), Head::Unknown);
    }
}
