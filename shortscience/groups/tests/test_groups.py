"""Reading groups: who sees them, who runs them, their programme, calendar and discussions."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import icalendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shortscience.accounts.services import update_profile
from shortscience.groups import calendar, services
from shortscience.groups.models import Meeting, Membership, ReadingGroup
from shortscience.library.services import merge_papers
from shortscience.members.services import delete_account
from shortscience.notifications.models import Notification
from shortscience.test import BaseTestCase, make_paper, make_summary, run_tasks, update_summary
from shortscience.web.tests.helpers import PageCacheTestCase

ATOM = "{http://www.w3.org/2005/Atom}"
PARIS = ZoneInfo("Europe/Paris")


def a_group(organiser, visibility="public", name="Deep learning club", members=()):
    group = services.create_group(
        organiser, name=name, visibility=visibility, time_zone="Europe/Paris"
    )
    for user in members:
        services.join(group, user, key=group.invite_key)
    return group


def a_meeting(group, organiser, paper, *, days=7, presenter=None, **more):
    start = (
        (timezone.now() + timedelta(days=days))
        .astimezone(PARIS)
        .replace(hour=16, minute=0, second=0, microsecond=0)
    )
    values = {
        "paper": paper,
        "starts_at": start,
        "minutes": 90,
        "time_zone": "Europe/Paris",
        "presenter": presenter,
        "location": "Room 4, and online",
        "notes": "",
    }
    return services.schedule_meeting(group, organiser, **{**values, **more})


class GroupServiceTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need")

    def test_the_maker_organises_and_anyone_signed_in_joins_a_public_group_once(self):
        group = a_group(self.alice)
        self.assertEqual(group.slug, "deep-learning-club")
        self.assertTrue(group.membership_of(self.alice).is_organiser)
        services.join(group, self.bob)
        services.join(group, self.bob)
        group.refresh_from_db()
        self.assertEqual(group.member_count, 2)
        self.assertFalse(group.membership_of(self.bob).is_organiser)
        # A name taken gets random letters, never a "-2" that would count the groups of
        # that name; a members-only group always has them.
        self.assertRegex(a_group(self.charlie).slug, r"^deep-learning-club-[0-9a-f]{8}$")
        self.assertRegex(
            a_group(self.charlie, "members", name="Secret").slug, r"^secret-[0-9a-f]{8}$"
        )

    def test_a_members_only_group_takes_members_by_its_invitation_key_only(self):
        group = a_group(self.alice, "members")
        with self.assertRaises(PermissionDenied):
            services.join(group, self.bob)
        with self.assertRaises(PermissionDenied):
            services.join(group, self.bob, key="guess")
        old = group.invite_key
        services.new_invitation(group, self.alice)
        with self.assertRaises(PermissionDenied):
            services.join(group, self.bob, key=old)
        services.join(group, self.bob, key=group.invite_key)
        self.assertIsNotNone(group.membership_of(self.bob))

    def test_only_organisers_schedule_and_the_last_one_cannot_leave(self):
        group = a_group(self.alice, members=[self.bob])
        with self.assertRaises(PermissionDenied):
            a_meeting(group, self.bob, self.paper)
        with self.assertRaises(PermissionDenied):
            a_meeting(group, self.charlie, self.paper)
        with self.assertRaises(ValidationError):
            services.leave(group, self.alice)
        bob = group.membership_of(self.bob)
        services.set_role(group, self.alice, bob, Membership.Role.ORGANISER)
        a_meeting(group, self.bob, self.paper)
        services.leave(group, self.alice)
        with self.assertRaises(ValidationError):
            services.set_role(group, self.bob, group.membership_of(self.bob), "member")

    def test_two_organisers_removing_each_other_at_once_leave_one_of_them(self):
        group = a_group(self.alice, members=[self.bob])
        services.set_role(group, self.alice, group.membership_of(self.bob), "organiser")
        alice, bob = group.membership_of(self.alice), group.membership_of(self.bob)
        # alice's request passed its first check, then bob's removal of alice committed.
        checked = services._organiser(group, self.alice)
        services.remove_member(group, self.bob, alice)
        real, calls = services._organiser, []

        def stale_first(g, user):
            calls.append(user)
            return checked if len(calls) == 1 else real(g, user)

        with mock.patch.object(services, "_organiser", stale_first):
            with self.assertRaises(PermissionDenied):
                services.remove_member(group, self.alice, bob)
        self.assertEqual(
            list(group.memberships.values_list("user__username", "role")),
            [("bob", "organiser")],
        )

    def test_a_presenter_must_belong_to_the_group_and_a_time_needs_its_zone(self):
        group = a_group(self.alice, members=[self.bob])
        with self.assertRaises(ValidationError):
            a_meeting(group, self.alice, self.paper, presenter=self.charlie)
        with self.assertRaises(ValidationError):
            a_meeting(group, self.alice, self.paper, starts_at=datetime(2027, 1, 5, 16, 0))
        with self.assertRaises(ValidationError):
            a_meeting(group, self.alice, self.paper, time_zone="Mars/Olympus")
        with self.assertRaises(ValidationError):
            a_meeting(group, self.alice, self.paper, minutes=2000)
        self.assertEqual(Meeting.objects.count(), 0)
        meeting = a_meeting(group, self.alice, self.paper, presenter=self.bob)
        self.assertEqual(meeting.duration, timedelta(minutes=90))
        self.assertEqual(meeting.local_start.hour, 16)

    def test_a_meetings_start_is_read_on_its_zones_clocks_and_a_skipped_hour_is_refused(self):
        from datetime import date, time

        start = services.meeting_start(date(2027, 10, 31), time(2, 30), "Europe/Paris")
        self.assertEqual(start.utcoffset(), timedelta(hours=2))  # the first 02:30 of two
        for day, at, zone_name in (
            (date(2027, 3, 28), time(2, 30), "Europe/Paris"),
            (date(1, 1, 1), time(0, 0), "Europe/Paris"),
            (date(2027, 3, 2), time(9, 0), "Nowhere/Else"),
        ):
            with self.assertRaises(ValidationError):
                services.meeting_start(day, at, zone_name)

    def test_a_presenter_who_leaves_presents_nothing(self):
        group = a_group(self.alice, members=[self.bob])
        meeting = a_meeting(group, self.alice, self.paper, presenter=self.bob)
        services.leave(group, self.bob)
        meeting.refresh_from_db()
        self.assertIsNone(meeting.presenter)

    def test_a_meeting_about_a_paper_merged_away_moves_to_the_one_it_became(self):
        group = a_group(self.alice)
        duplicate = make_paper("Attention is all you need (preprint)")
        meeting = a_meeting(group, self.alice, duplicate)
        merge_papers(kept=self.paper, merged=duplicate, by=self.alice, reason="duplicate")
        meeting.refresh_from_db()
        self.assertEqual(meeting.paper, self.paper)

    def test_a_closed_account_leaves_its_groups_and_hands_them_on(self):
        group = a_group(self.alice, members=[self.bob, self.charlie])
        alone = a_group(self.alice, name="Alone")
        meeting = a_meeting(group, self.alice, self.paper)
        services.post(meeting, self.alice, "My notes on $Q K^T$.")
        delete_account(user=self.alice, keep_content=False)
        self.assertFalse(ReadingGroup.objects.filter(pk=alone.pk).exists())
        group.refresh_from_db()
        self.assertEqual(group.member_count, 2)
        self.assertTrue(group.membership_of(self.bob).is_organiser)
        self.assertEqual(meeting.posts.get().body, "")


class CalendarTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.group = a_group(self.alice, name="Reading; group, with \\ marks", members=[self.bob])
        self.paper = make_paper("Ünïcödé title " * 8)
        self.meeting = a_meeting(self.group, self.alice, self.paper, presenter=self.bob)

    def parsed(self):
        response = self.client.get(f"/groups/{self.group.slug}/calendar.ics")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        raw = response.content
        for line in raw.split(b"\r\n"):
            self.assertLessEqual(len(line), 75)  # folded (RFC 5545 3.1)
        return icalendar.Calendar.from_ical(raw)

    def test_a_calendar_program_reads_the_meeting_at_its_time_in_utc(self):
        cal = self.parsed()
        (event,) = cal.walk("VEVENT")
        self.assertEqual(event.decoded("DTSTART"), self.meeting.starts_at)
        self.assertEqual(event.decoded("DTEND") - event.decoded("DTSTART"), timedelta(minutes=90))
        self.assertEqual(str(event["SUMMARY"]), f"{self.group.name}: {self.paper.title_text}")
        self.assertIn("Presented by Bob Berners", str(event["DESCRIPTION"]))
        self.assertEqual(str(event["LOCATION"]), "Room 4, and online")
        self.assertIn("NAME", cal)

    def test_a_changed_meeting_keeps_its_uid_with_a_higher_sequence(self):
        (before,) = self.parsed().walk("VEVENT")
        services.edit_meeting(
            self.meeting,
            self.alice,
            paper=self.paper,
            starts_at=self.meeting.starts_at + timedelta(hours=1),
            minutes=60,
            time_zone="America/New_York",
            presenter=None,
            location="",
            notes="Moved.",
        )
        (after,) = self.parsed().walk("VEVENT")
        self.assertEqual(after["UID"], before["UID"])
        self.assertEqual(int(after["SEQUENCE"]), int(before["SEQUENCE"]) + 1)
        self.assertEqual(after.decoded("DTSTART") - before.decoded("DTSTART"), timedelta(hours=1))

    def test_folding_never_splits_a_character(self):
        line = "DESCRIPTION:" + "é" * 100
        folded = calendar.fold(line)
        self.assertEqual(folded.replace("\r\n ", ""), line)
        for part in folded.encode().split(b"\r\n"):
            self.assertLessEqual(len(part), 75)
            part.decode()


class GroupPageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need", authors=["Ashish Vaswani"])
        self.open = a_group(self.alice, members=[self.bob])
        self.closed = a_group(self.alice, "members", name="Secret society", members=[self.bob])
        self.meeting = a_meeting(self.closed, self.alice, self.paper, presenter=self.bob)

    def test_a_members_only_group_is_a_404_to_others_on_every_surface(self):
        urls = [
            self.closed.get_absolute_url(),
            self.meeting.get_absolute_url(),
            f"/groups/{self.closed.slug}/calendar.ics",
            f"/groups/{self.closed.slug}/feed.atom",
        ]
        stranger = Client()
        stranger.force_login(self.charlie)
        for client in (Client(), stranger):
            for url in urls:
                self.assertEqual(client.get(url).status_code, 404, url)
            self.assertNotContains(client.get("/groups"), "Secret society")
            self.assertContains(client.get("/groups"), "Deep learning club")
        member = Client()
        member.force_login(self.bob)
        for url in urls[:3]:
            self.assertEqual(member.get(url).status_code, 200, url)
        self.assertContains(member.get("/groups"), "Secret society")

    def test_a_members_calendar_link_opens_the_programme_to_a_calendar_program_until_they_leave(
        self,
    ):
        bob = Client()
        bob.force_login(self.bob)
        link = bob.get(self.closed.get_absolute_url()).context["calendar_url"]
        path = link.split("testserver", 1)[1]
        calendar_program = Client()  # no session
        response = calendar_program.get(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "Attention Is All You Need",
            icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]["SUMMARY"],
        )
        wrong_group = path.replace(self.closed.slug, self.open.slug)
        self.assertEqual(calendar_program.get(wrong_group).status_code, 404)
        self.assertEqual(calendar_program.get(path[:-8] + "x.ics").status_code, 404)
        services.leave(self.closed, self.bob)
        self.assertEqual(calendar_program.get(path).status_code, 404)

    def test_the_invitation_link_lets_a_member_in_and_a_wrong_key_is_a_404(self):
        client = Client()
        client.force_login(self.charlie)
        self.assertEqual(client.get(f"/groups/{self.closed.slug}/join/wrong").status_code, 404)
        url = f"/groups/{self.closed.slug}/join/{self.closed.invite_key}"
        self.assertContains(client.get(url), "Secret society")
        self.assertRedirects(client.post(url), self.closed.get_absolute_url())
        self.assertIsNotNone(self.closed.membership_of(self.charlie))

    def test_the_presenter_is_invited_and_their_summary_shows_on_the_meeting(self):
        bob = Client()
        bob.force_login(self.bob)
        self.assertContains(bob.get(self.meeting.get_absolute_url()), "Write its summary")
        make_summary(self.paper, self.bob, "The transformer, summarised.")
        make_summary(self.paper, self.charlie, "Not a member's.")
        page = bob.get(self.meeting.get_absolute_url())
        self.assertContains(page, "Summary by Bob Berners")
        self.assertNotContains(page, "Summary by charlie")

    def test_an_anonymous_summary_is_never_listed_as_a_members(self):
        make_summary(self.paper, self.bob, "Anonymous work.", is_anonymous=True)
        alice = Client()
        alice.force_login(self.alice)
        self.assertNotContains(alice.get(self.meeting.get_absolute_url()), "Summary by")

    def test_members_discuss_a_meeting_and_others_cannot_post(self):
        url = f"{self.meeting.get_absolute_url()}/posts"
        bob = Client(enforce_csrf_checks=True)
        bob.force_login(self.bob)
        self.assertEqual(bob.post(url, {"body": "No token"}).status_code, 403)
        page = bob.get(self.meeting.get_absolute_url())
        token = page.cookies["csrftoken"].value
        response = bob.post(url, {"body": "Why $\\sqrt{d_k}$?", "csrfmiddlewaretoken": token})
        self.assertEqual(response.status_code, 302)
        page = bob.get(self.meeting.get_absolute_url())
        self.assertContains(page, "katex")
        self.assertContains(page, "Bob Berners")
        public = a_meeting(self.open, self.alice, self.paper)
        charlie = Client()
        charlie.force_login(self.charlie)
        response = charlie.post(f"{public.get_absolute_url()}/posts", {"body": "Hello"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(public.posts.count(), 0)

    def test_a_member_cannot_run_the_programme(self):
        bob = Client()
        bob.force_login(self.bob)
        new = f"/groups/{self.closed.slug}/meetings/new"
        self.assertEqual(bob.get(new).status_code, 403)
        cancel = f"{self.meeting.get_absolute_url()}/cancel"
        self.assertEqual(bob.post(cancel).status_code, 403)
        self.assertEqual(bob.post(f"/groups/{self.closed.slug}/delete").status_code, 403)
        self.assertTrue(Meeting.objects.filter(pk=self.meeting.pk).exists())

    def test_an_organiser_schedules_from_the_form_and_bad_input_is_a_400(self):
        alice = Client()
        alice.force_login(self.alice)
        new = f"/groups/{self.open.slug}/meetings/new"
        form = {
            "paper": str(self.paper.pk),
            "date": "2027-03-02",
            "time": "17:30",
            "minutes": "60",
            "time_zone": "America/New_York",
            "presenter": str(self.bob.pk),
        }
        for bad in (
            {"paper": "10.9999/nowhere"},
            {"date": "2027-02-30"},
            {"date": "0001-01-01", "time_zone": "Europe/Paris"},
            {"time_zone": "Nowhere"},
            {"time_zone": "a" * 300},
            {"time_zone": "localtime"},
            {"minutes": "²"},
            {"minutes": "9" * 5000},
            {"presenter": "x"},
            {"presenter": "9" * 5000},
            # The clocks go forward at 02:00 that night: 02:30 never happens in Paris.
            {"date": "2027-03-28", "time": "02:30", "time_zone": "Europe/Paris"},
        ):
            self.assertEqual(alice.post(new, {**form, **bad}).status_code, 400, bad)
        self.assertEqual(self.open.meetings.count(), 0)
        response = alice.post(new, form)
        meeting = self.open.meetings.get()
        self.assertRedirects(response, meeting.get_absolute_url())
        self.assertEqual(
            meeting.starts_at, datetime(2027, 3, 2, 17, 30, tzinfo=ZoneInfo("America/New_York"))
        )
        self.assertContains(alice.get(meeting.get_absolute_url()), "America/New_York")

    def test_a_public_groups_feed_lists_its_meetings(self):
        meeting = a_meeting(self.open, self.alice, self.paper, notes="<img src=x onerror=alert(1)>")
        response = self.client.get(f"/groups/{self.open.slug}/feed.atom")
        feed = ElementTree.fromstring(response.content)  # noqa: S314 - our own output, in a test
        (entry,) = feed.findall(f"{ATOM}entry")
        self.assertIn("Attention Is All You Need", entry.find(f"{ATOM}title").text)
        self.assertTrue(entry.find(f"{ATOM}link").get("href").endswith(meeting.get_absolute_url()))
        # The notes are text: a feed reader shows the characters, it runs no markup.
        self.assertIn("&lt;img src=x", entry.find(f"{ATOM}summary").text)

    def test_the_group_page_costs_the_same_queries_for_any_programme(self):
        url = self.open.get_absolute_url()
        a_meeting(self.open, self.alice, self.paper)
        with CaptureQueriesContext(connection) as few:
            self.assertContains(self.client.get(url), "Attention Is All You Need")
        for n in range(8):
            a_meeting(self.open, self.alice, make_paper(f"Paper {n}", authors=["A B"]), days=n - 4)
        with self.assertNumQueries(len(few.captured_queries)):
            self.assertContains(self.client.get(url), "Paper 7")


class GroupNotificationTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need")
        self.group = a_group(self.alice, "members", members=[self.bob, self.charlie])

    def inbox(self, user):
        return list(Notification.objects.visible().filter(recipient=user))

    def test_members_hear_of_a_new_meeting_and_the_presenter_is_asked_for_a_summary(self):
        a_meeting(self.group, self.alice, self.paper, presenter=self.bob)
        run_tasks()
        run_tasks()
        self.assertEqual(self.inbox(self.alice), [])
        (bob,) = self.inbox(self.bob)
        self.assertIn("You present", bob.message())
        self.assertIn("write its summary", bob.message())
        (charlie,) = self.inbox(self.charlie)
        self.assertIn("Deep learning club reads", charlie.message())
        self.assertEqual(charlie.get_absolute_url(), bob.meeting.get_absolute_url())

    def rename_presenter(self, meeting, presenter, by=None):
        services.edit_meeting(
            meeting,
            by or self.alice,
            paper=meeting.paper,
            starts_at=meeting.starts_at,
            minutes=90,
            time_zone=meeting.time_zone,
            presenter=presenter,
            location=meeting.location,
            notes=meeting.notes,
        )

    def test_a_presenter_named_by_an_edit_is_invited_once_and_the_members_not_told_again(self):
        meeting = a_meeting(self.group, self.alice, self.paper, presenter=self.bob)
        run_tasks()
        self.rename_presenter(meeting, self.charlie)
        run_tasks()
        run_tasks()
        (_as_a_member, invited) = sorted(self.inbox(self.charlie), key=lambda n: n.pk)
        self.assertIn("You present", invited.message())
        self.assertEqual(len(self.inbox(self.bob)), 1)  # told once, as it was
        self.assertEqual(self.inbox(self.alice), [])
        # Named again after someone else: invited again, once.
        self.rename_presenter(meeting, self.bob)
        self.rename_presenter(meeting, self.charlie)
        run_tasks()
        self.assertEqual(len(self.inbox(self.charlie)), 3)

    def test_an_edit_that_keeps_the_presenter_or_names_the_organiser_invites_nobody(self):
        meeting = a_meeting(self.group, self.alice, self.paper, presenter=self.bob)
        run_tasks()
        self.rename_presenter(meeting, self.bob)  # other fields only
        self.rename_presenter(meeting, self.alice)  # the organiser names themself
        run_tasks()
        self.assertEqual(len(self.inbox(self.bob)), 1)
        self.assertEqual(self.inbox(self.alice), [])

    def test_a_summary_written_for_a_meeting_is_told_to_the_group_once(self):
        meeting = a_meeting(self.group, self.alice, self.paper, presenter=self.bob)
        run_tasks()
        make_summary(self.paper, self.bob, "The summary for Tuesday.")
        run_tasks()
        told = Notification.objects.filter(kind=Notification.Kind.MEETING_SUMMARY)
        self.assertEqual(sorted(n.recipient_id for n in told), [self.alice.pk, self.charlie.pk])
        self.assertEqual(told[0].meeting, meeting)
        self.assertIn("for Deep learning club", told[0].message())

    def test_an_anonymous_summary_tells_the_group_nothing(self):
        a_meeting(self.group, self.alice, self.paper, presenter=self.bob)
        run_tasks()
        make_summary(self.paper, self.bob, "Who wrote this?", is_anonymous=True)
        run_tasks()
        self.assertFalse(
            Notification.objects.filter(kind=Notification.Kind.MEETING_SUMMARY).exists()
        )

    def test_a_summary_made_anonymous_after_the_group_was_told_leaves_the_inboxes(self):
        a_meeting(self.group, self.alice, self.paper, presenter=self.bob)
        summary = make_summary(self.paper, self.bob, "Signed at first.")
        run_tasks()
        self.assertEqual(len(self.inbox(self.charlie)), 2)  # the meeting, the summary
        update_summary(summary, is_anonymous=True)
        kinds = [n.kind for n in self.inbox(self.charlie)]
        self.assertEqual(kinds, [Notification.Kind.MEETING_SCHEDULED])

    def test_a_member_who_left_no_longer_sees_the_groups_notifications(self):
        a_meeting(self.group, self.alice, self.paper)
        run_tasks()
        self.assertEqual(len(self.inbox(self.charlie)), 1)
        services.leave(self.group, self.charlie)
        self.assertEqual(self.inbox(self.charlie), [])


class GroupFreshnessTests(PageCacheTestCase):
    def test_a_visitor_sees_a_new_meeting_and_a_group_made_members_only_at_once(self):
        paper = self.write(make_paper, "Attention Is All You Need")
        group = self.write(a_group, self.alice)
        url = group.get_absolute_url()
        self.assertNotContains(self.client.get(url), "Attention Is All You Need")
        self.assertContains(self.client.get("/groups"), "Deep learning club")
        self.write(a_meeting, group, self.alice, paper)
        self.assertContains(self.client.get(url), "Attention Is All You Need")
        self.write(
            services.edit_group,
            group,
            self.alice,
            name=group.name,
            description="",
            visibility="members",
            time_zone="UTC",
        )
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertNotContains(self.client.get("/groups"), "Deep learning club")

    def test_a_presenter_renamed_shows_at_once_on_the_meeting_and_in_the_calendar(self):
        paper = self.write(make_paper, "Attention Is All You Need")
        group = self.write(a_group, self.alice, members=[self.bob])
        meeting = self.write(a_meeting, group, self.alice, paper, presenter=self.bob)
        urls = [meeting.get_absolute_url(), f"{group.get_absolute_url()}/calendar.ics"]
        for url in urls:
            self.assertContains(self.client.get(url), "Bob Berners")
        self.write(update_profile, self.bob, display_name="Robert Berners", bio="", orcid="")
        for url in urls:
            self.assertContains(self.client.get(url), "Robert Berners")


class MeetingPageQueryTests(BaseTestCase):
    def test_the_meeting_page_costs_the_same_queries_for_any_discussion(self):
        paper = make_paper("Attention Is All You Need", authors=["Ashish Vaswani"])
        group = a_group(self.alice, "members", members=[self.bob])
        meeting = a_meeting(group, self.alice, paper, presenter=self.bob)
        services.post(meeting, self.bob, "First.")
        client = Client()
        client.force_login(self.alice)
        url = meeting.get_absolute_url()
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        for n in range(6):
            services.post(meeting, self.bob if n % 2 else self.alice, f"Message {n}.")
        make_summary(paper, self.bob, "The summary.")
        with self.assertNumQueries(len(one.captured_queries)):
            self.assertContains(client.get(url), "Message 5.")
