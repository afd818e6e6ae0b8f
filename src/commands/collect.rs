//! `collect`. Owner: helper (issue #13).

use crate::cli::{CollectArgs, GlobalArgs};
use crate::error::{Error, ExitCode, Result};

pub async fn run(_global: &GlobalArgs, _args: &CollectArgs) -> Result<ExitCode> {
    Err(Error::Usage("`collect` is not implemented yet".into()))
}
