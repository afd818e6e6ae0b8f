//! `cp` flags. Owner: helper C.

use clap::Args;

use super::pods::PodArgs;

#[derive(Debug, Args)]
pub struct CpArgs {
    /// NODE:PATH or a local path
    pub source: String,
    /// NODE:PATH or a local path
    pub destination: String,
    #[command(flatten)]
    pub pod: PodArgs,
}
