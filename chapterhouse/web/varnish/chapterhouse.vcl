vcl 4.1;
# Chapterhouse's rules for Varnish: guest pages from one shared copy
# (docs/http-cache.md). Not loaded on its own: a site's VCL names its
# backends and the hosts allowed to ban ("acl purgers"), sends each request
# to a backend, then includes this file. default.vcl beside it does so for
# one app node; deploy/varnish/site.vcl in the source tree for several,
# behind a health-checked round robin. Tested by tests/test_http_cache.py
# and tests/test_nodes.py on a real varnishd.
#
# - Stores only answers the site marks "Cache-Control: public" (the guest
#   pages of web/httpcache.py); everything else goes to the site every time.
# - A request with the session or messages cookie is someone's own: passed,
#   never answered from the cache and never stored.
# - The theme and view_adult cookies change a guest page, so each of their
#   values has its own copy; other cookies (csrftoken, …) do not.
# - BAN (from the hosts in the "purgers" list only): "X-Ban-Works: <regex>"
#   drops every page whose X-Works header matches (the worker sends these as
#   works change), "X-Ban-Url: <regex>" every page whose path matches.
#   PURGE <path> drops that page (every variant). A ban applies to the
#   copies fetched from every backend: the key is the page, not the node.
# - The hit counter's beacon, POST /works/ID/hit, is always passed.

import std;
import cookie;

sub vcl_recv {
    if (req.method == "BAN" || req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed."));
        }
        if (req.method == "PURGE") {
            ban("obj.http.X-Url == " + req.url);
            return (synth(200, "Purged."));
        }
        if (req.http.X-Ban-Works) {
            ban("obj.http.X-Works ~ " + req.http.X-Ban-Works);
        }
        if (req.http.X-Ban-Url) {
            ban("obj.http.X-Url ~ " + req.http.X-Ban-Url);
        }
        return (synth(200, "Banned."));
    }
    unset req.http.X-Variant;
    # The hit counter's beacon (POST /works/ID/hit) always reaches the site:
    # it is how a guest's reading of a cached work page is counted.
    if (req.url ~ "^/works/[0-9]+/hit(\?|$)") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie) {
        cookie.parse(req.http.Cookie);
        # The site's session (Django's default name) or a message waiting
        # for this visitor: the page is hers alone.
        if (cookie.isset("sessionid") || cookie.isset("messages")) {
            return (pass);
        }
        cookie.keep("theme,view_adult");
        set req.http.X-Variant = cookie.get_string();
        if (req.http.X-Variant == "") {
            unset req.http.X-Variant;
        }
    }
    # The Cookie header still goes to the site (a csrftoken cookie is reused
    # by the pages that need one); shared pages never read it.
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.host) {
        hash_data(req.http.host);
    } else {
        hash_data(server.ip);
    }
    if (req.http.X-Variant) {
        hash_data(req.http.X-Variant);
    }
    return (lookup);
}

sub vcl_backend_response {
    # For bans that the ban lurker can run in the background.
    set beresp.http.X-Url = bereq.url;
    if (beresp.http.Cache-Control !~ "(^|,)\s*public" || beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "private|no-store|no-cache") {
        # Not a shared page: fetch it anew for every request.
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
    # The copy is keyed by the cookies that matter (vcl_hash); the
    # site's "Vary: Cookie" would otherwise keep one per visitor.
    if (beresp.http.Vary) {
        set beresp.http.Vary = regsuball(beresp.http.Vary, "(?i)(^|,)\s*Cookie\s*(,|$)", "\2");
        set beresp.http.Vary = regsub(beresp.http.Vary, "^[,\s]+|[,\s]+$", "");
        if (beresp.http.Vary == "") {
            unset beresp.http.Vary;
        }
    }
    # A little grace covers a slow site; bans remove a page outright.
    set beresp.grace = 10s;
    return (deliver);
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.X-Url;
    unset resp.http.X-Works;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}
