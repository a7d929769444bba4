#![no_main]
//! `cargo fuzz run reassembly` (from sctp-core/): see sctp_core::fuzzing::reassembly.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sctp_core::fuzzing::reassembly(data));
