"""The rule for the names members are shown by: a display name, or the username of a member
without one. Names are free text and not unique, so the rule refuses a name that readers
could take for another member's, or for a label the site itself writes in a byline.

Names are compared by their key (name_key()): case, accents, spacing, invisible format
characters and the Cyrillic and Greek letters that look like Latin ones do not count. Other
look-alikes (l, I and 1; O and 0; "rn" and "m"; the thousands of symbols in Unicode's
confusables table) are not folded: the hover title and the profile show the @username,
which is unique, for what this misses.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError

from shortscience.accounts.models import User

# Cyrillic and Greek letters drawn like a Latin letter in common fonts, mapped before
# case folding because some look Latin only in one case (Greek capital NU is an N, its
# small letter a v). Spelled by Unicode name so that the table is readable as text.
_LOOKALIKES = {
    "a": [
        "CYRILLIC SMALL LETTER A",
        "CYRILLIC CAPITAL LETTER A",
        "GREEK SMALL LETTER ALPHA",
        "GREEK CAPITAL LETTER ALPHA",
    ],
    "b": ["CYRILLIC CAPITAL LETTER VE", "GREEK CAPITAL LETTER BETA"],
    # NFKC turns the lunate sigma, a c to the eye, into the final sigma.
    "c": [
        "CYRILLIC SMALL LETTER ES",
        "CYRILLIC CAPITAL LETTER ES",
        "GREEK SMALL LETTER FINAL SIGMA",
    ],
    "d": ["CYRILLIC SMALL LETTER KOMI DE"],
    "e": ["CYRILLIC SMALL LETTER IE", "CYRILLIC CAPITAL LETTER IE", "GREEK CAPITAL LETTER EPSILON"],
    "h": ["CYRILLIC CAPITAL LETTER EN", "CYRILLIC SMALL LETTER SHHA", "GREEK CAPITAL LETTER ETA"],
    "i": [
        "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I",
        "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I",
        "CYRILLIC LETTER PALOCHKA",
        "GREEK CAPITAL LETTER IOTA",
        "GREEK SMALL LETTER IOTA",
    ],
    "j": ["CYRILLIC SMALL LETTER JE", "CYRILLIC CAPITAL LETTER JE", "GREEK LETTER YOT"],
    "k": [
        "CYRILLIC SMALL LETTER KA",
        "CYRILLIC CAPITAL LETTER KA",
        "GREEK SMALL LETTER KAPPA",
        "GREEK CAPITAL LETTER KAPPA",
    ],
    "m": ["CYRILLIC CAPITAL LETTER EM", "GREEK CAPITAL LETTER MU"],
    "n": ["GREEK CAPITAL LETTER NU"],
    "o": [
        "CYRILLIC SMALL LETTER O",
        "CYRILLIC CAPITAL LETTER O",
        "GREEK SMALL LETTER OMICRON",
        "GREEK CAPITAL LETTER OMICRON",
    ],
    "p": [
        "CYRILLIC SMALL LETTER ER",
        "CYRILLIC CAPITAL LETTER ER",
        "GREEK SMALL LETTER RHO",
        "GREEK CAPITAL LETTER RHO",
    ],
    "q": ["CYRILLIC SMALL LETTER QA", "CYRILLIC CAPITAL LETTER QA"],
    "s": ["CYRILLIC SMALL LETTER DZE", "CYRILLIC CAPITAL LETTER DZE"],
    "t": ["CYRILLIC CAPITAL LETTER TE", "GREEK CAPITAL LETTER TAU"],
    "u": ["GREEK SMALL LETTER UPSILON"],
    "v": ["GREEK SMALL LETTER NU", "CYRILLIC SMALL LETTER IZHITSA"],
    "w": ["CYRILLIC SMALL LETTER WE", "CYRILLIC CAPITAL LETTER WE"],
    "x": [
        "CYRILLIC SMALL LETTER HA",
        "CYRILLIC CAPITAL LETTER HA",
        "GREEK SMALL LETTER CHI",
        "GREEK CAPITAL LETTER CHI",
    ],
    "y": [
        "CYRILLIC SMALL LETTER U",
        "CYRILLIC CAPITAL LETTER U",
        "CYRILLIC CAPITAL LETTER STRAIGHT U",
        "GREEK CAPITAL LETTER UPSILON",
    ],
    "z": ["GREEK CAPITAL LETTER ZETA"],
}
_FOLD_LOOKALIKES = str.maketrans(
    {unicodedata.lookup(name): latin for latin, names in _LOOKALIKES.items() for name in names}
)

# What the site writes in place of a member's name, or next to it, and where. Kept here as
# text because accounts stands below the apps that write them (.importlinter); the tests
# check the apps' own constants against this rule.
SYSTEM_LABELS = (
    "Anonymous",  # summaries.models.Summary.byline(), notifications' actor_name()
    "Anonymous (the summary's author)",  # community.models.Comment.byline()
    "the summary's anonymous author",  # moderation.services.target_label()
    "[deleted]",  # members.services.DELETED_NAME, a closed account's name; deleted comments
    "[removed by a moderator]",  # community.threads: a moderated comment's placeholder
    "a former moderator",  # templates/moderation/log.html
)
# Words a name may not have anywhere in it: they make a name read as the site's own voice
# (a label above, or a role with powers). A whole word, so that "Badminton Fan" is a name.
_RESERVED_WORDS = frozenset(
    {
        *("anonymous", "anon", "deleted", "system"),
        *("moderator", "moderators", "moderation", "mod", "mods"),
        *("admin", "admins", "administrator", "administrators", "sysadmin"),
    }
)
# Long enough to refuse also inside a longer word or spaced out ("TheModerator",
# "A n o n y m o u s"), rare enough never to be part of a real name.
_RESERVED_INSIDE = ("anonymous", "moderator", "administrator")

_NOT_ALNUM = re.compile(r"[\W_]+")


def _visible(name: str) -> str:
    """`name` as it reads: compatibility forms folded (fullwidth, math letters, ligatures),
    invisible characters gone. ZWJ and ZWNJ are format characters that Persian and Indic
    names need, so they are ignored in comparisons rather than refused in names."""
    text = unicodedata.normalize("NFKC", name)
    return "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))


def name_key(name: str) -> str:
    """What two names must differ in to be told apart: not case, accents, spacing,
    invisible characters, a leading @, nor Latin look-alikes from Cyrillic and Greek."""
    text = unicodedata.normalize("NFD", _visible(name))
    # Marks that attach to a letter (accents, ccc > 0); the vowel signs of Indic scripts
    # (ccc 0) stay, as they make different names.
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_FOLD_LOOKALIKES).casefold()
    return " ".join(text.split()).removeprefix("@").strip()


def _site_key() -> str:
    return _NOT_ALNUM.sub("", name_key(settings.SITE_NAME))


def _check_shape(name: str) -> None:
    """The part of the rule that needs no database: the name reads as a name, not as a
    username, nor as a label or role of the site's."""
    if _visible(name).lstrip().startswith("@"):
        raise ValidationError(
            "A name cannot start with @: the site writes @ before usernames.", code="name_at"
        )
    key = name_key(name)
    compact = _NOT_ALNUM.sub("", key)
    if not compact:
        raise ValidationError("A name needs at least one letter or digit.", code="name_blank")
    words = set(_NOT_ALNUM.split(key))
    site = _site_key()
    if (
        key in {name_key(label) for label in SYSTEM_LABELS}
        or words & _RESERVED_WORDS
        or compact in _RESERVED_WORDS
        or any(word in compact for word in _RESERVED_INSIDE)
        or (site and site in compact)
    ):
        raise ValidationError(
            f"That name reads like the site's own words (Anonymous, [deleted], moderator, "
            f"admin, {settings.SITE_NAME}). Choose a name that is yours.",
            code="name_reserved",
        )


def _names_another_member(key: str, *, exclude_pk: int | None) -> bool:
    """Whether `key` is the key of a display name or username of a member other than
    `exclude_pk`, closed and banned accounts included.

    A scan of every member's names, compared in Python: the key cannot be computed in SQL.
    It runs only when a member names themself (a profile save, a sign-up); a stored key
    column with an index would make it one lookup, if that ever gets frequent.
    """
    others = User.objects.all() if exclude_pk is None else User.objects.exclude(pk=exclude_pk)
    for display_name, username in others.values_list("display_name", "username").iterator(
        chunk_size=2000
    ):
        if key == name_key(username) or (display_name and key == name_key(display_name)):
            return True
    return False


def validate_display_name(name: str, *, user: User | None) -> None:
    """Raise ValidationError unless `user` may be shown as `name`.

    Empty is allowed (the username is shown). So is the member's own current display name
    or username, whatever it looks like: a member whose name predates the rule can still
    save their profile, and their username shows nothing new.
    """
    if not name:
        return
    key = name_key(name)
    if user is not None and user.pk is not None:
        # From the database, not `user`: a ModelForm has written the new name on it already.
        current = User.objects.filter(pk=user.pk).values_list("display_name", "username").first()
        if current and key in {name_key(n) for n in current if n}:
            return
    _check_shape(name)
    if _names_another_member(key, exclude_pk=user.pk if user is not None else None):
        raise ValidationError(
            "Another member is shown by that name or username. Choose a name that readers "
            "cannot take for theirs.",
            code="name_taken",
        )


def validate_new_username(username: str, *, shallow: bool = False) -> None:
    """Raise ValidationError unless `username` may be a new member's: until they set a
    display name, bylines show it. Other usernames are allauth's check; `shallow` (allauth
    making up a username from a social account's details) skips the database."""
    _check_shape(username)
    if not shallow and _names_another_member(name_key(username), exclude_pk=None):
        raise ValidationError(
            "Another member is shown by that name. Choose a username that readers cannot "
            "take for theirs.",
            code="name_taken",
        )
