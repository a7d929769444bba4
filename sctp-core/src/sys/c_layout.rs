//! The `#[repr(C)]` mirrors in `ffi` against the C header itself: a C
//! program built from `<linux/sctp.h>` prints every size, alignment, field offset and
//! constant value, and the same lines are computed from the Rust definitions.

use super::ffi::*;
use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::process::Command;

struct Checks {
    c_body: String,
    rust: String,
}

impl Checks {
    fn line(&mut self, key: &str, c_expr: &str, rust_value: i128) {
        writeln!(self.c_body, "    printf(\"{key} %lld\\n\", (long long)({c_expr}));").unwrap();
        writeln!(self.rust, "{key} {rust_value}").unwrap();
    }
}

/// `strukt!(checks, "C type", RustType[, RustBody] { field, ... })`
macro_rules! strukt {
    ($c:ident, $cty:literal, $rty:ty { $($f:ident),* $(,)? }) => {
        strukt!($c, $cty, $rty, $rty { $($f),* })
    };
    ($c:ident, $cty:literal, $rty:ty, $body:ty { $($f:ident),* $(,)? }) => {
        $c.line(concat!($cty, " size"), concat!("sizeof(", $cty, ")"), size_of::<$rty>() as i128);
        $c.line(concat!($cty, " align"), concat!("_Alignof(", $cty, ")"), align_of::<$rty>() as i128);
        $( $c.line(
            concat!($cty, ".", stringify!($f)),
            concat!("offsetof(", $cty, ", ", stringify!($f), ")"),
            offset_of!($body, $f) as i128,
        ); )*
    };
}

macro_rules! consts {
    ($c:ident, $($name:ident),* $(,)?) => {
        $( $c.line(stringify!($name), stringify!($name), $name as i128); )*
    };
}

fn all_checks() -> Checks {
    let mut c = Checks { c_body: String::new(), rust: String::new() };
    strukt!(
        c,
        "struct sctp_initmsg",
        sctp_initmsg { sinit_num_ostreams, sinit_max_instreams, sinit_max_attempts, sinit_max_init_timeo }
    );
    strukt!(
        c,
        "struct sctp_sndrcvinfo",
        sctp_sndrcvinfo {
            sinfo_stream,
            sinfo_ssn,
            sinfo_flags,
            sinfo_ppid,
            sinfo_context,
            sinfo_timetolive,
            sinfo_tsn,
            sinfo_cumtsn,
            sinfo_assoc_id
        }
    );
    strukt!(c, "struct sctp_sndinfo", sctp_sndinfo { snd_sid, snd_flags, snd_ppid, snd_context, snd_assoc_id });
    strukt!(
        c,
        "struct sctp_rcvinfo",
        sctp_rcvinfo { rcv_sid, rcv_ssn, rcv_flags, rcv_ppid, rcv_tsn, rcv_cumtsn, rcv_context, rcv_assoc_id }
    );
    strukt!(c, "struct sctp_prinfo", sctp_prinfo { pr_policy, pr_value });
    strukt!(
        c,
        "struct sctp_assoc_change",
        sctp_assoc_change {
            sac_type,
            sac_flags,
            sac_length,
            sac_state,
            sac_error,
            sac_outbound_streams,
            sac_inbound_streams,
            sac_assoc_id
        }
    );
    strukt!(
        c,
        "struct sctp_paddr_change",
        sctp_paddr_change,
        sctp_paddr_change_body { spc_type, spc_flags, spc_length, spc_aaddr, spc_state, spc_error, spc_assoc_id }
    );
    strukt!(
        c,
        "struct sctp_remote_error",
        sctp_remote_error { sre_type, sre_flags, sre_length, sre_error, sre_assoc_id }
    );
    strukt!(
        c,
        "struct sctp_send_failed",
        sctp_send_failed { ssf_type, ssf_flags, ssf_length, ssf_error, ssf_info, ssf_assoc_id }
    );
    strukt!(
        c,
        "struct sctp_send_failed_event",
        sctp_send_failed_event { ssf_type, ssf_flags, ssf_length, ssf_error, ssfe_info, ssf_assoc_id }
    );
    strukt!(c, "struct sctp_shutdown_event", sctp_shutdown_event { sse_type, sse_flags, sse_length, sse_assoc_id });
    strukt!(
        c,
        "struct sctp_adaptation_event",
        sctp_adaptation_event { sai_type, sai_flags, sai_length, sai_adaptation_ind, sai_assoc_id }
    );
    strukt!(
        c,
        "struct sctp_pdapi_event",
        sctp_pdapi_event {
            pdapi_type,
            pdapi_flags,
            pdapi_length,
            pdapi_indication,
            pdapi_assoc_id,
            pdapi_stream,
            pdapi_seq
        }
    );
    strukt!(
        c,
        "struct sctp_authkey_event",
        sctp_authkey_event {
            auth_type,
            auth_flags,
            auth_length,
            auth_keynumber,
            auth_altkeynumber,
            auth_indication,
            auth_assoc_id
        }
    );
    strukt!(
        c,
        "struct sctp_sender_dry_event",
        sctp_sender_dry_event { sender_dry_type, sender_dry_flags, sender_dry_length, sender_dry_assoc_id }
    );
    strukt!(
        c,
        "struct sctp_stream_reset_event",
        sctp_stream_reset_event { strreset_type, strreset_flags, strreset_length, strreset_assoc_id }
    );
    strukt!(
        c,
        "struct sctp_assoc_reset_event",
        sctp_assoc_reset_event {
            assocreset_type,
            assocreset_flags,
            assocreset_length,
            assocreset_assoc_id,
            assocreset_local_tsn,
            assocreset_remote_tsn
        }
    );
    strukt!(
        c,
        "struct sctp_stream_change_event",
        sctp_stream_change_event {
            strchange_type,
            strchange_flags,
            strchange_length,
            strchange_assoc_id,
            strchange_instrms,
            strchange_outstrms
        }
    );
    strukt!(c, "struct sctp_rtoinfo", sctp_rtoinfo { srto_assoc_id, srto_initial, srto_max, srto_min });
    strukt!(
        c,
        "struct sctp_assocparams",
        sctp_assocparams {
            sasoc_assoc_id,
            sasoc_asocmaxrxt,
            sasoc_number_peer_destinations,
            sasoc_peer_rwnd,
            sasoc_local_rwnd,
            sasoc_cookie_life
        }
    );
    strukt!(c, "struct sctp_setpeerprim", sctp_setpeerprim, sctp_setpeerprim_body { sspp_assoc_id, sspp_addr });
    strukt!(c, "struct sctp_prim", sctp_prim, sctp_prim_body { ssp_assoc_id, ssp_addr });
    strukt!(c, "struct sctp_setadaptation", sctp_setadaptation { ssb_adaptation_ind });
    strukt!(
        c,
        "struct sctp_paddrparams",
        sctp_paddrparams,
        sctp_paddrparams_body {
            spp_assoc_id,
            spp_address,
            spp_hbinterval,
            spp_pathmaxrxt,
            spp_pathmtu,
            spp_sackdelay,
            spp_flags,
            spp_ipv6_flowlabel,
            spp_dscp
        }
    );
    strukt!(c, "struct sctp_sack_info", sctp_sack_info { sack_assoc_id, sack_delay, sack_freq });
    strukt!(c, "struct sctp_assoc_value", sctp_assoc_value { assoc_id, assoc_value });
    strukt!(c, "struct sctp_default_prinfo", sctp_default_prinfo { pr_assoc_id, pr_value, pr_policy });
    strukt!(c, "struct sctp_stream_value", sctp_stream_value { assoc_id, stream_id, stream_value });
    strukt!(
        c,
        "struct sctp_prstatus",
        sctp_prstatus {
            sprstat_assoc_id,
            sprstat_sid,
            sprstat_policy,
            sprstat_abandoned_unsent,
            sprstat_abandoned_sent
        }
    );
    strukt!(c, "struct sctp_add_streams", sctp_add_streams { sas_assoc_id, sas_instrms, sas_outstrms });
    strukt!(c, "struct sctp_authchunk", sctp_authchunk { sauth_chunk });
    strukt!(c, "struct sctp_authkeyid", sctp_authkeyid { scact_assoc_id, scact_keynumber });
    // The flexible arrays: only the headers' offsets can be compared.
    c.line(
        "struct sctp_authkey.sca_key",
        "offsetof(struct sctp_authkey, sca_key)",
        offset_of!(sctp_authkey, sca_key) as i128,
    );
    c.line(
        "struct sctp_authkey.sca_keylength",
        "offsetof(struct sctp_authkey, sca_keylength)",
        offset_of!(sctp_authkey, sca_keylength) as i128,
    );
    c.line(
        "struct sctp_authchunks.gauth_chunks",
        "offsetof(struct sctp_authchunks, gauth_chunks)",
        offset_of!(sctp_authchunks, gauth_chunks) as i128,
    );
    strukt!(
        c,
        "struct sctp_paddrthlds_v2",
        sctp_paddrthlds_v2 { spt_assoc_id, spt_address, spt_pathmaxrxt, spt_pathpfthld, spt_pathcpthld }
    );
    strukt!(c, "struct sctp_udpencaps", sctp_udpencaps { sue_assoc_id, sue_address, sue_port });
    strukt!(c, "struct sctp_probeinterval", sctp_probeinterval { spi_assoc_id, spi_address, spi_interval });
    strukt!(
        c,
        "struct sctp_paddrinfo",
        sctp_paddrinfo,
        sctp_paddrinfo_body {
            spinfo_assoc_id,
            spinfo_address,
            spinfo_state,
            spinfo_cwnd,
            spinfo_srtt,
            spinfo_rto,
            spinfo_mtu
        }
    );
    strukt!(
        c,
        "struct sctp_status",
        sctp_status {
            sstat_assoc_id,
            sstat_state,
            sstat_rwnd,
            sstat_unackdata,
            sstat_penddata,
            sstat_instrms,
            sstat_outstrms,
            sstat_fragmentation_point,
            sstat_primary
        }
    );
    strukt!(
        c,
        "struct sctp_event_subscribe",
        sctp_event_subscribe {
            sctp_data_io_event,
            sctp_association_event,
            sctp_address_event,
            sctp_send_failure_event,
            sctp_peer_error_event,
            sctp_shutdown_event,
            sctp_partial_delivery_event,
            sctp_adaptation_layer_event,
            sctp_authentication_event,
            sctp_sender_dry_event,
            sctp_stream_reset_event,
            sctp_assoc_reset_event,
            sctp_stream_change_event,
            sctp_send_failure_event_event
        }
    );
    strukt!(c, "struct sctp_event", sctp_event { se_assoc_id, se_type, se_on });
    strukt!(
        c,
        "struct sctp_assoc_stats",
        sctp_assoc_stats {
            sas_assoc_id,
            sas_obs_rto_ipaddr,
            sas_maxrto,
            sas_isacks,
            sas_osacks,
            sas_opackets,
            sas_ipackets,
            sas_rtxchunks,
            sas_outofseqtsns,
            sas_idupchunks,
            sas_gapcnt,
            sas_ouodchunks,
            sas_iuodchunks,
            sas_oodchunks,
            sas_iodchunks,
            sas_octrlchunks,
            sas_ictrlchunks
        }
    );
    strukt!(
        c,
        "struct sctp_info",
        sctp_info {
            sctpi_tag,
            sctpi_state,
            sctpi_rwnd,
            sctpi_unackdata,
            sctpi_penddata,
            sctpi_instrms,
            sctpi_outstrms,
            sctpi_fragmentation_point,
            sctpi_inqueue,
            sctpi_outqueue,
            sctpi_overall_error,
            sctpi_max_burst,
            sctpi_maxseg,
            sctpi_peer_rwnd,
            sctpi_peer_tag,
            sctpi_peer_capable,
            sctpi_peer_sack,
            sctpi_isacks,
            sctpi_osacks,
            sctpi_opackets,
            sctpi_ipackets,
            sctpi_rtxchunks,
            sctpi_outofseqtsns,
            sctpi_idupchunks,
            sctpi_gapcnt,
            sctpi_ouodchunks,
            sctpi_iuodchunks,
            sctpi_oodchunks,
            sctpi_iodchunks,
            sctpi_octrlchunks,
            sctpi_ictrlchunks,
            sctpi_p_address,
            sctpi_p_state,
            sctpi_p_cwnd,
            sctpi_p_srtt,
            sctpi_p_rto,
            sctpi_p_hbinterval,
            sctpi_p_pathmaxrxt,
            sctpi_p_sackdelay,
            sctpi_p_sackfreq,
            sctpi_p_ssthresh,
            sctpi_p_partial_bytes_acked,
            sctpi_p_flight_size,
            sctpi_p_error,
            sctpi_s_autoclose,
            sctpi_s_adaptation_ind,
            sctpi_s_pd_point,
            sctpi_s_nodelay,
            sctpi_s_disable_fragments,
            sctpi_s_v4mapped,
            sctpi_s_frag_interleave,
            sctpi_s_type
        }
    );
    strukt!(c, "struct nlmsghdr", nlmsghdr { nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq, nlmsg_pid });
    strukt!(c, "struct nlattr", nlattr { nla_len, nla_type });
    strukt!(
        c,
        "struct inet_diag_sockid",
        inet_diag_sockid { idiag_sport, idiag_dport, idiag_src, idiag_dst, idiag_if, idiag_cookie }
    );
    strukt!(
        c,
        "struct inet_diag_req_v2",
        inet_diag_req_v2 { sdiag_family, sdiag_protocol, idiag_ext, pad, idiag_states, id }
    );
    strukt!(
        c,
        "struct inet_diag_msg",
        inet_diag_msg {
            idiag_family,
            idiag_state,
            idiag_timer,
            idiag_retrans,
            id,
            idiag_expires,
            idiag_rqueue,
            idiag_wqueue,
            idiag_uid,
            idiag_inode
        }
    );
    strukt!(c, "struct nlmsgerr", nlmsgerr { error, msg });
    strukt!(c, "struct sctp_getaddrs", sctp_getaddrs { assoc_id, addr_num });
    strukt!(c, "sctp_peeloff_arg_t", sctp_peeloff_arg_t { associd, sd });
    strukt!(c, "sctp_peeloff_flags_arg_t", sctp_peeloff_flags_arg_t { p_arg, flags });
    strukt!(c, "struct sctp_assoc_ids", sctp_assoc_ids { gaids_number_of_ids });
    consts!(
        c,
        NETLINK_SOCK_DIAG,
        SOCK_DIAG_BY_FAMILY,
        NLM_F_REQUEST,
        NLM_F_MULTI,
        NLM_F_DUMP_INTR,
        NLM_F_DUMP,
        NLMSG_NOOP,
        NLMSG_ERROR,
        NLMSG_DONE,
        NLMSG_ALIGNTO,
        INET_DIAG_INFO,
        INET_DIAG_LOCALS,
        INET_DIAG_PEERS,
        TCP_LISTEN,
        TCP_CLOSE,
        IPPROTO_SCTP,
        SOL_SCTP,
        MSG_NOTIFICATION,
        SCTP_FUTURE_ASSOC,
        SCTP_CURRENT_ASSOC,
        SCTP_ALL_ASSOC,
        SCTP_RTOINFO,
        SCTP_ASSOCINFO,
        SCTP_INITMSG,
        SCTP_NODELAY,
        SCTP_AUTOCLOSE,
        SCTP_SET_PEER_PRIMARY_ADDR,
        SCTP_PRIMARY_ADDR,
        SCTP_ADAPTATION_LAYER,
        SCTP_DISABLE_FRAGMENTS,
        SCTP_PEER_ADDR_PARAMS,
        SCTP_DEFAULT_SEND_PARAM,
        SCTP_EVENTS,
        SCTP_I_WANT_MAPPED_V4_ADDR,
        SCTP_MAXSEG,
        SCTP_STATUS,
        SCTP_GET_PEER_ADDR_INFO,
        SCTP_DELAYED_ACK_TIME,
        SCTP_GET_ASSOC_ID_LIST,
        SCTP_RECVRCVINFO,
        SCTP_DEFAULT_SNDINFO,
        SCTP_SOCKOPT_BINDX_ADD,
        SCTP_SOCKOPT_BINDX_REM,
        SCTP_SOCKOPT_PEELOFF,
        SCTP_SOCKOPT_PEELOFF_FLAGS,
        SCTP_GET_ASSOC_NUMBER,
        SCTP_GET_PEER_ADDRS,
        SCTP_GET_LOCAL_ADDRS,
        SCTP_SOCKOPT_CONNECTX,
        SCTP_SOCKOPT_CONNECTX3,
        SCTP_GET_ASSOC_STATS,
        SCTP_EVENT,
        SCTP_EXPOSE_POTENTIALLY_FAILED_STATE,
        SCTP_CONTEXT,
        SCTP_FRAGMENT_INTERLEAVE,
        SCTP_PARTIAL_DELIVERY_POINT,
        SCTP_MAX_BURST,
        SCTP_AUTO_ASCONF,
        SCTP_PEER_ADDR_THLDS_V2,
        SCTP_AUTH_CHUNK,
        SCTP_AUTH_KEY,
        SCTP_AUTH_ACTIVE_KEY,
        SCTP_AUTH_DELETE_KEY,
        SCTP_PEER_AUTH_CHUNKS,
        SCTP_LOCAL_AUTH_CHUNKS,
        SCTP_AUTH_DEACTIVATE_KEY,
        SCTP_PR_SUPPORTED,
        SCTP_DEFAULT_PRINFO,
        SCTP_PR_ASSOC_STATUS,
        SCTP_PR_STREAM_STATUS,
        SCTP_RECONFIG_SUPPORTED,
        SCTP_ENABLE_STREAM_RESET,
        SCTP_RESET_STREAMS,
        SCTP_RESET_ASSOC,
        SCTP_ADD_STREAMS,
        SCTP_STREAM_SCHEDULER,
        SCTP_STREAM_SCHEDULER_VALUE,
        SCTP_INTERLEAVING_SUPPORTED,
        SCTP_ASCONF_SUPPORTED,
        SCTP_AUTH_SUPPORTED,
        SCTP_ECN_SUPPORTED,
        SCTP_REMOTE_UDP_ENCAPS_PORT,
        SCTP_PLPMTUD_PROBE_INTERVAL,
        SCTP_ENABLE_RESET_STREAM_REQ,
        SCTP_ENABLE_RESET_ASSOC_REQ,
        SCTP_ENABLE_CHANGE_ASSOC_REQ,
        SCTP_STREAM_RESET_INCOMING,
        SCTP_STREAM_RESET_OUTGOING,
        SCTP_PR_SCTP_RTX,
        SCTP_PR_SCTP_PRIO,
        SCTP_PR_SCTP_ALL,
        SCTP_SNDINFO,
        SCTP_RCVINFO,
        SCTP_PRINFO,
        SCTP_UNORDERED,
        SCTP_ADDR_OVER,
        SCTP_ABORT,
        SCTP_SACK_IMMEDIATELY,
        SCTP_SENDALL,
        SCTP_EOF,
        SCTP_PR_SCTP_NONE,
        SCTP_PR_SCTP_TTL,
        SPP_HB_ENABLE,
        SPP_HB_DISABLE,
        SPP_HB_DEMAND,
        SPP_PMTUD_ENABLE,
        SPP_PMTUD_DISABLE,
        SPP_SACKDELAY_ENABLE,
        SPP_SACKDELAY_DISABLE,
        SPP_HB_TIME_IS_ZERO,
        SCTP_SN_TYPE_BASE,
        SCTP_ASSOC_CHANGE,
        SCTP_PEER_ADDR_CHANGE,
        SCTP_SEND_FAILED,
        SCTP_REMOTE_ERROR,
        SCTP_SHUTDOWN_EVENT,
        SCTP_PARTIAL_DELIVERY_EVENT,
        SCTP_ADAPTATION_INDICATION,
        SCTP_AUTHENTICATION_EVENT,
        SCTP_SENDER_DRY_EVENT,
        SCTP_STREAM_RESET_EVENT,
        SCTP_ASSOC_RESET_EVENT,
        SCTP_STREAM_CHANGE_EVENT,
        SCTP_SEND_FAILED_EVENT,
    );
    c
}

#[test]
fn rust_mirrors_match_linux_sctp_h() {
    let checks = all_checks();
    let scratch = tempfile::tempdir().expect("a private scratch dir");
    let dir = scratch.path();
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    let program = format!(
        "#include <sys/socket.h>\n#include <stddef.h>\n#include <stdio.h>\n#include <netinet/in.h>\n#include <linux/sctp.h>\n#include <linux/netlink.h>\n#include <linux/sock_diag.h>\n#include <linux/inet_diag.h>\n#include <netinet/tcp.h>\n\
         #ifndef SOL_SCTP\n#define SOL_SCTP 132\n#endif\n\
         int main(void) {{\n{}    return 0;\n}}\n",
        checks.c_body
    );
    std::fs::write(&src, program).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .args(["-std=gnu11", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("running the C compiler `{cc}` failed: {e} (install gcc and linux-libc-dev)"));
    assert!(out.status.success(), "C compile failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().unwrap();
    assert!(run.status.success());
    let from_c = String::from_utf8(run.stdout).unwrap();

    let mismatches: Vec<String> = from_c
        .lines()
        .zip(checks.rust.lines())
        .filter(|(c, r)| c != r)
        .map(|(c, r)| format!("C: {c:<50} Rust: {r}"))
        .collect();
    assert_eq!(from_c.lines().count(), checks.rust.lines().count());
    assert!(mismatches.is_empty(), "layout differs from <linux/sctp.h>:\n{}", mismatches.join("\n"));
    // Guard against a vacuous pass: the program really checked hundreds of facts.
    assert!(from_c.lines().count() > 300, "only {} checks ran", from_c.lines().count());
}
