//! One file per subcommand, each a straight line: collect → check → render.

pub mod cleanup;
pub mod collect;
pub mod completion;
pub mod cp;
pub mod doctor;
pub mod exec;
pub mod explain;
pub mod lint;
pub mod logs;
pub mod nodes;
pub mod policy;
pub mod template;

use crate::cli::{
    Cli, ColorChoice, Command, ExecArgs, FailOn, GlobalArgs, LintFormat, NodeSelection, PodArgs, PsaLevelArg,
};
use crate::error::{ExitCode, Result};
use crate::exec::plan::Request;
use crate::finding::Severity;
use crate::kube::client::ClientOptions;
use crate::output::ColorMode;
use crate::output::report::ReportFormat;
use crate::snapshot::PsaLevel;

/// Run the parsed command line; the binary maps the result to an exit code.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    crate::output::init_color(cli.global.color.into());
    match cli.command {
        Command::Lint(a) => lint::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Template(a) => template::run(&a),
        Command::Policy(a) => policy::run(&a),
        Command::Nodes(a) => nodes::run(&cli.global, &a).await,
        Command::Doctor(a) => doctor::run(&cli.global, &a).await,
        Command::Exec(a) => exec::run(&cli.global, &a).await,
        Command::Cleanup(a) => cleanup::run(&cli.global, &a).await,
        Command::Collect(a) => collect::run(&cli.global, &a).await,
        Command::Cp(a) => cp::run(&cli.global, &a).await,
        Command::Logs(a) => logs::run(&cli.global, &a).await,
        Command::Completion(a) => completion::script(&a),
        Command::Complete(a) => completion::complete(&cli.global, &a).await,
    }
}

// The command line, translated into the plain values the domain takes.

impl From<&GlobalArgs> for ClientOptions {
    fn from(g: &GlobalArgs) -> Self {
        ClientOptions {
            kubeconfig: g.kubeconfig.clone(),
            context: g.context.clone(),
            cluster: g.cluster.clone(),
            user: g.user.clone(),
            namespace: g.namespace.clone(),
            as_user: g.as_user.clone(),
            as_group: g.as_group.clone(),
            request_timeout: g.request_timeout,
            chunk_size: g.chunk_size,
        }
    }
}

impl From<ColorChoice> for ColorMode {
    fn from(c: ColorChoice) -> Self {
        match c {
            ColorChoice::Auto => ColorMode::Auto,
            ColorChoice::Always => ColorMode::Always,
            ColorChoice::Never => ColorMode::Never,
        }
    }
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Info => Severity::Info,
            FailOn::Warning => Severity::Warning,
            FailOn::Error => Severity::Error,
        }
    }
}

impl From<PsaLevelArg> for PsaLevel {
    fn from(l: PsaLevelArg) -> Self {
        match l {
            PsaLevelArg::Privileged => PsaLevel::Privileged,
            PsaLevelArg::Baseline => PsaLevel::Baseline,
            PsaLevelArg::Restricted => PsaLevel::Restricted,
        }
    }
}

impl From<LintFormat> for ReportFormat {
    fn from(f: LintFormat) -> Self {
        match f {
            LintFormat::Human => ReportFormat::Human,
            LintFormat::Json => ReportFormat::Json,
            LintFormat::Yaml => ReportFormat::Yaml,
            LintFormat::Sarif => ReportFormat::Sarif,
        }
    }
}

impl From<&ExecArgs> for Request {
    fn from(a: &ExecArgs) -> Self {
        Request {
            nodes: a.nodes.clone(),
            all: a.all,
            selector: a.selector.clone(),
            stdin: a.stdin,
            tty: a.tty,
            powershell: a.powershell.clone(),
            command: a.command.clone(),
            run_as: a.run_as.clone(),
            image: a.image.clone(),
            timeout: a.timeout,
            pod_running_timeout: a.pod_running_timeout,
            pod_deadline: a.pod_deadline,
            max_output: a.max_output,
            env: a.env.clone(),
            labels: a.labels.clone(),
            annotations: a.annotations.clone(),
            keep: a.keep,
            max_concurrency: a.max_concurrency,
        }
    }
}

/// The plain request of a command that works through throwaway pods (`collect`, `cp`, `logs`):
/// its node selection and pod flags; the command sets the rest (the script, the time limits).
pub fn node_request(select: &NodeSelection, pod: &PodArgs) -> Request {
    Request {
        nodes: select.nodes.clone(),
        all: select.all_nodes,
        selector: select.selector.clone(),
        image: pod.image.clone(),
        pod_running_timeout: pod.pod_running_timeout,
        max_concurrency: pod.max_concurrency,
        ..Request::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::run_as::RunAs;
    use clap::Parser;
    use std::time::Duration;

    #[test]
    fn exec_flags_become_a_plain_request() {
        let cli = Cli::try_parse_from(["k", "exec", "-l", "a=b", "--run-as", "group:ops", "-e", "A=1", "--", "whoami"])
            .unwrap();
        let Command::Exec(e) = cli.command else { panic!() };
        let r = Request::from(&e);
        assert_eq!(r.selector.as_deref(), Some("a=b"));
        assert!(r.by_selection() && !r.interactive());
        assert_eq!(r.run_as, RunAs::Group("ops".into()));
        assert_eq!(r.env, ["A=1"]);
        assert_eq!(r.command, ["whoami"]);
        assert_eq!(r.image, crate::exec::spec::DEFAULT_IMAGE);
        assert_eq!(
            (r.timeout, r.pod_running_timeout, r.max_concurrency),
            (Duration::ZERO, Duration::from_secs(300), 16)
        );
    }

    #[test]
    fn the_default_image_is_pinned_by_digest() {
        // The pod runs as SYSTEM: a re-pushed tag must not change what runs.
        let (_, digest) = crate::exec::spec::DEFAULT_IMAGE.split_once("@sha256:").expect("pinned by digest");
        assert!(digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()), "{digest}");
        let cli = Cli::try_parse_from(["k", "template", "pod"]).unwrap();
        let Command::Template(t) = cli.command else { panic!() };
        assert_eq!(t.image, crate::exec::spec::DEFAULT_IMAGE);
    }

    #[test]
    fn severity_and_psa_flags_become_domain_values() {
        let cli = Cli::try_parse_from(["k", "lint", "-f", "x.yaml", "--fail-on", "warning", "--psa-level", "baseline"])
            .unwrap();
        let Command::Lint(a) = cli.command else { panic!("lint") };
        assert_eq!(Severity::from(a.fail_on), Severity::Warning);
        assert_eq!(a.psa_level.map(PsaLevel::from), Some(PsaLevel::Baseline));
        for (flag, want) in [("info", Severity::Info), ("error", Severity::Error)] {
            let cli = Cli::try_parse_from(["k", "doctor", "--fail-on", flag]).unwrap();
            let Command::Doctor(d) = cli.command else { panic!("doctor") };
            assert_eq!(Severity::from(d.fail_on), want);
        }
    }

    #[test]
    fn global_flags_become_client_options() {
        let cli =
            Cli::try_parse_from(["k", "--context", "c", "-n", "ns", "--as", "u", "--as-group", "g", "nodes"]).unwrap();
        let o = ClientOptions::from(&cli.global);
        assert_eq!(
            (o.context.as_deref(), o.namespace.as_deref(), o.as_user.as_deref()),
            (Some("c"), Some("ns"), Some("u"))
        );
        assert_eq!(o.as_group, ["g"]);
        assert_eq!((o.request_timeout, o.chunk_size), (Duration::from_secs(30), crate::kube::collect::PAGE));
        assert_eq!(ColorMode::from(cli.global.color), ColorMode::Auto);
        assert_eq!(ReportFormat::from(LintFormat::Sarif), ReportFormat::Sarif);
    }
}
