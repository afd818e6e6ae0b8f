//! `cp`: copy files and directories to and from a Windows node through a throwaway
//! HostProcess pod, PowerShell only on the node (no tar, no sh). See `transfer/`.

use std::path::Path;

use crate::cli::{CpArgs, GlobalArgs, NodeSelection};
use crate::error::{Error, ExitCode, Result};
use crate::exec::lifecycle::Lifecycle;
use crate::exec::node::{DEADLINE_GRACE, deadline_error, start_pod};
use crate::exec::plan::{options_for, random_suffix};
use crate::exec::session;
use crate::exec::signals::Signals;
use crate::output::escape::terminal_safe_line;
use crate::transfer::path::{Direction, Existing, parse_direction};
use crate::transfer::{existing, not_found, remote, send};

pub async fn run(global: &GlobalArgs, args: &CpArgs) -> Result<ExitCode> {
    let mut signals = Signals::new();
    let direction = parse_direction(&args.source, &args.destination)?;
    // Local paths are checked before anything reaches the cluster.
    let (node, entries) = match &direction {
        Direction::Upload { local, node, .. } => (node.clone(), send::walk(Path::new(local))?),
        Direction::Download { node, local, .. } => {
            let p = Path::new(local);
            let parent = p.parent().filter(|x| !x.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if existing(p)? == Existing::Missing && existing(parent)? != Existing::Dir {
                return Err(not_found(format!("{}: the directory {} does not exist", p.display(), parent.display())));
            }
            (node.clone(), vec![])
        }
    };
    let select = NodeSelection { nodes: vec![node.clone()], all_nodes: false, selector: None };
    let req = super::node_request(&select, &args.pod);
    let kube = session::interruptible(&mut signals, async {
        let kube = crate::kube::connect(global).await?;
        session::find_targets(&kube, &req).await?;
        Ok(kube)
    })
    .await?;
    let namespace = kube.namespace.clone();
    let lc = Lifecycle::new(kube, namespace.clone(), random_suffix(8));
    session::interruptible(&mut signals, session::preflight(&lc, &req, &node)).await?;
    let opts = options_for(&req, &namespace, &node)?;
    let work = async {
        let pod_deadline = start_pod(&lc, &req, &opts, None, false).await?;
        let copy = async {
            match &direction {
                Direction::Download { remote: path, local, .. } => {
                    let what = format!("{node}:{path}");
                    remote::download(&lc, &opts.name, path, Path::new(local), &what).await
                }
                Direction::Upload { remote: path, .. } => {
                    let what = format!("{node}:{path}");
                    remote::upload(&lc, &opts.name, &entries, path, &what).await
                }
            }
        };
        tokio::select! {
            r = copy => r,
            _ = tokio::time::sleep_until(pod_deadline + DEADLINE_GRACE) => Err(deadline_error(&opts)),
        }
    };
    let progress = session::run(&lc, &mut signals, false, work).await.map_err(|e| match e {
        Error::Transfer { kind, message, hint } => {
            Error::Transfer { kind, message: terminal_safe_line(&message).into_owned(), hint }
        }
        e => e,
    })?;
    crate::stderr_line!("{}", progress.summary());
    Ok(ExitCode::Ok)
}
