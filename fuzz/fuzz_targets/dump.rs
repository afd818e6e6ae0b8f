//! Fuzz target `dump`: the `doctor --from-file` readers (text dumps, .tar.gz and .zip bundles).
//! What it does with an input, and the input's layout: `kubectl_hostprocess::fuzzing::dump`
//! (shared with tests/fuzz_regressions.rs, which replays the inputs that crashed it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubectl_hostprocess::fuzzing::dump(data));
