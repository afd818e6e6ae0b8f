//! `exec`: a pure pod-spec builder (`spec`) and the lifecycle that owns every create and
//! delete (`lifecycle`). No other module creates or deletes a pod.

pub mod interactive;
pub mod lifecycle;
pub mod spec;
pub mod status;
