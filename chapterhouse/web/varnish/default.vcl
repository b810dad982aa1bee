vcl 4.1;
# Varnish in front of one Chapterhouse app node (docs/http-cache.md). The
# rules are in chapterhouse.vcl: copy both files to /etc/varnish/. For several
# nodes behind one cache, start from deploy/varnish/site.vcl instead.

# The site. `chapterhouse serve` listens on 127.0.0.1:8000 by default.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

# Hosts that may send BAN and PURGE: the app nodes (their workers and
# indexers send the bans).
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
}

include "chapterhouse.vcl";
