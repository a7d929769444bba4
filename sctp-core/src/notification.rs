//! Typed SCTP notifications (RFC 6458 §6.1), decoded from the bytes recvmsg returns with
//! MSG_NOTIFICATION. Pure: never panics, an unknown or short notification comes back raw.

use crate::AssocId;
use crate::addr;
use crate::sys::{ffi, read_struct};
use serde::{Deserialize, Serialize};
use std::mem::size_of;
use std::net::SocketAddr;

/// The notification types one can subscribe to with SCTP_EVENT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// SCTP_DATA_IO_EVENT: not a notification; received messages carry the old SCTP_SNDRCV
    /// ancillary data.
    DataIo,
    /// SCTP_ASSOC_CHANGE: an association came up, was lost, restarted, shut down or failed to start
    /// (RFC 6458 §6.1.1).
    AssocChange,
    /// SCTP_PEER_ADDR_CHANGE: a peer address changed state (RFC 6458 §6.1.2).
    PeerAddrChange,
    /// SCTP_SEND_FAILED: the deprecated form of the undelivered-message notification (RFC 6458 §6.1.4).
    SendFailed,
    /// SCTP_REMOTE_ERROR: the peer sent an ERROR chunk (RFC 6458 §6.1.3).
    RemoteError,
    /// SCTP_SHUTDOWN_EVENT: the peer sent SHUTDOWN (RFC 6458 §6.1.5).
    Shutdown,
    /// SCTP_PARTIAL_DELIVERY_EVENT: a partially delivered message was aborted (RFC 6458 §6.1.7).
    PartialDelivery,
    /// SCTP_ADAPTATION_INDICATION: the peer's Adaptation Layer Indication (RFC 6458 §6.1.6).
    Adaptation,
    /// SCTP_AUTHENTICATION_EVENT: SCTP-AUTH key events (RFC 6458 §6.1.8).
    Authentication,
    /// SCTP_SENDER_DRY_EVENT: nothing left to send or retransmit (RFC 6458 §6.1.9).
    SenderDry,
    /// SCTP_STREAM_RESET_EVENT: streams were reset (RFC 6525 §6.1.1).
    StreamReset,
    /// SCTP_ASSOC_RESET_EVENT: the association's TSNs were reset (RFC 6525 §6.1.2).
    AssocReset,
    /// SCTP_STREAM_CHANGE_EVENT: streams were added (RFC 6525 §6.1.3).
    StreamChange,
    /// SCTP_SEND_FAILED_EVENT: the current undelivered-message notification (RFC 6458 §6.1.11).
    SendFailedEvent,
}

impl EventKind {
    /// Every kind, in `sn_type` order.
    pub const ALL: [EventKind; 14] = [
        EventKind::DataIo,
        EventKind::AssocChange,
        EventKind::PeerAddrChange,
        EventKind::SendFailed,
        EventKind::RemoteError,
        EventKind::Shutdown,
        EventKind::PartialDelivery,
        EventKind::Adaptation,
        EventKind::Authentication,
        EventKind::SenderDry,
        EventKind::StreamReset,
        EventKind::AssocReset,
        EventKind::StreamChange,
        EventKind::SendFailedEvent,
    ];

    /// The `sn_type` / `se_type` value (`enum sctp_sn_type`).
    pub fn sn_type(self) -> u16 {
        ffi::SCTP_SN_TYPE_BASE + self as u16
    }

    /// The snake_case name scenarios and the window use ("assoc_change").
    pub fn name(self) -> &'static str {
        match self {
            EventKind::DataIo => "data_io",
            EventKind::AssocChange => "assoc_change",
            EventKind::PeerAddrChange => "peer_addr_change",
            EventKind::SendFailed => "send_failed",
            EventKind::RemoteError => "remote_error",
            EventKind::Shutdown => "shutdown",
            EventKind::PartialDelivery => "partial_delivery",
            EventKind::Adaptation => "adaptation",
            EventKind::Authentication => "authentication",
            EventKind::SenderDry => "sender_dry",
            EventKind::StreamReset => "stream_reset",
            EventKind::AssocReset => "assoc_reset",
            EventKind::StreamChange => "stream_change",
            EventKind::SendFailedEvent => "send_failed_event",
        }
    }
}

/// `sac_state` of an association change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssocChangeState {
    /// SCTP_COMM_UP (0): a new association is ready for data.
    CommUp,
    /// SCTP_COMM_LOST (1): the association failed and is closed (e.g. ABORT, retransmission limit).
    CommLost,
    /// SCTP_RESTART (2): the peer restarted; the association continues with new state.
    Restart,
    /// SCTP_SHUTDOWN_COMP (3): a graceful shutdown finished.
    ShutdownComplete,
    /// SCTP_CANT_STR_ASSOC (4): the association could not be set up (INIT failed or was aborted).
    CantStartAssoc,
    /// A value this crate does not know, kept as the kernel gave it.
    Other(u16),
}

impl AssocChangeState {
    fn from_raw(v: u16) -> Self {
        match v {
            0 => Self::CommUp,
            1 => Self::CommLost,
            2 => Self::Restart,
            3 => Self::ShutdownComplete,
            4 => Self::CantStartAssoc,
            v => Self::Other(v),
        }
    }
}

/// `spc_state` of a peer address change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeerAddrState {
    /// SCTP_ADDR_AVAILABLE (0): the address is reachable again.
    Available,
    /// SCTP_ADDR_UNREACHABLE (1): the address can no longer be reached; data goes to other paths.
    Unreachable,
    /// SCTP_ADDR_REMOVED (2): the address was removed from the association (ASCONF).
    Removed,
    /// SCTP_ADDR_ADDED (3): the address was added to the association (ASCONF).
    Added,
    /// SCTP_ADDR_MADE_PRIM (4): the address became the primary path.
    MadePrimary,
    /// SCTP_ADDR_CONFIRMED (5): a heartbeat confirmed the address (RFC 9260 §5.4).
    Confirmed,
    /// SCTP_ADDR_POTENTIALLY_FAILED (6): Linux's potentially-failed state (RFC 7829).
    PotentiallyFailed,
    /// A value this crate does not know, kept as the kernel gave it.
    Other(i32),
}

impl PeerAddrState {
    fn from_raw(v: i32) -> Self {
        match v {
            0 => Self::Available,
            1 => Self::Unreachable,
            2 => Self::Removed,
            3 => Self::Added,
            4 => Self::MadePrimary,
            5 => Self::Confirmed,
            6 => Self::PotentiallyFailed,
            v => Self::Other(v),
        }
    }
}

/// What a failed message was sent with (from either send-failed form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FailedSendInfo {
    /// The stream it was sent on (`sinfo_stream` / `snd_sid`).
    pub stream: u16,
    /// Linux puts the failed DATA chunk's header flags here, not the send flags: 0x04 U (unordered),
    /// 0x02 B (first fragment), 0x01 E (last fragment).
    pub flags: u16,
    /// As it travelled: network byte order (see `message`).
    pub ppid: u32,
    /// The opaque context given at send time (`sinfo_context` / `snd_context`).
    pub context: u32,
}

/// One notification (RFC 6458 §6.1), decoded from the bytes of a MSG_NOTIFICATION read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notification {
    /// SCTP_ASSOC_CHANGE (`struct sctp_assoc_change`, RFC 6458 §6.1.1).
    AssocChange {
        /// `sac_assoc_id`.
        assoc: AssocId,
        /// `sac_state`: what happened.
        state: AssocChangeState,
        /// The error cause code (RFC 9260 §3.3.10) when an error ended the association.
        error: u16,
        /// Outbound streams the association has (`sac_outbound_streams`).
        outbound_streams: u16,
        /// Inbound streams the association has (`sac_inbound_streams`).
        inbound_streams: u16,
        /// Trailing `sac_info`: supported features on COMM_UP/RESTART, the causes of the
        /// peer's ABORT on COMM_LOST/CANT_STR_ASSOC (see `ErrorCause::parse_all`).
        info: Vec<u8>,
    },
    /// SCTP_PEER_ADDR_CHANGE (`struct sctp_paddr_change`, RFC 6458 §6.1.2).
    PeerAddrChange {
        /// `spc_assoc_id`.
        assoc: AssocId,
        /// The peer address concerned (`spc_aaddr`); `None` for an unknown address family.
        addr: Option<SocketAddr>,
        /// `spc_state`: what happened to the address.
        state: PeerAddrState,
        /// `spc_error`: on Linux the reason, enum sctp_sn_error (0 SCTP_FAILED_THRESHOLD,
        /// 1 SCTP_RECEIVED_SACK, 2 SCTP_HEARTBEAT_SUCCESS, 3 SCTP_RESPONSE_TO_USER_REQ, ...).
        error: i32,
    },
    /// SCTP_REMOTE_ERROR: the peer sent an ERROR chunk (`struct sctp_remote_error`, RFC 6458 §6.1.3).
    RemoteError {
        /// `sre_assoc_id`.
        assoc: AssocId,
        /// Error cause code, host order.
        cause: u16,
        /// `sre_data`: the cause's information after its code and length, padded to 4 bytes (Linux sends
        /// one notification per cause).
        data: Vec<u8>,
    },
    /// A message could not be delivered (SCTP_SEND_FAILED_EVENT or SCTP_SEND_FAILED, RFC 6458 §6.1.11,
    /// §6.1.4); Linux sends one per DATA chunk, so a fragmented message gives several.
    SendFailed {
        /// `ssf_assoc_id`.
        assoc: AssocId,
        /// True for SCTP_SEND_FAILED_EVENT (RFC 6458), false for the older SCTP_SEND_FAILED.
        event_form: bool,
        /// SCTP_DATA_SENT: the data had been put on the wire.
        was_sent: bool,
        /// `ssf_error`: the kernel's reason value, as it passes it.
        error: u32,
        /// What the message was sent with (`ssf_info` / `ssfe_info`).
        info: FailedSendInfo,
        /// `ssf_data`: the payload of the undelivered DATA chunk.
        data: Vec<u8>,
    },
    /// SCTP_SHUTDOWN_EVENT: the peer sent SHUTDOWN; no more data can be sent (RFC 6458 §6.1.5).
    Shutdown {
        /// `sse_assoc_id`.
        assoc: AssocId,
    },
    /// SCTP_ADAPTATION_INDICATION: the peer sent an Adaptation Layer Indication (RFC 6458 §6.1.6).
    Adaptation {
        /// `sai_assoc_id`.
        assoc: AssocId,
        /// The peer's 32-bit adaptation code point (`sai_adaptation_ind`, RFC 5061 §4.2.7).
        indication: u32,
    },
    /// SCTP_PARTIAL_DELIVERY_EVENT: a message being delivered in parts will not be finished
    /// (RFC 6458 §6.1.7).
    PartialDelivery {
        /// `pdapi_assoc_id`.
        assoc: AssocId,
        /// `pdapi_indication`: 0 is SCTP_PARTIAL_DELIVERY_ABORTED, the only value defined.
        indication: u32,
        /// Stream of the aborted message (`pdapi_stream`).
        stream: u32,
        /// Stream sequence number of the aborted message (`pdapi_seq`).
        seq: u32,
    },
    /// SCTP_AUTHENTICATION_EVENT: an SCTP-AUTH key event (RFC 6458 §6.1.8).
    Authentication {
        /// `auth_assoc_id`.
        assoc: AssocId,
        /// The shared key concerned (`auth_keynumber`).
        key_number: u16,
        /// `auth_indication`: 0 SCTP_AUTH_NEW_KEY, 1 SCTP_AUTH_FREE_KEY, 2 SCTP_AUTH_NO_AUTH (peer lacks AUTH).
        indication: u32,
    },
    /// SCTP_SENDER_DRY_EVENT: no user data is left to send or retransmit (RFC 6458 §6.1.9).
    SenderDry {
        /// `sender_dry_assoc_id`.
        assoc: AssocId,
    },
    /// SCTP_STREAM_RESET_EVENT: streams were reset, or a reset failed (RFC 6525 §6.1.1).
    StreamReset {
        /// `strreset_assoc_id`.
        assoc: AssocId,
        /// `strreset_flags`: SCTP_STREAM_RESET_INCOMING_SSN 0x1, _OUTGOING_SSN 0x2, _DENIED 0x4, _FAILED 0x8.
        flags: u16,
        /// The streams reset (`strreset_stream_list`); empty means all of them.
        streams: Vec<u16>,
    },
    /// SCTP_ASSOC_RESET_EVENT: the association's TSNs were reset, or a reset failed (RFC 6525 §6.1.2).
    AssocReset {
        /// `assocreset_assoc_id`.
        assoc: AssocId,
        /// `assocreset_flags`: SCTP_ASSOC_RESET_DENIED 0x4, SCTP_ASSOC_RESET_FAILED 0x8.
        flags: u16,
        /// The next TSN this end sends (`assocreset_local_tsn`).
        local_tsn: u32,
        /// The next TSN expected from the peer (`assocreset_remote_tsn`).
        remote_tsn: u32,
    },
    /// SCTP_STREAM_CHANGE_EVENT: streams were added, or adding failed (RFC 6525 §6.1.3).
    StreamChange {
        /// `strchange_assoc_id`.
        assoc: AssocId,
        /// `strchange_flags`: SCTP_STREAM_CHANGE_DENIED 0x4, SCTP_STREAM_CHANGE_FAILED 0x8.
        flags: u16,
        /// Inbound streams now (`strchange_instrms`).
        inbound_streams: u16,
        /// Outbound streams now (`strchange_outstrms`).
        outbound_streams: u16,
    },
    /// A type this build does not know, or one too short to decode.
    Unknown {
        /// The leading `sn_type` (0 when fewer than two bytes came).
        sn_type: u16,
        /// The whole notification as received.
        bytes: Vec<u8>,
    },
}

/// Reads a fixed struct only when all of it is there; a short notification becomes Unknown.
fn full<T: ffi::Zeroable>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < size_of::<T>() { None } else { read_struct(bytes) }
}

/// The bytes after a fixed header, bounded by the notification's own length field.
fn tail(bytes: &[u8], header: usize, length: u32) -> Vec<u8> {
    let end = (length as usize).min(bytes.len());
    bytes.get(header..end).map(<[u8]>::to_vec).unwrap_or_default()
}

impl Notification {
    /// Decodes one notification; unknown or too short input becomes `Unknown`.
    pub fn decode(bytes: &[u8]) -> Notification {
        let sn_type = bytes.get(0..2).map(|b| u16::from_ne_bytes([b[0], b[1]])).unwrap_or(0);
        Self::decode_known(sn_type, bytes).unwrap_or_else(|| Notification::Unknown { sn_type, bytes: bytes.to_vec() })
    }

    fn decode_known(sn_type: u16, b: &[u8]) -> Option<Notification> {
        Some(match sn_type {
            ffi::SCTP_ASSOC_CHANGE => {
                let n: ffi::sctp_assoc_change = full(b)?;
                Notification::AssocChange {
                    assoc: AssocId(n.sac_assoc_id),
                    state: AssocChangeState::from_raw(n.sac_state),
                    // Linux puts the error cause code here in network byte order (measured:
                    // a peer's User-Initiated Abort, cause 12, reads 0x0c00 raw).
                    error: u16::from_be(n.sac_error),
                    outbound_streams: n.sac_outbound_streams,
                    inbound_streams: n.sac_inbound_streams,
                    info: tail(b, size_of::<ffi::sctp_assoc_change>(), n.sac_length),
                }
            }
            ffi::SCTP_PEER_ADDR_CHANGE => {
                let n: ffi::sctp_paddr_change = full(b)?;
                let n = n.0;
                Notification::PeerAddrChange {
                    assoc: AssocId(n.spc_assoc_id),
                    addr: addr::from_storage(&{ n.spc_aaddr }),
                    state: PeerAddrState::from_raw(n.spc_state),
                    error: n.spc_error,
                }
            }
            ffi::SCTP_REMOTE_ERROR => {
                let n: ffi::sctp_remote_error = full(b)?;
                // sre_data follows the 16-byte fixed part (the hole is at 10..12).
                Notification::RemoteError {
                    assoc: AssocId(n.sre_assoc_id),
                    cause: u16::from_be(n.sre_error),
                    data: tail(b, size_of::<ffi::sctp_remote_error>(), n.sre_length),
                }
            }
            ffi::SCTP_SEND_FAILED => {
                let n: ffi::sctp_send_failed = full(b)?;
                Notification::SendFailed {
                    assoc: AssocId(n.ssf_assoc_id),
                    event_form: false,
                    was_sent: n.ssf_flags == 1,
                    error: n.ssf_error,
                    info: FailedSendInfo {
                        stream: n.ssf_info.sinfo_stream,
                        flags: n.ssf_info.sinfo_flags,
                        ppid: n.ssf_info.sinfo_ppid,
                        context: n.ssf_info.sinfo_context,
                    },
                    data: tail(b, size_of::<ffi::sctp_send_failed>(), n.ssf_length),
                }
            }
            ffi::SCTP_SEND_FAILED_EVENT => {
                let n: ffi::sctp_send_failed_event = full(b)?;
                Notification::SendFailed {
                    assoc: AssocId(n.ssf_assoc_id),
                    event_form: true,
                    was_sent: n.ssf_flags == 1,
                    error: n.ssf_error,
                    info: FailedSendInfo {
                        stream: n.ssfe_info.snd_sid,
                        flags: n.ssfe_info.snd_flags,
                        ppid: n.ssfe_info.snd_ppid,
                        context: n.ssfe_info.snd_context,
                    },
                    data: tail(b, size_of::<ffi::sctp_send_failed_event>(), n.ssf_length),
                }
            }
            ffi::SCTP_SHUTDOWN_EVENT => {
                let n: ffi::sctp_shutdown_event = full(b)?;
                Notification::Shutdown { assoc: AssocId(n.sse_assoc_id) }
            }
            ffi::SCTP_ADAPTATION_INDICATION => {
                let n: ffi::sctp_adaptation_event = full(b)?;
                Notification::Adaptation { assoc: AssocId(n.sai_assoc_id), indication: n.sai_adaptation_ind }
            }
            ffi::SCTP_PARTIAL_DELIVERY_EVENT => {
                let n: ffi::sctp_pdapi_event = full(b)?;
                Notification::PartialDelivery {
                    assoc: AssocId(n.pdapi_assoc_id),
                    indication: n.pdapi_indication,
                    stream: n.pdapi_stream,
                    seq: n.pdapi_seq,
                }
            }
            ffi::SCTP_AUTHENTICATION_EVENT => {
                let n: ffi::sctp_authkey_event = full(b)?;
                Notification::Authentication {
                    assoc: AssocId(n.auth_assoc_id),
                    key_number: n.auth_keynumber,
                    indication: n.auth_indication,
                }
            }
            ffi::SCTP_SENDER_DRY_EVENT => {
                let n: ffi::sctp_sender_dry_event = full(b)?;
                Notification::SenderDry { assoc: AssocId(n.sender_dry_assoc_id) }
            }
            ffi::SCTP_STREAM_RESET_EVENT => {
                let n: ffi::sctp_stream_reset_event = full(b)?;
                let list = tail(b, size_of::<ffi::sctp_stream_reset_event>(), n.strreset_length);
                Notification::StreamReset {
                    assoc: AssocId(n.strreset_assoc_id),
                    flags: n.strreset_flags,
                    streams: list.chunks_exact(2).map(|c| u16::from_ne_bytes([c[0], c[1]])).collect(),
                }
            }
            ffi::SCTP_ASSOC_RESET_EVENT => {
                let n: ffi::sctp_assoc_reset_event = full(b)?;
                Notification::AssocReset {
                    assoc: AssocId(n.assocreset_assoc_id),
                    flags: n.assocreset_flags,
                    local_tsn: n.assocreset_local_tsn,
                    remote_tsn: n.assocreset_remote_tsn,
                }
            }
            ffi::SCTP_STREAM_CHANGE_EVENT => {
                let n: ffi::sctp_stream_change_event = full(b)?;
                Notification::StreamChange {
                    assoc: AssocId(n.strchange_assoc_id),
                    flags: n.strchange_flags,
                    inbound_streams: n.strchange_instrms,
                    outbound_streams: n.strchange_outstrms,
                }
            }
            _ => return None,
        })
    }

    /// The association this notification is about (none for Unknown).
    pub fn assoc(&self) -> Option<AssocId> {
        use Notification::*;
        match self {
            AssocChange { assoc, .. }
            | PeerAddrChange { assoc, .. }
            | RemoteError { assoc, .. }
            | SendFailed { assoc, .. }
            | Shutdown { assoc }
            | Adaptation { assoc, .. }
            | PartialDelivery { assoc, .. }
            | Authentication { assoc, .. }
            | SenderDry { assoc }
            | StreamReset { assoc, .. }
            | AssocReset { assoc, .. }
            | StreamChange { assoc, .. } => Some(*assoc),
            Unknown { .. } => None,
        }
    }

    /// Which kind of notification this is (`None` for one this code does not know).
    pub fn kind(&self) -> Option<EventKind> {
        use Notification::*;
        Some(match self {
            AssocChange { .. } => EventKind::AssocChange,
            PeerAddrChange { .. } => EventKind::PeerAddrChange,
            RemoteError { .. } => EventKind::RemoteError,
            SendFailed { .. } => EventKind::SendFailed,
            Shutdown { .. } => EventKind::Shutdown,
            Adaptation { .. } => EventKind::Adaptation,
            PartialDelivery { .. } => EventKind::PartialDelivery,
            Authentication { .. } => EventKind::Authentication,
            SenderDry { .. } => EventKind::SenderDry,
            StreamReset { .. } => EventKind::StreamReset,
            AssocReset { .. } => EventKind::AssocReset,
            StreamChange { .. } => EventKind::StreamChange,
            Unknown { .. } => return None,
        })
    }

    /// `EventKind::name` of the kind, or "unknown".
    pub fn kind_name(&self) -> &'static str {
        self.kind().map_or("unknown", EventKind::name)
    }
}

/// One error cause of an ABORT or ERROR chunk (RFC 9260 §3.3.10): why the peer ended an
/// association or complained about something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCause {
    /// Cause code, host order (12 = User-Initiated Abort).
    pub code: u16,
    /// Cause-specific information after the 4-byte cause header, padding excluded.
    pub data: Vec<u8>,
}

impl ErrorCause {
    /// The causes of an ABORT chunk as the kernel passes it in `sac_info` on COMM_LOST and
    /// CANT_STR_ASSOC. Linux passes the chunk's value (its 4-byte header stripped); a
    /// leading header is skipped as well (chunk type 6 as the first byte: no cause code
    /// starts with it). Stops at the first malformed cause.
    pub fn parse_all(info: &[u8]) -> Vec<ErrorCause> {
        const ABORT_CHUNK: u8 = 6;
        let mut rest = if info.first() == Some(&ABORT_CHUNK) && info.len() >= 4 { &info[4..] } else { info };
        let mut out = Vec::new();
        while rest.len() >= 4 {
            let code = u16::from_be_bytes([rest[0], rest[1]]);
            let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
            if len < 4 || len > rest.len() {
                break;
            }
            out.push(ErrorCause { code, data: rest[4..len].to_vec() });
            // Causes are padded to a multiple of 4 bytes.
            rest = &rest[len.next_multiple_of(4).min(rest.len())..];
        }
        out
    }

    /// The cause's name and where it is defined.
    pub fn name(code: u16) -> (&'static str, &'static str) {
        match code {
            1 => ("Invalid Stream Identifier", "RFC 9260 §3.3.10.1"),
            2 => ("Missing Mandatory Parameter", "RFC 9260 §3.3.10.2"),
            3 => ("Stale Cookie Error", "RFC 9260 §3.3.10.3"),
            4 => ("Out of Resource", "RFC 9260 §3.3.10.4"),
            5 => ("Unresolvable Address", "RFC 9260 §3.3.10.5"),
            6 => ("Unrecognized Chunk Type", "RFC 9260 §3.3.10.6"),
            7 => ("Invalid Mandatory Parameter", "RFC 9260 §3.3.10.7"),
            8 => ("Unrecognized Parameters", "RFC 9260 §3.3.10.8"),
            9 => ("No User Data", "RFC 9260 §3.3.10.9"),
            10 => ("Cookie Received While Shutting Down", "RFC 9260 §3.3.10.10"),
            11 => ("Restart of an Association with New Addresses", "RFC 9260 §3.3.10.11"),
            12 => ("User-Initiated Abort", "RFC 9260 §3.3.10.12"),
            13 => ("Protocol Violation", "RFC 9260 §3.3.10.13"),
            105 => ("Unsupported HMAC Identifier", "RFC 4895"),
            0x00a0 => ("Request to Delete Last Remaining IP Address", "RFC 5061"),
            0x00a1 => ("Operation Refused Due to Resource Shortage", "RFC 5061"),
            0x00a2 => ("Request to Delete Source IP Address", "RFC 5061"),
            0x00a3 => ("Association Aborted Due to Illegal ASCONF-ACK", "RFC 5061"),
            0x00a4 => ("Request Refused - No Authorization", "RFC 5061"),
            _ => ("unknown cause", "RFC 9260 §3.3.10"),
        }
    }

    /// "User-Initiated Abort \"going down\" (RFC 9260 §3.3.10.12)".
    pub fn describe(&self) -> String {
        let (name, source) = Self::name(self.code);
        let data = if self.data.is_empty() { String::new() } else { format!(" {}", crate::model::preview(&self.data)) };
        format!("{name} (cause {}){data} ({source})", self.code)
    }
}

#[cfg(test)]
mod tests {
    //! Bytes are built field by field at the offsets C gives them (see tests/c_layout.rs,
    //! which checks those offsets against <linux/sctp.h>), not from the Rust structs.
    use super::*;

    fn put<const N: usize>(b: &mut Vec<u8>, off: usize, v: [u8; N]) {
        if b.len() < off + N {
            b.resize(off + N, 0);
        }
        b[off..off + N].copy_from_slice(&v);
    }

    fn header(sn_type: u16, len: usize) -> Vec<u8> {
        let mut b = vec![0u8; len];
        put(&mut b, 0, sn_type.to_ne_bytes());
        put(&mut b, 4, (len as u32).to_ne_bytes());
        b
    }

    #[test]
    fn assoc_change_comm_lost_with_abort_chunk() {
        // sctp_assoc_change: type 0, flags 2, length 4, state 8, error 10, out 12, in 14, id 16, info 20
        let mut b = header(0x8001, 24);
        put(&mut b, 8, 1u16.to_ne_bytes());
        put(&mut b, 10, 7u16.to_be_bytes());
        put(&mut b, 12, 5u16.to_ne_bytes());
        put(&mut b, 14, 10u16.to_ne_bytes());
        put(&mut b, 16, 42i32.to_ne_bytes());
        put(&mut b, 20, [6, 0, 0, 4]);
        assert_eq!(
            Notification::decode(&b),
            Notification::AssocChange {
                assoc: AssocId(42),
                state: AssocChangeState::CommLost,
                error: 7,
                outbound_streams: 5,
                inbound_streams: 10,
                info: vec![6, 0, 0, 4],
            }
        );
    }

    #[test]
    fn peer_addr_change_is_packed() {
        // sctp_paddr_change (packed): aaddr 8..136, state 136, error 140, assoc 144; size 148
        let mut b = header(0x8002, 148);
        let a: SocketAddr = "10.1.1.2:6000".parse().unwrap();
        let ab = addr::to_bytes(&a);
        b[8..8 + ab.len()].copy_from_slice(&ab);
        put(&mut b, 136, 6i32.to_ne_bytes());
        put(&mut b, 140, 0i32.to_ne_bytes());
        put(&mut b, 144, 3i32.to_ne_bytes());
        assert_eq!(
            Notification::decode(&b),
            Notification::PeerAddrChange {
                assoc: AssocId(3),
                addr: Some(a),
                state: PeerAddrState::PotentiallyFailed,
                error: 0
            }
        );
    }

    #[test]
    fn remote_error_cause_is_network_order_and_data_follows_assoc_id() {
        // sctp_remote_error: error 8 (be16), assoc 12, data 16
        let mut b = header(0x8004, 20);
        put(&mut b, 8, 0x000bu16.to_be_bytes());
        put(&mut b, 12, 9i32.to_ne_bytes());
        put(&mut b, 16, [0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(
            Notification::decode(&b),
            Notification::RemoteError { assoc: AssocId(9), cause: 11, data: vec![0xde, 0xad, 0xbe, 0xef] }
        );
    }

    #[test]
    fn both_send_failed_forms_carry_the_original_data() {
        // sctp_send_failed: error 8, sndrcvinfo 12..44 (stream 12, flags 16, ppid 20, context 24), assoc 44, data 48
        let mut b = header(0x8003, 51);
        put(&mut b, 2, 1u16.to_ne_bytes());
        put(&mut b, 8, 99u32.to_ne_bytes());
        put(&mut b, 12, 4u16.to_ne_bytes());
        put(&mut b, 20, 46u32.to_be_bytes());
        put(&mut b, 24, 77u32.to_ne_bytes());
        put(&mut b, 44, 5i32.to_ne_bytes());
        put(&mut b, 48, *b"abc");
        let Notification::SendFailed { assoc, event_form, was_sent, error, info, data } = Notification::decode(&b)
        else {
            panic!("not send failed")
        };
        assert_eq!((assoc, event_form, was_sent, error), (AssocId(5), false, true, 99));
        assert_eq!((info.stream, u32::from_be(info.ppid), info.context), (4, 46, 77));
        assert_eq!(data, b"abc");

        // sctp_send_failed_event: error 8, sndinfo 12..28 (sid 12, flags 14, ppid 16, context 20, assoc 24), assoc 28, data 32
        let mut b = header(0x800d, 34);
        put(&mut b, 12, 2u16.to_ne_bytes());
        put(&mut b, 20, 8u32.to_ne_bytes());
        put(&mut b, 28, 6i32.to_ne_bytes());
        put(&mut b, 32, *b"xy");
        let Notification::SendFailed { assoc, event_form, was_sent, info, data, .. } = Notification::decode(&b) else {
            panic!("not send failed event")
        };
        assert_eq!((assoc, event_form, was_sent, info.stream, info.context), (AssocId(6), true, false, 2, 8));
        assert_eq!(data, b"xy");
    }

    #[test]
    fn small_fixed_notifications() {
        let mut b = header(0x8005, 12);
        put(&mut b, 8, 1i32.to_ne_bytes());
        assert_eq!(Notification::decode(&b), Notification::Shutdown { assoc: AssocId(1) });

        let mut b = header(0x8007, 16);
        put(&mut b, 8, 0xabcdu32.to_ne_bytes());
        put(&mut b, 12, 2i32.to_ne_bytes());
        assert_eq!(Notification::decode(&b), Notification::Adaptation { assoc: AssocId(2), indication: 0xabcd });

        let mut b = header(0x8006, 24);
        put(&mut b, 12, 3i32.to_ne_bytes());
        put(&mut b, 16, 4u32.to_ne_bytes());
        put(&mut b, 20, 5u32.to_ne_bytes());
        assert_eq!(
            Notification::decode(&b),
            Notification::PartialDelivery { assoc: AssocId(3), indication: 0, stream: 4, seq: 5 }
        );

        let mut b = header(0x8008, 20);
        put(&mut b, 8, 7u16.to_ne_bytes());
        put(&mut b, 12, 2u32.to_ne_bytes());
        put(&mut b, 16, 4i32.to_ne_bytes());
        assert_eq!(
            Notification::decode(&b),
            Notification::Authentication { assoc: AssocId(4), key_number: 7, indication: 2 }
        );

        let mut b = header(0x8009, 12);
        put(&mut b, 8, 8i32.to_ne_bytes());
        assert_eq!(Notification::decode(&b), Notification::SenderDry { assoc: AssocId(8) });
    }

    #[test]
    fn stream_and_assoc_reconfiguration_events() {
        let mut b = header(0x800a, 16);
        put(&mut b, 2, 2u16.to_ne_bytes());
        put(&mut b, 8, 1i32.to_ne_bytes());
        put(&mut b, 12, 3u16.to_ne_bytes());
        put(&mut b, 14, 4u16.to_ne_bytes());
        assert_eq!(
            Notification::decode(&b),
            Notification::StreamReset { assoc: AssocId(1), flags: 2, streams: vec![3, 4] }
        );

        let mut b = header(0x800b, 20);
        put(&mut b, 8, 1i32.to_ne_bytes());
        put(&mut b, 12, 100u32.to_ne_bytes());
        put(&mut b, 16, 200u32.to_ne_bytes());
        assert_eq!(
            Notification::decode(&b),
            Notification::AssocReset { assoc: AssocId(1), flags: 0, local_tsn: 100, remote_tsn: 200 }
        );

        let mut b = header(0x800c, 16);
        put(&mut b, 8, 1i32.to_ne_bytes());
        put(&mut b, 12, 10u16.to_ne_bytes());
        put(&mut b, 14, 20u16.to_ne_bytes());
        assert_eq!(
            Notification::decode(&b),
            Notification::StreamChange { assoc: AssocId(1), flags: 0, inbound_streams: 10, outbound_streams: 20 }
        );
    }

    #[test]
    fn unknown_and_short_come_back_raw() {
        let b = header(0x8100, 8);
        assert_eq!(Notification::decode(&b), Notification::Unknown { sn_type: 0x8100, bytes: b.clone() });
        let short = &header(0x8001, 24)[..10];
        assert!(matches!(Notification::decode(short), Notification::Unknown { sn_type: 0x8001, .. }));
        assert!(matches!(Notification::decode(&[]), Notification::Unknown { sn_type: 0, .. }));
    }

    #[test]
    fn length_field_larger_than_buffer_is_bounded() {
        let mut b = header(0x8001, 20);
        put(&mut b, 4, 10_000u32.to_ne_bytes());
        let Notification::AssocChange { info, .. } = Notification::decode(&b) else { panic!() };
        assert!(info.is_empty());
    }

    #[test]
    fn event_kinds_match_sn_types() {
        assert_eq!(EventKind::DataIo.sn_type(), 0x8000);
        assert_eq!(EventKind::AssocChange.sn_type(), ffi::SCTP_ASSOC_CHANGE);
        assert_eq!(EventKind::SendFailedEvent.sn_type(), ffi::SCTP_SEND_FAILED_EVENT);
    }

    #[test]
    fn abort_causes_read_with_or_without_the_chunk_header() {
        // User-Initiated Abort "bye" (7 bytes, padded to 8), then Protocol Violation, empty.
        let causes = [0, 12, 0, 7, b'b', b'y', b'e', 0, 0, 13, 0, 4];
        let want = vec![ErrorCause { code: 12, data: b"bye".to_vec() }, ErrorCause { code: 13, data: Vec::new() }];
        assert_eq!(ErrorCause::parse_all(&causes), want);
        let mut chunk = vec![6, 0, 0, 16];
        chunk.extend_from_slice(&causes);
        assert_eq!(ErrorCause::parse_all(&chunk), want);
        assert_eq!(want[0].describe(), "User-Initiated Abort (cause 12) \"bye\" (RFC 9260 §3.3.10.12)");
        // A cause longer than what is there, or shorter than its header, ends the list.
        assert_eq!(ErrorCause::parse_all(&[0, 12, 0, 9, b'x']), vec![]);
        assert_eq!(ErrorCause::parse_all(&[0, 12, 0, 2, 0, 0]), vec![]);
    }
}
