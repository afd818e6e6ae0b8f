//! `collect` flags. Owner: helper B.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::parse_duration;
use super::pods::{NodeSelection, PodArgs};

/// Collector output kept per node by default: a bundle's node part is a few MiB; this bounds a
/// node that prints without end.
pub const DEFAULT_NODE_OUTPUT: &str = "256Mi";

#[derive(Debug, Args)]
#[command(after_help = "\
The bundle holds the cluster part in `kubectl cluster-info dump --output-directory` layout (every namespace \
you can read, or -n), the logs of failing HostProcess containers, each node's evidence under \
_hostprocess/nodes/<node>/, and manifest.json. Read it with `kubectl hostprocess doctor --from-file BUNDLE`.
Without NODE, -l or --all-nodes only the cluster part is collected.")]
pub struct CollectArgs {
    #[command(flatten)]
    pub select: NodeSelection,
    #[command(flatten)]
    pub pod: PodArgs,
    /// Write the bundle to FILE (default: ./hostprocess-bundle-<UTC time>.tar.gz); never overwrites
    #[arg(short = 'o', long, value_name = "FILE", conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// Write the extracted bundle directory into DIR instead of a .tar.gz
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Lines kept from the end of each node service log
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub tail: u32,
    /// How far back node event-log entries are read (rounded up to hours)
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub since: Duration,
    /// Time limit of each item on the node (a slow item is recorded with its error)
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub item_timeout: Duration,
    /// Time limit of the whole collector on each node
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Collector output kept per node (a larger output is cut and the node marked partial)
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_NODE_OUTPUT, value_parser = crate::exec::plan::parse_size)]
    pub max_output: usize,
    /// Read the logs of at most N failing HostProcess containers (0 = no container logs)
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_logs: usize,
}
