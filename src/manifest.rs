//! Reading manifests (YAML, multi-document, JSON) into a Snapshot, with line numbers.
