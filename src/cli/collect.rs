//! `collect` flags. Owner: helper B.

use clap::Args;

use super::pods::{NodeSelection, PodArgs};

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub select: NodeSelection,
    #[command(flatten)]
    pub pod: PodArgs,
}
