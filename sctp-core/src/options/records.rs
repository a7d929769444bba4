//! The record options other than peer_addr_params (which has its own file).
//! Units follow the kernel: milliseconds unless a field says otherwise; a zero field in a
//! set means "leave as is" where the kernel documents that (RFC 6458 §8.1).

use super::SockOpt;
use crate::addr;
use crate::notification::EventKind;
use crate::sys::ffi;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// SCTP_RTOINFO (RFC 6458 §8.1.1): retransmission timeout bounds, ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RtoInfo {
    /// RTO before any RTT is measured (`srto_initial`, RTO.Initial); 0 in a set keeps it.
    pub initial: u32,
    /// Upper bound of the RTO (`srto_max`, RTO.Max); 0 in a set keeps it.
    pub max: u32,
    /// Lower bound of the RTO (`srto_min`, RTO.Min); 0 in a set keeps it.
    pub min: u32,
}

impl SockOpt for RtoInfo {
    const NAME: &'static str = "rtoinfo";
    const OPTNAME: i32 = ffi::SCTP_RTOINFO;
    type Raw = ffi::sctp_rtoinfo;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_rtoinfo {
            srto_assoc_id: assoc_id,
            srto_initial: self.initial,
            srto_max: self.max,
            srto_min: self.min,
        }
    }
    fn decode(r: &Self::Raw) -> Self {
        RtoInfo { initial: r.srto_initial, max: r.srto_max, min: r.srto_min }
    }
    fn validate(&self) -> Result<(), String> {
        if self.min != 0 && self.max != 0 && self.min > self.max {
            return Err(format!("min ({} ms) must not exceed max ({} ms)", self.min, self.max));
        }
        if self.initial != 0 && self.max != 0 && self.initial > self.max {
            return Err(format!("initial ({} ms) must not exceed max ({} ms)", self.initial, self.max));
        }
        if self.initial != 0 && self.initial < self.min {
            return Err(format!("initial ({} ms) must not be below min ({} ms)", self.initial, self.min));
        }
        Ok(())
    }
}

/// SCTP_ASSOCINFO (§8.1.2). Only `max_retrans` and `cookie_life` are settable; the rest
/// are what the kernel reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AssocInfo {
    /// Association.Max.Retrans (`sasoc_asocmaxrxt`): retransmissions, over all paths, before the
    /// peer counts as unreachable and the association is closed (RFC 9260 §8.1); 0 in a set keeps it.
    pub max_retrans: u16,
    /// Number of peer addresses (`sasoc_number_peer_destinations`); read-only.
    pub peer_destinations: u16,
    /// The peer's receive window, bytes (`sasoc_peer_rwnd`); read-only.
    pub peer_rwnd: u32,
    /// The local receive window, bytes (`sasoc_local_rwnd`); read-only.
    pub local_rwnd: u32,
    /// Cookie lifetime, ms.
    pub cookie_life: u32,
}

impl SockOpt for AssocInfo {
    const NAME: &'static str = "associnfo";
    const OPTNAME: i32 = ffi::SCTP_ASSOCINFO;
    type Raw = ffi::sctp_assocparams;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_assocparams {
            sasoc_assoc_id: assoc_id,
            sasoc_asocmaxrxt: self.max_retrans,
            sasoc_number_peer_destinations: self.peer_destinations,
            sasoc_peer_rwnd: self.peer_rwnd,
            sasoc_local_rwnd: self.local_rwnd,
            sasoc_cookie_life: self.cookie_life,
        }
    }
    fn decode(r: &Self::Raw) -> Self {
        AssocInfo {
            max_retrans: r.sasoc_asocmaxrxt,
            peer_destinations: r.sasoc_number_peer_destinations,
            peer_rwnd: r.sasoc_peer_rwnd,
            local_rwnd: r.sasoc_local_rwnd,
            cookie_life: r.sasoc_cookie_life,
        }
    }
}

/// SCTP_INITMSG (§8.1.3): what the next INIT asks for. Socket-wide (no association).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InitMsg {
    /// Outbound streams to ask for (`sinit_num_ostreams`); 0 in a set keeps the current value.
    pub num_ostreams: u16,
    /// Most inbound streams to accept (`sinit_max_instreams`); 0 in a set keeps the current value.
    pub max_instreams: u16,
    /// Times to resend INIT before giving up (`sinit_max_attempts`); 0 in a set keeps the current value.
    pub max_attempts: u16,
    /// Largest INIT retransmission timeout, ms.
    pub max_init_timeo: u16,
}

impl SockOpt for InitMsg {
    const NAME: &'static str = "initmsg";
    const OPTNAME: i32 = ffi::SCTP_INITMSG;
    type Raw = ffi::sctp_initmsg;
    fn encode(&self, _assoc_id: i32) -> Self::Raw {
        ffi::sctp_initmsg {
            sinit_num_ostreams: self.num_ostreams,
            sinit_max_instreams: self.max_instreams,
            sinit_max_attempts: self.max_attempts,
            sinit_max_init_timeo: self.max_init_timeo,
        }
    }
    fn decode(r: &Self::Raw) -> Self {
        InitMsg {
            num_ostreams: r.sinit_num_ostreams,
            max_instreams: r.sinit_max_instreams,
            max_attempts: r.sinit_max_attempts,
            max_init_timeo: r.sinit_max_init_timeo,
        }
    }
}

int_option!(
    /// SCTP_NODELAY (§8.1.5): send small messages at once (no Nagle-like bundling delay).
    NoDelay(bool), "nodelay", ffi::SCTP_NODELAY
);
int_option!(
    /// SCTP_AUTOCLOSE (§8.1.8): close idle associations after this many **seconds**
    /// (0 = never). One-to-many sockets only.
    AutoClose(u32), "autoclose", ffi::SCTP_AUTOCLOSE
);
int_option!(
    /// SCTP_DISABLE_FRAGMENTS (§8.1.15): refuse messages larger than the path MTU
    /// instead of fragmenting them.
    DisableFragments(bool), "disable_fragments", ffi::SCTP_DISABLE_FRAGMENTS
);
int_option!(
    /// SCTP_I_WANT_MAPPED_V4_ADDR (§8.1.17): report IPv4 peers as ::ffff:a.b.c.d on
    /// IPv6 sockets.
    MappedV4(bool), "i_want_mapped_v4_addr", ffi::SCTP_I_WANT_MAPPED_V4_ADDR
);

/// SCTP_MAX_CHUNK_LEN (65535) less the 16-byte DATA chunk header.
const MAX_MAXSEG: u32 = 65535 - 16;

/// SCTP_MAXSEG (§8.1.16): largest DATA chunk, bytes (0 = path MTU decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MaxSeg(pub u32);

impl SockOpt for MaxSeg {
    const NAME: &'static str = "maxseg";
    const OPTNAME: i32 = ffi::SCTP_MAXSEG;
    type Raw = ffi::sctp_assoc_value;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_assoc_value { assoc_id, assoc_value: self.0 }
    }
    fn decode(r: &Self::Raw) -> Self {
        MaxSeg(r.assoc_value)
    }
    fn validate(&self) -> Result<(), String> {
        // The kernel's upper bound: the largest chunk (65535) less a DATA chunk header. Its
        // lower bound depends on the family and chunk type; the kernel checks that itself.
        if self.0 > MAX_MAXSEG {
            return Err(format!("maxseg {} out of range: 0 (automatic) or up to {MAX_MAXSEG} bytes", self.0));
        }
        Ok(())
    }
}

fn require_addr(addr: &Option<SocketAddr>, what: &str) -> Result<(), String> {
    match addr {
        Some(_) => Ok(()),
        None => Err(format!("{what} needs a peer address")),
    }
}

/// SCTP_PRIMARY_ADDR (§8.1.9): the local choice of primary path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PrimaryAddr {
    /// The peer address to use as primary path (`ssp_addr`); required in a set.
    pub addr: Option<SocketAddr>,
}

impl SockOpt for PrimaryAddr {
    const NAME: &'static str = "primary_addr";
    const OPTNAME: i32 = ffi::SCTP_PRIMARY_ADDR;
    type Raw = ffi::sctp_prim;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        let storage = self.addr.map(|a| addr::to_storage(&a).0).unwrap_or_else(ffi::Zeroable::zeroed);
        ffi::Aligned4(ffi::sctp_prim_body { ssp_assoc_id: assoc_id, ssp_addr: storage })
    }
    fn decode(r: &Self::Raw) -> Self {
        PrimaryAddr { addr: addr::from_storage(&{ r.0.ssp_addr }) }
    }
    fn validate(&self) -> Result<(), String> {
        require_addr(&self.addr, "primary_addr")
    }
}

/// SCTP_SET_PEER_PRIMARY_ADDR (§8.3.1): ask the peer to use this local address as its
/// primary (needs ASCONF on both ends). Write-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SetPeerPrimaryAddr {
    /// The local address the peer should make its primary (`sspp_addr`); required.
    pub addr: Option<SocketAddr>,
}

impl SockOpt for SetPeerPrimaryAddr {
    const NAME: &'static str = "set_peer_primary_addr";
    const OPTNAME: i32 = ffi::SCTP_SET_PEER_PRIMARY_ADDR;
    type Raw = ffi::sctp_setpeerprim;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        let storage = self.addr.map(|a| addr::to_storage(&a).0).unwrap_or_else(ffi::Zeroable::zeroed);
        ffi::Aligned4(ffi::sctp_setpeerprim_body { sspp_assoc_id: assoc_id, sspp_addr: storage })
    }
    fn decode(r: &Self::Raw) -> Self {
        SetPeerPrimaryAddr { addr: addr::from_storage(&{ r.0.sspp_addr }) }
    }
    fn validate(&self) -> Result<(), String> {
        require_addr(&self.addr, "set_peer_primary_addr")
    }
}

/// SCTP_ADAPTATION_LAYER (§8.1.10): the adaptation indication sent in INIT/INIT-ACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AdaptationLayer {
    /// The 32-bit adaptation code point sent to peers (`ssb_adaptation_ind`, RFC 5061 §4.2.7).
    pub indication: u32,
}

impl SockOpt for AdaptationLayer {
    const NAME: &'static str = "adaptation_layer";
    const OPTNAME: i32 = ffi::SCTP_ADAPTATION_LAYER;
    type Raw = ffi::sctp_setadaptation;
    fn encode(&self, _assoc_id: i32) -> Self::Raw {
        ffi::sctp_setadaptation { ssb_adaptation_ind: self.indication }
    }
    fn decode(r: &Self::Raw) -> Self {
        AdaptationLayer { indication: r.ssb_adaptation_ind }
    }
}

/// SCTP_DEFAULT_SEND_PARAM (§8.1.11, deprecated form kept for gen_sctp parity): what a
/// send without send info uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DefaultSendParam {
    /// Outgoing stream (`sinfo_stream`).
    pub stream: u16,
    /// Host order here; the kernel gets and gives network order (see `message`).
    pub ppid: u32,
    /// `sinfo_flags`: SCTP_UNORDERED, SCTP_ADDR_OVER, ... as in `SendFlags::bits`.
    pub flags: u16,
    /// Opaque value returned in send-failed notifications (`sinfo_context`).
    pub context: u32,
    /// ms; 0 = reliable.
    pub time_to_live: u32,
}

impl SockOpt for DefaultSendParam {
    const NAME: &'static str = "default_send_param";
    const OPTNAME: i32 = ffi::SCTP_DEFAULT_SEND_PARAM;
    type Raw = ffi::sctp_sndrcvinfo;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_sndrcvinfo {
            sinfo_stream: self.stream,
            sinfo_flags: self.flags,
            sinfo_ppid: self.ppid.to_be(),
            sinfo_context: self.context,
            sinfo_timetolive: self.time_to_live,
            sinfo_assoc_id: assoc_id,
            ..Default::default()
        }
    }
    fn decode(r: &Self::Raw) -> Self {
        DefaultSendParam {
            stream: r.sinfo_stream,
            ppid: u32::from_be(r.sinfo_ppid),
            flags: r.sinfo_flags,
            context: r.sinfo_context,
            time_to_live: r.sinfo_timetolive,
        }
    }
}

/// SCTP_EVENTS (§8.1.12, the all-at-once form): which notifications are delivered.
/// `Endpoint::subscribe` sets one type with SCTP_EVENT instead.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EventSubscriptions {
    /// The kinds switched on (one `sctp_event_subscribe` byte each); every other kind is off.
    pub on: Vec<EventKind>,
}

impl EventSubscriptions {
    /// Every kind switched on.
    pub fn all() -> Self {
        EventSubscriptions { on: EventKind::ALL.to_vec() }
    }
    /// Whether `kind` is switched on.
    pub fn contains(&self, kind: EventKind) -> bool {
        self.on.contains(&kind)
    }
}

impl SockOpt for EventSubscriptions {
    const NAME: &'static str = "events";
    const OPTNAME: i32 = ffi::SCTP_EVENTS;
    type Raw = ffi::sctp_event_subscribe;
    fn encode(&self, _assoc_id: i32) -> Self::Raw {
        let on = |k| u8::from(self.contains(k));
        ffi::sctp_event_subscribe {
            sctp_data_io_event: on(EventKind::DataIo),
            sctp_association_event: on(EventKind::AssocChange),
            sctp_address_event: on(EventKind::PeerAddrChange),
            sctp_send_failure_event: on(EventKind::SendFailed),
            sctp_peer_error_event: on(EventKind::RemoteError),
            sctp_shutdown_event: on(EventKind::Shutdown),
            sctp_partial_delivery_event: on(EventKind::PartialDelivery),
            sctp_adaptation_layer_event: on(EventKind::Adaptation),
            sctp_authentication_event: on(EventKind::Authentication),
            sctp_sender_dry_event: on(EventKind::SenderDry),
            sctp_stream_reset_event: on(EventKind::StreamReset),
            sctp_assoc_reset_event: on(EventKind::AssocReset),
            sctp_stream_change_event: on(EventKind::StreamChange),
            sctp_send_failure_event_event: on(EventKind::SendFailedEvent),
        }
    }
    fn decode(r: &Self::Raw) -> Self {
        let flags = [
            r.sctp_data_io_event,
            r.sctp_association_event,
            r.sctp_address_event,
            r.sctp_send_failure_event,
            r.sctp_peer_error_event,
            r.sctp_shutdown_event,
            r.sctp_partial_delivery_event,
            r.sctp_adaptation_layer_event,
            r.sctp_authentication_event,
            r.sctp_sender_dry_event,
            r.sctp_stream_reset_event,
            r.sctp_assoc_reset_event,
            r.sctp_stream_change_event,
            r.sctp_send_failure_event_event,
        ];
        EventSubscriptions { on: EventKind::ALL.iter().zip(flags).filter(|(_, f)| *f != 0).map(|(k, _)| *k).collect() }
    }
}

/// SCTP_DELAYED_ACK_TIME (§8.1.19, `struct sctp_sack_info`): SACK delay (ms) and
/// frequency (packets; 1 disables delayed SACK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DelayedAck {
    /// How long a SACK may be delayed, ms (`sack_delay`, at most 500).
    pub delay: u32,
    /// Packets received before a SACK is sent at once (`sack_freq`); 1 disables delayed SACK.
    pub freq: u32,
}

impl SockOpt for DelayedAck {
    const NAME: &'static str = "delayed_ack_time";
    const OPTNAME: i32 = ffi::SCTP_DELAYED_ACK_TIME;
    type Raw = ffi::sctp_sack_info;
    fn encode(&self, assoc_id: i32) -> Self::Raw {
        ffi::sctp_sack_info { sack_assoc_id: assoc_id, sack_delay: self.delay, sack_freq: self.freq }
    }
    fn decode(r: &Self::Raw) -> Self {
        DelayedAck { delay: r.sack_delay, freq: r.sack_freq }
    }
    fn validate(&self) -> Result<(), String> {
        // RFC 4960 §6.2: the delay must not exceed 500 ms.
        if self.delay > 500 {
            return Err(format!("delay {} ms out of range 0..=500", self.delay));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{decode_bytes, encode_bytes};

    fn round_trip<O: SockOpt + PartialEq + std::fmt::Debug + Clone>(v: O) {
        let bytes = encode_bytes(&v, 7);
        assert_eq!(decode_bytes::<O>(&bytes).as_ref(), Some(&v), "{}", O::NAME);
    }

    #[test]
    fn every_record_round_trips_through_its_c_struct() {
        round_trip(RtoInfo { initial: 3000, max: 60000, min: 1000 });
        round_trip(AssocInfo {
            max_retrans: 10,
            peer_destinations: 2,
            peer_rwnd: 1,
            local_rwnd: 2,
            cookie_life: 60000,
        });
        round_trip(InitMsg { num_ostreams: 5, max_instreams: 10, max_attempts: 4, max_init_timeo: 3000 });
        round_trip(NoDelay(true));
        round_trip(AutoClose(30));
        round_trip(DisableFragments(true));
        round_trip(MappedV4(true));
        round_trip(MaxSeg(1200));
        round_trip(PrimaryAddr { addr: Some("10.2.2.2:6000".parse().unwrap()) });
        round_trip(SetPeerPrimaryAddr { addr: Some("[fe80::1]:1".parse().unwrap()) });
        round_trip(AdaptationLayer { indication: 0x1234_5678 });
        round_trip(DefaultSendParam { stream: 3, ppid: 46, flags: 1, context: 9, time_to_live: 100 });
        round_trip(EventSubscriptions { on: vec![EventKind::AssocChange, EventKind::SendFailedEvent] });
        round_trip(EventSubscriptions::all());
        round_trip(DelayedAck { delay: 200, freq: 2 });
    }

    #[test]
    fn encode_puts_the_scope_and_network_order_ppid_where_c_has_them() {
        let b = encode_bytes(&RtoInfo { initial: 1, max: 2, min: 3 }, 2);
        assert_eq!(&b[0..4], &2i32.to_ne_bytes());
        assert_eq!(&b[12..16], &3u32.to_ne_bytes());
        // sctp_sndrcvinfo: ppid at 8, assoc id at 28
        let b = encode_bytes(&DefaultSendParam { ppid: 46, ..Default::default() }, 5);
        assert_eq!(&b[8..12], &46u32.to_be_bytes());
        assert_eq!(&b[28..32], &5i32.to_ne_bytes());
        // sctp_prim is packed: the address starts at offset 4
        let b = encode_bytes(&PrimaryAddr { addr: Some("1.2.3.4:5".parse().unwrap()) }, 1);
        assert_eq!(b.len(), 132);
        assert_eq!(&b[8..12], &[1, 2, 3, 4]);
    }

    #[test]
    fn validation_names_the_field() {
        assert!(RtoInfo { initial: 0, max: 100, min: 200 }.validate().unwrap_err().contains("min (200 ms)"));
        assert!(RtoInfo { initial: 50, max: 400, min: 100 }.validate().unwrap_err().contains("initial (50 ms)"));
        assert!(RtoInfo { initial: 0, max: 0, min: 0 }.validate().is_ok());
        assert!(MaxSeg(70_000).validate().unwrap_err().contains("up to 65519 bytes"));
        assert!(MaxSeg(1200).validate().is_ok());
        assert!(DelayedAck { delay: 600, freq: 0 }.validate().is_err());
        assert!(PrimaryAddr { addr: None }.validate().unwrap_err().contains("peer address"));
    }
}
