"""``POST /works/ID/hit``: the shared work page's script counts a guest's
reading here, since the HTTP cache answers most guests without asking the
site. Every rule is in ``services/hits.py``; the answer is the same empty
204 whether the hit counted or not, so it tells nothing about the work."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chapterhouse.web.dbrouter import no_read_pin

from ..services.hits import hit_beacon_record


@no_read_pin  # every guest's page sends it: it must not keep guests off the replica
@csrf_exempt  # a counter that counts once a day per visitor: nothing to forge
@require_POST
@never_cache
def hit_beacon(request, work_id: int):
    if hit_beacon_record(request=request, work_id=work_id) == "limited":
        response = HttpResponse(status=429)
        response["Retry-After"] = "60"
        return response
    return HttpResponse(status=204)
