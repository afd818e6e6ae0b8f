//! Planning an exec, before any request: the command, the target nodes, each pod's options.

use std::time::{Duration, SystemTime};

use k8s_openapi::api::core::v1::Node;

use super::run_as::RunAs;
use super::spec::{POWERSHELL, PodOptions, parse_pairs, pod_name, powershell};
// The node verdict shared with `nodes`.
use crate::error::{Error, Result};
use crate::nodes::node_report;
use crate::snapshot::{node_name, node_os};

/// Above this many nodes, ask for confirmation (or `--yes`).
pub const CONFIRM_ABOVE: usize = 10;
/// Without `--timeout` (or with `--timeout 0`), how long the command may run before the pod's
/// safety-net deadline ends it (unless `--pod-deadline` says otherwise).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(3600);
/// Added to the time for the command and the wait for Running in the default pod deadline.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(60);
/// A fan-out keeps at most this much of each node's stdout and of its stderr (`--max-output`).
pub const DEFAULT_MAX_OUTPUT: usize = 1024 * 1024;

/// What `exec` was asked to do, as plain values (the command line's `exec` flags).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Node names; empty with `all` or `selector`.
    pub nodes: Vec<String>,
    pub all: bool,
    pub selector: Option<String>,
    pub stdin: bool,
    pub tty: bool,
    /// A PowerShell script to run instead of `command`.
    pub powershell: Option<String>,
    /// The argv after `--`.
    pub command: Vec<String>,
    pub run_as: RunAs,
    pub image: String,
    /// Limit for the command itself; zero = none (the pod's deadline still applies).
    pub timeout: Duration,
    pub pod_running_timeout: Duration,
    /// The pod's `activeDeadlineSeconds` (`--pod-deadline`); `None` = [`default_deadline`].
    pub pod_deadline: Option<Duration>,
    /// Bytes of each captured stream kept per node in a fan-out (`--max-output`); 0 = the default.
    pub max_output: usize,
    /// `NAME=VALUE` / `KEY=VALUE` as typed; parsed per pod by [`options_for`].
    pub env: Vec<String>,
    pub labels: Vec<String>,
    pub annotations: Vec<String>,
    pub keep: bool,
    pub max_concurrency: usize,
}

impl Request {
    /// `-i` or `-t`.
    pub fn interactive(&self) -> bool {
        self.stdin || self.tty
    }

    /// Targets chosen by `--all` or `-l` rather than by name.
    pub fn by_selection(&self) -> bool {
        self.all || self.selector.is_some()
    }
}

/// The command to run: the argv after `--`, `--powershell`, or a shell for `-it`.
pub fn command_of(req: &Request) -> Result<Vec<String>> {
    if let Some(script) = &req.powershell {
        return Ok(powershell(script));
    }
    if !req.command.is_empty() {
        return Ok(req.command.clone());
    }
    if req.interactive() {
        // An interactive PowerShell: the program and -NoLogo, no script.
        return Ok(POWERSHELL[..2].iter().map(|s| s.to_string()).collect());
    }
    Err(Error::Usage("no command: pass one after --, use --powershell 'SCRIPT', or -it for a shell".into()))
}

/// The node a user named, if it exists and is a Windows node (else the documented errors).
pub fn named_windows_node<'a>(nodes: &'a [Node], name: &str) -> Result<&'a Node> {
    let node = nodes.iter().find(|n| node_name(n) == name).ok_or_else(|| Error::NodeNotFound(name.into()))?;
    let os = node_os(node);
    if os != "windows" {
        return Err(Error::NotWindows { node: name.into(), os: if os.is_empty() { "unknown".into() } else { os } });
    }
    Ok(node)
}

/// Choose the target nodes from one LIST (or GET) of nodes. With `--all` / `-l`, nodes that
/// cannot run HostProcess pods are passed to `skipped` with the reasons, and left out.
pub fn select_targets(
    nodes: &[Node],
    req: &Request,
    server_version: Option<&str>,
    skipped: &mut dyn FnMut(&str, &str),
) -> Result<Vec<String>> {
    let mut targets = Vec::new();
    if req.by_selection() {
        if !req.nodes.is_empty() {
            return Err(Error::Usage("give node names, or --all / -l, not both".into()));
        }
        for n in nodes.iter().filter(|n| node_os(n) == "windows") {
            let r = node_report(n, server_version);
            if r.host_process_ready {
                targets.push(r.name);
            } else {
                let why: Vec<String> = r.reasons.iter().map(|x| x.message.clone()).collect();
                skipped(&r.name, &why.join("; "));
            }
        }
        if targets.is_empty() {
            return Err(Error::Usage("no Windows node that can run HostProcess pods matches".into()));
        }
        return Ok(targets);
    }
    if req.nodes.is_empty() {
        return Err(Error::Usage("name a Windows node, or use --all or -l SELECTOR".into()));
    }
    for name in &req.nodes {
        let node = named_windows_node(nodes, name)?;
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

/// The pod's deadline without `--pod-deadline`: the command's `--timeout` (an hour when it is 0),
/// plus `--pod-running-timeout`, plus a minute. With the defaults: 1h 6m.
pub fn default_deadline(timeout: Duration, pod_running_timeout: Duration) -> Duration {
    let command = if timeout.is_zero() { DEFAULT_DEADLINE } else { timeout };
    command.saturating_add(pod_running_timeout).saturating_add(DEADLINE_MARGIN)
}

/// `activeDeadlineSeconds` of the pod: `--pod-deadline`, or [`default_deadline`]; at least 1.
pub fn deadline_seconds(req: &Request) -> i64 {
    let d = req.pod_deadline.unwrap_or_else(|| default_deadline(req.timeout, req.pod_running_timeout));
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(1)
}

/// `--timeout` longer than `--pod-deadline` could never be reached: the pod would end first.
pub fn check_deadline(req: &Request) -> Result<()> {
    match req.pod_deadline {
        Some(d) if d.as_secs() == 0 => Err(Error::Usage("--pod-deadline must be at least 1s".into())),
        Some(d) if !req.timeout.is_zero() && req.timeout > d => Err(Error::Usage(format!(
            "--timeout {}s is longer than --pod-deadline {}s: the pod's deadline would end the command first",
            req.timeout.as_secs(),
            d.as_secs()
        ))),
        _ => Ok(()),
    }
}

/// Bytes kept per captured stream and node in a fan-out.
pub fn max_output(req: &Request) -> usize {
    if req.max_output == 0 { DEFAULT_MAX_OUTPUT } else { req.max_output }
}

/// A size for `--max-output`: bytes, or with a suffix `Ki`, `Mi`, `Gi` (also `K`/`KB`/`KiB`, …,
/// all binary).
pub fn parse_size(s: &str) -> std::result::Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("invalid size {s:?} (use e.g. 65536, 64Ki, 1Mi)");
    let n: usize = num.parse().map_err(|_| bad())?;
    let mult: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "ki" | "kb" | "kib" => 1 << 10,
        "m" | "mi" | "mb" | "mib" => 1 << 20,
        "g" | "gi" | "gb" | "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    let v = n.checked_mul(mult).ok_or_else(bad)?;
    if v == 0 {
        return Err("--max-output must be at least 1 byte".into());
    }
    Ok(v)
}

/// The options of the throwaway pod on `node`, named with a fresh random suffix, created now.
pub fn options_for(req: &Request, namespace: &str, node: &str) -> Result<PodOptions> {
    options_at(req, namespace, node, SystemTime::now(), &random_suffix(5))
}

/// [`options_for`] at a given time and name suffix (pure).
pub fn options_at(req: &Request, namespace: &str, node: &str, now: SystemTime, suffix: &str) -> Result<PodOptions> {
    let deadline_seconds = deadline_seconds(req);
    Ok(PodOptions {
        name: pod_name(node, suffix),
        namespace: namespace.to_string(),
        node: node.to_string(),
        image: req.image.clone(),
        run_as: req.run_as.clone(),
        env: parse_pairs("env", &req.env)?,
        labels: parse_pairs("label", &req.labels)?,
        annotations: parse_pairs("annotation", &req.annotations)?,
        deadline_seconds,
        created_at: rfc3339(now),
        deadline_at: rfc3339(now.checked_add(Duration::from_secs(deadline_seconds as u64)).unwrap_or(now)),
    })
}

/// A random suffix for pod names (no extra dependency: the std hasher is randomly seeded).
pub fn random_suffix(n: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut out = String::new();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
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

/// RFC 3339 (UTC, whole seconds) for a point in time, without a time crate.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64;
    k8s_openapi::jiff::Timestamp::from_second(secs).map(|ts| ts.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, os: &str, ready: bool) -> Node {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": {"kubernetes.io/os": os}},
            "status": {
                "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                "nodeInfo": {
                    "architecture": "amd64", "bootID": "", "containerRuntimeVersion": "containerd://1.7.20",
                    "kernelVersion": "10.0.20348.2582", "kubeProxyVersion": "", "kubeletVersion": "v1.31.0",
                    "machineID": "", "operatingSystem": os, "osImage": "Windows Server 2022 Datacenter",
                    "systemUUID": ""
                }
            }
        }))
        .unwrap()
    }

    fn cluster() -> Vec<Node> {
        vec![
            node("win-a", "windows", true),
            node("win-b", "windows", false),
            node("lin", "linux", true),
            node("win-c", "windows", true),
        ]
    }

    fn select(req: &Request) -> (Result<Vec<String>>, Vec<String>) {
        let mut skipped = Vec::new();
        let r = select_targets(&cluster(), req, Some("v1.31.0"), &mut |n, why| skipped.push(format!("{n}: {why}")));
        (r, skipped)
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn all_takes_the_ready_windows_nodes_and_skips_the_others() {
        let (r, skipped) = select(&Request { all: true, ..Default::default() });
        assert_eq!(r.unwrap(), ["win-a", "win-c"]);
        assert_eq!(skipped, ["win-b: node is NotReady"]);
        let (r, _) = select(&Request { selector: Some("x=y".into()), ..Default::default() });
        assert_eq!(r.unwrap(), ["win-a", "win-c"]);
    }

    #[test]
    fn all_with_no_usable_node_or_with_names_is_a_usage_error() {
        let mut skipped = Vec::new();
        let only_bad = vec![node("win-b", "windows", false), node("lin", "linux", true)];
        let e = select_targets(&only_bad, &Request { all: true, ..Default::default() }, None, &mut |n, _| {
            skipped.push(n.to_string())
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "no Windows node that can run HostProcess pods matches");
        assert_eq!(skipped, ["win-b"]);
        let (r, _) = select(&Request { all: true, nodes: names(&["win-a"]), ..Default::default() });
        assert_eq!(r.unwrap_err().to_string(), "give node names, or --all / -l, not both");
    }

    #[test]
    fn named_nodes_are_checked_one_by_one() {
        let (r, skipped) = select(&Request { nodes: names(&["win-c", "win-a", "win-c"]), ..Default::default() });
        assert_eq!(r.unwrap(), ["win-c", "win-a"]);
        assert!(skipped.is_empty());
        let (r, _) = select(&Request { nodes: names(&["win-b"]), ..Default::default() });
        let e = r.unwrap_err();
        assert!(matches!(e, Error::NodeNotReady { .. }), "{e}");
        assert_eq!(e.to_string(), "node \"win-b\" cannot run HostProcess pods: node is NotReady");
        let (r, _) = select(&Request { nodes: names(&["lin"]), ..Default::default() });
        assert_eq!(r.unwrap_err().to_string(), "node \"lin\" is not a Windows node (kubernetes.io/os=linux)");
        let (r, _) = select(&Request { nodes: names(&["win-a", "nope"]), ..Default::default() });
        let e = r.unwrap_err();
        assert!(matches!(&e, Error::NodeNotFound(n) if n == "nope"));
        assert_eq!(e.exit_code(), crate::error::ExitCode::Usage);
        let (r, _) = select(&Request::default());
        assert_eq!(r.unwrap_err().to_string(), "name a Windows node, or use --all or -l SELECTOR");
    }

    #[test]
    fn the_command_is_argv_powershell_or_a_shell() {
        let req = Request { powershell: Some("Get-Service | Select -First 1".into()), ..Default::default() };
        assert_eq!(
            command_of(&req).unwrap(),
            ["powershell.exe", "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", "Get-Service | Select -First 1"]
        );
        let req = Request { command: names(&["cmd", "/c", "echo a && echo b"]), ..Default::default() };
        assert_eq!(command_of(&req).unwrap(), ["cmd", "/c", "echo a && echo b"]);
        let req = Request { command: names(&["ipconfig"]), stdin: true, tty: true, ..Default::default() };
        assert_eq!(command_of(&req).unwrap(), ["ipconfig"]);
        let req = Request { stdin: true, tty: true, ..Default::default() };
        assert_eq!(command_of(&req).unwrap(), ["powershell.exe", "-NoLogo"]);
        let req = Request { tty: true, ..Default::default() };
        assert_eq!(command_of(&req).unwrap(), ["powershell.exe", "-NoLogo"]);
        let e = command_of(&Request::default()).unwrap_err();
        assert_eq!(e.to_string(), "no command: pass one after --, use --powershell 'SCRIPT', or -it for a shell");
    }

    #[test]
    fn pod_options_carry_the_request_and_its_deadline() {
        let req = Request {
            image: "img:1".into(),
            run_as: RunAs::NetworkService,
            env: names(&["A=1"]),
            labels: names(&["team=ops"]),
            annotations: names(&["note=x=y"]),
            pod_running_timeout: Duration::from_secs(300),
            ..Default::default()
        };
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_795_824_000);
        let o = options_at(&req, "ops", "WIN_1", now, "abcde").unwrap();
        assert_eq!(o.name, "hostprocess-win-1-abcde");
        assert_eq!((o.namespace.as_str(), o.node.as_str(), o.image.as_str()), ("ops", "WIN_1", "img:1"));
        assert_eq!(o.run_as, RunAs::NetworkService);
        assert_eq!(o.env, [("A".to_string(), "1".to_string())]);
        assert_eq!(o.labels, [("team".to_string(), "ops".to_string())]);
        assert_eq!(o.annotations, [("note".to_string(), "x=y".to_string())]);
        // No --timeout: the default hour, plus the wait for Running, plus a minute.
        assert_eq!(o.deadline_seconds, 3600 + 300 + 60);
        assert_eq!(o.created_at, "2026-11-28T00:00:00Z");
        assert_eq!(o.deadline_at, "2026-11-28T01:06:00Z");
        let o = options_at(&Request { timeout: Duration::from_secs(60), ..req.clone() }, "ops", "n", now, "z").unwrap();
        assert_eq!(o.deadline_seconds, 60 + 300 + 60);
        let e = options_at(&Request { env: names(&["nope"]), ..req }, "ops", "n", now, "z").unwrap_err();
        assert_eq!(e.to_string(), "--env \"nope\": expected KEY=VALUE");
    }

    #[test]
    fn the_pod_deadline_is_settable_and_its_default_is_said() {
        let prt = Duration::from_secs(300);
        // --timeout 0 is no client limit, but the pod still ends after 1h + 5m + 1m.
        assert_eq!(default_deadline(Duration::ZERO, prt), Duration::from_secs(3960));
        assert_eq!(default_deadline(Duration::from_secs(60), prt), Duration::from_secs(420));
        let req = Request { pod_running_timeout: prt, ..Default::default() };
        assert_eq!(deadline_seconds(&req), 3960);
        let short = Request { pod_deadline: Some(Duration::from_secs(5)), ..req.clone() };
        assert_eq!(deadline_seconds(&short), 5);
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_795_824_000);
        let o = options_at(&short, "ops", "n", now, "z").unwrap();
        assert_eq!(o.deadline_seconds, 5);
        assert_eq!(o.deadline_at, "2026-11-28T00:00:05Z");
        let pod = super::super::spec::throwaway_pod(&o);
        assert_eq!(pod.spec.unwrap().active_deadline_seconds, Some(5));
        // Huge values saturate instead of overflowing.
        let huge = Request { pod_deadline: Some(Duration::from_secs(u64::MAX)), ..req.clone() };
        assert_eq!(deadline_seconds(&huge), i64::MAX);
        assert_eq!(default_deadline(Duration::MAX, prt), Duration::MAX);
        // A --timeout the pod can never reach, and a zero deadline, are refused.
        assert!(check_deadline(&req).is_ok());
        assert!(check_deadline(&short).is_ok());
        let e = check_deadline(&Request { timeout: Duration::from_secs(60), ..short.clone() }).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--timeout 60s is longer than --pod-deadline 5s: the pod's deadline would end the command first"
        );
        let e = check_deadline(&Request { pod_deadline: Some(Duration::ZERO), ..req }).unwrap_err();
        assert_eq!(e.to_string(), "--pod-deadline must be at least 1s");
    }

    #[test]
    fn output_sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64Ki"), Ok(64 * 1024));
        assert_eq!(parse_size("1Mi"), Ok(1 << 20));
        assert_eq!(parse_size("2MiB"), Ok(2 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("1.5Mi").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("99999999999999999999Gi").is_err());
        assert_eq!(max_output(&Request::default()), DEFAULT_MAX_OUTPUT);
        assert_eq!(max_output(&Request { max_output: 10, ..Default::default() }), 10);
    }

    #[test]
    fn pod_names_are_fresh_dns_labels() {
        let a = options_for(&Request::default(), "ns", "win-1").unwrap().name;
        assert!(a.starts_with("hostprocess-win-1-") && a.len() == "hostprocess-win-1-".len() + 5, "{a}");
        let s = random_suffix(8);
        assert_eq!(s.len(), 8);
        assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{s}");
        assert_ne!(random_suffix(8), random_suffix(8));
        assert_eq!(rfc3339(std::time::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
