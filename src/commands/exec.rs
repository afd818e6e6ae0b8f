//! `exec`: run a command on Windows nodes through a throwaway HostProcess pod.
//!
//! preflight (nodes, RBAC, Pod Security by server-side dry-run) → create → wait Running →
//! exec → delete. Every pod is deleted on every path unless `--keep`.

use std::time::Duration;

use crate::cli::{ExecArgs, ExecFormat, FanoutStyle, GlobalArgs};
use crate::error::{Error, ExitCode, Result};
use crate::exec::fanout::{NodeOutcome, fan_out};
use crate::exec::lifecycle::Lifecycle;
use crate::exec::node::{local_exit_code, run_on_node};
use crate::exec::plan::{CONFIRM_ABOVE, Request, check_deadline, command_of, options_for, random_suffix};
use crate::exec::session;
use crate::exec::signals::Signals;
use crate::exec::sink::Sink;
use crate::exec::spec::throwaway_pod;
use crate::kube;
use crate::output::exec::{FanoutReport, cut_notes, print_group, render_summary};

/// ` (0xC0000005)` for a negative code, the way Windows shows an NTSTATUS; empty otherwise.
fn hex_ntstatus(code: i32) -> String {
    if code < 0 { format!(" (0x{:08X})", code as u32) } else { String::new() }
}

pub async fn run(global: &GlobalArgs, args: &ExecArgs) -> Result<ExitCode> {
    let mut signals = Signals::new();
    let req = Request::from(args);
    let command = command_of(&req)?;
    check_deadline(&req)?;
    if req.interactive() && (req.by_selection() || req.nodes.len() > 1) {
        return Err(Error::Usage("-i/-t work on one node only".into()));
    }
    // Preflight creates nothing; an interrupt here just stops.
    let (kube, targets) = session::interruptible(&mut signals, async {
        let kube = kube::connect(global).await?;
        let targets = session::find_targets(&kube, &req).await?;
        Ok((kube, targets))
    })
    .await?;
    let namespace = kube.namespace.clone();
    let fanout = targets.names.len() > 1 || req.by_selection();

    if args.dry_run {
        let pod = throwaway_pod(&options_for(&req, &namespace, &targets.names[0])?);
        let mut text = format!(
            "# target nodes ({}): {}\n# command: {:?}\n",
            targets.names.len(),
            targets.names.join(", "),
            command
        );
        text.push_str(&crate::output::yaml(&pod)?);
        crate::output::print(&text)?;
        return Ok(ExitCode::Ok);
    }
    if targets.names.len() > CONFIRM_ABOVE && !args.yes && !session::confirm(targets.names.len(), "Run on")? {
        crate::stderr_line!("aborted");
        return Ok(ExitCode::Findings);
    }
    let lc = Lifecycle::new(kube.clone(), namespace.clone(), random_suffix(8));
    session::interruptible(&mut signals, session::preflight(&lc, &req, &targets.names[0])).await?;

    let work = async {
        if !fanout {
            let opts = options_for(&req, &namespace, &targets.names[0])?;
            let node = targets.node(&targets.names[0]);
            let result = run_on_node(&lc, &req, &opts, &command, node, Sink::Direct, false).await;
            Ok::<_, Error>(vec![NodeOutcome { pod: opts, result, duration: Duration::ZERO, captured: None }])
        } else {
            // -o json captures for the report; --style group captures to print each node whole.
            let grouped = args.output.is_none() && args.style == FanoutStyle::Group;
            let print = |o: &mut NodeOutcome| {
                if let Some(c) = &o.captured {
                    if grouped {
                        print_group(&o.pod.node, c);
                    }
                    for note in cut_notes(&o.pod.node, c) {
                        crate::stderr_line!("{note}");
                    }
                }
            };
            let capture = args.output.is_some() || args.style == FanoutStyle::Group;
            fan_out(&lc, &req, &targets.names, &targets.nodes, &command, capture, &print).await
        }
    };
    let outcome = session::run(&lc, &mut signals, req.keep, work).await;
    let results = outcome?;
    if !fanout {
        let one = results.into_iter().next().expect("one result");
        return one.result.map(|remote| {
            let local = local_exit_code(remote);
            if local != remote {
                crate::stderr_line!(
                    "remote exit code {remote}{}: exiting {local} (a local exit status holds 0-255)",
                    hex_ntstatus(remote)
                );
            }
            ExitCode::Remote(local)
        });
    }
    let report = FanoutReport::new(results);
    match args.output {
        Some(ExecFormat::Json) => crate::output::print(&crate::output::json(&report)?)?,
        None => eprint!("{}", render_summary(&report)),
    }
    Ok(if report.failed == 0 { ExitCode::Ok } else { ExitCode::Findings })
}

#[cfg(test)]
mod tests {
    #[test]
    fn negative_codes_are_shown_as_ntstatus() {
        assert_eq!(super::hex_ntstatus(-1073741819), " (0xC0000005)");
        assert_eq!(super::hex_ntstatus(256), "");
    }
}
