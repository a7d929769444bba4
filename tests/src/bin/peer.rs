//! An SCTP peer in a process of its own, for fault tests that kill it or start it again:
//! opens a one-to-one endpoint (in a network namespace, bound to given addresses and port
//! when asked), connects, sends numbered messages (4-byte big-endian counters) and says so
//! on stdout, then waits until stdin closes (and closes gracefully) or it is killed.
//!
//!   peer --to IP:PORT[,IP:PORT…] [--netns NS] [--bind IP[,IP…]] [--port P]
//!        [--messages N] [--first K] [--linger0]
//!
//! stdout: `connecting` just before connect(), `up <assoc id>` once connected, `sent <N>` once the messages are queued.
//! Exit status 2 with a message on stderr for bad arguments or a failed call.

use sctp_core::forms::{parse_ips, parse_num, parse_socket_addrs};
use sctp_core::{Endpoint, EndpointConfig, SendInfo, SocketOptions, Style};
use std::io::{Read, Write};
use std::time::Duration;

struct Args {
    config: EndpointConfig,
    to: Vec<std::net::SocketAddr>,
    messages: u32,
    first: u32,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut config = EndpointConfig { style: Style::OneToOne, ..Default::default() };
    let (mut to, mut messages, mut first) = (Vec::new(), 0, 0);
    while let Some(flag) = args.next() {
        if flag == "--linger0" {
            // close() then aborts instead of shutting down gracefully.
            config.options = SocketOptions { linger: Some(0), ..config.options };
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--to" => to = parse_socket_addrs("--to", &value, None)?,
            "--netns" => config.netns = Some(value),
            "--bind" => config.addrs = parse_ips("--bind", &value)?,
            "--port" => config.port = parse_num("--port", &value, 0, 65535)? as u16,
            "--messages" => messages = parse_num("--messages", &value, 0, u32::MAX.into())? as u32,
            "--first" => first = parse_num("--first", &value, 0, u32::MAX.into())? as u32,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if to.is_empty() {
        return Err("--to is needed".into());
    }
    Ok(Args { config, to, messages, first })
}

fn run(args: Args) -> Result<(), String> {
    let endpoint = Endpoint::open(&args.config).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout();
    let say = |out: &mut std::io::Stdout, line: String| writeln!(out, "{line}").and_then(|()| out.flush());
    say(&mut out, "connecting".into()).map_err(|e| e.to_string())?;
    let assoc = endpoint.connect(&args.to, Duration::from_secs(10)).map_err(|e| e.to_string())?;
    say(&mut out, format!("up {}", assoc.0)).map_err(|e| e.to_string())?;
    let info = SendInfo { assoc, ..Default::default() };
    for n in args.first..args.first + args.messages {
        endpoint.send(&n.to_be_bytes(), &info).map_err(|e| e.to_string())?;
    }
    say(&mut out, format!("sent {}", args.messages)).map_err(|e| e.to_string())?;
    // Until whoever started us closes stdin (or kills us).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(endpoint);
    Ok(())
}

fn main() {
    match parse(std::env::args().skip(1)).and_then(run) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("peer: {e}");
            std::process::exit(2);
        }
    }
}
