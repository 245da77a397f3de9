import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Which addresses a webhook may reach. Any project admin writes webhook targets, so by default
 * they may not point into the network Wharf runs in (loopback, private, link-local with the
 * cloud metadata service, CGNAT, unspecified, multicast and broadcast, in every IPv4-mapped
 * IPv6 form too): that would be a request forgery into services that trust their neighbours.
 * A system admin may allow the local network (configuration webhook_allow_local_network).
 */
const LOCAL_NETWORK = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 included
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, 255.255.255.255 included
] as const) {
  LOCAL_NETWORK.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback ::1 and the deprecated IPv4-compatible forms
  ['64:ff9b::', 96], // NAT64, which reaches the IPv4 address it embeds
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some)
  ['ff00::', 8], // multicast
] as const) {
  LOCAL_NETWORK.addSubnet(network, prefix, 'ipv6');
}

/** Thrown (and reported as its message alone) when a target's address is on the local network and that is not allowed. */
export class AddressNotAllowedError extends Error {
  readonly code = 'ADDRESS_NOT_ALLOWED';
  constructor() {
    super('address not allowed by policy');
    this.name = 'AddressNotAllowedError';
  }
}

/** Whether an IP address (v4 or v6, IPv4-mapped v6 included) is on the local network as defined above. */
export function isLocalNetworkAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) throw new Error(`${address} is not an IP address`);
  return LOCAL_NETWORK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL's host as an IP literal (IPv6 without its brackets), or null for a name. WHATWG URLs already turn 2130706433 or 0x7f.1 into 127.0.0.1. */
export function ipLiteralOf(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

/** Every address `hostname` resolves to; [] when it does not resolve. */
function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => resolve(error ? [] : addresses)));
}

/**
 * At save time: whether the URL's host is, or now resolves to, a local network address. A name
 * that does not resolve passes (deliveries check again, on the address they connect to).
 */
export async function targetsLocalNetwork(url: URL): Promise<boolean> {
  const literal = ipLiteralOf(url);
  if (literal) return isLocalNetworkAddress(literal);
  return (await resolveAll(url.hostname)).some((a) => isLocalNetworkAddress(a.address));
}

/**
 * A `lookup` for net/http that resolves once and hands the socket only addresses it checked,
 * so a name cannot answer a public address to the check and a local one to the connection
 * (DNS rebinding): refused when any address the name has is on the local network.
 */
export function checkedLookup(allowLocalNetwork: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if (!allowLocalNetwork && addresses.some((a) => isLocalNetworkAddress(a.address))) return callback(new AddressNotAllowedError(), '', 0);
      if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
