//! Fuzz target `doctor`: a dump read, diagnosed (with a target or none) and rendered.
//! What it does with an input, and the input's layout: `kubectl_hostprocess::fuzzing::doctor`
//! (shared with tests/fuzz_regressions.rs, which replays the inputs that crashed it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubectl_hostprocess::fuzzing::doctor(data));
