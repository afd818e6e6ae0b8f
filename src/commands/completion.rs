//! Shell completion.
//!
//! `kubectl hostprocess <TAB>` is completed by kubectl itself (1.26+): it runs the executable
//! `kubectl_complete-hostprocess` from PATH with the words typed after `hostprocess`, in cobra's
//! `__complete` protocol (one candidate a line, then `:DIRECTIVE`). That helper is a two-line
//! script calling our hidden `__complete` subcommand.

use std::time::Duration;

use clap::CommandFactory;

use crate::cli::{Cli, CompleteArgs, CompletionArgs, CompletionShell, GlobalArgs};
use crate::error::{ExitCode, Result};

/// cobra's ShellCompDirectiveNoFileComp.
const NO_FILE_COMP: u32 = 4;

pub const HELPER: &str = "#!/bin/sh\n# kubectl calls this for `kubectl hostprocess <TAB>` (kubectl 1.26+).\nexec kubectl-hostprocess __complete \"$@\"\n";

pub fn script(args: &CompletionArgs) -> Result<ExitCode> {
    use clap_complete::{Shell, generate};
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
        CompletionShell::KubectlHelper => {
            crate::output::print(HELPER)?;
            return Ok(ExitCode::Ok);
        }
    };
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    generate(shell, &mut cmd, "kubectl-hostprocess", &mut buf);
    crate::output::print(&String::from_utf8_lossy(&buf))?;
    Ok(ExitCode::Ok)
}

/// Candidates for the last word, given the words before it. Pure apart from `nodes`.
pub fn candidates(words: &[String], nodes: &dyn Fn() -> Vec<String>) -> Vec<String> {
    let cmd = Cli::command();
    let (current, before) = match words.split_last() {
        Some((c, b)) => (c.as_str(), b),
        None => ("", &[][..]),
    };
    let global_flags: Vec<String> =
        cmd.get_arguments().filter_map(|a| a.get_long().map(|l| format!("--{l}"))).collect();
    // The subcommand is the first word that is not a flag or a flag's value.
    let takes_value = |w: &str| {
        cmd.get_arguments()
            .any(|a| a.get_long().is_some_and(|l| w == format!("--{l}")) && a.get_action().takes_values())
            || w == "-n"
    };
    let mut sub = None;
    let mut skip = false;
    for w in before {
        if skip {
            skip = false;
            continue;
        }
        if w.starts_with('-') {
            skip = !w.contains('=') && takes_value(w);
            continue;
        }
        sub = Some(w.as_str());
        break;
    }
    let filter = |v: Vec<String>| -> Vec<String> { v.into_iter().filter(|c| c.starts_with(current)).collect() };
    let Some(sub) = sub else {
        if current.starts_with('-') {
            return filter(global_flags);
        }
        return filter(cmd.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| s.get_name().to_string()).collect());
    };
    let Some(sc) = cmd.find_subcommand(sub) else { return vec![] };
    let prev = before.last().map(String::as_str).unwrap_or("");
    // Values of flags.
    let value_of = |flag: &str| -> Option<Vec<String>> {
        let a = sc.get_arguments().find(|a| {
            a.get_long().is_some_and(|l| flag == format!("--{l}"))
                || a.get_short().is_some_and(|s| flag == format!("-{s}"))
        })?;
        if !a.get_action().takes_values() {
            return None;
        }
        Some(a.get_possible_values().iter().map(|v| v.get_name().to_string()).collect())
    };
    if prev.starts_with('-')
        && let Some(values) = value_of(prev)
    {
        return filter(values);
    }
    if current.starts_with('-') {
        let mut flags: Vec<String> = sc
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        flags.extend(global_flags);
        flags.sort();
        flags.dedup();
        return filter(flags);
    }
    if before.iter().any(|w| w == "--") {
        return vec![];
    }
    match sub {
        "exec" | "nodes" => filter(nodes()),
        "doctor" => {
            if let Some(rest) = current.strip_prefix("node/") {
                return nodes().into_iter().filter(|n| n.starts_with(rest)).map(|n| format!("node/{n}")).collect();
            }
            filter(crate::target::prefixes())
        }
        "explain" => filter(crate::checks::all().iter().map(|r| r.id.to_string()).collect()),
        "template" => filter(vec!["pod".into(), "daemonset".into()]),
        "completion" => {
            filter(["bash", "zsh", "fish", "powershell", "kubectl-helper"].iter().map(|s| s.to_string()).collect())
        }
        _ => vec![],
    }
}

/// Windows node names from the cluster the words point at (bounded: completion must be quick).
async fn node_names(global: &GlobalArgs) -> Vec<String> {
    let mut g = global.clone();
    g.request_timeout = Duration::from_secs(3);
    let Ok(kube) = crate::kube::connect(&g).await else { return vec![] };
    let nodes = crate::kube::collect::list_cluster::<k8s_openapi::api::core::v1::Node>(
        &kube,
        Some("kubernetes.io/os=windows"),
        "nodes",
    )
    .await
    .unwrap_or_default();
    let mut names: Vec<String> = nodes.iter().map(|n| crate::snapshot::node_name(n).to_string()).collect();
    names.sort();
    names
}

pub async fn complete(global: &GlobalArgs, args: &CompleteArgs) -> Result<ExitCode> {
    // The words may carry kubectl flags (--context, --kubeconfig, -n) that point at a cluster.
    let mut g = global.clone();
    let mut it = args.words.iter().peekable();
    while let Some(w) = it.next() {
        let mut take = |flag: &str| -> Option<String> {
            if w == flag {
                it.peek().map(|s| s.to_string())
            } else {
                w.strip_prefix(&format!("{flag}=")).map(str::to_string)
            }
        };
        if let Some(v) = take("--kubeconfig") {
            g.kubeconfig = Some(v.into());
        } else if let Some(v) = take("--context") {
            g.context = Some(v);
        }
    }
    let needs_nodes = {
        let probe = std::cell::Cell::new(false);
        let _ = candidates(&args.words, &|| {
            probe.set(true);
            vec![]
        });
        probe.get()
    };
    let names = if needs_nodes { node_names(&g).await } else { vec![] };
    let mut out = String::new();
    for c in candidates(&args.words, &|| names.clone()) {
        out.push_str(&c);
        out.push('\n');
    }
    out.push_str(&format!(":{NO_FILE_COMP}\n"));
    crate::output::print(&out)?;
    Ok(ExitCode::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(words: &[&str]) -> Vec<String> {
        let w: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        candidates(&w, &|| vec!["win-1".into(), "win-2".into()])
    }

    #[test]
    fn completes_subcommands_flags_and_nodes() {
        assert_eq!(c(&["d"]), ["doctor"]);
        assert!(c(&[""]).contains(&"exec".to_string()));
        assert!(!c(&[""]).contains(&"__complete".to_string()));
        assert_eq!(c(&["exec", "win-"]), ["win-1", "win-2"]);
        assert_eq!(c(&["-n", "ops", "exec", ""]), ["win-1", "win-2"]);
        assert!(c(&["exec", "--pod"]).contains(&"--pod-running-timeout".to_string()));
        assert!(c(&["exec", "--kube"]).contains(&"--kubeconfig".to_string()));
        assert_eq!(c(&["doctor", "node/win-2"]), ["node/win-2"]);
        assert_eq!(c(&["explain", "HP01"]).len(), 10);
        assert_eq!(c(&["lint", "-o", "s"]), ["sarif"]);
        assert!(c(&["exec", "win-1", "--", ""]).is_empty());
    }
}
