vcl 4.1;
# Varnish in front of two Chapterhouse app nodes (README, "Production").
# Install it as /etc/varnish/default.vcl with chapterhouse/web/varnish/
# chapterhouse.vcl (the caching rules) beside it. Tested as it is, with only
# the backends' ports changed, by tests/test_nodes.py.
#
# - Each node is asked for /health every two seconds. A node whose last
#   three answers hold fewer than two 200s (a node stopped, or one that has
#   lost its database) is sick and gets no requests until it answers again:
#   a dead node is out within two intervals (4 s).
# - Requests go round robin over the healthy nodes. A GET or HEAD whose node
#   failed before answering (refused, cut off) is tried again, up to twice
#   (the round robin may hand a retry to the same dead node when requests
#   run side by side), so guests do not see a node die. Other methods are never sent twice
#   (a write may have been done); they get the 503 below.
# - Bans and purges do not depend on the nodes: the cache keys a page by
#   its address, whichever node drew it, and every node's outbox follower
#   sends its bans to this one cache.

import directors;

probe health {
    .url = "/health";
    .interval = 2s;
    .timeout = 1.5s;
    .window = 3;
    .threshold = 2;
    # Healthy from the start: a node need not wait for two probes.
    .initial = 2;
}

# Two `chapterhouse serve --no-worker` nodes. On other hosts, put their
# addresses here and in "purgers".
backend node_a {
    .host = "127.0.0.1";
    .port = "8001";
    .probe = health;
    .connect_timeout = 1s;
}

backend node_b {
    .host = "127.0.0.1";
    .port = "8002";
    .probe = health;
    .connect_timeout = 1s;
}

# Hosts that may send BAN and PURGE: the hosts of the app nodes and the worker.
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
}

sub vcl_init {
    new nodes = directors.round_robin();
    nodes.add_backend(node_a);
    nodes.add_backend(node_b);
}

sub vcl_recv {
    set req.backend_hint = nodes.backend();
}

include "chapterhouse.vcl";

sub vcl_backend_error {
    if (bereq.retries < 2 && (bereq.method == "GET" || bereq.method == "HEAD")) {
        return (retry);
    }
    set beresp.http.Content-Type = "text/html; charset=utf-8";
    set beresp.http.Retry-After = "5";
    set beresp.http.Cache-Control = "no-store";
    synthetic({"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Please try again</title></head>
<body><h1>Please try again in a few seconds</h1>
<p>The archive could not answer just now. If you were sending a form, go
back: what you typed is still there. Check whether it was saved before you
send it again.</p></body></html>
"});
    return (deliver);
}
