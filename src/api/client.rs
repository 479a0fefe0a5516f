//! Who is asking: the client's address, which the login and signup throttles count by. Behind
//! a balancer every request comes from the balancer, so from a peer in TRUSTED_PROXIES the
//! address is read from `X-Forwarded-For` (or `Forwarded`): the rightmost hop that is not a
//! trusted proxy, since every hop left of the last trusted one may be made up by the client.
//! From any other peer those headers are ignored.

use crate::config::TrustedProxies;
use actix_web::http::header::{HeaderMap, FORWARDED};
use actix_web::HttpRequest;
use std::net::IpAddr;

/// The client's address for `req`, as the throttles count it.
pub(crate) fn client_address(req: &HttpRequest, trusted: &TrustedProxies) -> String {
    let Some(peer) = req.peer_addr().map(|a| canonical(a.ip())) else {
        return String::new();
    };
    forwarded_client(peer, req.headers(), trusted).to_string()
}

fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop that does not parse ends the chain: what is left of it can't be trusted.
        let Some(ip) = hop else { break };
        client = *ip;
        if !trusted.contains(ip) {
            break;
        }
    }
    client
}

/// The `X-Forwarded-For` hops in order (client first), or `Forwarded`'s `for=` ones when
/// there is no `X-Forwarded-For`; None for a hop that is not an address.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let xff: Vec<Option<IpAddr>> = headers
        .get_all("x-forwarded-for")
        .flat_map(|v| v.to_str().unwrap_or("?").split(','))
        .map(|hop| parse_hop(hop.trim()))
        .collect();
    if !xff.is_empty() {
        return xff;
    }
    headers
        .get_all(FORWARDED)
        .flat_map(|v| v.to_str().unwrap_or("for=?").split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("for")
                    .then(|| parse_hop(value.trim().trim_matches('"')))
            })
        })
        .collect()
}

/// "203.0.113.7", "203.0.113.7:4711", "[2001:db8::1]:4711" or "2001:db8::1".
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok().map(canonical);
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse().ok().map(canonical)
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is the IPv4 one.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn client(peer: &str, pairs: &[(&str, &str)], trusted: &str) -> String {
        forwarded_client(
            peer.parse().unwrap(),
            &headers(pairs),
            &trusted.parse().unwrap(),
        )
        .to_string()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let xff = [("X-Forwarded-For", "198.51.100.9, 203.0.113.7")];
        // Not trusted: the peer, whatever it claims.
        assert_eq!(client("203.0.113.50", &xff, ""), "203.0.113.50");
        assert_eq!(client("203.0.113.50", &xff, "10.0.0.0/8"), "203.0.113.50");
        // Trusted: the rightmost hop that is not a proxy; the client's own claim (left) is not.
        assert_eq!(client("10.0.0.2", &xff, "10.0.0.0/8"), "203.0.113.7");
        let chain = [("X-Forwarded-For", "1.1.1.1, 203.0.113.7, 10.0.0.3")];
        assert_eq!(client("10.0.0.2", &chain, "10.0.0.0/8"), "203.0.113.7");
        // Two headers read as one list; ports and IPv4-in-IPv6 are the address.
        let split = [
            ("X-Forwarded-For", "1.1.1.1"),
            ("X-Forwarded-For", "[::ffff:203.0.113.7]:5000"),
        ];
        assert_eq!(client("::1", &split, "::1"), "203.0.113.7");
        // Garbage ends the chain at the last proxy.
        let bad = [("X-Forwarded-For", "1.1.1.1, not-an-ip")];
        assert_eq!(client("10.0.0.2", &bad, "10.0.0.2"), "10.0.0.2");
        // No header: the proxy itself.
        assert_eq!(client("10.0.0.2", &[], "10.0.0.2"), "10.0.0.2");
        // RFC 7239 when there is no X-Forwarded-For.
        let fwd = [(
            "Forwarded",
            "for=1.1.1.1, for=\"[2001:db8::7]:80\";proto=https",
        )];
        assert_eq!(client("10.0.0.2", &fwd, "10.0.0.2"), "2001:db8::7");
    }

    #[test]
    fn trusted_proxies_parse_addresses_and_cidrs() {
        let t: TrustedProxies = "10.0.0.0/8, 192.168.1.4 ,::1".parse().unwrap();
        assert!(t.contains(&"10.9.8.7".parse().unwrap()));
        assert!(t.contains(&"192.168.1.4".parse().unwrap()));
        assert!(!t.contains(&"192.168.1.5".parse().unwrap()));
        assert!(t.contains(&"::1".parse().unwrap()));
        let err = "10.0.0.0/8, proxy.local"
            .parse::<TrustedProxies>()
            .unwrap_err();
        assert!(err.contains("proxy.local"), "{err}");
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
    }
}
