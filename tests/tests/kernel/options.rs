//! Every record option: set, then get returns what was set — or, where the kernel adjusts
//! or refuses, the test says so and checks exactly what the kernel did.

use super::{LOCALHOST, cfg, loopback};
use sctp_core::options::*;
use sctp_core::{AssocId, Endpoint, EventKind, Family, Scope, Style};
use sctp_inspector_tests::open;
use std::fmt::Debug;
use std::time::Duration;

pub fn endpoint() -> Endpoint {
    open(cfg(Style::OneToMany, vec![LOCALHOST.into()], 0, None))
}

/// A client endpoint with one association to a listening server.
pub fn association() -> (Endpoint, Endpoint, AssocId) {
    let server = endpoint();
    server.listen(8).unwrap();
    let client = endpoint();
    let assoc = client.connect(&[loopback(server.local_port().unwrap())], Duration::from_secs(5)).unwrap();
    (server, client, assoc)
}

/// Sets `value`, reads it back and asserts the kernel kept exactly that.
pub fn set_get_same<O: SockOpt + PartialEq + Debug>(ep: &Endpoint, scope: Scope, value: O) {
    ep.set_option(scope, &value).unwrap_or_else(|e| panic!("{}: {e}", O::NAME));
    let back: O = ep.get_option(scope).unwrap_or_else(|e| panic!("{}: {e}", O::NAME));
    assert_eq!(back, value, "{} read back differs from what was set", O::NAME);
}

#[test]
fn endpoint_options_read_back_as_set() {
    let ep = endpoint();
    set_get_same(&ep, Scope::Future, RtoInfo { initial: 1000, max: 5000, min: 200 });
    set_get_same(
        &ep,
        Scope::Future,
        InitMsg { num_ostreams: 7, max_instreams: 9, max_attempts: 3, max_init_timeo: 2000 },
    );
    set_get_same(&ep, Scope::Future, NoDelay(true));
    set_get_same(&ep, Scope::Future, NoDelay(false));
    set_get_same(&ep, Scope::Future, AutoClose(30));
    set_get_same(&ep, Scope::Future, DisableFragments(true));
    set_get_same(&ep, Scope::Future, MaxSeg(1000));
    set_get_same(&ep, Scope::Future, AdaptationLayer { indication: 0x1122_3344 });
    set_get_same(&ep, Scope::Future, DefaultSendParam { stream: 2, ppid: 46, flags: 1, context: 5, time_to_live: 0 });
    set_get_same(&ep, Scope::Future, DelayedAck { delay: 100, freq: 2 });
    set_get_same(
        &ep,
        Scope::Future,
        EventSubscriptions { on: vec![EventKind::DataIo, EventKind::AssocChange, EventKind::Shutdown] },
    );
    set_get_same(&ep, Scope::Future, EventSubscriptions::all());
    set_get_same(
        &ep,
        Scope::Future,
        PeerAddrParams {
            hb_interval: 5000,
            path_max_rxt: 3,
            sack_delay: 100,
            heartbeat: Toggle::Enable,
            pmtud: Toggle::Enable,
            sack_delay_mode: Toggle::Enable,
            ..Default::default()
        },
    );
}

#[test]
fn associnfo_on_the_endpoint_reports_no_peer_figures() {
    let ep = endpoint();
    ep.set_option(Scope::Future, &AssocInfo { max_retrans: 7, cookie_life: 30_000, ..Default::default() }).unwrap();
    let back: AssocInfo = ep.get_option(Scope::Future).unwrap();
    assert_eq!((back.max_retrans, back.cookie_life), (7, 30_000));
    // Kernel-reported fields: no association, so no peer destinations or peer window.
    assert_eq!((back.peer_destinations, back.peer_rwnd), (0, 0));
}

#[test]
fn mapped_v4_on_an_ipv6_endpoint() {
    let ep = open(sctp_core::EndpointConfig { family: Family::Ipv6, ..Default::default() });
    set_get_same(&ep, Scope::Future, MappedV4(true));
    set_get_same(&ep, Scope::Future, MappedV4(false));
}

#[test]
fn association_options_read_back_as_set_or_as_the_kernel_adjusted_them() {
    let (_server, client, assoc) = association();
    let scope = Scope::Assoc(assoc);
    set_get_same(&client, scope, RtoInfo { initial: 1500, max: 6000, min: 300 });
    // An association keeps its SACK delay in jiffies (msecs_to_jiffies rounds up): 50 ms
    // reads back 50 at HZ 100, 52 at HZ 250 (13 jiffies). The second kernel showed this.
    client.set_option(scope, &DelayedAck { delay: 50, freq: 3 }).unwrap();
    let hz = u64::from(sctp_core::KernelHz::get().hz);
    let in_jiffies = (50 * hz).div_ceil(1000);
    let expected = (in_jiffies * 1000).div_ceil(hz) as u32;
    assert_eq!(client.get_option::<DelayedAck>(scope).unwrap(), DelayedAck { delay: expected, freq: 3 }, "HZ {hz}");
    // sack_freq 1 switches delayed SACK off; the kernel then reports delay 0.
    client.set_option(scope, &DelayedAck { delay: 50, freq: 1 }).unwrap();
    assert_eq!(client.get_option::<DelayedAck>(scope).unwrap(), DelayedAck { delay: 0, freq: 1 });
    set_get_same(&client, scope, PrimaryAddr { addr: Some(loopback(_server.local_port().unwrap())) });

    // associnfo: max_retrans and cookie_life as set; the peer fields are the kernel's.
    client.set_option(scope, &AssocInfo { max_retrans: 6, cookie_life: 20_000, ..Default::default() }).unwrap();
    let a: AssocInfo = client.get_option(scope).unwrap();
    assert_eq!((a.max_retrans, a.cookie_life, a.peer_destinations), (6, 20_000, 1));
    assert!(a.peer_rwnd > 0 && a.local_rwnd > 0, "{a:?}");

    // maxseg on an association: the kernel keeps the smaller of the request and what the
    // path MTU allows, rounded down to a multiple of 4.
    client.set_option(scope, &MaxSeg(1001)).unwrap();
    let m: MaxSeg = client.get_option(scope).unwrap();
    assert_eq!(m, MaxSeg(1000), "maxseg 1001 is adjusted to 1000 (4-byte multiple)");

    // Per-path parameters with a fixed path MTU.
    let path = loopback(_server.local_port().unwrap());
    let fixed = PeerAddrParams {
        address: Some(path),
        hb_interval: 3000,
        path_max_rxt: 4,
        path_mtu: 1400,
        heartbeat: Toggle::Enable,
        pmtud: Toggle::Disable,
        ..Default::default()
    };
    client.set_option(scope, &fixed).unwrap();
    let back: PeerAddrParams =
        client.get_option_with(scope, &PeerAddrParams { address: Some(path), ..Default::default() }).unwrap();
    assert_eq!(
        (back.address, back.hb_interval, back.path_max_rxt, back.path_mtu, back.heartbeat, back.pmtud),
        (Some(path), 3000, 4, 1400, Toggle::Enable, Toggle::Disable)
    );
    assert_eq!(client.path_info(assoc, path).unwrap().mtu, 1400);
}

#[test]
fn set_peer_primary_is_refused_without_asconf_and_says_why() {
    let (server, client, assoc) = association();
    let local = client.local_addrs(assoc).unwrap()[0];
    let err = client.set_option(Scope::Assoc(assoc), &SetPeerPrimaryAddr { addr: Some(local) }).unwrap_err();
    // net.sctp.addip_enable is 0 by default: the kernel refuses ASCONF-based requests.
    assert_eq!(err.errno, Some(libc::EPERM), "{err}");
    assert!(
        err.to_string().starts_with(&format!("set set_peer_primary_addr (association {}): EPERM", assoc.0)),
        "{err}"
    );
    drop(server);
}

#[test]
fn per_type_subscriptions_with_sctp_event() {
    let ep = endpoint();
    for kind in EventKind::ALL {
        ep.subscribe(Scope::Future, kind, false).unwrap();
        assert!(!ep.subscribed(Scope::Future, kind).unwrap(), "{kind:?}");
        ep.subscribe(Scope::Future, kind, true).unwrap();
        assert!(ep.subscribed(Scope::Future, kind).unwrap(), "{kind:?}");
    }
}

#[test]
fn bad_values_are_stopped_before_or_by_the_kernel_with_a_clear_message() {
    let ep = endpoint();
    let err = ep.set_option(Scope::Future, &RtoInfo { initial: 0, max: 100, min: 200 }).unwrap_err();
    assert_eq!(err.errno, None);
    assert_eq!(err.to_string(), "set rtoinfo (future associations): min (200 ms) must not exceed max (100 ms)");

    let err = ep.get_option::<RtoInfo>(Scope::Assoc(AssocId(4242))).unwrap_err();
    assert_eq!(err.errno, Some(libc::EINVAL));
    assert_eq!(err.to_string(), "get rtoinfo (association 4242): EINVAL (Invalid argument)");
}

#[test]
fn every_option_can_be_read_through_option_value() {
    let (_server, client, assoc) = association();
    for name in OptionName::ALL.into_iter().filter(|n| !n.is_write_only()) {
        let scope = if name.needs_association() { Scope::Assoc(assoc) } else { Scope::Future };
        match client.get_value(scope, &name.default_value()) {
            Ok(v) => assert_eq!(v.option_name(), name),
            // SCTP-AUTH is off on these endpoints (net.sctp.auth_enable = 0): its keys and lists
            // are refused with EACCES, as the kernel documents.
            Err(e)
                if matches!(
                    name,
                    OptionName::AuthActiveKey | OptionName::PeerAuthChunks | OptionName::LocalAuthChunks
                ) =>
            {
                assert_eq!(e.errno_name(), Some("EACCES"), "{}: {e}", name.as_str())
            }
            Err(e) => panic!("{}: {e}", name.as_str()),
        }
        if name.needs_association() {
            let e = client.get_value(Scope::Future, &name.default_value()).unwrap_err();
            assert_eq!(e.errno_name(), Some("EINVAL"), "{} needs an association: {e}", name.as_str());
        }
    }
}
