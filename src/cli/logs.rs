//! `logs` flags. Owner: helper D.

use clap::Args;

use super::pods::{NodeSelection, PodArgs};

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub select: NodeSelection,
    #[command(flatten)]
    pub pod: PodArgs,
}
