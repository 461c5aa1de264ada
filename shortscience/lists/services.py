"""Every write to a reading list: one function each, in one transaction, saying what changed
(the owner's pages, which show the list, and the directory of public lists)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from shortscience.lib.text import clean, clean_line
from shortscience.lists.models import NOTE_MAX, TITLE_MAX, ListItem, ReadingList
from shortscience.web import changes

# Bounds on what one member can make the site store and render.
MAX_LISTS_PER_MEMBER = 200
MAX_ITEMS_PER_LIST = 5000


def _title(text: str) -> str:
    title = clean_line(text).strip()
    if not title:
        raise ValidationError("A list needs a title.")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"A title has at most {TITLE_MAX} characters.")
    return title


def _note(text: str) -> str:
    note = clean(text).strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"A note has at most {NOTE_MAX:,} characters.")
    return note


def _visibility(value: str) -> str:
    if value not in ReadingList.Visibility.values:
        raise ValidationError("Choose private, unlisted or public.")
    return value


def _changed(reading_list: ReadingList) -> None:
    """The list changed: its counts and time, and the pages that show it (its own, its
    owner's profile, the directory)."""
    ReadingList.objects.filter(pk=reading_list.pk).update(
        updated=timezone.now(), item_count=reading_list.items.count()
    )
    changes.changed(members=[reading_list.owner_id], lists=[changes.READING_LISTS])


def create_list(
    owner, *, title: str, description: str = "", visibility: str = "private", paper=None
):
    """A new list of `owner`'s, holding `paper` when one is given (both or neither)."""
    with transaction.atomic():
        if owner.reading_lists.count() >= MAX_LISTS_PER_MEMBER:
            raise ValidationError(f"A member can keep at most {MAX_LISTS_PER_MEMBER} lists.")
        reading_list = ReadingList.objects.create(
            owner=owner,
            title=_title(title),
            description=_note(description),
            visibility=_visibility(visibility),
        )
        if paper is not None:
            add_paper(reading_list, paper)
        _changed(reading_list)
    return reading_list


def edit_list(reading_list: ReadingList, *, title: str, description: str, visibility: str):
    with transaction.atomic():
        reading_list.title = _title(title)
        reading_list.description = _note(description)
        reading_list.visibility = _visibility(visibility)
        reading_list.save(update_fields=["title", "description", "visibility"])
        _changed(reading_list)
    return reading_list


def delete_list(reading_list: ReadingList) -> None:
    with transaction.atomic():
        owner_id = reading_list.owner_id
        reading_list.delete()
        changes.changed(members=[owner_id], lists=[changes.READING_LISTS])


def add_paper(reading_list: ReadingList, paper, *, note: str = "") -> tuple[ListItem, bool]:
    """Put `paper` (or the paper it was merged into) at the end of the list; (item, added).
    A paper already on the list stays where it is."""
    paper_id = paper.merged_into_id or paper.pk
    with transaction.atomic():
        added = add_papers(reading_list, [paper_id], note=note)
        return ListItem.objects.get(reading_list=reading_list, paper_id=paper_id), bool(added)


def add_papers(reading_list: ReadingList, paper_ids, *, note: str = "") -> int:
    """Put every paper of `paper_ids` not on the list yet at its end, in their order, in a
    constant number of queries (add_paper() for one; the coverage check's "add them all");
    how many were added. The ids are the papers merges ended in: the caller's to resolve."""
    note = _note(note)
    with transaction.atomic():
        ReadingList.objects.select_for_update().filter(pk=reading_list.pk).first()
        there = set(reading_list.items.values_list("paper_id", flat=True))
        new = [pk for pk in dict.fromkeys(paper_ids) if pk not in there]
        if len(there) + len(new) > MAX_ITEMS_PER_LIST:
            raise ValidationError(f"A list holds at most {MAX_ITEMS_PER_LIST:,} papers.")
        last = reading_list.items.aggregate(last=Max("position"))["last"]
        start = 0 if last is None else last + 1
        ListItem.objects.bulk_create(
            ListItem(reading_list=reading_list, paper_id=pk, position=start + n, note=note)
            for n, pk in enumerate(new)
        )
        if new:
            _changed(reading_list)
    return len(new)


def update_item(item: ListItem, *, note: str | None = None, state: str | None = None) -> ListItem:
    with transaction.atomic():
        fields = []
        if note is not None:
            item.note = _note(note)
            fields.append("note")
        if state is not None:
            if state not in ListItem.State.values:
                raise ValidationError("A paper is to read or read.")
            item.state = state
            fields.append("state")
        if fields:
            item.save(update_fields=fields)
            _changed(item.reading_list)
    return item


def move_item(item: ListItem, offset: int) -> None:
    """Swap the paper with the one `offset` places away (-1: up, 1: down); at either end,
    nothing moves."""
    with transaction.atomic():
        ReadingList.objects.select_for_update().filter(pk=item.reading_list_id).first()
        # Read again under the lock: a move that committed meanwhile (a double click) has
        # changed this item's position, and swapping the stale one would duplicate it.
        reading_list = item.reading_list
        item = ListItem.objects.filter(pk=item.pk).first()
        if item is None:
            return
        item.reading_list = reading_list
        items = reading_list.items.order_by("position", "pk")
        if offset < 0:
            other = items.filter(position__lt=item.position).last()
        else:
            other = items.filter(position__gt=item.position).first()
        if other is None:
            return
        # Positions are distinct: add_paper() appends past the last under the list's lock.
        item.position, other.position = other.position, item.position
        ListItem.objects.bulk_update([item, other], ["position"])
        _changed(item.reading_list)


def remove_item(item: ListItem) -> None:
    with transaction.atomic():
        reading_list = item.reading_list
        item.delete()
        _changed(reading_list)
