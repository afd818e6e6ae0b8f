//! `exec`: a pure pod-spec builder (`spec`) and the lifecycle that owns every create and delete.

pub mod spec;
