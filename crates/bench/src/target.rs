//! Where the server is, and the promise that it is on this machine.
//!
//! The tool opens thousands of connections and sends as fast as it can: pointed at someone
//! else's server that is an attack, not a benchmark. So it takes a base URL and refuses any
//! host that is not a loopback address (`127.0.0.0/8`, `::1`, `localhost`), and any source
//! address (`--source-ips`) that is not one either.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::{bail, Context as _};
use reqwest::Url;

/// The server under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://host:port` without a trailing slash.
    pub http_base: String,
    /// `ws://host:port/api/v1/ws`.
    pub ws_url: String,
    /// The address connections go to.
    pub addr: SocketAddr,
}

impl Target {
    /// Parses `base` (`http://127.0.0.1:8080`), refusing anything that is not loopback.
    pub fn parse(base: &str) -> anyhow::Result<Self> {
        let url = Url::parse(base).with_context(|| format!("--url {base:?} is not a URL"))?;
        if url.scheme() != "http" {
            bail!("--url must be http:// (the tool speaks plain HTTP on loopback only)");
        }
        let host = url.host_str().unwrap_or("");
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let ip = if bare.eq_ignore_ascii_case("localhost") {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            match bare.parse::<IpAddr>() {
                Ok(ip) => ip,
                Err(_) => bail!("--url {base:?}: the host must be a loopback address"),
            }
        };
        if !ip.is_loopback() {
            bail!("--url {base:?}: {ip} is not a loopback address; chat-bench only runs on this machine");
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let addr = SocketAddr::new(ip, port);
        let host = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        Ok(Self {
            http_base: format!("http://{host}:{port}"),
            ws_url: format!("ws://{host}:{port}/api/v1/ws"),
            addr,
        })
    }

    /// `http_base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.http_base)
    }
}

/// Parses `--source-ips` (`127.0.0.1,127.0.0.2`), refusing any that is not loopback.
pub fn parse_source_ips(list: &str) -> anyhow::Result<Vec<IpAddr>> {
    let mut ips = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let ip: IpAddr = item
            .parse()
            .with_context(|| format!("--source-ips: {item:?} is not an IP address"))?;
        if !ip.is_loopback() {
            bail!("--source-ips: {ip} is not a loopback address");
        }
        ips.push(ip);
    }
    Ok(ips)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets_are_accepted() {
        let t = Target::parse("http://127.0.0.1:8080").expect("loopback");
        assert_eq!(t.ws_url, "ws://127.0.0.1:8080/api/v1/ws");
        assert_eq!(t.url("/healthz"), "http://127.0.0.1:8080/healthz");
        assert!(Target::parse("http://localhost:9000/").is_ok());
        assert!(Target::parse("http://127.0.0.2:80").is_ok());
        assert_eq!(
            Target::parse("http://[::1]:8080").expect("v6").ws_url,
            "ws://[::1]:8080/api/v1/ws"
        );
    }

    #[test]
    fn other_hosts_are_refused() {
        for url in [
            "http://10.0.0.1:8080",
            "http://example.com:8080",
            "http://0.0.0.0:8080",
            "https://127.0.0.1:8080",
            "not a url",
        ] {
            assert!(Target::parse(url).is_err(), "{url} was accepted");
        }
    }

    #[test]
    fn source_ips_must_be_loopback() {
        assert_eq!(
            parse_source_ips("127.0.0.1, 127.0.0.2")
                .expect("loopback")
                .len(),
            2
        );
        assert!(parse_source_ips("192.168.1.2").is_err());
    }
}
