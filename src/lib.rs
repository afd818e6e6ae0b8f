//! kubectl-hostprocess: diagnose Windows HostProcess pods and run commands on Windows nodes.
//!
//! The data path: collect once (`kube/`, `load/`) → a plain [`snapshot::Snapshot`] →
//! pure checks (`checks/`, one rule a file) → [`finding::Finding`]s → `output/`.

pub mod bundle;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod error;
pub mod event_record;
pub mod exec;
pub mod finding;
pub mod flag_values;
#[doc(hidden)]
pub mod fuzzing;
pub mod kube;
pub mod load;
pub mod logging;
pub mod node_facts;
pub mod nodes;
pub mod output;
pub mod policy;
pub mod snapshot;
pub mod target;
pub mod transfer;
pub mod version;
