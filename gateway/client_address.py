"""The address of the client behind a request, for per-client limits (sign-in throttling).

``X-Forwarded-For`` is believed only when the direct peer is a configured trusted proxy
(``TRUSTED_PROXIES``: addresses or networks): anyone can send the header, so taken from an
untrusted peer it would let a client pick a fresh address for every attempt. Behind trusted
proxies the client is the right-most address that is not itself a trusted proxy.
"""
import ipaddress


def parse_networks(text):
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in (text or "").split(",")
                 if part.strip())


def _trusted(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(req, trusted_proxies):
    peer = req.remote_addr or "unknown"
    if not _trusted(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for hop in (req.get_header("X-Forwarded-For") or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: count the request against the proxy itself
        if not _trusted(hop, trusted_proxies):
            return hop
    return hops[0] if hops else peer
