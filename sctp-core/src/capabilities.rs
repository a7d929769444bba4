//! Which SCTP extensions this kernel offers new associations, from its `net.sctp.*`
//! sysctls, each with the RFC it comes from and, when off, the one-line reason and remedy.
//! Pure: the sysctls come from `kernel_facts`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An SCTP extension or behaviour the kernel can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Feature {
    /// Partial reliability: FORWARD-TSN, abandoning messages by TTL/retransmissions/priority.
    PrSctp,
    /// Stream reconfiguration: RE-CONFIG chunks to reset, add or renumber streams.
    StreamReconfig,
    /// Message interleaving: I-DATA chunks, so one large message does not hold up others.
    Interleaving,
    /// Authenticated chunks: AUTH with shared keys (needed by ASCONF).
    Auth,
    /// Dynamic address reconfiguration: ASCONF to add/remove addresses and set the primary.
    Asconf,
    /// SCTP over UDP, for paths through NATs and middleboxes that drop protocol 132.
    UdpEncapsulation,
    /// The potentially-failed path state: traffic moves off a path before it is declared down.
    PotentiallyFailed,
    /// Explicit congestion notification (ECNE/CWR chunks).
    Ecn,
    /// Packetization-layer path MTU discovery by probe packets.
    Plpmtud,
}

impl Feature {
    /// Every feature, in the order shown.
    pub const ALL: [Feature; 9] = [
        Feature::PrSctp,
        Feature::StreamReconfig,
        Feature::Interleaving,
        Feature::Auth,
        Feature::Asconf,
        Feature::UdpEncapsulation,
        Feature::PotentiallyFailed,
        Feature::Ecn,
        Feature::Plpmtud,
    ];

    /// The name people use for it.
    pub fn name(self) -> &'static str {
        match self {
            Feature::PrSctp => "PR-SCTP",
            Feature::StreamReconfig => "stream reconfiguration",
            Feature::Interleaving => "I-DATA interleaving",
            Feature::Auth => "AUTH",
            Feature::Asconf => "ASCONF",
            Feature::UdpEncapsulation => "UDP encapsulation",
            Feature::PotentiallyFailed => "potentially-failed paths",
            Feature::Ecn => "ECN",
            Feature::Plpmtud => "PLPMTUD",
        }
    }

    /// The RFC (and section) that defines it.
    pub fn rfc(self) -> &'static str {
        match self {
            Feature::PrSctp => "RFC 3758, RFC 7496",
            Feature::StreamReconfig => "RFC 6525",
            Feature::Interleaving => "RFC 8260",
            Feature::Auth => "RFC 4895",
            Feature::Asconf => "RFC 5061",
            Feature::UdpEncapsulation => "RFC 6951",
            Feature::PotentiallyFailed => "RFC 7829",
            Feature::Ecn => "RFC 9260 Appendix A",
            Feature::Plpmtud => "RFC 8899",
        }
    }

    /// The sysctl (under `net.sctp.`) that switches it.
    pub fn sysctl(self) -> &'static str {
        match self {
            Feature::PrSctp => "prsctp_enable",
            Feature::StreamReconfig => "reconf_enable",
            Feature::Interleaving => "intl_enable",
            Feature::Auth => "auth_enable",
            Feature::Asconf => "addip_enable",
            Feature::UdpEncapsulation => "udp_port",
            Feature::PotentiallyFailed => "pf_enable",
            Feature::Ecn => "ecn_enable",
            Feature::Plpmtud => "plpmtud_probe_interval",
        }
    }

    /// The per-socket option that overrides the sysctl, if there is one.
    pub fn socket_option(self) -> Option<&'static str> {
        match self {
            Feature::PrSctp => Some("SCTP_PR_SUPPORTED"),
            Feature::StreamReconfig => Some("SCTP_RECONFIG_SUPPORTED"),
            Feature::Interleaving => Some("SCTP_INTERLEAVING_SUPPORTED"),
            Feature::Auth => Some("SCTP_AUTH_SUPPORTED"),
            Feature::Asconf => Some("SCTP_ASCONF_SUPPORTED"),
            Feature::UdpEncapsulation => Some("SCTP_REMOTE_UDP_ENCAPS_PORT"),
            Feature::PotentiallyFailed => Some("SCTP_PEER_ADDR_THLDS_V2"),
            Feature::Ecn => Some("SCTP_ECN_SUPPORTED"),
            Feature::Plpmtud => Some("SCTP_PLPMTUD_PROBE_INTERVAL"),
        }
    }
}

/// Whether a feature is on, and why not when it is off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capability {
    /// The feature.
    pub feature: Feature,
    /// Whether new associations offer it.
    pub enabled: bool,
    /// The sysctl as read, e.g. `net.sctp.prsctp_enable = 1`, or that the kernel has none.
    pub setting: String,
    /// When off (or only partly usable): the reason and the remedy, in one line.
    pub note: Option<String>,
}

/// Every feature's state from the `net.sctp.*` sysctls (names without the prefix).
pub fn capabilities(sysctls: &BTreeMap<String, String>) -> Vec<Capability> {
    Feature::ALL.iter().map(|&f| capability(f, sysctls)).collect()
}

fn capability(feature: Feature, sysctls: &BTreeMap<String, String>) -> Capability {
    let name = feature.sysctl();
    let Some(raw) = sysctls.get(name) else {
        return Capability {
            feature,
            enabled: false,
            setting: format!("net.sctp.{name}: not in this kernel"),
            note: Some(format!("this kernel has no net.sctp.{name}: it predates {}", feature.name())),
        };
    };
    let setting = format!("net.sctp.{name} = {raw}");
    let Ok(value) = raw.trim().parse::<u64>() else {
        let note = Some(format!("net.sctp.{name} = {raw:?} is not a number"));
        return Capability { feature, enabled: false, setting, note };
    };
    let number = |other: &str| sysctls.get(other).and_then(|v| v.trim().parse::<u64>().ok());
    let socket = feature.socket_option().map(|o| format!(", or per socket with {o}")).unwrap_or_default();
    let (enabled, note) = match feature {
        Feature::UdpEncapsulation if value == 0 => (
            false,
            Some(format!(
                "no UDP listener: set net.sctp.udp_port (9899 is the registered port) to receive SCTP over UDP; \
                 net.sctp.encap_port = {} is the peer port used when sending",
                sysctls.get("encap_port").map_or("?", String::as_str)
            )),
        ),
        Feature::UdpEncapsulation => (true, None),
        Feature::Plpmtud if value == 0 => (
            false,
            Some(format!(
                "probing is off: set net.sctp.plpmtud_probe_interval to a period in ms (at least 5000){socket}"
            )),
        ),
        Feature::Plpmtud => (true, None),
        Feature::Asconf
            if value != 0 && number("auth_enable") == Some(0) && number("addip_noauth_enable") != Some(1) =>
        {
            (
                true,
                Some(
                    "on, but RFC 5061 has ASCONF sent only with AUTH (RFC 4895): with net.sctp.auth_enable = 0 and \
                 net.sctp.addip_noauth_enable = 0 peers will not accept address changes"
                        .into(),
                ),
            )
        }
        Feature::PotentiallyFailed if value != 0 => match number("pf_expose") {
            Some(2) => (true, None),
            Some(1) => (true, Some("on, but net.sctp.pf_expose = 1 hides the PF state from applications".into())),
            _ => (
                true,
                Some(
                    "on; net.sctp.pf_expose = 0 sends no PEER_ADDR_CHANGE for PF (set 2, or \
                     SCTP_EXPOSE_POTENTIALLY_FAILED_STATE per socket, to see it)"
                        .into(),
                ),
            ),
        },
        _ if value != 0 => (true, None),
        _ => (false, Some(format!("off for new associations: sysctl -w net.sctp.{name}=1{socket}"))),
    };
    Capability { feature, enabled, setting, note }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Linux 6.1's defaults, as read in the rig.
    fn defaults() -> BTreeMap<String, String> {
        [
            ("addip_enable", "0"),
            ("addip_noauth_enable", "0"),
            ("auth_enable", "0"),
            ("ecn_enable", "1"),
            ("encap_port", "0"),
            ("intl_enable", "0"),
            ("pf_enable", "1"),
            ("pf_expose", "0"),
            ("plpmtud_probe_interval", "0"),
            ("prsctp_enable", "1"),
            ("reconf_enable", "0"),
            ("udp_port", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn get(caps: &[Capability], f: Feature) -> &Capability {
        caps.iter().find(|c| c.feature == f).unwrap()
    }

    #[test]
    fn linux_defaults_offer_pr_sctp_ecn_and_pf_and_say_how_to_turn_on_the_rest() {
        let caps = capabilities(&defaults());
        assert_eq!(caps.len(), Feature::ALL.len());
        let on: Vec<_> = caps.iter().filter(|c| c.enabled).map(|c| c.feature).collect();
        assert_eq!(on, [Feature::PrSctp, Feature::PotentiallyFailed, Feature::Ecn]);
        let reconf = get(&caps, Feature::StreamReconfig);
        assert_eq!(reconf.setting, "net.sctp.reconf_enable = 0");
        assert_eq!(
            reconf.note.as_deref(),
            Some(
                "off for new associations: sysctl -w net.sctp.reconf_enable=1, or per socket with SCTP_RECONFIG_SUPPORTED"
            )
        );
        assert!(get(&caps, Feature::UdpEncapsulation).note.as_ref().unwrap().contains("9899"));
        assert!(get(&caps, Feature::PotentiallyFailed).note.as_ref().unwrap().contains("pf_expose = 0"));
    }

    #[test]
    fn asconf_without_auth_is_on_but_warned() {
        let mut s = defaults();
        s.insert("addip_enable".into(), "1".into());
        let caps = capabilities(&s);
        let asconf = get(&caps, Feature::Asconf);
        assert!(asconf.enabled);
        assert!(asconf.note.as_ref().unwrap().contains("only with AUTH"), "{asconf:?}");
        s.insert("auth_enable".into(), "1".into());
        assert_eq!(get(&capabilities(&s), Feature::Asconf).note, None);
    }

    #[test]
    fn missing_and_garbled_sysctls_are_off_with_the_reason() {
        let mut s = defaults();
        s.remove("intl_enable");
        s.insert("prsctp_enable".into(), "yes".into());
        let caps = capabilities(&s);
        let intl = get(&caps, Feature::Interleaving);
        assert!(!intl.enabled && intl.setting.contains("not in this kernel"), "{intl:?}");
        let pr = get(&caps, Feature::PrSctp);
        assert!(!pr.enabled && pr.note.as_ref().unwrap().contains("is not a number"), "{pr:?}");
        assert!(capabilities(&BTreeMap::new()).iter().all(|c| !c.enabled));
    }
}
