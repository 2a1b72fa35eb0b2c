// IPv4 arithmetic for the sites' external address blocks: each cluster has
// a /28 (inventory/clusters.yaml) and each exposed application a fixed host
// number in it (apps/catalog.yaml, `externalIP`).
local octets(ip) =
  local parts = std.split(ip, '.');
  assert std.length(parts) == 4 : 'not an IPv4 address: ' + ip;
  [std.parseInt(p) for p in parts];

local toNumber(ip) = std.foldl(function(acc, octet) acc * 256 + octet, octets(ip), 0);
local fromNumber(n) =
  std.join('.', [std.toString(std.floor(n / std.pow(256, 3 - i)) % 256) for i in std.range(0, 3)]);

local parseBlock(cidr) =
  local parts = std.split(cidr, '/');
  assert std.length(parts) == 2 : 'not a CIDR block: ' + cidr;
  local bits = std.parseInt(parts[1]);
  local size = std.pow(2, 32 - bits);
  local start = toNumber(parts[0]);
  assert start % size == 0 : '%s is not aligned to its prefix length' % cidr;
  { start: start, size: size };

{
  toNumber:: toNumber,
  fromNumber:: fromNumber,

  // Host `n` of the block: host('198.18.0.16/28', 1) == '198.18.0.17'. The
  // network and broadcast addresses are not hosts.
  host(cidr, n)::
    local block = parseBlock(cidr);
    assert n >= 1 && n <= block.size - 2 : 'host %d is outside %s' % [n, cidr];
    fromNumber(block.start + n),

  // Whether `ip` lies in the block.
  contains(cidr, ip)::
    local block = parseBlock(cidr);
    local n = toNumber(ip);
    n >= block.start && n < block.start + block.size,
}
