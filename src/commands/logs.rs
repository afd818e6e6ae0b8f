//! `logs`: node service logs of Windows nodes, through the kubelet's NodeLogQuery
//! (`kube/node_logs.rs`) where the user may `get nodes/proxy` and the node serves it, otherwise
//! through a throwaway HostProcess pod running `exec/node_logs.ps1` (`exec::session` +
//! `exec::fanout`). Each node's path, and why, is said on stderr.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Node;

use crate::cli::{GlobalArgs, LogsArgs, LogsVia};
use crate::error::{Error, ExitCode, Result};
use crate::exec::fanout::fan_out;
use crate::exec::lifecycle::Lifecycle;
use crate::exec::node::run_on_node;
use crate::exec::plan::{CONFIRM_ABOVE, Request, named_windows_node, random_suffix, rfc3339};
use crate::exec::session::{self, interruptible};
use crate::exec::signals::Signals;
use crate::exec::sink::{Sink, pump};
use crate::exec::spec::powershell;
use crate::kube::node_logs::{Answer, LogQuery, MAX_ANSWER_BYTES, check_service_name, classify, fetch, may_proxy};
use crate::kube::{self, Kube};
use crate::nodes::node_report;
use crate::output::escape::terminal_safe_line;
use crate::snapshot::{node_name, node_os};

/// The script the throwaway pod runs; `__ARGS__` becomes its arguments (see [`script_for`]).
const SCRIPT: &str = include_str!("../exec/node_logs.ps1");

/// A chosen node, and whether a throwaway pod can run there (else why not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub pod_ok: std::result::Result<(), String>,
}

/// Choose the nodes: named ones must exist and be Windows (NodeLogQuery needs no HostProcess pod,
/// so a cordoned or NotReady node is still read through it); `-l`/`--all-nodes` take every
/// Windows node that matches.
pub fn choose(nodes: &[Node], req: &Request, version: Option<&str>) -> Result<Vec<Target>> {
    let target = |n: &Node| {
        let r = node_report(n, version);
        let why: Vec<String> = r.reasons.iter().map(|x| x.message.clone()).collect();
        Target { name: r.name, pod_ok: if r.host_process_ready { Ok(()) } else { Err(why.join("; ")) } }
    };
    check_selection(req)?;
    if req.by_selection() {
        let out: Vec<Target> = nodes.iter().filter(|n| node_os(n) == "windows").map(target).collect();
        if out.is_empty() {
            return Err(Error::Usage("no Windows node matches".into()));
        }
        return Ok(out);
    }
    let mut out: Vec<Target> = Vec::new();
    for name in &req.nodes {
        let node = named_windows_node(nodes, name)?;
        if !out.iter().any(|t| &t.name == name) {
            out.push(target(node));
        }
    }
    Ok(out)
}

/// Node names, or `--all-nodes` / `-l`: one of the two.
fn check_selection(req: &Request) -> Result<()> {
    match (req.by_selection(), req.nodes.is_empty()) {
        (true, false) => Err(Error::Usage("give node names, or --all-nodes / -l, not both".into())),
        (false, true) => Err(Error::Usage("name a Windows node, or use --all-nodes or -l SELECTOR".into())),
        _ => Ok(()),
    }
}

/// Why every node goes through a pod before any request, if it does: `--via pod`, or a file
/// query with options (NodeLogQuery refuses those). `--via api` with the latter is an error.
pub fn pod_before_asking(via: LogsVia, q: &LogQuery) -> Result<Option<String>> {
    match via {
        LogsVia::Pod => Ok(Some("--via pod".into())),
        _ if q.is_file() && q.has_options() => {
            let why = "NodeLogQuery takes no --tail/--since/--pattern with a file query";
            if via == LogsVia::Api { Err(Error::Usage(format!("{why}; use --via pod"))) } else { Ok(Some(why.into())) }
        }
        _ => Ok(None),
    }
}

/// Why every node goes through a pod once the user's `get nodes/proxy` is known (`denied`: the
/// review's reason). `--via api` without it is an error.
pub fn pod_when_denied(via: LogsVia, denied: Option<&str>) -> Result<Option<String>> {
    match denied {
        None => Ok(None),
        Some(r) if via == LogsVia::Api => Err(Error::Forbidden {
            verb: "get".into(),
            resource: "nodes/proxy".into(),
            scope: String::new(),
            message: r.to_string(),
        }),
        Some(r) => Ok(Some(format!("you may not get nodes/proxy, which NodeLogQuery needs ({r})"))),
    }
}

/// The query the flags describe, at `now`; `since` as Unix seconds for the script.
pub fn query_of(args: &LogsArgs, now: SystemTime) -> Result<(LogQuery, Option<u64>)> {
    let query = args.query.trim().to_string();
    if !crate::kube::node_logs::is_file(&query) {
        check_service_name(&query).map_err(|e| Error::Usage(format!("--query: {e} (or give a file path)")))?;
    }
    let since = args
        .since
        .map(|d| now.checked_sub(d).unwrap_or(UNIX_EPOCH).duration_since(UNIX_EPOCH).unwrap_or_default().as_secs());
    let q = LogQuery {
        query,
        tail_lines: args.tail,
        since_time: since.map(|s| rfc3339(UNIX_EPOCH + Duration::from_secs(s))),
        pattern: args.pattern.clone().filter(|p| !p.is_empty()),
    };
    Ok((q, since))
}

/// The script with its arguments: JSON (every non-ASCII character as `\uXXXX`) in a
/// PowerShell single-quoted string (`'` doubled; PowerShell also ends such a string at ‘ ’ ‚ ‛,
/// which the `\u` escapes keep out).
pub fn script_for(q: &LogQuery, since: Option<u64>) -> String {
    let json = serde_json::json!({"query": q.query, "tail": q.tail_lines, "since": since, "pattern": q.pattern});
    let mut ascii = String::new();
    for c in json.to_string().chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    SCRIPT.replacen("__ARGS__", &ascii.replace('\'', "''"), 1)
}

/// The end of one node: `Ok(true)` its log was printed, `Ok(false)` no log (the node said why).
type NodeResult = Result<bool>;

pub async fn run(global: &GlobalArgs, args: &LogsArgs) -> Result<ExitCode> {
    let mut signals = Signals::new();
    let (query, since) = query_of(args, SystemTime::now())?;
    let req = Request { keep: false, ..super::node_request(&args.select, &args.pod) };
    check_selection(&req)?;
    let (kube, version, nodes) = interruptible(&mut signals, async {
        let kube = kube::connect(global).await?;
        let (version, nodes) = session::read_nodes(&kube, &req).await?;
        Ok((kube, version, nodes))
    })
    .await?;
    let targets = choose(&nodes, &req, version.as_deref())?;
    let fanout = targets.len() > 1 || req.by_selection();
    let sink = |node: &str| if fanout { Sink::Prefixed(node.to_string()) } else { Sink::Direct };

    let mut why_pod = pod_before_asking(args.via, &query)?;
    if why_pod.is_none() {
        let denied = interruptible(&mut signals, may_proxy(&kube)).await?;
        why_pod = pod_when_denied(args.via, denied.as_deref())?;
    }
    let mut results: Vec<(String, NodeResult)> = Vec::new();
    let mut by_pod: Vec<Target> = Vec::new();
    if let Some(why) = why_pod {
        for t in &targets {
            crate::stderr_line!("[{}] {why}: using a throwaway pod", t.name);
        }
        by_pod = targets.clone();
    } else {
        let answers = futures::stream::iter(targets.iter().cloned())
            .map(|t| {
                let (kube, query) = (&kube, &query);
                async move {
                    let (answer, cut) = match fetch(kube, &t.name, query).await {
                        Ok((body, cut)) => (classify(query, Ok(body)), cut),
                        Err(e) => (classify(query, Err(e)), false),
                    };
                    (t, answer, cut)
                }
            })
            .buffered(req.max_concurrency.max(1));
        let (results, by_pod) = (&mut results, &mut by_pod);
        // In the nodes' order, each printed as soon as it and those before it are in.
        let print_all = async move {
            let mut answers = std::pin::pin!(answers);
            while let Some((t, answer, cut)) = answers.next().await {
                let node = t.name.clone();
                match (answer, args.via) {
                    (Answer::Logs(body), _) => {
                        crate::stderr_line!("[{node}] logs via NodeLogQuery");
                        pump(body.as_bytes(), sink(&node), false).await;
                        if cut {
                            crate::stderr_line!(
                                "[{node}] the answer was cut after {} MiB: narrow it with --tail or --since",
                                MAX_ANSWER_BYTES >> 20
                            );
                        }
                        results.push((node, Ok(true)));
                    }
                    (Answer::NotServed(why), LogsVia::Api) => {
                        let e = Error::NodeLogQueryUnavailable { node: node.clone(), reason: why };
                        results.push((node, Err(e)));
                    }
                    (Answer::Failed(e), LogsVia::Api) => results.push((node, Err(e))),
                    (Answer::NotServed(why), _) => {
                        // The reason may quote the node's answer: text from the cluster.
                        crate::stderr_line!("[{node}] {}: using a throwaway pod", terminal_safe_line(&why));
                        by_pod.push(t);
                    }
                    (Answer::Failed(e), _) => {
                        let e = terminal_safe_line(&e.to_string()).into_owned();
                        crate::stderr_line!("[{node}] NodeLogQuery failed ({e}): using a throwaway pod");
                        by_pod.push(t);
                    }
                }
            }
            Ok(())
        };
        interruptible(&mut signals, print_all).await?;
    }
    if !by_pod.is_empty() {
        results.extend(
            by_pod_path(&kube, &req, &nodes, &by_pod, &query, since, fanout, args.pod.yes, &mut signals).await?,
        );
    }
    finish(results, fanout)
}

/// Read the logs of `targets` through throwaway pods: one node streams straight, several with
/// `[node] ` prefixes (exec's fan-out); every pod is deleted on every path.
#[allow(clippy::too_many_arguments)]
async fn by_pod_path(
    kube: &Kube,
    req: &Request,
    nodes: &[Node],
    targets: &[Target],
    query: &LogQuery,
    since: Option<u64>,
    fanout: bool,
    yes: bool,
    signals: &mut Signals,
) -> Result<Vec<(String, NodeResult)>> {
    let mut results = Vec::new();
    let mut names = Vec::new();
    for t in targets {
        match &t.pod_ok {
            Ok(()) => names.push(t.name.clone()),
            // As `exec`: skipped when chosen by selection, an error when named.
            Err(reason) if req.by_selection() => {
                crate::stderr_line!("skipping node {}: {}", t.name, terminal_safe_line(reason))
            }
            Err(reason) => results
                .push((t.name.clone(), Err(Error::NodeNotReady { node: t.name.clone(), reason: reason.clone() }))),
        }
    }
    if names.is_empty() {
        return Ok(results);
    }
    if names.len() > CONFIRM_ABOVE && !yes {
        return Err(Error::Usage(format!("this would start throwaway pods on {} nodes: pass --yes", names.len())));
    }
    let lc = Lifecycle::new(kube.clone(), kube.namespace.clone(), random_suffix(8));
    interruptible(signals, session::preflight(&lc, req, &names[0])).await?;
    let command = powershell(&script_for(query, since));
    let work = async {
        if !fanout {
            let opts = crate::exec::plan::options_for(req, &lc.namespace, &names[0])?;
            let node = nodes.iter().find(|n| node_name(n) == names[0]);
            let r = run_on_node(&lc, req, &opts, &command, node, Sink::Direct, false).await;
            Ok(vec![(names[0].clone(), r)])
        } else {
            let outcomes = fan_out(&lc, req, &names, nodes, &command, false, &|_| {}).await?;
            Ok(outcomes.into_iter().map(|o| (o.pod.node, o.result)).collect())
        }
    };
    for (node, r) in session::run(&lc, signals, false, work).await? {
        results.push((node, r.map(|code| code == 0)));
    }
    Ok(results)
}

/// The exit code: one node returns its error (or 1 when the node found no log); a fan-out
/// names each failed node and exits 1 if any failed.
fn finish(results: Vec<(String, NodeResult)>, fanout: bool) -> Result<ExitCode> {
    if !fanout {
        return match results.into_iter().next() {
            Some((_, Ok(true))) => Ok(ExitCode::Ok),
            Some((_, Ok(false))) => Ok(ExitCode::Findings),
            Some((_, Err(e))) => Err(e),
            None => Ok(ExitCode::Ok),
        };
    }
    let total = results.len();
    let mut ok = 0;
    for (node, r) in results {
        match r {
            Ok(true) => ok += 1,
            Ok(false) => crate::stderr_line!("[{node}] no log read (see the node's lines above)"),
            Err(e) => crate::stderr_line!(
                "[{node}] error: {}\n[{node}] hint: {}",
                terminal_safe_line(&e.to_string()),
                terminal_safe_line(&e.hint())
            ),
        }
    }
    crate::stderr_line!("{ok} of {total} node(s) read.");
    Ok(if ok == total { ExitCode::Ok } else { ExitCode::Findings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(argv: &[&str]) -> LogsArgs {
        let mut full = vec!["k", "logs"];
        full.extend_from_slice(argv);
        match crate::cli::Cli::try_parse_from(full).unwrap().command {
            crate::cli::Command::Logs(a) => a,
            _ => panic!(),
        }
    }

    fn node(name: &str, os: &str, ready: bool) -> Node {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": {"kubernetes.io/os": os, "node.kubernetes.io/windows-build": "10.0.20348"}},
            "status": {
                "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                "nodeInfo": {"kubeletVersion": "v1.36.3", "containerRuntimeVersion": "containerd://1.7.20",
                    "osImage": "Windows Server 2022 Datacenter", "kernelVersion": "10.0.20348.2762",
                    "architecture": "amd64", "bootID": "", "machineID": "", "operatingSystem": os,
                    "systemUUID": "", "kubeProxyVersion": ""}
            }
        }))
        .unwrap()
    }

    fn req(nodes: &[&str], all: bool) -> Request {
        Request { nodes: nodes.iter().map(|s| s.to_string()).collect(), all, ..Default::default() }
    }

    #[test]
    fn named_nodes_must_exist_and_be_windows_but_need_not_run_pods() {
        let nodes = [node("win-a", "windows", true), node("win-down", "windows", false), node("lin", "linux", true)];
        let t = choose(&nodes, &req(&["win-a", "win-down", "win-a"], false), Some("v1.36.3")).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0], Target { name: "win-a".into(), pod_ok: Ok(()) });
        // NodeLogQuery can still read a NotReady node; only the pod path needs it Ready.
        assert!(matches!(&t[1].pod_ok, Err(why) if why.contains("NotReady")), "{t:?}");
        let e = choose(&nodes, &req(&["lin"], false), None).unwrap_err();
        assert!(matches!(e, Error::NotWindows { .. }));
        assert_eq!(e.exit_code(), ExitCode::Usage);
        assert!(matches!(choose(&nodes, &req(&["x"], false), None), Err(Error::NodeNotFound(_))));
        assert!(matches!(choose(&nodes, &req(&[], false), None), Err(Error::Usage(_))));
        let all = choose(&nodes, &req(&[], true), None).unwrap();
        assert_eq!(all.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["win-a", "win-down"]);
        assert!(matches!(choose(&nodes, &req(&["win-a"], true), None), Err(Error::Usage(_))));
    }

    #[test]
    fn the_path_decision() {
        let svc = LogQuery { query: "kubelet".into(), tail_lines: Some(5), ..Default::default() };
        let file = LogQuery { query: "C:\\k\\kubelet.log".into(), ..Default::default() };
        let file_tail = LogQuery { tail_lines: Some(5), ..file.clone() };
        // Before asking: --via pod, or a file with options.
        assert_eq!(pod_before_asking(LogsVia::Pod, &svc).unwrap().as_deref(), Some("--via pod"));
        assert_eq!(pod_before_asking(LogsVia::Auto, &svc).unwrap(), None);
        assert_eq!(pod_before_asking(LogsVia::Auto, &file).unwrap(), None);
        assert!(pod_before_asking(LogsVia::Auto, &file_tail).unwrap().unwrap().contains("file query"));
        assert!(matches!(pod_before_asking(LogsVia::Api, &file_tail), Err(Error::Usage(_))));
        // Without get nodes/proxy: auto goes through pods, api is forbidden (exit 3).
        assert_eq!(pod_when_denied(LogsVia::Auto, None).unwrap(), None);
        let why = pod_when_denied(LogsVia::Auto, Some("no RBAC")).unwrap().unwrap();
        assert!(why.contains("get nodes/proxy") && why.contains("no RBAC"), "{why}");
        let e = pod_when_denied(LogsVia::Api, Some("no RBAC")).unwrap_err();
        assert_eq!(e.to_string(), "forbidden: cannot get nodes/proxy: no RBAC");
        assert_eq!(e.exit_code(), ExitCode::Cluster);
    }

    #[test]
    fn flags_become_the_kubelets_query() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let (q, since) = query_of(&args(&["w", "--query", "kubelet", "--tail", "7", "--since", "1h"]), now).unwrap();
        assert_eq!(q.tail_lines, Some(7));
        assert_eq!(since, Some(1_800_000_000 - 3600));
        assert_eq!(q.since_time.as_deref(), Some("2027-01-15T07:00:00Z"));
        let (q, since) = query_of(&args(&["w", "--query", "C:\\var\\log\\x y.log", "--pattern", ""]), now).unwrap();
        assert!(q.is_file() && q.pattern.is_none() && since.is_none());
        let e = query_of(&args(&["w", "--query", "kube;rm"]), now).unwrap_err();
        assert!(matches!(e, Error::Usage(m) if m.contains("--query")));
        assert!(crate::cli::Cli::try_parse_from(["k", "logs", "w", "--query", "a", "--tail", "100001"]).is_err());
        assert!(crate::cli::Cli::try_parse_from(["k", "logs", "w", "--query", "a", "--via", "ssh"]).is_err());
    }

    #[test]
    fn the_script_carries_its_arguments_safely() {
        let q = LogQuery {
            query: "C:\\it's\\日本.log".into(),
            tail_lines: Some(3),
            pattern: Some("a‘b’c'".into()),
            ..Default::default()
        };
        let s = script_for(&q, Some(42));
        assert!(s.starts_with("# kubectl-hostprocess:node-logs/1\n"), "{}", &s[..60]);
        let line = s.lines().find(|l| l.starts_with("$ArgsJson = '")).unwrap();
        let inner = line.strip_prefix("$ArgsJson = '").unwrap().strip_suffix('\'').unwrap();
        assert!(inner.is_ascii() && !inner.replace("''", "").contains('\''), "{inner}");
        let v: serde_json::Value = serde_json::from_str(&inner.replace("''", "'")).unwrap();
        assert_eq!(v["query"], "C:\\it's\\日本.log");
        assert_eq!(v["pattern"], "a‘b’c'");
        assert_eq!((v["tail"].as_u64(), v["since"].as_u64()), (Some(3), Some(42)));
        assert!(!s.contains("__ARGS__"));
    }

    #[test]
    fn one_node_returns_its_error_and_a_fan_out_counts() {
        assert_eq!(finish(vec![("a".into(), Ok(true))], false).unwrap(), ExitCode::Ok);
        assert_eq!(finish(vec![("a".into(), Ok(false))], false).unwrap(), ExitCode::Findings);
        let e = finish(vec![("a".into(), Err(Error::NodeNotFound("a".into())))], false).unwrap_err();
        assert!(matches!(e, Error::NodeNotFound(_)));
        let r = vec![("a".into(), Ok(true)), ("b".into(), Err(Error::Interrupted))];
        assert_eq!(finish(r, true).unwrap(), ExitCode::Findings);
        assert_eq!(finish(vec![("a".into(), Ok(true)), ("b".into(), Ok(true))], true).unwrap(), ExitCode::Ok);
    }
}
