#![no_main]
//! `cargo fuzz run packet` (from sctp-core/): see sctp_core::fuzzing::packet.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sctp_core::fuzzing::packet(data));
