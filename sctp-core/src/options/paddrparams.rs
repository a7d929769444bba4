//! SCTP_PEER_ADDR_PARAMS (RFC 6458 §8.1.12 `struct sctp_paddrparams`, packed): heartbeat,
//! path retransmissions, path MTU and SACK delay, for one path or as defaults.

use super::SockOpt;
use crate::addr;
use crate::sys::ffi::{self, Aligned4, Zeroable, sctp_paddrparams_body};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// A feature switched by a pair of enable/disable flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Toggle {
    /// Neither flag: the kernel leaves it as it is (only meaningful in a set).
    #[default]
    Keep,
    /// The enable flag (e.g. SPP_HB_ENABLE) is set: the feature is on.
    Enable,
    /// The disable flag (e.g. SPP_HB_DISABLE) is set: the feature is off.
    Disable,
}

impl Toggle {
    fn flags(self, enable: u32, disable: u32) -> u32 {
        match self {
            Toggle::Keep => 0,
            Toggle::Enable => enable,
            Toggle::Disable => disable,
        }
    }

    fn from_flags(flags: u32, enable: u32, disable: u32) -> Toggle {
        if flags & enable != 0 {
            Toggle::Enable
        } else if flags & disable != 0 {
            Toggle::Disable
        } else {
            Toggle::Keep
        }
    }
}

/// The SCTP_PEER_ADDR_PARAMS option: per-path or default heartbeat, retransmission, MTU and SACK delay
/// settings, mirroring `struct sctp_paddrparams` (RFC 6458 §8.1.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerAddrParams {
    /// One path; `None` applies to the association (or endpoint) as a whole.
    pub address: Option<SocketAddr>,
    /// Heartbeat interval, ms (with `heartbeat: Enable`).
    pub hb_interval: u32,
    /// Retransmissions before the path is marked inactive.
    pub path_max_rxt: u16,
    /// Fixed path MTU, bytes (with `pmtud: Disable`).
    pub path_mtu: u32,
    /// SACK delay, ms (with `sack_delay_mode: Enable`).
    pub sack_delay: u32,
    /// Heartbeats on the path(s): SPP_HB_ENABLE / SPP_HB_DISABLE.
    pub heartbeat: Toggle,
    /// Send one heartbeat now (SPP_HB_DEMAND); never reported back.
    pub hb_demand: bool,
    /// Heartbeat interval of zero: heartbeat every RTO (SPP_HB_TIME_IS_ZERO).
    pub hb_time_is_zero: bool,
    /// Path MTU discovery: SPP_PMTUD_ENABLE / SPP_PMTUD_DISABLE.
    pub pmtud: Toggle,
    /// Delayed SACK (RFC 9260 §6.2): SPP_SACKDELAY_ENABLE / SPP_SACKDELAY_DISABLE.
    pub sack_delay_mode: Toggle,
}

impl SockOpt for PeerAddrParams {
    const NAME: &'static str = "peer_addr_params";
    const OPTNAME: i32 = ffi::SCTP_PEER_ADDR_PARAMS;
    type Raw = ffi::sctp_paddrparams;

    fn encode(&self, assoc_id: i32) -> Self::Raw {
        let mut flags = self.heartbeat.flags(ffi::SPP_HB_ENABLE, ffi::SPP_HB_DISABLE)
            | self.pmtud.flags(ffi::SPP_PMTUD_ENABLE, ffi::SPP_PMTUD_DISABLE)
            | self.sack_delay_mode.flags(ffi::SPP_SACKDELAY_ENABLE, ffi::SPP_SACKDELAY_DISABLE);
        if self.hb_demand {
            flags |= ffi::SPP_HB_DEMAND;
        }
        if self.hb_time_is_zero {
            flags |= ffi::SPP_HB_TIME_IS_ZERO;
        }
        Aligned4(sctp_paddrparams_body {
            spp_assoc_id: assoc_id,
            spp_address: self.address.map(|a| addr::to_storage(&a).0).unwrap_or_else(Zeroable::zeroed),
            spp_hbinterval: self.hb_interval,
            spp_pathmaxrxt: self.path_max_rxt,
            spp_pathmtu: self.path_mtu,
            spp_sackdelay: self.sack_delay,
            spp_flags: flags,
            spp_ipv6_flowlabel: 0,
            spp_dscp: 0,
            _pad: 0,
        })
    }

    fn decode(r: &Self::Raw) -> Self {
        let r = r.0;
        let flags = r.spp_flags;
        PeerAddrParams {
            address: addr::from_storage(&{ r.spp_address }),
            hb_interval: r.spp_hbinterval,
            path_max_rxt: r.spp_pathmaxrxt,
            path_mtu: r.spp_pathmtu,
            sack_delay: r.spp_sackdelay,
            heartbeat: Toggle::from_flags(flags, ffi::SPP_HB_ENABLE, ffi::SPP_HB_DISABLE),
            hb_demand: false,
            hb_time_is_zero: flags & ffi::SPP_HB_TIME_IS_ZERO != 0,
            pmtud: Toggle::from_flags(flags, ffi::SPP_PMTUD_ENABLE, ffi::SPP_PMTUD_DISABLE),
            sack_delay_mode: Toggle::from_flags(flags, ffi::SPP_SACKDELAY_ENABLE, ffi::SPP_SACKDELAY_DISABLE),
        }
    }

    /// The kernel's own checks (sctp_setsockopt_peer_addr_params), made before the call.
    fn validate(&self) -> Result<(), String> {
        if self.path_mtu != 0 && !(512..=65535).contains(&self.path_mtu) {
            return Err(format!("path_mtu {} out of range: 0 (keep) or 512..=65535 bytes", self.path_mtu));
        }
        if self.sack_delay > 500 {
            return Err(format!("sack_delay {} ms out of range 0..=500", self.sack_delay));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{decode_bytes, encode_bytes};

    #[test]
    fn packed_layout_and_flags() {
        let p = PeerAddrParams {
            address: Some("10.1.1.2:6000".parse().unwrap()),
            hb_interval: 200,
            path_max_rxt: 2,
            path_mtu: 1400,
            sack_delay: 0,
            heartbeat: Toggle::Enable,
            hb_demand: true,
            hb_time_is_zero: false,
            pmtud: Toggle::Disable,
            sack_delay_mode: Toggle::Keep,
        };
        let b = encode_bytes(&p, 3);
        // packed offsets: hbinterval 132, pathmaxrxt 136, pathmtu 138, sackdelay 142, flags 146; size 156
        assert_eq!(b.len(), 156);
        assert_eq!(&b[132..136], &200u32.to_ne_bytes());
        assert_eq!(&b[136..138], &2u16.to_ne_bytes());
        assert_eq!(&b[138..142], &1400u32.to_ne_bytes());
        let flags = u32::from_ne_bytes(b[146..150].try_into().unwrap());
        assert_eq!(flags, ffi::SPP_HB_ENABLE | ffi::SPP_HB_DEMAND | ffi::SPP_PMTUD_DISABLE);
        let back: PeerAddrParams = decode_bytes(&b).unwrap();
        assert_eq!(back, PeerAddrParams { hb_demand: false, ..p });
    }

    #[test]
    fn validation() {
        let fixed = |mtu| PeerAddrParams { pmtud: Toggle::Disable, path_mtu: mtu, ..Default::default() };
        assert!(fixed(1400).validate().is_ok());
        assert!(fixed(100).validate().unwrap_err().contains("path_mtu 100"));
        // What the kernel reports (a path MTU with PMTU discovery on) can be set back as is.
        assert!(PeerAddrParams { pmtud: Toggle::Enable, path_mtu: 1500, ..Default::default() }.validate().is_ok());
        assert!(PeerAddrParams { sack_delay: 900, ..Default::default() }.validate().is_err());
    }
}
