vcl 4.1;

import std;

# The region's origin; the cache keeps what the site's devices fetch.
backend origin {
    .host = "origin.%(region)s.edge.example.com";
    .port = "80";
    .connect_timeout = 5s;
    .first_byte_timeout = 60s;
    .probe = {
        .url = "/healthz";
        .interval = 10s;
        .window = 5;
        .threshold = 3;
    }
}

sub vcl_recv {
    if (req.url == "/healthz") {
        return (synth(200, "OK"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    unset req.http.Cookie;
}

sub vcl_backend_response {
    # Serve stale content for a day when the uplink is down.
    set beresp.grace = 24h;
    if (bereq.url ~ "^/firmware/") {
        set beresp.ttl = 7d;
    }
}

sub vcl_deliver {
    set resp.http.X-Cache-Site = "%(site)s";
}
