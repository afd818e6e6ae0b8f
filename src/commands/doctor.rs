//! `doctor`: why HostProcess pods and workloads are stuck.

use crate::cli::{DoctorArgs, GlobalArgs};
use crate::error::{ExitCode, Result};

pub async fn run(_global: &GlobalArgs, _args: &DoctorArgs) -> Result<ExitCode> {
    Ok(ExitCode::Ok)
}
