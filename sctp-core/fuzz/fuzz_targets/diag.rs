#![no_main]
//! `cargo fuzz run diag` (from sctp-core/): see sctp_core::fuzzing::diag.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sctp_core::fuzzing::diag(data));
