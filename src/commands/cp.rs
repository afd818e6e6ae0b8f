//! `cp`. Owner: helper (issue #13).

use crate::cli::{CpArgs, GlobalArgs};
use crate::error::{Error, ExitCode, Result};

pub async fn run(_global: &GlobalArgs, _args: &CpArgs) -> Result<ExitCode> {
    Err(Error::Usage("`cp` is not implemented yet".into()))
}
