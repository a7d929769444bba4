#![no_main]
//! `cargo fuzz run scenario` (from sctp-core/): see sctp_core::fuzzing::scenario.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sctp_core::fuzzing::scenario(data));
