//! Everything that fills a [`Snapshot`](crate::snapshot::Snapshot), one file per source:
//!
//! - [`manifests`]: `lint`'s files, one snapshot per file with field positions
//!   ([`lint_files`], and [`lint_text`] for one text);
//! - [`dump`]: `doctor --from-file`, a `kubectl get … -o yaml` dump or a support bundle
//!   ([`load_dumps`]): [`cluster_info`] reads `kubectl cluster-info dump` (lists and container
//!   logs), [`archive`] opens `.tar.gz`/`.zip` bundles, [`bundle_nodes`] reads the node part
//!   of a `collect` bundle (`_hostprocess/nodes/…`, parsed by [`node_items`]);
//! - [`live`]: `doctor` on the API server ([`collect_live`]).
//!
//! Shared by the sources: [`input`] (reading files and stdin), [`yaml`] (the positional
//! parser), [`objects`] (JSON objects into a snapshot, [`objects::Loaded`]) and [`workloads`]
//! (pod-owning objects, JSON or typed, into [`Workload`](crate::snapshot::Workload)s).

pub mod archive;
pub mod bundle_nodes;
pub mod cluster_info;
pub mod dump;
pub mod input;
pub mod live;
pub mod manifests;
pub mod node_items;
pub mod objects;
pub mod paged;
pub mod workloads;
pub mod yaml;

pub use dump::{load_dump, load_dump_bytes, load_dumps};
pub use live::collect_live;
pub use manifests::{lint_files, lint_text};
