#![no_main]
//! `cargo fuzz run forms` (from sctp-core/): see sctp_core::fuzzing::forms.
libfuzzer_sys::fuzz_target!(|data: &[u8]| sctp_core::fuzzing::forms(data));
