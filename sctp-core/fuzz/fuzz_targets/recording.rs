#![no_main]
//! `cargo fuzz run recording` (from sctp-core/): see sctp_core::fuzzing::recording.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sctp_core::fuzzing::recording(data));
