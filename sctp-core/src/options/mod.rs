//! Every record socket option of gen_sctp, typed: one record per kernel struct, with its
//! encode/decode and the checks made before the syscall. `Endpoint::get_option` /
//! `Endpoint::set_option` move them through getsockopt/setsockopt.

/// Options that are one `int` on the socket (no association scope).
macro_rules! int_option {
    ($(#[$doc:meta])* $ty:ident($inner:ident), $name:literal, $opt:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
        pub struct $ty(pub $inner);

        impl SockOpt for $ty {
            const NAME: &'static str = $name;
            const OPTNAME: i32 = $opt;
            type Raw = i32;
            fn encode(&self, _assoc_id: i32) -> i32 {
                #[allow(clippy::unnecessary_cast)]
                { self.0 as i32 }
            }
            fn decode(r: &i32) -> Self {
                $ty(int_option!(@from $inner, *r))
            }
        }
    };
    (@from bool, $v:expr) => { $v != 0 };
    (@from u32, $v:expr) => { $v as u32 };
}

mod modern;
mod paddrparams;
mod records;

pub use modern::*;
pub use paddrparams::{PeerAddrParams, Toggle};
pub use records::*;

use crate::sys::Zeroable;
use serde::{Deserialize, Serialize};

/// One socket option as a typed record.
pub trait SockOpt: Sized + Default {
    /// gen_sctp's name for it.
    const NAME: &'static str;
    /// SCTP_* option number.
    const OPTNAME: i32;
    /// The `#[repr(C)]` struct (or int) getsockopt/setsockopt exchange, e.g. `sctp_rtoinfo`.
    type Raw: Zeroable;
    /// Fills the C struct; `assoc_id` is the scope (an association id or
    /// SCTP_FUTURE/CURRENT/ALL_ASSOC) for options that have one.
    fn encode(&self, assoc_id: i32) -> Self::Raw;
    /// Reads the C struct the kernel filled in getsockopt.
    fn decode(raw: &Self::Raw) -> Self;
    /// Checks made before the syscall; the message says which field and why.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Which options exist, for forms and scenario files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionName {
    /// SCTP_RTOINFO: retransmission timeout bounds.
    Rtoinfo,
    /// SCTP_ASSOCINFO: association retransmission limit, cookie life, windows.
    Associnfo,
    /// SCTP_INITMSG: streams and INIT retries asked for in the next INIT.
    Initmsg,
    /// SCTP_NODELAY: send without bundling delay.
    Nodelay,
    /// SCTP_AUTOCLOSE: idle time (s) before a one-to-many association is closed.
    Autoclose,
    /// SCTP_DISABLE_FRAGMENTS: refuse messages that would need fragmenting.
    DisableFragments,
    /// SCTP_I_WANT_MAPPED_V4_ADDR: IPv4 peers as v4-mapped IPv6 addresses.
    IWantMappedV4Addr,
    /// SCTP_MAXSEG: largest DATA chunk size.
    Maxseg,
    /// SCTP_PRIMARY_ADDR: the peer address used as primary path.
    PrimaryAddr,
    /// SCTP_SET_PEER_PRIMARY_ADDR: ask the peer to use a local address as its primary (write-only).
    SetPeerPrimaryAddr,
    /// SCTP_ADAPTATION_LAYER: the adaptation indication sent in INIT/INIT ACK.
    AdaptationLayer,
    /// SCTP_PEER_ADDR_PARAMS: heartbeat, path retransmissions, path MTU, SACK delay.
    PeerAddrParams,
    /// SCTP_DEFAULT_SEND_PARAM: send info used when a send gives none.
    DefaultSendParam,
    /// SCTP_EVENTS: which notifications are delivered.
    Events,
    /// SCTP_DELAYED_ACK_TIME: SACK delay and frequency.
    DelayedAckTime,
    /// SCTP_PR_SUPPORTED: offer partial reliability (PR-SCTP).
    PrSupported,
    /// SCTP_DEFAULT_PRINFO: the PR policy of sends without one.
    DefaultPrinfo,
    /// SCTP_PR_ASSOC_STATUS: messages abandoned by PR policy (read-only).
    PrAssocStatus,
    /// SCTP_PR_STREAM_STATUS: messages of one stream abandoned by PR policy (read-only).
    PrStreamStatus,
    /// SCTP_RECONFIG_SUPPORTED: offer stream reconfiguration.
    ReconfigSupported,
    /// SCTP_ENABLE_STREAM_RESET: which reconfiguration requests the peer may make.
    EnableStreamReset,
    /// SCTP_STREAM_SCHEDULER: the association's stream scheduler.
    StreamScheduler,
    /// SCTP_STREAM_SCHEDULER_VALUE: one stream's priority or weight.
    StreamSchedulerValue,
    /// SCTP_INTERLEAVING_SUPPORTED: offer I-DATA (message interleaving).
    InterleavingSupported,
    /// SCTP_FRAGMENT_INTERLEAVE: how partial deliveries may interleave.
    FragmentInterleave,
    /// SCTP_PARTIAL_DELIVERY_POINT: bytes before partial delivery starts.
    PartialDeliveryPoint,
    /// SCTP_MAX_BURST: most packets sent in one burst.
    MaxBurst,
    /// SCTP_CONTEXT: the default context of sends.
    Context,
    /// SCTP_PEER_ADDR_THLDS_V2: potentially-failed and switchover thresholds.
    PeerAddrThresholds,
    /// SCTP_EXPOSE_POTENTIALLY_FAILED_STATE: report the PF path state.
    ExposePfState,
    /// SCTP_REMOTE_UDP_ENCAPS_PORT: the peer's UDP port for SCTP over UDP.
    RemoteUdpEncapsPort,
    /// SCTP_AUTH_SUPPORTED: offer SCTP-AUTH.
    AuthSupported,
    /// SCTP_ASCONF_SUPPORTED: offer ASCONF (address reconfiguration).
    AsconfSupported,
    /// SCTP_AUTO_ASCONF: follow the host's addresses by ASCONF.
    AutoAsconf,
    /// SCTP_ECN_SUPPORTED: offer ECN.
    EcnSupported,
    /// SCTP_PLPMTUD_PROBE_INTERVAL: how often a path MTU is probed.
    PlpmtudProbeInterval,
    /// SCTP_AUTH_CHUNK: a chunk type the peer must authenticate (set-only).
    AuthChunk,
    /// SCTP_AUTH_KEY: add a shared AUTH key (set-only).
    AuthKey,
    /// SCTP_AUTH_ACTIVE_KEY: the key outgoing AUTH chunks use.
    AuthActiveKey,
    /// SCTP_AUTH_DEACTIVATE_KEY: stop sending with a key (set-only).
    AuthDeactivateKey,
    /// SCTP_AUTH_DELETE_KEY: forget a key (set-only).
    AuthDeleteKey,
    /// SCTP_PEER_AUTH_CHUNKS: chunks the peer wants authenticated (read-only).
    PeerAuthChunks,
    /// SCTP_LOCAL_AUTH_CHUNKS: chunks this end wants authenticated (read-only).
    LocalAuthChunks,
}

/// A value of any option, for code that handles them uniformly (UI forms, scenarios).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "option", content = "value", rename_all = "snake_case")]
pub enum OptionValue {
    /// SCTP_RTOINFO.
    Rtoinfo(RtoInfo),
    /// SCTP_ASSOCINFO.
    Associnfo(AssocInfo),
    /// SCTP_INITMSG.
    Initmsg(InitMsg),
    /// SCTP_NODELAY.
    Nodelay(NoDelay),
    /// SCTP_AUTOCLOSE.
    Autoclose(AutoClose),
    /// SCTP_DISABLE_FRAGMENTS.
    DisableFragments(DisableFragments),
    /// SCTP_I_WANT_MAPPED_V4_ADDR.
    IWantMappedV4Addr(MappedV4),
    /// SCTP_MAXSEG.
    Maxseg(MaxSeg),
    /// SCTP_PRIMARY_ADDR.
    PrimaryAddr(PrimaryAddr),
    /// SCTP_SET_PEER_PRIMARY_ADDR.
    SetPeerPrimaryAddr(SetPeerPrimaryAddr),
    /// SCTP_ADAPTATION_LAYER.
    AdaptationLayer(AdaptationLayer),
    /// SCTP_PEER_ADDR_PARAMS.
    PeerAddrParams(PeerAddrParams),
    /// SCTP_DEFAULT_SEND_PARAM.
    DefaultSendParam(DefaultSendParam),
    /// SCTP_EVENTS.
    Events(EventSubscriptions),
    /// SCTP_DELAYED_ACK_TIME.
    DelayedAckTime(DelayedAck),
    /// SCTP_PR_SUPPORTED.
    PrSupported(PrSupported),
    /// SCTP_DEFAULT_PRINFO.
    DefaultPrinfo(DefaultPrinfo),
    /// SCTP_PR_ASSOC_STATUS.
    PrAssocStatus(PrAssocStatus),
    /// SCTP_PR_STREAM_STATUS.
    PrStreamStatus(PrStreamStatus),
    /// SCTP_RECONFIG_SUPPORTED.
    ReconfigSupported(ReconfigSupported),
    /// SCTP_ENABLE_STREAM_RESET.
    EnableStreamReset(EnableStreamReset),
    /// SCTP_STREAM_SCHEDULER.
    StreamScheduler(StreamScheduler),
    /// SCTP_STREAM_SCHEDULER_VALUE.
    StreamSchedulerValue(StreamSchedulerValue),
    /// SCTP_INTERLEAVING_SUPPORTED.
    InterleavingSupported(InterleavingSupported),
    /// SCTP_FRAGMENT_INTERLEAVE.
    FragmentInterleave(FragmentInterleave),
    /// SCTP_PARTIAL_DELIVERY_POINT.
    PartialDeliveryPoint(PartialDeliveryPoint),
    /// SCTP_MAX_BURST.
    MaxBurst(MaxBurst),
    /// SCTP_CONTEXT.
    Context(Context),
    /// SCTP_PEER_ADDR_THLDS_V2.
    PeerAddrThresholds(PeerAddrThresholds),
    /// SCTP_EXPOSE_POTENTIALLY_FAILED_STATE.
    ExposePfState(ExposePfState),
    /// SCTP_REMOTE_UDP_ENCAPS_PORT.
    RemoteUdpEncapsPort(RemoteUdpEncapsPort),
    /// SCTP_AUTH_SUPPORTED.
    AuthSupported(AuthSupported),
    /// SCTP_ASCONF_SUPPORTED.
    AsconfSupported(AsconfSupported),
    /// SCTP_AUTO_ASCONF.
    AutoAsconf(AutoAsconf),
    /// SCTP_ECN_SUPPORTED.
    EcnSupported(EcnSupported),
    /// SCTP_PLPMTUD_PROBE_INTERVAL.
    PlpmtudProbeInterval(PlpmtudProbeInterval),
    /// SCTP_AUTH_CHUNK.
    AuthChunk(AuthChunk),
    /// SCTP_AUTH_KEY.
    AuthKey(AuthKey),
    /// SCTP_AUTH_ACTIVE_KEY.
    AuthActiveKey(AuthActiveKey),
    /// SCTP_AUTH_DEACTIVATE_KEY.
    AuthDeactivateKey(AuthDeactivateKey),
    /// SCTP_AUTH_DELETE_KEY.
    AuthDeleteKey(AuthDeleteKey),
    /// SCTP_PEER_AUTH_CHUNKS.
    PeerAuthChunks(PeerAuthChunks),
    /// SCTP_LOCAL_AUTH_CHUNKS.
    LocalAuthChunks(LocalAuthChunks),
}

/// Calls `$m!(Variant: Type, …)` with every option at once, so the uniform code has one
/// list and writes each dispatch as one exhaustive `match`: an option added to the enums
/// but not here (or the other way round) does not compile.
#[macro_export]
#[doc(hidden)]
macro_rules! with_options {
    ($m:ident) => {
        $m!(
            Rtoinfo: $crate::options::RtoInfo,
            Associnfo: $crate::options::AssocInfo,
            Initmsg: $crate::options::InitMsg,
            Nodelay: $crate::options::NoDelay,
            Autoclose: $crate::options::AutoClose,
            DisableFragments: $crate::options::DisableFragments,
            IWantMappedV4Addr: $crate::options::MappedV4,
            Maxseg: $crate::options::MaxSeg,
            PrimaryAddr: $crate::options::PrimaryAddr,
            SetPeerPrimaryAddr: $crate::options::SetPeerPrimaryAddr,
            AdaptationLayer: $crate::options::AdaptationLayer,
            PeerAddrParams: $crate::options::PeerAddrParams,
            DefaultSendParam: $crate::options::DefaultSendParam,
            Events: $crate::options::EventSubscriptions,
            DelayedAckTime: $crate::options::DelayedAck,
            PrSupported: $crate::options::PrSupported,
            DefaultPrinfo: $crate::options::DefaultPrinfo,
            PrAssocStatus: $crate::options::PrAssocStatus,
            PrStreamStatus: $crate::options::PrStreamStatus,
            ReconfigSupported: $crate::options::ReconfigSupported,
            EnableStreamReset: $crate::options::EnableStreamReset,
            StreamScheduler: $crate::options::StreamScheduler,
            StreamSchedulerValue: $crate::options::StreamSchedulerValue,
            InterleavingSupported: $crate::options::InterleavingSupported,
            FragmentInterleave: $crate::options::FragmentInterleave,
            PartialDeliveryPoint: $crate::options::PartialDeliveryPoint,
            MaxBurst: $crate::options::MaxBurst,
            Context: $crate::options::Context,
            PeerAddrThresholds: $crate::options::PeerAddrThresholds,
            ExposePfState: $crate::options::ExposePfState,
            RemoteUdpEncapsPort: $crate::options::RemoteUdpEncapsPort,
            AuthSupported: $crate::options::AuthSupported,
            AsconfSupported: $crate::options::AsconfSupported,
            AutoAsconf: $crate::options::AutoAsconf,
            EcnSupported: $crate::options::EcnSupported,
            PlpmtudProbeInterval: $crate::options::PlpmtudProbeInterval,
            AuthChunk: $crate::options::AuthChunk,
            AuthKey: $crate::options::AuthKey,
            AuthActiveKey: $crate::options::AuthActiveKey,
            AuthDeactivateKey: $crate::options::AuthDeactivateKey,
            AuthDeleteKey: $crate::options::AuthDeleteKey,
            PeerAuthChunks: $crate::options::PeerAuthChunks,
            LocalAuthChunks: $crate::options::LocalAuthChunks
        )
    };
}

impl OptionName {
    /// Every option, in declaration order.
    pub const ALL: [OptionName; 43] = [
        OptionName::Rtoinfo,
        OptionName::Associnfo,
        OptionName::Initmsg,
        OptionName::Nodelay,
        OptionName::Autoclose,
        OptionName::DisableFragments,
        OptionName::IWantMappedV4Addr,
        OptionName::Maxseg,
        OptionName::PrimaryAddr,
        OptionName::SetPeerPrimaryAddr,
        OptionName::AdaptationLayer,
        OptionName::PeerAddrParams,
        OptionName::DefaultSendParam,
        OptionName::Events,
        OptionName::DelayedAckTime,
        OptionName::PrSupported,
        OptionName::DefaultPrinfo,
        OptionName::PrAssocStatus,
        OptionName::PrStreamStatus,
        OptionName::ReconfigSupported,
        OptionName::EnableStreamReset,
        OptionName::StreamScheduler,
        OptionName::StreamSchedulerValue,
        OptionName::InterleavingSupported,
        OptionName::FragmentInterleave,
        OptionName::PartialDeliveryPoint,
        OptionName::MaxBurst,
        OptionName::Context,
        OptionName::PeerAddrThresholds,
        OptionName::ExposePfState,
        OptionName::RemoteUdpEncapsPort,
        OptionName::AuthSupported,
        OptionName::AsconfSupported,
        OptionName::AutoAsconf,
        OptionName::EcnSupported,
        OptionName::PlpmtudProbeInterval,
        OptionName::AuthChunk,
        OptionName::AuthKey,
        OptionName::AuthActiveKey,
        OptionName::AuthDeactivateKey,
        OptionName::AuthDeleteKey,
        OptionName::PeerAuthChunks,
        OptionName::LocalAuthChunks,
    ];

    /// gen_sctp's name.
    pub fn as_str(self) -> &'static str {
        self.default_value().name()
    }

    /// The option's record with default (zero = "keep") fields.
    pub fn default_value(self) -> OptionValue {
        macro_rules! dispatch {
            ($($v:ident: $t:ty),*) => {
                match self {
                    $(OptionName::$v => OptionValue::$v(<$t>::default()),)*
                }
            };
        }
        crate::with_options!(dispatch)
    }

    /// Options the kernel only accepts in setsockopt.
    pub fn is_write_only(self) -> bool {
        use OptionName::*;
        matches!(self, SetPeerPrimaryAddr | AuthChunk | AuthKey | AuthDeactivateKey | AuthDeleteKey)
    }

    /// Options the kernel reads only for one association (EINVAL for an endpoint's defaults).
    pub fn needs_association(self) -> bool {
        use OptionName::*;
        matches!(self, PrimaryAddr | PrAssocStatus | PrStreamStatus | StreamSchedulerValue | PeerAuthChunks)
    }

    /// Options the kernel only answers in getsockopt.
    pub fn is_read_only(self) -> bool {
        use OptionName::*;
        matches!(self, PrAssocStatus | PrStreamStatus | PeerAuthChunks | LocalAuthChunks)
    }

    /// Whether gen_sctp has it (the rest are the kernel's modern SCTP, beyond gen_sctp).
    pub fn in_gen_sctp(self) -> bool {
        use OptionName::*;
        matches!(
            self,
            Rtoinfo
                | Associnfo
                | Initmsg
                | Nodelay
                | Autoclose
                | DisableFragments
                | IWantMappedV4Addr
                | Maxseg
                | PrimaryAddr
                | SetPeerPrimaryAddr
                | AdaptationLayer
                | PeerAddrParams
                | DefaultSendParam
                | Events
                | DelayedAckTime
        )
    }

    /// The values a field that names a choice (an enum) can take, by their serde names.
    pub fn field_choices(self, field: &str) -> Option<&'static [&'static str]> {
        match (self, field) {
            (OptionName::DefaultPrinfo, "policy") => Some(&PrPolicy::NAMES[..4]),
            (OptionName::PrAssocStatus | OptionName::PrStreamStatus, "policy") => Some(&PrPolicy::NAMES),
            (OptionName::StreamScheduler, "value") => Some(&Scheduler::NAMES),
            _ => None,
        }
    }
}

impl OptionValue {
    /// The value's fields by their serde names, as forms edit them and explanations key
    /// them; a single-value option is one field named `value`.
    pub fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::Value;
        match serde_json::to_value(self).ok().and_then(|mut v| v.get_mut("value").map(Value::take)) {
            Some(Value::Object(m)) => m,
            Some(other) => serde_json::Map::from_iter([("value".to_string(), other)]),
            None => serde_json::Map::new(),
        }
    }

    /// Which option this is a value of.
    pub fn option_name(&self) -> OptionName {
        macro_rules! dispatch {
            ($($v:ident: $t:ty),*) => {
                match self {
                    $(OptionValue::$v(_) => OptionName::$v,)*
                }
            };
        }
        crate::with_options!(dispatch)
    }

    /// gen_sctp's name of the option (`SockOpt::NAME`).
    pub fn name(&self) -> &'static str {
        macro_rules! dispatch {
            ($($v:ident: $t:ty),*) => {
                match self {
                    $(OptionValue::$v(_) => <$t as SockOpt>::NAME,)*
                }
            };
        }
        crate::with_options!(dispatch)
    }

    /// The option's `SockOpt::validate`: the checks made before setsockopt.
    pub fn validate(&self) -> Result<(), String> {
        macro_rules! dispatch {
            ($($v:ident: $t:ty),*) => {
                match self {
                    $(OptionValue::$v(r) => r.validate(),)*
                }
            };
        }
        crate::with_options!(dispatch)
    }
}

/// Timers that make a path failure show in seconds rather than minutes (RFC 9260 §8.2, with
/// the defaults a silent path takes about a minute): rto 100..1000 ms starting at 300,
/// heartbeats every 300 ms, two misses. For demonstrations in the lab; set them at future
/// scope before connecting.
pub fn quick_failure_detection() -> [OptionValue; 2] {
    [
        OptionValue::Rtoinfo(RtoInfo { initial: 300, max: 1000, min: 100 }),
        OptionValue::PeerAddrParams(PeerAddrParams {
            hb_interval: 300,
            path_max_rxt: 2,
            heartbeat: Toggle::Enable,
            ..Default::default()
        }),
    ]
}

/// Encodes a record to the bytes setsockopt takes (tests compare them with C offsets).
#[cfg(test)]
pub(crate) fn encode_bytes<O: SockOpt>(opt: &O, assoc_id: i32) -> Vec<u8> {
    crate::sys::bytes_of(&opt.encode(assoc_id)).to_vec()
}

/// Decodes the bytes getsockopt returned.
#[cfg(test)]
pub(crate) fn decode_bytes<O: SockOpt>(bytes: &[u8]) -> Option<O> {
    crate::sys::read_struct::<O::Raw>(bytes).map(|raw| O::decode(&raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_value_round_trips_through_json_with_its_gen_sctp_name() {
        for name in OptionName::ALL {
            let v = name.default_value();
            let json = serde_json::to_value(&v).unwrap();
            assert_eq!(json["option"], name.as_str(), "{json}");
            let back: OptionValue = serde_json::from_value(json).unwrap();
            assert_eq!(back, v);
        }
        let v: OptionValue = serde_json::from_str(r#"{"option":"nodelay","value":true}"#).unwrap();
        assert_eq!(v, OptionValue::Nodelay(NoDelay(true)));
    }
}
