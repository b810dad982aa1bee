"""Gift exchanges: settings, sign-ups, matching in the worker, assignments,
defaults and pinch hits, gift works, and who may see and do what."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import exchange_services as exchange
from chapterhouse.collections import services
from chapterhouse.collections.models import Assignment, ExchangeSignUp, MatchingStatus
from chapterhouse.responses.models import InboxItem, Notification
from chapterhouse.responses.services.tasks_runner import IMPORT_QUEUES, tasks_run_pending
from chapterhouse.works.models import Gift
from chapterhouse.works.tests.factories import WorkFactory

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def prompt(fandom="", *, any_fandom=False, description=""):
    return {"tags": {"fandom": fandom}, "any": ["fandom"] if any_fandom else [],
            "description": description}


@pytest.fixture
def owner(db):
    return UserFactory(username="tern")


@pytest.fixture
def fest(owner):
    fest = make_collection(owner=owner, name="midwinter", title="Midwinter",
                           unrevealed=True, anonymous=True)
    exchange.gift_exchange_save(user=owner, collection=fest,
                                tag_limits={"fandom": {"required": 1, "allowed": 2}},
                                match_required={"fandom": 1})
    return fest


@pytest.fixture
def people(db):
    return {name: UserFactory(username=name) for name in ("ann", "bea", "cai")}


def sign_up_all(fest, people, wishes):
    for name, (request, offer) in wishes.items():
        exchange.signup_save(user=people[name], collection=fest,
                             requests=[prompt(request)], offers=[prompt(offer)])


CYCLE = {"ann": ("Tea", "Cake"), "bea": ("Cake", "Scones"), "cai": ("Scones", "Tea")}


@pytest.fixture(autouse=True)
def _commit_hooks(django_capture_on_commit_callbacks, monkeypatch):
    """The task is queued when the transaction commits: run the hooks, as a
    commit would (these tests run inside one transaction)."""
    start = exchange.matching_start

    def matching_start(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return start(**kwargs)

    monkeypatch.setattr(exchange, "matching_start", matching_start)


def close_and_match(owner, fest):
    exchange.gift_exchange_save(user=owner, collection=fest, signups_open=False,
                                tag_limits={"fandom": {"required": 1, "allowed": 2}},
                                match_required={"fandom": 1})
    exchange.matching_start(user=owner, collection=fest)


def run_worker():
    """The worker's slow pass, where matching runs."""
    return tasks_run_pending(max_tasks=5, queues=IMPORT_QUEUES)


def pairs(fest) -> set:
    return {
        (a.giver.username if a.giver else None, a.recipient.username)
        for a in Assignment.objects.filter(collection=fest).select_related("giver", "recipient")
    }


# Settings ---------------------------------------------------------------------------------


def test_only_maintainers_set_an_exchange_up_and_bad_settings_say_why(owner, people):
    fest = make_collection(owner=owner, name="midwinter")
    with pytest.raises(PermissionDenied):
        exchange.gift_exchange_save(user=people["ann"], collection=fest)
    with pytest.raises(ValidationError) as refused:
        exchange.gift_exchange_save(
            user=owner, collection=fest, requests_required=3, requests_allowed=2,
            tag_limits={"character": {"required": 2, "allowed": 1}},
            match_required={"fandom": 1},
        )
    assert refused.value.messages == [
        "More requests are required than allowed.",
        "More character tags are required than allowed.",
        "Fandom tags must match, but the sign-up form does not ask for them.",
    ]
    assert not hasattr(fest, "gift_exchange") or fest.gift_exchange is None


def test_settings_page_is_for_maintainers_and_saves(client, owner, people):
    fest = make_collection(owner=owner, name="midwinter")
    client.force_login(people["ann"])
    assert client.get("/collections/midwinter/gift_exchange/new").status_code == 403
    client.force_login(owner)
    form = {"signups_open": "on", "requests_required": 1, "requests_allowed": 2,
            "offers_required": 1, "offers_allowed": 1}
    for tag_type in ("fandom", "character", "relationship", "freeform"):
        form |= {f"{tag_type}_required": 0, f"{tag_type}_allowed": 0, f"{tag_type}_match": 0}
    form |= {"fandom_required": 1, "fandom_allowed": 3, "fandom_match": 1,
             "character_allowed": 2}
    response = client.post("/collections/midwinter/gift_exchange/new", form)
    assert response.status_code == 302
    fest.refresh_from_db()
    assert fest.gift_exchange.tag_types == ["fandom", "character"]
    assert fest.gift_exchange.requests_allowed == 2
    assert fest.gift_exchange.match_required == {"fandom": 1}


# Sign-ups ---------------------------------------------------------------------------------


def test_sign_up_checks_counts_and_reports_every_problem(fest, people):
    with pytest.raises(ValidationError) as refused:
        exchange.signup_save(
            user=people["ann"], collection=fest,
            requests=[prompt("", description="Anything cosy")],
            offers=[prompt("A, B, C")],
        )
    assert refused.value.messages == [
        "Request 1: please name at least 1 fandom tag.",
        "Offer 1: you may name at most 2 fandom tags.",
    ]
    with pytest.raises(ValidationError) as refused:
        exchange.signup_save(user=people["ann"], collection=fest, requests=[], offers=[])
    assert refused.value.messages == ["Please fill in at least 1 request.",
                                      "Please fill in at least 1 offer."]
    # "Any" stands for the tags of its type.
    signup = exchange.signup_save(user=people["ann"], collection=fest,
                                  requests=[prompt("Tea")], offers=[prompt(any_fandom=True)])
    offer = signup.prompts.get(kind="offer")
    assert offer.any_types == ["fandom"] and offer.tags == {}
    assert ExchangeSignUp.objects.filter(collection=fest).count() == 1


def test_sign_ups_close_and_only_the_owner_changes_hers(owner, fest, people):
    signup = exchange.signup_save(user=people["ann"], collection=fest,
                                  requests=[prompt("Tea")], offers=[prompt("Cake")])
    with pytest.raises(PermissionDenied):
        exchange.signup_save(user=people["bea"], collection=fest, signup=signup,
                             requests=[prompt("X")], offers=[prompt("Y")])
    with pytest.raises(PermissionDenied):
        exchange.signup_delete(user=people["bea"], signup=signup)
    with pytest.raises(ValidationError, match="already signed up"):
        exchange.signup_save(user=people["ann"], collection=fest,
                             requests=[prompt("Tea")], offers=[prompt("Cake")])
    fest.gift_exchange.signups_close_at = timezone.now() - datetime.timedelta(minutes=1)
    fest.gift_exchange.save()
    with pytest.raises(ValidationError, match="Sign-ups are closed"):
        exchange.signup_save(user=people["bea"], collection=fest,
                             requests=[prompt("Tea")], offers=[prompt("Cake")])
    with pytest.raises(ValidationError, match="ask the maintainers"):
        exchange.signup_delete(user=people["ann"], signup=signup)
    exchange.signup_delete(user=owner, signup=signup)
    assert not ExchangeSignUp.objects.exists()


def test_sign_up_form_keeps_what_was_typed_and_others_cannot_see_it(client, owner, fest, people):
    client.force_login(people["ann"])
    response = client.post("/collections/midwinter/signups/new", {
        "request_0_fandom": "", "request_0_description": "A slow afternoon",
        "offer_0_fandom": "Cake Bakers",
    })
    assert response.status_code == 422
    page = soup(response)
    assert "Request 1: please name at least 1 fandom tag." in page.select_one("#error").text
    assert page.select_one("#offer_0_fandom")["value"] == "Cake Bakers"
    assert page.select_one("#request_0_description").text == "A slow afternoon"
    response = client.post("/collections/midwinter/signups/new", {
        "request_0_fandom": "Tea Shop AU", "offer_0_fandom": "Cake Bakers",
    })
    signup = ExchangeSignUp.objects.get(user=people["ann"])
    assert response["Location"] == f"/collections/midwinter/signups/{signup.pk}"
    client.force_login(people["bea"])
    assert client.get(f"/collections/midwinter/signups/{signup.pk}").status_code == 404
    assert client.get("/collections/midwinter/signups").status_code == 403
    assert client.get("/collections/midwinter/signups/summary").status_code == 403
    client.force_login(owner)
    page = soup(client.get("/collections/midwinter/signups"))
    assert [a.text for a in page.select("li.signup h4 a")] == ["ann"]


def test_summary_counts_requests_and_offers_by_tag(client, owner, fest, people):
    exchange.signup_save(user=people["ann"], collection=fest,
                         requests=[prompt("Tea, Cake")], offers=[prompt("Cake")])
    exchange.signup_save(user=people["bea"], collection=fest,
                         requests=[prompt("cake")], offers=[prompt(any_fandom=True)])
    client.force_login(owner)
    page = soup(client.get("/collections/midwinter/signups/summary"))
    rows = {
        tr.th.text: (tr.select_one("td.requests").text, tr.select_one("td.offers").text)
        for tr in page.select("#signup_summary tbody tr")
    }
    assert rows == {"Cake": ("2", "1"), "Tea": ("1", "0"), "Any fandom": ("0", "1")}
    assert page.select_one("p.count").text == "2 sign-ups."


# Matching ---------------------------------------------------------------------------------


def test_matching_runs_in_the_worker_and_stores_assignments_and_reasons(owner, fest, people):
    dan = UserFactory(username="dan")
    sign_up_all(fest, people | {"dan": dan}, CYCLE | {"dan": ("Opera", "Tea")})
    with pytest.raises(ValidationError, match="close sign-ups"):
        exchange.matching_start(user=owner, collection=fest)
    with pytest.raises(PermissionDenied):
        exchange.matching_start(user=people["ann"], collection=fest)
    close_and_match(owner, fest)
    fest.gift_exchange.refresh_from_db()
    assert fest.gift_exchange.matching_status == MatchingStatus.QUEUED
    assert run_worker() == 1
    fest.gift_exchange.refresh_from_db()
    assert fest.gift_exchange.matching_status == MatchingStatus.DONE
    assert fest.gift_exchange.matching_stage == "done"
    # Everyone gives and receives at most once, nobody to herself; dan's
    # request has no offer, so his recipient slot is a placeholder.
    found = pairs(fest)
    assert (None, "dan") in found
    assert all(giver != recipient for giver, recipient in found)
    assert len(found) == 4
    reasons = {(e["username"], e["role"]): e["text"] for e in fest.gift_exchange.unmatched}
    assert reasons[("dan", "recipient")] == "dan: no one else offers what she requests."
    assert ("dan", "giver") in reasons or any(g == "dan" for g, _ in found)


def test_the_run_stores_each_progress_report_for_the_page(owner, fest, people, monkeypatch):
    from chapterhouse.collections import matching
    from chapterhouse.collections.models import GiftExchange

    sign_up_all(fest, people, CYCLE)
    close_and_match(owner, fest)
    real, stored, reported = matching.match, [], []

    def watched(signups, settings, progress):
        def report(stage, done, total):
            progress(stage, done, total)
            reported.append((stage, done, total))
            stored.append(GiftExchange.objects.values_list(
                "matching_status", "matching_stage", "matching_done", "matching_total"
            ).get(pk=fest.gift_exchange.pk))
        return real(signups, settings, progress=report)

    monkeypatch.setattr(matching, "match", watched)
    run_worker()
    assert reported and stored == [("running", *r) for r in reported]
    assert {r[0] for r in reported} >= {"candidates", "solve", "explain"}


def test_matching_page_shows_progress_and_is_for_maintainers(client, owner, fest, people):
    sign_up_all(fest, people, CYCLE)
    close_and_match(owner, fest)
    client.force_login(people["ann"])
    assert client.get("/collections/midwinter/potential_matches").status_code == 403
    client.force_login(owner)
    page = soup(client.get("/collections/midwinter/potential_matches"))
    assert "waiting for the worker" in page.select_one("#matching_status").text
    assert page.select_one('meta[http-equiv="refresh"]') is not None
    run_worker()
    page = soup(client.get("/collections/midwinter/potential_matches"))
    assert page.select_one('meta[http-equiv="refresh"]') is None
    assert page.select_one("#all_matched") is not None
    rows = [(tr.select_one("td.giver").text, tr.select_one("td.recipient").text)
            for tr in page.select("#assignments tbody tr")]
    assert sorted(rows) == [("ann", "bea"), ("bea", "cai"), ("cai", "ann")]


def test_maintainers_edit_assignments_but_nobody_writes_for_herself(owner, fest, people):
    sign_up_all(fest, people, CYCLE)
    close_and_match(owner, fest)
    run_worker()
    to_bea = Assignment.objects.get(recipient=people["bea"])
    with pytest.raises(PermissionDenied):
        exchange.assignment_edit(user=people["ann"], assignment=to_bea, giver="cai")
    with pytest.raises(ValidationError, match="write for herself"):
        exchange.assignment_edit(user=owner, assignment=to_bea, giver="bea")
    with pytest.raises(ValidationError, match="has not signed up"):
        exchange.assignment_edit(user=owner, assignment=to_bea, recipient="tern")
    with pytest.raises(ValidationError, match="couldn't find the giver nobody"):
        exchange.assignment_edit(user=owner, assignment=to_bea, giver="nobody")
    with pytest.raises(ValidationError, match="cai already has an assignment as recipient"):
        exchange.assignment_edit(user=owner, assignment=to_bea, recipient="cai")
    exchange.assignment_edit(user=owner, assignment=to_bea, giver="cai")
    assert ("cai", "bea") in pairs(fest)


# Sending, defaulting, pinch hits ------------------------------------------------------------


def sent(owner, fest, people):
    sign_up_all(fest, people, CYCLE)
    close_and_match(owner, fest)
    run_worker()
    return exchange.assignments_send(user=owner, collection=fest)


def test_sending_tells_each_giver_by_inbox_and_mail_and_no_recipient_who(
    client, owner, fest, people
):
    with pytest.raises(PermissionDenied):
        exchange.assignments_send(user=people["ann"], collection=fest)
    assert sent(owner, fest, people) == 3
    to_bea = Assignment.objects.get(recipient=people["bea"])
    item = InboxItem.objects.get(user=people["ann"], kind="assignment")
    assert "you are writing for bea" in item.text
    note = Notification.objects.get(user=people["ann"], kind="assignment")
    assert note.payload == {"assignment_id": to_bea.pk}
    with pytest.raises(ValidationError, match="already been sent"):
        exchange.assignments_send(user=owner, collection=fest)
    # bea (the recipient) sees neither the assignment nor who writes for her.
    client.force_login(people["bea"])
    assert client.get(f"/collections/midwinter/assignments/{to_bea.pk}").status_code == 404
    text = soup(client.get("/collections/midwinter/assignments")).text
    assert "A gift for cai" in text and "A gift for bea" not in text and "ann" not in text
    assert client.get("/users/ann/assignments").status_code == 403
    client.force_login(people["ann"])
    page = soup(client.get(f"/collections/midwinter/assignments/{to_bea.pk}"))
    assert "Tea" not in page.select_one("ol.requests").text
    assert "Cake" in page.select_one("ol.requests").text


def test_mail_for_an_assignment_is_sent_without_an_unsubscribe_switch(
    owner, fest, people, settings, mailoutbox
):
    from chapterhouse.responses.services.mail import mail_outbox_send

    sent(owner, fest, people)
    from allauth.account.models import EmailAddress
    for user in people.values():
        EmailAddress.objects.get_or_create(user=user, email=user.email,
                                           defaults={"primary": True, "verified": True})
    mail_outbox_send()
    to_ann = [m for m in mailoutbox if people["ann"].email in m.to]
    assert len(to_ann) == 1
    assert to_ann[0].subject.endswith("Your assignment for Midwinter")
    assert "You have been assigned a gift for bea in Midwinter." in to_ann[0].body
    assert "List-Unsubscribe" not in to_ann[0].extra_headers


def test_default_makes_a_pinch_hit_that_a_volunteer_claims(client, owner, fest, people):
    sent(owner, fest, people)
    dan = UserFactory(username="dan")
    to_bea = Assignment.objects.get(recipient=people["bea"])
    with pytest.raises(PermissionDenied):
        exchange.assignment_default(user=people["cai"], assignment=to_bea)
    with pytest.raises(ValidationError, match="not claimed|claimed already"):
        exchange.assignment_claim(user=dan, assignment=to_bea)
    exchange.assignment_default(user=people["ann"], assignment=to_bea)
    to_bea.refresh_from_db()
    assert to_bea.giver is None and to_bea.defaulted_by == people["ann"] and to_bea.open_pinch_hit
    with pytest.raises(ValidationError, match="your own gift"):
        exchange.assignment_claim(user=people["bea"], assignment=to_bea)
    with pytest.raises(ValidationError, match="defaulted"):
        exchange.assignment_claim(user=people["ann"], assignment=to_bea)
    # dan sees the pinch hit and claims it through the page.
    client.force_login(dan)
    page = soup(client.get("/collections/midwinter/assignments"))
    assert [li.a.text for li in page.select("#pinch_hits li")] == ["A gift for bea"]
    response = client.post(f"/collections/midwinter/assignments/{to_bea.pk}/claim")
    assert response.status_code == 302
    to_bea.refresh_from_db()
    assert to_bea.giver == dan and to_bea.pinch_hit
    assert InboxItem.objects.filter(user=dan, kind="assignment").exists()
    with pytest.raises(ValidationError, match="claimed already"):
        exchange.assignment_claim(user=people["cai"], assignment=to_bea)


def test_a_maintainer_marks_a_default(owner, fest, people):
    sent(owner, fest, people)
    to_cai = Assignment.objects.get(recipient=people["cai"])
    exchange.assignment_default(user=owner, assignment=to_cai)
    to_cai.refresh_from_db()
    assert to_cai.defaulted_by == people["bea"] and to_cai.giver is None


# Gift works ------------------------------------------------------------------------------------


def test_a_work_in_the_collection_fulfils_the_assignment_and_waits_for_the_reveal(
    client, owner, fest, people
):
    sent(owner, fest, people)
    work = WorkFactory(creator=people["ann"], title="Sugar at Midnight")
    other = WorkFactory(creator=UserFactory(), title="Not in it")
    result = services.collection_items_add(user=people["ann"], work=work, names="midwinter")
    assert [a.recipient for a in result.fulfilled] == [people["bea"]]
    to_bea = Assignment.objects.get(recipient=people["bea"])
    assert to_bea.work == work and to_bea.fulfilled_at is not None
    assert Gift.objects.filter(work=work, recipient=people["bea"]).exists()
    assert not Gift.objects.filter(work=other).exists()
    # Unrevealed: bea hears nothing yet.
    assert not InboxItem.objects.filter(user=people["bea"], kind="gift").exists()
    assert not Notification.objects.filter(user=people["bea"], kind="gift").exists()
    client.force_login(people["bea"])
    assert "Sugar at Midnight" not in client.get("/users/bea/gifts").content.decode()
    assert "Mystery Work" in client.get(f"/works/{work.pk}").content.decode()
    reveal = timezone.now() + datetime.timedelta(days=1)
    fest.reveal_at = reveal
    fest.save(update_fields=["reveal_at"])
    assert services.collections_reveal_due(now=reveal) == 1
    assert InboxItem.objects.filter(user=people["bea"], kind="gift", work=work).count() == 1
    assert Notification.objects.filter(user=people["bea"], kind="gift").count() == 1
    assert "Sugar at Midnight" in client.get("/users/bea/gifts").content.decode()
    # A second pass tells nobody twice.
    assert services.collections_reveal_due(now=reveal) == 0
    assert InboxItem.objects.filter(user=people["bea"], kind="gift").count() == 1


def test_posting_a_work_to_an_exchange_without_an_assignment_names_no_gift(owner, fest, people):
    sign_up_all(fest, people, CYCLE)
    work = WorkFactory(creator=people["ann"])
    result = services.collection_items_add(user=people["ann"], work=work, names="midwinter")
    assert result.fulfilled == [] and not Gift.objects.filter(work=work).exists()


def test_the_giver_gets_the_work_form_filled_in_for_her_assignment(client, owner, fest, people):
    sent(owner, fest, people)
    to_bea = Assignment.objects.get(recipient=people["bea"])
    address = f"/collections/midwinter/works/new?assignment_id={to_bea.pk}"
    for other in ("bea", "cai"):
        client.force_login(people[other])
        assert client.get(address).status_code == 404
    client.force_login(people["ann"])
    page = soup(client.get(address))
    assert page.select_one("#work_collection_names")["value"] == "midwinter"
    assert page.select_one("#id_gifts")["value"] == "bea"
    assert page.select_one("form#work-form")["action"] == "/works/new"


def test_an_exchange_is_flagged_in_listings_and_sign_ups_are_on_her_page(
    client, owner, fest, people
):
    page = soup(client.get("/collections"))
    assert page.select_one("p.type").text == (
        "(Open, Unrevealed, Anonymous, Gift Exchange Challenge)"
    )
    exchange.signup_save(user=people["ann"], collection=fest,
                         requests=[prompt("Tea")], offers=[prompt("Cake")])
    client.force_login(people["ann"])
    page = soup(client.get("/users/ann/signups"))
    assert [a.text for a in page.select("#my_signups a")] == ["Midwinter"]
    client.force_login(people["bea"])
    assert client.get("/users/ann/signups").status_code == 403


def test_an_outnumbered_group_is_named_with_who_could_serve_it(owner, fest, people):
    # ann and bea both want Tea, which only cai offers; cai wants Cake, which
    # both offer: one of them gets nothing, and one gives nothing.
    sign_up_all(fest, people, {"ann": ("Tea", "Cake"), "bea": ("Tea", "Cake"),
                               "cai": ("Cake", "Tea")})
    close_and_match(owner, fest)
    run_worker()
    fest.gift_exchange.refresh_from_db()
    texts = {(e["role"], e["reason"]): e["text"] for e in fest.gift_exchange.unmatched}
    assert set(texts) == {("recipient", "outnumbered"), ("giver", "outnumbered")}
    assert texts[("recipient", "outnumbered")].endswith(
        ": 2 sign-ups (ann, bea) can only receive from 1 (cai), so 1 of them must go without.")
    assert texts[("giver", "outnumbered")].endswith(
        ": 2 sign-ups (ann, bea) can only write for 1 (cai), so 1 of them must go without.")
    left_out = next(e for e in fest.gift_exchange.unmatched if e["role"] == "recipient")
    assert (None, left_out["username"]) in pairs(fest)
