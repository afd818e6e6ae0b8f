//! Command line: kubectl's global flag names and meanings, one subcommand per job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exec::run_as::{RunAs, parse_run_as};

#[derive(Debug, Parser)]
#[command(
    name = "kubectl-hostprocess",
    bin_name = "kubectl hostprocess",
    version,
    about = "Diagnose Windows HostProcess pods and run commands on Windows nodes",
    long_about = "Diagnose Windows HostProcess pods and run commands on Windows nodes.\n\n\
        `doctor` explains why HostProcess pods and DaemonSets are stuck; `exec` runs a command on \
        Windows nodes through a throwaway HostProcess pod that is always deleted.",
    after_help = "Exit codes: 0 ok · 1 findings at or above --fail-on (or a failed node in a fan-out) · \
        2 bad usage or input · 3 API server unreachable or forbidden · 130 interrupted · \
        exec on one node: the remote command's code"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// kubectl does not pass its own flags to plugins, so the plugin implements them.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, which may list several files, or ~/.kube/config)
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The kubeconfig cluster to use
    #[arg(long, global = true)]
    pub cluster: Option<String>,
    /// The kubeconfig user to use
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// The namespace scope for this request
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// Username to impersonate for the operation
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
    /// Group to impersonate for the operation (repeatable)
    #[arg(long = "as-group", global = true, value_name = "GROUP")]
    pub as_group: Vec<String>,
    /// How long to wait for one API request before giving up (e.g. 10s, 1m; 0 = no limit)
    #[arg(long, global = true, default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: std::time::Duration,
    /// Objects per LIST request (kubectl's --chunk-size; 0 = one request per kind, unpaged)
    #[arg(long, global = true, value_name = "N", default_value_t = crate::kube::collect::PAGE)]
    pub chunk_size: u32,
    /// Log more on stderr (-v, -vv, -vvv)
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to color the output (honours NO_COLOR)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// `nodes -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum NodesFormat {
    /// Human-readable (default)
    #[default]
    Human,
    /// A wider table
    Wide,
    Json,
    Yaml,
}

/// `doctor -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DoctorFormat {
    /// Human-readable (default)
    #[default]
    Human,
    Json,
    Yaml,
}

/// `lint -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LintFormat {
    /// Human-readable (default)
    #[default]
    Human,
    Json,
    Yaml,
    /// SARIF 2.1.0 for code scanning
    Sarif,
}

/// `exec -o` (fan-out results as data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExecFormat {
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Which Windows nodes can run HostProcess pods, and if not, why not
    Nodes(NodesArgs),
    /// Explain why HostProcess pods and workloads are stuck (live, or from a dump)
    Doctor(DoctorArgs),
    /// Run a command on Windows nodes through a throwaway HostProcess pod
    Exec(ExecArgs),
    /// Check HostProcess manifests before they reach the cluster
    Lint(LintArgs),
    /// Print the documentation of a rule (or list every rule)
    Explain(ExplainArgs),
    /// Write a correct HostProcess manifest
    Template(TemplateArgs),
    /// Print a ValidatingAdmissionPolicy (and binding) that refuses what `lint` calls an error
    Policy(PolicyArgs),
    /// Delete throwaway pods left behind by `exec`
    Cleanup(CleanupArgs),
    /// Gather a support bundle: the cluster part and node-side evidence from Windows nodes
    Collect(CollectArgs),
    /// Copy files and directories to and from Windows nodes (NODE:PATH), no tar needed
    Cp(CpArgs),
    /// Logs of node services (kubelet, containerd, kube-proxy, …) on Windows nodes
    Logs(LogsArgs),
    /// Shell completion: a script for bash, zsh, fish or powershell, or the kubectl helper
    Completion(CompletionArgs),
    /// Completion candidates in kubectl's __complete protocol (used by kubectl_complete-hostprocess)
    #[command(name = "__complete", hide = true)]
    Complete(CompleteArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    /// The `kubectl_complete-hostprocess` helper that kubectl 1.26+ calls for `kubectl hostprocess <TAB>`
    KubectlHelper,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// The words after `kubectl hostprocess`, the last one being completed
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

#[derive(Debug, Args)]
pub struct NodesArgs {
    /// Node names (default: every Windows node)
    pub names: Vec<String>,
    /// Label selector, e.g. node.kubernetes.io/windows-build=10.0.20348
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    #[arg(short = 'o', long, value_enum, default_value_t = NodesFormat::Human)]
    pub output: NodesFormat,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// What to diagnose: NAME (a pod), pod/NAME, node/NAME, daemonset/NAME, deployment/NAME, job/NAME …
    pub targets: Vec<String>,
    /// Every namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Label selector for pods and workloads
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Diagnose a dump instead of the live cluster: `kubectl get … -o yaml|json`, `kubectl
    /// cluster-info dump` (a file or its --output-directory), or a .tar.gz/.zip of them; repeatable
    #[arg(long, value_name = "DUMP")]
    pub from_file: Vec<PathBuf>,
    #[arg(short = 'o', long, value_enum, default_value_t = DoctorFormat::Human)]
    pub output: DoctorFormat,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Exit 0 even when findings are reported (like ruff's --exit-zero)
    #[arg(long)]
    pub exit_zero: bool,
    /// Read the logs of at most N failing HostProcess containers (live; 0 = no logs)
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_logs: usize,
}

/// `--fail-on`: the lowest severity that makes the run exit 1 (the domain's `Severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Error,
}

/// `--psa-level`: a Pod Security level (the domain's `PsaLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PsaLevelArg {
    Privileged,
    Baseline,
    Restricted,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint; - reads stdin
    #[arg(short = 'f', long = "filename", required = true, value_name = "FILE|DIR|-")]
    pub files: Vec<PathBuf>,
    /// Descend into directories
    #[arg(short = 'R', long)]
    pub recursive: bool,
    #[arg(short = 'o', long, value_enum, default_value_t = LintFormat::Human)]
    pub output: LintFormat,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Exit 0 even when findings are reported (like ruff's --exit-zero)
    #[arg(long)]
    pub exit_zero: bool,
    /// The Pod Security `enforce` level of the target namespace
    #[arg(long, value_enum)]
    pub psa_level: Option<PsaLevelArg>,
    /// The containerd version of the target nodes, e.g. 1.6.28
    #[arg(long)]
    pub containerd_version: Option<String>,
    /// The Windows build of the target nodes, e.g. 10.0.17763
    #[arg(long)]
    pub windows_build: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule id (HP001), rule name or log signature id; omit to list every rule
    pub rule: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TemplateKind {
    Pod,
    Daemonset,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    #[arg(value_enum)]
    pub kind: TemplateKind,
    #[arg(long, default_value = "hostprocess-agent")]
    pub name: String,
    /// Namespace written into the manifest (must allow privileged pods)
    #[arg(long = "target-namespace", default_value = "default")]
    pub target_namespace: String,
    #[arg(long, default_value = crate::exec::spec::DEFAULT_IMAGE)]
    pub image: String,
    /// Account: system (default), localservice, networkservice or group:NAME
    #[arg(long = "run-as", value_parser = parse_run_as, default_value = "system")]
    pub run_as: RunAs,
    /// Add an example volume mount whose path fits this containerd version (1.6 or 1.7)
    #[arg(long)]
    pub containerd_version: Option<String>,
    /// The command the container runs (after --)
    #[arg(last = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Windows node names (one node: the remote exit code is returned)
    pub nodes: Vec<String>,
    /// Every Windows node
    #[arg(long, conflicts_with = "selector")]
    pub all: bool,
    /// Nodes matching this label selector (Windows nodes only)
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Interactive: keep stdin open
    #[arg(short = 'i', long)]
    pub stdin: bool,
    /// Interactive: allocate a TTY
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Run this PowerShell script (powershell.exe -NoLogo -NoProfile -NonInteractive -Command)
    #[arg(long, value_name = "SCRIPT", conflicts_with = "command")]
    pub powershell: Option<String>,
    /// Account: system (default), localservice, networkservice or group:NAME
    #[arg(long = "run-as", value_parser = parse_run_as, default_value = "system")]
    pub run_as: RunAs,
    /// Image of the throwaway pod
    #[arg(long, default_value = crate::exec::spec::DEFAULT_IMAGE)]
    pub image: String,
    /// Time limit for the command itself (e.g. 10m; 0 = no limit of the plugin's: the pod's
    /// deadline, --pod-deadline, still ends the session)
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// How long to wait for the pod to be Running (first Windows image pulls take minutes)
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub pod_running_timeout: std::time::Duration,
    /// The pod's lifetime (activeDeadlineSeconds), which ends any session still running, -it too
    /// [default: --timeout, or 1h when it is 0, + --pod-running-timeout + 1m: 1h6m]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub pod_deadline: Option<std::time::Duration>,
    /// Fan-out with -o json or --style group: bytes of each node's stdout and of its stderr kept
    /// (the first and last half; what is cut between them is reported)
    #[arg(long, value_name = "SIZE", default_value = "1Mi", value_parser = crate::exec::plan::parse_size)]
    pub max_output: usize,
    /// Environment variables for the command, NAME=VALUE (repeatable)
    #[arg(long = "env", short = 'e', value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Extra labels on the throwaway pod, key=value (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Extra annotations on the throwaway pod, key=value (repeatable)
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Leave the pod for a post-mortem (prints how to delete it)
    #[arg(long)]
    pub keep: bool,
    /// Nodes run at the same time in a fan-out (1 to 1024)
    #[arg(long, default_value_t = 16, value_parser = parse_concurrency)]
    pub max_concurrency: usize,
    /// Do not ask for confirmation on many nodes
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Print the pod and the target nodes, create nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Fan-out output: prefix every line with [node] (default) or group per node
    #[arg(long, value_enum, default_value_t = FanoutStyle::Prefix)]
    pub style: FanoutStyle,
    /// Fan-out results as data (json)
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<ExecFormat>,
    /// The command and its arguments, passed as argv (nothing is pasted into a shell string)
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FanoutStyle {
    Prefix,
    Group,
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Only these throwaway pods (yours, whatever their deadline), e.g. the one a failed exec named
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,
    /// Every namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Print what would be deleted
    #[arg(long)]
    pub dry_run: bool,
    /// Delete your throwaway pods that are still within their deadline too (live sessions)
    #[arg(long)]
    pub all: bool,
    /// Delete other users' throwaway pods too (and those that record no creator); asks first
    #[arg(long)]
    pub all_users: bool,
    /// Do not ask before deleting other users' pods (needed with --all-users without a terminal)
    #[arg(short = 'y', long)]
    pub yes: bool,
}
mod collect;
mod cp;
mod logs;
mod pods;
mod policy;
pub use crate::flag_values::{MAX_CONCURRENCY, MAX_DURATION, parse_concurrency, parse_duration};
pub use collect::CollectArgs;
pub use cp::CpArgs;
pub use logs::{LogsArgs, LogsVia};
pub use pods::{NodeSelection, PodArgs};
pub use policy::{PolicyAction, PolicyArgs, PolicyFormat};

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::time::Duration;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_like_kubectl() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1.2.3s").is_err());
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("720h"), Ok(MAX_DURATION));
    }

    #[test]
    fn durations_beyond_30_days_are_refused_not_a_panic() {
        for s in [
            "720h1s",
            "2592001",
            "99999999999999s",
            "99999999999999999999999",
            "18446744073709551615",
            "999999999999999999999999999999h",
            &format!("{}s", "9".repeat(400)),
        ] {
            let e = parse_duration(s).unwrap_err();
            assert!(e.contains("too long"), "{s}: {e}");
        }
    }

    #[test]
    fn concurrency_is_1_to_1024() {
        assert_eq!(parse_concurrency("1"), Ok(1));
        assert_eq!(parse_concurrency("1024"), Ok(1024));
        for bad in ["0", "1025", "18446744073709551615", "99999999999999999999999", "-1", "x"] {
            assert!(parse_concurrency(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_command_accepts_only_its_own_formats() {
        let parses = |args: &[&str]| Cli::try_parse_from(args).map(|_| ()).map_err(|e| e.kind());
        for ok in [
            &["k", "nodes", "-o", "wide"][..],
            &["k", "nodes", "-o", "yaml"],
            &["k", "doctor", "-o", "json"],
            &["k", "lint", "-o", "sarif", "-f", "x"],
            &["k", "exec", "n", "-o", "json", "--", "c"],
        ] {
            assert_eq!(parses(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            &["k", "nodes", "-o", "sarif"][..],
            &["k", "doctor", "-o", "sarif"],
            &["k", "doctor", "-o", "wide"],
            &["k", "lint", "-o", "wide", "-f", "x"],
            &["k", "exec", "n", "-o", "yaml", "--", "c"],
            &["k", "exec", "n", "-o", "human", "--", "c"],
        ] {
            assert_eq!(parses(bad), Err(clap::error::ErrorKind::InvalidValue), "{bad:?}");
        }
    }

    #[test]
    fn the_powershell_help_shows_the_argv_it_runs() {
        let help = Cli::command()
            .find_subcommand("exec")
            .unwrap()
            .get_arguments()
            .find(|a| a.get_id() == "powershell")
            .unwrap()
            .get_help()
            .unwrap()
            .to_string();
        assert!(help.contains(&crate::exec::spec::POWERSHELL.join(" ")), "{help}");
    }

    #[test]
    fn exec_takes_argv_after_double_dash() {
        let cli = Cli::try_parse_from(["k", "exec", "win-1", "--", "cmd", "/c", "echo a && echo b"]).unwrap();
        let Command::Exec(e) = cli.command else { panic!() };
        assert_eq!(e.nodes, ["win-1"]);
        assert_eq!(e.command, ["cmd", "/c", "echo a && echo b"]);
    }
}
