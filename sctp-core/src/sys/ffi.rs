//! `#[repr(C)]` mirrors of `<linux/sctp.h>` (Linux 6.1 UAPI).
//!
//! Field and type names are the C names on purpose: `tests/c_layout.rs` compiles a C
//! program against the real header and compares every size, alignment, field offset
//! and constant listed here. Several kernel structs are `packed, aligned(4)`; they are
//! mirrored as a `#[repr(C, packed)]` body inside an `Aligned4` wrapper, which gives the
//! same offsets, size and alignment as C.
//!
//! Where C has padding, the mirror has an explicit `_pad` field instead, so every byte of
//! these structs is a field and viewing one as bytes never reads uninitialised memory
//! (checked by `no_implicit_padding` below).
#![allow(non_camel_case_types)]

use libc::sockaddr_storage;

pub type sctp_assoc_t = i32;

pub const IPPROTO_SCTP: i32 = 132;
pub const SOL_SCTP: i32 = 132;
pub const MSG_NOTIFICATION: i32 = 0x8000;

pub const SCTP_FUTURE_ASSOC: i32 = 0;
pub const SCTP_CURRENT_ASSOC: i32 = 1;
pub const SCTP_ALL_ASSOC: i32 = 2;

// Socket options.
pub const SCTP_RTOINFO: i32 = 0;
pub const SCTP_ASSOCINFO: i32 = 1;
pub const SCTP_INITMSG: i32 = 2;
pub const SCTP_NODELAY: i32 = 3;
pub const SCTP_AUTOCLOSE: i32 = 4;
pub const SCTP_SET_PEER_PRIMARY_ADDR: i32 = 5;
pub const SCTP_PRIMARY_ADDR: i32 = 6;
pub const SCTP_ADAPTATION_LAYER: i32 = 7;
pub const SCTP_DISABLE_FRAGMENTS: i32 = 8;
pub const SCTP_PEER_ADDR_PARAMS: i32 = 9;
pub const SCTP_DEFAULT_SEND_PARAM: i32 = 10;
pub const SCTP_EVENTS: i32 = 11;
pub const SCTP_I_WANT_MAPPED_V4_ADDR: i32 = 12;
pub const SCTP_MAXSEG: i32 = 13;
pub const SCTP_STATUS: i32 = 14;
pub const SCTP_GET_PEER_ADDR_INFO: i32 = 15;
pub const SCTP_DELAYED_ACK_TIME: i32 = 16;
pub const SCTP_GET_ASSOC_ID_LIST: i32 = 29;
pub const SCTP_RECVRCVINFO: i32 = 32;
pub const SCTP_DEFAULT_SNDINFO: i32 = 34;
pub const SCTP_SOCKOPT_BINDX_ADD: i32 = 100;
pub const SCTP_SOCKOPT_BINDX_REM: i32 = 101;
pub const SCTP_SOCKOPT_PEELOFF: i32 = 102;
pub const SCTP_SOCKOPT_PEELOFF_FLAGS: i32 = 122;
pub const SCTP_GET_ASSOC_NUMBER: i32 = 28;
pub const SCTP_GET_PEER_ADDRS: i32 = 108;
pub const SCTP_GET_LOCAL_ADDRS: i32 = 109;
pub const SCTP_SOCKOPT_CONNECTX: i32 = 110;
pub const SCTP_SOCKOPT_CONNECTX3: i32 = 111;
pub const SCTP_GET_ASSOC_STATS: i32 = 112;
pub const SCTP_EVENT: i32 = 127;
pub const SCTP_EXPOSE_POTENTIALLY_FAILED_STATE: i32 = 131;
// Beyond gen_sctp: the kernel's modern SCTP.
pub const SCTP_CONTEXT: i32 = 17;
pub const SCTP_FRAGMENT_INTERLEAVE: i32 = 18;
pub const SCTP_PARTIAL_DELIVERY_POINT: i32 = 19;
pub const SCTP_MAX_BURST: i32 = 20;
pub const SCTP_AUTO_ASCONF: i32 = 30;
pub const SCTP_PEER_ADDR_THLDS_V2: i32 = 37;
pub const SCTP_AUTH_CHUNK: i32 = 21;
pub const SCTP_AUTH_KEY: i32 = 23;
pub const SCTP_AUTH_ACTIVE_KEY: i32 = 24;
pub const SCTP_AUTH_DELETE_KEY: i32 = 25;
pub const SCTP_PEER_AUTH_CHUNKS: i32 = 26;
pub const SCTP_LOCAL_AUTH_CHUNKS: i32 = 27;
pub const SCTP_AUTH_DEACTIVATE_KEY: i32 = 35;
pub const SCTP_PR_SUPPORTED: i32 = 113;
pub const SCTP_DEFAULT_PRINFO: i32 = 114;
pub const SCTP_PR_ASSOC_STATUS: i32 = 115;
pub const SCTP_PR_STREAM_STATUS: i32 = 116;
pub const SCTP_RECONFIG_SUPPORTED: i32 = 117;
pub const SCTP_ENABLE_STREAM_RESET: i32 = 118;
pub const SCTP_RESET_STREAMS: i32 = 119;
pub const SCTP_RESET_ASSOC: i32 = 120;
pub const SCTP_ADD_STREAMS: i32 = 121;
pub const SCTP_STREAM_SCHEDULER: i32 = 123;
pub const SCTP_STREAM_SCHEDULER_VALUE: i32 = 124;
pub const SCTP_INTERLEAVING_SUPPORTED: i32 = 125;
pub const SCTP_ASCONF_SUPPORTED: i32 = 128;
pub const SCTP_AUTH_SUPPORTED: i32 = 129;
pub const SCTP_ECN_SUPPORTED: i32 = 130;
pub const SCTP_REMOTE_UDP_ENCAPS_PORT: i32 = 132;
pub const SCTP_PLPMTUD_PROBE_INTERVAL: i32 = 133;

// SCTP_ENABLE_STREAM_RESET flags and SCTP_RESET_STREAMS directions.
pub const SCTP_ENABLE_RESET_STREAM_REQ: u32 = 0x01;
pub const SCTP_ENABLE_RESET_ASSOC_REQ: u32 = 0x02;
pub const SCTP_ENABLE_CHANGE_ASSOC_REQ: u32 = 0x04;
pub const SCTP_STREAM_RESET_INCOMING: u16 = 0x01;
pub const SCTP_STREAM_RESET_OUTGOING: u16 = 0x02;

// cmsg types (enum sctp_cmsg_type).
pub const SCTP_SNDINFO: i32 = 2;
pub const SCTP_RCVINFO: i32 = 3;
pub const SCTP_PRINFO: i32 = 5;

// sinfo_flags / snd_flags.
pub const SCTP_UNORDERED: u16 = 1 << 0;
pub const SCTP_ADDR_OVER: u16 = 1 << 1;
pub const SCTP_ABORT: u16 = 1 << 2;
pub const SCTP_SACK_IMMEDIATELY: u16 = 1 << 3;
pub const SCTP_SENDALL: u16 = 1 << 6;
pub const SCTP_EOF: u16 = libc::MSG_FIN as u16;

pub const SCTP_PR_SCTP_NONE: u16 = 0x0000;
pub const SCTP_PR_SCTP_TTL: u16 = 0x0010;
pub const SCTP_PR_SCTP_RTX: u16 = 0x0020;
pub const SCTP_PR_SCTP_PRIO: u16 = 0x0030;
/// `SCTP_PR_SCTP_ALL` (enum sctp_spinfo_state's neighbour in the header): every policy's
/// counters together, for SCTP_PR_ASSOC_STATUS / SCTP_PR_STREAM_STATUS.
pub const SCTP_PR_SCTP_ALL: u16 = 1 << 7;

// spp_flags.
pub const SPP_HB_ENABLE: u32 = 1 << 0;
pub const SPP_HB_DISABLE: u32 = 1 << 1;
pub const SPP_HB_DEMAND: u32 = 1 << 2;
pub const SPP_PMTUD_ENABLE: u32 = 1 << 3;
pub const SPP_PMTUD_DISABLE: u32 = 1 << 4;
pub const SPP_SACKDELAY_ENABLE: u32 = 1 << 5;
pub const SPP_SACKDELAY_DISABLE: u32 = 1 << 6;
pub const SPP_HB_TIME_IS_ZERO: u32 = 1 << 7;

// Notification types (enum sctp_sn_type).
pub const SCTP_SN_TYPE_BASE: u16 = 1 << 15;
pub const SCTP_ASSOC_CHANGE: u16 = SCTP_SN_TYPE_BASE + 1;
pub const SCTP_PEER_ADDR_CHANGE: u16 = SCTP_SN_TYPE_BASE + 2;
pub const SCTP_SEND_FAILED: u16 = SCTP_SN_TYPE_BASE + 3;
pub const SCTP_REMOTE_ERROR: u16 = SCTP_SN_TYPE_BASE + 4;
pub const SCTP_SHUTDOWN_EVENT: u16 = SCTP_SN_TYPE_BASE + 5;
pub const SCTP_PARTIAL_DELIVERY_EVENT: u16 = SCTP_SN_TYPE_BASE + 6;
pub const SCTP_ADAPTATION_INDICATION: u16 = SCTP_SN_TYPE_BASE + 7;
pub const SCTP_AUTHENTICATION_EVENT: u16 = SCTP_SN_TYPE_BASE + 8;
pub const SCTP_SENDER_DRY_EVENT: u16 = SCTP_SN_TYPE_BASE + 9;
pub const SCTP_STREAM_RESET_EVENT: u16 = SCTP_SN_TYPE_BASE + 10;
pub const SCTP_ASSOC_RESET_EVENT: u16 = SCTP_SN_TYPE_BASE + 11;
pub const SCTP_STREAM_CHANGE_EVENT: u16 = SCTP_SN_TYPE_BASE + 12;
pub const SCTP_SEND_FAILED_EVENT: u16 = SCTP_SN_TYPE_BASE + 13;

/// Gives a `#[repr(C, packed)]` body the `aligned(4)` of the C declaration.
#[repr(C, align(4))]
#[derive(Clone, Copy)]
pub struct Aligned4<T>(pub T);

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_initmsg {
    pub sinit_num_ostreams: u16,
    pub sinit_max_instreams: u16,
    pub sinit_max_attempts: u16,
    pub sinit_max_init_timeo: u16,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_sndrcvinfo {
    pub sinfo_stream: u16,
    pub sinfo_ssn: u16,
    pub sinfo_flags: u16,
    pub _pad: u16,
    pub sinfo_ppid: u32,
    pub sinfo_context: u32,
    pub sinfo_timetolive: u32,
    pub sinfo_tsn: u32,
    pub sinfo_cumtsn: u32,
    pub sinfo_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_sndinfo {
    pub snd_sid: u16,
    pub snd_flags: u16,
    pub snd_ppid: u32,
    pub snd_context: u32,
    pub snd_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_rcvinfo {
    pub rcv_sid: u16,
    pub rcv_ssn: u16,
    pub rcv_flags: u16,
    pub _pad: u16,
    pub rcv_ppid: u32,
    pub rcv_tsn: u32,
    pub rcv_cumtsn: u32,
    pub rcv_context: u32,
    pub rcv_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_prinfo {
    pub pr_policy: u16,
    pub _pad: u16,
    pub pr_value: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_assoc_change {
    pub sac_type: u16,
    pub sac_flags: u16,
    pub sac_length: u32,
    pub sac_state: u16,
    pub sac_error: u16,
    pub sac_outbound_streams: u16,
    pub sac_inbound_streams: u16,
    pub sac_assoc_id: sctp_assoc_t,
}

#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct sctp_paddr_change_body {
    pub spc_type: u16,
    pub spc_flags: u16,
    pub spc_length: u32,
    pub spc_aaddr: sockaddr_storage,
    pub spc_state: i32,
    pub spc_error: i32,
    pub spc_assoc_id: sctp_assoc_t,
}
pub type sctp_paddr_change = Aligned4<sctp_paddr_change_body>;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_remote_error {
    pub sre_type: u16,
    pub sre_flags: u16,
    pub sre_length: u32,
    pub sre_error: u16,
    pub _pad: u16,
    pub sre_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_send_failed {
    pub ssf_type: u16,
    pub ssf_flags: u16,
    pub ssf_length: u32,
    pub ssf_error: u32,
    pub ssf_info: sctp_sndrcvinfo,
    pub ssf_assoc_id: sctp_assoc_t,
}

/// C names this struct's info field `ssfe_info`; the other fields match `sctp_send_failed`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_send_failed_event {
    pub ssf_type: u16,
    pub ssf_flags: u16,
    pub ssf_length: u32,
    pub ssf_error: u32,
    pub ssfe_info: sctp_sndinfo,
    pub ssf_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_shutdown_event {
    pub sse_type: u16,
    pub sse_flags: u16,
    pub sse_length: u32,
    pub sse_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_adaptation_event {
    pub sai_type: u16,
    pub sai_flags: u16,
    pub sai_length: u32,
    pub sai_adaptation_ind: u32,
    pub sai_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_pdapi_event {
    pub pdapi_type: u16,
    pub pdapi_flags: u16,
    pub pdapi_length: u32,
    pub pdapi_indication: u32,
    pub pdapi_assoc_id: sctp_assoc_t,
    pub pdapi_stream: u32,
    pub pdapi_seq: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_authkey_event {
    pub auth_type: u16,
    pub auth_flags: u16,
    pub auth_length: u32,
    pub auth_keynumber: u16,
    pub auth_altkeynumber: u16,
    pub auth_indication: u32,
    pub auth_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_sender_dry_event {
    pub sender_dry_type: u16,
    pub sender_dry_flags: u16,
    pub sender_dry_length: u32,
    pub sender_dry_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_stream_reset_event {
    pub strreset_type: u16,
    pub strreset_flags: u16,
    pub strreset_length: u32,
    pub strreset_assoc_id: sctp_assoc_t,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_assoc_reset_event {
    pub assocreset_type: u16,
    pub assocreset_flags: u16,
    pub assocreset_length: u32,
    pub assocreset_assoc_id: sctp_assoc_t,
    pub assocreset_local_tsn: u32,
    pub assocreset_remote_tsn: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_stream_change_event {
    pub strchange_type: u16,
    pub strchange_flags: u16,
    pub strchange_length: u32,
    pub strchange_assoc_id: sctp_assoc_t,
    pub strchange_instrms: u16,
    pub strchange_outstrms: u16,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_rtoinfo {
    pub srto_assoc_id: sctp_assoc_t,
    pub srto_initial: u32,
    pub srto_max: u32,
    pub srto_min: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_assocparams {
    pub sasoc_assoc_id: sctp_assoc_t,
    pub sasoc_asocmaxrxt: u16,
    pub sasoc_number_peer_destinations: u16,
    pub sasoc_peer_rwnd: u32,
    pub sasoc_local_rwnd: u32,
    pub sasoc_cookie_life: u32,
}

#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct sctp_setpeerprim_body {
    pub sspp_assoc_id: sctp_assoc_t,
    pub sspp_addr: sockaddr_storage,
}
pub type sctp_setpeerprim = Aligned4<sctp_setpeerprim_body>;

#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct sctp_prim_body {
    pub ssp_assoc_id: sctp_assoc_t,
    pub ssp_addr: sockaddr_storage,
}
pub type sctp_prim = Aligned4<sctp_prim_body>;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_setadaptation {
    pub ssb_adaptation_ind: u32,
}

#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct sctp_paddrparams_body {
    pub spp_assoc_id: sctp_assoc_t,
    pub spp_address: sockaddr_storage,
    pub spp_hbinterval: u32,
    pub spp_pathmaxrxt: u16,
    pub spp_pathmtu: u32,
    pub spp_sackdelay: u32,
    pub spp_flags: u32,
    pub spp_ipv6_flowlabel: u32,
    pub spp_dscp: u8,
    /// The tail padding `aligned(4)` adds in C.
    pub _pad: u8,
}
pub type sctp_paddrparams = Aligned4<sctp_paddrparams_body>;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_sack_info {
    pub sack_assoc_id: sctp_assoc_t,
    pub sack_delay: u32,
    pub sack_freq: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_default_prinfo {
    pub pr_assoc_id: sctp_assoc_t,
    pub pr_value: u32,
    pub pr_policy: u16,
    pub _pad: u16,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_stream_value {
    pub assoc_id: sctp_assoc_t,
    pub stream_id: u16,
    pub stream_value: u16,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_prstatus {
    pub sprstat_assoc_id: sctp_assoc_t,
    pub sprstat_sid: u16,
    pub sprstat_policy: u16,
    pub sprstat_abandoned_unsent: u64,
    pub sprstat_abandoned_sent: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_authchunk {
    pub sauth_chunk: u8,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_authkeyid {
    pub scact_assoc_id: sctp_assoc_t,
    pub scact_keynumber: u16,
    pub _pad: u16,
}

/// `struct sctp_authkey` with room for a key of up to `AUTH_KEY_MAX` bytes after its header
/// (C declares the key as a flexible array; the kernel reads `sca_keylength` of them).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sctp_authkey {
    pub sca_assoc_id: sctp_assoc_t,
    pub sca_keynumber: u16,
    pub sca_keylength: u16,
    pub sca_key: [u8; AUTH_KEY_MAX],
}

/// The longest AUTH key this tool sets, bytes.
pub const AUTH_KEY_MAX: usize = 64;

/// `struct sctp_authchunks` with room for every chunk type (C declares a flexible array).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sctp_authchunks {
    pub gauth_assoc_id: sctp_assoc_t,
    pub gauth_number_of_chunks: u32,
    pub gauth_chunks: [u8; 256],
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_add_streams {
    pub sas_assoc_id: sctp_assoc_t,
    pub sas_instrms: u16,
    pub sas_outstrms: u16,
}

/// Not packed in C: the address is 8-aligned, so 4 bytes of padding follow the id.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_paddrthlds_v2 {
    pub spt_assoc_id: sctp_assoc_t,
    pub _pad0: u32,
    pub spt_address: sockaddr_storage,
    pub spt_pathmaxrxt: u16,
    pub spt_pathpfthld: u16,
    pub spt_pathcpthld: u16,
    pub _pad1: u16,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_udpencaps {
    pub sue_assoc_id: sctp_assoc_t,
    pub _pad0: u32,
    pub sue_address: sockaddr_storage,
    pub sue_port: u16,
    pub _pad1: [u8; 6],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_probeinterval {
    pub spi_assoc_id: sctp_assoc_t,
    pub _pad0: u32,
    pub spi_address: sockaddr_storage,
    pub spi_interval: u32,
    pub _pad1: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_assoc_value {
    pub assoc_id: sctp_assoc_t,
    pub assoc_value: u32,
}

#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct sctp_paddrinfo_body {
    pub spinfo_assoc_id: sctp_assoc_t,
    pub spinfo_address: sockaddr_storage,
    pub spinfo_state: i32,
    pub spinfo_cwnd: u32,
    pub spinfo_srtt: u32,
    pub spinfo_rto: u32,
    pub spinfo_mtu: u32,
}
pub type sctp_paddrinfo = Aligned4<sctp_paddrinfo_body>;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_status {
    pub sstat_assoc_id: sctp_assoc_t,
    pub sstat_state: i32,
    pub sstat_rwnd: u32,
    pub sstat_unackdata: u16,
    pub sstat_penddata: u16,
    pub sstat_instrms: u16,
    pub sstat_outstrms: u16,
    pub sstat_fragmentation_point: u32,
    pub sstat_primary: sctp_paddrinfo,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_event_subscribe {
    pub sctp_data_io_event: u8,
    pub sctp_association_event: u8,
    pub sctp_address_event: u8,
    pub sctp_send_failure_event: u8,
    pub sctp_peer_error_event: u8,
    pub sctp_shutdown_event: u8,
    pub sctp_partial_delivery_event: u8,
    pub sctp_adaptation_layer_event: u8,
    pub sctp_authentication_event: u8,
    pub sctp_sender_dry_event: u8,
    pub sctp_stream_reset_event: u8,
    pub sctp_assoc_reset_event: u8,
    pub sctp_stream_change_event: u8,
    pub sctp_send_failure_event_event: u8,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_event {
    pub se_assoc_id: sctp_assoc_t,
    pub se_type: u16,
    pub se_on: u8,
    pub _pad: u8,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_assoc_stats {
    pub sas_assoc_id: sctp_assoc_t,
    pub _pad: u32,
    pub sas_obs_rto_ipaddr: sockaddr_storage,
    pub sas_maxrto: u64,
    pub sas_isacks: u64,
    pub sas_osacks: u64,
    pub sas_opackets: u64,
    pub sas_ipackets: u64,
    pub sas_rtxchunks: u64,
    pub sas_outofseqtsns: u64,
    pub sas_idupchunks: u64,
    pub sas_gapcnt: u64,
    pub sas_ouodchunks: u64,
    pub sas_iuodchunks: u64,
    pub sas_oodchunks: u64,
    pub sas_iodchunks: u64,
    pub sas_octrlchunks: u64,
    pub sas_ictrlchunks: u64,
}

/// `struct sctp_info` (`<linux/sctp.h>`): what the `sctp_diag` dump carries per association
/// in its `INET_DIAG_INFO` attribute. Units as the kernel fills them (`sctp_get_sctp_info`):
/// `sctpi_p_rto` and `sctpi_p_sackdelay` in ms, `sctpi_p_srtt` and `sctpi_p_hbinterval` in
/// jiffies; `sctpi_state` is the kernel's internal state (one less than `sstat_state`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_info {
    pub sctpi_tag: u32,
    pub sctpi_state: u32,
    pub sctpi_rwnd: u32,
    pub sctpi_unackdata: u16,
    pub sctpi_penddata: u16,
    pub sctpi_instrms: u16,
    pub sctpi_outstrms: u16,
    pub sctpi_fragmentation_point: u32,
    pub sctpi_inqueue: u32,
    pub sctpi_outqueue: u32,
    pub sctpi_overall_error: u32,
    pub sctpi_max_burst: u32,
    pub sctpi_maxseg: u32,
    pub sctpi_peer_rwnd: u32,
    pub sctpi_peer_tag: u32,
    pub sctpi_peer_capable: u8,
    pub sctpi_peer_sack: u8,
    pub __reserved1: u16,
    pub sctpi_isacks: u64,
    pub sctpi_osacks: u64,
    pub sctpi_opackets: u64,
    pub sctpi_ipackets: u64,
    pub sctpi_rtxchunks: u64,
    pub sctpi_outofseqtsns: u64,
    pub sctpi_idupchunks: u64,
    pub sctpi_gapcnt: u64,
    pub sctpi_ouodchunks: u64,
    pub sctpi_iuodchunks: u64,
    pub sctpi_oodchunks: u64,
    pub sctpi_iodchunks: u64,
    pub sctpi_octrlchunks: u64,
    pub sctpi_ictrlchunks: u64,
    pub sctpi_p_address: sockaddr_storage,
    pub sctpi_p_state: i32,
    pub sctpi_p_cwnd: u32,
    pub sctpi_p_srtt: u32,
    pub sctpi_p_rto: u32,
    pub sctpi_p_hbinterval: u32,
    pub sctpi_p_pathmaxrxt: u32,
    pub sctpi_p_sackdelay: u32,
    pub sctpi_p_sackfreq: u32,
    pub sctpi_p_ssthresh: u32,
    pub sctpi_p_partial_bytes_acked: u32,
    pub sctpi_p_flight_size: u32,
    pub sctpi_p_error: u16,
    pub __reserved2: u16,
    pub sctpi_s_autoclose: u32,
    pub sctpi_s_adaptation_ind: u32,
    pub sctpi_s_pd_point: u32,
    pub sctpi_s_nodelay: u8,
    pub sctpi_s_disable_fragments: u8,
    pub sctpi_s_v4mapped: u8,
    pub sctpi_s_frag_interleave: u8,
    pub sctpi_s_type: u32,
    pub __reserved3: u32,
}

// sock_diag over netlink: <linux/netlink.h>, <linux/sock_diag.h>, <linux/inet_diag.h>.
pub const NETLINK_SOCK_DIAG: i32 = 4;
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
pub const NLM_F_REQUEST: u16 = 0x01;
pub const NLM_F_MULTI: u16 = 0x02;
pub const NLM_F_DUMP_INTR: u16 = 0x10;
pub const NLM_F_DUMP: u16 = 0x300;
pub const NLMSG_NOOP: u16 = 0x1;
pub const NLMSG_ERROR: u16 = 0x2;
pub const NLMSG_DONE: u16 = 0x3;
pub const NLMSG_ALIGNTO: usize = 4;
pub const INET_DIAG_INFO: u16 = 2;
pub const INET_DIAG_LOCALS: u16 = 12;
pub const INET_DIAG_PEERS: u16 = 13;
/// `TCP_LISTEN` / `TCP_CLOSE`: `idiag_state` of an SCTP endpoint message (`sk_state`).
pub const TCP_LISTEN: u8 = 10;
pub const TCP_CLOSE: u8 = 7;

/// `struct nlmsghdr`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct nlmsghdr {
    pub nlmsg_len: u32,
    pub nlmsg_type: u16,
    pub nlmsg_flags: u16,
    pub nlmsg_seq: u32,
    pub nlmsg_pid: u32,
}

/// `struct nlattr` (the header of each attribute after an `inet_diag_msg`).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct nlattr {
    pub nla_len: u16,
    pub nla_type: u16,
}

/// `struct inet_diag_sockid`: ports and addresses in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct inet_diag_sockid {
    pub idiag_sport: u16,
    pub idiag_dport: u16,
    pub idiag_src: [u32; 4],
    pub idiag_dst: [u32; 4],
    pub idiag_if: u32,
    pub idiag_cookie: [u32; 2],
}

/// `struct inet_diag_req_v2`: the dump request.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct inet_diag_req_v2 {
    pub sdiag_family: u8,
    pub sdiag_protocol: u8,
    pub idiag_ext: u8,
    pub pad: u8,
    pub idiag_states: u32,
    pub id: inet_diag_sockid,
}

/// `struct inet_diag_msg`: one dumped endpoint or association.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct inet_diag_msg {
    pub idiag_family: u8,
    pub idiag_state: u8,
    pub idiag_timer: u8,
    pub idiag_retrans: u8,
    pub id: inet_diag_sockid,
    pub idiag_expires: u32,
    pub idiag_rqueue: u32,
    pub idiag_wqueue: u32,
    pub idiag_uid: u32,
    pub idiag_inode: u32,
}

/// `struct nlmsgerr`: the errno (negated, 0 for an ack) and the request's header.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct nlmsgerr {
    pub error: i32,
    pub msg: nlmsghdr,
}

/// Header of the variable-length `struct sctp_getaddrs`; packed addresses follow.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_getaddrs {
    pub assoc_id: sctp_assoc_t,
    pub addr_num: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_peeloff_arg_t {
    pub associd: sctp_assoc_t,
    pub sd: i32,
}

/// SCTP_SOCKOPT_PEELOFF_FLAGS: peeloff with open(2)-style flags (O_CLOEXEC, O_NONBLOCK).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_peeloff_flags_arg_t {
    pub p_arg: sctp_peeloff_arg_t,
    pub flags: u32,
}

/// Header of `struct sctp_assoc_ids`; `gaids_number_of_ids` ids follow.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct sctp_assoc_ids {
    pub gaids_number_of_ids: u32,
}

/// Plain C structs of integers and byte arrays with no implicit padding.
///
/// # Safety
/// Implement only for types whose every bit pattern, all-zero included, is a valid value
/// and which have no padding bytes; only this module does.
pub unsafe trait Zeroable: Copy {
    /// The all-zero value, the starting point of every struct handed to the kernel.
    fn zeroed() -> Self {
        // SAFETY: the trait's contract: all-zero is a valid value of `Self`.
        unsafe { std::mem::zeroed() }
    }
}

macro_rules! zeroable {
    // SAFETY: each listed type is a C integer struct mirrored above (padding made explicit)
    // or a libc struct of integers and byte arrays without padding.
    ($($t:ty),* $(,)?) => { $(unsafe impl Zeroable for $t {})* };
}
zeroable!(
    sctp_initmsg,
    sctp_sndrcvinfo,
    sctp_sndinfo,
    sctp_rcvinfo,
    sctp_prinfo,
    sctp_rtoinfo,
    sctp_assocparams,
    sctp_setpeerprim,
    sctp_prim,
    sctp_setadaptation,
    sctp_paddrparams,
    sctp_sack_info,
    sctp_assoc_value,
    sctp_default_prinfo,
    sctp_stream_value,
    sctp_prstatus,
    sctp_add_streams,
    sctp_authchunk,
    sctp_authkeyid,
    sctp_authkey,
    sctp_authchunks,
    sctp_paddrthlds_v2,
    sctp_udpencaps,
    sctp_probeinterval,
    sctp_paddrinfo,
    sctp_status,
    sctp_event_subscribe,
    sctp_event,
    sctp_assoc_stats,
    sctp_info,
    nlmsghdr,
    nlattr,
    inet_diag_sockid,
    inet_diag_req_v2,
    inet_diag_msg,
    nlmsgerr,
    sctp_getaddrs,
    sctp_peeloff_arg_t,
    sctp_peeloff_flags_arg_t,
    sctp_assoc_change,
    sctp_paddr_change,
    sctp_remote_error,
    sctp_send_failed,
    sctp_send_failed_event,
    sctp_shutdown_event,
    sctp_adaptation_event,
    sctp_pdapi_event,
    sctp_authkey_event,
    sctp_sender_dry_event,
    sctp_stream_reset_event,
    sctp_assoc_reset_event,
    sctp_stream_change_event,
    libc::sockaddr_storage,
    libc::sockaddr_ll,
    libc::linger,
    libc::timeval,
    i32,
    [u32; 2],
    u32,
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// Every struct's size equals the sum of its fields' sizes: no implicit padding.
    #[test]
    fn no_implicit_padding() {
        macro_rules! exact {
            ($t:ty: $($f:ty),+) => {
                assert_eq!(size_of::<$t>(), 0 $(+ size_of::<$f>())+, stringify!($t));
            };
        }
        exact!(sctp_sndrcvinfo: u16, u16, u16, u16, u32, u32, u32, u32, u32, i32);
        exact!(sctp_rcvinfo: u16, u16, u16, u16, u32, u32, u32, u32, i32);
        exact!(sctp_sndinfo: u16, u16, u32, u32, i32);
        exact!(sctp_prinfo: u16, u16, u32);
        exact!(sctp_remote_error: u16, u16, u32, u16, u16, i32);
        exact!(sctp_event: i32, u16, u8, u8);
        exact!(sctp_paddrparams: i32, sockaddr_storage, u32, u16, u32, u32, u32, u32, u8, u8);
        exact!(sctp_paddrinfo: i32, sockaddr_storage, i32, u32, u32, u32, u32);
        exact!(sctp_prim: i32, sockaddr_storage);
        exact!(sctp_setpeerprim: i32, sockaddr_storage);
        exact!(sctp_status: i32, i32, u32, u16, u16, u16, u16, u32, sctp_paddrinfo);
        exact!(sctp_assoc_stats: i32, u32, sockaddr_storage, [u64; 15]);
        exact!(sctp_info: [u32; 3], [u16; 4], [u32; 8], u8, u8, u16, [u64; 14], sockaddr_storage, i32, [u32; 10], u16, u16, [u32; 3], [u8; 4], u32, u32);
        exact!(nlmsghdr: u32, u16, u16, u32, u32);
        exact!(nlattr: u16, u16);
        exact!(nlmsgerr: i32, nlmsghdr);
        exact!(inet_diag_sockid: u16, u16, [u32; 4], [u32; 4], u32, [u32; 2]);
        exact!(inet_diag_req_v2: u8, u8, u8, u8, u32, inet_diag_sockid);
        exact!(inet_diag_msg: u8, u8, u8, u8, inet_diag_sockid, [u32; 5]);
        exact!(sctp_rtoinfo: i32, u32, u32, u32);
        exact!(sctp_assocparams: i32, u16, u16, u32, u32, u32);
        exact!(sctp_initmsg: u16, u16, u16, u16);
        exact!(sctp_sack_info: i32, u32, u32);
        exact!(sctp_assoc_value: i32, u32);
        exact!(sctp_default_prinfo: i32, u32, u16, u16);
        exact!(sctp_stream_value: i32, u16, u16);
        exact!(sctp_prstatus: i32, u16, u16, u64, u64);
        exact!(sctp_add_streams: i32, u16, u16);
        exact!(sctp_authchunk: u8);
        exact!(sctp_authkeyid: i32, u16, u16);
        exact!(sctp_authkey: i32, u16, u16, [u8; AUTH_KEY_MAX]);
        exact!(sctp_authchunks: i32, u32, [u8; 256]);
        exact!(sctp_paddrthlds_v2: i32, u32, sockaddr_storage, u16, u16, u16, u16);
        exact!(sctp_udpencaps: i32, u32, sockaddr_storage, u16, [u8; 6]);
        exact!(sctp_probeinterval: i32, u32, sockaddr_storage, u32, u32);
        exact!(sctp_setadaptation: u32);
        exact!(sctp_event_subscribe: [u8; 14]);
        exact!(sctp_getaddrs: i32, u32);
        exact!(sctp_peeloff_arg_t: i32, i32);
        exact!(sctp_peeloff_flags_arg_t: sctp_peeloff_arg_t, u32);
        exact!(sctp_assoc_change: u16, u16, u32, u16, u16, u16, u16, i32);
        exact!(sctp_paddr_change: u16, u16, u32, sockaddr_storage, i32, i32, i32);
        exact!(sctp_send_failed: u16, u16, u32, u32, sctp_sndrcvinfo, i32);
        exact!(sctp_send_failed_event: u16, u16, u32, u32, sctp_sndinfo, i32);
        exact!(sctp_shutdown_event: u16, u16, u32, i32);
        exact!(sctp_adaptation_event: u16, u16, u32, u32, i32);
        exact!(sctp_pdapi_event: u16, u16, u32, u32, i32, u32, u32);
        exact!(sctp_authkey_event: u16, u16, u32, u16, u16, u32, i32);
        exact!(sctp_sender_dry_event: u16, u16, u32, i32);
        exact!(sctp_stream_reset_event: u16, u16, u32, i32);
        exact!(sctp_assoc_reset_event: u16, u16, u32, i32, u32, u32);
        exact!(sctp_stream_change_event: u16, u16, u32, i32, u16, u16);
        exact!(sockaddr_storage: u16, [u8; 118], usize);
        exact!(libc::linger: i32, i32);
        exact!(libc::timeval: i64, i64);
    }
}
