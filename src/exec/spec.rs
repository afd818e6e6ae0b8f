//! The throwaway HostProcess pod, built by a pure function.

pub const DEFAULT_IMAGE: &str = "mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0";
