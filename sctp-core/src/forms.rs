//! Parsing and checking what people type into the window's forms (here, not in the app, so
//! the fuzz targets reach them). Pure; every error names the field, what was typed and what
//! is expected — before any syscall is made.

use std::net::{IpAddr, SocketAddr};

/// A list of IP addresses separated by commas or spaces ("10.1.1.1, 10.2.2.1").
pub fn parse_ips(field: &str, text: &str) -> Result<Vec<IpAddr>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<IpAddr>().map_err(|_| format!("{field}: \"{s}\" is not an IPv4 or IPv6 address")))
        .collect()
}

/// A list of socket addresses: "IP:PORT" or "[IPv6]:PORT", or bare IPs that take
/// `default_port`.
pub fn parse_socket_addrs(field: &str, text: &str, default_port: Option<u16>) -> Result<Vec<SocketAddr>, String> {
    let out: Vec<SocketAddr> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            if let Ok(a) = s.parse::<SocketAddr>() {
                return Ok(a);
            }
            match (s.parse::<IpAddr>(), default_port) {
                (Ok(ip), Some(port)) => Ok(SocketAddr::new(ip, port)),
                (Ok(_), None) => Err(format!("{field}: \"{s}\" needs a port (IP:PORT)")),
                (Err(_), _) => Err(format!("{field}: \"{s}\" is not an address (IP:PORT, [IPv6]:PORT or IP)")),
            }
        })
        .collect::<Result<_, _>>()?;
    if out.is_empty() {
        return Err(format!("{field}: at least one address is needed"));
    }
    Ok(out)
}

/// An unsigned number within `min..=max`; decimal or 0x-hex.
pub fn parse_num(field: &str, text: &str, min: u64, max: u64) -> Result<u64, String> {
    let t = text.trim();
    let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse::<u64>(),
    }
    .map_err(|_| format!("{field}: \"{t}\" is not a number"))?;
    if !(min..=max).contains(&v) {
        return Err(format!("{field}: {v} is out of range {min}..={max}"));
    }
    Ok(v)
}

/// Hex bytes, with or without spaces ("de ad be ef", "deadbeef").
pub fn parse_hex(field: &str, text: &str) -> Result<Vec<u8>, String> {
    crate::message::parse_hex(text).map_err(|e| format!("{field}: {e}"))
}

/// Well-known payload protocol identifiers (IANA "SCTP Payload Protocol Identifiers").
pub const PPID_PRESETS: &[(u32, &str)] = &[
    (0, "unspecified"),
    (3, "M3UA"),
    (18, "S1AP"),
    (27, "X2AP"),
    (46, "Diameter"),
    (47, "Diameter DTLS"),
    (51, "WebRTC string"),
    (53, "WebRTC binary"),
    (60, "NGAP"),
    (61, "XnAP"),
    (62, "F1AP"),
];

/// The name of a well-known payload protocol identifier (`PPID_PRESETS`), e.g. 46 -> "Diameter".
pub fn ppid_name(ppid: u32) -> Option<&'static str> {
    PPID_PRESETS.iter().find(|(p, _)| *p == ppid).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_lists() {
        assert_eq!(parse_ips("local", "10.1.1.1, 10.2.2.1").unwrap().len(), 2);
        assert!(parse_ips("local", "  ").unwrap().is_empty());
        assert_eq!(parse_ips("local", "::1 127.0.0.1").unwrap().len(), 2);
        assert_eq!(parse_ips("local", "10.1.1").unwrap_err(), "local: \"10.1.1\" is not an IPv4 or IPv6 address");
    }

    #[test]
    fn socket_address_lists() {
        let a = parse_socket_addrs("peer", "10.1.1.2, [::1]:9, 10.2.2.2:7", Some(6000)).unwrap();
        assert_eq!(a[0], "10.1.1.2:6000".parse().unwrap());
        assert_eq!(a[1], "[::1]:9".parse().unwrap());
        assert_eq!(a[2].port(), 7);
        assert_eq!(
            parse_socket_addrs("peer", "10.1.1.2", None).unwrap_err(),
            "peer: \"10.1.1.2\" needs a port (IP:PORT)"
        );
        assert_eq!(parse_socket_addrs("peer", "", Some(1)).unwrap_err(), "peer: at least one address is needed");
        assert!(parse_socket_addrs("peer", "host:80", None).unwrap_err().contains("is not an address"));
    }

    #[test]
    fn numbers_with_ranges_and_hex() {
        assert_eq!(parse_num("stream", "5", 0, 65535), Ok(5));
        assert_eq!(parse_num("ppid", "0x2e", 0, u32::MAX as u64), Ok(46));
        assert_eq!(parse_num("port", "70000", 0, 65535).unwrap_err(), "port: 70000 is out of range 0..=65535");
        assert_eq!(parse_num("port", "-1", 0, 65535).unwrap_err(), "port: \"-1\" is not a number");
    }

    #[test]
    fn hex_payloads() {
        assert_eq!(parse_hex("payload", "de ad BE ef").unwrap(), vec![0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(parse_hex("payload", "abc").unwrap_err(), "payload: odd number of hex digits (3)");
        assert_eq!(parse_hex("payload", "zz").unwrap_err(), "payload: 'z' at position 0 is not a hex digit");
    }

    #[test]
    fn ppid_presets_are_named() {
        assert_eq!(ppid_name(46), Some("Diameter"));
        assert_eq!(ppid_name(60), Some("NGAP"));
        assert_eq!(ppid_name(9999), None);
    }
}
