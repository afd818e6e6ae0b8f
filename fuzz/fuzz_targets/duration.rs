//! Fuzz target `duration`: the parser of the duration flags.
//! What it does with an input, and the input's layout: `kubectl_hostprocess::fuzzing::duration`
//! (shared with tests/fuzz_regressions.rs, which replays the inputs that crashed it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubectl_hostprocess::fuzzing::duration(data));
