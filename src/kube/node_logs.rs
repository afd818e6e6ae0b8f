//! The kubelet's NodeLogQuery (KEP-2258) through the API server's node proxy:
//! `GET /api/v1/nodes/NODE/proxy/logs/?query=…&tailLines=…&sinceTime=…&pattern=…`, and what its
//! answer means.
//!
//! What a kubelet answers (kubernetes/kubernetes `pkg/kubelet/server/server.go`
//! `InstallSystemLogHandler`, `pkg/kubelet/kubelet.go` `Run`, `pkg/kubelet/kubelet_server_journal.go`):
//! - `enableSystemLogHandler: false`: 405, `logs endpoint is disabled.` (kwok, which the local
//!   test cluster runs, answers 405 `Debug endpoints are disabled.`);
//! - `enableSystemLogHandler: true` (the default) and `enableSystemLogQuery: false` (the
//!   default): the query is ignored and `/logs/` is Go's file server on `/var/log`, so the answer
//!   is 200 with the HTML listing of that directory (`<!doctype html>` … `<pre>`);
//! - both on: the logs, as text. On Windows a service is read from the event log
//!   (`Get-WinEvent`, provider = the service) or, when it is no event-log provider, from
//!   `C:\var\log\SERVICE`, `SERVICE.log` or `SERVICE\SERVICE.log`; a file log with options
//!   (tail, since, pattern) is refused in the body (`options present and query resolved to log
//!   files …`), a missing one answers `log not found for SERVICE`. Both are 200.

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use kube::api::{Api, PostParams};

use super::{Action, Kube};
use crate::error::{Error, Result};

/// One NodeLogQuery, with the kubelet's parameter names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// A service (event-log provider) or a file path (it has `/` or `\`).
    pub query: String,
    pub tail_lines: Option<u32>,
    /// RFC 3339.
    pub since_time: Option<String>,
    pub pattern: Option<String>,
}

impl LogQuery {
    /// The kubelet takes a query with `/` or `\` as a file.
    pub fn is_file(&self) -> bool {
        is_file(&self.query)
    }

    pub fn has_options(&self) -> bool {
        self.tail_lines.is_some() || self.since_time.is_some() || self.pattern.is_some()
    }
}

/// A query with `/` or `\` is a file (the kubelet's rule).
pub fn is_file(query: &str) -> bool {
    query.contains(['/', '\\'])
}

/// A service name the kubelet accepts: at most 256 of `a-zA-Z0-9-_@` (its `safeServiceName`).
pub fn check_service_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() || name.len() > 256 {
        return Err(format!("service name {name:?} must have 1 to 256 characters"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '@')) {
        return Err(format!("service name {name:?} may only have letters, digits, '-', '_' and '@'"));
    }
    Ok(())
}

/// Percent-encode everything but RFC 3986's unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The request path through the API server's node proxy.
pub fn path(node: &str, q: &LogQuery) -> String {
    let mut p = format!("/api/v1/nodes/{}/proxy/logs/?query={}", encode(node), encode(&q.query));
    if let Some(n) = q.tail_lines {
        p.push_str(&format!("&tailLines={n}"));
    }
    if let Some(t) = &q.since_time {
        p.push_str(&format!("&sinceTime={}", encode(t)));
    }
    if let Some(r) = &q.pattern {
        p.push_str(&format!("&pattern={}", encode(r)));
    }
    p
}

/// What a node's answer means.
#[derive(Debug)]
pub enum Answer {
    /// The logs.
    Logs(String),
    /// The node does not serve this query through NodeLogQuery: why.
    NotServed(String),
    /// The request failed otherwise.
    Failed(Error),
}

/// Read a node's answer (see the module's comment for what a kubelet answers).
pub fn classify(q: &LogQuery, result: Result<String>) -> Answer {
    match result {
        Ok(body) => {
            let t = body.trim_start();
            let head = t.get(..t.len().min(64)).unwrap_or("").to_ascii_lowercase();
            if head.starts_with("<!doctype html") || head.starts_with("<pre>") {
                return Answer::NotServed(
                    "NodeLogQuery not enabled on the node (kubelet enableSystemLogQuery is off: it answered with \
                     its log directory listing)"
                        .into(),
                );
            }
            if t.starts_with("options present and query resolved to log files") {
                return Answer::NotServed(format!(
                    "the kubelet reads {:?} from a log file, and takes no --tail/--since/--pattern with a file",
                    q.query
                ));
            }
            if t.trim_end() == format!("log not found for {}", q.query) {
                return Answer::NotServed(format!(
                    "the kubelet found no event-log provider and no C:\\var\\log file for {:?}",
                    q.query
                ));
            }
            Answer::Logs(body)
        }
        Err(Error::Api { code: 405, message, .. }) => Answer::NotServed(format!(
            "NodeLogQuery not enabled on the node (kubelet enableSystemLogHandler is off: 405 {:?})",
            message.trim()
        )),
        Err(Error::Api { code: 404, .. }) => {
            Answer::NotServed("the node's kubelet has no /logs/ endpoint (404)".into())
        }
        Err(e) => Answer::Failed(e),
    }
}

/// The most of one node's answer kept in memory (the kubelet caps a query at 30 s, not bytes).
pub const MAX_ANSWER_BYTES: usize = 64 << 20;

/// GET the node's logs through the API server (bounded by --request-timeout; the kubelet
/// itself stops a query after 30 s): the answer (lossy UTF-8) and whether it was cut at
/// [`MAX_ANSWER_BYTES`].
pub async fn fetch(kube: &Kube, node: &str, q: &LogQuery) -> Result<(String, bool)> {
    let req = http::Request::get(path(node, q))
        .body(Vec::new())
        .map_err(|e| Error::Request(format!("get nodes/proxy: {e}")))?;
    let read = async {
        let stream = kube.client.request_stream(req).await?;
        super::body::read_body(stream, MAX_ANSWER_BYTES).await.map_err(kube::Error::ReadEvents)
    };
    let (body, cut) = match kube.call(Action::new("get", "nodes/proxy", None), read).await? {
        super::body::Body::Whole(b) => (b, false),
        super::body::Body::Cut(b) => (b, true),
    };
    Ok((String::from_utf8_lossy(&body).into_owned(), cut))
}

/// May the user `get nodes/proxy` (cluster-wide)? `Ok(None)` when allowed, else the reason.
pub async fn may_proxy(kube: &Kube) -> Result<Option<String>> {
    let api: Api<SelfSubjectAccessReview> = Api::all(kube.client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some("get".into()),
                resource: Some("nodes".into()),
                subresource: Some("proxy".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = kube
        .call(Action::new("create", "selfsubjectaccessreviews", None), api.create(&PostParams::default(), &review))
        .await?;
    Ok(denied(&answer))
}

fn denied(answer: &SelfSubjectAccessReview) -> Option<String> {
    let status = answer.status.as_ref();
    if status.is_some_and(|s| s.allowed) {
        return None;
    }
    Some(
        status.and_then(|s| s.reason.clone()).filter(|r| !r.is_empty()).unwrap_or_else(|| "not allowed by RBAC".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(query: &str) -> LogQuery {
        LogQuery { query: query.into(), ..Default::default() }
    }

    #[test]
    fn the_path_has_the_kubelets_parameter_names_encoded() {
        assert_eq!(path("win-1", &q("kubelet")), "/api/v1/nodes/win-1/proxy/logs/?query=kubelet");
        let full = LogQuery {
            query: "C:\\var\\log\\a b.log".into(),
            tail_lines: Some(50),
            since_time: Some("2026-01-02T03:04:05Z".into()),
            pattern: Some("error|fail&x=1".into()),
        };
        assert_eq!(
            path("win-1", &full),
            "/api/v1/nodes/win-1/proxy/logs/?query=C%3A%5Cvar%5Clog%5Ca%20b.log&tailLines=50\
             &sinceTime=2026-01-02T03%3A04%3A05Z&pattern=error%7Cfail%26x%3D1"
        );
        assert!(full.is_file() && full.has_options());
        assert!(!q("kube-proxy").is_file() && !q("kube-proxy").has_options());
        assert!(is_file("/var/log/x") && !is_file("containerd"));
    }

    #[test]
    fn service_names_are_checked_as_the_kubelet_does() {
        assert!(check_service_name("csi-proxy").is_ok());
        assert!(check_service_name("kubelet@1_a").is_ok());
        assert!(check_service_name("a;b").is_err());
        assert!(check_service_name("").is_err());
        assert!(check_service_name(&"a".repeat(257)).is_err());
    }

    fn api(code: u16, message: &str) -> Result<String> {
        Err(Error::Api {
            action: "get nodes/proxy".into(),
            code,
            reason: "Failed to parse error data".into(),
            message: message.into(),
        })
    }

    #[test]
    fn a_disabled_endpoint_is_not_served_and_says_why() {
        // kwok (measured on the local cluster) and a kubelet with enableSystemLogHandler off.
        let Answer::NotServed(why) = classify(&q("kubelet"), api(405, "Debug endpoints are disabled.")) else {
            panic!()
        };
        assert!(why.contains("enableSystemLogHandler is off") && why.contains("Debug endpoints"), "{why}");
        assert!(matches!(classify(&q("kubelet"), api(405, "logs endpoint is disabled.")), Answer::NotServed(_)));
        // The default kubelet: the query is ignored, /var/log is listed (Go's http.FileServer).
        let listing = "<!doctype html>\n<meta name=\"viewport\" content=\"width=device-width\">\n<pre>\n\
                       <a href=\"containers/\">containers/</a>\n</pre>\n";
        let Answer::NotServed(why) = classify(&q("kubelet"), Ok(listing.into())) else { panic!() };
        assert!(why.contains("enableSystemLogQuery is off"), "{why}");
        assert!(matches!(classify(&q("kubelet"), api(404, "404 page not found")), Answer::NotServed(_)));
    }

    #[test]
    fn file_answers_the_kubelet_cannot_serve_are_not_served() {
        let body = "\noptions present and query resolved to log files for [kubelet]\ntry without specifying options\n";
        let Answer::NotServed(why) = classify(&q("kubelet"), Ok(body.into())) else { panic!() };
        assert!(why.contains("no --tail/--since/--pattern"), "{why}");
        let Answer::NotServed(why) = classify(&q("kubelet"), Ok("\nlog not found for kubelet\n".into())) else {
            panic!()
        };
        assert!(why.contains("no event-log provider"), "{why}");
        // Logs that merely mention it are logs.
        let logs = "I1201 kubelet.go:1] log not found for kubelet\nmore\n";
        assert!(matches!(classify(&q("kubelet"), Ok(logs.into())), Answer::Logs(l) if l == logs));
    }

    #[test]
    fn other_failures_keep_their_error() {
        // The API server refusing to proxy to a loopback node address (measured on the local cluster).
        let bad = Err(Error::Api {
            action: "get nodes/proxy".into(),
            code: 400,
            reason: "BadRequest".into(),
            message: "address not allowed".into(),
        });
        assert!(matches!(classify(&q("kubelet"), bad), Answer::Failed(Error::Api { code: 400, .. })));
    }

    #[test]
    fn a_review_without_status_is_denied() {
        let a: SelfSubjectAccessReview =
            serde_json::from_value(serde_json::json!({"spec": {}, "status": {"allowed": true}})).unwrap();
        assert_eq!(denied(&a), None);
        let a: SelfSubjectAccessReview = serde_json::from_value(serde_json::json!({"spec": {}})).unwrap();
        assert_eq!(denied(&a).as_deref(), Some("not allowed by RBAC"));
    }
}
