//! Renderers: human (rustc/ruff style), tables, json, yaml, sarif.
