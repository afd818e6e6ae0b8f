//! Flags shared by the commands that work through throwaway pods (`collect`, `cp`, `logs`).

use clap::Args;

use super::{parse_concurrency, parse_duration};

/// Which Windows nodes: names, `-l SELECTOR` or `--all-nodes`.
#[derive(Debug, Clone, Args)]
pub struct NodeSelection {
    /// Windows node names
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,
    /// Every Windows node that can run HostProcess pods
    #[arg(long, conflicts_with = "selector")]
    pub all_nodes: bool,
    /// Nodes matching this label selector (Windows nodes only)
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
}

/// The throwaway pods' options.
#[derive(Debug, Clone, Args)]
pub struct PodArgs {
    /// Image of the throwaway pod
    #[arg(long, default_value = crate::exec::spec::DEFAULT_IMAGE)]
    pub image: String,
    /// How long to wait for each pod to be Running (first Windows image pulls take minutes)
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub pod_running_timeout: std::time::Duration,
    /// Nodes worked on at the same time (1 to 1024)
    #[arg(long, default_value_t = 16, value_parser = parse_concurrency)]
    pub max_concurrency: usize,
    /// Do not ask for confirmation on many nodes
    #[arg(short = 'y', long)]
    pub yes: bool,
}
