//! `collect`: a support bundle. Targets and preflight (nothing created) → the cluster part
//! (`bundle::cluster`) → the collector on each node through throwaway pods
//! (`exec::session` + `exec::fanout`, cleanup on every path) → one `.tar.gz` (or directory)
//! written under a temporary name and renamed at the end (`bundle::writer`).

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use crate::bundle::collector::{self, CollectorOptions};
use crate::bundle::manifest::{ClusterInfo, Item, Manifest, NodeRecord, Options, Skipped, Tool};
use crate::bundle::node_part::{node_result, progress_line};
use crate::bundle::writer::{BundleWriter, bundle_name};
use crate::bundle::{FORMAT, NODES_DIR, cluster};
use crate::cli::{CollectArgs, GlobalArgs};
use crate::error::{Error, ExitCode, Result};
use crate::exec::fanout::{NodeOutcome, fan_out};
use crate::exec::lifecycle::Lifecycle;
use crate::exec::plan::{CONFIRM_ABOVE, Request, check_deadline, command_of, random_suffix, rfc3339};
use crate::exec::session::{self, Targets};
use crate::exec::signals::Signals;
use crate::kube;
use crate::output::escape::terminal_safe_line;
use crate::snapshot::{node_name, node_os};

/// The collector's limits from the flags.
fn collector_options(args: &CollectArgs) -> CollectorOptions {
    CollectorOptions {
        log_tail_lines: args.tail.max(1),
        event_hours: args.since.as_secs().div_ceil(3600).clamp(1, u32::MAX as u64) as u32,
        item_timeout_secs: args.item_timeout.as_secs().clamp(1, u32::MAX as u64) as u32,
    }
}

/// Where the bundle goes: a `.tar.gz` file, or a directory inside `--output-dir`.
enum Dest {
    File(PathBuf),
    Dir(PathBuf),
}

fn destination(args: &CollectArgs, name: &str) -> Result<Dest> {
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir)?;
        if dir.join(name).exists() {
            return Err(Error::Usage(format!("{} exists already", dir.join(name).display())));
        }
        return Ok(Dest::Dir(dir.clone()));
    }
    let file = args.output.clone().unwrap_or_else(|| PathBuf::from(format!("{name}.tar.gz")));
    if file.as_os_str() == "-" {
        return Err(Error::Usage("-o - is not supported: give a file name or --output-dir".into()));
    }
    if file.exists() {
        return Err(Error::Usage(format!("{} exists already: the bundle never overwrites a file", file.display())));
    }
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(Error::Usage(format!("the directory {} does not exist", parent.display())));
    }
    Ok(Dest::File(file))
}

/// The nodes `-l`/`--all-nodes` left out, and why: those that are not Windows, and the Windows
/// nodes that cannot run HostProcess pods (as the targets' choice recorded them).
fn skipped_nodes(t: &Targets, req: &Request) -> Vec<Skipped> {
    if !req.by_selection() {
        return Vec::new();
    }
    let not_windows = t.nodes.iter().filter(|n| node_os(n) != "windows").map(|n| {
        let os = node_os(n);
        let os = if os.is_empty() { "unknown".to_string() } else { os };
        Skipped { name: node_name(n).to_string(), reason: format!("not a Windows node (kubernetes.io/os={os})") }
    });
    let not_ready = t.skipped.iter().map(|(name, why)| Skipped { name: name.clone(), reason: why.clone() });
    not_windows.chain(not_ready).collect()
}
pub async fn run(global: &GlobalArgs, args: &CollectArgs) -> Result<ExitCode> {
    let created = SystemTime::now();
    let unix = created.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let name = bundle_name(unix as i64);
    let dest = destination(args, &name)?;
    let mut signals = Signals::new();
    let opts = collector_options(args);
    let mut req = crate::commands::node_request(&args.select, &args.pod);
    req.powershell = Some(collector::script(&opts));
    req.max_output = args.max_output;
    req.timeout = args.timeout;
    let command = command_of(&req)?;
    check_deadline(&req)?;
    let want_nodes = !req.nodes.is_empty() || req.by_selection();

    // Nothing is created before the node part: an interrupt until then just stops.
    let (kube, targets) = session::interruptible(&mut signals, async {
        let kube = kube::connect(global).await?;
        let targets = if want_nodes { Some(session::find_targets(&kube, &req).await?) } else { None };
        Ok((kube, targets))
    })
    .await?;
    let names = targets.as_ref().map(|t| t.names.clone()).unwrap_or_default();
    if names.len() > CONFIRM_ABOVE && !args.pod.yes && !session::confirm(names.len(), "Collect from")? {
        crate::stderr_line!("aborted");
        return Ok(ExitCode::Findings);
    }
    let lc = Lifecycle::new(kube.clone(), kube.namespace.clone(), random_suffix(8));
    if let Some(first) = names.first() {
        session::interruptible(&mut signals, session::preflight(&lc, &req, first)).await?;
    }

    let scope = global.namespace.as_deref();
    crate::stderr_line!(
        "collecting the cluster part ({})…",
        scope.map(|n| format!("namespace {n}")).unwrap_or("all namespaces".into())
    );
    // With --all-nodes the targets' LIST was of every node: the cluster part reuses it.
    let all_nodes = targets.as_ref().filter(|_| req.all && req.selector.is_none()).map(|t| t.nodes.clone());
    let part = session::interruptible(&mut signals, cluster::gather(&kube, scope, args.max_logs, all_nodes)).await?;
    let mut writer = match &dest {
        Dest::File(f) => BundleWriter::tar_gz(f, &name, unix),
        Dest::Dir(d) => BundleWriter::dir(d, &name, unix),
    }?;
    let cluster_bytes: usize = part.files.iter().map(|f| f.data.len()).sum();
    for f in &part.files {
        let item =
            Item { path: f.path.clone(), part: "cluster".into(), redactions: f.redactions, ..Default::default() };
        writer.add(item, &f.data)?;
    }
    crate::stderr_line!(
        "cluster part: {} files, {:.1} MiB, {:.1} s",
        part.files.len(),
        cluster_bytes as f64 / 1048576.0,
        part.summary.duration_ms as f64 / 1000.0
    );
    if let Some(first) = part.summary.skipped.first() {
        let names: Vec<&str> = part.summary.skipped.iter().map(|s| s.name.as_str()).collect();
        crate::stderr_line!(
            "skipped {} (the first: {}); manifest.json says why for each",
            names.join(", "),
            terminal_safe_line(&first.reason)
        );
    }

    let mut nodes = Vec::new();
    if !names.is_empty() {
        crate::stderr_line!(
            "collecting from {} nodes ({} at a time, at most {} MiB of output each)…",
            names.len(),
            req.max_concurrency.min(names.len()),
            args.max_output >> 20
        );
        for n in &names {
            crate::stderr_line!("[{n}] collecting…");
        }
        let shared = Mutex::new((writer, Vec::<NodeRecord>::new(), None::<std::io::Error>));
        // Each node's output is written and dropped as the node finishes: memory holds the
        // nodes still running, not every node's output until the last one ends.
        let on_done = |o: &mut NodeOutcome| {
            write_node(&shared, o, args.max_output);
            o.captured = None;
        };
        let t = targets.as_ref().expect("targets with names");
        let work = fan_out(&lc, &req, &names, &t.nodes, &command, true, &on_done);
        // Whatever ends the run, every pod is deleted; an interrupt drops the unfinished bundle.
        session::run(&lc, &mut signals, false, work).await?;
        let (w, recs, err) = shared.into_inner().expect("bundle lock");
        if let Some(e) = err {
            return Err(e.into());
        }
        writer = w;
        // In the order chosen, whatever order they finished in.
        nodes = names.iter().filter_map(|n| recs.iter().find(|r| &r.name == n).cloned()).collect();
    } else {
        crate::stderr_line!("no node named (NODE…, -l or --all-nodes): the bundle holds the cluster part only");
    }

    let manifest = Manifest {
        format: FORMAT.into(),
        tool: Tool { name: "kubectl-hostprocess".into(), version: env!("CARGO_PKG_VERSION").into() },
        created: rfc3339(created),
        cluster: ClusterInfo {
            server: kube.server.clone(),
            context: kube.context.clone(),
            server_version: part.server_version.clone(),
        },
        options: Options {
            nodes: req.nodes.clone(),
            selector: req.selector.clone(),
            all_nodes: req.all,
            namespace: global.namespace.clone(),
            pod_namespace: kube.namespace.clone(),
            max_logs: args.max_logs,
            log_tail_lines: opts.log_tail_lines,
            event_hours: opts.event_hours,
            item_timeout_secs: opts.item_timeout_secs,
            max_output_bytes: args.max_output as u64,
            node_timeout_secs: args.timeout.as_secs(),
        },
        cluster_part: part.summary,
        skipped_nodes: targets.as_ref().map(|t| skipped_nodes(t, &req)).unwrap_or_default(),
        nodes,
        items: Vec::new(),
    };
    let all_ok = manifest.nodes.iter().all(|n| n.status == crate::bundle::manifest::NodeStatus::Ok);
    let path = writer.finish(manifest)?;
    crate::output::print(&format!("{}\n", path.display()))?;
    Ok(if all_ok { ExitCode::Ok } else { ExitCode::Findings })
}

/// One node is done: decode its output, write its items into the bundle, keep its record,
/// print its progress line. Runs as each node finishes, so only unfinished nodes are in memory.
fn write_node(
    shared: &Mutex<(BundleWriter, Vec<NodeRecord>, Option<std::io::Error>)>,
    o: &NodeOutcome,
    max_output: usize,
) {
    let node = o.pod.node.as_str();
    let (mut rec, items) = node_result(node, &o.pod.name, &o.result, o.captured.as_ref(), o.duration, max_output);
    let mut guard = shared.lock().expect("bundle lock");
    let (writer, records, failed) = &mut *guard;
    for it in items {
        let mut item = Item {
            path: format!("{NODES_DIR}/{node}/{}", it.path),
            part: "node".into(),
            node: Some(node.to_string()),
            error: it.error.clone(),
            redactions: it.redactions,
            duration_ms: it.duration_ms,
            ..Default::default()
        };
        if it.error.is_some() && it.data.is_empty() {
            writer.record(item);
            continue;
        }
        match writer.add(item.clone(), &it.data) {
            Ok(()) => {
                rec.items += 1;
                rec.bytes += it.data.len() as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                item.error = Some(format!("not written: {e}"));
                writer.record(item);
            }
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    crate::stderr_line!("[{node}] {}", terminal_safe_line(&progress_line(&rec)));
    records.push(rec);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn args(extra: &[&str]) -> CollectArgs {
        let mut argv = vec!["k", "collect"];
        argv.extend_from_slice(extra);
        let Command::Collect(a) = Cli::try_parse_from(argv).unwrap().command else { panic!() };
        a
    }

    #[test]
    fn flags_become_collector_limits() {
        let o = collector_options(&args(&["--since", "90m", "--tail", "50", "--item-timeout", "1m"]));
        assert_eq!(o, CollectorOptions { log_tail_lines: 50, event_hours: 2, item_timeout_secs: 60 });
        let a = args(&[]);
        assert_eq!(collector_options(&a), CollectorOptions::default());
        assert_eq!(a.max_output, 256 << 20);
        assert_eq!(bundle_name(1_764_570_000), "hostprocess-bundle-20251201T062000Z");
    }

    #[test]
    fn an_existing_output_is_refused_before_any_request() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("b.tar.gz");
        std::fs::write(&f, "x").unwrap();
        let e = destination(&args(&["-o", f.to_str().unwrap()]), "n").err().unwrap();
        assert!(e.to_string().contains("exists already"), "{e}");
        let missing = dir.path().join("nope/b.tar.gz");
        assert!(destination(&args(&["-o", missing.to_str().unwrap()]), "n").is_err());
        assert!(matches!(destination(&args(&["--output-dir", dir.path().to_str().unwrap()]), "n"), Ok(Dest::Dir(_))));
    }
}
