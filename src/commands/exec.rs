//! `exec`: run a command on Windows nodes through a throwaway HostProcess pod.
//!
//! preflight (nodes, RBAC, Pod Security by server-side dry-run) → create → wait Running →
//! exec → delete. Every pod is deleted on every path unless `--keep`.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ::kube::api::{Api, PostParams};
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::Node;
use serde::Serialize;

use crate::cli::{ExecArgs, FanoutStyle, GlobalArgs, Output};
use crate::error::{Error, ExitCode, Result};
use crate::exec::lifecycle::{Lifecycle, Sink, StartFailure};
use crate::exec::spec::{PodOptions, parse_pairs, pod_name, throwaway_pod};
use crate::kube::{self, Action, Kube, collect};
use crate::nodes::node_report;
use crate::snapshot::{Snapshot, Source, node_name, node_os};

/// Above this many nodes, ask for confirmation (or `--yes`).
pub const CONFIRM_ABOVE: usize = 10;
/// Without `--timeout`, the pod's safety net deadline.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeResult {
    pub node: String,
    pub pod: String,
    pub exit_code: Option<i32>,
    pub duration_seconds: f64,
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FanoutReport {
    pub results: Vec<NodeResult>,
    pub succeeded: usize,
    pub failed: usize,
}

/// The command to run: the argv after `--`, `--powershell`, or a shell for `-it`.
pub fn command_of(args: &ExecArgs) -> Result<Vec<String>> {
    if let Some(script) = &args.powershell {
        return Ok(vec![
            "powershell.exe".into(),
            "-NoLogo".into(),
            "-NoProfile".into(),
            "-NonInteractive".into(),
            "-Command".into(),
            script.clone(),
        ]);
    }
    if !args.command.is_empty() {
        return Ok(args.command.clone());
    }
    if args.tty || args.stdin {
        return Ok(vec!["powershell.exe".into(), "-NoLogo".into()]);
    }
    Err(Error::Usage("no command: pass one after --, use --powershell 'SCRIPT', or -it for a shell".into()))
}

/// A random suffix for pod names (no extra dependency: the std hasher is randomly seeded).
pub fn random_suffix(n: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut out = String::new();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    let mut x = h.finish();
    for _ in 0..n {
        out.push(ALPHABET[(x % ALPHABET.len() as u64) as usize] as char);
        x /= ALPHABET.len() as u64;
        if x == 0 {
            x = std::collections::hash_map::RandomState::new().build_hasher().finish();
        }
    }
    out
}

/// RFC 3339 for `now + secs` (UTC), without a time crate.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64;
    k8s_openapi::jiff::Timestamp::from_second(secs).map(|ts| ts.to_string()).unwrap_or_default()
}

/// Choose the target nodes from one LIST of nodes.
pub fn select_targets(nodes: &[Node], args: &ExecArgs, server_version: Option<&str>) -> Result<Vec<String>> {
    let mut targets = Vec::new();
    if args.all || args.selector.is_some() {
        if !args.nodes.is_empty() {
            return Err(Error::Usage("give node names, or --all / -l, not both".into()));
        }
        for n in nodes.iter().filter(|n| node_os(n) == "windows") {
            let r = node_report(n, server_version);
            if r.host_process_ready {
                targets.push(r.name);
            } else {
                let why: Vec<String> = r.reasons.iter().map(|x| x.message.clone()).collect();
                eprintln!("skipping node {}: {}", r.name, why.join("; "));
            }
        }
        if targets.is_empty() {
            return Err(Error::Usage("no Windows node that can run HostProcess pods matches".into()));
        }
        return Ok(targets);
    }
    if args.nodes.is_empty() {
        return Err(Error::Usage("name a Windows node, or use --all or -l SELECTOR".into()));
    }
    for name in &args.nodes {
        let node = nodes.iter().find(|n| node_name(n) == name).ok_or_else(|| Error::NodeNotFound(name.clone()))?;
        let os = node_os(node);
        if os != "windows" {
            return Err(Error::NotWindows {
                node: name.clone(),
                os: if os.is_empty() { "unknown".into() } else { os },
            });
        }
        let r = node_report(node, server_version);
        if !r.host_process_ready {
            let why: Vec<String> = r
                .reasons
                .iter()
                .map(|x| match &x.rule {
                    Some(id) => format!("{id}: {}", x.message),
                    None => x.message.clone(),
                })
                .collect();
            return Err(Error::NodeNotReady { node: name.clone(), reason: why.join("; ") });
        }
        if !targets.contains(name) {
            targets.push(name.clone());
        }
    }
    Ok(targets)
}

/// Check with SelfSubjectAccessReview that we may do everything exec needs.
async fn check_rbac(kube: &Kube, namespace: &str, interactive: bool) -> Result<()> {
    let api: Api<SelfSubjectAccessReview> = Api::all(kube.client.clone());
    let mut needs = vec![
        ("create", "pods", None),
        ("delete", "pods", None),
        ("watch", "pods", None),
        ("create", "pods", Some("exec")),
    ];
    if interactive {
        needs.push(("get", "pods", Some("exec")));
    }
    for (verb, resource, sub) in needs {
        let review = SelfSubjectAccessReview {
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
        };
        let r = kube
            .call(Action::new("create", "selfsubjectaccessreviews", None), api.create(&PostParams::default(), &review))
            .await?;
        let allowed = r.status.as_ref().map(|s| s.allowed).unwrap_or(false);
        if !allowed {
            let res = match sub {
                Some(s) => format!("{resource}/{s}"),
                None => resource.to_string(),
            };
            return Err(Error::Forbidden {
                verb: verb.to_string(),
                resource: res,
                scope: format!(" in namespace {namespace}"),
                message: r
                    .status
                    .and_then(|s| s.reason)
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "not allowed by RBAC".into()),
            });
        }
    }
    Ok(())
}

fn options_for(args: &ExecArgs, namespace: &str, node: &str) -> Result<PodOptions> {
    let deadline = if args.timeout.is_zero() { DEFAULT_DEADLINE } else { args.timeout };
    let deadline_seconds = (deadline + args.pod_running_timeout).as_secs() as i64 + 60;
    let now = std::time::SystemTime::now();
    Ok(PodOptions {
        name: pod_name(node, &random_suffix(5)),
        namespace: namespace.to_string(),
        node: node.to_string(),
        image: args.image.clone(),
        run_as: args.run_as.clone(),
        env: parse_pairs("env", &args.env)?,
        labels: parse_pairs("label", &args.labels)?,
        annotations: parse_pairs("annotation", &args.annotations)?,
        deadline_seconds,
        created_at: rfc3339(now),
        deadline_at: rfc3339(now + Duration::from_secs(deadline_seconds as u64)),
    })
}

/// Explain a start failure with the doctor's own checks over the pod, its events and node.
fn explain_failure(f: &StartFailure, node: Option<&Node>) -> Vec<String> {
    let Some(pod) = &f.pod else { return vec![] };
    let snapshot = Snapshot {
        source: Source::Cluster,
        pods: vec![pod.clone()],
        events: f.events.clone(),
        nodes: node.cloned().into_iter().collect(),
        ..Default::default()
    };
    crate::checks::run(&snapshot)
        .into_iter()
        .filter(|x| {
            x.severity >= crate::finding::Severity::Warning && x.object.as_ref().is_some_and(|o| o.kind == "Pod")
        })
        .map(|x| format!("{}: {} (fix: {})", x.rule, x.message, x.fix))
        .collect()
}

/// Wait for Running, run the command, delete the pod. Progress lines go to stderr.
async fn run_on_node(
    lc: &Lifecycle,
    args: &ExecArgs,
    opts: &PodOptions,
    command: &[String],
    node: Option<&Node>,
    sink: Sink,
    fanout: bool,
) -> Result<i32> {
    let tag = if fanout { format!("[{}] ", opts.node) } else { String::new() };
    lc.create(opts).await?;
    if !fanout {
        eprintln!("{tag}pod {}/{} created on node {}", opts.namespace, opts.name, opts.node);
    }
    let waited = lc.wait_running(&opts.name, args.pod_running_timeout, |msg| eprintln!("{tag}{msg}")).await;
    if let Err(f) = waited {
        let explained = explain_failure(&f, node);
        let mut hint = if explained.is_empty() {
            format!(
                "see `kubectl hostprocess doctor pod/{} -n {}` (run with --keep to leave the pod)",
                opts.name, opts.namespace
            )
        } else {
            explained.join("\nhint: ")
        };
        if f.reason.starts_with("not Running after") {
            hint.push_str("; first pulls of a Windows image can take minutes: raise --pod-running-timeout");
            return Err(Error::Timeout {
                secs: args.pod_running_timeout.as_secs(),
                what: "waiting for the pod to run".into(),
                hint,
            });
        }
        return Err(Error::PodStart { pod: format!("{}/{}", opts.namespace, opts.name), reason: f.reason, hint });
    }
    if args.tty || args.stdin {
        lc.interactive(&opts.name, command, args.tty).await
    } else if args.timeout.is_zero() {
        lc.run_command(&opts.name, command, &sink).await
    } else {
        match tokio::time::timeout(args.timeout, lc.run_command(&opts.name, command, &sink)).await {
            Ok(r) => r,
            Err(_) => Err(Error::Timeout {
                secs: args.timeout.as_secs(),
                what: "running the command".into(),
                hint: "raise --timeout, or 0 for none".into(),
            }),
        }
    }
}

/// SIGINT and SIGTERM, registered when created (so a signal during preflight is not lost, and
/// is not ignored when the shell started us in the background).
struct Signals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals { int: signal(SignalKind::interrupt()).ok(), term: signal(SignalKind::terminate()).ok() }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    /// Resolves when either signal arrives.
    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                _ = next(&mut self.int) => {}
                _ = next(&mut self.term) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn confirm(n: usize) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!("refusing to run on {n} nodes without confirmation: pass --yes")));
    }
    eprint!("Run on {n} Windows nodes? [y/N] ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub async fn run(global: &GlobalArgs, args: &ExecArgs) -> Result<ExitCode> {
    let mut signals = Signals::new();
    let command = command_of(args)?;
    if (args.tty || args.stdin) && (args.all || args.selector.is_some() || args.nodes.len() > 1) {
        return Err(Error::Usage("-i/-t work on one node only".into()));
    }
    if matches!(args.output, Some(o) if o != Output::Json) {
        return Err(Error::Usage("exec supports -o json (fan-out results)".into()));
    }
    // Preflight creates nothing; an interrupt here just stops.
    let preflight = async {
        let kube = kube::connect(global).await?;
        let version = kube.server_version().await.ok();
        // One named node: GET it, not a LIST of every node (0.1 s against 0.3 s at 2,000 nodes).
        let nodes: Vec<Node> = match args.nodes.as_slice() {
            [one] if !args.all && args.selector.is_none() => {
                collect::get_cluster(&kube, one, "nodes").await?.into_iter().collect()
            }
            _ => collect::list_cluster(&kube, args.selector.as_deref(), "nodes").await?,
        };
        Ok::<_, Error>((kube, version, nodes))
    };
    let (kube, version, nodes) = tokio::select! {
        r = preflight => r?,
        _ = signals.recv() => return Err(Error::Interrupted),
    };
    let targets = select_targets(&nodes, args, version.as_deref())?;
    let namespace = kube.namespace.clone();
    let fanout = targets.len() > 1 || args.all || args.selector.is_some();

    if args.dry_run {
        let pod = throwaway_pod(&options_for(args, &namespace, &targets[0])?);
        let mut text =
            format!("# target nodes ({}): {}\n# command: {:?}\n", targets.len(), targets.join(", "), command);
        text.push_str(&crate::output::yaml(&pod)?);
        crate::output::print(&text)?;
        return Ok(ExitCode::Ok);
    }
    if targets.len() > CONFIRM_ABOVE && !args.yes && !confirm(targets.len())? {
        eprintln!("aborted");
        return Ok(ExitCode::Findings);
    }
    let session = random_suffix(8);
    let lc = Lifecycle::new(kube.clone(), namespace.clone(), session);
    let checks = async {
        check_rbac(&kube, &namespace, args.tty || args.stdin).await?;
        lc.dry_run_create(&options_for(args, &namespace, &targets[0])?).await
    };
    tokio::select! {
        r = checks => r?,
        _ = signals.recv() => return Err(Error::Interrupted),
    }
    let (w1, w2) = lc.start_watches();

    let work = async {
        if !fanout {
            let opts = options_for(args, &namespace, &targets[0])?;
            let node = nodes.iter().find(|n| node_name(n) == targets[0]);
            let r = run_on_node(&lc, args, &opts, &command, node, Sink::Direct, false).await;
            Ok::<_, Error>(vec![(opts, r, Duration::ZERO, None)])
        } else {
            Ok(fan_out(&lc, args, &namespace, &targets, &nodes, &command).await?)
        }
    };
    let outcome = tokio::select! {
        r = work => r,
        _ = signals.recv() => Err(Error::Interrupted),
    };
    w1.abort();
    w2.abort();
    // Cleanup on every path.
    let kept = lc.tracker.names();
    if args.keep && !matches!(outcome, Err(Error::Interrupted)) {
        for name in &kept {
            eprintln!("kept pod {namespace}/{name}; delete it with: kubectl delete pod -n {namespace} {name}");
        }
    } else {
        for (name, e) in lc.delete_all().await {
            eprintln!(
                "warning: could not delete pod {namespace}/{name}: {e}\nhint: run `kubectl hostprocess cleanup -n {namespace}`"
            );
        }
    }
    let results = outcome?;
    if !fanout {
        let (_, r, _, _) = results.into_iter().next().expect("one result");
        return r.map(ExitCode::Remote);
    }
    let report = FanoutReport {
        succeeded: results.iter().filter(|(_, r, _, _)| matches!(r, Ok(0))).count(),
        failed: results.iter().filter(|(_, r, _, _)| !matches!(r, Ok(0))).count(),
        results: results
            .into_iter()
            .map(|(o, r, d, captured)| {
                let (stdout, stderr) = captured
                    .map(|(o, e)| {
                        (Some(String::from_utf8_lossy(&o).into_owned()), Some(String::from_utf8_lossy(&e).into_owned()))
                    })
                    .unwrap_or((None, None));
                NodeResult {
                    node: o.node,
                    pod: o.name,
                    exit_code: r.as_ref().ok().copied(),
                    duration_seconds: (d.as_secs_f64() * 1000.0).round() / 1000.0,
                    error: r.err().map(|e| e.to_string()),
                    stdout,
                    stderr,
                }
            })
            .collect(),
    };
    if args.output == Some(Output::Json) {
        crate::output::print(&crate::output::json(&report)?)?;
    } else {
        eprint!("{}", render_summary(&report));
    }
    Ok(if report.failed == 0 { ExitCode::Ok } else { ExitCode::Findings })
}

type Outcome = (PodOptions, Result<i32>, Duration, Option<(Vec<u8>, Vec<u8>)>);

async fn fan_out(
    lc: &Lifecycle,
    args: &ExecArgs,
    namespace: &str,
    targets: &[String],
    nodes: &[Node],
    command: &[String],
) -> Result<Vec<Outcome>> {
    let sem = Arc::new(tokio::sync::Semaphore::new(args.max_concurrency.max(1)));
    let mut jobs = Vec::new();
    for t in targets {
        let opts = options_for(args, namespace, t)?;
        let sem = sem.clone();
        let node = nodes.iter().find(|n| node_name(n) == t.as_str());
        jobs.push(async move {
            let _permit = sem.acquire().await.expect("semaphore");
            let start = Instant::now();
            let capture = Arc::new(Mutex::new((Vec::new(), Vec::new())));
            let sink = match (args.output, args.style) {
                (Some(Output::Json), _) | (_, FanoutStyle::Group) => Sink::Captured(capture.clone()),
                _ => Sink::Prefixed(opts.node.clone()),
            };
            let r = run_on_node(lc, args, &opts, command, node, sink.clone(), true).await;
            // Delete as soon as this node is done; the tracker covers interrupts.
            if !args.keep {
                let _ = lc.delete(&opts.name).await;
            }
            let captured = match sink {
                Sink::Captured(c) => {
                    let (o, e) = c.lock().expect("capture").clone();
                    if args.output != Some(Output::Json) {
                        print_group(&opts.node, &o, &e);
                    }
                    Some((o, e))
                }
                _ => None,
            };
            (opts, r, start.elapsed(), captured)
        });
    }
    Ok(futures::future::join_all(jobs).await)
}

fn print_group(node: &str, out: &[u8], err: &[u8]) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "=== {node} ===");
    let _ = o.write_all(out);
    if !out.is_empty() && !out.ends_with(b"\n") {
        let _ = writeln!(o);
    }
    drop(o);
    let _ = std::io::stderr().lock().write_all(err);
}

pub fn render_summary(r: &FanoutReport) -> String {
    let mut t = crate::output::table(&["NODE", "EXIT", "DURATION", "ERROR"]);
    for x in &r.results {
        t.add_row(vec![
            x.node.clone(),
            x.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
            format!("{:.1}s", x.duration_seconds),
            x.error.clone().unwrap_or_default(),
        ]);
    }
    format!("\n{}{} of {} node(s) succeeded.\n", crate::output::render_table(&t), r.succeeded, r.results.len())
}
