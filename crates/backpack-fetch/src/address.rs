//! Which IP addresses are public (may be fetched from).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn v4_public(ip: &Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10 shared address space
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 IETF protocol assignments
        || (o[0] == 192 && o[1] == 88 && o[2] == 99) // 192.88.99.0/24 6to4 relay anycast
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15 benchmarking
        || o[0] >= 240) // reserved
}

fn v6_public(ip: &Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_public(&v4);
    }
    let s = ip.segments();
    // Only global unicast (2000::/3) is fetched from: this leaves out
    // loopback, unspecified, IPv4-compatible (::a.b.c.d), IPv4-translated
    // (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48), discard
    // (100::/64), unique local (fc00::/7), link-local (fe80::/10), site-local
    // (fec0::/10) and multicast (ff00::/8).
    (s[0] & 0xe000) == 0x2000
        && !(ip.is_loopback()
            || ip.is_unspecified()
            || ip.is_multicast()
            || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
            || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
            || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
            || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 (may reach private IPv4)
            || (s[0] == 0x2001 && s[1] < 0x0200) // 2001::/23 IETF protocol assignments (Teredo, ORCHID, benchmarking...)
            || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
            || (s[0] == 0x3fff && s[1] < 0x1000) // documentation 3fff::/20
            || (s[0] == 0x2002)) // 6to4 (embeds IPv4)
}

/// True for globally routable unicast addresses only.
pub fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_public(v4),
        IpAddr::V6(v6) => v6_public(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_ranges_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "::127.0.0.1",
            "198.18.0.1",
            "240.0.0.1",
            "192.88.99.1",
            "::ffff:0:7f00:1",
            "64:ff9b:1::a00:1",
            "100::1",
            "2001::7f00:1",
            "2001:db8::1",
            "3fff::1",
            "fec0::1",
            "ff02::1",
            "4000::1",
        ] {
            assert!(!is_public(&a.parse().unwrap()), "{a}");
        }
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "93.184.216.34",
            "2a00:1450:4001:80b::200e",
            "2001:4860:4860::8888",
        ] {
            assert!(is_public(&a.parse().unwrap()), "{a}");
        }
    }
}
