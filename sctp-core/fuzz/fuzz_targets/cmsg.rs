#![no_main]
//! `cargo fuzz run cmsg` (from sctp-core/): see sctp_core::fuzzing::cmsg.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sctp_core::fuzzing::cmsg(data));
