#![no_main]
//! `cargo fuzz run notification` (from sctp-core/): see sctp_core::fuzzing::notification.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sctp_core::fuzzing::notification(data));
