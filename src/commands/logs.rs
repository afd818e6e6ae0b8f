//! `logs`. Owner: helper (issue #13).

use crate::cli::{GlobalArgs, LogsArgs};
use crate::error::{Error, ExitCode, Result};

pub async fn run(_global: &GlobalArgs, _args: &LogsArgs) -> Result<ExitCode> {
    Err(Error::Usage("`logs` is not implemented yet".into()))
}
